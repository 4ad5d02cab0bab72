//! WebDataset shards: tar files of samples, one sample per song of a selection.
//!
//! A sample `<key>` holds `<key>.wav` (the mono mix at the chosen rate, 16-bit PCM or
//! 32-bit float), `<key>.notes.npy` (the score matrix, `n x 6` float64: pitch, onset,
//! offset, velocity, MIDI program, source index; score type chosen as in
//! `get_score_mat`) and `<key>.json` (dataset, title, composer, instruments, groups,
//! score type, sample rate, duration, columns). Keys are `<dataset>-<index>`, with the
//! index in the selection (six digits); the `webdataset` package groups files by key.
//!
//! Shards `shard-000000.tar`, ... are filled in sample order (the selection's, or a
//! seeded shuffle of it) until the next sample would pass `max_shard_bytes`. Tar
//! headers carry no time, owner or host: the same selection, options and seed give
//! byte-identical shards. A shard counts as written when its index `shard-<k>.json`
//! exists (written after the tar is renamed into place); a rerun after an interruption
//! keeps those shards and continues after the last one, and refuses a folder that holds
//! shards of a different export. `manifest.json` is written last. A song whose recording
//! or ground truth is not on disk stops the export with the error naming the command
//! that installs it (the policy of every front, docs/missing-files.md); with
//! [`ShardOptions::skip_missing`] such songs are skipped with their reason instead
//! (listed in the report and the manifest). Any error stops the export with the
//! finished shards kept, so a rerun resumes.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use serde_json::json;

use crate::audio::{DecodeOptions, Quality};
use crate::dataset::Dataset;
use crate::error::{Error, ErrorKind, IoContext, Result};
use crate::ground_truth::ScoreType;

/// Options of [`write_shards`].
#[derive(Debug, Clone)]
pub struct ShardOptions {
    /// Sample rate of the audio (None: each song's own).
    pub sample_rate: Option<u32>,
    /// Resampling quality.
    pub quality: Quality,
    /// A shard is closed before it would pass this size (a single larger sample gets a
    /// shard of its own).
    pub max_shard_bytes: u64,
    /// Shuffle the samples with this seed (None: selection order).
    pub seed: Option<u64>,
    /// Score types in order of preference (as `get_score_mat`).
    pub score_type: Vec<ScoreType>,
    /// 32-bit float WAV instead of 16-bit PCM.
    pub float: bool,
    /// Progress bar on stderr.
    pub progress: bool,
    /// Skip songs whose files are not on disk (listed in [`ShardReport::skipped`])
    /// instead of failing on the first one.
    pub skip_missing: bool,
}

impl Default for ShardOptions {
    fn default() -> Self {
        ShardOptions {
            sample_rate: None,
            quality: Quality::High,
            max_shard_bytes: 1 << 30,
            seed: None,
            score_type: vec![
                ScoreType::PreciseAlignment,
                ScoreType::BroadAlignment,
                ScoreType::Misaligned,
                ScoreType::Score,
            ],
            float: false,
            progress: false,
            skip_missing: false,
        }
    }
}

/// What [`write_shards`] did.
#[derive(Debug, Clone, Default)]
pub struct ShardReport {
    /// Every shard of the export, in order.
    pub shards: Vec<PathBuf>,
    /// Samples in all shards.
    pub samples: usize,
    /// Shards found complete from an earlier run and kept.
    pub resumed: usize,
    /// Songs left out: (key, reason).
    pub skipped: Vec<(String, String)>,
}

struct Sample {
    key: String,
    files: Vec<(String, Vec<u8>)>,
}

impl Sample {
    fn tar_bytes(&self) -> u64 {
        self.files
            .iter()
            .map(|(_, b)| 512 + (b.len() as u64).div_ceil(512) * 512)
            .sum()
    }
}

fn sample_key(dataset: &str, idx: usize) -> String {
    let name: String = dataset
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}-{idx:06}")
}

