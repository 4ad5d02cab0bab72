//! The calibrated warp method: a generator of scores whose relation to the performance
//! has the distributions real scores have (the features of [`super::features`]).
//!
//! A song (all its tracks at once) gets **one score timeline**:
//! 1. **Chords.** The performance notes, in time order, are grouped: each note joins the
//!    previous note's chord with the probability learned for its gap to that note
//!    (`P(same score onset | gap, the previous note still sounds, the previous note
//!    joined a chord)`); a chord never holds the same pitch twice in one track.
//! 2. **Score order.** Chords follow the performance order, except that neighbours swap
//!    with the probability learned for their gap (order inversions (e)), calibrated by
//!    simulation on the training songs.
//! 3. **Tempo.** Between consecutive chords in score order, the score interval is
//!    `performance interval x exp(x)` with `x` drawn from the distribution learned for
//!    that interval (a log-linear trend and residual quantiles per interval class). The
//!    draws are tied by a Gaussian copula with a song component, a smooth component
//!    (an Ornstein–Uhlenbeck process over performance time, the tempo curve) and a free
//!    one, fitted to the correlations of real intervals: a smooth random time warp whose
//!    roughness is the real one (b).
//! 4. **Span.** The timeline is scaled so that its onset span is the song-level ratio `r`
//!    times the performance's (a); `r` is a training performance's ratio (chosen
//!    uniformly) times a log-normal kernel (Silverman's robust bandwidth), clamped to the
//!    training range.
//!    Each track's first and last chord are pinned to the song's ratio (a piecewise-linear
//!    correction of the timeline), so all parts of a song share one tempo ratio.
//! 5. **Durations.** Each note lasts `performance duration x r / c` with `ln c` drawn from
//!    the quantiles learned for its performance duration class (c), tied by a copula with
//!    song, smooth and chord components (notes of a chord share most of their draw).
//!    Each track's last-ending note is set so that every track spans the same ratio from
//!    its first onset to its last offset, and no song spans beyond the training range.
//!
//! Everything learned is a small table (interval and duration classes x 31 quantiles,
//! gap classes, four copula weights), stored in the model file; nothing is fitted per
//! new song. Generation is `O(n log n)` in the number of notes.
//!
//! ```
//! use asmd::misalign::{Model, warp::SongNote};
//! use rand::SeedableRng;
//! let model = Model::shipped().unwrap();
//! let warp = model.warp.as_ref().unwrap();
//! // two tracks of one song
//! let notes: Vec<SongNote> = (0..40)
//!     .map(|i| SongNote::new(i % 2, 60.0 + (i % 7) as f64, i as f64 * 0.25, i as f64 * 0.25 + 0.2))
//!     .collect();
//! let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
//! let g = warp.generate(&notes, &mut rng);
//! assert_eq!(g.onsets.len(), 40);
//! let span = g.onsets.iter().cloned().fold(f64::MIN, f64::max) - g.onsets.iter().cloned().fold(f64::MAX, f64::min);
//! assert!((span / (39.0 * 0.25) - g.ratio).abs() < 1e-9);
//! ```

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::generate::normal;

mod special;
mod train;

use special::{normal_cdf, value_at};

/// Probability levels of every stored quantile curve (fine in the tails; draws outside
/// `[0.001, 0.999]` are clamped to the curve's ends, so single outliers of the training
/// data, often matching errors, are never reproduced).
pub const LEVELS: [f64; 31] = [
    0.001, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.965, 0.98, 0.99, 0.995, 0.999,
];

fn levels() -> Vec<f64> {
    LEVELS.to_vec()
}

/// Gap classes of the chord model, seconds (lower edges; the last class is open).
pub const CHORD_GAPS: [f64; 19] = [
    0.0, 0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1,
    0.13, 0.16, 0.2, 0.3,
];

/// Shortest performance interval the tempo model scales by, seconds.
pub const MIN_INTERVAL: f64 = 0.001;

/// Interval classes of the tempo model: 0, then 2 ms doubling up to 4.096 s.
pub fn interval_edges() -> Vec<f64> {
    std::iter::once(0.0)
        .chain((0..12).map(|k| 0.002 * f64::from(1u32 << k)))
        .collect()
}

/// Performance-duration classes of the duration model: 0, then 25 ms doubling up to 6.4 s.
pub fn duration_edges() -> Vec<f64> {
    std::iter::once(0.0)
        .chain((0..9).map(|k| 0.025 * f64::from(1u32 << k)))
        .collect()
}

