//! Artificial misalignment for Python: the `_Stats` class behind `asmd.alignment_stats`
//! (statistics from score/performance pairs, trained model, seeded generation), the
//! evaluation, and note matching for `get_matching_scores`. Matching, training and
//! evaluation run with the GIL released.

use std::path::PathBuf;
use std::time::Duration;

use asmd_py_macros::guard;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use asmd::misalign::evaluate::{self as eval, EvalOptions};
use asmd::misalign::{
    self, Generator, MatchNote, MatchOptions, Method, Model, Skipped, SongDraw, SongStats, Stats,
};
use asmd::{GroundTruth, NoteGroup};

use crate::args::{Count, Jobs, Seed};
use crate::dataset::PyDataset;
use crate::error::IntoPyResult;

fn argument(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    crate::error::to_py(py, asmd::Error::argument(msg.into()))
}

fn run_in_pool<T: Send>(jobs: usize, f: impl FnOnce() -> T + Send) -> asmd::Result<T> {
    if jobs == 0 {
        return Ok(f());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(asmd::limits::threads(jobs)?)
        .build()
        .map_err(|e| asmd::Error::argument(format!("cannot start {jobs} threads: {e}")))?;
    Ok(pool.install(f))
}

fn serialize<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(v).map_err(|e| argument(py, e.to_string()))?;
    crate::pyvalues::json(py, &json)
}

/// Statistics, model and random state of one misalignment generator.
#[pyclass(name = "_Stats", module = "asmd._asmd")]
pub struct PyStats {
    stats: Stats,
    skipped: Vec<Skipped>,
    model: Model,
    method: Method,
    rng: Pcg64Mcg,
    seed: u64,
    song: Option<SongDraw>,
}

impl PyStats {
    fn generator(&self, py: Python<'_>) -> PyResult<Generator> {
        Generator::new(self.model.clone())
            .with_method(self.method)
            .py_err(py)
    }

    fn song(&mut self, py: Python<'_>) -> PyResult<SongDraw> {
        match self.song {
            Some(s) => Ok(s),
            None => {
                let s = self.generator(py)?.new_song(&mut self.rng);
                self.song = Some(s);
                Ok(s)
            }
        }
    }
}

fn song_dict<'py>(py: Python<'py>, s: &SongDraw) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("ons_std", s.ons_std)?;
    d.set_item("ons_mean", s.ons_mean)?;
    d.set_item("dur_std", s.dur_std)?;
    d.set_item("dur_mean", s.dur_mean)?;
    if let Some(r) = s.ratio {
        d.set_item("ratio", r)?;
    }
    Ok(d)
}

fn array<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyAny> {
    PyArray1::from_vec(py, v).into_any()
}

fn max_value(py: Python<'_>, name: &str, v: Option<f64>) -> PyResult<Option<f64>> {
    match v {
        Some(x) if !x.is_finite() => Err(argument(py, format!("{name} must be finite, got {x}"))),
        Some(0.0) => Ok(None),
        v => Ok(v),
    }
}

