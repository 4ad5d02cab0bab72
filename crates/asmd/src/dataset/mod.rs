//! `Dataset`: an index over the songs of one or more definitions.
//!
//! A dataset holds the definitions (shared, immutable) and one inclusion flag per
//! dataset and per song. Filtering ([`Dataset::filter`]) and set operations
//! ([`Dataset::union`], [`Dataset::intersect`], [`Dataset::complement`],
//! [`Dataset::choice`]) only flip flags; then `paths` is rebuilt from the included songs:
//! `paths[i] = (mixed recordings, sources, ground truths)`, all relative to the install
//! directory. Data access (`get_gts`, score matrices, pianorolls...) goes by index into
//! `paths`.
//!
//! ```
//! use asmd::{Dataset, FilterOptions};
//! let mut d = Dataset::official().unwrap();
//! d.filter(&FilterOptions { composer: "Mozart".into(), ..Default::default() }).unwrap();
//! let piano_only = d.filter_copy(&FilterOptions {
//!     instruments: vec!["piano".into()], ensemble: Some(false), ..Default::default()
//! }).unwrap();
//! assert!(piano_only.len() <= d.len());
//! for (dataset, song) in piano_only.songs() {
//!     assert!(song.composer.contains("Mozart"), "{} {}", dataset.name, song.title);
//! }
//! ```

mod access;
mod audio;
mod filter;
mod legacy_random;
mod setops;
mod state;

pub use filter::{FilterOptions, GtRequirement, InstrumentMatch};
pub use legacy_random::LegacyRandom;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use crate::definition::{self, Definition, OnInvalid, Song};
use crate::error::{Error, Result};
use crate::metadataset::Metadataset;

/// The files of one item of a dataset, relative to the install directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ItemPaths {
    /// Mixed recording(s); several are summed into one mix.
    pub mixed: Vec<String>,
    /// Per-instrument source recordings (empty unless requested with `sources`).
    pub sources: Vec<String>,
    /// Ground-truth files, one per instrument track.
    pub ground_truth: Vec<String>,
}

/// A collection of definitions shared by datasets built from it.
#[derive(Debug)]
pub struct Collection {
    definitions: Arc<Vec<Definition>>,
    fingerprint: u64,
    official: bool,
    /// Per definition that lacks an ensemble flag or an availability table (a derived
    /// definition), per song: the loaded definition its `dataset` key names.
    inherited: Vec<Vec<Option<usize>>>,
}

impl Collection {
    /// Wrap definitions; fails if two share a name.
    pub fn new(definitions: Vec<Definition>) -> Result<Collection> {
        Collection::shared(Arc::new(definitions))
    }

    /// Wrap shared definitions (not copied); fails if two share a name.
    fn shared(definitions: Arc<Vec<Definition>>) -> Result<Collection> {
        for (i, d) in definitions.iter().enumerate() {
            if let Some(other) = definitions[..i].iter().find(|o| o.name == d.name) {
                return Err(Error::format(
                    &d.origin,
                    "$.name",
                    format!(
                        "dataset `{}` is also defined, differently, in {} (dataset names key \
                         filters, chunks and set operations: rename one of them)",
                        d.name,
                        other.origin.display()
                    ),
                ));
            }
        }
        let fingerprint = fingerprint(&definitions);
        let inherited = inherited(&definitions);
        Ok(Collection {
            definitions,
            fingerprint,
            official: false,
            inherited,
        })
    }

    /// The definition song `song` of definition `def` inherits dataset-level attributes
    /// from: when `def` lacks an ensemble flag or an availability table (a definition
    /// derived from `get_songs()`), the loaded definition the song's `dataset` key
    /// names. `None` otherwise.
    pub fn origin_of(&self, def: usize, song: usize) -> Option<&Definition> {
        let o = self.inherited.get(def)?.get(song).copied().flatten()?;
        self.definitions.get(o)
    }

    /// The ensemble flag that applies to a song: its definition's, else (unknown there)
    /// its origin's ([`Collection::origin_of`]); `None` when unknown.
    pub fn ensemble_of(&self, def: usize, song: usize) -> Option<bool> {
        self.definitions[def]
            .ensemble
            .or_else(|| self.origin_of(def, song).and_then(|o| o.ensemble))
    }

