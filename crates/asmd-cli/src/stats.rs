//! `asmd stats train` / `evaluate` / `describe`: misalignment statistics from
//! score/performance pairs (a folder of MIDI pairs or a dataset selection), and the
//! per-file report of what was generated.

use std::time::Duration;

use serde_json::json;

use crate::args::{
    FilterArgs, Global, PairsArgs, StatsCommand, StatsDescribeArgs, StatsEvalArgs, StatsTrainArgs,
};
use crate::output::{print_json, Table};
use asmd::dataset::GtRequirement;
use asmd::misalign::evaluate::EvalOptions;
use asmd::misalign::{self, MatchOptions, Method, SongPair, Stats};

pub fn run(g: &Global, c: &StatsCommand) -> anyhow::Result<i32> {
    match c {
        StatsCommand::Train(a) => train(g, a),
        StatsCommand::Evaluate(a) => evaluate(g, a),
        StatsCommand::Describe(a) => describe(g, a),
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
    if !model.has(model.method) {
        anyhow::bail!(
            "the `{}` method could not be trained on these pairs",
            model.method
        );
    }
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
    let methods = if a.methods.is_empty() {
        Method::ALL.to_vec()
    } else {
        a.methods
            .iter()
            .map(|m| m.parse::<Method>())
            .collect::<asmd::Result<Vec<_>>>()?
    };
    let (st, skipped, n, _) = fill(g, &a.pairs)?;
    let opts = EvalOptions {
        seed: a.seed,
        draws: a.draws.max(1),
        methods,
    };
    let ev = misalign::evaluate::evaluate_with(&st.songs, &opts)?;
    let m = matching_json(&st, &skipped, n);
    if g.json {
        print_json(&json!({"matching": m, "evaluation": ev}));
        return Ok(0);
    }
    print_matching(&m);
    crate::outln!(
        "train songs: {}, held-out songs: {}, seed {}, {} generated scores per held-out song and method",
        ev.train_songs,
        ev.test_songs,
        ev.seed,
        ev.draws
    );
    crate::outln!(
        "real scores: inversion rate {:.4}; KS of the training against the held-out span ratios {:.3} (the noise floor of (a))",
        ev.real.inversion_rate,
        ev.real.span_ratio_train_vs_test
    );
    let mut t = Table::new(&[
        "method",
        "KS (a) span",
        "KS (b) tempo",
        "KS (c) durations",
        "KS (d) chords",
        "(e) inversions",
        "onsets L1 (s)",
        "offsets L1 (s)",
        "train (s)",
        "generate (s)",
    ]);
    for r in &ev.methods {
        t.row(vec![
            r.method.clone(),
            format!("{:.3}", r.ks.span_ratio),
            format!("{:.3}", r.ks.local_tempo),
            format!("{:.3}", r.ks.duration_ratio),
            format!("{:.3}", r.ks.chord_spread),
            format!("{:.4} ({:.2}x)", r.inversion_rate, r.inversion_ratio),
            format!("{:.3} ± {:.3}", r.onsets_mean, r.onsets_std),
            format!("{:.3} ± {:.3}", r.offsets_mean, r.offsets_std),
            format!("{:.1}", r.train_seconds),
            format!("{:.2}", r.generate_seconds),
        ]);
    }
    crate::out!("{}", t.render());
    crate::outln!("KS: 0 = the real distribution, 1 = disjoint; (e): generated rate (x real rate); --json adds the quantiles");
    Ok(0)
}

fn describe(g: &Global, a: &StatsDescribeArgs) -> anyhow::Result<i32> {
    let mut rows = Vec::new();
    for f in &a.files {
        let gt = asmd::GroundTruth::from_path(f)?;
        let d = misalign::describe::describe(&gt);
        rows.push((f.display().to_string(), d));
    }
    let spread = |kind: &str, full: bool| {
        let r: Vec<f64> = rows
            .iter()
            .flat_map(|(_, d)| d.iter())
            .filter(|d| d.kind == kind)
            .map(|d| {
                if full {
                    d.full_span_ratio
                } else {
                    d.span_ratio
                }
            })
            .collect();
        if r.len() < 2 {
            return None;
        }
        let lo = r.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(hi / lo - 1.0)
    };
    if g.json {
        let files: Vec<serde_json::Value> = rows
            .iter()
            .map(|(f, d)| json!({"file": f, "groups": d}))
            .collect();
        print_json(&json!({
            "files": files,
            "misaligned_span_ratio_spread": spread("misaligned", false),
            "misaligned_full_span_ratio_spread": spread("misaligned", true),
        }));
        return Ok(0);
    }
    let mut t = Table::new(&[
        "file",
        "group",
        "notes",
        "matched",
        "span ratio",
        "full span ratio",
        "local tempo median [IQR]",
        "duration ratio",
        "chord asynchrony (ms)",
        "inversions",
    ]);
    for (f, ds) in &rows {
        if ds.is_empty() {
            t.row(vec![
                f.clone(),
                "-".into(),
                "no misaligned or score notes to compare with an alignment".into(),
            ]);
        }
        for d in ds {
            t.row(vec![
                f.clone(),
                d.kind.clone(),
                d.notes.to_string(),
                d.matched.to_string(),
                format!("{:.3}", d.span_ratio),
                format!("{:.3}", d.full_span_ratio),
                format!(
                    "{:+.3} [{:+.3}, {:+.3}]",
                    d.local_tempo[0], d.local_tempo[1], d.local_tempo[2]
                ),
                format!("{:.3}", d.duration_ratio),
                if d.chord_spread.is_finite() {
                    format!("{:.1}", d.chord_spread * 1000.0)
                } else {
                    "-".into()
                },
                format!("{:.4}", d.inversion_rate),
            ]);
        }
    }
    crate::out!("{}", t.render());
    if let Some(s) = spread("misaligned", false) {
        crate::outln!(
            "misaligned span ratios of these files differ by {:.1}% (full spans: {:.1}%)",
            s * 100.0,
            spread("misaligned", true).unwrap_or(0.0) * 100.0
        );
    }
    Ok(0)
}
