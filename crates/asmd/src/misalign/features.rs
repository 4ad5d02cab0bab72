//! How a score relates to a performance, as distributions: the features the
//! distributional evaluation compares (real scores against generated ones) and that
//! `asmd stats describe` reports for one ground-truth file.
//!
//! Input: the notes of one song as (score onset, score offset, performance onset,
//! performance offset) pairs. Notes sharing a score onset (within 1 ms) form a *chord*;
//! a chord's performance time is the median of its notes' performance onsets. Per song:
//!
//! - (a) **span ratio**: score onset span / performance onset span (one value);
//! - (b) **local tempo deviation**: for consecutive chords, `ln(score IOI / performance
//!   IOI) - ln(span ratio)` (intervals whose performance order is reversed are left to (e));
//! - (c) **duration ratios**: performance duration / score duration, times the span
//!   ratio (1 = the note lasts what the global tempo predicts);
//! - (d) **chord asynchrony**: the spread (last - first) of the performance onsets of
//!   the notes of each chord of two or more notes, seconds;
//! - (e) **order inversions**: consecutive chords whose performance times are in the
//!   reverse order, over all consecutive chords.
//!
//! Two samples are compared with the two-sample Kolmogorov–Smirnov statistic ([`ks_2samp`],
//! as scipy's `ks_2samp(...).statistic`) and summarised by numpy's quantiles ([`quantiles`]).
//!
//! ```
//! use asmd::misalign::features::{NotePair, Relation};
//! // a 2-note chord then a single note, score twice as slow as the performance
//! let notes = [
//!     NotePair::new(0.0, 1.0, 0.00, 0.5),
//!     NotePair::new(0.0, 1.0, 0.02, 0.52),
//!     NotePair::new(2.0, 3.0, 1.00, 1.5),
//! ];
//! let r = Relation::new(&notes).unwrap();
//! assert_eq!(r.span_ratio, 2.0);
//! assert!((r.chord_spreads[0] - 0.02).abs() < 1e-12);
//! assert_eq!((r.inversions, r.boundaries), (0, 1));
//! assert!(r.duration_ratios.iter().all(|d| (d - 1.0).abs() < 1e-12));
//! ```

use serde::Serialize;

/// Notes whose score onsets differ by at most this many seconds share a chord.
pub const CHORD_TOLERANCE: f64 = 1e-3;

/// The quantiles reported for every feature.
pub const QUANTILES: [f64; 9] = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

/// One note seen in a score and in a performance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NotePair {
    /// Score onset, seconds.
    pub score_onset: f64,
    /// Score offset, seconds.
    pub score_offset: f64,
    /// Performance onset, seconds.
    pub perf_onset: f64,
    /// Performance offset, seconds.
    pub perf_offset: f64,
}

impl NotePair {
    /// A note pair.
    pub fn new(score_onset: f64, score_offset: f64, perf_onset: f64, perf_offset: f64) -> Self {
        NotePair {
            score_onset,
            score_offset,
            perf_onset,
            perf_offset,
        }
    }
}

/// The features of one song (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relation {
    /// Notes.
    pub notes: usize,
    /// (a) score onset span / performance onset span.
    pub span_ratio: f64,
    /// (b) local tempo deviation per pair of consecutive chords.
    pub local_tempo: Vec<f64>,
    /// (c) duration ratio (performance / score, times the span ratio) per note.
    pub duration_ratios: Vec<f64>,
    /// (d) performance-onset spread of each chord of two or more notes, seconds.
    pub chord_spreads: Vec<f64>,
    /// (e) consecutive chords in the reverse order in the performance.
    pub inversions: usize,
    /// Consecutive chord pairs.
    pub boundaries: usize,
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

impl Relation {
    /// The features of one song; `None` when it has fewer than two notes, an empty
    /// onset span on either side, or non-finite times.
    pub fn new(notes: &[NotePair]) -> Option<Relation> {
        if notes.len() < 2
            || notes.iter().any(|n| {
                !(n.score_onset.is_finite()
                    && n.score_offset.is_finite()
                    && n.perf_onset.is_finite()
                    && n.perf_offset.is_finite())
            })
        {
            return None;
        }
        let span = |f: fn(&NotePair) -> f64| {
            let lo = notes.iter().map(f).fold(f64::INFINITY, f64::min);
            let hi = notes.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
            hi - lo
        };
        let (ss, ps) = (span(|n| n.score_onset), span(|n| n.perf_onset));
        if !(ss > 0.0 && ps > 0.0) {
            return None;
        }
        let ratio = ss / ps;
        let mut order: Vec<&NotePair> = notes.iter().collect();
        order.sort_by(|a, b| {
            a.score_onset
                .total_cmp(&b.score_onset)
                .then(a.perf_onset.total_cmp(&b.perf_onset))
        });
        // chords: (score onset, performance median)
        let mut chords: Vec<(f64, f64)> = Vec::new();
        let mut spreads = Vec::new();
        let mut members: Vec<f64> = Vec::new();
        let mut start = 0;
        for k in 0..=order.len() {
            let closes = k == order.len()
                || order[k].score_onset - order[start].score_onset > CHORD_TOLERANCE;
            if closes {
                members.clear();
                members.extend(order[start..k].iter().map(|n| n.perf_onset));
                members.sort_by(f64::total_cmp);
                chords.push((order[start].score_onset, median_sorted(&members)));
                if members.len() > 1 {
                    spreads.push(members[members.len() - 1] - members[0]);
                }
                start = k;
            }
        }
        let ln_ratio = ratio.ln();
        let mut local = Vec::with_capacity(chords.len());
        let mut inversions = 0;
        for w in chords.windows(2) {
            let ds = w[1].0 - w[0].0;
            let dp = w[1].1 - w[0].1;
            if dp > 0.0 {
                local.push((ds / dp).ln() - ln_ratio);
            } else if dp < 0.0 {
                inversions += 1;
            }
        }
        let durations = notes
            .iter()
            .filter(|n| n.score_offset > n.score_onset && n.perf_offset > n.perf_onset)
            .map(|n| (n.perf_offset - n.perf_onset) / (n.score_offset - n.score_onset) * ratio)
            .collect();
        Some(Relation {
            notes: notes.len(),
            span_ratio: ratio,
            local_tempo: local,
            duration_ratios: durations,
            chord_spreads: spreads,
            inversions,
            boundaries: chords.len().saturating_sub(1),
        })
    }

