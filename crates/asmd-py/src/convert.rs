//! Conversion for Python: the process-wide converter registry (built-ins plus converters
//! registered with `@asmd.convert_from_file.convert`), running one converter, and the
//! conversion pipeline (`asmd.conversion_tool.create_gt`).
//!
//! A Python converter runs inside the Rust pipeline's worker threads: each call takes
//! the GIL, calls the function with the input path and keyword arguments, and parses
//! what it returns (ground-truth dicts, serialised to JSON on the Python side) with the
//! engine's reader, so user output is validated exactly like built-in output.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use asmd_py_macros::guard;
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::{Map, Value};

use asmd::convert::{ConvertOptions, ConverterSpec, Input, Registry};
use asmd::{Error, ErrorKind, GroundTruth};

use crate::args::{Count, Jobs, Seed};
use crate::convert_py::gt_to_dict;
use crate::error::IntoPyResult;

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(Registry::builtin()))
}

fn snapshot() -> Registry {
    registry().lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn params_from(py: Python<'_>, json: &str) -> PyResult<Map<String, Value>> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Null) => Ok(Map::new()),
        _ => Err(crate::error::to_py(
            py,
            Error::argument("converter keyword arguments must be a JSON object"),
        )),
    }
}

/// Call a Python converter: `func(path, params_json) -> None | list[str]` (JSON texts).
fn call_python(
    name: &str,
    func: &Py<PyAny>,
    path: &Path,
    params: &Map<String, Value>,
) -> asmd::Result<Option<Vec<GroundTruth>>> {
    Python::attach(|py| {
        let callback_err = |e: PyErr| {
            Error::new(
                ErrorKind::Callback,
                format!("converter `{name}` raised {e}"),
            )
            .with_file(path)
        };
        let out = func
            .call1(
                py,
                (
                    path.to_string_lossy().into_owned(),
                    Value::Object(params.clone()).to_string(),
                ),
            )
            .map_err(callback_err)?;
        if out.is_none(py) {
            return Ok(None);
        }
        let texts: Vec<String> = out.extract(py).map_err(|e| {
            Error::new(
                ErrorKind::Callback,
                format!("converter `{name}` must return a ground-truth dict, a list of them or None ({e})"),
            )
            .with_file(path)
        })?;
        texts
            .iter()
            .map(|t| GroundTruth::from_json_slice(t.as_bytes(), path))
            .collect::<asmd::Result<Vec<_>>>()
            .map(Some)
    })
}

/// Register (or replace) a Python converter under `name`.
#[guard]
#[pyfunction]
#[pyo3(signature = (name, func, extensions, no_dot=true, remove_player=false))]
fn register_converter(
    name: String,
    func: Py<PyAny>,
    extensions: Vec<String>,
    no_dot: bool,
    remove_player: bool,
) {
    let n = name.clone();
    let exts: Vec<&str> = extensions.iter().map(String::as_str).collect();
    let mut spec = ConverterSpec::new(&exts, remove_player, move |path, params| {
        call_python(&n, &func, path, params)
    });
    spec.no_dot = no_dot;
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .register(name, spec);
}

/// Names of the registered converters.
#[guard]
#[pyfunction]
fn converter_names() -> Vec<String> {
    snapshot().names().into_iter().map(str::to_string).collect()
}

/// The input file converter `name` would read for a ground-truth path (`None` if absent).
#[guard]
#[pyfunction]
fn resolve_converter_input(
    py: Python<'_>,
    name: &str,
    gt_path: PathBuf,
) -> PyResult<Option<String>> {
    let r = snapshot();
    let spec = r.require(name).py_err(py)?;
    Ok(match spec.resolve(&gt_path).py_err(py)? {
        Input::Found(p) => Some(p.to_string_lossy().into_owned()),
        Input::Absent { .. } => None,
    })
}

/// Run converter `name` for a ground-truth path: a list of ground-truth dicts, or `None`
/// when its input file is absent.
#[guard]
#[pyfunction]
#[pyo3(signature = (name, gt_path, params_json="{}"))]
fn run_converter<'py>(
    py: Python<'py>,
    name: &str,
    gt_path: PathBuf,
    params_json: &str,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let params = params_from(py, params_json)?;
    let r = snapshot();
    let (_, out) = py.detach(|| r.run(name, &gt_path, &params)).py_err(py)?;
    match out {
        None => Ok(None),
        Some(gts) => Ok(Some(PyList::new(
            py,
            gts.iter()
                .map(|g| gt_to_dict(py, g))
                .collect::<PyResult<Vec<_>>>()?,
        )?)),
    }
}

/// An empty ground truth as JSON text (the reference's `prototype_gt`).
#[guard]
#[pyfunction]
fn prototype_gt_json() -> String {
    GroundTruth::default().to_json_string()
}

