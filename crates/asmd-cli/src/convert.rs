//! `asmd convert`: rebuild ground truth of installed datasets with the built-in
//! converters; prints the summary (converted / skipped with reason / failed with error).

use crate::args::{ConvertArgs, Global};
use crate::install::{definitions, metadataset};
use crate::output::print_json;
use asmd::convert::{self, ConvertOptions, Registry};

fn options(g: &Global, a: &ConvertArgs) -> asmd::Result<ConvertOptions> {
    let meta = metadataset(g)?;
    Ok(ConvertOptions {
        install_dir: meta.install_dir,
        whitelist: a.datasets.iter().chain(&a.dataset).cloned().collect(),
        blacklist: a.blacklist.clone(),
        archive: a.archive.clone(),
        jobs: a.jobs,
        force: a.force,
        progress: !a.quiet && !g.json,
        seed: a.seed,
        misalign: if a.no_misalignment {
            None
        } else {
            Some(asmd::misalign::default_hook(
                a.misalignment_model.as_deref(),
            )?)
        },
        part: a.part,
    })
}

/// `asmd convert` as JSON, with the exit code.
pub fn run_json(g: &Global, a: &ConvertArgs) -> anyhow::Result<(i32, serde_json::Value)> {
    let opts = options(g, a)?;
    let s = convert::convert(&definitions(g)?, &Registry::builtin(), &opts)?;
    let ok = s.is_success() && !did_nothing(&s);
    Ok((if ok { 0 } else { 1 }, s.to_json()))
}

pub fn run(g: &Global, a: &ConvertArgs) -> anyhow::Result<i32> {
    if g.json {
        let (code, v) = run_json(g, a)?;
        print_json(&v);
        return Ok(code);
    }
    let opts = options(g, a)?;
    let s = convert::convert(&definitions(g)?, &Registry::builtin(), &opts)?;
    crate::out!("{s}");
    if did_nothing(&s) {
        eprintln!(
            "error: nothing was converted: no selected dataset is installed (asmd status shows \
             what is; asmd install NAME installs one)"
        );
        return Ok(1);
    }
    Ok(if s.is_success() { 0 } else { 1 })
}

/// True when every selected dataset was skipped as a whole (none installed): a run that
/// did nothing is a failure, with the reason printed.
fn did_nothing(s: &convert::Summary) -> bool {
    s.songs.is_empty() && !s.datasets_skipped.is_empty()
}
