//! JSON text exactly as Python's `json.dumps(obj, sort_keys=True, indent=4)` spells it.
//!
//! The reference implementation writes ground truth with Python's `json` module. Writing
//! the same bytes makes our files interchangeable with the reference's (and diffable
//! against them): floats use Python's `repr` (shortest round-trip digits, exponent form
//! below 1e-4 and from 1e16 on, `.0` on integral values), strings are ASCII-escaped.
//! Keys are written in the order the caller gives them: callers pass them sorted.
//!
//! ```
//! use asmd::ground_truth::{write_py_float, PyJsonWriter};
//! let mut s = String::new();
//! write_py_float(&mut s, 1e-5);
//! s.push(' ');
//! write_py_float(&mut s, 0.1 + 0.2);
//! s.push(' ');
//! write_py_float(&mut s, 3.0);
//! assert_eq!(s, "1e-05 0.30000000000000004 3.0");
//!
//! let mut w = PyJsonWriter::new(Some(4));
//! w.begin_object();
//! w.key("a");
//! w.begin_array();
//! w.int(1);
//! w.float(2.5);
//! w.end_array();
//! w.key("b");
//! w.begin_array();
//! w.end_array();
//! w.end_object();
//! assert_eq!(w.finish(), "{\n    \"a\": [\n        1,\n        2.5\n    ],\n    \"b\": []\n}");
//! ```

use std::fmt::Write as _;

