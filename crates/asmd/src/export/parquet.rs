//! Write the export [`Tables`] as Parquet, one file per table and dataset:
//!
//! ```text
//! OUT/songs/Bach10/part-0.parquet
//! OUT/notes/Bach10/part-0.parquet
//! ...                                       (songs, notes, pedals, beats, f0)
//! ```
//!
//! Every file holds a `dataset` column (its last one), so every reader keeps it with
//! its plain call, whole folder or single file: pyarrow `pq.read_table(OUT/"notes")`,
//! DuckDB `read_parquet('OUT/notes/*/*.parquet')`, polars
//! `read_parquet('OUT/notes/')`, HF `load_dataset('parquet', data_dir='OUT/notes')`
//! (which reads the files one by one and drops Hive partition columns: a
//! `dataset=<name>` folder layout lost the column there, and a column repeating a Hive
//! partition makes `pq.read_table` refuse the folder, so the folders carry no `=`).
//! Snappy-compressed; lists of strings as standard 3-level `LIST`s; nullable columns
//! as `optional`. Every table is written for every dataset, empty ones included, so
//! the schema is always discoverable. Two datasets whose names differ only in case are
//! refused (they would share a folder on macOS and Windows). The output appears
//! atomically: it is written into a temporary sibling folder and renamed at the end.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::parser::parse_message_type;

use super::Tables;
use crate::definition::GT_TYPES;
use crate::error::{Error, ErrorKind, IoContext, Result};

/// What [`write`] wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// Every file, in writing order.
    pub files: Vec<PathBuf>,
    /// Rows per table over all datasets, in [`Tables::NAMES`] order.
    pub rows: [usize; 5],
}

fn schema(table: &str) -> String {
    let list = |name: &str| {
        format!(
            "required group {name} (LIST) {{ repeated group list {{ required binary element (STRING); }} }}"
        )
    };
    let body = match table {
        "songs" => {
            let mut cols = vec![
                "required int32 song".to_string(),
                "required binary title (STRING)".into(),
                "required binary composer (STRING)".into(),
                list("instruments"),
                list("groups"),
                list("mixed"),
                list("sources"),
                list("ground_truth"),
                "optional double duration".into(),
                "optional double audio_duration".into(),
                "required boolean gt_present".into(),
            ];
            cols.extend(
                GT_TYPES
                    .iter()
                    .map(|t| format!("required int32 gt_{t} (INTEGER(8,true))")),
            );
            cols.join("\n")
        }
        "notes" => [
            "required int32 song",
            "required int32 source (INTEGER(16,true))",
            "required binary score_type (STRING)",
            "required double pitch",
            "required double onset",
            "required double offset",
            "optional double velocity",
            "required int32 program",
            "optional boolean missing",
            "optional boolean extra",
        ]
        .join("\n"),
        "pedals" => [
            "required int32 song",
            "required int32 source (INTEGER(16,true))",
            "required binary pedal (STRING)",
            "required double time",
            "required double value",
        ]
        .join("\n"),
        "beats" => [
            "required int32 song",
            "required int32 source (INTEGER(16,true))",
            "required double time",
        ]
        .join("\n"),
        _ => [
            "required int32 song",
            "required int32 source (INTEGER(16,true))",
            "required int32 frame",
            "required double time",
            "required double f0",
        ]
        .join("\n"),
    };
    // every table ends with the dataset's name
    let body = format!("{body}\nrequired binary dataset (STRING)");
    // primitive fields end with `;`, groups with their closing brace
    let body: Vec<String> = body
        .lines()
        .map(|l| {
            if l.ends_with('}') {
                l.to_string()
            } else {
                format!("{l};")
            }
        })
        .collect();
    format!("message {table} {{\n{}\n}}", body.join("\n"))
}

type Rg<'a> = SerializedRowGroupWriter<'a, File>;

fn perr(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::new(ErrorKind::Io, format!("cannot write Parquet: {e}")).with_file(path)
}

