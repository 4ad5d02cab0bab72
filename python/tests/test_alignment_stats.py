"""asmd.alignment_stats: statistics from real ASAP score/performance MIDI pairs (a folder
and a Dataset built by converting them), training, the model file, seeded generation,
evaluation of every method, the ASMD 0.5.1 surface (get_random_*, HMMStats,
get_matching_scores, evaluate(dataset, stats), ``python -m asmd.alignment_stats``), and
create_gt(alignment_stats=...)."""

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from asmd import alignment_stats, conversion_tool
from asmd.asmd import Dataset
from asmd.errors import AsmdError

from conftest import definition, write_metadataset

REPO = Path(__file__).resolve().parents[2]
ASAP = REPO / "tests" / "fixtures" / "asap"
PAIRS = [
    ("Bach/Fugue/bwv_888", "ZhaoK01M"),
    ("Bach/Prelude/bwv_846", "Shi05M"),
    ("Bach/Prelude/bwv_866", "SOLOM02"),
]


def test_fill_from_folder_train_and_save(tmp_path):
    st = alignment_stats.TempoStats()
    assert st.fill_stats(pairs_dir=ASAP) == 3
    assert st.skipped == []
    for m in st.matched:
        assert m["score_fraction"] > 0.8 and m["perf_fraction"] > 0.8, m
        assert m["seconds"] >= 0 and m["notes"] > 100
    # the reference's collected statistics: per-song means/stds, pooled standardised values
    assert len(st.means_ons) == len(st.ons_dev) == len(st.means_dur) == 3
    assert len(st.ons_diffs) == sum(m["notes"] for m in st.matched)
    assert abs(float(np.mean(st.ons_diffs))) < 1e-9  # standardised per song
    st.train_on_filled_stats()
    assert st.model["songs"] == 3 and st.model["method"] == "tempo"
    st.save(tmp_path / "model.json")
    text = (tmp_path / "model.json").read_text()
    assert json.loads(text)["format"] == "asmd-misalignment-model"
    again = alignment_stats.Stats.load(tmp_path / "model.json")
    assert again.method == "tempo" and again.model == st.model
    with pytest.raises(AttributeError):
        st.no_such_statistic


def test_generation_is_seeded_and_well_formed():
    aligned_on = np.arange(50) * 0.25
    aligned_off = aligned_on + 0.3
    pitches = 60 + (np.arange(50) % 5)
    for cls in (
        alignment_stats.HistStats,
        alignment_stats.HMMStats,
        alignment_stats.TempoStats,
        alignment_stats.WarpStats,
    ):
        st = cls()
        st.seed(11)
        song = st.new_song()
        ons = st.get_random_onsets(aligned_on)
        offs = st.get_random_offsets(aligned_on, aligned_off, ons)
        st.seed(11)
        assert st.new_song() == song
        assert np.array_equal(st.get_random_onsets(aligned_on), ons)
        assert ons.min() == 0.0 and ons.shape == (50,) and offs.shape == (50,)
        if cls is alignment_stats.WarpStats:
            # one tempo ratio for the song, from the training range
            lo, hi = st.model["warp"]["ratio"]["range"]
            ratio = np.ptp(ons) / np.ptp(aligned_on)
            assert abs(ratio - song["ratio"]) < 1e-9 and lo <= ratio <= hi
        else:
            # the deviation is a plausible fraction of a second, not noise of seconds
            assert np.abs(ons - (aligned_on - aligned_on[np.argmin(ons)])).mean() < 2.0
        assert st.seed() == 12  # advances
        assert st.new_song() != song
        out = st.misalign(pitches, aligned_on, aligned_off, seed=3)
        same = st.misalign(pitches, aligned_on, aligned_off, seed=3)
        for k in ("onsets", "offsets", "pitches", "missing", "extra"):
            assert np.array_equal(out[k], same[k]), k
        assert np.all(np.diff(out["onsets"]) >= 0) and out["onsets"][0] == 0.0
        assert np.all(out["offsets"] - out["onsets"] >= 0.0625 - 1e-12)
        assert sorted(out["pitches"].tolist()) == sorted(pitches.tolist())
        marked = int(out["missing"].sum() + out["extra"].sum())
        assert 5 <= marked <= 25  # 10-50 % of the notes
        assert not np.any(out["missing"] & out["extra"])
        other = st.misalign(pitches, aligned_on, aligned_off, seed=4)
        assert not np.array_equal(out["onsets"], other["onsets"])


