//! Standard MIDI File chunks and events, read the way `mido` 1.3 (pretty_midi's parser)
//! reads them.
//!
//! The byte stream is split into the header chunk and exactly the number of `MTrk`
//! chunks the header declares; each track's events are decoded with their absolute tick
//! and handed to a [`Sink`] as they come (nothing is buffered). Only the events
//! pretty_midi uses are passed on; every event still counts for the track's last tick.
//! Parsing follows mido where it matters for the result:
//!
//! * running status survives meta events (mido never resets it on `FF`), while sysex and
//!   system messages replace it;
//! * a track ends exactly when its declared byte count has been consumed; an event that
//!   runs past the end of its chunk, or a file that ends before a chunk does, is an error;
//! * data bytes above 127, undefined status bytes and payloads over 1,000,000 bytes are
//!   errors (mido raises on them too).
//!
//! Every error names the byte offset in the file and the track. Meta events whose content
//! pretty_midi never looks at (sequence numbers, SMPTE offsets, key names...) are not
//! decoded, so their oddities are accepted where mido would raise.

use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// Internal result: errors are boxed so that the byte-level hot paths stay small.
type PResult<T> = std::result::Result<T, Box<Error>>;

/// Largest payload mido agrees to read for one event (`MAX_MESSAGE_LENGTH`).
const MAX_MESSAGE_LENGTH: u64 = 1_000_000;

/// The events pretty_midi looks at, with everything else dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// `0x9n` with velocity > 0.
    NoteOn { channel: u8, key: u8, velocity: u8 },
    /// `0x8n`, or `0x9n` with velocity 0.
    NoteOff { channel: u8, key: u8 },
    /// `0xBn`.
    Control { channel: u8, control: u8, value: u8 },
    /// `0xCn`.
    Program { channel: u8, program: u8 },
    /// `0xEn`, value in -8192..=8191.
    PitchBend { channel: u8 },
    /// Meta `0x51`: microseconds per quarter note.
    Tempo(u32),
    /// Meta `0x58`: numerator and the power of two of the denominator.
    TimeSignature { numerator: u8, denominator_pow: u8 },
    /// Meta `0x59`.
    KeySignature,
    /// Meta `0x01` (text) or `0x05` (lyrics): pretty_midi keeps them as timed events.
    TimedText,
}

/// Receives the events of a file as they are decoded, track after track. Channel
/// messages have one method each, so the decoder's dispatch on the status byte is the
/// only one per event; meta events come through [`Sink::meta`].
pub(crate) trait Sink {
    /// Track `index` starts; its chunk holds `chunk_len` bytes.
    fn track_start(&mut self, index: usize, chunk_len: usize);
    /// Note-on with velocity > 0.
    fn note_on(&mut self, tick: u64, channel: u8, key: u8, velocity: u8);
    /// Note-off, or note-on with velocity 0.
    fn note_off(&mut self, tick: u64, channel: u8, key: u8);
    /// Control change.
    fn control(&mut self, tick: u64, channel: u8, control: u8, value: u8);
    /// Program change.
    fn program(&mut self, channel: u8, program: u8);
    /// Pitch bend.
    fn pitch_bend(&mut self, tick: u64, channel: u8);
    /// A kept meta event (tempo, signatures, text).
    fn meta(&mut self, tick: u64, event: Event);
    /// The current track ended; `last_tick` is the tick of its last event of any kind
    /// (`None` for an empty chunk).
    fn track_end(&mut self, last_tick: Option<u64>);
}

