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

use super::{ColumnType, Table, Tables, Values};
use crate::error::{Error, ErrorKind, IoContext, Result};

/// What [`write`] wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    /// Every file, in writing order.
    pub files: Vec<PathBuf>,
    /// Rows per table over all datasets, in [`Table::ALL`] order.
    pub rows: [usize; 5],
}

/// The Parquet message type of `table`, generated from its column descriptions.
fn schema(table: Table) -> String {
    let fields: Vec<String> = table
        .columns()
        .iter()
        .map(|c| {
            let rep = if c.nullable { "optional" } else { "required" };
            let name = &c.name;
            match c.ty {
                ColumnType::Int8 => format!("{rep} int32 {name} (INTEGER(8,true));"),
                ColumnType::Int16 => format!("{rep} int32 {name} (INTEGER(16,true));"),
                ColumnType::Int32 => format!("{rep} int32 {name};"),
                ColumnType::Float64 => format!("{rep} double {name};"),
                ColumnType::Bool => format!("{rep} boolean {name};"),
                ColumnType::String => format!("{rep} binary {name} (STRING);"),
                // the standard 3-level list of required strings
                ColumnType::StringList => format!(
                    "{rep} group {name} (LIST) {{ repeated group list {{ required binary element (STRING); }} }}"
                ),
            }
        })
        .collect();
    format!("message {} {{\n{}\n}}", table.name(), fields.join("\n"))
}

type Rg<'a> = SerializedRowGroupWriter<'a, File>;

fn perr(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::new(ErrorKind::Io, format!("cannot write Parquet: {e}")).with_file(path)
}

fn write_col(rg: &mut Rg<'_>, col: &Values<'_>, path: &Path) -> Result<()> {
    let e = |x| perr(path, x);
    let mut w = rg
        .next_column()
        .map_err(e)?
        .ok_or_else(|| Error::new(ErrorKind::Io, "Parquet schema has fewer columns than data"))?;
    match col {
        Values::I8(v) => {
            let v: Vec<i32> = v.iter().map(|&x| i32::from(x)).collect();
            w.typed::<Int32Type>()
                .write_batch(&v, None, None)
                .map_err(e)?;
        }
        Values::I16(v) => {
            let v: Vec<i32> = v.iter().map(|&x| i32::from(x)).collect();
            w.typed::<Int32Type>()
                .write_batch(&v, None, None)
                .map_err(e)?;
        }
        Values::I32(v) => {
            w.typed::<Int32Type>()
                .write_batch(v, None, None)
                .map_err(e)?;
        }
        Values::F64(v) => {
            w.typed::<DoubleType>()
                .write_batch(v, None, None)
                .map_err(e)?;
        }
        Values::Bool(v) => {
            w.typed::<BoolType>()
                .write_batch(v, None, None)
                .map_err(e)?;
        }
        Values::OptF64(v) => {
            let (vals, defs) = optional(v);
            w.typed::<DoubleType>()
                .write_batch(&vals, Some(&defs), None)
                .map_err(e)?;
        }
        Values::OptBool(v) => {
            let (vals, defs) = optional(v);
            w.typed::<BoolType>()
                .write_batch(&vals, Some(&defs), None)
                .map_err(e)?;
        }
        Values::Str(v) => {
            let vals: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(*s)).collect();
            w.typed::<ByteArrayType>()
                .write_batch(&vals, None, None)
                .map_err(e)?;
        }
        Values::Category { codes, names } => {
            let vals: Vec<ByteArray> = codes
                .iter()
                .map(|&c| ByteArray::from(names.get(c as usize).copied().unwrap_or("")))
                .collect();
            w.typed::<ByteArrayType>()
                .write_batch(&vals, None, None)
                .map_err(e)?;
        }
        Values::Constant(s, n) => {
            let vals = vec![ByteArray::from(*s); *n];
            w.typed::<ByteArrayType>()
                .write_batch(&vals, None, None)
                .map_err(e)?;
        }
        Values::StrList(rows) => {
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

fn write_table(t: &Tables, table: Table, path: &Path) -> Result<()> {
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
    for (_, values) in t.columns(table) {
        write_col(&mut rg, &values, path)?;
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
        for (k, table) in Table::ALL.into_iter().enumerate() {
            let rel = PathBuf::from(table.name())
                .join(&t.dataset)
                .join("part-0.parquet");
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
