//! The ASMD ground-truth archive: one `tar.gz` (on mega.nz) holding every dataset's
//! ground-truth files at their paths relative to the install dir
//! (`Bach10/Bach10_v1.1/01-AchGottundHerr/01-AchGottundHerr-0.json.gz`, ...).
//!
//! [`extract`] streams the archive once and writes only the files of the chosen,
//! installed datasets (ASMD 0.5.1 matched the dataset name anywhere in the member path;
//! here the path must start with the dataset's folder, optionally under one wrapper
//! folder such as `./` or `ground_truth/`). Entries are checked like any archive's (no
//! `..`, absolute paths or links out), and the archive cannot replace the install markers
//! (`.asmd-install.json`, `.asmd-gt.json`) at the top of a dataset folder. The chosen
//! datasets' old ground-truth markers are removed first; a `.asmd-gt.json` marker is
//! written into each dataset folder once every file is in place, so a failed extraction
//! (whose files are removed again) leaves the ground truth marked as absent.
//!
//! ```
//! let src = asmd::install::GtSource::official();
//! assert_eq!(src.format, asmd::install::unpack::ArchiveFormat::TarGz);
//! assert!(src.fetch.url.starts_with("https://mega.nz/"));
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::fetch::{Fetched, Fetcher};
use super::recipe::Fetch;
use super::state::{self, Layout};
use super::unpack::{self, ArchiveFormat};
use super::Reporter;
use crate::definition::Definition;
use crate::error::{IoContext, Result};

/// The official ground-truth archive (the only copy).
pub const GROUND_TRUTH_URL: &str =
    "https://mega.nz/file/3ct3gQoS#p-QXDNWVyHqB1puGt6Cr_1O8VZo9oF4qE7d-7yDqkfc";

/// Where the ground-truth archive comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct GtSource {
    /// What to fetch.
    pub fetch: Fetch,
    /// Archive type.
    pub format: ArchiveFormat,
}

impl GtSource {
    /// The official archive (`ground_truth.tar.gz` on mega.nz).
    pub fn official() -> GtSource {
        GtSource {
            fetch: Fetch {
                url: GROUND_TRUTH_URL.to_string(),
                name: Some("ground_truth.tar.gz".to_string()),
                alternatives: Vec::new(),
                checksum: None,
                size: None,
            },
            format: ArchiveFormat::TarGz,
        }
    }

    /// Another archive by URL (type from its name, `tar.gz` by default).
    pub fn url(url: &str) -> GtSource {
        let name = super::recipe::url_file_name(url)
            .filter(|_| !super::mega::MegaLink::is_mega(url))
            .unwrap_or_else(|| "ground_truth.tar.gz".to_string());
        let format = ArchiveFormat::from_name(&name).unwrap_or(ArchiveFormat::TarGz);
        GtSource {
            fetch: Fetch {
                url: url.to_string(),
                name: Some(name),
                alternatives: Vec::new(),
                checksum: None,
                size: None,
            },
            format,
        }
    }
}

/// What to do when the ground-truth archive cannot be fetched: rebuild the ground
/// truth from the datasets' own annotations (`datasets`: the names as command
/// arguments, empty for all).
///
/// ```
/// assert!(asmd::install::gt_archive::convert_hint("Bach10").contains("--ground-truth convert"));
/// ```
pub fn convert_hint(datasets: &str) -> String {
    let args = if datasets.is_empty() {
        String::new()
    } else {
        format!(" {datasets}")
    };
    format!(
        "The ground truth can be rebuilt from the datasets' own annotations instead: `asmd install{args} --ground-truth convert` (or `asmd convert{args}` once installed; Python: ground_truth='convert')"
    )
}