/// Hand an event to the sink method of its kind.
#[inline]
fn dispatch(sink: &mut impl Sink, tick: u64, e: Event) {
    match e {
        Event::NoteOn {
            channel,
            key,
            velocity,
        } => sink.note_on(tick, channel, key, velocity),
        Event::NoteOff { channel, key } => sink.note_off(tick, channel, key),
        Event::Control {
            channel,
            control,
            value,
        } => sink.control(tick, channel, control, value),
        Event::Program { channel, program } => sink.program(channel, program),
        Event::PitchBend { channel } => sink.pitch_bend(tick, channel),
        meta => sink.meta(tick, meta),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
    /// Track being read (for messages) and where its chunk data ends.
    track: Option<usize>,
    chunk_end: usize,
}

impl<'a> Reader<'a> {
    #[cold]
    #[inline(never)]
    fn err(&self, at: usize, problem: impl Into<String>) -> Box<Error> {
        let loc = match self.track {
            Some(t) => format!("byte {at} (track {t})"),
            None => format!("byte {at}"),
        };
        Box::new(Error::format(self.path, loc, problem))
    }

    #[cold]
    #[inline(never)]
    fn eof(&self, what: &str) -> Box<Error> {
        match self.track {
            Some(_) => self.err(
                self.pos,
                format!(
                    "truncated track chunk: the file ends while reading {what} (the chunk declares {} more bytes)",
                    self.chunk_end.saturating_sub(self.pos)
                ),
            ),
            None => self.err(self.pos, format!("truncated file: it ends while reading {what}")),
        }
    }

    #[inline]
    fn u8(&mut self, what: &str) -> PResult<u8> {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.eof(what)),
        }
    }

    fn take(&mut self, n: u64, what: &str) -> PResult<&'a [u8]> {
        let start = self.pos;
        if n > MAX_MESSAGE_LENGTH {
            return Err(self.err(
                start,
                format!("{what} declares {n} bytes, more than the 1,000,000 a MIDI event may hold"),
            ));
        }
        let n = n as usize;
        match self.bytes.get(start..start + n) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => {
                self.pos = self.bytes.len();
                Err(self.eof(what))
            }
        }
    }

    /// A variable-length quantity (mido reads any number of bytes; more than 8 cannot be
    /// a real file and would overflow).
    #[inline(always)]
    fn varint(&mut self, what: &str) -> PResult<u64> {
        // one-byte numbers (most delta times) first
        if let Some(&b) = self.bytes.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u64::from(b));
            }
        }
        self.varint_long(what)
    }

    #[inline(never)]
    fn varint_long(&mut self, what: &str) -> PResult<u64> {
        let start = self.pos;
        let mut value: u64 = 0;
        for _ in 0..8 {
            let b = self.u8(what)?;
            value = (value << 7) | u64::from(b & 0x7f);
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(self.err(
            start,
            format!("{what}: variable-length number longer than 8 bytes"),
        ))
    }
}

/// The ticks per quarter note of a file (1 when the header cannot say; the full parse
/// then reports the problem).
pub(crate) fn resolution(bytes: &[u8]) -> u16 {
    match bytes.get(12..14) {
        Some(b) if bytes.starts_with(b"MThd") => {
            let d = i16::from_be_bytes([b[0], b[1]]);
            if d > 0 {
                d as u16
            } else {
                1
            }
        }
        _ => 1,
    }
}

/// Parse a whole file, handing every kept event to `sink`; returns the resolution
/// (ticks per quarter note). `path` only names the file in errors.
pub(crate) fn parse(bytes: &[u8], path: &Path, sink: &mut impl Sink) -> Result<u16> {
    parse_inner(bytes, path, sink).map_err(|e| *e)
}

fn parse_inner(bytes: &[u8], path: &Path, sink: &mut impl Sink) -> PResult<u16> {
    let mut r = Reader {
        bytes,
        pos: 0,
        path,
        track: None,
        chunk_end: 0,
    };
    if bytes.len() < 8 {
        return Err(r.err(0, "not a MIDI file: shorter than a chunk header"));
    }
    if &bytes[0..4] != b"MThd" {
        return Err(r.err(0, "not a MIDI file: it does not start with an `MThd` chunk"));
    }
    r.pos = 4;
    let size = be_u32(r.take(4, "the header chunk length")?);
    let header = r.take(u64::from(size), "the header chunk")?;
    if header.len() < 6 {
        return Err(r.err(
            8,
            format!(
                "header chunk too short: {} bytes, at least 6 needed",
                header.len()
            ),
        ));
    }
    let n_tracks = i16::from_be_bytes([header[2], header[3]]);
    let division = i16::from_be_bytes([header[4], header[5]]);
    if division < 0 {
        return Err(Box::new(Error::new(
            ErrorKind::Unsupported,
            "SMPTE time division (frames per second) is not supported; pretty_midi cannot read it either",
        )
        .with_file(path)
        .at("byte 12 (header)")));
    }
    if division == 0 {
        return Err(r.err(12, "time division is 0 ticks per quarter note"));
    }
    if n_tracks <= 0 {
        return Err(r.err(10, format!("the header declares {n_tracks} tracks")));
    }
    for t in 0..n_tracks as usize {
        r.track = Some(t);
        let at = r.pos;
        if bytes.len() < at + 8 {
            r.track = None;
            return Err(r.err(
                at,
                format!(
                    "truncated file: the header declares {n_tracks} tracks but the file ends before track {t}"
                ),
            ));
        }
        let id = &bytes[at..at + 4];
        if id != b"MTrk" {
            return Err(r.err(
                at,
                format!(
                    "expected an `MTrk` chunk, found `{}`",
                    String::from_utf8_lossy(id).escape_default()
                ),
            ));
        }
        let size = be_u32(&bytes[at + 4..at + 8]) as usize;
        r.pos = at + 8;
        r.chunk_end = r.pos + size;
        sink.track_start(t, size);
        let last_tick = read_track(&mut r, sink)?;
        sink.track_end(last_tick);
    }
    Ok(division as u16)
}

