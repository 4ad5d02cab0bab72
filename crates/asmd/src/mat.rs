//! A MATLAB v5 `.mat` reader for the arrays annotation files hold (Bach10's
//! `-GTNotes.mat` and `-GTF0s.mat`).
//!
//! Supported: numeric arrays of every class (double, single, 8- to 64-bit integers,
//! logical) with their real and imaginary parts stored in any numeric element type,
//! cell arrays (nested to any depth), char arrays, uncompressed and `miCOMPRESSED`
//! (zlib) elements, little- and big-endian files, and both header spellings
//! (MATLAB's `MAT-file, Platform:` and scipy's `MAT-file Platform:`). Structs, objects,
//! sparse and function handles are kept as [`MatValue::Unsupported`] so that a file
//! holding one still opens and the error names the variable only if it is used;
//! MATLAB v7.3 (HDF5) and v4 files are rejected with a clear error.
//!
//! Data flows: bytes -> 128-byte header -> top-level data elements (decompressed when
//! needed) -> `miMATRIX` parsed recursively into [`MatValue`]. Numbers become `f64`
//! (column-major, as MATLAB stores them).
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("x.mat");
//! # std::fs::write(&path, asmd::mat::tests_support::tiny_double_mat()).unwrap();
//! let mat = asmd::mat::MatFile::read(&path).unwrap();
//! let x = mat.numeric("x").unwrap();           // a 2 x 3 double matrix
//! assert_eq!((x.rows(), x.cols()), (2, 3));
//! assert_eq!(x.get(1, 2), 6.0);                    // row 1, column 2
//! assert!(mat.numeric("y").is_err());              // clear error: no such variable
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, IoContext, Result};

const MI_INT8: u32 = 1;
const MI_UINT8: u32 = 2;
const MI_INT16: u32 = 3;
const MI_UINT16: u32 = 4;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_SINGLE: u32 = 7;
const MI_DOUBLE: u32 = 9;
const MI_INT64: u32 = 12;
const MI_UINT64: u32 = 13;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
const MI_UTF8: u32 = 16;
const MI_UTF16: u32 = 17;
const MI_UTF32: u32 = 18;

/// A MATLAB value.
#[derive(Debug, Clone, PartialEq)]
pub enum MatValue {
    /// A numeric or logical array.
    Numeric(NumericArray),
    /// A cell array.
    Cell(CellArray),
    /// A char array (rows of text).
    Char(CharArray),
    /// A class this reader does not interpret (struct, object, sparse, function...).
    Unsupported(String),
}

impl MatValue {
    /// The value's kind, for messages: `double`, `cell`, `char`, `sparse`...
    pub fn kind(&self) -> String {
        match self {
            MatValue::Numeric(n) => n.class.clone(),
            MatValue::Cell(_) => "cell".into(),
            MatValue::Char(_) => "char".into(),
            MatValue::Unsupported(c) => c.clone(),
        }
    }

    /// Dimensions (`[]` for unsupported classes).
    pub fn dims(&self) -> &[usize] {
        match self {
            MatValue::Numeric(n) => &n.dims,
            MatValue::Cell(c) => &c.dims,
            MatValue::Char(c) => &c.dims,
            MatValue::Unsupported(_) => &[],
        }
    }
}

/// A numeric array, column-major.
#[derive(Debug, Clone, PartialEq)]
pub struct NumericArray {
    /// MATLAB class name: `double`, `single`, `int8` ... `uint64`, `logical`.
    pub class: String,
    /// Dimensions (at least 2).
    pub dims: Vec<usize>,
    /// Real parts, column-major.
    pub real: Vec<f64>,
    /// Imaginary parts of a complex array.
    pub imag: Option<Vec<f64>>,
}

impl NumericArray {
    /// Number of rows (first dimension).
    pub fn rows(&self) -> usize {
        self.dims.first().copied().unwrap_or(0)
    }

    /// Number of columns (product of the other dimensions).
    pub fn cols(&self) -> usize {
        self.dims.iter().skip(1).product()
    }

