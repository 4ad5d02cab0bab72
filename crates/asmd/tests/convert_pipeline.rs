//! The conversion pipeline's behaviour: selection, errors per song, reruns, the archive,
//! user converters and the misalignment hook.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use asmd::convert::{convert, file_seed, ConvertOptions, Outcome, Registry, SongContext};
use asmd::{Definition, ErrorKind, GroundTruth};

const SMD_MIDI: &str = "tests/fixtures/convert/SMD/install/SMD";

/// An install tree with dataset `demo`: three MIDI songs (`a`, `b`, `c`).
fn tree() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let install = tmp.path().join("install");
    std::fs::create_dir_all(install.join("demo")).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(SMD_MIDI);
    let mids: Vec<PathBuf> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        std::fs::copy(
            &mids[i % mids.len()],
            install.join(format!("demo/{name}.mid")),
        )
        .unwrap();
    }
    (tmp, install)
}

fn definition(name: &str, conversion: &str, songs: &[(&str, &[&str], &[&str])]) -> Definition {
    let songs: Vec<String> = songs
        .iter()
        .map(|(title, gts, groups)| {
            serde_json::json!({
                "title": title, "composer": "x", "instruments": vec!["piano"; gts.len()],
                "recording": {"path": [format!("{name}/{title}.wav")]},
                "ground_truth": gts, "groups": groups,
            })
            .to_string()
        })
        .collect();
    let text = format!(
        r#"{{"name": "{name}", "ensemble": false, "groups": ["all", "gen"], "instruments": ["piano"],
        "sources": {{"format": "unknown"}}, "recording": {{"format": "wav"}},
        "ground_truth": {{"all": {{"precise_alignment": 1, "misaligned": 0}},
                          "gen": {{"precise_alignment": 1, "misaligned": 2}}}},
        "install": {{"url": "unknown", "unpack": false, "login": false, "post-process": "unknown",
                    "conversion": {conversion}}},
        "songs": [{}]}}"#,
        songs.join(",")
    );
    Definition::from_json_str(&text, format!("/defs/{name}.json")).unwrap()
}

fn opts(install: &Path) -> ConvertOptions {
    ConvertOptions {
        install_dir: install.to_path_buf(),
        jobs: 2,
        ..Default::default()
    }
}

const MIDI: &str = r#"[["from_midi", {}]]"#;

#[test]
fn unknown_converter_fails_before_anything_runs() {
    let (_t, install) = tree();
    let def = definition(
        "demo",
        r#"[["from_midi", {}], ["from_nowhere", {}]]"#,
        &[("a", &["demo/a-0.json.gz"], &["all"])],
    );
    let e = convert(&[def], &Registry::builtin(), &opts(&install)).unwrap_err();
    assert_eq!(e.file(), Some(Path::new("/defs/demo.json")));
    assert_eq!(e.location(), Some("$.install.conversion[1]"));
    assert!(
        e.message().contains("unknown converter `from_nowhere`"),
        "{e}"
    );
    assert!(!install.join("demo/a-0.json.gz").exists());
    let def = definition(
        "demo",
        r#"[["from_midi", {"merge": "yes"}]]"#,
        &[("a", &["demo/a-0.json.gz"], &["all"])],
    );
    let e = convert(&[def], &Registry::builtin(), &opts(&install)).unwrap_err();
    assert!(e.message().contains("`merge` must be true or false"), "{e}");
}

#[test]
fn selection_and_not_installed_datasets() {
    let (_t, install) = tree();
    let a = definition("demo", MIDI, &[("a", &["demo/a-0.json.gz"], &["all"])]);
    let b = definition("absent", MIDI, &[("a", &["absent/a-0.json.gz"], &["all"])]);
    let defs = [a, b];
    let e = convert(
        &defs,
        &Registry::builtin(),
        &ConvertOptions {
            whitelist: vec!["nope".into()],
            ..opts(&install)
        },
    )
    .unwrap_err();
    assert!(e.message().contains("unknown dataset `nope`"), "{e}");
    let s = convert(
        &defs,
        &Registry::builtin(),
        &ConvertOptions {
            blacklist: vec!["DEMO".into()],
            ..opts(&install)
        },
    )
    .unwrap();
    assert_eq!(s.songs.len(), 0);
    assert_eq!(s.datasets_skipped.len(), 1);
    assert!(s.datasets_skipped[0].reason.contains("not installed"));
    let s = convert(
        &defs,
        &Registry::builtin(),
        &ConvertOptions {
            whitelist: vec!["demo".into()],
            ..opts(&install)
        },
    )
    .unwrap();
    assert_eq!((s.converted(), s.datasets_skipped.len()), (1, 0));
}

