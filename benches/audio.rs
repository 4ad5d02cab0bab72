//! Audio benchmarks (issue: audio): decoding a 3-minute stereo 44.1 kHz recording as
//! 16-bit WAV and FLAC, and decode + resample to 16 kHz (HQ and fast).
//!
//! `cargo bench -p asmd --bench audio`. The files are made by
//! `benches/bench_audio.py` (which also times soundfile and soxr on them, in the same
//! run); without them this bench writes the WAV itself and skips FLAC.

use std::path::PathBuf;

use asmd::audio::{self, DecodeOptions, Quality};
use criterion::{criterion_group, criterion_main, Criterion};

fn files() -> (PathBuf, Option<PathBuf>, Option<tempfile::TempDir>) {
    if let Ok(dir) = std::env::var("ASMD_AUDIO_BENCH_DIR") {
        let d = PathBuf::from(dir);
        let flac = d.join("bench_3min.flac");
        return (
            d.join("bench_3min.wav"),
            flac.exists().then_some(flac),
            None,
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let sr = 44100u32;
    let n = sr as usize * 180;
    let mut l = Vec::with_capacity(n);
    let mut r = Vec::with_capacity(n);
    let mut seed = 1u64;
    for i in 0..n {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let noise = ((seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.05;
        let t = i as f32 / sr as f32;
        l.push(0.3 * (2.0 * std::f32::consts::PI * 440.0 * t).sin() + noise);
        r.push(0.3 * (2.0 * std::f32::consts::PI * 660.0 * t).sin() - noise);
    }
    let wav = tmp.path().join("bench_3min.wav");
    audio::write_wav(&wav, &[&l, &r], sr, false).unwrap();
    (wav, None, Some(tmp))
}

fn bench(c: &mut Criterion) {
    let (wav, flac, _keep) = files();
    let mut g = c.benchmark_group("audio_3min_stereo");
    g.sample_size(10);
    let mono = DecodeOptions::default();
    let to16 = |q| DecodeOptions {
        sample_rate: Some(16000),
        quality: q,
        ..Default::default()
    };
    g.bench_function("wav16_decode_mono", |b| {
        b.iter(|| audio::decode(&wav, &mono).unwrap())
    });
    g.bench_function("wav16_decode_stereo", |b| {
        b.iter(|| {
            audio::decode(
                &wav,
                &DecodeOptions {
                    mono: false,
                    ..Default::default()
                },
            )
            .unwrap()
        })
    });
    g.bench_function("wav16_decode_resample16k_hq", |b| {
        b.iter(|| audio::decode(&wav, &to16(Quality::High)).unwrap())
    });
    g.bench_function("wav16_decode_resample16k_fast", |b| {
        b.iter(|| audio::decode(&wav, &to16(Quality::Fast)).unwrap())
    });
    g.bench_function("wav16_excerpt_10s", |b| {
        b.iter(|| {
            audio::decode(
                &wav,
                &DecodeOptions {
                    start: 90.0,
                    end: Some(100.0),
                    ..Default::default()
                },
            )
            .unwrap()
        })
    });
    if let Some(flac) = flac {
        g.bench_function("flac_decode_mono", |b| {
            b.iter(|| audio::decode(&flac, &mono).unwrap())
        });
        g.bench_function("flac_decode_resample16k_hq", |b| {
            b.iter(|| audio::decode(&flac, &to16(Quality::High)).unwrap())
        });
        g.bench_function("flac_excerpt_10s", |b| {
            b.iter(|| {
                audio::decode(
                    &flac,
                    &DecodeOptions {
                        start: 90.0,
                        end: Some(100.0),
                        ..Default::default()
                    },
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
