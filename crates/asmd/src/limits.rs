//! The documented limits of asmd, in one place: the ranges parameters must lie in, the
//! largest outputs asmd builds, and how much memory a number read from a file may
//! reserve before the data behind it has arrived.
//!
//! Two rules, used by every front (CLI, Python, Rust):
//!
//! - **Parameters** (sample rates, hops, resolutions, plot sizes, output sizes) are
//!   checked against the ranges below before any work starts; a value outside gives an
//!   [`ErrorKind::Argument`](crate::ErrorKind::Argument) error naming the parameter, the
//!   value and the range.
//! - **Counts read from files** (a FLAC or MP3 header's frame count, a gzip trailer's
//!   size, a MAT cell count, a beat count derived from a CSV) never size an allocation
//!   by themselves: a reservation is clamped to what the remaining bytes can hold
//!   ([`presize`]), buffers grow as the data actually arrives, and growth that the
//!   system refuses is an error ([`try_grow`], [`zeroed`]) instead of an abort.
//!
//! | limit | value | applies to |
//! |---|---|---|
//! | [`MAX_SAMPLE_RATE`] | 768,000 Hz | any rate asmd resamples from or to (`sr=`, `--sr`, `resample`) |
//! | [`MAX_RESAMPLE_RATIO`] | 256 | `to / from` and `from / to` of a resampling |
//! | [`MAX_RESAMPLE_TERM`] | 65,536 | the terms of that ratio in lowest terms (44.1 → 48 kHz is 147:160) |
//! | [`MAX_MATRIX_CELLS`] | 2^32 | pianoroll (128 x frames), frame-based pedaling (frames x 4) |
//! | [`MAX_GENERATED_BEATS`] | 2^20 | beat lists asmd generates (MusicNet scores: one beat per second at 60 BPM) |
//! | [`MAX_WRITE_CHANNELS`] | 256 | channels of a WAV file asmd writes |
//! | [`MAX_PLOT_PIXELS`] | 2^26 | width x height of a plot |
//! | [`MAX_THREADS`] | 1024 | worker threads asked for (`jobs`) |
//! | [`MAX_SPLITS`] | 1024 | splits of `choice(p=...)` |
//! | [`MAX_PRESIZE_BYTES`] | 256 MiB | memory reserved ahead of the data from a count read in a header |
//!
//! ```
//! use asmd::limits;
//! assert_eq!(limits::sample_rate(16_000, "sr").unwrap(), 16_000);
//! assert!(limits::sample_rate(-8000, "sr").unwrap_err().to_string().contains("`sr`"));
//! assert!(limits::resample_ratio(1, 8000).is_err());
//! assert_eq!(limits::matrix_frames(4000.0, 128, "pianoroll").unwrap(), 4000);
//! // a header promising 2^40 frames in a 1 kB file reserves what 1 kB can plausibly hold
//! assert_eq!(limits::presize::<f32>(1 << 40, 1024 * 16), 1024 * 16);
//! ```

use crate::error::{Error, Result};

/// Largest term of the ratio between the two rates of a resampling in lowest terms
/// (44.1 to 48 kHz is 147:160, 48 to 47.952 kHz is 1000:999). The resampler works in
/// blocks of whole multiples of these terms: 767,999 Hz to 768,000 Hz would need FFTs of
/// six million points (45 s for a few samples) and is refused.
pub const MAX_RESAMPLE_TERM: u32 = 65_536;

/// Largest sample magnitude the resampler accepts. Its FFTs sum thousands of products in
/// `f32`: samples near `f32::MAX` (a damaged float WAV holding 3e38) overflow to infinity
/// and then NaN inside the transform. Audio is nominally within ±1; anything beyond
/// 1e30 is damage, refused with the first such sample.
pub const MAX_RESAMPLE_MAGNITUDE: f32 = 1e30;

/// Highest sample rate asmd resamples from or to, in Hz (the highest rate in common
/// use, 768 kHz). Decoding a file at any rate its format allows needs no resampling
/// and has no limit.
pub const MAX_SAMPLE_RATE: u32 = 768_000;