fn be_u32(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x))
}

fn read_track(r: &mut Reader, sink: &mut impl Sink) -> PResult<Option<u64>> {
    let mut last_tick = None;
    let mut tick: u64 = 0;
    let mut last_status: Option<u8> = None;
    while r.pos != r.chunk_end {
        if r.pos > r.chunk_end {
            return Err(r.err(
                r.pos,
                format!(
                    "an event runs {} bytes past the end of its track chunk",
                    r.pos - r.chunk_end
                ),
            ));
        }
        let delta = r.varint("a delta time")?;
        tick = tick.saturating_add(delta);
        last_tick = Some(tick);
        let status_at = r.pos;
        if let Some(next) = fast_channel_message(r.bytes, r.pos, tick, &mut last_status, sink) {
            // the common case: a complete, valid channel voice message
            r.pos = next;
            continue;
        }
        let first = r.u8("a status byte")?;
        let (status, peek) = if first < 0x80 {
            match last_status {
                Some(s) => (s, Some(first)),
                None => {
                    return Err(r.err(
                        status_at,
                        format!(
                        "running status without a previous status byte (data byte 0x{first:02x})"
                    ),
                    ))
                }
            }
        } else {
            if first != 0xff {
                last_status = Some(first);
            }
            (first, None)
        };
        let event = match status {
            0xff => read_meta(r)?,
            0xf0 | 0xf7 => {
                // mido drops a running-status byte here and reads the length after it.
                r.varint("a sysex length")
                    .and_then(|n| r.take(n, "a sysex message"))?;
                None
            }
            _ => read_message(r, status, peek, status_at)?,
        };
        if let Some(e) = event {
            dispatch(sink, tick, e);
        }
    }
    Ok(last_tick)
}

/// Decode a channel voice message at `pos` (explicit or running status) when it is
/// complete and valid; anything else (meta, sysex, system, errors) returns `None` and
/// goes through the general path, which reports errors.
#[inline(always)]
fn fast_channel_message(
    bytes: &[u8],
    pos: usize,
    tick: u64,
    last_status: &mut Option<u8>,
    sink: &mut impl Sink,
) -> Option<usize> {
    let first = *bytes.get(pos)?;
    let (status, d0, at) = if first < 0x80 {
        let s = (*last_status)?;
        if !(0x80..0xf0).contains(&s) {
            return None;
        }
        (s, first, pos + 1)
    } else if first < 0xf0 {
        let d0 = *bytes.get(pos + 1)?;
        if d0 > 127 {
            return None;
        }
        (first, d0, pos + 2)
    } else {
        return None;
    };
    let channel = status & 0x0f;
    let kind = status & 0xf0;
    if kind == 0xc0 || kind == 0xd0 {
        *last_status = Some(status);
        if kind == 0xc0 {
            sink.program(channel, d0);
        }
        return Some(at);
    }
    let d1 = *bytes.get(at)?;
    if d1 > 127 {
        return None;
    }
    *last_status = Some(status);
    match kind {
        0x90 if d1 > 0 => sink.note_on(tick, channel, d0, d1),
        0x80 | 0x90 => sink.note_off(tick, channel, d0),
        0xb0 => sink.control(tick, channel, d0, d1),
        0xe0 => sink.pitch_bend(tick, channel),
        _ => {}
    }
    Some(at + 1)
}

fn message_length(status: u8) -> Option<usize> {
    Some(match status {
        0x80..=0xbf | 0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        0xf1 | 0xf3 => 2,
        0xf2 => 3,
        0xf6 | 0xf8 | 0xfa | 0xfb | 0xfc | 0xfe => 1,
        _ => return None,
    })
}

fn read_message(
    r: &mut Reader,
    status: u8,
    peek: Option<u8>,
    status_at: usize,
) -> PResult<Option<Event>> {
    let len = message_length(status)
        .ok_or_else(|| r.err(status_at, format!("undefined status byte 0x{status:02x}")))?;
    let mut data = [0u8; 2];
    let mut n = 0;
    if let Some(p) = peek {
        if len < 2 {
            return Err(r.err(
                status_at,
                format!("running status after status 0x{status:02x}, which takes no data"),
            ));
        }
        data[0] = p;
        n = 1;
    }
    while n < len - 1 {
        let at = r.pos;
        let b = r.u8("a MIDI message")?;
        if b > 127 {
            return Err(r.err(
                at,
                format!("data byte 0x{b:02x} of a message with status 0x{status:02x} is above 127"),
            ));
        }
        data[n] = b;
        n += 1;
    }
    let channel = status & 0x0f;
    Ok(match status & 0xf0 {
        0x80 => Some(Event::NoteOff {
            channel,
            key: data[0],
        }),
        0x90 if data[1] == 0 => Some(Event::NoteOff {
            channel,
            key: data[0],
        }),
        0x90 => Some(Event::NoteOn {
            channel,
            key: data[0],
            velocity: data[1],
        }),
        0xb0 => Some(Event::Control {
            channel,
            control: data[0],
            value: data[1],
        }),
        0xc0 => Some(Event::Program {
            channel,
            program: data[0],
        }),
        0xe0 => Some(Event::PitchBend { channel }),
        _ => None,
    })
}