/// One column of a row group, in schema order.
enum Col<'a> {
    I32(Vec<i32>),
    F64(&'a [f64]),
    OptF64(&'a [Option<f64>]),
    OptBool(&'a [Option<bool>]),
    Bool(&'a [bool]),
    Str(Vec<&'a str>),
    StrList(&'a [Vec<String>]),
}

fn write_col(rg: &mut Rg<'_>, col: &Col<'_>, path: &Path) -> Result<()> {
    let e = |x| perr(path, x);
    let mut w = rg
        .next_column()
        .map_err(e)?
        .ok_or_else(|| Error::new(ErrorKind::Io, "Parquet schema has fewer columns than data"))?;
    match col {
        Col::I32(v) => {
            w.typed::<Int32Type>()
                .write_batch(v, None, None)
                .map_err(e)?;
        }
        Col::F64(v) => {
            w.typed::<DoubleType>()
                .write_batch(v, None, None)
                .map_err(e)?;
        }
        Col::Bool(v) => {
            w.typed::<BoolType>()
                .write_batch(v, None, None)
                .map_err(e)?;
        }
        Col::OptF64(v) => {
            let (vals, defs) = optional(v);
            w.typed::<DoubleType>()
                .write_batch(&vals, Some(&defs), None)
                .map_err(e)?;
        }
        Col::OptBool(v) => {
            let (vals, defs) = optional(v);
            w.typed::<BoolType>()
                .write_batch(&vals, Some(&defs), None)
                .map_err(e)?;
        }
        Col::Str(v) => {
            let vals: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(*s)).collect();
            w.typed::<ByteArrayType>()
                .write_batch(&vals, None, None)
                .map_err(e)?;
        }
        Col::StrList(rows) => {
            // required list of required strings: def 0 = empty list, 1 = an element;
            // rep 0 starts a row, 1 continues its list
            let mut vals = Vec::new();
            let (mut defs, mut reps) = (Vec::new(), Vec::new());
            for row in rows.iter() {
                if row.is_empty() {
                    defs.push(0);
                    reps.push(0);
                }
                for (k, s) in row.iter().enumerate() {
                    vals.push(ByteArray::from(s.as_str()));
                    defs.push(1);
                    reps.push(i16::from(k > 0));
                }
            }
            w.typed::<ByteArrayType>()
                .write_batch(&vals, Some(&defs), Some(&reps))
                .map_err(e)?;
        }
    }
    w.close().map_err(e)?;
    Ok(())
}

fn optional<T: Copy>(v: &[Option<T>]) -> (Vec<T>, Vec<i16>) {
    let vals = v.iter().flatten().copied().collect();
    let defs = v.iter().map(|x| i16::from(x.is_some())).collect();
    (vals, defs)
}

fn ids(v: &[u32]) -> Vec<i32> {
    v.iter().map(|&x| x as i32).collect()
}

fn small(v: &[u16]) -> Vec<i32> {
    v.iter().map(|&x| i32::from(x)).collect()
}

fn columns<'a>(t: &'a Tables, table: &str) -> Vec<Col<'a>> {
    let mut cols = table_columns(t, table);
    cols.push(Col::Str(vec![t.dataset.as_str(); t.rows(table)]));
    cols
}

fn table_columns<'a>(t: &'a Tables, table: &str) -> Vec<Col<'a>> {
    match table {
        "songs" => {
            let s = &t.songs;
            let mut cols = vec![
                Col::I32(ids(&s.song)),
                Col::Str(s.title.iter().map(String::as_str).collect()),
                Col::Str(s.composer.iter().map(String::as_str).collect()),
                Col::StrList(&s.instruments),
                Col::StrList(&s.groups),
                Col::StrList(&s.mixed),
                Col::StrList(&s.sources),
                Col::StrList(&s.ground_truth),
                Col::OptF64(&s.duration),
                Col::OptF64(&s.audio_duration),
                Col::Bool(&s.gt_present),
            ];
            for k in 0..GT_TYPES.len() {
                let levels = s.gt_levels.get(k).map(|l| l.as_slice()).unwrap_or(&[]);
                cols.push(Col::I32(levels.iter().map(|&x| i32::from(x)).collect()));
            }
            cols
        }
        "notes" => {
            let n = &t.notes;
            vec![
                Col::I32(ids(&n.song)),
                Col::I32(small(&n.source)),
                Col::Str(n.score_type.iter().map(|s| s.name()).collect()),
                Col::F64(&n.pitch),
                Col::F64(&n.onset),
                Col::F64(&n.offset),
                Col::OptF64(&n.velocity),
                Col::I32(n.program.clone()),
                Col::OptBool(&n.missing),
                Col::OptBool(&n.extra),
            ]
        }
        "pedals" => {
            let p = &t.pedals;
            vec![
                Col::I32(ids(&p.song)),
                Col::I32(small(&p.source)),
                Col::Str(p.pedal.iter().map(|x| x.name()).collect()),
                Col::F64(&p.time),
                Col::F64(&p.value),
            ]
        }
        "beats" => {
            let b = &t.beats;
            vec![
                Col::I32(ids(&b.song)),
                Col::I32(small(&b.source)),
                Col::F64(&b.time),
            ]
        }
        _ => {
            let f = &t.f0;
            vec![
                Col::I32(ids(&f.song)),
                Col::I32(small(&f.source)),
                Col::I32(f.frame.iter().map(|&x| x as i32).collect()),
                Col::F64(&f.time),
                Col::F64(&f.f0),
            ]
        }
    }
}

