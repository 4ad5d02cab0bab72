//! The report of a conversion run: per song converted, skipped (with the reason) or
//! failed (with the file, the converter and the error), plus datasets not installed.
//! `Display` prints the human summary the CLI shows.

use std::fmt;
use std::path::PathBuf;

use crate::error::Error;

/// Why a ground-truth file failed.
#[derive(Debug)]
pub struct GtFailure {
    /// The ground-truth file that could not be produced.
    pub path: PathBuf,
    /// The converter that failed, if the failure is a converter's.
    pub converter: Option<String>,
    /// The error.
    pub error: Error,
}

/// What happened to a song.
#[derive(Debug)]
pub enum Outcome {
    /// At least one ground-truth file was written.
    Converted,
    /// Nothing was written, for `reason` ("up to date", "no input file found").
    Skipped {
        /// Why.
        reason: String,
    },
    /// A file failed; nothing of the song was written.
    Failed(GtFailure),
}

/// One song's report.
#[derive(Debug)]
pub struct SongReport {
    /// Dataset name.
    pub dataset: String,
    /// Index of the song in its definition.
    pub song_index: usize,
    /// Song title.
    pub title: String,
    /// Result.
    pub outcome: Outcome,
    /// Files written by this run.
    pub written: Vec<PathBuf>,
    /// Files left alone because they are newer than their inputs (relative paths).
    pub up_to_date: Vec<String>,
    /// Files skipped because none of their converters found an input, with the
    /// candidates tried (relative path, tried).
    pub no_input: Vec<(String, Vec<PathBuf>)>,
    /// Relative paths of this song's valid files after the run (written or up to date).
    pub files: Vec<String>,
}

/// A dataset that was selected but not converted.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetSkip {
    /// Dataset name.
    pub dataset: String,
    /// Why (e.g. not installed).
    pub reason: String,
}

/// The report of a whole run.
#[derive(Debug, Default)]
pub struct Summary {
    /// One report per song of the converted datasets, in definition order.
    pub songs: Vec<SongReport>,
    /// Datasets skipped as a whole.
    pub datasets_skipped: Vec<DatasetSkip>,
    /// The archive written, if one was asked for.
    pub archive: Option<PathBuf>,
}

impl Summary {
    /// Songs with at least one file written.
    pub fn converted(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Converted))
    }

    /// Songs with nothing to do.
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped { .. }))
    }

    /// Songs that failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// Number of ground-truth files written.
    pub fn files_written(&self) -> usize {
        self.songs.iter().map(|s| s.written.len()).sum()
    }

    /// True when no song failed.
    pub fn is_success(&self) -> bool {
        self.failed() == 0
    }

    /// The failures, in song order.
    pub fn failures(&self) -> impl Iterator<Item = (&SongReport, &GtFailure)> {
        self.songs.iter().filter_map(|s| match &s.outcome {
            Outcome::Failed(f) => Some((s, f)),
            _ => None,
        })
    }

    /// The summary as JSON: totals, skipped datasets and one entry per song.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        json!({
            "ok": self.is_success(),
            "converted": self.converted(),
            "skipped": self.skipped(),
            "failed": self.failed(),
            "files_written": self.files_written(),
            "archive": self.archive,
            "datasets_skipped": self.datasets_skipped.iter()
                .map(|d| json!({"dataset": d.dataset, "reason": d.reason}))
                .collect::<Vec<_>>(),
            "songs": self.songs.iter().map(|song| {
                let (outcome, reason, error, file) = match &song.outcome {
                    Outcome::Converted => ("converted", None, None, None),
                    Outcome::Skipped { reason } => ("skipped", Some(reason.clone()), None, None),
                    Outcome::Failed(f) => ("failed", None, Some(f.error.to_string()), Some(f.path.clone())),
                };
                json!({
                    "dataset": song.dataset, "title": song.title, "outcome": outcome,
                    "reason": reason, "error": error, "file": file,
                    "written": song.written.len(), "up_to_date": song.up_to_date.len(),
                })
            }).collect::<Vec<_>>(),
        })
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.songs.iter().filter(|s| f(&s.outcome)).count()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} songs converted ({} files written), {} skipped, {} failed",
            self.converted(),
            self.files_written(),
            self.skipped(),
            self.failed()
        )?;
        for d in &self.datasets_skipped {
            writeln!(f, "  skipped dataset {}: {}", d.dataset, d.reason)?;
        }
        for s in &self.songs {
            match &s.outcome {
                Outcome::Skipped { reason } if reason != "up to date" => writeln!(
                    f,
                    "  skipped {} #{} `{}`: {reason}",
                    s.dataset, s.song_index, s.title
                )?,
                Outcome::Failed(g) => writeln!(
                    f,
                    "  FAILED {} #{} `{}`: {}{}",
                    s.dataset,
                    s.song_index,
                    s.title,
                    g.converter
                        .as_ref()
                        .map(|c| format!("[{c}] "))
                        .unwrap_or_default(),
                    g.error
                )?,
                _ => {}
            }
        }
        if let Some(a) = &self.archive {
            writeln!(f, "  archive: {}", a.display())?;
        }
        Ok(())
    }
}
