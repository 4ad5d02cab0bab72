//! What each fuzz target feeds asmd, in one place: the libFuzzer targets
//! (`fuzz/fuzz_targets/*.rs`) and the seeded mutation test of the normal test suite
//! (`crates/asmd/tests/mutation.rs`, which includes this file) call the same drivers.
//!
//! A driver takes untrusted bytes, hands them to one parser through asmd's public API
//! (writing them to a scratch file first where the API reads paths), and then checks
//! what asmd promises about a successful result: what was parsed can be written and read
//! back unchanged, arrays have the sizes their headers claim, extraction stays inside its
//! folder. An error is a fine outcome; a panic (here or in asmd) is a finding, and so is
//! an abort, a hang or an allocation beyond [`BoundedAlloc`]'s bound, which the callers
//! detect.
//!
//! Scratch files live in `$ASMD_FUZZ_TMP/asmd-fuzz-<pid>/` (default: the system's temp
//! folder); callers remove that folder when they are done.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use asmd::audio::{self, DecodeOptions};
use asmd::convert::{self, MidiParams, Registry};
use asmd::ground_truth::GroundTruth;
use asmd::install::unpack::{self, ArchiveFormat};
use asmd::mat::{MatFile, MatValue};
use asmd::midi::MidiFile;
use asmd::{Dataset, Definition, FilterOptions, Metadataset};

/// One fuzz target: a name (also the name of its seed folder `fuzz/seeds/<name>/` and of
/// its libFuzzer target), what it feeds, and the driver.
pub struct Driver {
    /// Target name.
    pub name: &'static str,
    /// What the driver feeds, for the README and messages.
    pub feeds: &'static str,
    /// The driver.
    pub run: fn(&[u8]),
    /// How the seeds are wrapped, so that a mutation test can also mutate what is inside.
    pub layer: Layer,
}

/// A compression layer around a seed's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The bytes are the content.
    None,
    /// gzip.
    Gzip,
    /// bzip2.
    Bzip2,
    /// xz.
    Xz,
}

