//! The installer: official sources to a ready collection, resumable, verified and safe.
//!
//! Data flow for `asmd install` ([`install`]):
//! 1. **Choose**: [`InstallOptions`] names the install dir, the definitions and the
//!    datasets (or the interactive mode, [`interactive`], asks for them).
//! 2. **Plan** ([`plan::plan`]): download sizes (HTTP HEAD, Mega's API, mirror files;
//!    every source probed at the same time, the sizes the definitions give shown
//!    first), disk needed, free space, time estimated from a measured throughput;
//!    `dry_run` stops there. A host name that does not resolve fails at once (no
//!    retries: [`http`]).
//! 3. **Per dataset, in parallel** ([`steps`]): the definition's [`recipe::Recipe`]
//!    (declarative steps, or the legacy `url` + `post-process` lines) runs in a staging
//!    folder: downloads ([`download`], [`mega`], [`fetch`] with `--mirror`) resume from
//!    `.part` files, archives are unpacked safely ([`unpack`]), files are moved, copied
//!    and removed by globs, Maestro's ASAP scores are imported ([`asap`]), shell lines
//!    run only with consent ([`shell`]). A journal records completed steps.
//! 4. **Commit**: the staging folder is moved to `<install_dir>/<name>` and the
//!    completion marker with the manifest is written last ([`state`]).
//! 5. **Ground truth** ([`gt_archive`]): the GT archive is fetched (in parallel with the
//!    datasets) and only the chosen datasets' files are extracted; or a caller-supplied
//!    conversion hook rebuilds them.
//!
//! Killing the process at any moment and running the same install again finishes the
//! job without fetching finished bytes again. `status` and `verify` are in [`state`].
//!
//! ```no_run
//! use asmd::install::{install, InstallOptions};
//! let mut opts = InstallOptions::new("/data/asmd", asmd::definition::official().unwrap().to_vec());
//! opts.datasets = vec!["PHENICX".into(), "Bach10".into()];
//! let report = install(&opts).unwrap();
//! report.result().unwrap();
//! ```

pub mod asap;
pub mod checksum;
pub mod download;
pub mod events;
pub mod fetch;
pub mod gt_archive;
pub mod http;
pub mod interactive;
pub mod mega;
pub mod plan;
pub mod recipe;
pub mod shell;
pub mod state;
pub mod steps;
pub mod unpack;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::definition::Definition;
use crate::error::{Error, ErrorKind, IoContext, Result};

pub use download::NetOptions;
pub(crate) use events::Reporter;
pub use events::{Event, Observer};
pub use fetch::Mirror;
pub use gt_archive::{GtSource, GROUND_TRUTH_URL};
pub use plan::{plan, Plan};
pub use state::{status, verify, DatasetState, DatasetStatus, DatasetVerify, VerifyOptions};

/// How ground truth is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GtMode {
    /// Download the ASMD ground-truth archive and extract the chosen datasets' files.
    #[default]
    Archive,
    /// Rebuild it from the original annotations with [`InstallOptions::convert`].
    Convert,
    /// Leave it out.
    Skip,
}

/// A conversion hook: rebuild the ground truth of one installed dataset
/// (definition, install dir).
pub type ConvertHook = Arc<dyn Fn(&Definition, &Path) -> Result<()> + Send + Sync>;

