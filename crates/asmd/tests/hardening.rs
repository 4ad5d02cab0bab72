//! Untrusted numbers and pathological parameters: every case ends in a clear error (or
//! the right result), never an abort, a panic or an allocation sized by a lie.
//!
//! The allocation cases run in a child process (this test binary again) whose address
//! space is limited to 2 GiB (`ulimit -v`): an attempt to reserve what a header or an
//! argument claims would kill the child (abort, exit code 134) instead of returning.

use std::path::{Path, PathBuf};
use std::process::Command;

use asmd::audio::{self, DecodeOptions, Quality};
use asmd::convert::Registry;
use asmd::{ErrorKind, GroundTruth, ScoreType};
use serde_json::Map;

fn fx(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name)
}

/// A copy of fixture `src` in `dir` with `edit` applied.
fn edited(dir: &Path, name: &str, src: &str, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut b = std::fs::read(fx(src)).unwrap();
    edit(&mut b);
    let p = dir.join(name);
    std::fs::write(&p, b).unwrap();
    p
}

/// The FLAC fixture with STREAMINFO's total sample count set to 2^36 - 1.
fn flac_huge_count(b: &mut [u8]) {
    assert_eq!(&b[..4], b"fLaC");
    // STREAMINFO body starts at byte 8; its 36-bit sample count is the low nibble of
    // body byte 13 and bytes 14..18
    b[8 + 13] |= 0x0f;
    b[8 + 14..8 + 18].copy_from_slice(&[0xff; 4]);
}

/// The MP3 fixture with its Info frame's frame count set to 2^32 - 1.
fn mp3_huge_count(b: &mut [u8]) {
    let at = b.windows(4).position(|w| w == b"Info").unwrap();
    assert_eq!(b[at + 7] & 1, 1, "the Info frame has a frame count");
    b[at + 8..at + 12].copy_from_slice(&[0xff; 4]);
}

fn musicnet(dir: &Path, rows: &str) -> asmd::Result<()> {
    let csv = dir.join("song.csv");
    std::fs::write(
        &csv,
        format!("start_time,end_time,instrument,note,start_beat,end_beat,note_value\n{rows}"),
    )
    .unwrap();
    Registry::builtin()
        .run(
            "from_musicnet_csv",
            &dir.join("song-0.json.gz"),
            &Map::new(),
        )
        .map(|_| ())
}

/// A ground truth that passes `check` but ends at 1e9 s.
fn far_gt() -> GroundTruth {
    let mut gt = GroundTruth::default();
    gt.precise_alignment.push_note(60.0, 0.0, 1e9, Some(80.0));
    gt.sustain.times = vec![0.0, 5.0];
    gt.sustain.values = vec![127.0, 0.0];
    gt
}

