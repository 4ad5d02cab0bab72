//! `asmd list`: one line per dataset.

use serde_json::json;

use crate::args::{Global, ListArgs};
use crate::output::{print_json, Table};
use asmd::definition::Definition;

/// Annotation types in display order, with short column names.
pub const GT_COLUMNS: [(&str, &str); 9] = [
    ("precise_alignment", "prec"),
    ("broad_alignment", "broad"),
    ("misaligned", "misal"),
    ("score", "score"),
    ("velocities", "vel"),
    ("f0", "f0"),
    ("sustain", "sus"),
    ("sostenuto", "sos"),
    ("soft", "soft"),
];

/// Distinct groups of a definition with their song counts, in first-seen order.
pub fn group_counts(d: &Definition) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for g in d
        .groups
        .iter()
        .chain(d.songs.iter().flat_map(|s| s.groups.iter()))
    {
        if !out.iter().any(|(n, _)| n == g) {
            out.push((g.clone(), 0));
        }
    }
    for s in &d.songs {
        for (name, count) in out.iter_mut() {
            if s.groups.contains(name) {
                *count += 1;
            }
        }
    }
    out
}

/// `prec=1 f0=2 ...` for the non-zero levels of a group.
pub fn levels_text(d: &Definition, group: &str) -> String {
    GT_COLUMNS
        .iter()
        .filter_map(|(t, short)| match d.gt_level(group, t) {
            0 => None,
            l => Some(format!("{short}={l}")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn definition_json(d: &Definition) -> serde_json::Value {
    json!({
        "name": d.name,
        "songs": d.songs.len(),
        "ensemble": d.ensemble,
        "instruments": d.instruments,
        "groups": group_counts(d).into_iter().map(|(g, n)| json!({"name": g, "songs": n})).collect::<Vec<_>>(),
        "ground_truth": d.ground_truth,
        "recording_format": d.recording_format,
        "sources_format": d.sources_format,
        "url": d.install.url,
        "origin": d.origin,
    })
}

pub fn run(g: &Global, _a: &ListArgs) -> anyhow::Result<i32> {
    let d = g.dataset()?;
    let defs = d.definitions();
    if g.json {
        print_json(&json!({
            "install_dir": d.install_dir(),
            "datasets": defs.iter().map(definition_json).collect::<Vec<_>>(),
            "songs": d.len(),
        }));
        return Ok(0);
    }
    let mut t = Table::new(&[
        "dataset",
        "songs",
        "ensemble",
        "instruments",
        "groups",
        "ground truth (level per group)",
    ]);
    for def in defs {
        let groups = group_counts(def);
        let inst = if def.instruments.len() > 4 {
            format!(
                "{}, ... ({})",
                def.instruments[..3].join(", "),
                def.instruments.len()
            )
        } else {
            def.instruments.join(", ")
        };
        let gt: Vec<String> = def
            .ground_truth
            .keys()
            .map(|gr| format!("{gr}: {}", levels_text(def, gr)))
            .collect();
        let ensemble = match def.ensemble {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        };
        let groups = groups
            .iter()
            .map(|(g, n)| format!("{g}({n})"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cells = vec![
            def.name.clone(),
            def.songs.len().to_string(),
            ensemble.to_string(),
            inst,
            groups,
        ];
        // one line per ground-truth group; the dataset columns only on the first
        for (k, line) in gt.iter().enumerate() {
            if k > 0 {
                cells = vec![String::new(); 5];
            }
            cells.push(line.clone());
            t.row(std::mem::take(&mut cells));
        }
        if gt.is_empty() {
            t.row(cells);
        }
    }
    crate::out!("{}", t.render());
    crate::outln!(
        "{} datasets, {} songs; install dir: {}",
        defs.len(),
        d.len(),
        d.install_dir().display()
    );
    crate::outln!(
        "levels: 1 = manual or mechanical, 2 = algorithmic; {}",
        GT_COLUMNS
            .iter()
            .map(|(l, s)| format!("{s}={l}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(0)
}
