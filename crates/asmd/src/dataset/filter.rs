//! Filtering: narrowing the included songs by attributes, and choosing which files go
//! into `paths`.
//!
//! Semantics (SPEC §4), with the reference's quirks fixed where SPEC §8 says so:
//! - a filter only narrows: what an earlier filter excluded stays excluded (also with
//!   `datasets=`, which re-included datasets in ASMD 0.5.1);
//! - `datasets`: names, case-insensitive; `ensemble`: dataset-level equality;
//! - `ground_truth`: required annotation types, each with an exact level or "any level
//!   >= 1"; a song passes when one of its groups provides all of them;
//! - a definition without an ensemble flag or availability table (one derived from
//!   `get_songs()`): its songs use those of the dataset their `dataset` key names when
//!   that definition is loaded too ([`Collection::table_of`]); otherwise they are
//!   unknown, and an `ensemble` or `ground_truth` filter does not match them;
//! - `instruments`: the song's list equals the given one (reference), or contains all of
//!   them ([`InstrumentMatch::ContainsAll`]);
//! - `composer`: substring, optionally case-insensitive; `groups`: all of them;
//! - output: `mixed` -> mix paths; `sources` -> all sources (`all`) or only the first
//!   requested instrument's source and ground truth, as one-element lists.
//!
//! A filter that fails (bad argument) leaves the dataset untouched.

use super::{Collection, Dataset, ItemPaths};
use crate::definition::{Definition, Song, GT_TYPES};
use crate::error::{Error, Result};

/// How `instruments` is matched against a song's instrument list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstrumentMatch {
    /// The song's list equals the given list, order included (the reference's rule).
    #[default]
    Exact,
    /// The song has every given instrument (as many times as given), in any order.
    ContainsAll,
}

/// One required annotation type for the `ground_truth` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GtRequirement {
    /// Annotation type, e.g. `precise_alignment`.
    pub gt_type: String,
    /// Exact level required; `None` means any level >= 1.
    pub level: Option<u8>,
}

impl GtRequirement {
    /// Any level >= 1 of `gt_type`.
    pub fn any(gt_type: impl Into<String>) -> Self {
        GtRequirement {
            gt_type: gt_type.into(),
            level: None,
        }
    }

    /// Exactly `level` of `gt_type`.
    pub fn exact(gt_type: impl Into<String>, level: u8) -> Self {
        GtRequirement {
            gt_type: gt_type.into(),
            level: Some(level),
        }
    }

    fn satisfied_by(&self, level: u8) -> bool {
        match self.level {
            Some(l) => level == l,
            None => level >= 1,
        }
    }
}

/// Arguments of [`Dataset::filter`]; `Default` gives the reference's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterOptions {
    /// Instruments to match (see `instrument_match`); empty = any.
    pub instruments: Vec<String>,
    /// How `instruments` is matched.
    pub instrument_match: InstrumentMatch,
    /// Dataset-level ensemble flag to require; `None` = any.
    pub ensemble: Option<bool>,
    /// Put mixed recordings in `paths` (default true).
    pub mixed: bool,
    /// Put source recordings in `paths`.
    pub sources: bool,
    /// With `sources`: all sources and ground truths (else only the first instrument's).
    pub all: bool,
    /// Substring of the composer; empty = any.
    pub composer: String,
    /// Match `composer` ignoring case.
    pub composer_ignore_case: bool,
    /// Dataset names (case-insensitive); empty = all.
    pub datasets: Vec<String>,
    /// Groups the song must all belong to.
    pub groups: Vec<String>,
    /// Annotation types a group of the song must provide.
    pub ground_truth: Vec<GtRequirement>,
}

impl Default for FilterOptions {
    fn default() -> Self {
        FilterOptions {
            instruments: Vec::new(),
            instrument_match: InstrumentMatch::Exact,
            ensemble: None,
            mixed: true,
            sources: false,
            all: false,
            composer: String::new(),
            composer_ignore_case: false,
            datasets: Vec::new(),
            groups: Vec::new(),
            ground_truth: Vec::new(),
        }
    }
}

