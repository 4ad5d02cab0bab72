//! Install markers: the completion marker every installed dataset folder holds
//! (`.asmd-install.json`, written last by the installer) and what a missing file means
//! given the markers — the one place that turns "no such file" into the command that
//! fixes it. Not behind the `install` feature: every front explains missing files,
//! with or without the installer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::definition::Definition;
use crate::error::{Error, ErrorKind, Result};

/// File name of the completion marker inside a dataset folder.
pub const MARKER: &str = ".asmd-install.json";
/// File name of the ground-truth marker inside a dataset folder.
pub const GT_MARKER: &str = ".asmd-gt.json";

/// `p` made absolute against the current directory (unchanged if that fails).
pub(crate) fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Where one archive of an install came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Official URL.
    pub url: String,
    /// File name.
    pub name: String,
    /// Where it was actually fetched from.
    #[serde(default)]
    pub origin: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// SHA-256 (empty when not computed: the file was checked by MD5, or not hashed
    /// by this run).
    #[serde(default)]
    pub sha256: String,
    /// MD5 (empty when not computed).
    #[serde(default)]
    pub md5: String,
}

/// The completion marker of a dataset (`.asmd-installed.json`, serde-derived; fields
/// other than `name` may be absent in markers of older versions).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Marker {
    /// Dataset name.
    pub name: String,
    /// asmd version that wrote it.
    #[serde(rename = "asmd_version", default)]
    pub version: String,
    /// Seconds since the Unix epoch.
    #[serde(default)]
    pub installed_at: u64,
    /// True when an existing complete folder was recorded instead of installed.
    #[serde(default)]
    pub adopted: bool,
    /// Archives used.
    #[serde(default)]
    pub sources: Vec<SourceRecord>,
    /// Installed files (relative to the dataset folder): size and CRC-32 (`None` when
    /// not computed), written as `{"size": n, "crc32": "8 hex digits"}`.
    #[serde(default, with = "file_records")]
    pub files: BTreeMap<String, (u64, Option<u32>)>,
}

/// The on-disk form of [`Marker::files`].
mod file_records {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Relative path -> (size, CRC-32).
    type Files = BTreeMap<String, (u64, Option<u32>)>;

    #[derive(Serialize, Deserialize)]
    struct Record {
        size: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        crc32: Option<String>,
    }

