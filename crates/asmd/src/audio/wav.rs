//! A direct reader for PCM and IEEE-float WAV files (the format most datasets ship):
//! header parsing without decoding, and sample conversion that reads only the asked
//! frames, converts them in blocks and averages channels in the same pass.
//!
//! Scaling follows libsndfile's normalised float reading: integer samples are divided
//! by `2^(bits-1)` (8-bit WAV is unsigned, offset by 128); float samples pass through.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// Sample encoding of a WAV data chunk that [`read`] converts itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Unsigned 8-bit.
    U8,
    /// Signed little-endian integers of 2, 3 or 4 bytes.
    Int(u8),
    /// IEEE float, 4 or 8 bytes.
    Float(u8),
}

/// What the header of a WAV file says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub sample_rate: u32,
    pub channels: u16,
    /// Bits per sample of the container (8, 16, 24, 32, 64).
    pub bits: u16,
    /// Bytes per frame.
    pub block_align: u16,
    /// `None` when the format tag is not PCM/float (e.g. ADPCM, A-law): another
    /// decoder handles those.
    pub encoding: Option<Encoding>,
    /// The WAVE format tag (after resolving WAVE_FORMAT_EXTENSIBLE).
    pub format_tag: u16,
    /// Byte offset of the first sample.
    pub data_offset: u64,
    /// Number of whole frames in the data chunk.
    pub frames: u64,
}

const TAG_PCM: u16 = 1;
const TAG_FLOAT: u16 = 3;
const TAG_EXTENSIBLE: u16 = 0xFFFE;

fn bad(path: &Path, at: impl Into<String>, msg: impl Into<String>) -> Error {
    Error::format(path, at, msg)
}

