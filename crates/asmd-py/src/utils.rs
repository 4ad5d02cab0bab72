//! `asmd.utils` helpers backed by the engine.

use asmd_py_macros::guard;
use numpy::{PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use asmd::score::Matrix;

use crate::convert_py::matrix;
use crate::error::IntoPyResult;

fn to_matrix(a: &PyReadonlyArray2<'_, f64>) -> Matrix {
    let shape = a.shape();
    Matrix {
        rows: shape[0],
        cols: shape[1],
        data: a.as_array().iter().copied().collect(),
    }
}

/// Stretch the onset/offset span of `mat` onto `target`'s; returns a new array.
#[guard]
#[pyfunction]
fn mat_stretch<'py>(
    py: Python<'py>,
    mat: PyReadonlyArray2<'py, f64>,
    target: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut m = to_matrix(&mat);
    let t = to_matrix(&target);
    asmd::utils::mat_stretch(&mut m, &t).py_err(py)?;
    matrix(py, m)
}

#[guard]
#[pyfunction]
fn time2frame(time: f64, hop_size: f64, win_len: f64) -> i64 {
    asmd::utils::time2frame(time, hop_size, win_len)
}

/// Write a score matrix to a MIDI file (the reference's `mat2midipath`).
#[guard]
#[pyfunction]
fn mat2midipath(
    py: Python<'_>,
    mat: PyReadonlyArray2<'_, f64>,
    path: std::path::PathBuf,
) -> PyResult<()> {
    let m = to_matrix(&mat);
    py.detach(|| asmd::midi::write::mat2midipath(&m, &path))
        .py_err(py)
}

/// Read every note of a MIDI file into an n x 4 matrix (the reference's `midipath2mat`).
#[guard]
#[pyfunction]
fn midipath2mat(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Bound<'_, PyAny>> {
    let m = py
        .detach(|| asmd::midi::write::midipath2mat(&path))
        .py_err(py)?;
    matrix(py, m)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mat2midipath, m)?)?;
    m.add_function(wrap_pyfunction!(midipath2mat, m)?)?;
    m.add_function(wrap_pyfunction!(mat_stretch, m)?)?;
    m.add_function(wrap_pyfunction!(time2frame, m)?)?;
    Ok(())
}
