//! Score/performance pairs: where training and evaluation data come from.
//!
//! Two sources: a folder of MIDI pairs laid out like ASAP (every folder holding a
//! `midi_score.mid` pairs it with each other `*.mid` in the same folder, a
//! performance), or a [`Dataset`] selection (each song's `score` group paired with its
//! most precise aligned group, `precise_alignment` then `broad_alignment`, over all its
//! ground-truth files).

use std::path::{Path, PathBuf};

use super::matching::MatchNote;
use crate::error::{Error, Result};
use crate::midi::MidiFile;
use crate::{Dataset, GroundTruth, NoteGroup};

/// One piece: its score and one aligned performance, as note lists.
#[derive(Debug, Clone, PartialEq)]
pub struct SongPair {
    /// A stable identifier (relative path of the performance, or `dataset/song`).
    pub name: String,
    /// Identifier of the piece (pairs of one piece stay on the same side of a split).
    pub piece: String,
    /// Score notes (seconds at the score's tempo).
    pub score: Vec<MatchNote>,
    /// Performance (aligned) notes.
    pub perf: Vec<MatchNote>,
}

/// All non-drum notes of a MIDI file, sorted by onset.
pub fn midi_notes(path: &Path) -> Result<Vec<MatchNote>> {
    let midi = MidiFile::read(path)?;
    let mut notes: Vec<MatchNote> = midi
        .instruments
        .iter()
        .filter(|i| !i.is_drum)
        .flat_map(|i| i.notes.iter())
        .map(|n| MatchNote::new(f64::from(n.pitch), n.start, n.end))
        .collect();
    notes.sort_by(|a, b| {
        a.onset
            .total_cmp(&b.onset)
            .then(a.pitch.total_cmp(&b.pitch))
    });
    Ok(notes)
}

fn collect_dirs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    if entries
        .iter()
        .any(|p| p.file_name().is_some_and(|n| n == "midi_score.mid"))
    {
        out.push(dir.to_path_buf());
    }
    for p in entries {
        if p.is_dir() {
            collect_dirs(&p, out)?;
        }
    }
    Ok(())
}

/// Every (score, performance) pair under `root` (ASAP layout), sorted by path.
pub fn pairs_from_dir(root: &Path) -> Result<Vec<SongPair>> {
    if !root.is_dir() {
        return Err(Error::new(
            crate::ErrorKind::NotFound,
            "not a folder of score/performance MIDI pairs",
        )
        .with_file(root));
    }
    let mut dirs = Vec::new();
    collect_dirs(root, &mut dirs)?;
    let mut out = Vec::new();
    for dir in dirs {
        let score = midi_notes(&dir.join("midi_score.mid"))?;
        let mut perfs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(&dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "mid" || x == "midi")
                    && p.file_name().is_some_and(|n| n != "midi_score.mid")
            })
            .collect();
        perfs.sort();
        let piece = rel(root, &dir);
        for p in perfs {
            out.push(SongPair {
                name: rel(root, &p),
                piece: piece.clone(),
                score: score.clone(),
                perf: midi_notes(&p)?,
            });
        }
    }
    Ok(out)
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

fn group_notes(g: &NoteGroup, out: &mut Vec<MatchNote>) {
    let n = g.onsets.len().min(g.offsets.len()).min(g.pitches.len());
    for i in 0..n {
        let (p, on, off) = (g.pitches[i], g.onsets[i], g.offsets[i]);
        if p >= 0.0 && on >= 0.0 && off >= 0.0 {
            out.push(MatchNote::new(p.round(), on, off));
        }
    }
}

/// The pairs of a dataset selection: songs whose ground truth has both a `score` and an
/// aligned group. Songs without them are left out; unreadable files are errors.
pub fn pairs_from_dataset(d: &Dataset) -> Result<Vec<SongPair>> {
    let mut out = Vec::new();
    for idx in 0..d.len() {
        let (def, song) = d.song(idx)?;
        let item = d.item(idx)?;
        let mut gts = Vec::new();
        for rel_path in &item.ground_truth {
            gts.push(GroundTruth::from_path(d.full_path(rel_path))?);
        }
        let mut score = Vec::new();
        let mut perf = Vec::new();
        for gt in &gts {
            group_notes(&gt.score, &mut score);
        }
        for gt in &gts {
            group_notes(&gt.precise_alignment, &mut perf);
        }
        if perf.is_empty() {
            for gt in &gts {
                group_notes(&gt.broad_alignment, &mut perf);
            }
        }
        if score.is_empty() || perf.is_empty() {
            continue;
        }
        let sort = |v: &mut Vec<MatchNote>| {
            v.sort_by(|a, b| {
                a.onset
                    .total_cmp(&b.onset)
                    .then(a.pitch.total_cmp(&b.pitch))
            })
        };
        sort(&mut score);
        sort(&mut perf);
        // unique per recording; performances of one piece share `piece` (one side of a split)
        let name = item
            .ground_truth
            .first()
            .cloned()
            .unwrap_or_else(|| format!("{}/{}", def.name, song.title));
        let piece = format!("{}/{}/{}", def.name, song.composer, song.title);
        out.push(SongPair {
            piece,
            name,
            score,
            perf,
        });
    }
    Ok(out)
}
