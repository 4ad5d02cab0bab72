//! Training of the warp method: per song, the chords of the real score and their
//! performance times; pooled, the chord, interval and duration tables; the copulas fitted
//! to the correlations of the real values' normal scores; the swap probabilities of the
//! generator's own grouping, calibrated by simulation on the training songs.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;

use super::special::{curves, level_of, normal_quantile};
use super::*;
use crate::convert::file_seed;
use crate::error::{Error, Result};
use crate::misalign::features::{NotePair, Relation, CHORD_TOLERANCE};
use crate::misalign::stats::SongStats;

/// A song's matched notes with written score times, the pieces training needs.
struct Song<'a> {
    stats: &'a SongStats,
    /// score onset span / performance onset span
    ratio: f64,
    full_ratio: f64,
    /// chords in score order: (score onset, performance median)
    chords: Vec<(f64, f64)>,
    /// chord index of each note (input order)
    chord_of: Vec<usize>,
}

impl<'a> Song<'a> {
    fn new(s: &'a SongStats) -> Option<Song<'a>> {
        let n = s.pitches.len();
        if n < 2 || s.raw_score_onsets.len() != n {
            return None;
        }
        let ps = onset_span(&s.perf_onsets);
        let ss = onset_span(&s.raw_score_onsets);
        let pf = full_span(&s.perf_onsets, &s.perf_offsets);
        let sf = full_span(&s.raw_score_onsets, &s.raw_score_offsets);
        if !(ps > 0.0 && ss > 0.0 && pf > 0.0 && sf > 0.0) {
            return None;
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            s.raw_score_onsets[a]
                .total_cmp(&s.raw_score_onsets[b])
                .then(s.perf_onsets[a].total_cmp(&s.perf_onsets[b]))
        });
        let mut chords = Vec::new();
        let mut chord_of = vec![0; n];
        let mut start = 0;
        let mut members = Vec::new();
        for k in 0..=n {
            let closes = k == n
                || s.raw_score_onsets[order[k]] - s.raw_score_onsets[order[start]]
                    > CHORD_TOLERANCE;
            if closes {
                members.clear();
                members.extend(order[start..k].iter().map(|&i| s.perf_onsets[i]));
                members.sort_by(f64::total_cmp);
                for &i in &order[start..k] {
                    chord_of[i] = chords.len();
                }
                chords.push((s.raw_score_onsets[order[start]], median_sorted(&members)));
                start = k;
            }
        }
        Some(Song {
            stats: s,
            ratio: ss / ps,
            full_ratio: sf / pf,
            chords,
            chord_of,
        })
    }

    /// Score-consecutive chord steps: (performance interval, score interval, perf time).
    fn steps(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        self.chords
            .windows(2)
            .map(|w| (w[1].1 - w[0].1, w[1].0 - w[0].0, w[0].1))
    }

    fn notes(&self) -> Vec<SongNote> {
        let s = self.stats;
        (0..s.pitches.len())
            .map(|i| SongNote::new(0, s.pitches[i], s.perf_onsets[i], s.perf_offsets[i]))
            .collect()
    }

    /// The real relation of this song (features).
    fn relation(&self) -> Option<Relation> {
        let s = self.stats;
        let notes: Vec<NotePair> = (0..s.pitches.len())
            .map(|i| {
                NotePair::new(
                    s.raw_score_onsets[i],
                    s.raw_score_offsets[i],
                    s.perf_onsets[i],
                    s.perf_offsets[i],
                )
            })
            .collect();
        Relation::new(&notes)
    }
}

/// Per-lag sums of products of normal scores: (sum, count, sum of lags).
#[derive(Clone, Default)]
struct LagSums {
    sum: [f64; LAGS.len()],
    count: [f64; LAGS.len()],
    lag: [f64; LAGS.len()],
    /// products of values sharing a chord (durations)
    chord_sum: f64,
    chord_count: f64,
}

