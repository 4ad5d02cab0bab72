//! Density histograms with numpy's `bins="auto"` rule, and sampling from them.
//!
//! [`auto_bin_edges`] reproduces `numpy.histogram_bin_edges(x, bins="auto")` exactly as
//! numpy 1.x (the version ASMD 0.5.1 was trained with) computes it:
//! the bin width is the smaller of the Sturges (`ptp / (log2 n + 1)`) and
//! Freedman–Diaconis (`2 IQR n^(-1/3)`) widths, Sturges alone when the IQR is 0 (numpy
//! 2.1+ also bounds the FD width below by half the `sqrt` width; we keep 1.x); the
//! number of bins is `ceil((max - min) / width)` and the edges come from numpy's
//! `linspace` arithmetic (`start + i * step`, last edge = `max`). [`Histogram::new`]
//! counts like `numpy.histogram` (including its correction of float rounding at bin
//! boundaries) and normalises to a density.
//!
//! ```
//! use asmd::misalign::Histogram;
//! let h = Histogram::new(&[0.0, 1.0, 1.0, 2.0, 5.0]).unwrap();
//! assert_eq!(h.edges, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
//! let total: f64 = h.density.iter().zip(h.edges.windows(2)).map(|(d, e)| d * (e[1] - e[0])).sum();
//! assert!((total - 1.0).abs() < 1e-12);
//! ```

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A density histogram: `density[i]` is the density over `[edges[i], edges[i+1])`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Density of each bin (integrates to 1).
    pub density: Vec<f64>,
    /// Bin edges (`density.len() + 1` values, increasing).
    pub edges: Vec<f64>,
}

/// numpy's `percentile(x, q)` with the default linear method, on sorted data.
pub(crate) fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let q = q / 100.0;
    // numpy: n * q + (alpha + q * (1 - alpha - beta)) - 1 with alpha = beta = 1
    let virtual_index = n as f64 * q + (1.0 - q) - 1.0;
    let prev = virtual_index.floor();
    let gamma = virtual_index - prev;
    let last = (n - 1) as f64;
    let i = prev.clamp(0.0, last) as usize;
    let j = (prev + 1.0).clamp(0.0, last) as usize;
    let (a, b) = (sorted[i], sorted[j]);
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

/// The bin edges numpy computes for `bins="auto"` (data must be finite and non-empty).
pub fn auto_bin_edges(x: &[f64]) -> Result<Vec<f64>> {
    if x.is_empty() {
        return Ok(vec![0.0, 1.0]);
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::argument(
            "histogram of non-finite values (NaN or infinity)",
        ));
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
    let (mut first, mut last) = (min, max);
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let n = x.len() as f64;
    let sturges = (max - min) / (n.log2() + 1.0);
    let iqr = percentile_sorted(&sorted, 75.0) - percentile_sorted(&sorted, 25.0);
    let fd = 2.0 * iqr * n.powf(-1.0 / 3.0);
    let width = if fd != 0.0 { fd.min(sturges) } else { sturges };
    let bins = if width != 0.0 {
        ((last - first) / width).ceil() as usize
    } else {
        1
    }
    .max(1);
    // numpy.linspace(first, last, bins + 1)
    let step = (last - first) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + first).collect();
    edges[bins] = last;
    Ok(edges)
}

impl Histogram {
    /// `numpy.histogram(x, bins="auto", density=True)`.
    pub fn new(x: &[f64]) -> Result<Histogram> {
        let edges = auto_bin_edges(x)?;
        let bins = edges.len() - 1;
        let (first, last) = (edges[0], edges[bins]);
        let denom = last - first;
        let mut counts = vec![0u64; bins];
        for &v in x {
            // numpy: index from the float quotient, then fix rounding at the edges
            let mut i = ((((v - first) / denom) * bins as f64) as usize).min(bins - 1);
            if v < edges[i] && i > 0 {
                i -= 1;
            }
            if i + 1 < bins && v >= edges[i + 1] {
                i += 1;
            }
            counts[i] += 1;
        }
        let total = counts.iter().sum::<u64>().max(1) as f64;
        let density = counts
            .iter()
            .zip(edges.windows(2))
            .map(|(&c, e)| c as f64 / (e[1] - e[0]) / total)
            .collect();
        Ok(Histogram { density, edges })
    }

    /// Draw `k` values: a bin chosen with probability proportional to its density,
    /// then a uniform value inside it. With `max_value`, the edges are first rescaled
    /// linearly to `[-|max|, |max|]` (the reference's `minmax_scale`).
    pub fn sample<R: RngExt>(&self, rng: &mut R, k: usize, max_value: Option<f64>) -> Vec<f64> {
        let edges = self.scaled_edges(max_value);
        let total: f64 = self.density.iter().sum();
        let mut cumulative = Vec::with_capacity(self.density.len());
        let mut acc = 0.0;
        for d in &self.density {
            acc += d;
            cumulative.push(acc);
        }
        (0..k)
            .map(|_| {
                let u = rng.random::<f64>() * total;
                let i = cumulative
                    .partition_point(|&c| c <= u)
                    .min(self.density.len() - 1);
                let (a, b) = (edges[i], edges[i + 1]);
                a + (b - a) * rng.random::<f64>()
            })
            .collect()
    }

    fn scaled_edges(&self, max_value: Option<f64>) -> Vec<f64> {
        match max_value {
            Some(m) if m != 0.0 => {
                let m = m.abs();
                let (lo, hi) = (self.edges[0], self.edges[self.edges.len() - 1]);
                let range = if hi > lo { hi - lo } else { 1.0 };
                self.edges
                    .iter()
                    .map(|e| (e - lo) / range * (2.0 * m) - m)
                    .collect()
            }
            _ => self.edges.clone(),
        }
    }

    /// Check the invariants of a histogram read from a model file.
    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        let ok = !self.density.is_empty()
            && self.edges.len() == self.density.len() + 1
            && self.edges.windows(2).all(|w| w[0] < w[1])
            && self.density.iter().all(|d| d.is_finite() && *d >= 0.0)
            && self.density.iter().any(|d| *d > 0.0);
        if ok {
            Ok(())
        } else {
            Err(Error::argument(format!(
                "histogram `{what}`: needs increasing edges, one more than densities, and a positive density"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sampling_stays_in_range() {
        let h = Histogram::new(&[0.0, 1.0, 2.0, 2.0, 3.0]).unwrap();
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let v = h.sample(&mut rng, 1000, None);
        assert!(v.iter().all(|x| (0.0..=3.0).contains(x)));
        let v = h.sample(&mut rng, 1000, Some(0.2));
        assert!(v.iter().all(|x| (-0.2..=0.2).contains(x)));
    }
}
