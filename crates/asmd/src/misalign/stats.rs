//! Statistics of matched score/performance pairs, and the trained model file.
//!
//! Data flows: [`SongPair`]s -> [`match_notes`] -> per-song [`SongStats`] (the matched
//! notes: performance times, score times as written and stretched onto the performance)
//! -> [`Stats`] (the reference's per-song means and stds and pooled standardised onset
//! differences and duration ratios, plus the songs themselves) -> [`Model`]: one
//! versioned, human-readable JSON file holding every method's part — the reference's
//! histograms ([`HistModel`], always) and HMMs ([`HmmModel`]), the tempo-curve model
//! ([`TempoModel`]) and the calibrated warp model ([`WarpModel`]).
//! The default model, trained on asap-dev, ships inside the crate ([`Model::shipped`]).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::hist::Histogram;
use super::hmm::HmmModel;
use super::matching::{match_notes, stretch, MatchNote, MatchOptions};
use super::pairs::SongPair;
use super::warp::WarpModel;
use crate::error::{Error, Result};

/// Identifies model files.
pub const MODEL_FORMAT: &str = "asmd-misalignment-model";
/// The model file version this build reads and writes (2: HMM and warp parts; every
/// part but the histograms optional).
pub const MODEL_VERSION: u32 = 2;
/// Seed of the random choices made while training (HMM subsampling, the warp model's
/// calibration), so that the same data give the same model.
pub const TRAINING_SEED: u64 = 1992;
/// Number of position bins of the mean tempo-deviation profile.
pub const PROFILE_BINS: usize = 40;

const SHIPPED: &str = include_str!("../../../../assets/misalignment_model.json");

/// The matched notes of one pair, ordered by performance onset.
#[derive(Debug, Clone, PartialEq)]
pub struct SongStats {
    /// The pair's name.
    pub name: String,
    /// The pair's piece.
    pub piece: String,
    /// Performance onsets of the matched notes.
    pub perf_onsets: Vec<f64>,
    /// Performance offsets.
    pub perf_offsets: Vec<f64>,
    /// Pitches.
    pub pitches: Vec<f64>,
    /// Stretched-score onsets (the score mapped onto the performance's span, as the
    /// reference compares them).
    pub score_onsets: Vec<f64>,
    /// Stretched-score offsets.
    pub score_offsets: Vec<f64>,
    /// Score onsets as written (seconds at the score's own tempo).
    pub raw_score_onsets: Vec<f64>,
    /// Score offsets as written.
    pub raw_score_offsets: Vec<f64>,
    /// Fraction of the score's notes matched.
    pub score_fraction: f64,
    /// Fraction of the performance's notes matched.
    pub perf_fraction: f64,
    /// Matching time, seconds.
    pub seconds: f64,
}