impl LagSums {
    /// Accumulate a sequence of normal scores at sorted times; pairs in the same chord
    /// (when given) count apart.
    fn add(&mut self, t: &[f64], z: &[f64], chord: Option<&[usize]>) {
        let n = z.len();
        for i in 0..n {
            for j in i + 1..(i + 1 + MAX_LAG_STEPS).min(n) {
                if chord.is_some_and(|c| c[i] == c[j]) {
                    self.chord_sum += z[i] * z[j];
                    self.chord_count += 1.0;
                    continue;
                }
                let dt = t[j] - t[i];
                let k = LAGS.partition_point(|&l| l < dt);
                if k < LAGS.len() {
                    self.sum[k] += z[i] * z[j];
                    self.count[k] += 1.0;
                    self.lag[k] += dt;
                }
            }
        }
    }

    fn merge(mut self, o: LagSums) -> LagSums {
        for k in 0..LAGS.len() {
            self.sum[k] += o.sum[k];
            self.count[k] += o.count[k];
            self.lag[k] += o.lag[k];
        }
        self.chord_sum += o.chord_sum;
        self.chord_count += o.chord_count;
        self
    }

    /// Least-squares fit of `corr(lag) = song + smooth exp(-lag / timescale)`
    /// (weights: square root of the pair counts), timescale on a log grid.
    fn fit(&self, with_chord: bool) -> Copula {
        let rows: Vec<(f64, f64, f64)> = (0..LAGS.len())
            .filter(|&k| self.count[k] > 0.0)
            .map(|k| {
                (
                    self.lag[k] / self.count[k],
                    self.sum[k] / self.count[k],
                    self.count[k].sqrt(),
                )
            })
            .collect();
        if rows.is_empty() {
            return Copula::NONE;
        }
        let mut best: Option<(f64, Copula)> = None;
        for g in 0..60 {
            let tau = (0.1f64.ln() + (1000.0f64.ln() - 0.1f64.ln()) * f64::from(g) / 59.0).exp();
            // weighted least squares for (song, smooth) with basis (1, e)
            let (mut s11, mut s12, mut s22, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for &(lag, c, w) in &rows {
                let e = (-lag / tau).exp();
                let w2 = w * w;
                s11 += w2;
                s12 += w2 * e;
                s22 += w2 * e * e;
                b1 += w2 * c;
                b2 += w2 * e * c;
            }
            let det = s11 * s22 - s12 * s12;
            let (mut song, mut smooth) = if det.abs() > 1e-12 {
                ((b1 * s22 - b2 * s12) / det, (s11 * b2 - s12 * b1) / det)
            } else {
                (b1 / s11, 0.0)
            };
            song = song.clamp(0.0, 1.0);
            smooth = smooth.clamp(0.0, 1.0);
            if song + smooth > MAX_SHARED {
                let k = MAX_SHARED / (song + smooth);
                song *= k;
                smooth *= k;
            }
            let err: f64 = rows
                .iter()
                .map(|&(lag, c, w)| {
                    let d = c - song - smooth * (-lag / tau).exp();
                    w * w * d * d
                })
                .sum();
            if best.as_ref().is_none_or(|(e, _)| err < *e) {
                best = Some((
                    err,
                    Copula {
                        song,
                        smooth,
                        timescale: tau,
                        chord: 0.0,
                    },
                ));
            }
        }
        let mut c = best.map_or(Copula::NONE, |b| b.1);
        if with_chord && self.chord_count > 0.0 {
            let within = self.chord_sum / self.chord_count;
            c.chord =
                (within - c.song - c.smooth).clamp(0.0, (MAX_SHARED - c.song - c.smooth).max(0.0));
        }
        c
    }
}

fn normal_score(levels: &[f64], curve: &[f64], x: f64) -> f64 {
    normal_quantile(level_of(levels, curve, x))
}
impl WarpModel {
    /// Learn the model from matched songs (see the module documentation); `seed` makes
    /// the calibration's random choices reproducible.
    pub fn train(songs: &[SongStats], seed: u64) -> Result<WarpModel> {
        let parsed: Vec<Song> = songs.iter().filter_map(Song::new).collect();
        if parsed.is_empty() {
            return Err(Error::argument(
                "no song with a positive score and performance span to train the warp method on",
            ));
        }
        let levels = levels();
        // (a) ratios by piece, in order of first appearance
        let mut pieces: Vec<(&str, Vec<f64>)> = Vec::new();
        for s in &parsed {
            match pieces.iter_mut().find(|(p, _)| *p == s.stats.piece) {
                Some((_, v)) => v.push(s.ratio.ln()),
                None => pieces.push((&s.stats.piece, vec![s.ratio.ln()])),
            }
        }
        // Silverman's robust rule of thumb over the performances' log ratios (the draw
        // picks a performance uniformly): 0.9 min(sd, IQR / 1.34) n^(-1/5)
        let logs: Vec<f64> = parsed.iter().map(|s| s.ratio.ln()).collect();
        let (_, log_sd) = crate::misalign::stats::mean_std(&logs);
        let q = crate::misalign::features::quantiles(&logs, &[0.25, 0.75]);
        let spread = if q[1] > q[0] {
            log_sd.min((q[1] - q[0]) / 1.34)
        } else {
            log_sd
        };
        let bandwidth = 0.9 * spread * (logs.len() as f64).powf(-0.2);
        let fold = |f: fn(&Song) -> f64| {
            let v: Vec<f64> = parsed.iter().map(f).collect();
            [
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ]
        };
        let ratio = RatioModel {
            pieces: pieces.into_iter().map(|(_, v)| v).collect(),
            bandwidth,
            range: fold(|s| s.ratio),
            full_range: fold(|s| s.full_ratio),
        };
        // chords: consecutive notes in performance order
        let mut same = vec![[0.0f64; 4]; CHORD_GAPS.len()];
        let mut count = vec![[0.0f64; 4]; CHORD_GAPS.len()];
        for s in &parsed {
            let st = s.stats;
            let mut order: Vec<usize> = (0..st.pitches.len()).collect();
            order.sort_by(|&a, &b| {
                st.perf_onsets[a]
                    .total_cmp(&st.perf_onsets[b])
                    .then(st.pitches[a].total_cmp(&st.pitches[b]))
            });
            let mut prev_joined = false;
            for w in order.windows(2) {
                let (a, b) = (w[0], w[1]);
                let gap = st.perf_onsets[b] - st.perf_onsets[a];
                let overlap = st.perf_offsets[a] > st.perf_onsets[b];
                let joined = s.chord_of[a] == s.chord_of[b];
                let k = 2 * usize::from(overlap) + usize::from(prev_joined);
                let c = class_of(&CHORD_GAPS, gap);
                count[c][k] += 1.0;
                if joined {
                    same[c][k] += 1.0;
                }
                prev_joined = joined;
            }
        }
        let chords = ChordModel {
            gaps: CHORD_GAPS.to_vec(),
            same: same
                .iter()
                .zip(&count)
                .map(|(s, c)| std::array::from_fn(|k| if c[k] > 0.0 { s[k] / c[k] } else { 0.0 }))
                .collect(),
        };
        // intervals between score-consecutive chords
        let edges = interval_edges();
        let mut forward: Vec<Vec<(f64, f64)>> = vec![Vec::new(); edges.len()];
        let mut inverted: Vec<Vec<f64>> = vec![Vec::new(); edges.len()];
        for s in &parsed {
            for (dp, ds, _) in s.steps() {
                let x = (ds / (s.ratio * dp.abs().max(MIN_INTERVAL))).ln();
                let c = class_of(&edges, dp.abs());
                if dp >= 0.0 {
                    forward[c].push((dp.max(MIN_INTERVAL).ln(), x));
                } else {
                    inverted[c].push(x);
                }
            }
        }
        let mut trends = Vec::with_capacity(edges.len());
        let mut residuals = Vec::with_capacity(edges.len());
        for v in &forward {
            let (trend, res) = if v.len() >= MIN_BIN_VALUES {
                let lx: Vec<f64> = v.iter().map(|p| p.0).collect();
                let (m, sd) = crate::misalign::stats::mean_std(&lx);
                let (my, _) =
                    crate::misalign::stats::mean_std(&v.iter().map(|p| p.1).collect::<Vec<_>>());
                let slope = if sd > 0.0 {
                    v.iter().map(|&(l, y)| (l - m) * (y - my)).sum::<f64>()
                        / v.iter().map(|&(l, _)| (l - m) * (l - m)).sum::<f64>()
                } else {
                    0.0
                };
                (
                    (m, slope),
                    v.iter().map(|&(l, y)| y - slope * (l - m)).collect(),
                )
            } else {
                ((0.0, 0.0), v.iter().map(|p| p.1).collect())
            };
            trends.push(trend);
            residuals.push(res);
        }
        let q_forward = curves(&residuals, &levels, MIN_BIN_VALUES)?;
        let q_inverted = if inverted.iter().any(|v| v.len() >= 5) {
            curves(&inverted, &levels, 5)?
        } else {
            // no inversion in training: never swap, curves unused
            q_forward.clone()
        };
        let classes: Vec<IntervalClass> = (0..edges.len())
            .map(|c| IntervalClass {
                log_mean: trends[c].0,
                slope: trends[c].1,
                quantiles: q_forward[c].clone(),
                inverted: q_inverted[c].clone(),
                swap: 0.0,
            })
            .collect();
        // durations
        let dedges = duration_edges();
        let mut dur_lists: Vec<Vec<f64>> = vec![Vec::new(); dedges.len()];
        for s in &parsed {
            let st = s.stats;
            for i in 0..st.pitches.len() {
                let dp = st.perf_offsets[i] - st.perf_onsets[i];
                let ds = st.raw_score_offsets[i] - st.raw_score_onsets[i];
                if dp > 0.0 && ds > 0.0 {
                    dur_lists[class_of(&dedges, dp)].push((dp / ds * s.ratio).ln());
                }
            }
        }
        let q_dur = curves(&dur_lists, &levels, MIN_BIN_VALUES)?;
        let mut model = WarpModel {
            levels,
            ratio,
            chords,
            intervals: IntervalModel {
                edges,
                classes,
                copula: Copula::NONE,
                swap_calibration: 1.0,
            },
            durations: DurationModel {
                edges: dedges,
                classes: q_dur,
                copula: Copula::NONE,
            },
        };
        // copulas from the normal scores of the real values
        let (step_sums, dur_sums) = parsed.par_iter().map(|s| model.lag_sums(s)).reduce(
            || (LagSums::default(), LagSums::default()),
            |a, b| (a.0.merge(b.0), a.1.merge(b.1)),
        );
        model.intervals.copula = step_sums.fit(false);
        model.durations.copula = dur_sums.fit(true);
        // raw swap probabilities: neighbouring chords of the generator's own grouping of
        // each training performance, in the reverse order in the real score
        let swaps = parsed
            .par_iter()
            .map(|s| model.swap_counts(s, seed))
            .reduce(
                || vec![[0.0; 2]; model.intervals.edges.len()],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(&b) {
                        x[0] += y[0];
                        x[1] += y[1];
                    }
                    a
                },
            );
        for (c, s) in model.intervals.classes.iter_mut().zip(&swaps) {
            c.swap = if s[1] > 0.0 { s[0] / s[1] } else { 0.0 };
        }
        // calibration: generated inversions on the training songs against the real ones
        let (real, generated) = parsed
            .par_iter()
            .map(|s| {
                let mut rng = Pcg64Mcg::seed_from_u64(file_seed(seed, &s.stats.name));
                let real = s.relation().map_or(0, |r| r.inversions);
                let notes = s.notes();
                let g = model.generate(&notes, &mut rng);
                let pairs: Vec<NotePair> = (0..notes.len())
                    .map(|i| {
                        NotePair::new(g.onsets[i], g.offsets[i], notes[i].onset, notes[i].offset)
                    })
                    .collect();
                let gen = Relation::new(&pairs).map_or(0, |r| r.inversions);
                (real as f64, gen as f64)
            })
            .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        let k = if generated > 0.0 {
            real / generated
        } else {
            1.0
        };
        model.intervals.swap_calibration = k;
        for c in &mut model.intervals.classes {
            c.swap = (c.swap * k).min(1.0);
        }
        Ok(model)
    }