/// What goes into `paths` (the output half of [`FilterOptions`]).
#[derive(Debug, Clone)]
pub(crate) struct OutputOptions {
    pub mixed: bool,
    pub sources: bool,
    pub all: bool,
    pub first_instrument: Option<String>,
}

impl OutputOptions {
    pub(crate) fn from_filter(o: &FilterOptions) -> Self {
        OutputOptions {
            mixed: o.mixed,
            sources: o.sources,
            all: o.all,
            first_instrument: o.instruments.first().cloned(),
        }
    }

    pub(crate) fn item_paths(&self, def: &Definition, song: &Song) -> Result<ItemPaths> {
        let mut p = ItemPaths {
            mixed: Vec::new(),
            sources: Vec::new(),
            ground_truth: song.ground_truth.clone(),
        };
        if self.mixed {
            p.mixed = song.recording.clone();
        }
        if self.sources {
            if let Some(src) = &song.sources {
                if self.all {
                    p.sources = src.clone();
                } else {
                    let inst = self.first_instrument.as_deref().ok_or_else(|| {
                        Error::argument(
                            "`sources=True` with `all=False` returns the source of the first requested \
                             instrument: pass `instruments=[...]`, or `all=True` for every source",
                        )
                    })?;
                    let k = song
                        .instruments
                        .iter()
                        .position(|i| i == inst)
                        .ok_or_else(|| {
                            Error::argument(format!(
                                "song `{}` of {} has no instrument `{inst}` (it has {:?})",
                                song.title, def.name, song.instruments
                            ))
                        })?;
                    p.sources = vec![src[k].clone()];
                    let g = song.ground_truth.len().saturating_sub(1).min(k);
                    p.ground_truth = song.ground_truth.get(g).cloned().into_iter().collect();
                }
            }
        }
        Ok(p)
    }
}

fn instruments_match(mode: InstrumentMatch, wanted: &[String], song: &[String]) -> bool {
    match mode {
        InstrumentMatch::Exact => wanted == song,
        InstrumentMatch::ContainsAll => {
            let mut pool: Vec<&String> = song.iter().collect();
            wanted
                .iter()
                .all(|w| match pool.iter().position(|s| *s == w) {
                    Some(i) => {
                        pool.swap_remove(i);
                        true
                    }
                    None => false,
                })
        }
    }
}

impl FilterOptions {
    fn validate(&self) -> Result<()> {
        for r in &self.ground_truth {
            if !GT_TYPES.contains(&r.gt_type.as_str()) {
                return Err(Error::argument(format!(
                    "unknown ground-truth type `{}` in `ground_truth` (expected one of {})",
                    r.gt_type,
                    GT_TYPES.join(", ")
                )));
            }
            if r.level.is_some_and(|l| l > 2) {
                return Err(Error::argument(format!(
                    "level of `{}` must be 0, 1 or 2",
                    r.gt_type
                )));
            }
        }
        Ok(())
    }

    fn dataset_passes(&self, def: &Definition) -> bool {
        if !self.datasets.is_empty()
            && !self
                .datasets
                .iter()
                .any(|n| n.to_lowercase() == def.name.to_lowercase())
        {
            return false;
        }
        true
    }

    /// `c`: the collection (for attributes a derived definition's songs inherit).
    fn song_passes(&self, c: &Collection, di: usize, si: usize) -> bool {
        let def = &c.definitions()[di];
        let song = &def.songs[si];
        if let Some(e) = self.ensemble {
            if c.ensemble_of(di, si) != Some(e) {
                return false;
            }
        }
        if !self.instruments.is_empty()
            && !instruments_match(self.instrument_match, &self.instruments, &song.instruments)
        {
            return false;
        }
        if !self.composer.is_empty() {
            let ok = if self.composer_ignore_case {
                song.composer
                    .to_lowercase()
                    .contains(&self.composer.to_lowercase())
            } else {
                song.composer.contains(&self.composer)
            };
            if !ok {
                return false;
            }
        }
        if !self.groups.iter().all(|g| song.groups.contains(g)) {
            return false;
        }
        if !self.ground_truth.is_empty() {
            let table = c.table_of(di, si);
            let provided = song.groups.iter().any(|g| {
                self.ground_truth
                    .iter()
                    .all(|r| r.satisfied_by(table.gt_level(g, &r.gt_type)))
            });
            if !provided {
                return false;
            }
        }
        true
    }
}

