//! Views of ground truth as arrays: score matrices, pianorolls, pedaling, beats.
//!
//! These functions work on the ground truths of one item (one per instrument track) and
//! are what [`Dataset`](crate::Dataset)'s `get_*` methods call after loading the files;
//! they are public so that other tools (exporters, training pipelines) can use them on
//! ground truth from anywhere.
//!
//! ```
//! use asmd::{GroundTruth, ScoreType, score};
//! let mut gt = GroundTruth::default();
//! gt.instrument = 0;
//! gt.precise_alignment.push_note(64.0, 0.5, 1.0, Some(90.0));
//! gt.precise_alignment.push_note(60.0, 0.0, 0.75, Some(80.0));
//! let m = score::score_mat(std::slice::from_ref(&gt), ScoreType::PreciseAlignment);
//! assert_eq!(m.row(0), &[60.0, 0.0, 0.75, 80.0, 0.0, 0.0]);
//! let roll = score::pianoroll(&[gt], ScoreType::PreciseAlignment, 0.25, false, true).unwrap();
//! assert_eq!((roll.rows, roll.cols), (128, 5));
//! assert_eq!(roll.get(60, 3), 80.0);
//! ```

use crate::error::{Error, Result};
use crate::ground_truth::{GroundTruth, PedalType, ScoreType};

/// Value used for missing entries in score matrices.
pub const MISSING: f64 = -255.0;

/// A dense row-major matrix of `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows * cols` values, row after row.
    pub data: Vec<f64>,
}

impl Matrix {
    /// A matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Matrix {
        Matrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// Value at `(r, c)`.
    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }

    /// Row `r`.
    pub fn row(&self, r: usize) -> &[f64] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }
}

/// Pick one score type from a list (SPEC §4): a single type is returned as is; from a
/// longer list the first of precise_alignment, broad_alignment, misaligned that is in the
/// list and non-empty in the *first* ground truth, else `score` (the reference's rule).
pub fn chose_score_type<G: AsRef<GroundTruth>>(
    types: &[ScoreType],
    gts: &[G],
) -> Result<ScoreType> {
    match types {
        [] => Err(Error::argument(
            "`score_type` must name at least one score type",
        )),
        [one] => Ok(*one),
        _ => {
            let first = gts.first().map(|g| g.as_ref());
            for t in [
                ScoreType::PreciseAlignment,
                ScoreType::BroadAlignment,
                ScoreType::Misaligned,
            ] {
                if types.contains(&t) && first.is_some_and(|g| !g.group(t).pitches.is_empty()) {
                    return Ok(t);
                }
            }
            Ok(ScoreType::Score)
        }
    }
}

/// The score types with notes in at least one of `gts` (for error messages).
pub fn available_types<G: AsRef<GroundTruth>>(gts: &[G]) -> Vec<&'static str> {
    ScoreType::ALL
        .iter()
        .filter(|t| gts.iter().any(|g| !g.as_ref().group(**t).is_empty()))
        .map(|t| t.name())
        .collect()
}

/// A score matrix and the permutation that sorted it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreMat {
    /// `n x 6`: pitch, onset, offset, velocity, program, ground-truth index.
    pub mat: Matrix,
    /// `order[k]` = row of the unsorted concatenation that became row `k`.
    pub order: Vec<usize>,
}

/// `n x 6` matrix `[pitch, onset, offset, velocity, program, source index]` of all
/// ground truths, missing values `-255` (shorter columns padded), sorted by onset, then
/// pitch, then offset (stable: exact ties keep ground-truth order).
pub fn score_mat<G: AsRef<GroundTruth>>(gts: &[G], t: ScoreType) -> Matrix {
    score_mat_with_order(gts, t).mat
}