    /// The availability table that applies to a song: its definition's, else (when that
    /// has none) its origin's ([`Collection::origin_of`]).
    ///
    /// ```
    /// use asmd::definition::{Definition, official};
    /// use asmd::dataset::Collection;
    /// let maestro = official().unwrap().iter().find(|d| d.name == "Maestro").unwrap().clone();
    /// let mut song = maestro.songs[0].to_json();
    /// song["dataset"] = "Maestro".into();
    /// let text = serde_json::json!({"name": "mine", "songs": [song]}).to_string();
    /// let mine = Definition::from_json_str(&text, "mine.json").unwrap();
    /// assert!(mine.ground_truth.is_empty() && mine.ensemble.is_none());
    /// let c = Collection::new(vec![maestro, mine]).unwrap();
    /// assert_eq!(c.table_of(1, 0).name, "Maestro");
    /// assert_eq!(c.ensemble_of(1, 0), Some(false));
    /// // alone, the derived definition's attributes are unknown
    /// let alone = Collection::new(vec![c.definitions()[1].clone()]).unwrap();
    /// assert!(alone.table_of(0, 0).ground_truth.is_empty());
    /// assert_eq!(alone.ensemble_of(0, 0), None);
    /// ```
    pub fn table_of(&self, def: usize, song: usize) -> &Definition {
        let own = &self.definitions[def];
        if !own.ground_truth.is_empty() {
            return own;
        }
        self.origin_of(def, song).unwrap_or(own)
    }

    /// The embedded official collection, parsed once per process and shared.
    pub fn official() -> Result<Arc<Collection>> {
        static CELL: std::sync::OnceLock<Arc<Collection>> = std::sync::OnceLock::new();
        if let Some(c) = CELL.get() {
            return Ok(c.clone());
        }
        let mut c = Collection::shared(definition::official()?)?;
        c.official = true;
        Ok(CELL.get_or_init(|| Arc::new(c)).clone())
    }

    /// True for the embedded official collection.
    pub fn is_official(&self) -> bool {
        self.official
    }

    /// The definitions, in load order.
    pub fn definitions(&self) -> &[Definition] {
        &self.definitions
    }
}

/// For each definition without an ensemble flag or availability table, the definition
/// each song's `dataset` key names (when loaded, and not itself).
fn inherited(defs: &[Definition]) -> Vec<Vec<Option<usize>>> {
    defs.iter()
        .enumerate()
        .map(|(di, d)| {
            if d.ensemble.is_some() && !d.ground_truth.is_empty() {
                return Vec::new();
            }
            d.songs
                .iter()
                .map(|s| {
                    let name = s.origin_dataset()?;
                    defs.iter()
                        .position(|o| o.name == name)
                        .filter(|&o| o != di)
                })
                .collect()
        })
        .collect()
}

fn fingerprint(defs: &[Definition]) -> u64 {
    // FNV-1a over names, song titles and ground-truth paths: cheap and stable.
    let mut h: u64 = 0xcbf29ce484222325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain(std::iter::once(0xff)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    };
    for d in defs {
        eat(&d.name);
        for s in &d.songs {
            eat(&s.title);
            for g in &s.ground_truth {
                eat(g);
            }
        }
    }
    h
}

/// Where a dataset's definitions come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefinitionSource {
    /// The embedded official collection.
    Official,
    /// Directories of `*.json` definitions, loaded in this order.
    Dirs(Vec<PathBuf>),
}

/// An index over the songs of a collection of definitions (see the module docs).
#[derive(Debug, Clone)]
pub struct Dataset {
    collection: Arc<Collection>,
    metadataset: Metadataset,
    dataset_included: Vec<bool>,
    song_included: Vec<Vec<bool>>,
    paths: Vec<ItemPaths>,
    items: Vec<(usize, usize)>,
    chunks: IndexMap<String, (usize, usize)>,
}

impl Dataset {
    /// Load definitions from `definition_dirs` (the official collection when empty;
    /// [`definition::OFFICIAL_DIR`] stands for it among other directories, see
    /// [`definition::load_dirs`]) and the metadataset from `metadataset_path` (the default location when `None`).
    /// Everything starts included.
    pub fn new<P: AsRef<Path>>(
        definition_dirs: &[P],
        metadataset_path: Option<&Path>,
    ) -> Result<Dataset> {
        let metadataset = Metadataset::load(metadataset_path)?;
        let only_official = definition_dirs
            .iter()
            .all(|d| definition::is_official_dir(d.as_ref()));
        let collection = if only_official {
            Collection::official()?
        } else {
            Arc::new(Collection::new(definition::load_dirs(
                definition_dirs,
                OnInvalid::Fail,
            )?)?)
        };
        Dataset::from_collection(collection, metadataset)
    }

