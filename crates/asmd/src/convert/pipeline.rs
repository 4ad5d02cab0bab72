//! The conversion run: for every song of the selected datasets, for every ground-truth
//! path, call the definition's converters, merge, sort, choose the instrument,
//! optionally misalign, validate and write (SPEC §6).
//!
//! Songs run in parallel (rayon, `jobs` threads) behind a progress bar. A song is
//! atomic: its files are all computed and validated first and written only if every one
//! succeeded; a failure is recorded in the [`Summary`] with its error and never stops
//! the other songs. A ground-truth file is *up to date* (not redone unless `force`) when
//! it is newer than every input its converters would read and than the definition file.
//!
//! Ground-truth paths come from the definition, which may come from anyone: before
//! anything is computed, each must be a plain relative path (no `..`, not absolute; else
//! the song fails with an error naming the definition, the song and the JSON path) and
//! must lead inside the install folder or the dataset's folder once links are resolved
//! ([`crate::files::Boundary`]). Nothing is ever written outside them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use super::archive::write_archive;
use super::instrument::instrument_program;
use super::merge::merge_outputs;
use super::registry::{Input, Registry};
use super::summary::{DatasetSkip, GtFailure, Outcome, SongReport, Summary};
use crate::definition::{Definition, Song};
use crate::error::{Error, ErrorKind, Result};
use crate::files::Boundary;
use crate::ground_truth::GroundTruth;

/// A hook that adds artificial misalignment to the ground truth of one song (SPEC §7):
/// all its files at once, so that they can share one score timeline. It is called for
/// songs in a group whose `misaligned` level is 2, after merging, sorting and choosing
/// the instrument, before validation; when one file of such a song must be redone, all
/// are.
pub type MisalignHook = dyn Fn(&mut [&mut GroundTruth], &SongContext) -> Result<()> + Send + Sync;

/// What a [`MisalignHook`] knows about the song it is given.
#[derive(Debug, Clone, Copy)]
pub struct SongContext<'a> {
    /// The song's dataset.
    pub definition: &'a Definition,
    /// Index of the song in `definition.songs`.
    pub song_index: usize,
    /// The song.
    pub song: &'a Song,
    /// The files given to the hook, in the same order.
    pub files: &'a [GtFile<'a>],
    /// A seed for the song: derived from the run's seed and the song's first
    /// ground-truth path, so it does not depend on processing order or thread count.
    pub seed: u64,
}

/// One ground-truth file of a [`SongContext`].
#[derive(Debug, Clone, Copy)]
pub struct GtFile<'a> {
    /// Position of this ground-truth path in `song.ground_truth`.
    pub gt_index: usize,
    /// The track index `k` of `...-<k>.json.gz`.
    pub track: usize,
    /// The ground-truth path as written in the definition (relative to the install dir).
    pub relative_path: &'a str,
    /// The absolute ground-truth path.
    pub path: &'a Path,
    /// A seed for this file, derived from the run's seed and `relative_path`.
    pub seed: u64,
}

/// The seed every front uses when the user gives none (ASMD 0.5.1 seeded its
/// conversion with 1002): `asmd convert`, `asmd install --ground-truth convert`,
/// `conversion_tool.create_gt` and [`ConvertOptions::default`] all start from it, so a
/// dataset gets the same `misaligned` notes whichever route converts it.
pub const DEFAULT_SEED: u64 = 1002;

/// Options of a conversion run. [`Default`] gives every field its documented default
/// (notably `seed` = [`DEFAULT_SEED`]).
#[derive(Clone)]
pub struct ConvertOptions {
    /// Where the datasets are installed (every definition path is relative to it).
    pub install_dir: PathBuf,
    /// Only these datasets (names, case-insensitive); empty = all.
    pub whitelist: Vec<String>,
    /// Not these datasets (names, case-insensitive).
    pub blacklist: Vec<String>,
    /// Also pack every converted (or up-to-date) file into this `.tar.gz`.
    pub archive: Option<PathBuf>,
    /// Worker threads; 0 = one per core.
    pub jobs: usize,
    /// Redo every file, even those that are up to date.
    pub force: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Seed from which per-file misalignment seeds are derived ([`DEFAULT_SEED`]).
    pub seed: u64,
    /// Artificial misalignment for songs whose group has `misaligned: 2`.
    pub misalign: Option<Arc<MisalignHook>>,
    /// Only part `k` of `n` (`Some((k, n))`, `k < n`): the selected songs, in definition
    /// order, are dealt round-robin into `n` parts, so `n` processes or cluster workers
    /// can share a conversion. Per-file seeds depend only on paths, so the files are
    /// identical to a single run's.
    pub part: Option<(usize, usize)>,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            install_dir: PathBuf::new(),
            whitelist: Vec::new(),
            blacklist: Vec::new(),
            archive: None,
            jobs: 0,
            force: false,
            progress: false,
            seed: DEFAULT_SEED,
            misalign: None,
            part: None,
        }
    }
}

