//! Artificial misalignment: numpy-exact histograms, note matching on a known warp,
//! deterministic generation through the conversion pipeline, training and evaluation on
//! real ASAP pairs (fixtures copied from asap-dev, CC BY-NC-SA 4.0).

use std::path::{Path, PathBuf};

use asmd::convert::{convert, ConvertOptions, Registry};
use asmd::misalign::{
    self, auto_bin_edges, match_notes, Generator, Histogram, MatchNote, MatchOptions, Method,
    Model, Stats,
};
use asmd::{Definition, GroundTruth};
use rand::{RngExt, SeedableRng};

include!("misalign_numpy.in");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/asap")
}

#[test]
fn histogram_bins_equal_numpy() {
    for (name, x, edges, density) in NUMPY_CASES {
        assert_eq!(&auto_bin_edges(x).unwrap(), edges, "edges of {name}");
        let h = Histogram::new(x).unwrap();
        assert_eq!(h.edges.len(), density.len() + 1, "{name}");
        for (a, b) in h.density.iter().zip(density.iter()) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "density of {name}: {a} vs {b}"
            );
        }
    }
    assert!(auto_bin_edges(&[1.0, f64::NAN]).is_err());
}

/// A score with a known tempo curve, performed with dropped, added and jittered notes.
/// Matching options whose time budget no loaded test machine reaches: results must not
/// depend on how busy the machine is (the budget itself is tested apart).
fn unhurried() -> MatchOptions {
    MatchOptions {
        time_budget: std::time::Duration::from_secs(3600),
        ..Default::default()
    }
}

#[test]
fn matching_recovers_a_known_warp() {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
    let mut score = Vec::new();
    let mut t = 0.0;
    for i in 0..600 {
        let pitch = 48.0 + f64::from(rng.random_range(0..36u32));
        score.push(MatchNote::new(pitch, t, t + 0.3));
        if i % 3 == 0 {
            // a chord
            score.push(MatchNote::new(pitch + 4.0, t, t + 0.3));
        }
        t += [0.25, 0.5, 0.125][i % 3];
    }
    // performance time = warp(score time): slow start, faster middle, ritardando
    let total = t;
    let warp = |s: f64| {
        let u = s / total;
        s * 1.1 + 6.0 * (std::f64::consts::PI * u).sin() + 4.0 * u * u * u
    };
    let mut perf = Vec::new();
    let mut truth = Vec::new(); // (score index, perf index)
    for (i, n) in score.iter().enumerate() {
        if rng.random::<f64>() < 0.1 {
            continue; // missing note
        }
        let j = rng.random::<f64>() * 0.02 - 0.01;
        truth.push((i, perf.len()));
        perf.push(MatchNote::new(n.pitch, warp(n.onset) + j, warp(n.offset)));
    }
    for _ in 0..60 {
        // extra notes
        let s = rng.random::<f64>() * total;
        let p = 40.0 + f64::from(rng.random_range(0..50u32));
        perf.push(MatchNote::new(p, warp(s), warp(s) + 0.2));
    }
    let m = match_notes(&score, &perf, &unhurried()).unwrap();
    let truth: std::collections::HashSet<(usize, usize)> = truth.into_iter().collect();
    let correct = m.pairs.iter().filter(|p| truth.contains(p)).count();
    let recall = correct as f64 / truth.len() as f64;
    let precision = correct as f64 / m.pairs.len() as f64;
    assert!(recall > 0.95, "recall {recall}");
    assert!(precision > 0.97, "precision {precision}");
    // timing error of the matched pairs against the known warp
    let st = misalign::stretch(&score, &perf);
    assert_eq!(st.len(), score.len());
    let err: f64 = m
        .pairs
        .iter()
        .map(|&(i, j)| (warp(score[i].onset) - perf[j].onset).abs())
        .sum::<f64>()
        / m.pairs.len() as f64;
    assert!(err < 0.02, "mean timing error {err}");
}

#[test]
fn matching_reports_why_it_fails() {
    let e = match_notes(
        &[],
        &[MatchNote::new(60.0, 0.0, 1.0)],
        &MatchOptions::default(),
    );
    assert!(e.unwrap_err().contains("no notes"));
}

fn training_stats() -> Stats {
    let pairs = misalign::pairs_from_dir(&fixtures()).unwrap();
    assert_eq!(pairs.len(), 3);
    let (st, skipped) = Stats::fill(&pairs, &unhurried());
    assert!(skipped.is_empty(), "{skipped:?}");
    for s in &st.songs {
        assert!(s.score_fraction > 0.8, "{}: {}", s.name, s.score_fraction);
        assert!(s.perf_fraction > 0.8, "{}: {}", s.name, s.perf_fraction);
    }
    st
}

