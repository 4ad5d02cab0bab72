//! Running one dataset's recipe: staging, steps, completeness check, commit.
//!
//! The steps work on `<work>/<name>/root/<name>` (the staging copy of the dataset;
//! `<work>/<name>/root` stands for `&install_dir` in shell lines), so the real
//! `<install_dir>/<name>` only ever appears complete. A journal records each completed
//! step: after a kill, the next run continues at the interrupted step (declarative steps
//! are idempotent; an interrupted shell step restarts the staging from scratch, because
//! shell lines are not), and downloads continue from their `.part` files. When every step
//! succeeded, the files the definition lists are checked, a manifest (size + CRC-32 of
//! every file; CRC-32s computed during extraction are reused) is built, the staging
//! folder is moved into place and the completion marker is written last.
//!
//! **Links and containment.** Every path a step opens, writes, renames or removes is
//! checked with a [`Boundary`] (the staging dataset folder; `&asmd_dir` too for copy
//! sources): globs are expanded, then each match is resolved, so no step reads, writes
//! or deletes through a symbolic link that leads outside the dataset folder. A `move`
//! is refused before anything moves when a relative link it carries (the match itself
//! or one inside a moved folder) would point outside the dataset folder from its new
//! place. After every step the staging folder is audited ([`audit_links`]): a link that
//! leads outside it, or an absolute link (which could not survive the move into place),
//! fails the install, so a dataset with an escaping link is never reported installed.
//!
//! ```
//! use std::path::Path;
//! let d = tempfile::tempdir().unwrap();
//! std::fs::create_dir_all(d.path().join("midi")).unwrap();
//! std::fs::write(d.path().join("midi/a.mid"), b"x").unwrap();
//! let m = asmd::install::steps::glob_in(d.path(), "midi/*.mid").unwrap();
//! assert_eq!(m, vec![d.path().join("midi/a.mid")]);
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::fetch::{page_links, percent_decode, Fetcher};
use super::recipe::{Fetch, Recipe, Step};
use super::state::{self, Journal, Layout, Marker, SourceRecord};
use super::unpack::{self, ArchiveFormat};
use super::{InstallOptions, Outcome, Reporter};
use crate::definition::Definition;
use crate::error::{Error, ErrorKind, IoContext, Result};
use crate::files::Boundary;

pub(crate) struct DatasetCtx<'a> {
    pub def: &'a Definition,
    pub recipe: &'a Recipe,
    pub layout: &'a Layout,
    pub fetcher: &'a Fetcher,
    pub reporter: &'a Reporter,
    pub asmd_dir: &'a Path,
    pub opts: &'a InstallOptions,
}

#[derive(Default)]
struct Run {
    fetched: HashMap<String, PathBuf>,
    sources: Vec<SourceRecord>,
    known: HashMap<String, (u64, u32)>,
    received: u64,
}

/// Paths matching `pattern` (a glob relative to `base`; `.` is `base` itself), sorted.
pub fn glob_in(base: &Path, pattern: &str) -> Result<Vec<PathBuf>> {
    let pat = pattern.trim_end_matches('/');
    let pat = pat.strip_prefix("./").unwrap_or(pat);
    if pat.is_empty() || pat == "." {
        return Ok(if base.exists() {
            vec![base.to_path_buf()]
        } else {
            Vec::new()
        });
    }
    let base_s = base.to_str().ok_or_else(|| {
        Error::new(ErrorKind::Unsupported, "folder name is not valid UTF-8").with_file(base)
    })?;
    let full = format!("{}/{}", glob::Pattern::escape(base_s), pat);
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let paths = glob::glob_with(&full, opts)
        .map_err(|e| Error::argument(format!("bad glob `{pattern}`: {e}")))?;
    let mut out = Vec::new();
    for p in paths {
        let p = p.map_err(|e| Error::io(e.path(), std::io::Error::other(e.to_string())))?;
        out.push(p);
    }
    out.sort();
    Ok(out)
}

