//! Writing files safely: never half a file ([`write_atomically`]), and never outside the
//! folder the data belongs to ([`Boundary`]).
//!
//! **Containment** is one rule for every path asmd writes or removes on behalf of data
//! it did not write itself (definitions, archives, ground-truth paths): the path is
//! resolved the way the operating system will resolve it ([`resolve`]: symbolic links
//! followed, chains and dangling links included, `..` applied after the link it follows)
//! and must stay inside the boundary's folder (itself resolved once, so a dataset folder
//! that is a link to another disk is fine). Two questions are asked:
//! - [`Boundary::check_open`]: the path is opened, read or written, or folders are made
//!   along it: everything is resolved, a link at the path itself included;
//! - [`Boundary::check_entry`]: the directory entry itself is created, replaced, renamed
//!   or removed (a link there is removed, not followed): its parent is resolved, and
//!   the boundary's folder itself is never such an entry.
//!
//! [`escaping_links`] finds the links under a folder that resolve outside it (the
//! installer runs it after every step, `verify` reports them).
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("a/b/out.txt");
//! asmd::files::write_atomically(&p, b"hello").unwrap();
//! assert_eq!(std::fs::read(&p).unwrap(), b"hello");
//!
//! let inside = asmd::files::Boundary::new(&dir.path().join("a")).unwrap();
//! assert!(inside.check_open(&p).is_ok());
//! assert!(inside.check_open(&dir.path().join("a/../x")).is_err());
//! ```

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, ErrorKind, IoContext, Result};

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

/// Links followed while resolving one path before giving up (Linux's own limit).
const MAX_LINKS: u32 = 40;

/// Where `path` leads on disk: relative paths are taken from the current directory,
/// symbolic links are followed (chains, and links whose target does not exist, too),
/// `..` goes up from where the link before it led, and components that do not exist
/// yet are appended as written. No component needs to exist.
///
/// ```
/// let d = tempfile::tempdir().unwrap();
/// let real = std::fs::canonicalize(d.path()).unwrap();
/// std::fs::create_dir(real.join("a")).unwrap();
/// #[cfg(unix)]
/// {
///     std::os::unix::fs::symlink("a", real.join("l")).unwrap();
///     let r = asmd::files::resolve(&real.join("l/new/../x")).unwrap();
///     assert_eq!(r, real.join("a/x"));
/// }
/// ```
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).with_path(path)?;
    let mut out = PathBuf::new();
    let mut budget = MAX_LINKS;
    follow(&mut out, &abs, &mut budget, path)?;
    Ok(out)
}

/// Append `p` to the resolved path `out`; returns whether `out` exists afterwards.
fn follow(out: &mut PathBuf, p: &Path, budget: &mut u32, asked: &Path) -> Result<bool> {
    let mut exists = true;
    for c in p.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => {
                out.push(c.as_os_str());
                exists = true;
            }
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => {
                out.push(name);
                if !exists {
                    continue;
                }
                match std::fs::symlink_metadata(&*out) {
                    Ok(m) if m.file_type().is_symlink() => {
                        if *budget == 0 {
                            return Err(Error::new(
                                ErrorKind::Io,
                                "too many levels of symbolic links",
                            )
                            .with_file(asked));
                        }
                        *budget -= 1;
                        let target = std::fs::read_link(&*out).with_path(&*out)?;
                        out.pop();
                        exists = follow(out, &target, budget, asked)?;
                    }
                    Ok(_) => {}
                    Err(_) => exists = false,
                }
            }
        }
    }
    Ok(exists)
}

/// A folder that writes and removals must stay inside (see the module documentation).
#[derive(Debug, Clone)]
pub struct Boundary {
    /// The folder as given (for messages).
    shown: PathBuf,
    /// Resolved folders a path may lead into.
    roots: Vec<PathBuf>,
}

impl Boundary {
    /// The boundary of `folder` (which need not exist yet).
    pub fn new(folder: &Path) -> Result<Boundary> {
        Ok(Boundary {
            shown: folder.to_path_buf(),
            roots: vec![resolve(folder)?],
        })
    }

    /// Also accept paths that lead into `folder` (e.g. a dataset folder that is a link to
    /// another disk, next to the install folder holding it).
    pub fn or_inside(mut self, folder: &Path) -> Result<Boundary> {
        self.roots.push(resolve(folder)?);
        Ok(self)
    }

    /// The folder as given.
    pub fn folder(&self) -> &Path {
        &self.shown
    }

    /// True when the resolved path `resolved` is inside (or is) one of the folders.
    pub fn holds(&self, resolved: &Path) -> bool {
        self.roots.iter().any(|r| resolved.starts_with(r))
    }

    fn outside(&self, path: &Path, resolved: &Path, what: &str) -> Error {
        let to = if resolved == path {
            String::new()
        } else {
            format!(" (it leads to {})", resolved.display())
        };
        Error::new(
            ErrorKind::Argument,
            format!(
                "refusing to {what} a path outside {}{to}",
                self.shown.display()
            ),
        )
        .with_file(path)
    }

    /// Check a path that is opened, read or written, or that folders are created along:
    /// it must lead inside the boundary, every link (one at the path itself included)
    /// followed. Returns where it leads.
    pub fn check_open(&self, path: &Path) -> Result<PathBuf> {
        let r = resolve(path)?;
        if self.holds(&r) {
            Ok(r)
        } else {
            Err(self.outside(path, &r, "use"))
        }
    }

