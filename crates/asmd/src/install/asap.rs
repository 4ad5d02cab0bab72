//! Maestro's score import from ASAP (what `python -m asmd.asap` did in ASMD 0.5.1).
//!
//! ASAP (Aligned Scores and Performances) pairs many Maestro performances with a
//! score MIDI. Its `metadata.csv` files (any depth of the archive) have, per row, a
//! `midi_score` path relative to the CSV's folder and a `maestro_midi_performance` like
//! `{maestro}/2006/<name>.midi`. For every row with a Maestro performance, the score is
//! copied next to the performance with the extension replaced by `.score.mid`
//! (`<maestro>/2006/<name>.score.mid`), where the `from_midi_asap` converter looks for
//! it. The scores are read straight out of the ASAP zip; nothing else is extracted.
//! Rows whose performance is not installed are counted and skipped (ASMD 0.5.1 stopped
//! with an error on the first one). Every score is written inside the Maestro folder
//! ([`crate::files::Boundary`]), and members read from the zip are bounded
//! ([`MAX_MEMBER`]) whatever their headers say.
//!
//! [`import`] is the whole operation for the Python `asmd.asap` module: download ASAP
//! (honouring `ASMD_MIRROR`), then import into the Maestro folder of the install dir.
//!
//! ```
//! assert_eq!(asmd::install::asap::score_name("X_wav--1.midi"), "X_wav--1.score.mid");
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use super::download::{Http, NetOptions};
use super::fetch::{Fetcher, Mirror};
use super::recipe::Fetch;
use super::unpack::safe_relative;
use crate::definition::Definition;
use crate::error::{Error, ErrorKind, IoContext, Result};

/// Where ASMD 0.5.1 downloaded ASAP from (GitHub redirects it to the current owner).
pub const ASAP_URL: &str = "https://github.com/fosfrancesco/asap-dataset/archive/v1.1.zip";

/// Largest `metadata.csv` or score read from the ASAP archive (they are a few KiB).
pub const MAX_MEMBER: u64 = 64 << 20;

/// Read one member of the ASAP zip, refusing more than [`MAX_MEMBER`] bytes.
fn read_member<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    asap_zip: &Path,
    what: &str,
) -> Result<Vec<u8>> {
    let err = |m: String| {
        Error::new(ErrorKind::Archive, m)
            .with_file(asap_zip)
            .at(name.to_string())
    };
    let mut e = zip.by_name(name).map_err(|e| err(format!("{what}: {e}")))?;
    if e.size() > MAX_MEMBER {
        return Err(err(format!(
            "{what}: {} bytes, more than the {MAX_MEMBER} accepted",
            e.size()
        )));
    }
    let mut bytes = Vec::new();
    (&mut e)
        .take(MAX_MEMBER + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("{what}: {e}")))?;
    if bytes.len() as u64 > MAX_MEMBER {
        return Err(err(format!(
            "{what}: expands beyond the {MAX_MEMBER} bytes accepted"
        )));
    }
    Ok(bytes)
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AsapReport {
    /// Rows with a Maestro performance.
    pub rows: usize,
    /// Scores copied.
    pub copied: usize,
    /// Performances (as written in the CSV) not found in the install dir.
    pub missing_performances: Vec<String>,
}

/// Python's `Path(p).with_suffix('').with_suffix('.score.mid')` on a file name.
pub fn score_name(performance: &str) -> String {
    fn strip(name: &str) -> &str {
        match name.rfind('.') {
            Some(i) if i > 0 && i < name.len() - 1 => &name[..i],
            _ => name,
        }
    }
    format!("{}.score.mid", strip(strip(performance)))
}

#[derive(Debug)]
struct Row {
    csv_dir: String,
    score: String,
    performance: String,
}

fn parse_metadata(bytes: &[u8], csv_dir: &str, what: &str) -> Result<Vec<Row>> {
    let mut rd = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = rd
        .headers()
        .map_err(|e| Error::format(what, "line 1", format!("invalid CSV header: {e}")))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::format(what, "line 1", format!("missing column `{name}`")))
    };
    let (si, pi) = (col("midi_score")?, col("maestro_midi_performance")?);
    let mut out = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| {
            Error::format(what, format!("line {}", i + 2), format!("invalid CSV: {e}"))
        })?;
        let perf = rec.get(pi).unwrap_or("").trim();
        if perf.is_empty() {
            continue;
        }
        out.push(Row {
            csv_dir: csv_dir.to_string(),
            score: rec.get(si).unwrap_or("").trim().to_string(),
            performance: perf.to_string(),
        });
    }
    Ok(out)
}

