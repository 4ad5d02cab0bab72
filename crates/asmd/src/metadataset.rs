//! `datasets.json`, the "metadataset" file: where datasets are installed.
//!
//! ```json
//! {"author": "...", "year": 2020, "url": "...", "install_dir": "/data/asmd", "decompress_path": "./"}
//! ```
//!
//! Where the file is looked up when no path is given ([`Metadataset::default_path`]):
//! 1. `$ASMD_METADATASET` (a path to the file),
//! 2. `$ASMD_HOME/datasets.json`,
//! 3. the user configuration folder: `$XDG_CONFIG_HOME/asmd/datasets.json`, else
//!    `~/.config/asmd/datasets.json` (on Windows `%APPDATA%\asmd\datasets.json`).
//!
//! If none exists, [`Metadataset::load_default`] returns a built-in default whose
//! install directory is `$ASMD_HOME/datasets` or the user data folder
//! (`~/.local/share/asmd/datasets`).
//!
//! A relative `install_dir` or `decompress_path` is resolved against the folder holding
//! the file (the reference resolved it against the current directory, which changes with
//! where a script is started); a leading `~/` is the home folder. One trailing `/` is
//! ignored, as in the reference.
//!
//! ```
//! let m = asmd::Metadataset::from_json_str(
//!     r#"{"author": "me", "year": 2024, "url": "", "install_dir": "/data/asmd/", "decompress_path": "./"}"#,
//!     "/home/me/datasets.json",
//! ).unwrap();
//! assert_eq!(m.install_dir, std::path::PathBuf::from("/data/asmd"));
//! ```

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, IoContext, Result};

/// Environment variable naming the datasets.json file to use.
pub const ENV_METADATASET: &str = "ASMD_METADATASET";
/// Environment variable naming asmd's home folder (datasets.json, default install dir).
pub const ENV_HOME: &str = "ASMD_HOME";

/// The content of a datasets.json file.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadataset {
    /// Author of the collection.
    pub author: String,
    /// Year (kept as JSON).
    pub year: Value,
    /// Home page.
    pub url: String,
    /// Where datasets are installed; every path in a definition is relative to it.
    pub install_dir: PathBuf,
    /// Where archives are unpacked when disk space is tight.
    pub decompress_path: PathBuf,
    /// The file this was read from (`None` for the built-in default).
    pub path: Option<PathBuf>,
    /// Other keys, kept verbatim.
    pub extra: Map<String, Value>,
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn config_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        return env_path("APPDATA").map(|p| p.join("asmd"));
    }
    env_path("XDG_CONFIG_HOME")
        .or_else(|| home_dir().map(|h| h.join(".config")))
        .map(|p| p.join("asmd"))
}

/// The user's asmd data folder: `$XDG_DATA_HOME/asmd` or `~/.local/share/asmd`
/// (`%LOCALAPPDATA%\\asmd` on Windows), where the default install directory and other
/// per-user files live.
pub fn data_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        return env_path("LOCALAPPDATA").map(|p| p.join("asmd"));
    }
    env_path("XDG_DATA_HOME")
        .or_else(|| home_dir().map(|h| h.join(".local").join("share")))
        .map(|p| p.join("asmd"))
}

fn resolve(raw: &str, base: Option<&Path>) -> PathBuf {
    let mut s = raw;
    if s.len() > 1 && s.ends_with('/') {
        s = &s[..s.len() - 1];
    }
    let p = if s == "~" {
        home_dir().unwrap_or_else(|| PathBuf::from(s))
    } else if let Some(rest) = s.strip_prefix("~/") {
        home_dir()
            .map(|h| h.join(rest))
            .unwrap_or_else(|| PathBuf::from(s))
    } else {
        PathBuf::from(s)
    };
    match base {
        Some(b) if p.is_relative() => b.join(p),
        _ => p,
    }
}

impl Metadataset {
    /// Parse datasets.json text; `origin` is the file's path (relative paths inside are
    /// resolved against its folder) and names it in errors.
    pub fn from_json_str(text: &str, origin: impl AsRef<Path>) -> Result<Metadataset> {
        let origin = origin.as_ref();
        let v: Value = serde_json::from_str(text).map_err(|e| {
            Error::format(
                origin,
                format!("line {}, column {}", e.line(), e.column()),
                format!("invalid JSON: {e}"),
            )
        })?;
        let o = v
            .as_object()
            .ok_or_else(|| Error::format(origin, "$", "expected an object with `install_dir`"))?;
        let get_str = |key: &str, required: bool| -> Result<Option<String>> {
            match o.get(key) {
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Null) | None if !required => Ok(None),
                None => Err(Error::format(
                    origin,
                    "$",
                    format!("missing required key `{key}`"),
                )),
                Some(other) => Err(Error::format(
                    origin,
                    format!("$.{key}"),
                    format!("expected a string, found {other}"),
                )),
            }
        };
        let base = origin.parent().filter(|p| !p.as_os_str().is_empty());
        let install_raw = get_str("install_dir", true)?.unwrap_or_default();
        if install_raw.is_empty() {
            return Err(Error::format(origin, "$.install_dir", "must not be empty"));
        }
        let install_dir = resolve(&install_raw, base);
        let decompress_path = resolve(
            &get_str("decompress_path", false)?.unwrap_or_else(|| "./".into()),
            base,
        );
        let known = ["author", "year", "url", "install_dir", "decompress_path"];
        Ok(Metadataset {
            author: get_str("author", false)?.unwrap_or_default(),
            year: o.get("year").cloned().unwrap_or(Value::Null),
            url: get_str("url", false)?.unwrap_or_default(),
            install_dir,
            decompress_path,
            path: Some(origin.to_path_buf()),
            extra: o
                .iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }

    /// Read a datasets.json file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Metadataset> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).with_path(path)?;
        Metadataset::from_json_str(&text, path)
    }

