//! Ground truth: the ASMD annotation format, one gzip-compressed JSON file per
//! instrument track of a song.
//!
//! The file holds one JSON object (SPEC §3):
//!
//! ```text
//! precise_alignment | broad_alignment | misaligned : {onsets, offsets, pitches, notes, velocities}
//! score : {onsets, offsets, pitches, notes, velocities, beats}
//! missing, extra : [bool]
//! f0 : [float]
//! sustain | sostenuto | soft : {values, times}
//! instrument : int
//! ```
//!
//! It is parsed straight into a typed struct of arrays ([`GroundTruth`]), never into a
//! generic JSON tree. Numbers are kept as `f64`, and each numeric column remembers
//! whether the file wrote it as JSON integers, so that what we write back is what the
//! reference implementation (ASMD 0.5.1) would have written: same keys, same order
//! (`sort_keys=True`), same 4-space indentation and the same number spelling.
//!
//! ```
//! use asmd::{GroundTruth, ScoreType};
//! let mut gt = GroundTruth::default();
//! gt.precise_alignment.push_note(60.0, 0.5, 1.0, Some(80.0));
//! assert_eq!(gt.group(ScoreType::PreciseAlignment).len(), 1);
//! let json = gt.to_json_string();
//! let back = GroundTruth::from_json_slice(json.as_bytes(), "mem.json").unwrap();
//! assert_eq!(back, gt);
//! ```

mod binary;
pub mod cache;
mod check;
mod decimal;
pub mod disk_cache;
mod pyjson;
mod read;
mod write;

pub use check::{CheckFailure, CheckRule};
pub use pyjson::{write_py_float, PyJsonWriter};

use std::fmt;

/// The four note groups of a ground truth, from the most to the least aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScoreType {
    /// Onsets/offsets aligned to the recording, including asynchronies inside chords.
    PreciseAlignment,
    /// Aligned to the recording, without asynchronies inside chords.
    BroadAlignment,
    /// Not aligned to the recording (artificial misalignment of an aligned group).
    Misaligned,
    /// The score, in seconds at the score's tempo (60 BPM when unknown).
    Score,
}

impl ScoreType {
    /// All four, from the most to the least aligned.
    pub const ALL: [ScoreType; 4] = [
        ScoreType::PreciseAlignment,
        ScoreType::BroadAlignment,
        ScoreType::Misaligned,
        ScoreType::Score,
    ];

    /// The key used in ground-truth files and definitions.
    pub fn name(self) -> &'static str {
        match self {
            ScoreType::PreciseAlignment => "precise_alignment",
            ScoreType::BroadAlignment => "broad_alignment",
            ScoreType::Misaligned => "misaligned",
            ScoreType::Score => "score",
        }
    }

    /// Parse a key; `non_aligned` (the paper's name) is accepted for `misaligned`.
    pub fn parse(name: &str) -> Option<ScoreType> {
        Some(match name {
            "precise_alignment" => ScoreType::PreciseAlignment,
            "broad_alignment" => ScoreType::BroadAlignment,
            "misaligned" | "non_aligned" => ScoreType::Misaligned,
            "score" => ScoreType::Score,
            _ => return None,
        })
    }
}

impl fmt::Display for ScoreType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ScoreType {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScoreType::parse(s).ok_or_else(|| {
            crate::Error::argument(format!(
                "unknown score type `{s}` (expected one of precise_alignment, broad_alignment, misaligned, score)"
            ))
        })
    }
}

/// The three pedals, in the order used by pedaling matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PedalType {
    /// Control change 64.
    Sustain,
    /// Control change 66.
    Sostenuto,
    /// Control change 67.
    Soft,
}

impl PedalType {
    /// Sustain, sostenuto, soft.
    pub const ALL: [PedalType; 3] = [PedalType::Sustain, PedalType::Sostenuto, PedalType::Soft];

    /// The key used in ground-truth files.
    pub fn name(self) -> &'static str {
        match self {
            PedalType::Sustain => "sustain",
            PedalType::Sostenuto => "sostenuto",
            PedalType::Soft => "soft",
        }
    }

    /// The MIDI control-change number of this pedal.
    pub fn controller(self) -> u8 {
        match self {
            PedalType::Sustain => 64,
            PedalType::Sostenuto => 66,
            PedalType::Soft => 67,
        }
    }
}

/// Which numeric columns were (or should be) written as JSON integers.
///
/// Python writes `60` for an `int` and `60.0` for a `float`; keeping this bit per column
/// lets a read-then-write round trip produce the same text, and lets the Python API hand
/// back `int`s where the reference did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntColumns(u8);

impl IntColumns {
    /// Onsets column.
    pub const ONSETS: IntColumns = IntColumns(1);
    /// Offsets column.
    pub const OFFSETS: IntColumns = IntColumns(2);
    /// Pitches column.
    pub const PITCHES: IntColumns = IntColumns(4);
    /// Velocities column.
    pub const VELOCITIES: IntColumns = IntColumns(8);
    /// Beats column (score only).
    pub const BEATS: IntColumns = IntColumns(16);
    /// No integer column.
    pub const NONE: IntColumns = IntColumns(0);

