//! `asmd.export`: the export tables as numpy columns (for pyarrow) and the Parquet
//! writer.

use asmd_py_macros::guard;
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use asmd::export::{self, ExportOptions, Tables};

use crate::args::{Bytes, ItemIndex, Pixels, SampleRate, Seed};
use crate::dataset::PyDataset;
use crate::error::IntoPyResult;

/// Nullable floats as (values with NaN for null, validity mask).
fn opt_f64<'py>(py: Python<'py>, v: &[Option<f64>]) -> PyResult<Bound<'py, PyAny>> {
    let vals: Vec<f64> = v.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
    let valid: Vec<bool> = v.iter().map(Option::is_some).collect();
    Ok((vals.into_pyarray(py), valid.into_pyarray(py))
        .into_pyobject(py)?
        .into_any())
}

fn opt_bool<'py>(py: Python<'py>, v: &[Option<bool>]) -> PyResult<Bound<'py, PyAny>> {
    let vals: Vec<bool> = v.iter().map(|x| x.unwrap_or(false)).collect();
    let valid: Vec<bool> = v.iter().map(Option::is_some).collect();
    Ok((vals.into_pyarray(py), valid.into_pyarray(py))
        .into_pyobject(py)?
        .into_any())
}

fn u16s(v: &[u16]) -> Vec<i16> {
    v.iter().map(|&x| x as i16).collect()
}

fn i32s(v: &[u32]) -> Vec<i32> {
    v.iter().map(|&x| x as i32).collect()
}

fn tables_dict<'py>(py: Python<'py>, t: &Tables) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("dataset", &t.dataset)?;

    let s = PyDict::new(py);
    s.set_item("song", i32s(&t.songs.song).into_pyarray(py))?;
    s.set_item("title", PyList::new(py, &t.songs.title)?)?;
    s.set_item("composer", PyList::new(py, &t.songs.composer)?)?;
    for (name, v) in [
        ("instruments", &t.songs.instruments),
        ("groups", &t.songs.groups),
        ("mixed", &t.songs.mixed),
        ("sources", &t.songs.sources),
        ("ground_truth", &t.songs.ground_truth),
    ] {
        s.set_item(name, PyList::new(py, v)?)?;
    }
    s.set_item("duration", opt_f64(py, &t.songs.duration)?)?;
    s.set_item("audio_duration", opt_f64(py, &t.songs.audio_duration)?)?;
    s.set_item("gt_present", t.songs.gt_present.clone().into_pyarray(py))?;
    for (k, ty) in asmd::definition::GT_TYPES.iter().enumerate() {
        let levels: Vec<i8> = t
            .songs
            .gt_levels
            .get(k)
            .map(|l| l.iter().map(|&x| x as i8).collect())
            .unwrap_or_default();
        s.set_item(format!("gt_{ty}"), levels.into_pyarray(py))?;
    }
    out.set_item("songs", s)?;

    let n = &t.notes;
    let d = PyDict::new(py);
    d.set_item("song", i32s(&n.song).into_pyarray(py))?;
    d.set_item("source", u16s(&n.source).into_pyarray(py))?;
    let codes: Vec<i8> = n
        .score_type
        .iter()
        .map(|st| {
            asmd::ScoreType::ALL
                .iter()
                .position(|x| x == st)
                .unwrap_or(0) as i8
        })
        .collect();
    let names: Vec<&str> = asmd::ScoreType::ALL.iter().map(|x| x.name()).collect();
    d.set_item("score_type", (codes.into_pyarray(py), names))?;
    d.set_item("pitch", n.pitch.clone().into_pyarray(py))?;
    d.set_item("onset", n.onset.clone().into_pyarray(py))?;
    d.set_item("offset", n.offset.clone().into_pyarray(py))?;
    d.set_item("velocity", opt_f64(py, &n.velocity)?)?;
    d.set_item("program", n.program.clone().into_pyarray(py))?;
    d.set_item("missing", opt_bool(py, &n.missing)?)?;
    d.set_item("extra", opt_bool(py, &n.extra)?)?;
    out.set_item("notes", d)?;

    let p = &t.pedals;
    let d = PyDict::new(py);
    d.set_item("song", i32s(&p.song).into_pyarray(py))?;
    d.set_item("source", u16s(&p.source).into_pyarray(py))?;
    let codes: Vec<i8> = p
        .pedal
        .iter()
        .map(|x| {
            asmd::ground_truth::PedalType::ALL
                .iter()
                .position(|y| y == x)
                .unwrap_or(0) as i8
        })
        .collect();
    let names: Vec<&str> = asmd::ground_truth::PedalType::ALL
        .iter()
        .map(|x| x.name())
        .collect();
    d.set_item("pedal", (codes.into_pyarray(py), names))?;
    d.set_item("time", p.time.clone().into_pyarray(py))?;
    d.set_item("value", p.value.clone().into_pyarray(py))?;
    out.set_item("pedals", d)?;

    let b = &t.beats;
    let d = PyDict::new(py);
    d.set_item("song", i32s(&b.song).into_pyarray(py))?;
    d.set_item("source", u16s(&b.source).into_pyarray(py))?;
    d.set_item("time", b.time.clone().into_pyarray(py))?;
    out.set_item("beats", d)?;

    let f = &t.f0;
    let d = PyDict::new(py);
    d.set_item("song", i32s(&f.song).into_pyarray(py))?;
    d.set_item("source", u16s(&f.source).into_pyarray(py))?;
    d.set_item("frame", i32s(&f.frame).into_pyarray(py))?;
    d.set_item("time", f.time.clone().into_pyarray(py))?;
    d.set_item("f0", f.f0.clone().into_pyarray(py))?;
    out.set_item("f0", d)?;
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

