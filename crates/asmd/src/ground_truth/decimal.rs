//! Exact decimal-to-double conversion for the numbers ground-truth files hold.
//!
//! Ground truth is written by Python, whose `repr` gives the shortest digits that round
//! trip: times like `1249.7342847289293` have 16-17 significant digits, more than the
//! 2^53 of Clinger's exact fast path. Those numbers are converted here without a
//! general-purpose parser: the digits are read eight at a time into a `u64`, a candidate
//! double is computed with one division, and the candidate is then *proved* correctly
//! rounded (or moved by one ulp and proved again) by comparing the decimal against the
//! two halfway points around it in exact 128-bit integer arithmetic. Ties and anything
//! out of range (more than 19 digits, large exponents) go to `fast-float2`'s
//! Eisel-Lemire parser, so every input gets the correctly rounded result.

use std::cmp::Ordering;

/// 10^0 ..= 10^22: the powers of ten a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// 5^0 ..= 5^22.
const POW5: [u64; 23] = {
    let mut t = [1u64; 23];
    let mut i = 1;
    while i < 23 {
        t[i] = t[i - 1] * 5;
        i += 1;
    }
    t
};

/// A scanned number: `mantissa * 10^exp10` with `digits` digits read into the mantissa
/// (leading zeros included, so `digits <= 19` guarantees the mantissa did not wrap).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scanned {
    pub negative: bool,
    pub mantissa: u64,
    pub digits: usize,
    pub exp10: i64,
    /// Written as a JSON integer (no fraction, no exponent).
    pub integer: bool,
    /// Bytes consumed.
    pub len: usize,
}

/// Powers of ten as integers, 10^0 ..= 10^8.
const POW10U: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The number of leading ASCII digits (0..=8) of a little-endian 8-byte word.
#[inline(always)]
fn leading_digits(w: u64) -> usize {
    // per byte: zero iff the byte is 0x30..=0x39 (high nibble 3, and adding 6 does not
    // carry out of it); a carry out of a byte >= 0xFA only disturbs the bytes after
    // the first non-digit, which are not looked at
    let t = ((w & 0xF0F0_F0F0_F0F0_F0F0)
        | ((w.wrapping_add(0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4))
        ^ 0x3333_3333_3333_3333;
    // high bit of each non-zero byte
    let nz = (t | ((t & 0x7F7F_7F7F_7F7F_7F7F) + 0x7F7F_7F7F_7F7F_7F7F)) & 0x8080_8080_8080_8080;
    (nz.trailing_zeros() / 8) as usize
}

/// The value of eight ASCII digits in a little-endian word (first byte most significant).
#[inline(always)]
fn eight_digit_value(w: u64) -> u64 {
    // pairwise combine: bytes -> 2-digit -> 4-digit -> 8-digit values
    let v = w - 0x3030_3030_3030_3030;
    let v = (v * 10) + (v >> 8); // each even byte: d[2i]*10 + d[2i+1]
    (v & 0x0000_00FF_0000_00FF)
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
        >> 32
}

/// Read eight ASCII digits at once, or `None` when the eight bytes are not all digits.
#[cfg(test)]
fn eight_digits(b: &[u8]) -> Option<u64> {
    let w = u64::from_le_bytes(*b.first_chunk::<8>()?);
    (leading_digits(w) == 8).then(|| eight_digit_value(w))
}

/// Read a run of digits starting at `i` into `mant`, a word at a time; returns the end.
#[inline(always)]
fn digits(b: &[u8], mut i: usize, mant: &mut u64) -> usize {
    while let Some(chunk) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let w = u64::from_le_bytes(*chunk);
        let n = leading_digits(w);
        if n == 8 {
            *mant = mant
                .wrapping_mul(100_000_000)
                .wrapping_add(eight_digit_value(w));
            i += 8;
            continue;
        }
        if n > 0 {
            // keep the n digits as the word's last (least significant) digits, the
            // bytes before them '0'
            let s = 8 * (8 - n) as u32;
            let w = (w << s) | (0x3030_3030_3030_3030 >> (64 - s));
            *mant = mant
                .wrapping_mul(POW10U[n])
                .wrapping_add(eight_digit_value(w));
        }
        return i + n;
    }
    // the last few bytes of the text
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        *mant = mant.wrapping_mul(10).wrapping_add(d as u64);
        i += 1;
    }
    i
}

