//! What installing one dataset means: a definition's `install` section turned into a
//! list of [`Step`]s.
//!
//! Two forms are accepted:
//! - **declarative** (`install.steps`, preferred): portable steps that need no shell,
//!   `wget` or `unzip`:
//!   ```json
//!   "steps": [
//!     {"op": "download", "url": "https://zenodo.org/records/5120004/files/musicnet.tar.gz",
//!      "checksum": {"md5": "844764911fa0d5b97c97da944a057590"}, "size": 11097394998},
//!     {"op": "unpack", "archive": "musicnet.tar.gz"},
//!     {"op": "move", "from": "midi/*.mid", "to": "./"},
//!     {"op": "copy", "from": "&asmd_dir/my_scores/*.mid", "to": "./"},
//!     {"op": "remove", "path": "midi/"},
//!     {"op": "download_links", "page": "https://example.org/index.html", "accept": ["*.mp3", "*.mid"]},
//!     {"op": "asap_scores", "url": "https://github.com/fosfrancesco/asap-dataset/archive/v1.1.zip",
//!      "name": "asap-dataset-1.1.zip", "maestro": "maestro-v3.0.0"}
//!   ]
//!   ```
//!   Paths are relative to the dataset's folder (`<install_dir>/<name>`), `/`-separated,
//!   may use globs (`*`, `?`, `[...]`, `**`), and must stay inside that folder; `copy`
//!   may read from `&asmd_dir/...` (the folder holding `my_scores/`).
//! - **legacy** (ASMD 0.5.1): `url` (downloaded; unpacked when `unpack`, the type taken
//!   from the URL's suffixes, zip by default; `install.checksum` applies to it) followed
//!   by the `post-process` shell lines.
//!
//! When `steps` is present it is the recipe; `url`, `unpack` and `post-process` are then
//! kept only for ASMD 0.5.1.
//!
//! ```
//! let defs = asmd::definition::official().unwrap();
//! let musicnet = defs.iter().find(|d| d.name == "MusicNet").unwrap();
//! let r = asmd::install::recipe::Recipe::of(musicnet).unwrap();
//! assert!(!r.needs_shell());
//! assert_eq!(r.fetches().len(), 1);
//! ```

use serde_json::{Map, Value};

use super::checksum::Checksum;
use super::mega::MegaLink;
use super::unpack::ArchiveFormat;
use crate::definition::Definition;
use crate::error::{Error, Result};

/// The `url` of a download step whose file has no known source: it is only looked up
/// on the mirror (`--mirror`), under its `name` and `alternatives`.
pub const UNKNOWN_URL: &str = "unknown";

/// Something to fetch: a URL, the file name it is stored (and mirrored) under, and what
/// it must look like.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetch {
    /// Official source (http, https or a public mega.nz link), or [`UNKNOWN_URL`].
    pub url: String,
    /// File name in the downloads folder and on mirrors (`None`: from the URL, or from
    /// Mega's attributes).
    pub name: Option<String>,
    /// Other names the same file is known under, also looked up on mirrors (e.g. the
    /// name of a re-upload).
    pub alternatives: Vec<String>,
    /// Expected checksum.
    pub checksum: Option<Checksum>,
    /// Expected size in bytes.
    pub size: Option<u64>,
}

impl Fetch {
    /// A fetch of `url` with nothing else known.
    pub fn url(url: impl Into<String>) -> Fetch {
        Fetch {
            url: url.into(),
            name: None,
            alternatives: Vec::new(),
            checksum: None,
            size: None,
        }
    }

    /// False when no source is known ([`UNKNOWN_URL`]): only a mirror can provide it.
    pub fn has_source(&self) -> bool {
        self.url != UNKNOWN_URL
    }

    /// The file name: explicit, else the last segment of the URL's path (for Mega links,
    /// only known after asking the API).
    pub fn file_name(&self) -> Option<String> {
        if let Some(n) = &self.name {
            return Some(n.clone());
        }
        if MegaLink::is_mega(&self.url) {
            return None;
        }
        url_file_name(&self.url)
    }
}