/// The first `k` matched notes of a song.
fn first_notes(s: &misalign::SongStats, k: usize) -> misalign::SongStats {
    let k = k.min(s.pitches.len());
    misalign::SongStats::from_matched(
        &s.name,
        &s.piece,
        &s.pitches[..k],
        &s.perf_onsets[..k],
        &s.perf_offsets[..k],
        &s.raw_score_onsets[..k],
        &s.raw_score_offsets[..k],
    )
    .unwrap()
}

#[test]
fn training_and_evaluation_on_asap_pairs() {
    let st = training_stats();
    let model = st
        .train_methods(
            "fixtures",
            &[Method::Histogram, Method::Tempo, Method::Warp],
        )
        .unwrap();
    assert_eq!(model.songs, 3);
    assert_eq!(model.method, Method::Warp);
    assert!(model.hmm.is_none() && model.tempo.is_some() && model.warp.is_some());
    // the file round-trips and is versioned
    let text = model.to_json_string();
    assert!(text.contains("\"format\": \"asmd-misalignment-model\""));
    assert_eq!(Model::from_json_str(&text, "m.json").unwrap(), model);
    let bad = text.replace("\"version\": 2", "\"version\": 99");
    let e = Model::from_json_str(&bad, "m.json").unwrap_err();
    assert_eq!(e.location(), Some("$.version"));
    let e = Model::from_json_str(
        &text.replace("\"method\": \"warp\"", "\"method\": \"hmm\""),
        "m.json",
    )
    .unwrap_err();
    assert_eq!(e.location(), Some("$.method"));
    let e = Generator::new(model.clone())
        .with_method(Method::Hmm)
        .unwrap_err();
    assert!(e.message().contains("no `hmm` part"), "{e}");
    // the HMM method, trained like the others on a part of the notes (the reference's
    // 20 x 30-component HMM trains slowly in debug builds)
    let mut small = Stats::default();
    for s in &st.songs {
        small.add_song(first_notes(s, 120));
    }
    let hmm = small.train_methods("fixtures", &[Method::Hmm]).unwrap();
    let h = hmm.hmm.as_ref().unwrap();
    assert_eq!(
        (h.onsets.startprob.len(), h.onsets.weights[0].len()),
        (20, 30)
    );
    assert_eq!(
        (h.durations.startprob.len(), h.durations.weights[0].len()),
        (2, 3)
    );
    assert_eq!(
        Model::from_json_str(&hmm.to_json_string(), "h.json").unwrap(),
        hmm
    );
    // evaluation of every method on the songs (identity baseline first)
    let mut both = model.clone();
    both.hmm = hmm.hmm.clone();
    let (real, scores) =
        misalign::evaluate::score_methods(&both, &Method::ALL, &st.songs, 3, 2).unwrap();
    assert_eq!(real.songs, 3);
    let names: Vec<&str> = scores.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(names, ["identity", "histogram", "hmm", "tempo", "warp"]);
    for s in &scores {
        assert!(s.onsets_mean.is_finite() && s.onsets_mean >= 0.0, "{s:?}");
        assert!(s.offsets_mean.is_finite() && s.offsets_mean >= 0.0, "{s:?}");
        assert!((0.0..=1.0).contains(&s.ks.max()), "{s:?}");
    }
    // the identity is the performance: span ratio 1, no inversion
    assert_eq!(scores[0].quantiles.span_ratio[0], 1.0);
    assert_eq!(scores[0].inversion_rate, 0.0);
    let opts = misalign::evaluate::EvalOptions {
        seed: 1,
        draws: 2,
        methods: vec![Method::Histogram, Method::Warp],
    };
    let ev = misalign::evaluate::evaluate_with(&st.songs, &opts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ev.train_songs + ev.test_songs, 3);
    assert_eq!(ev.methods.len(), 3);
}

#[test]
fn shipped_model_loads() {
    let m = Model::shipped().unwrap();
    assert_eq!(m.format, misalign::MODEL_FORMAT);
    assert!(m.songs > 0);
}

fn definition(install: &Path) -> Definition {
    let src = fixtures().join("Bach/Prelude/bwv_866");
    std::fs::create_dir_all(install.join("demo")).unwrap();
    let mut songs = Vec::new();
    for (i, e) in std::fs::read_dir(&src).unwrap().enumerate() {
        let p = e.unwrap().path();
        std::fs::copy(&p, install.join(format!("demo/s{i}.mid"))).unwrap();
        songs.push(format!(
            r#"{{"title": "s{i}", "composer": "Bach", "instruments": ["piano"],
               "recording": {{"path": ["demo/s{i}.wav"]}}, "ground_truth": ["demo/s{i}-0.json.gz"],
               "groups": ["{}"]}}"#,
            if i == 0 { "all" } else { "gen" }
        ));
    }
    let text = format!(
        r#"{{"name": "demo", "ensemble": false, "groups": ["all", "gen"], "instruments": ["piano"],
        "sources": {{"format": "unknown"}}, "recording": {{"format": "wav"}},
        "ground_truth": {{"all": {{"precise_alignment": 1, "misaligned": 0}},
                          "gen": {{"precise_alignment": 1, "misaligned": 2}}}},
        "install": {{"url": "unknown", "unpack": false, "login": false, "post-process": "unknown",
                    "conversion": [["from_midi", {{}}]]}},
        "songs": [{}]}}"#,
        songs.join(",")
    );
    Definition::from_json_str(&text, "/defs/demo.json").unwrap()
}