/// Every target, in the order of `fuzz/README.md`.
pub const DRIVERS: &[Driver] = &[
    Driver {
        name: "definition",
        feeds: "a dataset definition (JSON) to Definition::from_json_str, then its round trip, check_definition and a Dataset over it",
        run: definition,
        layer: Layer::None,
    },
    Driver {
        name: "metadataset",
        feeds: "datasets.json text to Metadataset::from_json_str and its round trip",
        run: metadataset,
        layer: Layer::None,
    },
    Driver {
        name: "ground_truth",
        feeds: "plain ground-truth JSON to GroundTruth::from_json_slice, then check, sort, and the JSON and binary round trips",
        run: ground_truth,
        layer: Layer::None,
    },
    Driver {
        name: "ground_truth_gz",
        feeds: "a ground-truth file (.json.gz or plain) to GroundTruth::from_path",
        run: ground_truth_gz,
        layer: Layer::Gzip,
    },
    Driver {
        name: "ground_truth_binary",
        feeds: "the on-disk cache's binary form to GroundTruth::from_binary (checksum and length fixed up, and as given)",
        run: ground_truth_binary,
        layer: Layer::None,
    },
    Driver {
        name: "midi",
        feeds: "a MIDI file to MidiFile::parse, the from_midi converter (every parameter set), beats, and midipath2mat",
        run: midi,
        layer: Layer::None,
    },
    Driver {
        name: "mat",
        feeds: "a MATLAB .mat file to MatFile::parse and the from_bach10_mat / from_bach10_f0 converters",
        run: mat,
        layer: Layer::None,
    },
    Driver {
        name: "musicnet_csv",
        feeds: "a MusicNet label CSV to the from_musicnet_csv converter",
        run: musicnet_csv,
        layer: Layer::None,
    },
    Driver {
        name: "phenicx",
        feeds: "a PHENICX note list to the from_phenicx_txt converter",
        run: phenicx,
        layer: Layer::None,
    },
    Driver {
        name: "sonic_visualiser",
        feeds: "a Sonic Visualiser note CSV to the from_sonic_visualizer converter",
        run: sonic_visualiser,
        layer: Layer::None,
    },
    Driver {
        name: "audio_wav",
        feeds: "a .wav file to audio::info and audio::decode (mono, stereo with a time range, resampled)",
        run: audio_wav,
        layer: Layer::None,
    },
    Driver {
        name: "audio_flac",
        feeds: "a .flac file to audio::info and audio::decode (mono, stereo with a time range, resampled)",
        run: audio_flac,
        layer: Layer::None,
    },
    Driver {
        name: "audio_mp3",
        feeds: "an .mp3 file to audio::info and audio::decode (mono, stereo with a time range, resampled)",
        run: audio_mp3,
        layer: Layer::None,
    },
    Driver {
        name: "audio_ogg",
        feeds: "an .ogg (Vorbis) file to audio::info and audio::decode (mono, stereo with a time range, resampled)",
        run: audio_ogg,
        layer: Layer::None,
    },
    Driver {
        name: "unpack_zip",
        feeds: "a .zip to install::unpack::unpack into a fresh folder, checking nothing lands outside it",
        run: unpack_zip,
        layer: Layer::None,
    },
    Driver {
        name: "unpack_tar",
        feeds: "a .tar to install::unpack::unpack into a fresh folder, checking nothing lands outside it",
        run: unpack_tar,
        layer: Layer::None,
    },
    Driver {
        name: "unpack_tar_gz",
        feeds: "a .tar.gz to install::unpack::unpack into a fresh folder, checking nothing lands outside it",
        run: unpack_tar_gz,
        layer: Layer::Gzip,
    },
    Driver {
        name: "unpack_tar_bz2",
        feeds: "a .tar.bz2 to install::unpack::unpack into a fresh folder, checking nothing lands outside it",
        run: unpack_tar_bz2,
        layer: Layer::Bzip2,
    },
    Driver {
        name: "unpack_tar_xz",
        feeds: "a .tar.xz to install::unpack::unpack into a fresh folder, checking nothing lands outside it",
        run: unpack_tar_xz,
        layer: Layer::Xz,
    },
];

/// The driver named `name`.
pub fn driver(name: &str) -> Option<&'static Driver> {
    DRIVERS.iter().find(|d| d.name == name)
}

// ---------------------------------------------------------------------------------
// Scratch files.

/// This process's scratch folder (created on first use, never removed here).
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("ASMD_FUZZ_TMP")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("asmd-fuzz-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("cannot create the fuzz scratch folder");
        dir
    })
}

fn thread_tag() -> String {
    format!("{:?}", std::thread::current().id())
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Write `data` to a scratch file named `<thread>-<name>` and return its path.
pub fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch_dir().join(format!("{}-{name}", thread_tag()));
    let mut f = fs::File::create(&path).expect("cannot write a scratch file");
    f.write_all(data).expect("cannot write a scratch file");
    path
}

fn no_params() -> serde_json::Map<String, serde_json::Value> {
    serde_json::Map::new()
}

fn params(json: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(json).expect("driver parameters are valid JSON")
}