/// Everything a non-interactive install needs.
#[derive(Clone)]
pub struct InstallOptions {
    /// Install directory (created if missing).
    pub install_dir: PathBuf,
    /// Scratch folder for downloads and unpacking (`decompress_path`); default
    /// `<install_dir>/.asmd/work`.
    pub work_dir: Option<PathBuf>,
    /// The collection to choose from.
    pub definitions: Vec<Definition>,
    /// Datasets to install, by name (case-insensitive); empty = all.
    pub datasets: Vec<String>,
    /// Leave out, with the reason, datasets whose files have no known source and are
    /// not on the mirror (always done when `datasets` is empty, i.e. for "all").
    pub skip_unavailable: bool,
    /// Ground truth: archive, conversion or nothing.
    pub ground_truth: GtMode,
    /// Where the ground-truth archive comes from.
    pub gt_source: GtSource,
    /// Conversion hook used with [`GtMode::Convert`].
    pub convert: Option<ConvertHook>,
    /// Consent to run definitions' shell lines.
    pub allow_shell: bool,
    /// Folder `&asmd_dir` stands for (default: materialised from the binary).
    pub asmd_dir: Option<PathBuf>,
    /// Lab mirror or local folder tried before the official sources.
    pub mirror: Option<Mirror>,
    /// Reinstall datasets that are already installed.
    pub force: bool,
    /// Keep downloaded archives after a successful install.
    pub keep_downloads: bool,
    /// Accept an install where files listed in the definition are missing.
    pub allow_missing: bool,
    /// Only compute the plan.
    pub dry_run: bool,
    /// Datasets processed in parallel (downloads overlap).
    pub jobs: usize,
    /// Network settings.
    pub net: NetOptions,
    /// Report on stderr: progress bars and messages on a terminal, plain message lines
    /// otherwise. `false`: silent (events still reach the observer).
    pub progress: bool,
    /// Event receiver.
    pub observer: Option<Observer>,
    /// Extra environment variables for shell lines.
    pub shell_env: Vec<(String, String)>,
    /// The Python interpreter that has asmd: shell lines calling `python -m asmd...`
    /// run it (default: `$ASMD_PYTHON`, which the Python package sets to itself).
    pub python: Option<PathBuf>,
}

impl std::fmt::Debug for InstallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallOptions")
            .field("install_dir", &self.install_dir)
            .field("work_dir", &self.work_dir)
            .field(
                "definitions",
                &self.definitions.iter().map(|d| &d.name).collect::<Vec<_>>(),
            )
            .field("datasets", &self.datasets)
            .field("ground_truth", &self.ground_truth)
            .field("allow_shell", &self.allow_shell)
            .field("mirror", &self.mirror)
            .field("force", &self.force)
            .field("dry_run", &self.dry_run)
            .field("jobs", &self.jobs)
            .finish_non_exhaustive()
    }
}

