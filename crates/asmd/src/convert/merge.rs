//! Merging the outputs of several converters into one ground truth (SPEC §6).
//!
//! Each converter returns a list (one ground truth per track or source); for the
//! ground-truth file `...-<k>.json.gz` element `min(k, len - 1)` of each list is taken
//! (PHENICX's `bassoon-1` reuses entry 0 of a one-element list). The chosen objects merge
//! key by key: lists concatenate (in converter order), `instrument` takes the minimum,
//! unknown nested objects merge recursively. The caller then sorts the result.

use serde_json::{Map, Value};

use crate::ground_truth::{GroundTruth, IntColumns, NoteGroup, Pedal};

/// The index used in a converter's output list for track `k`.
pub fn track_index(k: usize, len: usize) -> usize {
    k.min(len.saturating_sub(1))
}

fn int_flag(a_int: bool, a_empty: bool, b_int: bool, b_empty: bool) -> bool {
    match (a_empty, b_empty) {
        (true, true) => a_int,
        (true, false) => b_int,
        (false, true) => a_int,
        (false, false) => a_int && b_int,
    }
}

fn merge_group(a: &mut NoteGroup, b: NoteGroup) {
    let mut ints = IntColumns::NONE;
    for (col, ae, be) in [
        (IntColumns::ONSETS, a.onsets.is_empty(), b.onsets.is_empty()),
        (
            IntColumns::OFFSETS,
            a.offsets.is_empty(),
            b.offsets.is_empty(),
        ),
        (
            IntColumns::PITCHES,
            a.pitches.is_empty(),
            b.pitches.is_empty(),
        ),
        (
            IntColumns::VELOCITIES,
            a.velocities.is_empty(),
            b.velocities.is_empty(),
        ),
        (IntColumns::BEATS, a.beats.is_empty(), b.beats.is_empty()),
    ] {
        let on = int_flag(
            a.int_columns.contains(col),
            ae,
            b.int_columns.contains(col),
            be,
        );
        ints.set(col, on);
    }
    a.onsets.extend(b.onsets);
    a.offsets.extend(b.offsets);
    a.pitches.extend(b.pitches);
    a.velocities.extend(b.velocities);
    a.notes.extend(b.notes);
    a.beats.extend(b.beats);
    a.int_columns = ints;
}

fn merge_pedal(a: &mut Pedal, b: Pedal) {
    a.int_values = int_flag(
        a.int_values,
        a.values.is_empty(),
        b.int_values,
        b.values.is_empty(),
    );
    a.int_times = int_flag(
        a.int_times,
        a.times.is_empty(),
        b.int_times,
        b.times.is_empty(),
    );
    a.times.extend(b.times);
    a.values.extend(b.values);
}

fn merge_value(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => merge_map(x, y),
        (Value::Array(x), Value::Array(y)) => x.extend(y),
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
                *x = i.min(j).into();
            }
        }
        (Value::String(x), Value::String(y)) => x.push_str(&y),
        _ => {}
    }
}

fn merge_map(a: &mut Map<String, Value>, b: Map<String, Value>) {
    for (k, v) in b {
        match a.get_mut(&k) {
            Some(x) => merge_value(x, v),
            None => {
                a.insert(k, v);
            }
        }
    }
}

/// Merge `b` into `a`.
///
/// ```
/// use asmd::{convert::merge_into, GroundTruth};
/// let mut a = GroundTruth::default();
/// a.precise_alignment.push_note(60.0, 0.0, 1.0, Some(80.0));
/// let mut b = GroundTruth::default();
/// b.precise_alignment.push_note(62.0, 0.5, 1.0, Some(70.0));
/// b.instrument = 40;
/// merge_into(&mut a, b);
/// assert_eq!(a.precise_alignment.pitches, vec![60.0, 62.0]);
/// assert_eq!(a.instrument, 40);
/// ```
pub fn merge_into(a: &mut GroundTruth, b: GroundTruth) {
    merge_group(&mut a.precise_alignment, b.precise_alignment);
    merge_group(&mut a.broad_alignment, b.broad_alignment);
    merge_group(&mut a.misaligned, b.misaligned);
    merge_group(&mut a.score, b.score);
    a.missing.extend(b.missing);
    a.extra.extend(b.extra);
    a.f0.extend(b.f0);
    merge_pedal(&mut a.sustain, b.sustain);
    merge_pedal(&mut a.sostenuto, b.sostenuto);
    merge_pedal(&mut a.soft, b.soft);
    a.instrument = a.instrument.min(b.instrument);
    merge_map(&mut a.other, b.other);
}

/// Take element `min(k, len - 1)` of every non-empty output and merge them in order.
/// Returns `None` when no output has any element.
pub fn merge_outputs(k: usize, outputs: Vec<Vec<GroundTruth>>) -> Option<GroundTruth> {
    let mut merged: Option<GroundTruth> = None;
    for mut list in outputs {
        if list.is_empty() {
            continue;
        }
        let i = track_index(k, list.len());
        let gt = list.swap_remove(i);
        match &mut merged {
            None => merged = Some(gt),
            Some(m) => merge_into(m, gt),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_index_and_concatenates() {
        let mk = |p: f64| {
            let mut g = GroundTruth::default();
            g.score.push_note(p, 0.0, 1.0, None);
            g
        };
        let out = merge_outputs(3, vec![vec![mk(1.0)], vec![], vec![mk(2.0), mk(3.0)]]).unwrap();
        assert_eq!(out.score.pitches, vec![1.0, 3.0]);
        assert!(merge_outputs(0, vec![vec![], vec![]]).is_none());
    }

    #[test]
    fn int_columns_follow_the_non_empty_side() {
        let mut a = GroundTruth::default();
        a.precise_alignment.int_columns = IntColumns::NONE;
        let mut b = GroundTruth::default();
        b.precise_alignment.push_note(60.0, 0.0, 1.0, Some(3.0));
        merge_into(&mut a, b);
        assert!(a
            .precise_alignment
            .int_columns
            .contains(IntColumns::PITCHES));
    }
}
