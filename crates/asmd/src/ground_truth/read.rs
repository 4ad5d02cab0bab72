//! Reading ground truth: gzip -> typed struct of arrays in one pass.
//!
//! The JSON is deserialised with hand-written serde visitors straight into
//! [`GroundTruth`]'s columns; no intermediate `serde_json::Value` tree is built for the
//! known keys. Every column remembers whether it held JSON integers. The string
//! `"unknown"` or `null` in place of a list or group means "not available" (empty).
//! On malformed input the error names the file and the JSON path of the problem.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{GroundTruth, IntColumns, NoteGroup, Pedal, UNKNOWN_INSTRUMENT};
use crate::error::{Error, IoContext, Result};

impl GroundTruth {
    /// Read a `.json.gz` ground-truth file (plain JSON is accepted too).
    ///
    /// ```no_run
    /// let gt = asmd::GroundTruth::from_path("Bach10/01-AchGottundHerr-0.json.gz").unwrap();
    /// println!("{} score notes", gt.score.len());
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<GroundTruth> {
        let path = path.as_ref();
        let raw = std::fs::read(path).with_path(path)?;
        let json = gunzip_if_needed(&raw, path)?;
        GroundTruth::from_json_slice(&json, path)
    }

    /// Parse ground truth from JSON bytes; `origin` names the source in errors.
    pub fn from_json_slice(json: &[u8], origin: impl AsRef<Path>) -> Result<GroundTruth> {
        let mut de = serde_json::Deserializer::from_slice(json);
        match GtSeed
            .deserialize(&mut de)
            .and_then(|gt| de.end().map(|_| gt))
        {
            Ok(gt) => Ok(gt),
            Err(e) => Err(json_error(json, origin.as_ref(), e)),
        }
    }
}

/// Decompress gzip data (all members), presizing from the ISIZE trailer; data that is
/// not gzip is returned unchanged.
pub(crate) fn gunzip_if_needed(raw: &[u8], path: &Path) -> Result<Vec<u8>> {
    if raw.len() < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
        return Ok(raw.to_vec());
    }
    let hint = if raw.len() >= 18 {
        let t = &raw[raw.len() - 4..];
        u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize
    } else {
        0
    };
    let mut out = Vec::with_capacity(hint.min(1 << 30) + 1);
    flate2::read::MultiGzDecoder::new(raw)
        .read_to_end(&mut out)
        .map_err(|e| Error::format(path, "gzip stream", format!("cannot decompress: {e}")))?;
    Ok(out)
}

/// Build an error naming the JSON path of a failure: parse again with path tracking
/// (only on the error path, so the fast path stays fast).
fn json_error(json: &[u8], origin: &Path, e: serde_json::Error) -> Error {
    let mut de = serde_json::Deserializer::from_slice(json);
    let mut track = PathTrack::default();
    let res = TrackSeed {
        track: &mut track,
        seed: GtSeed,
    }
    .deserialize(&mut de);
    let location = match (&res, track.failed_at) {
        (Err(_), Some(p)) if !p.is_empty() => {
            format!("$.{p} (line {}, column {})", e.line(), e.column())
        }
        _ => format!("line {}, column {}", e.line(), e.column()),
    };
    let msg = strip_position(&e.to_string());
    Error::format(origin, location, msg)
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

// ----------------------------------------------------------------------------------
// Path tracking: a thin wrapper recording the key path at which deserialisation failed.

#[derive(Default)]
struct PathTrack {
    failed_at: Option<String>,
}

thread_local! {
    static CURRENT_PATH: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct TrackSeed<'a, S> {
    track: &'a mut PathTrack,
    seed: S,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for TrackSeed<'_, S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        CURRENT_PATH.with(|p| p.borrow_mut().clear());
        TRACKING.with(|t| t.set(true));
        let r = self.seed.deserialize(d);
        TRACKING.with(|t| t.set(false));
        if r.is_err() {
            self.track.failed_at = Some(CURRENT_PATH.with(|p| p.borrow().join(".")));
        }
        r
    }
}

