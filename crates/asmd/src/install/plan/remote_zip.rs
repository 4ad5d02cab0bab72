//! The unpacked size of a zip archive without downloading it: the central directory sits
//! at the end of the file, so a reader that fetches 64 KiB blocks with HTTP range
//! requests lets the `zip` crate read just the directory (a few requests even for
//! Maestro's 2,500-member, 101 GB archive).
//!
//! ```
//! let mut buf = std::io::Cursor::new(Vec::new());
//! {
//!     let mut z = zip::ZipWriter::new(&mut buf);
//!     z.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
//!     std::io::Write::write_all(&mut z, b"hello").unwrap();
//!     z.finish().unwrap();
//! }
//! assert_eq!(asmd::install::plan::zip_unpacked(buf), Some(5));
//! ```

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use super::super::download::Http;

/// Read + Seek over HTTP byte ranges, with a small block cache (zip central directories).
pub(crate) struct RangeReader<'a> {
    pub(crate) http: &'a Http,
    pub(crate) url: &'a str,
    pub(crate) len: u64,
    pub(crate) pos: u64,
    pub(crate) cache: HashMap<u64, Vec<u8>>,
}

const BLOCK: u64 = 64 * 1024;

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let b = self.pos / BLOCK;
        if !self.cache.contains_key(&b) {
            if self.cache.len() > 256 {
                return Err(std::io::Error::other(
                    "central directory too large to probe",
                ));
            }
            let start = b * BLOCK;
            let n = BLOCK.min(self.len - start);
            let bytes = self
                .http
                .get_range(self.url, start, n)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            self.cache.insert(b, bytes);
        }
        let block = self.cache.get(&b).map(Vec::as_slice).unwrap_or(&[]);
        let off = (self.pos - b * BLOCK) as usize;
        let avail = block.get(off..).unwrap_or(&[]);
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let p = match to {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.len as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if p < 0 {
            return Err(std::io::Error::other("seek before start"));
        }
        self.pos = p as u64;
        Ok(self.pos)
    }
}

/// Total uncompressed size of a zip archive, from its central directory only.
pub fn zip_unpacked<R: Read + Seek>(r: R) -> Option<u64> {
    let mut z = zip::ZipArchive::new(r).ok()?;
    let mut total = 0;
    for i in 0..z.len() {
        total += z.by_index_raw(i).ok()?.size();
    }
    Some(total)
}