/// True for a name usable as one file in a folder: not empty, `.` or `..`, without
/// separators or NUL (names from URLs, web pages, Mega's attributes and definitions).
///
/// ```
/// use asmd::install::recipe::is_plain_file_name;
/// assert!(is_plain_file_name("audio.zip"));
/// assert!(!is_plain_file_name("../audio.zip") && !is_plain_file_name("..") && !is_plain_file_name("/etc/x"));
/// ```
pub fn is_plain_file_name(n: &str) -> bool {
    !(n.is_empty() || n == "." || n == ".." || n.contains(['/', '\\', '\0']))
}

/// Last path segment of a URL (query and fragment removed).
pub fn url_file_name(url: &str) -> Option<String> {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let after_scheme = no_query.split_once("://").map_or(no_query, |(_, r)| r);
    let path = after_scheme.split_once('/').map(|(_, p)| p)?;
    let last = path.rsplit('/').next()?;
    if last.is_empty() || last == "." || last == ".." {
        None
    } else {
        Some(last.to_string())
    }
}

/// One installation step.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Fetch a file into the downloads folder; with `to`, also place it in the dataset.
    Download {
        /// What to fetch.
        fetch: Fetch,
        /// Where to put the file inside the dataset (a folder when it ends with `/`).
        to: Option<String>,
    },
    /// Extract a downloaded archive into the dataset (or a sub-folder).
    Unpack {
        /// File name of a download of this recipe (or the fetch itself, legacy form).
        archive: String,
        /// Destination inside the dataset folder.
        to: String,
        /// Archive type (`None`: from the archive's name, zip by default).
        format: Option<ArchiveFormat>,
    },
    /// Move files or folders matching a glob.
    Move {
        /// Glob, relative to the dataset.
        from: String,
        /// Destination (a folder when it ends with `/`, exists as one, or several match).
        to: String,
        /// Nothing matching is fine (e.g. a folder only some editions of an archive have).
        optional: bool,
    },
    /// Copy files matching a glob (may read `&asmd_dir/...`).
    Copy {
        /// Glob, relative to the dataset or starting with `&asmd_dir/`.
        from: String,
        /// Destination.
        to: String,
        /// Nothing matching is fine.
        optional: bool,
    },
    /// Remove files or folders matching a glob (nothing matching is fine).
    Remove {
        /// Glob, relative to the dataset.
        path: String,
    },
    /// Fetch a web page and download the files it links to whose names match `accept`
    /// (what `wget -r -l1 -nd -A...` did for SMD).
    DownloadLinks {
        /// Page URL.
        page: String,
        /// Globs on the linked file names.
        accept: Vec<String>,
        /// Destination folder inside the dataset.
        to: String,
    },
    /// Maestro's score import from ASAP (see [`super::asap`]).
    AsapScores {
        /// The ASAP archive.
        fetch: Fetch,
        /// Maestro's folder inside the dataset (holding the year folders).
        maestro: String,
    },
    /// Legacy shell lines (need consent).
    Shell {
        /// The lines, before substitution.
        lines: Vec<String>,
    },
}

impl Step {
    /// One line describing the step (plans and logs).
    pub fn describe(&self) -> String {
        match self {
            Step::Download { fetch, to } => {
                let what = if fetch.has_source() {
                    fetch.url.clone()
                } else {
                    format!(
                        "{} (no known source: from the mirror only)",
                        fetch.file_name().unwrap_or_default()
                    )
                };
                match to {
                    Some(t) => format!("download {what} to {t}"),
                    None => format!("download {what}"),
                }
            }
            Step::Unpack { archive, to, .. } => format!("unpack {archive} into {to}"),
            Step::Move { from, to, optional } => {
                format!(
                    "move {from} to {to}{}",
                    if *optional { " (if any)" } else { "" }
                )
            }
            Step::Copy { from, to, optional } => {
                format!(
                    "copy {from} to {to}{}",
                    if *optional { " (if any)" } else { "" }
                )
            }
            Step::Remove { path } => format!("remove {path}"),
            Step::DownloadLinks { page, accept, to } => {
                format!(
                    "download the {} files linked from {page} into {to}",
                    accept.join(", ")
                )
            }
            Step::AsapScores { fetch, maestro } => {
                format!("import ASAP scores from {} into {maestro}", fetch.url)
            }
            Step::Shell { lines } => format!("run {} shell line(s)", lines.len()),
        }
    }
}