fn u16le(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32le(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// True when the first bytes look like a RIFF/WAVE file.
pub(crate) fn sniff(first: &[u8]) -> bool {
    first.len() >= 12 && &first[0..4] == b"RIFF" && &first[8..12] == b"WAVE"
}

/// Parse the chunks of a RIFF/WAVE file up to the start of the data chunk.
pub(crate) fn header(path: &Path, file: &mut File) -> Result<Header> {
    let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut riff = [0u8; 12];
    read_exact_at(path, file, &mut riff, "RIFF header")?;
    if !sniff(&riff) {
        return Err(bad(path, "byte 0", "not a RIFF/WAVE file"));
    }
    let mut pos: u64 = 12;
    let mut fmt: Option<(u16, u16, u32, u16, u16)> = None;
    loop {
        let mut ch = [0u8; 8];
        if pos + 8 > file_len {
            return Err(bad(
                path,
                format!("byte {pos}"),
                if fmt.is_none() {
                    "truncated: no 'fmt ' chunk before the end of the file"
                } else {
                    "truncated: no 'data' chunk before the end of the file"
                },
            ));
        }
        read_exact_at(path, file, &mut ch, "chunk header")?;
        let id = [ch[0], ch[1], ch[2], ch[3]];
        let size = u32le(&ch, 4) as u64;
        let body = pos + 8;
        match &id {
            b"fmt " => {
                if !(16..=4096).contains(&size) {
                    return Err(bad(
                        path,
                        format!("'fmt ' chunk at byte {pos}"),
                        format!("corrupt header: chunk size {size} (expected 16 to 4096)"),
                    ));
                }
                if body + size > file_len {
                    return Err(bad(
                        path,
                        format!("'fmt ' chunk at byte {pos}"),
                        "truncated: the chunk runs past the end of the file",
                    ));
                }
                let mut b = vec![0u8; size as usize];
                read_exact_at(path, file, &mut b, "'fmt ' chunk")?;
                let mut tag = u16le(&b, 0);
                let channels = u16le(&b, 2);
                let sr = u32le(&b, 4);
                let block_align = u16le(&b, 12);
                let bits = u16le(&b, 14);
                if tag == TAG_EXTENSIBLE {
                    if size < 40 {
                        return Err(bad(
                            path,
                            format!("'fmt ' chunk at byte {pos}"),
                            "corrupt header: WAVE_FORMAT_EXTENSIBLE without its 24-byte extension",
                        ));
                    }
                    // The sub-format GUID starts with the actual format tag.
                    tag = u16le(&b, 24);
                }
                fmt = Some((tag, channels, sr, block_align, bits));
            }
            b"data" => {
                let Some((tag, channels, sr, block_align, bits)) = fmt else {
                    return Err(bad(
                        path,
                        format!("'data' chunk at byte {pos}"),
                        "corrupt header: the 'data' chunk comes before any 'fmt ' chunk",
                    ));
                };
                let at = "'fmt ' chunk";
                if sr == 0 {
                    return Err(bad(path, at, "sample rate is 0"));
                }
                if channels == 0 {
                    return Err(bad(path, at, "channel count is 0"));
                }
                if block_align == 0 || block_align % channels != 0 {
                    return Err(bad(
                        path,
                        at,
                        format!(
                            "corrupt header: block align {block_align} is not a multiple of {channels} channels"
                        ),
                    ));
                }
                let width = (block_align / channels) as u8;
                let encoding = match (tag, width) {
                    (TAG_PCM, 1) => Some(Encoding::U8),
                    (TAG_PCM, 2..=4) => Some(Encoding::Int(width)),
                    (TAG_FLOAT, 4 | 8) => Some(Encoding::Float(width)),
                    (TAG_PCM | TAG_FLOAT, _) => {
                        return Err(Error::new(
                            ErrorKind::Unsupported,
                            format!(
                                "{}-byte {} samples are not supported",
                                width,
                                if tag == TAG_PCM { "integer" } else { "float" }
                            ),
                        )
                        .with_file(path)
                        .at(at))
                    }
                    _ => None,
                };
                let available = file_len.saturating_sub(body);
                let declared = if size == 0 || size == 0xFFFF_FFFF {
                    available // streamed files leave the size unset
                } else {
                    size
                };
                if declared > available {
                    return Err(bad(
                        path,
                        format!("'data' chunk at byte {pos}"),
                        format!(
                            "truncated: the chunk declares {declared} bytes of audio but the file holds {available}"
                        ),
                    ));
                }
                return Ok(Header {
                    sample_rate: sr,
                    channels,
                    bits: if encoding.is_some() {
                        width as u16 * 8
                    } else {
                        bits
                    },
                    block_align,
                    encoding,
                    format_tag: tag,
                    data_offset: body,
                    frames: declared / block_align as u64,
                });
            }
            _ => {
                // Skip unknown chunks (LIST, fact, bext, ...); bodies are padded to even sizes.
                let next = body + size + (size & 1);
                file.seek(SeekFrom::Start(next))
                    .map_err(|e| Error::io(path, e))?;
                pos = next;
                continue;
            }
        }
        pos = body + size + (size & 1);
        file.seek(SeekFrom::Start(pos))
            .map_err(|e| Error::io(path, e))?;
    }
}

fn read_exact_at(path: &Path, file: &mut File, buf: &mut [u8], what: &str) -> Result<()> {
    file.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            bad(path, what, "truncated: the file ends inside it")
        } else {
            Error::io(path, e)
        }
    })
}