    /// The official collection with the default datasets.json.
    pub fn official() -> Result<Dataset> {
        Dataset::new::<&Path>(&[], None)
    }

    /// A dataset with no definition (the reference's `empty=True`).
    pub fn empty(metadataset: Metadataset) -> Dataset {
        Dataset::from_definitions(Vec::new(), metadataset).expect("no definitions cannot clash")
    }

    /// A dataset over already-loaded definitions.
    pub fn from_definitions(defs: Vec<Definition>, metadataset: Metadataset) -> Result<Dataset> {
        Dataset::from_collection(Arc::new(Collection::new(defs)?), metadataset)
    }

    /// A dataset over a shared collection (cheap: definitions are not copied).
    pub fn from_collection(
        collection: Arc<Collection>,
        metadataset: Metadataset,
    ) -> Result<Dataset> {
        let dataset_included = vec![true; collection.definitions.len()];
        let song_included = collection
            .definitions
            .iter()
            .map(|d| vec![true; d.songs.len()])
            .collect();
        let mut d = Dataset {
            collection,
            metadataset,
            dataset_included,
            song_included,
            paths: Vec::new(),
            items: Vec::new(),
            chunks: IndexMap::new(),
        };
        d.filter(&FilterOptions::default())?;
        Ok(d)
    }

    /// The shared collection of definitions.
    pub fn collection(&self) -> &Arc<Collection> {
        &self.collection
    }

    /// All definitions (included or not), in load order.
    pub fn definitions(&self) -> &[Definition] {
        &self.collection.definitions
    }

    /// The datasets.json in use.
    pub fn metadataset(&self) -> &Metadataset {
        &self.metadataset
    }

    /// Use another install directory (same definitions).
    pub fn set_install_dir(&mut self, dir: impl Into<PathBuf>) {
        self.metadataset.install_dir = dir.into();
    }

    /// The install directory.
    pub fn install_dir(&self) -> &Path {
        &self.metadataset.install_dir
    }

    /// Number of items in `paths`.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// True when no item is selected.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The selected items' files.
    pub fn paths(&self) -> &[ItemPaths] {
        &self.paths
    }

    /// Replace the files of the items (the reference lets users assign and edit `paths`:
    /// shuffle, sort, slice, append...).
    ///
    /// Items stay tied to their songs when every new item has the files of a current
    /// item (a reordering or a subset): [`Dataset::song`], [`Dataset::songs`] and error
    /// messages then follow the new order, and the chunks are rebuilt when each
    /// dataset's items are still contiguous (else they are cleared). When some item is
    /// new, items are no longer tied to songs ([`Dataset::song`] fails for them) until
    /// the next filter rebuilds `paths`.
    ///
    /// ```
    /// let mut d = asmd::Dataset::official().unwrap();
    /// let mut p = d.paths().to_vec();
    /// p.reverse();
    /// p.truncate(3);
    /// d.set_paths(p);
    /// assert_eq!(d.song(0).unwrap().0.name, "vienna_corpus");
    /// assert_eq!(d.chunks().len(), 1);
    /// ```
    pub fn set_paths(&mut self, paths: Vec<ItemPaths>) {
        if paths == self.paths {
            return;
        }
        let tied = self.items.len() == self.paths.len();
        let mut by_files: std::collections::HashMap<&ItemPaths, usize> =
            std::collections::HashMap::with_capacity(if tied { self.paths.len() } else { 0 });
        if tied {
            for (i, p) in self.paths.iter().enumerate() {
                by_files.entry(p).or_insert(i);
            }
        }
        let ties: Option<Vec<(usize, usize)>> = paths
            .iter()
            .map(|p| by_files.get(p).map(|&i| self.items[i]))
            .collect();
        self.paths = paths;
        match ties {
            Some(items) if tied => {
                self.items = items;
                self.rebuild_chunks();
                let contiguous =
                    self.chunks.values().map(|(s, e)| e - s).sum::<usize>() == self.items.len();
                if !contiguous {
                    self.chunks.clear();
                }
            }
            _ => {
                self.items.clear();
                self.chunks.clear();
            }
        }
    }

    /// Set the inclusion flag of every dataset and song (e.g. edited by a user in ASMD
    /// 0.5.1's `Dataset.datasets`); the next filter or set operation starts from them.
    /// `paths` are not rebuilt. The shapes must match the definitions.
    pub fn set_inclusion(&mut self, datasets: Vec<bool>, songs: Vec<Vec<bool>>) -> Result<()> {
        let defs = self.definitions();
        if datasets.len() != defs.len()
            || songs.len() != defs.len()
            || songs
                .iter()
                .zip(defs)
                .any(|(s, d)| s.len() != d.songs.len())
        {
            return Err(Error::argument(
                "the `included` flags do not match the definitions: only `included` may be \
                 edited in `Dataset.datasets` (to change definitions, write them to files and \
                 build a new Dataset)",
            ));
        }
        self.dataset_included = datasets;
        self.song_included = songs;
        Ok(())
    }