/// Panic, showing where they first differ, when two texts that should be equal are not.
fn same_text(before: &str, after: &str, what: &str) {
    if before == after {
        return;
    }
    let at = before
        .bytes()
        .zip(after.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(before.len().min(after.len()));
    let around = |s: &str| {
        let mut lo = at.saturating_sub(80).min(s.len());
        while !s.is_char_boundary(lo) {
            lo -= 1;
        }
        let mut hi = (at + 80).min(s.len());
        while !s.is_char_boundary(hi) {
            hi += 1;
        }
        s[lo..hi].to_string()
    };
    panic!(
        "{what} changed the text at byte {at}:\n  before: {:?}\n  after:  {:?}",
        around(before),
        around(after)
    );
}

// ---------------------------------------------------------------------------------
// Definitions and datasets.json.

/// A definition: parse; a parsed one must survive `to_json` -> parse unchanged, pass or
/// fail `check_definition` cleanly, and index into a [`Dataset`].
pub fn definition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        // what Definition::from_path does with bytes that are not UTF-8
        let path = scratch_file("definition.json", data);
        assert!(Definition::from_path(&path).is_err());
        return;
    };
    let Ok(def) = Definition::from_json_str(text, "fuzz.json") else {
        return;
    };
    let written = def.to_json().to_string();
    let back = Definition::from_json_str(&written, "fuzz.json")
        .unwrap_or_else(|e| panic!("a parsed definition does not read back: {e}"));
    same_text(
        &written,
        &back.to_json().to_string(),
        "definition round trip",
    );
    let _ = convert::check_definition(&def, &Registry::builtin());
    let install = scratch_dir().join("install");
    let Ok(mut d) = Dataset::from_definitions(vec![def], Metadataset::with_install_dir(install))
    else {
        return;
    };
    let n = d.len();
    for i in 0..n {
        let _ = d.song(i);
        let _ = d.item(i);
    }
    let opts = FilterOptions {
        sources: true,
        all: true,
        ..Default::default()
    };
    if d.filter(&opts).is_ok() {
        for i in 0..d.len() {
            let _ = d.item(i);
        }
    }
}

/// datasets.json: parse; a parsed one must survive its own serialisation.
pub fn metadataset(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = scratch_dir().join("datasets.json");
    let Ok(m) = Metadataset::from_json_str(text, &origin) else {
        return;
    };
    let written = m.to_json_string();
    let back = Metadataset::from_json_str(&written, &origin)
        .unwrap_or_else(|e| panic!("a parsed datasets.json does not read back: {e}"));
    assert_eq!(back.install_dir, m.install_dir, "install_dir changed");
    same_text(&written, &back.to_json_string(), "datasets.json round trip");
}

// ---------------------------------------------------------------------------------
// Ground truth.

/// What every parsed ground truth must allow: check, sorting, and writing it as JSON and
/// in the binary cache form, both of which must read back to the same thing.
fn ground_truth_after_parse(gt: &GroundTruth) {
    let _ = gt.check();
    let json = gt.to_json_string();
    let back = GroundTruth::from_json_slice(json.as_bytes(), "written.json")
        .unwrap_or_else(|e| panic!("written ground truth does not read back: {e}"));
    same_text(
        &json,
        &back.to_json_string(),
        "ground truth JSON round trip",
    );
    let bin = gt.to_binary();
    let back = GroundTruth::from_binary(&bin, "written.bin")
        .unwrap_or_else(|e| panic!("the binary form does not read back: {e}"));
    assert!(
        back.to_binary() == bin,
        "ground truth changed in a binary round trip"
    );
    let mut sorted = gt.clone();
    sorted.sort();
    let _ = sorted.check();
}

/// Plain ground-truth JSON.
pub fn ground_truth(data: &[u8]) {
    if let Ok(gt) = GroundTruth::from_json_slice(data, "fuzz.json") {
        ground_truth_after_parse(&gt);
    }
}

/// A ground-truth file as found on disk (gzip or plain JSON).
pub fn ground_truth_gz(data: &[u8]) {
    let path = scratch_file("gt.json.gz", data);
    if let Ok(gt) = GroundTruth::from_path(&path) {
        ground_truth_after_parse(&gt);
    }
}

