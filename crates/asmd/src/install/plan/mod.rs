//! The plan shown before anything is downloaded: per dataset what will be fetched and
//! from where, how many bytes are left to download, the disk space needed against the
//! free space, and an estimated time from a measured throughput.
//!
//! Sizes come from the sources themselves (HTTP `HEAD`/`Content-Length`, Mega's API,
//! files in a mirror folder). For zip archives served with byte ranges, the unpacked size
//! is read from the archive's central directory (a few small range requests at the end of
//! the file); other archives are estimated at their compressed size (audio barely
//! compresses). The throughput is measured by timing a range request of up to 1 MiB from
//! each host. Sources are probed concurrently ([`PROBE_THREADS`] at a time; pages of
//! links first, then every file), so the plan takes about as long as its slowest
//! source; the sizes the definitions already give ([`known_sizes`]) are shown before
//! any source is contacted. A source whose size the definition gives is still
//! contacted: one that cannot be reached is a problem of the plan. Nothing is written
//! to disk.
//!
//! ```no_run
//! let opts = asmd::install::InstallOptions::new("/data/asmd", asmd::definition::official().unwrap().to_vec());
//! let p = asmd::install::plan(&opts).unwrap();
//! println!("{}", p.render());
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use super::download::{with_suffix, Http};
use super::fetch::{page_links, percent_decode, Fetcher, Origin};
use super::recipe::{url_file_name, Fetch, Recipe, Step};
use super::state::{self, DatasetState};
use super::unpack::{free_space, ArchiveFormat};
use super::{GtMode, InstallOptions, Reporter};
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
    /// The datasets the caller named (empty: all of them), for the commands the plan
    /// suggests.
    pub selection: Vec<String>,
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

/// Most sources probed at the same time (each probe waits on the network, not the CPU).
pub const PROBE_THREADS: usize = 8;

/// `f` over `items` on up to `threads` threads, results in the order of `items`.
fn par_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Some(slot) = slots.get(i) {
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(r);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|s| s.into_inner().ok().flatten())
        .collect()
}

/// A host's measured throughput (bytes/s), or why it could not be measured; set once.
type Measurement = OnceLock<std::result::Result<f64, String>>;

/// Probes sources; shared by the probing threads.
struct Prober<'a> {
    fetcher: &'a Fetcher,
    /// Measured throughput per host: the first probe of a host measures it, the others
    /// wait for that measurement.
    throughput: Mutex<HashMap<String, Arc<Measurement>>>,
}

