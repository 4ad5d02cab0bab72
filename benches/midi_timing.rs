//! Per-file timings of our `from_midi` (merge), printed as JSON for
//! `benches/convert_compare.py`, which times pretty_midi (the reference path) and
//! symusic on the same files and prints the ratios.
//!
//! `cargo bench -p asmd --bench midi_timing -- [--reps N] FILE...` (without files: the
//! default set of `common_midi_files.rs`). Output: `{"files": {path: best seconds},
//! "sequential_s": total, "parallel_s": total on all cores, "threads": n}`.

use std::time::Instant;

use rayon::prelude::*;
use serde_json::{json, Map};

#[path = "common_midi_files.rs"]
mod common_midi_files;

fn main() {
    let mut args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut reps = 5usize;
    if let Some(i) = args.iter().position(|a| a == "--reps") {
        reps = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(5);
        args.drain(i..(i + 2).min(args.len()));
    }
    let files: Vec<std::path::PathBuf> = if args.is_empty() {
        common_midi_files::midi_files()
    } else {
        args.iter().map(Into::into).collect()
    };
    let params = Map::new();
    let convert = |f: &std::path::Path| {
        std::hint::black_box(asmd::convert::midi::from_midi(f, &params).expect("convert"));
    };
    let mut per_file = Map::new();
    for f in &files {
        convert(f); // warm the page cache
        let best = (0..reps)
            .map(|_| {
                let t = Instant::now();
                convert(f);
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        per_file.insert(f.display().to_string(), json!(best));
    }
    let best_total = |par: bool| {
        (0..reps.max(1))
            .map(|_| {
                let t = Instant::now();
                if par {
                    files.par_iter().for_each(|f| convert(f));
                } else {
                    files.iter().for_each(|f| convert(f));
                }
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let (pipeline_1, pipeline_n) = pipeline_timings(&files);
    let out = json!({
        "files": per_file,
        "sequential_s": best_total(false),
        "parallel_s": best_total(true),
        "threads": rayon::current_num_threads(),
        "pipeline_1_thread_s": pipeline_1,
        "pipeline_all_threads_s": pipeline_n,
    });
    println!("{out}");
}

/// The whole conversion pipeline (from_midi, merge, sort, check, gzip JSON written
/// atomically) over all files as one dataset, on 1 thread and on all cores.
fn pipeline_timings(files: &[std::path::PathBuf]) -> (f64, f64) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let install = tmp.path().to_path_buf();
    std::fs::create_dir_all(install.join("bench")).expect("mkdir");
    let mut songs = Vec::new();
    for (i, f) in files.iter().enumerate() {
        std::fs::copy(f, install.join(format!("bench/s{i}.mid"))).expect("copy");
        songs.push(json!({
            "title": format!("s{i}"), "composer": "x", "instruments": ["piano"],
            "recording": {"path": [format!("bench/s{i}.wav")]},
            "ground_truth": [format!("bench/s{i}-0.json.gz")], "groups": ["all"],
        }));
    }
    let def = json!({
        "name": "bench", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
        "sources": {"format": "unknown"}, "recording": {"format": "wav"},
        "ground_truth": {"all": {"precise_alignment": 1}},
        "install": {"url": "unknown", "unpack": false, "login": false, "post-process": "unknown",
                    "conversion": [["from_midi", {}]]},
        "songs": songs,
    });
    let def = asmd::Definition::from_json_str(&def.to_string(), "bench.json").expect("definition");
    let registry = asmd::convert::Registry::builtin();
    let run = |jobs: usize| {
        let opts = asmd::convert::ConvertOptions {
            install_dir: install.clone(),
            jobs,
            force: true,
            ..Default::default()
        };
        let t = Instant::now();
        let s =
            asmd::convert::convert(std::slice::from_ref(&def), &registry, &opts).expect("convert");
        assert!(s.is_success(), "{s}");
        t.elapsed().as_secs_f64()
    };
    run(0); // warm up
    let one = (0..2).map(|_| run(1)).fold(f64::INFINITY, f64::min);
    let all = (0..2).map(|_| run(0)).fold(f64::INFINITY, f64::min);
    (one, all)
}
