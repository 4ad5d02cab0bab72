//! Conversion: rebuilding ground truth from each dataset's original annotations
//! (SPEC §6).
//!
//! Data flows: a definition's `install.conversion` names converters in the
//! [`Registry`] -> for each ground-truth path the registry finds each converter's input
//! file ([`ConverterSpec::resolve`]) -> converters return lists of [`GroundTruth`]
//! -> [`merge_outputs`] takes element `min(k, len - 1)` of each and merges them -> the
//! pipeline sorts, sets the General-MIDI `instrument` ([`instrument_program`]), calls the
//! optional misalignment hook, validates with [`GroundTruth::check`] and writes
//! `.json.gz` files atomically -> optional `ground_truth.tar.gz` -> [`Summary`].
//!
//! One file per input format: [`midi`] (`from_midi`, `from_midi_remove_player`,
//! `from_midi_asap`), [`phenicx`], [`bach10`] (`from_bach10_mat`, `from_bach10_f0`),
//! [`musicnet`], [`sonic_visualizer`].
//!
//! ```
//! use asmd::convert::{convert, ConvertOptions, Registry};
//! use asmd::Definition;
//! # let dir = tempfile::tempdir().unwrap();
//! # let install = dir.path();
//! std::fs::create_dir_all(install.join("demo")).unwrap();
//! std::fs::write(install.join("demo/song.txt"), "0.5,1.0,A4\n0.0,0.5,C4\n").unwrap();
//! let def = Definition::from_json_str(r#"{
//!   "name": "demo", "ensemble": false, "groups": ["all"], "instruments": ["violin"],
//!   "sources": {"format": "unknown"}, "recording": {"format": "wav"},
//!   "ground_truth": {"all": {"broad_alignment": 1}},
//!   "install": {"url": "unknown", "unpack": false, "login": false, "post-process": "unknown",
//!               "conversion": [["from_phenicx_txt", {}]]},
//!   "songs": [{"title": "s", "composer": "x", "instruments": ["violin"],
//!              "recording": {"path": ["demo/song.wav"]}, "ground_truth": ["demo/song-0.json.gz"],
//!              "groups": ["all"]}]}"#, "demo.json").unwrap();
//! let opts = ConvertOptions { install_dir: install.to_path_buf(), ..Default::default() };
//! let summary = convert(&[def], &Registry::builtin(), &opts).unwrap();
//! assert_eq!(summary.converted(), 1);
//! let gt = asmd::GroundTruth::from_path(install.join("demo/song-0.json.gz")).unwrap();
//! assert_eq!(gt.broad_alignment.pitches, vec![60.0, 69.0]);
//! assert_eq!(gt.instrument, 40);
//! ```

mod archive;
pub mod bach10;
mod builtins;
mod instrument;
pub mod mat;
mod merge;
pub mod midi;
pub mod musicnet;
mod params;
pub mod phenicx;
mod pipeline;
mod registry;
pub mod sonic_visualizer;
mod summary;

pub use archive::write_archive;
pub use instrument::{
    instrument_program, instrument_program_by_similarity, normalize_instrument_name,
    text_similarity, DRUM_KIT, GM_PROGRAM_NAMES,
};
pub use merge::{merge_into, merge_outputs, track_index};
pub use midi::MidiParams;
pub use phenicx::note_name_to_number;
pub use pipeline::{
    check_definition, convert, convert_song, file_seed, track_of, ConvertOptions, GtFile,
    MisalignHook, SongContext, DEFAULT_SEED,
};
pub use registry::{
    change_ext, ConverterFn, ConverterOutput, ConverterSpec, Input, ParamsCheck, Registry,
};
pub use summary::{DatasetSkip, GtFailure, Outcome, SongReport, Summary};

#[cfg(doc)]
use crate::GroundTruth;

/// The installer's conversion hook (`asmd install --convert`): convert one installed
/// dataset with `registry` and `template`'s settings (its install dir and selection are
/// replaced); any song that fails makes the hook fail, naming the first failures.
#[cfg(feature = "install")]
pub fn install_hook(registry: Registry, template: ConvertOptions) -> crate::install::ConvertHook {
    std::sync::Arc::new(
        move |def: &crate::Definition, install_dir: &std::path::Path| {
            let opts = ConvertOptions {
                install_dir: install_dir.to_path_buf(),
                whitelist: Vec::new(),
                blacklist: Vec::new(),
                archive: None,
                part: None,
                ..template.clone()
            };
            let summary = convert(std::slice::from_ref(def), &registry, &opts)?;
            if summary.is_success() {
                return Ok(());
            }
            let first: Vec<String> = summary
                .failures()
                .take(3)
                .map(|(song, f)| format!("{}: {}", song.title, f.error))
                .collect();
            Err(crate::Error::new(
                crate::ErrorKind::Format,
                format!(
                    "{} of {} songs failed to convert: {}",
                    summary.failed(),
                    summary.songs.len(),
                    first.join("; ")
                ),
            ))
        },
    )
}