/// Convert `frames` frames starting at frame `first` into planar f32 (`mono`: one
/// plane, the average of the channels). Returns the samples, channel-major.
pub(crate) fn read(
    path: &Path,
    file: &mut File,
    h: &Header,
    first: u64,
    frames: u64,
    mono: bool,
) -> Result<Vec<f32>> {
    let enc = h
        .encoding
        .ok_or_else(|| Error::new(ErrorKind::Unsupported, "not PCM").with_file(path))?;
    let ch = h.channels as usize;
    let planes = if mono { 1 } else { ch };
    let n = frames as usize;
    let mut out =
        crate::limits::zeroed(n * planes, "the decoded audio").map_err(|e| e.with_file(path))?;
    file.seek(SeekFrom::Start(
        h.data_offset + first * h.block_align as u64,
    ))
    .map_err(|e| Error::io(path, e))?;
    // Convert block by block: the raw bytes of one block stay in cache.
    const BLOCK_BYTES: usize = 1 << 18;
    let frame_bytes = h.block_align as usize;
    let block_frames = (BLOCK_BYTES / frame_bytes).max(1);
    let mut raw = vec![0u8; block_frames * frame_bytes];
    let mut done = 0usize;
    while done < n {
        let take = block_frames.min(n - done);
        let buf = &mut raw[..take * frame_bytes];
        read_exact_at(path, file, buf, "'data' chunk")?;
        convert_block(enc, buf, ch, mono, &mut out, done, n);
        done += take;
    }
    Ok(out)
}

