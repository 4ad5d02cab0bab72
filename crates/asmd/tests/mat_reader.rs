//! MATLAB v5 reader: files written by scipy (compressed and not) and by MATLAB
//! (Bach10), and clear errors for what it does not read.

use std::path::{Path, PathBuf};

use asmd::convert::mat::{MatFile, MatValue};
use asmd::ErrorKind;

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn check_scipy_file(path: &Path) {
    let m = MatFile::read(path).unwrap();
    // cells{1}{2} = [4 5; 70 71]
    let cells = m.cell("cells").unwrap();
    assert_eq!(cells.dims, vec![2, 1]);
    let MatValue::Cell(inner) = cells.get(0, 0).unwrap() else {
        panic!("nested cell expected")
    };
    assert_eq!(inner.dims, vec![3, 1]);
    let MatValue::Numeric(n) = inner.get(1, 0).unwrap() else {
        panic!()
    };
    assert_eq!((n.rows(), n.cols()), (2, 2));
    assert_eq!(n.row(1), vec![70.0, 71.0]);
    let MatValue::Numeric(first) = inner.get(0, 0).unwrap() else {
        panic!()
    };
    assert_eq!(first.row(1), vec![60.5, 61.0, 62.0]);
    assert_eq!(inner.get(2, 0).unwrap().dims(), &[0, 0]);
    let MatValue::Numeric(seven) = cells.get(1, 0).unwrap() else {
        panic!()
    };
    assert_eq!(seven.real, vec![7.0]);

    let big = m.numeric("big").unwrap();
    assert_eq!((big.rows(), big.cols()), (4, 5));
    assert_eq!(big.get(3, 4), 19.0);
    assert_eq!(big.get(1, 2), 7.0);
    assert_eq!(m.numeric("i16").unwrap().real, vec![-3.0, 4.0, 5.0]);
    assert_eq!(m.numeric("i16").unwrap().class, "int16");
    assert_eq!(m.numeric("u8").unwrap().real, vec![200.0, 1.0]);
    assert_eq!(m.numeric("single").unwrap().real, vec![1.5, -2.25]);
    let c = m.numeric("cplx").unwrap();
    assert_eq!(c.real, vec![1.0, 3.0]);
    assert_eq!(c.imag.as_deref(), Some(&[2.0, -4.0][..]));
    let flag = m.numeric("flag").unwrap();
    assert_eq!(
        (flag.class.as_str(), flag.real.as_slice()),
        ("logical", &[1.0, 0.0][..])
    );
    let MatValue::Char(name) = m.require("name").unwrap() else {
        panic!()
    };
    assert_eq!(name.rows(), vec!["ab".to_string(), "cd".to_string()]);

    // unsupported classes open, and fail clearly when used
    assert_eq!(m.require("sp").unwrap().kind(), "sparse");
    let e = m.numeric("sp").unwrap_err();
    assert!(
        e.to_string()
            .contains("variable `sp`: expected a numeric array, found a sparse array"),
        "{e}"
    );
    assert_eq!(m.require("s").unwrap().kind(), "struct");
    let e = m.numeric("nope").unwrap_err();
    assert!(e.to_string().contains("no variable `nope`"), "{e}");
    assert!(e.to_string().contains("cells"), "{e}");
}

#[test]
fn scipy_compressed_file() {
    check_scipy_file(&fixture("mat/scipy_compressed.mat"));
}

#[test]
fn scipy_uncompressed_file() {
    check_scipy_file(&fixture("mat/scipy_plain.mat"));
}

#[test]
fn matlab_written_bach10_notes() {
    let m = MatFile::read(fixture(
        "convert/Bach10/install/Bach10/Bach10_v1.1/01-AchGottundHerr/01-AchGottundHerr-GTNotes.mat",
    ))
    .unwrap();
    let notes = m.cell("GTNotes").unwrap();
    assert_eq!(notes.dims, vec![4, 1]);
    let MatValue::Cell(violin) = notes.get(0, 0).unwrap() else {
        panic!()
    };
    assert_eq!(violin.dims, vec![16, 1]);
    let MatValue::Numeric(first) = violin.get(0, 0).unwrap() else {
        panic!()
    };
    assert_eq!((first.rows(), first.cols()), (2, 60));
    // values checked with scipy.io.loadmat
    assert_eq!(first.get(0, 0), 73.0);
    assert_eq!(first.get(1, 0), 71.64143823779324);
}

fn header(version: u16, endian: &[u8; 2]) -> Vec<u8> {
    let mut v =
        b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: x HDF5 schema 1.00 .".to_vec();
    v.resize(116, b' ');
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&version.to_le_bytes());
    v.extend_from_slice(endian);
    v
}

#[test]
fn v73_hdf5_is_rejected_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v73.mat");
    let mut v = header(0x0200, b"IM");
    v.resize(512, 0);
    v.extend_from_slice(b"\x89HDF\r\n\x1a\n");
    std::fs::write(&p, &v).unwrap();
    let e = MatFile::read(&p).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("v7.3"), "{e}");
    assert!(e.to_string().contains("v73.mat"), "{e}");
    let e = MatFile::parse(b"\x89HDF\r\n\x1a\n\0\0\0\0", "h5.mat").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