/// [`score_mat`] and its sort permutation (to reorder per-note annotations alike).
pub fn score_mat_with_order<G: AsRef<GroundTruth>>(gts: &[G], t: ScoreType) -> ScoreMat {
    let mut rows: Vec<[f64; 6]> = Vec::new();
    for (i, gt) in gts.iter().enumerate() {
        let gt = gt.as_ref();
        let g = gt.group(t);
        let n = g
            .pitches
            .len()
            .max(g.onsets.len())
            .max(g.offsets.len())
            .max(g.velocities.len());
        let at = |v: &[f64], k: usize| v.get(k).copied().unwrap_or(MISSING);
        for k in 0..n {
            rows.push([
                at(&g.pitches, k),
                at(&g.onsets, k),
                at(&g.offsets, k),
                at(&g.velocities, k),
                gt.instrument as f64,
                i as f64,
            ]);
        }
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&rows[a], &rows[b]);
        ra[1]
            .total_cmp(&rb[1])
            .then(ra[0].total_cmp(&rb[0]))
            .then(ra[2].total_cmp(&rb[2]))
    });
    let mut data = Vec::with_capacity(rows.len() * 6);
    for &k in &order {
        data.extend_from_slice(&rows[k]);
    }
    ScoreMat {
        mat: Matrix {
            rows: rows.len(),
            cols: 6,
            data,
        },
        order,
    }
}

/// Which per-note flags [`missing_extra_sorted`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteFlags {
    /// `missing`.
    Missing,
    /// `extra`.
    Extra,
}

/// The `missing` or `extra` flags of all ground truths, concatenated and reordered like
/// the rows of a score matrix. Fails when their number differs from the matrix's rows
/// (e.g. ground truth without artificial misalignment has no flags).
pub fn missing_extra_sorted<G: AsRef<GroundTruth>>(
    gts: &[G],
    flags: NoteFlags,
    sm: &ScoreMat,
) -> Result<Vec<bool>> {
    let all: Vec<bool> = gts
        .iter()
        .map(|g| g.as_ref())
        .flat_map(|g| match flags {
            NoteFlags::Missing => g.missing.iter().copied(),
            NoteFlags::Extra => g.extra.iter().copied(),
        })
        .collect();
    if all.len() != sm.order.len() {
        return Err(Error::argument(format!(
            "the ground truth has {} `{}` flags for {} notes (flags exist only where artificial \
             misalignment was generated)",
            all.len(),
            match flags {
                NoteFlags::Missing => "missing",
                NoteFlags::Extra => "extra",
            },
            sm.order.len()
        )));
    }
    Ok(sm.order.iter().map(|&k| all[k]).collect())
}