/// Time lags (upper bounds, seconds) of the correlations the copulas are fitted to.
const LAGS: [f64; 9] = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6];
/// Pairs further apart than this many steps are not used in the lag correlations.
const MAX_LAG_STEPS: usize = 64;
/// Bins with fewer values borrow the nearest bin's quantiles.
const MIN_BIN_VALUES: usize = 20;
/// At most this much of the copula's variance is shared (the rest is drawn per value).
const MAX_SHARED: f64 = 0.98;

/// The class of `v` among increasing lower `edges` (the last class is open above).
fn class_of(edges: &[f64], v: f64) -> usize {
    edges.partition_point(|&e| e <= v).saturating_sub(1)
}
// ---- the model ----------------------------------------------------------------------

/// How draws within a song are tied: a standard normal `z = sqrt(song) Z + sqrt(smooth)
/// L(t) + sqrt(chord) C + sqrt(rest) e`, with `Z` one draw per song, `L` an
/// Ornstein–Uhlenbeck process of unit variance over performance time, `C` one draw per
/// chord, `e` one per value; the draw is `Phi(z)` on the quantile curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Copula {
    /// Variance share of the song component.
    pub song: f64,
    /// Variance share of the smooth component.
    pub smooth: f64,
    /// Time constant of the smooth component, seconds.
    pub timescale: f64,
    /// Variance share of the chord component (durations only).
    pub chord: f64,
}

impl Copula {
    const NONE: Copula = Copula {
        song: 0.0,
        smooth: 0.0,
        timescale: 1.0,
        chord: 0.0,
    };

    fn validate(&self) -> std::result::Result<(), String> {
        let shares = [self.song, self.smooth, self.chord];
        if shares.iter().any(|v| !(v.is_finite() && *v >= 0.0))
            || shares.iter().sum::<f64>() > 1.0 + 1e-9
            || !(self.timescale.is_finite() && self.timescale > 0.0)
        {
            return Err(
                "shares must be non-negative with a sum of at most 1, timescale positive".into(),
            );
        }
        Ok(())
    }

    /// Probabilities for values at times `t` (sorted) in chords `chord` (or none).
    fn draw<R: RngExt>(&self, rng: &mut R, t: &[f64], chord: Option<&[usize]>) -> Vec<f64> {
        let song = self.song.sqrt() * normal(rng);
        let (a, b, c) = (
            self.smooth.sqrt(),
            self.chord.sqrt(),
            (1.0 - self.song - self.smooth - self.chord).max(0.0).sqrt(),
        );
        let mut smooth = normal(rng);
        let mut chord_value = normal(rng);
        let mut out = Vec::with_capacity(t.len());
        for i in 0..t.len() {
            if i > 0 {
                let k = (-(t[i] - t[i - 1]).max(0.0) / self.timescale).exp();
                smooth = k * smooth + (1.0 - k * k).sqrt() * normal(rng);
                if chord.is_none_or(|c| c[i] != c[i - 1]) {
                    chord_value = normal(rng);
                }
            }
            let z = song + a * smooth + b * chord_value + c * normal(rng);
            out.push(normal_cdf(z));
        }
        out
    }
}

/// The song-level tempo ratio (a): training ratios grouped by piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatioModel {
    /// `ln(score onset span / performance onset span)` of each training performance,
    /// grouped by piece.
    pub pieces: Vec<Vec<f64>>,
    /// Standard deviation of the log-normal kernel around a drawn ratio (Silverman's
    /// robust rule over the training performances' log ratios).
    pub bandwidth: f64,
    /// Smallest and largest onset-span ratio seen in training (the guard rail).
    pub range: [f64; 2],
    /// Smallest and largest full-span ratio (first onset to last offset) seen in training.
    pub full_range: [f64; 2],
}

/// Chord membership: `same[class][2 * overlap + previous_joined]` is the probability
/// that a note has the previous note's score onset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChordModel {
    /// Lower edges of the gap classes, seconds.
    pub gaps: Vec<f64>,
    /// Probabilities per gap class.
    pub same: Vec<[f64; 4]>,
}

/// The tempo model of one class of performance intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalClass {
    /// Mean `ln(interval)` of the class's training intervals.
    pub log_mean: f64,
    /// Slope of `x` on `ln(interval)` within the class.
    pub slope: f64,
    /// Quantiles of the residual `x` (after the slope) at [`levels`].
    pub quantiles: Vec<f64>,
    /// Quantiles of `ln(score interval / (r x interval))` of inverted pairs.
    pub inverted: Vec<f64>,
    /// Probability that two neighbouring chords this far apart swap (calibrated).
    pub swap: f64,
}

