//! `asmd::export`: tables built from real ground-truth files, written as Parquet and
//! read back with the parquet crate's own reader.
#![cfg(feature = "parquet")]

use std::path::Path;

use asmd::export::{self, ExportOptions, Tables};
use asmd::metadataset::Metadataset;
use asmd::{Dataset, Definition, GroundTruth, ScoreType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};

fn gt(notes: &[(f64, f64, f64, f64)], f0: &[f64]) -> GroundTruth {
    let mut g = GroundTruth::default();
    for &(p, on, off, v) in notes {
        g.precise_alignment.push_note(p, on, off, Some(v));
        g.score.push_note(p, on * 2.0, off * 2.0, None);
    }
    g.score.beats = vec![0.0, 1.0];
    g.misaligned = g.precise_alignment.clone();
    g.missing = (0..notes.len()).map(|k| k == 0).collect();
    g.extra = vec![false; notes.len()];
    g.sustain.times = vec![0.0, 0.5];
    g.sustain.values = vec![127.0, 0.0];
    g.f0 = f0.to_vec();
    g.instrument = 41;
    g
}

fn collection(root: &Path) -> Dataset {
    let install = root.join("install");
    gt(&[(60.0, 0.0, 1.0, 80.0), (64.0, 1.0, 1.5, 70.0)], &[])
        .write_path(install.join("a/s0-0.json.gz"))
        .unwrap();
    gt(&[(48.0, 0.5, 2.0, 60.0)], &[110.0, 111.0])
        .write_path(install.join("b/t0-0.json.gz"))
        .unwrap();
    let def = |name: &str, song: &str, extra_song: &str| {
        let text = format!(
            r#"{{"name": "{name}", "ensemble": false, "groups": ["all"], "instruments": ["violin"],
            "ground_truth": {{"all": {{"precise_alignment": 1, "score": 1, "misaligned": 2, "f0": 2}}}},
            "songs": [{{"title": "{song}", "composer": "x", "instruments": ["violin"],
                "recording": {{"path": ["{name}/{song}.wav"]}},
                "ground_truth": ["{name}/{song}-0.json.gz"], "groups": ["all"]}}{extra_song}]}}"#
        );
        Definition::from_json_str(&text, format!("/defs/{name}.json")).unwrap()
    };
    let absent = r#", {"title": "gone", "composer": "x", "instruments": ["violin"],
        "recording": {"path": ["b/gone.wav"]}, "ground_truth": ["b/gone-0.json.gz"], "groups": ["all"]}"#;
    Dataset::from_definitions(
        vec![def("a", "s0", ""), def("b", "t0", absent)],
        Metadataset::with_install_dir(install),
    )
    .unwrap()
}

#[test]
fn tables_hold_every_annotation() {
    let tmp = tempfile::tempdir().unwrap();
    let d = collection(tmp.path());
    let t = export::tables(&d, &ExportOptions::default()).unwrap();
    assert_eq!(t.len(), 2);
    let (a, b) = (&t[0], &t[1]);
    assert_eq!((a.dataset.as_str(), b.dataset.as_str()), ("a", "b"));
    assert_eq!(a.songs.song, [0]);
    assert_eq!(b.songs.song, [1, 2]);
    assert_eq!(b.songs.gt_present, [true, false]);
    assert_eq!(a.songs.duration, [Some(3.0)]); // the score is twice as long
                                               // 2 notes x (precise, misaligned, score)
    assert_eq!(a.notes.len(), 6);
    use ScoreType::*;
    assert_eq!(
        a.notes.score_type,
        [
            PreciseAlignment,
            PreciseAlignment,
            Misaligned,
            Misaligned,
            Score,
            Score
        ]
    );
    assert_eq!(
        a.notes.missing,
        [None, None, Some(true), Some(false), None, None]
    );
    assert_eq!(a.notes.velocity[4..], [None, None]);
    assert_eq!(a.notes.program, [41; 6]);
    assert_eq!(a.pedals.time, [0.0, 0.5]);
    assert_eq!(a.beats.time, [0.0, 1.0]);
    assert_eq!(b.f0.frame, [0, 1]);
    assert_eq!(b.f0.song, [1, 1]);
    assert!((b.f0.time[1] - 0.033).abs() < 1e-12);
    let strict = ExportOptions {
        require_gt: true,
        ..Default::default()
    };
    let e = export::tables(&d, &strict).unwrap_err();
    assert!(e.to_string().contains("gone-0.json.gz"), "{e}");
}

fn rows(path: &Path) -> Vec<Row> {
    let r = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    r.get_row_iter(None).unwrap().map(|x| x.unwrap()).collect()
}

fn field<'a>(row: &'a Row, name: &str) -> &'a Field {
    row.get_column_iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, f)| f)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn parquet_files_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let d = collection(tmp.path());
    let t = export::tables(&d, &ExportOptions::default()).unwrap();
    let out = tmp.path().join("out");
    let w = export::parquet::write(&t, &out, false).unwrap();
    assert_eq!(w.rows, [3, 9, 4, 4, 2]);
    assert_eq!(w.files.len(), 10);
    let songs = rows(&out.join("songs/b/part-0.parquet"));
    assert_eq!(songs.len(), 2);
    assert_eq!(field(&songs[1], "title"), &Field::Str("gone".into()));
    assert_eq!(field(&songs[1], "gt_present"), &Field::Bool(false));
    assert_eq!(field(&songs[1], "duration"), &Field::Null);
    assert_eq!(field(&songs[0], "gt_f0"), &Field::Byte(2));
    // every file names its dataset in a column of its own (readers that drop
    // partition folders, such as HF datasets, keep it)
    assert_eq!(field(&songs[1], "dataset"), &Field::Str("b".into()));
    match field(&songs[0], "instruments") {
        Field::ListInternal(l) => assert_eq!(l.elements(), &[Field::Str("violin".into())]),
        other => panic!("{other:?}"),
    }
    let notes = rows(&out.join("notes/a/part-0.parquet"));
    assert_eq!(notes.len(), 6);
    assert_eq!(
        field(&notes[0], "score_type"),
        &Field::Str("precise_alignment".into())
    );
    assert_eq!(field(&notes[1], "pitch"), &Field::Double(64.0));
    assert_eq!(field(&notes[2], "missing"), &Field::Bool(true));
    assert_eq!(field(&notes[4], "velocity"), &Field::Null);
    assert_eq!(field(&notes[0], "source"), &Field::Short(0));
    assert!(notes
        .iter()
        .all(|r| field(r, "dataset") == &Field::Str("a".into())));
    // empty tables are written too, with their schema
    assert!(rows(&out.join("f0/a/part-0.parquet")).is_empty());

    // an existing non-empty folder is refused, then replaced on request
    let e = export::parquet::write(&t, &out, false).unwrap_err();
    assert!(e.to_string().contains("not empty"), "{e}");
    export::parquet::write(&t[..1], &out, true).unwrap();
    assert!(!out.join("notes/b").exists());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".asmd-export")
        })
        .collect();
    assert!(leftovers.is_empty());
    assert_eq!(Tables::NAMES.len(), w.rows.len());

    // datasets `a` and `A` would share folders where case is ignored: refused
    let mut twice = t.clone();
    let mut upper = t[0].clone();
    upper.dataset = "A".into();
    twice.push(upper);
    let e = export::parquet::write(&twice, &tmp.path().join("case"), false).unwrap_err();
    assert!(e.to_string().contains("would share the folder"), "{e}");
    assert!(!tmp.path().join("case").exists());
}