    /// True if every bit of `other` is set.
    pub fn contains(self, other: IntColumns) -> bool {
        self.0 & other.0 == other.0
    }

    /// Set or clear the bits of `other`.
    pub fn set(&mut self, other: IntColumns, on: bool) {
        if on {
            self.0 |= other.0
        } else {
            self.0 &= !other.0
        }
    }
}

impl std::ops::BitOr for IntColumns {
    type Output = IntColumns;
    fn bitor(self, rhs: IntColumns) -> IntColumns {
        IntColumns(self.0 | rhs.0)
    }
}

/// One group of notes (`precise_alignment`, `broad_alignment`, `misaligned` or `score`),
/// stored as parallel columns. Empty columns mean "not available".
#[derive(Debug, Clone, PartialEq)]
pub struct NoteGroup {
    /// Onset times in seconds.
    pub onsets: Vec<f64>,
    /// Offset times in seconds.
    pub offsets: Vec<f64>,
    /// MIDI pitches (0-based, possibly fractional).
    pub pitches: Vec<f64>,
    /// MIDI velocities 0-127.
    pub velocities: Vec<f64>,
    /// Note names, usually empty.
    pub notes: Vec<String>,
    /// Beat times in seconds (only the `score` group carries them).
    pub beats: Vec<f64>,
    /// Which columns are integers (see [`IntColumns`]).
    pub int_columns: IntColumns,
}

impl Default for NoteGroup {
    fn default() -> Self {
        NoteGroup {
            onsets: Vec::new(),
            offsets: Vec::new(),
            pitches: Vec::new(),
            velocities: Vec::new(),
            notes: Vec::new(),
            beats: Vec::new(),
            int_columns: IntColumns::PITCHES | IntColumns::VELOCITIES,
        }
    }
}

impl NoteGroup {
    /// Number of notes: the length of the longest of onsets, offsets and pitches.
    pub fn len(&self) -> usize {
        self.onsets
            .len()
            .max(self.offsets.len())
            .max(self.pitches.len())
    }

    /// True when the group holds no note.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Append one note; `velocity = None` leaves the velocity column untouched.
    pub fn push_note(&mut self, pitch: f64, onset: f64, offset: f64, velocity: Option<f64>) {
        self.pitches.push(pitch);
        self.onsets.push(onset);
        self.offsets.push(offset);
        if let Some(v) = velocity {
            self.velocities.push(v);
        }
    }

    /// Sort every non-empty parallel column by onset, stably (ties keep their order),
    /// as the reference's `_sort_lists` does. Columns whose length differs from the
    /// onsets are left alone. Beats are sorted on their own.
    pub fn sort_by_onset(&mut self) {
        let n = self.onsets.len();
        if n > 1 && !is_sorted(&self.onsets) {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| self.onsets[a].total_cmp(&self.onsets[b]));
            permute(&mut self.onsets, &order);
            if self.offsets.len() == n {
                permute(&mut self.offsets, &order);
            }
            if self.pitches.len() == n {
                permute(&mut self.pitches, &order);
            }
            if self.velocities.len() == n {
                permute(&mut self.velocities, &order);
            }
            if self.notes.len() == n {
                permute(&mut self.notes, &order);
            }
        }
        if !is_sorted(&self.beats) {
            self.beats.sort_by(f64::total_cmp);
        }
    }

    /// The largest offset, if any.
    pub fn max_offset(&self) -> Option<f64> {
        self.offsets.iter().copied().reduce(f64::max)
    }
}

/// Pedal control changes: parallel `times` (seconds) and `values` (0-127).
#[derive(Debug, Clone, PartialEq)]
pub struct Pedal {
    /// Event times in seconds.
    pub times: Vec<f64>,
    /// Control values 0-127.
    pub values: Vec<f64>,
    /// Whether `values` are integers (the default) and whether `times` are.
    pub int_values: bool,
    /// Whether `times` were written as integers.
    pub int_times: bool,
}

impl Default for Pedal {
    fn default() -> Self {
        Pedal {
            times: Vec::new(),
            values: Vec::new(),
            int_values: true,
            int_times: false,
        }
    }
}

impl Pedal {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True when there is no event.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Sort events by time, stably.
    pub fn sort_by_time(&mut self) {
        let n = self.times.len();
        if n > 1 && !is_sorted(&self.times) {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| self.times[a].total_cmp(&self.times[b]));
            permute(&mut self.times, &order);
            if self.values.len() == n {
                permute(&mut self.values, &order);
            }
        }
    }
}

/// The General-MIDI program used when the instrument is unknown.
pub const UNKNOWN_INSTRUMENT: i64 = 255;