/// One allocation case, run in the memory-limited child: `Ok(description)` when it
/// ended in the right result or a clear error.
fn run_case(case: &str, dir: &Path) -> Result<String, String> {
    let err = |r: asmd::Result<()>, kind: ErrorKind, text: &str| match r {
        Err(e) if e.kind() == kind && e.to_string().contains(text) => Ok(e.to_string()),
        Err(e) => Err(format!("{case}: unexpected error {e:?}")),
        Ok(()) => Err(format!("{case}: no error")),
    };
    match case {
        "flac-total-samples" => {
            let p = edited(dir, "huge.flac", "audio_stereo_44100.flac", |b| {
                flac_huge_count(b)
            });
            // the header's count is believed by `info` (a description) but sizes nothing
            let i = audio::info(&p).map_err(|e| e.to_string())?;
            assert_eq!(i.frames, (1 << 36) - 1);
            err(
                audio::decode(&p, &DecodeOptions::default()).map(|_| ()),
                ErrorKind::Format,
                "huge.flac",
            )
        }
        "mp3-xing-frames" => {
            let p = edited(dir, "huge.mp3", "audio_stereo_44100.mp3", |b| {
                mp3_huge_count(b)
            });
            match audio::decode(&p, &DecodeOptions::default()) {
                // symphonia may ignore a count it cannot believe
                Ok(a) if a.frames() < 300_000 => Ok(format!("{} frames", a.frames())),
                Ok(a) => Err(format!("{} frames", a.frames())),
                Err(e) if e.kind() == ErrorKind::Format => Ok(e.to_string()),
                Err(e) => Err(format!("{e:?}")),
            }
        }
        "decode-end-1e12" => {
            let o = DecodeOptions {
                end: Some(1e12),
                ..Default::default()
            };
            let a = audio::decode(&fx("audio_stereo_44100.flac"), &o).map_err(|e| e.to_string())?;
            assert_eq!(a.frames(), 264_600);
            Ok("whole file".into())
        }
        "musicnet-1e20" => err(
            musicnet(dir, "1,2,1,60,0,1,Quarter\n3,4,1,62,1,1e20,Whole\n"),
            ErrorKind::Format,
            "line 3",
        ),
        "musicnet-2^32" => err(
            musicnet(dir, "1,2,1,60,0,4294967296,Quarter\n"),
            ErrorKind::Format,
            "line 2",
        ),
        "pedaling-offset-1e9" => {
            let gt = far_gt();
            assert!(gt.check().is_ok(), "the ground truth is valid");
            let dur = asmd::score::score_duration(&[&gt]);
            err(
                asmd::score::pedaling(&[&gt], true, 0.046, 0.01, dur).map(|_| ()),
                ErrorKind::Argument,
                "frame-based pedaling",
            )
        }
        "pedaling-hop-1e-7" => {
            // 100 s at a hop of 1e-7 s: 1e9 frames x 4 values fit under the cell limit,
            // so the allocation itself must fail cleanly
            let mut gt = GroundTruth::default();
            gt.precise_alignment.push_note(60.0, 0.0, 100.0, Some(80.0));
            err(
                asmd::score::pedaling(&[&gt], true, 0.046, 1e-7, 100.0).map(|_| ()),
                ErrorKind::Io,
                "not enough memory",
            )
        }
        "pianoroll-resolution-1e-9" => {
            let gt = far_gt();
            err(
                asmd::score::pianoroll(&[&gt], ScoreType::PreciseAlignment, 1e-9, false, true)
                    .map(|_| ()),
                ErrorKind::Argument,
                "pianoroll",
            )
        }
        "pianoroll-memory" => {
            // 2^32 / 128 frames are within the cell limit: the memory is what is missing
            let gt = far_gt();
            err(
                asmd::score::pianoroll(
                    &[&gt],
                    ScoreType::PreciseAlignment,
                    1e9 / 3.3e7,
                    false,
                    true,
                )
                .map(|_| ()),
                ErrorKind::Io,
                "not enough memory",
            )
        }
        "sr-2^31" => {
            let o = DecodeOptions {
                sample_rate: Some((1 << 31) - 1),
                ..Default::default()
            };
            err(
                audio::decode(&fx("audio_pcm16_stereo_44100.wav"), &o).map(|_| ()),
                ErrorKind::Argument,
                "768000 Hz",
            )
        }
        "resample-1-to-192000" => err(
            audio::resample(&[0.5; 1000], 1, 192_000, Quality::High).map(|_| ()),
            ErrorKind::Argument,
            "ratio",
        ),
        other => Err(format!("unknown case {other}")),
    }
}

const CASES: &[&str] = &[
    "flac-total-samples",
    "mp3-xing-frames",
    "decode-end-1e12",
    "musicnet-1e20",
    "musicnet-2^32",
    "pedaling-offset-1e9",
    "pedaling-hop-1e-7",
    "pianoroll-resolution-1e-9",
    "pianoroll-memory",
    "sr-2^31",
    "resample-1-to-192000",
];

/// The child side: runs the case named by `ASMD_HARDENING_CASE` (nothing otherwise).
#[test]
fn memory_limited_child() {
    let Ok(case) = std::env::var("ASMD_HARDENING_CASE") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    match run_case(&case, dir.path()) {
        Ok(what) => println!("CASE-OK {case}: {what}"),
        Err(why) => panic!("CASE-FAILED {why}"),
    }
}