/// A dataset's install recipe.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// True when it came from the legacy `url`/`post-process` fields.
    pub legacy: bool,
}

impl Recipe {
    /// The recipe of a definition.
    pub fn of(def: &Definition) -> Result<Recipe> {
        let origin = &def.origin;
        if let Some(steps) = def.install.extra.get("steps") {
            let list = steps.as_array().ok_or_else(|| {
                Error::format(origin, "$.install.steps", "expected a list of steps")
            })?;
            let steps = list
                .iter()
                .enumerate()
                .map(|(i, s)| parse_step(s, def, &format!("$.install.steps[{i}]")))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Recipe {
                steps,
                legacy: false,
            });
        }
        let mut steps = Vec::new();
        if let Some(url) = &def.install.url {
            check_url(url, def, "$.install.url")?;
            let checksum = match def.install.extra.get("checksum") {
                Some(c) => Some(Checksum::from_json(c, origin, "$.install.checksum")?),
                None => None,
            };
            let size = match def.install.extra.get("size") {
                Some(v) => Some(v.as_u64().ok_or_else(|| {
                    Error::format(origin, "$.install.size", "expected a byte count")
                })?),
                None => None,
            };
            let fetch = Fetch {
                url: url.clone(),
                name: None,
                alternatives: Vec::new(),
                checksum,
                size,
            };
            if def.install.unpack {
                steps.push(Step::Download {
                    fetch: fetch.clone(),
                    to: None,
                });
                steps.push(Step::Unpack {
                    archive: fetch.file_name().unwrap_or_else(|| fetch.url.clone()),
                    to: ".".into(),
                    format: Some(ArchiveFormat::from_url(url)),
                });
            } else {
                let to = Some(fetch.file_name().unwrap_or_else(|| "download".into()));
                steps.push(Step::Download { fetch, to });
            }
        }
        if !def.install.post_process.is_empty() {
            steps.extend(legacy_lines(def));
        }
        Ok(Recipe {
            steps,
            legacy: true,
        })
    }

    /// True when a step runs shell lines.
    pub fn needs_shell(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Shell { .. }))
    }

    /// The shell lines of the recipe, before substitution.
    pub fn shell_lines(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Shell { lines } => Some(lines.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// Every file fetched by name (downloads and the ASAP archive; not pages' links).
    pub fn fetches(&self) -> Vec<&Fetch> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Download { fetch, .. } | Step::AsapScores { fetch, .. } => Some(fetch),
                _ => None,
            })
            .collect()
    }

    /// A short fingerprint of the recipe (a changed definition restarts a resumed install).
    pub fn fingerprint(&self) -> String {
        let mut h = super::checksum::Hasher::new();
        h.update(format!("{:?}", self.steps).as_bytes());
        h.finish().sha256[..16].to_string()
    }
}

/// True for a line that is exactly `python -m asmd.asap` (or `python3`): ASMD 0.5.1's
/// Maestro post-process, which the built-in ASAP step replaces.
///
/// ```
/// use asmd::install::recipe::is_asap_line;
/// assert!(is_asap_line("python -m asmd.asap") && is_asap_line("  python3  -m asmd.asap "));
/// assert!(!is_asap_line("python -m asmd.asap --x") && !is_asap_line("cd x && python -m asmd.asap"));
/// ```
pub fn is_asap_line(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    matches!(words.as_slice(), ["python" | "python3", "-m", "asmd.asap"])
}

