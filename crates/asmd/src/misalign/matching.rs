//! Note matching between a score and a performance of the same piece.
//!
//! Pure Rust, no external program. Data flows in three stages:
//! 1. [`stretch`]: the score is mapped linearly onto the performance's time span
//!    (first onset to last offset), as the reference does before matching.
//! 2. A banded DTW over *onset-chroma* frames (12 pitch classes, onsets decayed over a few
//!    frames, cosine cost) gives a monotone time warp from score to performance time.
//!    The band (a fraction of the duration, at least 20 s) keeps it `O(frames * band)`.
//! 3. Notes are paired per pitch: every (score, performance) pair of the same pitch
//!    whose warped onsets are within a tolerance is a candidate, candidates are accepted
//!    greedily from the closest. A second pass refines the warp with the running median
//!    of the residuals of the first pass's pairs and matches again with a narrower
//!    window. Ornaments, missing and extra notes simply stay unpaired.
//!
//! ```
//! use asmd::misalign::{match_notes, MatchNote, MatchOptions};
//! let score: Vec<MatchNote> = (0..40).map(|i| MatchNote::new(60.0 + (i % 5) as f64, i as f64 * 0.5, i as f64 * 0.5 + 0.4)).collect();
//! // the same notes played 10% slower, one note dropped
//! let perf: Vec<MatchNote> = score.iter().enumerate().filter(|(i, _)| *i != 7)
//!     .map(|(_, n)| MatchNote::new(n.pitch, n.onset * 1.1, n.offset * 1.1)).collect();
//! let m = match_notes(&score, &perf, &MatchOptions::default()).unwrap();
//! assert_eq!(m.pairs.len(), 39);
//! assert!(m.pairs.iter().all(|&(s, p)| s == if p < 7 { p } else { p + 1 }));
//! ```

use std::time::{Duration, Instant};

/// A note to match: pitch (rounded to the nearest integer for matching), onset and
/// offset in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchNote {
    /// MIDI pitch.
    pub pitch: f64,
    /// Onset in seconds.
    pub onset: f64,
    /// Offset in seconds.
    pub offset: f64,
}

impl MatchNote {
    /// A note.
    pub fn new(pitch: f64, onset: f64, offset: f64) -> MatchNote {
        MatchNote {
            pitch,
            onset,
            offset,
        }
    }
}

/// Settings of [`match_notes`].
#[derive(Debug, Clone, PartialEq)]
pub struct MatchOptions {
    /// Shortest DTW frame, seconds (longer pieces use longer frames, at most 8000).
    pub frame: f64,
    /// Half-width of the DTW band as a fraction of the duration (at least 20 s).
    pub band: f64,
    /// First-pass matching window around the warped onset, seconds.
    pub tolerance: f64,
    /// Second-pass window around the refined warp, seconds.
    pub refined_tolerance: f64,
    /// A song not matched within this time is skipped.
    pub time_budget: Duration,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            frame: 0.05,
            band: 0.15,
            tolerance: 0.4,
            refined_tolerance: 0.25,
            time_budget: Duration::from_secs(20),
        }
    }
}

/// The result of [`match_notes`].
#[derive(Debug, Clone, PartialEq)]
pub struct Matching {
    /// Pairs (score index, performance index), sorted by score index.
    pub pairs: Vec<(usize, usize)>,
    /// Fraction of the score's notes that were matched.
    pub score_fraction: f64,
    /// Fraction of the performance's notes that were matched.
    pub perf_fraction: f64,
    /// Wall time spent matching, seconds.
    pub seconds: f64,
}

/// Map the score linearly onto the performance's span (first onset .. last offset).
/// Returns the score unchanged when either is empty or has no duration.
pub fn stretch(score: &[MatchNote], perf: &[MatchNote]) -> Vec<MatchNote> {
    let span = |notes: &[MatchNote]| {
        let lo = notes.iter().map(|n| n.onset).fold(f64::INFINITY, f64::min);
        let hi = notes
            .iter()
            .map(|n| n.offset)
            .fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    };
    if score.is_empty() || perf.is_empty() {
        return score.to_vec();
    }
    let (s0, s1) = span(score);
    let (p0, p1) = span(perf);
    if s1 <= s0 || p1 <= p0 {
        return score.to_vec();
    }
    let k = (p1 - p0) / (s1 - s0);
    score
        .iter()
        .map(|n| MatchNote::new(n.pitch, (n.onset - s0) * k + p0, (n.offset - s0) * k + p0))
        .collect()
}