/// Intervals between chords.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalModel {
    /// Lower edges of the interval classes, seconds.
    pub edges: Vec<f64>,
    /// One entry per class.
    pub classes: Vec<IntervalClass>,
    /// How the draws are tied.
    pub copula: Copula,
    /// Factor applied to the raw swap probabilities so that the training songs'
    /// inversion rate is reproduced.
    pub swap_calibration: f64,
}

/// Durations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DurationModel {
    /// Lower edges of the performance-duration classes, seconds.
    pub edges: Vec<f64>,
    /// Quantiles of `ln(performance duration / score duration x r)` per class.
    pub classes: Vec<Vec<f64>>,
    /// How the draws are tied.
    pub copula: Copula,
}

/// The warp method's part of a model (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarpModel {
    /// Probability levels of every quantile curve.
    pub levels: Vec<f64>,
    /// Song-level ratio.
    pub ratio: RatioModel,
    /// Chords.
    pub chords: ChordModel,
    /// Intervals between chords.
    pub intervals: IntervalModel,
    /// Durations.
    pub durations: DurationModel,
}

/// One performance note of a song to generate a score for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SongNote {
    /// Index of the note's track (ground-truth file) in the song.
    pub track: usize,
    /// MIDI pitch.
    pub pitch: f64,
    /// Performance onset, seconds.
    pub onset: f64,
    /// Performance offset, seconds.
    pub offset: f64,
}

impl SongNote {
    /// A note.
    pub fn new(track: usize, pitch: f64, onset: f64, offset: f64) -> SongNote {
        SongNote {
            track,
            pitch,
            onset,
            offset,
        }
    }
}

/// What [`WarpModel::generate`] drew for one song.
#[derive(Debug, Clone, PartialEq)]
pub struct WarpDraw {
    /// Score onset of each input note (input order), the song starting at 0.
    pub onsets: Vec<f64>,
    /// Score offset of each input note (before the per-track offset fixes).
    pub offsets: Vec<f64>,
    /// The song's onset-span ratio.
    pub ratio: f64,
}
fn onset_span(v: &[f64]) -> f64 {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    hi - lo
}

