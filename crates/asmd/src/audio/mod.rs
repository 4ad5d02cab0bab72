//! Audio: decode (WAV, FLAC, MP3, Ogg Vorbis; pure Rust), describe from headers, mix and
//! resample recordings.
//!
//! Samples are `f32` in `[-1, 1]` (integers scaled by `2^(bits-1)`, as libsndfile
//! does). By default channels are averaged into one; [`DecodeOptions::mono`] `false`
//! keeps them, channel-major (plane `c` is `samples[c*frames..(c+1)*frames]`).
//! A time range reads only that part: WAV seeks to the bytes, the other formats seek
//! to the nearest packet before it and drop the frames in front.
//!
//! ```no_run
//! use asmd::audio::{self, DecodeOptions};
//! let a = audio::decode("song.flac".as_ref(), &DecodeOptions { start: 10.0, end: Some(20.0), ..Default::default() })?;
//! assert_eq!(a.frames(), 10 * a.sample_rate as usize);
//! # Ok::<(), asmd::Error>(())
//! ```

mod codec;
mod resample;
pub(crate) mod wav;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};

pub use resample::{resample, Quality};
pub use wav::{encode as encode_wav, write as write_wav};

/// Decoded audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Samples, channel-major (one plane when mono).
    pub samples: Vec<f32>,
    /// Number of planes in `samples`.
    pub channels: usize,
    /// Sample rate in Hz.
    pub sample_rate: u32,
}

impl Audio {
    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / self.channels.max(1)
    }

    /// Plane `c`.
    pub fn channel(&self, c: usize) -> &[f32] {
        let n = self.frames();
        &self.samples[c * n..(c + 1) * n]
    }
}

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeOptions {
    /// Average the channels into one (default `true`).
    pub mono: bool,
    /// First second to read (default 0).
    pub start: f64,
    /// Second to stop at (exclusive; `None`: the end of the file).
    pub end: Option<f64>,
    /// Resample to this rate.
    pub sample_rate: Option<u32>,
    /// Resampling quality.
    pub quality: Quality,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            mono: true,
            start: 0.0,
            end: None,
            sample_rate: None,
            quality: Quality::High,
        }
    }
}

/// What a file's header says (no decoding).
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// Duration in seconds.
    pub duration: f64,
    /// Bit rate in kb/s (PCM: rate x channels x bits; compressed: file bits / duration).
    pub bitrate: f64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels.
    pub channels: usize,
    /// Frames (samples per channel).
    pub frames: u64,
    /// Codec short name (`pcm_s16le`, `flac`, `mp3`, `vorbis`, ...).
    pub codec: String,
}

enum Kind {
    Wav(File, wav::Header),
    Other,
}

