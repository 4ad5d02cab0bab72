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
use std::time::Duration;

use serde_json::Value;

use super::checksum::{Checksum, Digests, Hasher};
use crate::error::{Error, ErrorKind, IoContext, Result};

/// Network settings shared by every transfer.
#[derive(Debug, Clone)]
pub struct NetOptions {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Longest silence tolerated while waiting for bytes (a stalled transfer fails).
    pub read_timeout: Duration,
    /// Consecutive failed attempts (without progress) before giving up.
    pub retries: u32,
    /// Delay before the first retry; doubles on each consecutive failure (capped at 60 s).
    pub backoff: Duration,
    /// User-Agent sent with every request (Zenodo asks for a descriptive one).
    pub user_agent: String,
    /// Base URL of Mega's API (the `cs` endpoint lives under it).
    pub mega_api: String,
}

impl Default for NetOptions {
    fn default() -> Self {
        NetOptions {
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            retries: 5,
            backoff: Duration::from_secs(1),
            user_agent: format!(
                "asmd/{} (Audio-Score Meta-Dataset installer)",
                env!("CARGO_PKG_VERSION")
            ),
            mega_api: super::mega::DEFAULT_API.to_string(),
        }
    }
}

/// What a server says about a URL without sending it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteInfo {
    /// Size in bytes, when announced.
    pub size: Option<u64>,
    /// True when the server advertises byte ranges.
    pub ranges: bool,
    /// Validator used to resume safely (ETag, else Last-Modified).
    pub validator: Option<String>,
}

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

/// An HTTP client with the installer's timeouts, retries and User-Agent.
#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
    opts: NetOptions,
}

/// Progress callback: bytes done, total when known.
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

fn net_err(url: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Network, message).with_file(url)
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::TooManyRedirects => "too many redirects".into(),
        other => other.to_string(),
    }
}

