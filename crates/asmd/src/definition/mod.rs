//! Dataset definitions: the JSON files describing one dataset each (SPEC §2).
//!
//! A definition is validated while it is read: every problem is reported with the file,
//! the JSON path (`$.songs[12].ground_truth`) and what is wrong, instead of the
//! reference's silent "Error opening". The string `"unknown"` is accepted wherever a
//! value may be unknown. Keys this schema does not define are kept ([`Definition::extra`],
//! [`Song::extra`]) so that tools built on top (and [`Definition::to_json`]) see them.
//!
//! **Derived definitions.** Users write new definitions from `Dataset.get_songs()`
//! (e.g. songs relabelled with new groups) with only `name` and `songs` at the dataset
//! level, as ASMD 0.5.1 accepts. So every dataset-level key but `name` and `songs` is
//! optional: an absent key means *unknown* (`ensemble` unknown, no instruments, formats
//! `unknown`, no availability table, no install recipe). Songs may carry the keys
//! `get_songs()` adds: `included` (a boolean, dropped: every song starts included) and
//! `dataset` (a string, kept: the dataset the song comes from, whose ensemble flag and
//! availability table a definition without them inherits, see
//! [`crate::dataset::Collection::table_of`]). A key that is present with a wrong
//! type or value is still an error with its JSON path.
//!
//! The official collection (8 datasets, 1,792 songs) is embedded in the binary:
//! [`official`]; [`OFFICIAL_DIR`] names it among directories ([`load_dirs`]).
//!
//! ```
//! let defs = asmd::definition::official().unwrap();
//! let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
//! assert_eq!(names, ["Bach10", "Maestro", "MusicNet", "PHENICX", "SMD", "TRIOS_dataset",
//!                    "traditional_flute", "vienna_corpus"]);
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, IoContext, Result};

mod songs;

/// Annotation types a definition may declare in `ground_truth`.
pub const GT_TYPES: [&str; 9] = [
    "misaligned",
    "score",
    "broad_alignment",
    "precise_alignment",
    "velocities",
    "f0",
    "sustain",
    "soft",
    "sostenuto",
];

/// The `install` section of a definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Install {
    /// Download URL (`None` when `"unknown"`).
    pub url: Option<String>,
    /// Whether the download is an archive to unpack.
    pub unpack: bool,
    /// Whether the source needs a login.
    pub login: bool,
    /// Legacy shell lines run after download (`&install_dir`, `&asmd_dir` substituted).
    pub post_process: Vec<String>,
    /// Converters to build ground truth: `(name, keyword arguments)`.
    pub conversion: Vec<(String, Map<String, Value>)>,
    /// Other keys (e.g. `checksum`, `steps`), kept verbatim.
    pub extra: Map<String, Value>,
}

/// One song of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Song {
    /// Title.
    pub title: String,
    /// Composer (free text; may be `"unknown"`).
    pub composer: String,
    /// Instruments, one per track.
    pub instruments: Vec<String>,
    /// Mixed recording(s), relative to the install directory.
    pub recording: Vec<String>,
    /// Per-instrument source recordings, when the dataset has them.
    pub sources: Option<Vec<String>>,
    /// Ground-truth files, one per instrument (or one for all).
    pub ground_truth: Vec<String>,
    /// Groups (splits) the song belongs to.
    pub groups: Vec<String>,
    /// Keys not defined by the schema.
    pub extra: Map<String, Value>,
}

/// One dataset definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// Dataset name; also its folder inside the install directory.
    pub name: String,
    /// True if pieces have several instruments (`None` when `"unknown"`).
    pub ensemble: Option<bool>,
    /// Groups used by the songs.
    pub groups: Vec<String>,
    /// Instruments appearing in the dataset.
    pub instruments: Vec<String>,
    /// Format of per-instrument recordings (`"unknown"` when none).
    pub sources_format: String,
    /// Format of mixed recordings.
    pub recording_format: String,
    /// Availability level (0-2) of each annotation type, per group.
    pub ground_truth: IndexMap<String, IndexMap<String, u8>>,
    /// How to install the dataset.
    pub install: Install,
    /// The songs.
    pub songs: Vec<Song>,
    /// Keys not defined by the schema.
    pub extra: Map<String, Value>,
    /// Where the definition was read from (`<embedded>/Name.json` for the official ones).
    pub origin: PathBuf,
}

