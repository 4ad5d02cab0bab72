//! `asmd check PATH...`: validate ground-truth files.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::args::{CheckArgs, Global};
use crate::output::print_json;
use asmd::GroundTruth;

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> asmd::Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| asmd::Error::io(path, e))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| asmd::Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() {
                collect(&e, out)?;
            } else if e.to_string_lossy().ends_with(".json.gz") {
                out.push(e);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

pub fn run(g: &Global, a: &CheckArgs) -> anyhow::Result<i32> {
    let mut files = Vec::new();
    for p in &a.paths {
        if let Err(e) = collect(p, &mut files) {
            // a missing folder of the install directory: say which dataset to install
            let e = match (
                crate::install::metadataset(g),
                crate::install::definitions(g),
            ) {
                (Ok(m), Ok(defs)) => {
                    asmd::install::state::explain_missing(e, &m.install_dir, &defs)
                }
                _ => e,
            };
            return Err(e.into());
        }
    }
    let mut results = Vec::with_capacity(files.len());
    let mut bad = 0usize;
    for f in &files {
        let r = match GroundTruth::from_path(f) {
            Ok(gt) => match gt.check() {
                Ok(()) => json!({"file": f, "valid": true}),
                Err(c) => json!({"file": f, "valid": false, "rule": c.rule.code(),
                                 "field": c.field, "index": c.index, "problem": c.to_string()}),
            },
            Err(e) => json!({"file": f, "valid": false, "rule": null, "problem": e.to_string()}),
        };
        if r["valid"] == false {
            bad += 1;
        }
        results.push(r);
    }
    if g.json {
        print_json(&json!({"checked": files.len(), "invalid": bad, "files": results}));
    } else {
        for r in &results {
            let file = r["file"].as_str().unwrap_or_default();
            if r["valid"] == true {
                if !a.quiet {
                    crate::outln!("ok       {file}");
                }
            } else {
                let problem = r["problem"].as_str().unwrap_or_default();
                // a read error already names the file
                if problem.starts_with(file) {
                    crate::outln!("INVALID  {problem}");
                } else {
                    crate::outln!("INVALID  {file}: {problem}");
                }
            }
        }
        crate::outln!("{} checked, {} invalid", files.len(), bad);
    }
    Ok(if bad > 0 { 1 } else { 0 })
}
