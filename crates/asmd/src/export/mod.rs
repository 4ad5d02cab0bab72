//! A [`Dataset`] selection as columnar tables, for Parquet / Arrow and the tools that
//! read them (pyarrow, polars, DuckDB, Spark, Ray Data, HF datasets).
//!
//! Five tables, one row per:
//!
//! - `songs`: selected song (`song` is its index in the selection, the key of every
//!   other table): title, composer, instruments, groups, the mixed / source /
//!   ground-truth paths (relative to the install directory), the ground-truth duration
//!   (latest offset of any note group), the audio duration from the recordings'
//!   headers (null when not on disk), whether every ground-truth file is on disk, and
//!   the availability level (0-2) of each annotation type in the song's groups
//!   (`gt_<type>`, the highest over its groups);
//! - `notes`: note of a note group (`score_type`: `precise_alignment`,
//!   `broad_alignment`, `misaligned` or `score`) of a ground-truth file (`source`: its
//!   index in the song's ground-truth list): pitch, onset, offset (s), velocity (null
//!   when the group has none), General-MIDI program, and `missing`/`extra` for
//!   `misaligned` notes (null elsewhere);
//! - `pedals`: pedal event (`pedal`: sustain, sostenuto, soft): time, value;
//! - `beats`: score beat time;
//! - `f0`: f0 frame: frame index, its time (`frame * 0.01 + 0.023` s: 46 ms window,
//!   10 ms hop) and the value in Hz.
//!
//! Tables are built per dataset ([`tables`] returns one [`Tables`] per dataset of the
//! selection, in order), so writers partition by dataset (`dataset=<name>/`, the Hive
//! layout every reader understands). With the `parquet` feature, [`parquet::write`]
//! writes them.
//!
//! ```
//! use asmd::{Dataset, FilterOptions};
//! let mut d = Dataset::official().unwrap();
//! d.filter(&FilterOptions { datasets: vec!["Bach10".into()], ..Default::default() }).unwrap();
//! let t = asmd::export::tables(&d, &asmd::export::ExportOptions::default()).unwrap();
//! assert_eq!(t.len(), 1);
//! assert_eq!(t[0].dataset, "Bach10");
//! assert_eq!(t[0].songs.len(), 10);
//! assert_eq!(t[0].songs.instruments[0], ["violin", "clarinet", "tenor sax", "bassoon"]);
//! // the ground truth is not installed here: songs are listed, without notes
//! assert!(t[0].songs.gt_present.iter().all(|p| !p));
//! assert_eq!(t[0].notes.len(), 0);
//! ```

pub mod names;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod shards;

pub use shards::{write_shards, ShardOptions, ShardReport};

use rayon::prelude::*;

use crate::dataset::Dataset;
use crate::definition::GT_TYPES;
use crate::error::{ErrorKind, Result};
use crate::ground_truth::{disk_cache, PedalType, ScoreType};

/// f0 frames: hop and half window (s), as SPEC §3 defines them.
pub const F0_HOP: f64 = 0.01;
/// Time of f0 frame 0 (half of the 46 ms window).
pub const F0_OFFSET: f64 = 0.023;

/// What to put in the tables.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Read the recordings' headers for `audio_duration` (costs one open per file).
    pub audio_durations: bool,
    /// A ground-truth file that is absent leaves its song without notes
    /// (`gt_present = false`); with `require_gt` it is an error instead.
    pub require_gt: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            audio_durations: true,
            require_gt: false,
        }
    }
}

/// `songs` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SongsTable {
    pub song: Vec<u32>,
    pub title: Vec<String>,
    pub composer: Vec<String>,
    pub instruments: Vec<Vec<String>>,
    pub groups: Vec<Vec<String>>,
    pub mixed: Vec<Vec<String>>,
    pub sources: Vec<Vec<String>>,
    pub ground_truth: Vec<Vec<String>>,
    pub duration: Vec<Option<f64>>,
    pub audio_duration: Vec<Option<f64>>,
    pub gt_present: Vec<bool>,
    /// Per annotation type of [`GT_TYPES`] (same order), the level of every song.
    pub gt_levels: Vec<Vec<u8>>,
}

impl SongsTable {
    pub fn len(&self) -> usize {
        self.song.len()
    }
    pub fn is_empty(&self) -> bool {
        self.song.is_empty()
    }
}