/// True for a line with nothing to run (blank or a comment).
fn is_inert(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// A legacy definition's `post-process` lines as steps: runs of shell lines, split at
/// each `python -m asmd.asap` line, which becomes the built-in [`Step::AsapScores`]
/// (importing into the Maestro folder the definition's ground-truth paths name, inside
/// the dataset). Runs with nothing to execute (only blank lines and comments) are
/// dropped. A definition whose paths name no such folder keeps the line as shell code.
fn legacy_lines(def: &Definition) -> Vec<Step> {
    let maestro = super::asap::maestro_dir_of(def).and_then(|p| {
        let mut c = p.components();
        let first = c.next()?.as_os_str().to_str()?;
        let rest = c.as_path().to_str()?.to_string();
        (first == def.name && !rest.is_empty()).then_some(rest)
    });
    let mut steps = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, steps: &mut Vec<Step>| {
        if run.iter().any(|l| !is_inert(l)) {
            steps.push(Step::Shell {
                lines: std::mem::take(run),
            });
        }
        run.clear();
    };
    for line in &def.install.post_process {
        match &maestro {
            Some(m) if is_asap_line(line) => {
                flush(&mut run, &mut steps);
                steps.push(Step::AsapScores {
                    fetch: super::asap::default_fetch(),
                    maestro: m.clone(),
                });
            }
            _ => run.push(line.clone()),
        }
    }
    flush(&mut run, &mut steps);
    steps
}

fn check_url(url: &str, def: &Definition, loc: &str) -> Result<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        if MegaLink::is_mega(url) {
            MegaLink::parse(url)
                .map_err(|e| Error::format(&def.origin, loc, e.message().to_string()))?;
        }
        return Ok(());
    }
    Err(Error::format(
        &def.origin,
        loc,
        format!("`{url}`: only http and https URLs are supported"),
    ))
}