fn target_of(maestro_dir: &Path, performance: &str) -> Option<(PathBuf, PathBuf)> {
    let rel = performance
        .strip_prefix("{maestro}")?
        .trim_start_matches('/');
    let rel = safe_relative(rel).ok()??;
    let perf = maestro_dir.join(&rel);
    let name = perf.file_name()?.to_string_lossy().into_owned();
    Some((perf.clone(), perf.with_file_name(score_name(&name))))
}

/// Import from an ASAP zip archive into `maestro_dir` (the folder holding Maestro's
/// year folders, e.g. `<install_dir>/Maestro/maestro-v3.0.0`).
pub fn import_from_zip(asap_zip: &Path, maestro_dir: &Path) -> Result<AsapReport> {
    let f = std::fs::File::open(asap_zip).with_path(asap_zip)?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| {
        Error::new(
            ErrorKind::Archive,
            format!("not a readable zip archive: {e}"),
        )
        .with_file(asap_zip)
    })?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let mut rows = Vec::new();
    for n in names
        .iter()
        .filter(|n| n.rsplit('/').next() == Some("metadata.csv"))
    {
        let bytes = read_member(&mut zip, n, asap_zip, "metadata")?;
        let dir = n.rsplit_once('/').map_or("", |(d, _)| d);
        rows.extend(parse_metadata(
            &bytes,
            dir,
            &format!("{}!{n}", asap_zip.display()),
        )?);
    }
    if rows.is_empty() && !names.iter().any(|n| n.ends_with("metadata.csv")) {
        return Err(
            Error::new(ErrorKind::Format, "no metadata.csv in the ASAP archive")
                .with_file(asap_zip),
        );
    }
    let inside = crate::files::Boundary::new(maestro_dir)?;
    let mut report = AsapReport::default();
    for r in rows {
        report.rows += 1;
        let Some((perf, target)) = target_of(maestro_dir, &r.performance) else {
            report.missing_performances.push(r.performance);
            continue;
        };
        if !perf.is_file() {
            report.missing_performances.push(r.performance);
            continue;
        }
        let member = if r.csv_dir.is_empty() {
            r.score.clone()
        } else {
            format!("{}/{}", r.csv_dir, r.score)
        };
        let bytes = read_member(&mut zip, &member, asap_zip, "score listed in metadata.csv")?;
        inside.check_entry(&target)?;
        crate::files::write_atomically(&target, &bytes)?;
        report.copied += 1;
    }
    Ok(report)
}

/// Import from an extracted ASAP folder into `maestro_dir`.
pub fn import_from_dir(asap_dir: &Path, maestro_dir: &Path) -> Result<AsapReport> {
    let files = super::state::walk_files(asap_dir)?;
    let inside = crate::files::Boundary::new(maestro_dir)?;
    let source = crate::files::Boundary::new(asap_dir)?;
    let mut report = AsapReport::default();
    for (rel, _) in files
        .iter()
        .filter(|(r, _)| r.rsplit('/').next() == Some("metadata.csv"))
    {
        let csv_path = asap_dir.join(rel);
        let bytes = std::fs::read(&csv_path).with_path(&csv_path)?;
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        for r in parse_metadata(&bytes, dir, &csv_path.to_string_lossy())? {
            report.rows += 1;
            match target_of(maestro_dir, &r.performance) {
                Some((perf, target)) if perf.is_file() => {
                    let src = asap_dir.join(&r.csv_dir).join(&r.score);
                    source.check_open(&src)?;
                    let bytes = std::fs::read(&src).with_path(&src)?;
                    inside.check_entry(&target)?;
                    crate::files::write_atomically(&target, &bytes)?;
                    report.copied += 1;
                }
                _ => report.missing_performances.push(r.performance),
            }
        }
    }
    Ok(report)
}

