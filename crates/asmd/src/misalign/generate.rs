//! Generation of artificial misalignment for ground truth whose group has
//! `misaligned: 2` (SPEC §7), one song (all its ground-truth files) at a time.
//!
//! For one song: the aligned notes of every track (its most precise aligned group)
//! are pooled; the method draws a score time for each ([`Generator::generate_song`]):
//! the warp method one shared timeline ([`super::warp`]), the reference's methods
//! (histogram, HMM) and the tempo method song-level parameters then per-note
//! differences. The song is shifted to start at 0; per track, notes are sorted by onset
//! (pitches and offsets move with their onsets; the reference sorted the onsets alone),
//! each offset is cut 5 ms before the next onset *of the same pitch* ([`fix_offsets`];
//! the reference's table was shared by all pitches), every note lasts at least
//! [`MIN_DURATION`], and 10–50 % of the notes, in random disjoint runs, are marked
//! missing or extra. Every draw comes from a `Pcg64Mcg` seeded by the caller (the song's
//! seed for the timeline, each file's seed for its missing/extra runs), so the same
//! model, seeds and input give the same notes on any thread count.
//!
//! ```
//! use asmd::misalign::{Generator, Model};
//! let generator = Generator::new(Model::shipped().unwrap());
//! let mut gt = asmd::GroundTruth::default();
//! for i in 0..20 {
//!     gt.precise_alignment.push_note(60.0 + (i % 3) as f64, i as f64 * 0.3, i as f64 * 0.3 + 0.25, Some(80.0));
//! }
//! generator.misalign(&mut gt, 42).unwrap();
//! assert_eq!(gt.misaligned.len(), 20);
//! assert_eq!(gt.missing.len(), 20);
//! assert_eq!(gt.misaligned.onsets[0], 0.0);
//! assert!(gt.check().is_ok());
//! ```

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::stats::{positions, profile_at, Method, Model};
use super::warp::SongNote;
use crate::error::{Error, Result};
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

/// Generates misaligned notes from a [`Model`] with one of its methods.
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
    /// Duration ratio std (histogram, HMM) or log-ratio std (tempo).
    pub dur_std: f64,
    /// Duration ratio mean (histogram, HMM) or log-ratio mean (tempo).
    pub dur_mean: f64,
    /// The song's score/performance span ratio (warp method only).
    pub ratio: Option<f64>,
}

/// Seeds of one song's generation: the song's (its score timeline) and one per
/// ground-truth file (its missing/extra runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SongSeeds {
    /// Seed of the song's timeline.
    pub song: u64,
    /// Seed of each file's missing/extra runs, in the order of the files.
    pub tracks: Vec<u64>,
}

impl SongSeeds {
    /// The seeds a conversion run derives for a song from its seed and its ground-truth
    /// paths (relative to the install dir): the song's from the first path, each file's
    /// from its own (see [`crate::convert::file_seed`]).
    pub fn for_song(run_seed: u64, first_path: &str, paths: &[&str]) -> SongSeeds {
        SongSeeds {
            song: crate::convert::file_seed(run_seed, &format!("{first_path}#song")),
            tracks: paths
                .iter()
                .map(|p| crate::convert::file_seed(run_seed, p))
                .collect(),
        }
    }

    /// Seeds for a single file generated on its own with `seed`.
    pub fn single(seed: u64) -> SongSeeds {
        SongSeeds {
            song: seed,
            tracks: vec![crate::convert::file_seed(seed, "missing-extra")],
        }
    }
}

/// Most values one call of [`Generator::song_values`], [`Generator::onset_diffs`] or
/// [`Generator::duration_ratios`] draws (the count comes from the caller).
pub const MAX_VALUES: usize = 1 << 24;

fn check_count(k: usize) -> Result<()> {
    if k > MAX_VALUES {
        return Err(Error::argument(format!(
            "{k} random values asked for; at most {MAX_VALUES} are drawn at once"
        )));
    }
    Ok(())
}

impl Generator {
    /// A generator using the model's default method.
    pub fn new(model: Model) -> Generator {
        let method = model.method;
        Generator { model, method }
    }