impl SongStats {
    /// A song from matched notes given in any order: performance and written score
    /// times of the same notes. The score is stretched linearly onto the performance's
    /// span (first onset to last offset of these notes) for the reference's statistics;
    /// notes are ordered by performance onset.
    #[allow(clippy::too_many_arguments)]
    pub fn from_matched(
        name: &str,
        piece: &str,
        pitches: &[f64],
        perf_onsets: &[f64],
        perf_offsets: &[f64],
        score_onsets: &[f64],
        score_offsets: &[f64],
    ) -> Result<SongStats> {
        let n = pitches.len();
        if [perf_onsets, perf_offsets, score_onsets, score_offsets]
            .iter()
            .any(|v| v.len() != n)
        {
            return Err(Error::argument(format!(
                "song `{name}`: every array must have one value per note ({n} pitches)"
            )));
        }
        if n == 0 {
            return Err(Error::argument(format!("song `{name}`: no notes")));
        }
        let all = [
            pitches,
            perf_onsets,
            perf_offsets,
            score_onsets,
            score_offsets,
        ];
        if all.iter().any(|v| v.iter().any(|x| !x.is_finite())) {
            return Err(Error::argument(format!(
                "song `{name}`: times and pitches must be finite"
            )));
        }
        let note = |o: &[f64], f: &[f64]| -> Vec<MatchNote> {
            (0..n)
                .map(|i| MatchNote::new(pitches[i], o[i], f[i]))
                .collect()
        };
        let st = stretch(
            &note(score_onsets, score_offsets),
            &note(perf_onsets, perf_offsets),
        );
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| perf_onsets[a].total_cmp(&perf_onsets[b]).then(a.cmp(&b)));
        let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        Ok(SongStats {
            name: name.to_string(),
            piece: piece.to_string(),
            perf_onsets: pick(perf_onsets),
            perf_offsets: pick(perf_offsets),
            pitches: pick(pitches),
            score_onsets: order.iter().map(|&i| st[i].onset).collect(),
            score_offsets: order.iter().map(|&i| st[i].offset).collect(),
            raw_score_onsets: pick(score_onsets),
            raw_score_offsets: pick(score_offsets),
            score_fraction: 1.0,
            perf_fraction: 1.0,
            seconds: 0.0,
        })
    }

    /// Onset differences, score - performance.
    pub fn ons_diffs(&self) -> Vec<f64> {
        self.score_onsets
            .iter()
            .zip(&self.perf_onsets)
            .map(|(s, p)| s - p)
            .collect()
    }

    /// Duration ratios, performance / score.
    pub fn dur_ratios(&self) -> Vec<f64> {
        (0..self.pitches.len())
            .map(|i| {
                (self.perf_offsets[i] - self.perf_onsets[i])
                    / (self.score_offsets[i] - self.score_onsets[i])
            })
            .collect()
    }
}

/// Why a pair was left out of the statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The pair's name.
    pub name: String,
    /// The reason.
    pub reason: String,
}

/// Match every pair (in parallel); pairs that cannot be matched are skipped with a
/// reason. Results keep the input order.
pub fn match_pairs(pairs: &[SongPair], opts: &MatchOptions) -> (Vec<SongStats>, Vec<Skipped>) {
    let results: Vec<std::result::Result<SongStats, Skipped>> =
        pairs.par_iter().map(|p| song_stats(p, opts)).collect();
    let mut ok = Vec::new();
    let mut skipped = Vec::new();
    for r in results {
        match r {
            Ok(s) => ok.push(s),
            Err(s) => skipped.push(s),
        }
    }
    (ok, skipped)
}

fn song_stats(p: &SongPair, opts: &MatchOptions) -> std::result::Result<SongStats, Skipped> {
    let skip = |reason: String| Skipped {
        name: p.name.clone(),
        reason,
    };
    let m = match_notes(&p.score, &p.perf, opts).map_err(skip)?;
    let st = stretch(&p.score, &p.perf);
    let mut pairs: Vec<(usize, usize)> = m
        .pairs
        .iter()
        .copied()
        .filter(|&(i, j)| st[i].offset > st[i].onset && p.perf[j].offset > p.perf[j].onset)
        .collect();
    if pairs.len() < 8 {
        return Err(skip(format!("only {} notes matched", pairs.len())));
    }
    pairs.sort_by(|a, b| {
        p.perf[a.1]
            .onset
            .total_cmp(&p.perf[b.1].onset)
            .then(a.cmp(b))
    });
    Ok(SongStats {
        name: p.name.clone(),
        piece: p.piece.clone(),
        perf_onsets: pairs.iter().map(|&(_, j)| p.perf[j].onset).collect(),
        perf_offsets: pairs.iter().map(|&(_, j)| p.perf[j].offset).collect(),
        pitches: pairs.iter().map(|&(_, j)| p.perf[j].pitch).collect(),
        score_onsets: pairs.iter().map(|&(i, _)| st[i].onset).collect(),
        score_offsets: pairs.iter().map(|&(i, _)| st[i].offset).collect(),
        raw_score_onsets: pairs.iter().map(|&(i, _)| p.score[i].onset).collect(),
        raw_score_offsets: pairs.iter().map(|&(i, _)| p.score[i].offset).collect(),
        score_fraction: m.score_fraction,
        perf_fraction: m.perf_fraction,
        seconds: m.seconds,
    })
}

