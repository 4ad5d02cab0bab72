//! On-disk state of an install directory: completion markers, manifests, work folders,
//! and the `status` / `verify` reports built from them.
//!
//! Layout (nothing here is written before a dataset is complete, except under the work
//! folder):
//! ```text
//! <install_dir>/<name>/                dataset, moved into place when every step succeeded
//! <install_dir>/<name>/.asmd-install.json   completion marker, written last (atomically)
//! <install_dir>/<name>/.asmd-gt.json        ground truth extracted/converted, written last
//! <work>/<name>/downloads/             downloads and their resumable .part files
//! <work>/<name>/root/<name>/           staging tree the steps work on
//! <work>/<name>/shell/                 working directory of legacy shell lines
//! <work>/<name>/journal.json           steps completed so far (resume point)
//! ```
//! `<work>` is `<install_dir>/.asmd/work`, or `<decompress_path>/asmd-work` when a
//! separate scratch folder is configured.
//!
//! A dataset is **installed** only when its marker exists; a folder without one (an
//! interrupted install, or one made by another tool) is **partial**. The marker records
//! where each archive came from with its SHA-256, and a manifest of every installed file
//! with its size and CRC-32, which [`verify`] checks.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let defs = asmd::definition::official().unwrap();
//! let st = asmd::install::state::status(dir.path(), &defs, None).unwrap();
//! assert_eq!(st.len(), 8);
//! assert!(st.iter().all(|s| s.state == asmd::install::state::DatasetState::Absent));
//! ```

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::definition::Definition;
use crate::error::{Error, IoContext, Result};

/// File name of the completion marker inside a dataset folder.
pub const MARKER: &str = ".asmd-install.json";
/// File name of the ground-truth marker inside a dataset folder.
pub const GT_MARKER: &str = ".asmd-gt.json";

/// Paths of an install directory and its work folders.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The install directory.
    pub install_dir: PathBuf,
    /// Root of the work folders.
    pub work_root: PathBuf,
}

impl Layout {
    /// The layout for `install_dir`, with work folders under `work_dir/asmd-work` when
    /// given, else `<install_dir>/.asmd/work`. Relative folders are made absolute here,
    /// once (shell lines run in another working directory).
    ///
    /// ```
    /// let l = asmd::install::state::Layout::new("inst".as_ref(), Some("scratch".as_ref()));
    /// assert!(l.install_dir.is_absolute() && l.work_root.ends_with("scratch/asmd-work"));
    /// ```
    pub fn new(install_dir: &Path, work_dir: Option<&Path>) -> Layout {
        let install_dir = absolute(install_dir);
        Layout {
            work_root: match work_dir {
                Some(w) => absolute(w).join("asmd-work"),
                None => install_dir.join(".asmd").join("work"),
            },
            install_dir,
        }
    }
    /// `<install_dir>/<name>`.
    pub fn dataset(&self, name: &str) -> PathBuf {
        self.install_dir.join(name)
    }
    /// Work folder of a dataset.
    pub fn work(&self, name: &str) -> PathBuf {
        self.work_root.join(name)
    }
    /// Downloads of a dataset.
    pub fn downloads(&self, name: &str) -> PathBuf {
        self.work(name).join("downloads")
    }
    /// The staging install root (stands for `&install_dir` while steps run).
    pub fn stage_root(&self, name: &str) -> PathBuf {
        self.work(name).join("root")
    }
    /// The staging dataset folder.
    pub fn stage(&self, name: &str) -> PathBuf {
        self.stage_root(name).join(name)
    }
    /// Working directory of shell lines.
    pub fn shell_cwd(&self, name: &str) -> PathBuf {
        self.work(name).join("shell")
    }
    /// Step journal.
    pub fn journal(&self, name: &str) -> PathBuf {
        self.work(name).join("journal.json")
    }
    /// Downloads of the ground-truth archive.
    pub fn gt_downloads(&self) -> PathBuf {
        self.work_root.join("_ground_truth")
    }
}

/// `p` made absolute against the current directory (unchanged if that fails).
pub(crate) fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Where one archive of an install came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// Official URL.
    pub url: String,
    /// File name.
    pub name: String,
    /// Where it was actually fetched from.
    pub origin: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 (empty when not computed: the file was checked by MD5, or not hashed
    /// by this run).
    pub sha256: String,
    /// MD5 (empty when not computed).
    pub md5: String,
}

