//! HTTP(S) transfers: metadata probes, small reads and resumable downloads.
//!
//! A download streams into `<dest>.part` (never into memory), with a small sidecar
//! `<dest>.part.json` remembering the URL and the server's validator (ETag or
//! Last-Modified). A later attempt, in the same process after a dropped connection or in
//! a new process after a kill, continues with `Range: bytes=<len>-` and `If-Range`, so
//! finished bytes are never fetched twice; a server that ignores the range (200) or whose
//! file changed restarts the transfer from zero. Failures that may be transient
//! (connection errors, timeouts, HTTP 408/429/5xx, a body shorter than announced) are
//! retried with exponential backoff; attempts that made progress do not count against the
//! limit. The file is hashed while it streams (the prefix of a resumed `.part` is hashed
//! from disk first), checked against the expected checksum and size, and only then
//! renamed to `dest`: the existence of `dest` means "complete and verified".
//!
//! ```no_run
//! use asmd::install::download::{Http, NetOptions};
//! let http = Http::new(NetOptions::default());
//! let info = http.probe("https://example.org/archive.zip").unwrap();
//! println!("{:?} bytes", info.size);
//! let done = http.download("https://example.org/archive.zip", "/tmp/archive.zip".as_ref(),
//!                          None, None, &mut |_done, _total| {}).unwrap();
//! println!("sha256 {}", done.digests.sha256);
//! ```

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::checksum::{Checksum, Digests, Hasher};
use super::http::{
    content_range, gave_up, header, net_err, retryable_status, status_err, transport_err,
    validator_of,
};
use crate::error::{Error, IoContext, Result};

pub use super::http::{Http, NetOptions, RemoteInfo};

/// A finished download.
#[derive(Debug, Clone)]
pub struct Downloaded {
    /// Where the file is.
    pub path: PathBuf,
    /// Its digests (size included).
    pub digests: Digests,
    /// Bytes that were already on disk from an earlier attempt.
    pub resumed_from: u64,
    /// Bytes received over the network by this call.
    pub received: u64,
}

/// Progress callback: bytes done, total when known.
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

fn sidecar(part: &Path) -> PathBuf {
    let mut s = part.as_os_str().to_owned();
    s.push(".json");
    PathBuf::from(s)
}

/// `<path><suffix>` (suffix appended to the full file name).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

impl Http {
    pub fn download(
        &self,
        url: &str,
        dest: &Path,
        checksum: Option<&Checksum>,
        size: Option<u64>,
        progress: Progress,
    ) -> Result<Downloaded> {
        self.download_as(url, None, dest, checksum, size, progress)
    }