fn convert_bytes(method: Method, jobs: usize, seed: u64) -> Vec<(String, Vec<u8>)> {
    let tmp = tempfile::tempdir().unwrap();
    let install = tmp.path().join("install");
    let def = definition(&install);
    let generator = Generator::new(Model::shipped().unwrap())
        .with_method(method)
        .unwrap();
    let opts = ConvertOptions {
        install_dir: install.clone(),
        jobs,
        seed,
        misalign: Some(generator.hook()),
        ..Default::default()
    };
    let summary = convert(&[def], &Registry::builtin(), &opts).unwrap();
    assert!(summary.is_success(), "{summary}");
    let mut out = Vec::new();
    for i in 0..2 {
        let path = install.join(format!("demo/s{i}-0.json.gz"));
        let gt = GroundTruth::from_path(&path).unwrap();
        gt.check().unwrap();
        // only the level-2 group is misaligned (the reference misaligned every song)
        assert_eq!(gt.misaligned.is_empty(), i == 0, "song {i}");
        if i == 1 {
            let n = gt.precise_alignment.len();
            assert_eq!(gt.misaligned.len(), n);
            assert_eq!(gt.missing.len(), n);
            let marked = gt.missing.iter().chain(&gt.extra).filter(|x| **x).count();
            assert!(marked as f64 >= 0.09 * n as f64 && marked as f64 <= 0.51 * n as f64);
            assert!(gt
                .misaligned
                .onsets
                .iter()
                .zip(&gt.misaligned.offsets)
                .all(|(a, b)| b - a >= misalign::MIN_DURATION - 1e-12));
        }
        out.push((format!("s{i}"), std::fs::read(&path).unwrap()));
    }
    out
}

#[test]
fn generation_is_deterministic_across_threads() {
    for method in Method::ALL {
        let a = convert_bytes(method, 1, 5);
        let b = convert_bytes(method, 2, 5);
        assert_eq!(a, b, "{method:?}");
        let c = convert_bytes(method, 2, 6);
        assert_ne!(a[1], c[1], "another seed gives other notes");
    }
}

include!("misalign_ks.in");

/// KS statistics and quantiles equal scipy's `ks_2samp` and numpy's `quantile` on
/// fixed samples (ties, unequal sizes); expected values computed with scipy 1.17.
#[test]
fn ks_and_quantiles_equal_scipy_and_numpy() {
    use asmd::misalign::features::{ks_2samp, quantiles, QUANTILES};
    for (name, a, b, ks, q) in KS_CASES {
        let d = ks_2samp(a, b);
        assert!((d - ks).abs() < 1e-12, "{name}: {d} vs scipy {ks}");
        assert_eq!(ks_2samp(b, a), d, "{name}: symmetric");
        let got = quantiles(a, &QUANTILES);
        assert_eq!(got.len(), q.len());
        for (x, y) in got.iter().zip(q.iter()) {
            assert!(
                (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                "{name}: {x} vs numpy {y}"
            );
        }
    }
    assert_eq!(ks_2samp(&[], &[]), 0.0);
    assert_eq!(ks_2samp(&[1.0], &[]), 1.0);
}

fn normal(rng: &mut rand_pcg::Pcg64Mcg) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A synthetic performance of `n` notes: (pitches, onsets, offsets).
fn synthetic_performance(rng: &mut rand_pcg::Pcg64Mcg, n: usize) -> [Vec<f64>; 3] {
    let mut t = rng.random::<f64>();
    let (mut p, mut on, mut off) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        p.push(48.0 + f64::from(rng.random_range(0..36u32)));
        on.push(t);
        off.push(t + 0.05 + 0.5 * rng.random::<f64>());
        t += 0.1 + 0.5 * rng.random::<f64>();
    }
    [p, on, off]
}

const TRUE_LOG_MEAN: f64 = -0.105; // ln 0.9
const TRUE_LOG_SD: f64 = 0.2;

