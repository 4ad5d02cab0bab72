//! The export tables' columns, described once: [`Tables::columns`] lists every column
//! of a table with its name, type and values. The Parquet schema
//! ([`parquet`](super::parquet)), the Python binding's numpy columns and its pyarrow
//! schemas (`asmd.export.schemas()`), and [`Table::columns`] (the schema of an empty
//! table) are all generated from it, so a column added here appears everywhere.
//!
//! ```
//! use asmd::export::{ColumnType, Table, Tables};
//! let cols = Table::Beats.columns();
//! let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
//! assert_eq!(names, ["song", "source", "time", "dataset"]);
//! assert_eq!(cols[2].ty, ColumnType::Float64);
//! assert_eq!(Table::parse("notes").unwrap(), Table::Notes);
//! assert!(Table::parse("note").unwrap_err().to_string().contains("songs, notes"));
//! assert_eq!(Tables::default().rows(Table::Songs), 0);
//! ```

use crate::definition::GT_TYPES;
use crate::error::{Error, Result};
use crate::ground_truth::{PedalType, ScoreType};

use super::Tables;

/// One of the five export tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// One row per selected song.
    Songs,
    /// One row per note of each score type of each ground-truth file.
    Notes,
    /// One row per pedal event.
    Pedals,
    /// One row per score beat.
    Beats,
    /// One row per f0 frame.
    F0,
}

impl Table {
    /// Every table, in the order writers use.
    pub const ALL: [Table; 5] = [
        Table::Songs,
        Table::Notes,
        Table::Pedals,
        Table::Beats,
        Table::F0,
    ];

    /// The table's name (its folder in a Parquet export).
    pub fn name(self) -> &'static str {
        match self {
            Table::Songs => "songs",
            Table::Notes => "notes",
            Table::Pedals => "pedals",
            Table::Beats => "beats",
            Table::F0 => "f0",
        }
    }

    /// The table called `name`; an unknown name is an argument error listing the
    /// tables.
    pub fn parse(name: &str) -> Result<Table> {
        Table::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
                Error::argument(format!(
                    "unknown export table `{name}` (tables: {})",
                    names.join(", ")
                ))
            })
    }

    /// The table's columns (names, types, nullability), the `dataset` column last.
    pub fn columns(self) -> Vec<Column> {
        Tables::default()
            .columns(self)
            .into_iter()
            .map(|(column, _)| column)
            .collect()
    }
}

/// Logical type of a column (the Parquet and Arrow types follow from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// 8-bit signed integer (annotation levels).
    Int8,
    /// 16-bit signed integer (`source`).
    Int16,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit float.
    Float64,
    /// Boolean.
    Bool,
    /// UTF-8 string.
    String,
    /// List of UTF-8 strings (never null, elements never null).
    StringList,
}

impl ColumnType {
    /// Lower-case name (`int8`, `int16`, `int32`, `float64`, `bool`, `string`,
    /// `string_list`), as the Python binding reports it.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Int8 => "int8",
            ColumnType::Int16 => "int16",
            ColumnType::Int32 => "int32",
            ColumnType::Float64 => "float64",
            ColumnType::Bool => "bool",
            ColumnType::String => "string",
            ColumnType::StringList => "string_list",
        }
    }
}

/// A column's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Logical type.
    pub ty: ColumnType,
    /// Whether values may be null.
    pub nullable: bool,
}