    /// Element `(r, c)` of a 2-D view; panics when out of range (check `rows`/`cols`).
    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.real[c * self.rows() + r]
    }

    /// Row `r` as a vector.
    pub fn row(&self, r: usize) -> Vec<f64> {
        (0..self.cols()).map(|c| self.get(r, c)).collect()
    }
}

/// A cell array, column-major.
#[derive(Debug, Clone, PartialEq)]
pub struct CellArray {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// Cells, column-major.
    pub cells: Vec<MatValue>,
}

impl CellArray {
    /// Number of rows (first dimension).
    pub fn rows(&self) -> usize {
        self.dims.first().copied().unwrap_or(0)
    }

    /// Number of columns (product of the other dimensions).
    pub fn cols(&self) -> usize {
        self.dims.iter().skip(1).product()
    }

    /// Cell `(r, c)` of a 2-D view, if in range.
    pub fn get(&self, r: usize, c: usize) -> Option<&MatValue> {
        if r >= self.rows() || c >= self.cols() {
            return None;
        }
        self.cells.get(c * self.rows() + r)
    }
}

/// A char array.
#[derive(Debug, Clone, PartialEq)]
pub struct CharArray {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// Characters, column-major.
    pub chars: Vec<char>,
}

impl CharArray {
    /// The rows as strings.
    pub fn rows(&self) -> Vec<String> {
        let n = self.dims.first().copied().unwrap_or(0);
        let m: usize = self.dims.iter().skip(1).product();
        (0..n)
            .map(|r| (0..m).filter_map(|c| self.chars.get(c * n + r)).collect())
            .collect()
    }
}

/// The variables of a `.mat` file, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct MatFile {
    /// `(name, value)` pairs.
    pub variables: Vec<(String, MatValue)>,
    /// The file read (for messages).
    pub path: PathBuf,
}

