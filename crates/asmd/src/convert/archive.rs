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
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    std::fs::create_dir_all(&parent).with_path(&parent)?;
    let name = out
        .file_name()
        .ok_or_else(|| Error::argument(format!("{}: not a file path", out.display())))?;
    let tmp = parent.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> Result<()> {
        let file = File::create(&tmp).with_path(&tmp)?;
        let gz = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::best());
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
        let gz = tar.into_inner().with_path(out)?;
        let mut w = gz.finish().with_path(out)?;
        w.flush().with_path(out)?;
        w.into_inner()
            .map_err(|e| Error::io(out, e.into_error()))?
            .sync_all()
            .with_path(out)?;
        std::fs::rename(&tmp, out).with_path(out)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
