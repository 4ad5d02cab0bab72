//! Seeded mutation test: a few thousand mutants of the real seed files of every fuzz
//! target (`fuzz/seeds/<target>/`), fed to the same drivers as the fuzz targets
//! (`fuzz/src/drivers.rs`). Any panic, abort, hang or allocation above the bound of
//! [`drivers::BoundedAlloc`] fails the test and names the mutant (seed, index); the
//! mutant is also written to `target/tmp/mutation-failures/` to be replayed with
//! `cargo fuzz run <target> <file>` or kept as a regression fixture.
//!
//! Each target runs in a child process (this test binary again, with
//! `ASMD_MUTATION_CHILD` set), so that an abort or a hang is reported, not fatal to the
//! other tests. The child records the index of the mutant it is working on in a file
//! before running it; when the child dies, the parent rebuilds that mutant from the seed.
//!
//! Before the mutants, the child runs the seeds as they are and every input that once
//! crashed the target (`tests/fixtures/regressions/<target>/`, fixed;
//! `fuzz/regressions/<target>/`, waiting for a fix from other work).
//!
//! `ASMD_MUTANTS` (default 2000 per target) and `ASMD_MUTATION_SEED` (default
//! 0x5eed_a5d0) change the run; the mutants are a pure function of the seed files, the
//! seed and the index.

#[path = "../../../fuzz/src/drivers.rs"]
#[allow(dead_code)]
mod drivers;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use drivers::{Driver, Layer};

/// 256 MiB per allocation and live in all: no parser needs more than a few MiB for
/// these seeds, so anything near this is an allocation sized by an untrusted number.
#[global_allocator]
static ALLOC: drivers::BoundedAlloc = drivers::BoundedAlloc::new(256 << 20, 256 << 20);

const DEFAULT_MUTANTS: u64 = 2000;
const DEFAULT_SEED: u64 = 0x5eed_a5d0;
/// A child that runs longer than this is hung (the normal run takes seconds).
const CHILD_TIMEOUT: Duration = Duration::from_secs(300);
const DONE: u64 = u64::MAX;
/// Progress marks of the fixed inputs: this bit and the input's index.
const FILE: u64 = 1 << 63;

fn env_u64(key: &str, default: u64) -> u64 {
    match std::env::var(key) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{key}={v} is not a number"))
        }
        Err(_) => default,
    }
}

fn seeds_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target)
}

/// Inputs that once crashed `target`: fixed ones (regression fixtures of this suite) and
/// ones kept in `fuzz/regressions/` until the work that fixes them lands.
fn regression_dirs(target: &str) -> [PathBuf; 2] {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("tests/fixtures/regressions").join(target),
        here.join("../../fuzz/regressions").join(target),
    ]
}

fn read_seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = seeds_dir(target);
    let seeds = read_files(&dir);
    assert!(!seeds.is_empty(), "no seed in {}", dir.display());
    seeds
}

/// What the child runs before the mutants: the seeds and the regression files.
fn fixed_inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut dirs = vec![seeds_dir(target)];
    dirs.extend(regression_dirs(target));
    dirs.iter()
        .flat_map(|d| read_files(d).into_iter().map(|(n, b)| (d.join(n), b)))
        .collect()
}

/// The files of `dir` (none when it does not exist), sorted by name.
fn read_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), bytes)
        })
        .filter(|(name, _)| name != "README.md")
        .collect();
    files.sort();
    files
}

// ---------------------------------------------------------------------------------
// Deterministic mutations.

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, target: &str, index: u64) -> Rng {
        // FNV-1a of the target name keeps targets' streams apart
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for b in target.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let mut r = Rng(seed ^ h ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const TEXT_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "-0",
    "1e308",
    "-1e308",
    "1e20",
    "1e9",
    "1e-7",
    "4294967296",
    "2147483647",
    "18446744073709551616",
    "9999999999999",
    "65536",
    "NaN",
    "Infinity",
    "-Infinity",
    "0.5",
    "1.7976931348623157e309",
];

const TEXT_TOKENS: &[&str] = &[
    "null",
    "\"unknown\"",
    "[]",
    "{}",
    "true",
    "[[",
    "]]",
    "\"\\ud800\"",
    "-",
    ",",
    "\"",
    "\n",
    "\r\n",
    "\u{feff}",
    "\u{e9}",
    ",,,",
    "C#-1",
    "../../",
];

const INTERESTING_BYTES: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, b'"', b'[', b']', b'{', b'}', b',', b'-', b'0', b'9', b'\n', b'.',
    b'e', b'/', b'\\',
];