#[test]
fn v4_and_garbage_are_rejected() {
    let mut v4 = vec![0u8, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0];
    v4.resize(200, 0);
    assert_eq!(
        MatFile::parse(&v4, "v4.mat").unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    let e = MatFile::parse(b"hello", "x.mat").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    assert!(e.to_string().contains("128-byte header"), "{e}");
}

#[test]
fn truncated_and_corrupt_elements() {
    let good = std::fs::read(fixture("mat/scipy_plain.mat")).unwrap();
    let e = MatFile::parse(&good[..good.len() - 20], "cut.mat").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    assert!(e.to_string().starts_with("cut.mat: byte "), "{e}");
    let mut bad = std::fs::read(fixture("mat/scipy_compressed.mat")).unwrap();
    let n = bad.len();
    for b in &mut bad[140..n.min(180)] {
        *b ^= 0x5a;
    }
    let e = MatFile::parse(&bad, "corrupt.mat").unwrap_err();
    assert!(e.to_string().contains("corrupt.mat"), "{e}");
}

/// A v5 file holding one array: flags (class, complex), dimensions, name, then the data
/// elements given as (MATLAB data type, bytes).
fn one_array(class: u32, complex: bool, dims: &[i32], parts: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut v = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test".to_vec();
    v.resize(116, b' ');
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&0x0100u16.to_le_bytes());
    v.extend_from_slice(b"IM");
    let push = |m: &mut Vec<u8>, ty: u32, data: &[u8]| {
        m.extend_from_slice(&ty.to_le_bytes());
        m.extend_from_slice(&(data.len() as u32).to_le_bytes());
        m.extend_from_slice(data);
        m.resize(m.len() + (8 - data.len() % 8) % 8, 0);
    };
    let mut m = Vec::new();
    let flags = class | if complex { 0x0800 } else { 0 };
    push(&mut m, 6, &[flags.to_le_bytes(), [0; 4]].concat()); // miUINT32
    let dims: Vec<u8> = dims.iter().flat_map(|d| d.to_le_bytes()).collect();
    push(&mut m, 5, &dims); // miINT32
    push(&mut m, 1, b"x"); // miINT8
    for (ty, data) in parts {
        push(&mut m, *ty, data);
    }
    v.extend_from_slice(&14u32.to_le_bytes()); // miMATRIX
    v.extend_from_slice(&(m.len() as u32).to_le_bytes());
    v.extend(m);
    v
}

/// Found by the fuzz target `mat` (fuzz/regressions/mat/): dimensions that the stored
/// data does not back are refused by the reader, so nothing downstream (`CharArray::rows`,
/// the Bach10 converters) allocates or loops by them.
#[test]
fn dimensions_must_match_the_stored_data() {
    const CHAR: u32 = 4;
    const DOUBLE: u32 = 6;
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let doubles = |x: &[f64]| -> Vec<u8> { x.iter().flat_map(|v| v.to_le_bytes()).collect() };

    // what agrees reads as before, empty arrays included
    let ok = MatFile::parse(
        &one_array(CHAR, false, &[1, 2], &[(4, utf16("ab"))]),
        "t.mat",
    );
    let MatValue::Char(c) = ok.unwrap().require("x").unwrap().clone() else {
        panic!()
    };
    assert_eq!(c.rows(), vec!["ab".to_string()]);
    let ok = MatFile::parse(
        &one_array(CHAR, false, &[1, 2], &[(16, b"ab".to_vec())]),
        "t.mat",
    );
    assert!(ok.is_ok(), "{ok:?}");
    let empty = MatFile::parse(&one_array(DOUBLE, false, &[5, 0], &[(9, vec![])]), "t.mat");
    assert_eq!(empty.unwrap().numeric("x").unwrap().rows(), 5);

    // two characters claiming 10^9 rows (once an 800 MB allocation in `rows`)
    let f = one_array(CHAR, false, &[1_000_000_000, 1], &[(4, utf16("ab"))]);
    let e = MatFile::parse(&f, "chars.mat").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    let msg = e.to_string();
    assert!(msg.starts_with("chars.mat: "), "{msg}");
    assert!(
        msg.contains("`x` has dimensions [1000000000, 1] (1000000000 characters) but stores 2"),
        "{msg}"
    );

    // an imaginary part shorter than the real one
    let f = one_array(
        DOUBLE,
        true,
        &[1, 2],
        &[(9, doubles(&[1.0, 2.0])), (9, doubles(&[3.0]))],
    );
    let e = MatFile::parse(&f, "cplx.mat").unwrap_err();
    assert!(
        e.to_string().contains("(2 imaginary values) but stores 1"),
        "{e}"
    );

    // an empty array with 10^9 rows: no data to back them
    for class in [CHAR, DOUBLE] {
        let f = one_array(class, false, &[1_000_000_000, 0], &[(9, vec![])]);
        let e = MatFile::parse(&f, "empty.mat").unwrap_err();
        assert!(
            e.to_string().contains("an empty array with dimensions"),
            "{e}"
        );
    }
}
