//! The HTTP client of the installer: one `ureq` agent (rustls) with timeouts, a
//! descriptive User-Agent, redirects, and retries with exponential backoff for failures
//! that may be transient (connection errors, timeouts, HTTP 408/429/5xx). Statuses are
//! handled here, not by `ureq`, so every error names the URL and the HTTP status.
//!
//! A host name that does not resolve is not transient: offline, or with a mistyped
//! host, every retry would fail the same way after the same wait, so the failure is
//! reported at once (`cannot resolve the host name ...: not retried`). An error after
//! retries says how many attempts were made ([`gave_up`]).
//!
//! Small requests live here ([`Http::probe`] for sizes, [`Http::get_bytes`] for pages,
//! [`Http::get_range`] for byte ranges, [`Http::post_json`] for Mega's API); the resumable
//! file download is in [`super::download`].
//!
//! ```no_run
//! use asmd::install::download::{Http, NetOptions};
//! let http = Http::new(NetOptions::default());
//! let info = http.probe("https://zenodo.org/record/840025/files/PHENICX-Anechoic.zip").unwrap();
//! assert!(info.size.is_some());
//! ```

use std::io::Read;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

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

/// An HTTP client with the installer's timeouts, retries and User-Agent.
#[derive(Clone)]
pub struct Http {
    pub(super) agent: ureq::Agent,
    pub(super) opts: NetOptions,
}

pub(super) fn net_err(url: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Network, message).with_file(url)
}

/// True when `e` is a failure to resolve the host name (no DNS answer, unknown host,
/// or a resolver that timed out): retrying cannot help.
pub(super) fn name_resolution_failed(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::HostNotFound | ureq::Error::Timeout(ureq::Timeout::Resolve) => true,
        // the standard library's getaddrinfo failure ("failed to lookup address
        // information: Name or service not known" / "Temporary failure in name
        // resolution"), which ureq passes on as an I/O error
        ureq::Error::Io(io) => {
            let m = io.to_string();
            m.contains("failed to lookup address") || m.contains("name resolution")
        }
        _ => false,
    }
}

/// The host of a URL, for messages.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let auth = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let auth = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    match auth.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => auth,
    }
}

/// A transport error as a message naming the URL (`url` for the host name).
pub(super) fn describe_for(url: &str, e: &ureq::Error) -> String {
    if name_resolution_failed(e) {
        return format!(
            "cannot resolve the host name `{}` (name resolution failed: offline, no DNS, or a mistyped host); not retried",
            host_of(url)
        );
    }
    describe(e)
}

/// The error of the last attempt, saying how many were made.
pub(super) fn gave_up(e: Error, attempts: u32) -> Error {
    if attempts <= 1 {
        return e;
    }
    let mut out = Error::new(
        e.kind(),
        format!("{} (gave up after {attempts} attempts)", e.message()),
    );
    if let Some(f) = e.file() {
        out = out.with_file(f);
    }
    out
}

pub(super) fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::TooManyRedirects => "too many redirects".into(),
        other => other.to_string(),
    }
}

/// True for transport failures worth another attempt (never name resolution).
pub(super) fn retryable(e: &ureq::Error) -> bool {
    !name_resolution_failed(e)
        && matches!(
            e,
            ureq::Error::Timeout(_)
                | ureq::Error::Io(_)
                | ureq::Error::ConnectionFailed
                | ureq::Error::Protocol(_)
                | ureq::Error::BodyStalled
        )
}

/// A transport error of a request to `url`: its message and whether to retry.
pub(super) fn transport_err(url: &str, e: &ureq::Error) -> (Error, bool) {
    (net_err(url, describe_for(url, e)), retryable(e))
}

pub(super) fn status_text(code: u16) -> &'static str {
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

pub(super) fn status_err(url: &str, code: u16) -> Error {
    net_err(
        url,
        format!("HTTP {code} {}", status_text(code))
            .trim_end()
            .to_string(),
    )
}

pub(super) fn retryable_status(code: u16) -> bool {
    code == 408 || code == 429 || code >= 500
}

pub(super) fn header<'a>(
    resp: &'a ureq::http::Response<ureq::Body>,
    name: &str,
) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `bytes a-b/total` or `bytes */total` -> (start, total).
pub(super) fn content_range(v: &str) -> Option<(Option<u64>, Option<u64>)> {
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

pub(super) fn validator_of(resp: &ureq::http::Response<ureq::Body>) -> Option<String> {
    header(resp, "etag")
        .filter(|e| !e.starts_with("W/"))
        .or_else(|| header(resp, "last-modified"))
        .map(str::to_string)
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

    pub(super) fn backoff(&self, failures: u32) -> Duration {
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
                Err((e, _)) => return Err(gave_up(e, failures + 1)),
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
                .map_err(|e| transport_err(url, &e))?;
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
                .map_err(|e| transport_err(url, &e))?;
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
                .map_err(|e| transport_err(url, &e))?;
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
                .map_err(|e| transport_err(url, &e))?;
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
                .map_err(|e| transport_err(url, &e))?;
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
