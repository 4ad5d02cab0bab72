//! Artificial misalignment for Python: the `_Stats` class behind `asmd.alignment_stats`
//! (statistics from score/performance pairs, trained model, seeded generation) and the
//! evaluation. Matching and training run with the GIL released.

use std::path::PathBuf;
use std::time::Duration;

use asmd_py_macros::guard;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use asmd::misalign::{self, Generator, MatchOptions, Method, Model, Skipped, SongDraw, Stats};
use asmd::{GroundTruth, NoteGroup};

use crate::args::{Jobs, Seed};
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
    fn generator(&self) -> Generator {
        Generator::new(self.model.clone()).with_method(self.method)
    }

    fn song(&mut self) -> SongDraw {
        match self.song {
            Some(s) => s,
            None => {
                let s = self.generator().new_song(&mut self.rng);
                self.song = Some(s);
                s
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
    Ok(d)
}

fn array<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyAny> {
    PyArray1::from_vec(py, v).into_any()
}

#[guard]
#[pymethods]
impl PyStats {
    /// `method`: "tempo" or "histogram"; `model`: a model file (default: the shipped one).
    #[new]
    #[pyo3(signature = (method=None, model=None, seed=Seed(1992)))]
    fn new(
        py: Python<'_>,
        method: Option<&str>,
        model: Option<PathBuf>,
        seed: Seed,
    ) -> PyResult<Self> {
        let model = match model {
            Some(p) => Model::read(&p).py_err(py)?,
            None => Model::shipped().py_err(py)?,
        };
        let method = match method {
            Some(m) => m.parse::<Method>().py_err(py)?,
            None => model.method,
        };
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

    /// Add the statistics of one matched song given as aligned arrays (performance and
    /// stretched score notes of the same matched pairs).
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
        let n = pitches.len();
        if [&perf_onsets, &perf_offsets, &score_onsets, &score_offsets]
            .iter()
            .any(|v| v.len() != n)
        {
            return Err(argument(
                py,
                "add_song: every array must have the same length",
            ));
        }
        if n == 0 {
            return Err(argument(py, "add_song: no notes"));
        }
        self.stats.add_song(misalign::stats::SongStats {
            name: name.clone(),
            piece: name,
            perf_onsets,
            perf_offsets,
            pitches,
            score_onsets,
            score_offsets,
            score_fraction: 1.0,
            perf_fraction: 1.0,
            seconds: 0.0,
        });
        Ok(())
    }

    /// Train both methods on the filled statistics; the trained model replaces the
    /// current one (the method in use is kept).
    fn train_on_filled_stats(&mut self, py: Python<'_>) -> PyResult<()> {
        let st = &self.stats;
        let mut model = py.detach(|| st.train("asmd.alignment_stats")).py_err(py)?;
        model.method = self.method;
        self.model = model;
        self.song = None;
        Ok(())
    }

    /// Evaluate both methods on the filled statistics (70/30 split by piece).
    #[pyo3(signature = (seed=Seed(1992)))]
    fn evaluate(&self, py: Python<'_>, seed: Seed) -> PyResult<String> {
        let songs = &self.stats.songs;
        let ev = py.detach(|| misalign::evaluate(songs, seed.0)).py_err(py)?;
        serde_json::to_string(&ev).map_err(|e| argument(py, e.to_string()))
    }

    /// Reseed the random generator (and forget the current song draw).
    fn seed(&mut self, seed: Seed) {
        self.seed = seed.0;
        self.rng = Pcg64Mcg::seed_from_u64(seed.0);
        self.song = None;
    }

    /// Draw new song-level parameters.
    fn new_song<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.generator().new_song(&mut self.rng);
        self.song = Some(s);
        song_dict(py, &s)
    }

    /// The current song-level parameters (drawn now if none).
    fn current_song<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.song();
        song_dict(py, &s)
    }

    /// New onsets for aligned onsets, input order, not shifted.
    fn random_onsets<'py>(&mut self, py: Python<'py>, aligned: Vec<f64>) -> Bound<'py, PyAny> {
        let s = self.song();
        let v = self.generator().draw_onsets(&mut self.rng, &s, &aligned);
        array(py, v)
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
        let s = self.song();
        let v = self.generator().draw_offsets(
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
        self.generator().misalign(&mut gt, seed.0);
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
        match self.method {
            Method::Histogram => "histogram",
            Method::Tempo => "tempo",
        }
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
    /// means_dur, ons_dev, dur_dev.
    fn collected<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let s = &self.stats;
        let v = match name {
            "ons_diffs" => &s.ons_diffs,
            "dur_ratios" => &s.dur_ratios,
            "means_ons" => &s.means_ons,
            "means_dur" => &s.means_dur,
            "ons_dev" => &s.ons_dev,
            "dur_dev" => &s.dur_dev,
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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyStats>()?;
    Ok(())
}