thread_local! {
    static TRACKING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn enter(key: &str) {
    if TRACKING.with(|t| t.get()) {
        CURRENT_PATH.with(|p| p.borrow_mut().push(key.to_string()));
    }
}

fn leave() {
    if TRACKING.with(|t| t.get()) {
        CURRENT_PATH.with(|p| {
            p.borrow_mut().pop();
        });
    }
}

fn set_index(i: usize) {
    if TRACKING.with(|t| t.get()) {
        CURRENT_PATH.with(|p| {
            let mut p = p.borrow_mut();
            if let Some(last) = p.last_mut() {
                if let Some(b) = last.find('[') {
                    last.truncate(b);
                }
                last.push_str(&format!("[{i}]"));
            }
        });
    }
}

/// Run `f` inside key `key`; on success the key is popped, on failure it stays so the
/// recorded path points at the failing element.
fn within<T, E>(key: &str, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    enter(key);
    let r = f();
    if r.is_ok() {
        leave();
    }
    r
}

// ----------------------------------------------------------------------------------
// Visitors.

struct GtSeed;

impl<'de> DeserializeSeed<'de> for GtSeed {
    type Value = GroundTruth;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<GroundTruth, D::Error> {
        d.deserialize_map(GtVisitor)
    }
}

struct GtVisitor;

impl<'de> Visitor<'de> for GtVisitor {
    type Value = GroundTruth;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a ground-truth object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GroundTruth, A::Error> {
        let mut gt = GroundTruth::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let k: &str = &key;
            within(k, || -> Result<(), A::Error> {
                match k {
                    "precise_alignment" => gt.precise_alignment = map.next_value_seed(GroupSeed)?,
                    "broad_alignment" => gt.broad_alignment = map.next_value_seed(GroupSeed)?,
                    "misaligned" => gt.misaligned = map.next_value_seed(GroupSeed)?,
                    "score" => gt.score = map.next_value_seed(GroupSeed)?,
                    "missing" => gt.missing = map.next_value_seed(BoolListSeed)?,
                    "extra" => gt.extra = map.next_value_seed(BoolListSeed)?,
                    "f0" => gt.f0 = map.next_value_seed(NumListSeed)?.0,
                    "sustain" => gt.sustain = map.next_value_seed(PedalSeed)?,
                    "sostenuto" => gt.sostenuto = map.next_value_seed(PedalSeed)?,
                    "soft" => gt.soft = map.next_value_seed(PedalSeed)?,
                    "instrument" => gt.instrument = map.next_value_seed(InstrumentSeed)?,
                    other => {
                        let v: serde_json::Value = map.next_value()?;
                        gt.other.insert(other.to_string(), v);
                    }
                }
                Ok(())
            })?;
        }
        Ok(gt)
    }
}

/// A list of numbers and whether all of them were JSON integers.
struct NumListSeed;

impl<'de> DeserializeSeed<'de> for NumListSeed {
    type Value = (Vec<f64>, bool);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(NumListVisitor)
    }
}

struct NumListVisitor;

impl<'de> Visitor<'de> for NumListVisitor {
    type Value = (Vec<f64>, bool);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of numbers (or \"unknown\")")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(64));
        let mut all_int = true;
        loop {
            set_index(v.len());
            match seq.next_element_seed(NumSeed)? {
                Some((x, is_int)) => {
                    all_int &= is_int;
                    v.push(x);
                }
                None => break,
            }
        }
        Ok((v, all_int))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        unknown_or_err(s).map(|_| (Vec::new(), true))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Vec::new(), true))
    }
}

fn unknown_or_err<E: de::Error>(s: &str) -> Result<(), E> {
    if s.eq_ignore_ascii_case("unknown") {
        Ok(())
    } else {
        Err(E::invalid_value(
            de::Unexpected::Str(s),
            &"a list or \"unknown\"",
        ))
    }
}

