//! Reading ground truth: gzip -> typed struct of arrays in one pass.
//!
//! Ground-truth files are large lists of numbers written with 4-space indentation (a
//! 20,000-note performance is ~2 MB of JSON), so reading is a hand-written single-pass
//! parser specialised for this format: whitespace runs are skipped eight bytes at a
//! time, numbers are parsed with an exact (correctly rounded) float parser, and every
//! column goes straight into its `Vec<f64>`. Each column remembers whether it held JSON
//! integers. The string `"unknown"` or `null` in place of a list or group means "not
//! available" (empty). Python's `NaN`, `Infinity` and `-Infinity` are accepted (Python's
//! `json` writes them). Keys the format does not define are parsed with `serde_json`
//! and kept. Errors name the file, the JSON path, the line and the column.
//!
//! Decompression uses libdeflate in one shot, sized from the gzip trailer (falling back
//! to a streaming decoder for multi-member files).

use std::path::Path;

use super::{decimal, GroundTruth, IntColumns, NoteGroup, Pedal, UNKNOWN_INSTRUMENT};
use crate::error::{Error, IoContext, Result};
use crate::limits::DEFLATE_MAX_RATIO;
use crate::scratch::Scratch;

impl GroundTruth {
    /// Read a `.json.gz` ground-truth file (plain JSON is accepted too).
    ///
    /// ```no_run
    /// let gt = asmd::GroundTruth::from_path("Bach10/01-AchGottundHerr-0.json.gz").unwrap();
    /// println!("{} score notes", gt.score.len());
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<GroundTruth> {
        let path = path.as_ref();
        let raw = read_file(path)?;
        GroundTruth::from_raw(&raw, path)
    }

    /// Parse the bytes of a ground-truth file (gzip or plain JSON) read from `path`.
    pub(crate) fn from_raw(raw: &[u8], path: &Path) -> Result<GroundTruth> {
        if !is_gzip(raw) {
            return GroundTruth::from_json_slice(raw, path);
        }
        let mut json = Scratch::new();
        gunzip_into(raw, path, &mut json)?;
        GroundTruth::from_json_slice(&json, path)
    }

    /// Parse ground truth from JSON bytes; `origin` names the source in errors.
    pub fn from_json_slice(json: &[u8], origin: impl AsRef<Path>) -> Result<GroundTruth> {
        let mut p = Parser {
            b: json,
            i: 0,
            path: Vec::new(),
            origin: origin.as_ref(),
        };
        p.skip_ws();
        let gt = p.ground_truth()?;
        p.skip_ws();
        if p.i < p.b.len() {
            return Err(p.err("trailing characters after the ground-truth object"));
        }
        Ok(gt)
    }
}

/// Read a whole file into a reused buffer (see [`Scratch`]).
pub(crate) fn read_file(path: &Path) -> Result<Scratch> {
    use std::io::Read;
    let mut buf = Scratch::new();
    let mut f = std::fs::File::open(path).with_path(path)?;
    if let Ok(m) = f.metadata() {
        buf.reserve(m.len() as usize);
    }
    f.read_to_end(&mut buf).with_path(path)?;
    Ok(buf)
}

fn is_gzip(raw: &[u8]) -> bool {
    raw.len() >= 2 && raw[0] == 0x1f && raw[1] == 0x8b
}

/// Decompress gzip data (all members) into `out` (cleared first).
pub(crate) fn gunzip_into(raw: &[u8], path: &Path, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    let bad = |e: String| Error::format(path, "gzip stream", format!("cannot decompress: {e}"));
    if raw.len() < 18 {
        return Err(bad("truncated gzip file".into()));
    }
    let t = &raw[raw.len() - 4..];
    let isize = u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize;
    // The trailer is trusted only as far as the compressed bytes can hold (deflate
    // expands at most 1032 times): a lie sizes nothing.
    let isize = if isize as u64 <= (raw.len() as u64).saturating_mul(DEFLATE_MAX_RATIO) {
        isize
    } else {
        0
    };
    // one-shot libdeflate when the trailer's size is plausible (single member < 1 GiB)
    if isize > 0 && isize < (1 << 30) {
        out.resize(isize, 0);
        let mut d = libdeflater::Decompressor::new();
        if let Ok(n) = d.gzip_decompress(raw, out) {
            if n == isize {
                return Ok(());
            }
        }
        out.clear();
    }
    // multi-member or unusual files: streaming decoder (it also reports the error)
    use std::io::Read;
    out.reserve(isize.min(1 << 30));
    flate2::read::MultiGzDecoder::new(raw)
        .read_to_end(out)
        .map_err(|e| bad(e.to_string()))?;
    Ok(())
}

