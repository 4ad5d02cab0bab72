//! Audio: decoding every fixture format against libsndfile's values, excerpts, mixing,
//! resampling, header descriptions, dataset methods and every error kind.

#![allow(clippy::excessive_precision)]

use std::path::{Path, PathBuf};

use asmd::audio::{self, DecodeOptions, Quality};
use asmd::{Dataset, Definition, ErrorKind, FilterOptions, Metadataset};

fn fx(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name)
}

/// (file, sr, channels, frames, [ch0 @50000, last ch @100000, ch0 @200000],
/// [mono @50000, mono @150000], sum of squares of mono) as read by soundfile 0.13.
#[allow(clippy::type_complexity)]
const EXPECTED: &[(&str, u32, usize, usize, [f32; 3], [f32; 2], f64)] = &[
    (
        "audio_pcm16_stereo_44100.wav",
        44100,
        2,
        264600,
        [4.898071289e-02, -4.388427734e-02, 5.603027344e-02],
        [2.952575684e-02, -1.217651367e-02],
        5.197051707e+02,
    ),
    (
        "audio_float32_mono_44100.wav",
        44100,
        1,
        264600,
        [2.952023037e-02, -2.539511584e-02, 2.064265870e-02],
        [2.952023037e-02, -1.218260452e-02],
        5.197367415e+02,
    ),
    (
        "audio_pcm24_stereo_48000.wav",
        48000,
        2,
        288000,
        [-1.192092896e-07, 2.596902847e-02, 4.515397549e-02],
        [-1.192092896e-07, -1.741737127e-02],
        5.708364384e+02,
    ),
    (
        "audio_stereo_44100.flac",
        44100,
        2,
        264600,
        [4.898071289e-02, -4.388427734e-02, 5.603027344e-02],
        [2.952575684e-02, -1.217651367e-02],
        5.197051707e+02,
    ),
];

fn stereo() -> DecodeOptions {
    DecodeOptions {
        mono: false,
        ..Default::default()
    }
}

#[test]
fn lossless_formats_equal_libsndfile() {
    for (f, sr, ch, frames, at, mono_at, energy) in EXPECTED {
        let a = audio::decode(&fx(f), &stereo()).unwrap();
        assert_eq!(
            (a.sample_rate, a.channels, a.frames()),
            (*sr, *ch, *frames),
            "{f}"
        );
        assert_eq!(a.channel(0)[50000], at[0], "{f}");
        assert_eq!(a.channel(ch - 1)[100000], at[1], "{f}");
        assert_eq!(a.channel(0)[200000], at[2], "{f}");
        let m = audio::decode(&fx(f), &DecodeOptions::default()).unwrap();
        assert_eq!(m.channels, 1);
        assert!((m.samples[50000] - mono_at[0]).abs() < 1e-7, "{f}");
        assert!((m.samples[150000] - mono_at[1]).abs() < 1e-7, "{f}");
        let e: f64 = m.samples.iter().map(|&x| (x as f64) * (x as f64)).sum();
        assert!((e - energy).abs() / energy < 1e-6, "{f}: {e}");
        assert!(m.samples.iter().all(|x| (-1.0..=1.0).contains(x)));
    }
}

#[test]
fn lossy_formats_decode_the_same_signal() {
    let reference =
        audio::decode(&fx("audio_stereo_44100.flac"), &DecodeOptions::default()).unwrap();
    for f in ["audio_stereo_44100.mp3", "audio_stereo_44100.ogg"] {
        let a = audio::decode(&fx(f), &DecodeOptions::default()).unwrap();
        assert_eq!((a.sample_rate, a.frames()), (44100, 264600), "{f}");
        // Gapless: no encoder delay, so the signal lines up sample for sample.
        let (mut num, mut den) = (0f64, 0f64);
        for (x, y) in a.samples.iter().zip(&reference.samples) {
            num += ((x - y) as f64).powi(2);
            den += (*y as f64).powi(2);
        }
        let snr = 10.0 * (den / num).log10();
        assert!(
            snr > 15.0,
            "{f}: SNR {snr:.1} dB against the lossless original"
        );
    }
}

