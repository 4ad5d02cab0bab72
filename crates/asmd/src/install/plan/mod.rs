//! The plan shown before anything is downloaded: per dataset what will be fetched and
//! from where, how many bytes are left to download, the disk space needed against the
//! free space, and an estimated time from a measured throughput.
//!
//! Sizes come from the sources themselves (HTTP `HEAD`/`Content-Length`, Mega's API,
//! files in a mirror folder). For zip archives served with byte ranges, the unpacked size
//! is read from the archive's central directory (a few small range requests at the end of
//! the file); other archives are estimated at their compressed size (audio barely
//! compresses). The throughput is measured by timing a range request of up to 1 MiB from
//! each host. Nothing is written to disk.
//!
//! ```no_run
//! let opts = asmd::install::InstallOptions::new("/data/asmd", asmd::definition::official().unwrap().to_vec());
//! let p = asmd::install::plan(&opts).unwrap();
//! println!("{}", p.render());
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::download::{with_suffix, Http};
use super::fetch::{page_links, percent_decode, Fetcher, Origin};
use super::recipe::{url_file_name, Fetch, Recipe, Step};
use super::state::{self, DatasetState};
use super::unpack::{free_space, ArchiveFormat};
use super::{GtMode, InstallOptions};
use crate::error::Result;

mod remote_zip;
mod render;

pub use remote_zip::zip_unpacked;
use remote_zip::RangeReader;
pub use render::{human_bytes, human_duration};

/// One file to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchPlan {
    /// Official URL.
    pub url: String,
    /// File name.
    pub name: String,
    /// Where it will come from.
    pub origin: String,
    /// Size in bytes, when known.
    pub size: Option<u64>,
    /// Bytes already on disk (finished or partial download, or a mirror folder file).
    pub on_disk: u64,
    /// Unpacked size when the file is an archive (exact for zip with ranges, else an
    /// estimate).
    pub unpacked: Option<u64>,
    /// Why the source could not be probed, if it could not.
    pub error: Option<String>,
    /// Measured throughput of its host (bytes/s).
    pub throughput: Option<f64>,
}

impl FetchPlan {
    /// Bytes still to transfer (unknown sizes count as 0).
    pub fn remaining(&self) -> u64 {
        self.size.unwrap_or(0).saturating_sub(self.on_disk)
    }
}

/// What will happen to a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetPlan {
    /// Dataset name.
    pub name: String,
    /// Current state.
    pub state: DatasetState,
    /// True when it will be installed (false: already installed).
    pub install: bool,
    /// The steps, described.
    pub steps: Vec<String>,
    /// Files to fetch.
    pub fetches: Vec<FetchPlan>,
    /// Shell lines that need consent.
    pub shell_lines: Vec<String>,
}

/// The plan of an install.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Per dataset.
    pub datasets: Vec<DatasetPlan>,
    /// The ground-truth archive, when it will be fetched.
    pub ground_truth: Option<FetchPlan>,
    /// Bytes still to download.
    pub download_bytes: u64,
    /// Files whose size is unknown.
    pub unknown_sizes: usize,
    /// Disk space needed (downloads + unpacked data).
    pub disk_needed: u64,
    /// Free space per file system involved (install dir, work dir).
    pub free_space: Vec<(PathBuf, Option<u64>)>,
    /// Aggregate measured throughput (bytes/s).
    pub throughput: Option<f64>,
    /// Estimated download time in seconds.
    pub estimated_seconds: Option<f64>,
}

pub(crate) fn host_of(url: &str) -> String {
    url.split_once("://")
        .map(|(_, r)| r.split('/').next().unwrap_or(r))
        .unwrap_or(url)
        .to_string()
}

fn on_disk(downloads: &Path, name: &str) -> u64 {
    let dest = downloads.join(name);
    for p in [
        dest.clone(),
        with_suffix(&dest, ".part"),
        with_suffix(&dest, ".mega.part"),
        with_suffix(&dest, ".mega"),
    ] {
        if let Ok(m) = std::fs::metadata(&p) {
            return m.len();
        }
    }
    0
}

struct Prober<'a> {
    fetcher: &'a Fetcher,
    throughput: HashMap<String, Option<f64>>,
}