fn write_table(t: &Tables, table: &str, path: &Path) -> Result<()> {
    let e = |x| perr(path, x);
    let schema = Arc::new(parse_message_type(&schema(table)).map_err(e)?);
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("asmd {}", env!("CARGO_PKG_VERSION")))
            .build(),
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_path(dir)?;
    }
    let file = File::create(path).with_path(path)?;
    let mut w = SerializedFileWriter::new(file, schema, props).map_err(e)?;
    let mut rg = w.next_row_group().map_err(e)?;
    for col in columns(t, table) {
        write_col(&mut rg, &col, path)?;
    }
    rg.close().map_err(e)?;
    w.close().map_err(e)?;
    Ok(())
}

/// Write `tables` under `out` (see the module documentation). `out` must not exist,
/// or be an empty folder, unless `overwrite`, which replaces it only once the new
/// export is complete. On error nothing is left behind.
pub fn write(tables: &[Tables], out: &Path, overwrite: bool) -> Result<Written> {
    if out.exists() {
        let empty = out.is_dir() && std::fs::read_dir(out).with_path(out)?.next().is_none();
        if !empty && !overwrite {
            return Err(Error::new(
                ErrorKind::Argument,
                "already exists and is not empty (choose another folder or overwrite)",
            )
            .with_file(out));
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_path(&parent)?;
    let tmp = tempfile::Builder::new()
        .prefix(".asmd-export-")
        .tempdir_in(&parent)
        .with_path(&parent)?;
    for (i, t) in tables.iter().enumerate() {
        if let Some(o) = tables[..i]
            .iter()
            .find(|o| o.dataset.to_lowercase() == t.dataset.to_lowercase())
        {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "datasets `{}` and `{}` would share the folder of one table on file systems that ignore case; rename one of them",
                    o.dataset, t.dataset
                ),
            )
            .with_file(out));
        }
    }
    let mut written = Written::default();
    for t in tables {
        for (k, table) in Tables::NAMES.iter().enumerate() {
            let rel = PathBuf::from(table).join(&t.dataset).join("part-0.parquet");
            write_table(t, table, &tmp.path().join(&rel))?;
            written.rows[k] += t.rows(table);
            written.files.push(out.join(rel));
        }
    }
    let staged = tmp.keep();
    if out.exists() {
        let old = parent.join(format!(".asmd-export-old-{}", std::process::id()));
        std::fs::rename(out, &old).with_path(out)?;
        if let Err(e) = std::fs::rename(&staged, out) {
            let _ = std::fs::rename(&old, out);
            let _ = std::fs::remove_dir_all(&staged);
            return Err(Error::io(out, e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else if let Err(e) = std::fs::rename(&staged, out) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::io(out, e));
    }
    Ok(written)
}
