//! The command line and the installer for Python: `run_cli(argv)` runs `asmd` exactly as
//! the binary does (the `asmd` console script, `python -m asmd.install`); `run_cli_json`
//! returns the JSON result of `install`/`status`/`verify`; `asap_import` is the ASAP
//! score import behind `python -m asmd.asap`.

use std::path::PathBuf;

use asmd_py_macros::guard;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{to_py, IntoPyResult};

/// Run the `asmd` command line with `argv` (program name first); returns the exit code.
/// The GIL is released while it runs.
#[guard]
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| asmd_cli::run(argv))
}

/// Run `install`, `status` or `verify` and return `(exit code, JSON text)`.
#[guard]
#[pyfunction]
fn run_cli_json(py: Python<'_>, argv: Vec<String>) -> PyResult<(i32, String)> {
    match py.detach(|| asmd_cli::run_json(argv)) {
        Ok((code, v)) => Ok((code, v.to_string())),
        Err(asmd_cli::JsonError::Engine(e)) => Err(to_py(py, e)),
        Err(asmd_cli::JsonError::Usage(msg)) => Err(to_py(py, asmd::Error::argument(msg))),
    }
}

/// Download ASAP (mirror first: `$ASMD_MIRROR`) and copy each score next to its Maestro
/// performance as `.score.mid`. The install dir is `$ASMD_INSTALL_DIR` (set by the
/// installer for shell lines) or `install_dir`.
#[guard]
#[pyfunction]
#[pyo3(signature = (install_dir, mirror=None))]
fn asap_import<'py>(
    py: Python<'py>,
    install_dir: PathBuf,
    mirror: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut opts = asmd::install::asap::AsapOptions::from_env(install_dir);
    if let Some(m) = mirror {
        opts.mirror = Some(asmd::install::Mirror::parse(&m));
    }
    let report = py
        .detach(|| asmd::install::asap::import(&opts))
        .py_err(py)?;
    let d = PyDict::new(py);
    d.set_item(
        "install_dir",
        opts.install_dir.to_string_lossy().into_owned(),
    )?;
    d.set_item("rows", report.rows)?;
    d.set_item("copied", report.copied)?;
    d.set_item("missing_performances", report.missing_performances)?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli_json, m)?)?;
    m.add_function(wrap_pyfunction!(asap_import, m)?)?;
    Ok(())
}
