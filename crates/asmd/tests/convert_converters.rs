//! Each built-in converter on one real sample file per format
//! (tests/fixtures/convert/samples, with the reference converter's output in
//! expected/<file>.json), and the errors of each input format.

use std::path::{Path, PathBuf};

use asmd::convert::{Input, Registry};
use asmd::{ErrorKind, GroundTruth};
use serde_json::{Map, Value};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/convert/samples")
}

#[test]
fn every_sample_equals_the_reference_converter() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(samples().join("manifest.json")).unwrap())
            .unwrap();
    let registry = Registry::builtin();
    let mut checked = 0;
    for a in manifest["annotations"].as_array().unwrap() {
        let file = a["file"].as_str().unwrap();
        let converter = a["converter"].as_str().unwrap();
        let kwargs = a["kwargs"].as_object().unwrap();
        let gt_path = samples().join(a["gt_name"].as_str().unwrap());
        let (input, out) = registry.run(converter, &gt_path, kwargs).unwrap();
        assert_eq!(input, Input::Found(samples().join(file)), "{file}");
        let ours = out.unwrap();
        let want_text =
            std::fs::read(samples().join("expected").join(format!("{file}.json"))).unwrap();
        let want: Vec<Value> = serde_json::from_slice(&want_text).unwrap();
        assert_eq!(ours.len(), want.len(), "{file}: number of ground truths");
        for (i, (o, w)) in ours.iter().zip(&want).enumerate() {
            let w = GroundTruth::from_json_slice(w.to_string().as_bytes(), file).unwrap();
            assert_eq!(o, &w, "{file}[{i}]");
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}

fn run_on(name: &str, file_name: &str, content: &[u8], kwargs: Value) -> asmd::Error {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file_name), content).unwrap();
    let stem = file_name.split(['.', '-']).next().unwrap();
    let gt = dir.path().join(format!("{stem}-0.json.gz"));
    let kwargs: Map<String, Value> = kwargs.as_object().cloned().unwrap_or_default();
    let e = Registry::builtin().run(name, &gt, &kwargs).unwrap_err();
    assert_eq!(e.file(), Some(dir.path().join(file_name).as_path()), "{e}");
    e
}

#[test]
fn csv_with_a_bad_row_names_the_line() {
    let e = run_on(
        "from_musicnet_csv",
        "x.csv",
        b"start_time,end_time,instrument,note,start_beat,end_beat,note_value\n1,2,1,60,0,1,Quarter\n3,abc,1,60,0,1,Quarter\n",
        Value::Null,
    );
    assert_eq!(e.kind(), ErrorKind::Format);
    assert_eq!(e.location(), Some("line 3"));
    assert!(
        e.message().contains("column 2 (`abc`) is not a number"),
        "{e}"
    );
    let e = run_on(
        "from_musicnet_csv",
        "y.csv",
        b"header\n1,2,1\n",
        Value::Null,
    );
    assert!(e.message().contains("expected 7 columns"), "{e}");
    let e = run_on(
        "from_sonic_visualizer",
        "z.gt",
        b"0.5,440.0,0.25\n0.75,x,0.1\n",
        Value::Null,
    );
    assert_eq!(e.location(), Some("line 2"));
    let e = run_on("from_sonic_visualizer", "w.gt", b"0.5,440.0\n", Value::Null);
    assert!(e.message().contains("expected 3 columns"), "{e}");
}

