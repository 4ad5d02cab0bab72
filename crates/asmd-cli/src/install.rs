//! `asmd install`, `asmd status`, `asmd verify`: arguments to `asmd::install` options,
//! reports to text or JSON.

use std::time::Duration;

use serde_json::json;

use crate::args::{Global, InstallArgs, StatusArgs, VerifyArgs};
use crate::output::{print_json, Table};
use asmd::install::{self, GtMode, GtSource, InstallOptions, Mirror, Outcome};
use asmd::{Definition, Metadataset};

pub(crate) fn definitions(g: &Global) -> asmd::Result<Vec<Definition>> {
    if g.definitions.is_empty() {
        return Ok(asmd::definition::official()?.to_vec());
    }
    asmd::definition::load_dirs(&g.definitions, asmd::definition::OnInvalid::Fail)
}

pub(crate) fn metadataset(g: &Global) -> asmd::Result<Metadataset> {
    let mut m = Metadataset::load(g.metadataset.as_deref())?;
    if let Some(dir) = &g.install_dir {
        if m.decompress_path == m.install_dir {
            m.decompress_path = dir.clone();
        }
        m.install_dir = dir.clone();
    }
    Ok(m)
}

fn options(g: &Global, a: &InstallArgs) -> asmd::Result<(InstallOptions, Metadataset)> {
    let meta = metadataset(g)?;
    let mut o = InstallOptions::from_metadataset(&meta, definitions(g)?);
    o.datasets = a.datasets.iter().chain(&a.dataset).cloned().collect();
    o.ground_truth = match (a.convert, a.ground_truth.as_str()) {
        (true, _) | (_, "convert") => GtMode::Convert,
        (_, "none") => GtMode::Skip,
        _ => GtMode::Archive,
    };
    if let Some(u) = &a.gt_url {
        o.gt_source = GtSource::url(u);
    }
    o.allow_shell = a.allow_shell;
    o.asmd_dir = a.asmd_dir.clone();
    if let Some(m) = &a.mirror {
        o.mirror = Some(Mirror::parse(m));
    }
    if let Some(w) = &a.work_dir {
        o.work_dir = Some(w.clone());
    }
    o.force = a.force;
    o.keep_downloads = a.keep_downloads;
    o.allow_missing = a.allow_missing;
    o.dry_run = a.dry_run;
    o.jobs = a.jobs.max(1);
    o.net.retries = a.retries;
    o.net.read_timeout = Duration::from_secs(a.timeout.max(1));
    o.net.connect_timeout = Duration::from_secs(a.connect_timeout.max(1));
    if let Some(api) = &a.mega_api {
        o.net.mega_api = api.clone();
    }
    o.progress = !a.quiet && !g.json;
    if o.ground_truth == GtMode::Convert {
        o.convert = Some(asmd::convert::install_hook(
            asmd::convert::Registry::builtin(),
            asmd::convert::ConvertOptions {
                progress: o.progress,
                misalign: Some(asmd::misalign::default_hook(None)?),
                ..Default::default()
            },
        ));
    }
    Ok((o, meta))
}

fn report_json(r: &install::InstallReport) -> serde_json::Value {
    json!({
        "ok": r.ok(),
        "plan": r.plan.as_ref().map(|p| p.to_json()),
        "datasets": r.datasets.iter().map(|d| json!({
            "name": d.name,
            "outcome": d.outcome.name(),
            "error": match &d.outcome { Outcome::Failed(e) => Some(e.to_string()), _ => None },
            "reason": match &d.outcome { Outcome::Skipped(r) => Some(r.clone()), _ => None },
            "received_bytes": d.received,
            "ground_truth": match &d.ground_truth {
                None => json!(null),
                Some(Ok(n)) => json!({"ok": true, "files": n}),
                Some(Err(e)) => json!({"ok": false, "error": e.to_string()}),
            },
        })).collect::<Vec<_>>(),
    })
}

/// The result of `asmd install` as JSON (dry run: the plan), with the exit code.
pub fn run_json(g: &Global, a: &InstallArgs) -> anyhow::Result<(i32, serde_json::Value)> {
    let (mut opts, _) = options(g, a)?;
    if a.interactive {
        anyhow::bail!(asmd::Error::argument(
            "--interactive needs a terminal, not a JSON result"
        ));
    }
    opts.progress = !a.quiet;
    if opts.dry_run {
        let plan = install::plan(&opts)?;
        let code = if plan.problems().is_empty() { 0 } else { 1 };
        return Ok((code, plan.to_json()));
    }
    let report = install::install(&opts)?;
    Ok((if report.ok() { 0 } else { 1 }, report_json(&report)))
}

