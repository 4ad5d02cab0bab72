//! A compact binary form of a parsed [`GroundTruth`], used by the on-disk cache
//! ([`super::disk_cache`]).
//!
//! It is not an interchange format: the `.json.gz` file stays the source of truth, and
//! this form is only ever read back by the same engine version that wrote it. Every
//! column is stored as its length followed by its little-endian values, so reading is a
//! bounds-checked copy, about ten times faster than inflating and parsing the JSON. A
//! CRC-32 of the payload catches a damaged file; any defect is an error, which the
//! cache treats as a miss.
//!
//! Layout: magic `ASMDGTB1`, the payload's CRC-32 (u32) and length (u64), then the
//! payload: the four note groups (int-column bits; onsets, offsets, pitches,
//! velocities, beats; notes), missing, extra, f0, the three pedals (flags, times,
//! values), the instrument and the undefined keys as JSON text.

use std::path::Path;

use super::{GroundTruth, IntColumns, NoteGroup, Pedal, PedalType, ScoreType};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"ASMDGTB1";
const HEADER: usize = 8 + 4 + 8;

impl GroundTruth {
    /// Encode into the binary cache form.
    ///
    /// ```
    /// let mut gt = asmd::GroundTruth::default();
    /// gt.score.push_note(60.0, 0.0, 1.0, Some(64.0));
    /// let bin = gt.to_binary();
    /// assert_eq!(asmd::GroundTruth::from_binary(&bin, "mem").unwrap(), gt);
    /// ```
    pub fn to_binary(&self) -> Vec<u8> {
        // about the encoded size (the columns dominate both)
        let mut w = Vec::with_capacity(HEADER + super::cache::heap_size(self));
        w.extend_from_slice(MAGIC);
        w.extend_from_slice(&[0u8; 12]);
        for t in ScoreType::ALL {
            let g = self.group(t);
            w.push(g.int_columns.0);
            for col in [&g.onsets, &g.offsets, &g.pitches, &g.velocities, &g.beats] {
                put_f64s(&mut w, col);
            }
            put_len(&mut w, g.notes.len());
            for s in &g.notes {
                put_len(&mut w, s.len());
                w.extend_from_slice(s.as_bytes());
            }
        }
        for flags in [&self.missing, &self.extra] {
            put_len(&mut w, flags.len());
            w.extend(flags.iter().map(|&b| b as u8));
        }
        put_f64s(&mut w, &self.f0);
        for p in PedalType::ALL {
            let p = self.pedal(p);
            w.push(p.int_values as u8 | (p.int_times as u8) << 1);
            put_f64s(&mut w, &p.times);
            put_f64s(&mut w, &p.values);
        }
        w.extend_from_slice(&self.instrument.to_le_bytes());
        let other = if self.other.is_empty() {
            Vec::new()
        } else {
            serde_json::to_vec(&self.other).unwrap_or_default()
        };
        put_len(&mut w, other.len());
        w.extend_from_slice(&other);
        let crc = crc32fast::hash(&w[HEADER..]);
        let len = (w.len() - HEADER) as u64;
        w[8..12].copy_from_slice(&crc.to_le_bytes());
        w[12..20].copy_from_slice(&len.to_le_bytes());
        w
    }

    /// Decode the binary cache form; `origin` names the source in errors.
    pub fn from_binary(bytes: &[u8], origin: impl AsRef<Path>) -> Result<GroundTruth> {
        let origin = origin.as_ref();
        let bad = |at: usize, what: &str| {
            Error::format(
                origin,
                format!("byte {at}"),
                format!("binary ground truth: {what}"),
            )
        };
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err(bad(0, "not a binary ground-truth file"));
        }
        let crc = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let mut len8 = [0u8; 8];
        len8.copy_from_slice(&bytes[12..20]);
        let payload = &bytes[HEADER..];
        if u64::from_le_bytes(len8) != payload.len() as u64 {
            return Err(bad(12, "truncated or extended payload"));
        }
        if crc32fast::hash(payload) != crc {
            return Err(bad(8, "checksum mismatch"));
        }
        let mut r = Reader {
            b: payload,
            i: 0,
            base: HEADER,
        };
        let mut gt = GroundTruth::default();
        let bad_at = |r: &Reader, what: &str| bad(r.base + r.i, what);
        for t in ScoreType::ALL {
            let bits = r.u8().ok_or_else(|| bad_at(&r, "truncated note group"))?;
            let mut g = NoteGroup {
                int_columns: IntColumns(bits),
                ..Default::default()
            };
            for col in [
                &mut g.onsets,
                &mut g.offsets,
                &mut g.pitches,
                &mut g.velocities,
                &mut g.beats,
            ] {
                *col = r.f64s().ok_or_else(|| bad_at(&r, "truncated column"))?;
            }
            let n = r.len().ok_or_else(|| bad_at(&r, "truncated note names"))?;
            g.notes = Vec::with_capacity(n.min(r.remaining()));
            for _ in 0..n {
                let s = r
                    .bytes_with_len()
                    .ok_or_else(|| bad_at(&r, "truncated note name"))?;
                let s = std::str::from_utf8(s).map_err(|_| bad_at(&r, "note name not UTF-8"))?;
                g.notes.push(s.to_owned());
            }
            *gt.group_mut(t) = g;
        }
        for flags in [&mut gt.missing, &mut gt.extra] {
            let s = r
                .bytes_with_len()
                .ok_or_else(|| bad_at(&r, "truncated flags"))?;
            *flags = s.iter().map(|&b| b != 0).collect();
        }
        gt.f0 = r.f64s().ok_or_else(|| bad_at(&r, "truncated f0"))?;
        for p in PedalType::ALL {
            let flags = r.u8().ok_or_else(|| bad_at(&r, "truncated pedal"))?;
            let times = r
                .f64s()
                .ok_or_else(|| bad_at(&r, "truncated pedal times"))?;
            let values = r
                .f64s()
                .ok_or_else(|| bad_at(&r, "truncated pedal values"))?;
            *gt.pedal_mut(p) = Pedal {
                times,
                values,
                int_values: flags & 1 != 0,
                int_times: flags & 2 != 0,
            };
        }
        let inst = r
            .take(8)
            .ok_or_else(|| bad_at(&r, "truncated instrument"))?;
        let mut i8 = [0u8; 8];
        i8.copy_from_slice(inst);
        gt.instrument = i64::from_le_bytes(i8);
        let other = r
            .bytes_with_len()
            .ok_or_else(|| bad_at(&r, "truncated extra keys"))?;
        if !other.is_empty() {
            gt.other = serde_json::from_slice(other)
                .map_err(|e| bad_at(&r, &format!("extra keys: {e}")))?;
        }
        if r.remaining() != 0 {
            return Err(bad_at(&r, "trailing bytes"));
        }
        Ok(gt)
    }
}

