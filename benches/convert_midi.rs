//! Criterion benchmark: `from_midi` (merge) over a folder of MIDI performances (the ASAP
//! subset by default, see `common_midi_files.rs`), one file after another and on all
//! cores with rayon.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use serde_json::Map;

#[path = "common_midi_files.rs"]
mod common_midi_files;

fn bench(c: &mut Criterion) {
    let files = common_midi_files::midi_files();
    let params = Map::new();
    let mut g = c.benchmark_group("from_midi_merge");
    g.sample_size(10);
    g.throughput(Throughput::Elements(files.len() as u64));
    g.bench_function(format!("sequential_{}_files", files.len()), |b| {
        b.iter(|| {
            for f in &files {
                let out = asmd::convert::midi::from_midi(f, &params).unwrap();
                std::hint::black_box(out);
            }
        })
    });
    g.bench_function(format!("parallel_{}_files", files.len()), |b| {
        b.iter(|| {
            files.par_iter().for_each(|f| {
                let out = asmd::convert::midi::from_midi(f, &params).unwrap();
                std::hint::black_box(out);
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
