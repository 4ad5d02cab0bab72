//! Public mega.nz file links, downloaded through Mega's public-link protocol.
//!
//! Two datasets of the official collection live on mega.nz (traditional_flute and the
//! ground-truth archive). A public link carries the file's id and its 256-bit key, in
//! either of the two formats Mega has used: `https://mega.nz/#!ID!KEY` and
//! `https://mega.nz/file/ID#KEY`. The flow:
//!
//! 1. POST `[{"a":"g","g":1,"p":ID}]` to `<api>/cs` ([`resolve`]); the answer carries the
//!    size `s`, the encrypted attributes `at` (file name) and a temporary download URL `g`
//!    (or a negative error code).
//! 2. Fetch the encrypted bytes from `g` with the ordinary resumable downloader
//!    ([`super::download::Http::download_as`], keyed on the file id because `g` changes
//!    between sessions).
//! 3. Decrypt with AES-128-CTR (key = first half XOR second half of the link key; nonce =
//!    key words 4-5; counter from 0) while computing Mega's chunked CBC-MAC over the
//!    plaintext; the condensed MAC must equal key words 6-7 ([`decrypt_file`]). Only then
//!    is the file renamed into place.
//!
//! The API base URL is configurable ([`super::download::NetOptions::mega_api`]) so tests
//! run against a local server implementing the same protocol.
//!
//! ```
//! use asmd::install::mega::MegaLink;
//! let l = MegaLink::parse("https://mega.nz/file/3ct3gQoS#p-QXDNWVyHqB1puGt6Cr_1O8VZo9oF4qE7d-7yDqkfc").unwrap();
//! assert_eq!(l.id, "3ct3gQoS");
//! let old = MegaLink::parse("https://mega.nz/#!jUVT0CiC!IJgwfGuhG2-sWsoInnucIdkd-GHdrXowCSQ1hOHkEIY").unwrap();
//! assert_eq!(old.id, "jUVT0CiC");
//! ```

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use aes::cipher::{BlockEncrypt, KeyInit, KeyIvInit, StreamCipher};
use aes::Aes128;
use base64::Engine as _;
use serde_json::Value;

use super::checksum::{Checksum, Hasher};
use super::download::{with_suffix, Downloaded, Http, Progress};
use crate::error::{Error, ErrorKind, IoContext, Result};

/// Mega's public API base URL.
pub const DEFAULT_API: &str = "https://g.api.mega.co.nz";

type Ctr = ctr::Ctr128BE<Aes128>;

/// A parsed public file link.
#[derive(Clone, PartialEq, Eq)]
pub struct MegaLink {
    /// The public file id.
    pub id: String,
    key: [u8; 32],
}

impl std::fmt::Debug for MegaLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MegaLink({})", self.id)
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s: String = s
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    b64().decode(s.trim_end_matches('=')).ok()
}

