//! The panic net: no panic crosses into Python.
//!
//! Every `#[pyfunction]` and every `#[pymethods]` block of this crate carries
//! `#[guard]` (from `asmd-py-macros`), which runs the body inside [`run`]. A panic there,
//! or one resumed on this thread from a rayon worker, becomes
//! `asmd.errors.AsmdInternalError` (an `AsmdError` of kind `"internal"`, with the panic's
//! message and a request to report it) instead of pyo3's `PanicException`, a
//! `BaseException` that `except Exception` does not catch. This is defence in depth: the
//! causes are fixed where they are found.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;

/// Run an entry point's body, turning a panic into an `asmd.errors` exception.
pub fn run<T, E: From<PyErr>>(body: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let e = asmd::Error::from_panic(payload.as_ref());
            Err(Python::attach(|py| crate::error::to_py(py, e)).into())
        }
    }
}
