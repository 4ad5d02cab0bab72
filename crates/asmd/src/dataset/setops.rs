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
//! let splits = all.choice(&[0.7, 0.3], 42).unwrap();
//! assert_eq!(splits[0].len() + splits[1].len(), all.len());
//! ```

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::{Dataset, FilterOptions};
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

    /// Split the included songs into `p.len()` non-overlapping datasets: each song goes to
    /// split `k` with probability `p[k] / sum(p)`, drawn independently (as the reference
    /// does). Deterministic for a seed (PCG-64 MCG). `paths` keep this dataset's output
    /// choices (mixed/sources).
    pub fn choice(&self, p: &[f64], seed: u64) -> Result<Vec<Dataset>> {
        let total = check_weights(p)?;
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let splits: Vec<usize> = (0..self.items.len())
            .map(|_| {
                let u = rng.random::<f64>() * total;
                let mut acc = 0.0;
                for (k, w) in p.iter().enumerate() {
                    acc += w;
                    if u < acc {
                        return k;
                    }
                }
                p.iter().rposition(|&w| w > 0.0).unwrap_or(0)
            })
            .collect();
        Ok(self.split_by(&splits, p.len()))
    }

    /// Like [`Dataset::choice`], but with exact proportions: the songs are shuffled
    /// (seeded) and cut into consecutive runs of `round(p[k] / sum(p) * n)` songs.
    pub fn choice_exact(&self, p: &[f64], seed: u64) -> Result<Vec<Dataset>> {
        let total = check_weights(p)?;
        let n = self.items.len();
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
        (0..n_splits)
            .map(|k| {
                let mut d = self.clone();
                for s in d.song_included.iter_mut() {
                    s.iter_mut().for_each(|x| *x = false);
                }
                let mut paths = Vec::new();
                let mut items = Vec::new();
                for (i, &(di, si)) in self.items.iter().enumerate() {
                    if splits[i] == k {
                        d.song_included[di][si] = true;
                        paths.push(self.paths[i].clone());
                        items.push((di, si));
                    }
                }
                d.check_consistency();
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