impl Definition {
    /// Parse and validate a definition from JSON text; `origin` names it in errors.
    pub fn from_json_str(text: &str, origin: impl AsRef<Path>) -> Result<Definition> {
        let origin = origin.as_ref();
        // the fast way (songs read straight into their fields); whatever it does not
        // take, the validating parser reads and names the problem of
        if let Some(d) = songs::read(text, origin) {
            return Ok(d);
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::format(
                origin,
                format!("line {}, column {}", e.line(), e.column()),
                format!("invalid JSON: {}", strip_position(&e.to_string())),
            )
        })?;
        parse_definition(value, origin)
    }

    /// Read and validate a definition file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Definition> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).with_path(path)?;
        Definition::from_json_str(&text, path)
    }

    /// Availability level of an annotation type in a group (0 when not declared).
    pub fn gt_level(&self, group: &str, gt_type: &str) -> u8 {
        self.ground_truth
            .get(group)
            .and_then(|g| g.get(gt_type))
            .copied()
            .unwrap_or(0)
    }

    /// The definition as JSON, in the schema's layout (unknown keys included).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::from(self.name.clone()));
        m.insert(
            "ensemble".into(),
            self.ensemble
                .map(Value::from)
                .unwrap_or_else(|| "unknown".into()),
        );
        m.insert("groups".into(), strings(&self.groups));
        m.insert("instruments".into(), strings(&self.instruments));
        m.insert(
            "sources".into(),
            serde_json::json!({ "format": self.sources_format }),
        );
        m.insert(
            "recording".into(),
            serde_json::json!({ "format": self.recording_format }),
        );
        let gt: Map<String, Value> = self
            .ground_truth
            .iter()
            .map(|(g, types)| {
                let t: Map<String, Value> = types
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from(*v)))
                    .collect();
                (g.clone(), Value::Object(t))
            })
            .collect();
        m.insert("ground_truth".into(), Value::Object(gt));
        let mut inst = Map::new();
        inst.insert(
            "url".into(),
            Value::from(self.install.url.clone().unwrap_or_else(|| "unknown".into())),
        );
        inst.insert("unpack".into(), Value::from(self.install.unpack));
        inst.insert("login".into(), Value::from(self.install.login));
        inst.insert(
            "post-process".into(),
            if self.install.post_process.is_empty() {
                Value::from("unknown")
            } else {
                strings(&self.install.post_process)
            },
        );
        inst.insert(
            "conversion".into(),
            Value::Array(
                self.install
                    .conversion
                    .iter()
                    .map(|(n, kw)| {
                        Value::Array(vec![Value::from(n.clone()), Value::Object(kw.clone())])
                    })
                    .collect(),
            ),
        );
        for (k, v) in &self.install.extra {
            inst.insert(k.clone(), v.clone());
        }
        m.insert("install".into(), Value::Object(inst));
        m.insert(
            "songs".into(),
            Value::Array(self.songs.iter().map(Song::to_json).collect()),
        );
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

impl Song {
    /// The dataset the song was taken from (its `dataset` key, written by
    /// `Dataset.get_songs()`), if it names one.
    pub fn origin_dataset(&self) -> Option<&str> {
        self.extra.get("dataset").and_then(Value::as_str)
    }

    /// The song as JSON, in the schema's layout (unknown keys included).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("title".into(), Value::from(self.title.clone()));
        m.insert("composer".into(), Value::from(self.composer.clone()));
        m.insert("instruments".into(), strings(&self.instruments));
        m.insert(
            "recording".into(),
            serde_json::json!({ "path": strings(&self.recording) }),
        );
        if let Some(s) = &self.sources {
            m.insert("sources".into(), serde_json::json!({ "path": strings(s) }));
        }
        m.insert("ground_truth".into(), strings(&self.ground_truth));
        m.insert("groups".into(), strings(&self.groups));
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

fn strings(v: &[String]) -> Value {
    Value::Array(v.iter().map(|s| Value::from(s.clone())).collect())
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

// ---------------------------------------------------------------------------------
// Validating parser over a JSON value: every accessor knows its JSON path.
//
// The value is consumed (its strings move into the definition, nothing is copied), and
// the JSON path of each place is a closure, formatted only when there is an error: the
// official collection's 1,792 songs parse without building a single path.

/// A JSON path, made on demand.
type Loc<'a> = &'a dyn Fn() -> String;

struct Ctx<'a> {
    origin: &'a Path,
}

impl Ctx<'_> {
    fn err(&self, path: Loc, problem: impl Into<String>) -> Error {
        Error::format(self.origin, path(), problem)
    }

    fn object(&self, v: Value, path: Loc) -> Result<Map<String, Value>> {
        match v {
            Value::Object(o) => Ok(o),
            other => Err(self.err(path, format!("expected an object, found {}", kind(&other)))),
        }
    }

