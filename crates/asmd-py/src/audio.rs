//! Audio for Python: decode / info functions and the dataset's audio methods. Decoding
//! runs with the GIL released; arrays are float32 numpy arrays owning the decoded data.

use std::path::PathBuf;

use asmd_py_macros::guard;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use asmd::audio::{self, AudioInfo, DecodeOptions, Quality};

use crate::args::{ItemIndex, SampleRate, SourceIndex};
use crate::dataset::PyDataset;
use crate::error::IntoPyResult;

pub fn options(
    py: Python<'_>,
    sr: Option<SampleRate>,
    start: f64,
    end: Option<f64>,
    mono: bool,
    quality: &str,
) -> PyResult<DecodeOptions> {
    Ok(DecodeOptions {
        mono,
        start,
        end,
        sample_rate: sr.map(|r| r.0),
        quality: Quality::parse(quality).py_err(py)?,
    })
}

fn array<'py>(py: Python<'py>, v: Vec<f32>) -> Bound<'py, PyAny> {
    PyArray1::from_vec(py, v).into_any()
}

fn info_dict<'py>(py: Python<'py>, i: &AudioInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("duration", i.duration)?;
    d.set_item("bitrate", i.bitrate)?;
    d.set_item("sample_rate", i.sample_rate)?;
    d.set_item("channels", i.channels)?;
    d.set_item("frames", i.frames)?;
    d.set_item("codec", &i.codec)?;
    Ok(d)
}

/// Decode a file: `(array, sr)`; mono is 1-D, else `(channels, frames)`.
#[guard]
#[pyfunction]
#[pyo3(signature = (path, sr=None, start=0.0, end=None, mono=true, quality="hq"))]
fn load<'py>(
    py: Python<'py>,
    path: PathBuf,
    sr: Option<SampleRate>,
    start: f64,
    end: Option<f64>,
    mono: bool,
    quality: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    let o = options(py, sr, start, end, mono, quality)?;
    let a = py.detach(|| audio::decode(&path, &o)).py_err(py)?;
    let (ch, frames, rate) = (a.channels, a.frames(), a.sample_rate);
    let arr = PyArray1::from_vec(py, a.samples);
    let arr = if mono {
        arr.into_any()
    } else {
        arr.reshape([ch, frames])?.into_any()
    };
    PyTuple::new(py, [arr, rate.into_pyobject(py)?.into_any()])
}

/// Header description of a file (no decoding) as a dict.
#[guard]
#[pyfunction]
fn info<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let i = py.detach(|| audio::info(&path)).py_err(py)?;
    info_dict(py, &i)
}

/// Resample a 1-D float32 signal.
#[guard]
#[pyfunction]
#[pyo3(signature = (x, orig_sr, target_sr, quality="hq"))]
fn resample<'py>(
    py: Python<'py>,
    x: Vec<f32>,
    orig_sr: SampleRate,
    target_sr: SampleRate,
    quality: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let q = Quality::parse(quality).py_err(py)?;
    let y = py
        .detach(|| audio::resample(&x, orig_sr.0, target_sr.0, q))
        .py_err(py)?;
    Ok(array(py, y))
}

/// Write planar float32 channels as a WAV file (16-bit PCM or float32).
#[guard]
#[pyfunction]
#[pyo3(signature = (path, channels, sr, float=false))]
fn write_wav(
    py: Python<'_>,
    path: PathBuf,
    channels: Vec<Vec<f32>>,
    sr: SampleRate,
    float: bool,
) -> PyResult<()> {
    let planes: Vec<&[f32]> = channels.iter().map(|c| c.as_slice()).collect();
    py.detach(|| audio::write_wav(&path, &planes, sr.0, float))
        .py_err(py)
}

#[guard]
#[pyfunction]
#[pyo3(signature = (d, idx, sr=None, start=0.0, end=None, quality="hq"))]
fn dataset_get_mix<'py>(
    py: Python<'py>,
    d: PyRef<'_, PyDataset>,
    idx: ItemIndex,
    sr: Option<SampleRate>,
    start: f64,
    end: Option<f64>,
    quality: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    let o = options(py, sr, start, end, true, quality)?;
    let (x, rate) = {
        let inner = &d.inner;
        py.detach(|| inner.get_mix(idx.0, &o))
    }
    .py_err(py)?;
    PyTuple::new(py, [array(py, x), rate.into_pyobject(py)?.into_any()])
}

#[guard]
#[pyfunction]
#[pyo3(signature = (d, idx, sr=None, start=0.0, end=None, quality="hq"))]
fn dataset_get_source<'py>(
    py: Python<'py>,
    d: PyRef<'_, PyDataset>,
    idx: ItemIndex,
    sr: Option<SampleRate>,
    start: f64,
    end: Option<f64>,
    quality: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    let o = options(py, sr, start, end, true, quality)?;
    let (s, rate) = {
        let inner = &d.inner;
        py.detach(|| inner.get_source(idx.0, &o))
    }
    .py_err(py)?;
    let list = PyList::new(py, s.into_iter().map(|x| array(py, x)))?;
    PyTuple::new(py, [list.into_any(), rate.into_pyobject(py)?.into_any()])
}

#[guard]
#[pyfunction]
#[pyo3(signature = (d, idx, sources=None, sr=None, start=0.0, end=None, quality="hq"))]
#[allow(clippy::too_many_arguments)]
fn dataset_get_audio<'py>(
    py: Python<'py>,
    d: PyRef<'_, PyDataset>,
    idx: ItemIndex,
    sources: Option<Vec<SourceIndex>>,
    sr: Option<SampleRate>,
    start: f64,
    end: Option<f64>,
    quality: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    let o = options(py, sr, start, end, true, quality)?;
    let inner = &d.inner;
    let sources: Option<Vec<usize>> = sources.map(|v| v.into_iter().map(|s| s.0).collect());
    let (x, rate) = py
        .detach(|| inner.get_audio(idx.0, sources.as_deref(), &o))
        .py_err(py)?;
    PyTuple::new(py, [array(py, x), rate.into_pyobject(py)?.into_any()])
}

#[guard]
#[pyfunction]
fn dataset_get_audio_data<'py>(
    py: Python<'py>,
    d: PyRef<'_, PyDataset>,
    idx: ItemIndex,
) -> PyResult<Bound<'py, PyList>> {
    let infos = {
        let inner = &d.inner;
        py.detach(|| inner.get_audio_data(idx.0))
    }
    .py_err(py)?;
    let items = infos
        .iter()
        .map(|i| {
            PyTuple::new(
                py,
                [
                    i.duration.into_pyobject(py)?.into_any(),
                    i.bitrate.into_pyobject(py)?.into_any(),
                    i.sample_rate.into_pyobject(py)?.into_any(),
                    i.channels.into_pyobject(py)?.into_any(),
                ],
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(info, m)?)?;
    m.add_function(wrap_pyfunction!(resample, m)?)?;
    m.add_function(wrap_pyfunction!(write_wav, m)?)?;
    m.add_function(wrap_pyfunction!(dataset_get_mix, m)?)?;
    m.add_function(wrap_pyfunction!(dataset_get_source, m)?)?;
    m.add_function(wrap_pyfunction!(dataset_get_audio, m)?)?;
    m.add_function(wrap_pyfunction!(dataset_get_audio_data, m)?)?;
    Ok(())
}