/// Largest ratio between the two rates of a resampling, either way (e.g. 8 kHz to
/// 768 kHz is 96, 1 Hz to 8 kHz is 8000 and refused). The resampler's block sizes, and
/// so its memory and time, grow with the ratio (1 Hz to 192 kHz needed 24 GB): within
/// this bound and [`MAX_RESAMPLE_TERM`] one call needs at most a few hundred MB and a
/// few seconds besides its input and output, however short the input.
pub const MAX_RESAMPLE_RATIO: u32 = 256;

/// Most cells (values) of a matrix asmd builds from annotations and a time step: a
/// pianoroll (128 x frames) or a frame-based pedaling matrix (frames x 4). 2^32 doubles
/// are 32 GiB; beyond that the step or the annotation's times are surely a mistake.
pub const MAX_MATRIX_CELLS: usize = 1 << 32;

/// Most beats asmd generates for one score (MusicNet: `0, 1, ..., floor(max offset)`,
/// one beat per second at 60 BPM): 2^20 beats are twelve days of music.
pub const MAX_GENERATED_BEATS: usize = 1 << 20;

/// Most channels asmd writes to a WAV file. The format's field holds 65535, but 256 is
/// more than any recording setup, and far fewer than the rows of an array passed the
/// wrong way round (frames, channels).
pub const MAX_WRITE_CHANNELS: usize = 256;

/// Most pixels (width x height) of a plot: 2^26, e.g. 8192 x 8192.
pub const MAX_PLOT_PIXELS: u64 = 1 << 26;

/// Most splits [`Dataset::choice`](crate::Dataset::choice) makes (one dataset each).
pub const MAX_SPLITS: usize = 1024;

/// Most worker threads a caller may ask for (`jobs`, `--jobs`; 0 means the default).
pub const MAX_THREADS: usize = 1024;

/// Most bytes reserved ahead of the data on the word of a count read from a file
/// header; past this, buffers grow as the data arrives.
pub const MAX_PRESIZE_BYTES: usize = 256 << 20;

/// Most samples one byte of compressed audio (FLAC, MP3, Vorbis) is taken to hold when
/// reserving memory ahead of decoding. Real files hold 0.3 to 6; a file holding more
/// (long digital silence) still decodes, its buffers grow as it does.
pub const COMPRESSED_SAMPLES_PER_BYTE: u64 = 16;

/// Largest expansion of deflate (gzip) data: 1032 output bytes per input byte.
pub const DEFLATE_MAX_RATIO: u64 = 1032;

/// A sample rate given by a caller (`what` names the parameter, e.g. `sr`): a whole
/// number of Hz in `1..=MAX_SAMPLE_RATE`.
///
/// ```
/// assert!(asmd::limits::sample_rate(0, "sr").is_err());
/// assert!(asmd::limits::sample_rate(2_147_483_647, "sr").is_err());
/// ```
pub fn sample_rate(value: i128, what: &str) -> Result<u32> {
    if (1..=MAX_SAMPLE_RATE as i128).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Error::argument(format!(
            "`{what}` must be a sample rate from 1 to {MAX_SAMPLE_RATE} Hz, got {value}"
        )))
    }
}

