//! Python bindings of the asmd engine: the `asmd._asmd` extension module.
//!
//! Bindings only: thin wrappers, numpy conversion and error mapping (one file per engine
//! module). The user-facing API (`asmd.asmd.Dataset`, `asmd.dataset_utils`, `asmd.utils`,
//! ...) is pure Python in `python/asmd/` and calls into this module.

mod args;
mod audio;
mod cli;
mod convert;
mod convert_py;
mod dataset;
mod error;
mod export;
mod ground_truth;
mod misalign;
mod panic_net;
mod utils;

use asmd_py_macros::guard;
use pyo3::prelude::*;

/// Run everything sequentially in this process (called in forked children, where rayon's
/// thread pool of the parent does not exist).
#[guard]
#[pyfunction]
fn _after_fork_in_child() {
    asmd::parallel::disable();
}

/// Panic on purpose with the GIL released, as engine calls run, on this thread or on a
/// worker thread (tests of the panic net; not for users).
#[guard]
#[pyfunction]
#[pyo3(signature = (in_worker=false))]
fn _panic_for_tests(py: Python<'_>, in_worker: bool) {
    py.detach(|| asmd::parallel::panic_for_tests(in_worker))
}

/// Let glibc recycle the MB-sized buffers of array views instead of mapping and
/// unmapping them on every call.
///
/// glibc serves allocations above its mmap threshold (128 kB at start) with fresh
/// mappings, and every 4 kB page of a fresh mapping costs a page fault when first
/// written: for the lists of `get_gts` or a score matrix, more than the work itself
/// (measured: `get_gts` of a 20,000-note file 1.6 ms with 350 faults per call, 0.9 ms
/// without). The threshold rises by itself to the size of the largest mapped block
/// freed (up to 32 MiB); this frees one 31 MiB block at import, so that it starts
/// there. Nothing is touched or kept; other allocators are unaffected.
fn prime_allocator() {
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        let block: Vec<u8> = Vec::with_capacity(31 << 20);
        drop(std::hint::black_box(block));
    }
}

#[pymodule]
fn _asmd(m: &Bound<'_, PyModule>) -> PyResult<()> {
    prime_allocator();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("OFFICIAL_DEFINITIONS", asmd::definition::OFFICIAL_DIR)?;
    m.add("INSTALL_MARKER", asmd::install::state::MARKER)?;
    m.add("GROUND_TRUTH_URL", asmd::install::GROUND_TRUTH_URL)?;
    m.add(
        "USER_DATA_DIR",
        asmd::metadataset::data_dir().map(|p| p.to_string_lossy().into_owned()),
    )?;
    m.add_class::<dataset::PyDataset>()?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
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