/// `base/rel` where `.`, `./` and empty mean `base` itself.
fn inside(base: &Path, rel: &str) -> PathBuf {
    let mut p = base.to_path_buf();
    for c in rel.split('/').filter(|c| !c.is_empty() && *c != ".") {
        p.push(c);
    }
    p
}

fn is_dir_target(to: &str, dest: &Path, n: usize) -> bool {
    to.ends_with('/') || to == "." || dest.is_dir() || n > 1
}

/// Create `dir` and its missing parents, inside `b`.
fn make_dirs(dir: &Path, b: &Boundary) -> Result<()> {
    b.check_open(dir)?;
    std::fs::create_dir_all(dir).with_path(dir)
}

/// Move `src` to `dst`, merging into an existing folder; both entries inside `b`.
fn move_path(src: &Path, dst: &Path, b: &Boundary) -> Result<()> {
    if src == dst {
        return Ok(());
    }
    b.check_entry(src)?;
    b.check_entry(dst)?;
    let src_dir = std::fs::symlink_metadata(src).with_path(src)?.is_dir();
    if let Ok(m) = std::fs::symlink_metadata(dst) {
        if m.is_dir() && src_dir {
            for e in std::fs::read_dir(src).with_path(src)? {
                let e = e.with_path(src)?;
                move_path(&e.path(), &dst.join(e.file_name()), b)?;
            }
            return std::fs::remove_dir(src).with_path(src);
        }
        if m.is_dir() {
            std::fs::remove_dir_all(dst).with_path(dst)?;
        } else {
            std::fs::remove_file(dst).with_path(dst)?;
        }
    }
    if let Some(p) = dst.parent() {
        make_dirs(p, b)?;
    }
    std::fs::rename(src, dst).with_path(dst)
}

/// Refuse to move `src` to `dst` (inside `stage`) when a relative symbolic link it
/// carries would point outside the dataset folder from its new place. Links are
/// resolved lexically from where they will be; the audit after the step resolves them
/// on disk once more (chains through other links).
fn check_moved_links(src: &Path, dst: &Path, stage: &Path, b: &Boundary) -> Result<()> {
    let mut stack = vec![(src.to_path_buf(), dst.to_path_buf())];
    while let Some((s, d)) = stack.pop() {
        let md = std::fs::symlink_metadata(&s).with_path(&s)?;
        if md.file_type().is_symlink() {
            let target = std::fs::read_link(&s).with_path(&s)?;
            let new_rel = d.strip_prefix(stage).unwrap_or(&d);
            let inside = if target.is_absolute() {
                b.holds(&crate::files::resolve(&target)?)
            } else {
                super::unpack::resolve_link(new_rel, &target.to_string_lossy()).is_some()
            };
            if !inside {
                let old_rel = s.strip_prefix(stage).unwrap_or(&s);
                return Err(Error::new(
                    ErrorKind::Archive,
                    format!(
                        "refusing to move the symbolic link `{}` (to `{}`) to `{}`: from there it would point outside the dataset folder",
                        old_rel.display(),
                        target.display(),
                        new_rel.display()
                    ),
                ));
            }
        } else if md.is_dir() {
            for e in std::fs::read_dir(&s).with_path(&s)? {
                let e = e.with_path(&s)?;
                stack.push((e.path(), d.join(e.file_name())));
            }
        }
    }
    Ok(())
}

/// Copy a file or folder (recursively, links followed) from inside `from` to `dst`
/// inside `to`. `seen` holds the resolved folders being copied (a link to one of them
/// would copy forever).
fn copy_path(
    src: &Path,
    dst: &Path,
    from: &Boundary,
    to: &Boundary,
    seen: &mut Vec<PathBuf>,
) -> Result<()> {
    let real = from.check_open(src)?;
    let m = std::fs::metadata(src).with_path(src)?;
    if m.is_dir() {
        if seen.contains(&real) {
            return Err(Error::new(
                ErrorKind::Archive,
                "refusing to copy: a symbolic link leads back into the folder being copied",
            )
            .with_file(src));
        }
        make_dirs(dst, to)?;
        seen.push(real);
        for e in std::fs::read_dir(src).with_path(src)? {
            let e = e.with_path(src)?;
            copy_path(&e.path(), &dst.join(e.file_name()), from, to, seen)?;
        }
        seen.pop();
        return Ok(());
    }
    if let Some(p) = dst.parent() {
        make_dirs(p, to)?;
    }
    to.check_entry(dst)?;
    let tmp = super::download::with_suffix(dst, ".asmd-tmp");
    to.check_open(&tmp)?;
    std::fs::copy(src, &tmp).with_path(&tmp)?;
    std::fs::rename(&tmp, dst).with_path(dst)
}