/// Scan a JSON number at the start of `b` (no `NaN`/`Infinity`); `None` when `b` does
/// not start with one.
#[inline(always)]
pub(crate) fn scan(b: &[u8]) -> Option<Scanned> {
    let negative = b.first() == Some(&b'-');
    let int_start = negative as usize;
    let mut mantissa = 0u64;
    let mut j = digits(b, int_start, &mut mantissa);
    let int_digits = j - int_start;
    if int_digits == 0 {
        return None;
    }
    let mut frac_digits = 0usize;
    let mut integer = true;
    if b.get(j) == Some(&b'.') {
        integer = false;
        let f = j + 1;
        j = digits(b, f, &mut mantissa);
        frac_digits = j - f;
        if frac_digits == 0 {
            return None;
        }
    }
    let mut exp10 = -(frac_digits as i64);
    if matches!(b.get(j), Some(b'e' | b'E')) {
        integer = false;
        j += 1;
        let neg_exp = match b.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let e_start = j;
        let mut e: i64 = 0;
        while let Some(&c) = b.get(j) {
            if !c.is_ascii_digit() {
                break;
            }
            e = (e * 10 + (c - b'0') as i64).min(1 << 40);
            j += 1;
        }
        if j == e_start {
            return None;
        }
        exp10 += if neg_exp { -e } else { e };
    }
    Some(Scanned {
        negative,
        mantissa,
        digits: int_digits + frac_digits,
        exp10,
        integer,
        len: j,
    })
}

impl Scanned {
    /// The correctly rounded double; `text` is the scanned text, for the general parser.
    #[inline(always)]
    pub(crate) fn to_f64(self, text: &[u8]) -> f64 {
        let v = self.unsigned(text);
        if self.negative {
            -v
        } else {
            v
        }
    }

    #[inline(always)]
    fn unsigned(self, text: &[u8]) -> f64 {
        let (m, q) = (self.mantissa, self.exp10);
        if self.digits <= 19 {
            if m == 0 {
                return 0.0;
            }
            if q == 0 {
                // u64 -> f64 rounds to nearest, ties to even
                return m as f64;
            }
            if m <= 1 << 53 {
                // Clinger: both operands exact, one rounding
                if (-22..0).contains(&q) {
                    return m as f64 / POW10[(-q) as usize];
                }
                if (1..=22).contains(&q) {
                    return m as f64 * POW10[q as usize];
                }
            } else if (-22..0).contains(&q) {
                if let Some(v) = proved(m, (-q) as u32) {
                    return v;
                }
            }
        }
        general(text)
    }
}

/// The slow path: any decimal, correctly rounded.
#[cold]
fn general(text: &[u8]) -> f64 {
    let t = text.strip_prefix(b"-").unwrap_or(text);
    fast_float2::parse::<f64, _>(t).unwrap_or(f64::NAN)
}

/// Compare `m / 10^k` with `a * 2^f` exactly; `None` if the intermediate values do not
/// fit in 128 bits.
///
/// `m / 10^k  vs  a * 2^f`  <=>  `m * 2^(-f-k)  vs  a * 5^k`.
#[inline(always)]
fn compare(m: u64, k: u32, a: u64, f: i32) -> Option<Ordering> {
    let rhs = a as u128 * POW5[k as usize] as u128; // < 2^55 * 2^52
    let s = -f - k as i32;
    if s >= 0 {
        if s > 63 {
            return None;
        }
        Some(((m as u128) << s).cmp(&rhs))
    } else {
        let t = (-s) as u32;
        if t > rhs.leading_zeros() {
            return None;
        }
        Some((m as u128).cmp(&(rhs << t)))
    }
}

