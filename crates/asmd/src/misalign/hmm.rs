//! The reference's third method (ASMD 0.5.1 `HMMStats`): hidden Markov models whose
//! states emit one-dimensional Gaussian mixtures (hmmlearn's `GMMHMM` with diagonal
//! covariances), trained with Baum–Welch on the per-song sequences of standardised
//! onset differences and duration ratios, and sampled as one sequence per song.
//!
//! Data flows: the sequences (one per training song, in performance order) ->
//! [`GmmHmm::fit`] (deterministic initialisation from the data's quantiles, scaled
//! forward–backward in parallel over songs, EM until the log-likelihood gains less
//! than `tol` or `max_iter` iterations) -> [`GmmHmm::sample`].
//!
//! Sizes are the reference's: 20 states of 30 components for onsets, 2 states of 3
//! components for durations, at most 100 iterations, `tol` 0.1. Two things differ,
//! both for time: the reference initialised the means with k-means (sklearn), we use
//! the data's quantiles (no random start, the same model on every run); and training
//! uses at most [`HmmOptions::max_observations`] values, whole songs taken in a seeded
//! order (the full ASAP collection, a million values, would need hours of EM).
//!
//! ```
//! use asmd::misalign::hmm::{GmmHmm, HmmOptions};
//! use rand::SeedableRng;
//! // two regimes: long runs near -1, then near +1
//! let seq: Vec<f64> = (0..400).map(|i| if (i / 50) % 2 == 0 { -1.0 } else { 1.0 } + 0.01 * ((i * 7 % 13) as f64 - 6.0)).collect();
//! let opts = HmmOptions { states: 2, mixtures: 1, ..HmmOptions::onsets() };
//! let hmm = GmmHmm::fit(&[&seq], &opts, 1).unwrap();
//! assert!(hmm.transmat[0][0] > 0.9 && hmm.transmat[1][1] > 0.9);
//! let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
//! let x = hmm.sample(&mut rng, 1000);
//! assert_eq!(x.len(), 1000);
//! assert!(x.iter().all(|v| (v.abs() - 1.0).abs() < 0.3));
//! ```

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::generate::normal;
use crate::error::{Error, Result};

/// Training settings of a [`GmmHmm`].
#[derive(Debug, Clone, PartialEq)]
pub struct HmmOptions {
    /// Hidden states (hmmlearn's `n_components`).
    pub states: usize,
    /// Gaussian components per state (`n_mix`).
    pub mixtures: usize,
    /// At most this many EM iterations (`n_iter`).
    pub max_iter: usize,
    /// Stop when the log-likelihood gains less than this (`tol`).
    pub tol: f64,
    /// Floor of every component's variance (`min_covar`).
    pub min_var: f64,
    /// Train on at most this many values (whole songs, in a seeded order).
    pub max_observations: usize,
}

impl HmmOptions {
    /// The reference's onset model: 20 states, 30 components.
    pub fn onsets() -> HmmOptions {
        HmmOptions {
            states: 20,
            mixtures: 30,
            max_iter: 100,
            tol: 0.1,
            min_var: 1e-3,
            max_observations: 40_000,
        }
    }

    /// The reference's duration model: 2 states, 3 components.
    pub fn durations() -> HmmOptions {
        HmmOptions {
            states: 2,
            mixtures: 3,
            ..HmmOptions::onsets()
        }
    }
}

/// A hidden Markov model with one-dimensional Gaussian-mixture emissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GmmHmm {
    /// Probability of each first state.
    pub startprob: Vec<f64>,
    /// `transmat[i][j]`: probability of moving from state `i` to `j`.
    pub transmat: Vec<Vec<f64>>,
    /// Mixture weights per state.
    pub weights: Vec<Vec<f64>>,
    /// Component means per state.
    pub means: Vec<Vec<f64>>,
    /// Component variances per state.
    pub vars: Vec<Vec<f64>>,
    /// EM iterations run.
    pub iterations: usize,
    /// Whether the log-likelihood gain fell below `tol` before `max_iter`.
    pub converged: bool,
    /// Log-likelihood of the training values under the model before the last update.
    pub log_likelihood: f64,
    /// Number of training values.
    pub observations: usize,
}

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Sufficient statistics of one E-step.
struct Acc {
    start: Vec<f64>,
    trans: Vec<f64>,
    post: Vec<f64>,
    post_x: Vec<f64>,
    post_x2: Vec<f64>,
    loglik: f64,
}

