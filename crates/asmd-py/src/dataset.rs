//! `asmd._asmd._Dataset`: the engine's `Dataset` for Python.
//!
//! This is the thin core; the user-facing `asmd.asmd.Dataset` (pure Python) wraps it
//! with the reference's method names and keyword arguments. Heavy calls release the GIL.

use std::path::PathBuf;

use asmd_py_macros::guard;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use asmd::dataset::{FilterOptions, GtRequirement, InstrumentMatch, ItemPaths};
use asmd::score::NoteFlags;
use asmd::{Dataset, Metadataset, ScoreType};

use crate::args::{ItemIndex, Seed};
use crate::convert_py::{bools, gt_to_dict, matrix, vector};
use crate::error::IntoPyResult;

/// The engine's dataset (see `asmd.asmd.Dataset` for the documented Python API).
#[pyclass(name = "_Dataset", module = "asmd._asmd")]
#[derive(Clone)]
pub struct PyDataset {
    pub inner: Dataset,
}

fn get<'py, T: FromPyObjectOwned<'py>>(
    d: &Bound<'py, PyDict>,
    key: &str,
    default: T,
) -> PyResult<T> {
    match d.get_item(key)? {
        Some(v) if !v.is_none() => v.extract::<T>().map_err(|e| {
            let e: PyErr = e.into();
            pyo3::exceptions::PyTypeError::new_err(format!("filter argument `{key}`: {e}"))
        }),
        _ => Ok(default),
    }
}

/// Filter options from the normalised keyword dict built by `asmd.dataset_utils`.
fn filter_options(opts: Option<&Bound<'_, PyDict>>) -> PyResult<FilterOptions> {
    let Some(d) = opts else {
        return Ok(FilterOptions::default());
    };
    let gt: Vec<(String, Option<u8>)> = get(d, "ground_truth", Vec::new())?;
    let matching: String = get(d, "instrument_match", "exact".to_string())?;
    Ok(FilterOptions {
        instruments: get(d, "instruments", Vec::new())?,
        instrument_match: match matching.as_str() {
            "exact" => InstrumentMatch::Exact,
            "contains" | "contains_all" => InstrumentMatch::ContainsAll,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "instrument_match must be 'exact' or 'contains', got {other:?}"
                )))
            }
        },
        ensemble: get(d, "ensemble", None)?,
        mixed: get(d, "mixed", true)?,
        sources: get(d, "sources", false)?,
        all: get(d, "all", false)?,
        composer: get(d, "composer", String::new())?,
        composer_ignore_case: get(d, "composer_ignore_case", false)?,
        datasets: get(d, "datasets", Vec::new())?,
        groups: get(d, "groups", Vec::new())?,
        ground_truth: gt
            .into_iter()
            .map(|(t, l)| GtRequirement {
                gt_type: t,
                level: l,
            })
            .collect(),
    })
}

pub(crate) fn score_types(py: Python<'_>, names: Vec<String>) -> PyResult<Vec<ScoreType>> {
    names
        .iter()
        .map(|n| n.parse::<ScoreType>())
        .collect::<asmd::Result<Vec<_>>>()
        .py_err(py)
}

fn paths_list<'py>(py: Python<'py>, d: &Dataset) -> PyResult<Bound<'py, PyList>> {
    let items = d.paths().iter().map(|p| {
        PyList::new(
            py,
            [
                PyList::new(py, &p.mixed).map(|l| l.into_any()),
                PyList::new(py, &p.sources).map(|l| l.into_any()),
                PyList::new(py, &p.ground_truth).map(|l| l.into_any()),
            ]
            .into_iter()
            .collect::<PyResult<Vec<_>>>()?,
        )
    });
    PyList::new(py, items.collect::<PyResult<Vec<_>>>()?)
}

#[guard]
#[pymethods]
impl PyDataset {
    /// Load definitions (`None`/empty list = the embedded official collection) and the
    /// metadataset (`None` = default location).
    #[new]
    #[pyo3(signature = (definitions=None, metadataset_path=None, empty=false, install_dir=None))]
    fn new(
        py: Python<'_>,
        definitions: Option<Vec<PathBuf>>,
        metadataset_path: Option<PathBuf>,
        empty: bool,
        install_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let mut inner = if empty {
            let meta = Metadataset::load(metadataset_path.as_deref()).py_err(py)?;
            Dataset::empty(meta)
        } else {
            let dirs = definitions.unwrap_or_default();
            py.detach(|| Dataset::new(&dirs, metadataset_path.as_deref()))
                .py_err(py)?
        };
        if let Some(dir) = install_dir {
            inner.set_install_dir(dir);
        }
        Ok(PyDataset { inner })
    }

