//! Installs from every kind of source and step against a real HTTP server on 127.0.0.1:
//! Mega's public-link protocol, mirrors, shell lines with consent, declarative steps with
//! the ASAP import, and the interactive mode driven by a script.

mod install_support;

use asmd::install::state;
use asmd::install::{install, Outcome};
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
fn shell_lines_need_consent_then_run_under_bash() {
    let srv = Server::start();
    srv.put(
        "flute.zip",
        zip_bytes(&[
            ("audio/a.wav", b"w"),
            ("score/a.midi", b"m"),
            ("ground_truth/", b""),
        ]),
    );
    let dd = tmp();
    let def = parse_def(
        &definition(
            "flute",
            &["flute/audio/a.wav"],
            json!({"url": srv.url("flute.zip"), "unpack": true, "post-process": [
                "mv &install_dir/flute/score/*.midi &install_dir/flute/ground_truth/",
                "echo {one,two} \"$ASMD_MIRROR\" > &install_dir/flute/shell.txt"
            ]}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![def]);
    let report = install(&o).unwrap();
    let e = failed(&report.datasets[0].outcome);
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(
        e.to_string().contains("mv &install_dir/flute/score/*.midi"),
        "{e}"
    );
    assert!(
        srv.requests("flute.zip").is_empty(),
        "nothing may be downloaded before consent"
    );
    assert!(!inst.path().join("flute").exists());
    o.allow_shell = true;
    let mirror = tmp();
    o.mirror = Some(asmd::install::Mirror::Dir(mirror.path().to_path_buf()));
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(read(inst.path().join("flute/ground_truth/a.midi")), b"m");
    let shell_out = String::from_utf8(read(inst.path().join("flute/shell.txt"))).unwrap();
    assert_eq!(
        shell_out.trim(),
        format!("one two {}", mirror.path().display())
    );
}

#[test]
fn mega_public_links_are_downloaded_decrypted_and_verified() {
    let srv = Server::start();
    let payload = noise(400_000, 5); // several MAC chunks
    let archive = zip_bytes(&[("audio/", b""), ("audio/f.wav", &payload)]);
    let key = mega_key(&archive, 7);
    let link = srv.put_mega("AbCdEf12", "traditional_flute.zip", &archive, key);
    // the legacy link form of the same file
    let legacy = link.replace("/file/AbCdEf12#", "/#!AbCdEf12!");
    let dd = tmp();
    let new_form = parse_def(
        &definition(
            "flute",
            &["flute/audio/f.wav"],
            json!({"url": link, "unpack": true}),
        ),
        dd.path(),
    );
    let old_form = parse_def(
        &definition(
            "flute2",
            &["flute2/audio/f.wav"],
            json!({"url": legacy, "unpack": true}),
        ),
        dd.path(),
    );
    // a link whose key carries a wrong MAC
    let mut bad_key = key;
    bad_key[31] ^= 1;
    bad_key[15] ^= 1; // keep the AES key, change only the MAC
    let bad_link = format!("https://mega.nz/file/AbCdEf12#{}", b64url(&bad_key));
    let bad = parse_def(
        &definition(
            "flute3",
            &["flute3/audio/f.wav"],
            json!({"url": bad_link, "unpack": true}),
        ),
        dd.path(),
    );
    let gone = parse_def(
        &definition(
            "flute4",
            &["flute4/audio/f.wav"],
            json!({"url": format!("https://mega.nz/file/Missing1#{}", b64url(&key)), "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![new_form, old_form, bad, gone]);
    o.net.mega_api = srv.mega_api();
    let report = install(&o).unwrap();
    assert!(
        matches!(report.datasets[0].outcome, Outcome::Installed),
        "{:?}",
        report.datasets[0]
    );
    assert!(
        matches!(report.datasets[1].outcome, Outcome::Installed),
        "{:?}",
        report.datasets[1]
    );
    assert_eq!(read(inst.path().join("flute/audio/f.wav")), payload);
    assert_eq!(read(inst.path().join("flute2/audio/f.wav")), payload);
    let m = state::read_marker(&inst.path().join("flute")).unwrap();
    assert_eq!(
        m.sources[0].name, "traditional_flute.zip",
        "name from the decrypted attributes"
    );
    let e = failed(&report.datasets[2].outcome);
    assert!(e.to_string().contains("integrity check failed"), "{e}");
    let e = failed(&report.datasets[3].outcome);
    assert!(
        e.to_string().contains("file not found") && e.to_string().contains("[-9]"),
        "{e}"
    );
    assert!(!inst.path().join("flute3").exists());
}

#[test]
fn mirror_folder_replaces_the_network() {
    let srv = Server::start(); // only serves the page links' fallback: must stay unused
    let mirror = tmp();
    std::fs::create_dir_all(mirror.path().join("data")).unwrap();
    let w = noise(20_000, 4);
    std::fs::write(mirror.path().join("m.zip"), zip_bytes(&[("m/a.wav", &w)])).unwrap();
    // an SMD-like page whose links are found under their URL path in the mirror
    std::fs::create_dir_all(mirror.path().join("SMD/files")).unwrap();
    std::fs::write(mirror.path().join("SMD/page.html"), r#"<a href="files/s1.mp3">1</a> <a href="files/s1.mid">m</a> <a href="../index.html">up</a>"#).unwrap();
    std::fs::write(mirror.path().join("SMD/files/s1.mp3"), b"mp3").unwrap();
    std::fs::write(mirror.path().join("SMD/files/s1.mid"), b"mid").unwrap();
    let dd = tmp();
    let unreachable = "http://127.0.0.1:9"; // discard port: nothing listens
    let m = parse_def(
        &definition(
            "m",
            &["m/m/a.wav"],
            json!({"url": format!("{unreachable}/deep/path/m.zip"), "unpack": true}),
        ),
        dd.path(),
    );
    let smd = parse_def(
        &definition(
            "smd",
            &["smd/s1.mp3"],
            json!({"steps": [{"op": "download_links", "page": format!("{unreachable}/SMD/page.html"), "accept": ["*.mp3", "*.mid"]}]}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![m, smd]);
    o.mirror = Some(asmd::install::Mirror::parse(
        &mirror.path().to_string_lossy(),
    ));
    o.net.retries = 0;
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(read(inst.path().join("m/m/a.wav")), w);
    assert_eq!(read(inst.path().join("smd/s1.mid")), b"mid");
    assert_eq!(read(inst.path().join("smd/s1.mp3")), b"mp3");
    assert!(!inst.path().join("smd/index.html").exists());
    assert!(srv.log().is_empty());
    let mk = state::read_marker(&inst.path().join("m")).unwrap();
    assert!(
        mk.sources[0].origin.starts_with("mirror folder"),
        "{:?}",
        mk.sources
    );
}

#[test]
fn declarative_steps_and_asap_import() {
    let srv = Server::start();
    srv.put(
        "maestro.zip",
        zip_bytes(&[
            ("maestro-v3.0.0/2006/p1.midi", b"perf1"),
            ("maestro-v3.0.0/2006/p1.wav", b"w1"),
            ("maestro-v3.0.0/2018/p2.midi", b"perf2"),
            ("maestro-v3.0.0/2018/p2.wav", b"w2"),
        ]),
    );
    let csv = "composer,midi_score,maestro_midi_performance\nA,A/x/midi_score.mid,{maestro}/2006/p1.midi\nB,B/y/midi_score.mid,{maestro}/2004/absent.midi\nC,C/z/midi_score.mid,\n";
    srv.put(
        "asap.zip",
        zip_bytes(&[
            ("asap-1.1/metadata.csv", csv.as_bytes()),
            ("asap-1.1/A/x/midi_score.mid", b"score1"),
            ("asap-1.1/B/y/midi_score.mid", b"score2"),
        ]),
    );
    srv.put(
        "midi.zip",
        zip_bytes(&[("midi/c_p01.mid", b"c1"), ("midi/skip_me.mid", b"no")]),
    );
    let dd = tmp();
    let maestro = parse_def(
        &definition(
            "Maestro",
            &[
                "Maestro/maestro-v3.0.0/2006/p1.wav",
                "Maestro/maestro-v3.0.0/2018/p2.wav",
            ],
            json!({"steps": [
                {"op": "download", "url": srv.url("maestro.zip")},
                {"op": "unpack", "archive": "maestro.zip"},
                {"op": "asap_scores", "url": srv.url("asap.zip"), "maestro": "maestro-v3.0.0"}
            ]}),
        ),
        dd.path(),
    );
    let vienna = parse_def(
        &definition(
            "vienna",
            &["vienna/c_p01.mid"],
            json!({"steps": [
                {"op": "download", "url": srv.url("midi.zip")},
                {"op": "unpack", "archive": "midi.zip"},
                {"op": "copy", "from": "&asmd_dir/my_scores/Chopin_*.mid", "to": "./"},
                {"op": "remove", "path": "midi/skip_*"},
                {"op": "move", "from": "midi/*.mid", "to": "./"},
                {"op": "remove", "path": "midi/"}
            ]}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![maestro, vienna]);
    let asmd_dir = tmp();
    asmd::install::shell::materialise_scores(asmd_dir.path()).unwrap();
    o.asmd_dir = Some(asmd_dir.path().to_path_buf());
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    let m = inst.path().join("Maestro/maestro-v3.0.0");
    assert_eq!(read(m.join("2006/p1.score.mid")), b"score1");
    assert!(!m.join("2018/p2.score.mid").exists());
    let v = inst.path().join("vienna");
    assert_eq!(read(v.join("c_p01.mid")), b"c1");
    assert!(v.join("Chopin_op38.mid").is_file() && v.join("Chopin_op10_no3.mid").is_file());
    assert!(!v.join("midi").exists() && !v.join("skip_me.mid").exists());
}

#[test]
fn interactive_mode_from_a_script() {
    let srv = Server::start();
    srv.put("i.zip", zip_bytes(&[("i/a.wav", b"aa")]));
    srv.put("j.zip", zip_bytes(&[("j/b.wav", b"bb")]));
    let dd = tmp();
    let i = definition(
        "ione",
        &["ione/i/a.wav"],
        json!({"url": srv.url("i.zip"), "unpack": true}),
    );
    let j = definition(
        "jtwo",
        &["jtwo/j/b.wav"],
        json!({"url": srv.url("j.zip"), "unpack": true, "post-process": ["touch &install_dir/jtwo/made-by-shell"]}),
    );
    parse_def(&i, dd.path());
    parse_def(&j, dd.path());
    let inst = tmp();
    let base = options(&inst.path().join("unused-default"), Vec::new());
    let target = inst.path().join("chosen");
    // install dir, one definition folder, done, datasets by number and name (with a bad
    // answer first), no ground truth, consent to the shell line, confirm
    let script = format!(
        "{}\n{}\n\n7\n0, jtwo\nn\ny\n\n",
        target.display(),
        dd.path().display()
    );
    let mut out = Vec::new();
    let report = asmd::install::interactive::run(script.as_bytes(), &mut out, &base, None)
        .unwrap()
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(report.ok(), "{text}");
    assert!(text.contains("no dataset number 7"), "{text}");
    assert!(
        text.contains("touch &install_dir/jtwo/made-by-shell"),
        "the shell line must be shown: {text}"
    );
    assert!(
        text.contains("to download:"),
        "the plan must be shown: {text}"
    );
    assert!(target.join("ione/i/a.wav").is_file());
    assert!(target.join("jtwo/made-by-shell").is_file());
    // declining the shell line installs the rest only; end of input cancels
    let target2 = inst.path().join("second");
    let script = format!(
        "{}\n{}\n\n\nn\nn\ny\n",
        target2.display(),
        dd.path().display()
    );
    let mut out = Vec::new();
    let report = asmd::install::interactive::run(script.as_bytes(), &mut out, &base, None)
        .unwrap()
        .unwrap();
    assert_eq!(report.datasets.len(), 1);
    assert!(target2.join("ione").is_dir() && !target2.join("jtwo").exists());
    let mut out = Vec::new();
    assert!(
        asmd::install::interactive::run("x\n".as_bytes(), &mut out, &base, None)
            .unwrap()
            .is_none()
    );
}

#[test]
fn asap_import_for_python_honours_the_mirror() {
    // what `python -m asmd.asap` runs: ASAP from $ASMD_MIRROR, scores into Maestro
    let inst = tmp();
    let maestro = inst.path().join("Maestro/maestro-v3.0.0/2004");
    std::fs::create_dir_all(&maestro).unwrap();
    std::fs::write(maestro.join("p.midi"), b"perf").unwrap();
    let mirror = tmp();
    let csv = "midi_score,maestro_midi_performance\nX/midi_score.mid,{maestro}/2004/p.midi\n";
    std::fs::write(
        mirror.path().join("asap-dataset-1.1.zip"),
        zip_bytes(&[
            ("asap-dataset-1.1/metadata.csv", csv.as_bytes()),
            ("asap-dataset-1.1/X/midi_score.mid", b"score"),
        ]),
    )
    .unwrap();
    let mut o = asmd::install::asap::AsapOptions::new(inst.path());
    o.mirror = Some(asmd::install::Mirror::Dir(mirror.path().to_path_buf()));
    o.net.retries = 0;
    let r = asmd::install::asap::import(&o).unwrap();
    assert_eq!((r.rows, r.copied), (1, 1));
    assert_eq!(read(maestro.join("p.score.mid")), b"score");
    // without Maestro: a clear error
    let empty = tmp();
    let e = asmd::install::asap::import(&asmd::install::asap::AsapOptions::new(empty.path()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("Maestro is not installed"), "{e}");
}

#[test]
fn convert_hook_builds_ground_truth_for_installed_datasets() {
    let srv = Server::start();
    srv.put(
        "cv.zip",
        zip_bytes(&[("cv/a.wav", b"w"), ("cv/a.mid", b"m")]),
    );
    let dd = tmp();
    let def = parse_def(
        &definition(
            "cv",
            &["cv/cv/a.wav"],
            json!({"url": srv.url("cv.zip"), "unpack": true}),
        ),
        dd.path(),
    );
    let inst = tmp();
    let mut o = options(inst.path(), vec![def.clone()]);
    o.ground_truth = asmd::install::GtMode::Convert;
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let c = calls.clone();
    o.convert = Some(std::sync::Arc::new(
        move |d: &asmd::Definition, dir: &std::path::Path| {
            c.lock().unwrap().push(d.name.clone());
            std::fs::write(dir.join("cv/cv/a-0.json.gz"), b"converted")
                .map_err(|e| asmd::Error::io(dir, e))
        },
    ));
    let report = install(&o).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(calls.lock().unwrap().as_slice(), ["cv"]);
    let st = state::status(inst.path(), &[def], None).unwrap();
    assert_eq!((st[0].gt_present, st[0].gt_marker), (1, true));
    // a failing hook is reported per dataset; the dataset itself stays installed
    let mut o2 = o.clone();
    o2.force = true;
    o2.convert = Some(std::sync::Arc::new(
        |_: &asmd::Definition, _: &std::path::Path| {
            Err(asmd::Error::new(
                asmd::ErrorKind::Callback,
                "converter exploded",
            ))
        },
    ));
    let report = install(&o2).unwrap();
    assert!(matches!(report.datasets[0].outcome, Outcome::Installed));
    let gt = report.datasets[0]
        .ground_truth
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap_err();
    assert!(gt.to_string().contains("converter exploded"));
    // without a hook, conversion is refused up front
    let mut o3 = o.clone();
    o3.convert = None;
    assert_eq!(install(&o3).unwrap_err().kind(), ErrorKind::Argument);
}