const INTERESTING_INTS: &[u64] = &[
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

/// Apply one mutation to `b` (`others` are the target's seeds, for splices).
fn mutate_once(b: &mut Vec<u8>, rng: &mut Rng, others: &[(String, Vec<u8>)]) {
    let len = b.len();
    let pos = |rng: &mut Rng, n: usize| if n == 0 { 0 } else { rng.below(n) };
    match rng.below(10) {
        // flip a bit
        0 if len > 0 => {
            let i = pos(rng, len);
            b[i] ^= 1 << rng.below(8);
        }
        // an interesting byte
        1 if len > 0 => {
            let i = pos(rng, len);
            b[i] = *rng.pick(INTERESTING_BYTES);
        }
        // insert a few random bytes
        2 => {
            let i = pos(rng, len + 1);
            let n = 1 + rng.below(8);
            let new: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            b.splice(i..i, new);
        }
        // delete a range
        3 if len > 0 => {
            let i = pos(rng, len);
            let n = 1 + rng.below((len - i).min(64));
            b.drain(i..i + n);
        }
        // truncate
        4 => {
            let i = pos(rng, len + 1);
            b.truncate(i);
        }
        // splice in a range of a seed (this one or another), inserting or overwriting
        5 => {
            let (_, src) = rng.pick(others);
            if !src.is_empty() {
                let s = pos(rng, src.len());
                let n = 1 + rng.below((src.len() - s).min(512));
                let chunk = src[s..s + n].to_vec();
                let i = pos(rng, len + 1);
                if rng.below(2) == 0 {
                    b.splice(i..i, chunk);
                } else {
                    let end = (i + n).min(len);
                    b.splice(i..end, chunk);
                }
            }
        }
        // repeat a range of the input (more elements, repeated chunks)
        6 if len > 0 => {
            let s = pos(rng, len);
            let n = 1 + rng.below((len - s).min(256));
            let chunk = b[s..s + n].to_vec();
            let times = 1 + rng.below(8);
            for _ in 0..times {
                b.splice(s..s, chunk.iter().copied());
            }
        }
        // a number written as text becomes an extreme one
        7 if len > 0 => {
            let start = pos(rng, len);
            if let Some(off) = b[start..].iter().position(u8::is_ascii_digit) {
                let i = start + off;
                let mut j = i;
                while j < len && (b[j].is_ascii_digit() || matches!(b[j], b'.' | b'e' | b'E')) {
                    j += 1;
                }
                let new = rng.pick(TEXT_NUMBERS).as_bytes().to_vec();
                b.splice(i..j, new);
            }
        }
        // a binary integer field becomes an extreme one
        8 if len >= 2 => {
            let width = *rng.pick(&[2usize, 4, 8]);
            let width = width.min(len);
            let i = pos(rng, len - width + 1);
            let v = *rng.pick(INTERESTING_INTS);
            let v = if rng.below(4) == 0 {
                v.wrapping_add(rng.below(3) as u64).wrapping_sub(1)
            } else {
                v
            };
            let bytes = if rng.below(2) == 0 {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            let bytes = if rng.below(2) == 0 {
                &bytes[..width]
            } else {
                &bytes[8 - width..]
            };
            b[i..i + width].copy_from_slice(bytes);
        }
        // a structural token after a delimiter
        9 => {
            let start = pos(rng, len + 1);
            let at = b[start..]
                .iter()
                .position(|c| matches!(c, b':' | b',' | b'[' | b'{' | b'\n'))
                .map_or(start, |o| start + o + 1);
            let tok = rng.pick(TEXT_TOKENS).as_bytes().to_vec();
            b.splice(at..at, tok);
        }
        _ => b.push(rng.next() as u8),
    }
}

fn peel(layer: Layer, b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let ok = match layer {
        Layer::None => return None,
        Layer::Gzip => flate2::read::MultiGzDecoder::new(b)
            .read_to_end(&mut out)
            .is_ok(),
        Layer::Bzip2 => bzip2::read::BzDecoder::new(b).read_to_end(&mut out).is_ok(),
        Layer::Xz => lzma_rust2::XzReader::new(b, true)
            .read_to_end(&mut out)
            .is_ok(),
    };
    ok.then_some(out)
}

fn wrap(layer: Layer, b: &[u8]) -> Vec<u8> {
    match layer {
        Layer::None => b.to_vec(),
        Layer::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(b).unwrap();
            e.finish().unwrap()
        }
        Layer::Bzip2 => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(b).unwrap();
            e.finish().unwrap()
        }
        Layer::Xz => {
            let mut e =
                lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1))
                    .unwrap();
            e.write_all(b).unwrap();
            e.finish().unwrap()
        }
    }
}

