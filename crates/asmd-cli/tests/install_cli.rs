//! `asmd install` through the real binary, run from a working directory of its own.

use std::path::Path;
use std::process::Command;

/// `asmd install` with relative folders and a legacy definition whose only install step is
/// shell lines: they run in the work folder, so `&install_dir` (and the script itself)
/// must be absolute paths.
#[test]
fn relative_work_and_install_dirs_work_with_shell_lines() {
    let top = tempfile::tempdir().unwrap();
    let cwd = top.path();
    let defs = cwd.join("defs");
    std::fs::create_dir_all(&defs).unwrap();
    let def = serde_json::json!({
        "name": "shelly", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
        "sources": {"format": "unknown"}, "recording": {"format": "wav"},
        "ground_truth": {"all": {}},
        "install": {"post-process": [
            "mkdir -p &install_dir/shelly/audio",
            "printf wav > &install_dir/shelly/audio/a.wav",
            "cp &asmd_dir/my_scores/Chopin_op38.mid &install_dir/shelly/"
        ]},
        "songs": [{"title": "a", "composer": "x", "instruments": ["piano"],
            "recording": {"path": ["shelly/audio/a.wav"]},
            "ground_truth": ["shelly/audio/a-0.json.gz"], "groups": ["all"]}]
    });
    std::fs::write(defs.join("shelly.json"), def.to_string()).unwrap();
    let meta = cwd.join("datasets.json");
    std::fs::write(
        &meta,
        r#"{"author": "t", "year": 2024, "url": "", "install_dir": "./", "decompress_path": "./"}"#,
    )
    .unwrap();
    std::fs::create_dir_all(cwd.join("asmd-dir/my_scores")).unwrap();
    std::fs::write(cwd.join("asmd-dir/my_scores/Chopin_op38.mid"), b"MThd").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_asmd"))
        .current_dir(cwd)
        .args([
            "install",
            "--definitions",
            "defs",
            "--install-dir",
            "inst",
            "--work-dir",
            "scratch/tmp",
            "--asmd-dir",
            "asmd-dir",
            "--allow-shell",
            "--ground-truth",
            "none",
            "--quiet",
        ])
        .env("ASMD_METADATASET", &meta)
        .env("ASMD_CACHE_DIR", cwd.join("cache"))
        .env_remove("ASMD_HOME")
        .env_remove("ASMD_MIRROR")
        .env_remove("ASMD_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let inst = cwd.join("inst/shelly");
    assert_eq!(std::fs::read(inst.join("audio/a.wav")).unwrap(), b"wav");
    assert_eq!(
        std::fs::read(inst.join("Chopin_op38.mid")).unwrap(),
        b"MThd"
    );
    assert!(inst.join(".asmd-install.json").is_file());
    // the work folder was the relative one, and was cleaned up
    assert!(cwd.join("scratch/tmp/asmd-work").is_dir());
    assert!(!Path::new(&cwd.join("scratch/tmp/asmd-work/shelly")).exists());

    // `asmd verify NAME`, like `asmd install NAME`
    let verify = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_asmd"))
            .current_dir(cwd)
            .args(["verify", "--definitions", "defs", "--install-dir", "inst"])
            .args(args)
            .env("ASMD_METADATASET", &meta)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = verify(&["shelly"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("shelly") && out.contains("ok"), "{out}");
    let (code, _, err) = verify(&["nope"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("unknown dataset `nope` (available: shelly)"),
        "{err}"
    );
}

/// Offline, the dry run answers at once: an unknown host is not retried, and the plan
/// says what to do.
#[test]
fn offline_dry_run_fails_fast_and_says_what_to_do() {
    let top = tempfile::tempdir().unwrap();
    let cwd = top.path();
    let defs = cwd.join("defs");
    std::fs::create_dir_all(&defs).unwrap();
    let def = serde_json::json!({
        "name": "far", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
        "sources": {"format": "unknown"}, "recording": {"format": "wav"},
        "ground_truth": {"all": {}},
        "install": {"steps": [
            {"op": "download", "url": "http://nonexistent.invalid/far.zip", "size": 1234},
            {"op": "unpack", "archive": "far.zip"}
        ]},
        "songs": [{"title": "a", "composer": "x", "instruments": ["piano"],
            "recording": {"path": ["far/a.wav"]},
            "ground_truth": ["far/a-0.json.gz"], "groups": ["all"]}]
    });
    std::fs::write(defs.join("far.json"), def.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_asmd"))
        .current_dir(cwd)
        .args([
            "install",
            "far",
            "--dry-run",
            "--definitions",
            "defs",
            "--install-dir",
            "inst",
            "--ground-truth",
            "none",
            "--retries",
            "5",
        ])
        .env_remove("ASMD_MIRROR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error: cannot resolve the host name `nonexistent.invalid`"),
        "{stdout}"
    );
    assert!(stdout.contains("not retried"), "{stdout}");
    assert!(!stdout.contains("gave up after"), "{stdout}");
    assert!(
        stdout.contains("1.2 kB"),
        "the size from the definition: {stdout}"
    );
    assert!(
        stdout.contains("is this machine offline?") && stdout.contains("--mirror"),
        "{stdout}"
    );
    assert!(!cwd.join("inst").exists());
}