impl Prober<'_> {
    /// The throughput of `url`'s host (measured once per host: the other probes of
    /// the host wait for that measurement and share its result).
    fn measure(&self, url: &str, size: Option<u64>) -> Result<Option<f64>> {
        let host = host_of(url);
        let cell = match self.throughput.lock() {
            Ok(mut m) => m.entry(host).or_default().clone(),
            Err(_) => return Ok(None),
        };
        let measured = cell.get_or_init(|| {
            let n = size.unwrap_or(1 << 20).clamp(1, 1 << 20);
            let t0 = Instant::now();
            match self.fetcher.http.get_range(url, 0, n) {
                Ok(b) => Ok(b.len() as f64 / t0.elapsed().as_secs_f64().max(1e-3)),
                Err(e) => Err(e.message().to_string()),
            }
        });
        match measured {
            Ok(t) => Ok(Some(*t)),
            Err(m) => Err(crate::Error::new(crate::ErrorKind::Network, m.clone()).with_file(url)),
        }
    }

    fn measured(&self) -> Vec<f64> {
        self.throughput
            .lock()
            .map(|m| {
                m.values()
                    .filter_map(|c| c.get().and_then(|r| r.as_ref().ok()).copied())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn fetch(&self, fetch: &Fetch, downloads: &Path, archive: Option<ArchiveFormat>) -> FetchPlan {
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
                p.error = Some(short_error(&e, &fetch.url));
                return p;
            }
        };
        p.name = r.name.clone();
        p.origin = r.origin.describe();
        p.on_disk = on_disk(downloads, &r.name);
        match self.fetcher.size(&r) {
            Ok(s) => p.size = s.or(p.size),
            Err(e) => p.error = Some(short_error(&e, &fetch.url)),
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
            p.throughput = match self.measure(u, p.size) {
                Ok(t) => t,
                Err(e) => {
                    // a source whose size the definition gives is still checked: one
                    // that cannot be reached (unknown host, refused connection) is a
                    // problem; one that refuses the small range request is not
                    if !e.message().starts_with("HTTP ") {
                        p.error = Some(short_error(&e, u));
                    }
                    None
                }
            };
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

/// A dataset's entry in the plan, in recipe order.
enum Entry {
    /// A source: index into the probes.
    Probe(usize),
    /// A page of links: index into the pages.
    Page(usize),
}

/// An error for the plan's table: its message alone when it is about `url` itself (the
/// table shows the URL), else with the file or URL it names.
fn short_error(e: &crate::Error, url: &str) -> String {
    let mega = |s: &str| s.starts_with("https://mega.nz/") || s.starts_with("http://mega.nz/");
    match e.file().and_then(|f| f.to_str()) {
        Some(f) if f == url || (mega(f) && mega(url)) => e.message().to_string(),
        _ => e.to_string(),
    }
}

/// One source to probe: which dataset (`None`: the ground-truth archive), what, and how.
struct Probe {
    dataset: Option<usize>,
    fetch: Fetch,
    downloads: PathBuf,
    archive: Option<ArchiveFormat>,
    /// Read in place (the ASAP archive), not extracted.
    in_place: bool,
}

/// A page whose links are downloaded (`download_links`).
struct Page {
    dataset: usize,
    page: String,
    accept: Vec<String>,
    downloads: PathBuf,
}

/// What a page probe found: the files to fetch, or why the page could not be read.
type PageResult = std::result::Result<Vec<Fetch>, String>;

fn read_page(fetcher: &Fetcher, p: &Page) -> PageResult {
    let html = fetcher
        .get_text(p.page.as_str())
        .map_err(|e| short_error(&e, &p.page))?;
    let pats: Vec<glob::Pattern> = p
        .accept
        .iter()
        .filter_map(|a| glob::Pattern::new(a).ok())
        .collect();
    Ok(page_links(&html.text, &p.page)
        .into_iter()
        .filter_map(|l| {
            let name = url_file_name(&l).map(|n| percent_decode(&n))?;
            pats.iter().any(|p| p.matches(&name)).then_some(Fetch {
                url: l,
                name: Some(name),
                alternatives: Vec::new(),
                checksum: None,
                size: None,
            })
        })
        .collect())
}

/// The sizes the definitions themselves give, before any source is contacted: per
/// dataset to install, the bytes declared by its downloads and how many downloads
/// declare none (their size is only known from the source).
///
/// ```
/// let opts = asmd::install::InstallOptions::new(
///     std::env::temp_dir().join("asmd-known-sizes-doc"),
///     asmd::definition::official().unwrap().to_vec(),
/// );
/// let known = asmd::install::plan::known_sizes(&opts).unwrap();
/// let maestro = known.iter().find(|k| k.0 == "Maestro").unwrap();
/// assert_eq!(maestro.1, 108_445_099_632); // the zip's size is in the definition
/// assert_eq!(maestro.2, 1); // the ASAP archive's is not
/// ```
pub fn known_sizes(opts: &InstallOptions) -> Result<Vec<(String, u64, usize)>> {
    let mut out = Vec::new();
    for def in opts.selected()? {
        let recipe = Recipe::of(def)?;
        let mut bytes = 0;
        let mut unknown = 0;
        for s in &recipe.steps {
            match s {
                Step::Download { fetch, .. } | Step::AsapScores { fetch, .. } => match fetch.size {
                    Some(n) => bytes += n,
                    None => unknown += 1,
                },
                Step::DownloadLinks { .. } => unknown += 1,
                _ => {}
            }
        }
        out.push((def.name.clone(), bytes, unknown));
    }
    Ok(out)
}

/// One line for the user with [`known_sizes`], shown while the sources are checked.
fn known_sizes_line(known: &[(String, u64, usize)], skip: &[&str]) -> String {
    let parts: Vec<String> = known
        .iter()
        .filter(|(n, _, _)| !skip.contains(&n.as_str()))
        .map(|(n, bytes, unknown)| match (bytes, unknown) {
            (0, _) => format!("{n} ?"),
            (b, 0) => format!("{n} {}", human_bytes(*b)),
            (b, _) => format!("{n} {}+", human_bytes(*b)),
        })
        .collect();
    format!(
        "download sizes in the definitions: {} (? = known only from the source)",
        parts.join(", ")
    )
}

/// Compute the plan of `opts` (contacts the sources; writes nothing).
///
/// The sources are probed concurrently ([`PROBE_THREADS`] at a time). With
/// `opts.progress` and a terminal on stderr, the sizes the definitions already give are
/// shown at once, then a spinner counts the sources checked; otherwise nothing is drawn
/// (the observer still receives a message and `check sources` progress events).
pub fn plan(opts: &InstallOptions) -> Result<Plan> {
    let selected = opts.selected()?;
    let layout = opts.layout();
    let fetcher = Fetcher::new(Http::new(opts.net.clone()), opts.mirror.clone());
    let prober = Prober {
        fetcher: &fetcher,
        throughput: Mutex::new(HashMap::new()),
    };
    let statuses = state::status(
        &opts.install_dir,
        &selected.iter().map(|d| (*d).clone()).collect::<Vec<_>>(),
        opts.work_dir.as_deref(),
    )?;
    let reporter = Reporter::terminal_only(opts);
    let mut datasets = Vec::new();
    // what to probe, in plan order: (dataset, step) -> probes and pages
    let mut probes: Vec<Probe> = Vec::new();
    let mut pages: Vec<Page> = Vec::new();
    // per dataset, the order of its entries: a probe index or a page index
    let mut order: Vec<Vec<Entry>> = Vec::new();
    for (k, (def, st)) in selected.iter().zip(statuses).enumerate() {
        let recipe = Recipe::of(def)?;
        let install = opts.force || st.state != DatasetState::Installed;
        let downloads = layout.downloads(&def.name);
        let mut entries = Vec::new();
        if install {
            for s in &recipe.steps {
                match s {
                    Step::Download { fetch, .. } | Step::AsapScores { fetch, .. } => {
                        let name = fetch.file_name();
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
                        let asap = matches!(s, Step::AsapScores { .. });
                        entries.push(Entry::Probe(probes.len()));
                        probes.push(Probe {
                            dataset: Some(k),
                            fetch: fetch.clone(),
                            downloads: downloads.clone(),
                            archive: if asap { Some(ArchiveFormat::Zip) } else { fmt },
                            in_place: asap,
                        });
                    }
                    Step::DownloadLinks { page, accept, .. } => {
                        entries.push(Entry::Page(pages.len()));
                        pages.push(Page {
                            dataset: k,
                            page: page.clone(),
                            accept: accept.clone(),
                            downloads: downloads.join("links"),
                        });
                    }
                    _ => {}
                }
            }
        }
        order.push(entries);
        datasets.push(DatasetPlan {
            name: def.name.clone(),
            state: st.state,
            install,
            steps: recipe.steps.iter().map(Step::describe).collect(),
            fetches: Vec::new(),
            shell_lines: if install {
                recipe.shell_lines()
            } else {
                Vec::new()
            },
        });
    }
    let want_gt = opts.ground_truth == GtMode::Archive
        && selected
            .iter()
            .any(|d| opts.force || !layout.dataset(&d.name).join(state::GT_MARKER).is_file());
    if want_gt {
        probes.push(Probe {
            dataset: None,
            fetch: opts.gt_source.fetch.clone(),
            downloads: layout.gt_downloads(),
            archive: None,
            in_place: false,
        });
    }

    let skip: Vec<&str> = datasets
        .iter()
        .filter(|d| !d.install)
        .map(|d| d.name.as_str())
        .collect();
    if skip.len() < datasets.len() {
        reporter.message(None, &known_sizes_line(&known_sizes(opts)?, &skip));
    }
    let task = reporter.counter("plan", "check sources", "sources checked");
    let checked = AtomicUsize::new(0);
    let total = AtomicUsize::new(probes.len() + pages.len());
    let tick = || {
        let done = checked.fetch_add(1, Ordering::SeqCst) + 1;
        task.update(done as u64, Some(total.load(Ordering::SeqCst) as u64));
    };
    task.update(0, Some(total.load(Ordering::SeqCst) as u64));
    // pages first (their links are sources too), then every source at once
    let page_results: Vec<PageResult> = par_map(&pages, PROBE_THREADS, |p| {
        let r = read_page(&fetcher, p);
        tick();
        r
    });
    let mut link_probes: Vec<(usize, usize)> = Vec::new(); // (page, probe index)
    for (i, (p, r)) in pages.iter().zip(&page_results).enumerate() {
        if let Ok(links) = r {
            total.fetch_add(links.len(), Ordering::SeqCst);
            for f in links {
                link_probes.push((i, probes.len()));
                probes.push(Probe {
                    dataset: Some(p.dataset),
                    fetch: f.clone(),
                    downloads: p.downloads.clone(),
                    archive: None,
                    in_place: false,
                });
            }
        }
    }
    let mut results: Vec<Option<FetchPlan>> = par_map(&probes, PROBE_THREADS, |p| {
        let mut f = prober.fetch(&p.fetch, &p.downloads, p.archive);
        if p.in_place {
            f.unpacked = None; // read in place, not extracted
        } else if p.dataset.is_none() {
            f.unpacked = f.size; // only the chosen datasets' part is extracted: an upper bound
        }
        tick();
        Some(f)
    })
    .into_iter()
    .collect();
    drop(task);
    let ground_truth = if want_gt {
        results.last_mut().and_then(Option::take)
    } else {
        None
    };
    for (k, entries) in order.iter().enumerate() {
        let mut fetches = Vec::new();
        for e in entries {
            match *e {
                Entry::Probe(i) => fetches.extend(results.get_mut(i).and_then(Option::take)),
                Entry::Page(pi) => match page_results.get(pi) {
                    Some(Ok(_)) => {
                        for (_, i) in link_probes.iter().filter(|(p, _)| *p == pi) {
                            fetches.extend(results.get_mut(*i).and_then(Option::take));
                        }
                    }
                    Some(Err(e)) => {
                        let page = &pages[pi].page;
                        fetches.push(FetchPlan {
                            url: page.clone(),
                            name: url_file_name(page).unwrap_or_default(),
                            origin: page.clone(),
                            size: None,
                            on_disk: 0,
                            unpacked: None,
                            error: Some(e.clone()),
                            throughput: None,
                        })
                    }
                    None => {}
                },
            }
        }
        if let Some(d) = datasets.get_mut(k) {
            d.fetches = fetches;
        }
    }
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
    let measured: Vec<f64> = prober.measured();
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
        selection: selected
            .iter()
            .filter(|_| !opts.datasets.is_empty())
            .map(|d| d.name.clone())
            .collect(),
    })
}
