//! The converter registry: converter names (as written in a definition's
//! `install.conversion`) mapped to functions, with the rule that finds each converter's
//! input file from a ground-truth path.
//!
//! A converter is any `Fn(&Path, &Map<String, Value>) -> Result<Option<Vec<GroundTruth>>>`
//! (`Send + Sync`, so closures from other languages can be registered): it receives the
//! *resolved* input path and its keyword arguments, and returns one ground truth per
//! track or source (`Some(vec)`, possibly of length one), or `None` when it has nothing
//! to contribute. The registry resolves the input first: a converter whose input is
//! absent is not called at all.
//!
//! Input paths (SPEC §6): the ground-truth path `<dir>/<stem>-<k>.json.gz` loses its
//! `-<k>.json.gz` part (and with `remove_player` also the last `_...` part of the
//! stem), then each extension is tried in order and the first existing file wins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::ground_truth::GroundTruth;

/// What a converter returns: one ground truth per track/source, or nothing.
pub type ConverterOutput = Option<Vec<GroundTruth>>;

/// The signature of a converter: resolved input path and keyword arguments.
pub type ConverterFn = dyn Fn(&Path, &Map<String, Value>) -> Result<ConverterOutput> + Send + Sync;

/// A check of keyword arguments, run once per definition before any song is converted.
pub type ParamsCheck = dyn Fn(&Map<String, Value>) -> Result<()> + Send + Sync;

/// A registered converter: how to find its input, and the function.
#[derive(Clone)]
pub struct ConverterSpec {
    /// Extensions tried in order, e.g. `[".mid", ".midi"]` or `["-GTNotes.mat"]`.
    pub extensions: Vec<String>,
    /// When false, a `.` is added to extensions that lack one (the reference's `no_dot`).
    pub no_dot: bool,
    /// Strip the last `_...` part of the stem (e.g. a performer's name).
    pub remove_player: bool,
    /// The conversion.
    pub func: Arc<ConverterFn>,
    /// Optional early validation of keyword arguments.
    pub check_params: Option<Arc<ParamsCheck>>,
}

impl std::fmt::Debug for ConverterSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConverterSpec")
            .field("extensions", &self.extensions)
            .field("no_dot", &self.no_dot)
            .field("remove_player", &self.remove_player)
            .finish_non_exhaustive()
    }
}

/// Where a converter's input is.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The first candidate that exists.
    Found(PathBuf),
    /// None of the candidates exists.
    Absent {
        /// Every candidate tried, in order.
        tried: Vec<PathBuf>,
    },
}

impl ConverterSpec {
    /// A spec for `func` with the given extensions (tried in order).
    pub fn new(
        extensions: &[&str],
        remove_player: bool,
        func: impl Fn(&Path, &Map<String, Value>) -> Result<ConverterOutput> + Send + Sync + 'static,
    ) -> Self {
        ConverterSpec {
            extensions: extensions.iter().map(|s| s.to_string()).collect(),
            no_dot: true,
            remove_player,
            func: Arc::new(func),
            check_params: None,
        }
    }

    /// The candidate input paths for a ground-truth path, in the order they are tried.
    ///
    /// ```
    /// use asmd::convert::ConverterSpec;
    /// let s = ConverterSpec::new(&[".mid", ".midi"], true, |_, _| Ok(None));
    /// let c = s.candidates("/d/tf/song_larrieu-0.json.gz".as_ref()).unwrap();
    /// assert_eq!(c[0], std::path::PathBuf::from("/d/tf/song.mid"));
    /// assert_eq!(c[1], std::path::PathBuf::from("/d/tf/song.midi"));
    /// ```
    pub fn candidates(&self, gt_path: &Path) -> Result<Vec<PathBuf>> {
        self.extensions
            .iter()
            .map(|ext| change_ext(gt_path, ext, self.no_dot, self.remove_player))
            .collect()
    }

    /// Find the input for a ground-truth path.
    pub fn resolve(&self, gt_path: &Path) -> Result<Input> {
        let tried = self.candidates(gt_path)?;
        Ok(match tried.iter().find(|p| p.is_file()) {
            Some(p) => Input::Found(p.clone()),
            None => Input::Absent { tried },
        })
    }
}