    /// A metadataset for an install directory (no file behind it).
    pub fn with_install_dir(install_dir: impl Into<PathBuf>) -> Metadataset {
        let install_dir = install_dir.into();
        Metadataset {
            author: String::new(),
            year: Value::Null,
            url: String::new(),
            decompress_path: install_dir.clone(),
            install_dir,
            path: None,
            extra: Map::new(),
        }
    }

    /// Where datasets.json is expected when no path is given (it may not exist).
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = env_path(ENV_METADATASET) {
            return Some(p);
        }
        if let Some(h) = env_path(ENV_HOME) {
            return Some(h.join("datasets.json"));
        }
        config_dir().map(|c| c.join("datasets.json"))
    }

    /// The install directory used when no datasets.json exists.
    pub fn default_install_dir() -> PathBuf {
        if let Some(h) = env_path(ENV_HOME) {
            return h.join("datasets");
        }
        data_dir()
            .map(|d| d.join("datasets"))
            .unwrap_or_else(|| PathBuf::from("asmd_datasets"))
    }

    /// Load `path` if given; otherwise the file at [`Metadataset::default_path`] if it
    /// exists; otherwise the built-in default. `$ASMD_METADATASET` must name an
    /// existing file.
    pub fn load(path: Option<&Path>) -> Result<Metadataset> {
        if let Some(p) = path {
            return Metadataset::from_path(p);
        }
        if let Some(p) = env_path(ENV_METADATASET) {
            return Metadataset::from_path(&p)
                .map_err(|e| e.at(format!("(from ${ENV_METADATASET})")));
        }
        Metadataset::load_default()
    }

    /// The file at the default location if it exists, else the built-in default.
    pub fn load_default() -> Result<Metadataset> {
        match Metadataset::default_path() {
            Some(p) if p.is_file() => Metadataset::from_path(p),
            _ => {
                let mut m = Metadataset::with_install_dir(Metadataset::default_install_dir());
                m.author = "Federico Simonetta".into();
                m.year = Value::from(2020);
                m.url = "https://federicosimonetta.eu.org".into();
                Ok(m)
            }
        }
    }

    /// The JSON text of this metadataset (paths written as given).
    pub fn to_json_string(&self) -> String {
        let mut m = Map::new();
        m.insert("author".into(), Value::from(self.author.clone()));
        m.insert("year".into(), self.year.clone());
        m.insert("url".into(), Value::from(self.url.clone()));
        m.insert(
            "install_dir".into(),
            Value::from(self.install_dir.to_string_lossy().into_owned()),
        );
        m.insert(
            "decompress_path".into(),
            Value::from(self.decompress_path.to_string_lossy().into_owned()),
        );
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn relative_paths_resolve_against_the_file() {
        let m = Metadataset::from_json_str(
            r#"{"install_dir": "data/", "decompress_path": "./"}"#,
            "/proj/datasets.json",
        )
        .unwrap();
        assert_eq!(m.install_dir, PathBuf::from("/proj/data"));
        assert_eq!(m.decompress_path, PathBuf::from("/proj/."));
    }

    #[test]
    fn errors_name_the_key() {
        let e = Metadataset::from_json_str(r#"{"author": 1, "install_dir": "x"}"#, "d.json")
            .unwrap_err();
        assert_eq!(e.location(), Some("$.author"));
        let e = Metadataset::from_json_str(r#"{"author": "a"}"#, "d.json").unwrap_err();
        assert!(e.message().contains("install_dir"));
        assert_eq!(e.kind(), ErrorKind::Format);
        let e = Metadataset::from_json_str("[", "d.json").unwrap_err();
        assert!(e.message().contains("invalid JSON"));
    }

    #[test]
    fn reference_file_parses() {
        let m = Metadataset::from_json_str(
            include_str!("../../../assets/datasets.json"),
            "/x/datasets.json",
        )
        .unwrap();
        assert_eq!(
            m.install_dir,
            PathBuf::from("/datasets/AudioScoreDatasets-v0.4")
        );
        assert_eq!(m.author, "Federico Simonetta");
    }
}
