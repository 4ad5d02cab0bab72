//! What a ground-truth file's non-aligned scores look like next to its performance:
//! the per-song report of `asmd stats describe` (span ratio, local tempo deviation,
//! duration ratios, chord asynchrony, order inversions — the features of
//! [`super::features`]), for the generated `misaligned` notes and, where the file has
//! one, the real `score`.
//!
//! The notes of a score and of the aligned performance (`precise_alignment`, else
//! `broad_alignment`) are paired with [`match_notes`] (generated notes are sorted, so
//! their pairing with the performance is found the same way as a real score's).
//!
//! ```
//! use asmd::misalign::{describe::describe, Generator, Model};
//! let mut gt = asmd::GroundTruth::default();
//! for i in 0..60 {
//!     let t = i as f64 * 0.25;
//!     gt.precise_alignment.push_note(60.0 + (i % 5) as f64, t, t + 0.2, Some(80.0));
//! }
//! Generator::new(Model::shipped().unwrap()).misalign(&mut gt, 3).unwrap();
//! let d = describe(&gt);
//! let m = d.iter().find(|d| d.kind == "misaligned").unwrap();
//! assert_eq!(m.notes, 60);
//! assert!(m.span_ratio > 0.0);
//! ```

use serde::Serialize;

use super::features::{quantiles, NotePair, Relation};
use super::matching::{match_notes, MatchNote, MatchOptions};
use crate::{GroundTruth, NoteGroup};

/// The relation of one score group of a ground truth to its performance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Description {
    /// `misaligned` or `score`.
    pub kind: String,
    /// Notes of the score group.
    pub notes: usize,
    /// Notes paired with the performance.
    pub matched: usize,
    /// (a) score onset span / performance onset span, over all notes.
    pub span_ratio: f64,
    /// Score full span (first onset to last offset) / the performance's.
    pub full_span_ratio: f64,
    /// (b) median and interquartile range of the local tempo deviation.
    pub local_tempo: [f64; 3],
    /// (c) median duration ratio.
    pub duration_ratio: f64,
    /// (d) median chord asynchrony, seconds (NaN without chords).
    pub chord_spread: f64,
    /// (e) inversion rate.
    pub inversion_rate: f64,
}

fn notes_of(g: &NoteGroup) -> Vec<MatchNote> {
    let n = g.onsets.len().min(g.offsets.len()).min(g.pitches.len());
    (0..n)
        .map(|i| MatchNote::new(g.pitches[i], g.onsets[i], g.offsets[i]))
        .filter(|m| m.onset.is_finite() && m.offset.is_finite() && m.pitch.is_finite())
        .collect()
}

fn span(notes: &[MatchNote], full: bool) -> f64 {
    let lo = notes.iter().map(|n| n.onset).fold(f64::INFINITY, f64::min);
    let hi = notes
        .iter()
        .map(|n| if full { n.offset } else { n.onset })
        .fold(f64::NEG_INFINITY, f64::max);
    hi - lo
}

/// Describe one score group against the performance; `None` when either is empty or
/// they cannot be matched.
pub fn describe_group(kind: &str, score: &NoteGroup, perf: &NoteGroup) -> Option<Description> {
    let s = notes_of(score);
    let p = notes_of(perf);
    if s.len() < 2 || p.len() < 2 {
        return None;
    }
    let m = match_notes(&s, &p, &MatchOptions::default()).ok()?;
    let pairs: Vec<NotePair> = m
        .pairs
        .iter()
        .map(|&(i, j)| NotePair::new(s[i].onset, s[i].offset, p[j].onset, p[j].offset))
        .collect();
    let r = Relation::new(&pairs)?;
    let med = |v: &[f64]| quantiles(v, &[0.5]).first().copied().unwrap_or(f64::NAN);
    let q = quantiles(&r.local_tempo, &[0.25, 0.5, 0.75]);
    Some(Description {
        kind: kind.to_string(),
        notes: s.len(),
        matched: pairs.len(),
        span_ratio: span(&s, false) / span(&p, false),
        full_span_ratio: span(&s, true) / span(&p, true),
        local_tempo: if q.len() == 3 {
            [q[1], q[0], q[2]]
        } else {
            [f64::NAN; 3]
        },
        duration_ratio: med(&r.duration_ratios),
        chord_spread: med(&r.chord_spreads),
        inversion_rate: r.inversion_rate(),
    })
}

/// Describe the `misaligned` and `score` groups of a ground truth against its most
/// precise aligned group (those present).
pub fn describe(gt: &GroundTruth) -> Vec<Description> {
    let perf = if !gt.precise_alignment.onsets.is_empty() {
        &gt.precise_alignment
    } else {
        &gt.broad_alignment
    };
    [("misaligned", &gt.misaligned), ("score", &gt.score)]
        .into_iter()
        .filter_map(|(k, g)| describe_group(k, g, perf))
        .collect()
}
