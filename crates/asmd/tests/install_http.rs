//! End-to-end installs against a real HTTP server on 127.0.0.1.

mod install_support;

use std::time::Duration;

use asmd::install::state::{self, DatasetState, VerifyOptions};
use asmd::install::{install, GtMode, GtSource, Outcome};
use asmd::ErrorKind;
use install_support::*;
use serde_json::json;

fn failed(o: &Outcome) -> &asmd::Error {
    match o {
        Outcome::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn full_install_of_two_datasets_with_ground_truth() {
    let srv = Server::start();
    let wav_a = noise(70_000, 1);
    let wav_b = noise(50_000, 2);
    srv.put(
        "files/alpha.zip",
        zip_bytes(&[
            ("alpha_v1/", b""),
            ("alpha_v1/a.wav", &wav_a),
            ("alpha_v1/notes.txt", b"hello"),
        ]),
    );
    let beta = gz(&tar_bytes(&[("beta/", b""), ("beta/sub/b.wav", &wav_b)]));
    srv.put("files/beta.tar.gz", beta.clone());
    // the GT archive: both datasets plus one not chosen, under a `./` prefix
    srv.put(
        "gt/ground_truth.tar.gz",
        gz(&tar_bytes(&[
            ("./alpha/alpha_v1/a-0.json.gz", b"gt-a"),
            ("./beta/beta/sub/b-0.json.gz", b"gt-b"),
            ("./gamma/c-0.json.gz", b"gt-c"),
        ])),
    );
    let defs_dir = tmp();
    let alpha = parse_def(
        &definition(
            "alpha",
            &["alpha/alpha_v1/a.wav"],
            json!({"url": srv.url("files/alpha.zip"), "unpack": true}),
        ),
        defs_dir.path(),
    );
    let beta_def = parse_def(
        &definition(
            "beta",
            &["beta/beta/sub/b.wav"],
            json!({"steps": [
                {"op": "download", "url": srv.url("files/beta.tar.gz"), "checksum": {"md5": md5_hex(&beta)}, "size": beta.len()},
                {"op": "unpack", "archive": "beta.tar.gz"}
            ]}),
        ),
        defs_dir.path(),
    );
    let gamma = parse_def(
        &definition(
            "gamma",
            &["gamma/c.wav"],
            json!({"url": srv.url("files/none.zip"), "unpack": true}),
        ),
        defs_dir.path(),
    );
    let inst = tmp();
    let mut o = options(
        inst.path(),
        vec![alpha.clone(), beta_def.clone(), gamma.clone()],
    );
    o.datasets = vec!["alpha".into(), "BETA".into()];
    o.ground_truth = GtMode::Archive;
    o.gt_source = GtSource::url(&srv.url("gt/ground_truth.tar.gz"));
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.datasets.len(), 2);
    for d in &report.datasets {
        assert!(matches!(d.outcome, Outcome::Installed), "{d:?}");
        assert_eq!(
            d.ground_truth.as_ref().map(|r| *r.as_ref().unwrap()),
            Some(1)
        );
    }
    let root = inst.path();
    assert_eq!(read(root.join("alpha/alpha_v1/a.wav")), wav_a);
    assert_eq!(read(root.join("beta/beta/sub/b.wav")), wav_b);
    assert_eq!(read(root.join("alpha/alpha_v1/a-0.json.gz")), b"gt-a");
    assert_eq!(read(root.join("beta/beta/sub/b-0.json.gz")), b"gt-b");
    assert!(
        !root.join("gamma").exists(),
        "GT of an unchosen dataset was extracted"
    );
    // markers, manifest, status and verify
    let m = state::read_marker(&root.join("beta")).unwrap();
    assert_eq!(m.sources[0].size, beta.len() as u64);
    assert_eq!(
        m.sources[0].md5,
        md5_hex(&beta),
        "the verified MD5 is recorded"
    );
    let ma = state::read_marker(&root.join("alpha")).unwrap();
    assert_eq!(
        ma.sources[0].sha256.len(),
        64,
        "a SHA-256 is recorded when no checksum is published"
    );
    assert_eq!(m.files["beta/sub/b.wav"].0, wav_b.len() as u64);
    let st = state::status(
        root,
        &[alpha.clone(), beta_def.clone(), gamma.clone()],
        None,
    )
    .unwrap();
    assert_eq!(
        st.iter().map(|s| s.state).collect::<Vec<_>>(),
        [
            DatasetState::Installed,
            DatasetState::Installed,
            DatasetState::Absent
        ]
    );
    assert_eq!(
        (st[0].gt_present, st[0].gt_listed, st[0].gt_marker),
        (1, 1, true)
    );
    assert!(st[0].size_on_disk >= wav_a.len() as u64);
    let v = state::verify(
        root,
        &[alpha.clone(), beta_def.clone()],
        VerifyOptions { checksums: true },
    )
    .unwrap();
    assert!(v.iter().all(|d| d.ok()), "{v:?}");
    // the work folder is cleaned up
    assert!(!root.join(".asmd/work/alpha").exists());
    // corrupt a file: verify notices (size kept, content changed)
    let mut bad = wav_a.clone();
    bad[10] ^= 0xff;
    std::fs::write(root.join("alpha/alpha_v1/a.wav"), &bad).unwrap();
    let v = state::verify(
        root,
        std::slice::from_ref(&alpha),
        VerifyOptions { checksums: true },
    )
    .unwrap();
    assert_eq!(v[0].checksum_mismatch, ["alpha_v1/a.wav"]);
    // a second run does nothing and downloads nothing
    let before = srv.log().len();
    let again = install(&o).unwrap();
    assert!(again
        .datasets
        .iter()
        .all(|d| matches!(d.outcome, Outcome::AlreadyInstalled)));
    assert_eq!(srv.log().len(), before);
}

#[test]
fn every_archive_format_unpacks() {
    let srv = Server::start();
    let data = noise(30_000, 9);
    let entries: Entries = &[("d/", b""), ("d/x.wav", &data)];
    srv.put("a.tar", tar_bytes(entries));
    srv.put("a.tar.bz2", bz2(&tar_bytes(entries)));
    srv.put("a.tar.xz", xz(&tar_bytes(entries)));
    srv.put("a.tgz", gz(&tar_bytes(entries)));
    srv.put("a.zip", zip_bytes(entries));
    let dd = tmp();
    let mut defs = Vec::new();
    for (i, f) in ["a.tar", "a.tar.bz2", "a.tar.xz", "a.tgz", "a.zip"]
        .iter()
        .enumerate()
    {
        let name = format!("fmt{i}");
        let rec = format!("{name}/d/x.wav");
        defs.push(parse_def(
            &definition(&name, &[&rec], json!({"url": srv.url(f), "unpack": true})),
            dd.path(),
        ));
    }
    let inst = tmp();
    let report = install(&options(inst.path(), defs)).unwrap();
    assert!(report.ok(), "{report:?}");
    for i in 0..5 {
        assert_eq!(read(inst.path().join(format!("fmt{i}/d/x.wav"))), data);
    }
}

#[test]
fn dropped_connection_resumes_without_refetching() {
    let srv = Server::start();
    let data = noise(3_000_000, 3);
    srv.put("big.zip", zip_bytes(&[("big/x.bin", &data)]));
    let size = read_len(&srv, "big.zip");
    srv.fault("big.zip", Fault::DropAfter(1_000_000));
    let dd = tmp();
    let def = parse_def(
        &definition(
            "big",
            &["big/big/x.bin"],
            json!({"url": srv.url("big.zip"), "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let report = install(&options(inst.path(), vec![def])).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(read(inst.path().join("big/big/x.bin")), data);
    let gets: Vec<_> = srv
        .requests("big.zip")
        .into_iter()
        .filter(|l| l.method == "GET")
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(gets[0].sent, 1_000_000);
    assert_eq!(gets[1].range.as_deref(), Some("bytes=1000000-"));
    assert_eq!(srv.sent("big.zip"), size, "bytes were downloaded twice");
    assert_eq!(report.datasets[0].received, size);
}

fn read_len(srv: &Server, p: &str) -> u64 {
    srv.state.lock().unwrap().files[&format!("/{p}")].len() as u64
}

#[test]
fn not_found_and_timeout_fail_cleanly() {
    let srv = Server::start();
    srv.put("slow.zip", zip_bytes(&[("s/x", b"x")]));
    srv.fault("slow.zip", Fault::Stall);
    let dd = tmp();
    let missing = parse_def(
        &definition(
            "missing",
            &["missing/x"],
            json!({"url": srv.url("nope.zip"), "unpack": true}),
        ),
        dd.path(),
    );
    let slow = parse_def(
        &definition(
            "slow",
            &["slow/s/x"],
            json!({"url": srv.url("slow.zip"), "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![missing, slow]);
    o.net.read_timeout = Duration::from_millis(300);
    o.net.retries = 1;
    let report = install(&o).unwrap();
    let e404 = failed(&report.datasets[0].outcome);
    assert_eq!(e404.kind(), ErrorKind::Network);
    assert!(e404.to_string().contains("HTTP 404"), "{e404}");
    assert!(e404.to_string().contains("nope.zip"), "{e404}");
    assert_eq!(
        srv.requests("nope.zip").len(),
        1,
        "a 404 must not be retried"
    );
    let et = failed(&report.datasets[1].outcome);
    assert!(et.to_string().contains("timed out"), "{et}");
    assert_eq!(srv.requests("slow.zip").len(), 2, "one retry expected");
    assert!(!inst.path().join("missing").exists() && !inst.path().join("slow").exists());
    assert!(!report.ok());
}

#[test]
fn checksum_mismatch_marks_nothing_installed() {
    let srv = Server::start();
    srv.put("c.zip", zip_bytes(&[("c/x.wav", b"abc")]));
    let dd = tmp();
    let def = parse_def(
        &definition(
            "c",
            &["c/c/x.wav"],
            json!({"url": srv.url("c.zip"), "unpack": true, "checksum": {"md5": "0123456789abcdef0123456789abcdef"}}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let report = install(&options(inst.path(), vec![def.clone()])).unwrap();
    let e = failed(&report.datasets[0].outcome);
    assert!(
        e.to_string()
            .contains("checksum mismatch: expected md5 0123456789abcdef0123456789abcdef"),
        "{e}"
    );
    assert!(!inst.path().join("c").exists());
    assert_eq!(
        state::status(inst.path(), &[def], None).unwrap()[0].state,
        DatasetState::Absent
    );
    // the corrupt download was discarded, not kept for resuming
    assert!(!inst
        .path()
        .join(".asmd/work/c/downloads/c.zip.part")
        .exists());
}

#[test]
fn zip_slip_and_symlink_escapes_are_refused() {
    let srv = Server::start();
    srv.put(
        "slip.zip",
        zip_bytes(&[("ok/a.txt", b"a"), ("../evil.txt", b"evil")]),
    );
    srv.put(
        "link.tar",
        tar_raw(&[
            ("l/a.txt", b"a", None),
            (
                "l/etc",
                b"",
                Some(("../../../etc", tar::EntryType::Symlink)),
            ),
        ]),
    );
    srv.put(
        "abs.tar",
        tar_raw(&[(
            "l/passwd",
            b"",
            Some(("/etc/passwd", tar::EntryType::Symlink)),
        )]),
    );
    srv.put(
        "hard.tar",
        tar_raw(&[("h/x", b"", Some(("../../outside", tar::EntryType::Link)))]),
    );
    let dd = tmp();
    let defs = vec![
        parse_def(
            &definition(
                "slip",
                &["slip/ok/a.txt"],
                json!({"url": srv.url("slip.zip"), "unpack": true}),
            ),
            dd.path(),
        ),
        parse_def(
            &definition(
                "link",
                &["link/l/a.txt"],
                json!({"url": srv.url("link.tar"), "unpack": true}),
            ),
            dd.path(),
        ),
        parse_def(
            &definition(
                "abs",
                &["abs/l/passwd"],
                json!({"url": srv.url("abs.tar"), "unpack": true}),
            ),
            dd.path(),
        ),
        parse_def(
            &definition(
                "hard",
                &["hard/h/x"],
                json!({"url": srv.url("hard.tar"), "unpack": true}),
            ),
            dd.path(),
        ),
    ];
    let inst = tmp();
    let report = install(&options(inst.path(), defs)).unwrap();
    let msgs: Vec<String> = report
        .datasets
        .iter()
        .map(|d| failed(&d.outcome).to_string())
        .collect();
    assert!(
        msgs[0].contains("slip.zip")
            && msgs[0].contains("entry `../evil.txt`")
            && msgs[0].contains("outside"),
        "{}",
        msgs[0]
    );
    assert!(
        msgs[1].contains("entry `l/etc`") && msgs[1].contains("points outside"),
        "{}",
        msgs[1]
    );
    assert!(
        msgs[2].contains("/etc/passwd") && msgs[2].contains("points outside"),
        "{}",
        msgs[2]
    );
    assert!(
        msgs[3].contains("hard link") && msgs[3].contains("outside"),
        "{}",
        msgs[3]
    );
    for d in &report.datasets {
        assert_eq!(failed(&d.outcome).kind(), ErrorKind::Archive);
    }
    assert!(!inst.path().join(".asmd/work/slip/evil.txt").exists());
    assert!(!inst.path().join(".asmd/work/evil.txt").exists());
    assert!(!inst.path().join("slip").exists());
}

#[test]
fn dry_run_plans_without_writing() {
    let srv = Server::start();
    let z = zip_bytes(&[
        ("p/a.wav", &noise(10_000, 8)),
        ("p/b.wav", &noise(5_000, 9)),
    ]);
    srv.put("p.zip", z.clone());
    let dd = tmp();
    let def = parse_def(
        &definition(
            "p",
            &["p/p/a.wav"],
            json!({"url": srv.url("p.zip"), "unpack": true, "post-process": ["echo hi"]}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(&inst.path().join("new"), vec![def]);
    o.dry_run = true;
    let report = install(&o).unwrap();
    let plan = report.plan.unwrap();
    assert_eq!(plan.download_bytes, z.len() as u64);
    assert_eq!(
        plan.datasets[0].fetches[0].unpacked,
        Some(15_000),
        "zip central directory read over ranges"
    );
    assert!(plan.disk_needed >= z.len() as u64 + 15_000);
    assert!(plan.throughput.is_some() && plan.estimated_seconds.is_some());
    assert!(plan.needs_shell());
    let text = plan.render();
    assert!(
        text.contains("echo hi") && text.contains("free space"),
        "{text}"
    );
    assert!(!inst.path().join("new").exists());
}

#[test]
fn redirects_are_followed() {
    let srv = Server::start();
    let data = noise(40_000, 11);
    srv.put("real/r.zip", zip_bytes(&[("r/x.wav", &data)]));
    srv.fault("old/r.zip", Fault::Redirect("real/r.zip".into()));
    let dd = tmp();
    let def = parse_def(
        &definition(
            "r",
            &["r/r/x.wav"],
            json!({"url": srv.url("old/r.zip"), "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let report = install(&options(inst.path(), vec![def])).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(read(inst.path().join("r/r/x.wav")), data);
    assert!(srv.requests("real/r.zip").iter().any(|l| l.method == "GET"));
    assert_eq!(srv.sent("real/r.zip"), read_len(&srv, "real/r.zip"));
}

/// Datasets download at the same time with `jobs > 1`, one after the other with 1.
#[test]
fn downloads_run_in_parallel_across_datasets() {
    for jobs in [1, 3] {
        let srv = Server::start();
        let dd = tmp();
        let mut defs = Vec::new();
        for i in 0..3 {
            let f = format!("p{i}.zip");
            srv.put(&f, zip_bytes(&[("d/x.bin", &noise(60_000, 20 + i))]));
            srv.fault(&f, Fault::Slow(8_000)); // ~80 ms per archive
            let name = format!("p{i}");
            let rec = format!("{name}/d/x.bin");
            defs.push(parse_def(
                &definition(&name, &[&rec], json!({"url": srv.url(&f), "unpack": true})),
                dd.path(),
            ));
        }
        let inst = tmp();
        let mut o = options(inst.path(), defs);
        o.jobs = jobs;
        let report = install(&o).unwrap();
        assert!(report.ok(), "{report:?}");
        for i in 0..3u64 {
            assert_eq!(
                read(inst.path().join(format!("p{i}/d/x.bin"))),
                noise(60_000, 20 + i)
            );
        }
        let most = srv.state.lock().unwrap().max_active;
        if jobs == 1 {
            assert_eq!(most, 1, "one download at a time with jobs = 1");
        } else {
            assert!(most >= 2, "downloads did not overlap with jobs = {jobs}");
        }
    }
}

#[test]
fn http_mirror_replaces_the_official_source() {
    let mirror = Server::start();
    let data = noise(30_000, 12);
    // found by file name at the mirror's root (the official URL's path is tried first)
    mirror.put("m.zip", zip_bytes(&[("m/a.wav", &data)]));
    let dd = tmp();
    let def = parse_def(
        &definition(
            "m",
            &["m/m/a.wav"],
            json!({"url": "http://127.0.0.1:9/deep/path/m.zip", "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![def]);
    o.mirror = Some(asmd::install::Mirror::parse(&mirror.url("")));
    o.net.retries = 0;
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(read(inst.path().join("m/m/a.wav")), data);
    assert!(mirror.sent("m.zip") > 0);
    let mk = state::read_marker(&inst.path().join("m")).unwrap();
    assert!(
        mk.sources[0].origin.starts_with("mirror"),
        "{:?}",
        mk.sources
    );
}
