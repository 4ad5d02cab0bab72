//! Dev tool: how far apart the tracks of one song end up after misalignment.
//!
//! `cargo run --release -p asmd --example ensemble_spans -- <install dir> <definition.json>... [--model M] [--method M] [--seeds N]`
//!
//! For every song of the definitions with at least two ground-truth files, generates
//! the song `N` times (as the conversion does: one call per song, all tracks at once,
//! seeds derived from the run seed and the song's paths) and prints, per song, the
//! largest relative difference between the tracks' onset-span ratios (score onset span
//! / performance onset span) and full-span ratios (first onset to last offset).

use asmd::misalign::{Generator, Method, Model, SongSeeds};
use asmd::GroundTruth;

fn span(a: &[f64], b: &[f64]) -> f64 {
    let lo = a.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = b.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    hi - lo
}

fn spread(v: &[f64]) -> f64 {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    hi / lo - 1.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let install = std::path::PathBuf::from(args.next().ok_or("install dir")?);
    let (mut defs, mut model_path, mut method, mut seeds) = (Vec::new(), None, None, 20u64);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--model" => model_path = args.next(),
            "--method" => method = Some(args.next().ok_or("--method M")?.parse::<Method>()?),
            "--seeds" => seeds = args.next().ok_or("--seeds N")?.parse()?,
            _ => defs.push(a),
        }
    }
    let model = match model_path {
        Some(p) => Model::read(p.as_ref())?,
        None => Model::shipped()?,
    };
    let mut generator = Generator::new(model);
    if let Some(m) = method {
        generator = generator.with_method(m)?;
    }
    let (mut worst_on, mut worst_full, mut songs) = (0.0f64, 0.0f64, 0);
    for def in defs {
        let d: serde_json::Value = serde_json::from_slice(&std::fs::read(&def)?)?;
        for s in d["songs"].as_array().ok_or("no songs")? {
            let paths: Vec<&str> = s["ground_truth"]
                .as_array()
                .ok_or("no ground_truth")?
                .iter()
                .filter_map(|p| p.as_str())
                .collect();
            if paths.len() < 2 {
                continue;
            }
            let base: Vec<GroundTruth> = paths
                .iter()
                .map(|p| GroundTruth::from_path(install.join(p)))
                .collect::<Result<_, _>>()?;
            let (mut on_max, mut full_max) = (0.0f64, 0.0f64);
            for seed in 0..seeds {
                let mut gts = base.clone();
                let mut refs: Vec<&mut GroundTruth> = gts.iter_mut().collect();
                generator.misalign_song(&mut refs, &SongSeeds::for_song(seed, paths[0], &paths))?;
                let (mut on_r, mut full_r) = (Vec::new(), Vec::new());
                for g in &gts {
                    let a = if g.precise_alignment.onsets.is_empty() {
                        &g.broad_alignment
                    } else {
                        &g.precise_alignment
                    };
                    let m = &g.misaligned;
                    if a.onsets.len() < 2 {
                        continue;
                    }
                    on_r.push(span(&m.onsets, &m.onsets) / span(&a.onsets, &a.onsets));
                    full_r.push(span(&m.onsets, &m.offsets) / span(&a.onsets, &a.offsets));
                }
                on_max = on_max.max(spread(&on_r));
                full_max = full_max.max(spread(&full_r));
            }
            songs += 1;
            worst_on = worst_on.max(on_max);
            worst_full = worst_full.max(full_max);
            println!(
                "{:<60} tracks {} onset-span spread {:.4} full-span spread {:.4}",
                format!(
                    "{}/{}",
                    d["name"].as_str().unwrap_or("?"),
                    s["title"].as_str().unwrap_or("?")
                ),
                paths.len(),
                on_max,
                full_max
            );
        }
    }
    println!("{songs} songs, {seeds} seeds each: worst onset-span spread {worst_on:.4}, worst full-span spread {worst_full:.4}");
    Ok(())
}