/// Put a downloaded file (or a mirror folder's, possibly through a link the user made)
/// at `dst` inside `b`: a hard link to the file itself when possible, else a copy.
fn place_file(src: &Path, dst: &Path, b: &Boundary) -> Result<()> {
    if let Some(p) = dst.parent() {
        make_dirs(p, b)?;
    }
    b.check_entry(dst)?;
    if std::fs::symlink_metadata(dst).is_ok() {
        std::fs::remove_file(dst).with_path(dst)?;
    }
    let real = crate::files::resolve(src)?;
    if std::fs::hard_link(&real, dst).is_ok() {
        return Ok(());
    }
    let from = Boundary::new(real.parent().unwrap_or(&real))?;
    copy_path(&real, dst, &from, b, &mut Vec::new())
}

/// Move a whole folder, across file systems if needed (copy to a sibling, then rename).
fn move_tree(src: &Path, dst: &Path) -> Result<()> {
    match std::fs::rename(src, dst) {
        Ok(()) => Ok(()),
        Err(e)
            if e.raw_os_error() == Some(18) || e.kind() == std::io::ErrorKind::CrossesDevices =>
        {
            let incoming = super::download::with_suffix(dst, ".asmd-incoming");
            if incoming.exists() {
                std::fs::remove_dir_all(&incoming).with_path(&incoming)?;
            }
            copy_path(
                src,
                &incoming,
                &Boundary::new(src)?,
                &Boundary::new(&incoming)?,
                &mut Vec::new(),
            )?;
            std::fs::rename(&incoming, dst).with_path(dst)?;
            std::fs::remove_dir_all(src).with_path(src)
        }
        Err(e) => Err(Error::io(dst, e)),
    }
}

/// The link policy's check after each step: the staging dataset folder is a real folder
/// and every symbolic link under it is relative and leads inside it.
fn audit_links(stage: &Path, step: &Step) -> Result<()> {
    let Ok(md) = std::fs::symlink_metadata(stage) else {
        return Ok(());
    };
    let after = || format!("after `{}`", step.describe());
    if md.file_type().is_symlink() {
        return Err(Error::new(
            ErrorKind::Archive,
            format!(
                "{}: the dataset folder itself is a symbolic link; nothing was installed",
                after()
            ),
        )
        .with_file(stage));
    }
    let links = crate::files::links_under(stage)?;
    if links.is_empty() {
        return Ok(());
    }
    let inside = Boundary::new(stage)?;
    for (rel, target) in links {
        let fail = |why: String| {
            Err(Error::new(
                ErrorKind::Archive,
                format!(
                    "{}: the symbolic link `{rel}` {why}; nothing was installed",
                    after()
                ),
            )
            .with_file(stage))
        };
        if target.is_absolute() {
            return fail(format!(
                "has an absolute target (`{}`), which would not survive the move into place",
                target.display()
            ));
        }
        let to = crate::files::resolve(&stage.join(&rel))?;
        if !inside.holds(&to) {
            return fail(format!(
                "leads outside the dataset folder (to {})",
                to.display()
            ));
        }
    }
    Ok(())
}