fn put_len(w: &mut Vec<u8>, n: usize) {
    w.extend_from_slice(&(n as u64).to_le_bytes());
}

fn put_f64s(w: &mut Vec<u8>, v: &[f64]) {
    put_len(w, v.len());
    w.reserve(v.len() * 8);
    for x in v {
        w.extend_from_slice(&x.to_le_bytes());
    }
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.b.len() - self.i
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.remaining() {
            return None;
        }
        let s = &self.b[self.i..self.i + n];
        self.i += n;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|s| s[0])
    }

    fn len(&mut self) -> Option<usize> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        usize::try_from(u64::from_le_bytes(a)).ok()
    }

    fn bytes_with_len(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    fn f64s(&mut self) -> Option<Vec<f64>> {
        let n = self.len()?;
        let s = self.take(n.checked_mul(8)?)?;
        Some(
            s.chunks_exact(8)
                .map(|c| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(c);
                    f64::from_le_bytes(a)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> GroundTruth {
        let mut gt = GroundTruth {
            instrument: 41,
            ..Default::default()
        };
        gt.precise_alignment.push_note(60.0, 0.25, 1.0, Some(80.0));
        gt.precise_alignment
            .push_note(61.5, f64::NAN, f64::INFINITY, Some(0.0));
        gt.precise_alignment.notes = vec!["C4".into(), "C♯4".into()];
        gt.broad_alignment.push_note(60.0, 0.2, 1.0, None);
        gt.broad_alignment.int_columns = IntColumns::ONSETS | IntColumns::BEATS;
        gt.misaligned.push_note(62.0, -0.0, 3.0, Some(1.0));
        gt.score.push_note(60.0, 0.0, 1.0, Some(64.0));
        gt.score.beats = vec![0.0, 0.5, 1.0];
        gt.missing = vec![true, false];
        gt.extra = vec![false];
        gt.f0 = vec![0.0, 60.01, f64::NEG_INFINITY];
        gt.sustain.times = vec![0.0, 1.0];
        gt.sustain.values = vec![127.0, 0.0];
        gt.soft.int_times = true;
        gt.soft.int_values = false;
        gt.other.insert(
            "comment".into(),
            serde_json::json!({"by": "hand", "n": [1, 2.5]}),
        );
        gt
    }

    fn same(a: &GroundTruth, b: &GroundTruth) -> bool {
        // NaN != NaN: compare the JSON text, which spells NaN
        a.to_json_string() == b.to_json_string()
            && a.other == b.other
            && ScoreType::ALL
                .iter()
                .all(|&t| a.group(t).int_columns == b.group(t).int_columns)
    }

    #[test]
    fn round_trips_every_field() {
        let gt = full();
        let back = GroundTruth::from_binary(&gt.to_binary(), "x").unwrap();
        assert!(same(&gt, &back));
        assert_eq!(
            back.precise_alignment.onsets[1].to_bits(),
            f64::NAN.to_bits()
        );
        assert_eq!(back.misaligned.onsets[0].to_bits(), (-0.0f64).to_bits());
        assert!(back.soft.int_times && !back.soft.int_values);
        let empty = GroundTruth::default();
        assert_eq!(
            GroundTruth::from_binary(&empty.to_binary(), "x").unwrap(),
            empty
        );
    }

    #[test]
    fn damaged_files_are_errors() {
        let bin = full().to_binary();
        // every truncation is refused, never a panic
        for n in 0..bin.len() {
            let e = GroundTruth::from_binary(&bin[..n], "c.bin").unwrap_err();
            assert!(e.to_string().starts_with("c.bin: byte "), "{e}");
        }
        // a flipped bit in the payload fails the checksum
        let mut flipped = bin.clone();
        flipped[HEADER + 40] ^= 4;
        let e = GroundTruth::from_binary(&flipped, "c.bin").unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        // another magic
        let mut other = bin.clone();
        other[7] = b'9';
        assert!(GroundTruth::from_binary(&other, "c.bin").is_err());
    }
}