fn read_meta(r: &mut Reader) -> PResult<Option<Event>> {
    let at = r.pos;
    let kind = r.u8("a meta event type")?;
    let len = r.varint("a meta event length")?;
    let data = r.take(len, "a meta event")?;
    Ok(match kind {
        0x51 => {
            if data.len() < 3 {
                return Err(r.err(
                    at,
                    format!("tempo event with {} data bytes, 3 needed", data.len()),
                ));
            }
            let tempo = (u32::from(data[0]) << 16) | (u32::from(data[1]) << 8) | u32::from(data[2]);
            if tempo == 0 {
                return Err(r.err(at, "tempo event of 0 microseconds per quarter note"));
            }
            Some(Event::Tempo(tempo))
        }
        0x58 => {
            if data.len() < 2 {
                return Err(r.err(
                    at,
                    format!("time signature with {} data bytes, 4 expected", data.len()),
                ));
            }
            if data[0] == 0 {
                return Err(r.err(at, "time signature with numerator 0"));
            }
            Some(Event::TimeSignature {
                numerator: data[0],
                denominator_pow: data[1],
            })
        }
        0x59 => Some(Event::KeySignature),
        0x01 | 0x05 => Some(Event::TimedText),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<Vec<(u64, Event)>>);
    impl Collect {
        fn push(&mut self, tick: u64, e: Event) {
            self.0.last_mut().unwrap().push((tick, e));
        }
    }
    impl Sink for Collect {
        fn track_start(&mut self, _: usize, _: usize) {
            self.0.push(Vec::new());
        }
        fn note_on(&mut self, tick: u64, channel: u8, key: u8, velocity: u8) {
            self.push(
                tick,
                Event::NoteOn {
                    channel,
                    key,
                    velocity,
                },
            );
        }
        fn note_off(&mut self, tick: u64, channel: u8, key: u8) {
            self.push(tick, Event::NoteOff { channel, key });
        }
        fn control(&mut self, tick: u64, channel: u8, control: u8, value: u8) {
            self.push(
                tick,
                Event::Control {
                    channel,
                    control,
                    value,
                },
            );
        }
        fn program(&mut self, channel: u8, program: u8) {
            self.push(0, Event::Program { channel, program });
        }
        fn pitch_bend(&mut self, tick: u64, channel: u8) {
            self.push(tick, Event::PitchBend { channel });
        }
        fn meta(&mut self, tick: u64, e: Event) {
            self.push(tick, e);
        }
        fn track_end(&mut self, _: Option<u64>) {}
    }

    fn file(tracks: &[&[u8]]) -> Vec<u8> {
        let mut v = b"MThd\0\0\0\x06\0\x01".to_vec();
        v.extend_from_slice(&(tracks.len() as u16).to_be_bytes());
        v.extend_from_slice(&96u16.to_be_bytes());
        for t in tracks {
            v.extend_from_slice(b"MTrk");
            v.extend_from_slice(&(t.len() as u32).to_be_bytes());
            v.extend_from_slice(t);
        }
        v
    }

    #[test]
    fn running_status_survives_meta_events() {
        // note on, meta text, running-status note on (vel 0 = off)
        let t: &[u8] = &[0, 0x90, 60, 100, 0, 0xff, 0x01, 1, b'x', 10, 60, 0];
        let mut c = Collect::default();
        parse(&file(&[t]), Path::new("m.mid"), &mut c).unwrap();
        let ev = &c.0[0];
        assert_eq!(ev.len(), 3);
        assert_eq!(
            ev[2],
            (
                10,
                Event::NoteOff {
                    channel: 0,
                    key: 60
                }
            )
        );
    }

    #[test]
    fn errors_name_offsets() {
        let t: &[u8] = &[0, 60, 100];
        let e = parse(&file(&[t]), Path::new("m.mid"), &mut Collect::default()).unwrap_err();
        assert!(e.to_string().contains("byte 23 (track 0)"), "{e}");
        assert!(e.message().contains("running status"));
    }
}
