//! `asmd.utils` helpers backed by the engine.

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

#[pyfunction]
fn time2frame(time: f64, hop_size: f64, win_len: f64) -> i64 {
    asmd::utils::time2frame(time, hop_size, win_len)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mat_stretch, m)?)?;
    m.add_function(wrap_pyfunction!(time2frame, m)?)?;
    Ok(())
}
