//! `asmd query`: filter, combine with other selections, split, print.

use serde_json::json;

use crate::args::{parse_spec, Global, QueryArgs};
use crate::output::{print_json, Table};
use asmd::dataset::FilterOptions;
use asmd::Dataset;

/// Build the selection the arguments describe.
pub fn select(g: &Global, a: &QueryArgs) -> anyhow::Result<Dataset> {
    let base = g.dataset()?;
    let opts = a.filter.to_options()?;
    let mut d = base.filter_copy(&opts)?;
    // set operations re-filter with the output choices of the main selection
    let out_opts = FilterOptions {
        mixed: opts.mixed,
        sources: opts.sources,
        all: opts.all,
        instruments: if opts.sources && !opts.all {
            opts.instruments.clone()
        } else {
            Vec::new()
        },
        instrument_match: asmd::InstrumentMatch::ContainsAll,
        ..Default::default()
    };
    for spec in &a.union {
        let other = base.filter_copy(&parse_spec(spec)?.to_options()?)?;
        d = d.union(&other, &out_opts)?;
    }
    for spec in &a.intersect {
        let other = base.filter_copy(&parse_spec(spec)?.to_options()?)?;
        d = d.intersect(&other, &out_opts)?;
    }
    for spec in &a.minus {
        let other = base.filter_copy(&parse_spec(spec)?.to_options()?)?;
        let not_other = other.complement(&out_opts)?;
        d = d.intersect(&not_other, &out_opts)?;
    }
    if a.complement {
        d = d.complement(&out_opts)?;
    }
    if !a.split.is_empty() {
        let mut parts = if a.exact {
            d.choice_exact(&a.split, a.seed)?
        } else {
            d.choice(&a.split, a.seed)?
        };
        if a.part >= parts.len() {
            anyhow::bail!(asmd::Error::argument(format!(
                "--part {} but --split has {} parts",
                a.part,
                parts.len()
            )));
        }
        d = parts.swap_remove(a.part);
    }
    Ok(d)
}

pub fn run(g: &Global, a: &QueryArgs) -> anyhow::Result<i32> {
    let d = select(g, a)?;
    if a.count {
        if g.json {
            print_json(&json!({ "songs": d.len() }));
        } else {
            crate::outln!("{}", d.len());
        }
        return Ok(0);
    }
    let abs = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|p| d.full_path(p).to_string_lossy().into_owned())
            .collect()
    };
    if g.json {
        let items: Vec<_> = d
            .songs()
            .zip(d.paths())
            .enumerate()
            .map(|(i, ((def, s), p))| {
                json!({
                    "index": i,
                    "dataset": def.name,
                    "title": s.title,
                    "composer": s.composer,
                    "instruments": s.instruments,
                    "groups": s.groups,
                    "mixed": abs(&p.mixed),
                    "sources": abs(&p.sources),
                    "ground_truth": abs(&p.ground_truth),
                })
            })
            .collect();
        print_json(&json!({
            "songs": d.len(),
            "chunks": d.chunks(),
            "items": items,
        }));
        return Ok(0);
    }
    if a.paths {
        for p in d.paths() {
            let mut cols = vec![
                abs(&p.mixed).join(","),
                abs(&p.sources).join(","),
                abs(&p.ground_truth).join(","),
            ];
            cols.retain(|c| !c.is_empty());
            crate::outln!("{}", cols.join("\t"));
        }
        return Ok(0);
    }
    let mut t = Table::new(&["#", "dataset", "title", "composer", "instruments"]);
    for (i, (def, s)) in d.songs().enumerate() {
        t.row(vec![
            i.to_string(),
            def.name.clone(),
            s.title.clone(),
            s.composer.clone(),
            s.instruments.join(", "),
        ]);
    }
    crate::out!("{}", t.render());
    eprintln!("{} songs", d.len());
    Ok(0)
}
