//! `asmd list`, `query`, `info`, `check`, `convert`, `plot` and `cache` through the real binary: output,
//! exit codes (0 ok, 1 failure, 2 bad arguments) and errors on stderr.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden() -> PathBuf {
    repo().join("tests/fixtures/golden")
}

/// Run the binary with a metadataset that points into an empty temporary folder, so
/// the user's own configuration never leaks into a test; the ground-truth cache goes
/// next to it (`cache/`).
fn asmd_in(env_meta: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_asmd"))
        .args(args)
        .env("ASMD_METADATASET", env_meta)
        .env("ASMD_CACHE_DIR", env_meta.with_file_name("cache"))
        .env_remove("ASMD_HOME")
        .env_remove("ASMD_GT_DISK_CACHE")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn metadataset(dir: &Path, install: &Path) -> PathBuf {
    let p = dir.join("datasets.json");
    std::fs::write(
        &p,
        format!(
            r#"{{"author": "t", "year": 2024, "url": "", "install_dir": {:?}, "decompress_path": {:?}}}"#,
            install.display().to_string(),
            install.display().to_string()
        ),
    )
    .unwrap();
    p
}

fn golden_meta(tmp: &Path) -> PathBuf {
    metadataset(tmp, &golden().join("ground_truth"))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn list_shows_the_embedded_collection() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = golden_meta(tmp.path());
    let (code, out, err) = asmd_in(&meta, &["list"]);
    assert_eq!(code, 0, "{err}");
    for (name, songs) in [
        ("Bach10", 10),
        ("Maestro", 1276),
        ("MusicNet", 330),
        ("PHENICX", 4),
        ("SMD", 50),
        ("traditional_flute", 29),
        ("vienna_corpus", 88),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing in\n{out}"));
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(songs.to_string().as_str())
        );
    }
    assert!(out.contains("train(962)"), "{out}");
    let (code, out, _) = asmd_in(&meta, &["list", "--json"]);
    assert_eq!(code, 0);
    let v = json(&out);
    let total: u64 = v
        .as_array()
        .or_else(|| v["datasets"].as_array())
        .expect("an array of datasets")
        .iter()
        .map(|d| d["songs"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1792);
}

#[test]
fn query_filters_counts_and_set_operations() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = golden_meta(tmp.path());
    let count = |args: &[&str]| -> usize {
        let mut a = vec!["query"];
        a.extend_from_slice(args);
        a.push("--count");
        let (code, out, err) = asmd_in(&meta, &a);
        assert_eq!(code, 0, "{args:?}: {err}");
        out.trim().parse().unwrap()
    };
    let mozart = count(&[
        "--composer",
        "Mozart",
        "--instruments",
        "piano",
        "--ensemble",
        "false",
    ]);
    assert!(mozart > 0);
    assert_eq!(count(&["--datasets", "Bach10"]), 10);
    assert_eq!(
        count(&["--datasets", "Bach10", "--union", "--datasets SMD"]),
        60
    );
    assert_eq!(
        count(&["--datasets", "Maestro", "--minus", "--groups train"]),
        1276 - 962
    );
    assert_eq!(
        count(&["--datasets", "Maestro", "--intersect", "--groups train"]),
        962
    );
    // narrowing: a second filter never adds songs
    assert!(count(&["--composer", "Mozart"]) >= mozart);

    let (code, out, err) = asmd_in(&meta, &["query", "--datasets", "Bach10", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["songs"], 10);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(items[0]["dataset"], "Bach10");
    assert_eq!(items[0]["instruments"].as_array().unwrap().len(), 4);
    let gt = items[0]["ground_truth"]
        .as_array()
        .or_else(|| items[0]["gts"].as_array());
    assert!(
        gt.is_some_and(|g| g.len() == 4) || out.contains("-3.json.gz"),
        "{out}"
    );
}

#[test]
fn query_rejects_bad_arguments_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = golden_meta(tmp.path());
    let (code, out, err) = asmd_in(&meta, &["query", "--bogus"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("--bogus"), "{err}");
    let (code, _, err) = asmd_in(&meta, &["query", "--ground-truth", "f0=7"]);
    assert_ne!(code, 0);
    assert!(err.contains("f0") || err.contains('7'), "{err}");
}

#[test]
fn info_describes_a_dataset_and_names_unknown_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = golden_meta(tmp.path());
    let (code, out, err) = asmd_in(&meta, &["info", "Bach10"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Bach10  (10 songs"), "{out}");
    assert!(
        out.contains("conversion: from_bach10_f0, from_bach10_mat, from_midi"),
        "{out}"
    );
    assert!(out.contains("composers: Bach (10)"), "{out}");
    let (code, out, err) = asmd_in(&meta, &["info", "NoSuchSet"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("NoSuchSet"), "{err}");
}

#[test]
fn check_reports_valid_and_invalid_files() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = golden_meta(tmp.path());
    let dir = golden().join("ground_truth/Bach10");
    let (code, out, err) = asmd_in(&meta, &["check", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(" 0 invalid"), "{out}");

    // garbage, and a well-formed file that breaks a rule (offset before onset)
    let bad = tmp.path().join("bad-0.json.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&bad).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(b"garbage").unwrap();
    gz.finish().unwrap();
    let (code, out, _) = asmd_in(&meta, &["check", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("INVALID") && out.contains("bad-0.json.gz"),
        "{out}"
    );
    assert!(out.contains("line 1, column 1"), "{out}");

    let mut gt = asmd::GroundTruth::default();
    gt.precise_alignment.pitches = vec![60.0, 62.0];
    gt.precise_alignment.onsets = vec![0.0, 1.0];
    gt.precise_alignment.offsets = vec![0.5, 0.5];
    let rule = tmp.path().join("rule-0.json.gz");
    gt.write_path(&rule).unwrap();
    let (code, out, _) = asmd_in(&meta, &["check", rule.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("precise_alignment"), "{out}");
    assert!(out.contains('1'), "names the note index: {out}");

    let (code, _, err) = asmd_in(&meta, &["check", "/no/such/file-0.json.gz"]);
    assert_eq!(code, 1);
    assert!(err.contains("/no/such/file-0.json.gz"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn convert_writes_ground_truth_archive_and_reruns_incrementally() {
    let tmp = tempfile::tempdir().unwrap();
    let fix = repo().join("crates/asmd/tests/fixtures/convert/Bach10");
    let install = tmp.path().join("install");
    copy_dir(&fix.join("install"), &install);
    let defs = tmp.path().join("defs");
    std::fs::create_dir_all(&defs).unwrap();
    std::fs::copy(fix.join("definition.json"), defs.join("Bach10.json")).unwrap();
    let meta = metadataset(tmp.path(), &install);
    let archive = tmp.path().join("gt.tar.gz");
    let d = defs.to_str().unwrap();
    let (code, out, err) = asmd_in(
        &meta,
        &[
            "convert",
            "-d",
            d,
            "--archive",
            archive.to_str().unwrap(),
            "--jobs",
            "2",
            "-q",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 failed"), "{out}");
    let converted: usize = out.split_whitespace().next().unwrap().parse().unwrap();
    assert!(converted >= 1, "{out}");
    // every expected file, byte for byte in content
    for e in walk(&fix.join("expected")) {
        let rel = e.strip_prefix(fix.join("expected")).unwrap();
        let ours = asmd::GroundTruth::from_path(install.join(rel)).unwrap();
        let theirs = asmd::GroundTruth::from_path(&e).unwrap();
        assert_eq!(ours.precise_alignment, theirs.precise_alignment, "{rel:?}");
        assert_eq!(ours.score, theirs.score, "{rel:?}");
    }
    let names: Vec<String> = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&archive).unwrap(),
    ))
    .entries()
    .unwrap()
    .map(|e| e.unwrap().path().unwrap().display().to_string())
    .collect();
    assert!(!names.is_empty() && names.iter().all(|n| n.starts_with("Bach10/")));

    // a rerun has nothing to do; --json reports it
    let (code, out, _) = asmd_in(&meta, &["convert", "-d", d, "--json", "-q"]);
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["converted"], 0);
    assert_eq!(v["files_written"], 0);

    // --part K/N: validated by the parser (exit 2); a valid part runs
    let (code, _, err) = asmd_in(&meta, &["convert", "-d", d, "--part", "2/2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("K/N"), "{err}");
    let (code, out, err) = asmd_in(
        &meta,
        &["convert", "-d", d, "--part", "1/2", "--json", "-q"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["songs"].as_array().unwrap().len(), 1, "{out}");

    // unknown dataset: exit 1, the error names it and the known ones
    let (code, out, err) = asmd_in(&meta, &["convert", "-d", d, "Nope"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("`Nope`") && err.contains("Bach10"), "{err}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.to_string_lossy().ends_with(".json.gz") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn metadataset_comes_from_the_environment_or_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let meta_a = metadataset(&a, &tmp.path().join("install-a"));
    let meta_b = metadataset(&b, &tmp.path().join("install-b"));
    let first_mix = |args: &[&str], meta: &Path| -> String {
        let mut v = vec!["query", "--datasets", "Bach10", "--json"];
        v.extend_from_slice(args);
        let (code, out, err) = asmd_in(meta, &v);
        assert_eq!(code, 0, "{err}");
        json(&out)["items"][0]["mixed"][0]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(first_mix(&[], &meta_a).contains("install-a"));
    assert!(first_mix(&["--metadataset", meta_b.to_str().unwrap()], &meta_a).contains("install-b"));
    // a broken datasets.json is an error naming it
    let broken = tmp.path().join("broken.json");
    std::fs::write(&broken, "{\"install_dir\": 3}").unwrap();
    let (code, _, err) = asmd_in(&broken, &["query", "--datasets", "Bach10", "--paths"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("broken.json"), "{err}");
}

#[test]
fn plot_writes_png_and_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = golden_meta(tmp.path());
    let png = tmp.path().join("b.png");
    let (code, out, err) = asmd_in(
        &meta,
        &[
            "plot",
            "--datasets",
            "Bach10",
            "--types",
            "precise_alignment,score",
            "--width",
            "640",
            "--height",
            "400",
            png.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Bach10 / AchGottundHerr"), "{out}");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 640);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 400);
    let svg = tmp.path().join("m.svg");
    let (code, _, err) = asmd_in(
        &meta,
        &["plot", "--datasets", "Maestro", svg.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("precise_alignment") && text.contains("sustain"),
        "legend"
    );
    // colours per instrument, every type in one roll
    let (code, _, err) = asmd_in(
        &meta,
        &[
            "plot",
            "--datasets",
            "Bach10",
            "--color-by",
            "instrument",
            "--overlay",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    for want in [
        "notes by instrument",
        "violin",
        "bassoon",
        "score types overlaid",
        "score beats",
    ] {
        assert!(text.contains(want), "{want}");
    }
    let (code, _, err) = asmd_in(
        &meta,
        &[
            "plot",
            "--datasets",
            "Bach10",
            "--index",
            "99",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("--index 99"), "{err}");
    let (code, _, err) = asmd_in(
        &meta,
        &[
            "plot",
            "--datasets",
            "Bach10",
            "--types",
            "nope",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn cache_fills_when_ground_truth_is_loaded_and_clears() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = golden_meta(tmp.path());
    let (code, out, err) = asmd_in(&meta, &["cache", "info", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["enabled"], true);
    assert_eq!(v["files"], 0);
    let dir = tmp.path().join("cache/gt-v1");
    assert_eq!(v["dir"], dir.to_str().unwrap());

    // drawing a song loads its ground truth (one file per instrument)
    let png = tmp.path().join("s.png");
    let (code, _, err) = asmd_in(
        &meta,
        &["plot", "--datasets", "Bach10", png.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let v = json(&asmd_in(&meta, &["cache", "info", "--json"]).1);
    let n = v["files"].as_u64().unwrap();
    assert!(n >= 1, "{v}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count() as u64, n);
    // the second run reads the entries (and writes none)
    let (code, _, err) = asmd_in(
        &meta,
        &["plot", "--datasets", "Bach10", png.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json(&asmd_in(&meta, &["cache", "info", "--json"]).1)["files"],
        n
    );

    let (code, out, _) = asmd_in(&meta, &["cache", "info"]);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("entries  {n}")), "{out}");
    let (code, out, _) = asmd_in(&meta, &["cache", "clear"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), format!("removed {n} entries"));
    assert_eq!(
        json(&asmd_in(&meta, &["cache", "info", "--json"]).1)["files"],
        0
    );

    // off
    let o = Command::new(env!("CARGO_BIN_EXE_asmd"))
        .args(["cache", "info", "--json"])
        .env("ASMD_METADATASET", &meta)
        .env("ASMD_GT_DISK_CACHE", "0")
        .output()
        .unwrap();
    let v = json(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(
        (v["enabled"].clone(), v["dir"].clone()),
        (false.into(), serde_json::Value::Null)
    );
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    // `asmd list | head -0`: the reader is gone before anything is written
    let mut child = Command::new(env!("CARGO_BIN_EXE_asmd"))
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("panic") && !err.contains("internal error"),
        "{err}"
    );
}

#[test]
fn stats_describe_reports_each_file_of_a_song() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = golden_meta(tmp.path());
    let dir = golden().join("ground_truth/Bach10/Bach10_v1.1/03-ChristederdubistTagundLicht");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    let mut args = vec!["stats", "describe", "--json"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, err) = asmd_in(&meta, &args);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let reported = v["files"].as_array().unwrap();
    assert_eq!(reported.len(), 4);
    // these files hold a real score and no generated one: the score is described
    for f in reported {
        let groups = f["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 1, "{f}");
        let m = &groups[0];
        assert_eq!(m["kind"], "score", "{m}");
        let r = m["span_ratio"].as_f64().unwrap();
        assert!(r > 0.5 && r < 2.0, "{m}");
        assert!(m["matched"].as_u64().unwrap() <= m["notes"].as_u64().unwrap());
    }
    assert!(v["misaligned_span_ratio_spread"].is_null(), "{v}");
    // text output names every file; a missing file is an error naming it
    let mut args = vec!["stats", "describe"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, err) = asmd_in(&meta, &args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("03-ChristederdubistTagundLicht-3.json.gz"),
        "{out}"
    );
    let missing = tmp.path().join("nope-0.json.gz");
    let (code, _, err) = asmd_in(&meta, &["stats", "describe", missing.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("nope-0.json.gz"), "{err}");
}
