//! Test support for the installer: a real HTTP/1.1 server on 127.0.0.1 (byte ranges,
//! HEAD, redirects, injected faults, Mega's public-link API), archive builders for every
//! supported format, Mega-style encryption, and definition helpers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes::cipher::{BlockEncrypt, KeyInit, KeyIvInit, StreamCipher};

/// What the server does for one path.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Send the headers and this many body bytes, then close (once; later requests are served).
    DropAfter(u64),
    /// Accept and never answer.
    Stall,
    /// 404 even if the file exists.
    NotFound,
    /// 302 to another path.
    Redirect(String),
    /// Serve at most this many bytes per 10 ms (slow transfer).
    Slow(usize),
    /// Wait this many milliseconds before answering (counted in `active`), then serve.
    Delay(u64),
}

/// One request seen by the server.
#[derive(Clone, Debug)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub range: Option<String>,
    pub sent: u64,
}

#[derive(Default)]
pub struct State {
    pub files: HashMap<String, Vec<u8>>,
    pub faults: HashMap<String, Fault>,
    pub log: Vec<Logged>,
    /// Mega public files: id -> (encrypted attributes, served path of the encrypted bytes)
    pub mega: HashMap<String, (String, String)>,
    /// Bodies being sent right now, and the most ever sent at once.
    pub active: usize,
    pub max_active: usize,
}

/// Counts a body transfer in [`State::active`] while it lives.
struct Busy<'a>(&'a Mutex<State>);