    /// [`Http::download`] where `identity` (instead of the URL) decides whether an
    /// existing `.part` belongs to this transfer, for sources whose URL changes between
    /// sessions but whose bytes do not (Mega's temporary download URLs). No `If-Range`
    /// validator is sent then.
    pub fn download_as(
        &self,
        url: &str,
        identity: Option<&str>,
        dest: &Path,
        checksum: Option<&Checksum>,
        size: Option<u64>,
        progress: Progress,
    ) -> Result<Downloaded> {
        let key = identity.unwrap_or(url);
        if dest.is_file() {
            let len = std::fs::metadata(dest).with_path(dest)?.len();
            progress(len, Some(len));
            return Ok(Downloaded {
                path: dest.to_path_buf(),
                digests: Digests {
                    size: len,
                    ..Digests::default()
                },
                resumed_from: len,
                received: 0,
            });
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).with_path(parent)?;
        }
        let part = with_suffix(dest, ".part");
        let meta_path = sidecar(&part);
        // A .part left by a transfer of another URL is not ours to continue.
        let mut validator: Option<String> = None;
        if part.exists() {
            let meta: Option<Value> = std::fs::read(&meta_path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            match meta {
                Some(m) if m["url"] == key => {
                    if identity.is_none() {
                        validator = m["validator"].as_str().map(str::to_string);
                    }
                }
                _ => {
                    std::fs::remove_file(&part).with_path(&part)?;
                }
            }
        }
        let resumed_from = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        let mut hasher = Hasher::for_checksum(checksum);
        if resumed_from > 0 {
            let f = File::open(&part).with_path(&part)?;
            hasher.update_reader(f, &part, &mut |_| {})?;
        }
        let mut received = 0u64;
        let mut total: Option<u64> = size;
        let mut failures = 0u32;
        loop {
            let before = hasher.size();
            let res = self.attempt(
                (url, key),
                &part,
                &meta_path,
                &mut hasher,
                &mut validator,
                &mut total,
                progress,
            );
            received += hasher.size().saturating_sub(before);
            match res {
                Ok(()) => break,
                Err((e, retry)) => {
                    if hasher.size() > before {
                        failures = 0;
                    }
                    if !retry || failures >= self.opts.retries {
                        return Err(gave_up(e, failures + 1));
                    }
                    failures += 1;
                    std::thread::sleep(self.backoff(failures));
                }
            }
        }
        let digests = hasher.finish();
        let discard = |e: Error| -> Error {
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&meta_path);
            e
        };
        if let Some(want) = size {
            if digests.size != want {
                return Err(discard(net_err(
                    url,
                    format!("size mismatch: expected {want} bytes, got {}", digests.size),
                )));
            }
        }
        if let Some(c) = checksum {
            c.check(&digests, url).map_err(discard)?;
        }
        std::fs::rename(&part, dest).with_path(dest)?;
        let _ = std::fs::remove_file(&meta_path);
        Ok(Downloaded {
            path: dest.to_path_buf(),
            digests,
            resumed_from,
            received,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn attempt(
        &self,
        (url, key): (&str, &str),
        part: &Path,
        meta_path: &Path,
        hasher: &mut Hasher,
        validator: &mut Option<String>,
        total: &mut Option<u64>,
        progress: Progress,
    ) -> Result<(), (Error, bool)> {
        let offset = hasher.size();
        let mut req = self.agent.get(url);
        if offset > 0 {
            req = req.header("Range", &format!("bytes={offset}-"));
            if let Some(v) = validator.as_deref() {
                req = req.header("If-Range", v);
            }
        }
        let mut resp = req.call().map_err(|e| transport_err(url, &e))?;
        let code = resp.status().as_u16();
        let reset = |hasher: &mut Hasher| -> Result<(), (Error, bool)> {
            *hasher = hasher.fresh();
            File::create(part).map_err(|e| (Error::io(part, e), false))?;
            Ok(())
        };
        match code {
            206 => {
                let (start, t) = header(&resp, "content-range")
                    .and_then(content_range)
                    .unwrap_or((None, None));
                if start != Some(offset) {
                    reset(hasher)?;
                    return Err((
                        net_err(
                            url,
                            "the server answered with another byte range; restarting",
                        ),
                        true,
                    ));
                }
                if t.is_some() {
                    *total = t;
                }
            }
            200 => {
                if offset > 0 {
                    // no range support, or the file changed (If-Range): start over
                    reset(hasher)?;
                }
                if let Some(len) = header(&resp, "content-length").and_then(|v| v.parse().ok()) {
                    *total = Some(len);
                }
            }
            416 => {
                let t = header(&resp, "content-range")
                    .and_then(content_range)
                    .and_then(|(_, t)| t);
                if offset > 0 && t == Some(offset) {
                    *total = t;
                    return Ok(());
                }
                reset(hasher)?;
                return Err((status_err(url, code), true));
            }
            c => return Err((status_err(url, c), retryable_status(c))),
        }
        if key == url {
            if let Some(v) = validator_of(&resp) {
                *validator = Some(v);
            }
        }
        let meta = serde_json::json!({ "url": key, "validator": validator.clone() });
        std::fs::write(meta_path, meta.to_string())
            .map_err(|e| (Error::io(meta_path, e), false))?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(part)
            .map_err(|e| (Error::io(part, e), false))?;
        let mut reader = resp.body_mut().with_config().reader();
        let mut buf = vec![0u8; 1 << 18];
        progress(hasher.size(), *total);
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = file.flush();
                    return Err((
                        net_err(
                            url,
                            format!("connection lost after {} bytes: {e}", hasher.size()),
                        ),
                        true,
                    ));
                }
            };
            file.write_all(&buf[..n])
                .map_err(|e| (Error::io(part, e), false))?;
            hasher.update(&buf[..n]);
            progress(hasher.size(), *total);
        }
        file.flush().map_err(|e| (Error::io(part, e), false))?;
        if let Some(t) = *total {
            if hasher.size() < t {
                return Err((
                    net_err(
                        url,
                        format!(
                            "connection closed early: got {} of {t} bytes",
                            hasher.size()
                        ),
                    ),
                    true,
                ));
            }
        }
        Ok(())
    }
}
