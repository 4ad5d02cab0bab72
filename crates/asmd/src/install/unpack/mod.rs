//! Safe archive extraction: zip, tar, tar.gz, tar.bz2 and tar.xz, in pure Rust.
//!
//! Every entry name is checked before anything is written: absolute paths, drive
//! letters and `..` components are refused, nothing is ever written through a symbolic
//! link, and links (symbolic or hard) must point inside the target; any violation stops
//! the extraction with an [`ErrorKind::Archive`] error naming the archive and the entry.
//! Internal symbolic links are created (on Unix), and after extraction each one is
//! resolved on disk once more ([`crate::files::resolve`]: chains and dangling links
//! included) to make sure none leads outside.
//!
//! **Expansion** is checked against what the archive says about itself and against the
//! disk ([`Budget`]), before anything is written and while writing:
//! - before: a zip's central directory lists every entry's size; a listed total above
//!   [`EXPANSION_RATIO`] times the archive's size (or [`SMALL_ARCHIVE_ALLOWANCE`],
//!   whichever is larger) is refused as a zip bomb. When the whole archive is
//!   extracted, the bytes expected (the listed total for zip, the archive's own size for
//!   tar streams, a lower bound) plus [`DISK_RESERVE`] must fit in the free space of the
//!   target's file system;
//! - while writing: the bytes actually written are counted. An entry may not produce
//!   more than the size its header declares (a zip whose headers lie stops at the first
//!   extra byte), the total may not pass the same ratio limit (tar streams, whose sizes
//!   are only known as they arrive), and every [`SPACE_CHECK_INTERVAL`] bytes the free
//!   space is checked again (other jobs write too) and must stay above the reserve.
//!
//! A failed extraction removes the files it wrote and the folders it created, so no
//! half-extracted tree is left behind.
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

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, ErrorKind, IoContext, Result};

mod budget;
mod writer;

pub(crate) use budget::free_space;
pub use budget::{
    expansion_limit, DISK_RESERVE, EXPANSION_RATIO, SMALL_ARCHIVE_ALLOWANCE, SPACE_CHECK_INTERVAL,
};
pub(crate) use writer::resolve_link;
use writer::Writer;

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

/// Longest symbolic-link target read from a zip entry.
const MAX_LINK_TARGET: u64 = 4096;

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

/// Extract all of `archive` into `dest`.
pub fn unpack(
    archive: &Path,
    format: ArchiveFormat,
    dest: &Path,
    progress: UnpackProgress,
) -> Result<Unpacked> {
    extract(
        archive,
        format,
        dest,
        &mut |p: &Path| Some(p.to_path_buf()),
        progress,
        true,
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
    extract(archive, format, dest, select, progress, false)
}

/// Extraction, of every entry (`whole`) or of a selection.
fn extract(
    archive: &Path,
    format: ArchiveFormat,
    dest: &Path,
    select: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    progress: UnpackProgress,
    whole: bool,
) -> Result<Unpacked> {
    let mut w = Writer::new(dest, archive)?;
    let out = match format {
        ArchiveFormat::Zip => unzip(archive, &mut w, select, progress, whole),
        _ => untar(archive, format, &mut w, select, progress, whole),
    };
    match out.and_then(|o| w.check_links().map(|_| o)) {
        Ok(o) => Ok(o),
        Err(e) => {
            w.undo();
            Err(e)
        }
    }
}

fn unzip(
    archive: &Path,
    w: &mut Writer,
    select: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    progress: UnpackProgress,
    whole: bool,
) -> Result<Unpacked> {
    let file = File::open(archive).with_path(archive)?;
    let mut zip = zip::ZipArchive::new(BufReader::with_capacity(1 << 16, file))
        .map_err(|e| archive_err(archive, "", format!("not a readable zip archive: {e}")))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            total = total.saturating_add(f.size());
        }
    }
    w.budget(budget::Budget::new(archive, w.root(), Some(total), whole)?);
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
            // a link target is a path: a few KiB at most, whatever the header says
            (&mut f)
                .take(MAX_LINK_TARGET)
                .read_to_string(&mut target)
                .map_err(|e| archive_err(archive, &name, format!("cannot read link: {e}")))?;
            w.symlink(&rel, &name, &target)?;
        } else {
            let declared = f.size();
            let (size, crc) = w.file(&rel, &name, &mut f, declared, &mut |n| {
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
    whole: bool,
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
    w.budget(budget::Budget::new(archive, w.root(), None, whole)?);
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
            // the tar reader yields exactly the size in the entry's header: the budget
            // bounds the total
            let (size, crc) = w.file(&rel, &name, &mut entry, u64::MAX, &mut |_| {
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