/// The binary cache form. A mutated payload would almost always fail the checksum, so
/// the driver also parses a copy whose checksum and length are fixed up.
pub fn ground_truth_binary(data: &[u8]) {
    let parsed = |bytes: &[u8]| {
        if let Ok(gt) = GroundTruth::from_binary(bytes, "fuzz.bin") {
            ground_truth_after_parse(&gt);
        }
    };
    parsed(data);
    if data.len() >= 20 && &data[..8] == b"ASMDGTB1" {
        let mut fixed = data.to_vec();
        let crc = crc32(&fixed[20..]);
        let len = (fixed.len() - 20) as u64;
        fixed[8..12].copy_from_slice(&crc.to_le_bytes());
        fixed[12..20].copy_from_slice(&len.to_le_bytes());
        parsed(&fixed);
    }
}

/// CRC-32 (IEEE), bitwise: the drivers need it without a dependency of their own.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

// ---------------------------------------------------------------------------------
// MIDI and .mat.

/// A MIDI file: parse, then what the converters and the score tools do with it.
pub fn midi(data: &[u8]) {
    let Ok(m) = MidiFile::parse(data, "fuzz.mid") else {
        return;
    };
    let _ = m.end_time();
    let _ = m.tempo_changes();
    let beats = m.beats();
    assert!(
        beats.windows(2).all(|w| w[0] <= w[1]),
        "beats are not sorted"
    );
    for p in [
        "{}",
        r#"{"alignment": "score", "beats": true, "merge": false}"#,
        r#"{"alignment": null, "pitches": false, "velocities": false}"#,
    ] {
        let p = MidiParams::parse(&params(p)).expect("valid parameters");
        for gt in convert::midi::from_midi_file(&m, &p) {
            ground_truth_after_parse(&gt);
        }
    }
    let path = scratch_file("fuzz.mid", data);
    let mat = asmd::midi::midipath2mat(&path).expect("a MIDI file that parsed reads again");
    assert_eq!(mat.data.len(), mat.rows * mat.cols);
}

fn check_mat_value(v: &MatValue) {
    match v {
        MatValue::Numeric(n) => {
            let count: usize = n.dims.iter().product();
            assert_eq!(n.real.len(), count, "numeric array: dims {:?}", n.dims);
            if let Some(im) = &n.imag {
                assert_eq!(im.len(), count, "imaginary part: dims {:?}", n.dims);
            }
            if count > 0 {
                let _ = n.get(n.rows() - 1, n.cols() - 1);
            }
        }
        MatValue::Cell(c) => {
            let count: usize = c.dims.iter().product();
            assert_eq!(c.cells.len(), count, "cell array: dims {:?}", c.dims);
            c.cells.iter().for_each(check_mat_value);
        }
        MatValue::Char(c) => {
            let _ = c.rows();
        }
        MatValue::Unsupported(_) => {}
    }
}

/// A .mat file: parse, check every array's size against its dimensions, and run the
/// Bach10 converters on it.
pub fn mat(data: &[u8]) {
    if let Ok(m) = MatFile::parse(data, "fuzz.mat") {
        for (_, v) in &m.variables {
            check_mat_value(v);
        }
    }
    let path = scratch_file("fuzz.mat", data);
    for gts in [
        convert::bach10::from_bach10_mat(&path, &no_params()),
        convert::bach10::from_bach10_f0(&path, &no_params()),
    ]
    .into_iter()
    .flatten()
    .flatten()
    {
        for gt in gts {
            ground_truth_after_parse(&gt);
        }
    }
}

// ---------------------------------------------------------------------------------
// Text annotation formats.

fn converted(out: asmd::Result<convert::ConverterOutput>) {
    if let Ok(Some(gts)) = out {
        for gt in gts {
            ground_truth_after_parse(&gt);
        }
    }
}

/// MusicNet label CSV.
pub fn musicnet_csv(data: &[u8]) {
    let path = scratch_file("labels.csv", data);
    converted(convert::musicnet::from_musicnet_csv(&path, &no_params()));
}

/// PHENICX note list.
pub fn phenicx(data: &[u8]) {
    let path = scratch_file("notes.txt", data);
    converted(convert::phenicx::from_phenicx_txt(&path, &no_params()));
}

