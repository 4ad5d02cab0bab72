//! Safe archive extraction: zip, tar, tar.gz, tar.bz2 and tar.xz, in pure Rust.
//!
//! Every entry name is checked before anything is written: absolute paths, drive
//! letters and `..` components are refused, nothing is ever written through a symbolic
//! link, and links (symbolic or hard) must point inside the target; any violation stops
//! the extraction with an [`ErrorKind::Archive`] error naming the archive and the entry.
//! Internal symbolic links are created (on Unix), and after extraction each one is
//! resolved on disk once more to make sure no chain of links leads outside.
//!
//! Data flow: [`unpack`] opens the archive, picks a decoder from [`ArchiveFormat`],
//! streams each selected entry to its file, reports progress (bytes of the archive for
//! tar streams, uncompressed bytes for zip) and returns what it wrote with sizes and
//! CRC-32s (kept in the install manifest for `verify`). [`unpack_selected`] lets the
//! caller rename or skip entries (the ground-truth archive uses it to extract only the
//! chosen datasets' files).
//!
//! ```
//! use asmd::install::unpack::ArchiveFormat;
//! assert_eq!(ArchiveFormat::from_url("https://x.org/a/musicnet.tar.gz"), ArchiveFormat::TarGz);
//! assert_eq!(ArchiveFormat::from_url("https://x.org/f/PHENICX.zip?download=1"), ArchiveFormat::Zip);
//! assert_eq!(ArchiveFormat::from_url("https://mega.nz/#!id!key"), ArchiveFormat::Zip);
//! ```

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, ErrorKind, IoContext, Result};

/// Archive types the installer unpacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    /// `.zip`
    Zip,
    /// `.tar`
    Tar,
    /// `.tar.gz` / `.tgz`
    TarGz,
    /// `.tar.bz2` / `.tar.bz` / `.tbz2`
    TarBz2,
    /// `.tar.xz` / `.txz`
    TarXz,
}

impl ArchiveFormat {
    /// Parse a format name (`zip`, `tar`, `tar.gz`, `gztar`, `tgz`, `tar.bz2`, `bztar`,
    /// `tar.xz`, `xztar`...).
    pub fn parse(s: &str) -> Option<ArchiveFormat> {
        let s = s.trim().trim_start_matches('.').to_ascii_lowercase();
        Some(match s.as_str() {
            "zip" => ArchiveFormat::Zip,
            "tar" => ArchiveFormat::Tar,
            "tar.gz" | "tgz" | "gztar" | "targz" => ArchiveFormat::TarGz,
            "tar.bz2" | "tar.bz" | "tbz2" | "tbz" | "bztar" => ArchiveFormat::TarBz2,
            "tar.xz" | "txz" | "xztar" => ArchiveFormat::TarXz,
            _ => return None,
        })
    }

    /// The format named by a file name's suffixes, if any.
    pub fn from_name(name: &str) -> Option<ArchiveFormat> {
        let n = name.to_ascii_lowercase();
        let table: [(&str, ArchiveFormat); 10] = [
            (".tar.gz", ArchiveFormat::TarGz),
            (".tgz", ArchiveFormat::TarGz),
            (".tar.bz2", ArchiveFormat::TarBz2),
            (".tar.bz", ArchiveFormat::TarBz2),
            (".tbz2", ArchiveFormat::TarBz2),
            (".tar.xz", ArchiveFormat::TarXz),
            (".txz", ArchiveFormat::TarXz),
            (".tar", ArchiveFormat::Tar),
            (".zip", ArchiveFormat::Zip),
            (".tbz", ArchiveFormat::TarBz2),
        ];
        table
            .iter()
            .find(|(suffix, _)| n.ends_with(suffix))
            .map(|(_, f)| *f)
    }

    /// The format from a URL's suffixes (query and fragment ignored), zip by default
    /// (the rule of ASMD 0.5.1's installer).
    pub fn from_url(url: &str) -> ArchiveFormat {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let last = path.rsplit('/').next().unwrap_or(path);
        ArchiveFormat::from_name(last).unwrap_or(ArchiveFormat::Zip)
    }