impl DatasetCtx<'_> {
    fn name(&self) -> &str {
        &self.def.name
    }

    fn stage(&self) -> PathBuf {
        self.layout.stage(self.name())
    }

    /// Fetch one file; with `announce`, say where it actually comes from (the mirror's
    /// file or URL when the mirror has it, else the official URL).
    fn fetch_one(
        &self,
        fetch: &Fetch,
        run: &mut Run,
        downloads: &Path,
        announce: bool,
    ) -> Result<(PathBuf, String)> {
        let resolved = self.fetcher.resolve(fetch)?;
        if announce {
            self.reporter.message(
                Some(self.name()),
                &format!(
                    "download {} from {}",
                    resolved.name,
                    resolved.origin.describe()
                ),
            );
        }
        let task = self
            .reporter
            .task(self.name(), &format!("download {}", resolved.name));
        let got = self
            .fetcher
            .fetch(fetch, &resolved, downloads, &mut |d, t| task.update(d, t))?;
        drop(task);
        run.received += got.received;
        let size = std::fs::metadata(&got.path).map(|m| m.len()).unwrap_or(0);
        run.sources.push(SourceRecord {
            url: fetch.url.clone(),
            name: resolved.name.clone(),
            origin: got.origin.clone(),
            size,
            sha256: got
                .digests
                .as_ref()
                .map(|d| d.sha256.clone())
                .unwrap_or_default(),
            md5: got
                .digests
                .as_ref()
                .map(|d| d.md5.clone())
                .unwrap_or_default(),
        });
        run.fetched.insert(resolved.name.clone(), got.path.clone());
        // later steps name the file by its declared name, whichever alternative was found
        if let Some(n) = fetch.file_name() {
            run.fetched.insert(n, got.path.clone());
        }
        run.fetched.insert(fetch.url.clone(), got.path.clone());
        Ok((got.path, got.origin))
    }

    fn step(&self, step: &Step, run: &mut Run, resumed: bool) -> Result<()> {
        let stage = self.stage();
        let downloads = self.layout.downloads(self.name());
        let b = Boundary::new(&stage)?;
        match step {
            Step::Download { fetch, to } => {
                let (path, _) = self.fetch_one(fetch, run, &downloads, true)?;
                if let Some(to) = to {
                    let dest = inside(&stage, to);
                    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
                    let dest = if is_dir_target(to, &dest, 1) {
                        dest.join(name)
                    } else {
                        dest
                    };
                    place_file(&path, &dest, &b)?;
                }
            }
            Step::Unpack {
                archive,
                to,
                format,
            } => {
                let path = run.fetched.get(archive).cloned().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Argument,
                        format!("unpack: `{archive}` is not the name of a file downloaded by an earlier step"),
                    )
                    .with_file(&self.def.origin)
                })?;
                let fmt = format
                    .or_else(|| ArchiveFormat::from_name(archive))
                    .unwrap_or(ArchiveFormat::Zip);
                let dest = inside(&stage, to);
                b.check_open(&dest)?;
                let task = self
                    .reporter
                    .task(self.name(), &format!("unpack {archive}"));
                let out = unpack::unpack(&path, fmt, &dest, &mut |_, done, total| {
                    task.update(done, Some(total))
                })?;
                let prefix = to.trim_start_matches("./").trim_end_matches('/');
                for w in out.files {
                    let rel = if prefix.is_empty() || prefix == "." {
                        w.path
                    } else {
                        format!("{prefix}/{}", w.path)
                    };
                    run.known.insert(rel, (w.size, w.crc32));
                }
            }
            Step::Move { from, to, optional } => {
                let matches = glob_in(&stage, from)?;
                if matches.is_empty() {
                    return if resumed || *optional {
                        Ok(())
                    } else {
                        Err(Error::new(
                            ErrorKind::NotFound,
                            format!("move: nothing matches `{from}`"),
                        )
                        .with_file(&stage))
                    };
                }
                let dest = inside(&stage, to);
                let into = is_dir_target(to, &dest, matches.len());
                let moves: Vec<(&PathBuf, PathBuf)> = matches
                    .iter()
                    .map(|m| match (into, m.file_name()) {
                        (true, Some(n)) => (m, dest.join(n)),
                        _ => (m, dest.clone()),
                    })
                    .collect();
                // refuse before anything moves
                for (m, target) in &moves {
                    b.check_entry(m)?;
                    b.check_entry(target)?;
                    check_moved_links(m, target, &stage, &b)?;
                }
                for (m, target) in &moves {
                    move_path(m, target, &b)?;
                }
            }
            Step::Copy { from, to, optional } => {
                let (base, pat) = match from.strip_prefix("&asmd_dir/") {
                    Some(rest) => (self.asmd_dir.to_path_buf(), rest.to_string()),
                    None => (stage.clone(), from.clone()),
                };
                let read = Boundary::new(&base)?;
                let matches = glob_in(&base, &pat)?;
                if matches.is_empty() {
                    return if resumed || *optional {
                        Ok(())
                    } else {
                        Err(Error::new(
                            ErrorKind::NotFound,
                            format!("copy: nothing matches `{from}`"),
                        )
                        .with_file(&base))
                    };
                }
                let dest = inside(&stage, to);
                let into = is_dir_target(to, &dest, matches.len());
                for m in &matches {
                    let target = match (into, m.file_name()) {
                        (true, Some(n)) => dest.join(n),
                        _ => dest.clone(),
                    };
                    copy_path(m, &target, &read, &b, &mut Vec::new())?;
                }
            }
            Step::Remove { path } => {
                for m in glob_in(&stage, path)? {
                    if m == stage {
                        return Err(Error::argument(
                            "remove: refusing to remove the whole dataset folder",
                        ));
                    }
                    b.check_entry(&m)?;
                    let md = std::fs::symlink_metadata(&m).with_path(&m)?;
                    if md.is_dir() {
                        std::fs::remove_dir_all(&m).with_path(&m)?;
                    } else {
                        std::fs::remove_file(&m).with_path(&m)?;
                    }
                }
            }
            Step::DownloadLinks { page, accept, to } => {
                let html = self.fetcher.get_text(page)?;
                self.reporter.message(
                    Some(self.name()),
                    &format!(
                        "download the {} files linked from {} into {to}",
                        accept.join(", "),
                        html.origin
                    ),
                );
                let html = html.text;
                let patterns = accept
                    .iter()
                    .map(|a| {
                        glob::Pattern::new(a)
                            .map_err(|e| Error::argument(format!("bad glob `{a}`: {e}")))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let links: Vec<(String, String)> = page_links(&html, page)
                    .into_iter()
                    .filter_map(|l| {
                        let name = percent_decode(super::recipe::url_file_name(&l)?.as_str());
                        patterns
                            .iter()
                            .any(|p| p.matches(&name))
                            .then_some((l, name))
                    })
                    .collect();
                if links.is_empty() {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!("no link matching {} on the page", accept.join(", ")),
                    )
                    .with_file(page));
                }
                let dl = downloads.join("links");
                let dest = inside(&stage, to);
                let mut origins: Vec<(String, usize)> = Vec::new();
                for (url, name) in links {
                    if !super::recipe::is_plain_file_name(&name) {
                        continue;
                    }
                    let fetch = Fetch {
                        url,
                        name: Some(name.clone()),
                        alternatives: Vec::new(),
                        checksum: None,
                        size: None,
                    };
                    let (path, origin) = self.fetch_one(&fetch, run, &dl, false)?;
                    place_file(&path, &dest.join(&name), &b)?;
                    let from = origin_base(&origin);
                    match origins.iter_mut().find(|(o, _)| *o == from) {
                        Some((_, n)) => *n += 1,
                        None => origins.push((from, 1)),
                    }
                }
                let summary: Vec<String> = origins
                    .iter()
                    .map(|(o, n)| format!("{n} from {o}"))
                    .collect();
                self.reporter.message(
                    Some(self.name()),
                    &format!("linked files: {}", summary.join(", ")),
                );
            }
            Step::AsapScores { fetch, maestro } => {
                let (path, _) = self.fetch_one(fetch, run, &downloads, true)?;
                let dir = inside(&stage, maestro);
                b.check_open(&dir)?;
                let r = super::asap::import_from_zip(&path, &dir)?;
                self.reporter.message(
                    Some(self.name()),
                    &format!(
                        "ASAP: {} scores copied next to their Maestro performances ({} listed performances not installed)",
                        r.copied,
                        r.missing_performances.len()
                    ),
                );
            }
            Step::Shell { lines } => {
                if !self.opts.allow_shell {
                    return Err(consent_error(self.def, lines));
                }
                let cwd = self.layout.shell_cwd(self.name());
                let first = self
                    .recipe
                    .steps
                    .iter()
                    .find(|s| matches!(s, Step::Shell { .. }))
                    .is_some_and(|s| std::ptr::eq(s, step));
                // a later script of the same recipe continues in the same scratch folder
                if first && cwd.exists() {
                    std::fs::remove_dir_all(&cwd).with_path(&cwd)?;
                }
                let mut env = self.opts.shell_env.clone();
                if let Some(m) = &self.opts.mirror {
                    env.push((super::fetch::ENV_MIRROR.to_string(), m.to_env_value()));
                }
                if let Some(py) = &self.opts.python {
                    env.push((
                        super::shell::ENV_PYTHON.to_string(),
                        py.to_string_lossy().into_owned(),
                    ));
                }
                let root = self.layout.stage_root(self.name());
                super::shell::run_lines(
                    lines,
                    &super::shell::ShellRun {
                        install_dir: &root,
                        asmd_dir: self.asmd_dir,
                        cwd: &cwd,
                        env,
                    },
                )?;
            }
        }
        Ok(())
    }
}