#[guard]
#[pymethods]
impl PyStats {
    /// `method`: "warp", "histogram", "hmm" or "tempo" (default: the model's); `model`: a
    /// model file (default: the shipped one). The `*_max` values scale the histogram
    /// draws as in ASMD 0.5.1 (`None` or 0: no scaling).
    #[new]
    #[pyo3(signature = (method=None, model=None, seed=Seed(1992), ons_dev_max=Some(0.2), dur_dev_max=Some(0.2), mean_max_ons=None, mean_max_dur=None, ons_max=None, dur_max=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        method: Option<&str>,
        model: Option<PathBuf>,
        seed: Seed,
        ons_dev_max: Option<f64>,
        dur_dev_max: Option<f64>,
        mean_max_ons: Option<f64>,
        mean_max_dur: Option<f64>,
        ons_max: Option<f64>,
        dur_max: Option<f64>,
    ) -> PyResult<Self> {
        let mut model = match model {
            Some(p) => Model::read(&p).py_err(py)?,
            None => Model::shipped().py_err(py)?,
        };
        let method = match method {
            Some(m) => m.parse::<Method>().py_err(py)?,
            None => model.method,
        };
        let h = &mut model.histogram;
        h.ons_dev_max = max_value(py, "ons_dev_max", ons_dev_max)?;
        h.dur_dev_max = max_value(py, "dur_dev_max", dur_dev_max)?;
        h.mean_max_ons = max_value(py, "mean_max_ons", mean_max_ons)?;
        h.mean_max_dur = max_value(py, "mean_max_dur", mean_max_dur)?;
        h.ons_max = max_value(py, "ons_max", ons_max)?;
        h.dur_max = max_value(py, "dur_max", dur_max)?;
        Ok(PyStats {
            stats: Stats::default(),
            skipped: Vec::new(),
            model,
            method,
            rng: Pcg64Mcg::seed_from_u64(seed.0),
            seed: seed.0,
            song: None,
        })
    }

    /// Match the score/performance pairs of a dataset selection or of a folder of MIDI
    /// pairs (ASAP layout) and add their statistics; returns how many songs were added.
    #[pyo3(signature = (dataset=None, pairs_dir=None, timeout=20.0, jobs=Jobs(0)))]
    fn fill_stats(
        &mut self,
        py: Python<'_>,
        dataset: Option<PyRef<'_, PyDataset>>,
        pairs_dir: Option<PathBuf>,
        timeout: f64,
        jobs: Jobs,
    ) -> PyResult<usize> {
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(argument(
                py,
                format!("timeout must be positive, got {timeout}"),
            ));
        }
        let opts = MatchOptions {
            time_budget: Duration::try_from_secs_f64(timeout)
                .map_err(|_| argument(py, format!("timeout {timeout} s is out of range")))?,
            ..Default::default()
        };
        let pairs = match (&dataset, &pairs_dir) {
            (Some(d), None) => {
                let inner = &d.inner;
                py.detach(|| misalign::pairs_from_dataset(inner))
                    .py_err(py)?
            }
            (None, Some(dir)) => py.detach(|| misalign::pairs_from_dir(dir)).py_err(py)?,
            _ => {
                return Err(argument(
                    py,
                    "fill_stats needs exactly one of `dataset` and `pairs_dir`",
                ))
            }
        };
        let (st, skipped) = py
            .detach(|| run_in_pool(jobs.0, || Stats::fill(&pairs, &opts)))
            .py_err(py)?;
        let added = st.songs.len();
        for s in st.songs {
            self.stats.add_song(s);
        }
        self.skipped.extend(skipped);
        Ok(added)
    }

    /// Add the statistics of one matched song given as aligned arrays: performance and
    /// written score times of the same notes.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (name, perf_onsets, perf_offsets, score_onsets, score_offsets, pitches))]
    fn add_song(
        &mut self,
        py: Python<'_>,
        name: String,
        perf_onsets: Vec<f64>,
        perf_offsets: Vec<f64>,
        score_onsets: Vec<f64>,
        score_offsets: Vec<f64>,
        pitches: Vec<f64>,
    ) -> PyResult<()> {
        let s = SongStats::from_matched(
            &name,
            &name,
            &pitches,
            &perf_onsets,
            &perf_offsets,
            &score_onsets,
            &score_offsets,
        )
        .py_err(py)?;
        self.stats.add_song(s);
        Ok(())
    }

    /// Add one song's onset differences and duration ratios (ASMD 0.5.1's
    /// `add_data_to_histograms`): for the histogram and HMM methods only.
    fn add_diffs(
        &mut self,
        py: Python<'_>,
        ons_diffs: Vec<f64>,
        dur_ratios: Vec<f64>,
    ) -> PyResult<()> {
        self.stats.add_diffs(&ons_diffs, &dur_ratios).py_err(py)
    }

    /// Copy the filled statistics of another generator (`HistStats(stats=...)`).
    fn copy_stats_from(&mut self, other: PyRef<'_, PyStats>) {
        self.stats = other.stats.clone();
        self.skipped = other.skipped.clone();
    }

    /// Train the method in use (and the song histograms every method draws from) on the
    /// filled statistics; the trained model replaces the current one. `all`: train every
    /// method the statistics allow.
    #[pyo3(signature = (all=false))]
    fn train_on_filled_stats(&mut self, py: Python<'_>, all: bool) -> PyResult<()> {
        let st = &self.stats;
        let method = self.method;
        let h = self.model.histogram.clone();
        let mut model = py
            .detach(|| {
                if all {
                    st.train("asmd.alignment_stats")
                } else {
                    st.train_methods("asmd.alignment_stats", &[method])
                }
            })
            .py_err(py)?;
        // keep the user's scaling of the histogram draws
        model.histogram.ons_dev_max = h.ons_dev_max;
        model.histogram.dur_dev_max = h.dur_dev_max;
        model.histogram.mean_max_ons = h.mean_max_ons;
        model.histogram.mean_max_dur = h.mean_max_dur;
        model.histogram.ons_max = h.ons_max;
        model.histogram.dur_max = h.dur_max;
        model.method = method;
        self.model = model;
        self.song = None;
        Ok(())
    }

    /// Evaluate the methods on the filled statistics (70/30 split by piece): a dict.
    #[pyo3(signature = (seed=Seed(1992), draws=Count(eval::DEFAULT_DRAWS), methods=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        seed: Seed,
        draws: Count,
        methods: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let methods = match methods {
            None => Method::ALL.to_vec(),
            Some(v) => v
                .iter()
                .map(|m| m.parse::<Method>())
                .collect::<asmd::Result<Vec<_>>>()
                .py_err(py)?,
        };
        let songs = &self.stats.songs;
        let opts = EvalOptions {
            seed: seed.0,
            draws: draws.0.max(1),
            methods,
        };
        let ev = py.detach(|| eval::evaluate_with(songs, &opts)).py_err(py)?;
        serialize(py, &ev)
    }

    /// Score this generator's model and method on every song filled into `data` (no
    /// split): a dict with the real scores' summary and the rows of the identity
    /// baseline and of this method.
    #[pyo3(signature = (data, seed=Seed(1992), draws=Count(eval::DEFAULT_DRAWS)))]
    fn score_on<'py>(
        &self,
        py: Python<'py>,
        data: PyRef<'_, PyStats>,
        seed: Seed,
        draws: Count,
    ) -> PyResult<Bound<'py, PyAny>> {
        let songs = &data.stats.songs;
        if songs.is_empty() {
            return Err(argument(py, "no matched song to evaluate on"));
        }
        let model = &self.model;
        let method = self.method;
        let (real, rows) = py
            .detach(|| eval::score_methods(model, &[method], songs, seed.0, draws.0.max(1)))
            .py_err(py)?;
        let v = serde_json::json!({
            "test_songs": songs.len(),
            "seed": seed.0,
            "draws": draws.0.max(1),
            "real_inversion_rate": real.inversion_rate(),
            "methods": rows,
        });
        crate::pyvalues::json(py, &v)
    }

    /// Reseed the random generator (and forget the current song draw).
    fn seed(&mut self, seed: Seed) {
        self.seed = seed.0;
        self.rng = Pcg64Mcg::seed_from_u64(seed.0);
        self.song = None;
    }

    /// Draw new song-level parameters.
    fn new_song<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.generator(py)?.new_song(&mut self.rng);
        self.song = Some(s);
        song_dict(py, &s)
    }

    /// The current song-level parameters (drawn now if none).
    fn current_song<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.song(py)?;
        song_dict(py, &s)
    }

    /// `k` values from a song-level histogram: `onset_dev`, `duration_dev`, `mean_ons`,
    /// `mean_dur`.
    fn song_values<'py>(
        &mut self,
        py: Python<'py>,
        which: &str,
        k: Count,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = self
            .generator(py)?
            .song_values(&mut self.rng, which, k.0)
            .py_err(py)?;
        Ok(array(py, v))
    }

    /// `k` standardised onset differences (`onsets`) or duration ratios (`durations`).
    fn diffs<'py>(
        &mut self,
        py: Python<'py>,
        which: &str,
        k: Count,
    ) -> PyResult<Bound<'py, PyAny>> {
        let g = self.generator(py)?;
        let v = match which {
            "onsets" => g.onset_diffs(&mut self.rng, k.0),
            "durations" => g.duration_ratios(&mut self.rng, k.0),
            _ => Err(asmd::Error::argument(format!(
                "no differences named `{which}` (onsets, durations)"
            ))),
        }
        .py_err(py)?;
        Ok(array(py, v))
    }

    /// New onsets for aligned onsets, input order, not shifted.
    fn random_onsets<'py>(
        &mut self,
        py: Python<'py>,
        aligned: Vec<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if aligned.iter().any(|v| !v.is_finite()) {
            return Err(argument(py, "get_random_onsets: onsets must be finite"));
        }
        let s = self.song(py)?;
        let v = self.generator(py)?.draw_onsets(&mut self.rng, &s, &aligned);
        Ok(array(py, v))
    }

    /// New durations for aligned durations (input order).
    fn random_durations<'py>(
        &mut self,
        py: Python<'py>,
        durations: Vec<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let s = self.song(py)?;
        let v = self
            .generator(py)?
            .draw_durations(&mut self.rng, &s, &durations);
        Ok(array(py, v))
    }

    /// New offsets for aligned notes given their new onsets, input order.
    fn random_offsets<'py>(
        &mut self,
        py: Python<'py>,
        aligned_onsets: Vec<f64>,
        aligned_offsets: Vec<f64>,
        new_onsets: Vec<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = aligned_onsets.len();
        if aligned_offsets.len() != n || new_onsets.len() != n {
            return Err(argument(
                py,
                format!(
                    "get_random_offsets: {n} aligned onsets, {} aligned offsets and {} new onsets",
                    aligned_offsets.len(),
                    new_onsets.len()
                ),
            ));
        }
        let s = self.song(py)?;
        let v = self.generator(py)?.draw_offsets(
            &mut self.rng,
            &s,
            &aligned_onsets,
            &aligned_offsets,
            &new_onsets,
        );
        Ok(array(py, v))
    }

    /// Misalign aligned notes as the conversion does for one file with this seed:
    /// `(onsets, offsets, pitches, missing, extra)`, sorted by onset, starting at 0.
    fn misalign<'py>(
        &self,
        py: Python<'py>,
        pitches: Vec<f64>,
        onsets: Vec<f64>,
        offsets: Vec<f64>,
        seed: Seed,
    ) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let n = pitches.len();
        if onsets.len() != n || offsets.len() != n {
            return Err(argument(
                py,
                format!(
                    "misalign: {n} pitches, {} onsets and {} offsets",
                    onsets.len(),
                    offsets.len()
                ),
            ));
        }
        let mut gt = GroundTruth {
            precise_alignment: NoteGroup {
                onsets,
                offsets,
                pitches,
                ..Default::default()
            },
            ..Default::default()
        };
        self.generator(py)?.misalign(&mut gt, seed.0).py_err(py)?;
        let m = gt.misaligned;
        pyo3::types::PyTuple::new(
            py,
            [
                array(py, m.onsets),
                array(py, m.offsets),
                array(py, m.pitches),
                crate::pyvalues::bools(py, gt.missing),
                crate::pyvalues::bools(py, gt.extra),
            ],
        )
    }

    /// The model as JSON text.
    fn model_json(&self) -> String {
        let mut m = self.model.clone();
        m.method = self.method;
        m.to_json_string()
    }

    /// Write the model file.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let mut m = self.model.clone();
        m.method = self.method;
        m.write(&path).py_err(py)
    }

    /// The method in use.
    #[getter]
    fn method(&self) -> &'static str {
        self.method.name()
    }

    /// The methods the model has a part for.
    #[getter]
    fn model_methods(&self) -> Vec<&'static str> {
        self.model.methods().iter().map(|m| m.name()).collect()
    }

    /// The seed last set.
    #[getter]
    fn current_seed(&self) -> u64 {
        self.seed
    }

    /// Number of training songs of the model.
    #[getter]
    fn model_songs(&self) -> usize {
        self.model.songs
    }

    /// One of the collected statistics as an array: ons_diffs, dur_ratios, means_ons,
    /// means_dur, ons_dev, dur_dev, ons_lengths (values per song).
    fn collected<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let s = &self.stats;
        let v = match name {
            "ons_diffs" => &s.ons_diffs,
            "dur_ratios" => &s.dur_ratios,
            "means_ons" => &s.means_ons,
            "means_dur" => &s.means_dur,
            "ons_dev" => &s.ons_dev,
            "dur_dev" => &s.dur_dev,
            "ons_lengths" | "dur_lengths" => {
                return Ok(array(py, s.lengths.iter().map(|&n| n as f64).collect()))
            }
            _ => return Err(argument(py, format!("no statistic named `{name}`"))),
        };
        Ok(array(py, v.clone()))
    }

    /// Per matched song: `(name, score_fraction, perf_fraction, seconds, notes)`.
    fn matched(&self) -> Vec<(String, f64, f64, f64, usize)> {
        self.stats
            .songs
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.score_fraction,
                    s.perf_fraction,
                    s.seconds,
                    s.pitches.len(),
                )
            })
            .collect()
    }

    /// Pairs left out: `(name, reason)`.
    fn skipped(&self) -> Vec<(String, String)> {
        self.skipped
            .iter()
            .map(|s| (s.name.clone(), s.reason.clone()))
            .collect()
    }
}