impl Prober<'_> {
    fn measure(&mut self, url: &str, size: Option<u64>) -> Option<f64> {
        let host = host_of(url);
        if let Some(t) = self.throughput.get(&host) {
            return *t;
        }
        let n = size.unwrap_or(1 << 20).clamp(1, 1 << 20);
        let t0 = Instant::now();
        let t = self
            .fetcher
            .http
            .get_range(url, 0, n)
            .ok()
            .map(|b| b.len() as f64 / t0.elapsed().as_secs_f64().max(1e-3));
        self.throughput.insert(host, t);
        t
    }

    fn fetch(
        &mut self,
        fetch: &Fetch,
        downloads: &Path,
        archive: Option<ArchiveFormat>,
    ) -> FetchPlan {
        let mut p = FetchPlan {
            url: fetch.url.clone(),
            name: fetch.file_name().unwrap_or_default(),
            origin: fetch.url.clone(),
            size: fetch.size,
            on_disk: 0,
            unpacked: None,
            error: None,
            throughput: None,
        };
        let r = match self.fetcher.resolve(fetch) {
            Ok(r) => r,
            Err(e) => {
                p.error = Some(e.to_string());
                return p;
            }
        };
        p.name = r.name.clone();
        p.origin = r.origin.describe();
        p.on_disk = on_disk(downloads, &r.name);
        match self.fetcher.size(&r) {
            Ok(s) => p.size = s.or(p.size),
            Err(e) => p.error = Some(e.to_string()),
        }
        let remote = match &r.origin {
            Origin::Http(u) | Origin::MirrorUrl(u) => Some(u.clone()),
            Origin::Mega(f) => Some(f.download_url.clone()),
            Origin::MirrorDir(_) => None,
        };
        if let Origin::MirrorDir(path) = &r.origin {
            p.on_disk = p.size.unwrap_or(0);
            if archive == Some(ArchiveFormat::Zip) {
                p.unpacked = std::fs::File::open(path)
                    .ok()
                    .and_then(|f| zip_unpacked(std::io::BufReader::new(f)));
            }
        }
        if let (Some(u), None) = (&remote, &p.error) {
            p.throughput = self.measure(u, p.size);
            if archive == Some(ArchiveFormat::Zip) && !matches!(r.origin, Origin::Mega(_)) {
                if let Some(len) = p.size {
                    p.unpacked = zip_unpacked(RangeReader {
                        http: &self.fetcher.http,
                        url: u,
                        len,
                        pos: 0,
                        cache: HashMap::new(),
                    });
                }
            }
        }
        if archive.is_some() && p.unpacked.is_none() {
            p.unpacked = p.size;
        }
        p
    }
}

