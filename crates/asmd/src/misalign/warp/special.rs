//! Numerical pieces of the warp method: the normal distribution's function and quantile
//! function (for the Gaussian copulas), and quantile curves (storing a distribution as its
//! values at fixed probability levels, drawing from it, and the inverse).

use crate::error::{Error, Result};

/// The standard normal distribution function (via `erfc`, relative error < 1.2e-7).
pub(super) fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' Chebyshev fit).
pub(super) fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// The standard normal quantile function (Acklam's rational approximation, relative
/// error < 1.2e-9), for `p` in `(0, 1)`.
pub(super) fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// numpy's `quantile(x, levels)` of sorted data.
pub(super) fn curve(sorted: &[f64], levels: &[f64]) -> Vec<f64> {
    levels
        .iter()
        .map(|q| crate::misalign::hist::percentile_sorted(sorted, q * 100.0))
        .collect()
}

/// The value at probability `u` on a quantile curve (linear between levels, clamped).
pub(super) fn value_at(levels: &[f64], curve: &[f64], u: f64) -> f64 {
    let u = u.clamp(levels[0], levels[levels.len() - 1]);
    let i = levels
        .partition_point(|&l| l <= u)
        .clamp(1, levels.len() - 1);
    let (l0, l1) = (levels[i - 1], levels[i]);
    let f = if l1 > l0 { (u - l0) / (l1 - l0) } else { 0.0 };
    curve[i - 1] + (curve[i] - curve[i - 1]) * f
}

/// The probability of `x` on a quantile curve (the inverse of [`value_at`]).
pub(super) fn level_of(levels: &[f64], curve: &[f64], x: f64) -> f64 {
    if x <= curve[0] {
        return levels[0];
    }
    let n = curve.len();
    if x >= curve[n - 1] {
        return levels[n - 1];
    }
    let i = curve.partition_point(|&c| c <= x).clamp(1, n - 1);
    let (c0, c1) = (curve[i - 1], curve[i]);
    let f = if c1 > c0 { (x - c0) / (c1 - c0) } else { 0.5 };
    levels[i - 1] + (levels[i] - levels[i - 1]) * f
}

/// Quantile curves of value lists; lists too short borrow the nearest usable one's.
pub(super) fn curves(
    lists: &[Vec<f64>],
    levels: &[f64],
    min_values: usize,
) -> Result<Vec<Vec<f64>>> {
    let sorted: Vec<Option<Vec<f64>>> = lists
        .iter()
        .map(|l| {
            (l.len() >= min_values).then(|| {
                let mut s = l.clone();
                s.sort_by(f64::total_cmp);
                s
            })
        })
        .collect();
    let usable: Vec<usize> = (0..lists.len()).filter(|&i| sorted[i].is_some()).collect();
    if usable.is_empty() {
        return Err(Error::argument(format!(
            "too few matched notes to train the warp method (no class has {min_values} values)"
        )));
    }
    Ok((0..lists.len())
        .map(|i| {
            let j = *usable
                .iter()
                .min_by_key(|&&j| (j as isize - i as isize).unsigned_abs())
                .unwrap_or(&usable[0]);
            sorted[j]
                .as_deref()
                .map(|s| curve(s, levels))
                .unwrap_or_default()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::{class_of, levels};
    use super::*;

    #[test]
    fn normal_functions_invert() {
        for &p in &[1e-6, 0.001, 0.02, 0.3, 0.5, 0.77, 0.99, 0.999_99] {
            let z = normal_quantile(p);
            assert!((normal_cdf(z) - p).abs() < 2e-7 * p.max(1e-3), "{p}: {z}");
        }
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-7);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
    }

    #[test]
    fn curves_round_trip() {
        let l = levels();
        let data: Vec<f64> = (0..1000).map(|i| (i as f64 / 100.0).powi(2)).collect();
        let c = curve(&data, &l);
        for &u in &[0.01, 0.2, 0.5, 0.93] {
            let x = value_at(&l, &c, u);
            assert!((level_of(&l, &c, x) - u).abs() < 1e-9);
        }
        assert_eq!(value_at(&l, &c, 0.0), c[0]);
        assert_eq!(value_at(&l, &c, 1.0), c[c.len() - 1]);
        assert_eq!(class_of(&[0.0, 1.0, 2.0], 1.5), 1);
        assert_eq!(class_of(&[0.0, 1.0, 2.0], 9.0), 2);
        assert_eq!(class_of(&[0.0, 1.0, 2.0], -1.0), 0);
    }
}