/// The completion marker of a dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Marker {
    /// Dataset name.
    pub name: String,
    /// asmd version that wrote it.
    pub version: String,
    /// Seconds since the Unix epoch.
    pub installed_at: u64,
    /// True when an existing complete folder was recorded instead of installed.
    pub adopted: bool,
    /// Archives used.
    pub sources: Vec<SourceRecord>,
    /// Installed files (relative to the dataset folder): size and CRC-32 (`None` when
    /// not computed).
    pub files: BTreeMap<String, (u64, Option<u32>)>,
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
        let files: serde_json::Map<String, Value> = self
            .files
            .iter()
            .map(|(k, (size, crc))| {
                let v = match crc {
                    Some(c) => json!({"size": size, "crc32": format!("{c:08x}")}),
                    None => json!({"size": size}),
                };
                (k.clone(), v)
            })
            .collect();
        json!({
            "name": self.name,
            "asmd_version": self.version,
            "installed_at": self.installed_at,
            "adopted": self.adopted,
            "sources": self.sources.iter().map(|s| json!({
                "url": s.url, "name": s.name, "origin": s.origin, "size": s.size, "sha256": s.sha256, "md5": s.md5
            })).collect::<Vec<_>>(),
            "files": files,
        })
    }

    /// Parse the JSON form (`file` names it in errors).
    pub fn from_json(v: &Value, file: &Path) -> Result<Marker> {
        let bad = |loc: &str| Error::format(file, loc, "malformed install marker");
        let s = |k: &str| {
            v[k].as_str()
                .map(str::to_string)
                .ok_or_else(|| bad(&format!("$.{k}")))
        };
        let mut files = BTreeMap::new();
        if let Some(o) = v["files"].as_object() {
            for (k, f) in o {
                let size = f["size"]
                    .as_u64()
                    .ok_or_else(|| bad(&format!("$.files.{k}")))?;
                let crc = f["crc32"]
                    .as_str()
                    .and_then(|c| u32::from_str_radix(c, 16).ok());
                files.insert(k.clone(), (size, crc));
            }
        }
        let sources = v["sources"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| SourceRecord {
                        url: s["url"].as_str().unwrap_or_default().to_string(),
                        name: s["name"].as_str().unwrap_or_default().to_string(),
                        origin: s["origin"].as_str().unwrap_or_default().to_string(),
                        size: s["size"].as_u64().unwrap_or(0),
                        sha256: s["sha256"].as_str().unwrap_or_default().to_string(),
                        md5: s["md5"].as_str().unwrap_or_default().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Marker {
            name: s("name")?,
            version: v["asmd_version"].as_str().unwrap_or_default().to_string(),
            installed_at: v["installed_at"].as_u64().unwrap_or(0),
            adopted: v["adopted"].as_bool().unwrap_or(false),
            sources,
            files,
        })
    }
}

/// Write a dataset's completion marker (last step of an install).
pub fn write_marker(dataset_dir: &Path, m: &Marker) -> Result<()> {
    let text = serde_json::to_string_pretty(&m.to_json()).unwrap_or_default();
    crate::files::write_atomically(&dataset_dir.join(MARKER), text.as_bytes())
}

/// The marker of a dataset folder, if it has a readable one.
pub fn read_marker(dataset_dir: &Path) -> Option<Marker> {
    let p = dataset_dir.join(MARKER);
    let bytes = std::fs::read(&p).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    Marker::from_json(&v, &p).ok()
}

/// Every regular file under `dir` (relative, `/`-separated), with its size; symbolic
/// links are not followed. Marker files are left out.
pub fn walk_files(dir: &Path) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for e in std::fs::read_dir(&d).with_path(&d)? {
            let e = e.with_path(&d)?;
            let ft = e.file_type().with_path(e.path())?;
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if ft.is_dir() {
                stack.push((e.path(), rel));
            } else if ft.is_file() {
                if prefix.is_empty() && (name == MARKER || name == GT_MARKER) {
                    continue;
                }
                let len = e.metadata().with_path(e.path())?.len();
                out.push((rel, len));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// CRC-32 of a file.
pub fn crc32_file(path: &Path) -> Result<u32> {
    let mut f = std::fs::File::open(path).with_path(path)?;
    let mut h = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 18];
    loop {
        let n = f.read(&mut buf).with_path(path)?;
        if n == 0 {
            return Ok(h.finalize());
        }
        h.update(&buf[..n]);
    }
}

/// Installation state of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetState {
    /// Completion marker present.
    Installed,
    /// Folder (or unfinished work) present, no marker.
    Partial,
    /// Nothing there.
    Absent,
}

impl DatasetState {
    /// `installed`, `partial` or `absent`.
    pub fn name(self) -> &'static str {
        match self {
            DatasetState::Installed => "installed",
            DatasetState::Partial => "partial",
            DatasetState::Absent => "absent",
        }
    }
}