/// Population mean and standard deviation (numpy's `mean` and `std`).
pub fn mean_std(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
    (m, v.sqrt())
}

/// `StandardScaler().fit_transform`: a zero std scales by 1.
fn standardise(x: &[f64]) -> Vec<f64> {
    let (m, s) = mean_std(x);
    let s = if s == 0.0 { 1.0 } else { s };
    x.iter().map(|v| (v - m) / s).collect()
}

/// What the reference's `Stats.fill_stats` collects, plus the tempo method's data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Pooled standardised onset differences.
    pub ons_diffs: Vec<f64>,
    /// Pooled standardised duration ratios.
    pub dur_ratios: Vec<f64>,
    /// Per-song mean onset difference.
    pub means_ons: Vec<f64>,
    /// Per-song mean duration ratio.
    pub means_dur: Vec<f64>,
    /// Per-song onset-difference std.
    pub ons_dev: Vec<f64>,
    /// Per-song duration-ratio std.
    pub dur_dev: Vec<f64>,
    /// Number of values each song added (the HMMs train on one sequence per song).
    pub lengths: Vec<usize>,
    /// The songs with their notes (for the tempo and warp methods); songs added as bare
    /// differences ([`Stats::add_diffs`]) are not here.
    pub songs: Vec<SongStats>,
}

impl Stats {
    /// Add one matched song.
    pub fn add_song(&mut self, s: SongStats) {
        // notes of zero length in the score have no duration ratio
        let keep: Vec<usize> = (0..s.pitches.len())
            .filter(|&i| s.score_offsets[i] > s.score_onsets[i])
            .collect();
        let ons: Vec<f64> = s.ons_diffs();
        let dur: Vec<f64> = s.dur_ratios();
        let ons: Vec<f64> = keep.iter().map(|&i| ons[i]).collect();
        let dur: Vec<f64> = keep.iter().map(|&i| dur[i]).collect();
        if self.add_diffs(&ons, &dur).is_ok() {
            self.songs.push(s);
        }
    }

    /// Add one song's onset differences (score - performance) and duration ratios
    /// (performance / score) of its matched notes: the reference's
    /// `add_data_to_histograms(ons_diffs, dur_ratios)`. Such a song feeds the
    /// histogram and HMM methods only.
    pub fn add_diffs(&mut self, ons_diffs: &[f64], dur_ratios: &[f64]) -> Result<()> {
        if ons_diffs.is_empty() || ons_diffs.len() != dur_ratios.len() {
            return Err(Error::argument(format!(
                "a song needs as many duration ratios as onset differences, at least one ({} and {})",
                ons_diffs.len(),
                dur_ratios.len()
            )));
        }
        if ons_diffs.iter().chain(dur_ratios).any(|v| !v.is_finite()) {
            return Err(Error::argument(
                "onset differences and duration ratios must be finite",
            ));
        }
        let (mo, so) = mean_std(ons_diffs);
        let (md, sd) = mean_std(dur_ratios);
        self.means_ons.push(mo);
        self.ons_dev.push(so);
        self.means_dur.push(md);
        self.dur_dev.push(sd);
        self.ons_diffs.extend(standardise(ons_diffs));
        self.dur_ratios.extend(standardise(dur_ratios));
        self.lengths.push(ons_diffs.len());
        Ok(())
    }