pub(crate) fn fetch_archive(
    fetcher: &Fetcher,
    src: &GtSource,
    layout: &Layout,
    reporter: &Reporter,
) -> Result<Fetched> {
    let resolved = fetcher.resolve(&src.fetch)?;
    reporter.message(
        Some("ground truth"),
        &format!(
            "download {} from {}",
            resolved.name,
            resolved.origin.describe()
        ),
    );
    let task = reporter.task("ground truth", &format!("download {}", resolved.name));
    fetcher.fetch(
        &src.fetch,
        &resolved,
        &layout.gt_downloads(),
        &mut |d, t| task.update(d, t),
    )
}

/// Write the ground-truth marker of a dataset folder.
pub fn write_gt_marker(dataset_dir: &Path, source: &str, files: usize) -> Result<()> {
    let v = serde_json::json!({
        "source": source,
        "files": files,
        "asmd_version": env!("CARGO_PKG_VERSION"),
    });
    crate::files::write_atomically(
        &dataset_dir.join(state::GT_MARKER),
        v.to_string().as_bytes(),
    )
}

/// Extract the files of `datasets` (whose folders must exist under `install_dir`) from
/// a ground-truth archive, and mark them. Returns the number of files per dataset.
pub fn extract(
    archive: &Path,
    format: ArchiveFormat,
    datasets: &[&Definition],
    install_dir: &Path,
) -> Result<Vec<(String, usize)>> {
    let layout = Layout::new(install_dir, None);
    extract_with(archive, format, datasets, &layout, &Reporter::silent())
}

pub(crate) fn extract_with(
    archive: &Path,
    format: ArchiveFormat,
    datasets: &[&Definition],
    layout: &Layout,
    reporter: &Reporter,
) -> Result<Vec<(String, usize)>> {
    let names: Vec<&str> = datasets
        .iter()
        .map(|d| d.name.as_str())
        .filter(|n| layout.dataset(n).is_dir())
        .collect();
    let task = reporter.task("ground truth", "extract");
    let mut select = |rel: &Path| -> Option<PathBuf> {
        let comps: Vec<_> = rel.components().collect();
        for skip in 0..2 {
            let first = comps.get(skip)?.as_os_str().to_str()?;
            if names.contains(&first) {
                let top_name = comps.get(skip + 1)?.as_os_str();
                if comps.len() == skip + 2
                    && (top_name == state::MARKER || top_name == state::GT_MARKER)
                {
                    return None;
                }
                return (comps.len() > skip + 1).then(|| comps[skip..].iter().collect());
            }
        }
        None
    };
    std::fs::create_dir_all(&layout.install_dir).with_path(&layout.install_dir)?;
    for n in &names {
        let m = layout.dataset(n).join(state::GT_MARKER);
        if std::fs::symlink_metadata(&m).is_ok() {
            std::fs::remove_file(&m).with_path(&m)?;
        }
    }
    let written = unpack::unpack_selected(
        archive,
        format,
        &layout.install_dir,
        &mut select,
        &mut |_, d, t| task.update(d, Some(t)),
    )?;
    drop(task);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in &written.files {
        if let Some(first) = w.path.split('/').next() {
            *counts.entry(first).or_default() += 1;
        }
    }
    // parse the new files into the on-disk cache now, so that their first use is fast
    // (and a malformed file is reported at install, not in the middle of a training run)
    let gts: Vec<PathBuf> = written
        .files
        .iter()
        .filter(|w| w.path.ends_with(".json.gz"))
        .map(|w| layout.install_dir.join(&w.path))
        .collect();
    for (p, e) in crate::ground_truth::disk_cache::prepare(&gts) {
        let rel = p.strip_prefix(&layout.install_dir).unwrap_or(&p);
        let first = rel.iter().next().and_then(|c| c.to_str());
        reporter.message(first, &format!("warning: unreadable ground truth: {e}"));
    }
    let mut out = Vec::new();
    for n in names {
        let c = counts.get(n).copied().unwrap_or(0);
        if c > 0 {
            write_gt_marker(&layout.dataset(n), "archive", c)?;
            reporter.message(Some(n), &format!("ground truth: {c} files"));
            out.push((n.to_string(), c));
        }
    }
    Ok(out)
}
