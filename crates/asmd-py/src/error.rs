//! The one place where engine errors become Python exceptions.
//!
//! Exception classes live in the pure-Python module `asmd.errors` (so they can inherit
//! from both `AsmdError` and the builtin users already catch, e.g. `FileNotFoundError`,
//! `IndexError`); each carries `kind`, `file`, `location` and `problem` attributes.

use pyo3::prelude::*;

/// Convert an engine error into the matching `asmd.errors` exception.
pub fn to_py(py: Python<'_>, e: asmd::Error) -> PyErr {
    let class = match e.kind() {
        asmd::ErrorKind::NotFound => "AsmdFileNotFoundError",
        asmd::ErrorKind::Io => "AsmdIOError",
        asmd::ErrorKind::Format => "AsmdFormatError",
        asmd::ErrorKind::Check => "AsmdCheckError",
        asmd::ErrorKind::Argument => "AsmdArgumentError",
        asmd::ErrorKind::Index => "AsmdIndexError",
        asmd::ErrorKind::Unsupported => "AsmdUnsupportedError",
        asmd::ErrorKind::Network => "AsmdNetworkError",
        asmd::ErrorKind::Archive => "AsmdArchiveError",
        asmd::ErrorKind::Cancelled => "AsmdCancelledError",
        asmd::ErrorKind::Internal => "AsmdInternalError",
        _ => "AsmdError",
    };
    let file = e.file().map(|f| f.to_string_lossy().into_owned());
    let build = || -> PyResult<PyErr> {
        let module = py.import("asmd.errors")?;
        let cls = module.getattr(class)?;
        let exc = cls.call1((
            e.to_string(),
            e.kind().name(),
            file.clone(),
            e.location().map(str::to_string),
            e.message().to_string(),
        ))?;
        Ok(PyErr::from_value(exc))
    };
    match build() {
        Ok(err) => err,
        // the errors module itself is broken: still raise something meaningful
        Err(_) => pyo3::exceptions::PyValueError::new_err(e.to_string()),
    }
}

/// `Result<T, asmd::Error>` -> `PyResult<T>`.
pub trait IntoPyResult<T> {
    /// Map the error with [`to_py`].
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for asmd::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}