/// `.npy` (format 1.0) bytes of a row-major float64 matrix.
pub fn npy_f64(rows: usize, cols: usize, data: &[f64]) -> Vec<u8> {
    let mut header =
        format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // magic (6) + version (2) + length (2) + header + '\n', padded to 64 bytes
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat(total.div_ceil(64) * 64 - total));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 8);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for x in data {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

fn build(d: &Dataset, idx: usize, opts: &ShardOptions) -> Result<Sample> {
    let (def, song) = d.song(idx)?;
    let key = sample_key(&def.name, idx);
    let (audio, sr) = d.get_mix(
        idx,
        &DecodeOptions {
            sample_rate: opts.sample_rate,
            quality: opts.quality,
            ..Default::default()
        },
    )?;
    let score_type = d.chose_score_type(idx, &opts.score_type)?;
    let sm = d.get_score_mat(idx, &[score_type], false, false)?.mat;
    let wav = crate::audio::encode_wav(&[&audio], sr, opts.float)?;
    let meta = json!({
        "key": key, "index": idx, "dataset": def.name, "title": song.title,
        "composer": song.composer, "instruments": song.instruments, "groups": song.groups,
        "score_type": score_type.name(), "sample_rate": sr,
        "duration": audio.len() as f64 / f64::from(sr.max(1)),
        "notes_columns": ["pitch", "onset", "offset", "velocity", "program", "source"],
    });
    Ok(Sample {
        files: vec![
            (format!("{key}.json"), meta.to_string().into_bytes()),
            (
                format!("{key}.notes.npy"),
                npy_f64(sm.rows, sm.cols, &sm.data),
            ),
            (format!("{key}.wav"), wav),
        ],
        key,
    })
}

fn shard_name(k: usize) -> String {
    format!("shard-{k:06}")
}

/// Everything that determines the shards' content: a folder holding shards made with
/// another fingerprint is not resumed.
fn fingerprint(keys: &[String], opts: &ShardOptions) -> serde_json::Value {
    json!({
        "format": 1,
        "sample_rate": opts.sample_rate, "quality": format!("{:?}", opts.quality),
        "max_shard_bytes": opts.max_shard_bytes, "seed": opts.seed,
        "score_type": opts.score_type.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "float": opts.float, "keys": keys,
    })
}

struct Done {
    samples: Vec<String>,
    skipped: Vec<(String, String)>,
    next: usize,
}

fn read_done(out: &Path, k: usize, print: &serde_json::Value) -> Result<Option<Done>> {
    let index = out.join(format!("{}.json", shard_name(k)));
    let tar = out.join(format!("{}.tar", shard_name(k)));
    if !index.is_file() || !tar.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&index).with_path(&index)?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::format(&index, "$", format!("not a shard index: {e}")))?;
    if v.get("export") != Some(print) {
        return Err(Error::new(
            ErrorKind::Argument,
            "holds shards of another export (other selection, options or seed): \
             choose an empty folder or remove them",
        )
        .with_file(out));
    }
    let strings = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let skipped = v["skipped"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x[0].as_str().unwrap_or_default().to_string(),
                        x[1].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(Done {
        samples: strings("samples"),
        skipped,
        next: v["next"].as_u64().unwrap_or(0) as usize,
    }))
}

struct ShardWriter<'a> {
    out: &'a Path,
    k: usize,
    tar: Option<tar::Builder<std::io::BufWriter<std::fs::File>>>,
    bytes: u64,
    samples: Vec<String>,
    skipped: Vec<(String, String)>,
}

impl ShardWriter<'_> {
    fn partial(&self) -> PathBuf {
        self.out.join(format!("{}.tar.partial", shard_name(self.k)))
    }

    fn add(&mut self, s: &Sample) -> Result<()> {
        if self.tar.is_none() {
            let p = self.partial();
            let f = std::fs::File::create(&p).with_path(&p)?;
            self.tar = Some(tar::Builder::new(std::io::BufWriter::new(f)));
        }
        let p = self.partial();
        let Some(tar) = self.tar.as_mut() else {
            return Ok(());
        };
        for (name, bytes) in &s.files {
            let mut h = tar::Header::new_ustar();
            h.set_path(name).map_err(|e| Error::io(&p, e))?;
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_uid(0);
            h.set_gid(0);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            tar.append(&h, bytes.as_slice())
                .map_err(|e| Error::io(&p, e))?;
        }
        self.bytes += s.tar_bytes();
        self.samples.push(s.key.clone());
        Ok(())
    }

    /// Close the current shard (if it has samples): tar into place, then its index.
    fn finish(&mut self, next: usize, print: &serde_json::Value) -> Result<Option<PathBuf>> {
        let Some(tar) = self.tar.take() else {
            return Ok(None);
        };
        let p = self.partial();
        let mut w = tar.into_inner().map_err(|e| Error::io(&p, e))?;
        w.flush().map_err(|e| Error::io(&p, e))?;
        let f = w.into_inner().map_err(|e| Error::io(&p, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&p, e))?;
        let final_tar = self.out.join(format!("{}.tar", shard_name(self.k)));
        std::fs::rename(&p, &final_tar).with_path(&final_tar)?;
        let index = json!({
            "export": print, "samples": self.samples, "next": next,
            "skipped": self.skipped.iter().map(|(k, r)| json!([k, r])).collect::<Vec<_>>(),
        });
        let ip = self.out.join(format!("{}.json", shard_name(self.k)));
        crate::files::write_atomically(&ip, index.to_string().as_bytes())?;
        self.k += 1;
        self.bytes = 0;
        self.samples.clear();
        self.skipped.clear();
        Ok(Some(final_tar))
    }
}

