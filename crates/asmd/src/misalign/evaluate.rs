//! Evaluation on held-out songs: split the songs 70/30 (seeded, by piece), train every
//! method on the first part, and on each held-out song compare what the methods
//! generate with the real score, two ways:
//!
//! - **Distributions** ([`super::features`]): each method generates `draws` scores for
//!   every held-out performance exactly as the conversion does ([`Generator::generate_song`]);
//!   the features (a)–(d) of the generated and the real score/performance relations are
//!   compared with the two-sample Kolmogorov–Smirnov statistic, the inversion rates (e)
//!   by their ratio, and every distribution is summarised by its quantiles.
//! - **The paper's L1**: the mean distance (seconds) between generated and real score
//!   onsets (offsets) over the matched notes, after stretching the score onto the
//!   performance. The reference's protocol gives each of its methods the held-out song's
//!   real mean and std of the onset differences and of the duration ratios (log ratios
//!   for the tempo method); generated onsets are sorted alone, as the reference did. The
//!   warp method gets nothing from the held-out song: its output is stretched onto the
//!   performance like the real score. The identity baseline is the performance itself.
//!
//! Every row also reports the time its method took to train and to generate.

use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::Serialize;

use super::features::{ks_2samp, quantiles, NotePair, Pooled, Relation, QUANTILES};
use super::generate::{fix_offsets, Generator, SongDraw};
use super::stats::{mean_std, Method, Model, SongStats, Stats};
use super::warp::SongNote;
use crate::convert::file_seed;
use crate::error::Result;

/// Generated scores per held-out song and method in the distributional comparison.
pub const DEFAULT_DRAWS: usize = 40;

/// Most generated scores per held-out song and method an evaluation accepts.
pub const MAX_DRAWS: usize = 10_000;

/// Quantiles of the four distributions (a)–(d) ([`QUANTILES`] levels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureQuantiles {
    /// (a) span ratio.
    pub span_ratio: Vec<f64>,
    /// (b) local tempo deviation.
    pub local_tempo: Vec<f64>,
    /// (c) duration ratio.
    pub duration_ratio: Vec<f64>,
    /// (d) chord asynchrony, seconds.
    pub chord_spread: Vec<f64>,
}

impl FeatureQuantiles {
    fn of(p: &Pooled) -> FeatureQuantiles {
        FeatureQuantiles {
            span_ratio: quantiles(&p.span_ratio, &QUANTILES),
            local_tempo: quantiles(&p.local_tempo, &QUANTILES),
            duration_ratio: quantiles(&p.duration_ratio, &QUANTILES),
            chord_spread: quantiles(&p.chord_spread, &QUANTILES),
        }
    }
}

/// Kolmogorov–Smirnov statistics of features (a)–(d) against the real scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KsScores {
    /// (a) span ratio.
    pub span_ratio: f64,
    /// (b) local tempo deviation.
    pub local_tempo: f64,
    /// (c) duration ratio.
    pub duration_ratio: f64,
    /// (d) chord asynchrony.
    pub chord_spread: f64,
}

impl KsScores {
    fn of(real: &Pooled, gen: &Pooled) -> KsScores {
        KsScores {
            span_ratio: ks_2samp(&real.span_ratio, &gen.span_ratio),
            local_tempo: ks_2samp(&real.local_tempo, &gen.local_tempo),
            duration_ratio: ks_2samp(&real.duration_ratio, &gen.duration_ratio),
            chord_spread: ks_2samp(&real.chord_spread, &gen.chord_spread),
        }
    }

    /// The largest of the four.
    pub fn max(&self) -> f64 {
        self.span_ratio
            .max(self.local_tempo)
            .max(self.duration_ratio)
            .max(self.chord_spread)
    }
}

/// The real scores' side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealSummary {
    /// Held-out songs with features.
    pub songs: usize,
    /// Inversion rate (e).
    pub inversion_rate: f64,
    /// Quantiles of (a)–(d).
    pub quantiles: FeatureQuantiles,
    /// KS of the span ratios (a) of the training songs against the held-out ones: how
    /// far apart two real samples of this size are (the noise floor of (a)).
    pub span_ratio_train_vs_test: f64,
}