/// One number: value and whether it was a JSON integer.
struct NumSeed;

impl<'de> DeserializeSeed<'de> for NumSeed {
    type Value = (f64, bool);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = (f64, bool);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_u64<E>(self, x: u64) -> Result<Self::Value, E> {
        Ok((x as f64, true))
    }
    fn visit_i64<E>(self, x: i64) -> Result<Self::Value, E> {
        Ok((x as f64, true))
    }
    fn visit_f64<E>(self, x: f64) -> Result<Self::Value, E> {
        Ok((x, false))
    }
    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok((b as u8 as f64, true))
    }
}

struct BoolListSeed;

impl<'de> DeserializeSeed<'de> for BoolListSeed {
    type Value = Vec<bool>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(BoolListVisitor)
    }
}

struct BoolListVisitor;

impl<'de> Visitor<'de> for BoolListVisitor {
    type Value = Vec<bool>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of booleans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(16));
        loop {
            set_index(v.len());
            match seq.next_element_seed(NumSeed)? {
                Some((x, _)) => v.push(x != 0.0),
                None => break,
            }
        }
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        unknown_or_err(s).map(|_| Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

struct StrListSeed;

impl<'de> DeserializeSeed<'de> for StrListSeed {
    type Value = Vec<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(StrListVisitor)
    }
}

struct StrListVisitor;