/// Whether `rest` starts with the separator `sep` (non-empty) followed by a byte that
/// is not whitespace, compared eight bytes at a time.
#[inline(always)]
fn same_separator(rest: &[u8], sep: &[u8]) -> bool {
    let n = sep.len();
    if n == 0 || rest.len() <= n || matches!(rest[n], b' ' | b'\n' | b'\r' | b'\t') {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    if n < 8 {
        return rest[..n] == *sep;
    }
    let mut k = 0;
    while k + 8 < n {
        if word(rest, k) != word(sep, k) {
            return false;
        }
        k += 8;
    }
    // the last eight bytes (overlapping the previous word when n is not a multiple)
    word(rest, n - 8) == word(sep, n - 8)
}

enum Seg {
    Key(String),
    Index(usize),
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    path: Vec<Seg>,
    origin: &'a Path,
}

const SPACES8: u64 = u64::from_le_bytes([b' '; 8]);

impl<'a> Parser<'a> {
    // ------------------------------------------------------------------ errors

    fn line_col(&self) -> (usize, usize) {
        let upto = &self.b[..self.i.min(self.b.len())];
        let line = upto.iter().filter(|&&c| c == b'\n').count() + 1;
        let col = upto.iter().rev().take_while(|&&c| c != b'\n').count() + 1;
        (line, col)
    }

    fn err(&self, problem: impl Into<String>) -> Error {
        let (line, col) = self.line_col();
        let mut loc = String::from("$");
        for s in &self.path {
            match s {
                Seg::Key(k) => {
                    loc.push('.');
                    loc.push_str(k);
                }
                Seg::Index(i) => loc.push_str(&format!("[{i}]")),
            }
        }
        let loc = if loc == "$" {
            format!("line {line}, column {col}")
        } else {
            format!("{loc} (line {line}, column {col})")
        };
        Error::format(self.origin, loc, problem)
    }

    fn found(&self) -> String {
        match self.b.get(self.i) {
            None => "end of file".into(),
            Some(c) if c.is_ascii_graphic() => format!("`{}`", *c as char),
            Some(c) => format!("byte 0x{c:02x}"),
        }
    }

    // ------------------------------------------------------------------ lexing

    #[inline]
    fn skip_ws(&mut self) {
        let b = self.b;
        let mut i = self.i;
        while let Some(&c) = b.get(i) {
            match c {
                b' ' => {
                    // indentation runs: eight spaces at a time
                    while let Some(w) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
                        if u64::from_le_bytes(*w) != SPACES8 {
                            break;
                        }
                        i += 8;
                    }
                    while b.get(i) == Some(&b' ') {
                        i += 1;
                    }
                }
                b'\n' | b'\r' | b'\t' => i += 1,
                _ => break,
            }
        }
        self.i = i;
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(format!("expected {what}, found {}", self.found())))
        }
    }

    /// After a value inside a container: `,` (true = more) or the closing byte (false).
    #[inline]
    fn next_item(&mut self, close: u8) -> Result<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(self.err(format!(
                "expected `,` or `{}`, found {}",
                close as char,
                self.found()
            ))),
        }
    }

    /// A JSON string (escapes handled by serde_json on the rare strings that have them).
    fn string(&mut self) -> Result<String> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return Err(self.err(format!("expected a string, found {}", self.found())));
        }
        let start = self.i;
        self.i += 1;
        let mut escaped = false;
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.i += 2;
                }
                Some(_) => self.i += 1,
            }
        }
        self.i += 1;
        let raw = &self.b[start..self.i];
        if escaped {
            serde_json::from_slice(raw).map_err(|e| self.err(format!("bad string: {e}")))
        } else {
            std::str::from_utf8(&raw[1..raw.len() - 1])
                .map(str::to_string)
                .map_err(|_| self.err("string is not valid UTF-8"))
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    /// A number and whether it was written as a JSON integer (see [`decimal`] for the
    /// exact conversion); Python's `NaN`, `Infinity` and `-Infinity` are accepted.
    /// Always inlined: the lists of numbers are the hot loop of reading.
    #[inline(always)]
    fn number(&mut self) -> Result<(f64, bool)> {
        let rest = &self.b[self.i..];
        if let Some(s) = decimal::scan(rest) {
            self.i += s.len;
            return Ok((s.to_f64(&rest[..s.len]), s.integer));
        }
        if self.literal(b"NaN") {
            return Ok((f64::NAN, false));
        }
        if self.literal(b"Infinity") {
            return Ok((f64::INFINITY, false));
        }
        if self.literal(b"-Infinity") {
            return Ok((f64::NEG_INFINITY, false));
        }
        Err(self.err(format!("expected a number, found {}", self.found())))
    }

    /// Skip any JSON value, returning its bytes.
    fn skip_value(&mut self) -> Result<&'a [u8]> {
        self.skip_ws();
        let start = self.i;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return Err(self.err("unexpected end of file")),
                Some(b'"') => {
                    self.string()?;
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    self.i += 1;
                }
                Some(b'}' | b']') => {
                    if depth == 0 {
                        return Err(self.err(format!("unexpected {}", self.found())));
                    }
                    depth -= 1;
                    self.i += 1;
                }
                Some(_) => self.i += 1,
            }
            if depth == 0 {
                // scalars end at a delimiter
                if self.b[start] != b'{' && self.b[start] != b'[' && self.b[start] != b'"' {
                    while let Some(c) = self.peek() {
                        if matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace() {
                            break;
                        }
                        self.i += 1;
                    }
                }
                return Ok(&self.b[start..self.i]);
            }
        }
    }

    /// `"unknown"` or `null` in place of a container: true (and consumed).
    fn unknown_or_null(&mut self) -> Result<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b'n') if self.literal(b"null") => Ok(true),
            Some(b'"') => {
                let s = self.string()?;
                if s.eq_ignore_ascii_case("unknown") {
                    Ok(true)
                } else {
                    Err(self.err(format!(
                        "expected a list or an object (or \"unknown\"), found the string {s:?}"
                    )))
                }
            }
            _ => Ok(false),
        }
    }

    // ------------------------------------------------------------------ structure

    /// Iterate over the keys of an object, calling `f` with the parser positioned at the
    /// value; `f` must consume it.
    fn object(&mut self, mut f: impl FnMut(&mut Self, &str) -> Result<()>) -> Result<()> {
        self.expect(b'{', "`{`")?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':', "`:`")?;
            self.path.push(Seg::Key(key.clone()));
            f(self, &key)?;
            self.path.pop();
            if !self.next_item(b'}')? {
                return Ok(());
            }
        }
    }

    /// A list of numbers and whether all were integers.
    ///
    /// Python writes every separator of a list alike (`,`, a newline and the same
    /// indentation), so the separator met after an item is remembered and the next one
    /// is matched against it in a word-sized comparison or two; anything else goes
    /// through the general whitespace and punctuation path.
    fn numbers(&mut self) -> Result<(Vec<f64>, bool)> {
        if self.unknown_or_null()? {
            return Ok((Vec::new(), true));
        }
        self.expect(b'[', "a list of numbers")?;
        let mut v = Vec::new();
        let mut all_int = true;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok((v, true));
        }
        let b = self.b;
        let mut sep: &[u8] = &[];
        loop {
            let (x, is_int) = match self.number() {
                Ok(n) => n,
                Err(e) => {
                    self.path.push(Seg::Index(v.len()));
                    return Err(self.err(e.message().to_string()));
                }
            };
            all_int &= is_int;
            v.push(x);
            if same_separator(&b[self.i..], sep) {
                self.i += sep.len();
                continue;
            }
            let at = self.i;
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.skip_ws();
                    sep = &b[at..self.i];
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok((v, all_int));
                }
                _ => return Err(self.err(format!("expected `,` or `]`, found {}", self.found()))),
            }
        }
    }

    fn bools(&mut self) -> Result<Vec<bool>> {
        if self.unknown_or_null()? {
            return Ok(Vec::new());
        }
        self.expect(b'[', "a list of booleans")?;
        let mut v = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(v);
        }
        loop {
            self.skip_ws();
            let x = if self.literal(b"true") {
                true
            } else if self.literal(b"false") {
                false
            } else {
                match self.number() {
                    Ok((x, _)) => x != 0.0,
                    Err(_) => {
                        self.path.push(Seg::Index(v.len()));
                        return Err(
                            self.err(format!("expected true or false, found {}", self.found()))
                        );
                    }
                }
            };
            v.push(x);
            if !self.next_item(b']')? {
                return Ok(v);
            }
        }
    }

    fn note_names(&mut self) -> Result<Vec<String>> {
        if self.unknown_or_null()? {
            return Ok(Vec::new());
        }
        let raw = self.skip_value()?;
        let values: Vec<serde_json::Value> = serde_json::from_slice(raw)
            .map_err(|e| self.err(format!("expected a list of note names: {e}")))?;
        Ok(values
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect())
    }

    fn group(&mut self) -> Result<NoteGroup> {
        let mut g = NoteGroup::default();
        if self.unknown_or_null()? {
            return Ok(g);
        }
        self.object(|p, key| {
            let (col, bit) = match key {
                "onsets" => (&mut g.onsets, IntColumns::ONSETS),
                "offsets" => (&mut g.offsets, IntColumns::OFFSETS),
                "pitches" => (&mut g.pitches, IntColumns::PITCHES),
                "velocities" => (&mut g.velocities, IntColumns::VELOCITIES),
                "beats" => (&mut g.beats, IntColumns::BEATS),
                "notes" => {
                    g.notes = p.note_names()?;
                    return Ok(());
                }
                _ => {
                    p.skip_value()?;
                    return Ok(());
                }
            };
            let (v, all_int) = p.numbers()?;
            if !v.is_empty() {
                g.int_columns.set(bit, all_int);
            }
            *col = v;
            Ok(())
        })?;
        Ok(g)
    }

    fn pedal(&mut self) -> Result<Pedal> {
        let mut ped = Pedal::default();
        if self.unknown_or_null()? {
            return Ok(ped);
        }
        self.object(|p, key| {
            match key {
                "times" => {
                    let (v, i) = p.numbers()?;
                    if !v.is_empty() {
                        ped.int_times = i;
                    }
                    ped.times = v;
                }
                "values" => {
                    let (v, i) = p.numbers()?;
                    if !v.is_empty() {
                        ped.int_values = i;
                    }
                    ped.values = v;
                }
                _ => {
                    p.skip_value()?;
                }
            }
            Ok(())
        })?;
        Ok(ped)
    }

    fn instrument(&mut self) -> Result<i64> {
        if self.unknown_or_null()? {
            return Ok(UNKNOWN_INSTRUMENT);
        }
        self.skip_ws();
        // an integer literal is read exactly (the writer writes any i64), not via f64
        let rest = &self.b[self.i..];
        if let Some(s) = decimal::scan(rest).filter(|s| s.integer) {
            let text = std::str::from_utf8(&rest[..s.len]).unwrap_or_default();
            return match text.parse::<i64>() {
                Ok(x) => {
                    self.i += s.len;
                    Ok(x)
                }
                Err(_) => Err(self.err(format!(
                    "program number {text} is out of range (a 64-bit integer)"
                ))),
            };
        }
        match self.number() {
            Ok((x, _)) if x.fract() == 0.0 && x.abs() < 1e15 => Ok(x as i64),
            Ok((x, _)) => Err(self.err(format!("expected an integer program number, found {x}"))),
            Err(_) => Err(self.err(format!(
                "expected an integer General-MIDI program (or \"unknown\"), found {}",
                self.found()
            ))),
        }
    }

    fn ground_truth(&mut self) -> Result<GroundTruth> {
        let mut gt = GroundTruth::default();
        self.skip_ws();
        if self.peek() != Some(b'{') {
            return Err(self.err(format!(
                "expected a ground-truth object, found {}",
                self.found()
            )));
        }
        self.object(|p, key| {
            match key {
                "precise_alignment" => gt.precise_alignment = p.group()?,
                "broad_alignment" => gt.broad_alignment = p.group()?,
                "misaligned" => gt.misaligned = p.group()?,
                "score" => gt.score = p.group()?,
                "missing" => gt.missing = p.bools()?,
                "extra" => gt.extra = p.bools()?,
                "f0" => gt.f0 = p.numbers()?.0,
                "sustain" => gt.sustain = p.pedal()?,
                "sostenuto" => gt.sostenuto = p.pedal()?,
                "soft" => gt.soft = p.pedal()?,
                "instrument" => gt.instrument = p.instrument()?,
                other => {
                    let raw = p.skip_value()?;
                    let v: serde_json::Value = serde_json::from_slice(raw)
                        .map_err(|e| p.err(format!("invalid JSON value: {e}")))?;
                    gt.other.insert(other.to_string(), v);
                }
            }
            Ok(())
        })?;
        Ok(gt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_gzip_trailer_claiming_more_than_the_data_can_hold_is_not_believed() {
        use std::io::Write;
        let json = br#"{"f0": [1.5, 2.5]}"#;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(json).unwrap();
        let mut gz = e.finish().unwrap();
        let n = gz.len();
        // the trailer says 1 GiB: once this made a 1 GiB buffer for a 40-byte file
        gz[n - 4..].copy_from_slice(&(1u32 << 30).to_le_bytes());
        let mut out = Vec::new();
        let err = gunzip_into(&gz, Path::new("t.json.gz"), &mut out).unwrap_err();
        assert!(err.to_string().contains("gzip"), "{err}");
        assert!(out.capacity() < 1 << 20, "{}", out.capacity());
        // the true size still takes the one-shot path
        gz[n - 4..].copy_from_slice(&(json.len() as u32).to_le_bytes());
        gunzip_into(&gz, Path::new("t.json.gz"), &mut out).unwrap();
        assert_eq!(out, json);
    }

    #[test]
    fn every_written_instrument_reads_back_exactly() {
        for x in [0, 40, 255, -1, i64::MAX, i64::MIN, (1 << 53) + 1] {
            let gt = GroundTruth {
                instrument: x,
                ..Default::default()
            };
            let back = GroundTruth::from_json_slice(gt.to_json_string().as_bytes(), "t").unwrap();
            assert_eq!(back.instrument, x);
        }
        let j = br#"{"instrument": 40.0}"#;
        assert_eq!(GroundTruth::from_json_slice(j, "t").unwrap().instrument, 40);
        let j = br#"{"instrument": 9223372036854775808}"#;
        let err = GroundTruth::from_json_slice(j, "t").unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[test]
    fn parses_minimal_and_remembers_int_columns() {
        let j = br#"{"score": {"onsets": [0, 1.5], "offsets": [1.0, 2e0], "pitches": [60, 61.5],
                    "velocities": [], "notes": [], "beats": [0, 1, 2]}, "instrument": 40,
                    "custom": {"x": [1, "a"]}, "missing": [true, false], "extra": [0, 1]}"#;
        let gt = GroundTruth::from_json_slice(j, "t.json").unwrap();
        assert_eq!(gt.score.onsets, vec![0.0, 1.5]);
        assert_eq!(gt.score.offsets, vec![1.0, 2.0]);
        assert!(!gt.score.int_columns.contains(IntColumns::ONSETS));
        assert!(!gt.score.int_columns.contains(IntColumns::PITCHES));
        assert!(gt.score.int_columns.contains(IntColumns::BEATS));
        assert_eq!(gt.instrument, 40);
        assert_eq!(gt.other["custom"]["x"][1], "a");
        assert_eq!(gt.missing, vec![true, false]);
        assert_eq!(gt.extra, vec![false, true]);
        assert!(gt.precise_alignment.is_empty());
    }

    #[test]
    fn floats_are_correctly_rounded_and_python_spellings_accepted() {
        let cases = [
            "0.7770833333333333",
            "0.8999999999999999",
            "1e-05",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "1.7976931348623157e+308",
            "-0.0",
            "123456789012345678901234567890",
        ];
        for c in cases {
            let j = format!("{{\"f0\": [{c}]}}");
            let gt = GroundTruth::from_json_slice(j.as_bytes(), "t").unwrap();
            assert_eq!(
                gt.f0[0].to_bits(),
                c.parse::<f64>().unwrap().to_bits(),
                "{c}"
            );
        }
        let gt = GroundTruth::from_json_slice(br#"{"f0": [NaN, Infinity, -Infinity, -3]}"#, "t")
            .unwrap();
        assert!(gt.f0[0].is_nan());
        assert_eq!(gt.f0[1..], [f64::INFINITY, f64::NEG_INFINITY, -3.0]);
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
    fn error_names_json_path_index_and_position() {
        let j = b"{\"score\": {\"onsets\": [0.0,\n \"x\"]}}";
        let err = GroundTruth::from_json_slice(j, "bad.json.gz").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Format);
        assert_eq!(err.file().unwrap(), Path::new("bad.json.gz"));
        assert_eq!(
            err.location().unwrap(),
            "$.score.onsets[1] (line 2, column 2)"
        );
        assert!(err.message().contains("expected a number"), "{err}");
        let err =
            GroundTruth::from_json_slice(br#"{"score": {"onsets": [0.0, 1.0]}"#, "t").unwrap_err();
        assert!(err.message().contains("end of file"), "{err}");
        let err =
            GroundTruth::from_json_slice(br#"{"score": {"onsets": [0.0 1.0]}}"#, "t").unwrap_err();
        assert!(err.message().contains("expected `,` or `]`"), "{err}");
        let err = GroundTruth::from_json_slice(br#"{"instrument": 4.5}"#, "t").unwrap_err();
        assert_eq!(err.location().unwrap(), "$.instrument (line 1, column 19)");
        let err = GroundTruth::from_json_slice(b"[1, 2]", "t").unwrap_err();
        assert!(err.message().contains("ground-truth object"), "{err}");
        let err = GroundTruth::from_json_slice(b"{} x", "t").unwrap_err();
        assert!(err.message().contains("trailing"), "{err}");
        let err = GroundTruth::from_json_slice(br#"{"missing": [true, 3x]}"#, "t").unwrap_err();
        assert!(err.to_string().contains("$.missing"), "{err}");
    }

    #[test]
    fn reads_what_the_reference_wrote() {
        let gt = GroundTruth::default();
        let text = gt.to_json_string();
        assert_eq!(
            GroundTruth::from_json_slice(text.as_bytes(), "t").unwrap(),
            gt
        );
    }

    #[test]
    fn gzip_one_shot_multi_member_and_errors() {
        use std::io::Write;
        let p = Path::new("x.json.gz");
        let gunzip = |raw: &[u8]| {
            let mut out = b"stale".to_vec();
            gunzip_into(raw, p, &mut out).map(|_| out)
        };
        assert!(!is_gzip(b"{}"));
        let gz = |data: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        };
        assert!(is_gzip(&gz(b"{}")));
        assert_eq!(gunzip(&gz(b"{\"f0\": []}")).unwrap(), b"{\"f0\": []}");
        let mut two = gz(b"{\"f0\": ");
        two.extend(gz(b"[1]}"));
        assert_eq!(gunzip(&two).unwrap(), b"{\"f0\": [1]}");
        let err = gunzip(&[0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap_err();
        assert!(err.to_string().contains("cannot decompress"));
        let mut trunc = gz(&[b'x'; 1000]);
        trunc.truncate(trunc.len() - 10);
        assert!(gunzip(&trunc).is_err());
        // plain JSON and gzip files read alike
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.json");
        std::fs::write(&plain, b"{\"f0\": [1.5]}").unwrap();
        let zipped = dir.path().join("a.json.gz");
        std::fs::write(&zipped, gz(b"{\"f0\": [1.5]}")).unwrap();
        assert_eq!(
            GroundTruth::from_path(&plain).unwrap(),
            GroundTruth::from_path(&zipped).unwrap()
        );
    }
}