    /// Per-song slices of the pooled standardised onset differences and duration ratios.
    pub fn sequences(&self) -> (Vec<&[f64]>, Vec<&[f64]>) {
        let mut ons = Vec::with_capacity(self.lengths.len());
        let mut dur = Vec::with_capacity(self.lengths.len());
        let mut at = 0;
        for &n in &self.lengths {
            ons.push(&self.ons_diffs[at..at + n]);
            dur.push(&self.dur_ratios[at..at + n]);
            at += n;
        }
        (ons, dur)
    }

    /// Match `pairs` and collect their statistics; returns the skipped pairs too.
    pub fn fill(pairs: &[SongPair], opts: &MatchOptions) -> (Stats, Vec<Skipped>) {
        let (songs, skipped) = match_pairs(pairs, opts);
        let mut st = Stats::default();
        for s in songs {
            st.add_song(s);
        }
        (st, skipped)
    }

    /// Train every method these statistics allow (`train_on_filled_stats`): the
    /// histogram and HMM methods always, the tempo and warp methods when songs with
    /// notes were added. The model's default method is the warp method when trained.
    pub fn train(&self, source: &str) -> Result<Model> {
        let mut methods = vec![Method::Histogram, Method::Hmm];
        if !self.songs.is_empty() {
            methods.extend([Method::Tempo, Method::Warp]);
        }
        self.train_methods(source, &methods)
    }

    /// Train the histograms (every model has them: all methods draw song-level values
    /// from them in `get_random_*`) and the given methods' parts.
    pub fn train_methods(&self, source: &str, methods: &[Method]) -> Result<Model> {
        if self.lengths.is_empty() {
            return Err(Error::argument(
                "no matched song to train the misalignment model on",
            ));
        }
        let needs_songs = methods
            .iter()
            .any(|m| matches!(m, Method::Tempo | Method::Warp));
        if needs_songs && self.songs.is_empty() {
            return Err(Error::argument(
                "the tempo and warp methods need songs with their notes (only bare differences were added)",
            ));
        }
        let has = |m: Method| methods.contains(&m);
        let hmm = if has(Method::Hmm) {
            let (ons, dur) = self.sequences();
            Some(HmmModel::train(&ons, &dur, TRAINING_SEED)?)
        } else {
            None
        };
        let warp = if has(Method::Warp) {
            Some(WarpModel::train(&self.songs, TRAINING_SEED)?)
        } else {
            None
        };
        let method = [Method::Warp, Method::Tempo, Method::Hmm]
            .into_iter()
            .find(|m| has(*m))
            .unwrap_or(Method::Histogram);
        Ok(Model {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
            method,
            source: source.into(),
            songs: self.lengths.len(),
            histogram: HistModel {
                ons_dev_max: Some(0.2),
                dur_dev_max: Some(0.2),
                mean_max_ons: None,
                mean_max_dur: None,
                ons_max: None,
                dur_max: None,
                ons_hist: Histogram::new(&self.ons_diffs)?,
                dur_hist: Histogram::new(&self.dur_ratios)?,
                means_ons_hist: Histogram::new(&self.means_ons)?,
                means_dur_hist: Histogram::new(&self.means_dur)?,
                ons_dev_hist: Histogram::new(&self.ons_dev)?,
                dur_dev_hist: Histogram::new(&self.dur_dev)?,
            },
            hmm,
            tempo: has(Method::Tempo).then(|| TempoModel::train(&self.songs)),
            warp,
        })
    }
}

/// A misalignment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The reference's histogram method (ASMD 0.5.1 `HistStats`).
    Histogram,
    /// The reference's HMM method (ASMD 0.5.1 `HMMStats`).
    Hmm,
    /// The tempo-curve method of asmd 0.6.
    Tempo,
    /// The calibrated time warp (the default): one score timeline per song.
    Warp,
}

impl Method {
    /// Every method, in the order tables list them.
    pub const ALL: [Method; 4] = [Method::Histogram, Method::Hmm, Method::Tempo, Method::Warp];