#[test]
fn one_bad_song_fails_alone() {
    let (_t, install) = tree();
    // b.mid is truncated; c has no input; d has no `-<k>` part
    let b = install.join("demo/b.mid");
    let bytes = std::fs::read(&b).unwrap();
    std::fs::write(&b, &bytes[..bytes.len() / 2]).unwrap();
    let def = definition(
        "demo",
        MIDI,
        &[
            ("a", &["demo/a-0.json.gz"], &["all"]),
            ("b", &["demo/b-0.json.gz"], &["all"]),
            ("c", &["demo/zzz-0.json.gz"], &["all"]),
            ("d", &["demo/d.json.gz"], &["all"]),
        ],
    );
    let s = convert(&[def], &Registry::builtin(), &opts(&install)).unwrap();
    assert_eq!((s.converted(), s.skipped(), s.failed()), (1, 1, 2), "{s}");
    let Outcome::Failed(f) = &s.songs[1].outcome else {
        panic!()
    };
    assert_eq!(f.converter.as_deref(), Some("from_midi"));
    assert_eq!(f.error.file(), Some(b.as_path()));
    assert!(f.error.message().contains("truncated"), "{}", f.error);
    assert!(!install.join("demo/b-0.json.gz").exists());
    let Outcome::Skipped { reason } = &s.songs[2].outcome else {
        panic!()
    };
    assert_eq!(reason, "no input file found");
    assert_eq!(
        s.songs[2].no_input[0].1,
        vec![install.join("demo/zzz.mid"), install.join("demo/zzz.midi")]
    );
    let Outcome::Failed(f) = &s.songs[3].outcome else {
        panic!()
    };
    assert!(
        f.error.message().contains("no `-<index>` part"),
        "{}",
        f.error
    );
    let text = s.to_string();
    assert!(
        text.contains("1 songs converted (1 files written), 1 skipped, 2 failed"),
        "{text}"
    );
    assert!(text.contains("FAILED demo #1 `b`: [from_midi] "), "{text}");
}

#[test]
fn rerun_redoes_only_stale_files_and_force_redoes_all() {
    let (_t, install) = tree();
    let def = definition(
        "demo",
        MIDI,
        &[
            ("a", &["demo/a-0.json.gz"], &["all"]),
            ("b", &["demo/b-0.json.gz"], &["all"]),
        ],
    );
    let reg = Registry::builtin();
    assert_eq!(
        convert(std::slice::from_ref(&def), &reg, &opts(&install))
            .unwrap()
            .converted(),
        2
    );
    // make a's output older than its input
    let out = std::fs::File::options()
        .write(true)
        .open(install.join("demo/a-0.json.gz"))
        .unwrap();
    out.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let s = convert(std::slice::from_ref(&def), &reg, &opts(&install)).unwrap();
    assert_eq!((s.converted(), s.skipped()), (1, 1));
    assert_eq!(s.songs[0].written, vec![install.join("demo/a-0.json.gz")]);
    assert_eq!(s.songs[1].up_to_date, vec!["demo/b-0.json.gz".to_string()]);
    let s = convert(
        &[def],
        &reg,
        &ConvertOptions {
            force: true,
            ..opts(&install)
        },
    )
    .unwrap();
    assert_eq!(s.converted(), 2);
}

#[test]
fn archive_holds_install_relative_paths() {
    let (_t, install) = tree();
    let def = definition(
        "demo",
        MIDI,
        &[
            ("a", &["demo/a-0.json.gz"], &["all"]),
            ("c", &["demo/c-0.json.gz"], &["all"]),
        ],
    );
    let archive = install.parent().unwrap().join("out/ground_truth.tar.gz");
    let s = convert(
        &[def],
        &Registry::builtin(),
        &ConvertOptions {
            archive: Some(archive.clone()),
            ..opts(&install)
        },
    )
    .unwrap();
    assert_eq!(s.archive.as_deref(), Some(archive.as_path()));
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&archive).unwrap(),
    ));
    let mut names = Vec::new();
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, std::fs::read(install.join(&name)).unwrap());
        names.push(name);
    }
    assert_eq!(names, vec!["demo/a-0.json.gz", "demo/c-0.json.gz"]);
}