impl Acc {
    fn new(n: usize, m: usize) -> Acc {
        Acc {
            start: vec![0.0; n],
            trans: vec![0.0; n * n],
            post: vec![0.0; n * m],
            post_x: vec![0.0; n * m],
            post_x2: vec![0.0; n * m],
            loglik: 0.0,
        }
    }

    fn merge(mut self, o: Acc) -> Acc {
        for (a, b) in [
            (&mut self.start, &o.start),
            (&mut self.trans, &o.trans),
            (&mut self.post, &o.post),
            (&mut self.post_x, &o.post_x),
            (&mut self.post_x2, &o.post_x2),
        ] {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self.loglik += o.loglik;
        self
    }
}

/// numpy's linear-interpolation quantile of sorted data.
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (sorted[j] - sorted[i]) * (pos - i as f64)
}

/// Pick whole sequences in a seeded order until `cap` values (the last one cut).
fn subsample<'a>(seqs: &[&'a [f64]], cap: usize, seed: u64) -> Vec<&'a [f64]> {
    let total: usize = seqs.iter().map(|s| s.len()).sum();
    if total <= cap {
        return seqs.to_vec();
    }
    let mut order: Vec<usize> = (0..seqs.len()).collect();
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let mut out = Vec::new();
    let mut left = cap;
    for i in order {
        if left == 0 {
            break;
        }
        let s = seqs[i];
        let take = s.len().min(left);
        out.push(&s[..take]);
        left -= take;
    }
    out
}

impl GmmHmm {
    fn n(&self) -> usize {
        self.startprob.len()
    }

