//! Small numeric helpers shared with the reference's `asmd.utils`: frames and times,
//! pitch and frequency, and stretching a score matrix onto another's time span.
//!
//! ```
//! use asmd::utils::*;
//! assert_eq!(nframes(10.0, 1.0, 2.0), 9.0);
//! assert_eq!(frame2time(3, 0.01, 0.046), 0.053);
//! assert_eq!(time2frame(0.053, 0.01, 0.046), 3);
//! assert!((midi_pitch_to_f0(69.0) - 440.0).abs() < 1e-12);
//! assert!((f0_to_midi_pitch(261.6255653005986) - 60.0).abs() < 1e-9);
//! ```

use crate::error::{Error, Result};
use crate::score::{round_half_even, Matrix};

/// Number of frames (a float) in `dur` with hop `hop` and window `win`:
/// `(dur - win) / hop + 1`. Units are the caller's (samples or seconds).
pub fn nframes(dur: f64, hop: f64, win: f64) -> f64 {
    (dur - win) / hop + 1.0
}

/// Centre of frame `f`: `f * hop + win / 2`.
pub fn frame2time(f: i64, hop: f64, win: f64) -> f64 {
    f as f64 * hop + win / 2.0
}

/// The frame whose centre is nearest to `t`: `round((t - win/2) / hop)`, ties to even as
/// Python's `round`.
pub fn time2frame(t: f64, hop: f64, win: f64) -> i64 {
    round_half_even((t - win / 2.0) / hop) as i64
}

/// MIDI pitch of a frequency in Hz (A4 = 440 Hz = 69), not rounded.
pub fn f0_to_midi_pitch(f0: f64) -> f64 {
    12.0 * (f0 / 440.0).log2() + 69.0
}

/// Frequency in Hz of a (possibly fractional) MIDI pitch.
pub fn midi_pitch_to_f0(pitch: f64) -> f64 {
    440.0 * 2f64.powf((pitch - 69.0) / 12.0)
}

/// Map the onset/offset span of `mat` (columns 1 and 2 of a score matrix) affinely onto
/// the span of `target`, in place: the earliest time of `mat` goes to the earliest time of
/// `target`, the latest to the latest.
///
/// ```
/// use asmd::score::Matrix;
/// let mut m = Matrix { rows: 2, cols: 4, data: vec![60., 0., 1., 80., 62., 1., 2., 80.] };
/// let t = Matrix { rows: 1, cols: 4, data: vec![60., 10., 14., 80.] };
/// asmd::utils::mat_stretch(&mut m, &t).unwrap();
/// assert_eq!(m.data, vec![60., 10., 12., 80., 62., 12., 14., 80.]);
/// ```
pub fn mat_stretch(mat: &mut Matrix, target: &Matrix) -> Result<()> {
    if mat.cols < 3 || target.cols < 3 {
        return Err(Error::argument(
            "mat_stretch needs score matrices with onset and offset columns (>= 3 columns)",
        ));
    }
    let span = |m: &Matrix| {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for r in 0..m.rows {
            for c in 1..3 {
                let v = m.get(r, c);
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        (lo, hi)
    };
    if mat.rows == 0 || target.rows == 0 {
        return Err(Error::argument("mat_stretch needs non-empty matrices"));
    }
    let (lo, hi) = span(mat);
    let (tlo, thi) = span(target);
    let width = hi - lo;
    for r in 0..mat.rows {
        for c in 1..3 {
            let v = &mut mat.data[r * mat.cols + c];
            let unit = if width > 0.0 { (*v - lo) / width } else { 0.0 };
            *v = unit * (thi - tlo) + tlo;
        }
    }
    Ok(())
}
