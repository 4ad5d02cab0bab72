//! Generation of artificial misalignment for ground truth whose group has
//! `misaligned: 2` (SPEC §7).
//!
//! For one song: draw the song-level parameters, then onsets (aligned onset + drawn
//! difference), durations (aligned duration / drawn ratio), sort the notes by onset
//! (pitches and offsets move with their onsets; the reference sorted the onsets alone),
//! shift to start at 0, cut each offset 5 ms before the next onset *of the same pitch*
//! ([`fix_offsets`]; the reference's table was shared by all pitches), make every note
//! last at least [`MIN_DURATION`], and mark 10–50 % of the notes, in random disjoint
//! runs, as missing or extra. Every draw comes from a `Pcg64Mcg` seeded by the caller,
//! so the same model, seed and input give the same notes on any thread count.
//!
//! ```
//! use asmd::misalign::{Generator, Model};
//! let generator = Generator::new(Model::shipped().unwrap());
//! let mut gt = asmd::GroundTruth::default();
//! for i in 0..20 {
//!     gt.precise_alignment.push_note(60.0 + (i % 3) as f64, i as f64 * 0.3, i as f64 * 0.3 + 0.25, Some(80.0));
//! }
//! generator.misalign(&mut gt, 42);
//! assert_eq!(gt.misaligned.len(), 20);
//! assert_eq!(gt.missing.len(), 20);
//! assert!(gt.check().is_ok());
//! ```

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::stats::{positions, profile_at, Method, Model};
use crate::GroundTruth;

/// Shortest note duration after generation, seconds.
pub const MIN_DURATION: f64 = 0.0625;

/// A standard normal draw (Box–Muller).
pub(crate) fn normal<R: RngExt>(rng: &mut R) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Cut each offset 5 ms before the next onset of the same pitch; when that would end
/// the note before it starts, end it 2/3 of the way to the next onset. `onsets` must be
/// sorted.
pub fn fix_offsets(onsets: &[f64], offsets: &mut [f64], pitches: &[f64]) {
    let mut next_of_pitch: std::collections::HashMap<i64, usize> = Default::default();
    // walk backwards, remembering the next strictly later onset of each pitch
    let mut pending: Vec<(i64, usize)> = Vec::new();
    let n = onsets.len();
    let mut i = n;
    while i > 0 {
        // group of equal onsets [k, i)
        let mut k = i - 1;
        while k > 0 && onsets[k - 1] == onsets[i - 1] {
            k -= 1;
        }
        for idx in k..i {
            let p = pitches[idx].round() as i64;
            if let Some(&j) = next_of_pitch.get(&p) {
                if offsets[idx] > onsets[j] {
                    offsets[idx] = onsets[j] - 0.005;
                    if offsets[idx] <= onsets[idx] {
                        offsets[idx] = onsets[idx] + (onsets[j] - onsets[idx]) * 2.0 / 3.0;
                    }
                }
            }
            pending.push((p, idx));
        }
        for (p, idx) in pending.drain(..) {
            next_of_pitch.insert(p, idx);
        }
        i = k;
    }
}

/// Mark 10–50 % of `n` notes, in random disjoint runs, each run missing or extra.
pub fn missing_extra<R: RngExt>(rng: &mut R, n: usize) -> (Vec<bool>, Vec<bool>) {
    let mut missing = vec![false; n];
    let mut extra = vec![false; n];
    if n == 0 {
        return (missing, extra);
    }
    let target = ((0.1 + 0.4 * rng.random::<f64>()) * n as f64).round() as usize;
    let max_run = (n / 20).clamp(1, 16);
    let mut runs = Vec::new();
    let mut total = 0;
    while total < target {
        let len = rng.random_range(1..=max_run).min(target - total);
        runs.push(len);
        total += len;
    }
    // free notes are spread into runs.len() + 1 gaps, inner gaps at least 1 long
    let free = n - total;
    let inner = runs.len().saturating_sub(1);
    if free < inner {
        // too dense to separate every run: merge everything into one run
        runs = vec![total];
    }
    let inner = runs.len().saturating_sub(1);
    let spare = n - total - inner;
    let mut cuts: Vec<usize> = (0..runs.len())
        .map(|_| rng.random_range(0..=spare))
        .collect();
    cuts.sort_unstable();
    let mut pos = 0;
    let mut prev_cut = 0;
    for (r, (&len, &cut)) in runs.iter().zip(&cuts).enumerate() {
        pos += cut - prev_cut + usize::from(r > 0);
        prev_cut = cut;
        let is_missing = rng.random::<bool>();
        for k in pos..pos + len {
            if is_missing {
                missing[k] = true;
            } else {
                extra[k] = true;
            }
        }
        pos += len;
    }
    (missing, extra)
}