    /// The method's name (`histogram`, `hmm`, `tempo`, `warp`).
    pub fn name(self) -> &'static str {
        match self {
            Method::Histogram => "histogram",
            Method::Hmm => "hmm",
            Method::Tempo => "tempo",
            Method::Warp => "warp",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Method> {
        match s.to_ascii_lowercase().as_str() {
            "histogram" | "hist" => Ok(Method::Histogram),
            "hmm" => Ok(Method::Hmm),
            "tempo" => Ok(Method::Tempo),
            "warp" => Ok(Method::Warp),
            _ => Err(Error::argument(format!(
                "unknown misalignment method `{s}` (expected histogram, hmm, tempo or warp)"
            ))),
        }
    }
}

/// The reference's histogram model (`HistStats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistModel {
    /// Song onset std drawn on edges scaled to `[-max, max]` (reference: 0.2).
    pub ons_dev_max: Option<f64>,
    /// Song duration-ratio std scaling (reference: 0.2).
    pub dur_dev_max: Option<f64>,
    /// Song mean onset difference scaling (reference: none).
    pub mean_max_ons: Option<f64>,
    /// Song mean duration ratio scaling (reference: none).
    pub mean_max_dur: Option<f64>,
    /// Standardised onset difference scaling (reference: none).
    pub ons_max: Option<f64>,
    /// Standardised duration ratio scaling (reference: none).
    pub dur_max: Option<f64>,
    /// Pooled standardised onset differences.
    pub ons_hist: Histogram,
    /// Pooled standardised duration ratios.
    pub dur_hist: Histogram,
    /// Per-song mean onset differences.
    pub means_ons_hist: Histogram,
    /// Per-song mean duration ratios.
    pub means_dur_hist: Histogram,
    /// Per-song onset-difference stds.
    pub ons_dev_hist: Histogram,
    /// Per-song duration-ratio stds.
    pub dur_dev_hist: Histogram,
}

/// Song-level parameters of the tempo model (one entry per training song).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TempoSong {
    /// Mean onset difference (score - performance), seconds.
    pub ons_mean: f64,
    /// Std of the onset differences, seconds.
    pub ons_std: f64,
    /// Mean of ln(performance duration / score duration).
    pub log_ratio_mean: f64,
    /// Std of the log duration ratio.
    pub log_ratio_std: f64,
}

/// Our tempo-curve model: onset differences of a song are
/// `mean + std * (profile(position) + smooth(t) + jitter * e)` where `profile` is the
/// population's mean standardised tempo-deviation curve over the normalised position in
/// the piece (performers' systematic rubato: slower starts, final ritardando), `smooth`
/// is a low-frequency AR(1) deviation on a 1-second grid and `e` per-note noise;
/// durations are divided by a log-normal ratio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TempoModel {
    /// Mean standardised onset difference per position bin.
    pub profile: Vec<f64>,
    /// Std of the smooth deviation around the profile (standardised units).
    pub smooth_std: f64,
    /// AR(1) coefficient of the smooth deviation per second.
    pub smooth_rho: f64,
    /// Fraction of the smooth deviation added when generating: 0 (the default) draws
    /// the expected tempo curve only, which measured the lowest L1 on asap-dev (a random
    /// curve independent of the real one adds error); 1 adds the full trained variability.
    #[serde(default)]
    pub smooth_scale: f64,
    /// Std of the per-note jitter (standardised units).
    pub jitter_std: f64,
    /// Song-level parameters to draw from.
    pub songs: Vec<TempoSong>,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Moving average of `z` over performance times within `half` seconds.
fn smooth(t: &[f64], z: &[f64], half: f64) -> Vec<f64> {
    let mut prefix = vec![0.0; z.len() + 1];
    for (i, v) in z.iter().enumerate() {
        prefix[i + 1] = prefix[i] + v;
    }
    (0..z.len())
        .map(|i| {
            let lo = t.partition_point(|&x| x < t[i] - half);
            let hi = t.partition_point(|&x| x <= t[i] + half);
            (prefix[hi] - prefix[lo]) / (hi - lo).max(1) as f64
        })
        .collect()
}

