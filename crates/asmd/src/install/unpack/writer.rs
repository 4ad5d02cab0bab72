//! Writing archive entries under a root without ever leaving it: directories are
//! created one component at a time and a symbolic link met on the way is an error, a
//! link left at a target path is replaced rather than written through, link targets are
//! resolved lexically before creation and on disk after extraction. Every byte written
//! is charged to the extraction's [`Budget`]; everything written is remembered so that
//! a failed extraction can be undone.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use super::budget::Budget;
use super::{archive_err, safe_relative};
use crate::error::{IoContext, Result};

/// Resolve a link target written at `link` (relative to the root) lexically; `None`
/// when it leaves the root or is absolute.
pub(crate) fn resolve_link(link: &Path, target: &str) -> Option<PathBuf> {
    if target.starts_with('/') || target.starts_with('\\') || target.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = link
        .parent()
        .map(|p| {
            p.components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    for part in target.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p.to_string()),
        }
    }
    Some(parts.iter().collect())
}

/// Creates directories under `root` without ever following a symbolic link.
pub(super) struct Writer<'a> {
    root: &'a Path,
    archive: &'a Path,
    known_dirs: HashSet<PathBuf>,
    links: Vec<PathBuf>,
    budget: Option<Budget>,
    /// Files and links written, and folders created, in order (for [`Writer::undo`]).
    written: Vec<PathBuf>,
    made_dirs: Vec<PathBuf>,
    made_root: bool,
}