fn full_span(on: &[f64], off: &[f64]) -> f64 {
    let lo = on.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = off.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    hi - lo
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

impl WarpModel {
    /// Chord index of each note in performance `order` (non-decreasing, from 0).
    fn group<R: RngExt>(&self, notes: &[SongNote], order: &[usize], rng: &mut R) -> Vec<usize> {
        let mut group = Vec::with_capacity(order.len());
        let mut members: Vec<(i64, usize)> = Vec::new();
        let mut prev_joined = false;
        for (k, &i) in order.iter().enumerate() {
            let n = notes[i];
            let key = (n.pitch.round() as i64, n.track);
            if k == 0 {
                group.push(0);
                members.push(key);
                continue;
            }
            let prev = notes[order[k - 1]];
            let gap = n.onset - prev.onset;
            let overlap = prev.offset > n.onset;
            let p = self.chords.same[class_of(&self.chords.gaps, gap)]
                [2 * usize::from(overlap) + usize::from(prev_joined)];
            let u = rng.random::<f64>();
            let g = group[k - 1];
            if !members.contains(&key) && u < p {
                group.push(g);
                members.push(key);
                prev_joined = true;
            } else {
                group.push(g + 1);
                members.clear();
                members.push(key);
                prev_joined = false;
            }
        }
        group
    }

    /// Draw the song's ratio (a): one training performance's ratio, chosen uniformly
    /// over all performances, times a log-normal kernel, within the training range.
    pub fn draw_ratio<R: RngExt>(&self, rng: &mut R) -> f64 {
        let r = &self.ratio;
        let total: usize = r.pieces.iter().map(Vec::len).sum();
        let mut k = rng.random_range(0..total.max(1));
        let mut base = 0.0;
        for piece in &r.pieces {
            if k < piece.len() {
                base = piece[k];
                break;
            }
            k -= piece.len();
        }
        let lr = base + r.bandwidth * normal(rng);
        lr.exp().clamp(r.range[0], r.range[1])
    }

    /// Generate score onsets and offsets for one song's notes (all tracks at once; see
    /// the module documentation). Notes with non-finite times must not be passed.
    pub fn generate<R: RngExt>(&self, notes: &[SongNote], rng: &mut R) -> WarpDraw {
        let ratio = self.draw_ratio(rng);
        self.generate_with_ratio(notes, ratio, rng)
    }

    /// `k` score durations for performance durations at the song ratio `ratio`
    /// (independent draws from the duration classes; no copula, no guard rail).
    pub fn draw_durations<R: RngExt>(
        &self,
        rng: &mut R,
        ratio: f64,
        durations: &[f64],
    ) -> Vec<f64> {
        durations
            .iter()
            .map(|&d| {
                let dp = d.max(0.0);
                let c = class_of(&self.durations.edges, dp);
                let lc = value_at(
                    &self.levels,
                    &self.durations.classes[c],
                    rng.random::<f64>(),
                );
                dp * ratio / lc.exp()
            })
            .collect()
    }

    /// [`WarpModel::generate`] with a given song ratio (clamped to the training range).
    pub fn generate_with_ratio<R: RngExt>(
        &self,
        notes: &[SongNote],
        ratio: f64,
        rng: &mut R,
    ) -> WarpDraw {
        let n = notes.len();
        let ratio = ratio.clamp(self.ratio.range[0], self.ratio.range[1]);
        if n == 0 {
            return WarpDraw {
                onsets: Vec::new(),
                offsets: Vec::new(),
                ratio,
            };
        }
        let order = performance_order(notes);
        let group = self.group(notes, &order, rng);
        let groups = group[n - 1] + 1;
        // performance time of each chord: median of its onsets
        let mut times = Vec::with_capacity(groups);
        let mut start = 0;
        let mut buf = Vec::new();
        for k in 1..=n {
            if k == n || group[k] != group[start] {
                buf.clear();
                buf.extend(order[start..k].iter().map(|&i| notes[i].onset));
                buf.sort_by(f64::total_cmp);
                times.push(median_sorted(&buf));
                start = k;
            }
        }
        // tracks' first and last chords: never swapped, pinned to the song's ratio
        let tracks = notes.iter().map(|n| n.track).max().unwrap_or(0) + 1;
        let mut first = vec![usize::MAX; tracks];
        let mut last = vec![0usize; tracks];
        for (k, &i) in order.iter().enumerate() {
            let t = notes[i].track;
            first[t] = first[t].min(group[k]);
            last[t] = last[t].max(group[k]);
        }
        let mut anchor = vec![false; groups];
        for t in 0..tracks {
            if first[t] != usize::MAX && last[t] > first[t] {
                anchor[first[t]] = true;
                anchor[last[t]] = true;
            }
        }
        // score order: neighbours swap
        let mut score_order: Vec<usize> = (0..groups).collect();
        let mut g = 0;
        while g + 1 < groups {
            let c = class_of(&self.intervals.edges, times[g + 1] - times[g]);
            let u = rng.random::<f64>();
            if u < self.intervals.classes[c].swap && !anchor[g] && !anchor[g + 1] {
                score_order.swap(g, g + 1);
                g += 2;
            } else {
                g += 1;
            }
        }
        // intervals in score order
        let forward_times: Vec<f64> = score_order
            .windows(2)
            .filter(|w| times[w[1]] >= times[w[0]])
            .map(|w| times[w[0]])
            .collect();
        let probs = self.intervals.copula.draw(rng, &forward_times, None);
        let mut probs = probs.into_iter();
        let mut score = vec![0.0; groups];
        let mut at = 0.0;
        score[score_order[0]] = 0.0;
        for w in score_order.windows(2) {
            let dp = times[w[1]] - times[w[0]];
            let c = &self.intervals.classes[class_of(&self.intervals.edges, dp.abs())];
            let step = if dp >= 0.0 {
                let u = probs.next().unwrap_or(0.5);
                let x = value_at(&self.levels, &c.quantiles, u)
                    + c.slope * (dp.max(MIN_INTERVAL).ln() - c.log_mean);
                x.exp() * dp.max(MIN_INTERVAL)
            } else {
                let u = rng.random::<f64>();
                value_at(&self.levels, &c.inverted, u).exp() * dp.abs().max(MIN_INTERVAL)
            };
            at += step;
            score[w[1]] = at;
        }
        // pin the tracks' first and last chords: the timeline minus a piecewise-linear
        // correction through the anchors makes every track span the same ratio
        let (s_lo, s_hi) = min_max(&score);
        let (p_lo, p_hi) = (times[0], times[groups - 1]);
        let slope = if p_hi > p_lo {
            (s_hi - s_lo) / (p_hi - p_lo)
        } else {
            1.0
        };
        let anchors: Vec<usize> = (0..groups).filter(|&g| anchor[g]).collect();
        if tracks > 1 && anchors.len() >= 2 {
            let reference = score[anchors[0]] - slope * times[anchors[0]];
            let knots: Vec<(f64, f64)> = anchors
                .iter()
                .map(|&g| (times[g], score[g] - slope * times[g] - reference))
                .collect();
            for g in 0..groups {
                score[g] -= interpolate(&knots, times[g]);
            }
        }
        // span (a): exact ratio of onset spans, starting at 0
        let mut onsets: Vec<f64> = vec![0.0; n];
        for (k, &i) in order.iter().enumerate() {
            onsets[i] = score[group[k]];
        }
        let (lo, hi) = min_max(&onsets);
        let perf_on: Vec<f64> = notes.iter().map(|n| n.onset).collect();
        let (plo, phi) = min_max(&perf_on);
        let scale = if hi > lo && phi > plo {
            ratio * (phi - plo) / (hi - lo)
        } else {
            ratio
        };
        for o in &mut onsets {
            *o = (*o - lo) * scale;
        }
        // durations (c)
        let perf_order_times: Vec<f64> = order.iter().map(|&i| notes[i].onset).collect();
        let probs = self
            .durations
            .copula
            .draw(rng, &perf_order_times, Some(&group));
        let mut offsets = vec![0.0; n];
        for (k, &i) in order.iter().enumerate() {
            let dp = (notes[i].offset - notes[i].onset).max(0.0);
            let c = class_of(&self.durations.edges, dp);
            let lc = value_at(&self.levels, &self.durations.classes[c], probs[k]);
            offsets[i] = onsets[i] + dp * ratio / lc.exp();
        }
        self.fit_full_spans(notes, &onsets, &mut offsets);
        WarpDraw {
            onsets,
            offsets,
            ratio,
        }
    }

    /// Guard rails on offsets: the song's full span (first onset to last offset) stays
    /// within the training range, and every track spans one same full ratio: notes
    /// ending later are cut to it and, if none reaches it, the track's last note is
    /// lengthened. The ratio is raised where a track's last onset needs it (every note
    /// keeps at least [`super::MIN_DURATION`]).
    pub fn fit_full_spans(&self, notes: &[SongNote], onsets: &[f64], offsets: &mut [f64]) {
        let n = notes.len();
        let perf_on: Vec<f64> = notes.iter().map(|n| n.onset).collect();
        let perf_off: Vec<f64> = notes.iter().map(|n| n.offset).collect();
        if full_span(&perf_on, &perf_off).is_nan() || full_span(&perf_on, &perf_off) <= 0.0 {
            return;
        }
        let tracks = notes.iter().map(|n| n.track).max().unwrap_or(0) + 1;
        // per track: (notes, first performance onset, last performance offset, first
        // score onset, last score onset, the last-starting note)
        let mut parts = Vec::new();
        for t in 0..tracks {
            let idx: Vec<usize> = (0..n).filter(|&i| notes[i].track == t).collect();
            if idx.is_empty() {
                continue;
            }
            let p_on = idx
                .iter()
                .map(|&i| perf_on[i])
                .fold(f64::INFINITY, f64::min);
            let p_off = idx
                .iter()
                .map(|&i| perf_off[i])
                .fold(f64::NEG_INFINITY, f64::max);
            let s_on = idx.iter().map(|&i| onsets[i]).fold(f64::INFINITY, f64::min);
            let last = *idx
                .iter()
                .max_by(|&&a, &&b| onsets[a].total_cmp(&onsets[b]).then(a.cmp(&b)))
                .unwrap_or(&idx[0]);
            parts.push((idx, p_on, p_off, s_on, onsets[last], last));
        }
        let full = full_span(onsets, offsets) / full_span(&perf_on, &perf_off);
        let [lo, hi] = self.ratio.full_range;
        let mut target = full.clamp(lo.min(hi), hi.max(lo));
        for (_, p_on, p_off, s_on, s_last, _) in &parts {
            if p_off > p_on {
                target =
                    target.max((s_last + super::generate::MIN_DURATION - s_on) / (p_off - p_on));
            }
        }
        for (idx, p_on, p_off, s_on, _, last) in &parts {
            if p_off <= p_on {
                continue;
            }
            let end = s_on + target * (p_off - p_on);
            for &i in idx {
                if offsets[i] > end {
                    offsets[i] = end;
                }
            }
            let reach = idx
                .iter()
                .map(|&i| offsets[i])
                .fold(f64::NEG_INFINITY, f64::max);
            if reach < end {
                offsets[*last] = end;
            }
        }
    }

    /// Check a model read from a file: shapes, probabilities, increasing quantiles.
    pub(crate) fn validate(&self) -> std::result::Result<(), (String, String)> {
        let bad = |at: &str, m: &str| Err((at.to_string(), m.to_string()));
        let l = &self.levels;
        if l.len() < 2 || !l.windows(2).all(|w| w[0] < w[1]) || l[0] <= 0.0 || l[l.len() - 1] >= 1.0
        {
            return bad(
                "levels",
                "needs at least two increasing probabilities inside (0, 1)",
            );
        }
        let is_curve = |c: &[f64]| {
            c.len() == l.len()
                && c.iter().all(|v| v.is_finite())
                && c.windows(2).all(|w| w[0] <= w[1])
        };
        let edges_ok =
            |e: &[f64]| !e.is_empty() && e[0] == 0.0 && e.windows(2).all(|w| w[0] < w[1]);
        let r = &self.ratio;
        if r.pieces.is_empty()
            || r.pieces
                .iter()
                .any(|p| p.is_empty() || p.iter().any(|v| !v.is_finite()))
        {
            return bad(
                "ratio.pieces",
                "needs at least one piece with finite log ratios",
            );
        }
        let range_ok =
            |x: &[f64; 2]| x[0].is_finite() && x[1].is_finite() && 0.0 < x[0] && x[0] <= x[1];
        let bandwidth_ok = r.bandwidth.is_finite() && r.bandwidth >= 0.0;
        if !(bandwidth_ok && range_ok(&r.range) && range_ok(&r.full_range)) {
            return bad(
                "ratio",
                "needs a non-negative bandwidth and positive increasing ranges",
            );
        }
        let prob = |p: f64| p.is_finite() && (0.0..=1.0).contains(&p);
        let c = &self.chords;
        if !edges_ok(&c.gaps)
            || c.same.len() != c.gaps.len()
            || !c.same.iter().flatten().all(|p| prob(*p))
        {
            return bad(
                "chords",
                "needs increasing gap edges from 0 and one row of four probabilities per gap class",
            );
        }
        let iv = &self.intervals;
        if !edges_ok(&iv.edges) || iv.classes.len() != iv.edges.len() {
            return bad(
                "intervals",
                "needs increasing edges from 0 and one class per edge",
            );
        }
        for (k, cl) in iv.classes.iter().enumerate() {
            if !is_curve(&cl.quantiles)
                || !is_curve(&cl.inverted)
                || !prob(cl.swap)
                || !cl.slope.is_finite()
                || !cl.log_mean.is_finite()
            {
                return bad(&format!("intervals.classes[{k}]"), "needs increasing quantile curves of one value per level, a finite trend and a swap probability");
            }
        }
        iv.copula
            .validate()
            .map_err(|e| ("intervals.copula".to_string(), e))?;
        let d = &self.durations;
        if !edges_ok(&d.edges)
            || d.classes.len() != d.edges.len()
            || !d.classes.iter().all(|c| is_curve(c))
        {
            return bad(
                "durations",
                "needs increasing edges from 0 and one increasing quantile curve per edge",
            );
        }
        d.copula
            .validate()
            .map_err(|e| ("durations.copula".to_string(), e))?;
        Ok(())
    }
}

/// Notes in performance order: onset, pitch, track, input position.
fn performance_order(notes: &[SongNote]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..notes.len()).collect();
    order.sort_by(|&a, &b| {
        notes[a]
            .onset
            .total_cmp(&notes[b].onset)
            .then(notes[a].pitch.total_cmp(&notes[b].pitch))
            .then(notes[a].track.cmp(&notes[b].track))
            .then(a.cmp(&b))
    });
    order
}

fn min_max(v: &[f64]) -> (f64, f64) {
    (
        v.iter().copied().fold(f64::INFINITY, f64::min),
        v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// Piecewise-linear interpolation through knots sorted by x (constant outside).
fn interpolate(knots: &[(f64, f64)], x: f64) -> f64 {
    let k = knots.partition_point(|&(kx, _)| kx <= x);
    if k == 0 {
        return knots[0].1;
    }
    if k == knots.len() {
        return knots[k - 1].1;
    }
    let (x0, y0) = knots[k - 1];
    let (x1, y1) = knots[k];
    if x1 > x0 {
        y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    } else {
        y1
    }
}
