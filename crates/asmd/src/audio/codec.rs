//! Compressed formats (FLAC, MP3, Ogg Vorbis) and the WAV encodings the direct reader
//! leaves out, through symphonia (pure Rust).

use std::fs::File;
use std::path::Path;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::Timestamp;

use crate::error::{Error, ErrorKind, Result};
use crate::limits;

fn sym_err(path: &Path, e: SymError, what: &str) -> Error {
    match e {
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::format(path, what, "truncated: the file ends early")
        }
        SymError::IoError(io) => Error::io(path, io),
        SymError::Unsupported(m) => {
            Error::new(ErrorKind::Unsupported, format!("unsupported audio: {m}"))
                .with_file(path)
                .at(what)
        }
        other => Error::format(path, what, format!("corrupt audio: {other}")),
    }
}

pub(crate) struct Opened {
    pub reader: Box<dyn FormatReader>,
    pub track_id: u32,
    pub sample_rate: u32,
    pub channels: usize,
    pub frames: Option<u64>,
    pub codec: String,
    /// Whether timestamps count frames (time base 1/sample rate).
    pub ts_is_frames: bool,
}

pub(crate) fn open(path: &Path) -> Result<Opened> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let reader = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymError::Unsupported(_) => Error::new(
                ErrorKind::Unsupported,
                "unsupported or unrecognised audio format (WAV, FLAC, MP3 and Ogg Vorbis are read)",
            )
            .with_file(path),
            e => sym_err(path, e, "header"),
        })?;
    let track = reader
        .default_track(TrackType::Audio)
        .ok_or_else(|| Error::format(path, "header", "no audio track"))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| Error::format(path, "header", "no audio codec parameters"))?;
    let sample_rate = params.sample_rate.unwrap_or(0);
    if sample_rate == 0 {
        return Err(Error::format(path, "header", "sample rate is 0 or missing"));
    }
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    if channels == 0 {
        return Err(Error::format(
            path,
            "header",
            "channel count is 0 or missing",
        ));
    }
    let ts_is_frames = track
        .time_base
        .is_none_or(|tb| tb.numer.get() == 1 && tb.denom.get() == sample_rate);
    let codec = symphonia::default::get_codecs()
        .get_audio_decoder(params.codec)
        .map(|d| d.codec.info.short_name.to_string())
        .unwrap_or_else(|| format!("{:?}", params.codec));
    Ok(Opened {
        track_id: track.id,
        frames: track.num_frames,
        sample_rate,
        channels,
        codec,
        ts_is_frames,
        reader,
    })
}

