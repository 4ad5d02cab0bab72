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
    let m = match_notes(&score, &perf, &MatchOptions::default()).unwrap();
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
    let (st, skipped) = Stats::fill(&pairs, &MatchOptions::default());
    assert!(skipped.is_empty(), "{skipped:?}");
    for s in &st.songs {
        assert!(s.score_fraction > 0.8, "{}: {}", s.name, s.score_fraction);
        assert!(s.perf_fraction > 0.8, "{}: {}", s.name, s.perf_fraction);
    }
    st
}

#[test]
fn training_and_evaluation_on_asap_pairs() {
    let st = training_stats();
    let model = st.train("fixtures").unwrap();
    assert_eq!(model.songs, 3);
    // the file round-trips and is versioned
    let text = model.to_json_string();
    assert!(text.contains("\"format\": \"asmd-misalignment-model\""));
    assert_eq!(Model::from_json_str(&text, "m.json").unwrap(), model);
    let bad = text.replace("\"version\": 1", "\"version\": 99");
    let e = Model::from_json_str(&bad, "m.json").unwrap_err();
    assert_eq!(e.location(), Some("$.version"));
    // evaluation of both methods on songs held out from training
    let scores = misalign::evaluate::score_methods(&model, &st.songs, 3);
    assert_eq!(scores.len(), 2);
    for s in &scores {
        assert!(s.onsets_mean.is_finite() && s.onsets_mean >= 0.0, "{s:?}");
        assert!(s.offsets_mean.is_finite() && s.offsets_mean >= 0.0, "{s:?}");
    }
    let ev = misalign::evaluate(&st.songs, 1).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ev.train_songs + ev.test_songs, 3);
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
    let generator = Generator::new(Model::shipped().unwrap()).with_method(method);
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
    for method in [Method::Histogram, Method::Tempo] {
        let a = convert_bytes(method, 1, 5);
        let b = convert_bytes(method, 2, 5);
        assert_eq!(a, b, "{method:?}");
        let c = convert_bytes(method, 2, 6);
        assert_ne!(a[1], c[1], "another seed gives other notes");
    }
}
