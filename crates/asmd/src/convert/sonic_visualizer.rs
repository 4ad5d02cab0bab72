//! `from_sonic_visualizer`: note layers exported from Sonic Visualiser as CSV
//! (`time,frequency,duration` in seconds and Hz), as in traditional_flute.
//!
//! Rows whose frequency is below MIDI pitch 0 (about 8.18 Hz, e.g. rests written as
//! 0 Hz) are dropped; the pitch is the fractional MIDI pitch of the frequency (not
//! rounded); offset = time + duration. Notes go to `alignment` (default
//! `precise_alignment`). A bad row is an error naming its line.

use std::path::Path;

use serde_json::{Map, Value};

use super::musicnet::csv_error;
use super::params::Params;
use super::phenicx::py_float;
use super::registry::ConverterOutput;
use crate::error::{Error, Result};
use crate::ground_truth::{GroundTruth, IntColumns, ScoreType};
use crate::utils::{f0_to_midi_pitch, midi_pitch_to_f0};

/// The registered converter.
pub fn from_sonic_visualizer(path: &Path, params: &Map<String, Value>) -> Result<ConverterOutput> {
    let p = Params::new("from_sonic_visualizer", params, &["alignment"])?;
    let alignment: ScoreType = p
        .opt_str("alignment", "precise_alignment")?
        .unwrap_or_default()
        .parse()
        .map_err(|e: Error| {
            Error::argument(format!(
                "converter `from_sonic_visualizer`: {}",
                e.message()
            ))
        })?;
    let min_freq = midi_pitch_to_f0(0.0);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let mut gt = GroundTruth::default();
    let g = gt.group_mut(alignment);
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let at = format!("line {}", record.position().map(|p| p.line()).unwrap_or(0));
        if record.len() < 3 {
            return Err(Error::format(
                path,
                at,
                format!(
                    "expected 3 columns (time,frequency,duration), found {}",
                    record.len()
                ),
            ));
        }
        let num = |c: usize| {
            py_float(&record[c]).ok_or_else(|| {
                Error::format(
                    path,
                    &at,
                    format!("column {} (`{}`) is not a number", c + 1, &record[c]),
                )
            })
        };
        let freq = num(1)?;
        if freq < min_freq {
            continue;
        }
        let time = num(0)?;
        g.onsets.push(time);
        g.offsets.push(time + num(2)?);
        g.pitches.push(f0_to_midi_pitch(freq));
    }
    g.int_columns = IntColumns::VELOCITIES;
    g.sort_by_onset();
    Ok(Some(vec![gt]))
}
