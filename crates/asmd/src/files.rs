//! Writing files so that a failure never leaves half a file behind.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("a/b/out.txt");
//! asmd::files::write_atomically(&p, b"hello").unwrap();
//! assert_eq!(std::fs::read(&p).unwrap(), b"hello");
//! ```

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, IoContext, Result};

/// Write `bytes` to `path` through a temporary sibling file and a rename, creating the
/// parent folders; on failure nothing is left behind. Temporary names are unique per
/// process and call, so concurrent writers never share one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).with_path(parent)?;
    let name = path
        .file_name()
        .ok_or_else(|| Error::argument(format!("{}: not a file path", path.display())))?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = parent.join(format!(
        ".{}.tmp{}-{n}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let res = std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .with_path(path);
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}