    /// Restore from `__getstate__` output.
    #[staticmethod]
    fn from_state(py: Python<'_>, state: &str) -> PyResult<Self> {
        let v: serde_json::Value = serde_json::from_str(state).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!("bad dataset state: {e}"))
        })?;
        Ok(PyDataset {
            inner: Dataset::from_state(&v).py_err(py)?,
        })
    }

    fn state(&self) -> String {
        self.inner.to_state().to_string()
    }

    fn copy(&self) -> Self {
        self.clone()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    #[getter]
    fn install_dir(&self) -> String {
        self.inner.install_dir().to_string_lossy().into_owned()
    }

    #[setter]
    fn set_install_dir(&mut self, dir: PathBuf) {
        self.inner.set_install_dir(dir);
    }

    /// The metadataset as JSON: its five keys and any other key of the file.
    fn metadataset_json(&self) -> String {
        let m = self.inner.metadataset();
        let mut v = serde_json::json!({
            "author": m.author, "year": m.year, "url": m.url,
            "install_dir": m.install_dir, "decompress_path": m.decompress_path,
        });
        for (k, x) in &m.extra {
            v[k] = x.clone();
        }
        v.to_string()
    }

    /// The files of item `idx` as `[mixed, sources, ground truths]`.
    fn item<'py>(&self, py: Python<'py>, idx: usize) -> PyResult<Bound<'py, PyList>> {
        let p = self.inner.item(idx).py_err(py)?;
        PyList::new(
            py,
            [
                PyList::new(py, &p.mixed)?,
                PyList::new(py, &p.sources)?,
                PyList::new(py, &p.ground_truth)?,
            ],
        )
    }

    /// Set the inclusion flags of every dataset and song (as edited in
    /// `Dataset.datasets`); `paths` follow at the next filter, as in ASMD 0.5.1.
    fn set_inclusion(
        &mut self,
        py: Python<'_>,
        datasets: Vec<bool>,
        songs: Vec<Vec<bool>>,
    ) -> PyResult<()> {
        self.inner.set_inclusion(datasets, songs).py_err(py)
    }

    /// The inclusion flags: `(per dataset, per song of each dataset)`.
    fn inclusion(&self) -> (Vec<bool>, Vec<Vec<bool>>) {
        (
            self.inner.dataset_included().to_vec(),
            self.inner.song_included().to_vec(),
        )
    }

    /// Split by a given assignment (`splits[i]`: the split of item `i`).
    fn split(&self, py: Python<'_>, splits: Vec<usize>, n: usize) -> PyResult<Vec<Self>> {
        let parts = self.inner.split(&splits, n).py_err(py)?;
        Ok(parts.into_iter().map(|inner| PyDataset { inner }).collect())
    }

    #[getter]
    fn paths<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        paths_list(py, &self.inner)
    }

    fn set_paths(&mut self, paths: Vec<(Vec<String>, Vec<String>, Vec<String>)>) {
        self.inner.set_paths(
            paths
                .into_iter()
                .map(|(mixed, sources, ground_truth)| ItemPaths {
                    mixed,
                    sources,
                    ground_truth,
                })
                .collect(),
        );
    }

    #[getter]
    fn chunks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, (s, e)) in self.inner.chunks() {
            d.set_item(name, PyList::new(py, [*s, *e])?)?;
        }
        Ok(d)
    }

    /// JSON list of the included songs (each with its `dataset` name), in definition
    /// order: what the inclusion flags say, as ASMD 0.5.1's `get_songs` (independent of
    /// later edits of `paths`).
    fn songs_json(&self) -> String {
        let d = &self.inner;
        let list: Vec<serde_json::Value> = d
            .definitions()
            .iter()
            .zip(d.dataset_included().iter().zip(d.song_included()))
            .filter(|(_, (&inc, _))| inc)
            .flat_map(|(def, (_, songs))| {
                def.songs
                    .iter()
                    .zip(songs)
                    .filter(|(_, &inc)| inc)
                    .map(move |(s, _)| {
                        let mut v = s.to_json();
                        v["included"] = true.into();
                        v["dataset"] = def.name.clone().into();
                        v
                    })
            })
            .collect();
        serde_json::Value::Array(list).to_string()
    }

    /// JSON list of all definitions with `included` flags on datasets and songs.
    fn datasets_json(&self) -> String {
        let d = &self.inner;
        let list: Vec<serde_json::Value> = d
            .definitions()
            .iter()
            .enumerate()
            .map(|(i, def)| {
                let mut v = def.to_json();
                v["included"] = d.dataset_included()[i].into();
                if let Some(songs) = v["songs"].as_array_mut() {
                    for (j, s) in songs.iter_mut().enumerate() {
                        s["included"] = d.song_included()[i][j].into();
                    }
                }
                v
            })
            .collect();
        serde_json::Value::Array(list).to_string()
    }

    #[pyo3(signature = (opts=None))]
    fn filter(&mut self, py: Python<'_>, opts: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let o = filter_options(opts)?;
        self.inner.filter(&o).py_err(py)?;
        Ok(())
    }

    #[pyo3(signature = (other, opts=None))]
    fn union(
        &self,
        py: Python<'_>,
        other: &PyDataset,
        opts: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let o = filter_options(opts)?;
        Ok(PyDataset {
            inner: self.inner.union(&other.inner, &o).py_err(py)?,
        })
    }

    #[pyo3(signature = (other, opts=None))]
    fn intersect(
        &self,
        py: Python<'_>,
        other: &PyDataset,
        opts: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let o = filter_options(opts)?;
        Ok(PyDataset {
            inner: self.inner.intersect(&other.inner, &o).py_err(py)?,
        })
    }

    #[pyo3(signature = (opts=None))]
    fn complement(&self, py: Python<'_>, opts: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let o = filter_options(opts)?;
        Ok(PyDataset {
            inner: self.inner.complement(&o).py_err(py)?,
        })
    }

    #[pyo3(signature = (p, seed, exact=false))]
    fn choice(&self, py: Python<'_>, p: Vec<f64>, seed: Seed, exact: bool) -> PyResult<Vec<Self>> {
        let parts = if exact {
            self.inner.choice_exact(&p, seed.0)
        } else {
            self.inner.choice(&p, seed.0)
        }
        .py_err(py)?;
        Ok(parts.into_iter().map(|inner| PyDataset { inner }).collect())
    }

    fn idx_chunk_to_whole(&self, py: Python<'_>, name: &str, idx: ItemIndex) -> PyResult<usize> {
        self.inner.idx_chunk_to_whole(name, idx.0).py_err(py)
    }

    fn get_gts<'py>(&self, py: Python<'py>, idx: ItemIndex) -> PyResult<Bound<'py, PyList>> {
        let gts = py.detach(|| self.inner.get_gts(idx.0)).py_err(py)?;
        PyList::new(
            py,
            gts.iter()
                .map(|g| gt_to_dict(py, g))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }

    fn chose_score_type(
        &self,
        py: Python<'_>,
        idx: ItemIndex,
        score_type: Vec<String>,
    ) -> PyResult<String> {
        let types = score_types(py, score_type)?;
        let t = py
            .detach(|| self.inner.chose_score_type(idx.0, &types))
            .py_err(py)?;
        Ok(t.name().to_string())
    }

    fn get_score_mat<'py>(
        &self,
        py: Python<'py>,
        idx: ItemIndex,
        score_type: Vec<String>,
        missing: bool,
        extra: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let types = score_types(py, score_type)?;
        let out = py
            .detach(|| self.inner.get_score_mat(idx.0, &types, missing, extra))
            .py_err(py)?;
        let mut items = vec![matrix(py, out.mat)?];
        if let Some(m) = out.missing {
            items.push(bools(py, m));
        }
        if let Some(e) = out.extra {
            items.push(bools(py, e));
        }
        PyTuple::new(py, items)
    }

    fn get_pianoroll<'py>(
        &self,
        py: Python<'py>,
        idx: ItemIndex,
        score_type: Vec<String>,
        resolution: f64,
        onsets: bool,
        velocity: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let types = score_types(py, score_type)?;
        let m = py
            .detach(|| {
                self.inner
                    .get_pianoroll(idx.0, &types, resolution, onsets, velocity)
            })
            .py_err(py)?;
        matrix(py, m)
    }

    fn get_beats<'py>(&self, py: Python<'py>, idx: ItemIndex) -> PyResult<Bound<'py, PyList>> {
        let b = py.detach(|| self.inner.get_beats(idx.0)).py_err(py)?;
        PyList::new(py, b.into_iter().map(|v| vector(py, v)))
    }

    fn get_score_duration(&self, py: Python<'_>, idx: ItemIndex) -> PyResult<f64> {
        py.detach(|| self.inner.get_score_duration(idx.0))
            .py_err(py)
    }

    fn get_initial_bpm(&self, py: Python<'_>, idx: ItemIndex) -> PyResult<Option<f64>> {
        py.detach(|| self.inner.get_initial_bpm(idx.0)).py_err(py)
    }

    fn get_missing_extra_notes<'py>(
        &self,
        py: Python<'py>,
        idx: ItemIndex,
        kind: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let flags = match kind {
            "missing" => NoteFlags::Missing,
            "extra" => NoteFlags::Extra,
            other => {
                return Err(crate::error::to_py(
                    py,
                    asmd::Error::argument(format!(
                        "kind must be 'missing' or 'extra', got {other:?}"
                    )),
                ))
            }
        };
        let v = py
            .detach(|| self.inner.get_missing_extra_notes(idx.0, flags))
            .py_err(py)?;
        PyList::new(py, v.into_iter().map(|b| bools(py, b)))
    }

    fn get_pedaling_mat<'py>(
        &self,
        py: Python<'py>,
        idx: ItemIndex,
        frame_based: bool,
        winlen: f64,
        hop: f64,
    ) -> PyResult<Bound<'py, PyList>> {
        let v = py
            .detach(|| self.inner.get_pedaling_mat(idx.0, frame_based, winlen, hop))
            .py_err(py)?;
        PyList::new(
            py,
            v.into_iter()
                .map(|m| matrix(py, m))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }
}
