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

#[test]
fn info_shows_licence_and_homepage_and_cites() {
    let (tmp, inst) = fresh();
    let t = tmp.path();
    let (code, o, _) = asmd(t, &inst, &["info", "Maestro"]);
    assert_eq!(code, 0);
    assert!(
        o.contains("homepage: https://magenta.tensorflow.org/datasets/maestro"),
        "{o}"
    );
    assert!(
        o.contains("licence: CC-BY-NC-SA-4.0 (non-commercial use only)"),
        "{o}"
    );
    let (_, o, _) = asmd(t, &inst, &["info", "Bach10"]);
    assert!(o.contains("licence: unknown (see homepage)"), "{o}");
    let (code, o, _) = asmd(t, &inst, &["info", "SMD", "--cite"]);
    assert_eq!(code, 0);
    assert!(o.starts_with("@inproceedings{simonetta2020asmd,"), "{o}");
    assert!(o.matches('@').count() >= 2, "{o}");

    // `asmd install` prints the licence of what it installs (a local definition: no
    // network), before installing
    let defs = t.join("defs");
    std::fs::create_dir_all(&defs).unwrap();
    std::fs::write(
        defs.join("demo.json"),
        serde_json::json!({
            "name": "demo", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
            "sources": {"format": "unknown"}, "recording": {"format": "wav"},
            "ground_truth": {"all": {"precise_alignment": 1}},
            "about": {"license": null, "homepage": "https://example.org/demo"},
            "install": {"url": "unknown", "unpack": false, "login": false,
                        "post-process": "unknown", "conversion": []},
            "songs": [{"title": "a", "composer": "x", "instruments": ["piano"],
                "recording": {"path": ["demo/a.wav"]}, "ground_truth": ["demo/a-0.json.gz"],
                "groups": ["all"]}],
        })
        .to_string(),
    )
    .unwrap();
    let d = defs.display().to_string();
    for extra in [&["--dry-run"][..], &[][..]] {
        let mut args = vec![
            "--definitions",
            &d,
            "install",
            "demo",
            "--ground-truth",
            "convert",
        ];
        args.extend_from_slice(extra);
        let (_, o, _) = asmd(t, &inst, &args);
        assert!(
            o.contains(
                "demo               licence: unknown (see homepage) - https://example.org/demo"
            ),
            "{extra:?}: {o}"
        );
        assert!(o.contains("not licensed for commercial use"), "{o}");
    }
    // a wrongly typed key is an error naming the definition and the key
    let text = std::fs::read_to_string(defs.join("demo.json")).unwrap();
    std::fs::write(
        defs.join("demo.json"),
        text.replace("\"license\":null", "\"license\":3"),
    )
    .unwrap();
    let (code, _, err) = asmd(t, &inst, &["--definitions", &d, "info", "demo"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("demo.json: $.about.license: expected a string or null"),
        "{err}"
    );
}

#[test]
fn completions_for_the_usual_shells() {
    let (tmp, inst) = fresh();
    for (shell, marker) in [
        ("bash", "complete -F _asmd"),
        ("zsh", "#compdef asmd"),
        ("fish", "complete -c asmd"),
    ] {
        let (code, o, err) = asmd(tmp.path(), &inst, &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(o.contains(marker), "{shell}");
        // from the same definitions as the arguments: subcommands and their flags
        assert!(
            o.contains("install") && o.contains("skip-missing"),
            "{shell}"
        );
    }
    let (code, _, err) = asmd(tmp.path(), &inst, &["completions", "tcsh"]);
    assert_eq!(code, 2, "{err}");
}
