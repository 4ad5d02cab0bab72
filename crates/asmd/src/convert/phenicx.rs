//! `from_phenicx_txt`: PHENICX-Anechoic note lists (`onset,offset,notename` per line)
//! into `broad_alignment`, with pitches from the note names and the names kept in
//! `notes`. Blank lines are skipped (the reference crashes on them); a bad line is an
//! error naming its line number.

use std::path::Path;

use serde_json::{Map, Value};

use super::params::Params;
use super::registry::ConverterOutput;
use crate::error::{Error, IoContext, Result};
use crate::ground_truth::GroundTruth;

/// pretty_midi's `note_name_to_number`: `(letter)(#, b or !)?(octave)`, octave may be
/// signed; C4 = 60. `None` for anything else, and for an octave so large that the
/// number does not fit in an `i64`.
///
/// ```
/// use asmd::convert::note_name_to_number;
/// assert_eq!(note_name_to_number("C4"), Some(60));
/// assert_eq!(note_name_to_number("A#3"), Some(58));
/// assert_eq!(note_name_to_number("eb5"), Some(75));
/// assert_eq!(note_name_to_number("H2"), None);
/// assert_eq!(note_name_to_number("C1000000000000000000"), None);
/// ```
pub fn note_name_to_number(name: &str) -> Option<i64> {
    let mut chars = name.chars();
    let letter = chars.next()?;
    let base = match letter.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let rest = chars.as_str();
    let (offset, octave) = match rest.chars().next() {
        Some('#') => (1, &rest[1..]),
        Some('b') | Some('!') => (-1, &rest[1..]),
        _ => (0, rest),
    };
    let digits = octave.strip_prefix(['+', '-']).unwrap_or(octave);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let octave: i64 = octave.strip_prefix('+').unwrap_or(octave).parse().ok()?;
    // the octave is any integer the file holds: checked, never wrapped
    octave
        .checked_add(1)?
        .checked_mul(12)?
        .checked_add(base + offset)
}

/// Python's `float()` on a field: surrounding whitespace allowed, `inf`/`nan` accepted.
pub(crate) fn py_float(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

/// The registered converter.
pub fn from_phenicx_txt(path: &Path, params: &Map<String, Value>) -> Result<ConverterOutput> {
    Params::new("from_phenicx_txt", params, &[])?;
    let text = std::fs::read_to_string(path).with_path(path)?;
    let mut gt = GroundTruth::default();
    let g = &mut gt.broad_alignment;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("line {}", i + 1);
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() < 3 {
            return Err(Error::format(
                path,
                at,
                format!("expected `onset,offset,notename`, found `{line}`"),
            ));
        }
        let onset = py_float(fields[0]).ok_or_else(|| {
            Error::format(path, &at, format!("onset `{}` is not a number", fields[0]))
        })?;
        let offset = py_float(fields[1]).ok_or_else(|| {
            Error::format(path, &at, format!("offset `{}` is not a number", fields[1]))
        })?;
        let name = fields[2].trim();
        let pitch = note_name_to_number(name).ok_or_else(|| {
            Error::format(path, &at, format!("`{name}` is not a note name like C#4"))
        })?;
        g.notes.push(name.to_string());
        g.pitches.push(pitch as f64);
        g.onsets.push(onset);
        g.offsets.push(offset);
    }
    g.sort_by_onset();
    Ok(Some(vec![gt]))
}