#[inline(always)]
fn sample(enc: Encoding, b: &[u8]) -> f32 {
    match enc {
        Encoding::U8 => (b[0] as f32 - 128.0) * (1.0 / 128.0),
        Encoding::Int(2) => i16::from_le_bytes([b[0], b[1]]) as f32 * (1.0 / 32768.0),
        Encoding::Int(3) => {
            (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * (1.0 / 8_388_608.0)
        }
        Encoding::Int(_) => {
            i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 * (1.0 / 2_147_483_648.0)
        }
        Encoding::Float(4) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        Encoding::Float(_) => {
            f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        }
    }
}

fn convert_block(
    enc: Encoding,
    raw: &[u8],
    ch: usize,
    mono: bool,
    out: &mut [f32],
    offset: usize,
    total: usize,
) {
    let w = match enc {
        Encoding::U8 => 1,
        Encoding::Int(w) | Encoding::Float(w) => w as usize,
    };
    let frames = raw.len() / (w * ch);
    // Specialised loops for the common layouts (the compiler vectorises them).
    match (enc, ch, mono) {
        (Encoding::Int(2), 1, _) => {
            let dst = &mut out[offset..offset + frames];
            for (d, s) in dst.iter_mut().zip(raw.chunks_exact(2)) {
                *d = i16::from_le_bytes([s[0], s[1]]) as f32 * (1.0 / 32768.0);
            }
        }
        (Encoding::Int(2), 2, true) => {
            let dst = &mut out[offset..offset + frames];
            for (d, s) in dst.iter_mut().zip(raw.chunks_exact(4)) {
                let l = i16::from_le_bytes([s[0], s[1]]) as f32;
                let r = i16::from_le_bytes([s[2], s[3]]) as f32;
                *d = (l + r) * (0.5 / 32768.0);
            }
        }
        (Encoding::Int(2), 2, false) => {
            let (left, right) = out.split_at_mut(total);
            let l = &mut left[offset..offset + frames];
            let r = &mut right[offset..offset + frames];
            for ((dl, dr), s) in l.iter_mut().zip(r.iter_mut()).zip(raw.chunks_exact(4)) {
                *dl = i16::from_le_bytes([s[0], s[1]]) as f32 * (1.0 / 32768.0);
                *dr = i16::from_le_bytes([s[2], s[3]]) as f32 * (1.0 / 32768.0);
            }
        }
        (Encoding::Float(4), 1, _) => {
            let dst = &mut out[offset..offset + frames];
            for (d, s) in dst.iter_mut().zip(raw.chunks_exact(4)) {
                *d = f32::from_le_bytes([s[0], s[1], s[2], s[3]]);
            }
        }
        (_, _, true) => {
            let inv = 1.0 / ch as f32;
            let dst = &mut out[offset..offset + frames];
            for (d, f) in dst.iter_mut().zip(raw.chunks_exact(w * ch)) {
                let mut acc = 0f32;
                for c in 0..ch {
                    acc += sample(enc, &f[c * w..]);
                }
                *d = acc * inv;
            }
        }
        (_, _, false) => {
            for (i, f) in raw.chunks_exact(w * ch).enumerate() {
                for c in 0..ch {
                    out[c * total + offset + i] = sample(enc, &f[c * w..]);
                }
            }
        }
    }
}

/// Write planar f32 samples as a WAV file: 16-bit PCM (dithering-free rounding, clipped)
/// or 32-bit float. `planes` holds one slice per channel (1 to
/// [`MAX_WRITE_CHANNELS`](crate::limits::MAX_WRITE_CHANNELS), all of
/// the same length); `sample_rate` must lie in `1..=`[`MAX_SAMPLE_RATE`](crate::limits::MAX_SAMPLE_RATE).
pub fn write(path: &Path, planes: &[&[f32]], sample_rate: u32, float: bool) -> Result<()> {
    let buf = encode(planes, sample_rate, float).map_err(|e| e.with_file(path))?;
    crate::files::write_atomically(path, &buf)
}

/// The bytes of a canonical 44-byte-header WAV file (see [`write`]).
///
/// ```
/// let wav = asmd::audio::encode_wav(&[&[0.0, 0.5], &[0.0, -0.5]], 16_000, false).unwrap();
/// assert_eq!(wav.len(), 44 + 2 * 2 * 2);
/// // 70,000 "channels" of one frame each: a (frames, channels) array passed as channels
/// let column = vec![[0.0f32]; 70_000];
/// let planes: Vec<&[f32]> = column.iter().map(|c| c.as_slice()).collect();
/// assert!(asmd::audio::encode_wav(&planes, 16_000, false).is_err());
/// assert!(asmd::audio::encode_wav(&[&[0.0]], 0, false).is_err());
/// ```
pub fn encode(planes: &[&[f32]], sample_rate: u32, float: bool) -> Result<Vec<u8>> {
    let ch = planes.len();
    if ch == 0 {
        return Err(Error::argument("no channel to write: give at least one"));
    }
    let frames = planes[0].len();
    if ch > crate::limits::MAX_WRITE_CHANNELS {
        return Err(Error::argument(format!(
            "{ch} channels of {frames} samples: asmd writes at most {} channels \
             (channels come first: transpose a (frames, channels) array)",
            crate::limits::MAX_WRITE_CHANNELS
        )));
    }
    crate::limits::sample_rate(sample_rate as i128, "sr")?;
    if planes.iter().any(|p| p.len() != frames) {
        return Err(Error::argument("all channels must have the same length"));
    }
    let width = if float { 4 } else { 2 };
    let total = (frames as u64).saturating_mul((ch * width) as u64);
    if total + 36 > u32::MAX as u64 {
        return Err(Error::argument(format!(
            "{total} bytes of audio do not fit in a WAV file (at most 4 GiB)"
        )));
    }
    let data_bytes = total as usize;
    let mut buf = Vec::with_capacity(44 + data_bytes);
    buf.extend_from_slice(b"RIFF");
    buf.extend_from_slice(&(36 + data_bytes as u32).to_le_bytes());
    buf.extend_from_slice(b"WAVEfmt ");
    buf.extend_from_slice(&16u32.to_le_bytes());
    buf.extend_from_slice(&(if float { TAG_FLOAT } else { TAG_PCM }).to_le_bytes());
    buf.extend_from_slice(&(ch as u16).to_le_bytes());
    buf.extend_from_slice(&sample_rate.to_le_bytes());
    buf.extend_from_slice(&(sample_rate * (ch * width) as u32).to_le_bytes());
    buf.extend_from_slice(&((ch * width) as u16).to_le_bytes());
    buf.extend_from_slice(&((width * 8) as u16).to_le_bytes());
    buf.extend_from_slice(b"data");
    buf.extend_from_slice(&(data_bytes as u32).to_le_bytes());
    for i in 0..frames {
        for p in planes {
            let x = p[i];
            if float {
                buf.extend_from_slice(&x.to_le_bytes());
            } else {
                let v = (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
                buf.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    Ok(buf)
}