    /// Canonical name (`zip`, `tar`, `tar.gz`, `tar.bz2`, `tar.xz`).
    pub fn name(self) -> &'static str {
        match self {
            ArchiveFormat::Zip => "zip",
            ArchiveFormat::Tar => "tar",
            ArchiveFormat::TarGz => "tar.gz",
            ArchiveFormat::TarBz2 => "tar.bz2",
            ArchiveFormat::TarXz => "tar.xz",
        }
    }
}

/// One file written by an extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Path relative to the destination, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// CRC-32 of the content.
    pub crc32: u32,
}

/// What an extraction did.
#[derive(Debug, Clone, Default)]
pub struct Unpacked {
    /// Regular files written (links and directories excluded).
    pub files: Vec<Written>,
    /// Entries skipped by the selection or because of their type (devices, fifos).
    pub skipped: u64,
}

/// Progress callback: current entry, bytes done, bytes total.
pub type UnpackProgress<'a> = &'a mut dyn FnMut(&str, u64, u64);

fn archive_err(archive: &Path, entry: &str, problem: impl Into<String>) -> Error {
    let problem = problem.into();
    let e = Error::new(ErrorKind::Archive, problem).with_file(archive);
    if entry.is_empty() {
        e
    } else {
        e.at(format!("entry `{entry}`"))
    }
}

/// Turn an archive entry name into a safe relative path: no absolute path, drive or
/// `..`; `.` and empty components dropped. `None` for the archive root itself.
pub fn safe_relative(name: &str) -> std::result::Result<Option<PathBuf>, String> {
    if name.starts_with('/') || name.starts_with('\\') {
        return Err("absolute path: refusing to write outside the target".into());
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err("drive-letter path: refusing to write outside the target".into());
    }
    let mut out = PathBuf::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err("`..` in the path: refusing to write outside the target".into()),
            p => {
                if p.contains('\0') {
                    return Err("NUL byte in the path".into());
                }
                out.push(p)
            }
        }
    }
    Ok(if out.as_os_str().is_empty() {
        None
    } else {
        Some(out)
    })
}

/// Resolve a link target written at `link` (relative to the root) lexically; `None`
/// when it leaves the root or is absolute.
fn resolve_link(link: &Path, target: &str) -> Option<PathBuf> {
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
struct Writer<'a> {
    root: &'a Path,
    archive: &'a Path,
    known_dirs: HashSet<PathBuf>,
    links: Vec<PathBuf>,
}

