//! Writing ground truth: the same text the reference writes (`json.dump(gt, f,
//! sort_keys=True, indent=4)`), gzip-compressed at level 9 (Python's default), written
//! to a temporary file and renamed so that a failed write never leaves half a file.

use std::io::Write;
use std::path::Path;

use super::pyjson::PyJsonWriter;
use super::{GroundTruth, IntColumns, NoteGroup, Pedal};
use crate::error::Result;

impl GroundTruth {
    /// The JSON text of this ground truth, as the reference writes it.
    pub fn to_json_string(&self) -> String {
        let mut w = PyJsonWriter::new(Some(4));
        self.write_json(&mut w);
        w.finish()
    }

    /// Write this ground truth into a JSON writer (sorted keys).
    pub fn write_json(&self, w: &mut PyJsonWriter) {
        // Known keys in sorted order; unknown keys (kept from reading) are merged in.
        enum Item<'a> {
            Group(&'a NoteGroup, bool),
            Bools(&'a [bool]),
            F0,
            Pedal(&'a Pedal),
            Instrument,
            Other(&'a serde_json::Value),
        }
        let mut items: Vec<(&str, Item)> = vec![
            ("broad_alignment", Item::Group(&self.broad_alignment, false)),
            ("extra", Item::Bools(&self.extra)),
            ("f0", Item::F0),
            ("instrument", Item::Instrument),
            ("misaligned", Item::Group(&self.misaligned, false)),
            ("missing", Item::Bools(&self.missing)),
            (
                "precise_alignment",
                Item::Group(&self.precise_alignment, false),
            ),
            ("score", Item::Group(&self.score, true)),
            ("soft", Item::Pedal(&self.soft)),
            ("sostenuto", Item::Pedal(&self.sostenuto)),
            ("sustain", Item::Pedal(&self.sustain)),
        ];
        for (k, v) in &self.other {
            items.push((k.as_str(), Item::Other(v)));
        }
        items.sort_by(|a, b| a.0.cmp(b.0));

        w.begin_object();
        for (k, item) in items {
            w.key(k);
            match item {
                Item::Group(g, is_score) => write_group(w, g, is_score),
                Item::Bools(b) => {
                    w.begin_array();
                    for &x in b {
                        w.bool(x);
                    }
                    w.end_array();
                }
                Item::F0 => w.numbers(&self.f0, false),
                Item::Pedal(p) => {
                    w.begin_object();
                    w.key("times");
                    w.numbers(&p.times, p.int_times);
                    w.key("values");
                    w.numbers(&p.values, p.int_values);
                    w.end_object();
                }
                Item::Instrument => w.int(self.instrument),
                Item::Other(v) => w.value(v),
            }
        }
        w.end_object();
    }

    /// Write a `.json.gz` file atomically (temporary file + rename); parent folders are
    /// created. The gzip level is 9, as Python's `gzip.open` uses. The file's entry in
    /// the on-disk cache ([`super::disk_cache`]) is stored too, so its first load is
    /// already fast.
    pub fn write_path(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_json_string();
        let gz = path
            .extension()
            .map(|e| e.eq_ignore_ascii_case("gz"))
            .unwrap_or(false);
        let bytes: std::borrow::Cow<[u8]> = if gz {
            gzip(text.as_bytes()).into()
        } else {
            text.as_bytes().into()
        };
        crate::files::write_atomically(path, &bytes)?;
        super::disk_cache::remember(&bytes, text.as_bytes());
        Ok(())
    }
}

/// Gzip `data` in one shot with libdeflate at level 9 (Python's default level number).
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let level = libdeflater::CompressionLvl::new(9).unwrap_or_default();
    let mut c = libdeflater::Compressor::new(level);
    let mut out = vec![0u8; c.gzip_compress_bound(data.len())];
    match c.gzip_compress(data, &mut out) {
        Ok(n) => {
            out.truncate(n);
            out
        }
        // cannot happen with a buffer of the bound's size; fall back to flate2 anyway
        Err(_) => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let _ = enc.write_all(data);
            enc.finish().unwrap_or_default()
        }
    }
}

fn write_group(w: &mut PyJsonWriter, g: &NoteGroup, is_score: bool) {
    let ints = g.int_columns;
    w.begin_object();
    if is_score || !g.beats.is_empty() {
        w.key("beats");
        w.numbers(&g.beats, ints.contains(IntColumns::BEATS));
    }
    w.key("notes");
    w.begin_array();
    for n in &g.notes {
        w.string(n);
    }
    w.end_array();
    w.key("offsets");
    w.numbers(&g.offsets, ints.contains(IntColumns::OFFSETS));
    w.key("onsets");
    w.numbers(&g.onsets, ints.contains(IntColumns::ONSETS));
    w.key("pitches");
    w.numbers(&g.pitches, ints.contains(IntColumns::PITCHES));
    w.key("velocities");
    w.numbers(&g.velocities, ints.contains(IntColumns::VELOCITIES));
    w.end_object();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_gt_matches_reference_prototype_text() {
        // json.dumps(prototype_gt, sort_keys=True, indent=4) in CPython
        let want = r#"{
    "broad_alignment": {
        "notes": [],
        "offsets": [],
        "onsets": [],
        "pitches": [],
        "velocities": []
    },
    "extra": [],
    "f0": [],
    "instrument": 255,
    "misaligned": {
        "notes": [],
        "offsets": [],
        "onsets": [],
        "pitches": [],
        "velocities": []
    },
    "missing": [],
    "precise_alignment": {
        "notes": [],
        "offsets": [],
        "onsets": [],
        "pitches": [],
        "velocities": []
    },
    "score": {
        "beats": [],
        "notes": [],
        "offsets": [],
        "onsets": [],
        "pitches": [],
        "velocities": []
    },
    "soft": {
        "times": [],
        "values": []
    },
    "sostenuto": {
        "times": [],
        "values": []
    },
    "sustain": {
        "times": [],
        "values": []
    }
}"#;
        assert_eq!(GroundTruth::default().to_json_string(), want);
    }

    #[test]
    fn gz_round_trip_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/song-0.json.gz");
        let mut gt = GroundTruth::default();
        gt.score.push_note(60.0, 0.0, 1.0, None);
        gt.score.beats = vec![0.0, 1.0];
        gt.sustain.times = vec![0.5];
        gt.sustain.values = vec![127.0];
        gt.missing = vec![false];
        gt.extra = vec![true];
        gt.write_path(&p).unwrap();
        let back = GroundTruth::from_path(&p).unwrap();
        assert_eq!(back, gt);
        // no temporary file left
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}