impl Dataset {
    /// Narrow the included songs and rebuild `paths` (see the module docs).
    ///
    /// ```
    /// use asmd::{Dataset, FilterOptions, dataset::GtRequirement};
    /// let mut d = Dataset::official().unwrap();
    /// d.filter(&FilterOptions {
    ///     ground_truth: vec![GtRequirement::any("precise_alignment"), GtRequirement::exact("f0", 2)],
    ///     ..Default::default()
    /// }).unwrap();
    /// assert_eq!(d.chunks().keys().collect::<Vec<_>>(), ["Bach10"]);
    /// ```
    pub fn filter(&mut self, opts: &FilterOptions) -> Result<&mut Self> {
        opts.validate()?;
        let mut dataset_included = self.dataset_included.clone();
        let mut song_included = self.song_included.clone();
        for (di, def) in self.collection.definitions.iter().enumerate() {
            if !dataset_included[di] || !opts.dataset_passes(def) {
                dataset_included[di] = false;
                song_included[di].iter_mut().for_each(|s| *s = false);
                continue;
            }
            for (si, included) in song_included[di].iter_mut().enumerate() {
                if *included && !opts.song_passes(&self.collection, di, si) {
                    *included = false;
                }
            }
        }
        self.apply(
            dataset_included,
            song_included,
            &OutputOptions::from_filter(opts),
        )?;
        Ok(self)
    }

    /// Like [`Dataset::filter`] on a copy; `self` is left untouched.
    pub fn filter_copy(&self, opts: &FilterOptions) -> Result<Dataset> {
        let mut d = self.clone();
        d.filter(opts)?;
        Ok(d)
    }

    /// Set new inclusion flags and rebuild `paths`; on error nothing changes.
    pub(crate) fn apply(
        &mut self,
        dataset_included: Vec<bool>,
        song_included: Vec<Vec<bool>>,
        out: &OutputOptions,
    ) -> Result<()> {
        let mut next = Dataset {
            collection: self.collection.clone(),
            metadataset: self.metadataset.clone(),
            dataset_included,
            song_included,
            paths: Vec::new(),
            items: Vec::new(),
            chunks: Default::default(),
        };
        if out.sources && !out.all && out.first_instrument.is_none() {
            return Err(Error::argument(
                "`sources=True` with `all=False` returns the source of the first requested \
                 instrument: pass `instruments=[...]`, or `all=True` for every source",
            ));
        }
        next.rebuild(out)?;
        if out.sources && !next.is_empty() && next.songs().all(|(_, s)| s.sources.is_none()) {
            return Err(Error::argument(format!(
                "`sources=True`, but none of the {} selected songs has source recordings \
                 (datasets with sources: {})",
                next.len(),
                self.collection
                    .definitions
                    .iter()
                    .filter(|d| d.songs.iter().any(|s| s.sources.is_some()))
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        *self = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_all_counts_duplicates() {
        let song: Vec<String> = ["violin", "violin", "cello"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(instruments_match(
            InstrumentMatch::ContainsAll,
            &w(&["cello", "violin"]),
            &song
        ));
        assert!(instruments_match(
            InstrumentMatch::ContainsAll,
            &w(&["violin", "violin"]),
            &song
        ));
        assert!(!instruments_match(
            InstrumentMatch::ContainsAll,
            &w(&["cello", "cello"]),
            &song
        ));
        assert!(!instruments_match(
            InstrumentMatch::Exact,
            &w(&["cello", "violin", "violin"]),
            &song
        ));
        assert!(instruments_match(
            InstrumentMatch::Exact,
            &w(&["violin", "violin", "cello"]),
            &song
        ));
    }
}
