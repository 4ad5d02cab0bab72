//! Validation of ground truth (SPEC §3 "check").
//!
//! The reference returns a bare code 1-11; we return which rule failed, in which group
//! and at which index, while keeping the reference code available
//! ([`CheckRule::code`]). Rules are checked in the reference's order, so the first
//! failure reported is the one the reference would report. NaN never passes a range
//! or order rule.

// `!(a <= b)` is deliberate throughout: NaN must fail every rule.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::fmt;

use super::{GroundTruth, PedalType, ScoreType};

/// A validation rule of the ground-truth format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckRule {
    /// Onsets sorted (code 1).
    OnsetsSorted,
    /// Onsets >= 0 (code 2).
    OnsetsNonNegative,
    /// Offsets >= 0 (code 3).
    OffsetsNonNegative,
    /// Each offset > its onset (code 4).
    OffsetAfterOnset,
    /// Pitches in [0, 127] (code 5).
    PitchRange,
    /// Velocities in [0, 127] (code 6).
    VelocityRange,
    /// `score.beats` sorted (code 7).
    BeatsSorted,
    /// `len(missing) == len(extra)` (code 8).
    MissingExtraLength,
    /// f0 >= 0 (code 9).
    F0NonNegative,
    /// Pedal times sorted (code 10).
    PedalTimesSorted,
    /// Pedal values in [0, 127] (code 11).
    PedalValueRange,
}

impl CheckRule {
    /// The code the reference's `check()` returns for this rule.
    pub fn code(self) -> u8 {
        match self {
            CheckRule::OnsetsSorted => 1,
            CheckRule::OnsetsNonNegative => 2,
            CheckRule::OffsetsNonNegative => 3,
            CheckRule::OffsetAfterOnset => 4,
            CheckRule::PitchRange => 5,
            CheckRule::VelocityRange => 6,
            CheckRule::BeatsSorted => 7,
            CheckRule::MissingExtraLength => 8,
            CheckRule::F0NonNegative => 9,
            CheckRule::PedalTimesSorted => 10,
            CheckRule::PedalValueRange => 11,
        }
    }

    /// What the rule demands, in words.
    pub fn description(self) -> &'static str {
        match self {
            CheckRule::OnsetsSorted => "onsets must be sorted",
            CheckRule::OnsetsNonNegative => "onsets must be >= 0",
            CheckRule::OffsetsNonNegative => "offsets must be >= 0",
            CheckRule::OffsetAfterOnset => "each offset must be greater than its onset",
            CheckRule::PitchRange => "pitches must be in [0, 127]",
            CheckRule::VelocityRange => "velocities must be in [0, 127]",
            CheckRule::BeatsSorted => "score beats must be sorted",
            CheckRule::MissingExtraLength => "`missing` and `extra` must have the same length",
            CheckRule::F0NonNegative => "f0 values must be >= 0",
            CheckRule::PedalTimesSorted => "pedal times must be sorted",
            CheckRule::PedalValueRange => "pedal values must be in [0, 127]",
        }
    }
}

/// Where and how a ground truth breaks a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckFailure {
    /// The rule broken.
    pub rule: CheckRule,
    /// The part of the ground truth: a note group, a pedal, `score.beats`, `f0`, ...
    pub field: String,
    /// The index of the first offending element, when the rule is about one element.
    pub index: Option<usize>,
    /// The offending value(s), for the message.
    pub detail: String,
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.field)?;
        if let Some(i) = self.index {
            write!(f, "[{i}]")?;
        }
        write!(
            f,
            ": {} (rule {}){}",
            self.rule.description(),
            self.rule.code(),
            if self.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", self.detail)
            }
        )
    }
}

impl std::error::Error for CheckFailure {}

fn first_unsorted(v: &[f64]) -> Option<usize> {
    v.windows(2).position(|w| !(w[0] <= w[1])).map(|i| i + 1)
}

fn first_out_of_range(v: &[f64], min: f64, max: Option<f64>) -> Option<usize> {
    v.iter()
        .position(|&x| !(x >= min) || max.is_some_and(|m| !(x <= m)))
}

fn fail(rule: CheckRule, field: String, index: Option<usize>, detail: String) -> CheckFailure {
    CheckFailure {
        rule,
        field,
        index,
        detail,
    }
}