/// `128 x (floor(max_offset / resolution) + 1)` pianoroll (SPEC §4). Note k fills columns
/// `floor(on/res) ..= floor(off/res)` of row `round(pitch)` with its velocity (1 when the
/// ground truth has no velocities or `velocity` is false); with `onsets` the onset column
/// holds -1. Later notes overwrite earlier ones. Ground truths without notes of this type
/// are skipped; if none has any, the error lists the available types.
pub fn pianoroll<G: AsRef<GroundTruth>>(
    gts: &[G],
    t: ScoreType,
    resolution: f64,
    onsets: bool,
    velocity: bool,
) -> Result<Matrix> {
    crate::limits::time_step(resolution, "resolution")?;
    let max_off = gts
        .iter()
        .filter_map(|g| g.as_ref().group(t).max_offset())
        .reduce(f64::max)
        .ok_or_else(|| {
            Error::argument(format!(
                "no `{t}` notes in this item's ground truth (available: {})",
                list_or_none(&available_types(gts))
            ))
        })?;
    let cols = crate::limits::matrix_frames(
        (max_off / resolution).trunc().max(0.0) + 1.0,
        128,
        &format!("a pianoroll at resolution {resolution} s of {max_off} s of notes"),
    )?;
    // The matrix (128 x cols doubles: 25 MB for 20 minutes at 0.05 s) is far larger than
    // the caches, so it is written once, row after row: the notes are bucketed by row
    // (keeping their order, so later notes still overwrite earlier ones), and each row is
    // zeroed and painted while it sits in the cache.
    let mut spans: Vec<Span> = Vec::new();
    for gt in gts {
        let g = gt.as_ref().group(t);
        let use_vel = velocity && !g.velocities.is_empty();
        let n = g.pitches.len().min(g.onsets.len()).min(g.offsets.len());
        spans.reserve(n);
        for k in 0..n {
            let p = g.pitches[k];
            // round half away from zero lands in 0..=127
            if !(p > -0.5 && p < 127.5) {
                return Err(Error::argument(format!(
                    "`{t}` note {k} has pitch {p} outside 0-127"
                )));
            }
            let whole = p as i64; // towards zero
            let frac = p - whole as f64; // exact
            let row = (whole + (frac >= 0.5) as i64) as u8;
            // columns floor(on/res) ..= floor(off/res), clipped to the matrix; `as`
            // saturates (negative and NaN give 0)
            let on = ((g.onsets[k] / resolution) as usize).min(cols);
            let x = g.offsets[k] / resolution;
            let off = if x > -1.0 {
                (x as usize).saturating_add(1).min(cols)
            } else {
                0
            };
            let value = if use_vel {
                g.velocities.get(k).copied().unwrap_or(1.0)
            } else {
                1.0
            };
            spans.push(Span {
                row,
                on: on as u32,
                off: off as u32,
                value,
            });
        }
    }
    // stable counting sort by row
    let mut start = [0usize; 129];
    for s in &spans {
        start[s.row as usize + 1] += 1;
    }
    for r in 0..128 {
        start[r + 1] += start[r];
    }
    let mut next = start;
    let mut sorted = vec![
        Span {
            row: 0,
            on: 0,
            off: 0,
            value: 0.0
        };
        spans.len()
    ];
    for s in &spans {
        sorted[next[s.row as usize]] = *s;
        next[s.row as usize] += 1;
    }
    let mut data: Vec<f64> = Vec::new();
    crate::limits::try_grow(
        &mut data,
        128 * cols,
        &format!("a pianoroll of 128 x {cols} frames (resolution {resolution} s)"),
    )?;
    for r in 0..128 {
        let base = data.len();
        data.resize(base + cols, 0.0);
        let row = &mut data[base..];
        for s in &sorted[start[r]..start[r + 1]] {
            let (on, off) = (s.on as usize, s.off as usize);
            if on < off {
                row[on..off].fill(s.value);
            }
            if onsets && on < cols {
                row[on] = -1.0;
            }
        }
    }
    Ok(Matrix {
        rows: 128,
        cols,
        data,
    })
}

/// One note of a pianoroll: its row, its columns `on..off` and its value.
#[derive(Clone, Copy)]
struct Span {
    row: u8,
    on: u32,
    off: u32,
    value: f64,
}