fn open_kind(path: &Path) -> Result<Kind> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut first = [0u8; 12];
    let mut got = 0;
    while got < 12 {
        match f.read(&mut first[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    if got == 0 {
        return Err(Error::format(path, "byte 0", "empty file: no audio header"));
    }
    if wav::sniff(&first[..got]) {
        use std::io::Seek;
        f.rewind().map_err(|e| Error::io(path, e))?;
        let h = wav::header(path, &mut f)?;
        // A-law and mu-law go to symphonia's PCM codec; nothing else is read.
        if h.encoding.is_none() && !matches!(h.format_tag, 6 | 7) {
            return Err(Error::new(
                crate::ErrorKind::Unsupported,
                format!(
                    "WAV format tag 0x{:04x} ({}) is not supported: only PCM, IEEE float, A-law and mu-law",
                    h.format_tag,
                    match h.format_tag {
                        2 | 0x11 => "ADPCM",
                        0x55 => "MP3 in WAV",
                        0x50 => "MPEG",
                        _ => "unknown codec",
                    }
                ),
            )
            .with_file(path)
            .at("'fmt ' chunk"));
        }
        return Ok(Kind::Wav(f, h));
    }
    Ok(Kind::Other)
}

fn wav_codec(h: &wav::Header) -> String {
    match h.encoding {
        Some(wav::Encoding::U8) => "pcm_u8".into(),
        Some(wav::Encoding::Int(w)) => format!("pcm_s{}le", w as u32 * 8),
        Some(wav::Encoding::Float(w)) => format!("pcm_f{}le", w as u32 * 8),
        None => format!("wav format 0x{:04x}", h.format_tag),
    }
}

/// Describe `path` from its header, without decoding.
pub fn info(path: &Path) -> Result<AudioInfo> {
    match open_kind(path)? {
        Kind::Wav(_, h) if h.encoding.is_some() => Ok(AudioInfo {
            duration: h.frames as f64 / h.sample_rate as f64,
            bitrate: h.sample_rate as f64 * h.channels as f64 * h.bits as f64 / 1000.0,
            sample_rate: h.sample_rate,
            channels: h.channels as usize,
            frames: h.frames,
            codec: wav_codec(&h),
        }),
        _ => {
            let mut o = codec::open(path)?;
            let frames = match o.frames {
                Some(f) => f,
                None => codec::count_frames(path, &mut o)?,
            };
            let duration = frames as f64 / o.sample_rate as f64;
            let bytes = std::fs::metadata(path)
                .map_err(|e| Error::io(path, e))?
                .len();
            Ok(AudioInfo {
                duration,
                bitrate: if duration > 0.0 {
                    bytes as f64 * 8.0 / duration / 1000.0
                } else {
                    0.0
                },
                sample_rate: o.sample_rate,
                channels: o.channels,
                frames,
                codec: o.codec,
            })
        }
    }
}

fn frame_range(path: &Path, sr: u32, opts: &DecodeOptions) -> Result<(u64, Option<u64>)> {
    if !opts.start.is_finite() || opts.start < 0.0 {
        return Err(Error::argument(format!(
            "{}: start {} s must be a finite number >= 0",
            path.display(),
            opts.start
        )));
    }
    let first = (opts.start * sr as f64).round() as u64;
    let count = match opts.end {
        None => None,
        Some(e) if e.is_nan() || e < opts.start => {
            return Err(Error::argument(format!(
                "{}: end {e} s comes before start {} s",
                path.display(),
                opts.start
            )))
        }
        Some(e) => Some(((e * sr as f64).round() as u64).saturating_sub(first)),
    };
    Ok((first, count))
}

/// Decode `path` (see [`DecodeOptions`]).
pub fn decode(path: &Path, opts: &DecodeOptions) -> Result<Audio> {
    let mut a = match open_kind(path)? {
        Kind::Wav(mut f, h) if h.encoding.is_some() => {
            check_resampling(path, h.sample_rate, opts)?;
            let (first, count) = frame_range(path, h.sample_rate, opts)?;
            let first = first.min(h.frames);
            let n = count.map_or(h.frames - first, |c| c.min(h.frames - first));
            let samples = wav::read(path, &mut f, &h, first, n, opts.mono)?;
            Audio {
                samples,
                channels: if opts.mono { 1 } else { h.channels as usize },
                sample_rate: h.sample_rate,
            }
        }
        _ => {
            let o = codec::open(path)?;
            let (sr, ch) = (o.sample_rate, o.channels);
            check_resampling(path, sr, opts)?;
            let (first, count) = frame_range(path, sr, opts)?;
            let (samples, _) = codec::decode(path, o, first, count, opts.mono)?;
            Audio {
                samples,
                channels: if opts.mono { 1 } else { ch },
                sample_rate: sr,
            }
        }
    };
    if let Some(to) = opts.sample_rate {
        a = resample_audio(a, to, opts.quality).map_err(|e| e.with_file(path))?;
    }
    Ok(a)
}

/// Refuse, before decoding, a resampling of `path` (at `from` Hz) that
/// [`resample`] would refuse.
fn check_resampling(path: &Path, from: u32, opts: &DecodeOptions) -> Result<()> {
    match opts.sample_rate {
        Some(to) if to != from => {
            crate::limits::resample_ratio(from, to).map_err(|e| e.with_file(path))
        }
        _ => Ok(()),
    }
}

/// Resample every plane of `a` to `to` Hz.
pub fn resample_audio(a: Audio, to: u32, quality: Quality) -> Result<Audio> {
    if a.sample_rate == to {
        return Ok(a);
    }
    let mut samples = Vec::new();
    for c in 0..a.channels {
        samples.extend(resample(a.channel(c), a.sample_rate, to, quality)?);
    }
    Ok(Audio {
        samples,
        channels: a.channels,
        sample_rate: to,
    })
}

/// Decode several files as mono at a common rate: `opts.sample_rate`, else the first
/// file's rate (files at another rate are resampled to it). Files decode in parallel.
pub fn decode_many(paths: &[&Path], opts: &DecodeOptions) -> Result<(Vec<Vec<f32>>, u32)> {
    if paths.is_empty() {
        return Err(Error::argument("no audio file to decode"));
    }
    // With a requested rate every file resamples as it decodes (in parallel); without,
    // the files at another rate than the first are resampled to it afterwards.
    let mono = DecodeOptions {
        mono: true,
        ..*opts
    };
    let dec = |p: &&Path| decode(p, &mono);
    let decoded: Vec<Audio> = if paths.len() > 1 && crate::parallel::enabled() {
        paths.par_iter().map(dec).collect::<Result<_>>()?
    } else {
        paths.iter().map(dec).collect::<Result<_>>()?
    };
    let target = opts.sample_rate.unwrap_or(decoded[0].sample_rate);
    let out = decoded
        .into_iter()
        .zip(paths)
        .map(|(a, p)| {
            resample_audio(a, target, opts.quality)
                .map(|a| a.samples)
                .map_err(|e| e.with_file(p))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((out, target))
}

/// Sum signals zero-padded to the longest and divide by `divisor`.
pub fn mix_signals(signals: &[Vec<f32>], divisor: usize) -> Vec<f32> {
    let n = signals.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = vec![0f32; n];
    for s in signals {
        for (o, x) in out.iter_mut().zip(s) {
            *o += x;
        }
    }
    let k = divisor.max(1) as f32;
    if k != 1.0 {
        for o in &mut out {
            *o /= k;
        }
    }
    out
}

/// Mix files: each decoded to mono at a common rate (see [`decode_many`]), summed
/// zero-padded to the longest and divided by their count.
pub fn mix(paths: &[&Path], opts: &DecodeOptions) -> Result<(Vec<f32>, u32)> {
    let (signals, sr) = decode_many(paths, opts)?;
    Ok((mix_signals(&signals, signals.len()), sr))
}

/// True when the file looks like audio the decoders read (by extension).
pub fn is_audio_path(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("wav" | "wave" | "flac" | "mp3" | "ogg" | "oga")
    )
}