/// `notes` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotesTable {
    pub song: Vec<u32>,
    pub source: Vec<u16>,
    pub score_type: Vec<ScoreType>,
    pub pitch: Vec<f64>,
    pub onset: Vec<f64>,
    pub offset: Vec<f64>,
    pub velocity: Vec<Option<f64>>,
    pub program: Vec<i32>,
    pub missing: Vec<Option<bool>>,
    pub extra: Vec<Option<bool>>,
}

impl NotesTable {
    pub fn len(&self) -> usize {
        self.song.len()
    }
    pub fn is_empty(&self) -> bool {
        self.song.is_empty()
    }
}

/// `pedals` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PedalsTable {
    pub song: Vec<u32>,
    pub source: Vec<u16>,
    pub pedal: Vec<PedalType>,
    pub time: Vec<f64>,
    pub value: Vec<f64>,
}

/// `beats` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BeatsTable {
    pub song: Vec<u32>,
    pub source: Vec<u16>,
    pub time: Vec<f64>,
}

/// `f0` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct F0Table {
    pub song: Vec<u32>,
    pub source: Vec<u16>,
    pub frame: Vec<u32>,
    pub time: Vec<f64>,
    pub f0: Vec<f64>,
}

/// The five tables of one dataset of the selection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    pub dataset: String,
    pub songs: SongsTable,
    pub notes: NotesTable,
    pub pedals: PedalsTable,
    pub beats: BeatsTable,
    pub f0: F0Table,
}

