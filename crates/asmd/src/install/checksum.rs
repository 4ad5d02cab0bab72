//! Checksums of downloaded archives: the optional `checksum` of a definition's install
//! section or of a download step, `{"md5": "<hex>"}` or `{"sha256": "<hex>"}`.
//!
//! Data flow: bytes stream through a [`Hasher`] while they are downloaded (or read from
//! a local mirror); at the end [`Hasher::finish`] gives a [`Digests`] that is compared
//! with the expected [`Checksum`] and recorded in the install marker (the SHA-256 is
//! always computed, so a source without a published checksum gets one recorded).
//!
//! ```
//! use asmd::install::checksum::{Checksum, Hasher};
//! let c = Checksum::from_json(&serde_json::json!({"md5": "900150983CD24FB0D6963F7D28E17F72"}), "demo.json", "$.install.checksum").unwrap();
//! let mut h = Hasher::new();
//! h.update(b"abc");
//! assert!(c.matches(&h.finish()));
//! ```

use std::io::Read;
use std::path::Path;

use md5::Digest as _;
use serde_json::Value;

use crate::error::{Error, IoContext, Result};

/// An expected checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checksum {
    /// MD5, lower-case hex (32 digits).
    Md5(String),
    /// SHA-256, lower-case hex (64 digits).
    Sha256(String),
}

impl Checksum {
    /// Parse `{"md5": "..."}` or `{"sha256": "..."}`; `file` and `location` name the
    /// place in errors.
    pub fn from_json(v: &Value, file: impl AsRef<Path>, location: &str) -> Result<Checksum> {
        let bad = |problem: String| Error::format(file.as_ref(), location, problem);
        let o = v.as_object().ok_or_else(|| {
            bad("expected an object like {\"md5\": \"<hex>\"} or {\"sha256\": \"<hex>\"}".into())
        })?;
        if o.len() != 1 {
            return Err(bad(format!(
                "expected exactly one of `md5`, `sha256`, found {} keys",
                o.len()
            )));
        }
        let (algo, hex) = o
            .iter()
            .next()
            .ok_or_else(|| bad("empty checksum object".into()))?;
        let hex = hex
            .as_str()
            .ok_or_else(|| bad(format!("`{algo}` must be a hex string")))?
            .to_ascii_lowercase();
        let want = match algo.as_str() {
            "md5" => 32,
            "sha256" => 64,
            other => {
                return Err(bad(format!(
                    "unsupported checksum algorithm `{other}` (use md5 or sha256)"
                )))
            }
        };
        if hex.len() != want || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!(
                "`{algo}` must be {want} hex digits, found `{hex}`"
            )));
        }
        Ok(if algo == "md5" {
            Checksum::Md5(hex)
        } else {
            Checksum::Sha256(hex)
        })
    }

    /// The JSON form, `{"md5": "..."}` or `{"sha256": "..."}`.
    pub fn to_json(&self) -> Value {
        match self {
            Checksum::Md5(h) => serde_json::json!({ "md5": h }),
            Checksum::Sha256(h) => serde_json::json!({ "sha256": h }),
        }
    }

    /// Algorithm name (`md5` or `sha256`).
    pub fn algorithm(&self) -> &'static str {
        match self {
            Checksum::Md5(_) => "md5",
            Checksum::Sha256(_) => "sha256",
        }
    }

    /// Expected hex digest.
    pub fn hex(&self) -> &str {
        match self {
            Checksum::Md5(h) | Checksum::Sha256(h) => h,
        }
    }

    /// True when `d` has the expected digest.
    pub fn matches(&self, d: &Digests) -> bool {
        match self {
            Checksum::Md5(h) => *h == d.md5,
            Checksum::Sha256(h) => *h == d.sha256,
        }
    }

    /// The digest `d` has for this checksum's algorithm.
    pub fn actual<'a>(&self, d: &'a Digests) -> &'a str {
        match self {
            Checksum::Md5(_) => &d.md5,
            Checksum::Sha256(_) => &d.sha256,
        }
    }

    /// Error unless `d` matches; `what` names the file or URL.
    pub fn check(&self, d: &Digests, what: impl AsRef<Path>) -> Result<()> {
        if self.matches(d) {
            return Ok(());
        }
        Err(Error::new(
            crate::ErrorKind::Network,
            format!(
                "checksum mismatch: expected {} {}, got {}",
                self.algorithm(),
                self.hex(),
                self.actual(d)
            ),
        )
        .with_file(what))
    }
}