def test_errors_are_clear(tmp_path):
    st = alignment_stats.Stats()
    with pytest.raises(AsmdError, match="exactly one of"):
        st.fill_stats()
    with pytest.raises(AsmdError, match="not a folder"):
        st.fill_stats(pairs_dir=tmp_path / "nothing")
    with pytest.raises(AsmdError, match="no matched song"):
        st.train_on_filled_stats()
    with pytest.raises(AsmdError, match="2 aligned offsets"):
        st.get_random_offsets([0.0, 1.0, 2.0], [1.0, 2.0], [0.0, 1.0, 2.0])
    with pytest.raises(AsmdError, match="unknown misalignment method"):
        alignment_stats.Stats(method="nope")
    with pytest.raises(AsmdError, match="only the histogram and hmm methods"):
        alignment_stats.WarpStats().get_random_onset_diff(3)
    with pytest.raises(TypeError, match="add_data_to_histograms takes"):
        st.add_data_to_histograms([1.0])
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "asmd-misalignment-model", "version": 99}')
    with pytest.raises(AsmdError, match=r"bad\.json.*version"):
        alignment_stats.Stats(model=bad)
    with pytest.raises(TypeError):
        st.fill_stats(dataset="not a dataset")


def test_evaluate_every_method():
    ev = alignment_stats.evaluate(
        pairs_dir=ASAP, seed=1, draws=2, methods=["histogram", "warp"]
    )
    assert ev["train_songs"] + ev["test_songs"] == 3
    assert [m["method"] for m in ev["methods"]] == ["identity", "histogram", "warp"]
    assert len(ev["quantile_levels"]) == len(ev["real"]["quantiles"]["span_ratio"])
    for m in ev["methods"]:
        for k in ("onsets_mean", "onsets_std", "offsets_mean", "offsets_std"):
            assert np.isfinite(m[k]) and m[k] >= 0, m
        assert set(m["ks"]) == {
            "span_ratio",
            "local_tempo",
            "duration_ratio",
            "chord_spread",
        }
        assert all(0 <= v <= 1 for v in m["ks"].values()), m
    identity = ev["methods"][0]
    assert identity["inversion_rate"] == 0.0
    assert identity["quantiles"]["span_ratio"][0] == 1.0  # the performance itself
    assert len(ev["matched"]) == 3 and ev["skipped"] == []


def test_reference_surface_draws():
    """ASMD 0.5.1's Stats/HistStats methods, on the shipped model and on a model trained
    from bare differences (0.5.1's add_data_to_histograms(ons_diffs, dur_ratios))."""
    st = alignment_stats.HistStats()
    st.seed(5)
    for f in (
        st.get_random_onset_dev,
        st.get_random_duration_dev,
        st.get_random_mean_ons,
        st.get_random_mean_dur,
        st.get_random_onset_diff,
        st.get_random_duration_ratio,
    ):
        v = f(k=4)
        assert v.shape == (4,) and np.isfinite(v).all(), f
    # stds scaled to [-0.2, 0.2] as the reference's defaults
    assert np.all(np.abs(st.get_random_onset_dev(k=200)) <= 0.2 + 1e-12)
    st.new_song()
    d = st.get_random_durations([0.5, 1.0, 2.0])
    assert d.shape == (3,) and np.all(d > 0)
    rng = np.random.default_rng(0)
    base = alignment_stats.Stats()
    for _ in range(4):
        base.add_data_to_histograms(rng.normal(0.1, 0.3, 80), rng.normal(1.0, 0.2, 80))
    assert list(base.ons_lengths) == [80] * 4 and len(base.means_ons) == 4
    hist = alignment_stats.HistStats(stats=base).train_on_filled_stats()
    assert hist.model["songs"] == 4 and hist.get_random_onset_diff(3).shape == (3,)
    with pytest.raises(AsmdError, match="need songs with their notes"):
        alignment_stats.WarpStats(stats=base).train_on_filled_stats()


def test_hmm_stats_train_and_sample():
    # a few hundred values: the reference's 20 x 30-component HMM trains slowly in the
    # debug build the tests use
    base = alignment_stats.Stats()
    rng = np.random.default_rng(3)
    for _ in range(3):
        walk = np.cumsum(rng.normal(0, 0.1, 100))  # correlated, as onset differences
        base.add_data_to_histograms(walk, rng.lognormal(0, 0.3, 100))
    hmm = alignment_stats.HMMStats(stats=base).train_on_filled_stats()
    model = hmm.model["hmm"]
    assert len(model["onsets"]["startprob"]) == 20
    assert len(model["onsets"]["weights"][0]) == 30
    assert len(model["durations"]["startprob"]) == 2
    assert np.isclose(np.sum(model["onsets"]["transmat"][3]), 1.0)
    hmm.seed(2)
    x = hmm.get_random_onset_diff(k=500)
    assert x.shape == (500,) and np.isfinite(x).all()
    hmm.seed(2)
    assert np.array_equal(hmm.get_random_onset_diff(k=500), x)
    # standardised values: roughly centred with unit spread, and a sequence (the
    # trained walk's neighbours are close)
    assert abs(x.mean()) < 1.0 and 0.3 < x.std() < 3.0
    assert np.corrcoef(x[:-1], x[1:])[0, 1] > 0.3
    out = hmm.misalign([60, 62, 64], [0.0, 0.5, 1.0], [0.4, 0.9, 1.4], seed=1)
    assert out["onsets"][0] == 0.0


