//! Python bindings of the asmd engine: the `asmd._asmd` extension module.
//!
//! Bindings only: thin wrappers, numpy conversion and error mapping (one file per engine
//! module). The user-facing API (`asmd.asmd.Dataset`, `asmd.dataset_utils`, `asmd.utils`,
//! ...) is pure Python in `python/asmd/` and calls into this module.

mod audio;
mod cli;
mod convert;
mod convert_py;
mod dataset;
mod error;
mod export;
mod ground_truth;
mod misalign;
mod utils;

use pyo3::prelude::*;

/// Run everything sequentially in this process (called in forked children, where rayon's
/// thread pool of the parent does not exist).
#[pyfunction]
fn _after_fork_in_child() {
    asmd::parallel::disable();
}

#[pymodule]
fn _asmd(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<dataset::PyDataset>()?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    ground_truth::register(m)?;
    cli::register(m)?;
    audio::register(m)?;
    convert::register(m)?;
    utils::register(m)?;
    misalign::register(m)?;
    export::register(m)?;
    export::register_plot(m)?;
    Ok(())
}