impl MatFile {
    /// Read a file.
    pub fn read(path: impl AsRef<Path>) -> Result<MatFile> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).with_path(path)?;
        MatFile::parse(&bytes, path)
    }

    /// Parse bytes; `origin` names the file in errors.
    pub fn parse(bytes: &[u8], origin: impl AsRef<Path>) -> Result<MatFile> {
        let origin = origin.as_ref();
        let err = |at: usize, m: String| Error::format(origin, format!("byte {at}"), m);
        if bytes.len() >= 8 && &bytes[0..8] == b"\x89HDF\r\n\x1a\n" {
            return Err(unsupported(
                origin,
                "an HDF5 file (MATLAB v7.3) is not supported: save it with `-v7`",
            ));
        }
        if bytes.len() < 128 {
            return Err(err(
                0,
                "not a MATLAB v5 file: shorter than the 128-byte header".into(),
            ));
        }
        let big = match &bytes[126..128] {
            b"IM" => false,
            b"MI" => true,
            _ => {
                return Err(if bytes[..4] == [0, 0, 0, 0] || bytes[1..4] == [0, 0, 0] {
                    unsupported(
                        origin,
                        "a MATLAB v4 file is not supported: save it with `-v6` or `-v7`",
                    )
                } else {
                    err(
                        126,
                        "not a MATLAB v5 file: no endian indicator `IM`/`MI` in the header".into(),
                    )
                })
            }
        };
        let version = if big {
            u16::from_be_bytes([bytes[124], bytes[125]])
        } else {
            u16::from_le_bytes([bytes[124], bytes[125]])
        };
        if version == 0x0200 {
            return Err(unsupported(
                origin,
                "MATLAB v7.3 (HDF5) files are not supported: save it with `-v7`",
            ));
        }
        let text = String::from_utf8_lossy(&bytes[..116]);
        if !text.starts_with("MATLAB 5.0 MAT-file") {
            return Err(err(
                0,
                "not a MATLAB v5 file: the header does not start with `MATLAB 5.0 MAT-file`".into(),
            ));
        }
        let mut variables = Vec::new();
        let mut pos = 128;
        while pos + 8 <= bytes.len() {
            let r = Reader {
                bytes,
                big,
                origin,
                context: String::new(),
            };
            let (ty, n, data_at) = r.tag(pos)?;
            let end = data_at
                .checked_add(n)
                .filter(|&e| e <= bytes.len())
                .ok_or_else(|| {
                    err(
                        pos,
                        format!(
                            "truncated file: a data element declares {n} bytes, {} remain",
                            bytes.len() - data_at
                        ),
                    )
                })?;
            let data = &bytes[data_at..end];
            match ty {
                MI_COMPRESSED => {
                    let mut raw = Vec::new();
                    flate2::read::ZlibDecoder::new(data)
                        .read_to_end(&mut raw)
                        .map_err(|e| {
                            err(pos, format!("cannot decompress a compressed element: {e}"))
                        })?;
                    let inner = Reader {
                        bytes: &raw,
                        big,
                        origin,
                        context: format!("compressed element at byte {pos}, "),
                    };
                    let (ity, in_n, in_at) = inner.tag(0)?;
                    if ity != MI_MATRIX {
                        return Err(err(
                            pos,
                            format!(
                                "compressed element holds data type {ity}, expected a matrix (14)"
                            ),
                        ));
                    }
                    let in_end = in_at
                        .checked_add(in_n)
                        .filter(|&e| e <= raw.len())
                        .ok_or_else(|| {
                            err(
                                pos,
                                "compressed element: the matrix inside is truncated".into(),
                            )
                        })?;
                    variables.push(inner.matrix(in_at, in_end)?);
                    pos = end;
                }
                MI_MATRIX => {
                    let r = Reader {
                        bytes,
                        big,
                        origin,
                        context: String::new(),
                    };
                    variables.push(r.matrix(data_at, end)?);
                    pos = end + pad8(n);
                }
                other => {
                    return Err(err(pos, format!("unexpected top-level data type {other} (expected a matrix or a compressed element)")));
                }
            }
        }
        Ok(MatFile {
            variables,
            path: origin.to_path_buf(),
        })
    }

    /// A variable by name.
    pub fn get(&self, name: &str) -> Option<&MatValue> {
        self.variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// A variable by name, or an error listing the variables present.
    pub fn require(&self, name: &str) -> Result<&MatValue> {
        self.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.variables.iter().map(|(n, _)| n.as_str()).collect();
            Error::format(
                &self.path,
                "",
                format!(
                    "no variable `{name}` (the file holds: {})",
                    names.join(", ")
                ),
            )
        })
    }

    /// A numeric variable by name, or an error naming what it is instead.
    pub fn numeric(&self, name: &str) -> Result<&NumericArray> {
        match self.require(name)? {
            MatValue::Numeric(n) => Ok(n),
            other => Err(Error::format(
                &self.path,
                format!("variable `{name}`"),
                format!("expected a numeric array, found a {} array", other.kind()),
            )),
        }
    }

    /// A cell variable by name, or an error naming what it is instead.
    pub fn cell(&self, name: &str) -> Result<&CellArray> {
        match self.require(name)? {
            MatValue::Cell(c) => Ok(c),
            other => Err(Error::format(
                &self.path,
                format!("variable `{name}`"),
                format!("expected a cell array, found a {} array", other.kind()),
            )),
        }
    }
}

fn unsupported(origin: &Path, m: &str) -> Error {
    Error::new(ErrorKind::Unsupported, m).with_file(origin)
}

fn pad8(n: usize) -> usize {
    (8 - n % 8) % 8
}

struct Reader<'a> {
    bytes: &'a [u8],
    big: bool,
    origin: &'a Path,
    /// Prefix for locations inside decompressed data.
    context: String,
}