impl<'a> Busy<'a> {
    fn enter(st: &'a Mutex<State>) -> Busy<'a> {
        let mut g = st.lock().unwrap();
        g.active += 1;
        g.max_active = g.max_active.max(g.active);
        Busy(st)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.lock().unwrap().active -= 1;
    }
}

pub struct Server {
    pub port: u16,
    pub state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            while !sp.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(300) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let (st, sp) = (st.clone(), sp.clone());
                        std::thread::spawn(move || {
                            let _ = handle(s, port, &st, &sp);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(3)),
                }
            }
        });
        Server {
            port,
            state,
            stop,
            handle: Some(handle),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }

    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        self.state
            .lock()
            .unwrap()
            .files
            .insert(format!("/{}", path.trim_start_matches('/')), bytes);
    }

    pub fn fault(&self, path: &str, f: Fault) {
        self.state
            .lock()
            .unwrap()
            .faults
            .insert(format!("/{}", path.trim_start_matches('/')), f);
    }

    pub fn clear_fault(&self, path: &str) {
        self.state
            .lock()
            .unwrap()
            .faults
            .remove(&format!("/{}", path.trim_start_matches('/')));
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().unwrap().log.clone()
    }

    /// Requests for a path (GET and HEAD).
    pub fn requests(&self, path: &str) -> Vec<Logged> {
        let p = format!("/{}", path.trim_start_matches('/'));
        self.log().into_iter().filter(|l| l.path == p).collect()
    }

    /// Body bytes sent for a path over all GET requests.
    pub fn sent(&self, path: &str) -> u64 {
        self.requests(path)
            .iter()
            .filter(|l| l.method == "GET")
            .map(|l| l.sent)
            .sum()
    }

    /// Publish `plain` as a Mega file: returns its public link (file/ID#KEY form).
    pub fn put_mega(&self, id: &str, name: &str, plain: &[u8], key: [u8; 32]) -> String {
        let (enc, at) = mega_encrypt(plain, name, &key);
        let path = format!("/megadl/{id}");
        let mut s = self.state.lock().unwrap();
        s.files.insert(path.clone(), enc);
        s.mega.insert(id.to_string(), (at, path));
        format!("https://mega.nz/file/{id}#{}", b64url(&key))
    }

    pub fn mega_api(&self) -> String {
        format!("http://127.0.0.1:{}/mega-api", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn status_line(code: u16) -> &'static str {
    match code {
        200 => "200 OK",
        206 => "206 Partial Content",
        302 => "302 Found",
        404 => "404 Not Found",
        416 => "416 Range Not Satisfiable",
        _ => "500 Internal Server Error",
    }
}

fn handle(
    mut s: TcpStream,
    port: u16,
    st: &Mutex<State>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    s.set_nonblocking(false)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(s.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let path = target.split('?').next().unwrap_or("/").to_string();
    let range = headers.get("range").cloned();
    let mut body_in = Vec::new();
    if let Some(len) = headers
        .get("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        body_in.resize(len, 0);
        reader.read_exact(&mut body_in)?;
    }
    let respond = |s: &mut TcpStream, code: u16, extra: &str, body: &[u8]| -> std::io::Result<()> {
        write!(
            s,
            "HTTP/1.1 {}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
            status_line(code),
            body.len()
        )?;
        s.write_all(body)?;
        s.flush()
    };
    // Mega API
    if method == "POST" && path == "/mega-api/cs" {
        let req: serde_json::Value = serde_json::from_slice(&body_in).unwrap_or_default();
        let id = req[0]["p"].as_str().unwrap_or("").to_string();
        let answer = {
            let g = st.lock().unwrap();
            match g.mega.get(&id) {
                Some((at, p)) if req[0]["a"] == "g" => {
                    let size = g.files.get(p).map_or(0, Vec::len);
                    serde_json::json!([{"s": size, "at": at, "g": format!("http://127.0.0.1:{port}{p}")}])
                }
                _ => serde_json::json!([-9]),
            }
        };
        st.lock().unwrap().log.push(Logged {
            method,
            path,
            range: None,
            sent: 0,
        });
        return respond(
            &mut s,
            200,
            "Content-Type: application/json\r\n",
            answer.to_string().as_bytes(),
        );
    }
    let (fault, file) = {
        let g = st.lock().unwrap();
        (g.faults.get(&path).cloned(), g.files.get(&path).cloned())
    };
    let mut log = Logged {
        method: method.clone(),
        path: path.clone(),
        range: range.clone(),
        sent: 0,
    };
    let result = (|| -> std::io::Result<()> {
        if let Some(Fault::Delay(ms)) = &fault {
            let _busy = Busy::enter(st);
            std::thread::sleep(Duration::from_millis(*ms));
        }
        match &fault {
            Some(Fault::Stall) => {
                st.lock().unwrap().log.push(log.clone());
                let t = std::time::Instant::now();
                while !stop.load(Ordering::SeqCst) && t.elapsed() < Duration::from_secs(20) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return Ok(());
            }
            Some(Fault::NotFound) => return respond(&mut s, 404, "", b"not found"),
            Some(Fault::Redirect(to)) => {
                return respond(
                    &mut s,
                    302,
                    &format!(
                        "Location: http://127.0.0.1:{port}/{}\r\n",
                        to.trim_start_matches('/')
                    ),
                    b"",
                )
            }
            _ => {}
        }
        let Some(file) = file else {
            return respond(&mut s, 404, "", b"not found");
        };
        let size = file.len() as u64;
        let (start, end, code) = match range.as_deref().and_then(|r| r.strip_prefix("bytes=")) {
            Some(r) => {
                let (a, b) = r.split_once('-').unwrap_or((r, ""));
                let (start, end) = if a.is_empty() {
                    let n: u64 = b.parse().unwrap_or(0);
                    (size.saturating_sub(n), size.saturating_sub(1))
                } else {
                    let a: u64 = a.parse().unwrap_or(0);
                    let e = if b.is_empty() {
                        size.saturating_sub(1)
                    } else {
                        b.parse::<u64>().unwrap_or(0).min(size.saturating_sub(1))
                    };
                    (a, e)
                };
                if start >= size || start > end {
                    return respond(
                        &mut s,
                        416,
                        &format!("Content-Range: bytes */{size}\r\n"),
                        b"",
                    );
                }
                (start, end, 206)
            }
            None => (0, size.saturating_sub(1), 200),
        };
        let len = if size == 0 { 0 } else { end - start + 1 };
        let mut extra = String::from("Accept-Ranges: bytes\r\nETag: \"v1\"\r\n");
        if code == 206 {
            extra.push_str(&format!("Content-Range: bytes {start}-{end}/{size}\r\n"));
        }
        write!(
            s,
            "HTTP/1.1 {}\r\nContent-Length: {len}\r\nConnection: close\r\n{extra}\r\n",
            status_line(code)
        )?;
        if method == "HEAD" {
            return s.flush();
        }
        let body = &file[start as usize..(start + len) as usize];
        let _busy = Busy::enter(st);
        match &fault {
            Some(Fault::DropAfter(n)) => {
                let n = (*n as usize).min(body.len());
                s.write_all(&body[..n])?;
                s.flush()?;
                log.sent = n as u64;
                st.lock().unwrap().faults.remove(&path);
                let _ = s.shutdown(std::net::Shutdown::Both);
                Ok(())
            }
            Some(Fault::Slow(per)) => {
                for (k, c) in body.chunks((*per).max(1)).enumerate() {
                    if k > 0 {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    if s.write_all(c).is_err() {
                        break;
                    }
                    log.sent += c.len() as u64;
                }
                Ok(())
            }
            _ => {
                let r = s.write_all(body);
                if r.is_ok() {
                    log.sent = body.len() as u64;
                }
                r?;
                s.flush()
            }
        }
    })();
    if !matches!(fault, Some(Fault::Stall)) {
        st.lock().unwrap().log.push(log);
    }
    result
}

// ---------------------------------------------------------------------------------
// Mega-format encryption (written from Mega's published scheme, independent of asmd).

pub fn b64url(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        let k = c.len() + 1;
        for i in 0..k {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Encrypt like Mega: returns (ciphertext, encrypted attributes). The key's last 8 bytes
/// must already hold the condensed MAC, so this computes the MAC and returns a key with
/// it through `mega_key`.
pub fn mega_encrypt(plain: &[u8], name: &str, key: &[u8; 32]) -> (Vec<u8>, String) {
    let mut k = [0u8; 16];
    for i in 0..16 {
        k[i] = key[i] ^ key[i + 16];
    }
    let mut iv = [0u8; 16];
    iv[..8].copy_from_slice(&key[16..24]);
    let mut enc = plain.to_vec();
    let mut c = ctr::Ctr128BE::<aes::Aes128>::new(&k.into(), &iv.into());
    c.apply_keystream(&mut enc);
    let mut attr = format!("MEGA{{\"n\":\"{name}\"}}").into_bytes();
    while attr.len() % 16 != 0 {
        attr.push(0);
    }
    let cipher = aes::Aes128::new(&k.into());
    let mut prev = [0u8; 16];
    for block in attr.chunks_mut(16) {
        for (a, p) in block.iter_mut().zip(prev.iter()) {
            *a ^= p;
        }
        cipher.encrypt_block(aes::Block::from_mut_slice(block));
        prev.copy_from_slice(block);
    }
    (enc, b64url(&attr))
}

/// A Mega file key for `plain`, built as Mega's uploader does: an AES key `k` and a
/// nonce `n` (derived from `seed`), the condensed CBC-MAC `m` of the plaintext, and the
/// link key `[k[0..8]^n, k[8..16]^m, n, m]`.
pub fn mega_key(plain: &[u8], seed: u8) -> [u8; 32] {
    let k: [u8; 16] = std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 7 + 1));
    let nonce: [u8; 8] = std::array::from_fn(|i| seed.wrapping_add(100 + i as u8 * 3));
    let cipher = aes::Aes128::new(&k.into());
    let mut file_mac = [0u8; 16];
    let mut pos = 0usize;
    let mut idx = 1usize;
    while pos < plain.len() {
        let size = (idx * 0x20000).min(0x100000);
        let chunk = &plain[pos..(pos + size).min(plain.len())];
        let mut mac = [0u8; 16];
        mac[..8].copy_from_slice(&nonce);
        mac[8..].copy_from_slice(&nonce);
        for block in chunk.chunks(16) {
            let mut b = [0u8; 16];
            b[..block.len()].copy_from_slice(block);
            for i in 0..16 {
                mac[i] ^= b[i];
            }
            cipher.encrypt_block(aes::Block::from_mut_slice(&mut mac));
        }
        for i in 0..16 {
            file_mac[i] ^= mac[i];
        }
        cipher.encrypt_block(aes::Block::from_mut_slice(&mut file_mac));
        pos += chunk.len();
        idx += 1;
    }
    let m: [u8; 8] = std::array::from_fn(|i| {
        if i < 4 {
            file_mac[i] ^ file_mac[i + 4]
        } else {
            file_mac[i + 4] ^ file_mac[i + 8]
        }
    });
    let mut key = [0u8; 32];
    for i in 0..8 {
        key[i] = k[i] ^ nonce[i];
        key[8 + i] = k[8 + i] ^ m[i];
        key[16 + i] = nonce[i];
        key[24 + i] = m[i];
    }
    key
}

// ---------------------------------------------------------------------------------
// Archives.

pub type Entries<'a> = &'a [(&'a str, &'a [u8])];

pub fn zip_bytes(entries: Entries) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        if name.ends_with('/') {
            w.add_directory(*name, o).unwrap();
        } else {
            w.start_file(*name, o).unwrap();
            w.write_all(data).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

pub fn tar_bytes(entries: Entries) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        if name.ends_with('/') {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_size(0);
            h.set_mode(0o755);
            b.append_data(&mut h, name, std::io::empty()).unwrap();
        } else {
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, *data).unwrap();
        }
    }
    b.into_inner().unwrap()
}

/// A tar with a raw entry name (bypasses the builder's path checks) and optional link.
/// A raw tar entry: name, content, optional (link target, link type).
pub type RawEntry<'a> = (&'a str, &'a [u8], Option<(&'a str, tar::EntryType)>);