/// Append `x` spelled as Python's `repr(float)` / `json.dumps` would.
pub fn write_py_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like Python's repr.
    let mut sci = String::with_capacity(32);
    let _ = write!(sci, "{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1; // value = 0.DIGITS * 10^decpt
    if x < 0.0 {
        out.push('-');
    }
    let nd = digits.len() as i32;
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            out.push_str("0.");
            for _ in 0..(-decpt) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if decpt >= nd {
            out.push_str(&digits);
            for _ in 0..(decpt - nd) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt as usize]);
            out.push('.');
            out.push_str(&digits[decpt as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let _ = write!(out, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
}

/// Append a JSON string literal with Python's `ensure_ascii=True` escaping.
pub fn write_py_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{:04x}", unit);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[derive(Clone, Copy)]
enum Frame {
    Object(usize),
    Array(usize),
}

/// A streaming JSON writer producing Python `json.dumps` text (`indent=Some(4)` for
/// the ground-truth files, `None` for the compact form).
pub struct PyJsonWriter {
    buf: String,
    indent: Option<usize>,
    stack: Vec<Frame>,
    after_key: bool,
}

impl PyJsonWriter {
    /// A writer with the given indentation (`None` = one line, Python's default separators).
    pub fn new(indent: Option<usize>) -> Self {
        PyJsonWriter {
            buf: String::with_capacity(4096),
            indent,
            stack: Vec::new(),
            after_key: false,
        }
    }

    fn newline(&mut self) {
        if let Some(n) = self.indent {
            self.buf.push('\n');
            for _ in 0..n * self.stack.len() {
                self.buf.push(' ');
            }
        }
    }

    fn separator(&mut self, count: usize) {
        if count > 0 {
            self.buf.push(',');
            if self.indent.is_none() {
                self.buf.push(' ');
            }
        }
        self.newline();
    }

    fn value_prefix(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(Frame::Array(n)) = self.stack.last().copied() {
            self.separator(n);
            if let Some(Frame::Array(n)) = self.stack.last_mut() {
                *n += 1;
            }
        }
    }

    /// Start an object (`{`).
    pub fn begin_object(&mut self) {
        self.value_prefix();
        self.buf.push('{');
        self.stack.push(Frame::Object(0));
    }

    /// Close the current object.
    pub fn end_object(&mut self) {
        if let Some(Frame::Object(n)) = self.stack.pop() {
            if n > 0 {
                self.newline();
            }
        }
        self.buf.push('}');
    }

    /// Start an array (`[`).
    pub fn begin_array(&mut self) {
        self.value_prefix();
        self.buf.push('[');
        self.stack.push(Frame::Array(0));
    }

    /// Close the current array.
    pub fn end_array(&mut self) {
        if let Some(Frame::Array(n)) = self.stack.pop() {
            if n > 0 {
                self.newline();
            }
        }
        self.buf.push(']');
    }

    /// Write an object key; the next value written belongs to it.
    pub fn key(&mut self, k: &str) {
        if let Some(Frame::Object(n)) = self.stack.last().copied() {
            self.separator(n);
            if let Some(Frame::Object(n)) = self.stack.last_mut() {
                *n += 1;
            }
        }
        write_py_string(&mut self.buf, k);
        self.buf.push_str(": ");
        self.after_key = true;
    }

    /// Write a float as Python's repr.
    pub fn float(&mut self, x: f64) {
        self.value_prefix();
        write_py_float(&mut self.buf, x);
    }

    /// Write an integer.
    pub fn int(&mut self, x: i64) {
        self.value_prefix();
        let _ = write!(self.buf, "{x}");
    }

    /// Write a number as an integer when `as_int` and it is integral (all its digits,
    /// whatever its magnitude, as Python writes an `int`), else as a float.
    pub fn number(&mut self, x: f64, as_int: bool) {
        if as_int && x.is_finite() && x.fract() == 0.0 {
            if x.abs() < 9.0e15 {
                self.int(x as i64)
            } else {
                // beyond i64: the exact decimal value of the double
                self.value_prefix();
                let _ = write!(self.buf, "{x:.0}");
            }
        } else {
            self.float(x)
        }
    }

    /// Write a boolean.
    pub fn bool(&mut self, b: bool) {
        self.value_prefix();
        self.buf.push_str(if b { "true" } else { "false" });
    }

    /// Write a string.
    pub fn string(&mut self, s: &str) {
        self.value_prefix();
        write_py_string(&mut self.buf, s);
    }

    /// Write `null`.
    pub fn null(&mut self) {
        self.value_prefix();
        self.buf.push_str("null");
    }

    /// Write a list of numbers: all as integers when `as_int` and every one is integral,
    /// else all as floats. A list is never written half and half, so reading it back
    /// (a column counts as integers only when every item is an integer literal) gives
    /// the same column, and writing that gives the same text.
    pub fn numbers(&mut self, xs: &[f64], as_int: bool) {
        let as_int = as_int && xs.iter().all(|x| x.is_finite() && x.fract() == 0.0);
        self.begin_array();
        for &x in xs {
            self.number(x, as_int);
        }
        self.end_array();
    }

    /// Write any JSON value, objects with sorted keys.
    pub fn value(&mut self, v: &serde_json::Value) {
        use serde_json::Value;
        match v {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    self.int(i)
                } else if let Some(u) = n.as_u64() {
                    self.value_prefix();
                    let _ = write!(self.buf, "{u}");
                } else {
                    self.float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => self.string(s),
            Value::Array(a) => {
                self.begin_array();
                for x in a {
                    self.value(x);
                }
                self.end_array();
            }
            Value::Object(o) => {
                self.begin_object();
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                for k in keys {
                    self.key(k);
                    self.value(&o[k]);
                }
                self.end_object();
            }
        }
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(x: f64) -> String {
        let mut s = String::new();
        write_py_float(&mut s, x);
        s
    }

    #[test]
    fn floats_match_python_repr() {
        // expected strings produced by CPython 3.11 `repr(float)`
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (0.7770833333333333, "0.7770833333333333"),
            (0.8999999999999999, "0.8999999999999999"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456789.0, "123456789.0"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.0, "1234567890123456.0"),
            (1e16, "1e+16"),
            (1.2345e20, "1.2345e+20"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (71.64143823779324, "71.64143823779324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, want) in cases {
            assert_eq!(py(*x), *want, "{x:e}");
        }
    }

    #[test]
    fn strings_are_ascii_escaped() {
        let mut s = String::new();
        write_py_string(&mut s, "é\"\n\u{1F600}");
        assert_eq!(s, "\"\\u00e9\\\"\\n\\ud83d\\ude00\"");
    }

    #[test]
    fn integer_lists_keep_every_digit_and_are_never_half_floats() {
        let text = |xs: &[f64], as_int: bool| {
            let mut w = PyJsonWriter::new(None);
            w.numbers(xs, as_int);
            w.finish()
        };
        // Python writes an int with all its digits, however large
        assert_eq!(
            text(&[63.0, 18446744073709551616.0, -1e16], true),
            "[63, 18446744073709551616, -10000000000000000]"
        );
        // one item that is not an integer makes the whole list floats, so that reading
        // the list back (integers only if every item is one) gives the same list
        assert_eq!(text(&[63.0, 63.5], true), "[63.0, 63.5]");
        assert_eq!(text(&[63.0, f64::INFINITY], true), "[63.0, Infinity]");
        assert_eq!(text(&[63.0, 64.0], false), "[63.0, 64.0]");
    }

    #[test]
    fn compact_form_uses_python_separators() {
        let mut w = PyJsonWriter::new(None);
        w.value(&serde_json::json!({"b": [1, 2.0, "x"], "a": {}}));
        assert_eq!(w.finish(), "{\"a\": {}, \"b\": [1, 2.0, \"x\"]}");
    }
}