impl Reader<'_> {
    fn err(&self, at: usize, m: impl Into<String>) -> Error {
        Error::format(self.origin, format!("{}byte {at}", self.context), m)
    }

    fn u32_at(&self, at: usize) -> Result<u32> {
        let b = self
            .bytes
            .get(at..at + 4)
            .ok_or_else(|| self.err(at, "truncated data element"))?;
        let a = [b[0], b[1], b[2], b[3]];
        Ok(if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }

    /// A tag at `at`: (data type, byte count, data offset). Small elements pack the
    /// count in the upper half of the first word and their data in the second word.
    fn tag(&self, at: usize) -> Result<(u32, usize, usize)> {
        let first = self.u32_at(at)?;
        if first >> 16 != 0 {
            Ok((first & 0xffff, (first >> 16) as usize, at + 4))
        } else {
            Ok((first, self.u32_at(at + 4)? as usize, at + 8))
        }
    }

    /// A sub-element inside `[at, end)`: (type, data slice, offset of the next one).
    fn element(&self, at: usize, end: usize, what: &str) -> Result<(u32, &[u8], usize)> {
        if at + 8 > end {
            return Err(self.err(at, format!("matrix ends before its {what}")));
        }
        let (ty, n, data_at) = self.tag(at)?;
        let small = data_at == at + 4;
        let data_end = data_at
            .checked_add(n)
            .filter(|&e| e <= end)
            .ok_or_else(|| {
                self.err(
                    at,
                    format!("{what} declares {n} bytes, more than the matrix holds"),
                )
            })?;
        let next = if small { at + 8 } else { data_end + pad8(n) };
        Ok((ty, &self.bytes[data_at..data_end], next))
    }

    fn numbers(&self, ty: u32, data: &[u8], at: usize) -> Result<Vec<f64>> {
        macro_rules! conv {
            ($t:ty, $n:expr) => {
                data.chunks_exact($n)
                    .map(|c| {
                        let mut a = [0u8; $n];
                        a.copy_from_slice(c);
                        (if self.big {
                            <$t>::from_be_bytes(a)
                        } else {
                            <$t>::from_le_bytes(a)
                        }) as f64
                    })
                    .collect()
            };
        }
        Ok(match ty {
            MI_INT8 => data.iter().map(|&b| f64::from(b as i8)).collect(),
            MI_UINT8 | MI_UTF8 => data.iter().map(|&b| f64::from(b)).collect(),
            MI_INT16 => conv!(i16, 2),
            MI_UINT16 | MI_UTF16 => conv!(u16, 2),
            MI_INT32 => conv!(i32, 4),
            MI_UINT32 | MI_UTF32 => conv!(u32, 4),
            MI_SINGLE => conv!(f32, 4),
            MI_DOUBLE => conv!(f64, 8),
            MI_INT64 => conv!(i64, 8),
            MI_UINT64 => conv!(u64, 8),
            other => return Err(self.err(at, format!("data type {other} is not numeric"))),
        })
    }

    /// Parse a miMATRIX whose data spans `[at, end)`; returns (name, value).
    fn matrix(&self, at: usize, end: usize) -> Result<(String, MatValue)> {
        if at == end {
            // an empty element (e.g. an empty cell)
            return Ok((
                String::new(),
                MatValue::Numeric(NumericArray {
                    class: "double".into(),
                    dims: vec![0, 0],
                    real: vec![],
                    imag: None,
                }),
            ));
        }
        let (ty, flags, next) = self.element(at, end, "array flags")?;
        if ty != MI_UINT32 || flags.len() < 8 {
            return Err(self.err(at, "malformed array flags"));
        }
        let a = [flags[0], flags[1], flags[2], flags[3]];
        let word = if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        };
        let class = word & 0xff;
        let complex = word & 0x0800 != 0;
        let logical = word & 0x0200 != 0;
        let (ty, dims_raw, next) = self.element(next, end, "dimensions")?;
        if ty != MI_INT32 {
            return Err(self.err(
                at,
                format!("dimensions stored as data type {ty}, expected int32"),
            ));
        }
        let dims: Vec<usize> = self
            .numbers(MI_INT32, dims_raw, at)?
            .into_iter()
            .map(|d| if d < 0.0 { 0 } else { d as usize })
            .collect();
        let count = dims
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| self.err(at, "absurd dimensions"))?;
        let (ty, name_raw, mut next) = self.element(next, end, "array name")?;
        if ty != MI_INT8 && ty != MI_UINT8 {
            return Err(self.err(at, format!("array name stored as data type {ty}")));
        }
        let name = String::from_utf8_lossy(name_raw).into_owned();
        let value = match class {
            1 => {
                // each cell takes at least an 8-byte tag: the count sizes no more than that
                let mut cells = Vec::with_capacity(count.min(end.saturating_sub(next) / 8));
                for i in 0..count {
                    if next + 8 > end {
                        return Err(self.err(
                            next,
                            format!("cell array `{name}` ends after {i} of {count} cells"),
                        ));
                    }
                    let (cty, n, data_at) = self.tag(next)?;
                    if cty != MI_MATRIX {
                        return Err(self.err(
                            next,
                            format!("cell {i} of `{name}` has data type {cty}, expected a matrix"),
                        ));
                    }
                    let cend = data_at
                        .checked_add(n)
                        .filter(|&e| e <= end)
                        .ok_or_else(|| {
                            self.err(next, format!("cell {i} of `{name}` is truncated"))
                        })?;
                    cells.push(
                        self.matrix(data_at, cend)
                            .map_err(|e| e.within(format!("`{name}` cell {i}")))?
                            .1,
                    );
                    next = cend + pad8(n);
                }
                MatValue::Cell(CellArray { dims, cells })
            }
            4 => {
                let (ty, data, _) = self.element(next, end, "characters")?;
                let codes = self.numbers(ty, data, next)?;
                let chars = if ty == MI_UTF8 {
                    String::from_utf8_lossy(data).chars().collect()
                } else {
                    codes
                        .into_iter()
                        .map(|c| char::from_u32(c as u32).unwrap_or('\u{fffd}'))
                        .collect()
                };
                MatValue::Char(CharArray { dims, chars })
            }
            6..=15 => {
                let (ty, data, after) = self.element(next, end, "real part")?;
                let real = self.numbers(ty, data, next)?;
                if real.len() != count {
                    return Err(self.err(
                        next,
                        format!(
                            "`{name}` has dimensions {dims:?} ({count} values) but stores {}",
                            real.len()
                        ),
                    ));
                }
                let imag = if complex {
                    let (ty, data, _) = self.element(after, end, "imaginary part")?;
                    Some(self.numbers(ty, data, after)?)
                } else {
                    None
                };
                let class = if logical {
                    "logical"
                } else {
                    [
                        "double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32",
                        "int64", "uint64",
                    ][class as usize - 6]
                };
                MatValue::Numeric(NumericArray {
                    class: class.into(),
                    dims,
                    real,
                    imag,
                })
            }
            2 => MatValue::Unsupported("struct".into()),
            3 => MatValue::Unsupported("object".into()),
            5 => MatValue::Unsupported("sparse".into()),
            16 => MatValue::Unsupported("function handle".into()),
            17 => MatValue::Unsupported("opaque".into()),
            other => MatValue::Unsupported(format!("class {other}")),
        };
        Ok((name, value))
    }
}