def test_evaluate_given_models_like_0_5_1():
    hist = alignment_stats.HistStats()
    warp = alignment_stats.WarpStats()
    out = alignment_stats.evaluate(pairs_dir=ASAP, stats=[hist, warp], draws=2)
    assert [r["methods"][1]["method"] for r in out] == ["histogram", "warp"]
    assert all(r["test_songs"] == 3 for r in out)
    assert out[0]["methods"][0]["method"] == "identity"


def test_module_entry_point():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "asmd.alignment_stats",
            "--pairs-dir",
            str(ASAP),
            "--draws",
            "2",
            "--methods",
            "warp,histogram",
            "--seed",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "KS (a) span" in run.stdout and "identity" in run.stdout
    assert "warp" in run.stdout and "histogram" in run.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "asmd.alignment_stats", "--pairs-dir", "/nonexistent"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert bad.returncode != 0 and "not a folder" in bad.stderr


def _asap_install(tmp_path):
    """The three ASAP pairs as a Maestro-like dataset: performance `<s>.mid` with its
    `<s>.score.mid`, converted with Maestro's real conversion entries."""
    install = tmp_path / "install"
    (install / "demo").mkdir(parents=True)
    songs = []
    for i, (folder, perf) in enumerate(PAIRS):
        shutil.copy(ASAP / folder / f"{perf}.mid", install / "demo" / f"s{i}.mid")
        shutil.copy(
            ASAP / folder / "midi_score.mid", install / "demo" / f"s{i}.score.mid"
        )
        songs.append(
            {
                "title": f"s{i}",
                "composer": "Bach",
                "instruments": ["piano"],
                "recording": {"path": [f"demo/s{i}.wav"]},
                "ground_truth": [f"demo/s{i}-0.json.gz"],
                "groups": ["asap"] if i < 2 else ["gen"],
            }
        )
    maestro = json.loads((REPO / "definitions" / "Maestro.json").read_text())
    demo = definition(
        "demo",
        songs,
        {
            "asap": {"precise_alignment": 1, "score": 1, "misaligned": 0},
            "gen": {"precise_alignment": 1, "score": 1, "misaligned": 2},
        },
        ["piano"],
        conversion=maestro["install"]["conversion"],
    )
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "demo.json").write_text(json.dumps(demo))
    meta = write_metadataset(tmp_path / "datasets.json", install)
    return install, defs, meta


def test_dataset_pairs_and_create_gt_with_alignment_stats(tmp_path):
    install, defs, meta = _asap_install(tmp_path)
    summary = conversion_tool.create_gt(
        install_dir=install, definitions=[defs], progress=False
    )
    assert summary["ok"] and summary["converted"] == 3, summary
    gen = install / "demo" / "s2-0.json.gz"
    assert (
        json.loads(gzip.open(gen).read())["misaligned"]["onsets"] == []
    )  # None: as 0.5.1

    d = Dataset(definitions=[str(defs)], metadataset_path=str(meta))
    # the reference's get_matching_scores: matched rows of the stretched score and the
    # alignment, same order and (rounded) pitches
    score, aligned = alignment_stats.get_matching_scores(d, 0)
    assert score.shape == aligned.shape and score.shape[1] == 6
    assert len(score) > 0.8 * len(d.get_score_mat(0, score_type=["precise_alignment"]))
    assert np.array_equal(score[:, 0], aligned[:, 0])
    assert abs(score[:, 1].min() - aligned[:, 1].min()) < 1.0  # stretched
    st = alignment_stats.HistStats()
    assert st.fill_stats(dataset=d) == 3
    assert {m["name"] for m in st.matched} == {f"demo/s{i}-0.json.gz" for i in range(3)}
    st.train_on_filled_stats()

    runs = []
    for _ in range(2):
        s = conversion_tool.create_gt(
            install_dir=install,
            definitions=[defs],
            progress=False,
            force=True,
            alignment_stats=st,
            seed=9,
        )
        assert s["ok"], s
        runs.append(gen.read_bytes())
    assert runs[0] == runs[1]  # same model + seed -> same bytes
    gt = json.loads(gzip.open(gen).read())
    n = len(gt["precise_alignment"]["onsets"])
    assert len(gt["misaligned"]["onsets"]) == n and len(gt["missing"]) == n
    assert (
        json.loads(gzip.open(install / "demo" / "s0-0.json.gz").read())["misaligned"][
            "onsets"
        ]
        == []
    )
    assert conversion_tool.check(gt) == 0
    # the shipped model, by True, gives other notes than the freshly trained one
    conversion_tool.create_gt(
        install_dir=install,
        definitions=[defs],
        progress=False,
        force=True,
        alignment_stats=True,
        seed=9,
    )
    assert gen.read_bytes() != runs[0]
    with pytest.raises(TypeError):
        conversion_tool.create_gt(
            install_dir=install, definitions=[defs], progress=False, alignment_stats=3
        )