    /// Take a required key out of `obj` (at `path`); the keys left are the extra ones,
    /// in their order.
    fn take(&self, obj: &mut Map<String, Value>, key: &str, path: Loc) -> Result<Value> {
        obj.shift_remove(key)
            .ok_or_else(|| self.err(path, format!("missing required key `{key}`")))
    }

    fn string(&self, v: Value, path: Loc) -> Result<String> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(self.err(path, format!("expected a string, found {}", kind(&other)))),
        }
    }

    fn boolean(&self, v: &Value, path: Loc) -> Result<bool> {
        v.as_bool()
            .ok_or_else(|| self.err(path, format!("expected true or false, found {}", kind(v))))
    }

    /// A list of strings; `"unknown"` means an empty list.
    fn strings(&self, v: Value, path: Loc) -> Result<Vec<String>> {
        match v {
            Value::String(s) if s == "unknown" => Ok(Vec::new()),
            Value::Array(a) => a
                .into_iter()
                .enumerate()
                .map(|(i, x)| self.string(x, &|| format!("{}[{i}]", path())))
                .collect(),
            other => Err(self.err(
                path,
                format!("expected a list of strings, found {}", kind(&other)),
            )),
        }
    }

    /// `{"path": [...]}` (or `"unknown"` -> None).
    fn path_list(&self, v: Value, path: Loc) -> Result<Option<Vec<String>>> {
        if v.as_str() == Some("unknown") {
            return Ok(None);
        }
        let mut o = self.object(v, path)?;
        let p = self.take(&mut o, "path", path)?;
        self.strings(p, &|| format!("{}.path", path())).map(Some)
    }

    fn format_of(&self, obj: &mut Map<String, Value>, key: &str) -> Result<String> {
        match obj.shift_remove(key) {
            None => Ok("unknown".into()),
            Some(Value::String(s)) => Ok(s),
            Some(v) => {
                let path = || format!("$.{key}");
                let mut o = self.object(v, &path)?;
                match o.shift_remove("format") {
                    None => Ok("unknown".into()),
                    Some(f) => self.string(f, &|| format!("{}.format", path())),
                }
            }
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A fixed JSON path.
fn at(path: &'static str) -> impl Fn() -> String {
    move || path.to_string()
}

fn parse_definition(v: Value, origin: &Path) -> Result<Definition> {
    let c = Ctx { origin };
    let root = at("$");
    let mut o = c.object(v, &root)?;
    let name = c.string(c.take(&mut o, "name", &root)?, &at("$.name"))?;
    if name.is_empty() || name.contains('/') || name.contains('\\') || name == ".." || name == "." {
        return Err(c.err(
            &at("$.name"),
            format!("`{name}` is not usable as a folder name"),
        ));
    }
    let ensemble = match o.shift_remove("ensemble") {
        None => None,
        Some(Value::String(s)) if s == "unknown" => None,
        Some(other) => Some(c.boolean(&other, &at("$.ensemble"))?),
    };
    let groups = match o.shift_remove("groups") {
        Some(g) => c.strings(g, &at("$.groups"))?,
        None => vec!["all".to_string()],
    };
    let instruments = match o.shift_remove("instruments") {
        None => Vec::new(),
        Some(i) => c.strings(i, &at("$.instruments"))?,
    };
    let sources_format = c.format_of(&mut o, "sources")?;
    let recording_format = c.format_of(&mut o, "recording")?;
    let ground_truth = match o.shift_remove("ground_truth") {
        None => IndexMap::new(),
        Some(Value::String(s)) if s == "unknown" => IndexMap::new(),
        Some(gt) => parse_gt_levels(&c, gt)?,
    };
    let install = match o.shift_remove("install") {
        Some(i) => parse_install(&c, i)?,
        None => Install::default(),
    };
    let songs = match c.take(&mut o, "songs", &root)? {
        Value::Array(a) => a
            .into_iter()
            .enumerate()
            .map(|(i, s)| parse_song(&c, s, i))
            .collect::<Result<Vec<_>>>()?,
        other => {
            return Err(c.err(
                &at("$.songs"),
                format!("expected a list of songs, found {}", kind(&other)),
            ))
        }
    };
    Ok(Definition {
        name,
        ensemble,
        groups,
        instruments,
        sources_format,
        recording_format,
        ground_truth,
        install,
        songs,
        extra: o,
        origin: origin.to_path_buf(),
    })
}

fn parse_gt_levels(c: &Ctx, v: Value) -> Result<IndexMap<String, IndexMap<String, u8>>> {
    let o = c.object(v, &at("$.ground_truth"))?;
    let mut out = IndexMap::with_capacity(o.len());
    for (group, types) in o {
        let gpath = || format!("$.ground_truth.{group}");
        let t = c.object(types, &gpath)?;
        let mut levels = IndexMap::with_capacity(t.len());
        for (ty, level) in t {
            let tpath = || format!("{}.{ty}", gpath());
            if !GT_TYPES.contains(&ty.as_str()) {
                return Err(c.err(
                    &tpath,
                    format!(
                        "unknown ground-truth type `{ty}` (expected one of {})",
                        GT_TYPES.join(", ")
                    ),
                ));
            }
            let l = match level.as_u64() {
                Some(l) if l <= 2 => l as u8,
                _ => return Err(c.err(&tpath, format!("level must be 0, 1 or 2, found {level}"))),
            };
            levels.insert(ty, l);
        }
        out.insert(group, levels);
    }
    Ok(out)
}

fn parse_install(c: &Ctx, v: Value) -> Result<Install> {
    let mut o = c.object(v, &at("$.install"))?;
    let url = match o.shift_remove("url") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "unknown" || s.is_empty() => None,
        Some(u) => Some(c.string(u, &at("$.install.url"))?),
    };
    let unpack = match o.shift_remove("unpack") {
        None => false,
        Some(u) => c.boolean(&u, &at("$.install.unpack"))?,
    };
    let login = match o.shift_remove("login") {
        None => false,
        Some(u) => c.boolean(&u, &at("$.install.login"))?,
    };
    let post_process = match o.shift_remove("post-process") {
        None => Vec::new(),
        Some(p) => c.strings(p, &at("$.install.post-process"))?,
    };
    let mut conversion = Vec::new();
    match o.shift_remove("conversion") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "unknown" => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                let p = || format!("$.install.conversion[{i}]");
                let (name, kwargs) = match item {
                    Value::Array(pair) if !pair.is_empty() && pair.len() <= 2 => {
                        let mut pair = pair.into_iter();
                        let first = pair.next().unwrap_or(Value::Null);
                        let name = c.string(first, &|| format!("{}[0]", p()))?;
                        let kw = match pair.next() {
                            None => Map::new(),
                            Some(k) => c.object(k, &|| format!("{}[1]", p()))?,
                        };
                        (name, kw)
                    }
                    Value::String(name) => (name, Map::new()),
                    other => {
                        return Err(c.err(
                            &p,
                            format!(
                                "expected [converter_name, {{arguments}}], found {}",
                                kind(&other)
                            ),
                        ))
                    }
                };
                conversion.push((name, kwargs));
            }
        }
        Some(other) => {
            return Err(c.err(
                &at("$.install.conversion"),
                format!(
                    "expected a list of [converter_name, {{arguments}}], found {}",
                    kind(&other)
                ),
            ))
        }
    }
    Ok(Install {
        url,
        unpack,
        login,
        post_process,
        conversion,
        extra: o,
    })
}

