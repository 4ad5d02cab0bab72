//! Set operations between datasets built from the same definitions, and random splits.
//!
//! Datasets and songs are paired by dataset name and song position (the reference paired
//! them by position only, silently mixing up datasets loaded in another order); operands
//! built from different definitions are refused. Like the reference, the result is
//! re-filtered with the given [`FilterOptions`] (defaults: mixed recordings only), so an
//! operand's `sources` choice is not carried over unless asked again.
//!
//! ```
//! use asmd::{Dataset, FilterOptions};
//! let all = Dataset::official().unwrap();
//! let bach = all.filter_copy(&FilterOptions { composer: "Bach".into(), ..Default::default() }).unwrap();
//! let piano = all.filter_copy(&FilterOptions { instruments: vec!["piano".into()], ..Default::default() }).unwrap();
//! let bach_piano = bach.intersect(&piano, &FilterOptions::default()).unwrap();
//! let either = bach.union(&piano, &FilterOptions::default()).unwrap();
//! let not_bach = bach.complement(&FilterOptions::default()).unwrap();
//! assert_eq!(bach.len() + not_bach.len(), all.len());
//! assert_eq!(either.len(), bach.len() + piano.len() - bach_piano.len());
//! let splits = all.choice(&[0.7, 0.3], 42).unwrap(); // as ASMD 0.5.1 with random_state=42
//! assert_eq!(splits[0].len() + splits[1].len(), all.len());
//! ```

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::{Dataset, FilterOptions, LegacyRandom};
use crate::error::{Error, Result};