/// The folder part of an origin description (`mirror http://m/a/b.mp3` ->
/// `mirror http://m/a`), to group the files of a page by where they came from.
fn origin_base(origin: &str) -> String {
    match origin.rsplit_once('/') {
        Some((base, _)) if !base.ends_with('/') && !base.ends_with(':') => base.to_string(),
        _ => origin.to_string(),
    }
}

fn consent_error(def: &Definition, lines: &[String]) -> Error {
    let shown: Vec<String> = lines.iter().map(|l| format!("  {l}")).collect();
    Error::new(
        ErrorKind::Cancelled,
        format!(
            "the definition runs shell commands; they were not run without consent (allow shell lines, e.g. --allow-shell, after reading them):\n{}",
            shown.join("\n")
        ),
    )
    .with_file(&def.origin)
}

fn media_missing(def: &Definition, root: &Path) -> Vec<String> {
    state::listed_media(def)
        .into_iter()
        .filter(|p| !root.join(p).is_file())
        .map(str::to_string)
        .collect()
}

fn manifest(
    dir: &Path,
    known: &HashMap<String, (u64, u32)>,
) -> Result<std::collections::BTreeMap<String, (u64, Option<u32>)>> {
    let files = state::walk_files(dir)?;
    files
        .into_par_iter()
        .map(|(rel, size)| {
            let crc = match known.get(&rel) {
                Some((s, c)) if *s == size => *c,
                _ => state::crc32_file(&dir.join(&rel))?,
            };
            Ok((rel, (size, Some(crc))))
        })
        .collect()
}