fn chroma_frames(notes: &[MatchNote], start: f64, frame: f64, n: usize) -> Vec<[f32; 12]> {
    let mut f = vec![[0f32; 12]; n];
    for note in notes {
        let i = (((note.onset - start) / frame).max(0.0) as usize).min(n - 1);
        let pc = (note.pitch.round().rem_euclid(12.0)) as usize % 12;
        f[i][pc] += 1.0;
    }
    // decay onsets over the next frames so that sparse frames still compare
    for i in 1..n {
        let prev = f[i - 1];
        for (c, p) in f[i].iter_mut().zip(prev) {
            *c += 0.5 * p;
        }
    }
    for v in &mut f {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        }
    }
    f
}

fn cost(a: &[f32; 12], b: &[f32; 12]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let ea = a.iter().all(|x| *x == 0.0);
    let eb = b.iter().all(|x| *x == 0.0);
    match (ea, eb) {
        (true, true) => 0.0,
        (true, false) | (false, true) => 1.0,
        _ => 1.0 - dot,
    }
}

/// Banded DTW; returns for each score frame the (mean) performance frame on the path.
fn dtw_warp(s: &[[f32; 12]], p: &[[f32; 12]], band: usize, deadline: Instant) -> Option<Vec<f64>> {
    let (ns, np) = (s.len(), p.len());
    let ratio = np as f64 / ns as f64;
    let lo = |i: usize| ((i as f64 * ratio) as isize - band as isize).max(0) as usize;
    let hi = |i: usize| (((i as f64 * ratio) as usize) + band + 1).min(np);
    let width = 2 * band + 2;
    // 0 = diagonal, 1 = from (i-1, j), 2 = from (i, j-1), 3 = unreachable
    let mut dir = vec![3u8; ns * width];
    let mut prev = vec![f32::INFINITY; np];
    let mut cur = vec![f32::INFINITY; np];
    for i in 0..ns {
        if i % 256 == 0 && Instant::now() > deadline {
            return None;
        }
        let (l, h) = (lo(i), hi(i));
        if l > 0 {
            cur[l - 1] = f32::INFINITY;
        }
        for j in l..h {
            let c = cost(&s[i], &p[j]);
            let (best, d) = if i == 0 && j == 0 {
                (0.0, 0u8)
            } else {
                let diag = if i > 0 && j > 0 {
                    prev[j - 1]
                } else {
                    f32::INFINITY
                };
                let up = if i > 0 { prev[j] } else { f32::INFINITY };
                let left = if j > l { cur[j - 1] } else { f32::INFINITY };
                if diag <= up && diag <= left {
                    (diag, 0)
                } else if up <= left {
                    (up, 1)
                } else {
                    (left, 2)
                }
            };
            cur[j] = best + c;
            if best.is_finite() || (i == 0 && j == 0) {
                dir[i * width + (j - l)] = d;
            }
        }
        // cells the next row may read but this row did not write
        for v in cur.iter_mut().take(hi(i + 1)).skip(h) {
            *v = f32::INFINITY;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    // backtrack from the end
    let (mut i, mut j) = (ns - 1, np - 1);
    if j < lo(i) || j >= hi(i) {
        return None;
    }
    let mut sum = vec![0f64; ns];
    let mut count = vec![0u32; ns];
    loop {
        sum[i] += j as f64;
        count[i] += 1;
        if i == 0 && j == 0 {
            break;
        }
        let d = dir[i * width + (j - lo(i))];
        match d {
            0 => {
                i -= 1;
                j -= 1;
            }
            1 => i -= 1,
            2 => j -= 1,
            _ => return None,
        }
        if j < lo(i) || j >= hi(i) {
            return None;
        }
    }
    Some(
        sum.iter()
            .zip(&count)
            .map(|(s, c)| s / f64::from((*c).max(1)))
            .collect(),
    )
}

/// Piecewise-linear interpolation through sorted `(x, y)` knots (constant slope 1
/// outside).
fn interp(knots: &[(f64, f64)], x: f64) -> f64 {
    if knots.is_empty() {
        return x;
    }
    let k = knots.partition_point(|&(kx, _)| kx <= x);
    if k == 0 {
        return knots[0].1 + (x - knots[0].0);
    }
    if k == knots.len() {
        let (lx, ly) = knots[knots.len() - 1];
        return ly + (x - lx);
    }
    let (x0, y0) = knots[k - 1];
    let (x1, y1) = knots[k];
    if x1 > x0 {
        y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    } else {
        y0
    }
}

/// Greedy per-pitch pairing of warped score onsets with performance onsets.
fn pair_by_pitch(warped: &[(i64, f64)], perf: &[MatchNote], tol: f64) -> Vec<(usize, usize)> {
    let mut by_pitch: std::collections::HashMap<i64, Vec<(f64, usize)>> = Default::default();
    for (j, n) in perf.iter().enumerate() {
        by_pitch
            .entry(n.pitch.round() as i64)
            .or_default()
            .push((n.onset, j));
    }
    for v in by_pitch.values_mut() {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let mut cands: Vec<(f64, usize, usize)> = Vec::new();
    for (i, &(pitch, t)) in warped.iter().enumerate() {
        if let Some(list) = by_pitch.get(&pitch) {
            let start = list.partition_point(|&(o, _)| o < t - tol);
            for &(o, j) in &list[start..] {
                if o > t + tol {
                    break;
                }
                cands.push(((o - t).abs(), i, j));
            }
        }
    }
    cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used_s = vec![false; warped.len()];
    let mut used_p = vec![false; perf.len()];
    let mut pairs = Vec::new();
    for (_, i, j) in cands {
        if !used_s[i] && !used_p[j] {
            used_s[i] = true;
            used_p[j] = true;
            pairs.push((i, j));
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Match the notes of `score` and `perf` (any order). The score is stretched to the
/// performance's span first. Fails with a reason when either is empty or the time
/// budget runs out.
pub fn match_notes(
    score: &[MatchNote],
    perf: &[MatchNote],
    opts: &MatchOptions,
) -> Result<Matching, String> {
    let t0 = Instant::now();
    let deadline = t0 + opts.time_budget;
    if score.is_empty() || perf.is_empty() {
        return Err("the score or the performance has no notes".into());
    }
    let st = stretch(score, perf);
    let start = perf.iter().map(|n| n.onset).fold(f64::INFINITY, f64::min);
    let end = perf
        .iter()
        .map(|n| n.offset)
        .fold(f64::NEG_INFINITY, f64::max);
    let dur = (end - start).max(opts.frame);
    let frame = opts.frame.max(dur / 8000.0);
    let n = (dur / frame).ceil() as usize + 1;
    let sf = chroma_frames(&st, start, frame, n);
    let pf = chroma_frames(perf, start, frame, n);
    let band = ((dur * opts.band).max(20.0) / frame).ceil() as usize;
    let warp = dtw_warp(&sf, &pf, band.min(n), deadline)
        .ok_or_else(|| format!("no alignment within {:?}", opts.time_budget))?;
    let knots: Vec<(f64, f64)> = warp
        .iter()
        .enumerate()
        .map(|(i, &j)| (start + i as f64 * frame, start + j * frame))
        .collect();
    let mut warped: Vec<(i64, f64)> = st
        .iter()
        .map(|n| (n.pitch.round() as i64, interp(&knots, n.onset)))
        .collect();
    let first = pair_by_pitch(&warped, perf, opts.tolerance);
    // refine: running median of the residuals along score time
    if first.len() >= 3 {
        let mut res: Vec<(f64, f64)> = first
            .iter()
            .map(|&(i, j)| (warped[i].1, perf[j].onset - warped[i].1))
            .collect();
        res.sort_by(|a, b| a.0.total_cmp(&b.0));
        let h = 7usize;
        let mut knots2 = Vec::with_capacity(res.len());
        let mut window = Vec::with_capacity(2 * h + 1);
        for k in 0..res.len() {
            window.clear();
            window.extend(
                res[k.saturating_sub(h)..(k + h + 1).min(res.len())]
                    .iter()
                    .map(|r| r.1),
            );
            window.sort_by(f64::total_cmp);
            let med = window[window.len() / 2];
            knots2.push((res[k].0, res[k].0 + med));
        }
        // keep the refined warp monotone
        for k in 1..knots2.len() {
            if knots2[k].1 < knots2[k - 1].1 {
                knots2[k].1 = knots2[k - 1].1;
            }
        }
        knots2.dedup_by(|a, b| a.0 == b.0);
        for w in &mut warped {
            w.1 = interp(&knots2, w.1);
        }
    }
    if Instant::now() > deadline {
        return Err(format!("no alignment within {:?}", opts.time_budget));
    }
    let pairs = pair_by_pitch(&warped, perf, opts.refined_tolerance);
    Ok(Matching {
        score_fraction: pairs.len() as f64 / score.len() as f64,
        perf_fraction: pairs.len() as f64 / perf.len() as f64,
        pairs,
        seconds: t0.elapsed().as_secs_f64(),
    })
}
