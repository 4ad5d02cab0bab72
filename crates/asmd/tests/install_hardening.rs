//! Untrusted archives and definitions cannot reach outside the install folder: links
//! relocated by `move`, ground-truth paths with `..` or absolute ones, zip bombs (lying
//! headers, honest headers, tar streams). Real installs against the HTTP server on
//! 127.0.0.1, with archives built here.

mod install_support;

use std::io::Write;
use std::path::Path;

use asmd::install::state::{self, VerifyOptions};
use asmd::install::{install, GtMode, Outcome};
use asmd::ErrorKind;
use install_support::*;
use serde_json::json;

fn failed(o: &Outcome) -> &asmd::Error {
    match o {
        Outcome::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// Every file under `dir` (following nothing), relative.
fn files_under(dir: &Path) -> Vec<String> {
    if !dir.exists() {
        return Vec::new();
    }
    state::walk_files(dir)
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn a_link_moved_to_where_it_points_outside_is_refused() {
    let srv = Server::start();
    let top = tmp();
    let root = std::fs::canonicalize(top.path()).unwrap();
    let inst = root.join("inst");
    // the victim: a folder next to the install folder, which the archive's link reaches
    // once moved (stage = inst/.asmd/work/reloc/root/reloc: 7 levels below `root`)
    let victim = root.join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("precious.txt"), b"keep me").unwrap();
    let up7 = "../../../../../../../victim";
    // inside at unpack time: a/b/c/d/e/f/g/l -> 7 levels up = the dataset folder itself
    let archive = tar_raw(&[
        ("a/b/c/d/e/f/g/readme.txt", b"r", None),
        ("a/b/c/d/e/f/g/l", b"", Some((up7, tar::EntryType::Symlink))),
        ("audio/x.wav", b"wav", None),
    ]);
    srv.put("reloc.tar", archive);
    // the same link carried by a moved folder, and moved itself; a zip variant too
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("audio/x.wav", o).unwrap();
    z.write_all(b"wav").unwrap();
    z.add_symlink("deep/er/l", "../../audio", o).unwrap();
    srv.put("reloc.zip", z.finish().unwrap().into_inner());
    let dd = tmp();
    let steps_tar = json!({"steps": [
        {"op": "download", "url": srv.url("reloc.tar")},
        {"op": "unpack", "archive": "reloc.tar"},
        {"op": "move", "from": "a/b/c/d/e/f/g", "to": "./"},
        {"op": "remove", "path": "g/l/*"},
        {"op": "copy", "from": "audio/x.wav", "to": "g/l/planted.wav"}
    ]});
    let steps_zip = json!({"steps": [
        {"op": "download", "url": srv.url("reloc.zip")},
        {"op": "unpack", "archive": "reloc.zip"},
        {"op": "move", "from": "deep/er/l", "to": "./"},
        {"op": "remove", "path": "l/*"}
    ]});
    let defs = vec![
        parse_def(
            &definition("reloc", &["reloc/audio/x.wav"], steps_tar),
            dd.path(),
        ),
        parse_def(
            &definition("relocz", &["relocz/audio/x.wav"], steps_zip),
            dd.path(),
        ),
    ];
    let report = install(&options(&inst, defs.clone())).unwrap();
    for d in &report.datasets {
        let e = failed(&d.outcome);
        assert_eq!(e.kind(), ErrorKind::Archive, "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("refusing to move the symbolic link")
                && msg.contains("outside the dataset folder"),
            "{msg}"
        );
    }
    let msg = failed(&report.datasets[0].outcome).to_string();
    assert!(
        msg.contains("`a/b/c/d/e/f/g/l`") && msg.contains(up7),
        "{msg}"
    );
    // nothing outside was touched, nothing was installed
    assert_eq!(read(victim.join("precious.txt")), b"keep me");
    assert_eq!(files_under(&victim), ["precious.txt"]);
    // refused before anything moved
    let stage = inst.join(".asmd/work/relocz/root/relocz");
    assert!(std::fs::symlink_metadata(stage.join("deep/er/l")).is_ok());
    assert!(std::fs::symlink_metadata(stage.join("l")).is_err());
    for name in ["reloc", "relocz"] {
        assert!(!inst.join(name).exists(), "{name} was installed");
    }
    let v = state::verify(&inst, &defs, VerifyOptions::default()).unwrap();
    assert!(v.iter().all(|d| !d.ok()));
}

#[test]
fn a_chain_of_links_that_escapes_after_a_move_fails_the_audit() {
    let srv = Server::start();
    // sub/t -> ..  (the dataset folder), a/y/l -> ../sub/t/../x: inside where unpacked
    // (a/sub does not exist, so it resolves to a/sub/x), but from y/l it climbs through
    // sub/t to the dataset folder and then one level above it
    srv.put(
        "chain.tar",
        tar_raw(&[
            ("audio/x.wav", b"wav", None),
            ("sub/t", b"", Some(("..", tar::EntryType::Symlink))),
            (
                "a/y/l",
                b"",
                Some(("../sub/t/../x", tar::EntryType::Symlink)),
            ),
        ]),
    );
    let dd = tmp();
    let def = parse_def(
        &definition(
            "chain",
            &["chain/audio/x.wav"],
            json!({"steps": [
                {"op": "download", "url": srv.url("chain.tar")},
                {"op": "unpack", "archive": "chain.tar"},
                {"op": "move", "from": "a/y", "to": "./"}
            ]}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let report = install(&options(inst.path(), vec![def])).unwrap();
    let e = failed(&report.datasets[0].outcome);
    assert_eq!(e.kind(), ErrorKind::Archive);
    let msg = e.to_string();
    assert!(
        msg.contains("after `move a/y to ./`")
            && msg.contains("`y/l` leads outside the dataset folder")
            && msg.contains("nothing was installed"),
        "{msg}"
    );
    assert!(!inst.path().join("chain").exists());
    assert!(state::read_marker(&inst.path().join("chain")).is_none());
}

#[test]
fn verify_reports_links_that_lead_outside() {
    let srv = Server::start();
    srv.put("v.zip", zip_bytes(&[("v/a.wav", b"w"), ("v/b.txt", b"b")]));
    let dd = tmp();
    let def = parse_def(
        &definition(
            "v",
            &["v/v/a.wav"],
            json!({"url": srv.url("v.zip"), "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let outside = tmp();
    let report = install(&options(inst.path(), vec![def.clone()])).unwrap();
    assert!(report.ok(), "{report:?}");
    let v = state::verify(
        inst.path(),
        std::slice::from_ref(&def),
        VerifyOptions::default(),
    )
    .unwrap();
    assert!(v[0].ok(), "{v:?}");
    // a link planted after the install (or left by another tool) is reported, and
    // makes the dataset not ok; an inside link is fine
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path(), inst.path().join("v/v/elsewhere")).unwrap();
        std::os::unix::fs::symlink("b.txt", inst.path().join("v/v/alias")).unwrap();
        std::os::unix::fs::symlink("../../../gone", inst.path().join("v/v/dangling")).unwrap();
        let v = state::verify(
            inst.path(),
            std::slice::from_ref(&def),
            VerifyOptions::default(),
        )
        .unwrap();
        assert!(!v[0].ok());
        assert_eq!(v[0].escaping_links.len(), 2, "{:?}", v[0].escaping_links);
        assert!(v[0].escaping_links[0].starts_with("v/dangling -> "));
        assert!(v[0].escaping_links[1].starts_with("v/elsewhere -> "));
        let j = v[0].to_json();
        assert_eq!(j["ok"], false);
        assert_eq!(j["escaping_links"].as_array().unwrap().len(), 2);
    }
}

/// The phenicx text format: `onset,offset,note`.
const NOTES: &[u8] = b"0.0,0.5,C4\n0.5,1.0,E4\n";

#[test]
fn ground_truth_paths_cannot_write_outside_the_install_folder() {
    let srv = Server::start();
    srv.put(
        "gtw.zip",
        zip_bytes(&[("ok.wav", b"w"), ("ok.txt", NOTES), ("b.wav", b"w")]),
    );
    let top = tmp();
    let root = std::fs::canonicalize(top.path()).unwrap();
    let inst = root.join("inst");
    let outside = root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    // the converter inputs exist outside: only the output paths are at fault
    std::fs::write(outside.join("esc.txt"), NOTES).unwrap();
    std::fs::write(outside.join("abs.txt"), NOTES).unwrap();
    let song = |title: &str, gt: &str| {
        json!({"title": title, "composer": "Anon", "instruments": ["piano"],
            "recording": {"path": ["gtw/b.wav"]}, "ground_truth": [gt], "groups": ["all"]})
    };
    let abs_gt = outside.join("abs-0.json.gz").to_string_lossy().into_owned();
    let def_json = json!({"name": "gtw", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
    "sources": {"format": "unknown"}, "recording": {"format": "wav"},
    "ground_truth": {"all": {"broad_alignment": 1}},
    "install": {"url": srv.url("gtw.zip"), "unpack": true,
                "conversion": [["from_phenicx_txt", {}]]},
    "songs": [
        json!({"title": "fine", "composer": "Anon", "instruments": ["piano"],
            "recording": {"path": ["gtw/ok.wav"]}, "ground_truth": ["gtw/ok-0.json.gz"], "groups": ["all"]}),
        song("climber", "gtw/../../outside/esc-0.json.gz"),
        song("absolute", &abs_gt),
    ]});
    let dd = tmp();
    let def = parse_def(&def_json, dd.path());
    let mut o = options(&inst, vec![def.clone()]);
    o.ground_truth = GtMode::Convert;
    o.convert = Some(asmd::convert::install_hook(
        asmd::convert::Registry::builtin(),
        asmd::convert::ConvertOptions {
            progress: false,
            jobs: 1,
            ..Default::default()
        },
    ));
    let report = install(&o).unwrap();
    let d = &report.datasets[0];
    assert!(matches!(d.outcome, Outcome::Installed), "{d:?}");
    let gt = d.ground_truth.as_ref().unwrap().as_ref().unwrap_err();
    let msg = gt.to_string();
    assert!(msg.contains("2 of 3 songs failed"), "{msg}");
    assert!(
        msg.contains("climber: ")
            && msg.contains(&def.origin.display().to_string())
            && msg.contains("$.songs[1].ground_truth[0]")
            && msg.contains("song `climber`")
            && msg.contains("leaves the install folder"),
        "{msg}"
    );
    assert!(msg.contains("$.songs[2].ground_truth[0]"), "{msg}");
    // the good song was converted, nothing was written outside
    assert!(inst.join("gtw/ok-0.json.gz").is_file());
    let mut out = files_under(&outside);
    out.sort();
    assert_eq!(out, ["abs.txt", "esc.txt"]);
    assert!(!root.join("esc-0.json.gz").exists());

    // a link inside the dataset folder that leads outside is not written through either
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, inst.join("gtw/lnk")).unwrap();
        let mut linked = def_json.clone();
        linked["songs"] = json!([song("linked", "gtw/lnk/esc-0.json.gz")]);
        let def2 = parse_def(&linked, dd.path());
        let s = asmd::convert::convert(
            &[def2],
            &asmd::convert::Registry::builtin(),
            &asmd::convert::ConvertOptions {
                install_dir: inst.clone(),
                progress: false,
                jobs: 1,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.failed(), 1);
        let (_, f) = s.failures().next().unwrap();
        assert!(
            f.error
                .to_string()
                .contains("refusing to change a path outside"),
            "{}",
            f.error
        );
        assert_eq!(files_under(&outside).len(), 2);
    }
}

/// A zip with one entry of `n` zero bytes, its sizes written honestly, or patched to
/// claim `claim` bytes in both the local header and the central directory.
fn zero_zip(n: u64, claim: Option<u32>) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    z.start_file("zeros.bin", o).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        z.write_all(&chunk[..k]).unwrap();
        left -= k as u64;
    }
    let mut b = z.finish().unwrap().into_inner();
    if let Some(c) = claim {
        let patch = |b: &mut Vec<u8>, sig: &[u8; 4], off: usize| {
            let at = b.windows(4).position(|w| w == sig).unwrap();
            b[at + off..at + off + 4].copy_from_slice(&c.to_le_bytes());
        };
        patch(&mut b, b"PK\x03\x04", 22);
        patch(&mut b, b"PK\x01\x02", 24);
    }
    b
}

#[test]
fn zip_bombs_are_stopped_and_leave_nothing_behind() {
    const N: u64 = 128 << 20;
    let srv = Server::start();
    // claims 1 MB, expands to 128 MiB
    srv.put("liar.zip", zero_zip(N, Some(1_000_000)));
    // says 128 MiB, honestly, from ~130 KB: 1000x
    srv.put("honest.zip", zero_zip(N, None));
    // a tar stream: sizes only known as they arrive
    let mut gzw = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    {
        let mut t = tar::Builder::new(&mut gzw);
        let mut h = tar::Header::new_gnu();
        h.set_size(N);
        h.set_mode(0o644);
        let zeros = std::io::Read::take(std::io::repeat(0), N);
        t.append_data(&mut h, "zeros.bin", zeros).unwrap();
        t.finish().unwrap();
    }
    srv.put("bomb.tar.gz", gzw.finish().unwrap());
    let dd = tmp();
    let defs: Vec<asmd::Definition> = ["liar.zip", "honest.zip", "bomb.tar.gz"]
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = format!("bomb{i}");
            parse_def(
                &definition(
                    &name,
                    &[&format!("{name}/zeros.bin")],
                    json!({"url": srv.url(f), "unpack": true}),
                ),
                dd.path(),
            )
        })
        .collect();
    let inst = tmp();
    // the plan already says which one would be refused (its listing is read remotely)
    let mut dry = options(inst.path(), defs.clone());
    dry.dry_run = true;
    let problems = install(&dry).unwrap().plan.unwrap().problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("honest.zip") && problems[0].contains("refused as a zip bomb"),
        "{problems:?}"
    );
    let report = install(&options(inst.path(), defs)).unwrap();
    let msgs: Vec<String> = report
        .datasets
        .iter()
        .map(|d| {
            let e = failed(&d.outcome);
            assert_eq!(e.kind(), ErrorKind::Archive, "{e}");
            e.to_string()
        })
        .collect();
    assert!(
        msgs[0].contains("liar.zip")
            && msgs[0].contains("entry `zeros.bin`")
            && msgs[0].contains("beyond the 1000000 bytes its header declares"),
        "{}",
        msgs[0]
    );
    assert!(
        msgs[1].contains("honest.zip") && msgs[1].contains("refusing to unpack a likely zip bomb"),
        "{}",
        msgs[1]
    );
    assert!(
        msgs[2].contains("bomb.tar.gz")
            && msgs[2].contains("expands beyond 64.0 MiB")
            && msgs[2].contains("stopped unpacking"),
        "{}",
        msgs[2]
    );
    // no half-extracted file anywhere: not installed, the staging folders are empty
    for i in 0..3 {
        let name = format!("bomb{i}");
        assert!(!inst.path().join(&name).exists());
        let stage = inst.path().join(format!(".asmd/work/{name}/root"));
        assert_eq!(files_under(&stage), Vec::<String>::new(), "{name}");
    }
}
