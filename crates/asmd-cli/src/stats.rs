//! `asmd stats train` / `asmd stats evaluate`: misalignment statistics from
//! score/performance pairs (a folder of MIDI pairs or a dataset selection).

use std::time::Duration;

use serde_json::json;

use crate::args::{FilterArgs, Global, PairsArgs, StatsCommand, StatsEvalArgs, StatsTrainArgs};
use crate::output::{print_json, Table};
use asmd::dataset::GtRequirement;
use asmd::misalign::{self, MatchOptions, Method, SongPair, Stats};

pub fn run(g: &Global, c: &StatsCommand) -> anyhow::Result<i32> {
    match c {
        StatsCommand::Train(a) => train(g, a),
        StatsCommand::Evaluate(a) => evaluate(g, a),
    }
}

fn load_pairs(g: &Global, a: &PairsArgs) -> anyhow::Result<(Vec<SongPair>, String)> {
    if let Some(dir) = &a.from_pairs {
        return Ok((misalign::pairs_from_dir(dir)?, dir.display().to_string()));
    }
    let mut opts = a.filter.to_options()?;
    if a.filter == FilterArgs::default() {
        opts.ground_truth = vec![GtRequirement::any("score")];
    }
    let d = g.dataset()?.filter_copy(&opts)?;
    Ok((
        misalign::pairs_from_dataset(&d)?,
        "dataset selection".into(),
    ))
}

fn fill(
    g: &Global,
    a: &PairsArgs,
) -> anyhow::Result<(Stats, Vec<misalign::Skipped>, usize, String)> {
    let (pairs, source) = load_pairs(g, a)?;
    let opts = MatchOptions {
        time_budget: Duration::from_secs(a.timeout.max(1)),
        ..Default::default()
    };
    let run = || Stats::fill(&pairs, &opts);
    let (st, skipped) = if a.jobs > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(asmd::limits::threads(a.jobs)?)
            .build()?
            .install(run)
    } else {
        run()
    };
    Ok((st, skipped, pairs.len(), source))
}

fn matching_json(st: &Stats, skipped: &[misalign::Skipped], n: usize) -> serde_json::Value {
    let f = |v: Vec<f64>| {
        let (m, _) = misalign::stats::mean_std(&v);
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        json!({"mean": m, "min": min, "max": max})
    };
    json!({
        "pairs": n,
        "matched": st.songs.len(),
        "skipped": skipped.iter().map(|s| json!({"name": s.name, "reason": s.reason})).collect::<Vec<_>>(),
        "score_fraction": f(st.songs.iter().map(|s| s.score_fraction).collect()),
        "perf_fraction": f(st.songs.iter().map(|s| s.perf_fraction).collect()),
        "seconds": f(st.songs.iter().map(|s| s.seconds).collect()),
    })
}

fn print_matching(m: &serde_json::Value) {
    crate::outln!(
        "pairs: {}, matched: {}, skipped: {}",
        m["pairs"],
        m["matched"],
        m["skipped"].as_array().map_or(0, |a| a.len())
    );
    for s in m["skipped"].as_array().into_iter().flatten() {
        crate::outln!(
            "  skipped {}: {}",
            s["name"].as_str().unwrap_or(""),
            s["reason"].as_str().unwrap_or("")
        );
    }
    for (k, label) in [
        ("score_fraction", "score notes matched"),
        ("perf_fraction", "performance notes matched"),
        ("seconds", "matching time (s)"),
    ] {
        crate::outln!(
            "{label}: mean {:.3}, min {:.3}, max {:.3}",
            m[k]["mean"].as_f64().unwrap_or(f64::NAN),
            m[k]["min"].as_f64().unwrap_or(f64::NAN),
            m[k]["max"].as_f64().unwrap_or(f64::NAN)
        );
    }
}

fn train(g: &Global, a: &StatsTrainArgs) -> anyhow::Result<i32> {
    let (st, skipped, n, source) = fill(g, &a.pairs)?;
    let mut model = st.train(&source)?;
    model.method = a.method.parse::<Method>()?;
    model.write(&a.out)?;
    let m = matching_json(&st, &skipped, n);
    if g.json {
        print_json(&json!({"model": a.out, "songs": model.songs, "matching": m}));
    } else {
        print_matching(&m);
        crate::outln!(
            "model trained on {} songs written to {}",
            model.songs,
            a.out.display()
        );
    }
    Ok(0)
}

fn evaluate(g: &Global, a: &StatsEvalArgs) -> anyhow::Result<i32> {
    let (st, skipped, n, _) = fill(g, &a.pairs)?;
    let ev = misalign::evaluate(&st.songs, a.seed)?;
    let m = matching_json(&st, &skipped, n);
    if g.json {
        print_json(&json!({"matching": m, "evaluation": ev}));
        return Ok(0);
    }
    print_matching(&m);
    crate::outln!(
        "train songs: {}, held-out songs: {}, seed {}",
        ev.train_songs,
        ev.test_songs,
        ev.seed
    );
    let mut t = Table::new(&["method", "onsets L1 (s)", "offsets L1 (s)"]);
    for r in &ev.methods {
        t.row(vec![
            r.method.clone(),
            format!("{:.3} ± {:.3}", r.onsets_mean, r.onsets_std),
            format!("{:.3} ± {:.3}", r.offsets_mean, r.offsets_std),
        ]);
    }
    crate::out!("{}", t.render());
    Ok(0)
}
