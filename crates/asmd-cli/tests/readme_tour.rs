//! The README's getting-started and command-line tour, run in order as a new user would:
//! a fresh HOME, the `asmd` binary on PATH, and `ASMD_MIRROR` pointing at a local folder
//! holding a small `Bach10.zip` (real WAVs, Bach10's real annotation files) and a
//! `ground_truth.tar.gz` with its ground truth. The README cannot drift from what works.
//!
//! Not run: `pip install` (the binary under test stands for the package), `asmd
//! install --dry-run` without a dataset name (it probes every official source over the
//! network; tests run offline) and `asmd stats` (about 10 s each on the ASAP pairs of
//! tests/fixtures/asap; training and evaluation on those pairs are tested in
//! crates/asmd/tests/misalign.rs).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `bash` code block that follows `heading` in the README, one command per line
/// (comments and blank lines dropped).
fn block(readme: &str, heading: &str) -> Vec<String> {
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no `{heading}`"));
    let rest = &readme[start..];
    let open = rest.find("```bash\n").expect("a bash block") + "```bash\n".len();
    let close = rest[open..].find("```").unwrap();
    rest[open..open + close]
        .lines()
        .map(|l| match l.find("  #") {
            Some(i) => l[..i].trim(),
            None => l.trim(),
        })
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// `Bach10.zip` (every listed recording and source as a short WAV, the annotation files
/// of songs 1-2 of the real dataset, reused for the others) and `ground_truth.tar.gz`.
fn mirror(dir: &Path) {
    let defs = asmd::definition::official().unwrap();
    let bach = defs.iter().find(|d| d.name == "Bach10").unwrap();
    let fx = repo().join("crates/asmd/tests/fixtures/convert/Bach10");
    let ann = fx.join("install/Bach10/Bach10_v1.1");
    let gts = fx.join("expected/Bach10/Bach10_v1.1");
    let stems = ["01-AchGottundHerr", "02-AchLiebenChristen"];
    std::fs::create_dir_all(dir).unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.join("Bach10.zip")).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.join("ground_truth.tar.gz")).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    let tmp = tempfile::tempdir().unwrap();
    for (k, song) in bach.songs.iter().enumerate() {
        let src = stems[k % 2];
        for (j, rel) in song
            .recording
            .iter()
            .chain(song.sources.iter().flatten())
            .enumerate()
        {
            let f = 220.0 * (1.0 + j as f32 / 4.0);
            let x: Vec<f32> = (0..4000)
                .map(|i| 0.2 * (i as f32 * f * std::f32::consts::TAU / 8000.0).sin())
                .collect();
            let w = tmp.path().join("x.wav");
            asmd::audio::write_wav(&w, &[&x], 8000, false).unwrap();
            let name = rel.strip_prefix("Bach10/").unwrap();
            zip.start_file(name, opts).unwrap();
            zip.write_all(&std::fs::read(&w).unwrap()).unwrap();
        }
        let folder = Path::new(&song.ground_truth[0]).parent().unwrap();
        let stem = folder.file_name().unwrap().to_string_lossy().into_owned();
        for suffix in ["-GTNotes.mat", "-GTF0s.mat", ".mid"] {
            let bytes = std::fs::read(ann.join(src).join(format!("{src}{suffix}"))).unwrap();
            let name = format!(
                "{}/{stem}{suffix}",
                folder.strip_prefix("Bach10").unwrap().display()
            );
            zip.start_file(name, opts).unwrap();
            zip.write_all(&bytes).unwrap();
        }
        for (t, rel) in song.ground_truth.iter().enumerate() {
            let p = gts.join(src).join(format!("{src}-{t}.json.gz"));
            tar.append_path_with_name(&p, rel).unwrap();
        }
    }
    zip.finish().unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn readme_getting_started_and_tour_run_in_order() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut lines = block(&readme, "## Getting started");
    lines.extend(block(&readme, "### Command line"));
    assert!(
        lines.iter().any(|l| l == "asmd install Bach10"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l == "asmd status"), "{lines:?}");

    let top = tempfile::tempdir().unwrap();
    let (home, work, mirror_dir) = (
        top.path().join("home"),
        top.path().join("work"),
        top.path().join("mirror"),
    );
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    mirror(&mirror_dir);
    let bin = Path::new(env!("CARGO_BIN_EXE_asmd"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    for line in &lines {
        if line.starts_with("pip ")
            || line == "asmd install --dry-run"
            || line.starts_with("asmd stats ")
        {
            continue;
        }
        let t0 = std::time::Instant::now();
        let o = Command::new("sh")
            .args(["-c", line])
            .current_dir(&work)
            .env("PATH", &path)
            .env("HOME", &home)
            .env("ASMD_MIRROR", &mirror_dir)
            .env("ASMD_CACHE_DIR", top.path().join("cache"))
            .env_remove("ASMD_HOME")
            .env_remove("ASMD_METADATASET")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .output()
            .unwrap();
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert_eq!(o.status.code(), Some(0), "`{line}`\n{out}\n{err}");
        eprintln!("{:>6.2}s {line}", t0.elapsed().as_secs_f64());
        if line == "asmd status" {
            assert!(out.contains("Bach10") && out.contains("installed"), "{out}");
        }
    }
    // what the tour wrote
    assert!(work.join("song.png").is_file() && work.join("song.svg").is_file());
    assert!(work.join("tables").is_dir() && work.join("shards/manifest.json").is_file());
    assert!(work.join("wavs/Bach10").is_dir());
}