/// Match the notes of a score and a performance (any order, the score stretched onto
/// the performance first): `(score indices, performance indices)` of the pairs, by
/// score index. Raises when either is empty or the time budget runs out.
#[guard]
#[pyfunction]
#[pyo3(signature = (score, perf, timeout=20.0))]
fn match_notes<'py>(
    py: Python<'py>,
    score: Vec<(f64, f64, f64)>,
    perf: Vec<(f64, f64, f64)>,
    timeout: f64,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(argument(
            py,
            format!("timeout must be positive, got {timeout}"),
        ));
    }
    let notes = |v: &[(f64, f64, f64)]| -> Vec<MatchNote> {
        v.iter()
            .map(|&(p, on, off)| MatchNote::new(p, on, off))
            .collect()
    };
    let (s, p) = (notes(&score), notes(&perf));
    if s.iter()
        .chain(&p)
        .any(|n| !(n.pitch.is_finite() && n.onset.is_finite() && n.offset.is_finite()))
    {
        return Err(argument(
            py,
            "match_notes: pitches, onsets and offsets must be finite",
        ));
    }
    let opts = MatchOptions {
        time_budget: Duration::try_from_secs_f64(timeout)
            .map_err(|_| argument(py, format!("timeout {timeout} s is out of range")))?,
        ..Default::default()
    };
    let m = py
        .detach(|| misalign::match_notes(&s, &p, &opts))
        .map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("cannot match the notes: {e}"))
        })?;
    let si: Vec<i64> = m.pairs.iter().map(|&(i, _)| i as i64).collect();
    let pi: Vec<i64> = m.pairs.iter().map(|&(_, j)| j as i64).collect();
    Ok((
        PyArray1::from_vec(py, si).into_any(),
        PyArray1::from_vec(py, pi).into_any(),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyStats>()?;
    m.add_function(wrap_pyfunction!(match_notes, m)?)?;
    Ok(())
}
