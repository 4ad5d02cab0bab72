//! `asmd.export`: the export tables as numpy columns (for pyarrow) and the Parquet
//! writer.

use asmd_py_macros::guard;
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use asmd::export::{self, ExportOptions, Table, Tables, Values};

use crate::args::{Bytes, ItemIndex, Pixels, SampleRate, Seed};
use crate::dataset::PyDataset;
use crate::error::IntoPyResult;

/// One column as Python values: numpy arrays; nullable ones as `(values, valid)` (NaN
/// or false where null); categorical ones as `(codes, names)`; strings and lists of
/// strings as lists.
fn values<'py>(py: Python<'py>, v: &Values<'_>) -> PyResult<Bound<'py, PyAny>> {
    fn masked<'py, T: Copy + numpy::Element>(
        py: Python<'py>,
        v: &[Option<T>],
        null: T,
    ) -> PyResult<Bound<'py, PyAny>> {
        let vals: Vec<T> = v.iter().map(|x| x.unwrap_or(null)).collect();
        let valid: Vec<bool> = v.iter().map(Option::is_some).collect();
        Ok((vals.into_pyarray(py), valid.into_pyarray(py))
            .into_pyobject(py)?
            .into_any())
    }
    Ok(match v {
        Values::I8(x) => x.clone().into_pyarray(py).into_any(),
        Values::I16(x) => x.clone().into_pyarray(py).into_any(),
        Values::I32(x) => x.clone().into_pyarray(py).into_any(),
        Values::F64(x) => x.to_vec().into_pyarray(py).into_any(),
        Values::Bool(x) => x.to_vec().into_pyarray(py).into_any(),
        Values::OptF64(x) => masked(py, x, f64::NAN)?,
        Values::OptBool(x) => masked(py, x, false)?,
        Values::Str(x) => PyList::new(py, x)?.into_any(),
        Values::Category { codes, names } => (codes.clone().into_pyarray(py), names.clone())
            .into_pyobject(py)?
            .into_any(),
        Values::Constant(s, n) => PyList::new(py, vec![*s; *n])?.into_any(),
        Values::StrList(x) => PyList::new(py, *x)?.into_any(),
    })
}

/// `{"dataset": name, table: {column: values}}` for one dataset's tables.
fn tables_dict<'py>(py: Python<'py>, t: &Tables) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("dataset", &t.dataset)?;
    for table in Table::ALL {
        let d = PyDict::new(py);
        for (column, v) in t.columns(table) {
            d.set_item(column.name, values(py, &v)?)?;
        }
        out.set_item(table.name(), d)?;
    }
    Ok(out)
}

/// Every table's columns as `{table: [(name, type, nullable)]}` (types: `int8`,
/// `int16`, `int32`, `float64`, `bool`, `string`, `string_list`), the `dataset` column
/// last: what `asmd.export.schemas()` builds the pyarrow schemas from.
#[guard]
#[pyfunction]
fn export_schema(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    for table in Table::ALL {
        let cols: Vec<(String, &str, bool)> = table
            .columns()
            .into_iter()
            .map(|c| (c.name, c.ty.name(), c.nullable))
            .collect();
        out.set_item(table.name(), cols)?;
    }
    Ok(out)
}

/// The selection's tables, one dict per dataset (columns as numpy arrays; nullable
/// columns as `(values, valid)`; categorical ones as `(codes, names)`).
#[guard]
#[pyfunction]
#[pyo3(signature = (dataset, audio_durations=true, require_gt=false))]
fn export_columns<'py>(
    py: Python<'py>,
    dataset: PyRef<'py, PyDataset>,
    audio_durations: bool,
    require_gt: bool,
) -> PyResult<Bound<'py, PyList>> {
    let opts = ExportOptions {
        audio_durations,
        require_gt,
    };
    let d = &dataset.inner;
    let tables = py.detach(|| export::tables(d, &opts)).py_err(py)?;
    let items: Vec<Bound<'py, PyDict>> = tables
        .iter()
        .map(|t| tables_dict(py, t))
        .collect::<PyResult<_>>()?;
    PyList::new(py, items)
}

