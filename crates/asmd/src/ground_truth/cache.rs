//! A process-wide, size-bounded cache of parsed ground truth.
//!
//! Training loops read the same ground-truth files every epoch, and the array views
//! (score matrix, pianoroll, pedaling) of one item each need its ground truth. Parsing a
//! 20,000-note file costs milliseconds; a cache hit costs a `stat` call. Entries are
//! keyed by path and validated against the file's size and modification time, so an
//! edited file is re-read. Least-recently-used entries are evicted beyond the budget
//! (default 256 MiB of parsed data; `ASMD_GT_CACHE_MB` sets it, 0 disables the cache).
//! A miss goes to the on-disk cache ([`super::disk_cache`]), shared between processes.
//!
//! ```
//! use asmd::ground_truth::cache;
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("a-0.json.gz");
//! asmd::GroundTruth::default().write_path(&p).unwrap();
//! let a = cache::load(&p).unwrap();
//! let b = cache::load(&p).unwrap();
//! assert!(std::sync::Arc::ptr_eq(&a, &b) || cache::budget() == 0);
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use super::GroundTruth;
use crate::error::{IoContext, Result};

struct Entry {
    len: u64,
    mtime: Option<SystemTime>,
    gt: Arc<GroundTruth>,
    bytes: usize,
    last_used: u64,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<PathBuf, Entry>,
    total: usize,
}

static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
static BUDGET: OnceLock<AtomicUsize> = OnceLock::new();
static CLOCK: AtomicU64 = AtomicU64::new(0);

fn cache() -> &'static Mutex<Cache> {
    CACHE.get_or_init(|| Mutex::new(Cache::default()))
}

fn budget_cell() -> &'static AtomicUsize {
    BUDGET.get_or_init(|| {
        let mb = std::env::var("ASMD_GT_CACHE_MB")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(256);
        AtomicUsize::new(mb.saturating_mul(1 << 20))
    })
}

/// The cache budget in bytes (0 = disabled).
pub fn budget() -> usize {
    budget_cell().load(Ordering::Relaxed)
}

/// Set the cache budget in bytes; 0 disables caching and empties the cache.
pub fn set_budget(bytes: usize) {
    budget_cell().store(bytes, Ordering::Relaxed);
    let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
    evict(&mut c, bytes);
}

/// Drop every cached entry.
pub fn clear() {
    let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
    c.entries.clear();
    c.total = 0;
}

fn evict(c: &mut Cache, budget: usize) {
    while c.total > budget && !c.entries.is_empty() {
        let oldest = c
            .entries
            .iter()
            .min_by_key(|(_, e)| e.last_used)
            .map(|(k, _)| k.clone());
        if let Some(k) = oldest {
            if let Some(e) = c.entries.remove(&k) {
                c.total -= e.bytes;
            }
        }
    }
}

/// Approximate heap size of a parsed ground truth.
pub(crate) fn heap_size(gt: &GroundTruth) -> usize {
    use super::{PedalType, ScoreType};
    let mut n = std::mem::size_of::<GroundTruth>();
    for t in ScoreType::ALL {
        let g = gt.group(t);
        n += 8
            * (g.onsets.len()
                + g.offsets.len()
                + g.pitches.len()
                + g.velocities.len()
                + g.beats.len());
        n += g.notes.iter().map(|s| s.len() + 24).sum::<usize>();
    }
    for p in PedalType::ALL {
        n += 16 * gt.pedal(p).len();
    }
    n + 8 * gt.f0.len() + gt.missing.len() + gt.extra.len()
}

/// Load a ground-truth file through the cache.
pub fn load(path: &Path) -> Result<Arc<GroundTruth>> {
    let budget = budget();
    if budget == 0 {
        return super::disk_cache::load(path).map(Arc::new);
    }
    let meta = std::fs::metadata(path).with_path(path)?;
    let (len, mtime) = (meta.len(), meta.modified().ok());
    let now = CLOCK.fetch_add(1, Ordering::Relaxed);
    {
        let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = c.entries.get_mut(path) {
            if e.len == len && e.mtime == mtime && mtime.is_some() {
                e.last_used = now;
                return Ok(e.gt.clone());
            }
        }
    }
    // parse outside the lock, so threads load different files in parallel
    let gt = Arc::new(super::disk_cache::load(path)?);
    let bytes = heap_size(&gt);
    if bytes <= budget / 4 {
        let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = c.entries.insert(
            path.to_path_buf(),
            Entry {
                len,
                mtime,
                gt: gt.clone(),
                bytes,
                last_used: now,
            },
        ) {
            c.total -= old.bytes;
        }
        c.total += bytes;
        evict(&mut c, budget);
    }
    Ok(gt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloads_changed_files_and_evicts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x-0.json.gz");
        let mut gt = GroundTruth {
            f0: vec![1.0],
            ..Default::default()
        };
        gt.write_path(&p).unwrap();
        let a = load(&p).unwrap();
        assert_eq!(a.f0, vec![1.0]);
        // a rewrite with another size is seen
        gt.f0 = vec![1.0, 2.0, 3.0];
        gt.write_path(&p).unwrap();
        assert_eq!(load(&p).unwrap().f0.len(), 3);
        // missing files are errors, not cache hits
        std::fs::remove_file(&p).unwrap();
        assert!(load(&p).is_err());
    }
}