    /// The same model with another method; fails when the model has no part for it.
    pub fn with_method(mut self, method: Method) -> Result<Generator> {
        if !self.model.has(method) {
            return Err(Error::argument(format!(
                "this misalignment model has no `{method}` part (it has: {})",
                self.model
                    .methods()
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        self.method = method;
        Ok(self)
    }

    /// Draw one song-level value from each of the reference's song histograms:
    /// `(ons_std, dur_std, ons_mean, dur_mean)`.
    fn histogram_song<R: RngExt>(&self, rng: &mut R) -> (f64, f64, f64, f64) {
        let h = &self.model.histogram;
        let one =
            |hist: &super::Histogram, max: Option<f64>, rng: &mut R| hist.sample(rng, 1, max)[0];
        let dur_std = one(&h.dur_dev_hist, h.dur_dev_max, rng);
        let ons_std = one(&h.ons_dev_hist, h.ons_dev_max, rng);
        let ons_mean = one(&h.means_ons_hist, h.mean_max_ons, rng);
        let dur_mean = one(&h.means_dur_hist, h.mean_max_dur, rng);
        (ons_std, dur_std, ons_mean, dur_mean)
    }

    /// `k` values from one of the reference's song-level histograms (`get_random_*`):
    /// `which` is `onset_dev`, `duration_dev`, `mean_ons` or `mean_dur`; scaled to the
    /// model's maxima as the reference does.
    pub fn song_values<R: RngExt>(&self, rng: &mut R, which: &str, k: usize) -> Result<Vec<f64>> {
        check_count(k)?;
        let h = &self.model.histogram;
        let (hist, max) = match which {
            "onset_dev" => (&h.ons_dev_hist, h.ons_dev_max),
            "duration_dev" => (&h.dur_dev_hist, h.dur_dev_max),
            "mean_ons" => (&h.means_ons_hist, h.mean_max_ons),
            "mean_dur" => (&h.means_dur_hist, h.mean_max_dur),
            _ => {
                return Err(Error::argument(format!(
                "no song-level histogram `{which}` (onset_dev, duration_dev, mean_ons, mean_dur)"
            )))
            }
        };
        Ok(hist.sample(rng, k, max))
    }

    /// `k` standardised onset differences (`get_random_onset_diff`): histogram draws,
    /// or one HMM sequence.
    pub fn onset_diffs<R: RngExt>(&self, rng: &mut R, k: usize) -> Result<Vec<f64>> {
        check_count(k)?;
        match (self.method, &self.model.hmm) {
            (Method::Hmm, Some(h)) => Ok(h.onsets.sample(rng, k)),
            (Method::Histogram, _) => {
                let h = &self.model.histogram;
                Ok(h.ons_hist.sample(rng, k, h.ons_max))
            }
            _ => Err(self.no_diffs()),
        }
    }

    /// `k` standardised duration ratios (`get_random_duration_ratio`).
    pub fn duration_ratios<R: RngExt>(&self, rng: &mut R, k: usize) -> Result<Vec<f64>> {
        check_count(k)?;
        match (self.method, &self.model.hmm) {
            (Method::Hmm, Some(h)) => Ok(h.durations.sample(rng, k)),
            (Method::Histogram, _) => {
                let h = &self.model.histogram;
                Ok(h.dur_hist.sample(rng, k, h.dur_max))
            }
            _ => Err(self.no_diffs()),
        }
    }

    fn no_diffs(&self) -> Error {
        Error::argument(format!(
            "the `{}` method draws no standardised differences (only the histogram and hmm methods do)",
            self.method
        ))
    }

    /// Draw the song-level parameters (the reference's `new_song`).
    pub fn new_song<R: RngExt>(&self, rng: &mut R) -> SongDraw {
        match (self.method, &self.model.tempo, &self.model.warp) {
            (Method::Tempo, Some(t), _) => {
                let s = t.songs[rng.random_range(0..t.songs.len())];
                SongDraw {
                    ons_std: s.ons_std,
                    ons_mean: s.ons_mean,
                    dur_std: s.log_ratio_std,
                    dur_mean: s.log_ratio_mean,
                    ratio: None,
                }
            }
            (Method::Warp, _, Some(w)) => SongDraw {
                ons_std: 0.0,
                ons_mean: 0.0,
                dur_std: 0.0,
                dur_mean: 0.0,
                ratio: Some(w.draw_ratio(rng)),
            },
            _ => {
                let (ons_std, dur_std, ons_mean, dur_mean) = self.histogram_song(rng);
                SongDraw {
                    ons_std,
                    ons_mean,
                    dur_std,
                    dur_mean,
                    ratio: None,
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
        match (
            self.method,
            &self.model.hmm,
            &self.model.tempo,
            &self.model.warp,
        ) {
            (Method::Hmm, Some(h), _, _) => {
                // one sequence in performance order
                let mut order: Vec<usize> = (0..n).collect();
                order.sort_by(|&a, &b| onsets[a].total_cmp(&onsets[b]).then(a.cmp(&b)));
                let z = h.onsets.sample(rng, n);
                let mut out = vec![0.0; n];
                for (k, &i) in order.iter().enumerate() {
                    out[i] = onsets[i] + z[k] * song.ons_std + song.ons_mean;
                }
                out
            }
            (Method::Tempo, _, Some(t), _) => tempo_onsets(t, rng, song, onsets),
            (Method::Warp, _, _, Some(w)) => {
                let notes: Vec<SongNote> = onsets
                    .iter()
                    .map(|&o| SongNote::new(0, 0.0, o, o))
                    .collect();
                let ratio = song.ratio.unwrap_or_else(|| w.draw_ratio(rng));
                w.generate_with_ratio(&notes, ratio, rng).onsets
            }
            _ => {
                let h = &self.model.histogram;
                let z = h.ons_hist.sample(rng, n, h.ons_max);
                (0..n)
                    .map(|i| onsets[i] + z[i] * song.ons_std + song.ons_mean)
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
        let durations: Vec<f64> = (0..n).map(|i| offsets[i] - onsets[i]).collect();
        let d = self.draw_durations(rng, song, &durations);
        (0..n).map(|i| new_onsets[i] + d[i]).collect()
    }

    /// New durations for aligned durations (the reference's `get_random_durations`):
    /// each divided by a drawn duration ratio.
    pub fn draw_durations<R: RngExt>(
        &self,
        rng: &mut R,
        song: &SongDraw,
        durations: &[f64],
    ) -> Vec<f64> {
        let n = durations.len();
        let finite = |d: f64| if d.is_finite() { d } else { MIN_DURATION };
        match (self.method, &self.model.hmm, &self.model.warp) {
            (Method::Tempo, _, _) => (0..n)
                .map(|i| {
                    let e = normal(rng).clamp(-3.0, 3.0);
                    finite(durations[i] / (song.dur_mean + song.dur_std * e).exp())
                })
                .collect(),
            (Method::Warp, _, Some(w)) => {
                let ratio = song.ratio.unwrap_or_else(|| w.draw_ratio(rng));
                w.draw_durations(rng, ratio, durations)
            }
            (Method::Hmm, Some(h), _) => {
                let zd = h.durations.sample(rng, n);
                (0..n)
                    .map(|i| finite(durations[i] / (zd[i] * song.dur_std + song.dur_mean).abs()))
                    .collect()
            }
            _ => {
                let h = &self.model.histogram;
                let zd = h.dur_hist.sample(rng, n, h.dur_max);
                (0..n)
                    .map(|i| finite(durations[i] / (zd[i] * song.dur_std + song.dur_mean).abs()))
                    .collect()
            }
        }
    }

    /// Score onsets and offsets for one song's aligned notes (all tracks), in the
    /// input's order: the method's draws, the song shifted to start at 0, then per
    /// track the same-pitch offset fix and the minimum duration. Fails on non-finite
    /// times.
    pub fn generate_song<R: RngExt>(
        &self,
        notes: &[SongNote],
        rng: &mut R,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        if notes
            .iter()
            .any(|n| !(n.onset.is_finite() && n.offset.is_finite() && n.pitch.is_finite()))
        {
            return Err(Error::argument(
                "aligned notes with a non-finite pitch, onset or offset cannot be misaligned",
            ));
        }
        let n = notes.len();
        if n == 0 {
            return Ok((Vec::new(), Vec::new()));
        }
        let warp = match (self.method, &self.model.warp) {
            (Method::Warp, Some(w)) => Some(w),
            _ => None,
        };
        let (mut ons, mut offs) = match (self.method, &self.model.warp) {
            (Method::Warp, Some(w)) => {
                let g = w.generate(notes, rng);
                (g.onsets, g.offsets)
            }
            _ => {
                let song = self.new_song(rng);
                let on: Vec<f64> = notes.iter().map(|n| n.onset).collect();
                let off: Vec<f64> = notes.iter().map(|n| n.offset).collect();
                self.draw_notes(rng, &song, &on, &off)
            }
        };
        let start = ons.iter().copied().fold(f64::INFINITY, f64::min);
        for (a, b) in ons.iter_mut().zip(offs.iter_mut()) {
            *a -= start;
            *b -= start;
        }
        let tracks = notes.iter().map(|n| n.track).max().unwrap_or(0) + 1;
        for t in 0..tracks {
            let mut idx: Vec<usize> = (0..n).filter(|&i| notes[i].track == t).collect();
            if idx.is_empty() {
                continue;
            }
            idx.sort_by(|&a, &b| ons[a].total_cmp(&ons[b]).then(a.cmp(&b)));
            let o: Vec<f64> = idx.iter().map(|&i| ons[i]).collect();
            let p: Vec<f64> = idx.iter().map(|&i| notes[i].pitch).collect();
            let mut f: Vec<f64> = idx.iter().map(|&i| offs[i]).collect();
            fix_offsets(&o, &mut f, &p);
            for (k, &i) in idx.iter().enumerate() {
                let end = f[k];
                offs[i] = if end.is_nan() || end < o[k] + MIN_DURATION {
                    o[k] + MIN_DURATION
                } else {
                    end
                };
            }
        }
        if let Some(w) = warp {
            // the offset fixes may have moved a track's end: every track spans one ratio
            w.fit_full_spans(notes, &ons, &mut offs);
        }
        Ok((ons, offs))
    }

    /// Fill `misaligned`, `missing` and `extra` of every ground truth of one song from
    /// its most precise aligned group (`precise_alignment`, else `broad_alignment`), all
    /// tracks on one timeline. Files without aligned notes are left alone.
    pub fn misalign_song(&self, tracks: &mut [&mut GroundTruth], seeds: &SongSeeds) -> Result<()> {
        if seeds.tracks.len() != tracks.len() {
            return Err(Error::argument(format!(
                "{} ground truths but {} track seeds",
                tracks.len(),
                seeds.tracks.len()
            )));
        }
        let mut notes = Vec::new();
        for (t, gt) in tracks.iter().enumerate() {
            let src = aligned(gt);
            let n = src
                .onsets
                .len()
                .min(src.offsets.len())
                .min(src.pitches.len());
            for i in 0..n {
                notes.push(SongNote::new(
                    t,
                    src.pitches[i],
                    src.onsets[i],
                    src.offsets[i],
                ));
            }
        }
        if notes.is_empty() {
            return Ok(());
        }
        let mut rng = Pcg64Mcg::seed_from_u64(seeds.song);
        let (ons, offs) = self.generate_song(&notes, &mut rng)?;
        let mut at = 0;
        for (t, gt) in tracks.iter_mut().enumerate() {
            let count = notes[at..].iter().take_while(|n| n.track == t).count();
            if count == 0 {
                continue;
            }
            let mut order: Vec<usize> = (at..at + count).collect();
            order.sort_by(|&a, &b| ons[a].total_cmp(&ons[b]).then(a.cmp(&b)));
            let int_columns = aligned(gt).int_columns;
            gt.misaligned = crate::NoteGroup {
                onsets: order.iter().map(|&i| ons[i]).collect(),
                offsets: order.iter().map(|&i| offs[i]).collect(),
                pitches: order.iter().map(|&i| notes[i].pitch).collect(),
                int_columns,
                ..Default::default()
            };
            let mut track_rng = Pcg64Mcg::seed_from_u64(seeds.tracks[t]);
            let (missing, extra) = missing_extra(&mut track_rng, count);
            gt.missing = missing;
            gt.extra = extra;
            at += count;
        }
        Ok(())
    }

    /// [`Generator::misalign_song`] for a single ground truth with its own seed.
    pub fn misalign(&self, gt: &mut GroundTruth, seed: u64) -> Result<()> {
        self.misalign_song(&mut [gt], &SongSeeds::single(seed))
    }

    /// A conversion-pipeline hook that misaligns each song with this generator and the
    /// song's seeds (derived from the run seed and the song's ground-truth paths).
    pub fn hook(self) -> std::sync::Arc<crate::convert::MisalignHook> {
        std::sync::Arc::new(
            move |gts: &mut [&mut GroundTruth], ctx: &crate::convert::SongContext| {
                let seeds = SongSeeds {
                    song: ctx.seed,
                    tracks: ctx.files.iter().map(|f| f.seed).collect(),
                };
                self.misalign_song(gts, &seeds)
            },
        )
    }
}

/// The most precise aligned group of a ground truth.
fn aligned(gt: &GroundTruth) -> &crate::NoteGroup {
    if !gt.precise_alignment.onsets.is_empty() {
        &gt.precise_alignment
    } else {
        &gt.broad_alignment
    }
}

/// The tempo method's onsets (input order).
fn tempo_onsets<R: RngExt>(
    t: &super::stats::TempoModel,
    rng: &mut R,
    song: &SongDraw,
    onsets: &[f64],
) -> Vec<f64> {
    let n = onsets.len();
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