impl InstallOptions {
    /// Defaults: all datasets of `definitions`, GT archive, no shell, 3 parallel jobs,
    /// progress bars, mirror from `$ASMD_MIRROR`, Python from `$ASMD_PYTHON`.
    pub fn new(install_dir: impl Into<PathBuf>, definitions: Vec<Definition>) -> InstallOptions {
        InstallOptions {
            install_dir: install_dir.into(),
            work_dir: None,
            definitions,
            datasets: Vec::new(),
            skip_unavailable: false,
            ground_truth: GtMode::Archive,
            gt_source: GtSource::official(),
            convert: None,
            allow_shell: false,
            asmd_dir: None,
            mirror: Mirror::from_env(),
            force: false,
            keep_downloads: false,
            allow_missing: false,
            dry_run: false,
            jobs: 3,
            net: NetOptions::default(),
            progress: true,
            observer: None,
            shell_env: Vec::new(),
            python: std::env::var_os(shell::ENV_PYTHON)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }

    /// Options for the install dir of a datasets.json; its `decompress_path` becomes the
    /// work folder unless it is the default `./` (the file's own folder).
    pub fn from_metadataset(
        m: &crate::Metadataset,
        definitions: Vec<Definition>,
    ) -> InstallOptions {
        let mut o = InstallOptions::new(m.install_dir.clone(), definitions);
        let default_dp = m
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .map(|p| p.join("."));
        if Some(&m.decompress_path) != default_dp.as_ref() && m.decompress_path != m.install_dir {
            o.work_dir = Some(m.decompress_path.clone());
        }
        o
    }

    /// The chosen definitions, in collection order (error for unknown names).
    pub fn selected(&self) -> Result<Vec<&Definition>> {
        if self.datasets.is_empty() {
            return Ok(self.definitions.iter().collect());
        }
        let mut out = Vec::new();
        for want in &self.datasets {
            let d = self
                .definitions
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(want))
                .ok_or_else(|| {
                    Error::argument(format!(
                        "unknown dataset `{want}` (available: {})",
                        self.definitions
                            .iter()
                            .map(|d| d.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            if !out.iter().any(|o: &&Definition| o.name == d.name) {
                out.push(d);
            }
        }
        out.sort_by_key(|d| self.definitions.iter().position(|x| x.name == d.name));
        Ok(out)
    }

    /// The layout of the install dir.
    pub fn layout(&self) -> state::Layout {
        state::Layout::new(&self.install_dir, self.work_dir.as_deref())
    }
}

/// What happened to one dataset.
#[derive(Debug)]
pub enum Outcome {
    /// Installed by this run.
    Installed,
    /// Already installed (marker present); nothing done.
    AlreadyInstalled,
    /// A complete folder without marker was found and recorded as installed.
    Adopted,
    /// Left out of an install of every dataset, for the reason given: its files have no
    /// known source and the mirror does not hold them. (Named explicitly, such a dataset
    /// fails with that reason instead.)
    Skipped(String),
    /// Not installed: the error says why.
    Failed(Error),
}

impl Outcome {
    /// True unless failed.
    pub fn ok(&self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }

    /// `installed`, `already installed`, `adopted`, `skipped` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Installed => "installed",
            Outcome::AlreadyInstalled => "already installed",
            Outcome::Adopted => "adopted",
            Outcome::Skipped(_) => "skipped",
            Outcome::Failed(_) => "failed",
        }
    }

    /// Why a dataset was skipped or failed.
    pub fn reason(&self) -> Option<String> {
        match self {
            Outcome::Skipped(r) => Some(r.clone()),
            Outcome::Failed(e) => Some(e.to_string()),
            _ => None,
        }
    }

    /// True when the dataset is in place after the run.
    pub fn in_place(&self) -> bool {
        matches!(
            self,
            Outcome::Installed | Outcome::AlreadyInstalled | Outcome::Adopted
        )
    }
}

/// Per-dataset result of [`install`].
#[derive(Debug)]
pub struct DatasetReport {
    /// Dataset name.
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
    /// Bytes received over the network for it.
    pub received: u64,
    /// Ground truth: `None` when not requested; else the number of files extracted by
    /// this run (0 when it was already there, or when the archive has none for this
    /// dataset: `status` then shows the GT as absent), or why it failed.
    pub ground_truth: Option<Result<usize>>,
}

/// The result of [`install`].
#[derive(Debug, Default)]
pub struct InstallReport {
    /// The plan, when `dry_run` was set.
    pub plan: Option<Plan>,
    /// One entry per chosen dataset, in collection order.
    pub datasets: Vec<DatasetReport>,
}

impl InstallReport {
    /// `Ok` when every dataset (and its ground truth, when requested) succeeded; else
    /// the first error.
    pub fn result(self) -> Result<()> {
        for d in self.datasets {
            if let Outcome::Failed(e) = d.outcome {
                return Err(e);
            }
            if let Some(Err(e)) = d.ground_truth {
                return Err(e);
            }
        }
        Ok(())
    }

    /// True when [`InstallReport::result`] would be `Ok`.
    pub fn ok(&self) -> bool {
        self.datasets
            .iter()
            .all(|d| d.outcome.ok() && !matches!(d.ground_truth, Some(Err(_))))
    }
}

/// Holds an exclusive lock on the install's work folder (released on drop or exit).
struct InstallLock {
    _file: std::fs::File,
}

fn lock(layout: &state::Layout) -> Result<InstallLock> {
    std::fs::create_dir_all(&layout.work_root).with_path(&layout.work_root)?;
    let p = layout.work_root.join("lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&p)
        .with_path(&p)?;
    match fs4::FileExt::try_lock(&f) {
        Ok(()) => Ok(InstallLock { _file: f }),
        _ => Err(Error::new(
            ErrorKind::Cancelled,
            "another asmd install is running on this install directory",
        )
        .with_file(&p)),
    }
}

/// Why a dataset is left out of an install of *every* dataset: a file of its recipe has
/// no known source and the mirror does not hold it (e.g. TRIOS, whose host is gone).
/// Datasets named explicitly are never skipped (they fail with that reason), nor are
/// installed ones.
fn skip_reason(
    opts: &InstallOptions,
    def: &Definition,
    rec: &recipe::Recipe,
    fetcher: &fetch::Fetcher,
    layout: &state::Layout,
) -> Option<String> {
    if !(opts.datasets.is_empty() || opts.skip_unavailable)
        || (!opts.force && layout.dataset(&def.name).join(state::MARKER).is_file())
    {
        return None;
    }
    rec.fetches()
        .into_iter()
        .filter(|f| !f.has_source())
        .find_map(|f| fetcher.resolve(f).err())
        .map(|e| {
            format!(
                "{}; name it (`asmd install {}`) with a mirror to install it",
                e.message(),
                def.name
            )
        })
}

/// Install the chosen datasets (see the module documentation). Per-dataset failures
/// are reported in [`InstallReport`]; `Err` means nothing could start (bad options,
/// another install running).
pub fn install(opts: &InstallOptions) -> Result<InstallReport> {
    let selected = opts.selected()?;
    let recipes = selected
        .iter()
        .map(|d| recipe::Recipe::of(d))
        .collect::<Result<Vec<_>>>()?;
    if opts.ground_truth == GtMode::Convert && opts.convert.is_none() {
        return Err(Error::argument(
            "ground truth by conversion needs a conversion hook (none was given)",
        ));
    }
    if opts.dry_run {
        return Ok(InstallReport {
            plan: Some(plan::plan(opts)?),
            datasets: Vec::new(),
        });
    }
    std::fs::create_dir_all(&opts.install_dir).with_path(&opts.install_dir)?;
    let layout = opts.layout();
    let _lock = lock(&layout)?;
    let reporter = Reporter::new(opts);
    let asmd_dir = if recipes.iter().any(recipe::Recipe::needs_shell)
        || recipes.iter().any(|r| {
            r.steps.iter().any(
                |s| matches!(s, recipe::Step::Copy { from, .. } if from.starts_with("&asmd_dir/")),
            )
        }) {
        shell::asmd_dir(opts.asmd_dir.as_deref())?
    } else {
        opts.asmd_dir.clone().unwrap_or_default()
    };
    let fetcher = fetch::Fetcher::new(download::Http::new(opts.net.clone()), opts.mirror.clone());

    // GT archive download runs alongside the datasets.
    let want_gt = opts.ground_truth == GtMode::Archive
        && (opts.force
            || selected
                .iter()
                .any(|d| !layout.dataset(&d.name).join(state::GT_MARKER).is_file()));
    let gt_result: Mutex<Option<Result<fetch::Fetched>>> = Mutex::new(None);

    let outcomes: Vec<Mutex<Option<(Outcome, u64)>>> =
        selected.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let jobs = opts.jobs.max(1);
    let n_tasks = selected.len() + usize::from(want_gt);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(n_tasks.max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n_tasks {
                    break;
                }
                if want_gt && i == 0 {
                    let r =
                        gt_archive::fetch_archive(&fetcher, &opts.gt_source, &layout, &reporter);
                    if let Ok(mut g) = gt_result.lock() {
                        *g = Some(r);
                    }
                    continue;
                }
                let k = i - usize::from(want_gt);
                let (Some(def), Some(rec)) = (selected.get(k), recipes.get(k)) else {
                    continue;
                };
                let ctx = steps::DatasetCtx {
                    def,
                    recipe: rec,
                    layout: &layout,
                    fetcher: &fetcher,
                    reporter: &reporter,
                    asmd_dir: &asmd_dir,
                    opts,
                };
                let (outcome, received) = match skip_reason(opts, def, rec, &fetcher, &layout) {
                    Some(reason) => (Outcome::Skipped(reason), 0),
                    None => match steps::install_dataset(&ctx) {
                        Ok((o, r)) => (o, r),
                        Err(e) => (Outcome::Failed(e), 0),
                    },
                };
                reporter.finished(&def.name, &outcome);
                if let Some(slot) = outcomes.get(k) {
                    if let Ok(mut s) = slot.lock() {
                        *s = Some((outcome, received));
                    }
                }
            });
        }
    });