impl std::fmt::Debug for ConvertOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvertOptions")
            .field("install_dir", &self.install_dir)
            .field("whitelist", &self.whitelist)
            .field("blacklist", &self.blacklist)
            .field("archive", &self.archive)
            .field("jobs", &self.jobs)
            .field("force", &self.force)
            .field("progress", &self.progress)
            .field("seed", &self.seed)
            .field("misalign", &self.misalign.is_some())
            .field("part", &self.part)
            .finish()
    }
}

/// Derive the seed of one file from the run seed and its relative path (FNV-1a, then
/// SplitMix64 finalisation): stable across platforms, versions and thread counts.
///
/// ```
/// let a = asmd::convert::file_seed(7, "Bach10/x-0.json.gz");
/// assert_eq!(a, asmd::convert::file_seed(7, "Bach10/x-0.json.gz"));
/// assert_ne!(a, asmd::convert::file_seed(8, "Bach10/x-0.json.gz"));
/// ```
pub fn file_seed(run_seed: u64, relative_path: &str) -> u64 {
    let mut f = crate::hash::Fnv1a::new();
    f.write(&run_seed.to_le_bytes());
    f.write(relative_path.as_bytes());
    let h = f.finish();
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The track index `k` of a ground-truth path `...-<k>.json.gz`.
///
/// ```
/// assert_eq!(asmd::convert::track_of("a/b-c-3.json.gz").unwrap(), 3);
/// assert!(asmd::convert::track_of("a/b.json.gz").is_err());
/// ```
pub fn track_of(relative_path: &str) -> Result<usize> {
    let name = relative_path.rsplit('/').next().unwrap_or(relative_path);
    let bad = |m: &str| Error::new(ErrorKind::Argument, m.to_string()).with_file(relative_path);
    let stem = name
        .strip_suffix(".json.gz")
        .ok_or_else(|| bad("ground-truth path does not end with `.json.gz`"))?;
    let dash = stem
        .rfind('-')
        .ok_or_else(|| bad("ground-truth file name has no `-<index>` part"))?;
    stem[dash + 1..]
        .parse()
        .map_err(|_| bad("the part after the last `-` is not a track index"))
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Check, before anything runs, that every converter a definition names exists and
/// accepts its keyword arguments.
pub fn check_definition(def: &Definition, registry: &Registry) -> Result<()> {
    for (i, (name, params)) in def.install.conversion.iter().enumerate() {
        let at = format!("$.install.conversion[{i}]");
        let spec = registry
            .require(name)
            .map_err(|e| Error::format(&def.origin, &at, e.message().to_string()))?;
        if let Some(check) = &spec.check_params {
            check(params).map_err(|e| Error::format(&def.origin, &at, e.message().to_string()))?;
        }
    }
    Ok(())
}

enum GtResult {
    /// Converted, not yet misaligned nor checked: (gt index, track, path, relative path).
    Ready(usize, usize, PathBuf, String, Box<GroundTruth>),
    UpToDate(usize, String),
    NoInput(String, Vec<PathBuf>),
}

type Ready = (usize, usize, PathBuf, String, Box<GroundTruth>);

struct Run<'a> {
    registry: &'a Registry,
    options: &'a ConvertOptions,
    /// Where each selected dataset's files may be written, by dataset name.
    boundaries: std::collections::HashMap<&'a str, Boundary>,
}

/// A ground-truth path as a definition gives it must be relative and stay inside the
/// install folder lexically (checked before the file system is asked anything).
fn check_relative(def: &Definition, song_index: usize, gt_index: usize, rel: &str) -> Result<()> {
    let p = Path::new(rel);
    let plain = !rel.is_empty()
        && !rel.starts_with(['/', '\\'])
        && p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
        && !rel.split(['/', '\\']).any(|c| c == "..");
    if plain {
        return Ok(());
    }
    let title = def
        .songs
        .get(song_index)
        .map(|s| s.title.as_str())
        .unwrap_or("?");
    Err(Error::format(
        &def.origin,
        format!("$.songs[{song_index}].ground_truth[{gt_index}]"),
        format!(
            "song `{title}`: ground-truth path `{rel}` leaves the install folder (absolute or with `..`): nothing is written for this song"
        ),
    ))
}

impl Run<'_> {
    fn one_gt(
        &self,
        def: &Definition,
        song_index: usize,
        gt_index: usize,
        force: bool,
    ) -> std::result::Result<GtResult, Box<GtFailure>> {
        let song = &def.songs[song_index];
        let rel = song.ground_truth[gt_index].as_str();
        let path = self.options.install_dir.join(rel);
        let fail = |converter: Option<&str>, error: Error| {
            Box::new(GtFailure {
                path: path.clone(),
                converter: converter.map(str::to_string),
                error,
            })
        };
        check_relative(def, song_index, gt_index, rel).map_err(|e| fail(None, e))?;
        let boundary = self.boundaries.get(def.name.as_str()).ok_or_else(|| {
            fail(
                None,
                Error::new(
                    ErrorKind::Argument,
                    format!("dataset `{}` was not selected for this run", def.name),
                ),
            )
        })?;
        boundary.check_entry(&path).map_err(|e| fail(None, e))?;
        let track = track_of(rel).map_err(|e| fail(None, e))?;
        let mut inputs = Vec::with_capacity(def.install.conversion.len());
        for (name, _) in &def.install.conversion {
            let spec = self
                .registry
                .require(name)
                .map_err(|e| fail(Some(name), e))?;
            inputs.push(spec.resolve(&path).map_err(|e| fail(Some(name), e))?);
        }
        if inputs.iter().all(|i| matches!(i, Input::Absent { .. })) {
            let tried = inputs
                .into_iter()
                .flat_map(|i| match i {
                    Input::Absent { tried } => tried,
                    Input::Found(p) => vec![p],
                })
                .collect();
            return Ok(GtResult::NoInput(rel.to_string(), tried));
        }
        if !force {
            if let Some(out_time) = mtime(&path) {
                let newest_input = inputs
                    .iter()
                    .filter_map(|i| match i {
                        Input::Found(p) => mtime(p),
                        Input::Absent { .. } => None,
                    })
                    .chain(mtime(&def.origin))
                    .max();
                if newest_input.is_none_or(|t| t <= out_time) {
                    return Ok(GtResult::UpToDate(gt_index, rel.to_string()));
                }
            }
        }
        let mut outputs = Vec::new();
        for ((name, params), input) in def.install.conversion.iter().zip(&inputs) {
            if let Input::Found(p) = input {
                let spec = self
                    .registry
                    .require(name)
                    .map_err(|e| fail(Some(name), e))?;
                let out = (spec.func)(p, params).map_err(|e| {
                    fail(
                        Some(name),
                        if e.file().is_none() {
                            e.with_file(p)
                        } else {
                            e
                        },
                    )
                })?;
                if let Some(list) = out {
                    outputs.push(list);
                }
            }
        }
        let Some(mut gt) = merge_outputs(track, outputs) else {
            return Ok(GtResult::NoInput(rel.to_string(), Vec::new()));
        };
        gt.sort();
        gt.instrument = instrument_program(
            song.instruments
                .get(gt_index)
                .map(String::as_str)
                .unwrap_or("unknown"),
        );
        Ok(GtResult::Ready(
            gt_index,
            track,
            path.clone(),
            rel.to_string(),
            Box::new(gt),
        ))
    }

    /// Misalign the song's converted files together (when asked for), then validate them.
    fn finish(
        &self,
        def: &Definition,
        song_index: usize,
        ready: &mut [Ready],
    ) -> std::result::Result<(), Box<GtFailure>> {
        let song = &def.songs[song_index];
        let level2 = song
            .groups
            .iter()
            .any(|g| def.gt_level(g, "misaligned") == 2);
        if let (Some(hook), true, false) = (&self.options.misalign, level2, ready.is_empty()) {
            let names: Vec<(usize, usize, PathBuf, String)> = ready
                .iter()
                .map(|(i, t, p, r, _)| (*i, *t, p.clone(), r.clone()))
                .collect();
            let files: Vec<GtFile> = names
                .iter()
                .map(|(gt_index, track, path, rel)| GtFile {
                    gt_index: *gt_index,
                    track: *track,
                    relative_path: rel,
                    path,
                    seed: file_seed(self.options.seed, rel),
                })
                .collect();
            let song_path = song.ground_truth.first().map_or("", String::as_str);
            let ctx = SongContext {
                definition: def,
                song_index,
                song,
                files: &files,
                seed: file_seed(self.options.seed, &format!("{song_path}#song")),
            };
            let mut gts: Vec<&mut GroundTruth> =
                ready.iter_mut().map(|(.., gt)| gt.as_mut()).collect();
            hook(&mut gts, &ctx).map_err(|error| {
                Box::new(GtFailure {
                    path: names[0].2.clone(),
                    converter: None,
                    error,
                })
            })?;
            for gt in gts {
                gt.misaligned.sort_by_onset();
            }
        }
        for (_, _, path, _, gt) in ready.iter() {
            if let Err(c) = gt.check() {
                return Err(Box::new(GtFailure {
                    path: path.clone(),
                    converter: None,
                    error: Error::new(ErrorKind::Check, c.to_string()).with_file(path),
                }));
            }
        }
        Ok(())
    }

    fn song(&self, def: &Definition, song_index: usize) -> SongReport {
        let song = &def.songs[song_index];
        let mut ready = Vec::new();
        let mut up_to_date = Vec::new();
        let mut no_input = Vec::new();
        let n = song.ground_truth.len();
        let together = self.options.misalign.is_some()
            && song
                .groups
                .iter()
                .any(|g| def.gt_level(g, "misaligned") == 2);
        let outcome = (|| {
            for gt_index in 0..n {
                // a path listed twice is converted once, for its last listing (the reference
                // wrote it twice, the last write winning)
                let rel = &song.ground_truth[gt_index];
                if song.ground_truth[gt_index + 1..].contains(rel) {
                    continue;
                }
                match self.one_gt(def, song_index, gt_index, self.options.force) {
                    Ok(GtResult::Ready(i, t, p, r, gt)) => ready.push((i, t, p, r, gt)),
                    Ok(GtResult::UpToDate(i, r)) => up_to_date.push((i, r)),
                    Ok(GtResult::NoInput(r, tried)) => no_input.push((r, tried)),
                    Err(f) => return Outcome::Failed(*f),
                }
            }
            if together && !ready.is_empty() && !up_to_date.is_empty() {
                // the song's files share one score timeline: redo them all
                for (gt_index, _) in std::mem::take(&mut up_to_date) {
                    match self.one_gt(def, song_index, gt_index, true) {
                        Ok(GtResult::Ready(i, t, p, r, gt)) => ready.push((i, t, p, r, gt)),
                        Ok(GtResult::UpToDate(i, r)) => up_to_date.push((i, r)),
                        Ok(GtResult::NoInput(r, tried)) => no_input.push((r, tried)),
                        Err(f) => return Outcome::Failed(*f),
                    }
                }
                ready.sort_by_key(|r| r.0);
            }
            if let Err(f) = self.finish(def, song_index, &mut ready) {
                return Outcome::Failed(*f);
            }
            for (_, _, path, _, gt) in &ready {
                if let Err(e) = gt.write_path(path) {
                    return Outcome::Failed(GtFailure {
                        path: path.clone(),
                        converter: None,
                        error: e,
                    });
                }
            }
            if ready.is_empty() {
                let reason = if no_input.is_empty() {
                    "up to date".to_string()
                } else if up_to_date.is_empty() {
                    "no input file found".to_string()
                } else {
                    "up to date (some files have no input)".to_string()
                };
                return Outcome::Skipped { reason };
            }
            Outcome::Converted
        })();
        let mut files: Vec<String> = ready.iter().map(|(_, _, _, r, _)| r.clone()).collect();
        files.extend(up_to_date.iter().map(|(_, r)| r.clone()));
        let written = if matches!(outcome, Outcome::Converted) {
            ready.iter().map(|(_, _, p, _, _)| p.clone()).collect()
        } else {
            Vec::new()
        };
        let failed = matches!(outcome, Outcome::Failed(_));
        SongReport {
            dataset: def.name.clone(),
            song_index,
            title: song.title.clone(),
            outcome,
            written,
            up_to_date: if failed {
                Vec::new()
            } else {
                up_to_date.into_iter().map(|(_, r)| r).collect()
            },
            no_input,
            files: if failed { Vec::new() } else { files },
        }
    }
}