/// Normalised position of each onset in `[0, 1]`.
pub(crate) fn positions(onsets: &[f64]) -> Vec<f64> {
    let lo = onsets.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = onsets.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    onsets.iter().map(|o| (o - lo) / span).collect()
}

impl TempoModel {
    fn train(songs: &[SongStats]) -> TempoModel {
        let mut sum = vec![0.0; PROFILE_BINS];
        let mut count = vec![0.0; PROFILE_BINS];
        let mut per_song = Vec::new();
        let mut zs = Vec::new();
        for s in songs {
            let d = s.ons_diffs();
            let (m, sd) = mean_std(&d);
            let sd1 = if sd > 0.0 { sd } else { 1.0 };
            let z: Vec<f64> = d.iter().map(|v| (v - m) / sd1).collect();
            let u = positions(&s.perf_onsets);
            for (zi, ui) in z.iter().zip(&u) {
                let b = ((ui * PROFILE_BINS as f64) as usize).min(PROFILE_BINS - 1);
                sum[b] += zi;
                count[b] += 1.0;
            }
            let lr: Vec<f64> = s
                .dur_ratios()
                .iter()
                .filter(|r| r.is_finite() && **r > 0.0)
                .map(|r| r.ln())
                .collect();
            let (lm, ls) = mean_std(&lr);
            per_song.push(TempoSong {
                ons_mean: m,
                ons_std: sd,
                log_ratio_mean: lm,
                log_ratio_std: ls,
            });
            zs.push((z, u));
        }
        let profile: Vec<f64> = sum
            .iter()
            .zip(&count)
            .map(|(s, c)| if *c > 0.0 { s / c } else { 0.0 })
            .collect();
        let mut smooth_stds = Vec::new();
        let mut rhos = Vec::new();
        let mut jitters = Vec::new();
        for (s, (z, u)) in songs.iter().zip(&zs) {
            let c = smooth(&s.perf_onsets, z, 2.0);
            let resid: Vec<f64> = c
                .iter()
                .zip(u)
                .map(|(ci, ui)| ci - profile_at(&profile, *ui))
                .collect();
            smooth_stds.push(mean_std(&resid).1);
            let jit: Vec<f64> = z.iter().zip(&c).map(|(a, b)| a - b).collect();
            jitters.push(mean_std(&jit).1);
            // AR(1) per second: residual sampled on a 1 s grid
            let t0 = s.perf_onsets[0];
            let mut grid = Vec::new();
            let mut k = 0usize;
            for (t, r) in s.perf_onsets.iter().zip(&resid) {
                if *t >= t0 + k as f64 {
                    grid.push(*r);
                    k = (t - t0) as usize + 1;
                }
            }
            if grid.len() > 4 {
                let (gm, gs) = mean_std(&grid);
                if gs > 0.0 {
                    let cov: f64 = grid
                        .windows(2)
                        .map(|w| (w[0] - gm) * (w[1] - gm))
                        .sum::<f64>()
                        / (grid.len() - 1) as f64;
                    rhos.push((cov / (gs * gs)).clamp(0.0, 0.999));
                }
            }
        }
        TempoModel {
            profile,
            smooth_std: median(smooth_stds),
            smooth_rho: median(rhos),
            smooth_scale: 0.0,
            jitter_std: median(jitters),
            songs: per_song,
        }
    }
}

/// The profile value at normalised position `u` (linear between bin centres).
pub(crate) fn profile_at(profile: &[f64], u: f64) -> f64 {
    let n = profile.len();
    if n == 0 {
        return 0.0;
    }
    let x = (u * n as f64 - 0.5).clamp(0.0, (n - 1) as f64);
    let i = x.floor() as usize;
    let j = (i + 1).min(n - 1);
    profile[i] + (profile[j] - profile[i]) * (x - i as f64)
}

