//! Audio of an item: mix, sources, both with ground truth, and header descriptions.
//!
//! Every error names the item (dataset and song) and the file.

use std::path::PathBuf;

use super::Dataset;
use crate::audio::{self, AudioInfo, DecodeOptions};
use crate::error::{Error, Result};
use crate::ground_truth::GroundTruth;

/// Sources of an item: one mono signal per source file and their common rate (`None`
/// when the item has no source file, as `([], -1)` in ASMD 0.5.1).
pub type Sources = (Vec<Vec<f32>>, Option<u32>);

impl Dataset {
    fn audio_context(&self, idx: usize) -> String {
        self.item_label(idx)
    }

    /// A decoding error of item `idx`: a missing file explained with the install state
    /// ([`Dataset::explain_missing`]), inside the item's context.
    fn audio_error(&self, idx: usize, e: Error) -> Error {
        self.explain_missing(e).within(self.audio_context(idx))
    }

    fn files(&self, rel: &[String]) -> Vec<PathBuf> {
        rel.iter().map(|p| self.full_path(p)).collect()
    }

    /// The mix of item `idx`: its mixed recordings decoded to mono (at `opts.sample_rate`
    /// or the first file's rate; files at other rates are resampled to it), summed
    /// zero-padded to the longest and divided by their number.
    pub fn get_mix(&self, idx: usize, opts: &DecodeOptions) -> Result<(Vec<f32>, u32)> {
        let item = self.item(idx)?;
        if item.mixed.is_empty() {
            return Err(Error::argument(format!(
                "{} has no mixed recording (its dataset has no mix, or the filter asked mixed=False)",
                self.audio_context(idx)
            )));
        }
        let files = self.files(&item.mixed);
        let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
        audio::mix(&refs, opts).map_err(|e| self.audio_error(idx, e))
    }

    /// The sources of item `idx`, each decoded to mono at one rate (see [`Dataset::get_mix`]).
    pub fn get_source(&self, idx: usize, opts: &DecodeOptions) -> Result<Sources> {
        let item = self.item(idx)?;
        if item.sources.is_empty() {
            // no source asked (or none exists): say so only when the song is on disk, so
            // that an uninstalled song is an error here as everywhere else
            self.require_files(idx)?;
            return Ok((Vec::new(), None));
        }
        let files = self.files(&item.sources);
        let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
        let (s, sr) = audio::decode_many(&refs, opts).map_err(|e| self.audio_error(idx, e))?;
        Ok((s, Some(sr)))
    }

    /// `sources == None`: the mix; else the sum of the chosen sources divided by the
    /// number of all the item's sources (ASMD 0.5.1 semantics: levels match the mix).
    pub fn get_audio(
        &self,
        idx: usize,
        sources: Option<&[usize]>,
        opts: &DecodeOptions,
    ) -> Result<(Vec<f32>, u32)> {
        let Some(chosen) = sources else {
            return self.get_mix(idx, opts);
        };
        let item = self.item(idx)?;
        let total = item.sources.len();
        if total == 0 {
            return Err(Error::argument(format!(
                "{} has no source recordings (filter with sources=True, on a dataset that has them)",
                self.audio_context(idx)
            )));
        }
        if let Some(&bad) = chosen.iter().find(|&&s| s >= total) {
            return Err(Error::new(
                crate::ErrorKind::Index,
                format!(
                    "{}: source {bad} is out of range: the item has {total} sources",
                    self.audio_context(idx)
                ),
            ));
        }
        let files: Vec<PathBuf> = chosen
            .iter()
            .map(|&s| self.full_path(&item.sources[s]))
            .collect();
        if files.is_empty() {
            return Err(Error::argument(format!(
                "{}: no source chosen",
                self.audio_context(idx)
            )));
        }
        let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
        let (signals, sr) =
            audio::decode_many(&refs, opts).map_err(|e| self.audio_error(idx, e))?;
        Ok((audio::mix_signals(&signals, total), sr))
    }

    /// Mix, sources and ground truths of item `idx`.
    #[allow(clippy::type_complexity)]
    pub fn get_item(
        &self,
        idx: usize,
        opts: &DecodeOptions,
    ) -> Result<((Vec<f32>, u32), Sources, Vec<GroundTruth>)> {
        let mix = self.get_mix(idx, opts)?;
        let sources = self.get_source(idx, opts)?;
        let gts = self.get_gts(idx)?;
        Ok((mix, sources, gts))
    }

    /// Per mixed recording of item `idx`: duration, bit rate, sample rate, channels, read
    /// from the headers only.
    pub fn get_audio_data(&self, idx: usize) -> Result<Vec<AudioInfo>> {
        let item = self.item(idx)?;
        item.mixed
            .iter()
            .map(|p| audio::info(&self.full_path(p)).map_err(|e| self.audio_error(idx, e)))
            .collect()
    }
}