/// Mutant `index` of `driver`'s seeds.
fn mutant(driver: &Driver, seeds: &[(String, Vec<u8>)], seed: u64, index: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed, driver.name, index);
    let (_, base) = &seeds[rng.below(seeds.len())];
    let ops = 1 + rng.below(4);
    // half the mutants of a compressed format change what is inside the compression
    if driver.layer != Layer::None && rng.below(2) == 0 {
        if let Some(mut inner) = peel(driver.layer, base) {
            for _ in 0..ops {
                mutate_once(&mut inner, &mut rng, seeds);
            }
            return wrap(driver.layer, &inner);
        }
    }
    let mut b = base.clone();
    for _ in 0..ops {
        mutate_once(&mut b, &mut rng, seeds);
    }
    b
}

// ---------------------------------------------------------------------------------
// Parent and child.

fn failure_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutation-failures")
}

fn save_mutant(target: &str, seed: u64, index: u64, bytes: &[u8]) -> PathBuf {
    let dir = failure_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{target}-seed{seed:#x}-mutant{index}"));
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The test body for target `name`: in the parent, run a child and judge it; in the
/// child, run the mutants.
fn run(name: &str) {
    if std::env::var("ASMD_MUTATION_CHILD").as_deref() == Ok(name) {
        child(name);
        return;
    }
    let driver = drivers::driver(name).expect("a driver for every test");
    let seed = env_u64("ASMD_MUTATION_SEED", DEFAULT_SEED);
    // scratch files on tmpfs where there is one: thousands of small files otherwise
    // wait on the disk's journal
    let shm = Path::new("/dev/shm");
    let work = if shm.is_dir() {
        tempfile::tempdir_in(shm).or_else(|_| tempfile::tempdir())
    } else {
        tempfile::tempdir()
    }
    .unwrap();
    let progress = work.path().join("progress");
    std::fs::write(&progress, 0u64.to_le_bytes()).unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        name,
        "--exact",
        "--include-ignored",
        "--test-threads=1",
        "--nocapture",
    ])
    .env("ASMD_MUTATION_CHILD", name)
    .env("ASMD_MUTATION_PROGRESS", &progress)
    .env("ASMD_FUZZ_TMP", work.path())
    .env("RUST_BACKTRACE", "0")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // drain the pipes while waiting, so that a chatty child cannot block
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let (status, hung) = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break (Some(s), false);
        }
        if start.elapsed() > CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_t.join().unwrap();
    let stderr = err_t.join().unwrap();
    if status.is_some_and(|s| s.success()) {
        return;
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&std::fs::read(&progress).unwrap()[..8]);
    let index = u64::from_le_bytes(b);
    let tail = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    if index == DONE {
        // the child ran every mutant and reported its own failures
        panic!(
            "target `{name}` failed:\n{}\n{}",
            tail(&stdout),
            tail(&stderr)
        );
    }
    let seeds = read_seeds(name);
    let what = match index {
        i if i & FILE != 0 => {
            let k = (i & !FILE) as usize;
            let (path, _) = &fixed_inputs(name)[k];
            format!("the file {}", path.display())
        }
        0 => "nothing (it died before the first input)".to_string(),
        i => {
            let m = mutant(driver, &seeds, seed, i - 1);
            let p = save_mutant(name, seed, i - 1, &m);
            format!(
                "mutant seed={seed:#x} index={} (saved to {})",
                i - 1,
                p.display()
            )
        }
    };
    let how = if hung {
        format!("hung for more than {} s", CHILD_TIMEOUT.as_secs())
    } else {
        format!("died ({})", status.unwrap())
    };
    panic!(
        "target `{name}` {how} on {what}\n--- child stderr ---\n{}",
        tail(&stderr)
    );
}