/// Install one dataset (the body of a parallel job).
pub(crate) fn install_dataset(ctx: &DatasetCtx) -> Result<(Outcome, u64)> {
    let name = ctx.name();
    let target = ctx.layout.dataset(name);
    let opts = ctx.opts;
    if !opts.force {
        if state::read_marker(&target).is_some() {
            return Ok((Outcome::AlreadyInstalled, 0));
        }
        if target.is_dir()
            && !state::listed_media(ctx.def).is_empty()
            && media_missing(ctx.def, &opts.install_dir).is_empty()
        {
            let mut m = Marker::new(name);
            m.adopted = true;
            for (rel, size) in state::walk_files(&target)? {
                m.files.insert(rel, (size, None));
            }
            state::write_marker(&target, &m)?;
            ctx.reporter.message(
                Some(name),
                "found a complete folder installed without asmd: recorded as installed (use force to reinstall)",
            );
            let escaping = crate::files::escaping_links(&target)?;
            if let Some((rel, to)) = escaping.first() {
                ctx.reporter.message(
                    Some(name),
                    &format!(
                        "warning: {} symbolic link(s) in it lead outside the dataset folder (e.g. {rel} -> {}); `asmd verify` reports them",
                        escaping.len(),
                        to.display()
                    ),
                );
            }
            return Ok((Outcome::Adopted, 0));
        }
    }
    if ctx.recipe.needs_shell() && !opts.allow_shell {
        return Err(consent_error(ctx.def, &ctx.recipe.shell_lines()));
    }
    if ctx.recipe.steps.is_empty() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "no way to install this dataset: its definition has no url, steps or post-process lines",
        )
        .with_file(&ctx.def.origin));
    }
    let work = ctx.layout.work(name);
    std::fs::create_dir_all(&work).with_path(&work)?;
    let jpath = ctx.layout.journal(name);
    let fp = ctx.recipe.fingerprint();
    let mut journal = Journal::read(&jpath)
        .filter(|j| j.recipe == fp)
        .unwrap_or(Journal {
            recipe: fp,
            done: 0,
            running: None,
        });
    if let Some(r) = journal.running {
        if matches!(ctx.recipe.steps.get(r), Some(Step::Shell { .. })) {
            journal.done = 0;
            journal.running = None;
        }
    }
    let stage_root = ctx.layout.stage_root(name);
    if journal.done == 0 && journal.running.is_none() && stage_root.exists() {
        std::fs::remove_dir_all(&stage_root).with_path(&stage_root)?;
    }
    std::fs::create_dir_all(&stage_root).with_path(&stage_root)?;
    if journal.done > 0 || journal.running.is_some() {
        ctx.reporter.message(
            Some(name),
            &format!("resuming at step {}", journal.done + 1),
        );
    }
    let mut run = Run::default();
    for (i, step) in ctx.recipe.steps.iter().enumerate() {
        let is_fetch = matches!(step, Step::Download { .. });
        if i < journal.done && !is_fetch {
            continue;
        }
        let resumed = journal.running == Some(i);
        journal.running = Some(i);
        journal.write(&jpath)?;
        if !matches!(
            step,
            Step::Download { .. } | Step::AsapScores { .. } | Step::DownloadLinks { .. }
        ) {
            // fetching steps say where their files actually come from
            ctx.reporter.message(Some(name), &step.describe());
        }
        ctx.step(step, &mut run, resumed)
            .and_then(|_| audit_links(&ctx.stage(), step))
            .map_err(|e| {
                if e.file().is_none() {
                    e.with_file(&ctx.def.origin)
                } else {
                    e
                }
            })?;
        journal.done = journal.done.max(i + 1);
        journal.running = None;
        journal.write(&jpath)?;
    }
    let stage = ctx.stage();
    if !stage.is_dir() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("the install steps produced no `{name}` folder"),
        )
        .with_file(&ctx.def.origin));
    }
    let missing = media_missing(ctx.def, &stage_root);
    if !missing.is_empty() {
        let msg = format!(
            "{} of the files the definition lists are missing after the install (e.g. {})",
            missing.len(),
            missing
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !opts.allow_missing {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "{msg}; nothing was installed. If the source lacks these files, accept a partial install: `asmd install {name} --allow-missing` (Python: allow_missing=True); songs whose files are absent cannot be loaded"
                ),
            )
            .with_file(&ctx.def.origin));
        }
        ctx.reporter.message(Some(name), &format!("warning: {msg}"));
    }
    let mut marker = Marker::new(name);
    marker.sources = run.sources;
    marker.files = manifest(&stage, &run.known)?;
    // commit: replace whatever partial folder was there, then write the marker last
    if std::fs::symlink_metadata(&target).is_ok() {
        let old = work.join("previous");
        if old.exists() {
            std::fs::remove_dir_all(&old).with_path(&old)?;
        }
        move_tree(&target, &old)?;
    }
    move_tree(&stage, &target)?;
    state::write_marker(&target, &marker)?;
    // clean up the work folder
    let keep = opts.keep_downloads;
    for entry in std::fs::read_dir(&work).with_path(&work)?.flatten() {
        if keep && entry.file_name() == "downloads" {
            continue;
        }
        let p = entry.path();
        let is_dir = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir());
        let _ = if is_dir {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
    }
    if !keep {
        let _ = std::fs::remove_dir(&work);
    }
    ctx.reporter.message(Some(name), "installed");
    Ok((Outcome::Installed, run.received))
}
