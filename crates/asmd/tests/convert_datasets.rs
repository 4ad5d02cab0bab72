//! End-to-end conversion of the 7 official datasets on tiny install trees in their
//! original layouts (tests/fixtures/convert/<dataset>/install), with each dataset's real
//! `install.conversion` entries (definition.json), against the ground truth the
//! reference (ASMD 0.5.1) produced for the same files (expected/).
//!
//! Every file must be identical to the reference's, text included (same numbers, same
//! number spelling), except `instrument` where our alias table deliberately differs
//! (e.g. "doublebass" -> 43 Contrabass instead of the reference's 32 Acoustic Bass).

use std::io::Read;
use std::path::{Path, PathBuf};

use asmd::convert::{
    convert, instrument_program, instrument_program_by_similarity, ConvertOptions, Outcome,
    Registry,
};
use asmd::{Definition, GroundTruth, ScoreType};

fn fixture(dataset: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/convert")
        .join(dataset)
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

fn gunzip(p: &Path) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// Field-by-field comparison with a readable message.
fn compare_fields(ours: &GroundTruth, want: &GroundTruth, file: &str) {
    for t in ScoreType::ALL {
        let (a, b) = (ours.group(t), want.group(t));
        assert_eq!(a.onsets, b.onsets, "{file}: {t}.onsets");
        assert_eq!(a.offsets, b.offsets, "{file}: {t}.offsets");
        assert_eq!(a.pitches, b.pitches, "{file}: {t}.pitches");
        assert_eq!(a.velocities, b.velocities, "{file}: {t}.velocities");
        assert_eq!(a.notes, b.notes, "{file}: {t}.notes");
        assert_eq!(a.beats, b.beats, "{file}: {t}.beats");
        assert_eq!(a.int_columns, b.int_columns, "{file}: {t} integer columns");
    }
    assert_eq!(ours.f0, want.f0, "{file}: f0");
    assert_eq!(ours.missing, want.missing, "{file}: missing");
    assert_eq!(ours.extra, want.extra, "{file}: extra");
    assert_eq!(ours.sustain, want.sustain, "{file}: sustain");
    assert_eq!(ours.sostenuto, want.sostenuto, "{file}: sostenuto");
    assert_eq!(ours.soft, want.soft, "{file}: soft");
    assert_eq!(ours.instrument, want.instrument, "{file}: instrument");
}

/// Convert one dataset's fixture tree and compare every file with the reference.
/// Returns the number of files compared.
fn check_dataset(name: &str) -> usize {
    let base = fixture(name);
    let tmp = tempfile::tempdir().unwrap();
    let install = tmp.path().join("install");
    std::fs::create_dir_all(&install).unwrap();
    copy_tree(&base.join("install"), &install);
    let def = Definition::from_path(base.join("definition.json")).unwrap();
    assert_eq!(def.name, name);
    let opts = ConvertOptions {
        install_dir: install.clone(),
        jobs: 2,
        ..Default::default()
    };
    let summary = convert(std::slice::from_ref(&def), &Registry::builtin(), &opts).unwrap();
    assert!(summary.is_success(), "{summary}");
    assert_eq!(summary.converted(), def.songs.len(), "{summary}");
    let mut n = 0;
    for song in &def.songs {
        for (i, rel) in song.ground_truth.iter().enumerate() {
            let ours_path = install.join(rel);
            let want_path = base.join("expected").join(rel);
            let mut ours = GroundTruth::from_path(&ours_path).unwrap();
            let want = GroundTruth::from_path(&want_path).unwrap();
            let instrument = &song.instruments[i];
            assert_eq!(ours.instrument, instrument_program(instrument), "{rel}");
            assert_eq!(
                want.instrument,
                instrument_program_by_similarity(instrument),
                "{rel}: the reference's rule"
            );
            ours.instrument = want.instrument;
            compare_fields(&ours, &want, rel);
            // the text, too: the reference wrote it with json.dump(sort_keys, indent=4)
            let mut text = gunzip(&ours_path);
            if instrument_program(instrument) != want.instrument {
                text = text.replace(
                    &format!("\"instrument\": {},", instrument_program(instrument)),
                    &format!("\"instrument\": {},", want.instrument),
                );
            }
            assert!(text == gunzip(&want_path), "{rel}: text differs");
            n += 1;
        }
    }
    // a second run finds everything up to date
    let again = convert(&[def], &Registry::builtin(), &opts).unwrap();
    assert_eq!(again.converted(), 0);
    assert!(again
        .songs
        .iter()
        .all(|s| matches!(&s.outcome, Outcome::Skipped { reason } if reason == "up to date")));
    n
}

#[test]
fn bach10() {
    assert_eq!(check_dataset("Bach10"), 8);
}

#[test]
fn maestro_with_asap_scores() {
    assert_eq!(check_dataset("Maestro"), 2);
}

#[test]
fn musicnet() {
    assert_eq!(check_dataset("MusicNet"), 2);
}

#[test]
fn phenicx() {
    assert_eq!(check_dataset("PHENICX"), 20);
}

#[test]
fn smd() {
    assert_eq!(check_dataset("SMD"), 2);
}

#[test]
fn traditional_flute() {
    assert_eq!(check_dataset("traditional_flute"), 3);
}

#[test]
fn vienna_corpus() {
    assert_eq!(check_dataset("vienna_corpus"), 3);
}