#[test]
fn excerpts_read_only_the_range() {
    for f in [
        "audio_pcm16_stereo_44100.wav",
        "audio_pcm24_stereo_48000.wav",
        "audio_stereo_44100.flac",
        "audio_float32_mono_44100.wav",
    ] {
        let whole = audio::decode(&fx(f), &DecodeOptions::default()).unwrap();
        let sr = whole.sample_rate as usize;
        let part = audio::decode(
            &fx(f),
            &DecodeOptions {
                start: 1.5,
                end: Some(2.25),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(part.frames(), sr * 3 / 4, "{f}");
        assert_eq!(part.samples, whole.samples[sr * 3 / 2..sr * 9 / 4], "{f}");
    }
    for f in ["audio_stereo_44100.mp3", "audio_stereo_44100.ogg"] {
        let whole = audio::decode(&fx(f), &DecodeOptions::default()).unwrap();
        let part = audio::decode(
            &fx(f),
            &DecodeOptions {
                start: 3.0,
                end: Some(4.0),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(part.frames(), 44100, "{f}");
        let w = &whole.samples[3 * 44100..4 * 44100];
        let err: f32 = part
            .samples
            .iter()
            .zip(w)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            err < 0.05,
            "{f}: excerpt differs from the whole decode by {err}"
        );
    }
    // Past the end: empty; end beyond the file: clipped.
    let a = audio::decode(
        &fx("audio_stereo_44100.flac"),
        &DecodeOptions {
            start: 5.5,
            end: Some(60.0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(a.frames(), 264600 - 5 * 44100 - 22050);
    let bad = audio::decode(
        &fx("audio_stereo_44100.flac"),
        &DecodeOptions {
            start: 2.0,
            end: Some(1.0),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Argument);
}

fn sine(freq: f32, sr: u32, secs: f32, amp: f32) -> Vec<f32> {
    let tau = 2.0 * std::f64::consts::PI;
    (0..(sr as f32 * secs) as usize)
        .map(|i| amp * (tau * freq as f64 * i as f64 / sr as f64).sin() as f32)
        .collect()
}

/// Amplitude of `freq` in `x` by correlation with a sine and a cosine.
fn amplitude(x: &[f32], freq: f32, sr: u32) -> f32 {
    let (mut s, mut c) = (0f64, 0f64);
    for (i, &v) in x.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq as f64 * i as f64 / sr as f64;
        s += v as f64 * ph.sin();
        c += v as f64 * ph.cos();
    }
    (2.0 * (s * s + c * c).sqrt() / x.len() as f64) as f32
}

#[test]
fn written_sine_reads_back_with_its_frequency_and_amplitude() {
    let dir = tempfile::tempdir().unwrap();
    let x = sine(440.0, 22050, 1.0, 0.5);
    let p = dir.path().join("s.wav");
    audio::write_wav(&p, &[&x], 22050, false).unwrap();
    let a = audio::decode(&p, &DecodeOptions::default()).unwrap();
    assert_eq!((a.frames(), a.sample_rate), (22050, 22050));
    assert!((amplitude(&a.samples, 440.0, 22050) - 0.5).abs() < 1e-3);
    assert!(amplitude(&a.samples, 660.0, 22050) < 1e-3);
    let info = audio::info(&p).unwrap();
    assert_eq!(
        (
            info.sample_rate,
            info.channels,
            info.frames,
            info.codec.as_str()
        ),
        (22050, 1, 22050, "pcm_s16le")
    );
    assert!((info.bitrate - 352.8).abs() < 1e-9);
    assert!((info.duration - 1.0).abs() < 1e-12);
}

#[test]
fn resampling_keeps_in_band_tones_and_removes_aliases() {
    for q in [Quality::High, Quality::Fast] {
        let mut x = sine(1000.0, 44100, 2.0, 0.5);
        // 12 kHz is above the 8 kHz Nyquist of the output: it must vanish, not alias to 4 kHz.
        for (v, a) in x.iter_mut().zip(sine(12000.0, 44100, 2.0, 0.3)) {
            *v += a;
        }
        let y = audio::resample(&x, 44100, 16000, q).unwrap();
        assert_eq!(y.len(), 32000, "{q:?}");
        let mid = &y[4000..28000];
        let a1 = amplitude(mid, 1000.0, 16000);
        assert!((a1 - 0.5).abs() < 0.005, "{q:?}: 1 kHz amplitude {a1}");
        let alias = amplitude(mid, 4000.0, 16000);
        let floor = if q == Quality::High { 1e-5 } else { 1e-3 };
        assert!(alias < floor, "{q:?}: alias at 4 kHz {alias}");
        // Aligned with the input: phase of the 1 kHz tone matches an ideal 16 kHz sine.
        let ideal = sine(1000.0, 16000, 2.0, 0.5);
        let err = mid
            .iter()
            .zip(&ideal[4000..28000])
            .map(|(a, b)| (a - b - 0.0).abs())
            .fold(0.0, f32::max);
        assert!(err < 0.02, "{q:?}: time alignment error {err}");
    }
    assert_eq!(
        audio::resample(&[0.0; 10], 0, 16000, Quality::High)
            .unwrap_err()
            .kind(),
        ErrorKind::Argument
    );
}

#[test]
fn decode_with_sample_rate_resamples() {
    let a = audio::decode(
        &fx("audio_pcm24_stereo_48000.wav"),
        &DecodeOptions {
            sample_rate: Some(16000),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((a.sample_rate, a.frames()), (16000, 96000));
}

#[test]
fn info_reads_headers() {
    let i = audio::info(&fx("audio_pcm24_stereo_48000.wav")).unwrap();
    assert_eq!((i.sample_rate, i.channels, i.frames), (48000, 2, 288000));
    assert!((i.bitrate - 2304.0).abs() < 1e-9 && (i.duration - 6.0).abs() < 1e-12);
    for (f, lo, hi) in [
        ("audio_stereo_44100.flac", 300.0, 500.0),
        ("audio_stereo_44100.mp3", 180.0, 200.0),
        ("audio_stereo_44100.ogg", 90.0, 140.0),
    ] {
        let i = audio::info(&fx(f)).unwrap();
        assert_eq!(
            (i.sample_rate, i.channels, i.frames),
            (44100, 2, 264600),
            "{f}"
        );
        assert!(i.bitrate > lo && i.bitrate < hi, "{f}: {} kb/s", i.bitrate);
    }
}

fn corrupt(dir: &Path, name: &str, src: &str, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut b = std::fs::read(fx(src)).unwrap();
    edit(&mut b);
    let p = dir.join(name);
    std::fs::write(&p, b).unwrap();
    p
}

#[test]
fn bad_files_give_clear_errors_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let missing = dir.join("nope.wav");
    let e = audio::decode(&missing, &DecodeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("nope.wav"), "{e}");

    let cases: Vec<(PathBuf, ErrorKind, &str)> = vec![
        (
            corrupt(dir, "trunc.wav", "audio_pcm16_stereo_44100.wav", |b| {
                b.truncate(5000)
            }),
            ErrorKind::Format,
            "truncated",
        ),
        (
            corrupt(dir, "trunc.flac", "audio_stereo_44100.flac", |b| {
                b.truncate(60)
            }),
            ErrorKind::Format,
            "",
        ),
        (
            corrupt(dir, "sr0.wav", "audio_pcm16_stereo_44100.wav", |b| {
                b[24..28].copy_from_slice(&[0; 4])
            }),
            ErrorKind::Format,
            "sample rate is 0",
        ),
        (
            corrupt(dir, "align.wav", "audio_pcm16_stereo_44100.wav", |b| {
                b[32..34].copy_from_slice(&3u16.to_le_bytes())
            }),
            ErrorKind::Format,
            "corrupt header",
        ),
        (
            corrupt(dir, "nofmt.wav", "audio_pcm16_stereo_44100.wav", |b| {
                b[12..16].copy_from_slice(b"junk")
            }),
            ErrorKind::Format,
            "'data' chunk comes before",
        ),
        (
            corrupt(dir, "adpcm.wav", "audio_pcm16_stereo_44100.wav", |b| {
                b[20..22].copy_from_slice(&2u16.to_le_bytes())
            }),
            ErrorKind::Unsupported,
            "",
        ),
        (
            corrupt(dir, "text.ogg", "audio_stereo_44100.ogg", |b| {
                *b = b"this is not audio at all, just some text".repeat(20)
            }),
            ErrorKind::Unsupported,
            "",
        ),
        (
            corrupt(dir, "empty.flac", "audio_stereo_44100.flac", |b| b.clear()),
            ErrorKind::Format,
            "empty file",
        ),
    ];
    for (p, kind, text) in cases {
        let e = audio::decode(&p, &DecodeOptions::default()).expect_err(&p.display().to_string());
        assert_eq!(e.kind(), kind, "{}: {e}", p.display());
        assert!(
            e.to_string()
                .contains(p.file_name().unwrap().to_str().unwrap()),
            "{e}"
        );
        assert!(e.to_string().contains(text), "{e}");
    }
    // A FLAC cut in the middle of its audio: an error, never a panic or a silently
    // shortened signal.
    let cut = corrupt(dir, "cut.flac", "audio_stereo_44100.flac", |b| {
        b.truncate(b.len() / 2)
    });
    let e = audio::decode(&cut, &DecodeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    assert!(e.to_string().contains("cut.flac"), "{e}");
}

fn dataset(install: &Path) -> Dataset {
    let text = r#"{"name": "demo", "ensemble": true, "groups": ["all"], "instruments": ["violin", "piano"],
        "sources": {"format": "wav"}, "recording": {"format": "wav"},
        "ground_truth": {"all": {"precise_alignment": 1}},
        "install": {"url": "unknown", "unpack": false, "login": false, "post-process": "unknown", "conversion": "unknown"},
        "songs": [{"title": "duo", "composer": "x", "instruments": ["violin", "piano"],
                   "recording": {"path": ["demo/mix_a.wav", "demo/mix_b.wav"]},
                   "sources": {"path": ["demo/violin.wav", "demo/piano.wav"]},
                   "ground_truth": ["demo/duo-0.json.gz", "demo/duo-1.json.gz"], "groups": ["all"]}]}"#;
    let def = Definition::from_json_str(text, "/defs/demo.json").unwrap();
    let m = Metadataset::with_install_dir(install);
    let mut d = Dataset::from_definitions(vec![def], m).unwrap();
    d.filter(&FilterOptions {
        sources: true,
        all: true,
        ..Default::default()
    })
    .unwrap();
    d
}

#[test]
fn dataset_mixes_sources_and_describes_recordings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    std::fs::create_dir_all(&dir).unwrap();
    let a = sine(440.0, 16000, 1.0, 0.4);
    let b = sine(440.0, 16000, 0.5, 0.2);
    audio::write_wav(&dir.join("mix_a.wav"), &[&a], 16000, true).unwrap();
    // The second mix file is at another rate: it is resampled to the first one's.
    let b32 = sine(440.0, 32000, 0.5, 0.2);
    audio::write_wav(&dir.join("mix_b.wav"), &[&b32, &b32], 32000, true).unwrap();
    audio::write_wav(&dir.join("violin.wav"), &[&a], 16000, true).unwrap();
    audio::write_wav(&dir.join("piano.wav"), &[&b], 16000, true).unwrap();
    let d = dataset(tmp.path());

    let (mix, sr) = d.get_mix(0, &DecodeOptions::default()).unwrap();
    assert_eq!((sr, mix.len()), (16000, 16000));
    // (a + b) / 2 where both exist, a / 2 after b ends.
    assert!(
        (mix[4000] - (a[4000] + b[4000]) / 2.0).abs() < 2e-3,
        "{} vs {}",
        mix[4000],
        (a[4000] + b[4000]) / 2.0
    );
    assert!((mix[12000] - a[12000] / 2.0).abs() < 1e-6);

    let (mix8, sr8) = d
        .get_mix(
            0,
            &DecodeOptions {
                sample_rate: Some(8000),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!((sr8, mix8.len()), (8000, 8000));

    let (srcs, ssr) = d.get_source(0, &DecodeOptions::default()).unwrap();
    assert_eq!(
        (srcs.len(), ssr, srcs[0].len(), srcs[1].len()),
        (2, Some(16000), 16000, 8000)
    );
    let (one, _) = d
        .get_audio(0, Some(&[1]), &DecodeOptions::default())
        .unwrap();
    assert_eq!(one.len(), 8000);
    assert!(
        (one[100] - b[100] / 2.0).abs() < 1e-6,
        "divided by the number of sources"
    );
    let (both, _) = d
        .get_audio(0, Some(&[0, 1]), &DecodeOptions::default())
        .unwrap();
    assert!((both[100] - (a[100] + b[100]) / 2.0).abs() < 1e-6);
    let e = d
        .get_audio(0, Some(&[2]), &DecodeOptions::default())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Index);

    let part = d
        .get_mix(
            0,
            &DecodeOptions {
                start: 0.25,
                end: Some(0.5),
                ..Default::default()
            },
        )
        .unwrap()
        .0;
    assert_eq!(part.len(), 4000);
    assert!((part[0] - mix[4000]).abs() < 2e-3);

    let info = d.get_audio_data(0).unwrap();
    assert_eq!(info.len(), 2);
    assert_eq!((info[0].sample_rate, info[0].channels), (16000, 1));
    assert_eq!((info[1].sample_rate, info[1].channels), (32000, 2));
    assert!((info[1].duration - 0.5).abs() < 1e-12 && (info[1].bitrate - 2048.0).abs() < 1e-9);

    std::fs::remove_file(dir.join("piano.wav")).unwrap();
    let e = d.get_source(0, &DecodeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let msg = e.to_string();
    assert!(
        msg.contains("piano.wav") && msg.contains("demo / duo"),
        "{msg}"
    );
}