/// The input path of a converter for a ground-truth path (ASMD's `change_ext`): the
/// file name loses everything from its last `-` (and with `remove_player` also from the
/// last `_` of what is left), then `ext` is appended, with a `.` in front unless it has
/// one or `no_dot` is set (an `ext` such as `-GTNotes.mat` replaces a suffix).
///
/// ASMD 0.5.1 cut at the last `-` of the whole path string, dropping a character when
/// the file name had none; here a file name without `-` (or `_`) is an error.
///
/// ```
/// use asmd::convert::change_ext;
/// let p = change_ext("/d/tf/song_larrieu-0.json.gz".as_ref(), "mid", false, true).unwrap();
/// assert_eq!(p, std::path::PathBuf::from("/d/tf/song.mid"));
/// let p = change_ext("/d/01-AchGott/01-AchGott-2.json.gz".as_ref(), "-GTNotes.mat", true, false).unwrap();
/// assert_eq!(p, std::path::PathBuf::from("/d/01-AchGott/01-AchGott-GTNotes.mat"));
/// assert!(change_ext("/a-b/c.json.gz".as_ref(), ".mid", true, false).is_err());
/// ```
pub fn change_ext(gt_path: &Path, ext: &str, no_dot: bool, remove_player: bool) -> Result<PathBuf> {
    let name = gt_path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::argument(format!("{}: not a file path", gt_path.display())))?;
    let dash = name.rfind('-').ok_or_else(|| {
        Error::new(
            ErrorKind::Argument,
            "ground-truth file name has no `-<index>` part, so no input file can be derived from it",
        )
        .with_file(gt_path)
    })?;
    let mut stem = &name[..dash];
    if remove_player {
        let us = stem.rfind('_').ok_or_else(|| {
            Error::new(
                ErrorKind::Argument,
                "ground-truth file name has no `_<player>` part to remove",
            )
            .with_file(gt_path)
        })?;
        stem = &stem[..us];
    }
    let dir = gt_path.parent().unwrap_or(Path::new(""));
    let ext = if !ext.starts_with('.') && !no_dot {
        format!(".{ext}")
    } else {
        ext.to_string()
    };
    Ok(dir.join(format!("{stem}{ext}")))
}

/// Converters by name.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    map: BTreeMap<String, ConverterSpec>,
}

impl Registry {
    /// A registry with no converter.
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// The built-in converters: `from_midi`, `from_midi_remove_player`, `from_midi_asap`,
    /// `from_phenicx_txt`, `from_bach10_mat`, `from_bach10_f0`, `from_musicnet_csv`,
    /// `from_sonic_visualizer`.
    ///
    /// ```
    /// let r = asmd::convert::Registry::builtin();
    /// assert!(r.get("from_bach10_mat").is_some());
    /// assert_eq!(r.names().len(), 8);
    /// ```
    pub fn builtin() -> Registry {
        let mut r = Registry::empty();
        super::builtins::register_all(&mut r);
        r
    }

    /// Register (or replace) a converter under `name`.
    pub fn register(&mut self, name: impl Into<String>, spec: ConverterSpec) {
        self.map.insert(name.into(), spec);
    }

    /// Register a function: the shorthand for [`ConverterSpec::new`] + [`Registry::register`].
    ///
    /// ```
    /// use asmd::{convert::Registry, GroundTruth};
    /// let mut r = Registry::builtin();
    /// r.register_fn("from_my_format", &[".myext"], false, |path, _kwargs| {
    ///     let text = std::fs::read_to_string(path).map_err(|e| asmd::Error::io(path, e))?;
    ///     let mut gt = GroundTruth::default();
    ///     for (i, line) in text.lines().enumerate() {
    ///         gt.precise_alignment.push_note(60.0, i as f64, i as f64 + 0.5, None);
    ///         let _ = line;
    ///     }
    ///     Ok(Some(vec![gt]))
    /// });
    /// assert!(r.get("from_my_format").is_some());
    /// ```
    pub fn register_fn(
        &mut self,
        name: impl Into<String>,
        extensions: &[&str],
        remove_player: bool,
        func: impl Fn(&Path, &Map<String, Value>) -> Result<ConverterOutput> + Send + Sync + 'static,
    ) {
        self.register(name, ConverterSpec::new(extensions, remove_player, func));
    }

    /// Remove a converter; returns it if it was registered.
    pub fn unregister(&mut self, name: &str) -> Option<ConverterSpec> {
        self.map.remove(name)
    }

    /// A converter by name.
    pub fn get(&self, name: &str) -> Option<&ConverterSpec> {
        self.map.get(name)
    }

    /// A converter by name, or an error listing the known names.
    pub fn require(&self, name: &str) -> Result<&ConverterSpec> {
        self.get(name).ok_or_else(|| {
            Error::argument(format!(
                "unknown converter `{name}` (known: {})",
                self.names().join(", ")
            ))
        })
    }

    /// Registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.map.keys().map(String::as_str).collect()
    }

    /// Run converter `name` for a ground-truth path: resolve its input, then call it.
    /// Returns the input used (or the candidates tried) and the output (`None` when the
    /// input is absent or the converter returned nothing).
    pub fn run(
        &self,
        name: &str,
        gt_path: &Path,
        params: &Map<String, Value>,
    ) -> Result<(Input, ConverterOutput)> {
        let spec = self.require(name)?;
        let input = spec.resolve(gt_path)?;
        let out = match &input {
            Input::Found(p) => (spec.func)(p, params).map_err(|e| {
                if e.file().is_none() {
                    e.with_file(p)
                } else {
                    e
                }
            })?,
            Input::Absent { .. } => None,
        };
        Ok((input, out))
    }
}