    /// Lag sums of one training song's interval and duration normal scores.
    fn lag_sums(&self, s: &Song) -> (LagSums, LagSums) {
        let mut steps = LagSums::default();
        let (mut t, mut z) = (Vec::new(), Vec::new());
        for (dp, ds, at) in s.steps() {
            if dp > 0.0 {
                let c = class_of(&self.intervals.edges, dp);
                let cl = &self.intervals.classes[c];
                let x = (ds / (s.ratio * dp.max(MIN_INTERVAL))).ln()
                    - cl.slope * (dp.max(MIN_INTERVAL).ln() - cl.log_mean);
                t.push(at);
                z.push(normal_score(&self.levels, &cl.quantiles, x));
            }
        }
        // chords in score order have non-decreasing performance medians except at
        // inversions; the lags use absolute differences
        let mut idx: Vec<usize> = (0..t.len()).collect();
        idx.sort_by(|&a, &b| t[a].total_cmp(&t[b]));
        let ts: Vec<f64> = idx.iter().map(|&i| t[i]).collect();
        let zs: Vec<f64> = idx.iter().map(|&i| z[i]).collect();
        steps.add(&ts, &zs, None);
        let mut durs = LagSums::default();
        let st = s.stats;
        let mut notes: Vec<(f64, usize, f64)> = Vec::new();
        for i in 0..st.pitches.len() {
            let dp = st.perf_offsets[i] - st.perf_onsets[i];
            let ds = st.raw_score_offsets[i] - st.raw_score_onsets[i];
            if dp > 0.0 && ds > 0.0 {
                let c = class_of(&self.durations.edges, dp);
                let x = (dp / ds * s.ratio).ln();
                notes.push((
                    st.perf_onsets[i],
                    s.chord_of[i],
                    normal_score(&self.levels, &self.durations.classes[c], x),
                ));
            }
        }
        notes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let t: Vec<f64> = notes.iter().map(|n| n.0).collect();
        let ch: Vec<usize> = notes.iter().map(|n| n.1).collect();
        let z: Vec<f64> = notes.iter().map(|n| n.2).collect();
        durs.add(&t, &z, Some(&ch));
        (steps, durs)
    }

