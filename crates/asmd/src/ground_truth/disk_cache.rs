//! An on-disk cache of parsed ground truth, shared by every process of the user.
//!
//! Inflating and parsing a 20,000-note `.json.gz` costs a few milliseconds; reading its
//! parsed columns back from the binary form ([`GroundTruth::to_binary`]) costs a thirtieth
//! of that. The first load of a file parses the JSON and stores the binary form; every
//! later load of the same bytes (in this process, another DataLoader worker or next
//! week's run) reads the binary form instead. The `.json.gz` file stays the only source
//! of truth: entries are keyed by a 64-bit hash (xxh3) of the file's bytes, its length
//! and the engine version, so an edited, replaced or restored file is parsed again, and
//! a copy of a dataset elsewhere shares the entries. A damaged entry is removed and the
//! file parsed again; a cache that cannot be written is skipped. Nothing is ever
//! written next to the datasets. Files written by [`GroundTruth::write_path`] have their
//! entry stored at once ([`remember`]), and installed ground-truth archives are parsed
//! ahead of use ([`prepare`]).
//!
//! Location: `$ASMD_CACHE_DIR/gt-v1`, else `$XDG_CACHE_HOME/asmd/gt-v1`, else
//! `~/.cache/asmd/gt-v1` (on Windows `%LOCALAPPDATA%\asmd\cache\gt-v1`).
//! `ASMD_GT_DISK_CACHE=0` turns it off; `ASMD_GT_DISK_CACHE_MB` bounds its size (default
//! 4096 MiB; the least recently used entries are removed beyond it). Only files named
//! like entries are ever counted or removed, so a folder shared with other files is
//! safe.
//! `asmd cache info` and `asmd cache clear` show and empty it.
//!
//! ```
//! use asmd::ground_truth::disk_cache;
//! let dir = tempfile::tempdir().unwrap();
//! disk_cache::set_dir(Some(dir.path().join("cache")));
//! let p = dir.path().join("a-0.json.gz");
//! let mut gt = asmd::GroundTruth::default();
//! gt.f0 = vec![60.0, 61.0];
//! gt.write_path(&p).unwrap();
//! assert_eq!(disk_cache::load(&p).unwrap(), gt); // parsed, then stored
//! assert_eq!(disk_cache::info().unwrap().files, 1);
//! assert_eq!(disk_cache::load(&p).unwrap(), gt); // read back from the cache
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use super::GroundTruth;
use crate::error::{Error, IoContext, Result};

/// Bumped when the binary form or the JSON reader's results change.
const FORMAT: &str = "gt-v1";
const DEFAULT_BUDGET_MB: u64 = 4096;

struct State {
    dir: Option<PathBuf>,
    budget: u64,
    /// Bytes in the cache folder, counted on the first write of this process.
    total: Option<u64>,
}

static STATE: OnceLock<Mutex<State>> = OnceLock::new();
/// Writes that failed in a row; at [`MAX_FAILED_WRITES`] this process stops trying (a
/// read-only or full disk), a success starts the count again (a passing failure, such
/// as another process clearing the folder mid-write).
static FAILED_WRITES: AtomicU32 = AtomicU32::new(0);
const MAX_FAILED_WRITES: u32 = 8;

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE
        .get_or_init(|| {
            Mutex::new(State {
                dir: dir_from_env(),
                budget: std::env::var("ASMD_GT_DISK_CACHE_MB")
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(DEFAULT_BUDGET_MB)
                    .saturating_mul(1 << 20),
                total: None,
            })
        })
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

fn dir_from_env() -> Option<PathBuf> {
    // the engine's own unit tests run without it (it is tested on its own, in a process
    // of its own: tests/disk_cache.rs)
    if cfg!(test) {
        return None;
    }
    let off = std::env::var("ASMD_GT_DISK_CACHE")
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "0" | "off" | "false" | "no"
            )
        })
        .unwrap_or(false);
    if off {
        return None;
    }
    let nonempty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let root = nonempty("ASMD_CACHE_DIR")
        .or_else(|| nonempty("XDG_CACHE_HOME").map(|p| p.join("asmd")))
        .or_else(|| nonempty("HOME").map(|p| p.join(".cache").join("asmd")))
        .or_else(|| nonempty("LOCALAPPDATA").map(|p| p.join("asmd").join("cache")))?;
    Some(root.join(FORMAT))
}

/// The cache folder, or `None` when the cache is off.
pub fn dir() -> Option<PathBuf> {
    state().dir.clone()
}

