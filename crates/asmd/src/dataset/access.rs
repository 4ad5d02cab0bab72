//! Data access by item index: ground truth and the array views of [`crate::score`].
//!
//! Every error raised here names the item (dataset and song title) so a failure deep in
//! a training loop says which song is at fault.

use std::sync::Arc;

use rayon::prelude::*;

use super::Dataset;
use crate::error::{Error, Result};
use crate::ground_truth::{cache, GroundTruth, ScoreType};
use crate::score::{self, Matrix, NoteFlags};

/// A score matrix with the optional per-note flags asked with `return_notes`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreMatOutput {
    /// `n x 6` matrix.
    pub mat: Matrix,
    /// `missing` flags in the matrix's row order, when asked.
    pub missing: Option<Vec<bool>>,
    /// `extra` flags in the matrix's row order, when asked.
    pub extra: Option<Vec<bool>>,
}

impl Dataset {
    fn item_context(&self, idx: usize) -> String {
        self.item_label(idx)
    }

    /// The ground truths of item `idx`, one per track, shared with the process-wide
    /// cache ([`crate::ground_truth::cache`]); several files load in parallel.
    pub fn load_gts(&self, idx: usize) -> Result<Vec<Arc<GroundTruth>>> {
        let item = self.item(idx)?;
        let load = |p: &String| {
            cache::load(&self.full_path(p))
                .map_err(|e| self.explain_missing(e).within(self.item_context(idx)))
        };
        if item.ground_truth.len() > 1 && crate::parallel::enabled() {
            item.ground_truth.par_iter().map(load).collect()
        } else {
            item.ground_truth.iter().map(load).collect()
        }
    }

    /// The ground truths of item `idx`, one per track (owned copies; see
    /// [`Dataset::load_gts`] to share them without copying).
    pub fn get_gts(&self, idx: usize) -> Result<Vec<GroundTruth>> {
        Ok(self
            .load_gts(idx)?
            .into_iter()
            .map(|g| Arc::try_unwrap(g).unwrap_or_else(|g| (*g).clone()))
            .collect())
    }

    fn gts_nonempty(&self, idx: usize) -> Result<Vec<Arc<GroundTruth>>> {
        let gts = self.load_gts(idx)?;
        if gts.is_empty() {
            return Err(Error::argument(format!(
                "{} has no ground-truth file",
                self.item_context(idx)
            )));
        }
        Ok(gts)
    }

    /// The score type [`score::chose_score_type`] picks for item `idx`.
    pub fn chose_score_type(&self, idx: usize, types: &[ScoreType]) -> Result<ScoreType> {
        let gts = self.load_gts(idx)?;
        score::chose_score_type(types, &gts)
    }

    /// Score matrix of item `idx` (see [`score::score_mat`]); `return_notes` adds the
    /// `missing` and/or `extra` flags in the same row order.
    pub fn get_score_mat(
        &self,
        idx: usize,
        score_type: &[ScoreType],
        return_missing: bool,
        return_extra: bool,
    ) -> Result<ScoreMatOutput> {
        let gts = self.gts_nonempty(idx)?;
        let t = score::chose_score_type(score_type, &gts)?;
        let sm = score::score_mat_with_order(&gts, t);
        let ctx = || self.item_context(idx);
        let missing = if return_missing {
            Some(
                score::missing_extra_sorted(&gts, NoteFlags::Missing, &sm)
                    .map_err(|e| e.within(ctx()))?,
            )
        } else {
            None
        };
        let extra = if return_extra {
            Some(
                score::missing_extra_sorted(&gts, NoteFlags::Extra, &sm)
                    .map_err(|e| e.within(ctx()))?,
            )
        } else {
            None
        };
        Ok(ScoreMatOutput {
            mat: sm.mat,
            missing,
            extra,
        })
    }

    /// Pianoroll of item `idx` (see [`score::pianoroll`]).
    pub fn get_pianoroll(
        &self,
        idx: usize,
        score_type: &[ScoreType],
        resolution: f64,
        onsets: bool,
        velocity: bool,
    ) -> Result<Matrix> {
        let gts = self.gts_nonempty(idx)?;
        let t = score::chose_score_type(score_type, &gts)?;
        score::pianoroll(&gts, t, resolution, onsets, velocity)
            .map_err(|e| e.within(self.item_context(idx)))
    }

    /// Beat times of each ground truth of item `idx`.
    pub fn get_beats(&self, idx: usize) -> Result<Vec<Vec<f64>>> {
        Ok(score::beats(&self.load_gts(idx)?))
    }

    /// Duration of the most aligned score of item `idx` (see [`score::score_duration`]).
    pub fn get_score_duration(&self, idx: usize) -> Result<f64> {
        Ok(score::score_duration(&self.gts_nonempty(idx)?))
    }

    /// Initial tempo of item `idx` from its first two score beats.
    pub fn get_initial_bpm(&self, idx: usize) -> Result<Option<f64>> {
        Ok(score::initial_bpm(&self.gts_nonempty(idx)?))
    }

    /// `missing` (or `extra`) flags of each ground truth of item `idx`.
    pub fn get_missing_extra_notes(&self, idx: usize, flags: NoteFlags) -> Result<Vec<Vec<bool>>> {
        Ok(self
            .load_gts(idx)?
            .iter()
            .map(|g| match flags {
                NoteFlags::Missing => g.missing.clone(),
                NoteFlags::Extra => g.extra.clone(),
            })
            .collect())
    }

    /// Pedaling of each ground truth of item `idx` (see [`score::pedaling`]); frames span
    /// the item's score duration.
    pub fn get_pedaling_mat(
        &self,
        idx: usize,
        frame_based: bool,
        winlen: f64,
        hop: f64,
    ) -> Result<Vec<Matrix>> {
        let gts = self.load_gts(idx)?;
        let dur = score::score_duration(&gts);
        score::pedaling(&gts, frame_based, winlen, hop, dur)
            .map_err(|e| e.within(self.item_context(idx)))
    }

    /// Call `func(i, self)` for every item, in parallel (rayon), with a progress bar on
    /// stderr when `progress` is true; results come back in item order.
    ///
    /// ```
    /// let d = asmd::Dataset::official().unwrap();
    /// let n_tracks: Vec<usize> = d.parallel(|i, d| d.paths()[i].ground_truth.len(), false);
    /// assert_eq!(n_tracks.len(), d.len());
    /// ```
    pub fn parallel<T, F>(&self, func: F, progress: bool) -> Vec<T>
    where
        T: Send,
        F: Fn(usize, &Dataset) -> T + Sync + Send,
    {
        use indicatif::ParallelProgressIterator;
        let n = self.len();
        let bar = if progress {
            crate::progress::bar(n as u64, "items")
        } else {
            indicatif::ProgressBar::hidden()
        };
        let out: Vec<T> = if crate::parallel::enabled() {
            (0..n)
                .into_par_iter()
                .progress_with(bar.clone())
                .map(|i| func(i, self))
                .collect()
        } else {
            (0..n)
                .map(|i| {
                    bar.inc(1);
                    func(i, self)
                })
                .collect()
        };
        bar.finish_and_clear();
        out
    }
}