    fn m(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// Deterministic start: state `k` covers the `k`-th slice of the sorted values, its
    /// components sit at evenly spaced quantiles inside it; uniform probabilities;
    /// every variance is the data's.
    fn init(values: &[f64], opts: &HmmOptions) -> GmmHmm {
        let (n, m) = (opts.states, opts.mixtures);
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / values.len() as f64
            + opts.min_var;
        let means = (0..n)
            .map(|k| {
                (0..m)
                    .map(|c| {
                        quantile_sorted(
                            &sorted,
                            (k as f64 + (c as f64 + 0.5) / m as f64) / n as f64,
                        )
                    })
                    .collect()
            })
            .collect();
        GmmHmm {
            startprob: vec![1.0 / n as f64; n],
            transmat: vec![vec![1.0 / n as f64; n]; n],
            weights: vec![vec![1.0 / m as f64; m]; n],
            means,
            vars: vec![vec![var; m]; n],
            iterations: 0,
            converged: false,
            log_likelihood: f64::NEG_INFINITY,
            observations: values.len(),
        }
    }

    /// Per component, flattened `j * m + c`: (mean, log weight - log normalisation,
    /// 1 / (2 var)).
    fn components(&self) -> Vec<(f64, f64, f64)> {
        let m = self.m();
        let mut out = Vec::with_capacity(self.n() * m);
        for (w, (mu, var)) in self.weights.iter().zip(self.means.iter().zip(&self.vars)) {
            for c in 0..m {
                out.push((
                    mu[c],
                    w[c].ln() - 0.5 * (LN_2PI + var[c].ln()),
                    0.5 / var[c],
                ));
            }
        }
        out
    }

    /// One sequence's E-step into `acc`, with the precomputed [`GmmHmm::components`].
    fn accumulate(&self, x: &[f64], parts: &[(f64, f64, f64)], acc: &mut Acc) {
        let (n, m, t_len) = (self.n(), self.m(), x.len());
        if t_len == 0 {
            return;
        }
        let component_logs = |x: f64, out: &mut [f64]| {
            for (o, &(mu, k, h)) in out.iter_mut().zip(parts) {
                let d = x - mu;
                *o = k - d * d * h;
            }
        };
        let mut comp = vec![0.0; n * m];
        // emission probabilities, each step scaled by its largest log value; `within`
        // keeps each component's share of its state's density for the M-step
        let mut b = vec![0.0; t_len * n];
        let mut within = vec![0.0; t_len * n * m];
        let mut shift = vec![0.0; t_len];
        for t in 0..t_len {
            component_logs(x[t], &mut comp);
            let mut best = f64::NEG_INFINITY;
            for j in 0..n {
                let row = &comp[j * m..(j + 1) * m];
                let mx = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let share = &mut within[(t * n + j) * m..(t * n + j + 1) * m];
                let mut total = 0.0;
                for (w, v) in share.iter_mut().zip(row) {
                    let d = v - mx;
                    // below e^-40 a component's share is nothing
                    *w = if d > -40.0 { d.exp() } else { 0.0 };
                    total += *w;
                }
                share.iter_mut().for_each(|w| *w /= total);
                let lb = mx + total.ln();
                b[t * n + j] = lb;
                best = best.max(lb);
            }
            shift[t] = best;
            for j in 0..n {
                let d = b[t * n + j] - best;
                b[t * n + j] = if d > -700.0 { d.exp() } else { 0.0 };
            }
        }
        // scaled forward
        let mut alpha = vec![0.0; t_len * n];
        let mut scale = vec![0.0; t_len];
        for t in 0..t_len {
            let mut sum = 0.0;
            for j in 0..n {
                let prior = if t == 0 {
                    self.startprob[j]
                } else {
                    (0..n)
                        .map(|i| alpha[(t - 1) * n + i] * self.transmat[i][j])
                        .sum()
                };
                let a = prior * b[t * n + j];
                alpha[t * n + j] = a;
                sum += a;
            }
            let sum = if sum > 0.0 { sum } else { f64::MIN_POSITIVE };
            scale[t] = sum;
            for j in 0..n {
                alpha[t * n + j] /= sum;
            }
        }
        acc.loglik += scale.iter().map(|c| c.ln()).sum::<f64>() + shift.iter().sum::<f64>();
        // scaled backward
        let mut beta = vec![1.0; t_len * n];
        for t in (0..t_len - 1).rev() {
            for i in 0..n {
                let mut s = 0.0;
                for j in 0..n {
                    s += self.transmat[i][j] * b[(t + 1) * n + j] * beta[(t + 1) * n + j];
                }
                beta[t * n + i] = s / scale[t + 1];
            }
        }
        for j in 0..n {
            acc.start[j] += alpha[j] * beta[j];
        }
        for t in 0..t_len - 1 {
            for i in 0..n {
                let a = alpha[t * n + i] / scale[t + 1];
                if a == 0.0 {
                    continue;
                }
                for j in 0..n {
                    acc.trans[i * n + j] +=
                        a * self.transmat[i][j] * b[(t + 1) * n + j] * beta[(t + 1) * n + j];
                }
            }
        }
        for t in 0..t_len {
            for j in 0..n {
                let gamma = alpha[t * n + j] * beta[t * n + j];
                if gamma <= 0.0 {
                    continue;
                }
                let share = &within[(t * n + j) * m..(t * n + j + 1) * m];
                for (c, &w) in share.iter().enumerate() {
                    if w == 0.0 {
                        continue;
                    }
                    let g = gamma * w;
                    acc.post[j * m + c] += g;
                    acc.post_x[j * m + c] += g * x[t];
                    acc.post_x2[j * m + c] += g * x[t] * x[t];
                }
            }
        }
    }

    fn m_step(&mut self, acc: &Acc, min_var: f64) {
        let (n, m) = (self.n(), self.m());
        let total: f64 = acc.start.iter().sum();
        if total > 0.0 {
            for j in 0..n {
                self.startprob[j] = acc.start[j] / total;
            }
        }
        for (i, out) in self.transmat.iter_mut().enumerate() {
            let row = &acc.trans[i * n..(i + 1) * n];
            let s: f64 = row.iter().sum();
            if s > 0.0 {
                for (o, r) in out.iter_mut().zip(row) {
                    *o = r / s;
                }
            }
        }
        for j in 0..n {
            let post = &acc.post[j * m..(j + 1) * m];
            let s: f64 = post.iter().sum();
            if s <= 0.0 {
                continue;
            }
            for (c, &p) in post.iter().enumerate() {
                self.weights[j][c] = p / s;
                if p > 1e-10 {
                    let mu = acc.post_x[j * m + c] / p;
                    let var = acc.post_x2[j * m + c] / p - mu * mu;
                    self.means[j][c] = mu;
                    self.vars[j][c] = var.max(min_var);
                }
            }
        }
    }

    /// Train on sequences (one per song) with Baum–Welch; `seed` picks the songs when
    /// there are more values than `opts.max_observations`.
    pub fn fit(sequences: &[&[f64]], opts: &HmmOptions, seed: u64) -> Result<GmmHmm> {
        if opts.states == 0 || opts.mixtures == 0 {
            return Err(Error::argument(
                "an HMM needs at least one state and one mixture component",
            ));
        }
        let seqs = subsample(sequences, opts.max_observations.max(1), seed);
        let values: Vec<f64> = seqs.iter().flat_map(|s| s.iter().copied()).collect();
        if values.is_empty() {
            return Err(Error::argument("no values to train the HMM on"));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::argument(
                "HMM training values must be finite (NaN or infinity found)",
            ));
        }
        let mut hmm = GmmHmm::init(&values, opts);
        let (n, m) = (opts.states, opts.mixtures);
        let mut previous = f64::NEG_INFINITY;
        for it in 0..opts.max_iter {
            let parts = hmm.components();
            let acc = seqs
                .par_iter()
                .map(|s| {
                    let mut a = Acc::new(n, m);
                    hmm.accumulate(s, &parts, &mut a);
                    a
                })
                .reduce(|| Acc::new(n, m), Acc::merge);
            hmm.iterations = it + 1;
            hmm.log_likelihood = acc.loglik;
            if acc.loglik - previous < opts.tol {
                hmm.converged = true;
                break;
            }
            previous = acc.loglik;
            hmm.m_step(&acc, opts.min_var);
        }
        Ok(hmm)
    }

