//! Band-limited resampling with rubato's synchronous FFT resampler.
//!
//! [`Quality::High`] uses a large FFT block (long anti-aliasing filter, narrow
//! transition band); [`Quality::Fast`] a small one. Measured figures are in
//! `docs/audio.md` and checked (loosely) by the tests.

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};

use crate::error::{Error, Result};

/// Resampling quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quality {
    /// Comparable to soxr "HQ" (the default).
    #[default]
    High,
    /// Shorter filter, wider transition band: faster, for previews.
    Fast,
}

impl Quality {
    /// Parse `"hq"`/`"high"` or `"fast"`/`"lq"`.
    pub fn parse(s: &str) -> Result<Quality> {
        match s.to_ascii_lowercase().as_str() {
            "hq" | "high" | "best" => Ok(Quality::High),
            "fast" | "lq" | "low" => Ok(Quality::Fast),
            _ => Err(Error::argument(format!(
                "unknown resampling quality \"{s}\" (use \"hq\" or \"fast\")"
            ))),
        }
    }
}

/// Resample one mono signal from `from` Hz to `to` Hz. The output has
/// `ceil(len * to / from)` samples and is aligned with the input (the resampler's
/// delay is removed).
///
/// The rates must pass [`limits::resample_ratio`](crate::limits::resample_ratio) (1 to
/// 768,000 Hz, a ratio within 256 either way whose terms in lowest terms are at most
/// 65,536); a signal holding NaN, infinite or absurdly large samples (beyond
/// [`MAX_RESAMPLE_MAGNITUDE`](crate::limits::MAX_RESAMPLE_MAGNITUDE)) cannot be filtered
/// and is refused (the error gives the first such sample).
///
/// ```
/// use asmd::audio::{resample, Quality};
/// let y = resample(&[0.0; 441], 44_100, 16_000, Quality::High).unwrap();
/// assert_eq!(y.len(), 160);
/// assert!(resample(&[0.0, f32::NAN], 44_100, 16_000, Quality::High).is_err());
/// assert!(resample(&[0.0, 3e38], 44_100, 16_000, Quality::High).is_err());
/// assert!(resample(&[0.0; 10], 1, 192_000, Quality::High).is_err());
/// ```
pub fn resample(x: &[f32], from: u32, to: u32, quality: Quality) -> Result<Vec<f32>> {
    if from == to && from > 0 {
        return Ok(x.to_vec());
    }
    crate::limits::resample_ratio(from, to)?;
    if x.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(k) = first_unfilterable(x) {
        return Err(Error::argument(format!(
            "the sample at {:.6} s is {}: a signal holding NaN, infinite or samples beyond \
             ±{:e} cannot be resampled",
            k as f64 / from as f64,
            x[k],
            crate::limits::MAX_RESAMPLE_MAGNITUDE
        ))
        .at(format!("sample {k}")));
    }
    // Sub-chunk length (input frames) sets the FFT size and so the filter length. A
    // whole multiple of `from / gcd` keeps the output exactly aligned with the input
    // (other lengths shift it by a fraction of a sample, measured -0.18 samples).
    let target: usize = match quality {
        Quality::High => 4096,
        Quality::Fast => 1024,
    };
    let (mut a, mut b) = (from as usize, to as usize);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let min_in = from as usize / a;
    // An even number of minimum blocks keeps both FFT sizes even, so the delay (half a
    // block) is a whole number of frames on both sides.
    let blocks = target.div_ceil(min_in).max(1).next_multiple_of(2);
    let sub = blocks * min_in;
    let mut r = Fft::<f32>::new_custom(
        from as usize,
        to as usize,
        sub * 4,
        4,
        1,
        WindowFunction::BlackmanHarris2,
        FixedSync::Input,
    )
    .map_err(|e| Error::argument(format!("resampler {from} -> {to} Hz: {e}")))?;
    let input = InterleavedSlice::new(x, 1, x.len())
        .map_err(|e| Error::argument(format!("resampler input: {e}")))?;
    let out = r
        .process_all(&input, x.len(), None)
        .map_err(|e| Error::argument(format!("resampling {from} -> {to} Hz failed: {e}")))?;
    let mut y = out.take_data();
    y.truncate((x.len() as u64 * to as u64).div_ceil(from as u64) as usize);
    Ok(y)
}

/// Index of the first NaN, infinite or too large sample (scanned in blocks, which
/// vectorises); NaN fails the comparison, so it is caught too.
fn first_unfilterable(x: &[f32]) -> Option<usize> {
    const BLOCK: usize = 1024;
    let max = crate::limits::MAX_RESAMPLE_MAGNITUDE;
    let fine = |v: &f32| v.abs() <= max;
    for (b, chunk) in x.chunks(BLOCK).enumerate() {
        let all_fine = chunk.iter().fold(true, |acc, v| acc & fine(v));
        if !all_fine {
            let k = chunk.iter().position(|v| !fine(v)).unwrap_or(0);
            return Some(b * BLOCK + k);
        }
    }
    None
}
