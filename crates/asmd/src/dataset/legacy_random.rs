//! numpy's legacy random stream (`numpy.random.RandomState`), for splits that equal ASMD
//! 0.5.1's.
//!
//! ASMD 0.5.1's `dataset_utils.choice(dataset, p, random_state=seed)` drew each song's
//! split with `RandomState(seed).choice(len(p), p=p, size=len(dataset))`, `p` normalised
//! in float32. Published code relies on those splits (train/test sets chosen with
//! `random_state=1992`), so [`Dataset::choice`](super::Dataset::choice) draws the same
//! numbers: the Mersenne Twister MT19937 seeded as numpy seeds it from an integer
//! (`init_genrand`), 53-bit doubles from two 32-bit outputs, and inverse-CDF sampling
//! (`searchsorted(side='right')` on the normalised cumulative sum).
//!
//! ```
//! // numpy: np.random.RandomState(1992).random_sample(2)
//! let mut rs = asmd::dataset::LegacyRandom::new(1992).unwrap();
//! assert_eq!(rs.random_sample(), 0.860181763035389);
//! assert_eq!(rs.random_sample(), 0.4214868518163295);
//! ```

use crate::error::{Error, Result};

const N: usize = 624;
const M: usize = 397;

/// numpy's `RandomState` stream for an integer seed (MT19937).
#[derive(Clone)]
pub struct LegacyRandom {
    key: [u32; N],
    pos: usize,
}

impl std::fmt::Debug for LegacyRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyRandom")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl LegacyRandom {
    /// The stream of `numpy.random.RandomState(seed)`; numpy accepts seeds in
    /// `0..2**32` only, and so does this.
    pub fn new(seed: u64) -> Result<LegacyRandom> {
        let mut s = u32::try_from(seed).map_err(|_| {
            Error::argument(format!(
                "seed must be between 0 and 2**32 - 1 (as numpy's RandomState), got {seed}"
            ))
        })?;
        let mut key = [0u32; N];
        for (i, k) in key.iter_mut().enumerate() {
            *k = s;
            s = 1_812_433_253u32
                .wrapping_mul(s ^ (s >> 30))
                .wrapping_add(i as u32 + 1);
        }
        Ok(LegacyRandom { key, pos: N })
    }

    fn generate(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
        for i in 0..N {
            let y = (self.key[i] & UPPER) | (self.key[(i + 1) % N] & LOWER);
            self.key[i] = self.key[(i + M) % N] ^ (y >> 1) ^ mag(y);
        }
        self.pos = 0;
    }

    /// The next 32-bit output.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.generate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A double in `[0, 1)` with 53 random bits (`RandomState.random_sample`).
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `n` draws of `RandomState.choice(len(p), p=p, size=n)` where `p` is first
    /// normalised in float32 (`p = np.asarray(p, dtype=np.float32); p /= p.sum()`), as
    /// ASMD 0.5.1's `choice` did.
    pub fn choice_f32_normalised(&mut self, p: &[f64], n: usize) -> Vec<usize> {
        let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
        let sum: f32 = p32.iter().fold(0.0f32, |a, &b| a + b);
        let mut cdf = Vec::with_capacity(p32.len());
        let mut acc = 0.0f64;
        for x in &p32 {
            acc += f64::from(x / sum);
            cdf.push(acc);
        }
        let last = cdf.last().copied().unwrap_or(1.0);
        for c in cdf.iter_mut() {
            *c /= last;
        }
        (0..n)
            .map(|_| {
                let u = self.random_sample();
                // searchsorted(cdf, u, side='right'): the first index with cdf > u
                cdf.partition_point(|&c| c <= u).min(p.len() - 1)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_numpy_random_state() {
        // np.random.RandomState(5489).randint(0, 2**32, 1, dtype=np.uint64): the first
        // output of MT19937's reference implementation for its default seed
        let mut rs = LegacyRandom::new(5489).unwrap();
        assert_eq!(rs.next_u32(), 3_499_211_612);
        let mut rs = LegacyRandom::new(0).unwrap();
        // np.random.RandomState(0).random_sample(3)
        assert_eq!(rs.random_sample(), 0.5488135039273248);
        assert_eq!(rs.random_sample(), 0.7151893663724195);
        assert_eq!(rs.random_sample(), 0.6027633760716439);
        assert!(LegacyRandom::new(1 << 32).is_err());
    }

    #[test]
    fn choice_equals_numpy() {
        // p = np.float32([0.6, 0.2, 0.2]); p /= p.sum()
        // np.random.RandomState(1992).choice(np.arange(3), p=p, size=12)
        let mut rs = LegacyRandom::new(1992).unwrap();
        assert_eq!(
            rs.choice_f32_normalised(&[0.6, 0.2, 0.2], 12),
            [2, 0, 1, 0, 1, 1, 1, 0, 2, 0, 0, 0]
        );
        // p = np.float32([0.7, 0.3]) normalised; RandomState(1).choice(2, p=p, size=20)
        let mut rs = LegacyRandom::new(1).unwrap();
        let mut want = [0; 20];
        want[1] = 1;
        want[13] = 1;
        assert_eq!(rs.choice_f32_normalised(&[0.7, 0.3], 20), want);
    }
}