pub fn tar_raw(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data, link) in entries {
        let mut h = tar::Header::new_old();
        {
            let raw = h.as_old_mut();
            raw.name[..name.len()].copy_from_slice(name.as_bytes());
            if let Some((target, _)) = link {
                raw.linkname[..target.len()].copy_from_slice(target.as_bytes());
            }
        }
        h.set_mode(0o644);
        match link {
            Some((_, kind)) => {
                h.set_entry_type(*kind);
                h.set_size(0);
            }
            None => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
            }
        }
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        if link.is_none() {
            out.extend_from_slice(data);
            let pad = (512 - data.len() % 512) % 512;
            out.extend(std::iter::repeat_n(0u8, pad));
        }
    }
    out.extend(std::iter::repeat_n(0u8, 1024));
    out
}

pub fn gz(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

pub fn bz2(b: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

pub fn xz(b: &[u8]) -> Vec<u8> {
    let mut e =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// Deterministic pseudo-random bytes (incompressible enough for transfer tests).
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub fn md5_hex(b: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------------
// Definitions.

/// A definition with `songs` recordings (paths relative to the install dir) and `install`.
pub fn definition(
    name: &str,
    recordings: &[&str],
    install: serde_json::Value,
) -> serde_json::Value {
    let songs: Vec<serde_json::Value> = recordings
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let gt = format!("{}-0.json.gz", r.rsplit_once('.').map_or(*r, |(a, _)| a));
            serde_json::json!({"title": format!("song {i}"), "composer": "Anon", "instruments": ["piano"],
                "recording": {"path": [r]}, "ground_truth": [gt], "groups": ["all"]})
        })
        .collect();
    serde_json::json!({"name": name, "ensemble": false, "groups": ["all"], "instruments": ["piano"],
        "sources": {"format": "unknown"}, "recording": {"format": "wav"},
        "ground_truth": {"all": {"precise_alignment": 1}},
        "install": install, "songs": songs})
}

pub fn parse_def(v: &serde_json::Value, dir: &Path) -> asmd::Definition {
    let name = v["name"].as_str().unwrap();
    let p = dir.join(format!("{name}.json"));
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    asmd::Definition::from_path(&p).unwrap()
}

/// Options for tests: quiet, fast retries, short timeouts.
pub fn options(install_dir: &Path, defs: Vec<asmd::Definition>) -> asmd::install::InstallOptions {
    let mut o = asmd::install::InstallOptions::new(install_dir, defs);
    o.progress = false;
    o.mirror = None;
    o.ground_truth = asmd::install::GtMode::Skip;
    o.net.retries = 3;
    o.net.backoff = Duration::from_millis(10);
    o.net.read_timeout = Duration::from_secs(5);
    o.net.connect_timeout = Duration::from_secs(5);
    o.asmd_dir = Some(install_dir.join("asmd_dir_unused"));
    o
}

pub fn read(p: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn path(p: &str) -> PathBuf {
    PathBuf::from(p)
}