    /// Inversion rate (e) of this song.
    pub fn inversion_rate(&self) -> f64 {
        if self.boundaries == 0 {
            0.0
        } else {
            self.inversions as f64 / self.boundaries as f64
        }
    }
}

/// Features of many songs, pooled.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pooled {
    /// Songs.
    pub songs: usize,
    /// (a) one value per song.
    pub span_ratio: Vec<f64>,
    /// (b) all songs' values.
    pub local_tempo: Vec<f64>,
    /// (c) all songs' values.
    pub duration_ratio: Vec<f64>,
    /// (d) all songs' values.
    pub chord_spread: Vec<f64>,
    /// (e) inversions over all songs.
    pub inversions: usize,
    /// (e) consecutive chord pairs over all songs.
    pub boundaries: usize,
}

impl Pooled {
    /// Add one song.
    pub fn add(&mut self, r: &Relation) {
        self.songs += 1;
        self.span_ratio.push(r.span_ratio);
        self.local_tempo.extend_from_slice(&r.local_tempo);
        self.duration_ratio.extend_from_slice(&r.duration_ratios);
        self.chord_spread.extend_from_slice(&r.chord_spreads);
        self.inversions += r.inversions;
        self.boundaries += r.boundaries;
    }

    /// Pooled inversion rate (e).
    pub fn inversion_rate(&self) -> f64 {
        if self.boundaries == 0 {
            0.0
        } else {
            self.inversions as f64 / self.boundaries as f64
        }
    }

    /// The four distributions (a)–(d) with their names.
    pub fn distributions(&self) -> [(&'static str, &[f64]); 4] {
        [
            ("span_ratio", &self.span_ratio),
            ("local_tempo", &self.local_tempo),
            ("duration_ratio", &self.duration_ratio),
            ("chord_spread", &self.chord_spread),
        ]
    }
}

/// The two-sample Kolmogorov–Smirnov statistic: the largest distance between the two
/// empirical distribution functions (scipy's `ks_2samp(a, b).statistic`). 1 when a
/// sample is empty and the other is not, 0 when both are; non-finite values are
/// ignored.
///
/// ```
/// use asmd::misalign::features::ks_2samp;
/// assert_eq!(ks_2samp(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.0);
/// assert_eq!(ks_2samp(&[1.0, 2.0], &[3.0, 4.0]), 1.0);
/// assert!((ks_2samp(&[1.0, 2.0, 3.0, 4.0], &[2.5]) - 0.5).abs() < 1e-12);
/// ```
pub fn ks_2samp(a: &[f64], b: &[f64]) -> f64 {
    let sorted = |v: &[f64]| {
        let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        s.sort_by(f64::total_cmp);
        s
    };
    let (a, b) = (sorted(a), sorted(b));
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return 0.0,
        (true, false) | (false, true) => return 1.0,
        _ => {}
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut d: f64 = 0.0;
    while i < a.len() && j < b.len() {
        // step past every value equal to the smaller head in both samples
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    d
}

/// numpy's `quantile(x, qs)` (linear interpolation); empty when `x` has no finite value.
///
/// ```
/// use asmd::misalign::features::quantiles;
/// assert_eq!(quantiles(&[3.0, 1.0, 2.0, 4.0], &[0.0, 0.5, 1.0]), vec![1.0, 2.5, 4.0]);
/// ```
pub fn quantiles(x: &[f64], qs: &[f64]) -> Vec<f64> {
    let mut s: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if s.is_empty() {
        return Vec::new();
    }
    s.sort_by(f64::total_cmp);
    qs.iter()
        .map(|q| super::hist::percentile_sorted(&s, q * 100.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inversions_and_local_tempo() {
        // chords at score 0, 1, 2, 3; the performance plays the third before the second
        let n = |s: f64, p: f64| NotePair::new(s, s + 0.5, p, p + 0.4);
        let notes = [n(0.0, 0.0), n(1.0, 1.0), n(2.0, 0.9), n(3.0, 3.0)];
        let r = Relation::new(&notes).unwrap();
        assert_eq!((r.inversions, r.boundaries), (1, 3));
        assert_eq!(r.local_tempo.len(), 2);
        assert!((r.local_tempo[0] - 0.0).abs() < 1e-12);
        assert!((r.local_tempo[1] - (1.0f64 / 2.1).ln()).abs() < 1e-12);
        assert!(Relation::new(&notes[..1]).is_none());
        assert!(Relation::new(&[n(0.0, 0.0), n(0.0, 1.0)]).is_none());
    }
}