/// Generates misaligned notes from a [`Model`].
#[derive(Debug, Clone)]
pub struct Generator {
    /// The model.
    pub model: Model,
    /// The method used (default: the model's).
    pub method: Method,
}

/// The drawn song-level parameters of [`Generator::new_song`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SongDraw {
    /// Std of the onset differences.
    pub ons_std: f64,
    /// Mean onset difference.
    pub ons_mean: f64,
    /// Duration ratio std (histogram) or log-ratio std (tempo).
    pub dur_std: f64,
    /// Duration ratio mean (histogram) or log-ratio mean (tempo).
    pub dur_mean: f64,
}

impl Generator {
    /// A generator using the model's default method.
    pub fn new(model: Model) -> Generator {
        let method = model.method;
        Generator { model, method }
    }

    /// The same model with another method.
    pub fn with_method(mut self, method: Method) -> Generator {
        self.method = method;
        self
    }

    /// Draw the song-level parameters (the reference's `new_song`).
    pub fn new_song<R: RngExt>(&self, rng: &mut R) -> SongDraw {
        match self.method {
            Method::Histogram => {
                let h = &self.model.histogram;
                let one = |hist: &super::Histogram, max: Option<f64>, rng: &mut R| {
                    hist.sample(rng, 1, max)[0]
                };
                let dur_std = one(&h.dur_dev_hist, h.dur_dev_max, rng);
                let ons_std = one(&h.ons_dev_hist, h.ons_dev_max, rng);
                let ons_mean = one(&h.means_ons_hist, h.mean_max_ons, rng);
                let dur_mean = one(&h.means_dur_hist, h.mean_max_dur, rng);
                SongDraw {
                    ons_std,
                    ons_mean,
                    dur_std,
                    dur_mean,
                }
            }
            Method::Tempo => {
                let songs = &self.model.tempo.songs;
                let s = songs[rng.random_range(0..songs.len())];
                SongDraw {
                    ons_std: s.ons_std,
                    ons_mean: s.ons_mean,
                    dur_std: s.log_ratio_std,
                    dur_mean: s.log_ratio_mean,
                }
            }
        }
    }