/// Sonic Visualiser note CSV.
pub fn sonic_visualiser(data: &[u8]) {
    let path = scratch_file("notes.gt", data);
    converted(convert::sonic_visualizer::from_sonic_visualizer(
        &path,
        &no_params(),
    ));
}

// ---------------------------------------------------------------------------------
// Audio.

fn audio_file(data: &[u8], ext: &str) {
    let path = scratch_file(&format!("audio.{ext}"), data);
    let _ = audio::info(&path);
    let check = |a: &audio::Audio| {
        assert!(a.channels >= 1, "no channel");
        assert_eq!(a.samples.len() % a.channels, 0, "ragged planes");
    };
    if let Ok(a) = audio::decode(&path, &DecodeOptions::default()) {
        check(&a);
    }
    let range = DecodeOptions {
        mono: false,
        start: 0.01,
        end: Some(0.05),
        ..Default::default()
    };
    if let Ok(a) = audio::decode(&path, &range) {
        check(&a);
    }
    let resampled = DecodeOptions {
        sample_rate: Some(16000),
        ..Default::default()
    };
    if let Ok(a) = audio::decode(&path, &resampled) {
        check(&a);
        assert_eq!(a.sample_rate, 16000);
    }
}

/// A WAV file.
pub fn audio_wav(data: &[u8]) {
    audio_file(data, "wav")
}

/// A FLAC file.
pub fn audio_flac(data: &[u8]) {
    audio_file(data, "flac")
}

/// An MP3 file.
pub fn audio_mp3(data: &[u8]) {
    audio_file(data, "mp3")
}

/// An Ogg Vorbis file.
pub fn audio_ogg(data: &[u8]) {
    audio_file(data, "ogg")
}

// ---------------------------------------------------------------------------------
// Archives.

/// Depth of the folder the archive is unpacked into below the sandbox: an entry that
/// climbs out of the destination with up to this many `..` still lands inside the
/// sandbox, where the check after extraction finds it.
const SANDBOX_DEPTH: usize = 4;

fn unpack_archive(data: &[u8], format: ArchiveFormat) {
    let archive = scratch_file(&format!("archive.{}", format.name()), data);
    let sandbox = scratch_dir().join(format!("{}-sandbox", thread_tag()));
    let _ = fs::remove_dir_all(&sandbox);
    let mut dest = sandbox.clone();
    for _ in 0..SANDBOX_DEPTH {
        dest.push("up");
    }
    dest.push("dest");
    fs::create_dir_all(&dest).expect("cannot create the unpack sandbox");
    let result = unpack::unpack(&archive, format, &dest, &mut |_, _, _| {});
    assert_contained(&sandbox, &dest);
    if let Ok(out) = result {
        // the last entry written to a path is what is on disk
        let mut last = std::collections::HashMap::new();
        for w in &out.files {
            last.insert(w.path.as_str(), w);
        }
        for (rel, w) in last {
            let p = dest.join(rel);
            let meta = fs::symlink_metadata(&p)
                .unwrap_or_else(|e| panic!("unpack reported `{rel}` but it is not there: {e}"));
            assert!(meta.is_file(), "`{rel}` is not a regular file");
            assert_eq!(meta.len(), w.size, "`{rel}`: reported size differs");
        }
    }
    let _ = fs::remove_dir_all(&sandbox);
}

