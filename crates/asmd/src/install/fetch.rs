//! Where each file comes from: the official source, or a mirror (`--mirror URL|DIR`).
//!
//! A [`Fetch`] names an official URL and a file name. [`Fetcher::resolve`] decides the
//! origin: with a mirror, the same archive is looked up first under the URL's path
//! (`<mirror>/the_vienna_4x22_piano_corpus/data/audio.zip`), then under its file name
//! (`<mirror>/audio.zip`); a mirror that lacks the file falls back to the official
//! source. Mega links are resolved through Mega's API. [`Fetcher::fetch`] then gets the
//! bytes: a mirror folder's file is used in place (checked against the expected checksum
//! and size), anything remote goes through the resumable downloader.
//!
//! The mirror setting travels to child processes (shell lines, `python -m asmd.asap`)
//! through the `ASMD_MIRROR` environment variable ([`Mirror::from_env`]).
//!
//! ```
//! use asmd::install::fetch::Mirror;
//! assert!(matches!(Mirror::parse("https://lab.example.org/asmd/"), Mirror::Url(_)));
//! assert!(matches!(Mirror::parse("/srv/archives"), Mirror::Dir(_)));
//! ```

use std::path::{Path, PathBuf};

use super::checksum::{Digests, Hasher};
use super::download::{Http, Progress};
use super::mega::{self, MegaFile, MegaLink};
use super::recipe::{url_file_name, Fetch, UNKNOWN_URL};
use crate::error::{Error, ErrorKind, IoContext, Result};

/// Environment variable carrying the mirror to child processes.
pub const ENV_MIRROR: &str = "ASMD_MIRROR";

/// A lab mirror (base URL) or a local folder holding the archives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mirror {
    /// `http(s)://...` base URL.
    Url(String),
    /// Local folder.
    Dir(PathBuf),
}

impl Mirror {
    /// `http://` or `https://` -> [`Mirror::Url`], anything else a folder.
    pub fn parse(s: &str) -> Mirror {
        let t = s.trim();
        if t.starts_with("http://") || t.starts_with("https://") {
            Mirror::Url(t.trim_end_matches('/').to_string())
        } else {
            Mirror::Dir(PathBuf::from(t.strip_prefix("file://").unwrap_or(t)))
        }
    }

    /// The mirror named by `$ASMD_MIRROR`, if set and not empty.
    pub fn from_env() -> Option<Mirror> {
        std::env::var(ENV_MIRROR)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| Mirror::parse(&v))
    }

    /// The value to put in `$ASMD_MIRROR` (a folder made absolute: child processes run
    /// in another working directory).
    pub fn to_env_value(&self) -> String {
        match self {
            Mirror::Url(u) => u.clone(),
            Mirror::Dir(d) => super::state::absolute(d).to_string_lossy().into_owned(),
        }
    }

    /// Relative names under which `url` / `names` is looked up on the mirror.
    fn candidates(url: &str, names: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        if !MegaLink::is_mega(url) {
            let no_query = url.split(['?', '#']).next().unwrap_or(url);
            let after_scheme = no_query.split_once("://").map_or(no_query, |(_, r)| r);
            if let Some((_, path)) = after_scheme.split_once('/') {
                let p = percent_decode(path);
                if !p.is_empty() && !p.split('/').any(|c| c == "..") {
                    out.push(p);
                }
            }
        }
        for n in names {
            if !out.iter().any(|c| c == n) {
                out.push(n.to_string());
            }
        }
        out
    }
}

/// Decode `%XX` escapes (invalid escapes are kept as written).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where a file will come from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A file in a mirror folder, used in place.
    MirrorDir(PathBuf),
    /// A URL on a mirror.
    MirrorUrl(String),
    /// The official http(s) URL.
    Http(String),
    /// The official Mega link.
    Mega(Box<MegaFile>),
}

impl Origin {
    /// A short description (`mirror folder /x/a.zip`, `https://...`).
    pub fn describe(&self) -> String {
        match self {
            Origin::MirrorDir(p) => format!("mirror folder {}", p.display()),
            Origin::MirrorUrl(u) => format!("mirror {u}"),
            Origin::Http(u) => u.clone(),
            Origin::Mega(f) => format!("mega.nz file {}", f.link.id),
        }
    }

    /// True for a local file (no transfer needed).
    pub fn is_local(&self) -> bool {
        matches!(self, Origin::MirrorDir(_))
    }
}

/// A resolved fetch: origin, file name and size when known.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Where the bytes come from.
    pub origin: Origin,
    /// The file name used in the downloads folder.
    pub name: String,
    /// Size in bytes when known.
    pub size: Option<u64>,
}

/// A fetched file.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the file is now (downloads folder, or the mirror folder itself).
    pub path: PathBuf,
    /// Digests, when the bytes were hashed by this call.
    pub digests: Option<Digests>,
    /// Bytes received over the network by this call.
    pub received: u64,
    /// Description of the origin.
    pub origin: String,
}

/// Resolves and fetches files, honouring a mirror.
#[derive(Clone)]
pub struct Fetcher {
    /// The HTTP client.
    pub http: Http,
    /// The mirror, if any.
    pub mirror: Option<Mirror>,
}