/// One line of `asmd status`.
#[derive(Debug, Clone)]
pub struct DatasetStatus {
    /// Dataset name.
    pub name: String,
    /// Installed / partial / absent.
    pub state: DatasetState,
    /// Bytes of the dataset folder on disk (files only).
    pub size_on_disk: u64,
    /// Ground-truth files listed in the definition that exist.
    pub gt_present: usize,
    /// Ground-truth files listed in the definition.
    pub gt_listed: usize,
    /// True when the ground-truth marker exists.
    pub gt_marker: bool,
    /// Bytes of unfinished downloads and staging data in the work folder.
    pub work_bytes: u64,
    /// The marker, when installed.
    pub marker: Option<Marker>,
}

fn unique_gt_paths(def: &Definition) -> Vec<&str> {
    let mut v: Vec<&str> = def
        .songs
        .iter()
        .flat_map(|s| s.ground_truth.iter().map(String::as_str))
        .filter(|p| *p != "unknown")
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Files (recordings and sources) a definition lists, relative to the install dir.
pub fn listed_media(def: &Definition) -> Vec<&str> {
    let mut v: Vec<&str> = def
        .songs
        .iter()
        .flat_map(|s| {
            s.recording
                .iter()
                .chain(s.sources.iter().flatten())
                .map(String::as_str)
        })
        .filter(|p| *p != "unknown")
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn dir_bytes(dir: &Path) -> u64 {
    walk_files(dir)
        .map(|v| v.iter().map(|(_, s)| s).sum())
        .unwrap_or(0)
}

/// Per-dataset state of `install_dir` for the given definitions.
pub fn status(
    install_dir: &Path,
    defs: &[Definition],
    work_dir: Option<&Path>,
) -> Result<Vec<DatasetStatus>> {
    let layout = Layout::new(install_dir, work_dir);
    let mut out = Vec::with_capacity(defs.len());
    for d in defs {
        let dir = layout.dataset(&d.name);
        let marker = read_marker(&dir);
        let work = layout.work(&d.name);
        let work_bytes = if work.is_dir() {
            walk_files(&work)
                .map(|v| {
                    v.iter()
                        .filter(|(r, _)| r != "journal.json")
                        .map(|(_, s)| s)
                        .sum()
                })
                .unwrap_or(0)
        } else {
            0
        };
        let state = if marker.is_some() {
            DatasetState::Installed
        } else if dir.exists() || work_bytes > 0 {
            DatasetState::Partial
        } else {
            DatasetState::Absent
        };
        let gts = unique_gt_paths(d);
        let gt_present = if dir.is_dir() {
            gts.iter().filter(|p| install_dir.join(p).is_file()).count()
        } else {
            0
        };
        out.push(DatasetStatus {
            name: d.name.clone(),
            state,
            size_on_disk: if dir.is_dir() { dir_bytes(&dir) } else { 0 },
            gt_present,
            gt_listed: gts.len(),
            gt_marker: dir.join(GT_MARKER).is_file(),
            work_bytes,
            marker,
        });
    }
    Ok(out)
}

impl DatasetStatus {
    /// JSON form (for `asmd status --json`).
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "state": self.state.name(),
            "size_on_disk": self.size_on_disk,
            "ground_truth": {"present": self.gt_present, "listed": self.gt_listed, "marked": self.gt_marker},
            "work_bytes": self.work_bytes,
            "installed_at": self.marker.as_ref().map(|m| m.installed_at),
            "adopted": self.marker.as_ref().map(|m| m.adopted),
            "sources": self.marker.as_ref().map(|m| m.sources.iter().map(|s| json!({
                "url": s.url, "name": s.name, "origin": s.origin, "size": s.size, "sha256": s.sha256, "md5": s.md5
            })).collect::<Vec<_>>()),
        })
    }
}

/// Options of [`verify`].
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions {
    /// Recompute the CRC-32 of every file recorded in the manifest (reads everything).
    pub checksums: bool,
}

/// What [`verify`] found for one dataset.
#[derive(Debug, Clone, Default)]
pub struct DatasetVerify {
    /// Dataset name.
    pub name: String,
    /// True when the completion marker exists.
    pub installed: bool,
    /// Recordings/sources listed in the definition that are missing.
    pub missing_media: Vec<String>,
    /// Ground-truth files listed in the definition that are missing (only checked when
    /// the ground truth is marked as installed).
    pub missing_gt: Vec<String>,
    /// Manifest files missing or with another size.
    pub size_mismatch: Vec<String>,
    /// Manifest files whose CRC-32 differs.
    pub checksum_mismatch: Vec<String>,
    /// Symbolic links in the dataset folder that lead outside it (`link -> where`):
    /// reading or writing through them would reach files that are not the dataset's.
    pub escaping_links: Vec<String>,
    /// Files checked.
    pub checked: usize,
}