/// Check that `from` Hz can be resampled to `to` Hz: both rates in
/// `1..=MAX_SAMPLE_RATE`, their ratio within [`MAX_RESAMPLE_RATIO`] either way and its
/// terms (in lowest terms) at most [`MAX_RESAMPLE_TERM`].
///
/// ```
/// assert!(asmd::limits::resample_ratio(44_100, 16_000).is_ok());
/// assert!(asmd::limits::resample_ratio(8_000, 768_000).is_ok());
/// assert!(asmd::limits::resample_ratio(1, 192_000).is_err());
/// assert!(asmd::limits::resample_ratio(767_999, 768_000).is_err());
/// ```
pub fn resample_ratio(from: u32, to: u32) -> Result<()> {
    for (rate, what) in [(from, "source"), (to, "target")] {
        if !(1..=MAX_SAMPLE_RATE).contains(&rate) {
            return Err(Error::argument(format!(
                "cannot resample from {from} Hz to {to} Hz: the {what} rate must be 1 to {MAX_SAMPLE_RATE} Hz"
            )));
        }
    }
    let (lo, hi) = (from.min(to) as u64, from.max(to) as u64);
    if hi > lo * MAX_RESAMPLE_RATIO as u64 {
        return Err(Error::argument(format!(
            "cannot resample from {from} Hz to {to} Hz: the ratio {:.0} is beyond the limit of \
             {MAX_RESAMPLE_RATIO} (resample in two steps through an intermediate rate if you really mean it)",
            hi as f64 / lo as f64
        )));
    }
    let (mut a, mut b) = (from, to);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    if from / a > MAX_RESAMPLE_TERM || to / a > MAX_RESAMPLE_TERM {
        return Err(Error::argument(format!(
            "cannot resample from {from} Hz to {to} Hz: their ratio in lowest terms, {}:{}, has a \
             term beyond the limit of {MAX_RESAMPLE_TERM} (resample through a rate with a simpler ratio)",
            from / a,
            to / a
        )));
    }
    Ok(())
}

/// A number of worker threads asked for (0: the default), at most [`MAX_THREADS`].
///
/// ```
/// assert_eq!(asmd::limits::threads(4).unwrap(), 4);
/// assert!(asmd::limits::threads(1_000_000).is_err());
/// ```
pub fn threads(n: usize) -> Result<usize> {
    if n <= MAX_THREADS {
        Ok(n)
    } else {
        Err(Error::argument(format!(
            "{n} worker threads asked for: the limit is {MAX_THREADS}"
        )))
    }
}

/// A positive, finite time step in seconds (a hop, a resolution); `what` names it.
///
/// ```
/// assert!(asmd::limits::time_step(0.01, "hop").is_ok());
/// assert!(asmd::limits::time_step(0.0, "hop").is_err());
/// assert!(asmd::limits::time_step(f64::NAN, "resolution").is_err());
/// ```
pub fn time_step(value: f64, what: &str) -> Result<f64> {
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(Error::argument(format!(
            "`{what}` must be a positive number of seconds, got {value}"
        )))
    }
}

/// The number of frames of a matrix of `frames x width` values (`frames` computed in
/// floating point, so that absurd values do not wrap), checked against
/// [`MAX_MATRIX_CELLS`]. `what` describes the matrix and where its size comes from, for
/// the error.
///
/// ```
/// assert_eq!(asmd::limits::matrix_frames(4000.0, 128, "pianoroll").unwrap(), 4000);
/// let e = asmd::limits::matrix_frames(1e12, 128, "pianoroll (resolution 1e-9 s)").unwrap_err();
/// assert!(e.to_string().contains("pianoroll (resolution 1e-9 s)"));
/// ```
pub fn matrix_frames(frames: f64, width: usize, what: &str) -> Result<usize> {
    let cells = frames * width as f64;
    if !frames.is_finite() || frames < 0.0 || cells > MAX_MATRIX_CELLS as f64 {
        return Err(Error::argument(format!(
            "{what}: {frames:.0} frames of {width} values ({}) are more than the limit of \
             {MAX_MATRIX_CELLS} values; check the time step and the annotation's times",
            crate::human::bytes_f64(cells * 8.0)
        )));
    }
    Ok(frames as usize)
}