/// Write the selection as Parquet under `out`; returns `{"rows": {table: n}, "files":
/// [paths]}`.
#[guard]
#[pyfunction]
#[pyo3(signature = (dataset, out, overwrite=false, audio_durations=true, require_gt=false))]
fn export_parquet<'py>(
    py: Python<'py>,
    dataset: PyRef<'py, PyDataset>,
    out: std::path::PathBuf,
    overwrite: bool,
    audio_durations: bool,
    require_gt: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = ExportOptions {
        audio_durations,
        require_gt,
    };
    let d = &dataset.inner;
    let written = py
        .detach(|| -> asmd::Result<_> {
            let tables = export::tables(d, &opts)?;
            export::parquet::write(&tables, &out, overwrite)
        })
        .py_err(py)?;
    let rows = PyDict::new(py);
    for (table, n) in Table::ALL.iter().zip(written.rows) {
        rows.set_item(table.name(), n)?;
    }
    let out = PyDict::new(py);
    out.set_item("rows", rows)?;
    out.set_item("files", written.files)?;
    Ok(out)
}

/// Write WebDataset shards under `out`; returns the report as a dict.
#[guard]
#[pyfunction]
#[pyo3(signature = (dataset, out, sr=None, max_shard_bytes=Bytes(1_000_000_000), seed=None, score_type=vec![], float=false, quality="hq", progress=false, skip_missing=false))]
#[allow(clippy::too_many_arguments)]
fn export_shards<'py>(
    py: Python<'py>,
    dataset: PyRef<'py, PyDataset>,
    out: std::path::PathBuf,
    sr: Option<SampleRate>,
    max_shard_bytes: Bytes,
    seed: Option<Seed>,
    score_type: Vec<String>,
    float: bool,
    quality: &str,
    progress: bool,
    skip_missing: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let mut opts = export::ShardOptions {
        sample_rate: sr.map(|r| r.0),
        quality: asmd::audio::Quality::parse(quality).py_err(py)?,
        max_shard_bytes: max_shard_bytes.0,
        seed: seed.map(|s| s.0),
        float,
        progress,
        skip_missing,
        ..Default::default()
    };
    if !score_type.is_empty() {
        opts.score_type = crate::dataset::score_types(py, score_type)?;
    }
    let d = &dataset.inner;
    let r = py
        .detach(|| export::write_shards(d, &out, &opts))
        .py_err(py)?;
    crate::pyvalues::json(
        py,
        &serde_json::json!({
            "shards": r.shards, "samples": r.samples, "resumed": r.resumed,
            "skipped": r.skipped.iter().map(|(k, why)| serde_json::json!({"key": k, "reason": why})).collect::<Vec<_>>(),
        }),
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(export_shards, m)?)?;
    m.add_function(wrap_pyfunction!(export_columns, m)?)?;
    m.add_function(wrap_pyfunction!(export_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(export_schema, m)?)?;
    Ok(())
}

/// Draw item `idx` into `out` (.png or .svg).
#[guard]
#[pyfunction]
#[pyo3(signature = (dataset, idx, out, types=None, waveform=false, width=Pixels(1600), height=Pixels(900), start=0.0, end=None, overlay=false, color_by="type"))]
#[allow(clippy::too_many_arguments)]
fn plot_song(
    py: Python<'_>,
    dataset: PyRef<'_, PyDataset>,
    idx: ItemIndex,
    out: std::path::PathBuf,
    types: Option<Vec<String>>,
    waveform: bool,
    width: Pixels,
    height: Pixels,
    start: f64,
    end: Option<f64>,
    overlay: bool,
    color_by: &str,
) -> PyResult<()> {
    let defaults = asmd::plot::PlotOptions::default();
    let opts = asmd::plot::PlotOptions {
        types: match types {
            Some(t) => crate::dataset::score_types(py, t)?,
            None => defaults.types,
        },
        overlay,
        color_by: asmd::plot::ColorBy::parse(color_by).py_err(py)?,
        waveform,
        width: width.0,
        height: height.0,
        start,
        end,
    };
    let d = &dataset.inner;
    py.detach(|| asmd::plot::plot_song(d, idx.0, &opts, &out))
        .py_err(py)
}

pub fn register_plot(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(plot_song, m)?)
}