/// Write the selection as WebDataset shards under `out` (see the module documentation).
pub fn write_shards(d: &Dataset, out: &Path, opts: &ShardOptions) -> Result<ShardReport> {
    if opts.max_shard_bytes == 0 {
        return Err(Error::argument("the maximum shard size must be positive"));
    }
    let mut order: Vec<usize> = (0..d.len()).collect();
    if let Some(seed) = opts.seed {
        order.shuffle(&mut rand_pcg::Pcg64Mcg::seed_from_u64(seed));
    }
    let keys: Vec<String> = order
        .iter()
        .map(|&i| d.song(i).map(|(def, _)| sample_key(&def.name, i)))
        .collect::<Result<_>>()?;
    let print = fingerprint(&keys, opts);
    std::fs::create_dir_all(out).with_path(out)?;

    // resume after the shards an earlier run finished
    let mut report = ShardReport::default();
    let mut pos = 0;
    let mut k = 0;
    while let Some(done) = read_done(out, k, &print)? {
        report
            .shards
            .push(out.join(format!("{}.tar", shard_name(k))));
        report.samples += done.samples.len();
        report.skipped.extend(done.skipped);
        pos = done.next;
        k += 1;
    }
    report.resumed = k;
    if k == 0 {
        let foreign = std::fs::read_dir(out)
            .with_path(out)?
            .filter_map(|e| e.ok())
            .any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with("shard-") && n.ends_with(".tar")
            });
        if foreign {
            return Err(Error::new(
                ErrorKind::Argument,
                "holds shards without their index (another export?): choose an empty folder",
            )
            .with_file(out));
        }
    }
    let mut w = ShardWriter {
        out,
        k,
        tar: None,
        bytes: 0,
        samples: Vec::new(),
        skipped: Vec::new(),
    };
    let _ = std::fs::remove_file(w.partial());
    let bar = if opts.progress {
        crate::progress::bar((order.len() - pos.min(order.len())) as u64, "songs")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let batch = 2 * rayon::current_num_threads().max(1);
    while pos < order.len() {
        let end = (pos + batch).min(order.len());
        let built: Vec<Result<Sample>> = order[pos..end]
            .par_iter()
            .map(|&i| build(d, i, opts))
            .collect();
        for (j, r) in built.into_iter().enumerate() {
            let here = pos + j;
            match r {
                Ok(s) => {
                    if w.bytes > 0 && w.bytes + s.tar_bytes() + 1024 > opts.max_shard_bytes {
                        if let Some(p) = w.finish(here, &print)? {
                            report.shards.push(p);
                        }
                    }
                    w.add(&s)?;
                    report.samples += 1;
                }
                Err(e) if e.kind() == ErrorKind::NotFound && opts.skip_missing => {
                    let reason = e.to_string();
                    w.skipped.push((keys[here].clone(), reason.clone()));
                    report.skipped.push((keys[here].clone(), reason));
                }
                Err(e) => {
                    let _ = std::fs::remove_file(w.partial());
                    if e.kind() == ErrorKind::NotFound {
                        let m = format!(
                            "{} (--skip-missing / skip_missing=True skips such songs; \
                             --installed / filter(installed=True) selects only those on disk)",
                            e.message()
                        );
                        return Err(e.with_message(m));
                    }
                    return Err(e.within(format!("sample {}", keys[here])));
                }
            }
            bar.inc(1);
        }
        pos = end;
    }
    if let Some(p) = w.finish(order.len(), &print)? {
        report.shards.push(p);
    } else if !w.skipped.is_empty() {
        // skipped songs after the last shard: recorded in the manifest below
    }
    bar.finish_and_clear();
    let manifest = json!({
        "export": print,
        "shards": report.shards.iter().map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect::<Vec<_>>(),
        "samples": report.samples,
        "skipped": report.skipped.iter().map(|(k, r)| json!([k, r])).collect::<Vec<_>>(),
    });
    crate::files::write_atomically(
        &out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    Ok(report)
}