impl<'a> Writer<'a> {
    fn new(root: &'a Path, archive: &'a Path) -> Result<Writer<'a>> {
        std::fs::create_dir_all(root).with_path(root)?;
        Ok(Writer {
            root,
            archive,
            known_dirs: HashSet::new(),
            links: Vec::new(),
        })
    }

    /// Make sure every ancestor of `rel` is a real directory (creating missing ones).
    fn prepare_parent(&mut self, rel: &Path, entry: &str) -> Result<PathBuf> {
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
                    Err(_) => std::fs::create_dir(&abs).with_path(&abs)?,
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

    fn dir(&mut self, rel: &Path, entry: &str) -> Result<()> {
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
            Err(_) => std::fs::create_dir(&target).with_path(&target)?,
        }
        self.known_dirs.insert(rel.to_path_buf());
        Ok(())
    }

    fn file(
        &mut self,
        rel: &Path,
        entry: &str,
        mut content: impl Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(u64, u32)> {
        let target = self.prepare_parent(rel, entry)?;
        let mut out = BufWriter::with_capacity(1 << 18, File::create(&target).with_path(&target)?);
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
            out.write_all(&buf[..n]).with_path(&target)?;
            crc.update(&buf[..n]);
            size += n as u64;
            progress(n as u64);
        }
        out.flush().with_path(&target)?;
        Ok((size, crc.finalize()))
    }

    fn symlink(&mut self, rel: &Path, entry: &str, target: &str) -> Result<()> {
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

    fn hardlink(&mut self, rel: &Path, entry: &str, target: &str) -> Result<(u64, u32)> {
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
        self.file(rel, entry, content, &mut |_| {})
    }

    /// Check on disk that no link (or chain of links) resolves outside the root.
    fn check_links(&self) -> Result<()> {
        if self.links.is_empty() {
            return Ok(());
        }
        let root = std::fs::canonicalize(self.root).with_path(self.root)?;
        for l in &self.links {
            if let Ok(real) = std::fs::canonicalize(l) {
                if !real.starts_with(&root) {
                    let rel = l.strip_prefix(self.root).unwrap_or(l);
                    return Err(archive_err(
                        self.archive,
                        &rel.to_string_lossy(),
                        "symbolic link resolves outside the target",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Extract all of `archive` into `dest`.
pub fn unpack(
    archive: &Path,
    format: ArchiveFormat,
    dest: &Path,
    progress: UnpackProgress,
) -> Result<Unpacked> {
    unpack_selected(
        archive,
        format,
        dest,
        &mut |p: &Path| Some(p.to_path_buf()),
        progress,
    )
}

/// Extract the entries of `archive` that `select` maps to a destination (relative to
/// `dest`; `None` skips the entry). `select` receives the checked relative entry path.
pub fn unpack_selected(
    archive: &Path,
    format: ArchiveFormat,
    dest: &Path,
    select: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    progress: UnpackProgress,
) -> Result<Unpacked> {
    let mut w = Writer::new(dest, archive)?;
    let out = match format {
        ArchiveFormat::Zip => unzip(archive, &mut w, select, progress)?,
        _ => untar(archive, format, &mut w, select, progress)?,
    };
    w.check_links()?;
    Ok(out)
}

fn unzip(
    archive: &Path,
    w: &mut Writer,
    select: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    progress: UnpackProgress,
) -> Result<Unpacked> {
    let file = File::open(archive).with_path(archive)?;
    let mut zip = zip::ZipArchive::new(BufReader::with_capacity(1 << 16, file))
        .map_err(|e| archive_err(archive, "", format!("not a readable zip archive: {e}")))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            total += f.size();
        }
    }
    let mut done = 0u64;
    let mut out = Unpacked::default();
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .map_err(|e| archive_err(archive, &format!("#{i}"), e.to_string()))?;
        let name = f.name().to_string();
        let rel = match safe_relative(&name) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(why) => return Err(archive_err(archive, &name, why)),
        };
        let Some(rel) = select(&rel) else {
            out.skipped += 1;
            done += f.size();
            continue;
        };
        if f.is_dir() {
            w.dir(&rel, &name)?;
        } else if f.is_symlink() {
            let mut target = String::new();
            f.read_to_string(&mut target)
                .map_err(|e| archive_err(archive, &name, format!("cannot read link: {e}")))?;
            w.symlink(&rel, &name, &target)?;
        } else {
            let (size, crc) = w.file(&rel, &name, &mut f, &mut |n| {
                done += n;
                progress(&name, done, total);
            })?;
            out.files.push(Written {
                path: slash(&rel),
                size,
                crc32: crc,
            });
        }
        progress(&name, done, total);
    }
    Ok(out)
}

/// Counts bytes read from the compressed archive (tar progress).
struct Counting<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

fn untar(
    archive: &Path,
    format: ArchiveFormat,
    w: &mut Writer,
    select: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    progress: UnpackProgress,
) -> Result<Unpacked> {
    let file = File::open(archive).with_path(archive)?;
    let total = file.metadata().with_path(archive)?.len();
    let count = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let raw = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: file,
            count: count.clone(),
        },
    );
    let reader: Box<dyn Read> = match format {
        ArchiveFormat::Tar => Box::new(raw),
        ArchiveFormat::TarGz => Box::new(flate2::bufread::MultiGzDecoder::new(raw)),
        ArchiveFormat::TarBz2 => Box::new(bzip2::bufread::MultiBzDecoder::new(raw)),
        ArchiveFormat::TarXz => Box::new(lzma_rust2::XzReader::new(raw, true)),
        ArchiveFormat::Zip => unreachable_zip(archive)?,
    };
    let mut tar = tar::Archive::new(reader);
    let entries = tar.entries().map_err(|e| {
        archive_err(
            archive,
            "",
            format!("not a readable {} archive: {e}", format.name()),
        )
    })?;
    let mut out = Unpacked::default();
    for (i, entry) in entries.enumerate() {
        let mut entry = entry.map_err(|e| {
            archive_err(
                archive,
                &format!("#{i}"),
                format!("corrupt {} archive: {e}", format.name()),
            )
        })?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let rel = match safe_relative(&name) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(why) => return Err(archive_err(archive, &name, why)),
        };
        let kind = entry.header().entry_type();
        let link_target = || -> Result<String> {
            Ok(String::from_utf8_lossy(
                &entry
                    .link_name_bytes()
                    .ok_or_else(|| archive_err(archive, &name, "link without a target"))?,
            )
            .into_owned())
        };
        if kind.is_symlink() || kind.is_hard_link() {
            // check escapes even for entries the selection skips
            let target = link_target()?;
            let escapes = if kind.is_symlink() {
                resolve_link(&rel, &target).is_none()
            } else {
                !matches!(safe_relative(&target), Ok(Some(_)))
            };
            if escapes {
                let what = if kind.is_symlink() {
                    "symbolic"
                } else {
                    "hard"
                };
                return Err(archive_err(
                    archive,
                    &name,
                    format!("{what} link to `{target}` points outside the target"),
                ));
            }
        }
        let Some(rel) = select(&rel) else {
            out.skipped += 1;
            continue;
        };
        if kind.is_dir() {
            w.dir(&rel, &name)?;
        } else if kind.is_symlink() {
            let target = link_target()?;
            w.symlink(&rel, &name, &target)?;
        } else if kind.is_hard_link() {
            let target = link_target()?;
            let (size, crc) = w.hardlink(&rel, &name, &target)?;
            out.files.push(Written {
                path: slash(&rel),
                size,
                crc32: crc,
            });
        } else if kind.is_file() || kind == tar::EntryType::Continuous || kind.is_gnu_sparse() {
            let (size, crc) = w.file(&rel, &name, &mut entry, &mut |_| {
                progress(&name, count.get(), total);
            })?;
            out.files.push(Written {
                path: slash(&rel),
                size,
                crc32: crc,
            });
        } else {
            out.skipped += 1;
        }
        progress(&name, count.get(), total);
    }
    progress("", total, total);
    Ok(out)
}