impl Dataset {
    fn same_collection(&self, other: &Dataset) -> Result<()> {
        let a = &self.collection;
        let b = &other.collection;
        if std::sync::Arc::ptr_eq(a, b) || a.fingerprint == b.fingerprint {
            return Ok(());
        }
        let names = |d: &Dataset| {
            d.definitions()
                .iter()
                .map(|d| format!("{} ({} songs)", d.name, d.songs.len()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(Error::argument(format!(
            "set operations need datasets built from the same definitions; got [{}] and [{}]",
            names(self),
            names(other)
        )))
    }

    fn combine(
        &self,
        other: &Dataset,
        op: fn(bool, bool) -> bool,
        opts: &FilterOptions,
    ) -> Result<Dataset> {
        self.same_collection(other)?;
        let mut songs = self.song_included.clone();
        for (di, def) in self.definitions().iter().enumerate() {
            // pair by name (same collection => same names; positions may differ only if
            // the fingerprints matched by accident, which would be caught here)
            let oi = other
                .definitions()
                .iter()
                .position(|d| d.name == def.name)
                .ok_or_else(|| {
                    Error::argument(format!(
                        "dataset `{}` missing from the other operand",
                        def.name
                    ))
                })?;
            for (si, flag) in songs[di].iter_mut().enumerate() {
                let a = self.dataset_included[di] && self.song_included[di][si];
                let b = other.dataset_included[oi] && other.song_included[oi][si];
                *flag = op(a, b);
            }
        }
        self.with_flags(songs).filter_owned(opts)
    }

    /// A copy with these song flags (dataset flags derived), to be filtered next.
    fn with_flags(&self, songs: Vec<Vec<bool>>) -> Dataset {
        let mut out = self.clone();
        out.dataset_included = songs.iter().map(|s| s.iter().any(|&x| x)).collect();
        out.song_included = songs;
        out
    }

    fn filter_owned(mut self, opts: &FilterOptions) -> Result<Dataset> {
        self.filter(opts)?;
        Ok(self)
    }

    /// Songs included in `self` or in `other`, then filtered with `opts`.
    pub fn union(&self, other: &Dataset, opts: &FilterOptions) -> Result<Dataset> {
        self.combine(other, |a, b| a || b, opts)
    }

    /// Songs included in both, then filtered with `opts`.
    pub fn intersect(&self, other: &Dataset, opts: &FilterOptions) -> Result<Dataset> {
        self.combine(other, |a, b| a && b, opts)
    }

    /// Songs not included in `self`, then filtered with `opts`.
    pub fn complement(&self, opts: &FilterOptions) -> Result<Dataset> {
        let songs: Vec<Vec<bool>> = self
            .song_included
            .iter()
            .zip(&self.dataset_included)
            .map(|(s, &d)| s.iter().map(|&x| !(x && d)).collect())
            .collect();
        self.with_flags(songs).filter_owned(opts)
    }

    /// Split the items into `p.len()` non-overlapping datasets: each item goes to split
    /// `k` with probability `p[k] / sum(p)`, drawn independently, exactly as ASMD 0.5.1's
    /// `choice(dataset, p, random_state=seed)` drew them (numpy's `RandomState(seed)`,
    /// see [`LegacyRandom`]): the same seed gives the same split as 0.5.1. `seed` must
    /// be below 2^32 (as numpy's). `paths` keep this dataset's output choices.
    pub fn choice(&self, p: &[f64], seed: u64) -> Result<Vec<Dataset>> {
        check_weights(p)?;
        let mut rng = LegacyRandom::new(seed)?;
        let splits = rng.choice_f32_normalised(p, self.paths.len());
        self.split(&splits, p.len())
    }

    /// Split the items by a given assignment: item `i` goes to split `splits[i]` (e.g.
    /// drawn by numpy from a user's random generator). `splits` has one entry per item,
    /// each below `n_splits`.
    pub fn split(&self, splits: &[usize], n_splits: usize) -> Result<Vec<Dataset>> {
        if splits.len() != self.paths.len() {
            return Err(Error::argument(format!(
                "{} split indices for {} items",
                splits.len(),
                self.paths.len()
            )));
        }
        if let Some(k) = splits.iter().find(|&&k| k >= n_splits) {
            return Err(Error::argument(format!(
                "split index {k} out of range for {n_splits} splits"
            )));
        }
        Ok(self.split_by(splits, n_splits))
    }

    /// Like [`Dataset::choice`], but with exact proportions: the songs are shuffled
    /// (seeded) and cut into consecutive runs of `round(p[k] / sum(p) * n)` songs.
    pub fn choice_exact(&self, p: &[f64], seed: u64) -> Result<Vec<Dataset>> {
        let total = check_weights(p)?;
        let n = self.paths.len();
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        // largest-remainder rounding so the sizes add up to n
        let exact: Vec<f64> = p.iter().map(|w| w / total * n as f64).collect();
        let mut sizes: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
        let mut rest = n - sizes.iter().sum::<usize>();
        let mut by_frac: Vec<usize> = (0..p.len()).collect();
        by_frac.sort_by(|&a, &b| {
            (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor()))
        });
        for k in by_frac {
            if rest == 0 {
                break;
            }
            sizes[k] += 1;
            rest -= 1;
        }
        let mut splits = vec![0; n];
        let mut pos = 0;
        for (k, &size) in sizes.iter().enumerate() {
            for &i in &order[pos..pos + size] {
                splits[i] = k;
            }
            pos += size;
        }
        Ok(self.split_by(&splits, p.len()))
    }

    fn split_by(&self, splits: &[usize], n_splits: usize) -> Vec<Dataset> {
        // items no longer tied to songs (paths replaced by hand): split the paths only
        let tied = self.items.len() == self.paths.len();
        (0..n_splits)
            .map(|k| {
                let mut d = self.clone();
                let mut paths = Vec::new();
                let mut items = Vec::new();
                if tied {
                    for s in d.song_included.iter_mut() {
                        s.iter_mut().for_each(|x| *x = false);
                    }
                }
                for (i, p) in self.paths.iter().enumerate() {
                    if splits[i] == k {
                        paths.push(p.clone());
                        if tied {
                            let (di, si) = self.items[i];
                            d.song_included[di][si] = true;
                            items.push((di, si));
                        }
                    }
                }
                if tied {
                    d.check_consistency();
                }
                d.paths = paths;
                d.items = items;
                d.rebuild_chunks();
                d
            })
            .collect()
    }
}

fn check_weights(p: &[f64]) -> Result<f64> {
    if p.is_empty() {
        return Err(Error::argument("`p` must hold at least one weight"));
    }
    if p.len() > crate::limits::MAX_SPLITS {
        return Err(Error::argument(format!(
            "`p` asks for {} splits: the limit is {} (each split is a dataset)",
            p.len(),
            crate::limits::MAX_SPLITS
        )));
    }
    if let Some(w) = p.iter().find(|w| !w.is_finite() || **w < 0.0) {
        return Err(Error::argument(format!(
            "weights must be finite and >= 0, got {w}"
        )));
    }
    let total: f64 = p.iter().sum();
    if total <= 0.0 {
        return Err(Error::argument("weights must not all be zero"));
    }
    Ok(total)
}