#[test]
fn user_converter_by_name_and_validation() {
    let (_t, install) = tree();
    std::fs::write(install.join("demo/u.notes"), "60 0.0 1.0\n64 0.5 0.25\n").unwrap();
    let mut reg = Registry::builtin();
    reg.register_fn("from_notes", &[".notes"], false, |path, kwargs| {
        let shift = kwargs.get("shift").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let text = std::fs::read_to_string(path).map_err(|e| asmd::Error::io(path, e))?;
        let mut gt = GroundTruth::default();
        for line in text.lines() {
            let v: Vec<f64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
            gt.broad_alignment
                .push_note(v[0], v[1] + shift, v[2] + shift, None);
        }
        Ok(Some(vec![gt]))
    });
    let def = definition(
        "demo",
        r#"[["from_notes", {"shift": 1.0}]]"#,
        &[("u", &["demo/u-0.json.gz"], &["all"])],
    );
    let s = convert(&[def], &reg, &opts(&install)).unwrap();
    // the second note ends before it starts: validation fails, nothing is written
    let Outcome::Failed(f) = &s.songs[0].outcome else {
        panic!("{s}")
    };
    assert_eq!(f.error.kind(), ErrorKind::Check);
    assert!(
        f.error.to_string().contains("broad_alignment.offsets[1]"),
        "{}",
        f.error
    );
    assert!(!install.join("demo/u-0.json.gz").exists());
    std::fs::write(install.join("demo/u.notes"), "64 0.5 0.75\n60 0.0 1.0\n").unwrap();
    let def = definition(
        "demo",
        r#"[["from_notes", {"shift": 1.0}]]"#,
        &[("u", &["demo/u-0.json.gz"], &["all"])],
    );
    let s = convert(&[def], &reg, &opts(&install)).unwrap();
    assert!(s.is_success(), "{s}");
    let gt = GroundTruth::from_path(install.join("demo/u-0.json.gz")).unwrap();
    assert_eq!(gt.broad_alignment.onsets, vec![1.0, 1.5]); // sorted
    assert_eq!(gt.instrument, 0);
}

#[test]
fn misalign_hook_runs_only_for_level_two_with_stable_seeds() {
    let (_t, install) = tree();
    let def = definition(
        "demo",
        MIDI,
        &[
            ("a", &["demo/a-0.json.gz"], &["all"]),
            ("b", &["demo/b-0.json.gz"], &["all", "gen"]),
        ],
    );
    let seen: Arc<Mutex<Vec<(String, u64, usize)>>> = Arc::default();
    let log = seen.clone();
    let hook = move |gts: &mut [&mut GroundTruth], ctx: &SongContext| {
        assert_eq!(gts.len(), ctx.files.len());
        for (gt, f) in gts.iter_mut().zip(ctx.files) {
            log.lock()
                .unwrap()
                .push((f.relative_path.to_string(), f.seed, ctx.song_index));
            let p = gt.precise_alignment.clone();
            gt.misaligned.onsets = p.onsets.iter().rev().map(|x| x + 1.0).collect();
            gt.misaligned.offsets = p.offsets.iter().rev().map(|x| x + 2.0).collect();
            gt.misaligned.pitches = p.pitches.iter().rev().copied().collect();
            gt.missing = vec![false; p.onsets.len()];
            gt.extra = vec![false; p.onsets.len()];
        }
        Ok(())
    };
    let o = ConvertOptions {
        seed: 42,
        misalign: Some(Arc::new(hook)),
        ..opts(&install)
    };
    let s = convert(&[def], &Registry::builtin(), &o).unwrap();
    assert!(s.is_success(), "{s}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![(
            "demo/b-0.json.gz".to_string(),
            file_seed(42, "demo/b-0.json.gz"),
            1
        )]
    );
    let gt = GroundTruth::from_path(install.join("demo/b-0.json.gz")).unwrap();
    assert!(!gt.misaligned.onsets.is_empty());
    assert!(
        gt.misaligned.onsets.windows(2).all(|w| w[0] <= w[1]),
        "misaligned is sorted"
    );
    let a = GroundTruth::from_path(install.join("demo/a-0.json.gz")).unwrap();
    assert!(a.misaligned.onsets.is_empty());
}

#[test]
fn repeated_gt_path_is_converted_once() {
    let (_t, install) = tree();
    let def = definition(
        "demo",
        MIDI,
        &[("a", &["demo/a-0.json.gz", "demo/a-0.json.gz"], &["all"])],
    );
    let s = convert(&[def], &Registry::builtin(), &opts(&install)).unwrap();
    assert_eq!(s.songs[0].written.len(), 1);
}