fn parse_song(c: &Ctx, v: Value, index: usize) -> Result<Song> {
    let path = || format!("$.songs[{index}]");
    let sub = |key: &'static str| move || format!("$.songs[{index}].{key}");
    let mut o = c.object(v, &path)?;
    let title = c.string(c.take(&mut o, "title", &path)?, &sub("title"))?;
    let composer = match o.shift_remove("composer") {
        None => "unknown".to_string(),
        Some(x) => c.string(x, &sub("composer"))?,
    };
    let instruments = c.strings(c.take(&mut o, "instruments", &path)?, &sub("instruments"))?;
    let recording = c
        .path_list(c.take(&mut o, "recording", &path)?, &sub("recording"))?
        .unwrap_or_default();
    let sources = match o.shift_remove("sources") {
        None => None,
        Some(s) => c.path_list(s, &sub("sources"))?,
    };
    let ground_truth = c.strings(c.take(&mut o, "ground_truth", &path)?, &sub("ground_truth"))?;
    let groups = c.strings(c.take(&mut o, "groups", &path)?, &sub("groups"))?;
    // what `Dataset.get_songs()` adds: `included` is state (every song starts included),
    // `dataset` names the song's original dataset
    if let Some(inc) = o.shift_remove("included") {
        c.boolean(&inc, &sub("included"))?;
    }
    if let Some(ds) = o.get("dataset") {
        if !ds.is_string() {
            return Err(c.err(
                &sub("dataset"),
                format!("expected a dataset name (a string), found {}", kind(ds)),
            ));
        }
    }
    let song = Song {
        title,
        composer,
        instruments,
        recording,
        sources,
        ground_truth,
        groups,
        extra: o,
    };
    check_song(c, &song, index)?;
    Ok(song)
}

