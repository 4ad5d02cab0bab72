//! Matching + statistics over score/performance pairs, end to end on all cores.
//!
//! Reads asap-dev from `$ASMD_ASAP_DEV` (default `../shared/reference/asap-dev`,
//! relative to the workspace); skips with a message when it is absent.
//!
//! ```text
//! ASMD_ASAP_DEV=/data/asap-dev cargo bench -p asmd --bench misalign
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use asmd::misalign::{pairs_from_dir, MatchOptions, Stats};
use criterion::{criterion_group, criterion_main, Criterion};

fn asap_dev() -> PathBuf {
    std::env::var_os("ASMD_ASAP_DEV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/asap-dev")
        })
}

fn bench(c: &mut Criterion) {
    let dir = asap_dev();
    if !dir.is_dir() {
        eprintln!("misalign bench: {} not found, skipping", dir.display());
        return;
    }
    let pairs = pairs_from_dir(&dir).expect("asap-dev pairs");
    eprintln!("misalign bench: {} pairs", pairs.len());
    // The whole collection once, end to end (about a minute on two cores), then a
    // criterion-sampled subset so the statistics stay affordable.
    let t0 = Instant::now();
    let (st, _) = Stats::fill(&pairs, &MatchOptions::default());
    let matched = st.songs.len();
    st.train("bench").expect("train");
    eprintln!(
        "misalign bench: match + train over all {} pairs ({matched} matched) on {} threads: {:.1} s",
        pairs.len(),
        rayon::current_num_threads(),
        t0.elapsed().as_secs_f64()
    );
    let subset: Vec<_> = pairs
        .iter()
        .step_by(pairs.len().div_ceil(24).max(1))
        .cloned()
        .collect();
    let mut g = c.benchmark_group("misalign");
    g.sample_size(10).measurement_time(Duration::from_secs(25));
    g.bench_function(format!("match_and_train_{}_pairs", subset.len()), |b| {
        b.iter(|| {
            let (st, _) = Stats::fill(&subset, &MatchOptions::default());
            st.train("bench").expect("train")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