impl<'de> Visitor<'de> for StrListVisitor {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of note names")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::new();
        loop {
            set_index(v.len());
            match seq.next_element::<serde_json::Value>()? {
                Some(serde_json::Value::String(s)) => v.push(s),
                Some(serde_json::Value::Null) => v.push(String::new()),
                Some(other) => v.push(other.to_string()),
                None => break,
            }
        }
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        unknown_or_err(s).map(|_| Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

struct GroupSeed;

impl<'de> DeserializeSeed<'de> for GroupSeed {
    type Value = NoteGroup;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<NoteGroup, D::Error> {
        d.deserialize_any(GroupVisitor)
    }
}

struct GroupVisitor;

impl<'de> Visitor<'de> for GroupVisitor {
    type Value = NoteGroup;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a note group object {onsets, offsets, pitches, notes, velocities}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoteGroup, A::Error> {
        let mut g = NoteGroup::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let k: &str = &key;
            within(k, || -> Result<(), A::Error> {
                let (col, bit) = match k {
                    "onsets" => (&mut g.onsets, IntColumns::ONSETS),
                    "offsets" => (&mut g.offsets, IntColumns::OFFSETS),
                    "pitches" => (&mut g.pitches, IntColumns::PITCHES),
                    "velocities" => (&mut g.velocities, IntColumns::VELOCITIES),
                    "beats" => (&mut g.beats, IntColumns::BEATS),
                    "notes" => {
                        g.notes = map.next_value_seed(StrListSeed)?;
                        return Ok(());
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                        return Ok(());
                    }
                };
                let (v, all_int) = map.next_value_seed(NumListSeed)?;
                if !v.is_empty() {
                    g.int_columns.set(bit, all_int);
                }
                *col = v;
                Ok(())
            })?;
        }
        Ok(g)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<NoteGroup, E> {
        unknown_or_err(s).map(|_| NoteGroup::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<NoteGroup, E> {
        Ok(NoteGroup::default())
    }
}

struct PedalSeed;

impl<'de> DeserializeSeed<'de> for PedalSeed {
    type Value = Pedal;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Pedal, D::Error> {
        d.deserialize_any(PedalVisitor)
    }
}

struct PedalVisitor;

impl<'de> Visitor<'de> for PedalVisitor {
    type Value = Pedal;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a pedal object {values, times}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pedal, A::Error> {
        let mut p = Pedal::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let k: &str = &key;
            within(k, || -> Result<(), A::Error> {
                match k {
                    "times" => {
                        let (v, i) = map.next_value_seed(NumListSeed)?;
                        if !v.is_empty() {
                            p.int_times = i;
                        }
                        p.times = v;
                    }
                    "values" => {
                        let (v, i) = map.next_value_seed(NumListSeed)?;
                        if !v.is_empty() {
                            p.int_values = i;
                        }
                        p.values = v;
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(())
            })?;
        }
        Ok(p)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Pedal, E> {
        unknown_or_err(s).map(|_| Pedal::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Pedal, E> {
        Ok(Pedal::default())
    }
}

struct InstrumentSeed;

impl<'de> DeserializeSeed<'de> for InstrumentSeed {
    type Value = i64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<i64, D::Error> {
        d.deserialize_any(InstrumentVisitor)
    }
}

struct InstrumentVisitor;

impl<'de> Visitor<'de> for InstrumentVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer General-MIDI program (or \"unknown\")")
    }
    fn visit_u64<E: de::Error>(self, x: u64) -> Result<i64, E> {
        i64::try_from(x).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(x), &self))
    }
    fn visit_i64<E>(self, x: i64) -> Result<i64, E> {
        Ok(x)
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<i64, E> {
        if x.fract() == 0.0 && x.abs() < 1e15 {
            Ok(x as i64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(x), &self))
        }
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<i64, E> {
        unknown_or_err(s).map(|_| UNKNOWN_INSTRUMENT)
    }
    fn visit_unit<E>(self) -> Result<i64, E> {
        Ok(UNKNOWN_INSTRUMENT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn parses_minimal_and_remembers_int_columns() {
        let j = br#"{"score": {"onsets": [0, 1.5], "offsets": [1.0, 2.0], "pitches": [60, 61.5],
                    "velocities": [], "notes": [], "beats": [0, 1, 2]}, "instrument": 40,
                    "custom": {"x": 1}}"#;
        let gt = GroundTruth::from_json_slice(j, "t.json").unwrap();
        assert_eq!(gt.score.onsets, vec![0.0, 1.5]);
        assert!(!gt.score.int_columns.contains(IntColumns::ONSETS));
        assert!(!gt.score.int_columns.contains(IntColumns::PITCHES));
        assert!(gt.score.int_columns.contains(IntColumns::BEATS));
        assert_eq!(gt.instrument, 40);
        assert_eq!(gt.other["custom"]["x"], 1);
        assert!(gt.precise_alignment.is_empty());
    }

    #[test]
    fn unknown_means_empty() {
        let j =
            br#"{"f0": "unknown", "score": "unknown", "instrument": "unknown", "sustain": null}"#;
        let gt = GroundTruth::from_json_slice(j, "t.json").unwrap();
        assert!(gt.f0.is_empty());
        assert_eq!(gt.instrument, 255);
    }

    #[test]
    fn error_names_json_path_and_index() {
        let j = br#"{"score": {"onsets": [0.0, "x"]}}"#;
        let err = GroundTruth::from_json_slice(j, "bad.json.gz").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Format);
        assert_eq!(err.file().unwrap(), Path::new("bad.json.gz"));
        assert!(
            err.location().unwrap().starts_with("$.score.onsets[1]"),
            "{err}"
        );
        let j = br#"{"score": {"onsets": [0.0, 1.0]}"#;
        let err = GroundTruth::from_json_slice(j, "trunc.json").unwrap_err();
        assert!(err.to_string().contains("EOF"), "{err}");
    }

    #[test]
    fn not_gzip_is_read_as_json_and_bad_gzip_errors() {
        let p = Path::new("x.json.gz");
        assert_eq!(gunzip_if_needed(b"{}", p).unwrap(), b"{}");
        let err = gunzip_if_needed(&[0x1f, 0x8b, 8, 0, 1, 2, 3], p).unwrap_err();
        assert!(err.to_string().contains("cannot decompress"));
    }
}
