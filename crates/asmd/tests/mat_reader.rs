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