/// The Maestro folder of a definition, relative to the install dir (the first two
/// components of its first ground-truth path, e.g. `Maestro/maestro-v3.0.0`).
pub fn maestro_dir_of(def: &Definition) -> Option<PathBuf> {
    let gt = def
        .songs
        .iter()
        .flat_map(|s| s.ground_truth.iter())
        .next()?;
    let mut parts = gt.split('/');
    Some(Path::new(parts.next()?).join(parts.next()?))
}

/// The ASAP archive ASMD 0.5.1 used (v1.1), as a fetch (`asap-dataset-1.1.zip` on
/// mirrors).
pub fn default_fetch() -> Fetch {
    Fetch {
        url: ASAP_URL.to_string(),
        name: Some("asap-dataset-1.1.zip".to_string()),
        alternatives: Vec::new(),
        checksum: None,
        size: None,
    }
}

/// Options of [`import`].
#[derive(Debug, Clone)]
pub struct AsapOptions {
    /// The install directory holding Maestro.
    pub install_dir: PathBuf,
    /// Maestro's folder relative to `install_dir` (default `Maestro/maestro-v3.0.0`,
    /// from the official definition).
    pub maestro: PathBuf,
    /// The ASAP archive to fetch.
    pub fetch: Fetch,
    /// Mirror to try first.
    pub mirror: Option<Mirror>,
    /// Network settings.
    pub net: NetOptions,
    /// Where to keep the download (default: a temporary folder, removed afterwards).
    pub downloads: Option<PathBuf>,
}

impl AsapOptions {
    /// Defaults for `install_dir`, with the mirror from `$ASMD_MIRROR`.
    pub fn new(install_dir: impl Into<PathBuf>) -> AsapOptions {
        let maestro = crate::definition::official()
            .ok()
            .and_then(|defs| {
                defs.iter()
                    .find(|d| d.name == "Maestro")
                    .and_then(maestro_dir_of)
            })
            .unwrap_or_else(|| PathBuf::from("Maestro/maestro-v3.0.0"));
        AsapOptions {
            install_dir: install_dir.into(),
            maestro,
            fetch: default_fetch(),
            mirror: Mirror::from_env(),
            net: NetOptions::default(),
            downloads: None,
        }
    }

    /// Defaults where the install dir comes from `$ASMD_INSTALL_DIR` (set by the
    /// installer for shell lines) when set, else `fallback`.
    pub fn from_env(fallback: impl Into<PathBuf>) -> AsapOptions {
        let dir = std::env::var_os(super::shell::ENV_INSTALL_DIR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| fallback.into());
        AsapOptions::new(dir)
    }
}

/// Download ASAP (mirror first) and import its scores into Maestro.
pub fn import(opts: &AsapOptions) -> Result<AsapReport> {
    let maestro_dir = opts.install_dir.join(&opts.maestro);
    crate::files::Boundary::new(&opts.install_dir)?.check_open(&maestro_dir)?;
    if !maestro_dir.is_dir() {
        return Err(
            Error::new(ErrorKind::NotFound, "Maestro is not installed here")
                .with_file(&maestro_dir),
        );
    }
    let fetcher = Fetcher::new(Http::new(opts.net.clone()), opts.mirror.clone());
    let tmp;
    let downloads = match &opts.downloads {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::Builder::new()
                .prefix("asmd-asap")
                .tempdir()
                .with_path(std::env::temp_dir())?;
            tmp.path().to_path_buf()
        }
    };
    let resolved = fetcher.resolve(&opts.fetch)?;
    let got = fetcher.fetch(&opts.fetch, &resolved, &downloads, &mut |_, _| {})?;
    import_from_zip(&got.path, &maestro_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_names_follow_pythons_with_suffix() {
        assert_eq!(score_name("a.midi"), "a.score.mid");
        assert_eq!(score_name("a.b.midi"), "a.score.mid");
        assert_eq!(score_name("noext"), "noext.score.mid");
    }

    #[test]
    fn metadata_rows_without_maestro_are_skipped() {
        let csv = b"composer,midi_score,maestro_midi_performance\nA,x/s.mid,{maestro}/2006/p.midi\nB,y/s.mid,\n";
        let rows = parse_metadata(csv, "asap", "m.csv").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].score, "x/s.mid");
        let e = parse_metadata(b"a,b\n1,2\n", "", "m.csv").unwrap_err();
        assert!(e.message().contains("missing column `midi_score`"));
    }
}