impl Fetcher {
    /// A fetcher.
    pub fn new(http: Http, mirror: Option<Mirror>) -> Fetcher {
        Fetcher { http, mirror }
    }

    fn mirror_lookup(&self, url: &str, names: &[&str]) -> Result<Option<Origin>> {
        let Some(m) = &self.mirror else {
            return Ok(None);
        };
        let url = if url == UNKNOWN_URL { "" } else { url };
        for c in Mirror::candidates(url, names) {
            match m {
                Mirror::Dir(d) => {
                    let p = d.join(&c);
                    if p.is_file() {
                        return Ok(Some(Origin::MirrorDir(p)));
                    }
                }
                Mirror::Url(base) => {
                    let u = format!("{base}/{c}");
                    match self.http.probe(&u) {
                        Ok(_) => return Ok(Some(Origin::MirrorUrl(u))),
                        Err(e)
                            if e.message().starts_with("HTTP 404")
                                || e.message().starts_with("HTTP 410") => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(None)
    }

    /// Decide where `fetch` comes from (contacts the mirror or Mega's API, not the file).
    pub fn resolve(&self, fetch: &Fetch) -> Result<Resolved> {
        let mut mega_file = None;
        let mut name = fetch.file_name();
        if name.is_none() && MegaLink::is_mega(&fetch.url) {
            let f = mega::resolve(&self.http, &MegaLink::parse(&fetch.url)?)?;
            // the name comes from the file's owner: only a plain file name is used
            name = Some(
                f.name
                    .clone()
                    .filter(|n| super::recipe::is_plain_file_name(n))
                    .unwrap_or_else(|| format!("{}.bin", f.link.id)),
            );
            mega_file = Some(f);
        }
        let name = name.unwrap_or_else(|| "download".into());
        let mut names = vec![name.as_str()];
        names.extend(fetch.alternatives.iter().map(String::as_str));
        if let Some(origin) = self.mirror_lookup(&fetch.url, &names)? {
            let size = match &origin {
                Origin::MirrorDir(p) => Some(std::fs::metadata(p).with_path(p)?.len()),
                _ => None,
            };
            // stored under the name found (an alternative keeps its own name)
            let name = match &origin {
                Origin::MirrorDir(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
                Origin::MirrorUrl(u) => url_file_name(u).map(|n| percent_decode(&n)),
                _ => None,
            }
            .filter(|n| names.contains(&n.as_str()))
            .unwrap_or(name);
            return Ok(Resolved { origin, name, size });
        }
        if !fetch.has_source() {
            let mut all = names.iter().map(|n| format!("`{n}`"));
            let first = all.next().unwrap_or_default();
            let others: Vec<String> = all.collect();
            let what = if others.is_empty() {
                first
            } else {
                format!("{first} (or {})", others.join(", "))
            };
            let hint = match &self.mirror {
                None => "pass --mirror DIR, DIR being a folder holding it".to_string(),
                Some(m) => format!("the mirror {} does not hold it", m.to_env_value()),
            };
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("no download source is known for {what}: {hint}"),
            ));
        }
        if MegaLink::is_mega(&fetch.url) {
            let f = match mega_file {
                Some(f) => f,
                None => mega::resolve(&self.http, &MegaLink::parse(&fetch.url)?)?,
            };
            let size = Some(f.size);
            return Ok(Resolved {
                origin: Origin::Mega(Box::new(f)),
                name,
                size,
            });
        }
        Ok(Resolved {
            origin: Origin::Http(fetch.url.clone()),
            name,
            size: fetch.size,
        })
    }

    /// Size of a resolved fetch (asks the server when unknown).
    pub fn size(&self, r: &Resolved) -> Result<Option<u64>> {
        if r.size.is_some() {
            return Ok(r.size);
        }
        match &r.origin {
            Origin::MirrorUrl(u) | Origin::Http(u) => Ok(self.http.probe(u)?.size),
            Origin::MirrorDir(p) => Ok(Some(std::fs::metadata(p).with_path(p)?.len())),
            Origin::Mega(f) => Ok(Some(f.size)),
        }
    }

    /// Get the bytes of `fetch` (resolved as `r`) into `downloads`.
    pub fn fetch(
        &self,
        fetch: &Fetch,
        r: &Resolved,
        downloads: &Path,
        progress: Progress,
    ) -> Result<Fetched> {
        let dest = downloads.join(&r.name);
        crate::files::Boundary::new(downloads)?.check_entry(&dest)?;
        let origin = r.origin.describe();
        match &r.origin {
            Origin::MirrorDir(p) => {
                let total = std::fs::metadata(p).with_path(p)?.len();
                let mut h = Hasher::for_checksum(fetch.checksum.as_ref());
                if fetch.checksum.is_some() {
                    let f = std::fs::File::open(p).with_path(p)?;
                    h.update_reader(f, p, &mut |done| progress(done, Some(total)))?;
                    let d = h.finish();
                    if let Some(c) = &fetch.checksum {
                        c.check(&d, p)?;
                    }
                    check_size(fetch, total, p)?;
                    return Ok(Fetched {
                        path: p.clone(),
                        digests: Some(d),
                        received: 0,
                        origin,
                    });
                }
                check_size(fetch, total, p)?;
                progress(total, Some(total));
                Ok(Fetched {
                    path: p.clone(),
                    digests: None,
                    received: 0,
                    origin,
                })
            }
            Origin::MirrorUrl(u) | Origin::Http(u) => {
                std::fs::create_dir_all(downloads).with_path(downloads)?;
                let d =
                    self.http
                        .download(u, &dest, fetch.checksum.as_ref(), fetch.size, progress)?;
                Ok(Fetched {
                    path: d.path,
                    digests: (d.received > 0 || d.resumed_from == 0).then_some(d.digests),
                    received: d.received,
                    origin,
                })
            }
            Origin::Mega(f) => {
                std::fs::create_dir_all(downloads).with_path(downloads)?;
                let d = mega::download(&self.http, f, &dest, fetch.checksum.as_ref(), progress)?;
                Ok(Fetched {
                    path: d.path,
                    digests: (!d.digests.sha256.is_empty()).then_some(d.digests),
                    received: d.received,
                    origin,
                })
            }
        }
    }

    /// Read a small text resource (a web page) from the mirror or the official URL.
    pub fn get_text(&self, url: &str) -> Result<PageText> {
        let name = url_file_name(url);
        let found = self.mirror_lookup(url, name.as_deref().as_slice())?;
        let origin = found
            .as_ref()
            .map_or_else(|| url.to_string(), Origin::describe);
        let bytes = match found {
            Some(Origin::MirrorDir(p)) => std::fs::read(&p).with_path(&p)?,
            Some(Origin::MirrorUrl(u)) => self.http.get_bytes(&u, 64 << 20)?,
            _ => self.http.get_bytes(url, 64 << 20)?,
        };
        Ok(PageText {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            origin,
        })
    }
}

/// A page read by [`Fetcher::get_text`].
#[derive(Debug, Clone)]
pub struct PageText {
    /// Its text (invalid UTF-8 replaced).
    pub text: String,
    /// Where it was read ([`Origin::describe`]: the mirror's file or URL, else the URL).
    pub origin: String,
}

fn check_size(fetch: &Fetch, actual: u64, p: &Path) -> Result<()> {
    match fetch.size {
        Some(want) if want != actual => Err(Error::new(
            ErrorKind::Network,
            format!("size mismatch: expected {want} bytes, found {actual}"),
        )
        .with_file(p)),
        _ => Ok(()),
    }
}

/// The `href` targets of an HTML page, resolved against `base` (fragments removed).
pub fn page_links(html: &str, base: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(i) = lower[pos..].find("href") {
        let mut j = pos + i + 4;
        pos = j;
        let bytes = html.as_bytes();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if j >= bytes.len() || bytes[j] != b'=' {
            continue;
        }
        j += 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let Some(&q) = bytes.get(j) else { break };
        let (start, end) = if q == b'"' || q == b'\'' {
            let s = j + 1;
            match html[s..].find(q as char) {
                Some(e) => (s, s + e),
                None => break,
            }
        } else {
            let e = html[j..]
                .find(|c: char| c.is_ascii_whitespace() || c == '>')
                .map_or(html.len(), |e| j + e);
            (j, e)
        };
        let href = html[start..end].replace("&amp;", "&");
        let href = href.split('#').next().unwrap_or("").trim().to_string();
        if !href.is_empty() && !href.starts_with("mailto:") && !href.starts_with("javascript:") {
            let abs = join_url(base, &href);
            if !out.contains(&abs) {
                out.push(abs);
            }
        }
        pos = end;
    }
    out
}

/// Resolve `href` against `base` (RFC 3986 in the common cases).
pub fn join_url(base: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    if let Some(r) = href.strip_prefix("//") {
        return format!("{scheme}://{r}");
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let mut segs: Vec<&str> = if href.starts_with('/') {
        Vec::new()
    } else {
        let mut s: Vec<&str> = path.split('/').collect();
        s.pop(); // the page's own name
        s
    };
    let (href_path, query) = match href.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (href, None),
    };
    for seg in href_path.trim_start_matches('/').split('/') {
        match seg {
            "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    let mut out = format!("{scheme}://{host}/{}", segs.join("/"));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_against_the_page() {
        let html = r#"<a HREF="sub/a.mid">a</a> <a href='../b.mp3#x'>b</a> <a href=/c.mid>c</a> <a href="http://o/d.mid">"#;
        let links = page_links(html, "https://h/x/page.html");
        assert_eq!(
            links,
            [
                "https://h/x/sub/a.mid",
                "https://h/b.mp3",
                "https://h/c.mid",
                "http://o/d.mid"
            ]
        );
    }

    #[test]
    fn mirror_candidates() {
        assert_eq!(
            Mirror::candidates("http://repo/p/data/audio.zip?x=1", &["audio.zip"]),
            ["p/data/audio.zip", "audio.zip"]
        );
        assert_eq!(
            Mirror::candidates("https://mega.nz/#!a!b", &["flute.zip"]),
            ["flute.zip"]
        );
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
    }
}
