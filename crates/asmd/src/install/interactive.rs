//! The interactive installer, driven by any reader and writer (the CLI passes
//! stdin/stdout, tests pass a script).
//!
//! Questions, in order: install directory, definition folders (empty: the collection
//! given in the base options, normally the official one), datasets (by number or name,
//! separated by commas or spaces; empty: every dataset not installed yet), ground truth
//! (archive, conversion when a hook is available, or none); then the plan is shown
//! (sizes, free space, time), shell lines are shown and consent asked, and a final
//! confirmation. End of input cancels.
//!
//! ```
//! let defs = asmd::definition::official().unwrap().to_vec();
//! let base = asmd::install::InstallOptions::new("/tmp/asmd-doc", defs);
//! let script = "\n\n\n";           // default dir, official definitions, all datasets, then EOF
//! let mut out = Vec::new();
//! let chosen = asmd::install::interactive::ask(script.as_bytes(), &mut out, &base, None).unwrap();
//! assert!(chosen.is_none());        // input ended before the questions did: cancelled
//! ```

use std::io::{BufRead, Write};
use std::path::PathBuf;

use super::plan::plan;
use super::recipe::Recipe;
use super::state::{self, DatasetState};
use super::{install, GtMode, InstallOptions, InstallReport};
use crate::definition::{load_dir, OnInvalid};
use crate::error::{Error, ErrorKind, Result};
use crate::Metadataset;

struct Io<R, W> {
    input: R,
    out: W,
}

impl<R: BufRead, W: Write> Io<R, W> {
    fn say(&mut self, text: &str) -> Result<()> {
        writeln!(self.out, "{text}").map_err(|e| Error::new(ErrorKind::Io, e.to_string()))
    }

    /// `None` at end of input.
    fn ask(&mut self, q: &str) -> Result<Option<String>> {
        write!(self.out, "{q}").map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
        self.out
            .flush()
            .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
        let mut line = String::new();
        let n = self
            .input
            .read_line(&mut line)
            .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
        if n == 0 {
            self.say("")?;
            return Ok(None);
        }
        Ok(Some(line.trim().to_string()))
    }

    fn yes_no(&mut self, q: &str, default: bool) -> Result<Option<bool>> {
        loop {
            let Some(a) = self.ask(q)? else {
                return Ok(None);
            };
            match a.to_ascii_lowercase().as_str() {
                "" => return Ok(Some(default)),
                "y" | "yes" => return Ok(Some(true)),
                "n" | "no" => return Ok(Some(false)),
                _ => self.say("Please answer y or n.")?,
            }
        }
    }
}

