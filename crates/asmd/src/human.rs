//! Human-readable sizes and durations, the one spelling every front prints (powers of
//! 1000 with SI prefixes, as download pages write sizes).
//!
//! ```
//! use asmd::human;
//! assert_eq!(human::bytes(999), "999 B");
//! assert_eq!(human::bytes(763_716_294), "763.7 MB");
//! assert_eq!(human::bytes(1_500), "1.5 kB");
//! assert_eq!(human::duration(59.6), "1 min 00 s");
//! assert_eq!(human::duration(3725.0), "1 h 02 min");
//! ```

/// `1.5 GB`-style size: bytes below 1 kB, else one decimal with `kB`, `MB`, `GB`,
/// `TB` or `PB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// [`bytes`] of a size computed in floating point (saturating at `u64::MAX`, which
/// prints as PB; negative and NaN sizes print as 0 B).
pub fn bytes_f64(n: f64) -> String {
    bytes(if n.is_nan() {
        0
    } else {
        n.max(0.0).round() as u64
    })
}

/// `1 h 05 min`-style duration (seconds below a minute, minutes and seconds below an
/// hour).
pub fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    }
}