    let mut report = InstallReport::default();
    for (def, slot) in selected.iter().zip(outcomes) {
        let (outcome, received) = slot.into_inner().ok().flatten().unwrap_or_else(|| {
            (
                Outcome::Failed(Error::new(ErrorKind::Cancelled, "not run")),
                0,
            )
        });
        report.datasets.push(DatasetReport {
            name: def.name.clone(),
            outcome,
            received,
            ground_truth: None,
        });
    }

    // Ground truth for every dataset that is now in place.
    match opts.ground_truth {
        GtMode::Skip => {}
        GtMode::Archive => {
            let fetched = gt_result.into_inner().ok().flatten();
            let ready: Vec<&Definition> = selected
                .iter()
                .zip(&report.datasets)
                .filter(|(d, r)| {
                    r.outcome.in_place()
                        && (opts.force || !layout.dataset(&d.name).join(state::GT_MARKER).is_file())
                })
                .map(|(d, _)| *d)
                .collect();
            let results = match fetched {
                Some(Ok(f)) if !ready.is_empty() => {
                    let r = gt_archive::extract_with(
                        &f.path,
                        opts.gt_source.format,
                        &ready,
                        &layout,
                        &reporter,
                    );
                    if r.is_ok() && !opts.keep_downloads {
                        let _ = std::fs::remove_dir_all(layout.gt_downloads());
                    }
                    r.map_err(|e| e.to_string())
                }
                Some(Ok(_)) | None => Ok(Vec::new()),
                Some(Err(e)) => Err(e.to_string()),
            };
            for (def, rep) in selected.iter().zip(report.datasets.iter_mut()) {
                if !rep.outcome.in_place() {
                    continue;
                }
                let dir = layout.dataset(&def.name);
                rep.ground_truth = Some(match &results {
                    Ok(list) => match list.iter().find(|(n, _)| *n == def.name) {
                        Some((_, count)) => Ok(*count),
                        None if dir.join(state::GT_MARKER).is_file() => Ok(0),
                        None => {
                            reporter.message(
                                Some(&def.name),
                                "warning: the ground-truth archive has no files for this dataset",
                            );
                            Ok(0)
                        }
                    },
                    Err(msg) if dir.join(state::GT_MARKER).is_file() => {
                        let _ = msg;
                        Ok(0)
                    }
                    Err(msg) => Err(Error::new(
                        ErrorKind::Network,
                        format!(
                            "ground-truth archive: {msg}. {}",
                            gt_archive::convert_hint(&def.name)
                        ),
                    )),
                });
            }
        }
        GtMode::Convert => {
            if let Some(hook) = &opts.convert {
                for (def, rep) in selected.iter().zip(report.datasets.iter_mut()) {
                    if !rep.outcome.in_place() {
                        continue;
                    }
                    let dir = layout.dataset(&def.name);
                    if !opts.force && dir.join(state::GT_MARKER).is_file() {
                        rep.ground_truth = Some(Ok(0));
                        continue;
                    }
                    reporter.message(
                        Some(&def.name),
                        "converting the original annotations to ground truth",
                    );
                    rep.ground_truth = Some(hook(def, &opts.install_dir).and_then(|_| {
                        gt_archive::write_gt_marker(&dir, "convert", 0)?;
                        Ok(0)
                    }));
                }
            }
        }
    }
    Ok(report)
}