#[test]
fn allocations_from_untrusted_numbers_stay_within_2_gib() {
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for case in CASES {
        let out = Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 2097152 && exec \"$0\" \"$@\"")
            .arg(&exe)
            .args([
                "--exact",
                "memory_limited_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("ASMD_HARDENING_CASE", case)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !(out.status.success() && stdout.contains(&format!("CASE-OK {case}"))) {
            failures.push(format!(
                "{case}: {}\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[test]
fn resampling_refuses_nan_and_extreme_ratios() {
    let mut x = vec![0.25f32; 10_000];
    x[4410] = f32::NAN;
    let e = audio::resample(&x, 44_100, 16_000, Quality::High).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument);
    assert_eq!(e.location(), Some("sample 4410"));
    assert!(e.to_string().contains("NaN"), "{e}");
    x[4410] = f32::INFINITY;
    assert!(audio::resample(&x, 44_100, 16_000, Quality::Fast).is_err());
    x[4410] = 0.0;
    assert_eq!(
        audio::resample(&x, 44_100, 16_000, Quality::High)
            .unwrap()
            .len(),
        3629
    );
    for (from, to) in [
        (1, 8000),
        (1, 192_000),
        (192_000, 1),
        (44_100, 2_147_483_647),
        (0, 16_000),
        (767_999, 768_000),
    ] {
        let e = audio::resample(&x, from, to, Quality::High).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Argument, "{from} -> {to}");
    }
    // the edges of the documented range work
    let y = audio::resample(&[0.5; 4], 1, 256, Quality::Fast).unwrap();
    assert_eq!(y.len(), 1024);
}

#[test]
fn a_float_wav_with_a_nan_loads_but_does_not_resample() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nan.wav");
    let mut x = vec![0.1f32; 44_100];
    x[1000] = f32::NAN;
    audio::write_wav(&p, &[&x], 44_100, true).unwrap();
    let a = audio::decode(&p, &DecodeOptions::default()).unwrap();
    assert!(
        a.samples[1000].is_nan(),
        "the samples are returned as stored"
    );
    let o = DecodeOptions {
        sample_rate: Some(16_000),
        ..Default::default()
    };
    let e = audio::decode(&p, &o).unwrap_err();
    assert_eq!(e.file(), Some(p.as_path()));
    assert!(e.to_string().contains("sample 1000"), "{e}");
    // and a header saying 1 Hz is refused before anything is decoded
    let slow = dir.path().join("1hz.wav");
    audio::write_wav(&slow, &[&[0.0; 8]], 1, false).unwrap();
    let e = audio::decode(
        &slow,
        &DecodeOptions {
            sample_rate: Some(8000),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("1hz.wav") && e.to_string().contains("ratio"),
        "{e}"
    );
}

#[test]
fn wav_writer_validates_shape_and_rate() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.wav");
    // a (70000, 1) array handed over as 70000 channels of one frame
    let rows = vec![[0.5f32]; 70_000];
    let planes: Vec<&[f32]> = rows.iter().map(|r| r.as_slice()).collect();
    let e = audio::write_wav(&p, &planes, 16_000, false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument);
    assert!(e.to_string().contains("70000 channels"), "{e}");
    assert!(!p.exists());
    let e = audio::write_wav(&p, &[&[0.0; 10]], 0, false).unwrap_err();
    assert!(e.to_string().contains("`sr`"), "{e}");
    assert!(audio::write_wav(&p, &[], 16_000, false).is_err());
    assert!(audio::write_wav(&p, &[&[0.0; 10], &[0.0; 9]], 16_000, false).is_err());
    // 256 channels are written and read back
    let many = vec![[0.25f32; 3]; 256];
    let planes: Vec<&[f32]> = many.iter().map(|r| r.as_slice()).collect();
    audio::write_wav(&p, &planes, 8000, true).unwrap();
    let i = audio::info(&p).unwrap();
    assert_eq!((i.channels, i.frames, i.sample_rate), (256, 3, 8000));
}

/// Byte offset of the first FLAC frame (after the metadata blocks).
fn flac_audio_start(b: &[u8]) -> usize {
    let mut at = 4;
    loop {
        let last = b[at] & 0x80 != 0;
        let len = u32::from_be_bytes([0, b[at + 1], b[at + 2], b[at + 3]]) as usize;
        at += 4 + len;
        if last {
            return at;
        }
    }
}

#[test]
fn corrupt_flac_frames_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let whole = audio::decode(&fx("audio_stereo_44100.flac"), &DecodeOptions::default()).unwrap();
    // every frame damaged: nothing decodes, and that is an error, not an empty array
    let all = edited(dir.path(), "all.flac", "audio_stereo_44100.flac", |b| {
        let start = flac_audio_start(b);
        for i in (start + 64..b.len()).step_by(256) {
            b[i] ^= 0x5a;
        }
    });
    assert_eq!(
        audio::info(&all).unwrap().frames,
        264_600,
        "the header is intact"
    );
    let e = audio::decode(&all, &DecodeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    assert!(e.to_string().contains("all.flac"), "{e}");
    // one frame in the middle damaged: the hole is reported with its position
    let one = edited(dir.path(), "one.flac", "audio_stereo_44100.flac", |b| {
        let mid = flac_audio_start(b) + (b.len() - flac_audio_start(b)) / 2;
        for byte in &mut b[mid..mid + 16] {
            *byte ^= 0xff;
        }
    });
    let e = audio::decode(&one, &DecodeOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    assert!(e.to_string().contains("could not be decoded"), "{e}");
    // an excerpt before the damage still decodes, equal to the whole decode
    let o = DecodeOptions {
        start: 0.5,
        end: Some(1.0),
        ..Default::default()
    };
    let part = audio::decode(&one, &o).unwrap();
    assert_eq!(part.samples, whole.samples[22_050..44_100]);
    // cut in the middle: the header promises more than the file holds
    let cut = edited(dir.path(), "cut.flac", "audio_stereo_44100.flac", |b| {
        b.truncate(b.len() / 2)
    });
    let e = audio::decode(&cut, &DecodeOptions::default()).unwrap_err();
    assert!(e.to_string().contains("cut.flac"), "{e}");
}

#[test]
fn lossy_streams_shorter_than_their_header_by_more_than_two_packets_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let info_frames = |b: &mut [u8], add: u32| {
        let at = b.windows(4).position(|w| w == b"Info").unwrap();
        let n = u32::from_be_bytes([b[at + 8], b[at + 9], b[at + 10], b[at + 11]]);
        b[at + 8..at + 12].copy_from_slice(&(n + add).to_be_bytes());
    };
    // a Xing/Info count one frame too high (an encoder's rounding) passes
    let one = edited(dir.path(), "one.mp3", "audio_stereo_44100.mp3", |b| {
        info_frames(b, 1)
    });
    // (symphonia then keeps the encoder padding it would have trimmed)
    let a = audio::decode(&one, &DecodeOptions::default()).unwrap();
    assert!(
        (264_600..264_600 + 2 * 1152).contains(&a.frames()),
        "{}",
        a.frames()
    );
    // ten frames missing do not
    let ten = edited(dir.path(), "ten.mp3", "audio_stereo_44100.mp3", |b| {
        info_frames(b, 10)
    });
    let e = audio::decode(&ten, &DecodeOptions::default()).unwrap_err();
    assert!(e.to_string().contains("header declares"), "{e}");
    // and neither does a file cut in half
    let cut = edited(dir.path(), "cut.mp3", "audio_stereo_44100.mp3", |b| {
        b.truncate(b.len() / 2)
    });
    let e = audio::decode(&cut, &DecodeOptions::default()).unwrap_err();
    assert!(e.to_string().contains("cut.mp3"), "{e}");
}

#[test]
fn parameters_out_of_range_are_refused_up_front() {
    let mut gt = GroundTruth::default();
    gt.precise_alignment.push_note(60.0, 0.0, 10.0, Some(80.0));
    for hop in [0.0, -0.01, f64::NAN, f64::INFINITY] {
        let e = asmd::score::pedaling(&[&gt], true, 0.046, hop, 10.0).unwrap_err();
        assert!(e.to_string().contains("`hop`"), "{e}");
    }
    for res in [0.0, -1.0, f64::NAN] {
        let e = asmd::score::pianoroll(&[&gt], ScoreType::PreciseAlignment, res, false, true)
            .unwrap_err();
        assert!(e.to_string().contains("`resolution`"), "{e}");
    }
    // the event-based pedaling ignores the hop
    assert!(asmd::score::pedaling(&[&gt], false, 0.046, 0.0, 10.0).is_ok());
    assert!(asmd::limits::threads(asmd::limits::MAX_THREADS + 1).is_err());
    // each split is a copy of the dataset: a million of them is refused, not attempted
    let d = asmd::Dataset::official().unwrap();
    let e = d.choice(&vec![1.0; 1_000_000], 0).unwrap_err();
    assert!(e.to_string().contains("1000000 splits"), "{e}");
    assert_eq!(d.choice(&[1.0; 3], 0).unwrap().len(), 3);
}
