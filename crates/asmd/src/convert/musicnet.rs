//! `from_musicnet_csv`: MusicNet label files
//! (`start_time,end_time,instrument,note,start_beat,end_beat,note_value`).
//!
//! Times are sample numbers at `sr` (default 44100): `broad_alignment` onsets and
//! offsets are `int(sample) / sr`. The score is in beats, i.e. seconds at 60 BPM:
//! onset = `start_beat`, offset = `start_beat + end_beat` (MusicNet's `end_beat` is a
//! duration), and `score.beats` = 0, 1, ..., floor(max score offset). `instrument` is the
//! MusicNet program of the last row (the pipeline later replaces it with the song's
//! instrument). Both groups are sorted independently. A bad row is an error naming its
//! line.

use std::path::Path;

use serde_json::{Map, Value};

use super::params::Params;
use super::phenicx::py_float;
use super::registry::ConverterOutput;
use crate::error::{Error, Result};
use crate::ground_truth::{GroundTruth, IntColumns};

/// The registered converter.
pub fn from_musicnet_csv(path: &Path, params: &Map<String, Value>) -> Result<ConverterOutput> {
    let p = Params::new("from_musicnet_csv", params, &["sr"])?;
    let sr = p.f64("sr", 44100.0)?;
    if sr.is_nan() || sr <= 0.0 {
        return Err(Error::argument(format!(
            "converter `from_musicnet_csv`: `sr` must be positive, got {sr}"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let mut gt = GroundTruth::default();
    // the latest score offset and its line, which sets the number of beats
    let mut last = (f64::NEG_INFINITY, 0u64);
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let at = format!("line {line}");
        if record.len() < 7 {
            return Err(Error::format(
                path,
                at,
                format!("expected 7 columns (start_time,end_time,instrument,note,start_beat,end_beat,note_value), found {}", record.len()),
            ));
        }
        // the reference converts every column but the last to float
        let mut nums = Vec::with_capacity(record.len() - 1);
        for (c, field) in record.iter().take(record.len() - 1).enumerate() {
            nums.push(py_float(field).ok_or_else(|| {
                Error::format(
                    path,
                    &at,
                    format!("column {} (`{field}`) is not a number", c + 1),
                )
            })?);
        }
        if nums[..6].iter().any(|x| !x.is_finite()) {
            return Err(Error::format(path, &at, "non-finite number"));
        }
        gt.broad_alignment.onsets.push(nums[0].trunc() / sr);
        gt.broad_alignment.offsets.push(nums[1].trunc() / sr);
        gt.instrument = nums[2].trunc() as i64;
        let pitch = nums[3].trunc();
        gt.broad_alignment.pitches.push(pitch);
        gt.score.pitches.push(pitch);
        gt.score.onsets.push(nums[4]);
        gt.score.offsets.push(nums[4] + nums[5]);
        if nums[4] + nums[5] > last.0 {
            last = (nums[4] + nums[5], line);
        }
    }
    if let Some(max) = gt.score.max_offset() {
        let n = max.trunc();
        if n >= crate::limits::MAX_GENERATED_BEATS as f64 {
            return Err(Error::format(
                path,
                format!("line {}", last.1),
                format!(
                    "the score ends at beat {max}: one beat per second up to there is more than \
                     {} beats (the limit); check start_beat and end_beat",
                    crate::limits::MAX_GENERATED_BEATS
                ),
            ));
        }
        if n >= 0.0 {
            gt.score.beats = (0..=n as u64).map(|b| b as f64).collect();
        }
    }
    gt.score.int_columns = IntColumns::PITCHES | IntColumns::VELOCITIES | IntColumns::BEATS;
    gt.score.sort_by_onset();
    gt.broad_alignment.sort_by_onset();
    Ok(Some(vec![gt]))
}

pub(crate) fn csv_error(path: &Path, e: csv::Error) -> Error {
    let loc = e
        .position()
        .map(|p| format!("line {}", p.line()))
        .unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::io(path, std::io::Error::new(io.kind(), io.to_string())),
        _ => Error::format(path, loc, format!("malformed CSV: {e}")),
    }
}
