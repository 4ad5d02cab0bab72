//! File names for per-song exports (`asmd audio export`): one name per song, unique
//! and stable.
//!
//! A song of dataset `D` is written to `D/<NNNN>_<name>.<ext>`, where `NNNN` is the
//! song's position in `D`'s definition (0-based, at least four digits) and `<name>`
//! says which recording it is: the file stem of its mixed recording, or, when the mix
//! is summed from several files, the name of their common folder (PHENICX's
//! `beethoven`), else the title. Characters other than letters, digits, `-`, `_`, `.`
//! and spaces become `_`. The position makes names unique within a dataset whatever
//! the titles (Maestro has several "Sonata Op. 1" performances) and keeps a song's name
//! the same whichever selection it is exported with.
//!
//! [`song_files`] builds the names of a whole selection and refuses two songs that
//! would share a file (compared case-insensitively, as on macOS and Windows file
//! systems, e.g. datasets `SMD` and `smd`): a collision is an error, never a skip.
//!
//! ```
//! use asmd::{Dataset, FilterOptions};
//! let mut d = Dataset::official().unwrap();
//! d.filter(&FilterOptions { datasets: vec!["PHENICX".into()], ..Default::default() }).unwrap();
//! let names = asmd::export::names::song_files(&d, "wav").unwrap();
//! assert_eq!(names[0].to_str(), Some("PHENICX/0000_beethoven.wav"));
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::dataset::Dataset;
use crate::error::{Error, ErrorKind, Result};

/// `s` as one file-name component: letters, digits, `-`, `_`, `.` and spaces kept,
/// anything else `_`; no leading dot; `untitled` when nothing is left.
///
/// ```
/// assert_eq!(asmd::export::names::safe_component("Sonata Op. 1/2"), "Sonata Op. 1_2");
/// assert_eq!(asmd::export::names::safe_component("..x"), "x");
/// ```
pub fn safe_component(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let out = out.trim().trim_start_matches('.').trim();
    if out.is_empty() {
        "untitled".into()
    } else {
        out.to_string()
    }
}

/// What a song's recording is called: the stem of its single mix file, the common
/// folder of several, else `None`.
fn recording_name(mixed: &[String]) -> Option<String> {
    match mixed {
        [] => None,
        [one] => Path::new(one)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned()),
        many => {
            let parent = |p: &String| Path::new(p).parent().map(Path::to_path_buf);
            let first = parent(&many[0])?;
            many.iter()
                .all(|p| parent(p).as_ref() == Some(&first))
                .then(|| first.file_name().map(|s| s.to_string_lossy().into_owned()))
                .flatten()
        }
    }
}

/// The file stem of item `idx` (`<NNNN>_<name>`, see the module documentation).
pub fn song_stem(d: &Dataset, idx: usize) -> Result<String> {
    let (def, song) = d.song(idx)?;
    let pos = d
        .item_songs()
        .get(idx)
        .map(|&(_, s)| s)
        .ok_or_else(|| Error::argument(format!("item {idx} is not tied to a song")))?;
    let name = recording_name(&song.recording).unwrap_or_else(|| song.title.clone());
    let width = def.songs.len().saturating_sub(1).to_string().len().max(4);
    Ok(format!("{pos:0width$}_{}", safe_component(&name)))
}

/// The relative path of every item of `d` (`<dataset>/<stem>.<ext>`), in order; an
/// error when two items would be written to the same file.
pub fn song_files(d: &Dataset, ext: &str) -> Result<Vec<PathBuf>> {
    let mut out = Vec::with_capacity(d.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in 0..d.len() {
        let (def, song) = d.song(i)?;
        let rel = Path::new(&safe_component(&def.name)).join(format!("{}.{ext}", song_stem(d, i)?));
        let key = rel.to_string_lossy().to_lowercase();
        if let Some(&j) = seen.get(&key) {
            let (other_def, other) = d.song(j)?;
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "songs {} / {} (item {j}) and {} / {} (item {i}) would both be written to {} (names are compared ignoring case); rename one of the datasets",
                    other_def.name,
                    other.title,
                    def.name,
                    song.title,
                    rel.display()
                ),
            ));
        }
        seen.insert(key, i);
        out.push(rel);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_names() {
        assert_eq!(
            recording_name(&["a/b/x.wav".to_string()]).as_deref(),
            Some("x")
        );
        assert_eq!(
            recording_name(&["a/piece/v1.wav".into(), "a/piece/v2.wav".into()]).as_deref(),
            Some("piece")
        );
        assert_eq!(
            recording_name(&["a/p/v1.wav".into(), "b/q/v2.wav".into()]),
            None
        );
        assert_eq!(recording_name(&[]), None);
    }

    #[test]
    fn official_names_are_unique_and_keep_positions() {
        let d = Dataset::official().unwrap();
        let names = song_files(&d, "wav").unwrap();
        assert_eq!(names.len(), d.len());
        let maestro: Vec<&PathBuf> = names.iter().filter(|p| p.starts_with("Maestro")).collect();
        assert_eq!(maestro.len(), 1276);
        assert!(maestro[0]
            .to_str()
            .unwrap()
            .starts_with("Maestro/0000_MIDI-Unprocessed"));
        // Maestro repeats titles ("Sonata Op. 1"): the names differ all the same
        let titles: std::collections::HashSet<&str> = d
            .songs()
            .filter(|(def, _)| def.name == "Maestro")
            .map(|(_, s)| s.title.as_str())
            .collect();
        assert!(titles.len() < 1276);
    }
}