pub fn run(g: &Global, a: &InstallArgs) -> anyhow::Result<i32> {
    let (opts, meta) = options(g, a)?;
    if a.interactive {
        let stdin = std::io::stdin();
        let report =
            install::interactive::run(stdin.lock(), std::io::stdout(), &opts, Some(&meta))?;
        return Ok(match report {
            None => 1,
            Some(r) if r.ok() => 0,
            Some(_) => 1,
        });
    }
    if opts.dry_run {
        let plan = install::plan(&opts)?;
        if g.json {
            print_json(&plan.to_json());
        } else {
            crate::out!("{}", plan.render());
        }
        return Ok(if plan.problems().is_empty() { 0 } else { 1 });
    }
    let report = install::install(&opts)?;
    if g.json {
        print_json(&report_json(&report));
    } else {
        for d in &report.datasets {
            let gt = match &d.ground_truth {
                None => String::new(),
                Some(Ok(_)) => "; ground truth ok".into(),
                Some(Err(e)) => format!("; ground truth failed: {e}"),
            };
            match &d.outcome {
                Outcome::Failed(e) => crate::outln!("{:<18} failed: {e}", d.name),
                Outcome::Skipped(r) => crate::outln!("{:<18} skipped: {r}", d.name),
                o => crate::outln!("{:<18} {}{gt}", d.name, o.name()),
            }
        }
    }
    Ok(if report.ok() { 0 } else { 1 })
}

fn human_bytes(n: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

fn status_of(
    g: &Global,
    a: &StatusArgs,
) -> anyhow::Result<(Metadataset, Vec<install::DatasetStatus>)> {
    let meta = metadataset(g)?;
    let defs = definitions(g)?;
    let work = a
        .work_dir
        .clone()
        .or_else(|| InstallOptions::from_metadataset(&meta, Vec::new()).work_dir);
    let st = install::status(&meta.install_dir, &defs, work.as_deref())?;
    Ok((meta, st))
}

/// `asmd status` as JSON.
pub fn status_json(g: &Global, a: &StatusArgs) -> anyhow::Result<(i32, serde_json::Value)> {
    let (meta, st) = status_of(g, a)?;
    Ok((
        0,
        json!({
            "install_dir": meta.install_dir,
            "datasets": st.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
        }),
    ))
}

pub fn status(g: &Global, a: &StatusArgs) -> anyhow::Result<i32> {
    if g.json {
        print_json(&status_json(g, a)?.1);
        return Ok(0);
    }
    let (meta, st) = status_of(g, a)?;
    let mut t = Table::new(&[
        "dataset",
        "state",
        "size on disk",
        "ground truth",
        "partial downloads",
    ]);
    for s in &st {
        t.row(vec![
            s.name.clone(),
            s.state.name().to_string(),
            human_bytes(s.size_on_disk),
            format!("{}/{} files", s.gt_present, s.gt_listed),
            if s.work_bytes > 0 {
                human_bytes(s.work_bytes)
            } else {
                String::new()
            },
        ]);
    }
    crate::out!("{}", t.render());
    crate::outln!("install dir: {}", meta.install_dir.display());
    Ok(0)
}

fn verify_of(g: &Global, a: &VerifyArgs) -> anyhow::Result<Vec<install::DatasetVerify>> {
    let meta = metadataset(g)?;
    let mut defs = definitions(g)?;
    let wanted: Vec<&String> = a.names.iter().chain(&a.datasets).collect();
    if !wanted.is_empty() {
        for want in &wanted {
            if !defs.iter().any(|d| d.name.eq_ignore_ascii_case(want)) {
                anyhow::bail!(asmd::Error::argument(format!(
                    "unknown dataset `{want}` (available: {})",
                    defs.iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        defs.retain(|d| wanted.iter().any(|w| w.eq_ignore_ascii_case(&d.name)));
    }
    Ok(install::verify(
        &meta.install_dir,
        &defs,
        install::VerifyOptions {
            checksums: a.checksums,
        },
    )?)
}

/// `asmd verify` as JSON.
pub fn verify_json(g: &Global, a: &VerifyArgs) -> anyhow::Result<(i32, serde_json::Value)> {
    let res = verify_of(g, a)?;
    let bad = res.iter().filter(|r| r.installed && !r.ok()).count();
    Ok((
        if bad > 0 { 1 } else { 0 },
        json!({
            "ok": bad == 0,
            "datasets": res.iter().map(|r| r.to_json()).collect::<Vec<_>>(),
        }),
    ))
}

pub fn verify(g: &Global, a: &VerifyArgs) -> anyhow::Result<i32> {
    if g.json {
        let (code, v) = verify_json(g, a)?;
        print_json(&v);
        return Ok(code);
    }
    let res = verify_of(g, a)?;
    let bad = res.iter().filter(|r| r.installed && !r.ok()).count();
    {
        for r in &res {
            if !r.installed {
                crate::outln!("{:<18} not installed", r.name);
                continue;
            }
            if r.ok() {
                crate::outln!("{:<18} ok ({} files checked)", r.name, r.checked);
                continue;
            }
            crate::outln!("{:<18} PROBLEMS", r.name);
            for (what, list) in [
                ("missing recording/source", &r.missing_media),
                ("missing ground truth", &r.missing_gt),
                ("size differs", &r.size_mismatch),
                ("checksum differs", &r.checksum_mismatch),
                ("link leads outside the dataset folder", &r.escaping_links),
            ] {
                for f in list.iter().take(10) {
                    crate::outln!("  {what}: {f}");
                }
                if list.len() > 10 {
                    crate::outln!("  ... and {} more ({what})", list.len() - 10);
                }
            }
        }
    }
    Ok(if bad > 0 { 1 } else { 0 })
}