impl Tables {
    /// The table names, in the order writers use.
    pub const NAMES: [&'static str; 5] = ["songs", "notes", "pedals", "beats", "f0"];

    /// Rows of table `name`.
    pub fn rows(&self, name: &str) -> usize {
        match name {
            "songs" => self.songs.len(),
            "notes" => self.notes.len(),
            "pedals" => self.pedals.song.len(),
            "beats" => self.beats.song.len(),
            "f0" => self.f0.song.len(),
            _ => 0,
        }
    }
}

/// One song's rows, built in parallel and appended in order.
struct SongRows {
    dataset: usize,
    t: Tables,
}

/// The selection's tables, one [`Tables`] per dataset with selected songs, in the
/// selection's order. Ground-truth files are read in parallel; a file that cannot be
/// read is an error naming it (an absent one too, with
/// [`ExportOptions::require_gt`]).
pub fn tables(d: &Dataset, opts: &ExportOptions) -> Result<Vec<Tables>> {
    let per_song: Vec<Result<SongRows>> = (0..d.len())
        .into_par_iter()
        .map(|i| song_rows(d, i, opts))
        .collect();
    let mut out: Vec<(usize, Tables)> = Vec::new();
    for r in per_song {
        let r = r?;
        match out.last_mut() {
            Some((k, t)) if *k == r.dataset => append(t, r.t),
            _ => out.push((r.dataset, r.t)),
        }
    }
    Ok(out.into_iter().map(|(_, t)| t).collect())
}

fn song_rows(d: &Dataset, i: usize, opts: &ExportOptions) -> Result<SongRows> {
    let (ds_index, _) = d.item_songs()[i];
    let (def, song) = d.song(i)?;
    let paths = d.item(i)?;
    let id = i as u32;
    let mut t = Tables {
        dataset: def.name.clone(),
        ..Default::default()
    };
    let s = &mut t.songs;
    s.song.push(id);
    s.title.push(song.title.clone());
    s.composer.push(song.composer.clone());
    s.instruments.push(song.instruments.clone());
    s.groups.push(song.groups.clone());
    s.mixed.push(paths.mixed.clone());
    s.sources.push(song.sources.clone().unwrap_or_default());
    s.ground_truth.push(paths.ground_truth.clone());
    s.gt_levels = GT_TYPES
        .iter()
        .map(|ty| {
            vec![song
                .groups
                .iter()
                .map(|g| def.gt_level(g, ty))
                .max()
                .unwrap_or(0)]
        })
        .collect();
    s.audio_duration.push(if opts.audio_durations {
        audio_duration(d, &paths.mixed)
    } else {
        None
    });

    let mut present = true;
    let mut duration: Option<f64> = None;
    for (k, rel) in paths.ground_truth.iter().enumerate() {
        let full = d.full_path(rel);
        // through the on-disk cache (not the in-memory one: an export reads each file once)
        let gt = match disk_cache::load(&full) {
            Ok(gt) => gt,
            Err(e) if e.kind() == ErrorKind::NotFound && !opts.require_gt => {
                present = false;
                continue;
            }
            Err(e) => return Err(e),
        };
        let src = k as u16;
        for st in ScoreType::ALL {
            let g = gt.group(st);
            if let Some(m) = g.max_offset() {
                duration = Some(duration.map_or(m, |x| x.max(m)));
            }
            let n = g.len();
            let flags = st == ScoreType::Misaligned && gt.missing.len() == n;
            for j in 0..n {
                let nt = &mut t.notes;
                nt.song.push(id);
                nt.source.push(src);
                nt.score_type.push(st);
                nt.pitch.push(g.pitches.get(j).copied().unwrap_or(f64::NAN));
                nt.onset.push(g.onsets.get(j).copied().unwrap_or(f64::NAN));
                nt.offset
                    .push(g.offsets.get(j).copied().unwrap_or(f64::NAN));
                nt.velocity.push(g.velocities.get(j).copied());
                nt.program.push(gt.instrument as i32);
                nt.missing.push(flags.then(|| gt.missing[j]));
                nt.extra.push(if flags {
                    gt.extra.get(j).copied()
                } else {
                    None
                });
            }
        }
        for p in PedalType::ALL {
            let pd = gt.pedal(p);
            for (time, value) in pd.times.iter().zip(&pd.values) {
                t.pedals.song.push(id);
                t.pedals.source.push(src);
                t.pedals.pedal.push(p);
                t.pedals.time.push(*time);
                t.pedals.value.push(*value);
            }
        }
        for b in &gt.score.beats {
            t.beats.song.push(id);
            t.beats.source.push(src);
            t.beats.time.push(*b);
        }
        for (f, v) in gt.f0.iter().enumerate() {
            t.f0.song.push(id);
            t.f0.source.push(src);
            t.f0.frame.push(f as u32);
            t.f0.time.push(f as f64 * F0_HOP + F0_OFFSET);
            t.f0.f0.push(*v);
        }
    }
    t.songs
        .gt_present
        .push(present && !paths.ground_truth.is_empty());
    t.songs.duration.push(duration);
    Ok(SongRows {
        dataset: ds_index,
        t,
    })
}

fn audio_duration(d: &Dataset, mixed: &[String]) -> Option<f64> {
    let mut best: Option<f64> = None;
    for rel in mixed {
        let info = crate::audio::info(&d.full_path(rel)).ok()?;
        best = Some(best.map_or(info.duration, |b: f64| b.max(info.duration)));
    }
    best
}

fn append(a: &mut Tables, b: Tables) {
    let (s, o) = (&mut a.songs, b.songs);
    s.song.extend(o.song);
    s.title.extend(o.title);
    s.composer.extend(o.composer);
    s.instruments.extend(o.instruments);
    s.groups.extend(o.groups);
    s.mixed.extend(o.mixed);
    s.sources.extend(o.sources);
    s.ground_truth.extend(o.ground_truth);
    s.duration.extend(o.duration);
    s.audio_duration.extend(o.audio_duration);
    s.gt_present.extend(o.gt_present);
    if s.gt_levels.is_empty() {
        s.gt_levels = o.gt_levels;
    } else {
        for (x, y) in s.gt_levels.iter_mut().zip(o.gt_levels) {
            x.extend(y);
        }
    }
    let (n, o) = (&mut a.notes, b.notes);
    n.song.extend(o.song);
    n.source.extend(o.source);
    n.score_type.extend(o.score_type);
    n.pitch.extend(o.pitch);
    n.onset.extend(o.onset);
    n.offset.extend(o.offset);
    n.velocity.extend(o.velocity);
    n.program.extend(o.program);
    n.missing.extend(o.missing);
    n.extra.extend(o.extra);
    let (p, o) = (&mut a.pedals, b.pedals);
    p.song.extend(o.song);
    p.source.extend(o.source);
    p.pedal.extend(o.pedal);
    p.time.extend(o.time);
    p.value.extend(o.value);
    let (bt, o) = (&mut a.beats, b.beats);
    bt.song.extend(o.song);
    bt.source.extend(o.source);
    bt.time.extend(o.time);
    let (f, o) = (&mut a.f0, b.f0);
    f.song.extend(o.song);
    f.source.extend(o.source);
    f.frame.extend(o.frame);
    f.time.extend(o.time);
    f.f0.extend(o.f0);
}