/// Base64url (no padding), as Mega writes keys and attributes.
pub fn b64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl MegaLink {
    /// True when `url` is on mega.nz / mega.co.nz.
    pub fn is_mega(url: &str) -> bool {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or("");
        let host = rest.split(['/', '#', '?']).next().unwrap_or("");
        let host = host.strip_prefix("www.").unwrap_or(host);
        host == "mega.nz" || host == "mega.co.nz"
    }

    /// Parse `https://mega.nz/#!ID!KEY` or `https://mega.nz/file/ID#KEY`.
    pub fn parse(url: &str) -> Result<MegaLink> {
        let bad = |why: &str| {
            Error::new(
                ErrorKind::Argument,
                format!("not a public Mega file link: {why}"),
            )
            .with_file(url)
        };
        if !MegaLink::is_mega(url) {
            return Err(bad("the host is not mega.nz"));
        }
        let (id, key) = if let Some(i) = url.find("/file/") {
            let rest = &url[i + 6..];
            let (id, key) = rest
                .split_once('#')
                .ok_or_else(|| bad("no `#KEY` after the id"))?;
            (id.to_string(), key.to_string())
        } else if let Some(i) = url.find("#!") {
            let rest = &url[i + 2..];
            let (id, key) = rest
                .split_once('!')
                .ok_or_else(|| bad("no `!KEY` after the id"))?;
            (id.to_string(), key.to_string())
        } else if url.contains("/folder/") || url.contains("#F!") {
            return Err(bad("folder links are not supported, only file links"));
        } else {
            return Err(bad("expected /file/ID#KEY or #!ID!KEY"));
        };
        let key = key.split(['?', '/']).next().unwrap_or("");
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad("the file id is malformed"));
        }
        let raw = b64_decode(key).ok_or_else(|| bad("the key is not base64"))?;
        let key: [u8; 32] = raw
            .try_into()
            .map_err(|v: Vec<u8>| bad(&format!("the key has {} bytes, expected 32", v.len())))?;
        Ok(MegaLink { id, key })
    }

    /// Build a link from an id and a 32-byte key (the inverse of [`MegaLink::parse`]).
    pub fn new(id: &str, key: [u8; 32]) -> MegaLink {
        MegaLink {
            id: id.to_string(),
            key,
        }
    }

    /// The link in `https://mega.nz/file/ID#KEY` form.
    pub fn url(&self) -> String {
        format!("https://mega.nz/file/{}#{}", self.id, b64_encode(&self.key))
    }

    fn aes_key(&self) -> [u8; 16] {
        let mut k = [0u8; 16];
        for (i, b) in k.iter_mut().enumerate() {
            *b = self.key[i] ^ self.key[i + 16];
        }
        k
    }

    fn nonce(&self) -> [u8; 8] {
        let mut n = [0u8; 8];
        n.copy_from_slice(&self.key[16..24]);
        n
    }

    fn meta_mac(&self) -> [u8; 8] {
        let mut n = [0u8; 8];
        n.copy_from_slice(&self.key[24..32]);
        n
    }
}

/// What the API says about a public file.
#[derive(Debug, Clone)]
pub struct MegaFile {
    /// The link it came from.
    pub link: MegaLink,
    /// File name from the decrypted attributes, when readable.
    pub name: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Temporary URL serving the encrypted bytes.
    pub download_url: String,
}

fn api_error(code: i64) -> (&'static str, bool) {
    match code {
        -3 => ("the server asks to retry later (EAGAIN)", true),
        -4 => ("rate limit exceeded (ERATELIMIT)", true),
        -18 => ("temporarily unavailable (ETEMPUNAVAIL)", true),
        -2 => ("bad request (EARGS)", false),
        -9 => (
            "file not found: the link is dead or was removed (ENOENT)",
            false,
        ),
        -11 => ("access denied (EACCESS)", false),
        -16 => ("the file was taken down (EBLOCKED)", false),
        -17 => ("transfer quota exceeded (EOVERQUOTA)", false),
        _ => ("API error", false),
    }
}

/// Decrypt Mega's attribute block (AES-128-CBC, zero IV, `MEGA{json}` zero-padded).
fn decrypt_attributes(key: &[u8; 16], at: &str) -> Option<String> {
    let mut data = b64_decode(at)?;
    if data.is_empty() || data.len() % 16 != 0 {
        return None;
    }
    let cipher = Aes128::new(key.into());
    let mut prev = [0u8; 16];
    for block in data.chunks_mut(16) {
        let mut saved = [0u8; 16];
        saved.copy_from_slice(block);
        let b = aes::Block::from_mut_slice(block);
        aes::cipher::BlockDecrypt::decrypt_block(&cipher, b);
        for (x, p) in block.iter_mut().zip(prev.iter()) {
            *x ^= p;
        }
        prev = saved;
    }
    let text = data.strip_prefix(b"MEGA")?;
    let end = text.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let v: Value = serde_json::from_slice(&text[..end]).ok()?;
    v["n"].as_str().map(str::to_string)
}