/// Use another cache folder (the entries go straight into it); `None` turns the cache
/// off for this process.
pub fn set_dir(dir: Option<PathBuf>) {
    let mut s = state();
    s.dir = dir;
    s.total = None;
    FAILED_WRITES.store(0, Ordering::Relaxed);
}

/// Bound the cache's size in bytes; the oldest entries go first.
pub fn set_budget(bytes: u64) {
    state().budget = bytes;
}

/// What the cache holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskCacheInfo {
    /// The folder (`None`: the cache is off).
    pub dir: Option<PathBuf>,
    /// Number of entries.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The size bound in bytes.
    pub budget: u64,
}

/// Count the entries.
pub fn info() -> Result<DiskCacheInfo> {
    let (dir, budget) = {
        let s = state();
        (s.dir.clone(), s.budget)
    };
    let entries = match &dir {
        Some(d) => entries(d)?,
        None => Vec::new(),
    };
    Ok(DiskCacheInfo {
        dir,
        files: entries.len(),
        bytes: entries.iter().map(|e| e.1).sum(),
        budget,
    })
}

/// Remove every entry (and the temporary files of interrupted writes); returns how
/// many entries were removed.
pub fn clear() -> Result<usize> {
    let mut s = state();
    let Some(d) = s.dir.clone() else {
        return Ok(0);
    };
    let list = entries(&d)?;
    for (p, _, _) in &list {
        match std::fs::remove_file(p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(p, e)),
            _ => {}
        }
    }
    if let Ok(rd) = std::fs::read_dir(&d) {
        for e in rd.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let is_tmp = name
                .strip_prefix('.')
                .and_then(|n| n.split_once(".tmp"))
                .is_some_and(|(entry, _)| is_entry_name(entry));
            if is_tmp {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    s.total = Some(0);
    Ok(list.len())
}

/// The entries of a cache folder: path, size, modification time. A missing folder is
/// an empty cache.
fn entries(dir: &Path) -> Result<Vec<(PathBuf, u64, std::time::SystemTime)>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut out = Vec::new();
    for e in rd {
        let e = e.with_path(dir)?;
        let p = e.path();
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_entry_name)
        {
            if let Ok(m) = e.metadata() {
                let t = m.modified().unwrap_or(std::time::UNIX_EPOCH);
                out.push((p, m.len(), t));
            }
        }
    }
    Ok(out)
}

/// Whether a file name is an entry's (`<16 hex digits>-<hex length>.bin`): anything
/// else in the folder is never counted, evicted or removed.
fn is_entry_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".bin") else {
        return false;
    };
    let Some((hash, len)) = stem.split_once('-') else {
        return false;
    };
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_hexdigit());
    hash.len() == 16 && hex(hash) && hex(len)
}

/// The source of what decides an entry's content: the reader, the number conversion,
/// the binary form and the types. Any change to them (even between two builds of one
/// version) gives every entry a new name, so an entry is only ever read by the code
/// that would have parsed it the same way.
const PARSER_SOURCES: [&[u8]; 4] = [
    include_bytes!("read.rs"),
    include_bytes!("decimal.rs"),
    include_bytes!("binary.rs"),
    include_bytes!("mod.rs"),
];

fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let mut all = format!("asmd {} {FORMAT}", env!("CARGO_PKG_VERSION")).into_bytes();
        for src in PARSER_SOURCES {
            all.extend_from_slice(src);
        }
        twox_hash::XxHash3_64::oneshot(&all)
    })
}

/// The entry name of a file's bytes.
fn key(raw: &[u8]) -> String {
    let h = twox_hash::XxHash3_64::oneshot_with_seed(seed(), raw);
    format!("{h:016x}-{:x}.bin", raw.len())
}

/// Load a ground-truth file through the on-disk cache (see the module docs); with the
/// cache off this is [`GroundTruth::from_path`].
pub fn load(path: &Path) -> Result<GroundTruth> {
    let Some(dir) = dir() else {
        return GroundTruth::from_path(path);
    };
    let raw = super::read::read_file(path)?;
    let entry = dir.join(key(&raw));
    if let Some(gt) = read_entry(&entry) {
        return Ok(gt);
    }
    let gt = GroundTruth::from_raw(&raw, path)?;
    store(&dir, &entry, &gt);
    Ok(gt)
}