/// `m / 10^k` (`m > 2^53`, `1 <= k <= 22`) correctly rounded, proved exactly; `None`
/// for a tie or values outside the normal range.
#[inline]
fn proved(m: u64, k: u32) -> Option<f64> {
    // within about one ulp: two roundings of at most half an ulp each
    let mut c = m as f64 / POW10[k as usize];
    for _ in 0..3 {
        let bits = c.to_bits();
        let be = ((bits >> 52) & 0x7ff) as i32;
        if be == 0 || be == 0x7ff {
            return None;
        }
        let frac = (bits & ((1 << 52) - 1)) | (1 << 52); // c = frac * 2^e
        let e = be - 1075;
        // halfway point above: (2 frac + 1) * 2^(e-1)
        match compare(m, k, 2 * frac + 1, e - 1)? {
            Ordering::Greater => {
                c = f64::from_bits(bits + 1);
                continue;
            }
            Ordering::Equal => return None,
            Ordering::Less => {}
        }
        // halfway point below; the ulp below a power of two is half as wide
        let below = if frac == 1 << 52 {
            compare(m, k, 4 * frac - 1, e - 2)?
        } else {
            compare(m, k, 2 * frac - 1, e - 1)?
        };
        match below {
            Ordering::Less => {
                c = f64::from_bits(bits - 1);
                continue;
            }
            Ordering::Equal => return None,
            Ordering::Greater => return Some(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn parse(s: &str) -> f64 {
        let sc = scan(s.as_bytes()).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(sc.len, s.len(), "{s}");
        sc.to_f64(s.as_bytes())
    }

    fn check(s: &str) {
        let want: f64 = s.parse().unwrap();
        let got = parse(s);
        assert_eq!(got.to_bits(), want.to_bits(), "{s}: {got:e} vs {want:e}");
    }

    #[test]
    fn eight_digits_at_once() {
        assert_eq!(eight_digits(b"12345678"), Some(12345678));
        assert_eq!(eight_digits(b"00000009x"), Some(9));
        assert_eq!(eight_digits(b"99999999"), Some(99999999));
        for bad in [b"1234567.", b"123456:8", b"/2345678", b"1234 678"] {
            assert_eq!(eight_digits(bad), None, "{:?}", std::str::from_utf8(bad));
        }
        assert_eq!(eight_digits(b"1234567"), None);
    }

    #[test]
    fn hand_picked() {
        for s in [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "7",
            "60",
            "1.5",
            "0.1",
            "0.7770833333333333",
            "0.8999999999999999",
            "1249.7342847289293",
            "9007199254740993",
            "9007199254740993.0",
            "0.30000000000000004",
            "1e-05",
            "2.5e-06",
            "1.2345678901234567e-05",
            "1e22",
            "1e23",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "1.7976931348623157e+308",
            "1e400",
            "1e-400",
            "123456789012345678901234567890",
            "0.000000000000000000000000001",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "1.00000000000000011102230246251565404236316680908203125", // a tie: 1 + 2^-53
            "1.00000000000000011102230246251565404236316680908203124",
            "9007199254740992.5",
            "9007199254740993.5",
            "0.1000000000000000055511151231257827",
        ] {
            check(s);
        }
        assert_eq!(parse("-1.5"), -1.5);
    }

    #[test]
    fn scans_kind_and_length() {
        let s = scan(b"60,\n").unwrap();
        assert!(s.integer && s.len == 2 && s.mantissa == 60);
        let s = scan(b"-1.25e+3]").unwrap();
        assert!(!s.integer && s.negative && s.len == 8 && s.exp10 == -2 + 3);
        for bad in [&b"-"[..], b".5", b"1.", b"1e", b"1e+", b"x", b""] {
            assert!(scan(bad).is_none(), "{:?}", std::str::from_utf8(bad));
        }
    }

    #[test]
    fn python_repr_of_random_doubles_round_trips() {
        // what ground truth holds: shortest round-trip digits of doubles of all scales
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let mut s = String::new();
        for i in 0..400_000 {
            let x: f64 = match i % 4 {
                0 => rng.random_range(0.0..2000.0),
                1 => rng.random_range(0.0..1.0) * 10f64.powi(rng.random_range(-8..9)),
                2 => f64::from_bits(rng.random_range(0x3c00_0000_0000_0000..0x4400_0000_0000_0000)),
                _ => (rng.random_range(0..1_000_000) as f64) / 1000.0,
            };
            s.clear();
            crate::ground_truth::write_py_float(&mut s, x);
            let got = parse(&s);
            assert_eq!(got.to_bits(), x.to_bits(), "{s}");
        }
    }

    #[test]
    fn random_long_decimals_match_std() {
        // digits that are not a shortest repr: near-halfway and arbitrary 17-20 digit
        // strings, checked against the standard library's parser
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(11);
        for _ in 0..300_000 {
            let ndig = rng.random_range(15..=20usize);
            let mut d: String = (0..ndig)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect();
            let dot = rng.random_range(1..ndig);
            d.insert(dot, '.');
            check(&d);
        }
        // exact halfway points between neighbouring doubles, and one digit either side
        for _ in 0..50_000 {
            let x: f64 = rng.random_range(1.0..4096.0);
            let up = f64::from_bits(x.to_bits() + 1);
            // exact decimal of x + ulp/2: x and ulp are dyadic, so finitely many digits
            let half = format!("{:.60}", x);
            let ulp_half = format!("{:.80}", (up - x) / 2.0);
            let exact = add_decimal(&half, &ulp_half);
            check(&exact);
        }
    }

    /// Add two non-negative decimal strings exactly.
    fn add_decimal(a: &str, b: &str) -> String {
        let split = |s: &str| {
            let (i, f) = s.split_once('.').unwrap_or((s, ""));
            (i.to_string(), f.to_string())
        };
        let (ai, af) = split(a);
        let (bi, bf) = split(b);
        let fl = af.len().max(bf.len());
        let il = ai.len().max(bi.len()) + 1;
        let pad = |i: &str, f: &str| format!("{i:0>il$}{f:0<fl$}");
        let (x, y) = (pad(&ai, &af), pad(&bi, &bf));
        let mut out = vec![0u8; x.len()];
        let mut carry = 0;
        for k in (0..x.len()).rev() {
            let s = (x.as_bytes()[k] - b'0') + (y.as_bytes()[k] - b'0') + carry;
            out[k] = b'0' + s % 10;
            carry = s / 10;
        }
        let mut s = String::from_utf8(out).unwrap();
        s.insert(il, '.');
        let s = s.trim_start_matches('0');
        let s = s.trim_end_matches('0');
        let s = if s.starts_with('.') {
            format!("0{s}")
        } else {
            s.to_string()
        };
        s.trim_end_matches('.').to_string()
    }
}