/// Songs whose score is the performance played `r` times slower, `ln r` normal.
fn synthetic_songs(count: usize, seed: u64) -> Vec<misalign::SongStats> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let [p, on, off] = synthetic_performance(&mut rng, 24);
            let r = (TRUE_LOG_MEAN + TRUE_LOG_SD * normal(&mut rng)).exp();
            let s_on: Vec<f64> = on.iter().map(|t| (t - on[0]) * r).collect();
            let s_off: Vec<f64> = on
                .iter()
                .zip(&off)
                .map(|(a, b)| (a - on[0]) * r + (b - a) * r)
                .collect();
            let name = format!("synthetic/{i}");
            misalign::SongStats::from_matched(&name, &name, &p, &on, &off, &s_on, &s_off).unwrap()
        })
        .collect()
}

fn span(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - v.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Pairs made with a known tempo-ratio distribution: the trained warp generator's span
/// ratios follow it (KS <= 0.05), and never leave the training range (guard rail).
#[test]
fn warp_recovers_a_known_ratio_distribution() {
    use asmd::misalign::{features::ks_2samp, SongNote, WarpModel};
    let songs = synthetic_songs(1500, 1);
    let model = WarpModel::train(&songs, 1).unwrap();
    let [lo, hi] = model.ratio.range;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(2);
    let mut generated = Vec::new();
    for _ in 0..3000 {
        let [p, on, off] = synthetic_performance(&mut rng, 16);
        let notes: Vec<SongNote> = (0..16)
            .map(|i| SongNote::new(0, p[i], on[i], off[i]))
            .collect();
        let g = model.generate(&notes, &mut rng);
        let r = span(&g.onsets) / span(&on);
        assert!((r - g.ratio).abs() < 1e-9 * r);
        assert!(
            r >= lo * (1.0 - 1e-12) && r <= hi * (1.0 + 1e-12),
            "{r} outside [{lo}, {hi}]"
        );
        let full = span(&[g.onsets.clone(), g.offsets.clone()].concat())
            / (span(&[on.clone(), off.clone()].concat()));
        let [flo, fhi] = model.ratio.full_range;
        assert!(
            full <= fhi * (1.0 + 1e-9) && full >= flo * (1.0 - 1e-9),
            "full span {full}"
        );
        generated.push(r);
    }
    let truth: Vec<f64> = (0..20000)
        .map(|_| (TRUE_LOG_MEAN + TRUE_LOG_SD * normal(&mut rng)).exp())
        .collect();
    let ks = ks_2samp(&generated, &truth);
    assert!(ks <= 0.05, "KS {ks}");
}

/// All tracks of a song share one score timeline: tracks covering different parts of
/// the performance get the same span ratio (onsets and full spans within 2 %), and
/// notes played together in different tracks stay together.
#[test]
fn tracks_of_a_song_share_one_timeline() {
    let pairs = misalign::pairs_from_dir(&fixtures()).unwrap();
    let perf = &pairs[0].perf;
    let generator = Generator::new(Model::shipped().unwrap());
    let end = perf.last().unwrap().onset * 0.7;
    for seed in 0..20u64 {
        let mut gts: Vec<GroundTruth> = (0..3).map(|_| GroundTruth::default()).collect();
        for (i, n) in perf.iter().enumerate() {
            let t = i % 3;
            if t == 2 && n.onset > end {
                continue; // the third part stops early
            }
            gts[t]
                .precise_alignment
                .push_note(n.pitch, n.onset, n.offset, Some(64.0));
        }
        let mut refs: Vec<&mut GroundTruth> = gts.iter_mut().collect();
        let seeds = misalign::SongSeeds {
            song: seed,
            tracks: vec![1, 2, 3],
        };
        generator.misalign_song(&mut refs, &seeds).unwrap();
        let ratio = |g: &GroundTruth, full: bool| {
            let m = &g.misaligned;
            let a = &g.precise_alignment;
            if full {
                span(&[m.onsets.clone(), m.offsets.clone()].concat())
                    / span(&[a.onsets.clone(), a.offsets.clone()].concat())
            } else {
                span(&m.onsets) / span(&a.onsets)
            }
        };
        for full in [false, true] {
            let r: Vec<f64> = gts.iter().map(|g| ratio(g, full)).collect();
            let spread = r.iter().copied().fold(f64::MIN, f64::max)
                / r.iter().copied().fold(f64::MAX, f64::min)
                - 1.0;
            assert!(spread <= 0.02, "seed {seed} full {full}: {r:?}");
        }
        let first = gts
            .iter()
            .map(|g| g.misaligned.onsets[0])
            .fold(f64::MAX, f64::min);
        assert_eq!(first, 0.0, "the song starts at 0");
        for g in &gts {
            g.check().unwrap();
            assert_eq!(g.missing.len(), g.precise_alignment.len());
        }
    }
}