fn unreachable_zip(archive: &Path) -> Result<Box<dyn Read>> {
    Err(archive_err(
        archive,
        "",
        "internal: zip archives are not tar streams",
    ))
}

/// A relative path with `/` separators.
pub fn slash(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names() {
        assert_eq!(
            ArchiveFormat::from_name("a.TAR.BZ2"),
            Some(ArchiveFormat::TarBz2)
        );
        assert_eq!(
            ArchiveFormat::from_name("a.tar.xz"),
            Some(ArchiveFormat::TarXz)
        );
        assert_eq!(ArchiveFormat::from_name("a.tar"), Some(ArchiveFormat::Tar));
        assert_eq!(ArchiveFormat::from_name("v1.1"), None);
        assert_eq!(
            ArchiveFormat::from_url("http://h/x/v1.1"),
            ArchiveFormat::Zip
        );
        assert_eq!(ArchiveFormat::parse("gztar"), Some(ArchiveFormat::TarGz));
    }

    #[test]
    fn entry_names_are_checked() {
        assert_eq!(safe_relative("a/./b/").unwrap(), Some(PathBuf::from("a/b")));
        assert_eq!(safe_relative("./").unwrap(), None);
        assert!(safe_relative("../x").is_err());
        assert!(safe_relative("a/../../x").is_err());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative("C:\\x").is_err());
        assert!(safe_relative("a\\..\\..\\x").is_err());
    }

    #[test]
    fn link_targets_are_resolved_lexically() {
        assert_eq!(
            resolve_link(Path::new("a/b/l"), "../c"),
            Some(PathBuf::from("a/c"))
        );
        assert_eq!(resolve_link(Path::new("l"), "../x"), None);
        assert_eq!(resolve_link(Path::new("a/l"), "/etc"), None);
    }
}
