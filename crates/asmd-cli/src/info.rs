//! `asmd info NAME`: one dataset in detail.

use serde_json::json;

use crate::args::{Global, InfoArgs};
use crate::list::{definition_json, group_counts, levels_text};
use crate::output::{print_json, Table};

pub fn run(g: &Global, a: &InfoArgs) -> anyhow::Result<i32> {
    let d = g.dataset()?;
    let def = d
        .definitions()
        .iter()
        .find(|x| x.name.eq_ignore_ascii_case(&a.name))
        .ok_or_else(|| {
            asmd::Error::argument(format!(
                "no dataset named `{}` (available: {})",
                a.name,
                d.definitions()
                    .iter()
                    .map(|x| x.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let mut composers: Vec<(String, usize)> = Vec::new();
    for s in &def.songs {
        match composers.iter_mut().find(|(c, _)| *c == s.composer) {
            Some((_, n)) => *n += 1,
            None => composers.push((s.composer.clone(), 1)),
        }
    }
    composers.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let about = def.about()?;
    if a.cite {
        let text = asmd::definition::about::cite(&[def]);
        if g.json {
            print_json(&json!({"dataset": def.name, "bibtex": text}));
        } else {
            crate::out!("{text}");
        }
        return Ok(0);
    }
    if g.json {
        let mut v = definition_json(def);
        v["composers"] = json!(composers
            .iter()
            .map(|(c, n)| json!({"composer": c, "songs": n}))
            .collect::<Vec<_>>());
        v["conversion"] = json!(def
            .install
            .conversion
            .iter()
            .map(|(n, kw)| json!([n, kw]))
            .collect::<Vec<_>>());
        v["post_process"] = json!(def.install.post_process);
        v["about"] = def.extra.get("about").cloned().unwrap_or(json!(null));
        if a.songs {
            v["song_list"] = json!(def.songs.iter().map(|s| s.to_json()).collect::<Vec<_>>());
        }
        print_json(&v);
        return Ok(0);
    }
    crate::outln!(
        "{}  ({} songs, from {})",
        def.name,
        def.songs.len(),
        def.origin.display()
    );
    crate::outln!(
        "ensemble: {}",
        def.ensemble
            .map(|e| e.to_string())
            .unwrap_or_else(|| "unknown".into())
    );
    crate::outln!("instruments: {}", def.instruments.join(", "));
    crate::outln!(
        "recordings: {}   sources: {}",
        def.recording_format,
        def.sources_format
    );
    crate::outln!("url: {}", def.install.url.as_deref().unwrap_or("unknown"));
    let about = about.unwrap_or_default();
    crate::outln!(
        "homepage: {}",
        about.homepage.as_deref().unwrap_or("unknown")
    );
    crate::outln!(
        "licence: {}{}",
        about.license_label(),
        about
            .license_url
            .as_deref()
            .map(|u| format!(" <{u}>"))
            .unwrap_or_default()
    );
    if let Some(n) = &about.license_note {
        crate::outln!("  {n}");
    }
    crate::outln!("cite: asmd info {} --cite (BibTeX)", def.name);
    if !def.install.conversion.is_empty() {
        crate::outln!(
            "conversion: {}",
            def.install
                .conversion
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    crate::outln!();
    let mut t = Table::new(&["group", "songs", "ground truth"]);
    for (gr, n) in group_counts(def) {
        t.row(vec![gr.clone(), n.to_string(), levels_text(def, &gr)]);
    }
    crate::out!("{}", t.render());
    crate::outln!();
    let shown: Vec<String> = composers
        .iter()
        .take(12)
        .map(|(c, n)| format!("{c} ({n})"))
        .collect();
    crate::outln!(
        "composers: {}{}",
        shown.join(", "),
        if composers.len() > 12 {
            format!(", ... ({} in all)", composers.len())
        } else {
            String::new()
        }
    );
    if a.songs {
        crate::outln!();
        let mut t = Table::new(&["#", "title", "composer", "instruments", "groups"]);
        for (i, s) in def.songs.iter().enumerate() {
            t.row(vec![
                i.to_string(),
                s.title.clone(),
                s.composer.clone(),
                s.instruments.join(", "),
                s.groups.join(", "),
            ]);
        }
        crate::out!("{}", t.render());
    }
    Ok(0)
}