/// Helpers for doctests and tests: tiny files built in memory.
#[doc(hidden)]
pub mod tests_support {
    /// A little-endian v5 file holding `x = [1 3 5; 2 4 6]` (double, uncompressed).
    pub fn tiny_double_mat() -> Vec<u8> {
        let mut v = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test".to_vec();
        v.resize(116, b' ');
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&0x0100u16.to_le_bytes());
        v.extend_from_slice(b"IM");
        let mut m = Vec::new();
        let push = |m: &mut Vec<u8>, ty: u32, data: &[u8]| {
            m.extend_from_slice(&ty.to_le_bytes());
            m.extend_from_slice(&(data.len() as u32).to_le_bytes());
            m.extend_from_slice(data);
            m.resize(m.len() + (8 - data.len() % 8) % 8, 0);
        };
        push(&mut m, 6, &[6, 0, 0, 0, 0, 0, 0, 0]);
        push(&mut m, 5, &[2, 0, 0, 0, 3, 0, 0, 0]);
        push(&mut m, 1, b"x");
        let data: Vec<u8> = (1..=6).flat_map(|i| f64::from(i).to_le_bytes()).collect();
        push(&mut m, 9, &data);
        v.extend_from_slice(&14u32.to_le_bytes());
        v.extend_from_slice(&(m.len() as u32).to_le_bytes());
        v.extend(m);
        v
    }
}