    /// `(definition index, song index)` of each item of `paths`.
    pub fn item_songs(&self) -> &[(usize, usize)] {
        &self.items
    }

    /// The definition and song of item `idx`.
    pub fn song(&self, idx: usize) -> Result<(&Definition, &Song)> {
        if idx >= self.paths.len() {
            return Err(self.index_error(idx));
        }
        let (d, s) = *self.items.get(idx).ok_or_else(|| {
            Error::argument(format!(
                "item {idx} is not tied to a song: `paths` was replaced by hand"
            ))
        })?;
        let def = &self.collection.definitions[d];
        Ok((def, &def.songs[s]))
    }

    /// The included songs, in order, with their definition.
    pub fn songs(&self) -> impl Iterator<Item = (&Definition, &Song)> + '_ {
        self.items.iter().map(move |&(d, s)| {
            let def = &self.collection.definitions[d];
            (def, &def.songs[s])
        })
    }

    /// Whether each definition is included.
    pub fn dataset_included(&self) -> &[bool] {
        &self.dataset_included
    }

    /// Whether each song of each definition is included.
    pub fn song_included(&self) -> &[Vec<bool>] {
        &self.song_included
    }

    /// `dataset name -> [start, end)` in `paths`, for the datasets with items.
    pub fn chunks(&self) -> &IndexMap<String, (usize, usize)> {
        &self.chunks
    }

    /// The index in `paths` of item `idx` of dataset `name`.
    pub fn idx_chunk_to_whole(&self, name: &str, idx: usize) -> Result<usize> {
        let (start, end) = *self.chunks.get(name).ok_or_else(|| {
            Error::argument(format!(
                "dataset `{name}` has no selected song (selected: {})",
                self.chunks.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        if start + idx >= end {
            return Err(Error::new(
                crate::ErrorKind::Index,
                format!(
                    "index {idx} is out of range for dataset `{name}` ({} selected songs)",
                    end - start
                ),
            ));
        }
        Ok(start + idx)
    }

    /// Absolute path of a file named relative to the install directory.
    pub fn full_path(&self, relative: &str) -> PathBuf {
        self.metadataset.install_dir.join(relative)
    }

    pub(crate) fn index_error(&self, idx: usize) -> Error {
        Error::new(
            crate::ErrorKind::Index,
            format!(
                "index {idx} is out of range: the dataset has {} items",
                self.paths.len()
            ),
        )
    }

    /// The files of item `idx`.
    pub fn item(&self, idx: usize) -> Result<&ItemPaths> {
        self.paths.get(idx).ok_or_else(|| self.index_error(idx))
    }

    /// Mark datasets with no included song as excluded and vice versa.
    fn check_consistency(&mut self) {
        for (inc, songs) in self.dataset_included.iter_mut().zip(&self.song_included) {
            *inc = songs.iter().any(|&s| s);
        }
    }

    /// Rebuild `paths`, `items` and `chunks` from the inclusion flags.
    fn rebuild(&mut self, opts: &filter::OutputOptions) -> Result<()> {
        self.check_consistency();
        let mut paths = Vec::new();
        let mut items = Vec::new();
        for (di, def) in self.collection.definitions.iter().enumerate() {
            if !self.dataset_included[di] {
                continue;
            }
            for (si, song) in def.songs.iter().enumerate() {
                if self.song_included[di][si] {
                    paths.push(opts.item_paths(def, song)?);
                    items.push((di, si));
                }
            }
        }
        self.paths = paths;
        self.items = items;
        self.rebuild_chunks();
        Ok(())
    }

    /// `chunks` from `items` (which are grouped by dataset, in definition order).
    fn rebuild_chunks(&mut self) {
        let mut chunks: IndexMap<String, (usize, usize)> = IndexMap::new();
        for (i, &(di, _)) in self.items.iter().enumerate() {
            let name = &self.collection.definitions[di].name;
            match chunks.get_mut(name) {
                Some(c) => c.1 = i + 1,
                None => {
                    chunks.insert(name.clone(), (i, i + 1));
                }
            }
        }
        self.chunks = chunks;
    }
}
