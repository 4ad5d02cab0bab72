//! MIDI files read exactly as pretty_midi 0.2.11 reads them, and score matrices written
//! to (and read from) single-track MIDI files.
//!
//! The official ASMD ground truth was made with pretty_midi, so its semantics are the
//! oracle: times are bit-identical to pretty_midi's (same tempo map, same float
//! expression), notes are paired and grouped into instruments in the same way and the
//! same order, and [`MidiFile::beats`] equals `PrettyMIDI.get_beats()`.
//!
//! Data flows in one pass: bytes -> `smf` (chunks and events with absolute ticks,
//! mido's parsing rules, errors with byte offsets) -> a sink that feeds tempo events of
//! track 0 into `tempo` (tick -> seconds) and channel events into `instruments` (note
//! pairing, instrument grouping) -> [`MidiFile`]. Times can be computed as events arrive
//! because tempo events only come from track 0, which is decoded first, and a tempo
//! change never alters the time of an earlier tick. [`mod@write`] goes the other way for
//! score matrices (`mat2midipath` / `midipath2mat`).
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("a.mid");
//! use asmd::midi::{mat2midipath, MidiFile};
//! use asmd::score::Matrix;
//! // pitch, onset, offset, velocity
//! let mat = Matrix { rows: 2, cols: 4, data: vec![60., 0.0, 0.5, 100., 64., 0.5, 1.0, -1.] };
//! mat2midipath(&mat, &path).unwrap();
//! let midi = MidiFile::read(&path).unwrap();
//! let notes = &midi.instruments[0].notes;
//! assert_eq!((notes[0].pitch, notes[0].start, notes[0].end, notes[0].velocity), (60, 0.0, 0.5, 100));
//! assert_eq!(notes[1].velocity, 80); // negative velocity -> 80
//! assert_eq!(midi.beats(), vec![0.0, 0.5]);
//! ```

mod instruments;
mod smf;
mod tempo;
pub mod write;

use std::path::Path;

use crate::error::{Error, IoContext, Result};

pub use tempo::{TempoMap, TimeSignature};
pub use write::{mat2midipath, midipath2mat};

/// pretty_midi refuses files whose largest tick (plus one) exceeds this.
pub const MAX_TICK: u64 = 10_000_000;

/// A note, with times in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Note {
    /// MIDI pitch 0-127.
    pub pitch: u8,
    /// Note-on velocity 1-127.
    pub velocity: u8,
    /// Onset in seconds.
    pub start: f64,
    /// Offset in seconds.
    pub end: f64,
}

/// A control change, with its time in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlChange {
    /// Controller number (64 sustain, 66 sostenuto, 67 soft, ...).
    pub number: u8,
    /// Value 0-127.
    pub value: u8,
    /// Time in seconds.
    pub time: f64,
}

/// One pretty_midi instrument: the notes of one (program, channel, track).
#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    /// General-MIDI program in force when the notes ended.
    pub program: u8,
    /// MIDI channel 0-15.
    pub channel: u8,
    /// Index of the track the notes come from.
    pub track: usize,
    /// Channel 10 (index 9).
    pub is_drum: bool,
    /// Notes in pretty_midi's order (the order of their note-offs).
    pub notes: Vec<Note>,
    /// Control changes attributed to this instrument, in file order.
    pub control_changes: Vec<ControlChange>,
    /// Times of the pitch bends attributed to this instrument.
    pub pitch_bend_times: Vec<f64>,
}

impl Instrument {
    /// Time of the last note end, pitch bend or control change; 0 when there is none.
    pub fn end_time(&self) -> f64 {
        self.notes
            .iter()
            .map(|n| n.end)
            .chain(self.pitch_bend_times.iter().copied())
            .chain(self.control_changes.iter().map(|c| c.time))
            .reduce(f64::max)
            .unwrap_or(0.0)
    }
}

/// A MIDI file as pretty_midi sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MidiFile {
    /// Instruments in pretty_midi's order (creation at their first completed note).
    pub instruments: Vec<Instrument>,
    /// Time signatures of track 0, in file order.
    pub time_signatures: Vec<TimeSignature>,
    /// Tick -> seconds.
    pub tempo: TempoMap,
    /// Latest time of a key signature (track 0) or text/lyrics event (any track).
    meta_end: Option<f64>,
}

