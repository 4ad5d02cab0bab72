//! Ground-truth files for Python: read (to dicts), validate, write dicts back.

use std::path::PathBuf;

use asmd_py_macros::guard;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use asmd::GroundTruth;

use crate::args::Bytes;
use crate::convert_py::gt_to_dict;
use crate::error::IntoPyResult;

/// Read a `.json.gz` ground-truth file into a dict.
#[guard]
#[pyfunction]
fn read_gt<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let gt = py.detach(|| GroundTruth::from_path(&path)).py_err(py)?;
    gt_to_dict(py, &gt)
}

/// Parse ground-truth JSON text (e.g. `json.dumps(d)`) into a validated dict.
#[guard]
#[pyfunction]
#[pyo3(signature = (text, origin="<dict>"))]
fn normalize_gt_json<'py>(
    py: Python<'py>,
    text: &str,
    origin: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let gt = GroundTruth::from_json_slice(text.as_bytes(), origin).py_err(py)?;
    gt_to_dict(py, &gt)
}

/// Write ground-truth JSON text to `path` in the reference's layout (gzip when `.gz`).
#[guard]
#[pyfunction]
fn write_gt_json(py: Python<'_>, text: &str, path: PathBuf) -> PyResult<()> {
    let gt = GroundTruth::from_json_slice(text.as_bytes(), &path).py_err(py)?;
    py.detach(|| gt.write_path(&path)).py_err(py)
}

/// Validate ground-truth JSON text: `None` when valid, else
/// `(reference code, field, index, message)`.
#[guard]
#[pyfunction]
#[pyo3(signature = (text, origin="<dict>"))]
fn check_gt_json<'py>(
    py: Python<'py>,
    text: &str,
    origin: &str,
) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let gt = GroundTruth::from_json_slice(text.as_bytes(), origin).py_err(py)?;
    match gt.check() {
        Ok(()) => Ok(None),
        Err(f) => Ok(Some(PyTuple::new(
            py,
            [
                f.rule.code().into_pyobject(py)?.into_any(),
                f.field.clone().into_pyobject(py)?.into_any(),
                f.index.into_pyobject(py)?.into_any(),
                f.to_string().into_pyobject(py)?.into_any(),
            ],
        )?)),
    }
}

/// Set the size of the process-wide cache of parsed ground truth (bytes; 0 disables).
#[guard]
#[pyfunction]
fn set_gt_cache_budget(bytes: Bytes) {
    asmd::ground_truth::cache::set_budget(usize::try_from(bytes.0).unwrap_or(usize::MAX));
}

/// Empty the cache of parsed ground truth.
#[guard]
#[pyfunction]
fn clear_gt_cache() {
    asmd::ground_truth::cache::clear();
}

/// The size bound of the process-wide cache of parsed ground truth (bytes).
#[guard]
#[pyfunction]
fn gt_cache_budget() -> usize {
    asmd::ground_truth::cache::budget()
}

/// The on-disk cache of parsed ground truth: `(folder or None, entries, bytes, bound)`.
#[guard]
#[pyfunction]
fn gt_disk_cache_info(py: Python<'_>) -> PyResult<(Option<PathBuf>, usize, u64, u64)> {
    let i = py.detach(asmd::ground_truth::disk_cache::info).py_err(py)?;
    Ok((i.dir, i.files, i.bytes, i.budget))
}

/// Remove every entry of the on-disk cache; returns how many were removed.
#[guard]
#[pyfunction]
fn clear_gt_disk_cache(py: Python<'_>) -> PyResult<usize> {
    py.detach(asmd::ground_truth::disk_cache::clear).py_err(py)
}

/// Use another folder for the on-disk cache (`None`: off) in this process.
#[guard]
#[pyfunction]
#[pyo3(signature = (path=None))]
fn set_gt_disk_cache_dir(path: Option<PathBuf>) {
    asmd::ground_truth::disk_cache::set_dir(path);
}

/// Bound the on-disk cache's size (bytes).
#[guard]
#[pyfunction]
fn set_gt_disk_cache_budget(bytes: Bytes) {
    asmd::ground_truth::disk_cache::set_budget(bytes.0);
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gt_cache_budget, m)?)?;
    m.add_function(wrap_pyfunction!(gt_disk_cache_info, m)?)?;
    m.add_function(wrap_pyfunction!(clear_gt_disk_cache, m)?)?;
    m.add_function(wrap_pyfunction!(set_gt_disk_cache_dir, m)?)?;
    m.add_function(wrap_pyfunction!(set_gt_disk_cache_budget, m)?)?;
    m.add_function(wrap_pyfunction!(read_gt, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_gt_json, m)?)?;
    m.add_function(wrap_pyfunction!(write_gt_json, m)?)?;
    m.add_function(wrap_pyfunction!(check_gt_json, m)?)?;
    m.add_function(wrap_pyfunction!(set_gt_cache_budget, m)?)?;
    m.add_function(wrap_pyfunction!(clear_gt_cache, m)?)?;
    Ok(())
}
