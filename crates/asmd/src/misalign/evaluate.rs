//! Evaluation as in the paper: split the songs 70/30 (seeded, by piece), train on the
//! first part, and on each held-out song measure the mean L1 distance (seconds) between
//! generated and real score onsets (offsets) over the matched notes; report the mean
//! and std over songs for each method.
//!
//! The protocol is the reference's `evaluate`: each method receives the held-out song's
//! real mean and std of the onset differences and of the duration ratios (log ratios for
//! the tempo method) and generates the rest; generated onsets are sorted (alone, as the
//! reference does), offsets = onset + aligned duration / ratio, then [`fix_offsets`].

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::Serialize;

use super::generate::{fix_offsets, Generator, SongDraw};
use super::stats::{mean_std, Method, Model, SongStats, Stats};
use crate::convert::file_seed;
use crate::error::Result;

/// One method's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodScore {
    /// `histogram` or `tempo`.
    pub method: String,
    /// Mean over songs of the mean onset L1, seconds.
    pub onsets_mean: f64,
    /// Std over songs of the onset L1.
    pub onsets_std: f64,
    /// Mean over songs of the mean offset L1, seconds.
    pub offsets_mean: f64,
    /// Std over songs of the offset L1.
    pub offsets_std: f64,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Songs used for training.
    pub train_songs: usize,
    /// Held-out songs evaluated.
    pub test_songs: usize,
    /// The seed of the split and of the draws.
    pub seed: u64,
    /// One row per method.
    pub methods: Vec<MethodScore>,
}

/// Split matched songs 70/30 by piece with `seed`: `(train, test)`.
pub fn split(songs: &[SongStats], seed: u64) -> (Vec<SongStats>, Vec<SongStats>) {
    let mut pieces: Vec<&str> = songs.iter().map(|s| s.piece.as_str()).collect();
    pieces.sort_unstable();
    pieces.dedup();
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let test: std::collections::HashSet<&str> = pieces
        .into_iter()
        .filter(|_| rng.random::<f64>() >= 0.7)
        .collect();
    let (mut tr, mut te) = (Vec::new(), Vec::new());
    for s in songs {
        if test.contains(s.piece.as_str()) {
            te.push(s.clone());
        } else {
            tr.push(s.clone());
        }
    }
    (tr, te)
}

/// L1 distances (onsets, offsets) of one method on one held-out song.
pub fn song_distance(g: &Generator, s: &SongStats, seed: u64) -> (f64, f64) {
    let mut rng = Pcg64Mcg::seed_from_u64(file_seed(seed, &s.name));
    let d = s.ons_diffs();
    let (om, os) = mean_std(&d);
    let (dm, ds) = match g.method {
        Method::Histogram => mean_std(&s.dur_ratios()),
        Method::Tempo => {
            let lr: Vec<f64> = s.dur_ratios().iter().map(|r| r.ln()).collect();
            mean_std(&lr)
        }
    };
    let draw = SongDraw {
        ons_std: os,
        ons_mean: om,
        dur_std: ds,
        dur_mean: dm,
    };
    let (ons, offs) = g.draw_notes(&mut rng, &draw, &s.perf_onsets, &s.perf_offsets);
    let mut sorted = ons.clone();
    sorted.sort_by(f64::total_cmp);
    // offsets keep each note's drawn duration, added to the sorted onsets (reference)
    let mut offsets: Vec<f64> = sorted
        .iter()
        .zip(ons.iter().zip(&offs))
        .map(|(o, (a, b))| o + (b - a))
        .collect();
    fix_offsets(&sorted, &mut offsets, &s.pitches);
    let n = s.score_onsets.len().max(1) as f64;
    let on: f64 = sorted
        .iter()
        .zip(&s.score_onsets)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / n;
    let off: f64 = offsets
        .iter()
        .zip(&s.score_offsets)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / n;
    (on, off)
}

/// Score `model`'s methods on held-out songs.
pub fn score_methods(model: &Model, test: &[SongStats], seed: u64) -> Vec<MethodScore> {
    [Method::Histogram, Method::Tempo]
        .into_iter()
        .map(|m| {
            let g = Generator::new(model.clone()).with_method(m);
            let d: Vec<(f64, f64)> = test
                .par_iter()
                .map(|s| song_distance(&g, s, seed))
                .collect();
            let (om, os) = mean_std(&d.iter().map(|x| x.0).collect::<Vec<_>>());
            let (fm, fs) = mean_std(&d.iter().map(|x| x.1).collect::<Vec<_>>());
            MethodScore {
                method: match m {
                    Method::Histogram => "histogram".into(),
                    Method::Tempo => "tempo".into(),
                },
                onsets_mean: om,
                onsets_std: os,
                offsets_mean: fm,
                offsets_std: fs,
            }
        })
        .collect()
}

/// Split, train on 70 %, evaluate both methods on the other 30 %.
pub fn evaluate(songs: &[SongStats], seed: u64) -> Result<Evaluation> {
    let (train, test) = split(songs, seed);
    let mut st = Stats::default();
    for s in &train {
        st.add_song(s.clone());
    }
    let model = st.train("evaluation split")?;
    Ok(Evaluation {
        train_songs: train.len(),
        test_songs: test.len(),
        seed,
        methods: score_methods(&model, &test, seed),
    })
}