/// Nothing but the chain of folders down to `dest` may exist in the sandbox outside
/// `dest`, and every link inside `dest` must resolve (if it resolves) inside it.
fn assert_contained(sandbox: &Path, dest: &Path) {
    let mut dir = sandbox.to_path_buf();
    for _ in 0..SANDBOX_DEPTH {
        for e in fs::read_dir(&dir).expect("sandbox readable") {
            let name = e.expect("sandbox entry").file_name();
            assert!(
                name == "up" || name == "dest",
                "unpack wrote `{}` outside its destination",
                dir.join(&name).display()
            );
        }
        dir.push("up");
    }
    let root = fs::canonicalize(dest).expect("destination resolves");
    let mut stack = vec![dest.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                if let Ok(target) = fs::canonicalize(&p) {
                    assert!(
                        target.starts_with(&root),
                        "link `{}` resolves outside the destination, to `{}`",
                        p.display(),
                        target.display()
                    );
                }
            } else if meta.is_dir() {
                stack.push(p);
            }
        }
    }
}

/// A zip archive.
pub fn unpack_zip(data: &[u8]) {
    unpack_archive(data, ArchiveFormat::Zip)
}

/// A tar archive.
pub fn unpack_tar(data: &[u8]) {
    unpack_archive(data, ArchiveFormat::Tar)
}

/// A gzip-compressed tar archive.
pub fn unpack_tar_gz(data: &[u8]) {
    unpack_archive(data, ArchiveFormat::TarGz)
}

/// A bzip2-compressed tar archive.
pub fn unpack_tar_bz2(data: &[u8]) {
    unpack_archive(data, ArchiveFormat::TarBz2)
}

/// An xz-compressed tar archive.
pub fn unpack_tar_xz(data: &[u8]) {
    unpack_archive(data, ArchiveFormat::TarXz)
}

// ---------------------------------------------------------------------------------
// The allocation bound.

/// A global allocator that refuses any single allocation above `single` bytes and any
/// allocation that would take the live total (of this allocator) above `live`, so that a
/// parser sizing a buffer from an untrusted number fails at once (Rust then aborts with
/// "memory allocation of N bytes failed", which the fuzzer and the mutation test report)
/// instead of exhausting the machine.
pub struct BoundedAlloc {
    /// Largest single allocation, bytes.
    pub single: usize,
    /// Largest live total, bytes.
    pub live: usize,
    /// Live bytes now.
    pub used: std::sync::atomic::AtomicUsize,
}

impl BoundedAlloc {
    /// A bound of `single` bytes per allocation and `live` bytes in all.
    pub const fn new(single: usize, live: usize) -> BoundedAlloc {
        BoundedAlloc {
            single,
            live,
            used: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn admit(&self, size: usize) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        if size > self.single {
            refused(size, self.used.load(Relaxed));
            return false;
        }
        let before = self.used.fetch_add(size, Relaxed);
        if before + size > self.live {
            self.used.fetch_sub(size, Relaxed);
            refused(size, before);
            return false;
        }
        true
    }
}

/// Say why an allocation was refused, without allocating.
fn refused(size: usize, live: usize) {
    let mut buf = [0u8; 160];
    let mut w = &mut buf[..];
    let _ = writeln!(
        w,
        "BoundedAlloc: refused an allocation of {size} bytes ({live} bytes live)"
    );
    let left = w.len();
    let n = buf.len() - left;
    let _ = std::io::stderr().write_all(&buf[..n]);
}

// SAFETY: every method forwards to `System` with the caller's layout; the bookkeeping
// only decides whether to forward.
unsafe impl std::alloc::GlobalAlloc for BoundedAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if !self.admit(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { std::alloc::System.alloc(layout) };
        if p.is_null() {
            self.used
                .fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if !self.admit(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
        if p.is_null() {
            self.used
                .fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        self.used
            .fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use std::sync::atomic::Ordering::Relaxed;
        let old = layout.size();
        if new_size > self.single {
            refused(new_size, self.used.load(Relaxed));
            return std::ptr::null_mut();
        }
        if new_size > old && !self.admit(new_size - old) {
            return std::ptr::null_mut();
        }
        let p = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            if new_size > old {
                self.used.fetch_sub(new_size - old, Relaxed);
            }
        } else if new_size < old {
            self.used.fetch_sub(old - new_size, Relaxed);
        }
        p
    }
}