impl MidiFile {
    /// Read and interpret a MIDI file.
    pub fn read(path: impl AsRef<Path>) -> Result<MidiFile> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).with_path(path)?;
        MidiFile::parse(&bytes, path)
    }

    /// Interpret MIDI bytes; `origin` names the file in errors.
    pub fn parse(bytes: &[u8], origin: impl AsRef<Path>) -> Result<MidiFile> {
        let origin = origin.as_ref();
        // the resolution is read first so that the tempo map is right from the first event
        let mut b = Builder {
            tempo: TempoMap::new(smf::resolution(bytes)),
            loader: instruments::Loader::new(),
            time_signatures: Vec::new(),
            meta_end: None,
            max_tick: None,
            track: 0,
            seg: 0,
        };
        smf::parse(bytes, origin, &mut b)?;
        let max_tick = b.max_tick.unwrap_or(0).saturating_add(1);
        if max_tick > MAX_TICK {
            return Err(Error::format(
                origin,
                "",
                format!(
                    "largest tick is {}, more than pretty_midi's limit of {MAX_TICK}: the file is likely corrupt",
                    max_tick - 1
                ),
            ));
        }
        Ok(MidiFile {
            instruments: b.loader.finish(),
            time_signatures: b.time_signatures,
            tempo: b.tempo,
            meta_end: b.meta_end,
        })
    }

    /// Ticks per quarter note.
    pub fn resolution(&self) -> u16 {
        self.tempo.resolution()
    }

    /// pretty_midi's `get_end_time`: the latest note end, controller, pitch bend,
    /// signature, text or tempo change; 0 for an empty file.
    pub fn end_time(&self) -> f64 {
        self.instruments
            .iter()
            .map(Instrument::end_time)
            .chain(self.time_signatures.iter().map(|t| t.time))
            .chain(self.meta_end)
            .chain(self.tempo.tempo_changes().into_iter().map(|c| c.0))
            .reduce(f64::max)
            .unwrap_or(0.0)
    }

    /// pretty_midi's `get_beats()`: beat times in seconds from 0, following tempo changes
    /// and time signatures (compound meters count dotted beats).
    pub fn beats(&self) -> Vec<f64> {
        tempo::beats(&self.tempo, &self.time_signatures, self.end_time())
    }

    /// Tempo changes as `(time in seconds, quarter notes per minute)`.
    pub fn tempo_changes(&self) -> Vec<(f64, f64)> {
        self.tempo.tempo_changes()
    }
}

/// Collects a file's tempo map, signatures and instruments while it is decoded, in one
/// pass. Times of events are computed as they arrive: tempo events only come from track
/// 0, which is decoded first, and a tempo change at tick T never changes the time of a
/// tick <= T (each segment starts where the previous one ends), so the times equal those
/// of the finished map.
struct Builder {
    tempo: TempoMap,
    loader: instruments::Loader,
    time_signatures: Vec<TimeSignature>,
    meta_end: Option<f64>,
    max_tick: Option<u64>,
    track: usize,
    seg: usize,
}

impl Builder {
    fn bump(&mut self, t: f64) {
        self.meta_end = Some(self.meta_end.map_or(t, |m| m.max(t)));
    }
}

impl smf::Sink for Builder {
    fn track_start(&mut self, index: usize, chunk_len: usize) {
        self.track = index;
        self.seg = 0;
        self.loader.track_start(index, chunk_len);
    }

    #[inline]
    fn note_on(&mut self, tick: u64, channel: u8, key: u8, velocity: u8) {
        self.loader
            .note_on(tick, channel, key, velocity, &self.tempo);
    }

    #[inline]
    fn note_off(&mut self, tick: u64, channel: u8, key: u8) {
        self.loader.note_off(tick, channel, key, &self.tempo);
    }

    #[inline]
    fn control(&mut self, tick: u64, channel: u8, control: u8, value: u8) {
        self.loader
            .control(tick, channel, control, value, &self.tempo);
    }

    #[inline]
    fn program(&mut self, channel: u8, program: u8) {
        self.loader.program(channel, program);
    }

    #[inline]
    fn pitch_bend(&mut self, tick: u64, channel: u8) {
        self.loader.pitch_bend(tick, channel, &self.tempo);
    }

    fn meta(&mut self, tick: u64, event: smf::Event) {
        use smf::Event as E;
        match event {
            E::Tempo(t) if self.track == 0 => self.tempo.tempo_event(tick, t),
            E::TimeSignature {
                numerator,
                denominator_pow,
            } if self.track == 0 => {
                let time = self.tempo.time_from(&mut self.seg, tick);
                self.time_signatures.push(TimeSignature {
                    numerator,
                    denominator_pow,
                    time,
                });
            }
            E::KeySignature if self.track == 0 => {
                let t = self.tempo.time_from(&mut self.seg, tick);
                self.bump(t);
            }
            E::TimedText => {
                let t = self.tempo.time_from(&mut self.seg, tick);
                self.bump(t);
            }
            _ => {}
        }
    }

    fn track_end(&mut self, last_tick: Option<u64>) {
        if let Some(t) = last_tick {
            self.max_tick = Some(self.max_tick.map_or(t, |m| m.max(t)));
        }
    }
}