/// A column's values, borrowed from the [`Tables`] where possible.
#[derive(Debug, Clone)]
pub enum Values<'a> {
    /// 8-bit integers.
    I8(Vec<i8>),
    /// 16-bit integers.
    I16(Vec<i16>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// Floats.
    F64(&'a [f64]),
    /// Floats or null.
    OptF64(&'a [Option<f64>]),
    /// Booleans.
    Bool(&'a [bool]),
    /// Booleans or null.
    OptBool(&'a [Option<bool>]),
    /// Strings.
    Str(Vec<&'a str>),
    /// Strings from a small closed set: `names[codes[i]]`.
    Category {
        /// Index into `names` per row.
        codes: Vec<i8>,
        /// The set.
        names: Vec<&'static str>,
    },
    /// The same string on every row.
    Constant(&'a str, usize),
    /// Lists of strings.
    StrList(&'a [Vec<String>]),
}

impl Values<'_> {
    /// The logical type and nullability of these values.
    pub fn column_type(&self) -> (ColumnType, bool) {
        match self {
            Values::I8(_) => (ColumnType::Int8, false),
            Values::I16(_) => (ColumnType::Int16, false),
            Values::I32(_) => (ColumnType::Int32, false),
            Values::F64(_) => (ColumnType::Float64, false),
            Values::OptF64(_) => (ColumnType::Float64, true),
            Values::Bool(_) => (ColumnType::Bool, false),
            Values::OptBool(_) => (ColumnType::Bool, true),
            Values::Str(_) | Values::Category { .. } | Values::Constant(..) => {
                (ColumnType::String, false)
            }
            Values::StrList(_) => (ColumnType::StringList, false),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Values::I8(v) => v.len(),
            Values::I16(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::OptF64(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::OptBool(v) => v.len(),
            Values::Str(v) => v.len(),
            Values::Category { codes, .. } => codes.len(),
            Values::Constant(_, n) => *n,
            Values::StrList(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn ids(v: &[u32]) -> Values<'static> {
    Values::I32(v.iter().map(|&x| x as i32).collect())
}

fn sources(v: &[u16]) -> Values<'static> {
    Values::I16(v.iter().map(|&x| x as i16).collect())
}

fn strs(v: &[String]) -> Values<'_> {
    Values::Str(v.iter().map(String::as_str).collect())
}

fn category<T: PartialEq>(
    v: &[T],
    all: &[T],
    name: impl Fn(&T) -> &'static str,
) -> Values<'static> {
    Values::Category {
        codes: v
            .iter()
            .map(|x| all.iter().position(|y| y == x).unwrap_or(0) as i8)
            .collect(),
        names: all.iter().map(name).collect(),
    }
}

impl Tables {
    /// Rows of `table`.
    pub fn rows(&self, table: Table) -> usize {
        match table {
            Table::Songs => self.songs.song.len(),
            Table::Notes => self.notes.song.len(),
            Table::Pedals => self.pedals.song.len(),
            Table::Beats => self.beats.song.len(),
            Table::F0 => self.f0.song.len(),
        }
    }

    /// Every column of `table`, described and with its values, in schema order (the
    /// `dataset` column last). The one list of the export's columns.
    pub fn columns(&self, table: Table) -> Vec<(Column, Values<'_>)> {
        let named: Vec<(String, Values<'_>)> = match table {
            Table::Songs => {
                let s = &self.songs;
                let mut v = vec![
                    ("song".to_string(), ids(&s.song)),
                    ("title".into(), strs(&s.title)),
                    ("composer".into(), strs(&s.composer)),
                    ("instruments".into(), Values::StrList(&s.instruments)),
                    ("groups".into(), Values::StrList(&s.groups)),
                    ("mixed".into(), Values::StrList(&s.mixed)),
                    ("sources".into(), Values::StrList(&s.sources)),
                    ("ground_truth".into(), Values::StrList(&s.ground_truth)),
                    ("duration".into(), Values::OptF64(&s.duration)),
                    ("audio_duration".into(), Values::OptF64(&s.audio_duration)),
                    ("gt_present".into(), Values::Bool(&s.gt_present)),
                ];
                v.extend(GT_TYPES.iter().enumerate().map(|(k, ty)| {
                    let levels = s
                        .gt_levels
                        .get(k)
                        .map(|l| l.iter().map(|&x| x as i8).collect())
                        .unwrap_or_default();
                    (format!("gt_{ty}"), Values::I8(levels))
                }));
                v
            }
            Table::Notes => {
                let n = &self.notes;
                vec![
                    ("song".to_string(), ids(&n.song)),
                    ("source".into(), sources(&n.source)),
                    (
                        "score_type".into(),
                        category(&n.score_type, &ScoreType::ALL, |x| x.name()),
                    ),
                    ("pitch".into(), Values::F64(&n.pitch)),
                    ("onset".into(), Values::F64(&n.onset)),
                    ("offset".into(), Values::F64(&n.offset)),
                    ("velocity".into(), Values::OptF64(&n.velocity)),
                    ("program".into(), Values::I32(n.program.clone())),
                    ("missing".into(), Values::OptBool(&n.missing)),
                    ("extra".into(), Values::OptBool(&n.extra)),
                ]
            }
            Table::Pedals => {
                let p = &self.pedals;
                vec![
                    ("song".to_string(), ids(&p.song)),
                    ("source".into(), sources(&p.source)),
                    (
                        "pedal".into(),
                        category(&p.pedal, &PedalType::ALL, |x| x.name()),
                    ),
                    ("time".into(), Values::F64(&p.time)),
                    ("value".into(), Values::F64(&p.value)),
                ]
            }
            Table::Beats => {
                let b = &self.beats;
                vec![
                    ("song".to_string(), ids(&b.song)),
                    ("source".into(), sources(&b.source)),
                    ("time".into(), Values::F64(&b.time)),
                ]
            }
            Table::F0 => {
                let f = &self.f0;
                vec![
                    ("song".to_string(), ids(&f.song)),
                    ("source".into(), sources(&f.source)),
                    (
                        "frame".into(),
                        Values::I32(f.frame.iter().map(|&x| x as i32).collect()),
                    ),
                    ("time".into(), Values::F64(&f.time)),
                    ("f0".into(), Values::F64(&f.f0)),
                ]
            }
        };
        let rows = self.rows(table);
        named
            .into_iter()
            .chain(std::iter::once((
                "dataset".to_string(),
                Values::Constant(&self.dataset, rows),
            )))
            .map(|(name, values)| {
                let (ty, nullable) = values.column_type();
                (Column { name, ty, nullable }, values)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_one_value_per_row() {
        let d = crate::Dataset::official().unwrap();
        let mut d = d;
        d.filter(&crate::FilterOptions {
            datasets: vec!["Bach10".into()],
            ..Default::default()
        })
        .unwrap();
        let t = super::super::tables(&d, &Default::default()).unwrap();
        for table in Table::ALL {
            let rows = t[0].rows(table);
            for (c, v) in t[0].columns(table) {
                assert_eq!(v.len(), rows, "{}.{}", table.name(), c.name);
            }
        }
    }

    #[test]
    fn the_names_are_unique_and_dataset_is_last() {
        for table in Table::ALL {
            let cols = table.columns();
            let mut names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names.last(), Some(&"dataset"));
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), cols.len(), "{}", table.name());
        }
        assert_eq!(Table::Songs.columns().len(), 11 + GT_TYPES.len() + 1);
    }
}