/// Parse a dataset choice: numbers (indices into `names`) or names, separated by commas
/// or spaces.
pub fn parse_choice(answer: &str, names: &[String]) -> std::result::Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for tok in answer.split([',', ' ', '\t']).filter(|t| !t.is_empty()) {
        let name = if let Ok(i) = tok.parse::<usize>() {
            names
                .get(i)
                .cloned()
                .ok_or_else(|| format!("no dataset number {i}"))?
        } else {
            names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(tok))
                .cloned()
                .ok_or_else(|| format!("no dataset named `{tok}`"))?
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Ask the questions; `Some(options)` when the user confirmed, `None` when they declined
/// or the input ended. `base` provides the defaults (install dir, collection, network,
/// mirror, hooks); `meta` is shown in the introduction.
pub fn ask<R: BufRead, W: Write>(
    input: R,
    output: W,
    base: &InstallOptions,
    meta: Option<&Metadataset>,
) -> Result<Option<InstallOptions>> {
    let mut io = Io { input, out: output };
    let mut opts = base.clone();
    io.say("asmd installer: Audio-Score Meta-Dataset")?;
    if let Some(m) = meta {
        io.say(&format!(
            "Author: {}  Year: {}  Website: {}",
            m.author, m.year, m.url
        ))?;
    }
    // 1. install dir
    loop {
        let q = format!("\nInstall directory [{}]: ", base.install_dir.display());
        let Some(a) = io.ask(&q)? else {
            return Ok(None);
        };
        let dir = if a.is_empty() {
            base.install_dir.clone()
        } else {
            PathBuf::from(a)
        };
        if dir.exists() && !dir.is_dir() {
            io.say("That path exists and is not a directory.")?;
            continue;
        }
        opts.install_dir = dir;
        break;
    }
    // 2. definitions
    let mut defs = Vec::new();
    loop {
        let q = if defs.is_empty() {
            "Definition folder to use (empty: the official collection): "
        } else {
            "Another definition folder (empty: done): "
        };
        let Some(a) = io.ask(q)? else { return Ok(None) };
        if a.is_empty() {
            break;
        }
        match load_dir(&a, OnInvalid::Fail) {
            Ok(d) if d.is_empty() => io.say("No definitions (*.json) in that folder.")?,
            Ok(d) => defs.extend(d),
            Err(e) => io.say(&format!("Cannot use it: {e}"))?,
        }
    }
    if !defs.is_empty() {
        opts.definitions = defs;
    }
    // 3. datasets
    let statuses = state::status(
        &opts.install_dir,
        &opts.definitions,
        opts.work_dir.as_deref(),
    )?;
    let names: Vec<String> = opts.definitions.iter().map(|d| d.name.clone()).collect();
    io.say("\nDatasets:")?;
    for (i, s) in statuses.iter().enumerate() {
        io.say(&format!("  {i:>2}  {:<20} {}", s.name, s.state.name()))?;
    }
    loop {
        let Some(a) =
            io.ask("Datasets to install (numbers or names; empty: all not installed yet): ")?
        else {
            return Ok(None);
        };
        if a.is_empty() {
            opts.datasets = statuses
                .iter()
                .filter(|s| s.state != DatasetState::Installed)
                .map(|s| s.name.clone())
                .collect();
            // "all": those without a source (and not on the mirror) are left out
            opts.skip_unavailable = true;
            if opts.datasets.is_empty() {
                io.say("Every dataset is installed already.")?;
                return Ok(None);
            }
            break;
        }
        match parse_choice(&a, &names) {
            Ok(c) if !c.is_empty() => {
                opts.datasets = c;
                break;
            }
            Ok(_) => io.say("Choose at least one dataset.")?,
            Err(e) => io.say(&format!("{e}; use the numbers or names listed above."))?,
        }
    }
    // 4. ground truth
    let conv = base.convert.is_some();
    let q = if conv {
        "Ground truth: [a]rchive download, [c]onvert from the original annotations, [n]one [a]: "
    } else {
        "Ground truth: [a]rchive download, [n]one [a]: "
    };
    loop {
        let Some(a) = io.ask(q)? else { return Ok(None) };
        opts.ground_truth = match a.to_ascii_lowercase().as_str() {
            "" | "a" | "archive" => GtMode::Archive,
            "c" | "convert" if conv => GtMode::Convert,
            "n" | "none" => GtMode::Skip,
            _ => {
                io.say("Please answer a, n or c.")?;
                continue;
            }
        };
        break;
    }
    // 5. plan
    io.say("\nMeasuring sources...")?;
    let p = plan(&opts)?;
    io.say(&p.render())?;
    // 6. shell consent
    let mut shell_datasets = Vec::new();
    for d in opts.selected()? {
        let r = Recipe::of(d)?;
        if r.needs_shell() {
            shell_datasets.push(d.name.clone());
        }
    }
    if !shell_datasets.is_empty() && !opts.allow_shell {
        io.say(&format!(
            "{} run the shell lines shown above (with &install_dir and &asmd_dir substituted) under bash.",
            shell_datasets.join(", ")
        ))?;
        let Some(ok) = io.yes_no("Run these shell lines? [y/N]: ", false)? else {
            return Ok(None);
        };
        if ok {
            opts.allow_shell = true;
        } else {
            opts.datasets.retain(|d| !shell_datasets.contains(d));
            if opts.datasets.is_empty() {
                io.say("Nothing left to install.")?;
                return Ok(None);
            }
            io.say(&format!("Skipping {}.", shell_datasets.join(", ")))?;
        }
    }
    // 7. confirm
    let Some(go) = io.yes_no("Proceed with the installation? [Y/n]: ", true)? else {
        return Ok(None);
    };
    Ok(go.then_some(opts))
}

/// [`ask`], then [`install`] with the chosen options, then a summary on `output`.
/// `Ok(None)` when the user cancelled.
pub fn run<R: BufRead, W: Write>(
    input: R,
    mut output: W,
    base: &InstallOptions,
    meta: Option<&Metadataset>,
) -> Result<Option<InstallReport>> {
    let Some(opts) = ask(input, &mut output, base, meta)? else {
        let _ = writeln!(output, "Cancelled.");
        return Ok(None);
    };
    let report = install(&opts)?;
    for d in &report.datasets {
        let gt = match &d.ground_truth {
            None => String::new(),
            Some(Ok(_)) => ", ground truth ok".into(),
            Some(Err(e)) => format!(", ground truth failed: {e}"),
        };
        let line = match &d.outcome {
            super::Outcome::Failed(e) => format!("{}: failed: {e}", d.name),
            super::Outcome::Skipped(r) => format!("{}: skipped: {r}", d.name),
            o => format!("{}: {}{gt}", d.name, o.name()),
        };
        let _ = writeln!(output, "{line}");
    }
    Ok(Some(report))
}