/// Ask the API for a public file's size, name and temporary download URL.
pub fn resolve(http: &Http, link: &MegaLink) -> Result<MegaFile> {
    let api = http.options().mega_api.trim_end_matches('/').to_string();
    let mut attempt = 0u32;
    loop {
        let url = format!("{api}/cs?id={}", attempt + 1);
        let answer = http
            .post_json(
                &url,
                &serde_json::json!([{ "a": "g", "g": 1, "p": link.id }]),
            )
            .map_err(|e| e.with_file(link.url()))?;
        let item = match &answer {
            Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        let code = item
            .as_i64()
            .or_else(|| item.get("e").and_then(Value::as_i64));
        if let Some(code) = code {
            let (what, retry) = api_error(code);
            if retry && attempt < http.options().retries {
                attempt += 1;
                std::thread::sleep(http.options().backoff * attempt);
                continue;
            }
            return Err(
                Error::new(ErrorKind::Network, format!("mega.nz: {what} [{code}]"))
                    .with_file(link.url()),
            );
        }
        let size = item.get("s").and_then(Value::as_u64);
        let g = item.get("g").and_then(Value::as_str);
        let (Some(size), Some(g)) = (size, g) else {
            return Err(Error::new(
                ErrorKind::Network,
                format!("mega.nz: unexpected API answer {item}"),
            )
            .with_file(link.url()));
        };
        let name = item
            .get("at")
            .and_then(Value::as_str)
            .and_then(|at| decrypt_attributes(&link.aes_key(), at));
        return Ok(MegaFile {
            link: link.clone(),
            name,
            size,
            download_url: g.to_string(),
        });
    }
}

/// Mega's chunked CBC-MAC over plaintext, fed incrementally.
struct Mac {
    cipher: Aes128,
    iv: [u8; 16],
    file_mac: [u8; 16],
    chunk_mac: [u8; 16],
    chunk_left: u64,
    chunk_index: u64,
    block: [u8; 16],
    filled: usize,
    in_chunk: bool,
}

impl Mac {
    fn new(link: &MegaLink) -> Mac {
        let mut iv = [0u8; 16];
        iv[..8].copy_from_slice(&link.nonce());
        iv[8..].copy_from_slice(&link.nonce());
        Mac {
            cipher: Aes128::new(&link.aes_key().into()),
            iv,
            file_mac: [0; 16],
            chunk_mac: iv,
            chunk_left: 0,
            chunk_index: 0,
            block: [0; 16],
            filled: 0,
            in_chunk: false,
        }
    }

    fn encrypt(&self, b: &mut [u8; 16]) {
        self.cipher.encrypt_block(aes::Block::from_mut_slice(b));
    }

    fn absorb_block(&mut self) {
        let mut x = self.chunk_mac;
        for (a, b) in x.iter_mut().zip(self.block.iter()) {
            *a ^= b;
        }
        self.encrypt(&mut x);
        self.chunk_mac = x;
        self.block = [0; 16];
        self.filled = 0;
    }

    fn end_chunk(&mut self) {
        if self.filled > 0 {
            self.absorb_block();
        }
        let mut x = self.file_mac;
        for (a, b) in x.iter_mut().zip(self.chunk_mac.iter()) {
            *a ^= b;
        }
        self.encrypt(&mut x);
        self.file_mac = x;
        self.in_chunk = false;
    }

    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if !self.in_chunk {
                self.chunk_index += 1;
                self.chunk_left = (self.chunk_index * 0x20000).min(0x100000);
                self.chunk_mac = self.iv;
                self.in_chunk = true;
            }
            let take = (data.len() as u64).min(self.chunk_left) as usize;
            let (now, rest) = data.split_at(take);
            for &b in now {
                self.block[self.filled] = b;
                self.filled += 1;
                if self.filled == 16 {
                    self.absorb_block();
                }
            }
            self.chunk_left -= take as u64;
            if self.chunk_left == 0 {
                self.end_chunk();
            }
            data = rest;
        }
    }

    fn finish(mut self) -> [u8; 8] {
        if self.in_chunk {
            self.end_chunk();
        }
        let m = self.file_mac;
        let mut out = [0u8; 8];
        for i in 0..4 {
            out[i] = m[i] ^ m[i + 4];
            out[i + 4] = m[i + 8] ^ m[i + 12];
        }
        out
    }
}