fn parse_step(v: &Value, def: &Definition, loc: &str) -> Result<Step> {
    let origin = &def.origin;
    let o = v
        .as_object()
        .ok_or_else(|| Error::format(origin, loc, "expected a step object with an `op` key"))?;
    let s = |key: &str| -> Result<Option<String>> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(x)) => Ok(Some(x.clone())),
            Some(_) => Err(Error::format(
                origin,
                format!("{loc}.{key}"),
                "expected a string",
            )),
        }
    };
    let flag = |key: &str| -> Result<bool> {
        match o.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(Error::format(
                origin,
                format!("{loc}.{key}"),
                "expected true or false",
            )),
        }
    };
    let req = |key: &str| -> Result<String> {
        s(key)?.ok_or_else(|| Error::format(origin, loc, format!("missing required key `{key}`")))
    };
    let path = |key: &str, value: String| -> Result<String> {
        check_path(&value, key == "from" && value.starts_with("&asmd_dir/"))
            .map_err(|why| Error::format(origin, format!("{loc}.{key}"), why))?;
        Ok(value)
    };
    let op = req("op")?;
    let allowed: &[&str] = match op.as_str() {
        "download" => &["url", "name", "alternatives", "checksum", "size", "to"],
        "unpack" => &["archive", "to", "format"],
        "move" | "copy" => &["from", "to", "optional"],
        "remove" => &["path"],
        "download_links" => &["page", "accept", "to"],
        "asap_scores" => &["url", "name", "checksum", "size", "maestro"],
        "shell" => &["lines"],
        other => {
            return Err(Error::format(
                origin,
                format!("{loc}.op"),
                format!(
                    "unknown step `{other}` (expected download, unpack, move, copy, remove, download_links, asap_scores or shell)"
                ),
            ))
        }
    };
    for k in o.keys() {
        if k != "op" && k != "comment" && !allowed.contains(&k.as_str()) {
            return Err(Error::format(
                origin,
                format!("{loc}.{k}"),
                format!(
                    "unknown key for a `{op}` step (expected {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let fetch = |o: &Map<String, Value>| -> Result<Fetch> {
        let url = req("url")?;
        if url == UNKNOWN_URL {
            if s("name")?.is_none() {
                return Err(Error::format(
                    origin,
                    loc,
                    "a download without a known source (`url`: \"unknown\") needs the `name` \
                     of the file to look up on the mirror",
                ));
            }
        } else {
            check_url(&url, def, &format!("{loc}.url"))?;
        }
        let checksum = match o.get("checksum") {
            Some(c) => Some(Checksum::from_json(c, origin, &format!("{loc}.checksum"))?),
            None => None,
        };
        let size = match o.get("size") {
            Some(v) => Some(v.as_u64().ok_or_else(|| {
                Error::format(origin, format!("{loc}.size"), "expected a byte count")
            })?),
            None => None,
        };
        let name = s("name")?;
        if let Some(n) = &name {
            if !is_plain_file_name(n) {
                return Err(Error::format(
                    origin,
                    format!("{loc}.name"),
                    "expected a plain file name",
                ));
            }
        }
        let alternatives = match o.get("alternatives") {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| match v.as_str() {
                    Some(n) if is_plain_file_name(n) => Ok(n.to_string()),
                    _ => Err(Error::format(
                        origin,
                        format!("{loc}.alternatives[{i}]"),
                        "expected a plain file name",
                    )),
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => {
                return Err(Error::format(
                    origin,
                    format!("{loc}.alternatives"),
                    "expected a list of file names",
                ))
            }
        };
        Ok(Fetch {
            url,
            name,
            alternatives,
            checksum,
            size,
        })
    };
    Ok(match op.as_str() {
        "download" => Step::Download {
            fetch: fetch(o)?,
            to: s("to")?.map(|t| path("to", t)).transpose()?,
        },
        "unpack" => {
            let format = match s("format")? {
                None => None,
                Some(f) => Some(ArchiveFormat::parse(&f).ok_or_else(|| {
                    Error::format(
                        origin,
                        format!("{loc}.format"),
                        format!("unknown archive format `{f}` (zip, tar, tar.gz, tar.bz2, tar.xz)"),
                    )
                })?),
            };
            Step::Unpack {
                archive: req("archive")?,
                to: path("to", s("to")?.unwrap_or_else(|| ".".into()))?,
                format,
            }
        }
        "move" => Step::Move {
            from: path("from", req("from")?)?,
            to: path("to", req("to")?)?,
            optional: flag("optional")?,
        },
        "copy" => Step::Copy {
            from: path("from", req("from")?)?,
            to: path("to", req("to")?)?,
            optional: flag("optional")?,
        },
        "remove" => Step::Remove {
            path: path("path", req("path")?)?,
        },
        "download_links" => {
            let page = req("page")?;
            check_url(&page, def, &format!("{loc}.page"))?;
            let accept = match o.get("accept") {
                Some(Value::Array(a)) => a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        x.as_str().map(str::to_string).ok_or_else(|| {
                            Error::format(origin, format!("{loc}.accept[{i}]"), "expected a string")
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
                Some(_) => {
                    return Err(Error::format(
                        origin,
                        format!("{loc}.accept"),
                        "expected a list of globs",
                    ))
                }
                None => vec!["*".into()],
            };
            Step::DownloadLinks {
                page,
                accept,
                to: path("to", s("to")?.unwrap_or_else(|| ".".into()))?,
            }
        }
        "asap_scores" => Step::AsapScores {
            fetch: fetch(o)?,
            maestro: path("maestro", s("maestro")?.unwrap_or_else(|| ".".into()))?,
        },
        "shell" => {
            let lines = match o.get("lines") {
                Some(Value::Array(a)) => a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        x.as_str().map(str::to_string).ok_or_else(|| {
                            Error::format(origin, format!("{loc}.lines[{i}]"), "expected a string")
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
                _ => {
                    return Err(Error::format(
                        origin,
                        format!("{loc}.lines"),
                        "expected a list of shell lines",
                    ))
                }
            };
            Step::Shell { lines }
        }
        _ => unreachable!("op names are checked above"),
    })
}

/// A dataset-relative path (or glob) must stay inside the dataset folder.
fn check_path(p: &str, asmd_dir: bool) -> std::result::Result<(), String> {
    let p = if asmd_dir {
        &p["&asmd_dir/".len()..]
    } else {
        p
    };
    if p.starts_with('/') || p.starts_with('\\') || p.contains(':') {
        return Err(format!(
            "`{p}`: paths must be relative to the dataset folder"
        ));
    }
    if p.split(['/', '\\']).any(|c| c == "..") {
        return Err(format!("`{p}`: `..` would leave the dataset folder"));
    }
    if p.starts_with('&') {
        return Err(format!("`{p}`: only `&asmd_dir/` may start a copy source"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def_with(install: Value) -> Result<Definition> {
        let v = serde_json::json!({
            "name": "demo", "ensemble": false, "instruments": ["piano"],
            "ground_truth": {"all": {}}, "install": install, "songs": []
        });
        Definition::from_json_str(&v.to_string(), "defs/demo.json")
    }

    #[test]
    fn legacy_fields_become_steps() {
        let d = def_with(
            serde_json::json!({"url": "https://h/x/a.tar.gz?download=1", "unpack": true,
            "post-process": ["echo hi"], "checksum": {"md5": "900150983cd24fb0d6963f7d28e17f72"}}),
        )
        .unwrap();
        let r = Recipe::of(&d).unwrap();
        assert!(r.legacy && r.needs_shell());
        assert_eq!(r.steps.len(), 3);
        match &r.steps[1] {
            Step::Unpack {
                archive, format, ..
            } => {
                assert_eq!(archive, "a.tar.gz");
                assert_eq!(*format, Some(ArchiveFormat::TarGz));
            }
            s => panic!("{s:?}"),
        }
        assert!(r.fetches()[0].checksum.is_some());
    }

    #[test]
    fn legacy_asap_line_becomes_the_built_in_step() {
        let v = serde_json::json!({
            "name": "Maestro", "ensemble": false, "instruments": ["piano"],
            "ground_truth": {"all": {}},
            "install": {"url": "https://h/maestro.zip", "unpack": true, "post-process": [
                "cd &asmd_dir", "cd ..", "python -m asmd.asap", "# a comment"]},
            "songs": [{"title": "t", "composer": "c", "instruments": ["piano"],
                "recording": {"path": ["Maestro/maestro-v3.0.0/2004/a.wav"]},
                "ground_truth": ["Maestro/maestro-v3.0.0/2004/a.json.gz"], "groups": ["all"]}]
        });
        let d = Definition::from_json_str(&v.to_string(), "defs/Maestro.json").unwrap();
        let r = Recipe::of(&d).unwrap();
        assert_eq!(r.steps.len(), 4, "{:?}", r.steps);
        assert_eq!(
            r.steps[2],
            Step::Shell {
                lines: vec!["cd &asmd_dir".into(), "cd ..".into()]
            }
        );
        match &r.steps[3] {
            Step::AsapScores { maestro, fetch } => {
                assert_eq!(maestro, "maestro-v3.0.0");
                assert_eq!(fetch.url, crate::install::asap::ASAP_URL);
            }
            s => panic!("{s:?}"),
        }
        assert!(!r.shell_lines().iter().any(|l| l.contains("asmd.asap")));
        // without a Maestro folder in its paths the line stays shell code
        let other = def_with(serde_json::json!({"post-process": ["python -m asmd.asap"]})).unwrap();
        assert_eq!(
            Recipe::of(&other).unwrap().shell_lines(),
            ["python -m asmd.asap"]
        );
    }

    #[test]
    fn bad_steps_name_the_place() {
        let d = def_with(serde_json::json!({"steps": [{"op": "unpack", "archive": "a.zip"}, {"op": "move", "from": "../x", "to": "."}]})).unwrap();
        let e = Recipe::of(&d).unwrap_err();
        assert_eq!(e.location(), Some("$.install.steps[1].from"));
        let d = def_with(serde_json::json!({"steps": [{"op": "explode"}]})).unwrap();
        assert!(Recipe::of(&d)
            .unwrap_err()
            .message()
            .contains("unknown step `explode`"));
        let d = def_with(serde_json::json!({"steps": [{"op": "download", "url": "ftp://x/y"}]}))
            .unwrap();
        assert!(Recipe::of(&d)
            .unwrap_err()
            .message()
            .contains("only http and https"));
        let d = def_with(
            serde_json::json!({"steps": [{"op": "remove", "path": "x", "recursive": true}]}),
        )
        .unwrap();
        assert_eq!(
            Recipe::of(&d).unwrap_err().location(),
            Some("$.install.steps[0].recursive")
        );
    }

    #[test]
    fn mirror_only_downloads_and_optional_moves() {
        let d = def_with(serde_json::json!({"steps": [
            {"op": "download", "url": "unknown", "name": "T.zip", "alternatives": ["T 2.zip"]},
            {"op": "unpack", "archive": "T.zip"},
            {"op": "move", "from": "T 2/*", "to": "T/", "optional": true}
        ]}))
        .unwrap();
        let r = Recipe::of(&d).unwrap();
        let f = r.fetches()[0];
        assert!(!f.has_source());
        assert_eq!(f.alternatives, ["T 2.zip"]);
        assert!(r.steps[0].describe().contains("from the mirror only"));
        assert!(matches!(&r.steps[2], Step::Move { optional: true, .. }));
        // the mirror folder holding the alternative provides it, under its own name
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("T 2.zip"), b"x").unwrap();
        let http = super::super::download::Http::new(Default::default());
        let with = super::super::fetch::Fetcher::new(
            http.clone(),
            Some(super::super::Mirror::Dir(dir.path().to_path_buf())),
        );
        assert_eq!(with.resolve(f).unwrap().name, "T 2.zip");
        // without a mirror: a clear error, no network
        let without = super::super::fetch::Fetcher::new(http, None);
        let e = without.resolve(f).unwrap_err();
        assert!(
            e.message()
                .contains("no download source is known for `T.zip` (or `T 2.zip`)"),
            "{e}"
        );
        // `url: unknown` needs a name; alternatives and `optional` are checked
        for (bad, at) in [
            (
                serde_json::json!({"op": "download", "url": "unknown"}),
                "$.install.steps[0]",
            ),
            (
                serde_json::json!({"op": "download", "url": "unknown", "name": "a", "alternatives": ["../b"]}),
                "$.install.steps[0].alternatives[0]",
            ),
            (
                serde_json::json!({"op": "move", "from": "a", "to": "b", "optional": "yes"}),
                "$.install.steps[0].optional",
            ),
        ] {
            let d = def_with(serde_json::json!({ "steps": [bad] })).unwrap();
            assert_eq!(Recipe::of(&d).unwrap_err().location(), Some(at));
        }
    }

    #[test]
    fn file_names_from_urls() {
        assert_eq!(
            url_file_name("https://h/a/b.zip?download=1").as_deref(),
            Some("b.zip")
        );
        assert_eq!(url_file_name("https://h/").as_deref(), None);
        assert_eq!(Fetch::url("https://mega.nz/#!a!b").file_name(), None);
    }
}

#[cfg(test)]
mod official_tests {
    use super::*;

    #[test]
    fn official_definitions_are_declarative_and_shell_free() {
        for d in crate::definition::official().unwrap().iter() {
            let r = Recipe::of(d).unwrap();
            assert!(!r.legacy, "{} still uses the legacy fields", d.name);
            assert!(!r.needs_shell(), "{} needs shell lines", d.name);
            for s in &r.steps {
                if let Step::Unpack { archive, .. } = s {
                    assert!(
                        r.fetches()
                            .iter()
                            .any(|f| f.file_name().as_deref() == Some(archive)),
                        "{}: unpack of `{archive}` has no download",
                        d.name
                    );
                }
            }
        }
    }
}
