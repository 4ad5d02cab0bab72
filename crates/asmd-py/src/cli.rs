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

/// Fetch one file (http, https or a public mega.nz link; from `mirror`, else
/// `$ASMD_MIRROR`, first when it holds the file) into the folder `dest_dir`, resuming a
/// partial download; returns the file's path. A mirror folder's file is copied.
#[guard]
#[pyfunction]
#[pyo3(signature = (url, dest_dir, name=None, mirror=None))]
fn fetch_url(
    py: Python<'_>,
    url: String,
    dest_dir: PathBuf,
    name: Option<String>,
    mirror: Option<String>,
) -> PyResult<PathBuf> {
    use asmd::install::fetch::{Fetcher, Origin};
    let run = || -> asmd::Result<PathBuf> {
        let mirror = mirror
            .map(|m| asmd::install::Mirror::parse(&m))
            .or_else(asmd::install::Mirror::from_env);
        let fetcher = Fetcher::new(
            asmd::install::download::Http::new(asmd::install::NetOptions::default()),
            mirror,
        );
        let mut fetch = asmd::install::recipe::Fetch::url(url);
        fetch.name = name;
        let r = fetcher.resolve(&fetch)?;
        let got = fetcher.fetch(&fetch, &r, &dest_dir, &mut |_, _| {})?;
        if let Origin::MirrorDir(src) = &r.origin {
            let dest = dest_dir.join(&r.name);
            std::fs::create_dir_all(&dest_dir)
                .and_then(|_| std::fs::copy(src, &dest))
                .map_err(|e| asmd::Error::io(&dest, e))?;
            return Ok(dest);
        }
        Ok(got.path)
    };
    py.detach(run).py_err(py)
}

/// Unpack an archive into `dest` safely (nothing outside `dest`); the type from
/// `format` (`zip`, `tar`, `tar.gz`, `tar.bz2`, `tar.xz`) or the archive's name (zip by
/// default). Returns the relative paths written.
#[guard]
#[pyfunction]
#[pyo3(signature = (archive, dest, format=None))]
fn unpack_archive(
    py: Python<'_>,
    archive: PathBuf,
    dest: PathBuf,
    format: Option<String>,
) -> PyResult<Vec<String>> {
    use asmd::install::unpack::{unpack, ArchiveFormat};
    let fmt = match format {
        Some(f) => ArchiveFormat::parse(&f).ok_or_else(|| {
            to_py(
                py,
                asmd::Error::argument(format!(
                    "unknown archive format `{f}` (zip, tar, tar.gz, tar.bz2, tar.xz)"
                )),
            )
        })?,
        None => archive
            .file_name()
            .and_then(|n| ArchiveFormat::from_name(&n.to_string_lossy()))
            .unwrap_or(ArchiveFormat::Zip),
    };
    let out = py
        .detach(|| unpack(&archive, fmt, &dest, &mut |_, _, _| {}))
        .py_err(py)?;
    Ok(out.files.into_iter().map(|w| w.path).collect())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fetch_url, m)?)?;
    m.add_function(wrap_pyfunction!(unpack_archive, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli_json, m)?)?;
    m.add_function(wrap_pyfunction!(asap_import, m)?)?;
    Ok(())
}