fn matches_name(list: &[String], name: &str) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Convert the ground truth of one song, `def.songs[song_index]` (what ASMD 0.5.1's
/// `conversion_tool.conversion` did for one song), on the calling thread. Errors of the
/// song are in its [`SongReport`]; `Err` only for a definition whose converters are
/// unknown or a song index out of range.
pub fn convert_song(
    def: &Definition,
    song_index: usize,
    registry: &Registry,
    options: &ConvertOptions,
) -> Result<SongReport> {
    if song_index >= def.songs.len() {
        return Err(Error::new(
            ErrorKind::Index,
            format!(
                "song {song_index} is out of range: {} has {} songs",
                def.name,
                def.songs.len()
            ),
        ));
    }
    check_definition(def, registry)?;
    let run = Run {
        registry,
        options,
        boundaries: boundaries(std::iter::once(def), options)?,
    };
    Ok(run.song(def, song_index))
}

/// The folders each dataset's conversion may write into: the install folder, or the
/// dataset's own folder (which may be a link to another disk).
fn boundaries<'a>(
    defs: impl Iterator<Item = &'a Definition>,
    options: &ConvertOptions,
) -> Result<std::collections::HashMap<&'a str, Boundary>> {
    let mut out = std::collections::HashMap::new();
    for d in defs {
        let dir = options.install_dir.join(&d.name);
        out.insert(
            d.name.as_str(),
            Boundary::new(&options.install_dir)?.or_inside(&dir)?,
        );
    }
    Ok(out)
}