/// Run the conversion pipeline; returns the summary as JSON text.
#[guard]
#[pyfunction]
#[pyo3(signature = (install_dir, definitions=None, whitelist=vec![], blacklist=vec![], archive=None, jobs=Jobs(0), force=false, seed=Seed(1002), progress=false, misalign_model=None, part=None))]
#[allow(clippy::too_many_arguments)]
fn convert_run(
    py: Python<'_>,
    install_dir: PathBuf,
    definitions: Option<Vec<PathBuf>>,
    whitelist: Vec<String>,
    blacklist: Vec<String>,
    archive: Option<PathBuf>,
    jobs: Jobs,
    force: bool,
    seed: Seed,
    progress: bool,
    misalign_model: Option<String>,
    part: Option<(Count, Count)>,
) -> PyResult<String> {
    let misalign = match misalign_model {
        Some(text) => {
            let model =
                asmd::misalign::Model::from_json_str(&text, "alignment_stats model").py_err(py)?;
            Some(asmd::misalign::Generator::new(model).hook())
        }
        None => None,
    };
    let defs = match definitions {
        None => asmd::definition::official().py_err(py)?.to_vec(),
        Some(dirs) if dirs.is_empty() => asmd::definition::official().py_err(py)?.to_vec(),
        Some(dirs) => {
            asmd::definition::load_dirs(&dirs, asmd::definition::OnInvalid::Fail).py_err(py)?
        }
    };
    let opts = ConvertOptions {
        install_dir,
        whitelist,
        blacklist,
        archive,
        jobs: jobs.0,
        force,
        progress,
        seed: seed.0,
        misalign,
        part: part.map(|(k, n)| (k.0, n.0)),
    };
    let r = snapshot();
    let summary = py
        .detach(|| asmd::convert::convert(&defs, &r, &opts))
        .py_err(py)?;
    Ok(summary.to_json().to_string())
}

/// Convert one song of a definition (given as JSON text), always rewriting its files;
/// returns the absolute paths written. A failed song raises its error.
#[guard]
#[pyfunction]
#[pyo3(signature = (definition_json, song_index, install_dir, seed, misalign_model=None))]
fn convert_song(
    py: Python<'_>,
    definition_json: &str,
    song_index: usize,
    install_dir: PathBuf,
    seed: u64,
    misalign_model: Option<String>,
) -> PyResult<Vec<PathBuf>> {
    let def =
        asmd::Definition::from_json_str(definition_json, "<conversion argument>").py_err(py)?;
    let misalign = match misalign_model {
        Some(text) => {
            let model =
                asmd::misalign::Model::from_json_str(&text, "alignment_stats model").py_err(py)?;
            Some(asmd::misalign::Generator::new(model).hook())
        }
        None => None,
    };
    let opts = ConvertOptions {
        install_dir,
        force: true,
        seed,
        misalign,
        jobs: 1,
        ..Default::default()
    };
    let r = snapshot();
    let report = py
        .detach(|| asmd::convert::convert_song(&def, song_index, &r, &opts))
        .py_err(py)?;
    if let asmd::convert::Outcome::Failed(f) = report.outcome {
        return Err(crate::error::to_py(py, f.error));
    }
    Ok(report.written)
}

/// The input path a converter derives from a ground-truth path (ASMD's `change_ext`).
#[guard]
#[pyfunction]
fn change_ext(
    py: Python<'_>,
    input_fn: PathBuf,
    new_ext: &str,
    no_dot: bool,
    remove_player: bool,
) -> PyResult<PathBuf> {
    asmd::convert::change_ext(&input_fn, new_ext, no_dot, remove_player).py_err(py)
}

/// Lower case, alphanumerics only.
#[guard]
#[pyfunction]
fn normalize_text(text: &str) -> String {
    asmd::convert::normalize_instrument_name(text)
}

/// Length of the longest common substring.
#[guard]
#[pyfunction]
fn text_similarity(a: &str, b: &str) -> usize {
    asmd::convert::text_similarity(a, b)
}

/// The 128 General-MIDI program names (pretty_midi's `INSTRUMENT_MAP`).
#[guard]
#[pyfunction]
fn gm_program_names() -> Vec<&'static str> {
    asmd::convert::GM_PROGRAM_NAMES.to_vec()
}

/// The General-MIDI program asmd gives an instrument name (128 drum kit, 255 unknown).
#[guard]
#[pyfunction]
fn instrument_program(name: &str) -> i64 {
    asmd::convert::instrument_program(name)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(convert_song, m)?)?;
    m.add_function(wrap_pyfunction!(change_ext, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_text, m)?)?;
    m.add_function(wrap_pyfunction!(text_similarity, m)?)?;
    m.add_function(wrap_pyfunction!(gm_program_names, m)?)?;
    m.add_function(wrap_pyfunction!(instrument_program, m)?)?;
    m.add_function(wrap_pyfunction!(register_converter, m)?)?;
    m.add_function(wrap_pyfunction!(converter_names, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_converter_input, m)?)?;
    m.add_function(wrap_pyfunction!(run_converter, m)?)?;
    m.add_function(wrap_pyfunction!(prototype_gt_json, m)?)?;
    m.add_function(wrap_pyfunction!(convert_run, m)?)?;
    Ok(())
}