/// A vector of `n` default values, or an error (instead of an abort) when the memory
/// cannot be had. `what` names the buffer for the error.
///
/// ```
/// let v: Vec<f64> = asmd::limits::zeroed(1000, "frames").unwrap();
/// assert_eq!(v.len(), 1000);
/// assert!(asmd::limits::zeroed::<f64>(usize::MAX / 4, "frames").is_err());
/// ```
pub fn zeroed<T: Clone + Default>(n: usize, what: &str) -> Result<Vec<T>> {
    // Ask for the memory first (a refusal is an error), then take it zeroed the cheap
    // way: `vec![0; n]` maps fresh zero pages instead of writing zeros.
    let mut probe: Vec<T> = Vec::new();
    try_grow(&mut probe, n, what)?;
    drop(probe);
    Ok(vec![T::default(); n])
}

/// Make room for `additional` more elements in `v` (amortised growth), or return an
/// error (instead of aborting) when the memory cannot be had.
pub fn try_grow<T>(v: &mut Vec<T>, additional: usize, what: &str) -> Result<()> {
    v.try_reserve(additional).map_err(|_| {
        Error::new(
            crate::ErrorKind::Io,
            format!(
                "not enough memory for {what}: {} more needed",
                crate::human::bytes_f64(additional as f64 * std::mem::size_of::<T>() as f64)
            ),
        )
    })
}

/// How many elements of `T` to reserve ahead of the data when a header declares
/// `declared` of them and the bytes still to read can plausibly hold `plausible`: the
/// smaller of the two, and never more than [`MAX_PRESIZE_BYTES`]. The buffer then grows
/// as the data arrives.
pub fn presize<T>(declared: u64, plausible: u64) -> usize {
    let cap = (MAX_PRESIZE_BYTES / std::mem::size_of::<T>().max(1)) as u64;
    declared.min(plausible).min(cap) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rates_and_ratios() {
        assert!(sample_rate(1, "sr").is_ok());
        assert!(sample_rate(MAX_SAMPLE_RATE as i128, "sr").is_ok());
        for bad in [
            0,
            -8000,
            MAX_SAMPLE_RATE as i128 + 1,
            1 << 31,
            10i128.pow(20),
        ] {
            let e = sample_rate(bad, "sr").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Argument);
            assert!(e.to_string().contains(&bad.to_string()), "{e}");
        }
        assert!(resample_ratio(1, 256).is_ok());
        assert!(resample_ratio(256, 1).is_ok());
        assert!(resample_ratio(1, 257).is_err());
        assert!(resample_ratio(768_000, 3000).is_ok());
        assert!(resample_ratio(768_000, 2999).is_err());
        assert!(resample_ratio(0, 16_000).is_err());
        assert!(resample_ratio(44_100, 768_001).is_err());
        assert!(resample_ratio(44_100, 48_000).is_ok());
        assert!(resample_ratio(65_521, 65_536).is_ok());
        assert!(resample_ratio(767_999, 768_000).is_err());
        assert!(resample_ratio(44_100, 44_099).is_ok());
    }

    #[test]
    fn matrices_and_steps() {
        assert_eq!(matrix_frames(10.0, 4, "m").unwrap(), 10);
        assert!(matrix_frames((MAX_MATRIX_CELLS / 128) as f64, 128, "m").is_ok());
        assert!(matrix_frames((MAX_MATRIX_CELLS / 128 + 1) as f64, 128, "m").is_err());
        assert!(matrix_frames(f64::INFINITY, 4, "m").is_err());
        assert!(matrix_frames(f64::NAN, 4, "m").is_err());
        assert!(time_step(-1.0, "hop").is_err());
        assert!(time_step(f64::INFINITY, "hop").is_err());
    }

    #[test]
    fn reservations_are_bounded() {
        assert_eq!(presize::<f32>(100, 1000), 100);
        assert_eq!(presize::<f32>(u64::MAX, u64::MAX), MAX_PRESIZE_BYTES / 4);
        let mut v: Vec<u64> = Vec::new();
        let e = try_grow(&mut v, usize::MAX / 16, "a test buffer").unwrap_err();
        assert!(
            e.to_string()
                .contains("not enough memory for a test buffer"),
            "{e}"
        );
        assert_eq!(crate::human::bytes_f64(1.5e9), "1.5 GB");
    }
}