impl DatasetVerify {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.installed
            && self.missing_media.is_empty()
            && self.missing_gt.is_empty()
            && self.size_mismatch.is_empty()
            && self.checksum_mismatch.is_empty()
            && self.escaping_links.is_empty()
    }
}

impl DatasetVerify {
    /// JSON form (for `asmd verify --json`).
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "ok": self.ok(),
            "installed": self.installed,
            "checked": self.checked,
            "missing_media": self.missing_media,
            "missing_ground_truth": self.missing_gt,
            "size_mismatch": self.size_mismatch,
            "checksum_mismatch": self.checksum_mismatch,
            "escaping_links": self.escaping_links,
        })
    }
}

/// Check installed datasets: files listed in the definitions exist, files recorded in
/// the manifest have their size (and CRC-32 with `checksums`), no symbolic link in the
/// dataset folder leads outside it. Datasets with no folder are reported as not
/// installed with nothing else checked.
pub fn verify(
    install_dir: &Path,
    defs: &[Definition],
    opts: VerifyOptions,
) -> Result<Vec<DatasetVerify>> {
    use rayon::prelude::*;
    let mut out = Vec::new();
    for d in defs {
        let dir = install_dir.join(&d.name);
        let marker = read_marker(&dir);
        let mut r = DatasetVerify {
            name: d.name.clone(),
            installed: marker.is_some(),
            ..Default::default()
        };
        if !dir.is_dir() {
            out.push(r);
            continue;
        }
        r.escaping_links = crate::files::escaping_links(&dir)?
            .into_iter()
            .map(|(rel, to)| format!("{rel} -> {}", to.display()))
            .collect();
        for p in listed_media(d) {
            r.checked += 1;
            if !install_dir.join(p).is_file() {
                r.missing_media.push(p.to_string());
            }
        }
        if dir.join(GT_MARKER).is_file() {
            for p in unique_gt_paths(d) {
                r.checked += 1;
                if !install_dir.join(p).is_file() {
                    r.missing_gt.push(p.to_string());
                }
            }
        }
        if let Some(m) = &marker {
            let results: Vec<(String, bool, bool)> = m
                .files
                .par_iter()
                .map(|(rel, (size, crc))| {
                    let p = dir.join(rel);
                    let size_ok = std::fs::metadata(&p)
                        .map(|md| md.len() == *size)
                        .unwrap_or(false);
                    let crc_ok = match (opts.checksums && size_ok, crc) {
                        (true, Some(c)) => crc32_file(&p).map(|x| x == *c).unwrap_or(false),
                        _ => true,
                    };
                    (rel.clone(), size_ok, crc_ok)
                })
                .collect();
            for (rel, size_ok, crc_ok) in results {
                r.checked += 1;
                if !size_ok {
                    r.size_mismatch.push(rel);
                } else if !crc_ok {
                    r.checksum_mismatch.push(rel);
                }
            }
        }
        out.push(r);
    }
    Ok(out)
}

/// The step journal of a dataset in progress.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Journal {
    /// Fingerprint of the recipe it belongs to.
    pub recipe: String,
    /// Number of steps completed.
    pub done: usize,
    /// Index of the step that was running when the journal was last written.
    pub running: Option<usize>,
}

impl Journal {
    /// Read the journal (`None` when absent or unreadable).
    pub fn read(path: &Path) -> Option<Journal> {
        let v: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        Some(Journal {
            recipe: v["recipe"].as_str()?.to_string(),
            done: v["done"].as_u64()? as usize,
            running: v["running"].as_u64().map(|r| r as usize),
        })
    }

    /// Write it atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let v = json!({"recipe": self.recipe, "done": self.done, "running": self.running});
        crate::files::write_atomically(path, v.to_string().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_round_trips() {
        let mut m = Marker::new("demo");
        m.sources.push(SourceRecord {
            url: "https://h/a.zip".into(),
            name: "a.zip".into(),
            origin: "https://h/a.zip".into(),
            size: 3,
            sha256: "ab".into(),
            md5: String::new(),
        });
        m.files.insert("x/y.wav".into(), (10, Some(0xdeadbeef)));
        m.files.insert("z".into(), (1, None));
        let back = Marker::from_json(&m.to_json(), Path::new("m.json")).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn journal_round_trips() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("j.json");
        let j = Journal {
            recipe: "abc".into(),
            done: 2,
            running: Some(2),
        };
        j.write(&p).unwrap();
        assert_eq!(Journal::read(&p), Some(j));
    }
}