/// Write the selection as Parquet under `out`; returns rows per table (JSON text).
#[guard]
#[pyfunction]
#[pyo3(signature = (dataset, out, overwrite=false, audio_durations=true, require_gt=false))]
fn export_parquet(
    py: Python<'_>,
    dataset: PyRef<'_, PyDataset>,
    out: std::path::PathBuf,
    overwrite: bool,
    audio_durations: bool,
    require_gt: bool,
) -> PyResult<String> {
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
    let rows: serde_json::Map<String, serde_json::Value> = Tables::NAMES
        .iter()
        .zip(written.rows)
        .map(|(n, r)| (n.to_string(), serde_json::json!(r)))
        .collect();
    Ok(serde_json::json!({"rows": rows, "files": written.files}).to_string())
}

/// Write WebDataset shards under `out`; returns the report as JSON text.
#[guard]
#[pyfunction]
#[pyo3(signature = (dataset, out, sr=None, max_shard_bytes=Bytes(1_000_000_000), seed=None, score_type=vec![], float=false, quality="hq", progress=false))]
#[allow(clippy::too_many_arguments)]
fn export_shards(
    py: Python<'_>,
    dataset: PyRef<'_, PyDataset>,
    out: std::path::PathBuf,
    sr: Option<SampleRate>,
    max_shard_bytes: Bytes,
    seed: Option<Seed>,
    score_type: Vec<String>,
    float: bool,
    quality: &str,
    progress: bool,
) -> PyResult<String> {
    let mut opts = export::ShardOptions {
        sample_rate: sr.map(|r| r.0),
        quality: asmd::audio::Quality::parse(quality).py_err(py)?,
        max_shard_bytes: max_shard_bytes.0,
        seed: seed.map(|s| s.0),
        float,
        progress,
        ..Default::default()
    };
    if !score_type.is_empty() {
        opts.score_type = crate::dataset::score_types(py, score_type)?;
    }
    let d = &dataset.inner;
    let r = py
        .detach(|| export::write_shards(d, &out, &opts))
        .py_err(py)?;
    Ok(serde_json::json!({
        "shards": r.shards, "samples": r.samples, "resumed": r.resumed,
        "skipped": r.skipped.iter().map(|(k, why)| serde_json::json!({"key": k, "reason": why})).collect::<Vec<_>>(),
    })
    .to_string())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(export_shards, m)?)?;
    m.add_function(wrap_pyfunction!(export_columns, m)?)?;
    m.add_function(wrap_pyfunction!(export_parquet, m)?)?;
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
