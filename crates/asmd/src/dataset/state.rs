//! Saving and restoring a dataset's state (definitions, inclusion flags, paths), e.g. to
//! pickle a Python `Dataset` into `DataLoader` worker processes.
//!
//! The official collection is stored by reference (`"official"` plus its fingerprint);
//! other definitions are stored in full, so a restored dataset does not depend on the
//! definition files still being where they were.
//!
//! ```
//! use asmd::{Dataset, FilterOptions};
//! let mut d = Dataset::official().unwrap();
//! d.filter(&FilterOptions { datasets: vec!["SMD".into()], ..Default::default() }).unwrap();
//! let back = Dataset::from_state(&d.to_state()).unwrap();
//! assert_eq!(back.paths(), d.paths());
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

use super::{Collection, Dataset, ItemPaths};
use crate::definition::Definition;
use crate::error::{Error, Result};
use crate::metadataset::Metadataset;

const VERSION: u64 = 1;

fn bad(problem: impl Into<String>) -> Error {
    Error::format("<dataset state>", "", problem)
}

fn strings(v: &Value) -> Result<Vec<String>> {
    v.as_array()
        .ok_or_else(|| bad("expected a list of strings"))?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad("expected a string"))
        })
        .collect()
}

impl Dataset {
    /// The dataset's state as JSON (see the module docs).
    pub fn to_state(&self) -> Value {
        let defs = if self.collection.official {
            json!("official")
        } else {
            Value::Array(
                self.definitions()
                    .iter()
                    .map(|d| json!({"origin": d.origin, "definition": d.to_json()}))
                    .collect(),
            )
        };
        let m = &self.metadataset;
        json!({
            "version": VERSION,
            "fingerprint": self.collection.fingerprint.to_string(),
            "definitions": defs,
            "metadataset": {
                "author": m.author, "year": m.year, "url": m.url,
                "install_dir": m.install_dir, "decompress_path": m.decompress_path,
                "path": m.path, "extra": m.extra,
            },
            "dataset_included": self.dataset_included,
            "song_included": self.song_included,
            "paths": self.paths.iter().map(|p| json!([p.mixed, p.sources, p.ground_truth])).collect::<Vec<_>>(),
            "items": self.items,
        })
    }

    /// Rebuild a dataset from [`Dataset::to_state`].
    pub fn from_state(v: &Value) -> Result<Dataset> {
        if v["version"].as_u64() != Some(VERSION) {
            return Err(bad(format!("unsupported state version {}", v["version"])));
        }
        let collection = match &v["definitions"] {
            Value::String(s) if s == "official" => Collection::official()?,
            Value::Array(list) => {
                let mut defs = Vec::with_capacity(list.len());
                for d in list {
                    let origin = PathBuf::from(d["origin"].as_str().unwrap_or("<state>"));
                    defs.push(Definition::from_json_str(
                        &d["definition"].to_string(),
                        origin,
                    )?);
                }
                Arc::new(Collection::new(defs)?)
            }
            _ => return Err(bad("`definitions` must be \"official\" or a list")),
        };
        if v["fingerprint"].as_str() != Some(&collection.fingerprint.to_string()) {
            return Err(bad(
                "the definitions differ from those the state was saved with",
            ));
        }
        let m = &v["metadataset"];
        let path_of = |k: &str| m[k].as_str().map(PathBuf::from);
        let metadataset = Metadataset {
            author: m["author"].as_str().unwrap_or_default().to_string(),
            year: m["year"].clone(),
            url: m["url"].as_str().unwrap_or_default().to_string(),
            install_dir: path_of("install_dir").ok_or_else(|| bad("missing install_dir"))?,
            decompress_path: path_of("decompress_path").unwrap_or_default(),
            path: path_of("path"),
            extra: m["extra"].as_object().cloned().unwrap_or_default(),
        };
        let n = collection.definitions.len();
        let dataset_included: Vec<bool> = v["dataset_included"]
            .as_array()
            .ok_or_else(|| bad("missing dataset_included"))?
            .iter()
            .map(|b| b.as_bool().unwrap_or(false))
            .collect();
        let song_included: Vec<Vec<bool>> = v["song_included"]
            .as_array()
            .ok_or_else(|| bad("missing song_included"))?
            .iter()
            .map(|s| {
                s.as_array()
                    .map(|a| a.iter().map(|b| b.as_bool().unwrap_or(false)).collect())
                    .unwrap_or_default()
            })
            .collect();
        if dataset_included.len() != n
            || song_included.len() != n
            || song_included
                .iter()
                .zip(collection.definitions.iter())
                .any(|(s, d)| s.len() != d.songs.len())
        {
            return Err(bad("inclusion flags do not match the definitions"));
        }
        let mut paths = Vec::new();
        for p in v["paths"].as_array().ok_or_else(|| bad("missing paths"))? {
            paths.push(ItemPaths {
                mixed: strings(&p[0])?,
                sources: strings(&p[1])?,
                ground_truth: strings(&p[2])?,
            });
        }
        let mut items = Vec::new();
        for it in v["items"].as_array().ok_or_else(|| bad("missing items"))? {
            let (d, s) = (it[0].as_u64(), it[1].as_u64());
            match (d, s) {
                (Some(d), Some(s))
                    if (d as usize) < n
                        && (s as usize) < collection.definitions[d as usize].songs.len() =>
                {
                    items.push((d as usize, s as usize))
                }
                _ => return Err(bad("item does not name a song of the definitions")),
            }
        }
        let mut d = Dataset {
            collection,
            metadataset,
            dataset_included,
            song_included,
            paths: Vec::new(),
            items,
            chunks: Default::default(),
        };
        d.paths = paths;
        if d.items.len() != d.paths.len() {
            d.items.clear();
        }
        d.rebuild_chunks();
        Ok(d)
    }
}