    /// A sequence of `k` values: a state path from the start and transition
    /// probabilities, each value from its state's mixture.
    pub fn sample<R: RngExt>(&self, rng: &mut R, k: usize) -> Vec<f64> {
        let pick = |rng: &mut R, p: &[f64]| {
            let u = rng.random::<f64>() * p.iter().sum::<f64>();
            let mut acc = 0.0;
            for (i, v) in p.iter().enumerate() {
                acc += v;
                if u < acc {
                    return i;
                }
            }
            p.len() - 1
        };
        let mut out = Vec::with_capacity(k);
        let mut state = pick(rng, &self.startprob);
        for _ in 0..k {
            let c = pick(rng, &self.weights[state]);
            out.push(self.means[state][c] + self.vars[state][c].sqrt() * normal(rng));
            state = pick(rng, &self.transmat[state]);
        }
        out
    }

    /// Check the shapes and values of a model read from a file.
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        let n = self.n();
        let m = self.m();
        if n == 0 || m == 0 {
            return Err("needs at least one state and one component".into());
        }
        let prob = |v: &[f64]| {
            v.len() == n
                && v.iter().all(|p| p.is_finite() && *p >= 0.0)
                && (v.iter().sum::<f64>() - 1.0).abs() < 1e-6
        };
        if !prob(&self.startprob) {
            return Err("startprob: needs one probability per state, summing to 1".into());
        }
        if self.transmat.len() != n || !self.transmat.iter().all(|r| prob(r)) {
            return Err("transmat: needs one row per state, each summing to 1".into());
        }
        let shaped = |v: &[Vec<f64>]| v.len() == n && v.iter().all(|r| r.len() == m);
        if !shaped(&self.weights) || !shaped(&self.means) || !shaped(&self.vars) {
            return Err("weights, means and vars need one row of equal length per state".into());
        }
        if !self
            .weights
            .iter()
            .all(|r| r.iter().all(|w| w.is_finite() && *w >= 0.0) && r.iter().sum::<f64>() > 0.0)
        {
            return Err(
                "weights: every state needs non-negative weights with a positive sum".into(),
            );
        }
        if !self.means.iter().flatten().all(|v| v.is_finite())
            || !self
                .vars
                .iter()
                .flatten()
                .all(|v| v.is_finite() && *v > 0.0)
        {
            return Err("means must be finite and vars positive".into());
        }
        Ok(())
    }
}

