//! A process killed mid-download or mid-unpack, then a rerun that completes the install
//! without fetching finished bytes again. The child process is this test binary itself,
//! re-run on the ignored `child_install` test with its configuration in an environment
//! variable; it parks itself (so the parent can kill it at a known point) through the
//! installer's progress events.

mod install_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use asmd::install::{install, state, Event, Outcome};
use install_support::*;
use serde_json::json;

const CHILD_ENV: &str = "ASMD_INSTALL_TEST_CHILD";

/// Runs only inside the child process spawned by the tests below.
#[test]
#[ignore = "helper run as a child process by the kill tests"]
fn child_install() {
    let Ok(cfg) = std::env::var(CHILD_ENV) else {
        return;
    };
    let cfg: serde_json::Value = serde_json::from_str(&cfg).unwrap();
    let defs =
        asmd::definition::load_dir(cfg["defs"].as_str().unwrap(), Default::default()).unwrap();
    let mut o = options(Path::new(cfg["install"].as_str().unwrap()), defs);
    let signal = PathBuf::from(cfg["signal"].as_str().unwrap());
    let block_on = cfg["block_on"].as_str().unwrap().to_string();
    o.observer = Some(Arc::new(move |e: &Event| {
        if let Event::Progress { task, done, .. } = e {
            if task.starts_with(&block_on) && *done > 0 {
                std::fs::write(&signal, b"parked").unwrap();
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }));
    let _ = install(&o);
    panic!("the child was expected to park before finishing");
}

/// Run the child until it parks at `block_on`, then kill it.
fn run_and_kill(install_dir: &Path, defs: &Path, block_on: &str) {
    let signal = install_dir.with_extension("signal");
    let cfg = json!({"install": install_dir, "defs": defs, "signal": signal, "block_on": block_on});
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_install",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, cfg.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !signal.exists() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("child exited before parking: {status}");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "child never reached {block_on}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn killed_mid_download_resumes_from_the_part_file() {
    let srv = Server::start();
    let payload = noise(4_000_000, 11);
    let archive = zip_bytes(&[("k/a.bin", &payload)]);
    let size = archive.len() as u64;
    srv.put("k.zip", archive);
    let defs = tmp();
    parse_def(
        &definition(
            "k",
            &["k/k/a.bin"],
            json!({"url": srv.url("k.zip"), "unpack": true}),
        ),
        defs.path(),
    );
    let root = tmp();
    let inst = root.path().join("inst");
    run_and_kill(&inst, defs.path(), "download");
    let part = inst.join(".asmd/work/k/downloads/k.zip.part");
    let have = std::fs::metadata(&part)
        .expect("a .part file after the kill")
        .len();
    assert!(have > 0 && have < size, "{have} of {size}");
    assert!(!inst.join("k").exists());
    let def = asmd::definition::load_dir(defs.path(), Default::default()).unwrap();
    assert_eq!(
        state::status(&inst, &def, None).unwrap()[0].state,
        state::DatasetState::Partial
    );

    let report = install(&options(&inst, def.clone())).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(read(inst.join("k/k/a.bin")), payload);
    let gets: Vec<_> = srv
        .requests("k.zip")
        .into_iter()
        .filter(|l| l.method == "GET")
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(
        gets[1].range.as_deref(),
        Some(format!("bytes={have}-").as_str())
    );
    assert_eq!(
        gets[1].sent,
        size - have,
        "finished bytes were fetched again"
    );
    assert_eq!(report.datasets[0].received, size - have);
    assert!(state::read_marker(&inst.join("k")).is_some());
}

#[test]
fn killed_mid_unpack_completes_without_downloading_again() {
    let srv = Server::start();
    let files: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("u/f{i}.bin"), noise(600_000, 20 + i)))
        .collect();
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    srv.put("u.zip", zip_bytes(&entries));
    let defs = tmp();
    let recs: Vec<String> = (0..6).map(|i| format!("u/u/f{i}.bin")).collect();
    let recs: Vec<&str> = recs.iter().map(String::as_str).collect();
    parse_def(
        &definition(
            "u",
            &recs,
            json!({"steps": [
                {"op": "download", "url": srv.url("u.zip")},
                {"op": "unpack", "archive": "u.zip"},
                {"op": "move", "from": "u/f5.bin", "to": "u/last.bin"}
            ]}),
        ),
        defs.path(),
    );
    let root = tmp();
    let inst = root.path().join("inst");
    run_and_kill(&inst, defs.path(), "unpack");
    assert!(
        !inst.join("u").exists(),
        "a half-unpacked dataset must not appear in place"
    );
    assert!(inst.join(".asmd/work/u/downloads/u.zip").is_file());
    let journal = state::Journal::read(&inst.join(".asmd/work/u/journal.json")).unwrap();
    assert_eq!((journal.done, journal.running), (1, Some(1)));

    let def = asmd::definition::load_dir(defs.path(), Default::default()).unwrap();
    let mut def = def;
    // the definition lists f5 under its moved name
    let mut v = def[0].to_json();
    v["songs"][5]["recording"]["path"][0] = json!("u/u/last.bin");
    def[0] = asmd::Definition::from_json_str(&v.to_string(), "u.json").unwrap();
    let report = install(&options(&inst, def)).unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(matches!(report.datasets[0].outcome, Outcome::Installed));
    for (i, (_, d)) in files.iter().enumerate().take(5) {
        assert_eq!(&read(inst.join(format!("u/u/f{i}.bin"))), d);
    }
    assert_eq!(read(inst.join("u/u/last.bin")), files[5].1);
    let gets = srv
        .requests("u.zip")
        .into_iter()
        .filter(|l| l.method == "GET")
        .count();
    assert_eq!(gets, 1, "the archive was downloaded again");
    assert_eq!(report.datasets[0].received, 0);
}
