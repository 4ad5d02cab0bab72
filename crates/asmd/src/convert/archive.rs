//! `ground_truth.tar.gz`: the converted ground-truth files packed with paths relative
//! to the install directory (`Bach10/Bach10_v1.1/.../x-0.json.gz`), so that unpacking it
//! into another install directory puts every file where the definitions expect it.
//! Entries are sorted, regular files only, mode 0644; the archive is written to a
//! temporary file and renamed, so a failure leaves no partial archive.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Component, Path};

use crate::error::{Error, ErrorKind, IoContext, Result};

/// Pack `relative_paths` (files under `install_dir`) into a gzip-compressed tar at `out`.
pub fn write_archive(out: &Path, install_dir: &Path, relative_paths: &[String]) -> Result<()> {
    let mut rels: Vec<&String> = relative_paths.iter().collect();
    rels.sort();
    rels.dedup();
    for r in &rels {
        let p = Path::new(r.as_str());
        if p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(Error::new(
                ErrorKind::Archive,
                format!("ground-truth path `{r}` is not a plain relative path; it cannot go into the archive"),
            ));
        }
    }
    crate::files::replace_with(out, |file, tmp| {
        let gz =
            flate2::write::GzEncoder::new(BufWriter::new(&mut *file), flate2::Compression::best());
        let mut tar = tar::Builder::new(gz);
        for r in &rels {
            let src = install_dir.join(r.as_str());
            let meta = std::fs::metadata(&src).with_path(&src)?;
            let mut header = tar::Header::new_gnu();
            header.set_size(meta.len());
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs())
                .unwrap_or(0);
            header.set_mtime(mtime);
            let f = File::open(&src).with_path(&src)?;
            tar.append_data(&mut header, r.as_str(), f).with_path(out)?;
        }
        let gz = tar.into_inner().with_path(tmp)?;
        let mut w = gz.finish().with_path(tmp)?;
        w.flush().with_path(tmp)?;
        w.into_inner()
            .map_err(|e| Error::io(tmp, e.into_error()))?
            .sync_all()
            .with_path(tmp)
    })
}