fn child(name: &str) {
    use std::os::unix::fs::FileExt;
    let driver = drivers::driver(name).unwrap();
    let seed = env_u64("ASMD_MUTATION_SEED", DEFAULT_SEED);
    let count = env_u64("ASMD_MUTANTS", DEFAULT_MUTANTS);
    let progress = std::fs::OpenOptions::new()
        .write(true)
        .open(std::env::var_os("ASMD_MUTATION_PROGRESS").unwrap())
        .unwrap();
    let mark = |i: u64| progress.write_all_at(&i.to_le_bytes(), 0).unwrap();
    let seeds = read_seeds(name);

    // keep panic messages (with their location) instead of printing them
    thread_local! {
        static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = msg);
    }));
    let mut failures = Vec::new();
    let mut try_one = |label: String, bytes: &[u8], saved: &dyn Fn() -> PathBuf| {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (driver.run)(bytes)));
        if r.is_err() {
            let msg = LAST_PANIC.with(|p| p.borrow().clone());
            failures.push(format!(
                "{label}: {msg}\n    input saved to {}",
                saved().display()
            ));
        }
    };
    for (k, (path, bytes)) in fixed_inputs(name).into_iter().enumerate() {
        mark(FILE | k as u64);
        try_one(format!("file {}", path.display()), &bytes, &|| path.clone());
    }
    for i in 0..count {
        mark(i + 1);
        let m = mutant(driver, &seeds, seed, i);
        try_one(format!("mutant seed={seed:#x} index={i}"), &m, &|| {
            save_mutant(name, seed, i, &m)
        });
    }
    mark(DONE);
    let _ = std::panic::take_hook();
    if !failures.is_empty() {
        let n = failures.len();
        failures.truncate(10);
        panic!(
            "{n} inputs of `{name}` ({}) failed (of its files and {count} mutants); the first:\n{}",
            driver.feeds,
            failures.join("\n")
        );
    }
}

// ---------------------------------------------------------------------------------
// One test per fuzz target.

#[test]
fn every_target_has_a_test_and_seeds() {
    let src =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mutation.rs"))
            .unwrap();
    for d in drivers::DRIVERS {
        assert!(
            src.contains(&format!("fn {}() {{\n    run(\"{}\")", d.name, d.name)),
            "no test runs target `{}`",
            d.name
        );
        assert!(!read_seeds(d.name).is_empty());
    }
}

#[test]
fn mutants_are_deterministic_and_varied() {
    let d = drivers::driver("phenicx").unwrap();
    let seeds = read_seeds("phenicx");
    let a: Vec<Vec<u8>> = (0..50).map(|i| mutant(d, &seeds, 7, i)).collect();
    let b: Vec<Vec<u8>> = (0..50).map(|i| mutant(d, &seeds, 7, i)).collect();
    assert_eq!(a, b);
    let distinct: std::collections::HashSet<&Vec<u8>> = a.iter().collect();
    assert!(distinct.len() > 45);
    assert!(a.iter().all(|m| !seeds.iter().any(|(_, s)| s == m)));
}

#[test]
fn definition() {
    run("definition")
}

#[test]
fn metadataset() {
    run("metadataset")
}

#[test]
fn ground_truth() {
    run("ground_truth")
}

#[test]
fn ground_truth_gz() {
    run("ground_truth_gz")
}

#[test]
fn ground_truth_binary() {
    run("ground_truth_binary")
}

#[test]
fn midi() {
    run("midi")
}

#[test]
fn mat() {
    run("mat")
}

#[test]
fn musicnet_csv() {
    run("musicnet_csv")
}

#[test]
fn phenicx() {
    run("phenicx")
}

#[test]
fn sonic_visualiser() {
    run("sonic_visualiser")
}

#[test]
fn audio_wav() {
    run("audio_wav")
}

#[test]
fn audio_flac() {
    run("audio_flac")
}

#[test]
fn audio_mp3() {
    run("audio_mp3")
}

#[test]
fn audio_ogg() {
    run("audio_ogg")
}

#[test]
fn unpack_zip() {
    run("unpack_zip")
}

#[test]
fn unpack_tar() {
    run("unpack_tar")
}

#[test]
fn unpack_tar_gz() {
    run("unpack_tar_gz")
}

#[test]
fn unpack_tar_bz2() {
    run("unpack_tar_bz2")
}

#[test]
fn unpack_tar_xz() {
    run("unpack_tar_xz")
}
