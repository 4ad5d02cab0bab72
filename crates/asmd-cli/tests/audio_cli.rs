//! `asmd audio info` and `asmd audio export` through the real binary.

use std::path::Path;
use std::process::Command;

fn asmd(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_asmd"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn tree(root: &Path) {
    let install = root.join("install/duo");
    std::fs::create_dir_all(&install).unwrap();
    for (name, sr, secs) in [("a.wav", 22050u32, 1.0f32), ("b.wav", 44100, 0.5)] {
        let x: Vec<f32> = (0..(sr as f32 * secs) as usize)
            .map(|i| 0.3 * (i as f32 * 0.05).sin())
            .collect();
        asmd::audio::write_wav(&install.join(name), &[&x, &x], sr, false).unwrap();
    }
    let defs = root.join("defs");
    std::fs::create_dir_all(&defs).unwrap();
    let songs: Vec<String> = ["a", "b"]
        .iter()
        .map(|t| {
            format!(
                // the same title twice, as Maestro's performances of one piece
                r#"{{"title": "Sonata Op. 1", "composer": "x", "instruments": ["piano"],
                "recording": {{"path": ["duo/{t}.wav"]}}, "ground_truth": ["duo/{t}-0.json.gz"], "groups": ["all"]}}"#
            )
        })
        .collect();
    std::fs::write(
        defs.join("duo.json"),
        format!(
            r#"{{"name": "duo", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
            "sources": {{"format": "unknown"}}, "recording": {{"format": "wav"}},
            "ground_truth": {{"all": {{"precise_alignment": 1}}}},
            "install": {{"url": "unknown", "unpack": false, "login": false, "post-process": "unknown", "conversion": []}},
            "songs": [{}]}}"#,
            songs.join(",")
        ),
    )
    .unwrap();
}