/// Compute the plan of `opts` (contacts the sources; writes nothing).
pub fn plan(opts: &InstallOptions) -> Result<Plan> {
    let selected = opts.selected()?;
    let layout = opts.layout();
    let fetcher = Fetcher::new(Http::new(opts.net.clone()), opts.mirror.clone());
    let mut prober = Prober {
        fetcher: &fetcher,
        throughput: HashMap::new(),
    };
    let statuses = state::status(
        &opts.install_dir,
        &selected.iter().map(|d| (*d).clone()).collect::<Vec<_>>(),
        opts.work_dir.as_deref(),
    )?;
    let mut datasets = Vec::new();
    for (def, st) in selected.iter().zip(statuses) {
        let recipe = Recipe::of(def)?;
        let install = opts.force || st.state != DatasetState::Installed;
        let downloads = layout.downloads(&def.name);
        let mut fetches = Vec::new();
        if install {
            let unpacked: Vec<&str> = recipe
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::Unpack { archive, .. } => Some(archive.as_str()),
                    _ => None,
                })
                .collect();
            for s in &recipe.steps {
                match s {
                    Step::Download { fetch, .. } | Step::AsapScores { fetch, .. } => {
                        let name = fetch.file_name();
                        let is_archive = matches!(s, Step::AsapScores { .. })
                            || unpacked
                                .iter()
                                .any(|a| Some(*a) == name.as_deref() || *a == fetch.url);
                        let fmt = recipe.steps.iter().find_map(|x| match x {
                            Step::Unpack {
                                archive, format, ..
                            } if Some(archive.as_str()) == name.as_deref()
                                || *archive == fetch.url =>
                            {
                                Some(
                                    format
                                        .or_else(|| ArchiveFormat::from_name(archive))
                                        .unwrap_or(ArchiveFormat::Zip),
                                )
                            }
                            _ => None,
                        });
                        let mut p = prober.fetch(
                            fetch,
                            &downloads,
                            if is_archive {
                                fmt.or(Some(ArchiveFormat::Zip))
                            } else {
                                None
                            },
                        );
                        if matches!(s, Step::AsapScores { .. }) {
                            p.unpacked = None; // read in place, not extracted
                        }
                        fetches.push(p);
                    }
                    Step::DownloadLinks { page, accept, .. } => match fetcher.get_text(page) {
                        Ok(html) => {
                            let pats: Vec<glob::Pattern> = accept
                                .iter()
                                .filter_map(|a| glob::Pattern::new(a).ok())
                                .collect();
                            for l in page_links(&html, page) {
                                let Some(name) = url_file_name(&l).map(|n| percent_decode(&n))
                                else {
                                    continue;
                                };
                                if pats.iter().any(|p| p.matches(&name)) {
                                    let f = Fetch {
                                        url: l,
                                        name: Some(name),
                                        alternatives: Vec::new(),
                                        checksum: None,
                                        size: None,
                                    };
                                    fetches.push(prober.fetch(&f, &downloads.join("links"), None));
                                }
                            }
                        }
                        Err(e) => fetches.push(FetchPlan {
                            url: page.clone(),
                            name: url_file_name(page).unwrap_or_default(),
                            origin: page.clone(),
                            size: None,
                            on_disk: 0,
                            unpacked: None,
                            error: Some(e.to_string()),
                            throughput: None,
                        }),
                    },
                    _ => {}
                }
            }
        }
        datasets.push(DatasetPlan {
            name: def.name.clone(),
            state: st.state,
            install,
            steps: recipe.steps.iter().map(Step::describe).collect(),
            fetches,
            shell_lines: if install {
                recipe.shell_lines()
            } else {
                Vec::new()
            },
        });
    }
    let ground_truth = (opts.ground_truth == GtMode::Archive
        && selected
            .iter()
            .any(|d| opts.force || !layout.dataset(&d.name).join(state::GT_MARKER).is_file()))
    .then(|| {
        let mut p = prober.fetch(&opts.gt_source.fetch, &layout.gt_downloads(), None);
        p.unpacked = p.size; // only the chosen datasets' part is extracted: an upper bound
        p
    });
    let all: Vec<&FetchPlan> = datasets
        .iter()
        .flat_map(|d| d.fetches.iter())
        .chain(ground_truth.iter())
        .collect();
    let download_bytes: u64 = all.iter().map(|f| f.remaining()).sum();
    let unknown_sizes = all.iter().filter(|f| f.size.is_none()).count();
    let disk_needed: u64 = all
        .iter()
        .map(|f| {
            let local = f.origin.starts_with("mirror folder");
            let dl = if local { 0 } else { f.size.unwrap_or(0) };
            dl + f
                .unpacked
                .unwrap_or(if local { f.size.unwrap_or(0) } else { 0 })
        })
        .sum();
    let mut free = vec![(opts.install_dir.clone(), free_space(&opts.install_dir))];
    if let Some(w) = &opts.work_dir {
        free.push((w.clone(), free_space(w)));
    }
    // time: each dataset downloads at its hosts' speed; datasets overlap `jobs` at a time
    let mut per_task: Vec<f64> = Vec::new();
    let mut unmeasured = false;
    for f in &all {
        if f.remaining() == 0 {
            continue;
        }
        match f.throughput {
            Some(t) if t > 0.0 => per_task.push(f.remaining() as f64 / t),
            _ => unmeasured = true,
        }
    }
    let estimated_seconds = (!unmeasured || !per_task.is_empty()).then(|| {
        let sum: f64 = per_task.iter().sum();
        let max = per_task.iter().cloned().fold(0.0, f64::max);
        max.max(sum / opts.jobs.max(1) as f64)
    });
    let measured: Vec<f64> = prober.throughput.values().flatten().copied().collect();
    let throughput =
        (!measured.is_empty()).then(|| measured.iter().sum::<f64>() / measured.len() as f64);
    Ok(Plan {
        datasets,
        ground_truth,
        download_bytes,
        unknown_sizes,
        disk_needed,
        free_space: free,
        throughput,
        estimated_seconds: if download_bytes == 0 {
            Some(0.0)
        } else {
            estimated_seconds
        },
    })
}