/// One method's result (the identity baseline included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodScore {
    /// `identity`, `histogram`, `hmm`, `tempo` or `warp`.
    pub method: String,
    /// Mean over songs of the mean onset L1, seconds.
    pub onsets_mean: f64,
    /// Std over songs of the onset L1.
    pub onsets_std: f64,
    /// Mean over songs of the mean offset L1, seconds.
    pub offsets_mean: f64,
    /// Std over songs of the offset L1.
    pub offsets_std: f64,
    /// KS of (a)–(d) against the real scores.
    pub ks: KsScores,
    /// Inversion rate (e) of the generated scores.
    pub inversion_rate: f64,
    /// Generated inversion rate / real inversion rate.
    pub inversion_ratio: f64,
    /// Quantiles of (a)–(d) of the generated scores.
    pub quantiles: FeatureQuantiles,
    /// Seconds spent training this method's part (0 for the identity).
    pub train_seconds: f64,
    /// Seconds spent generating all draws of all held-out songs.
    pub generate_seconds: f64,
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
    /// Generated scores per held-out song and method.
    pub draws: usize,
    /// The quantile levels of every `quantiles` list.
    pub quantile_levels: Vec<f64>,
    /// The real scores.
    pub real: RealSummary,
    /// One row per method, the identity baseline first.
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

fn l1(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()).max(1) as f64;
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / n
}

/// The real relation of a matched song.
pub fn real_relation(s: &SongStats) -> Option<Relation> {
    let pairs: Vec<NotePair> = (0..s.pitches.len())
        .map(|i| {
            NotePair::new(
                s.raw_score_onsets[i],
                s.raw_score_offsets[i],
                s.perf_onsets[i],
                s.perf_offsets[i],
            )
        })
        .collect();
    Relation::new(&pairs)
}

fn song_notes(s: &SongStats) -> Vec<SongNote> {
    (0..s.pitches.len())
        .map(|i| SongNote::new(0, s.pitches[i], s.perf_onsets[i], s.perf_offsets[i]))
        .collect()
}

/// L1 distances (onsets, offsets) of one method on one held-out song, by the paper's
/// protocol (see the module documentation).
pub fn song_distance(g: &Generator, s: &SongStats, seed: u64) -> (f64, f64) {
    let mut rng = Pcg64Mcg::seed_from_u64(file_seed(seed, &s.name));
    if g.method == Method::Warp {
        let Ok((ons, offs)) = g.generate_song(&song_notes(s), &mut rng) else {
            return (f64::NAN, f64::NAN);
        };
        // stretch onto the performance's span, as the real score was
        let lo = ons.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = offs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let plo = s.perf_onsets.iter().copied().fold(f64::INFINITY, f64::min);
        let phi = s
            .perf_offsets
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let k = if hi > lo {
            (phi - plo) / (hi - lo)
        } else {
            1.0
        };
        let on: Vec<f64> = ons.iter().map(|o| (o - lo) * k + plo).collect();
        let off: Vec<f64> = offs.iter().map(|o| (o - lo) * k + plo).collect();
        return (l1(&on, &s.score_onsets), l1(&off, &s.score_offsets));
    }
    let d = s.ons_diffs();
    let (om, os) = mean_std(&d);
    let (dm, ds) = match g.method {
        Method::Tempo => {
            let lr: Vec<f64> = s.dur_ratios().iter().map(|r| r.ln()).collect();
            mean_std(&lr)
        }
        _ => mean_std(&s.dur_ratios()),
    };
    let draw = SongDraw {
        ons_std: os,
        ons_mean: om,
        dur_std: ds,
        dur_mean: dm,
        ratio: None,
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
    (l1(&sorted, &s.score_onsets), l1(&offsets, &s.score_offsets))
}

/// One draw of one method on one song: the generated relation.
fn generated_relation(g: &Generator, s: &SongStats, seed: u64, draw: usize) -> Option<Relation> {
    let mut rng = Pcg64Mcg::seed_from_u64(file_seed(seed, &format!("{}#{draw}", s.name)));
    let notes = song_notes(s);
    let (ons, offs) = g.generate_song(&notes, &mut rng).ok()?;
    let pairs: Vec<NotePair> = (0..notes.len())
        .map(|i| NotePair::new(ons[i], offs[i], notes[i].onset, notes[i].offset))
        .collect();
    Relation::new(&pairs)
}

fn pool(relations: impl Iterator<Item = Relation>) -> Pooled {
    let mut p = Pooled::default();
    for r in relations {
        p.add(&r);
    }
    p
}

fn row(method: &str, real: &Pooled, gen: &Pooled, l1s: &[(f64, f64)]) -> MethodScore {
    let on: Vec<f64> = l1s.iter().map(|x| x.0).filter(|v| v.is_finite()).collect();
    let off: Vec<f64> = l1s.iter().map(|x| x.1).filter(|v| v.is_finite()).collect();
    let (om, os) = mean_std(&on);
    let (fm, fs) = mean_std(&off);
    let rate = gen.inversion_rate();
    let real_rate = real.inversion_rate();
    MethodScore {
        method: method.to_string(),
        onsets_mean: om,
        onsets_std: os,
        offsets_mean: fm,
        offsets_std: fs,
        ks: KsScores::of(real, gen),
        inversion_rate: rate,
        inversion_ratio: if real_rate > 0.0 {
            rate / real_rate
        } else {
            f64::NAN
        },
        quantiles: FeatureQuantiles::of(gen),
        train_seconds: 0.0,
        generate_seconds: 0.0,
    }
}

/// Score the given methods of `model` on held-out songs (the identity baseline first),
/// with `draws` generated scores per song and method.
pub fn score_methods(
    model: &Model,
    methods: &[Method],
    test: &[SongStats],
    seed: u64,
    draws: usize,
) -> Result<(Pooled, Vec<MethodScore>)> {
    if draws > MAX_DRAWS {
        return Err(crate::Error::argument(format!(
            "{draws} generated scores per song is more than the {MAX_DRAWS} an evaluation takes"
        )));
    }
    let real = pool(test.iter().filter_map(real_relation));
    let identity = pool(test.iter().filter_map(|s| {
        let pairs: Vec<NotePair> = (0..s.pitches.len())
            .map(|i| {
                NotePair::new(
                    s.perf_onsets[i],
                    s.perf_offsets[i],
                    s.perf_onsets[i],
                    s.perf_offsets[i],
                )
            })
            .collect();
        Relation::new(&pairs)
    }));
    let id_l1: Vec<(f64, f64)> = test
        .iter()
        .map(|s| {
            (
                l1(&s.perf_onsets, &s.score_onsets),
                l1(&s.perf_offsets, &s.score_offsets),
            )
        })
        .collect();
    let mut rows = vec![row("identity", &real, &identity, &id_l1)];
    for &m in methods {
        let g = Generator::new(model.clone()).with_method(m)?;
        let t0 = Instant::now();
        let gen = pool(
            test.par_iter()
                .flat_map_iter(|s| {
                    (0..draws)
                        .filter_map(|d| generated_relation(&g, s, seed, d))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
                .into_iter(),
        );
        let generate_seconds = t0.elapsed().as_secs_f64();
        let l1s: Vec<(f64, f64)> = test
            .par_iter()
            .map(|s| song_distance(&g, s, seed))
            .collect();
        let mut r = row(m.name(), &real, &gen, &l1s);
        r.generate_seconds = generate_seconds;
        rows.push(r);
    }
    Ok((real, rows))
}

/// Settings of [`evaluate_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// Seed of the split and of the draws.
    pub seed: u64,
    /// Generated scores per held-out song and method.
    pub draws: usize,
    /// Methods to train and score (the identity baseline is always scored).
    pub methods: Vec<Method>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            seed: 1992,
            draws: DEFAULT_DRAWS,
            methods: Method::ALL.to_vec(),
        }
    }
}

