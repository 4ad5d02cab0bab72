//! One error type for the whole engine.
//!
//! Every error says *what kind* of failure happened ([`ErrorKind`]), and, when the
//! failure is about some input, *which file* and *where inside it* (a JSON path, a
//! line number, a byte offset, a note index...). The CLI prints errors with
//! [`std::fmt::Display`]; the Python bindings turn the same fields into exception
//! attributes.
//!
//! ```
//! use asmd::{Error, ErrorKind};
//! let e = Error::format("defs/Bach10.json", "$.songs[3].groups", "expected a list of strings");
//! assert_eq!(e.kind(), ErrorKind::Format);
//! assert_eq!(e.to_string(), "defs/Bach10.json: $.songs[3].groups: expected a list of strings");
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The family an [`Error`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed (permissions, disk full, ...).
    Io,
    /// A file that should exist does not.
    NotFound,
    /// A file exists but its content is malformed (bad JSON, bad MIDI, bad CSV...).
    Format,
    /// A ground-truth object breaks one of the validation rules.
    Check,
    /// An argument given by the caller is not acceptable.
    Argument,
    /// An index (item, chunk...) is out of range.
    Index,
    /// The input uses a feature that is valid but not supported.
    Unsupported,
    /// A network transfer failed.
    Network,
    /// An archive is malformed or tries to write outside its target.
    Archive,
    /// The user declined, or the operation was interrupted.
    Cancelled,
    /// A user-supplied callback (e.g. a converter) failed.
    Callback,
    /// A bug in asmd: a panic caught at a boundary (see [`Error::from_panic`]).
    Internal,
}

impl ErrorKind {
    /// A short lower-case name, stable across versions (used by `--json` output and Python).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Format => "format",
            ErrorKind::Check => "check",
            ErrorKind::Argument => "argument",
            ErrorKind::Index => "index",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Network => "network",
            ErrorKind::Archive => "archive",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Callback => "callback",
            ErrorKind::Internal => "internal",
        }
    }
}

/// The engine's error: a kind, an optional file, an optional place inside the file and a
/// human-readable problem description.
pub struct Error {
    kind: ErrorKind,
    file: Option<PathBuf>,
    location: Option<String>,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a message and no file.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            file: None,
            location: None,
            message: message.into(),
            source: None,
        }
    }

    /// Malformed content in `file` at `location`.
    pub fn format(
        file: impl AsRef<Path>,
        location: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        Error::new(ErrorKind::Format, problem)
            .with_file(file)
            .at(location)
    }

    /// An I/O failure on `file`; a missing file becomes [`ErrorKind::NotFound`].
    pub fn io(file: impl AsRef<Path>, err: std::io::Error) -> Self {
        let kind = if err.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Io
        };
        let message = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            _ => err.to_string(),
        };
        Error {
            kind,
            file: Some(file.as_ref().to_path_buf()),
            location: None,
            message,
            source: Some(Box::new(err)),
        }
    }

    /// A bad argument from the caller.
    pub fn argument(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Argument, message)
    }

    /// An [`ErrorKind::Internal`] error from a caught panic's payload: the panic's
    /// message and a request to report it. The fronts (CLI, Python) turn every panic
    /// that reaches them into this, so that no panic ends a program or crosses into
    /// Python.
    ///
    /// ```
    /// let payload = std::panic::catch_unwind(|| panic!("index 3 out of range")).unwrap_err();
    /// let e = asmd::Error::from_panic(payload.as_ref());
    /// assert_eq!(e.kind(), asmd::ErrorKind::Internal);
    /// assert!(e.to_string().contains("index 3 out of range"));
    /// ```
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let what = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic without a message".to_string()
        };
        Error::new(
            ErrorKind::Internal,
            format!(
                "internal error: {what} (this is a bug in asmd {}: please report it at {}/issues \
                 with the command or call that caused it)",
                env!("CARGO_PKG_VERSION"),
                env!("CARGO_PKG_REPOSITORY")
            ),
        )
    }

    /// Attach (or replace) the file this error is about.
    pub fn with_file(mut self, file: impl AsRef<Path>) -> Self {
        self.file = Some(file.as_ref().to_path_buf());
        self
    }

    /// Attach (or replace) the place inside the file.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        let loc = location.into();
        self.location = if loc.is_empty() { None } else { Some(loc) };
        self
    }

    /// Prefix the location with an outer context, e.g. `songs[3]` + `groups` -> `songs[3].groups`.
    pub fn within(mut self, outer: impl AsRef<str>) -> Self {
        let outer = outer.as_ref();
        self.location = Some(match self.location.take() {
            Some(inner) if inner.starts_with('[') => format!("{outer}{inner}"),
            Some(inner) => format!("{outer}.{inner}"),
            None => outer.to_string(),
        });
        self
    }

    /// Attach an underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The family of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The file the error is about, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The place inside the file (JSON path, line, index...), if any.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The problem, without file and location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}: {})", self.kind, self)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Extension to turn `std::io::Result` into our [`Result`] naming the file.
pub trait IoContext<T> {
    /// Map an I/O error to [`Error::io`] on `file`.
    fn with_path(self, file: impl AsRef<Path>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn with_path(self, file: impl AsRef<Path>) -> Result<T> {
        self.map_err(|e| Error::io(file, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_includes_file_location_and_problem() {
        let e = Error::format("a.json", "$.songs[0]", "missing key `title`");
        assert_eq!(e.to_string(), "a.json: $.songs[0]: missing key `title`");
        let e = Error::argument("bad").within("filter");
        assert_eq!(e.to_string(), "filter: bad");
    }

    #[test]
    fn missing_file_is_not_found() {
        let err = std::fs::read("/definitely/not/here").with_path("/definitely/not/here");
        let err = err.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("/definitely/not/here"));
    }

    #[test]
    fn within_nests_locations() {
        let e = Error::format("f", "[2]", "x").within("songs");
        assert_eq!(e.location(), Some("songs[2]"));
        let e = Error::format("f", "title", "x").within("songs[2]");
        assert_eq!(e.location(), Some("songs[2].title"));
    }
}
