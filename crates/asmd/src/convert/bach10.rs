//! Bach10's MATLAB annotations.
//!
//! * `from_bach10_mat` (`-GTNotes.mat`, variable `GTNotes`): a cell per source, each a
//!   cell of notes, each note a 2 x N matrix of frame numbers (row 0) and pitches
//!   (row 1). Per source one ground truth whose `precise_alignment` has, per note,
//!   pitch = median of the rounded pitches (half to even, as numpy), onset =
//!   (first frame - 2) * 10 / 1000 s and offset = (last frame - 2) * 10 / 1000 s.
//!   `sources` (a list of indices) selects sources; the reference ignored it and always
//!   took every source, which is also our default.
//! * `from_bach10_f0` (`-GTF0s.mat`, variable `GTF0s`, sources x frames): per index in
//!   `sources` (default 0-3) one ground truth with that row as `f0`.
//!
//! Anything of another shape is an error naming the variable, the source and the note.

use std::path::Path;

use serde_json::{Map, Value};

use super::mat::{MatFile, MatValue};
use super::params::Params;
use super::registry::ConverterOutput;
use crate::error::{Error, Result};
use crate::ground_truth::{GroundTruth, IntColumns};

/// numpy's `rint`: round half to even.
fn rint(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

/// numpy's `median` (mean of the two middle values for an even count).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        // numpy: mean of the two middle elements = (a + b) / 2
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn frame_time(frame: f64) -> f64 {
    (frame - 2.0) * 10.0 / 1000.0
}

/// The registered `from_bach10_mat` converter.
pub fn from_bach10_mat(path: &Path, params: &Map<String, Value>) -> Result<ConverterOutput> {
    let p = Params::new("from_bach10_mat", params, &["sources"])?;
    let wanted = p.indices("sources")?;
    let mat = MatFile::read(path)?;
    let sources = mat.cell("GTNotes")?;
    let shape_err = |loc: String, m: String| Error::format(path, loc, m);
    let n_sources = sources.rows();
    let indices: Vec<usize> = wanted.unwrap_or_else(|| (0..n_sources).collect());
    let mut out = Vec::with_capacity(indices.len());
    for s in indices {
        let loc = format!("variable `GTNotes`, source {s}");
        let Some(source) = sources.get(s, 0) else {
            return Err(shape_err(
                loc,
                format!("no such source: `GTNotes` has {n_sources}"),
            ));
        };
        let MatValue::Cell(notes) = source else {
            return Err(shape_err(
                loc,
                format!(
                    "expected a cell array of notes, found a {} array",
                    source.kind()
                ),
            ));
        };
        let mut gt = GroundTruth::default();
        let g = &mut gt.precise_alignment;
        for j in 0..notes.rows() {
            let loc = format!("variable `GTNotes`, source {s}, note {j}");
            let note = match notes.get(j, 0) {
                Some(MatValue::Numeric(n)) => n,
                Some(other) => {
                    return Err(shape_err(
                        loc,
                        format!(
                            "expected a 2 x N numeric matrix, found a {} array",
                            other.kind()
                        ),
                    ))
                }
                None => return Err(shape_err(loc, "missing note".into())),
            };
            if note.rows() != 2 || note.cols() == 0 || note.dims.len() != 2 {
                return Err(shape_err(
                    loc,
                    format!(
                        "expected a 2 x N matrix (frames; pitches), found {:?}",
                        note.dims
                    ),
                ));
            }
            let pitches: Vec<f64> = note.row(1).into_iter().map(rint).collect();
            g.pitches.push(median(pitches));
            g.onsets.push(frame_time(note.get(0, 0)));
            g.offsets.push(frame_time(note.get(0, note.cols() - 1)));
        }
        g.int_columns = IntColumns::VELOCITIES; // numpy floats
        g.sort_by_onset();
        out.push(gt);
    }
    Ok(Some(out))
}

/// The registered `from_bach10_f0` converter.
pub fn from_bach10_f0(path: &Path, params: &Map<String, Value>) -> Result<ConverterOutput> {
    let p = Params::new("from_bach10_f0", params, &["sources"])?;
    let indices = p.indices("sources")?.unwrap_or_else(|| vec![0, 1, 2, 3]);
    let mat = MatFile::read(path)?;
    let f0s = mat.numeric("GTF0s")?;
    if f0s.dims.len() != 2 {
        return Err(Error::format(
            path,
            "variable `GTF0s`",
            format!(
                "expected a sources x frames matrix, found dimensions {:?}",
                f0s.dims
            ),
        ));
    }
    let mut out = Vec::with_capacity(indices.len());
    for s in indices {
        if s >= f0s.rows() {
            return Err(Error::format(
                path,
                "variable `GTF0s`",
                format!(
                    "source {s} requested but the matrix has {} rows",
                    f0s.rows()
                ),
            ));
        }
        out.push(GroundTruth {
            f0: f0s.row(s),
            ..GroundTruth::default()
        });
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_rounding_and_median() {
        assert_eq!(rint(2.5), 2.0);
        assert_eq!(rint(3.5), 4.0);
        assert_eq!(rint(-0.5), -0.0);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![72.0, 71.0, 72.0, 71.0]), 71.5);
    }
}