/// Digests of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Digests {
    /// MD5, lower-case hex (empty when not computed).
    pub md5: String,
    /// SHA-256, lower-case hex (empty when not computed).
    pub sha256: String,
    /// Number of bytes hashed.
    pub size: u64,
}

/// Streaming SHA-256 and/or MD5. Each costs a pass of CPU time comparable to unpacking,
/// so a download computes only what it needs: the MD5 when the definition's checksum is
/// an MD5, else the SHA-256 (checked, or recorded in the install marker).
#[derive(Clone)]
pub struct Hasher {
    md5: Option<md5::Md5>,
    sha256: Option<sha2::Sha256>,
    size: u64,
}

impl Default for Hasher {
    /// SHA-256 only.
    fn default() -> Hasher {
        Hasher {
            md5: None,
            sha256: Some(sha2::Sha256::default()),
            size: 0,
        }
    }
}

impl Hasher {
    /// A fresh hasher computing SHA-256 and MD5.
    pub fn new() -> Hasher {
        Hasher {
            md5: Some(md5::Md5::default()),
            ..Hasher::default()
        }
    }

    /// A fresh hasher for checking `expected`: MD5 only for an MD5, else SHA-256 only.
    pub fn for_checksum(expected: Option<&Checksum>) -> Hasher {
        match expected {
            Some(Checksum::Md5(_)) => Hasher {
                md5: Some(md5::Md5::default()),
                sha256: None,
                size: 0,
            },
            _ => Hasher::default(),
        }
    }

    /// Feed bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        if let Some(m) = &mut self.md5 {
            m.update(bytes);
        }
        if let Some(h) = &mut self.sha256 {
            h.update(bytes);
        }
        self.size += bytes.len() as u64;
    }

    /// Feed everything `r` yields, calling `progress` with the running byte count.
    pub fn update_reader(
        &mut self,
        mut r: impl Read,
        what: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<()> {
        let mut buf = vec![0u8; 1 << 18];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(what, e)),
            };
            self.update(&buf[..n]);
            progress(self.size);
        }
    }

    /// A fresh hasher computing the same digests as this one.
    pub fn fresh(&self) -> Hasher {
        Hasher {
            md5: self.md5.as_ref().map(|_| md5::Md5::default()),
            sha256: self.sha256.as_ref().map(|_| sha2::Sha256::default()),
            size: 0,
        }
    }

    /// Bytes hashed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The digests.
    pub fn finish(self) -> Digests {
        Digests {
            md5: self.md5.map(|m| hex(&m.finalize())).unwrap_or_default(),
            sha256: self.sha256.map(|h| hex(&h.finalize())).unwrap_or_default(),
            size: self.size,
        }
    }
}

/// Digests of a whole file.
pub fn hash_file(path: &Path, progress: &mut dyn FnMut(u64)) -> Result<Digests> {
    let f = std::fs::File::open(path).with_path(path)?;
    let mut h = Hasher::new();
    h.update_reader(f, path, progress)?;
    Ok(h.finish())
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let mut h = Hasher::new();
        h.update(b"abc");
        let d = h.finish();
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.size, 3);
    }

    #[test]
    fn parse_errors_name_the_place() {
        let e = Checksum::from_json(
            &serde_json::json!({"crc": "00"}),
            "d.json",
            "$.install.checksum",
        )
        .unwrap_err();
        assert_eq!(e.location(), Some("$.install.checksum"));
        assert!(e.message().contains("unsupported checksum algorithm `crc`"));
        let e =
            Checksum::from_json(&serde_json::json!({"md5": "xyz"}), "d.json", "$.c").unwrap_err();
        assert!(e.message().contains("32 hex digits"));
        let e = Checksum::from_json(&serde_json::json!("abc"), "d.json", "$.c").unwrap_err();
        assert!(e.message().contains("expected an object"));
    }

    #[test]
    fn mismatch_is_reported() {
        let c = Checksum::Sha256("0".repeat(64));
        let e = c.check(&Hasher::new().finish(), "x.zip").unwrap_err();
        assert!(e.to_string().contains("checksum mismatch: expected sha256"));
    }
}