/// The rules across a song's fields: one ground-truth path per instrument (or one for
/// all), one source per instrument.
fn check_song(c: &Ctx, song: &Song, index: usize) -> Result<()> {
    let n = song.instruments.len();
    let gts = song.ground_truth.len();
    if n > 0 && gts != n && gts != 1 {
        return Err(c.err(
            &|| format!("$.songs[{index}].ground_truth"),
            format!(
                "{gts} ground-truth paths for {n} instruments (expected one per instrument, or one for all)"
            ),
        ));
    }
    if let Some(src) = &song.sources {
        if n > 0 && src.len() != n {
            return Err(c.err(
                &|| format!("$.songs[{index}].sources.path"),
                format!("{} source paths for {} instruments", src.len(), n),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Collections.

/// How [`load_dir`] treats a definition that does not validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnInvalid {
    /// Stop with the error (the default).
    #[default]
    Fail,
    /// Skip the file with a warning on stderr (the reference's behaviour, made visible).
    Warn,
}

/// Load every `*.json` directly inside `dir` (not recursive), sorted by file name.
pub fn load_dir(dir: impl AsRef<Path>, on_invalid: OnInvalid) -> Result<Vec<Definition>> {
    let dir = dir.as_ref();
    let meta = std::fs::metadata(dir).with_path(dir)?;
    if !meta.is_dir() {
        return Err(
            Error::new(ErrorKind::Argument, "is not a directory of definitions").with_file(dir),
        );
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_path(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        match Definition::from_path(&f) {
            Ok(d) => out.push(d),
            Err(e) if on_invalid == OnInvalid::Warn => {
                eprintln!("warning: skipping invalid definition: {e}");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The name that stands for the embedded official collection in a list of definition
/// directories ([`load_dirs`], `Dataset::new`, `asmd --definitions`): the official
/// definitions' `origin` is `<embedded>/Name.json`, so their "directory" is `<embedded>`.
/// It lets a collection combine the official definitions with custom ones, as ASMD
/// 0.5.1's `definitions=[<package>/definitions, mine]` did.
pub const OFFICIAL_DIR: &str = "<embedded>";

/// True when `dir` is [`OFFICIAL_DIR`].
pub fn is_official_dir(dir: &Path) -> bool {
    dir.as_os_str() == OFFICIAL_DIR
}

/// Load several directories of definitions in order ([`OFFICIAL_DIR`] stands for the
/// embedded official collection).
///
/// A dataset defined twice with identical content (the same folder listed twice, or a
/// copy of an official definition next to custom ones) is kept once, at its first place.
/// Two different definitions of one name are kept both here; a `Dataset` then refuses
/// them with an error naming both files (names key datasets everywhere: filters, chunks,
/// set operations).
///
/// ```
/// use asmd::definition::{load_dirs, OFFICIAL_DIR, OnInvalid};
/// let defs = load_dirs(&[OFFICIAL_DIR, OFFICIAL_DIR], OnInvalid::Fail).unwrap();
/// assert_eq!(defs.len(), asmd::definition::official().unwrap().len());
/// ```
pub fn load_dirs<P: AsRef<Path>>(dirs: &[P], on_invalid: OnInvalid) -> Result<Vec<Definition>> {
    let mut out: Vec<Definition> = Vec::new();
    for dir in dirs {
        let dir = dir.as_ref();
        let defs = if is_official_dir(dir) {
            official()?.to_vec()
        } else {
            load_dir(dir, on_invalid)?
        };
        for d in defs {
            let same = out
                .iter()
                .filter(|o| o.name == d.name)
                .any(|o| o.to_json() == d.to_json());
            if !same {
                out.push(d);
            }
        }
    }
    Ok(out)
}

/// The embedded official collection, in file-name order.
const OFFICIAL: [(&str, &str); 8] = [
    (
        "Bach10.json",
        include_str!("../../../../definitions/Bach10.json"),
    ),
    (
        "Maestro.json",
        include_str!("../../../../definitions/Maestro.json"),
    ),
    (
        "MusicNet.json",
        include_str!("../../../../definitions/MusicNet.json"),
    ),
    (
        "PHENICX.json",
        include_str!("../../../../definitions/PHENICX.json"),
    ),
    ("SMD.json", include_str!("../../../../definitions/SMD.json")),
    (
        "TRIOS_dataset.json",
        include_str!("../../../../definitions/TRIOS_dataset.json"),
    ),
    (
        "traditional_flute.json",
        include_str!("../../../../definitions/traditional_flute.json"),
    ),
    (
        "vienna_corpus.json",
        include_str!("../../../../definitions/vienna_corpus.json"),
    ),
];

/// The official collection (parsed once per process, then shared).
pub fn official() -> Result<Arc<Vec<Definition>>> {
    static CELL: OnceLock<std::result::Result<Arc<Vec<Definition>>, String>> = OnceLock::new();
    CELL.get_or_init(|| {
        OFFICIAL
            .iter()
            .map(|(name, text)| Definition::from_json_str(text, Path::new("<embedded>").join(name)))
            .collect::<Result<Vec<_>>>()
            .map(Arc::new)
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(|e| Error::new(ErrorKind::Format, e))
}

/// The embedded official definition files as `(file name, JSON text)`, e.g. to write
/// them out for editing.
pub fn official_files() -> &'static [(&'static str, &'static str)] {
    &OFFICIAL
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Value {
        serde_json::json!({
            "name": "demo", "ensemble": false, "groups": ["all"], "instruments": ["piano"],
            "sources": {"format": "unknown"}, "recording": {"format": "wav"},
            "ground_truth": {"all": {"precise_alignment": 1, "misaligned": 2}},
            "install": {"url": "unknown", "unpack": false, "login": false,
                        "post-process": "unknown", "conversion": [["from_midi", {}]]},
            "songs": [{"title": "a", "composer": "Bach", "instruments": ["piano"],
                       "recording": {"path": ["demo/a.wav"]}, "ground_truth": ["demo/a-0.json.gz"],
                       "groups": ["all"]}]
        })
    }

    fn parse(v: &Value) -> Result<Definition> {
        Definition::from_json_str(&v.to_string(), "defs/demo.json")
    }

    #[test]
    fn official_collection_loads() {
        let defs = official().unwrap();
        assert_eq!(defs.len(), 8);
        assert_eq!(defs.iter().map(|d| d.songs.len()).sum::<usize>(), 1792);
        let musicnet = defs.iter().find(|d| d.name == "MusicNet").unwrap();
        assert!(musicnet
            .songs
            .iter()
            .any(|s| s.ground_truth.len() == 1 && s.instruments.len() == 3));
        let smd = defs.iter().find(|d| d.name == "SMD").unwrap();
        assert!(smd.install.url.is_none());
        assert_eq!(smd.install.post_process.len(), 2);
    }

    #[test]
    fn to_json_round_trips() {
        for d in official().unwrap().iter() {
            let back = Definition::from_json_str(&d.to_json().to_string(), &d.origin).unwrap();
            assert_eq!(&back, d);
        }
    }

    fn expect_err(v: Value, loc: &str, words: &str) {
        let e = parse(&v).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Format);
        assert_eq!(e.file().unwrap(), Path::new("defs/demo.json"));
        assert_eq!(e.location().unwrap(), loc, "{e}");
        assert!(e.message().contains(words), "{e}");
    }

    /// The validating parser alone (without the fast reader).
    fn validating(text: &str) -> Result<Definition> {
        let v: Value = serde_json::from_str(text).unwrap();
        parse_definition(v, Path::new("defs/demo.json"))
    }

    #[test]
    fn the_fast_reader_builds_what_the_validating_parser_builds() {
        for (name, text) in official_files() {
            let fast = songs::read(text, Path::new(name)).expect("the fast way takes it");
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                fast,
                parse_definition(v, Path::new(name)).unwrap(),
                "{name}"
            );
        }
        use serde_json::json;
        let edits: Vec<(&str, Option<Value>)> = vec![
            ("title", Some(json!(5))),
            ("title", Some(json!(null))),
            ("title", None),
            ("composer", Some(json!(null))),
            ("composer", None),
            ("instruments", Some(json!("unknown"))),
            ("instruments", Some(json!("piano"))),
            ("instruments", Some(json!(["piano", 4]))),
            ("instruments", Some(json!(["violin", "cello"]))),
            ("recording", Some(json!("unknown"))),
            ("recording", Some(json!({"path": "unknown"}))),
            ("recording", Some(json!({"paths": []}))),
            (
                "recording",
                Some(json!({"path": ["a.wav"], "format": "wav"})),
            ),
            ("recording", Some(json!(["a.wav"]))),
            ("recording", None),
            ("sources", Some(json!("unknown"))),
            ("sources", Some(json!(null))),
            ("sources", Some(json!({"path": ["a.wav"]}))),
            ("sources", Some(json!({"path": ["a.wav", "b.wav"]}))),
            ("ground_truth", Some(json!([]))),
            ("ground_truth", Some(json!(["a-0.json.gz", "a-1.json.gz"]))),
            ("ground_truth", Some(json!("unknown"))),
            ("groups", Some(json!("unknown"))),
            ("groups", Some(json!("all"))),
            ("year", Some(json!(1720))),
            ("notes", Some(json!({"a": [1, 2.5, null, "x"]}))),
            ("included", Some(json!(true))),
            ("included", Some(json!(false))),
            ("included", Some(json!("yes"))),
            ("included", Some(json!(null))),
            ("dataset", Some(json!("Maestro"))),
            ("dataset", Some(json!(3))),
            ("dataset", Some(json!(null))),
        ];
        for (key, value) in edits {
            let mut v = minimal();
            let song = v["songs"][0].as_object_mut().unwrap();
            match &value {
                Some(x) => {
                    song.insert(key.into(), x.clone());
                }
                None => {
                    song.remove(key);
                }
            }
            let text = v.to_string();
            let fast = songs::read(&text, Path::new("defs/demo.json"));
            match (fast, validating(&text)) {
                (Some(f), Ok(d)) => assert_eq!(f, d, "{key}: {value:?}"),
                (None, Err(_)) => {}
                (f, d) => panic!("{key}: {value:?}: fast {f:?}, validating {d:?}"),
            }
        }
        // dataset-level keys a derived definition leaves out
        for key in [
            "ensemble",
            "groups",
            "instruments",
            "sources",
            "recording",
            "ground_truth",
            "install",
        ] {
            let mut v = minimal();
            v.as_object_mut().unwrap().remove(key);
            let text = v.to_string();
            let fast = songs::read(&text, Path::new("defs/demo.json")).expect(key);
            assert_eq!(fast, validating(&text).unwrap(), "{key}");
        }
        // duplicate keys: the last value wins in both, at the first one's place
        let text = r#"{"name": "d", "ensemble": false, "instruments": ["piano"],
            "ground_truth": {"all": {"score": 1}}, "x": 1, "songs": [],
            "songs": [{"title": "a", "title": "b", "z": 1, "instruments": ["piano"],
                       "recording": {"path": ["a.wav"]}, "ground_truth": ["a-0.json.gz"],
                       "y": 2, "z": 3, "groups": ["all"]}], "x": 2}"#;
        let fast = songs::read(text, Path::new("defs/demo.json")).unwrap();
        assert_eq!(fast, validating(text).unwrap());
        assert_eq!(fast.songs[0].title, "b");
        assert_eq!(fast.songs[0].extra.keys().collect::<Vec<_>>(), ["z", "y"]);
        assert_eq!(fast.extra["x"], 2);
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let e = Definition::from_json_str("{\n \"name\": \"x\",\n}", "defs/demo.json").unwrap_err();
        assert_eq!(e.location(), Some("line 3, column 1"));
        assert!(e.message().starts_with("invalid JSON"));
    }

    #[test]
    fn missing_key() {
        let mut v = minimal();
        v["songs"][0].as_object_mut().unwrap().remove("title");
        expect_err(v, "$.songs[0]", "missing required key `title`");
        let mut v = minimal();
        v.as_object_mut().unwrap().remove("songs");
        expect_err(v, "$", "missing required key `songs`");
    }

    #[test]
    fn derived_definitions_need_only_name_and_songs() {
        // what `json.dump({"name": ..., "songs": d.get_songs()})` writes
        let mut song = minimal()["songs"][0].clone();
        song["dataset"] = "demo".into();
        song["included"] = true.into();
        song["groups"] = serde_json::json!(["all", "ctx_a"]);
        let v = serde_json::json!({"name": "new_def", "songs": [song]});
        let d = parse(&v).unwrap();
        assert_eq!(d.ensemble, None);
        assert!(d.instruments.is_empty() && d.ground_truth.is_empty());
        assert_eq!(
            (d.sources_format.as_str(), d.recording_format.as_str()),
            ("unknown", "unknown")
        );
        assert_eq!(d.install, Install::default());
        assert_eq!(d.songs[0].groups, ["all", "ctx_a"]);
        assert_eq!(d.songs[0].origin_dataset(), Some("demo"));
        // `included` is state, not data
        assert!(!d.songs[0].extra.contains_key("included"));
        // and the result round-trips
        let back = Definition::from_json_str(&d.to_json().to_string(), "x.json").unwrap();
        assert_eq!(back.songs, d.songs);
        // malformed values still name their place
        let mut bad = v.clone();
        bad["songs"][0]["included"] = "yes".into();
        expect_err(bad, "$.songs[0].included", "expected true or false");
        let mut bad = v.clone();
        bad["songs"][0]["dataset"] = 3.into();
        expect_err(bad, "$.songs[0].dataset", "expected a dataset name");
        let mut bad = v.clone();
        bad["ensemble"] = "yes".into();
        expect_err(bad, "$.ensemble", "expected true or false");
        let mut bad = v.clone();
        bad["ground_truth"] = serde_json::json!({"all": {"precise": 1}});
        expect_err(
            bad,
            "$.ground_truth.all.precise",
            "unknown ground-truth type",
        );
        let mut bad = v;
        bad["songs"][0].as_object_mut().unwrap().remove("groups");
        expect_err(bad, "$.songs[0]", "missing required key `groups`");
    }

    #[test]
    fn wrong_type() {
        let mut v = minimal();
        v["songs"][0]["groups"] = serde_json::json!("all");
        expect_err(v, "$.songs[0].groups", "expected a list of strings");
        let mut v = minimal();
        v["ensemble"] = serde_json::json!(3);
        expect_err(v, "$.ensemble", "expected true or false");
        let mut v = minimal();
        v["songs"][0]["instruments"] = serde_json::json!(["piano", 4]);
        expect_err(v, "$.songs[0].instruments[1]", "expected a string");
    }

    #[test]
    fn gt_path_count_must_match_instruments() {
        let mut v = minimal();
        v["songs"][0]["instruments"] = serde_json::json!(["violin", "cello", "viola"]);
        v["songs"][0]["ground_truth"] = serde_json::json!(["a-0.json.gz", "a-1.json.gz"]);
        expect_err(
            v.clone(),
            "$.songs[0].ground_truth",
            "2 ground-truth paths for 3 instruments",
        );
        // one GT for several instruments is legal (MusicNet)
        v["songs"][0]["ground_truth"] = serde_json::json!(["a-0.json.gz"]);
        assert!(parse(&v).is_ok());
        v["songs"][0]["sources"] = serde_json::json!({"path": ["a.wav"]});
        expect_err(
            v,
            "$.songs[0].sources.path",
            "1 source paths for 3 instruments",
        );
    }

    #[test]
    fn unknown_gt_type_and_bad_level() {
        let mut v = minimal();
        v["ground_truth"]["all"]["chords"] = serde_json::json!(1);
        expect_err(
            v,
            "$.ground_truth.all.chords",
            "unknown ground-truth type `chords`",
        );
        let mut v = minimal();
        v["ground_truth"]["all"]["score"] = serde_json::json!(3);
        expect_err(v, "$.ground_truth.all.score", "level must be 0, 1 or 2");
        let mut v = minimal();
        v["ground_truth"]["all"]["score"] = serde_json::json!(-1);
        expect_err(v, "$.ground_truth.all.score", "level must be 0, 1 or 2");
    }

    #[test]
    fn unknown_values_accepted_and_extra_keys_kept() {
        let mut v = minimal();
        v["ensemble"] = serde_json::json!("unknown");
        v["songs"][0]["sources"] = serde_json::json!("unknown");
        v["songs"][0]["year"] = serde_json::json!(1720);
        v["install"]["checksum"] = serde_json::json!({"md5": "abc"});
        let d = parse(&v).unwrap();
        assert_eq!(d.ensemble, None);
        assert!(d.songs[0].sources.is_none());
        assert_eq!(d.songs[0].extra["year"], 1720);
        assert_eq!(d.install.extra["checksum"]["md5"], "abc");
        assert_eq!(d.install.conversion[0].0, "from_midi");
    }

    #[test]
    fn load_dir_sorts_and_rejects_or_skips_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = minimal();
        b["name"] = "b".into();
        std::fs::write(dir.path().join("b.json"), b.to_string()).unwrap();
        let mut a = minimal();
        a["name"] = "a".into();
        std::fs::write(dir.path().join("a.json"), a.to_string()).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let defs = load_dir(dir.path(), OnInvalid::Fail).unwrap();
        assert_eq!(
            defs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        std::fs::write(dir.path().join("c.json"), "{").unwrap();
        let e = load_dir(dir.path(), OnInvalid::Fail).unwrap_err();
        assert!(e.file().unwrap().ends_with("c.json"));
        assert_eq!(load_dir(dir.path(), OnInvalid::Warn).unwrap().len(), 2);
    }
}