pub(super) fn check(gt: &GroundTruth) -> Result<(), CheckFailure> {
    for t in [
        ScoreType::PreciseAlignment,
        ScoreType::BroadAlignment,
        ScoreType::Score,
        ScoreType::Misaligned,
    ] {
        let g = gt.group(t);
        let name = t.name();
        if let Some(i) = first_unsorted(&g.onsets) {
            return Err(fail(
                CheckRule::OnsetsSorted,
                format!("{name}.onsets"),
                Some(i),
                format!("{} after {}", g.onsets[i], g.onsets[i - 1]),
            ));
        }
        if let Some(i) = first_out_of_range(&g.onsets, 0.0, None) {
            return Err(fail(
                CheckRule::OnsetsNonNegative,
                format!("{name}.onsets"),
                Some(i),
                format!("{}", g.onsets[i]),
            ));
        }
        if let Some(i) = first_out_of_range(&g.offsets, 0.0, None) {
            return Err(fail(
                CheckRule::OffsetsNonNegative,
                format!("{name}.offsets"),
                Some(i),
                format!("{}", g.offsets[i]),
            ));
        }
        if let Some(i) = g
            .offsets
            .iter()
            .zip(&g.onsets)
            .position(|(off, on)| !(off > on))
        {
            return Err(fail(
                CheckRule::OffsetAfterOnset,
                format!("{name}.offsets"),
                Some(i),
                format!("offset {} <= onset {}", g.offsets[i], g.onsets[i]),
            ));
        }
        if let Some(i) = first_out_of_range(&g.pitches, 0.0, Some(127.0)) {
            return Err(fail(
                CheckRule::PitchRange,
                format!("{name}.pitches"),
                Some(i),
                format!("{}", g.pitches[i]),
            ));
        }
        if let Some(i) = first_out_of_range(&g.velocities, 0.0, Some(127.0)) {
            return Err(fail(
                CheckRule::VelocityRange,
                format!("{name}.velocities"),
                Some(i),
                format!("{}", g.velocities[i]),
            ));
        }
    }
    if let Some(i) = first_unsorted(&gt.score.beats) {
        return Err(fail(
            CheckRule::BeatsSorted,
            "score.beats".into(),
            Some(i),
            format!("{} after {}", gt.score.beats[i], gt.score.beats[i - 1]),
        ));
    }
    if gt.missing.len() != gt.extra.len() {
        return Err(fail(
            CheckRule::MissingExtraLength,
            "missing".into(),
            None,
            format!("{} missing vs {} extra", gt.missing.len(), gt.extra.len()),
        ));
    }
    if let Some(i) = first_out_of_range(&gt.f0, 0.0, None) {
        return Err(fail(
            CheckRule::F0NonNegative,
            "f0".into(),
            Some(i),
            format!("{}", gt.f0[i]),
        ));
    }
    for p in [PedalType::Soft, PedalType::Sostenuto, PedalType::Sustain] {
        let ped = gt.pedal(p);
        if let Some(i) = first_unsorted(&ped.times) {
            return Err(fail(
                CheckRule::PedalTimesSorted,
                format!("{}.times", p.name()),
                Some(i),
                format!("{} after {}", ped.times[i], ped.times[i - 1]),
            ));
        }
        if let Some(i) = first_out_of_range(&ped.values, 0.0, Some(127.0)) {
            return Err(fail(
                CheckRule::PedalValueRange,
                format!("{}.values", p.name()),
                Some(i),
                format!("{}", ped.values[i]),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> GroundTruth {
        let mut gt = GroundTruth::default();
        gt.precise_alignment.push_note(60.0, 0.0, 1.0, Some(64.0));
        gt.precise_alignment.push_note(62.0, 0.5, 1.0, Some(64.0));
        gt
    }

    #[test]
    fn valid_passes() {
        assert!(base().check().is_ok());
        assert!(GroundTruth::default().check().is_ok());
    }

    #[test]
    fn each_rule_reports_code_field_and_index() {
        type Case = (
            Box<dyn Fn(&mut GroundTruth)>,
            u8,
            &'static str,
            Option<usize>,
        );
        let cases: Vec<Case> = vec![
            (
                Box::new(|g| g.precise_alignment.onsets[1] = -0.1),
                1,
                "precise_alignment.onsets",
                Some(1),
            ),
            (
                Box::new(|g| {
                    g.precise_alignment.onsets = vec![-1.0, 0.0];
                }),
                2,
                "precise_alignment.onsets",
                Some(0),
            ),
            (
                Box::new(|g| g.precise_alignment.offsets[1] = -2.0),
                3,
                "precise_alignment.offsets",
                Some(1),
            ),
            (
                Box::new(|g| g.precise_alignment.offsets[1] = 0.5),
                4,
                "precise_alignment.offsets",
                Some(1),
            ),
            (
                Box::new(|g| g.precise_alignment.pitches[0] = 128.0),
                5,
                "precise_alignment.pitches",
                Some(0),
            ),
            (
                Box::new(|g| g.precise_alignment.velocities[1] = -1.0),
                6,
                "precise_alignment.velocities",
                Some(1),
            ),
            (
                Box::new(|g| g.score.beats = vec![0.0, 2.0, 1.0]),
                7,
                "score.beats",
                Some(2),
            ),
            (Box::new(|g| g.missing = vec![true]), 8, "missing", None),
            (Box::new(|g| g.f0 = vec![0.0, f64::NAN]), 9, "f0", Some(1)),
            (
                Box::new(|g| g.sustain.times = vec![1.0, 0.0]),
                10,
                "sustain.times",
                Some(1),
            ),
            (
                Box::new(|g| {
                    g.soft.times = vec![1.0];
                    g.soft.values = vec![200.0];
                }),
                11,
                "soft.values",
                Some(0),
            ),
        ];
        for (mutate, code, field, index) in cases {
            let mut gt = base();
            mutate(&mut gt);
            let f = gt.check().unwrap_err();
            assert_eq!(f.rule.code(), code, "{f}");
            assert_eq!(f.field, field);
            assert_eq!(f.index, index);
        }
    }

    #[test]
    fn message_is_readable() {
        let mut gt = base();
        gt.score.push_note(60.0, 1.0, 1.0, None);
        let msg = gt.check().unwrap_err().to_string();
        assert_eq!(
            msg,
            "score.offsets[0]: each offset must be greater than its onset (rule 4): offset 1 <= onset 1"
        );
    }
}
