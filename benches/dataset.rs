//! Benchmarks of the dataset API (issue: foundation): construction and filtering on the
//! official definitions; ground-truth load, score matrix and pianoroll on a synthetic
//! 20,000-note piano performance with pedals (gzip level 9, the reference's layout).
//!
//! GT load is timed whole, in its two halves (inflate, parse) and as a hit of the on-disk
//! cache; the array views run on the process-wide cache of parsed ground truth.
//!
//! `cargo bench -p asmd --bench dataset`. The comparison with ASMD 0.5.1 on the same
//! files is `benches/bench_dataset.py`.

use std::path::{Path, PathBuf};

use asmd::{Dataset, FilterOptions, GroundTruth, Metadataset, ScoreType};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{RngExt, SeedableRng};

/// A synthetic piano performance: `n` notes over ~n/16 seconds, pedals every ~0.5 s.
pub fn synthetic_performance(n: usize, seed: u64) -> GroundTruth {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut gt = GroundTruth {
        instrument: 0,
        ..Default::default()
    };
    let mut t = 0.0f64;
    for _ in 0..n {
        t += rng.random_range(0.0..0.125);
        let dur = rng.random_range(0.05..2.0);
        let pitch = rng.random_range(21..=108) as f64;
        let vel = rng.random_range(20..=110) as f64;
        gt.precise_alignment.push_note(pitch, t, t + dur, Some(vel));
    }
    let end = t + 2.0;
    let mut p = 0.0;
    while p < end {
        gt.sustain.times.push(p);
        gt.sustain.values.push(rng.random_range(0..=127) as f64);
        if rng.random_range(0..10) == 0 {
            gt.soft.times.push(p);
            gt.soft.values.push(rng.random_range(0..=127) as f64);
        }
        p += rng.random_range(0.2..0.8);
    }
    gt.sort();
    gt
}

fn synth_tree() -> (PathBuf, Dataset) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data/synth");
    let gt_path = root.join("install/synth/piano-0.json.gz");
    if !gt_path.exists() {
        synthetic_performance(20_000, 0)
            .write_path(&gt_path)
            .unwrap();
    }
    let def = serde_json::json!({
        "name": "synth", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
        "ground_truth": {"all": {"precise_alignment": 1}},
        "songs": [{"title": "piano", "composer": "synth", "instruments": ["piano"],
                   "recording": {"path": ["synth/piano.wav"]},
                   "ground_truth": ["synth/piano-0.json.gz"], "groups": ["all"]}]
    });
    let def = asmd::Definition::from_json_str(&def.to_string(), root.join("synth.json")).unwrap();
    let d = Dataset::from_definitions(
        vec![def],
        Metadataset::with_install_dir(root.join("install")),
    )
    .unwrap();
    (gt_path, d)
}

fn bench(c: &mut Criterion) {
    // the synthetic file is written without touching the user's cache
    asmd::ground_truth::disk_cache::set_dir(None);
    let (gt_path, d) = synth_tree();
    let p: &Path = &gt_path;

    c.bench_function("construct official", |b| {
        b.iter(|| Dataset::new::<&Path>(&[], None).unwrap())
    });
    c.bench_function("construct official (first parse)", |b| {
        b.iter(|| {
            let defs = asmd::definition::official_files()
                .iter()
                .map(|(n, t)| asmd::Definition::from_json_str(t, n).unwrap())
                .collect::<Vec<_>>();
            Dataset::from_definitions(defs, Metadataset::with_install_dir("/tmp")).unwrap()
        })
    });
    let official = Dataset::official().unwrap();
    c.bench_function("filter official (piano, Mozart, precise)", |b| {
        let opts = FilterOptions {
            instruments: vec!["piano".into()],
            ensemble: Some(false),
            composer: "Mozart".into(),
            ground_truth: vec![asmd::dataset::GtRequirement::any("precise_alignment")],
            ..Default::default()
        };
        b.iter(|| official.filter_copy(&opts).unwrap())
    });
    c.bench_function("gt load 20k notes", |b| {
        b.iter(|| GroundTruth::from_path(p).unwrap())
    });
    // the two halves of a load: inflate (libdeflate) and parse
    let raw = std::fs::read(p).unwrap();
    let t = &raw[raw.len() - 4..];
    let plain_len = u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize;
    c.bench_function("gt load 20k notes: inflate only", |b| {
        let mut out = vec![0u8; plain_len];
        let mut dec = libdeflater::Decompressor::new();
        b.iter(|| dec.gzip_decompress(&raw, &mut out).unwrap())
    });
    let mut plain = vec![0u8; plain_len];
    libdeflater::Decompressor::new()
        .gzip_decompress(&raw, &mut plain)
        .unwrap();
    c.bench_function("gt load 20k notes: parse only", |b| {
        b.iter(|| GroundTruth::from_json_slice(&plain, p).unwrap())
    });
    // a file an earlier process parsed: read and hash the .json.gz, read the entry back
    let cache_dir = p.parent().unwrap().join("../../gt-cache");
    let _ = std::fs::remove_dir_all(&cache_dir);
    asmd::ground_truth::disk_cache::set_dir(Some(cache_dir));
    asmd::ground_truth::disk_cache::load(p).unwrap();
    c.bench_function("gt load 20k notes: disk cache hit", |b| {
        b.iter(|| asmd::ground_truth::disk_cache::load(p).unwrap())
    });
    c.bench_function("get_score_mat 20k notes", |b| {
        b.iter(|| {
            d.get_score_mat(0, &[ScoreType::PreciseAlignment], false, false)
                .unwrap()
        })
    });
    c.bench_function("get_pianoroll 0.25 s 20k notes", |b| {
        b.iter(|| {
            d.get_pianoroll(0, &[ScoreType::PreciseAlignment], 0.25, false, true)
                .unwrap()
        })
    });
    c.bench_function("get_pianoroll 0.05 s 20k notes", |b| {
        b.iter(|| {
            d.get_pianoroll(0, &[ScoreType::PreciseAlignment], 0.05, false, true)
                .unwrap()
        })
    });
    let gt = GroundTruth::from_path(p).unwrap();
    asmd::ground_truth::disk_cache::set_dir(None);
    c.bench_function("gt write 20k notes (gzip 9)", |b| {
        let out = p.with_file_name("write-bench-0.json.gz");
        b.iter(|| gt.write_path(&out).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