/// An entry's ground truth, or `None` (absent, unreadable or damaged: a damaged entry
/// is removed). A hit older than a day has its modification time renewed, so that the
/// size bound removes the entries least recently used.
fn read_entry(entry: &Path) -> Option<GroundTruth> {
    use std::io::Read;
    let mut f = std::fs::File::open(entry).ok()?;
    let meta = f.metadata().ok()?;
    let mut bin = crate::scratch::Scratch::new();
    bin.reserve(meta.len() as usize);
    f.read_to_end(&mut bin).ok()?;
    match GroundTruth::from_binary(&bin, entry) {
        Ok(gt) => {
            let now = std::time::SystemTime::now();
            let stale = meta
                .modified()
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age.as_secs() > 24 * 3600);
            if stale {
                let _ = f.set_modified(now);
            }
            Some(gt)
        }
        Err(_) => {
            // written atomically by us, so damaged by something else: parse again
            drop(f);
            let _ = std::fs::remove_file(entry);
            None
        }
    }
}

/// Store the entry of a ground-truth file that was just written: `raw` are the file's
/// bytes and `json` the JSON text inside them (the same as `raw` when not compressed).
/// The entry holds what parsing that text gives, so later loads return exactly what a
/// parse would. Nothing happens when the cache is off or the entry exists.
pub fn remember(raw: &[u8], json: &[u8]) {
    let Some(dir) = dir() else {
        return;
    };
    let entry = dir.join(key(raw));
    if entry.exists() {
        return;
    }
    if let Ok(gt) = GroundTruth::from_json_slice(json, &entry) {
        store(&dir, &entry, &gt);
    }
}

/// Parse ground-truth files into the cache ahead of their first use (in parallel);
/// returns the files that could not be read, with their errors. Files already cached
/// cost a read and a hash each (their entries are not read: [`load`] checks them).
/// With the cache off nothing is done.
///
/// ```
/// use asmd::ground_truth::disk_cache;
/// let dir = tempfile::tempdir().unwrap();
/// disk_cache::set_dir(Some(dir.path().join("cache")));
/// let good = dir.path().join("a-0.json.gz");
/// asmd::GroundTruth::default().write_path(&good).unwrap();
/// let bad = dir.path().join("b-0.json.gz");
/// std::fs::write(&bad, b"{oops").unwrap();
/// let failed = disk_cache::prepare(&[good, bad.clone()]);
/// assert_eq!(failed.len(), 1);
/// assert_eq!(failed[0].0, bad);
/// ```
pub fn prepare(paths: &[PathBuf]) -> Vec<(PathBuf, Error)> {
    use rayon::prelude::*;
    let Some(dir) = dir() else {
        return Vec::new();
    };
    let one = |p: &PathBuf| {
        let parse = || -> Result<()> {
            let raw = super::read::read_file(p)?;
            let entry = dir.join(key(&raw));
            if !entry.exists() {
                store(&dir, &entry, &GroundTruth::from_raw(&raw, p)?);
            }
            Ok(())
        };
        parse().err().map(|e| (p.clone(), e))
    };
    if crate::parallel::enabled() {
        paths.par_iter().filter_map(one).collect()
    } else {
        paths.iter().filter_map(one).collect()
    }
}

/// Write an entry; a failure only costs the entry (and, repeated, writing for this
/// process).
fn store(dir: &Path, entry: &Path, gt: &GroundTruth) {
    if FAILED_WRITES.load(Ordering::Relaxed) >= MAX_FAILED_WRITES {
        return;
    }
    let bin = gt.to_binary();
    if crate::files::write_atomically(entry, &bin).is_err() {
        FAILED_WRITES.fetch_add(1, Ordering::Relaxed);
        return;
    }
    FAILED_WRITES.store(0, Ordering::Relaxed);
    let mut s = state();
    if s.dir.as_deref() != Some(dir) {
        return;
    }
    let total = match s.total {
        Some(t) => t + bin.len() as u64,
        None => entries(dir)
            .map(|v| v.iter().map(|e| e.1).sum())
            .unwrap_or(bin.len() as u64),
    };
    s.total = Some(total);
    if total > s.budget {
        let keep = s.budget / 10 * 9;
        s.total = Some(evict(dir, entry, keep));
    }
}

/// Remove the oldest entries (never `keep_entry`) until at most `keep` bytes remain;
/// returns the bytes left.
fn evict(dir: &Path, keep_entry: &Path, keep: u64) -> u64 {
    let Ok(mut list) = entries(dir) else {
        return 0;
    };
    list.sort_by_key(|e| e.2);
    let mut total: u64 = list.iter().map(|e| e.1).sum();
    for (p, len, _) in &list {
        if total <= keep {
            break;
        }
        if p != keep_entry && std::fs::remove_file(p).is_ok() {
            total -= len;
        }
    }
    total
}
