//! Artificial misalignment (SPEC §7): learn how scores deviate from performances, and
//! generate plausible non-aligned scores for songs that only have aligned notes.
//!
//! Data flows: score/performance [`SongPair`]s (from a folder of MIDI pairs or a
//! [`crate::Dataset`] selection, [`pairs`]) -> [`matching`] (stretch, banded DTW warp,
//! per-pitch pairing) -> [`stats`] (per-song onset differences and duration ratios;
//! pooled standardised values; histograms with numpy's `bins="auto"` ([`hist`]); the
//! tempo-curve, HMM and [`warp`] models) -> a versioned JSON [`Model`] (the default one
//! ships inside the crate) -> [`generate`] (the `misaligned`, `missing` and `extra`
//! fields, fully seeded, one timeline per song, as a [`crate::convert::MisalignHook`])
//! and [`evaluate`] (held-out 70/30 comparison of every method with the identity
//! baseline: KS per feature of [`features`], inversion rate, the paper's L1); [`describe`]
//! reports what a ground-truth file's scores look like.
//!
//! ```
//! use asmd::misalign::{Generator, Model, Method};
//! let model = Model::shipped().unwrap();
//! assert_eq!(model.version, asmd::misalign::MODEL_VERSION);
//! let hook = Generator::new(model).with_method(Method::Histogram).unwrap().hook();
//! let opts = asmd::convert::ConvertOptions { misalign: Some(hook), ..Default::default() };
//! assert!(opts.misalign.is_some());
//! ```
//!
//! Training a model on a folder of MIDI pairs laid out like ASAP:
//!
//! ```no_run
//! use asmd::misalign::{pairs_from_dir, MatchOptions, Stats};
//!
//! let pairs = pairs_from_dir("asap".as_ref())?;
//! let (stats, skipped) = Stats::fill(&pairs, &MatchOptions::default());
//! let model = stats.train("my model")?;
//! println!("{} pairs matched, {} skipped", stats.songs.len(), skipped.len());
//! model.write("my_model.json".as_ref())?;
//! # Ok::<(), asmd::Error>(())
//! ```

pub mod describe;
pub mod evaluate;
pub mod features;
pub mod generate;
pub mod hist;
pub mod hmm;
pub mod matching;
pub mod pairs;
pub mod stats;
pub mod warp;

pub use evaluate::{evaluate, Evaluation, MethodScore};
pub use features::{ks_2samp, quantiles, NotePair, Pooled, Relation};
pub use generate::{fix_offsets, missing_extra, Generator, SongDraw, SongSeeds, MIN_DURATION};
pub use hist::{auto_bin_edges, Histogram};
pub use hmm::{GmmHmm, HmmModel};
pub use matching::{match_notes, stretch, MatchNote, MatchOptions, Matching};
pub use pairs::{midi_notes, pairs_from_dataset, pairs_from_dir, SongPair};
pub use stats::{
    match_pairs, HistModel, Method, Model, Skipped, SongStats, Stats, TempoModel, TempoSong,
    MODEL_FORMAT, MODEL_VERSION,
};
pub use warp::{SongNote, WarpModel};

/// The conversion hook with the shipped model and its default method (what `asmd
/// convert` and `asmd install --convert` use), or with the model file at `path`.
pub fn default_hook(
    path: Option<&std::path::Path>,
) -> crate::Result<std::sync::Arc<crate::convert::MisalignHook>> {
    let model = match path {
        Some(p) => Model::read(p)?,
        None => Model::shipped()?,
    };
    Ok(Generator::new(model).hook())
}