/// Decrypt `encrypted` into `out` (all at once, through a temporary sibling), checking
/// Mega's MAC and, when given, the expected checksum of the plaintext.
pub fn decrypt_file(
    link: &MegaLink,
    encrypted: &Path,
    out: &Path,
    checksum: Option<&Checksum>,
    progress: &mut dyn FnMut(u64),
) -> Result<super::checksum::Digests> {
    let mut input = File::open(encrypted).with_path(encrypted)?;
    crate::files::replace_with(out, |file, tmp| {
        let mut writer = BufWriter::new(file);
        let mut iv = [0u8; 16];
        iv[..8].copy_from_slice(&link.nonce());
        let mut ctr = Ctr::new(&link.aes_key().into(), &iv.into());
        let mut mac = Mac::new(link);
        let mut hasher = Hasher::for_checksum(checksum);
        let mut buf = vec![0u8; 1 << 18];
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(encrypted, e)),
            };
            let chunk = &mut buf[..n];
            ctr.apply_keystream(chunk);
            mac.update(chunk);
            hasher.update(chunk);
            writer.write_all(chunk).with_path(tmp)?;
            progress(hasher.size());
        }
        writer.flush().with_path(tmp)?;
        if mac.finish() != link.meta_mac() {
            return Err(Error::new(
                ErrorKind::Network,
                "mega.nz: integrity check failed (the decrypted file's MAC does not match the link's key)",
            )
            .with_file(link.url()));
        }
        let digests = hasher.finish();
        if let Some(c) = checksum {
            c.check(&digests, link.url())?;
        }
        Ok(digests)
    })
}

/// Download and decrypt a public Mega file to `dest` (resumable: the encrypted bytes go
/// to `<dest>.mega`, continued across sessions).
pub fn download(
    http: &Http,
    file: &MegaFile,
    dest: &Path,
    checksum: Option<&Checksum>,
    progress: Progress,
) -> Result<Downloaded> {
    if dest.is_file() {
        let len = std::fs::metadata(dest).with_path(dest)?.len();
        progress(len, Some(len));
        return Ok(Downloaded {
            path: dest.to_path_buf(),
            digests: super::checksum::Digests {
                size: len,
                ..Default::default()
            },
            resumed_from: len,
            received: 0,
        });
    }
    let enc = with_suffix(dest, ".mega");
    let identity = format!("mega:{}", file.link.id);
    let got = http
        .download_as(
            &file.download_url,
            Some(&identity),
            &enc,
            None,
            Some(file.size),
            progress,
        )
        .map_err(|e| e.with_file(file.link.url()))?;
    let digests = decrypt_file(&file.link, &enc, dest, checksum, &mut |_| {})?;
    let _ = std::fs::remove_file(&enc);
    Ok(Downloaded {
        path: dest.to_path_buf(),
        digests,
        resumed_from: got.resumed_from,
        received: got.received,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_link_formats() {
        let a = MegaLink::parse(
            "https://mega.nz/#!jUVT0CiC!IJgwfGuhG2-sWsoInnucIdkd-GHdrXowCSQ1hOHkEIY",
        )
        .unwrap();
        let b = MegaLink::parse(&a.url()).unwrap();
        assert_eq!(a, b);
        assert!(MegaLink::parse("https://mega.nz/folder/abc#def").is_err());
        assert!(MegaLink::parse("https://mega.nz/file/abc#short").is_err());
        assert!(MegaLink::parse("https://example.org/file/abc#def").is_err());
        assert!(MegaLink::is_mega("https://mega.co.nz/#!a!b"));
    }

    #[test]
    fn mac_of_chunk_boundaries_is_stable_under_splitting() {
        let link = MegaLink::new("x", [7u8; 32]);
        let data: Vec<u8> = (0..(0x20000 * 3 + 37)).map(|i| (i % 251) as u8).collect();
        let mut whole = Mac::new(&link);
        whole.update(&data);
        let mut pieces = Mac::new(&link);
        for c in data.chunks(4093) {
            pieces.update(c);
        }
        assert_eq!(whole.finish(), pieces.finish());
    }
}