/// Split, train every method on 70 %, evaluate them on the other 30 %.
pub fn evaluate(songs: &[SongStats], seed: u64) -> Result<Evaluation> {
    evaluate_with(
        songs,
        &EvalOptions {
            seed,
            ..Default::default()
        },
    )
}

/// [`evaluate`] with settings.
pub fn evaluate_with(songs: &[SongStats], opts: &EvalOptions) -> Result<Evaluation> {
    let (train, test) = split(songs, opts.seed);
    let mut st = Stats::default();
    for s in &train {
        st.add_song(s.clone());
    }
    // train each method apart to time it; the histograms come with every part
    let mut model: Option<Model> = None;
    let mut times = Vec::new();
    for &m in &opts.methods {
        let t0 = Instant::now();
        let part = st.train_methods("evaluation split", &[m])?;
        times.push((m, t0.elapsed().as_secs_f64()));
        model = Some(match model {
            None => part,
            Some(mut acc) => {
                acc.hmm = acc.hmm.or(part.hmm);
                acc.tempo = acc.tempo.or(part.tempo);
                acc.warp = acc.warp.or(part.warp);
                acc
            }
        });
    }
    let model = match model {
        Some(m) => m,
        None => st.train_methods("evaluation split", &[Method::Histogram])?,
    };
    let (real, mut rows) = score_methods(&model, &opts.methods, &test, opts.seed, opts.draws)?;
    for r in &mut rows {
        if let Some((_, t)) = times.iter().find(|(m, _)| m.name() == r.method) {
            r.train_seconds = *t;
        }
    }
    let train_ratios: Vec<f64> = train
        .iter()
        .filter_map(real_relation)
        .map(|r| r.span_ratio)
        .collect();
    Ok(Evaluation {
        train_songs: train.len(),
        test_songs: test.len(),
        seed: opts.seed,
        draws: opts.draws,
        quantile_levels: QUANTILES.to_vec(),
        real: RealSummary {
            songs: real.songs,
            inversion_rate: real.inversion_rate(),
            quantiles: FeatureQuantiles::of(&real),
            span_ratio_train_vs_test: ks_2samp(&train_ratios, &real.span_ratio),
        },
        methods: rows,
    })
}
