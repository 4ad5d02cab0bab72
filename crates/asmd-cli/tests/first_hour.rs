//! What a new user sees before installing anything: every command that needs a
//! dataset's files says which command installs it, commands that did nothing exit 1,
//! and names that no definition has get the closest existing ones.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Run the binary with a metadataset whose install directory is `install`.
fn asmd(tmp: &Path, install: &Path, args: &[&str]) -> (i32, String, String) {
    let meta = tmp.join("datasets.json");
    std::fs::write(
        &meta,
        serde_json::json!({"author": "t", "year": 2024, "url": "",
            "install_dir": install, "decompress_path": install})
        .to_string(),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_asmd"))
        .args(args)
        .env("ASMD_METADATASET", &meta)
        .env("ASMD_CACHE_DIR", tmp.join("cache"))
        .env_remove("ASMD_HOME")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const NOT_INSTALLED: &str = "Bach10 is not installed: run asmd install Bach10";

fn fresh() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let install = tmp.path().join("datasets");
    (tmp, install)
}

#[test]
fn commands_on_an_uninstalled_dataset_name_the_install_command() {
    let (tmp, inst) = fresh();
    let t = tmp.path();
    let out = |n: &str| t.join(n).display().to_string();
    for args in [
        vec!["audio", "info", "--datasets", "Bach10"],
        vec!["plot", "--datasets", "Bach10", &out("p.png")],
        vec!["export", "shards", "--datasets", "Bach10", &out("shards")],
        vec!["export", "parquet", "--datasets", "Bach10", &out("tables")],
        vec![
            "audio",
            "export",
            "--datasets",
            "Bach10",
            "--out",
            &out("wavs"),
        ],
    ] {
        let (code, _, err) = asmd(t, &inst, &args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(NOT_INSTALLED), "{args:?}: {err}");
    }
    // nothing half-written by the refused exports
    assert!(!t.join("tables").exists() && !t.join("p.png").exists());

    // convert of a dataset that is not there did nothing: exit 1, with the reason
    let (code, o, err) = asmd(t, &inst, &["convert", "Bach10"]);
    assert_eq!(code, 1, "{o}{err}");
    assert!(o.contains(NOT_INSTALLED), "{o}");
    assert!(err.contains("nothing was converted"), "{err}");

    // skipping missing songs is the option; a run that wrote nothing still fails
    let (code, o, err) = asmd(
        t,
        &inst,
        &[
            "export",
            "shards",
            "--datasets",
            "Bach10",
            "--skip-missing",
            &out("s2"),
        ],
    );
    assert_eq!(code, 1, "{o}{err}");
    assert!(o.contains("10 songs skipped"), "{o}");
    assert!(err.contains("no sample was written"), "{err}");

    // the installed-only selection is empty
    let (code, o, _) = asmd(
        t,
        &inst,
        &["query", "--datasets", "Bach10", "--installed", "--count"],
    );
    assert_eq!((code, o.trim()), (0, "0"));

    // `check` of a folder of the install directory, and of the directory itself
    let (code, _, err) = asmd(
        t,
        &inst,
        &["check", &inst.join("Bach10").display().to_string()],
    );
    assert_eq!(code, 1);
    assert!(err.contains(NOT_INSTALLED), "{err}");
    let (_, _, err) = asmd(t, &inst, &["check", &inst.display().to_string()]);
    assert!(err.contains("no dataset is installed in"), "{err}");

    // a folder without the completion marker is a partial install
    std::fs::create_dir_all(inst.join("Bach10")).unwrap();
    let (code, _, err) = asmd(t, &inst, &["audio", "info", "--datasets", "Bach10"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Bach10 is only partly installed: run asmd install Bach10 to finish it, or asmd verify --dataset Bach10"),
        "{err}"
    );
}

#[test]
fn unknown_names_get_the_closest_existing_ones() {
    let (tmp, inst) = fresh();
    for (args, want) in [
        (
            vec!["query", "--datasets", "Nope"],
            "unknown dataset `Nope` in `datasets`",
        ),
        (
            vec!["query", "--datasets", "bach1"],
            "did you mean `Bach10`?",
        ),
        (vec!["query", "--groups", "tran"], "did you mean `train`?"),
        (
            vec!["query", "--instruments", "Piano"],
            "did you mean `piano`?",
        ),
        (
            vec!["query", "--composer", "Bach", "--union", "--groups tset"],
            "did you mean `test`?",
        ),
    ] {
        let (code, _, err) = asmd(tmp.path(), &inst, &args);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // names are case-insensitive for datasets, as the filter is
    let (code, o, _) = asmd(
        tmp.path(),
        &inst,
        &["query", "--datasets", "bach10", "--count"],
    );
    assert_eq!((code, o.trim()), (0, "10"));
}
