//! Installer throughput: unpacking zip and tar.gz archives (safe extraction with CRC-32
//! manifest data), and the Mega decryption + MAC pass. Compare with
//! `benches/bench_install.py` (Python's `shutil.unpack_archive`, what ASMD 0.5.1 used).
//!
//! The archives are built once in a temporary folder: 24 files of 2 MB of
//! low-entropy "audio-like" bytes (48 MB uncompressed).

use std::io::Write;
use std::path::{Path, PathBuf};

use asmd::install::unpack::{unpack, ArchiveFormat};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FILES: usize = 24;
const SIZE: usize = 2_000_000;

fn content(i: usize) -> Vec<u8> {
    // a slow sine with noise: compresses a little, like PCM audio
    let mut x: u32 = 12345 + i as u32;
    (0..SIZE)
        .map(|k| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let s = ((k as f64 * 0.01).sin() * 100.0) as i32 + (x % 16) as i32;
            s as u8
        })
        .collect()
}

fn build(dir: &Path) -> (PathBuf, PathBuf) {
    let zip_path = dir.join("bench.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let tgz_path = dir.join("bench.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&tgz_path).unwrap(),
        flate2::Compression::default(),
    );
    let mut t = tar::Builder::new(gz);
    for i in 0..FILES {
        let c = content(i);
        let name = format!("data/song{i:02}.wav");
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(&c).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(c.len() as u64);
        h.set_mode(0o644);
        t.append_data(&mut h, &name, c.as_slice()).unwrap();
    }
    z.finish().unwrap();
    t.into_inner().unwrap().finish().unwrap();
    (zip_path, tgz_path)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (zip_path, tgz_path) = build(dir.path());
    let mut g = c.benchmark_group("unpack");
    g.sample_size(10);
    g.throughput(Throughput::Bytes((FILES * SIZE) as u64));
    for (name, path, fmt) in [
        ("zip", &zip_path, ArchiveFormat::Zip),
        ("tar.gz", &tgz_path, ArchiveFormat::TarGz),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let out = dir.path().join(format!("out-{name}"));
                let r = unpack(path, fmt, &out, &mut |_, _, _| {}).unwrap();
                assert_eq!(r.files.len(), FILES);
                std::fs::remove_dir_all(&out).unwrap();
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("checksum");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(
        std::fs::metadata(&zip_path).unwrap().len(),
    ));
    for (label, expected) in [
        ("sha256 (recorded, or checked)", None),
        (
            "md5 (checked)",
            Some(asmd::install::checksum::Checksum::Md5("0".repeat(32))),
        ),
    ] {
        g.bench_function(label, |b| {
            b.iter(|| {
                let mut h = asmd::install::checksum::Hasher::for_checksum(expected.as_ref());
                let f = std::fs::File::open(&zip_path).unwrap();
                h.update_reader(f, &zip_path, &mut |_| {}).unwrap();
                h.finish()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
