//! `from_midi` (also registered as `from_midi_remove_player` and `from_midi_asap`):
//! notes and pedals of a MIDI file, read with pretty_midi's semantics ([`crate::midi`]).
//!
//! Parameters (the reference's): `alignment` (note group to fill, default
//! `precise_alignment`; `null`/`false` fills no notes, as the reference documents),
//! `pitches`, `velocities` (fill those columns, default true), `merge` (one ground truth
//! for the whole file, default true, else one per pretty_midi instrument) and `beats`
//! (store `get_beats()` in `score.beats`, only with `alignment = "score"`).
//! Control changes 64/66/67 become sustain/sostenuto/soft. Notes keep pretty_midi's
//! order, then each group is sorted stably by onset.

use std::path::Path;

use serde_json::{Map, Value};

use super::params::Params;
use super::registry::ConverterOutput;
use crate::error::{Error, Result};
use crate::ground_truth::{GroundTruth, IntColumns, ScoreType};
use crate::midi::{Instrument, MidiFile, Note};

const KEYS: [&str; 5] = ["alignment", "pitches", "velocities", "merge", "beats"];

/// Parsed parameters of `from_midi`.
#[derive(Debug, Clone, PartialEq)]
pub struct MidiParams {
    /// Note group to fill (`None`: no notes).
    pub alignment: Option<ScoreType>,
    /// Fill pitches.
    pub pitches: bool,
    /// Fill velocities.
    pub velocities: bool,
    /// One ground truth for the whole file.
    pub merge: bool,
    /// Fill `score.beats` (only when `alignment` is `score`).
    pub beats: bool,
}

impl MidiParams {
    /// Parse keyword arguments.
    pub fn parse(map: &Map<String, Value>) -> Result<MidiParams> {
        let p = Params::new("from_midi", map, &KEYS)?;
        let alignment = match p.opt_str("alignment", "precise_alignment")? {
            None => None,
            Some(s) => Some(s.parse::<ScoreType>().map_err(|_| {
                Error::argument(format!(
                    "converter `from_midi`: parameter `alignment` must be one of precise_alignment, broad_alignment, misaligned, score (or null), got `{s}`"
                ))
            })?),
        };
        Ok(MidiParams {
            alignment,
            pitches: p.bool("pitches", true)?,
            velocities: p.bool("velocities", true)?,
            merge: p.bool("merge", true)?,
            beats: p.bool("beats", false)?,
        })
    }
}

fn add_pedals<'a>(gt: &mut GroundTruth, instruments: impl Iterator<Item = &'a Instrument> + Clone) {
    let mut counts = [0usize; 3];
    for cc in instruments.clone().flat_map(|i| &i.control_changes) {
        match cc.number {
            64 => counts[0] += 1,
            66 => counts[1] += 1,
            67 => counts[2] += 1,
            _ => {}
        }
    }
    for (pedal, n) in [&mut gt.sustain, &mut gt.sostenuto, &mut gt.soft]
        .into_iter()
        .zip(counts)
    {
        pedal.times.reserve(n);
        pedal.values.reserve(n);
    }
    for cc in instruments.flat_map(|i| &i.control_changes) {
        let pedal = match cc.number {
            64 => &mut gt.sustain,
            66 => &mut gt.sostenuto,
            67 => &mut gt.soft,
            _ => continue,
        };
        pedal.values.push(f64::from(cc.value));
        pedal.times.push(cc.time);
    }
}

/// Stable sort by onset. pretty_midi lists notes by note-off, which is nearly onset
/// order (a note is out of place only by the notes it overlaps), so an insertion sort
/// does little work; past a budget of moves it hands over to the library's stable sort
/// (both keep equal onsets in their original order, so the result is the same).
fn sort_notes_by_onset(notes: &mut [Note]) {
    let budget = notes.len().saturating_mul(24);
    let mut moves = 0usize;
    for i in 1..notes.len() {
        let cur = notes[i];
        let mut j = i;
        while j > 0 && notes[j - 1].start > cur.start {
            notes[j] = notes[j - 1];
            j -= 1;
        }
        notes[j] = cur;
        moves += i - j;
        if moves > budget {
            notes.sort_by(|a, b| a.start.total_cmp(&b.start));
            return;
        }
    }
}

