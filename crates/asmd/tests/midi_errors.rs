//! Malformed MIDI files: every kind of damage gets an error naming the file, the byte
//! offset (and track) and the problem, never a panic.

use asmd::midi::MidiFile;
use asmd::ErrorKind;

fn header(n_tracks: u16, division: u16) -> Vec<u8> {
    let mut v = b"MThd\0\0\0\x06\0\x01".to_vec();
    v.extend_from_slice(&n_tracks.to_be_bytes());
    v.extend_from_slice(&division.to_be_bytes());
    v
}

fn track(data: &[u8]) -> Vec<u8> {
    let mut v = b"MTrk".to_vec();
    v.extend_from_slice(&(data.len() as u32).to_be_bytes());
    v.extend_from_slice(data);
    v
}

fn file(tracks: &[&[u8]]) -> Vec<u8> {
    let mut v = header(tracks.len() as u16, 96);
    for t in tracks {
        v.extend(track(t));
    }
    v
}

/// Parse and return (location, message) of the error.
fn fail(bytes: &[u8]) -> (String, String) {
    let e = MidiFile::parse(bytes, "bad.mid").expect_err("must fail");
    assert_eq!(
        e.file().map(|p| p.to_string_lossy().into_owned()),
        Some("bad.mid".into())
    );
    assert!(e.to_string().starts_with("bad.mid: "), "{e}");
    (
        e.location().unwrap_or("").to_string(),
        e.message().to_string(),
    )
}

#[test]
fn valid_minimal_file_reads() {
    let m = MidiFile::parse(
        &file(&[&[0, 0x90, 60, 64, 96, 0x80, 60, 0, 0, 0xff, 0x2f, 0]]),
        "ok.mid",
    )
    .unwrap();
    assert_eq!(m.instruments[0].notes[0].end, 0.5);
}

#[test]
fn not_a_midi_file() {
    let (loc, msg) = fail(b"RIFF\0\0\0\0WAVEfmt ");
    assert_eq!(loc, "byte 0");
    assert!(msg.contains("MThd"), "{msg}");
    let (_, msg) = fail(b"MTh");
    assert!(msg.contains("shorter"), "{msg}");
}

#[test]
fn truncated_header_chunk() {
    let (_, msg) = fail(b"MThd\0\0\0\x06\0\x01\0");
    assert!(msg.contains("truncated"), "{msg}");
    let (_, msg) = fail(b"MThd\0\0\0\x02\0\x01");
    assert!(msg.contains("header chunk too short"), "{msg}");
}

#[test]
fn smpte_division_is_unsupported() {
    let mut v = header(1, 0xe728);
    v.extend(track(&[0, 0xff, 0x2f, 0]));
    let e = MidiFile::parse(&v, "smpte.mid").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("SMPTE"));
}

#[test]
fn zero_division_and_zero_tracks() {
    let mut v = header(1, 0);
    v.extend(track(&[0, 0xff, 0x2f, 0]));
    assert!(fail(&v).1.contains("0 ticks"));
    assert!(fail(&header(0, 96)).1.contains("declares 0 tracks"));
}

#[test]
fn file_ends_before_declared_tracks() {
    let mut v = header(2, 96);
    v.extend(track(&[0, 0xff, 0x2f, 0]));
    let (loc, msg) = fail(&v);
    assert_eq!(loc, format!("byte {}", v.len()));
    assert!(msg.contains("declares 2 tracks"), "{msg}");
}

#[test]
fn unexpected_chunk_instead_of_track() {
    let mut v = header(1, 96);
    v.extend_from_slice(b"XFIH\0\0\0\0");
    let (loc, msg) = fail(&v);
    assert_eq!(loc, "byte 14 (track 0)");
    assert!(msg.contains("`XFIH`"), "{msg}");
}

#[test]
fn truncated_track_chunk() {
    let mut v = file(&[&[0, 0x90, 60, 64, 96, 0x80, 60, 0, 0, 0xff, 0x2f, 0]]);
    v.truncate(v.len() - 5);
    let (loc, msg) = fail(&v);
    assert!(loc.ends_with("(track 0)"), "{loc}");
    assert!(msg.contains("truncated track chunk"), "{msg}");
}

#[test]
fn event_past_chunk_end() {
    // chunk declares 3 bytes but the note-on needs 4
    let mut v = header(1, 96);
    v.extend_from_slice(b"MTrk\0\0\0\x03");
    v.extend_from_slice(&[0, 0x90, 60, 64, 0, 0xff, 0x2f, 0]);
    let (_, msg) = fail(&v);
    assert!(msg.contains("past the end of its track chunk"), "{msg}");
}

#[test]
fn bad_running_status() {
    let (loc, msg) = fail(&file(&[&[0, 60, 64]]));
    assert_eq!(loc, "byte 23 (track 0)");
    assert!(
        msg.contains("running status without a previous status"),
        "{msg}"
    );
    // running status after a system message that takes no data
    let (_, msg) = fail(&file(&[&[0, 0xf8, 0, 60]]));
    assert!(msg.contains("running status after status 0xf8"), "{msg}");
}

#[test]
fn data_byte_above_127() {
    let (loc, msg) = fail(&file(&[&[0, 0x90, 60, 200]]));
    assert_eq!(loc, "byte 25 (track 0)");
    assert!(msg.contains("above 127"), "{msg}");
}

#[test]
fn undefined_status_byte() {
    let (_, msg) = fail(&file(&[&[0, 0xf4, 0, 0xff, 0x2f, 0]]));
    assert!(msg.contains("undefined status byte 0xf4"), "{msg}");
}

#[test]
fn absurd_lengths() {
    // a meta event declaring 2^21 bytes
    let (_, msg) = fail(&file(&[&[0, 0xff, 0x01, 0x81, 0x80, 0x80, 0x00]]));
    assert!(msg.contains("more than the 1,000,000"), "{msg}");
    // a variable-length number that never ends
    let (_, msg) = fail(&file(&[&[0xff; 12]]));
    assert!(msg.contains("longer than 8 bytes"), "{msg}");
    // a sysex longer than the file
    let (_, msg) = fail(&file(&[&[0, 0xf0, 0x7f, 1, 2]]));
    assert!(msg.contains("truncated"), "{msg}");
}

#[test]
fn bad_meta_content() {
    assert!(fail(&file(&[&[0, 0xff, 0x51, 2, 1, 2]]))
        .1
        .contains("tempo event with 2"));
    assert!(fail(&file(&[&[0, 0xff, 0x51, 3, 0, 0, 0]]))
        .1
        .contains("tempo event of 0"));
    assert!(fail(&file(&[&[0, 0xff, 0x58, 4, 0, 2, 24, 8]]))
        .1
        .contains("numerator 0"));
}

#[test]
fn ten_million_ticks_are_rejected() {
    // delta of 10,000,000 ticks (0x989680) as a variable-length number
    let big = [0x84, 0xe2, 0xad, 0x00];
    let mut t = big.to_vec();
    t.extend_from_slice(&[0xff, 0x2f, 0]);
    let (_, msg) = fail(&file(&[&t]));
    assert!(msg.contains("10000000"), "{msg}");
    // one tick less is fine
    let ok = [0x84, 0xe2, 0xac, 0x7f, 0xff, 0x2f, 0];
    assert!(MidiFile::parse(&file(&[&ok]), "ok.mid").is_ok());
}

#[test]
fn missing_file_is_not_found() {
    let e = MidiFile::read("/no/such/file.mid").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}
