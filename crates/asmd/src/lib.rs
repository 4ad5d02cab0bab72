//! # asmd — Audio-Score Meta-Dataset
//!
//! The engine behind the `asmd` command line tool and the `asmd` Python package.
//!
//! Data flows one way: dataset *definitions* (JSON files, the official collection is
//! embedded) are loaded into a [`Dataset`], an index of songs where filtering flips
//! inclusion flags; the included songs populate [`Dataset::paths`]; loaders turn the
//! paths into typed ground truth ([`GroundTruth`]) and from there into arrays
//! (score matrices, pianorolls, pedaling).
//!
//! ```
//! use asmd::Dataset;
//! // the official collection, with the default datasets.json
//! let mut d = Dataset::official().unwrap();
//! assert_eq!(d.len(), 1792);
//! d.filter(&asmd::FilterOptions { datasets: vec!["bach10".into()], ..Default::default() }).unwrap();
//! assert_eq!(d.len(), 10);
//! ```
#![forbid(unsafe_code)]

pub mod audio;
pub mod convert;
pub mod dataset;
pub mod definition;
pub mod error;
pub mod export;
pub mod files;
pub mod ground_truth;
pub mod install;
pub mod limits;
pub mod mat;
pub mod metadataset;
pub mod midi;
pub mod misalign;
pub mod parallel;
#[cfg(feature = "plot")]
pub mod plot;
pub mod progress;
pub mod score;
mod scratch;
pub mod utils;

pub use dataset::{Dataset, FilterOptions, InstrumentMatch, ItemPaths};
pub use definition::{Definition, Song};
pub use error::{Error, ErrorKind, Result};
pub use ground_truth::{GroundTruth, NoteGroup, Pedal, ScoreType};
pub use metadataset::Metadataset;
