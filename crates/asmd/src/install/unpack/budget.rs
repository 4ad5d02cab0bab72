//! How many bytes one extraction may write (the expansion policy of [`super`]): set from
//! the archive's size, its listing and the free disk space before anything is written,
//! then charged with every chunk actually written.

use std::path::{Path, PathBuf};

use super::archive_err;
use crate::error::Result;

/// An archive may expand to at most this many times its own size.
pub const EXPANSION_RATIO: u64 = 100;
/// ...or to this many bytes, whichever is larger (small archives of text compress well).
pub const SMALL_ARCHIVE_ALLOWANCE: u64 = 64 << 20;
/// Free space left untouched on the target's file system.
pub const DISK_RESERVE: u64 = 64 << 20;
/// Bytes written between two checks of the free space.
pub const SPACE_CHECK_INTERVAL: u64 = 64 << 20;

/// The most an archive of `archive_size` bytes may expand to.
///
/// ```
/// use asmd::install::unpack::{expansion_limit, SMALL_ARCHIVE_ALLOWANCE};
/// assert_eq!(expansion_limit(1 << 30), 100 << 30);
/// assert_eq!(expansion_limit(1000), SMALL_ARCHIVE_ALLOWANCE);
/// ```
pub fn expansion_limit(archive_size: u64) -> u64 {
    archive_size
        .saturating_mul(EXPANSION_RATIO)
        .max(SMALL_ARCHIVE_ALLOWANCE)
}

/// Free bytes on the file system holding `path` (or its nearest existing ancestor).
pub(crate) fn free_space(path: &Path) -> Option<u64> {
    let mut p = path.to_path_buf();
    loop {
        if p.exists() {
            return fs4::available_space(&p).ok();
        }
        if !p.pop() {
            return None;
        }
    }
}

fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
}

/// The byte budget of one extraction.
pub(crate) struct Budget {
    archive: PathBuf,
    dest: PathBuf,
    archive_size: u64,
    limit: u64,
    written: u64,
    next_space_check: u64,
}

impl Budget {
    /// Check the archive against the policy before writing: `listed` is the total size
    /// its listing declares (zip), `None` when only known while reading (tar streams);
    /// `whole` when every entry is extracted (then the bytes expected are known: the
    /// listed total, or at least the archive's own size).
    pub(crate) fn new(
        archive: &Path,
        dest: &Path,
        listed: Option<u64>,
        whole: bool,
    ) -> Result<Budget> {
        let archive_size = std::fs::metadata(archive).map(|m| m.len()).unwrap_or(0);
        let limit = expansion_limit(archive_size);
        if let Some(l) = listed {
            if l > limit {
                return Err(archive_err(
                    archive,
                    "",
                    format!(
                        "its entries would expand to {} from {} ({}x; at most {EXPANSION_RATIO}x is accepted): refusing to unpack a likely zip bomb",
                        mib(l),
                        mib(archive_size),
                        l / archive_size.max(1)
                    ),
                ));
            }
        }
        let expected = if whole {
            listed.unwrap_or(archive_size)
        } else {
            0
        };
        if let Some(free) = free_space(dest) {
            if expected.saturating_add(DISK_RESERVE) > free {
                return Err(archive_err(
                    archive,
                    "",
                    format!(
                        "unpacking needs at least {} but only {} is free on the file system of {} ({} kept in reserve)",
                        mib(expected),
                        mib(free),
                        dest.display(),
                        mib(DISK_RESERVE)
                    ),
                ));
            }
        }
        Ok(Budget {
            archive: archive.to_path_buf(),
            dest: dest.to_path_buf(),
            archive_size,
            limit,
            written: 0,
            next_space_check: SPACE_CHECK_INTERVAL,
        })
    }

    /// Charge `n` bytes about to be written for `entry`.
    pub(crate) fn charge(&mut self, entry: &str, n: u64) -> Result<()> {
        self.written = self.written.saturating_add(n);
        if self.written > self.limit {
            return Err(archive_err(
                &self.archive,
                entry,
                format!(
                    "the archive expands beyond {} ({EXPANSION_RATIO}x its size of {}): stopped unpacking a likely zip bomb",
                    mib(self.limit),
                    mib(self.archive_size)
                ),
            ));
        }
        if self.written >= self.next_space_check {
            self.next_space_check = self.written.saturating_add(SPACE_CHECK_INTERVAL);
            if let Some(free) = free_space(&self.dest) {
                if free < DISK_RESERVE {
                    return Err(archive_err(
                        &self.archive,
                        entry,
                        format!(
                            "the disk holding {} is almost full ({} free after writing {}): stopped unpacking",
                            self.dest.display(),
                            mib(free),
                            mib(self.written)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_totals_beyond_the_ratio_are_refused_before_writing() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.zip");
        std::fs::write(&a, vec![0u8; 1 << 20]).unwrap();
        assert!(Budget::new(&a, d.path(), Some(100 << 20), true).is_ok());
        let e = Budget::new(&a, d.path(), Some(101 << 20), true)
            .err()
            .unwrap();
        assert!(e.message().contains("zip bomb"), "{e}");
        // a listing within the ratio but beyond the free space (a sparse 1 TiB archive
        // listing 50 TiB)
        let big = d.path().join("big.zip");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(1 << 40)
            .unwrap();
        let e = Budget::new(&big, d.path(), Some(50 << 40), true)
            .err()
            .unwrap();
        assert!(e.message().contains("is free on the file system"), "{e}");
        // a tar stream is expected to need at least its own size
        let e = Budget::new(&big, d.path(), None, true).err().unwrap();
        assert!(e.message().contains("needs at least 1048576.0 MiB"), "{e}");
        // a selection of it: only the checks while writing apply
        assert!(Budget::new(&big, d.path(), None, false).is_ok());
    }

    #[test]
    fn written_bytes_are_counted() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.tar.gz");
        std::fs::write(&a, vec![0u8; 1000]).unwrap();
        let mut b = Budget::new(&a, d.path(), None, true).unwrap();
        b.charge("x", SMALL_ARCHIVE_ALLOWANCE).unwrap();
        let e = b.charge("y", 1).unwrap_err();
        assert!(e.to_string().contains("entry `y`"), "{e}");
    }
}