    pub fn serialize<S: Serializer>(files: &Files, s: S) -> Result<S::Ok, S::Error> {
        files
            .iter()
            .map(|(k, (size, crc))| {
                let record = Record {
                    size: *size,
                    crc32: crc.map(|c| format!("{c:08x}")),
                };
                (k, record)
            })
            .collect::<BTreeMap<_, _>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Files, D::Error> {
        let raw = BTreeMap::<String, Record>::deserialize(d)?;
        raw.into_iter()
            .map(|(k, r)| {
                let crc = match r.crc32 {
                    None => None,
                    Some(c) => Some(u32::from_str_radix(&c, 16).map_err(|_| {
                        serde::de::Error::custom(format!(
                            "crc32 of `{k}` must be 8 hex digits, got `{c}`"
                        ))
                    })?),
                };
                Ok((k, (r.size, crc)))
            })
            .collect()
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Marker {
    /// A new marker stamped now.
    pub fn new(name: &str) -> Marker {
        Marker {
            name: name.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            installed_at: now(),
            ..Marker::default()
        }
    }

    /// JSON form.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Parse the JSON text of a marker (`file` names it in errors, with the JSON path
    /// of the problem).
    pub fn parse(text: &str, file: &Path) -> Result<Marker> {
        crate::error::from_json_located(text, file)
    }
}

/// Write a dataset's completion marker (last step of an install).
pub fn write_marker(dataset_dir: &Path, m: &Marker) -> Result<()> {
    let path = dataset_dir.join(MARKER);
    let text = serde_json::to_string_pretty(m)
        .map_err(|e| Error::new(ErrorKind::Internal, e.to_string()).with_file(&path))?;
    crate::files::write_atomically(&path, text.as_bytes())
}

/// The marker of a dataset folder, if it has a readable one.
pub fn read_marker(dataset_dir: &Path) -> Option<Marker> {
    let p = dataset_dir.join(MARKER);
    let text = std::fs::read_to_string(&p).ok()?;
    Marker::parse(&text, &p).ok()
}

/// What a new user should run when a file under `install_dir` is missing, worked out
/// from the install state of the dataset folder that holds it (its first path component
/// under `install_dir`, named like the dataset):
///
/// - nothing there: `"Bach10 is not installed: run asmd install Bach10"`;
/// - a folder without the completion marker (an interrupted install, or one made by
///   another tool): `"Bach10 is only partly installed: run asmd install Bach10 to finish
///   it, or asmd verify --dataset Bach10 to see what is missing"`;
/// - an installed dataset (marker present) that lost the file: `"Bach10 is installed but
///   this file is missing: run asmd verify --dataset Bach10"`;
/// - `file` is the install directory itself and it does not exist: `"no dataset is
///   installed in DIR: run asmd install --dry-run to see the official datasets, then
///   asmd install NAME"`.
///
/// `None` when `file` is not under `install_dir`. When the folder is not named like a
/// dataset of `defs` that has an install recipe, the hint says only what is missing.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let defs = asmd::definition::official().unwrap();
/// let f = dir.path().join("Bach10/Bach10_v1.1/01/01.wav");
/// let hint = asmd::marker::missing_hint(dir.path(), &defs, &f).unwrap();
/// assert_eq!(hint, "Bach10 is not installed: run asmd install Bach10");
/// ```
pub fn missing_hint(install_dir: &Path, defs: &[Definition], file: &Path) -> Option<String> {
    let install_dir = absolute(install_dir);
    let file = absolute(file);
    let rel = file.strip_prefix(&install_dir).ok()?;
    let Some(first) = rel.components().next() else {
        if install_dir.exists() {
            return None;
        }
        return Some(format!(
            "no dataset is installed in {}: run asmd install --dry-run to see the official \
             datasets, then asmd install NAME",
            install_dir.display()
        ));
    };
    let name = first.as_os_str().to_string_lossy().into_owned();
    let dir = install_dir.join(&name);
    let installable = defs
        .iter()
        .any(|d| d.name == name && (d.install.url.is_some() || !d.install.extra.is_empty()));
    Some(if read_marker(&dir).is_some() {
        format!("{name} is installed but this file is missing: run asmd verify --dataset {name}")
    } else if dir.exists() {
        if installable {
            format!(
                "{name} is only partly installed: run asmd install {name} to finish it, or \
                 asmd verify --dataset {name} to see what is missing"
            )
        } else {
            format!(
                "{name} is only partly installed (no install recipe for it in the loaded \
                 definitions; {} has no such file)",
                dir.display()
            )
        }
    } else if installable {
        format!("{name} is not installed: run asmd install {name}")
    } else {
        format!("{name} is not installed ({} does not exist)", dir.display())
    })
}

/// `err` with its problem replaced by [`missing_hint`] when it is a missing file under
/// `install_dir` (kind [`crate::ErrorKind::NotFound`]); any other error unchanged. The
/// one place every front (Python, CLI, exports, plots) turns "no such file" into the
/// command that fixes it.
///
/// ```
/// use asmd::error::IoContext;
/// let dir = tempfile::tempdir().unwrap();
/// let defs = asmd::definition::official().unwrap();
/// let f = dir.path().join("SMD/x.mp3");
/// let e = std::fs::read(&f).with_path(&f).unwrap_err();
/// let e = asmd::marker::explain_missing(e, dir.path(), &defs);
/// assert_eq!(e.kind(), asmd::ErrorKind::NotFound);
/// assert!(e.to_string().ends_with("SMD is not installed: run asmd install SMD"));
/// ```
pub fn explain_missing(err: Error, install_dir: &Path, defs: &[Definition]) -> Error {
    if err.kind() != crate::ErrorKind::NotFound {
        return err;
    }
    let Some(file) = err.file().map(Path::to_path_buf) else {
        return err;
    };
    match missing_hint(install_dir, defs, &file) {
        Some(h) => err.with_message(h),
        None => err,
    }
}