#[test]
fn info_and_export() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tree(root);
    let defs = root.join("defs");
    let install = root.join("install");
    let (d, i) = (defs.to_str().unwrap(), install.to_str().unwrap());

    let (code, out, err) = asmd(&["audio", "info", "-d", d, "--install-dir", i, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["sample_rate"], 22050);
    assert_eq!(v[1]["duration"], 0.5);
    assert_eq!(v[1]["channels"], 2);

    let file = install.join("duo/a.wav");
    let (code, out, _) = asmd(&["audio", "info", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("22050") && out.contains("pcm_s16le"), "{out}");

    let outdir = root.join("wavs");
    let o = outdir.to_str().unwrap();
    let (code, out, err) = asmd(&[
        "audio",
        "export",
        "-d",
        d,
        "--install-dir",
        i,
        "--sr",
        "16000",
        "--out",
        o,
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 written"), "{out}");
    // one file per song although both have the same title: position + recording stem
    let a = asmd::audio::info(&outdir.join("duo/0000_a.wav")).unwrap();
    assert_eq!((a.sample_rate, a.channels, a.frames), (16000, 1, 16000));
    let b = asmd::audio::info(&outdir.join("duo/0001_b.wav")).unwrap();
    assert_eq!(b.frames, 8000);
    assert_eq!(std::fs::read_dir(outdir.join("duo")).unwrap().count(), 2);
    // A rerun keeps what is there.
    let (_, out, _) = asmd(&[
        "audio",
        "export",
        "-d",
        d,
        "--install-dir",
        i,
        "--sr",
        "16000",
        "--out",
        o,
        "-q",
    ]);
    assert!(out.contains("0 written, 2 kept"), "{out}");

    // A missing recording fails that song, names the file, and exits 1.
    std::fs::remove_file(install.join("duo/b.wav")).unwrap();
    let (code, _, err) = asmd(&[
        "audio",
        "export",
        "-d",
        d,
        "--install-dir",
        i,
        "--out",
        o,
        "--force",
        "-q",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("b.wav"), "{err}");
    let (code, _, err) = asmd(&["audio", "info", install.join("duo/b.wav").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("b.wav"), "{err}");
}

/// Two datasets whose names differ only in case would share folders on macOS and
/// Windows: the export refuses before writing anything.
#[test]
fn export_name_collision_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tree(root);
    let defs = root.join("defs");
    let text = std::fs::read_to_string(defs.join("duo.json")).unwrap();
    std::fs::write(
        defs.join("duo2.json"),
        text.replace(r#""name": "duo""#, r#""name": "DUO""#),
    )
    .unwrap();
    let outdir = root.join("wavs");
    let (code, _, err) = asmd(&[
        "audio",
        "export",
        "-d",
        defs.to_str().unwrap(),
        "--install-dir",
        root.join("install").to_str().unwrap(),
        "--out",
        outdir.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("would both be written to") && err.contains("0000_a.wav"),
        "{err}"
    );
    assert!(!outdir.exists(), "nothing may be written");
}

/// `asmd export shards` and `asmd export parquet` on real WAV + ground-truth files.
#[test]
fn export_shards_and_parquet() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tree(root);
    let install = root.join("install");
    for (t, pitch) in [("a", 60.0), ("b", 67.0)] {
        let mut gt = asmd::GroundTruth::default();
        gt.precise_alignment.push_note(pitch, 0.1, 0.4, Some(90.0));
        gt.write_path(install.join(format!("duo/{t}-0.json.gz")))
            .unwrap();
    }
    let defs = root.join("defs");
    let (d, i) = (defs.to_str().unwrap(), install.to_str().unwrap());
    let shards = |dir: &str, seed: &str| {
        let out = root.join(dir);
        let (code, out_text, err) = asmd(&[
            "-d",
            d,
            "--install-dir",
            i,
            "--json",
            "export",
            "shards",
            "--sr",
            "8000",
            "--max-shard-size",
            "1KB",
            "--shuffle",
            seed,
            out.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out_text).unwrap();
        let files: Vec<Vec<u8>> = v["shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| std::fs::read(p.as_str().unwrap()).unwrap())
            .collect();
        (v, files)
    };
    let (v, a) = shards("s1", "5");
    assert_eq!(v["samples"], 2);
    assert_eq!(a.len(), 2, "1 KB shards hold one sample each");
    let (_, b) = shards("s2", "5");
    assert_eq!(a, b, "same seed, same bytes");
    // entries: <key>.json, <key>.notes.npy, <key>.wav
    let mut names = Vec::new();
    for bytes in &a {
        let mut ar = tar::Archive::new(bytes.as_slice());
        for e in ar.entries().unwrap() {
            let e = e.unwrap();
            assert_eq!(e.header().mtime().unwrap(), 0);
            names.push(e.path().unwrap().display().to_string());
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "duo-000000.json",
            "duo-000000.notes.npy",
            "duo-000000.wav",
            "duo-000001.json",
            "duo-000001.notes.npy",
            "duo-000001.wav"
        ]
    );
    let (code, _, err) = asmd(&[
        "-d",
        d,
        "--install-dir",
        i,
        "export",
        "shards",
        "--max-shard-size",
        "lots",
        root.join("s3").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("lots"), "{err}");

    let pq = root.join("pq");
    let (code, out, err) = asmd(&[
        "-d",
        d,
        "--install-dir",
        i,
        "--json",
        "export",
        "parquet",
        pq.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"]["songs"], 2);
    assert_eq!(v["rows"]["notes"], 2);
    assert!(pq.join("notes/duo/part-0.parquet").is_file());
    let (code, _, err) = asmd(&[
        "-d",
        d,
        "--install-dir",
        i,
        "export",
        "parquet",
        pq.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("not empty"), "{err}");
}

/// A panic (here one asked for by the hidden `debug-panic` command, on the main thread
/// or on a worker) is printed as an error asking to report it, with exit code 1, not 101.
#[test]
fn panics_are_errors_with_exit_code_1() {
    for args in [&["debug-panic"][..], &["debug-panic", "--worker"]] {
        let (code, _, err) = asmd(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains("error: internal error: a panic asked for by a test"),
            "{err}"
        );
        assert!(err.contains("please report it"), "{err}");
    }
    let (_, out, _) = asmd(&["--help"]);
    assert!(!out.contains("debug-panic"), "hidden from the help");
}

/// Sample rates and ratios out of the documented range are refused with a clear error.
#[test]
fn extreme_sample_rates_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    tree(root);
    let defs = root.join("defs");
    let install = root.join("install");
    let (d, i) = (defs.to_str().unwrap(), install.to_str().unwrap());
    let out = root.join("wavs");
    for sr in ["2147483647", "1"] {
        let (code, _, err) = asmd(&[
            "audio",
            "export",
            "-d",
            d,
            "--install-dir",
            i,
            "--sr",
            sr,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("cannot resample"), "{err}");
    }
}