/// Append notes already in their final order.
fn add_notes(gt: &mut GroundTruth, notes: &[Note], p: &MidiParams) {
    if let Some(t) = p.alignment {
        let g = gt.group_mut(t);
        let n = notes.len();
        g.onsets.reserve(n);
        g.offsets.reserve(n);
        if p.pitches {
            g.pitches.reserve(n);
        }
        if p.velocities {
            g.velocities.reserve(n);
        }
        for n in notes {
            if p.pitches {
                g.pitches.push(f64::from(n.pitch));
            }
            if p.velocities {
                g.velocities.push(f64::from(n.velocity));
            }
            g.onsets.push(n.start);
            g.offsets.push(n.end);
        }
    }
}

fn finish(gt: &mut GroundTruth, p: &MidiParams) {
    for pedal in [&mut gt.sustain, &mut gt.sostenuto, &mut gt.soft] {
        pedal.sort_by_time();
    }
    if let Some(t) = p.alignment {
        let g = gt.group_mut(t);
        g.int_columns = IntColumns::PITCHES | IntColumns::VELOCITIES;
        g.sort_by_onset();
    }
}

/// Convert a parsed MIDI file.
pub fn from_midi_file(midi: &MidiFile, p: &MidiParams) -> Vec<GroundTruth> {
    let beats = beats_of(midi, p);
    let notes = midi.instruments.iter().map(|i| i.notes.clone()).collect();
    convert_notes(midi, notes, beats, p)
}

/// Convert a parsed MIDI file, consuming it (no copy of the notes).
pub fn from_midi_owned(mut midi: MidiFile, p: &MidiParams) -> Vec<GroundTruth> {
    let beats = beats_of(&midi, p); // needs the notes (end time)
    let notes = midi
        .instruments
        .iter_mut()
        .map(|i| std::mem::take(&mut i.notes))
        .collect();
    convert_notes(&midi, notes, beats, p)
}

/// `score.beats` when asked for: pretty_midi's `get_beats()`, sorted.
fn beats_of(midi: &MidiFile, p: &MidiParams) -> Option<Vec<f64>> {
    if p.beats && p.alignment == Some(ScoreType::Score) {
        let mut b = midi.beats();
        b.sort_by(f64::total_cmp);
        Some(b)
    } else {
        None
    }
}

/// `instruments[i]` holds the notes of `midi.instruments[i]` (taken out of it).
fn convert_notes(
    midi: &MidiFile,
    mut instruments: Vec<Vec<Note>>,
    beats: Option<Vec<f64>>,
    p: &MidiParams,
) -> Vec<GroundTruth> {
    let mut out = Vec::new();
    if p.merge {
        let mut gt = GroundTruth::default();
        add_pedals(&mut gt, midi.instruments.iter());
        if let Some(b) = beats {
            if !midi.instruments.is_empty() {
                gt.score.beats = b;
            }
        }
        // notes of all instruments in pretty_midi's order, sorted stably by onset here
        // (cheaper than sorting the columns afterwards; same order); the first
        // instrument's list is reused when the file is ours to consume
        let mut notes = match instruments.first_mut() {
            Some(first) => std::mem::take(first),
            None => Vec::new(),
        };
        notes.reserve(instruments.iter().skip(1).map(Vec::len).sum());
        for other in instruments.iter().skip(1) {
            notes.extend_from_slice(other);
        }
        sort_notes_by_onset(&mut notes);
        add_notes(&mut gt, &notes, p);
        finish(&mut gt, p);
        out.push(gt);
    } else {
        for (inst, mut notes) in midi.instruments.iter().zip(instruments) {
            let mut gt = GroundTruth::default();
            add_pedals(&mut gt, std::iter::once(inst));
            sort_notes_by_onset(&mut notes);
            add_notes(&mut gt, &notes, p);
            if let Some(b) = &beats {
                gt.score.beats = b.clone();
            }
            finish(&mut gt, p);
            out.push(gt);
        }
    }
    out
}

/// The registered converter: read `path` and convert it.
pub fn from_midi(path: &Path, params: &Map<String, Value>) -> Result<ConverterOutput> {
    let p = MidiParams::parse(params)?;
    let midi = MidiFile::read(path)?;
    Ok(Some(from_midi_owned(midi, &p)))
}
