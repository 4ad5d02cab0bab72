//! How integer arguments cross from Python into the engine: one conversion for all.
//!
//! pyo3 turns a Python `int` that does not fit a Rust `usize`/`u32`/`u64` into an
//! `OverflowError` ("can't convert negative int to unsigned"), which names neither the
//! argument nor the accepted range. Entry points therefore take these newtypes, which
//! read any Python integer (anything with `__index__`, numpy integers included) and
//! raise, for a value out of range, the `asmd.errors` exception users expect: an
//! `AsmdIndexError` (an `IndexError`) for item and source indices, an
//! `AsmdArgumentError` (a `ValueError`) for the rest, with the kind of value, the value
//! and the range in the message; ranges come from `asmd::limits`. A value that is not an
//! integer is a `TypeError` saying what was expected. (pyo3 adds a note naming the
//! argument, shown in tracebacks on Python 3.11 and later.)

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;

use asmd::{Error, ErrorKind};

/// The integer value of `ob`: `Some` when it fits an `i128`, `None` when it is even
/// larger (in either direction); a `TypeError` naming `what` when `ob` is no integer.
fn integer(ob: Borrowed<'_, '_, PyAny>, what: &str) -> PyResult<Option<i128>> {
    let py = ob.py();
    let not_int = |e: PyErr| {
        if e.is_instance_of::<PyTypeError>(py) {
            let ty = ob
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into());
            PyTypeError::new_err(format!("{what} must be an integer, got {ty}"))
        } else {
            e
        }
    };
    match ob.extract::<i64>() {
        Ok(v) => Ok(Some(v as i128)),
        Err(e) if e.is_instance_of::<PyOverflowError>(py) => match ob.extract::<i128>() {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_instance_of::<PyOverflowError>(py) => Ok(None),
            Err(e) => Err(not_int(e)),
        },
        Err(e) => Err(not_int(e)),
    }
}

/// `ob` as an integer in `lo..=hi`, else an engine error of `kind` naming `what`.
fn in_range(
    ob: Borrowed<'_, '_, PyAny>,
    what: &str,
    lo: i128,
    hi: i128,
    kind: ErrorKind,
) -> PyResult<i128> {
    let py = ob.py();
    match integer(ob, what)? {
        Some(v) if (lo..=hi).contains(&v) => Ok(v),
        value => {
            let shown = match value {
                Some(v) => v.to_string(),
                None => ob.str().map(|s| s.to_string()).unwrap_or_default(),
            };
            let problem = if value.is_some_and(|v| v < 0) && lo == 0 {
                format!("{what} must not be negative, got {shown}")
            } else if kind == ErrorKind::Index {
                format!("{what} {shown} is out of range")
            } else {
                format!("{what} must be from {lo} to {hi}, got {shown}")
            };
            Err(crate::error::to_py(py, Error::new(kind, problem)))
        }
    }
}

macro_rules! int_argument {
    ($(#[$doc:meta])* $name:ident($t:ty), $what:literal, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub $t);

        impl<'a, 'py> FromPyObject<'a, 'py> for $name {
            type Error = PyErr;

            fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                in_range(ob, $what, <$t>::MIN as i128, <$t>::MAX as i128, $kind)
                    .map(|v| $name(v as $t))
            }
        }
    };
}

int_argument!(
    /// An index into the dataset's items (`idx`): an `IndexError` when negative or huge.
    ItemIndex(usize),
    "item index",
    ErrorKind::Index
);
int_argument!(
    /// An index into a song's sources (`get_audio(sources=[...])`).
    SourceIndex(usize),
    "source index",
    ErrorKind::Index
);
int_argument!(
    /// A random seed: `0..2^64`.
    Seed(u64),
    "seed",
    ErrorKind::Argument
);
int_argument!(
    /// A size in bytes (cache budgets, shard sizes).
    Bytes(u64),
    "size in bytes",
    ErrorKind::Argument
);
int_argument!(
    /// A whole number (e.g. `part=(k, n)` of a conversion).
    Count(usize),
    "count",
    ErrorKind::Argument
);
int_argument!(
    /// A size in pixels (plots; the engine checks the plot's own range).
    Pixels(u32),
    "size in pixels",
    ErrorKind::Argument
);

/// A number of worker threads: 0 (all cores / run in place) to
/// `asmd::limits::MAX_THREADS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jobs(pub usize);

impl<'a, 'py> FromPyObject<'a, 'py> for Jobs {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        in_range(
            ob,
            "number of jobs",
            0,
            asmd::limits::MAX_THREADS as i128,
            ErrorKind::Argument,
        )
        .map(|v| Jobs(v as usize))
    }
}

/// A sample rate in Hz: `1..=asmd::limits::MAX_SAMPLE_RATE` (`asmd::limits::sample_rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleRate(pub u32);

impl<'a, 'py> FromPyObject<'a, 'py> for SampleRate {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        in_range(
            ob,
            "the sample rate (Hz)",
            1,
            asmd::limits::MAX_SAMPLE_RATE as i128,
            ErrorKind::Argument,
        )
        .map(|v| SampleRate(v as u32))
    }
}
