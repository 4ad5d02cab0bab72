//! Conversions between engine values and Python objects: ground truth <-> dict,
//! matrices -> numpy arrays (no copy: the Vec is handed to numpy).

use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use asmd::ground_truth::{IntColumns, NoteGroup, Pedal};
use asmd::score::Matrix;
use asmd::GroundTruth;

fn numbers<'py>(py: Python<'py>, v: &[f64], as_int: bool) -> PyResult<Bound<'py, PyList>> {
    if as_int && v.iter().all(|x| x.fract() == 0.0 && x.abs() < 9.0e15) {
        PyList::new(py, v.iter().map(|&x| x as i64))
    } else {
        PyList::new(py, v.iter().copied())
    }
}

fn group<'py>(py: Python<'py>, g: &NoteGroup, is_score: bool) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let ints = g.int_columns;
    if is_score || !g.beats.is_empty() {
        d.set_item(
            "beats",
            numbers(py, &g.beats, ints.contains(IntColumns::BEATS))?,
        )?;
    }
    d.set_item("notes", PyList::new(py, g.notes.iter())?)?;
    d.set_item(
        "offsets",
        numbers(py, &g.offsets, ints.contains(IntColumns::OFFSETS))?,
    )?;
    d.set_item(
        "onsets",
        numbers(py, &g.onsets, ints.contains(IntColumns::ONSETS))?,
    )?;
    d.set_item(
        "pitches",
        numbers(py, &g.pitches, ints.contains(IntColumns::PITCHES))?,
    )?;
    d.set_item(
        "velocities",
        numbers(py, &g.velocities, ints.contains(IntColumns::VELOCITIES))?,
    )?;
    Ok(d)
}

fn pedal<'py>(py: Python<'py>, p: &Pedal) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("times", numbers(py, &p.times, p.int_times)?)?;
    d.set_item("values", numbers(py, &p.values, p.int_values)?)?;
    Ok(d)
}

/// A ground truth as the dict the reference's `json.load` would give (same keys, ints
/// where the file had ints).
pub fn gt_to_dict<'py>(py: Python<'py>, gt: &GroundTruth) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("broad_alignment", group(py, &gt.broad_alignment, false)?)?;
    d.set_item("extra", PyList::new(py, gt.extra.iter())?)?;
    d.set_item("f0", PyList::new(py, gt.f0.iter())?)?;
    d.set_item("instrument", gt.instrument)?;
    d.set_item("misaligned", group(py, &gt.misaligned, false)?)?;
    d.set_item("missing", PyList::new(py, gt.missing.iter())?)?;
    d.set_item(
        "precise_alignment",
        group(py, &gt.precise_alignment, false)?,
    )?;
    d.set_item("score", group(py, &gt.score, true)?)?;
    d.set_item("soft", pedal(py, &gt.soft)?)?;
    d.set_item("sostenuto", pedal(py, &gt.sostenuto)?)?;
    d.set_item("sustain", pedal(py, &gt.sustain)?)?;
    if !gt.other.is_empty() {
        let json = py.import("json")?;
        for (k, v) in &gt.other {
            d.set_item(k, json.call_method1("loads", (v.to_string(),))?)?;
        }
    }
    Ok(d)
}

/// A matrix as a 2-D float64 numpy array (the data is moved, not copied).
pub fn matrix<'py>(py: Python<'py>, m: Matrix) -> PyResult<Bound<'py, PyAny>> {
    let arr = PyArray1::from_vec(py, m.data);
    Ok(arr.reshape([m.rows, m.cols])?.into_any())
}

/// A 1-D float64 numpy array.
pub fn vector<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyAny> {
    PyArray1::from_vec(py, v).into_any()
}

/// A 1-D bool numpy array.
pub fn bools<'py>(py: Python<'py>, v: Vec<bool>) -> Bound<'py, PyAny> {
    PyArray1::from_vec(py, v).into_any()
}

/// A JSON value (an engine report or summary) as plain Python objects: dicts, lists,
/// str, int, float, bool and None, so no front passes JSON text to `json.loads`.
pub fn json<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| json(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, json(py, x)?)?;
            }
            d.into_any()
        }
    })
}