/// Decode frames `[first, first + count)` (count `None`: to the end) to planar f32
/// (`mono`: the channel average). Returns the samples and the number of frames.
pub(crate) fn decode(
    path: &Path,
    mut o: Opened,
    first: u64,
    count: Option<u64>,
    mono: bool,
) -> Result<(Vec<f32>, usize)> {
    let params = o
        .reader
        .tracks()
        .iter()
        .find(|t| t.id == o.track_id)
        .and_then(|t| t.codec_params.as_ref())
        .and_then(|p| p.audio())
        .cloned()
        .ok_or_else(|| Error::format(path, "header", "no audio codec parameters"))?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| sym_err(path, e, "codec"))?;
    let ch = o.channels;
    let planes = if mono { 1 } else { ch };
    // Reserve what the header (or the requested range) promises, but no more than the
    // file's bytes can plausibly hold: a header's count is not trusted with memory.
    let declared = count
        .or(o.frames.map(|f| f.saturating_sub(first)))
        .unwrap_or(0);
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let cap = limits::presize::<f32>(
        declared,
        bytes.saturating_mul(limits::COMPRESSED_SAMPLES_PER_BYTE) / planes as u64,
    );
    let mut out: Vec<Vec<f32>> = (0..planes).map(|_| Vec::with_capacity(cap)).collect();
    // Position (in frames) of the next decoded frame; packets carry it after a seek.
    let mut pos: u64 = 0;
    if first > 0 && o.ts_is_frames {
        match o.reader.seek(
            SeekMode::Accurate,
            SeekTo::Timestamp {
                ts: Timestamp::new(first as i64),
                track_id: o.track_id,
            },
        ) {
            Ok(_) => decoder.reset(),
            Err(_) => {
                // Not seekable: decode from the start and drop what comes before.
                drop(o);
                o = open(path)?;
                decoder.reset();
            }
        }
    }
    let end = count.map(|c| first + c);
    let mut scratch: Vec<Vec<f32>> = Vec::new();
    let mut packet_no = 0usize;
    // Where the previous packet ended: a later start is a hole (frames the reader
    // skipped, e.g. FLAC frames whose checksum failed).
    let mut expected: Option<i64> = None;
    // Whether the stream ran out (rather than the range being complete).
    let mut exhausted = false;
    // The longest packet seen (frames).
    let mut longest = 0u64;
    loop {
        if end.is_some_and(|e| pos >= e && packet_no > 0) {
            break;
        }
        let packet = match o.reader.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) | Err(SymError::ResetRequired) => {
                exhausted = true;
                break;
            }
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(Error::format(
                    path,
                    format!("packet {packet_no}"),
                    "truncated: the file ends inside an audio packet",
                ))
            }
            Err(e) => return Err(sym_err(path, e, &format!("packet {packet_no}"))),
        };
        if packet.track_id != o.track_id {
            continue;
        }
        if o.ts_is_frames {
            // (the first packets of MP3 and Vorbis start before 0: encoder delay)
            let pts = packet.pts.get();
            if let Some(from) = expected.filter(|&e| pts > e) {
                return Err(lost(path, o.sample_rate, from, pts, packet_no));
            }
            // the frames this packet covers at most: demuxers disagree on whether the
            // trimmed frames (encoder delay and padding) count in its duration
            let covered = packet
                .dur
                .get()
                .saturating_add(packet.trim_start.get())
                .saturating_add(packet.trim_end.get());
            expected = Some(pts.saturating_add_unsigned(covered));
            longest = longest.max(covered);
            pos = pts.max(0) as u64;
        }
        let buf = decoder
            .decode(&packet)
            .map_err(|e| sym_err(path, e, &format!("packet {packet_no} (frame {pos})")))?;
        packet_no += 1;
        let n = buf.frames();
        if n == 0 {
            continue;
        }
        let lo = first.saturating_sub(pos).min(n as u64) as usize;
        let hi = match end {
            Some(e) => (e.saturating_sub(pos)).min(n as u64) as usize,
            None => n,
        };
        pos += n as u64;
        if lo >= hi {
            continue;
        }
        buf.copy_to_vecs_planar::<f32>(&mut scratch);
        if scratch.len() != ch {
            return Err(Error::format(
                path,
                format!("packet {packet_no} (frame {})", pos - n as u64),
                format!(
                    "the channel count changes from {ch} to {} inside the stream",
                    scratch.len()
                ),
            ));
        }
        let grow = |v: &mut Vec<f32>| {
            limits::try_grow(v, hi - lo, "the decoded audio").map_err(|e| e.with_file(path))
        };
        if mono {
            let inv = 1.0 / ch as f32;
            let dst = &mut out[0];
            grow(dst)?;
            if ch == 1 {
                dst.extend_from_slice(&scratch[0][lo..hi]);
            } else if ch == 2 {
                let (l, r) = (&scratch[0][lo..hi], &scratch[1][lo..hi]);
                dst.extend(l.iter().zip(r).map(|(a, b)| (a + b) * 0.5));
            } else {
                let start = dst.len();
                dst.resize(start + hi - lo, 0.0);
                for plane in scratch.iter().take(ch) {
                    for (d, s) in dst[start..].iter_mut().zip(&plane[lo..hi]) {
                        *d += s;
                    }
                }
                for d in &mut dst[start..] {
                    *d *= inv;
                }
            }
        } else {
            for (d, s) in out.iter_mut().zip(&scratch) {
                grow(d)?;
                d.extend_from_slice(&s[lo..hi]);
            }
        }
    }
    // The stream ran out: it must have reached what the header declares (within the
    // range asked for), else the rest was lost. FLAC's count is exact by definition;
    // the MP3 Xing/Info and Ogg counts are estimates that encoders get wrong by a
    // packet or two, so a shortfall of up to two packets passes for them.
    if exhausted && o.ts_is_frames {
        if let Some(total) = o.frames {
            let want = end.map_or(total, |e| e.min(total));
            let slack = if o.codec == "flac" { 0 } else { 2 * longest };
            if pos.saturating_add(slack) < want {
                return Err(Error::format(
                    path,
                    format!("frame {pos}"),
                    format!(
                        "corrupt or truncated audio: the header declares {total} frames ({:.3} s) \
                         but the stream ends after frame {pos} ({:.3} s){}",
                        total as f64 / o.sample_rate as f64,
                        pos as f64 / o.sample_rate as f64,
                        if packet_no == 0 {
                            ": no audio packet could be read"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
    }
    let frames = out[0].len();
    if planes == 1 {
        let v = out.pop().unwrap_or_default();
        return Ok((v, frames));
    }
    let mut flat = Vec::with_capacity(frames * planes);
    for p in out {
        flat.extend_from_slice(&p);
    }
    Ok((flat, frames))
}

/// The error for frames `from..to` that the reader skipped (damaged or missing packets).
fn lost(path: &Path, sr: u32, from: i64, to: i64, packet_no: usize) -> Error {
    Error::format(
        path,
        format!("before packet {packet_no}"),
        format!(
            "corrupt audio: frames {from}..{to} ({:.3} s to {:.3} s) could not be decoded \
             (damaged or missing packets)",
            from as f64 / sr as f64,
            to as f64 / sr as f64
        ),
    )
}

/// Frames of the track counted from packet durations (demuxing only, no decoding), for
/// containers whose header does not say (e.g. MP3 without a Xing/Info frame).
pub(crate) fn count_frames(path: &Path, o: &mut Opened) -> Result<u64> {
    let mut total = 0u64;
    loop {
        match o.reader.next_packet() {
            Ok(Some(p)) if p.track_id == o.track_id => total += p.dur.get(),
            Ok(Some(_)) => {}
            Ok(None) | Err(SymError::ResetRequired) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(sym_err(path, e, "packets")),
        }
    }
    Ok(total)
}