impl<'a> Writer<'a> {
    pub(super) fn new(root: &'a Path, archive: &'a Path) -> Result<Writer<'a>> {
        let made_root = !root.exists();
        std::fs::create_dir_all(root).with_path(root)?;
        Ok(Writer {
            root,
            archive,
            known_dirs: HashSet::new(),
            links: Vec::new(),
            budget: None,
            written: Vec::new(),
            made_dirs: Vec::new(),
            made_root,
        })
    }

    /// The destination folder.
    pub(super) fn root(&self) -> &Path {
        self.root
    }

    /// Charge every byte written from now on to `b`.
    pub(super) fn budget(&mut self, b: Budget) {
        self.budget = Some(b);
    }

    /// Remove what this extraction wrote: files and links, then the folders it created
    /// (deepest first, only when empty). Best effort: called on the way out of a failure.
    pub(super) fn undo(&mut self) {
        for p in self.written.drain(..).rev() {
            let _ = std::fs::remove_file(&p);
        }
        for d in self.made_dirs.drain(..).rev() {
            let _ = std::fs::remove_dir(&d);
        }
        if self.made_root {
            let _ = std::fs::remove_dir(self.root);
        }
    }

    /// Make sure every ancestor of `rel` is a real directory (creating missing ones).
    pub(super) fn prepare_parent(&mut self, rel: &Path, entry: &str) -> Result<PathBuf> {
        let mut cur = PathBuf::new();
        if let Some(parent) = rel.parent() {
            for c in parent.components() {
                cur.push(c);
                if self.known_dirs.contains(&cur) {
                    continue;
                }
                let abs = self.root.join(&cur);
                match std::fs::symlink_metadata(&abs) {
                    Ok(m) if m.file_type().is_symlink() => {
                        return Err(archive_err(
                            self.archive,
                            entry,
                            format!("would write through the symbolic link `{}`", cur.display()),
                        ))
                    }
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        return Err(archive_err(
                            self.archive,
                            entry,
                            format!("`{}` is a file, expected a directory", cur.display()),
                        ))
                    }
                    Err(_) => {
                        std::fs::create_dir(&abs).with_path(&abs)?;
                        self.made_dirs.push(abs);
                    }
                }
                self.known_dirs.insert(cur.clone());
            }
        }
        let target = self.root.join(rel);
        // never write through a link left at the target itself
        if let Ok(m) = std::fs::symlink_metadata(&target) {
            if m.file_type().is_symlink() {
                std::fs::remove_file(&target).with_path(&target)?;
            }
        }
        Ok(target)
    }

    pub(super) fn dir(&mut self, rel: &Path, entry: &str) -> Result<()> {
        let target = self.prepare_parent(rel, entry)?;
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(archive_err(
                    self.archive,
                    entry,
                    "a file of the same name exists, expected a directory",
                ))
            }
            Err(_) => {
                std::fs::create_dir(&target).with_path(&target)?;
                self.made_dirs.push(target);
            }
        }
        self.known_dirs.insert(rel.to_path_buf());
        Ok(())
    }

    pub(super) fn file(
        &mut self,
        rel: &Path,
        entry: &str,
        mut content: impl Read,
        declared: u64,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(u64, u32)> {
        let target = self.prepare_parent(rel, entry)?;
        let file = File::create(&target).with_path(&target)?;
        self.written.push(target.clone());
        let mut out = BufWriter::with_capacity(1 << 18, file);
        let mut crc = crc32fast::Hasher::new();
        let mut buf = vec![0u8; 1 << 17];
        let mut size = 0u64;
        loop {
            let n = match content.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(archive_err(
                        self.archive,
                        entry,
                        format!("cannot read: {e}"),
                    ))
                }
            };
            if size + n as u64 > declared {
                return Err(archive_err(
                    self.archive,
                    entry,
                    format!(
                        "the entry expands beyond the {declared} bytes its header declares: stopped unpacking (a zip bomb?)"
                    ),
                ));
            }
            if let Some(b) = &mut self.budget {
                b.charge(entry, n as u64)?;
            }
            out.write_all(&buf[..n]).with_path(&target)?;
            crc.update(&buf[..n]);
            size += n as u64;
            progress(n as u64);
        }
        out.flush().with_path(&target)?;
        Ok((size, crc.finalize()))
    }

    pub(super) fn symlink(&mut self, rel: &Path, entry: &str, target: &str) -> Result<()> {
        if resolve_link(rel, target).is_none() {
            return Err(archive_err(
                self.archive,
                entry,
                format!("symbolic link to `{target}` points outside the target"),
            ));
        }
        let path = self.prepare_parent(rel, entry)?;
        if path.exists() {
            if path.is_dir() {
                std::fs::remove_dir_all(&path).with_path(&path)?;
            } else {
                std::fs::remove_file(&path).with_path(&path)?;
            }
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(target, &path).with_path(&path)?;
            self.written.push(path.clone());
            self.links.push(path);
            Ok(())
        }
        #[cfg(not(unix))]
        {
            Err(archive_err(
                self.archive,
                entry,
                "symbolic links are not supported on this platform",
            ))
        }
    }

    pub(super) fn hardlink(&mut self, rel: &Path, entry: &str, target: &str) -> Result<(u64, u32)> {
        let t = match safe_relative(target) {
            Ok(Some(t)) => t,
            _ => {
                return Err(archive_err(
                    self.archive,
                    entry,
                    format!("hard link to `{target}` points outside the target"),
                ))
            }
        };
        let src = self.root.join(&t);
        // the source must be a regular file reached without links
        self.prepare_parent(&t, entry)?;
        match std::fs::symlink_metadata(&src) {
            Ok(m) if m.is_file() => {}
            _ => {
                return Err(archive_err(
                    self.archive,
                    entry,
                    format!("hard link to `{target}`, which is not a file extracted before it"),
                ))
            }
        }
        let content = File::open(&src).with_path(&src)?;
        self.file(rel, entry, content, u64::MAX, &mut |_| {})
    }

    /// Check on disk that no link (or chain of links, dangling or not) resolves
    /// outside the root.
    pub(super) fn check_links(&self) -> Result<()> {
        if self.links.is_empty() {
            return Ok(());
        }
        let root = crate::files::Boundary::new(self.root)?;
        for l in &self.links {
            let real = crate::files::resolve(l)?;
            if !root.holds(&real) {
                let rel = l.strip_prefix(self.root).unwrap_or(l);
                return Err(archive_err(
                    self.archive,
                    &rel.to_string_lossy(),
                    format!(
                        "symbolic link resolves outside the target (to {})",
                        real.display()
                    ),
                ));
            }
        }
        Ok(())
    }
}
