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
}