/// Convert the ground truth of `definitions` (see the module documentation).
///
/// Fails as a whole only before converting anything: an unknown dataset in the
/// white/black list, an unknown converter or bad keyword arguments in a selected
/// definition, or a thread pool that cannot start. Everything else is reported per song
/// in the [`Summary`]; the archive, when asked for, is written at the end.
pub fn convert(
    definitions: &[Definition],
    registry: &Registry,
    options: &ConvertOptions,
) -> Result<Summary> {
    for n in options.whitelist.iter().chain(&options.blacklist) {
        if !definitions.iter().any(|d| d.name.eq_ignore_ascii_case(n)) {
            let known: Vec<&str> = definitions.iter().map(|d| d.name.as_str()).collect();
            return Err(Error::argument(format!(
                "unknown dataset `{n}` (known: {})",
                known.join(", ")
            )));
        }
    }
    let mut summary = Summary::default();
    let mut selected = Vec::new();
    for def in definitions {
        if !options.whitelist.is_empty() && !matches_name(&options.whitelist, &def.name) {
            continue;
        }
        if matches_name(&options.blacklist, &def.name) {
            continue;
        }
        check_definition(def, registry)?;
        let dir = options.install_dir.join(&def.name);
        if !dir.is_dir() {
            summary.datasets_skipped.push(DatasetSkip {
                dataset: def.name.clone(),
                reason: crate::marker::missing_hint(&options.install_dir, definitions, &dir)
                    .unwrap_or_else(|| format!("not installed ({} does not exist)", dir.display())),
            });
            continue;
        }
        selected.push(def);
    }
    if let Some((k, n)) = options.part {
        if n == 0 || k >= n {
            return Err(Error::argument(format!(
                "part {k} of {n}: the part must be below the number of parts (> 0)"
            )));
        }
    }
    let jobs: Vec<(&Definition, usize)> = selected
        .iter()
        .flat_map(|d| (0..d.songs.len()).map(move |i| (*d, i)))
        .enumerate()
        .filter(|(j, _)| options.part.is_none_or(|(k, n)| j % n == k))
        .map(|(_, job)| job)
        .collect();
    let bar = if options.progress {
        crate::progress::bar(jobs.len() as u64, "songs")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(crate::limits::threads(options.jobs)?)
        .build()
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot start worker threads: {e}")))?;
    let run = Run {
        registry,
        options,
        boundaries: boundaries(selected.iter().copied(), options)?,
    };
    summary.songs = pool.install(|| {
        jobs.par_iter()
            .map(|&(def, i)| {
                let r = run.song(def, i);
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    if let Some(out) = &options.archive {
        let files: Vec<String> = summary
            .songs
            .iter()
            .flat_map(|s| s.files.iter().cloned())
            .collect();
        write_archive(out, &options.install_dir, &files)?;
        summary.archive = Some(out.clone());
    }
    Ok(summary)
}