    /// Check a directory entry that is created, replaced, renamed or removed (a link at
    /// `path` is acted on itself, not followed): its folder must lead inside the
    /// boundary, and it must not be the boundary's folder itself. Returns where it is.
    pub fn check_entry(&self, path: &Path) -> Result<PathBuf> {
        let name: Option<OsString> = match path.components().next_back() {
            Some(Component::Normal(n)) => Some(n.to_os_string()),
            _ => None,
        };
        let (Some(name), Some(parent)) = (name, path.parent()) else {
            return Err(self.outside(path, path, "change"));
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let r = resolve(parent)?.join(name);
        if self.roots.contains(&r) {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "refusing to move, replace or remove {} itself",
                    self.shown.display()
                ),
            )
            .with_file(path));
        }
        if self.holds(&r) {
            Ok(r)
        } else {
            Err(self.outside(path, &r, "change"))
        }
    }
}

/// Symbolic links under `folder` (not followed while walking), as (path relative to
/// `folder` with `/` separators, the link's target as written), sorted.
pub fn links_under(folder: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![(folder.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for e in std::fs::read_dir(&d).with_path(&d)? {
            let e = e.with_path(&d)?;
            let ft = e.file_type().with_path(e.path())?;
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if ft.is_dir() {
                stack.push((e.path(), rel));
            } else if ft.is_symlink() {
                let p = e.path();
                out.push((rel, std::fs::read_link(&p).with_path(&p)?));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Symbolic links under `folder` that resolve outside it (chains and dangling links
/// included), as (path relative to `folder`, where it leads), sorted.
pub fn escaping_links(folder: &Path) -> Result<Vec<(String, PathBuf)>> {
    let links = links_under(folder)?;
    if links.is_empty() {
        return Ok(links);
    }
    let b = Boundary::new(folder)?;
    let mut out = Vec::new();
    for (rel, _) in links {
        let r = resolve(&folder.join(&rel))?;
        if !b.holds(&r) {
            out.push((rel, r));
        }
    }
    Ok(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn real_tmp() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let r = std::fs::canonicalize(d.path()).unwrap();
        (d, r)
    }

    #[test]
    fn resolve_follows_chains_dangling_links_and_parents() {
        let (_d, root) = real_tmp();
        std::fs::create_dir_all(root.join("in/deep")).unwrap();
        symlink("deep", root.join("in/l1")).unwrap();
        symlink("l1/..", root.join("in/l2")).unwrap();
        symlink("../../nowhere/x", root.join("in/dangling")).unwrap();
        symlink(root.join("in"), root.join("abs")).unwrap();
        assert_eq!(
            resolve(&root.join("in/l1/f")).unwrap(),
            root.join("in/deep/f")
        );
        assert_eq!(resolve(&root.join("in/l2")).unwrap(), root.join("in"));
        assert_eq!(
            resolve(&root.join("in/dangling")).unwrap(),
            root.parent().unwrap().join("nowhere/x")
        );
        assert_eq!(resolve(&root.join("abs/l1")).unwrap(), root.join("in/deep"));
        symlink("loop2", root.join("loop1")).unwrap();
        symlink("loop1", root.join("loop2")).unwrap();
        assert!(resolve(&root.join("loop1/x")).is_err());
    }

    #[test]
    fn boundary_checks_open_and_entry() {
        let (_d, root) = real_tmp();
        let ds = root.join("ds");
        std::fs::create_dir_all(ds.join("sub")).unwrap();
        symlink("../..", ds.join("sub/up")).unwrap();
        symlink("../sub", ds.join("sub/ok")).unwrap();
        let b = Boundary::new(&ds).unwrap();
        assert!(b.check_open(&ds.join("sub/new/file")).is_ok());
        assert!(b.check_open(&ds.join("sub/ok/file")).is_ok());
        let e = b.check_open(&ds.join("sub/up/file")).unwrap_err();
        assert!(e.to_string().contains("outside"), "{e}");
        // the link itself may be removed, not what it leads to
        assert!(b.check_entry(&ds.join("sub/up")).is_ok());
        assert!(b.check_entry(&ds.join("sub/up/victim")).is_err());
        assert!(b.check_entry(&ds).is_err());
        assert!(b.check_entry(&ds.join("..")).is_err());
        assert_eq!(
            escaping_links(&ds).unwrap(),
            vec![("sub/up".to_string(), root.clone())]
        );
    }

    #[test]
    fn a_linked_folder_is_its_own_boundary() {
        let (_d, root) = real_tmp();
        std::fs::create_dir_all(root.join("disk2/ds")).unwrap();
        std::fs::create_dir_all(root.join("install")).unwrap();
        symlink(root.join("disk2/ds"), root.join("install/ds")).unwrap();
        let only_install = Boundary::new(&root.join("install")).unwrap();
        assert!(only_install
            .check_open(&root.join("install/ds/x.json.gz"))
            .is_err());
        let both = only_install.or_inside(&root.join("install/ds")).unwrap();
        assert!(both.check_open(&root.join("install/ds/x.json.gz")).is_ok());
    }
}