/// Parts 0/2 and 1/2 convert disjoint songs, together all of them, into files identical
/// to a single run's (misalignment included: seeds depend only on paths).
#[test]
fn parts_split_the_songs_and_give_the_same_files() {
    let songs: &[(&str, &[&str], &[&str])] = &[
        ("a", &["demo/a-0.json.gz"], &["all", "gen"]),
        ("b", &["demo/b-0.json.gz"], &["all", "gen"]),
        ("c", &["demo/c-0.json.gz"], &["all", "gen"]),
    ];
    let hook = asmd::misalign::default_hook(None).unwrap();
    let run = |part: Option<(usize, usize)>, install: &Path| {
        let o = ConvertOptions {
            part,
            misalign: Some(hook.clone()),
            seed: 3,
            ..opts(install)
        };
        convert(&[definition("demo", MIDI, songs)], &Registry::builtin(), &o).unwrap()
    };
    let (_t1, whole) = tree();
    let s = run(None, &whole);
    assert_eq!(s.converted(), 3);
    let (_t2, split) = tree();
    let p0 = run(Some((0, 2)), &split);
    let p1 = run(Some((1, 2)), &split);
    let titles = |s: &asmd::convert::Summary| -> Vec<String> {
        s.songs.iter().map(|x| x.title.clone()).collect()
    };
    assert_eq!(titles(&p0), ["a", "c"]);
    assert_eq!(titles(&p1), ["b"]);
    for t in ["a", "b", "c"] {
        let f = format!("demo/{t}-0.json.gz");
        assert_eq!(
            std::fs::read(whole.join(&f)).unwrap(),
            std::fs::read(split.join(&f)).unwrap(),
            "{f}"
        );
    }
    let o = ConvertOptions {
        part: Some((2, 2)),
        ..opts(&split)
    };
    let e = convert(&[definition("demo", MIDI, songs)], &Registry::builtin(), &o).unwrap_err();
    assert!(e.message().contains("part 2 of 2"), "{e}");
}

/// The files of a misaligned song share one timeline: when one must be redone, the hook
/// gets them all (and all are rewritten); without misalignment only the stale one is.
#[test]
fn misalign_hook_gets_the_whole_song() {
    let (_t, install) = tree();
    let songs: &[(&str, &[&str], &[&str])] =
        &[("a", &["demo/a-0.json.gz", "demo/a-1.json.gz"], &["gen"])];
    let calls: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let log = calls.clone();
    let hook = move |gts: &mut [&mut GroundTruth], ctx: &SongContext| {
        log.lock().unwrap().push(
            ctx.files
                .iter()
                .map(|f| f.relative_path.to_string())
                .collect(),
        );
        assert_eq!(ctx.seed, file_seed(7, "demo/a-0.json.gz#song"));
        for (gt, f) in gts.iter_mut().zip(ctx.files) {
            assert_eq!(f.seed, file_seed(7, f.relative_path));
            let n = gt.precise_alignment.len();
            gt.misaligned = gt.precise_alignment.clone();
            gt.missing = vec![false; n];
            gt.extra = vec![false; n];
        }
        Ok(())
    };
    let with_hook = ConvertOptions {
        seed: 7,
        misalign: Some(Arc::new(hook)),
        ..opts(&install)
    };
    let s = convert(
        &[definition("demo", MIDI, songs)],
        &Registry::builtin(),
        &with_hook,
    )
    .unwrap();
    assert!(s.is_success(), "{s}");
    assert_eq!(s.songs[0].written.len(), 2);
    std::fs::remove_file(install.join("demo/a-1.json.gz")).unwrap();
    let s = convert(
        &[definition("demo", MIDI, songs)],
        &Registry::builtin(),
        &with_hook,
    )
    .unwrap();
    assert_eq!(s.songs[0].written.len(), 2, "both files redone together");
    assert!(s.songs[0].up_to_date.is_empty());
    let all = vec![
        "demo/a-0.json.gz".to_string(),
        "demo/a-1.json.gz".to_string(),
    ];
    assert_eq!(*calls.lock().unwrap(), vec![all.clone(), all]);
    std::fs::remove_file(install.join("demo/a-1.json.gz")).unwrap();
    let s = convert(
        &[definition("demo", MIDI, songs)],
        &Registry::builtin(),
        &opts(&install),
    )
    .unwrap();
    assert_eq!(
        s.songs[0].written.len(),
        1,
        "without misalignment only the stale file"
    );
    assert_eq!(s.songs[0].up_to_date, vec!["demo/a-0.json.gz".to_string()]);
}