fn retryable(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Timeout(_)
            | ureq::Error::Io(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

fn status_text(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        509 => "Bandwidth Limit Exceeded",
        _ => "",
    }
}

fn status_err(url: &str, code: u16) -> Error {
    net_err(
        url,
        format!("HTTP {code} {}", status_text(code))
            .trim_end()
            .to_string(),
    )
}

fn retryable_status(code: u16) -> bool {
    code == 408 || code == 429 || code >= 500
}

fn header<'a>(resp: &'a ureq::http::Response<ureq::Body>, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `bytes a-b/total` or `bytes */total` -> (start, total).
fn content_range(v: &str) -> Option<(Option<u64>, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let total = total.trim().parse().ok();
    let start = if range.trim() == "*" {
        None
    } else {
        Some(range.split_once('-')?.0.trim().parse().ok()?)
    };
    Some((start, total))
}

fn validator_of(resp: &ureq::http::Response<ureq::Body>) -> Option<String> {
    header(resp, "etag")
        .filter(|e| !e.starts_with("W/"))
        .or_else(|| header(resp, "last-modified"))
        .map(str::to_string)
}

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
    /// A client with these settings.
    pub fn new(opts: NetOptions) -> Http {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(opts.connect_timeout))
            .timeout_per_read(Some(opts.read_timeout))
            .timeout_recv_response(Some(opts.read_timeout.max(opts.connect_timeout)))
            .max_redirects(10)
            .user_agent(opts.user_agent.as_str())
            .build();
        Http {
            agent: config.into(),
            opts,
        }
    }

    /// The settings.
    pub fn options(&self) -> &NetOptions {
        &self.opts
    }

    fn backoff(&self, failures: u32) -> Duration {
        let factor = 1u32 << failures.min(16).saturating_sub(1);
        (self.opts.backoff * factor).min(Duration::from_secs(60))
    }

    /// Run `f` until it succeeds, fails permanently, or fails `retries + 1` times in a row.
    fn with_retries<T>(&self, mut f: impl FnMut() -> Result<T, (Error, bool)>) -> Result<T> {
        let mut failures = 0;
        loop {
            match f() {
                Ok(v) => return Ok(v),
                Err((_, true)) if failures < self.opts.retries => {
                    failures += 1;
                    std::thread::sleep(self.backoff(failures));
                }
                Err((e, _)) => return Err(e),
            }
        }
    }

    /// Size and range support of `url` (HEAD; a server refusing HEAD is asked for byte 0).
    pub fn probe(&self, url: &str) -> Result<RemoteInfo> {
        self.with_retries(|| {
            let resp = self
                .agent
                .head(url)
                .call()
                .map_err(|e| (net_err(url, describe(&e)), retryable(&e)))?;
            let code = resp.status().as_u16();
            if (200..300).contains(&code) {
                let size = header(&resp, "content-length").and_then(|v| v.parse().ok());
                let ranges = header(&resp, "accept-ranges").is_some_and(|v| v.contains("bytes"));
                if size.is_some() {
                    return Ok(RemoteInfo {
                        size,
                        ranges,
                        validator: validator_of(&resp),
                    });
                }
            } else if code != 405 && code != 501 {
                return Err((status_err(url, code), retryable_status(code)));
            }
            // HEAD refused or no length: ask for the first byte.
            let resp = self
                .agent
                .get(url)
                .header("Range", "bytes=0-0")
                .call()
                .map_err(|e| (net_err(url, describe(&e)), retryable(&e)))?;
            let code = resp.status().as_u16();
            match code {
                206 => Ok(RemoteInfo {
                    size: header(&resp, "content-range")
                        .and_then(content_range)
                        .and_then(|(_, t)| t),
                    ranges: true,
                    validator: validator_of(&resp),
                }),
                200 => Ok(RemoteInfo {
                    size: header(&resp, "content-length").and_then(|v| v.parse().ok()),
                    ranges: false,
                    validator: validator_of(&resp),
                }),
                _ => Err((status_err(url, code), retryable_status(code))),
            }
        })
    }

    /// GET `url` into memory, refusing bodies over `limit` bytes (pages, metadata).
    pub fn get_bytes(&self, url: &str, limit: u64) -> Result<Vec<u8>> {
        self.with_retries(|| {
            let mut resp = self
                .agent
                .get(url)
                .call()
                .map_err(|e| (net_err(url, describe(&e)), retryable(&e)))?;
            let code = resp.status().as_u16();
            if !(200..300).contains(&code) {
                return Err((status_err(url, code), retryable_status(code)));
            }
            let mut out = Vec::new();
            resp.body_mut()
                .with_config()
                .limit(limit)
                .reader()
                .read_to_end(&mut out)
                .map_err(|e| (net_err(url, format!("reading the response: {e}")), true))?;
            Ok(out)
        })
    }

    /// GET bytes `start..start+len` of `url` (exactly those bytes, or an error).
    pub fn get_range(&self, url: &str, start: u64, len: u64) -> Result<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        self.with_retries(|| {
            let mut resp = self
                .agent
                .get(url)
                .header("Range", &format!("bytes={}-{}", start, start + len - 1))
                .call()
                .map_err(|e| (net_err(url, describe(&e)), retryable(&e)))?;
            let code = resp.status().as_u16();
            let mut out = Vec::new();
            let reader = resp.body_mut().with_config().reader();
            let io = |e: std::io::Error| (net_err(url, format!("reading the response: {e}")), true);
            match code {
                206 => {
                    reader.take(len).read_to_end(&mut out).map_err(io)?;
                }
                200 => {
                    // no range support: skip to the wanted bytes
                    let mut r = reader;
                    std::io::copy(&mut (&mut r).take(start), &mut std::io::sink()).map_err(io)?;
                    r.take(len).read_to_end(&mut out).map_err(io)?;
                }
                _ => return Err((status_err(url, code), retryable_status(code))),
            }
            if out.len() as u64 != len {
                return Err((
                    net_err(
                        url,
                        format!("expected {len} bytes at offset {start}, got {}", out.len()),
                    ),
                    true,
                ));
            }
            Ok(out)
        })
    }

    /// POST a JSON body and parse the JSON answer (Mega's API).
    pub fn post_json(&self, url: &str, body: &Value) -> Result<Value> {
        let text = body.to_string();
        self.with_retries(|| {
            let mut resp = self
                .agent
                .post(url)
                .header("Content-Type", "application/json")
                .send(text.as_bytes())
                .map_err(|e| (net_err(url, describe(&e)), retryable(&e)))?;
            let code = resp.status().as_u16();
            if !(200..300).contains(&code) {
                return Err((status_err(url, code), retryable_status(code)));
            }
            let mut out = Vec::new();
            resp.body_mut()
                .with_config()
                .limit(16 << 20)
                .reader()
                .read_to_end(&mut out)
                .map_err(|e| (net_err(url, format!("reading the response: {e}")), true))?;
            serde_json::from_slice(&out)
                .map_err(|e| (net_err(url, format!("invalid JSON answer: {e}")), false))
        })
    }

    /// Download `url` to `dest` (resuming `<dest>.part`), verify `checksum` and `size`
    /// when given, and rename into place. Returns at once when `dest` already exists.
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
                        return Err(e);
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
        let mut resp = req
            .call()
            .map_err(|e| (net_err(url, describe(&e)), retryable(&e)))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_range() {
        assert_eq!(
            content_range("bytes 100-199/1000"),
            Some((Some(100), Some(1000)))
        );
        assert_eq!(content_range("bytes */1000"), Some((None, Some(1000))));
        assert_eq!(content_range("bytes 0-9/*"), Some((Some(0), None)));
        assert_eq!(content_range("items 0-9/10"), None);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let http = Http::new(NetOptions {
            backoff: Duration::from_millis(100),
            ..NetOptions::default()
        });
        assert_eq!(http.backoff(1), Duration::from_millis(100));
        assert_eq!(http.backoff(3), Duration::from_millis(400));
        assert_eq!(http.backoff(30), Duration::from_secs(60));
    }
}
