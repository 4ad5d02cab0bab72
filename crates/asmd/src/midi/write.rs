//! Score matrices to and from single-track MIDI files (the reference's
//! `utils.mat2midipath` / `utils.midipath2mat`).
//!
//! The file written is the one pretty_midi writes for a `PrettyMIDI()` holding one
//! program-0 instrument: 220 ticks per quarter, a 120 BPM tempo and a 4/4 time signature
//! in track 0, then one track with a program change and note-on/note-off (velocity 0)
//! events sorted the way pretty_midi sorts them. Times are quantised to ticks with
//! Python's rounding (half to even). The bytes are encoded by `midly`.

use std::path::Path;

use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

use super::MidiFile;
use crate::error::{Error, Result};
use crate::score::{round_half_even, Matrix};

const RESOLUTION: u16 = 220;

/// pretty_midi's `time_to_tick` on a fresh `PrettyMIDI()` (default tempo, tick table `[0]`).
fn time_to_tick(time: f64) -> u64 {
    let scale = 60.0 / (120.0 * f64::from(RESOLUTION));
    if time > 0.0 {
        round_half_even(time / scale) as u64
    } else {
        0
    }
}

/// Encode notes `(pitch, onset, offset, velocity)` as pretty_midi would write them.
fn encode(notes: &[(u8, f64, f64, u8)]) -> Result<Vec<u8>> {
    let scale = 60.0 / (120.0 * f64::from(RESOLUTION));
    let tempo = (6e7 / (60.0 / (scale * f64::from(RESOLUTION)))) as u32;
    // (absolute tick, secondary sort key, event)
    let timing: Vec<(u64, u32, TrackEventKind<'static>)> = vec![
        (
            0,
            2 << 16,
            TrackEventKind::Meta(MetaMessage::TimeSignature(4, 2, 24, 8)),
        ),
        (
            0,
            1 << 16,
            TrackEventKind::Meta(MetaMessage::Tempo(u24::new(tempo))),
        ),
    ];
    let channel = u4::new(0);
    let mut track: Vec<(u64, u32, TrackEventKind<'static>)> = vec![(
        0,
        6 << 16,
        TrackEventKind::Midi {
            channel,
            message: MidiMessage::ProgramChange {
                program: u7::new(0),
            },
        },
    )];
    for &(pitch, on, off, vel) in notes {
        for (t, v) in [(on, vel), (off, 0)] {
            track.push((
                time_to_tick(t),
                (10 << 16) + u32::from(pitch) * 256 + u32::from(v),
                TrackEventKind::Midi {
                    channel,
                    message: MidiMessage::NoteOn {
                        key: u7::new(pitch),
                        vel: u7::new(v),
                    },
                },
            ));
        }
    }
    let finish = |mut evs: Vec<(u64, u32, TrackEventKind<'static>)>| {
        // pretty_midi sorts by tick, then by event kind/pitch/velocity (stable)
        evs.sort_by_key(|e| (e.0, e.1));
        let last = evs.last().map(|e| e.0).unwrap_or(0);
        evs.push((last + 1, 0, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
        let mut prev = 0u64;
        evs.into_iter()
            .map(|(tick, _, kind)| {
                let delta = (tick - prev).min(u64::from(u32::MAX >> 4)) as u32;
                prev = tick;
                TrackEvent {
                    delta: u28::new(delta),
                    kind,
                }
            })
            .collect::<Vec<_>>()
    };
    let smf = Smf {
        header: Header::new(Format::Parallel, Timing::Metrical(u15::new(RESOLUTION))),
        tracks: vec![finish(timing), finish(track)],
    };
    let mut out = Vec::new();
    smf.write_std(&mut out)
        .map_err(|e| Error::argument(format!("cannot encode MIDI: {e}")))?;
    Ok(out)
}

/// Write a score matrix (columns pitch, onset, offset, velocity; more columns are
/// ignored) to a single-track MIDI file, as the reference's `mat2midipath`: program 0,
/// pitches and velocities truncated to integers, negative velocities written as 80.
/// An empty matrix writes nothing (as the reference). The file is written atomically.
pub fn mat2midipath(mat: &Matrix, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    if mat.rows == 0 {
        return Ok(());
    }
    if mat.cols < 4 {
        return Err(Error::argument(format!(
            "mat2midipath needs at least 4 columns (pitch, onset, offset, velocity), got {}",
            mat.cols
        )));
    }
    let mut notes = Vec::with_capacity(mat.rows);
    for r in 0..mat.rows {
        let row = mat.row(r);
        let pitch = row[0].trunc();
        let mut vel = row[3].trunc();
        if vel < 0.0 {
            vel = 80.0;
        }
        if !(0.0..=127.0).contains(&pitch) || !(0.0..=127.0).contains(&vel) {
            return Err(Error::argument(format!(
                "row {r}: pitch {} and velocity {} must be in 0..=127",
                row[0], row[3]
            )));
        }
        if !row[1].is_finite() || !row[2].is_finite() {
            return Err(Error::argument(format!(
                "row {r}: onset {} and offset {} must be finite",
                row[1], row[2]
            )));
        }
        // a file past MIDI readers' largest tick could not be read back (nor by asmd)
        if time_to_tick(row[1]).max(time_to_tick(row[2])) > super::MAX_TICK {
            return Err(Error::argument(format!(
                "row {r}: onset {} s and offset {} s must end before {:.0} s, the last time a \
                 MIDI file read back can hold ({} ticks)",
                row[1],
                row[2],
                super::MAX_TICK as f64 * 60.0 / (120.0 * f64::from(RESOLUTION)),
                super::MAX_TICK
            )));
        }
        notes.push((pitch as u8, row[1], row[2], vel as u8));
    }
    let bytes = encode(&notes)?;
    crate::files::write_atomically(path, &bytes)
}

/// Read the notes of every instrument of a MIDI file into an n x 4 matrix (pitch,
/// onset, offset, velocity), sorted by onset, then pitch, then offset (the reference's
/// `midipath2mat`). A file without notes gives a 0 x 4 matrix.
pub fn midipath2mat(path: impl AsRef<Path>) -> Result<Matrix> {
    let midi = MidiFile::read(path)?;
    let mut rows: Vec<[f64; 4]> = midi
        .instruments
        .iter()
        .flat_map(|i| i.notes.iter())
        .map(|n| [f64::from(n.pitch), n.start, n.end, f64::from(n.velocity)])
        .collect();
    rows.sort_by(|a, b| {
        a[1].total_cmp(&b[1])
            .then(a[0].total_cmp(&b[0]))
            .then(a[2].total_cmp(&b[2]))
    });
    Ok(Matrix {
        rows: rows.len(),
        cols: 4,
        data: rows.into_iter().flatten().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_equal_pretty_midi_writer_and_read_back() {
        // tests/fixtures/midi/mat2midipath_reference.mid was written by the reference's
        // utils.mat2midipath (pretty_midi + mido) from this matrix.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mid");
        let mat = Matrix {
            rows: 5,
            cols: 4,
            data: vec![
                60., 0., 1., 100., 62., 0.25, 0.75, 90., 64., 0.5, 1.5, -1., 60., 1.0, 1.25, 70.,
                67., 0.3333333, 2.0004, 64.7,
            ],
        };
        mat2midipath(&mat, &p).unwrap();
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/midi/mat2midipath_reference.mid"
        );
        assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(fixture).unwrap());
        let back = midipath2mat(&p).unwrap();
        assert_eq!(back.rows, 5);
        assert_eq!(back.row(2), &[67.0, 0.33409090909090905, 2.0, 64.0]);
        assert_eq!(back.row(3), &[64.0, 0.5, 1.5, 80.0]);
    }

    #[test]
    fn bad_rows_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mid");
        let mat = Matrix {
            rows: 1,
            cols: 4,
            data: vec![200., 0.0, 1.0, 100.],
        };
        assert!(mat2midipath(&mat, &p).is_err());
        assert!(!p.exists());
        // times past the largest tick a reader accepts (they overflowed the tick sums)
        for t in [1e300, 30_000.0] {
            let mat = Matrix {
                rows: 1,
                cols: 4,
                data: vec![60., 0.0, t, 100.],
            };
            let e = mat2midipath(&mat, &p).unwrap_err();
            assert!(e.to_string().contains("22727 s"), "{e}");
        }
        assert!(!p.exists());
    }
}