    /// Per interval class: (neighbouring groups of the generator's grouping whose real
    /// score order is reversed, neighbouring groups).
    fn swap_counts(&self, s: &Song, seed: u64) -> Vec<[f64; 2]> {
        let mut out = vec![[0.0; 2]; self.intervals.edges.len()];
        let notes = s.notes();
        let mut rng = Pcg64Mcg::seed_from_u64(file_seed(seed ^ 0x5eed, &s.stats.name));
        let order = performance_order(&notes);
        let group = self.group(&notes, &order, &mut rng);
        let groups = group.last().map_or(0, |g| g + 1);
        let mut perf: Vec<Vec<f64>> = vec![Vec::new(); groups];
        let mut score: Vec<Vec<f64>> = vec![Vec::new(); groups];
        for (k, &i) in order.iter().enumerate() {
            perf[group[k]].push(notes[i].onset);
            score[group[k]].push(s.stats.raw_score_onsets[i]);
        }
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            median_sorted(v)
        };
        let p: Vec<f64> = perf.iter_mut().map(med).collect();
        let sc: Vec<f64> = score.iter_mut().map(med).collect();
        for g in 1..groups {
            let c = class_of(&self.intervals.edges, p[g] - p[g - 1]);
            out[c][1] += 1.0;
            if sc[g] < sc[g - 1] - CHORD_TOLERANCE {
                out[c][0] += 1.0;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::special::normal_quantile;
    use super::*;

    #[test]
    fn copula_fit_recovers_its_parameters() {
        let truth = Copula {
            song: 0.2,
            smooth: 0.4,
            timescale: 3.0,
            chord: 0.0,
        };
        let mut sums = LagSums::default();
        let mut rng = Pcg64Mcg::seed_from_u64(4);
        for _ in 0..200 {
            let t: Vec<f64> = (0..300).map(|i| i as f64 * 0.2).collect();
            let z: Vec<f64> = truth
                .draw(&mut rng, &t, None)
                .into_iter()
                .map(normal_quantile)
                .collect();
            sums.add(&t, &z, None);
        }
        let c = sums.fit(false);
        assert!((c.song - 0.2).abs() < 0.08, "{c:?}");
        assert!((c.smooth - 0.4).abs() < 0.08, "{c:?}");
        assert!((c.timescale - 3.0).abs() < 1.0, "{c:?}");
    }
}