/// The HMM method's part of a model: one HMM for standardised onset differences, one
/// for standardised duration ratios (song-level draws come from the histogram model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HmmModel {
    /// Onset differences: 20 states x 30 components.
    pub onsets: GmmHmm,
    /// Duration ratios: 2 states x 3 components.
    pub durations: GmmHmm,
}

impl HmmModel {
    /// Train both HMMs on the per-song standardised sequences.
    pub fn train(ons: &[&[f64]], dur: &[&[f64]], seed: u64) -> Result<HmmModel> {
        Ok(HmmModel {
            onsets: GmmHmm::fit(ons, &HmmOptions::onsets(), seed)?,
            durations: GmmHmm::fit(dur, &HmmOptions::durations(), seed)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-state chain with known parameters is recovered from its own samples.
    #[test]
    fn recovers_a_known_chain() {
        let truth = GmmHmm {
            startprob: vec![0.5, 0.5],
            transmat: vec![vec![0.95, 0.05], vec![0.1, 0.9]],
            weights: vec![vec![1.0], vec![1.0]],
            means: vec![vec![-2.0], vec![1.0]],
            vars: vec![vec![0.25], vec![0.5]],
            iterations: 0,
            converged: true,
            log_likelihood: 0.0,
            observations: 0,
        };
        let mut rng = Pcg64Mcg::seed_from_u64(5);
        let seqs: Vec<Vec<f64>> = (0..20).map(|_| truth.sample(&mut rng, 500)).collect();
        let refs: Vec<&[f64]> = seqs.iter().map(Vec::as_slice).collect();
        let opts = HmmOptions {
            states: 2,
            mixtures: 1,
            ..HmmOptions::onsets()
        };
        let hmm = GmmHmm::fit(&refs, &opts, 1).unwrap();
        hmm.validate().unwrap();
        // states come out ordered by the quantile start: low mean first
        assert!((hmm.means[0][0] + 2.0).abs() < 0.1, "{:?}", hmm.means);
        assert!((hmm.means[1][0] - 1.0).abs() < 0.1, "{:?}", hmm.means);
        assert!(
            (hmm.transmat[0][0] - 0.95).abs() < 0.02,
            "{:?}",
            hmm.transmat
        );
        assert!(
            (hmm.transmat[1][1] - 0.9).abs() < 0.03,
            "{:?}",
            hmm.transmat
        );
        assert!((hmm.vars[1][0] - 0.5).abs() < 0.08, "{:?}", hmm.vars);
        assert!(hmm.converged);
    }

    #[test]
    fn subsample_keeps_whole_songs_in_seeded_order() {
        let a = [1.0; 5];
        let b = [2.0; 5];
        let c = [3.0; 5];
        let s = subsample(&[&a, &b, &c], 7, 1);
        assert_eq!(s.iter().map(|x| x.len()).sum::<usize>(), 7);
        assert_eq!(s, subsample(&[&a, &b, &c], 7, 1));
        assert_eq!(subsample(&[&a, &b], 100, 1).len(), 2);
    }

    #[test]
    fn bad_values_are_refused() {
        let e = GmmHmm::fit(&[&[1.0, f64::NAN]], &HmmOptions::durations(), 1).unwrap_err();
        assert!(e.message().contains("finite"), "{e}");
        assert!(GmmHmm::fit(&[], &HmmOptions::durations(), 1).is_err());
    }
}