#[test]
fn phenicx_bad_lines_and_blank_lines() {
    let e = run_on(
        "from_phenicx_txt",
        "p.txt",
        b"0.1,0.2,C4\n\n0.3,0.4,H4\n",
        Value::Null,
    );
    assert_eq!(e.location(), Some("line 3"));
    assert!(e.message().contains("`H4` is not a note name"), "{e}");
    let e = run_on("from_phenicx_txt", "q.txt", b"0.1;0.2;C4\n", Value::Null);
    assert!(e.message().contains("onset,offset,notename"), "{e}");
    // an octave whose pitch overflows 64 bits (found by the fuzz target `phenicx`:
    // `attempt to multiply with overflow`, see fuzz/regressions/phenicx/)
    let e = run_on(
        "from_phenicx_txt",
        "r.txt",
        b"0.1,0.2,C4\n2.4,2.9,C1000000000000000000\n",
        Value::Null,
    );
    assert_eq!(e.location(), Some("line 2"));
    assert!(e.message().contains("is not a note name"), "{e}");
    // blank lines (the reference crashed on them) are skipped
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.txt"), "\n0.5,1.0,A4\r\n\n0.0,0.5,Eb4\n").unwrap();
    let (_, out) = Registry::builtin()
        .run(
            "from_phenicx_txt",
            &dir.path().join("ok-0.json.gz"),
            &Map::new(),
        )
        .unwrap();
    let g = &out.unwrap()[0].broad_alignment;
    assert_eq!(g.pitches, vec![63.0, 69.0]);
    assert_eq!(g.notes, vec!["Eb4".to_string(), "A4".to_string()]);
}

#[test]
fn mat_of_an_unexpected_shape() {
    // a scipy-written file without the expected variables / shapes
    let mat = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mat/scipy_plain.mat"),
    )
    .unwrap();
    let e = run_on("from_bach10_mat", "a-GTNotes.mat", &mat, Value::Null);
    assert!(e.message().contains("no variable `GTNotes`"), "{e}");
    let e = run_on("from_bach10_f0", "b-GTF0s.mat", &mat, Value::Null);
    assert!(e.message().contains("no variable `GTF0s`"), "{e}");
    // GTF0s with fewer rows than the sources asked for
    let f0 = std::fs::read(samples().join("bach10-GTF0s.mat")).unwrap();
    let e = run_on(
        "from_bach10_f0",
        "c-GTF0s.mat",
        &f0,
        serde_json::json!({"sources": [0, 7]}),
    );
    assert!(e.message().contains("source 7 requested"), "{e}");
    // GTNotes of the wrong kind, and a note that is not 2 x N
    let mats = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mat");
    let numeric = std::fs::read(mats.join("gtnotes_numeric.mat")).unwrap();
    let e = run_on("from_bach10_mat", "d-GTNotes.mat", &numeric, Value::Null);
    assert!(
        e.to_string()
            .contains("variable `GTNotes`: expected a cell array, found a double array"),
        "{e}"
    );
    let bad_note = std::fs::read(mats.join("gtnotes_bad_note.mat")).unwrap();
    let e = run_on("from_bach10_mat", "e-GTNotes.mat", &bad_note, Value::Null);
    assert_eq!(e.location(), Some("variable `GTNotes`, source 0, note 0"));
    assert!(
        e.message()
            .contains("expected a 2 x N matrix (frames; pitches), found [3, 5]"),
        "{e}"
    );
}

#[test]
fn bad_parameters_are_rejected() {
    let r = Registry::builtin();
    let check = |name: &str, kw: Value| {
        let spec = r.get(name).unwrap();
        (spec.check_params.as_ref().unwrap())(kw.as_object().unwrap()).unwrap_err()
    };
    assert!(check("from_midi", serde_json::json!({"alignment": "nope"}))
        .message()
        .contains("alignment"));
    assert!(check("from_midi", serde_json::json!({"merg": true}))
        .message()
        .contains("no parameter `merg`"));
    assert!(
        check("from_bach10_f0", serde_json::json!({"sources": "all"}))
            .message()
            .contains("list of non-negative integers")
    );
}

#[test]
fn midi_alignment_null_fills_only_pedals() {
    let kw = serde_json::json!({"alignment": null});
    let (_, out) = Registry::builtin()
        .run(
            "from_midi",
            &samples().join("maestro_performance-0.json.gz"),
            kw.as_object().unwrap(),
        )
        .unwrap();
    let gt = &out.unwrap()[0];
    assert!(gt.precise_alignment.is_empty());
    assert!(!gt.sustain.is_empty());
}