/// A trained misalignment model: every trained method's part, and which one generation
/// uses by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// File version ([`MODEL_VERSION`]).
    pub version: u32,
    /// The method [`super::Generator`] uses by default.
    pub method: Method,
    /// What it was trained on.
    pub source: String,
    /// Number of training songs.
    pub songs: usize,
    /// The reference's histogram model (also the song-level draws of every method's
    /// `get_random_*`).
    pub histogram: HistModel,
    /// The reference's HMM model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmm: Option<HmmModel>,
    /// The tempo-curve model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tempo: Option<TempoModel>,
    /// The calibrated warp model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warp: Option<WarpModel>,
}

impl Model {
    /// The model shipped with asmd (trained on asap-dev).
    pub fn shipped() -> Result<Model> {
        Model::from_json_str(SHIPPED, "<shipped misalignment model>")
    }

    /// Parse and validate a model file's text; `origin` names it in errors.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Model> {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::format(origin, format!("line {}", e.line()), e.to_string()))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(MODEL_FORMAT) {
            return Err(Error::format(
                origin,
                "$.format",
                format!("expected \"{MODEL_FORMAT}\""),
            ));
        }
        let version = v.get("version").and_then(|f| f.as_u64());
        if version != Some(u64::from(MODEL_VERSION)) {
            return Err(Error::format(
                origin,
                "$.version",
                format!("unsupported model version {version:?} (this build reads {MODEL_VERSION})"),
            ));
        }
        let m: Model =
            serde_json::from_value(v).map_err(|e| Error::format(origin, "$", e.to_string()))?;
        let h = &m.histogram;
        for (name, hist) in [
            ("ons_hist", &h.ons_hist),
            ("dur_hist", &h.dur_hist),
            ("means_ons_hist", &h.means_ons_hist),
            ("means_dur_hist", &h.means_dur_hist),
            ("ons_dev_hist", &h.ons_dev_hist),
            ("dur_dev_hist", &h.dur_dev_hist),
        ] {
            hist.validate(name)
                .map_err(|e| Error::format(origin, format!("$.histogram.{name}"), e.message()))?;
        }
        if let Some(t) = &m.tempo {
            if t.songs.is_empty() || t.profile.is_empty() {
                return Err(Error::format(
                    origin,
                    "$.tempo",
                    "needs a profile and at least one song",
                ));
            }
        }
        if let Some(h) = &m.hmm {
            for (name, g) in [("onsets", &h.onsets), ("durations", &h.durations)] {
                g.validate()
                    .map_err(|e| Error::format(origin, format!("$.hmm.{name}"), e))?;
            }
        }
        if let Some(w) = &m.warp {
            w.validate()
                .map_err(|(at, e)| Error::format(origin, format!("$.warp.{at}"), e))?;
        }
        if !m.has(m.method) {
            return Err(Error::format(
                origin,
                "$.method",
                format!(
                    "the default method `{}` has no trained part in this model",
                    m.method
                ),
            ));
        }
        Ok(m)
    }

    /// Whether this model has `method`'s part.
    pub fn has(&self, method: Method) -> bool {
        match method {
            Method::Histogram => true,
            Method::Hmm => self.hmm.is_some(),
            Method::Tempo => self.tempo.is_some(),
            Method::Warp => self.warp.is_some(),
        }
    }

    /// The methods this model can generate with.
    pub fn methods(&self) -> Vec<Method> {
        Method::ALL.into_iter().filter(|m| self.has(*m)).collect()
    }

    /// Read a model file.
    pub fn read(path: &std::path::Path) -> Result<Model> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Model::from_json_str(&text, &path.to_string_lossy())
    }

    /// The model as pretty JSON.
    pub fn to_json_string(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Write the model (atomically).
    pub fn write(&self, path: &std::path::Path) -> Result<()> {
        crate::files::write_atomically(path, self.to_json_string().as_bytes())
    }
}