/// The ground truth of one instrument track.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundTruth {
    /// Notes aligned to the recording, asynchronies inside chords included.
    pub precise_alignment: NoteGroup,
    /// Notes aligned to the recording, chords aligned together.
    pub broad_alignment: NoteGroup,
    /// Non-aligned notes derived from an aligned group.
    pub misaligned: NoteGroup,
    /// The score, with beats.
    pub score: NoteGroup,
    /// Per score note: missing from the performance.
    pub missing: Vec<bool>,
    /// Per score note: extra in the score.
    pub extra: Vec<bool>,
    /// Fundamental frequency per frame (46 ms window, 10 ms hop), as MIDI pitch.
    pub f0: Vec<f64>,
    /// Sustain pedal (CC 64).
    pub sustain: Pedal,
    /// Sostenuto pedal (CC 66).
    pub sostenuto: Pedal,
    /// Soft pedal (CC 67).
    pub soft: Pedal,
    /// General-MIDI program 0-127, 128 = drum kit, 255 = unknown.
    pub instrument: i64,
    /// Keys the format does not define, kept verbatim for round trips.
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Default for GroundTruth {
    fn default() -> Self {
        GroundTruth {
            precise_alignment: NoteGroup::default(),
            broad_alignment: NoteGroup::default(),
            misaligned: NoteGroup::default(),
            score: NoteGroup::default(),
            missing: Vec::new(),
            extra: Vec::new(),
            f0: Vec::new(),
            sustain: Pedal::default(),
            sostenuto: Pedal::default(),
            soft: Pedal::default(),
            instrument: UNKNOWN_INSTRUMENT,
            other: serde_json::Map::new(),
        }
    }
}

impl GroundTruth {
    /// The note group of a score type.
    pub fn group(&self, t: ScoreType) -> &NoteGroup {
        match t {
            ScoreType::PreciseAlignment => &self.precise_alignment,
            ScoreType::BroadAlignment => &self.broad_alignment,
            ScoreType::Misaligned => &self.misaligned,
            ScoreType::Score => &self.score,
        }
    }

    /// The note group of a score type, mutably.
    pub fn group_mut(&mut self, t: ScoreType) -> &mut NoteGroup {
        match t {
            ScoreType::PreciseAlignment => &mut self.precise_alignment,
            ScoreType::BroadAlignment => &mut self.broad_alignment,
            ScoreType::Misaligned => &mut self.misaligned,
            ScoreType::Score => &mut self.score,
        }
    }

    /// A pedal.
    pub fn pedal(&self, p: PedalType) -> &Pedal {
        match p {
            PedalType::Sustain => &self.sustain,
            PedalType::Sostenuto => &self.sostenuto,
            PedalType::Soft => &self.soft,
        }
    }

    /// A pedal, mutably.
    pub fn pedal_mut(&mut self, p: PedalType) -> &mut Pedal {
        match p {
            PedalType::Sustain => &mut self.sustain,
            PedalType::Sostenuto => &mut self.sostenuto,
            PedalType::Soft => &mut self.soft,
        }
    }

    /// Sort every note group by onset and every pedal by time (stable), as the
    /// conversion pipeline does after merging.
    pub fn sort(&mut self) {
        for t in ScoreType::ALL {
            self.group_mut(t).sort_by_onset();
        }
        for p in PedalType::ALL {
            self.pedal_mut(p).sort_by_time();
        }
    }

    /// Validate against the rules of SPEC §3; the first broken rule is reported with
    /// the group and the index where it breaks.
    pub fn check(&self) -> Result<(), CheckFailure> {
        check::check(self)
    }
}

impl AsRef<GroundTruth> for GroundTruth {
    fn as_ref(&self) -> &GroundTruth {
        self
    }
}

fn is_sorted(v: &[f64]) -> bool {
    v.windows(2).all(|w| w[0] <= w[1])
}

fn permute<T: Clone>(v: &mut Vec<T>, order: &[usize]) {
    let new: Vec<T> = order.iter().map(|&i| v[i].clone()).collect();
    *v = new;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_is_stable_and_keeps_columns_parallel() {
        let mut g = NoteGroup::default();
        g.push_note(60.0, 0.9, 1.4, Some(10.0));
        g.push_note(61.0, 0.1, 0.5, Some(11.0));
        g.push_note(62.0, 0.9, 1.2, Some(12.0));
        g.sort_by_onset();
        assert_eq!(g.onsets, vec![0.1, 0.9, 0.9]);
        assert_eq!(g.pitches, vec![61.0, 60.0, 62.0]);
        assert_eq!(g.offsets, vec![0.5, 1.4, 1.2]);
        assert_eq!(g.velocities, vec![11.0, 10.0, 12.0]);
    }

    #[test]
    fn sort_leaves_columns_of_other_length() {
        let mut g = NoteGroup {
            onsets: vec![2.0, 1.0],
            pitches: vec![60.0, 61.0],
            velocities: vec![],
            ..Default::default()
        };
        g.sort_by_onset();
        assert_eq!(g.pitches, vec![61.0, 60.0]);
        assert!(g.velocities.is_empty());
    }

    #[test]
    fn score_type_names_round_trip() {
        for t in ScoreType::ALL {
            assert_eq!(ScoreType::parse(t.name()), Some(t));
        }
        assert_eq!(ScoreType::parse("non_aligned"), Some(ScoreType::Misaligned));
        assert!("foo".parse::<ScoreType>().is_err());
    }
}