    /// New onsets and offsets (unsorted, not shifted) for aligned notes, given the song
    /// draw: `(onsets, offsets)` in the input's order. The same as
    /// [`Generator::draw_onsets`] then [`Generator::draw_offsets`] on one generator.
    pub fn draw_notes<R: RngExt>(
        &self,
        rng: &mut R,
        song: &SongDraw,
        onsets: &[f64],
        offsets: &[f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let ons = self.draw_onsets(rng, song, onsets);
        let offs = self.draw_offsets(rng, song, onsets, offsets, &ons);
        (ons, offs)
    }

    /// New onsets for aligned onsets (the reference's `get_random_onsets`), in the
    /// input's order, neither sorted nor shifted.
    pub fn draw_onsets<R: RngExt>(&self, rng: &mut R, song: &SongDraw, onsets: &[f64]) -> Vec<f64> {
        let n = onsets.len();
        match self.method {
            Method::Histogram => {
                let h = &self.model.histogram;
                let z = h.ons_hist.sample(rng, n, h.ons_max);
                (0..n)
                    .map(|i| onsets[i] + z[i] * song.ons_std + song.ons_mean)
                    .collect()
            }
            Method::Tempo => {
                let t = &self.model.tempo;
                let u = positions(onsets);
                // smooth AR(1) deviation on a 1 s grid, stationary std `smooth_std`
                let t0 = onsets.iter().copied().fold(f64::INFINITY, f64::min);
                let t1 = onsets.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let knots = if n == 0 {
                    0
                } else {
                    ((t1 - t0).max(0.0) as usize) + 2
                };
                let rho = t.smooth_rho.clamp(0.0, 0.999);
                let amp = t.smooth_std * t.smooth_scale;
                let innov = amp * (1.0 - rho * rho).sqrt();
                let mut grid = Vec::with_capacity(knots);
                let mut x = amp * normal(rng);
                for _ in 0..knots {
                    grid.push(x);
                    x = rho * x + innov * normal(rng);
                }
                (0..n)
                    .map(|i| {
                        let g = (onsets[i] - t0).max(0.0);
                        let k = (g as usize).min(knots.saturating_sub(2));
                        let f = g - k as f64;
                        let smooth = grid[k] + (grid[k + 1] - grid[k]) * f;
                        let z = profile_at(&t.profile, u[i]) + smooth + t.jitter_std * normal(rng);
                        onsets[i] + song.ons_mean + song.ons_std * z
                    })
                    .collect()
            }
        }
    }

    /// New offsets (the reference's `get_random_offsets`): each new onset plus the
    /// aligned duration divided by a drawn duration ratio, in the input's order.
    pub fn draw_offsets<R: RngExt>(
        &self,
        rng: &mut R,
        song: &SongDraw,
        onsets: &[f64],
        offsets: &[f64],
        new_onsets: &[f64],
    ) -> Vec<f64> {
        let n = onsets.len().min(offsets.len()).min(new_onsets.len());
        match self.method {
            Method::Histogram => {
                let h = &self.model.histogram;
                let zd = h.dur_hist.sample(rng, n, h.dur_max);
                (0..n)
                    .map(|i| {
                        let ratio = (zd[i] * song.dur_std + song.dur_mean).abs();
                        let dur = (offsets[i] - onsets[i]) / ratio;
                        new_onsets[i] + if dur.is_finite() { dur } else { MIN_DURATION }
                    })
                    .collect()
            }
            Method::Tempo => (0..n)
                .map(|i| {
                    let e = normal(rng).clamp(-3.0, 3.0);
                    let ratio = (song.dur_mean + song.dur_std * e).exp();
                    new_onsets[i] + (offsets[i] - onsets[i]) / ratio
                })
                .collect(),
        }
    }

    /// Fill `gt.misaligned`, `gt.missing` and `gt.extra` from the most precise aligned
    /// group (`precise_alignment`, else `broad_alignment`), with this seed. A ground
    /// truth without aligned notes is left alone.
    pub fn misalign(&self, gt: &mut GroundTruth, seed: u64) {
        let src = if !gt.precise_alignment.onsets.is_empty() {
            &gt.precise_alignment
        } else {
            &gt.broad_alignment
        };
        let n = src
            .onsets
            .len()
            .min(src.offsets.len())
            .min(src.pitches.len());
        if n == 0 {
            return;
        }
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let song = self.new_song(&mut rng);
        let (ons, offs) = self.draw_notes(&mut rng, &song, &src.onsets[..n], &src.offsets[..n]);
        let pitches = &src.pitches[..n];
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| ons[a].total_cmp(&ons[b]).then(a.cmp(&b)));
        let start = ons[order[0]];
        let onsets: Vec<f64> = order.iter().map(|&i| ons[i] - start).collect();
        let mut offsets: Vec<f64> = order.iter().map(|&i| offs[i] - start).collect();
        let pitches: Vec<f64> = order.iter().map(|&i| pitches[i]).collect();
        fix_offsets(&onsets, &mut offsets, &pitches);
        for (off, on) in offsets.iter_mut().zip(&onsets) {
            if off.is_nan() || *off < on + MIN_DURATION {
                *off = on + MIN_DURATION;
            }
        }
        let (missing, extra) = missing_extra(&mut rng, n);
        let int_pitches = src.int_columns;
        gt.misaligned = crate::NoteGroup {
            onsets,
            offsets,
            pitches,
            int_columns: int_pitches,
            ..Default::default()
        };
        gt.missing = missing;
        gt.extra = extra;
    }

    /// A conversion-pipeline hook that misaligns with this generator and the file's
    /// seed (derived from the run seed and the file's path).
    pub fn hook(self) -> std::sync::Arc<crate::convert::MisalignHook> {
        std::sync::Arc::new(
            move |gt: &mut GroundTruth, ctx: &crate::convert::SongContext| {
                self.misalign(gt, ctx.seed);
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_fixed_per_pitch() {
        let on = [0.0, 0.5, 1.0];
        let mut off = [2.0, 2.0, 1.5];
        fix_offsets(&on, &mut off, &[60.0, 62.0, 60.0]);
        assert_eq!(off, [0.995, 2.0, 1.5]);
    }

    #[test]
    fn runs_are_disjoint_and_sized() {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        for n in [1usize, 2, 5, 50, 1000] {
            let (m, e) = missing_extra(&mut rng, n);
            assert!(m.iter().zip(&e).all(|(a, b)| !(*a && *b)));
            let k = m.iter().chain(&e).filter(|x| **x).count();
            assert!(k as f64 <= 0.5 * n as f64 + 1.0, "{k} of {n}");
            if n >= 10 {
                assert!(k as f64 >= 0.1 * n as f64 - 1.0, "{k} of {n}");
            }
        }
    }
}