fn list_or_none(v: &[&str]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Duration of the most aligned score available: the score type is chosen from
/// `[precise_alignment, broad_alignment, misaligned, score]` on the first ground truth,
/// then the largest offset over all ground truths (0 when none has notes).
pub fn score_duration<G: AsRef<GroundTruth>>(gts: &[G]) -> f64 {
    let t = chose_score_type(&ScoreType::ALL, gts).unwrap_or(ScoreType::Score);
    gts.iter()
        .filter_map(|g| g.as_ref().group(t).max_offset())
        .fold(0.0, f64::max)
}

/// Beat times of each ground truth's score (lists may differ in length).
pub fn beats<G: AsRef<GroundTruth>>(gts: &[G]) -> Vec<Vec<f64>> {
    gts.iter().map(|g| g.as_ref().score.beats.clone()).collect()
}

/// `60 / (beats[1] - beats[0])` of the first ground truth; `None` with fewer than 2 beats.
pub fn initial_bpm<G: AsRef<GroundTruth>>(gts: &[G]) -> Option<f64> {
    let b = &gts.first()?.as_ref().score.beats;
    if b.len() < 2 {
        return None;
    }
    Some(60.0 / (b[1] - b[0]))
}

/// Python's `round()`: to nearest, ties to even.
pub(crate) fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

/// Pedaling of each ground truth (SPEC §4).
///
/// Event-based (`frame_based = false`): rows `(time, sustain, sostenuto, soft)`, `-1` for
/// the pedals an event does not touch, stably sorted by time (sustain events before
/// sostenuto before soft at equal times); no event gives a `0 x 4` matrix.
///
/// Frame-based: `floor((duration - winlen) / hop + 1) + 1` frames centred at
/// `k * hop + winlen / 2`; an event at time `t` takes effect from frame
/// `round((t - winlen/2) / hop)` (ties to even; clamped to frame 0, where the reference
/// wrapped around to the last frames), each pedal holding its last value. `duration`
/// is normally [`score_duration`] of the item.
pub fn pedaling<G: AsRef<GroundTruth>>(
    gts: &[G],
    frame_based: bool,
    winlen: f64,
    hop: f64,
    duration: f64,
) -> Result<Vec<Matrix>> {
    let n_frames = if frame_based {
        crate::limits::time_step(hop, "hop")?;
        if !(winlen >= 0.0 && winlen.is_finite()) {
            return Err(Error::argument(format!(
                "`winlen` must be a number of seconds >= 0, got {winlen}"
            )));
        }
        crate::limits::matrix_frames(
            (((duration - winlen) / hop + 1.0).trunc() + 1.0).max(1.0),
            4,
            &format!("frame-based pedaling with hop {hop} s over {duration} s"),
        )?
    } else {
        0
    };
    let mut out = Vec::with_capacity(gts.len());
    for gt in gts {
        let gt = gt.as_ref();
        let mut events: Vec<[f64; 4]> = Vec::new();
        for (col, p) in PedalType::ALL.iter().enumerate() {
            let ped = gt.pedal(*p);
            for (k, &t) in ped.times.iter().enumerate() {
                let mut row = [t, -1.0, -1.0, -1.0];
                row[col + 1] = ped.values.get(k).copied().unwrap_or(0.0);
                events.push(row);
            }
        }
        events.sort_by(|a, b| a[0].total_cmp(&b[0]));
        if !frame_based {
            out.push(Matrix {
                rows: events.len(),
                cols: 4,
                data: events.concat(),
            });
            continue;
        }
        let mut m = Matrix {
            rows: n_frames,
            cols: 4,
            data: crate::limits::zeroed(n_frames * 4, "a frame-based pedaling matrix")?,
        };
        for k in 0..n_frames {
            m.data[k * 4] = k as f64 * hop + winlen / 2.0;
        }
        let mut last_frame = [0usize; 3];
        let mut last_value = [0.0f64; 3];
        let fill = |m: &mut Matrix, col: usize, from: usize, to: usize, v: f64| {
            for k in from.min(n_frames)..to.min(n_frames) {
                m.data[k * 4 + col + 1] = v;
            }
        };
        for e in &events {
            let frame = round_half_even((e[0] - winlen / 2.0) / hop).max(0.0) as usize;
            let col = (1..4).find(|&c| e[c] >= 0.0).map(|c| c - 1).unwrap_or(0);
            fill(&mut m, col, last_frame[col], frame, last_value[col]);
            last_frame[col] = frame;
            last_value[col] = e[col + 1];
        }
        if !events.is_empty() {
            for col in 0..3 {
                fill(&mut m, col, last_frame[col], n_frames, last_value[col]);
            }
        }
        out.push(m);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gt_with(t: ScoreType, notes: &[(f64, f64, f64, f64)]) -> GroundTruth {
        let mut gt = GroundTruth::default();
        for &(p, on, off, v) in notes {
            gt.group_mut(t)
                .push_note(p, on, off, if v >= 0.0 { Some(v) } else { None });
        }
        gt
    }

    #[test]
    fn chose_score_type_follows_reference_rules() {
        let mut gt = gt_with(ScoreType::BroadAlignment, &[(60.0, 0.0, 1.0, -1.0)]);
        gt.score.push_note(60.0, 0.0, 1.0, None);
        let gts = [gt];
        use ScoreType::*;
        assert_eq!(chose_score_type(&[Misaligned], &gts).unwrap(), Misaligned);
        assert_eq!(
            chose_score_type(&[PreciseAlignment, BroadAlignment], &gts).unwrap(),
            BroadAlignment
        );
        assert_eq!(
            chose_score_type(&[PreciseAlignment, Misaligned], &gts).unwrap(),
            Score
        );
        assert_eq!(
            chose_score_type(&ScoreType::ALL, &gts).unwrap(),
            BroadAlignment
        );
        assert!(chose_score_type(&[], &gts).is_err());
    }

    #[test]
    fn score_mat_pads_and_sorts() {
        // score has no velocities -> -255; two GTs interleaved; ties by pitch then offset
        let mut a = gt_with(
            ScoreType::Score,
            &[(62.0, 1.0, 2.0, -1.0), (60.0, 0.0, 1.5, -1.0)],
        );
        a.instrument = 40;
        let mut b = gt_with(
            ScoreType::Score,
            &[(60.0, 0.0, 1.0, -1.0), (59.0, 1.0, 2.0, -1.0)],
        );
        b.instrument = 42;
        let m = score_mat(&[a, b], ScoreType::Score);
        assert_eq!(m.rows, 4);
        assert_eq!(m.row(0), &[60.0, 0.0, 1.0, MISSING, 42.0, 1.0]);
        assert_eq!(m.row(1), &[60.0, 0.0, 1.5, MISSING, 40.0, 0.0]);
        assert_eq!(m.row(2), &[59.0, 1.0, 2.0, MISSING, 42.0, 1.0]);
        assert_eq!(m.row(3), &[62.0, 1.0, 2.0, MISSING, 40.0, 0.0]);
        // empty type -> 0 x 6
        let e = score_mat(&[GroundTruth::default()], ScoreType::Misaligned);
        assert_eq!((e.rows, e.cols), (0, 6));
    }

    #[test]
    fn score_mat_pads_shorter_columns() {
        let mut gt = GroundTruth::default();
        gt.score.pitches = vec![60.0, 61.0];
        gt.score.onsets = vec![0.5];
        let m = score_mat(&[gt], ScoreType::Score);
        assert_eq!(m.row(0), &[61.0, MISSING, MISSING, MISSING, 255.0, 0.0]);
        assert_eq!(m.row(1), &[60.0, 0.5, MISSING, MISSING, 255.0, 0.0]);
    }

    #[test]
    fn missing_extra_follow_the_sort() {
        let mut gt = gt_with(
            ScoreType::Misaligned,
            &[(60.0, 1.0, 2.0, 1.0), (61.0, 0.0, 1.0, 1.0)],
        );
        gt.missing = vec![true, false];
        gt.extra = vec![false, false];
        let gts = [gt];
        let sm = score_mat_with_order(&gts, ScoreType::Misaligned);
        assert_eq!(
            missing_extra_sorted(&gts, NoteFlags::Missing, &sm).unwrap(),
            vec![false, true]
        );
        let sm2 = score_mat_with_order(&gts, ScoreType::Score);
        assert!(missing_extra_sorted(&gts, NoteFlags::Extra, &sm2).is_err()); // 2 flags, 0 notes
    }

    #[test]
    fn pianoroll_column_arithmetic() {
        // res 0.25: note 0.3-0.9 -> cols 1..=3 ; note 0.0-0.25 -> cols 0..=1
        let gt = gt_with(
            ScoreType::PreciseAlignment,
            &[
                (60.0, 0.3, 0.9, 100.0),
                (61.0, 0.0, 0.25, 50.0),
                (69.9998, 1.0, 1.1, 20.0),
            ],
        );
        let gts = [gt];
        let r = pianoroll(&gts, ScoreType::PreciseAlignment, 0.25, false, true).unwrap();
        assert_eq!(r.cols, 5); // floor(1.1/0.25)+1
        let row = |p: usize| (0..r.cols).map(|c| r.get(p, c)).collect::<Vec<_>>();
        assert_eq!(row(60), vec![0.0, 100.0, 100.0, 100.0, 0.0]);
        assert_eq!(row(61), vec![50.0, 50.0, 0.0, 0.0, 0.0]);
        assert_eq!(row(70), vec![0.0, 0.0, 0.0, 0.0, 20.0]); // rounded, not truncated
        let r = pianoroll(&gts, ScoreType::PreciseAlignment, 0.25, true, false).unwrap();
        assert_eq!(row_of(&r, 60), vec![0.0, -1.0, 1.0, 1.0, 0.0]);
        // the reference's float truncation: int(0.8999999999999999 / 0.05) == 17
        let gt = gt_with(ScoreType::Score, &[(60.0, 0.0, 0.8999999999999999, -1.0)]);
        let r = pianoroll(&[gt], ScoreType::Score, 0.05, false, true).unwrap();
        assert_eq!(r.cols, 18);
        assert_eq!(row_of(&r, 60).iter().filter(|&&v| v == 1.0).count(), 18);
    }

    /// The pianoroll written the direct way (zeros, then every note in order), as the
    /// specification reads.
    fn pianoroll_direct(
        gts: &[GroundTruth],
        t: ScoreType,
        res: f64,
        onsets: bool,
        vel: bool,
    ) -> Matrix {
        let max_off = gts
            .iter()
            .filter_map(|g| g.group(t).max_offset())
            .reduce(f64::max)
            .unwrap();
        let cols = (max_off / res).trunc().max(0.0) as usize + 1;
        let mut m = Matrix::zeros(128, cols);
        for gt in gts {
            let g = gt.group(t);
            let use_vel = vel && !g.velocities.is_empty();
            for k in 0..g.pitches.len() {
                let row = g.pitches[k].round() as usize * cols;
                let on = ((g.onsets[k] / res).trunc().max(0.0) as usize).min(cols);
                let off = (((g.offsets[k] / res).trunc().max(-1.0) + 1.0) as usize).min(cols);
                let v = if use_vel { g.velocities[k] } else { 1.0 };
                if on < off {
                    m.data[row + on..row + off].fill(v);
                }
                if onsets && on < cols {
                    m.data[row + on] = -1.0;
                }
            }
        }
        m
    }

    #[test]
    fn pianoroll_equals_the_direct_construction_on_random_notes() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
        for case in 0..200 {
            let n_gts = 1 + case % 3;
            let gts: Vec<GroundTruth> = (0..n_gts)
                .map(|_| {
                    let mut gt = GroundTruth::default();
                    for _ in 0..rng.random_range(1..60) {
                        let on: f64 = rng.random_range(-0.3..6.0);
                        let dur: f64 = rng.random_range(-0.2..2.0);
                        // pitches near the rounding boundaries and the ends of the range
                        let p = match rng.random_range(0..4) {
                            0 => rng.random_range(-0.49..127.49),
                            1 => rng.random_range(0..128) as f64 + 0.5 - 1e-12,
                            2 => rng.random_range(0..127) as f64 + 0.5,
                            _ => 60.0,
                        };
                        gt.precise_alignment.push_note(
                            p,
                            on,
                            on + dur,
                            Some(rng.random_range(1..128) as f64),
                        );
                    }
                    gt
                })
                .collect();
            for &res in &[0.05, 0.25, 0.3333] {
                for (o, v) in [(false, true), (true, true), (true, false), (false, false)] {
                    let ours = pianoroll(&gts, ScoreType::PreciseAlignment, res, o, v).unwrap();
                    let want = pianoroll_direct(&gts, ScoreType::PreciseAlignment, res, o, v);
                    assert_eq!((ours.rows, ours.cols), (want.rows, want.cols));
                    assert!(
                        ours.data == want.data,
                        "case {case} res {res} onsets {o} velocity {v}"
                    );
                }
            }
        }
        // out of range pitches are errors naming the note
        for bad in [-0.5, 127.5, 200.0, f64::NAN] {
            let gt = gt_with(
                ScoreType::Score,
                &[(60.0, 0.0, 1.0, 1.0), (bad, 0.0, 1.0, 1.0)],
            );
            let e = pianoroll(&[gt], ScoreType::Score, 0.25, false, true).unwrap_err();
            assert!(e.to_string().contains("note 1 has pitch"), "{e}");
        }
        let gt = gt_with(
            ScoreType::Score,
            &[(-0.49, 0.0, 1.0, 1.0), (127.49, 0.0, 1.0, 1.0)],
        );
        let r = pianoroll(&[gt], ScoreType::Score, 0.25, false, true).unwrap();
        assert_eq!((r.get(0, 0), r.get(127, 4)), (1.0, 1.0));
    }

    fn row_of(r: &Matrix, p: usize) -> Vec<f64> {
        (0..r.cols).map(|c| r.get(p, c)).collect()
    }

    #[test]
    fn pianoroll_later_notes_overwrite_and_empty_errors() {
        let gt = gt_with(
            ScoreType::Score,
            &[(60.0, 0.0, 1.0, 10.0), (60.0, 0.5, 0.75, 20.0)],
        );
        let r = pianoroll(
            std::slice::from_ref(&gt),
            ScoreType::Score,
            0.25,
            true,
            true,
        )
        .unwrap();
        assert_eq!(row_of(&r, 60), vec![-1.0, 10.0, -1.0, 20.0, 10.0]);
        let e = pianoroll(&[gt], ScoreType::Misaligned, 0.25, false, true).unwrap_err();
        assert!(e.to_string().contains("no `misaligned` notes"), "{e}");
        assert!(e.to_string().contains("available: score"), "{e}");
    }

    #[test]
    fn pedaling_event_and_frame_based() {
        let mut gt = gt_with(ScoreType::PreciseAlignment, &[(60.0, 0.0, 0.1, 1.0)]);
        gt.sustain.times = vec![0.0, 0.05];
        gt.sustain.values = vec![127.0, 0.0];
        gt.soft.times = vec![0.0];
        gt.soft.values = vec![64.0];
        let gts = [gt];
        let ev = pedaling(&gts, false, 0.046, 0.01, 0.1).unwrap();
        assert_eq!(ev[0].rows, 3);
        assert_eq!(ev[0].row(0), &[0.0, 127.0, -1.0, -1.0]);
        assert_eq!(ev[0].row(1), &[0.0, -1.0, -1.0, 64.0]);
        assert_eq!(ev[0].row(2), &[0.05, 0.0, -1.0, -1.0]);
        let fr = pedaling(&gts, true, 0.046, 0.01, 0.1).unwrap();
        let m = &fr[0];
        // n = int((0.1 - 0.046)/0.01 + 1) + 1 = int(6.4) + 1 = 7
        assert_eq!(m.rows, 7);
        assert!((m.get(1, 0) - 0.033).abs() < 1e-12);
        // event at t=0 -> frame round(-2.3) = -2 -> clamped to 0 (reference lost it)
        // sustain 127 from frame 0 until frame round((0.05-0.023)/0.01) = round(2.7) = 3
        let sus: Vec<f64> = (0..7).map(|k| m.get(k, 1)).collect();
        assert_eq!(sus, vec![127.0, 127.0, 127.0, 0.0, 0.0, 0.0, 0.0]);
        let soft: Vec<f64> = (0..7).map(|k| m.get(k, 3)).collect();
        assert_eq!(soft, vec![64.0; 7]);
        let sos: Vec<f64> = (0..7).map(|k| m.get(k, 2)).collect();
        assert_eq!(sos, vec![0.0; 7]);
        // no events -> 0 x 4
        let none = pedaling(&[GroundTruth::default()], false, 0.046, 0.01, 1.0).unwrap();
        assert_eq!((none[0].rows, none[0].cols), (0, 4));
    }

    #[test]
    fn round_half_even_matches_python() {
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(3.5), 4.0);
        assert_eq!(round_half_even(-2.5), -2.0);
        assert_eq!(round_half_even(2.4), 2.0);
        assert_eq!(round_half_even(-0.6), -1.0);
    }
}
