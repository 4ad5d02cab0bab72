//! MIDI conformance: our reader against pretty_midi 0.2.11.
//!
//! `tests/fixtures/midi/expected.json` holds what pretty_midi read from the MIDI files
//! beside it (dumped by `benches/midi_conformance.py`): instruments (program, drum flag,
//! notes, control changes), `get_beats()` and `get_end_time()`. Every value must be
//! bit-identical. With `ASMD_MIDI_CONFORMANCE=<dump.json>` the same comparison runs over
//! any dump (e.g. all ASAP files), reporting how many files match.

use std::path::{Path, PathBuf};

use asmd::midi::MidiFile;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/midi")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

/// Compare one file with its dump; `Err` describes the first difference.
fn compare(path: &Path, want: &Value) -> Result<(), String> {
    let got = MidiFile::read(path);
    if let Some(err) = want.get("error") {
        return match got {
            Err(_) => Ok(()),
            Ok(_) => Err(format!("pretty_midi raised {err} but we read the file")),
        };
    }
    let got = got.map_err(|e| format!("we failed: {e}"))?;
    let insts = want["instruments"].as_array().ok_or("no instruments")?;
    if insts.len() != got.instruments.len() {
        return Err(format!(
            "{} instruments, pretty_midi has {}",
            got.instruments.len(),
            insts.len()
        ));
    }
    for (k, (w, g)) in insts.iter().zip(&got.instruments).enumerate() {
        if w["program"].as_u64() != Some(u64::from(g.program)) {
            return Err(format!("instrument {k}: program {}", g.program));
        }
        if w["is_drum"].as_bool() != Some(g.is_drum) {
            return Err(format!("instrument {k}: drum flag"));
        }
        let notes = w["notes"].as_array().ok_or("notes")?;
        if notes.len() != g.notes.len() {
            return Err(format!(
                "instrument {k}: {} notes, pretty_midi has {}",
                g.notes.len(),
                notes.len()
            ));
        }
        for (i, (wn, gn)) in notes.iter().zip(&g.notes).enumerate() {
            let same = wn[0].as_u64() == Some(u64::from(gn.pitch))
                && wn[1].as_u64() == Some(u64::from(gn.velocity))
                && f(&wn[2]).to_bits() == gn.start.to_bits()
                && f(&wn[3]).to_bits() == gn.end.to_bits();
            if !same {
                return Err(format!("instrument {k} note {i}: {gn:?} vs {wn}"));
            }
        }
        let ccs = w["control_changes"].as_array().ok_or("ccs")?;
        if ccs.len() != g.control_changes.len() {
            return Err(format!(
                "instrument {k}: {} control changes, pretty_midi has {}",
                g.control_changes.len(),
                ccs.len()
            ));
        }
        for (i, (wc, gc)) in ccs.iter().zip(&g.control_changes).enumerate() {
            let same = wc[0].as_u64() == Some(u64::from(gc.number))
                && wc[1].as_u64() == Some(u64::from(gc.value))
                && f(&wc[2]).to_bits() == gc.time.to_bits();
            if !same {
                return Err(format!("instrument {k} control change {i}: {gc:?} vs {wc}"));
            }
        }
    }
    let end = f(&want["end_time"]);
    if end.to_bits() != got.end_time().to_bits() {
        return Err(format!("end time {} vs {end}", got.end_time()));
    }
    let beats: Vec<f64> = want["beats"]
        .as_array()
        .ok_or("beats")?
        .iter()
        .map(f)
        .collect();
    let ours = got.beats();
    if beats.len() != ours.len() {
        return Err(format!(
            "{} beats, pretty_midi has {}",
            ours.len(),
            beats.len()
        ));
    }
    if let Some(i) = (0..beats.len()).find(|&i| beats[i].to_bits() != ours[i].to_bits()) {
        return Err(format!("beat {i}: {} vs {}", ours[i], beats[i]));
    }
    Ok(())
}

fn run(dump: &Path, base: &Path) -> (usize, Vec<(String, String)>) {
    let text = std::fs::read_to_string(dump).expect("dump");
    let all: serde_json::Map<String, Value> = serde_json::from_str(&text).expect("json");
    let mut failures = Vec::new();
    for (name, want) in &all {
        if let Err(e) = compare(&base.join(name), want) {
            failures.push((name.clone(), e));
        }
    }
    (all.len(), failures)
}

#[test]
fn committed_files_match_pretty_midi_bit_for_bit() {
    let (n, failures) = run(&fixtures().join("expected.json"), &fixtures());
    assert!(n >= 5, "expected several fixture files, found {n}");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn full_dump_from_environment() {
    let Some(dump) = std::env::var_os("ASMD_MIDI_CONFORMANCE") else {
        eprintln!("ASMD_MIDI_CONFORMANCE not set: only the committed fixtures were compared");
        return;
    };
    let (n, failures) = run(Path::new(&dump), Path::new(""));
    eprintln!(
        "{}/{} files identical to pretty_midi",
        n - failures.len(),
        n
    );
    for (name, e) in failures.iter().take(20) {
        eprintln!("  {name}: {e}");
    }
    assert!(failures.is_empty());
}
