"""ASMD 0.5.1's public names, called as 0.5.1 code calls them, with values compared to
what 0.5.1 returns for the same inputs (tests/fixtures/compat/expected.json, written by
tests/fixtures/compat/make_expected.py with the reference harness).

The installed tree is the golden replica of the official collection
(tests/fixtures/golden: ground truth written by 0.5.1)."""

import copy
import gzip
import hashlib
import inspect
import json
import random
from collections import deque
from pathlib import Path

import numpy as np
import pytest

from asmd import asmd, conversion_tool as ct, convert_from_file as cff
from asmd import dataset_utils as du, utils
from asmd.errors import AsmdArgumentError

REPO = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((REPO / "tests/fixtures/compat/expected.json").read_text())
FIX = REPO / "crates/asmd/tests/fixtures"
ALL_TYPES = ["precise_alignment", "broad_alignment", "score"]


def sha(a):
    return hashlib.sha256(
        np.ascontiguousarray(np.asarray(a, dtype="<f8")).tobytes()
    ).hexdigest()


@pytest.fixture()
def g(golden):
    return asmd.Dataset([golden["definitions"]], metadataset_path=golden["metadataset"])


# ------------------------------------------------------------------ asmd.asmd


def test_module_names_of_asmd_asmd():
    assert asmd.filter is du.filter
    assert asmd.chose_score_type is du.chose_score_type
    assert asmd.utils is utils
    assert Path(asmd.THISDIR) == Path(asmd.__file__).resolve().parent
    assert asmd.OFFICIAL == str(Path(asmd.THISDIR) / "definitions")
    from asmd.idiot import THISDIR

    assert THISDIR == asmd.THISDIR
    # the wheel ships the paper's top-level name too
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'python-packages = ["audioscoredataset"]' in pyproject
    # the old layout of git-submodule checkouts (ASMD <= 0.3)
    with pytest.warns(DeprecationWarning):
        from asmd.asmd import audioscoredataset
    assert audioscoredataset.Dataset is asmd.Dataset
    from asmd.asmd.audioscoredataset import Dataset

    assert Dataset is asmd.Dataset


def test_old_constructor_keywords_and_get_pedaling(golden):
    d = asmd.Dataset(paths=[golden["definitions"]], metadataset=golden["metadataset"])
    assert len(d) == EXPECTED["golden_len"]
    i = EXPECTED["pedaling"]["idx"]
    assert d.paths[i][2][0].startswith("Maestro/")
    frames = d.get_pedaling(i, frame_based=True)
    # 0.5.1 loses controls earlier than ~18 ms (asmd clamps them): frames 5+ compared
    assert sha(frames[0][5:]) == EXPECTED["pedaling"]["frames"]
    for a, b in zip(frames, d.get_pedaling_mat(i, frame_based=True)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError):
        asmd.Dataset(definitions=[golden["definitions"]], paths=[golden["definitions"]])


def test_negative_indices_count_from_the_end(g):
    for i, exp in EXPECTED["negative"].items():
        i = int(i)
        assert g.paths[i][2] == exp["gts_path"]
        assert sha(du.get_score_mat(g, i, ALL_TYPES)) == exp["score_mat"]
        assert g.get_gts_paths(i) == exp["gts_path"]
    with pytest.raises(IndexError):
        g.get_gts(-len(g) - 1)


def test_paths_edited_in_place(g):
    e = g
    songs = e.get_songs()
    random.Random(0).shuffle(e.paths)
    e.paths.sort(key=lambda p: p[2][0], reverse=True)
    e.paths.append(e.paths[0])
    del e.paths[1]
    exp = EXPECTED["edited_paths"]
    assert len(e) == exp["len"]
    assert e.paths[0] == exp["first"]
    assert sha(du.get_score_mat(e, -1, ALL_TYPES)) == exp["last_score_mat"]
    # get_songs() follows the inclusion flags, in definition order (0.5.1)
    assert e.get_songs() == songs
    # the engine follows the edits: pickling, copies and parallel see them
    assert copy.deepcopy(e).paths == e.paths
    assert e.parallel(lambda i, d: d.paths[i][2][0], n_jobs=1) == [
        p[2][0] for p in e.paths
    ]
    # a bare string is one path (0.5.1's `sources=True, all=False` output)
    e.paths = [[e.paths[0][0][0], [], e.paths[0][2][0]]]
    assert len(e.get_gts(0)) == 1


def test_datasets_and_metadataset_are_plain_attributes(g, tmp_path):
    g.metadataset["install_dir"] = "/elsewhere"
    assert g.metadataset["install_dir"] == "/elsewhere"
    assert g.install_dir != "/elsewhere"  # as in 0.5.1: two separate values
    g.install_dir = str(tmp_path)
    assert g.install_dir == str(tmp_path)
    # `included` edits take effect at the next filter (0.5.1's semantics)
    for ds in g.datasets:
        ds["included"] = ds["name"] == "Bach10"
        for s in ds["songs"]:
            s["included"] = ds["included"]
    assert len(g) == EXPECTED["golden_len"]
    du.filter(g)
    assert set(g._chunks) == {"Bach10"}
    # the same dicts are updated by filters, in place
    ds = g.datasets
    du.filter(g, composer="nobody")
    assert not any(x["included"] for x in ds)
    g.datasets.append({"name": "new"})
    with pytest.raises(AsmdArgumentError):
        du.filter(g)


def test_func_wrapper():
    exp = EXPECTED["func_wrapper"]
    gt = str(REPO / exp["gt"])
    got = asmd.func_wrapper(
        lambda i, d: sha(du.get_score_mat(d, i, ALL_TYPES)), [[], [], [gt]]
    )
    assert got == exp["score_mat"]


@pytest.mark.parametrize("key", list(EXPECTED["choice"]))
def test_choice_gives_0_5_1_splits(g, key):
    expected = EXPECTED["choice"][key]
    if key == "RandomState(7)":
        parts = du.choice(g, p=[0.5, 0.5], random_state=np.random.RandomState(7))
    elif key == "global(11)":
        np.random.seed(11)
        parts = du.choice(g, p=[0.5, 0.5])
    else:
        seed, p = key.split(":")
        parts = du.choice(g, p=json.loads(p), random_state=int(seed))
    assert [x.paths for x in parts] == expected
    # songs and chunks follow the split
    for x in parts:
        assert len(x.get_songs()) == len(x)


def test_choice_refuses_bad_random_state(g):
    with pytest.raises(ValueError):
        du.choice(g, random_state="seed")
    with pytest.raises(AsmdArgumentError):
        du.choice(g, random_state=2**32)


# ------------------------------------------------------------------ utils


def test_time2frame_takes_arrays():
    t = np.array([0.023, 0.033, 0.5, 1.2345])
    np.testing.assert_array_equal(
        utils.time2frame(t, 0.01, 0.046), EXPECTED["time2frame"]
    )
    assert utils.time2frame(0.5, 0.01, 0.046) == 48


def test_open_audio():
    exp = EXPECTED["open_audio"]
    x, sr = utils.open_audio(REPO / exp["file"])
    assert (sr, len(x), str(x.dtype)) == (exp["sr"], exp["len"], exp["dtype"])
    assert isinstance(sr, int)
    assert sha(x) == exp["sha"]


# ------------------------------------------------------------------ conversion_tool


def test_generate_missing_extra_draws_as_0_5_1():
    for L, (missing, extra) in EXPECTED["generate_missing_extra"].items():
        ct.rng = np.random.default_rng(1002)
        m, e = ct.generate_missing_extra(int(L))
        assert np.flatnonzero(m).tolist() == missing
        assert np.flatnonzero(e).tolist() == extra
        assert not (m & e).any()


def test_slices():
    ct.rng = np.random.default_rng(1002)
    got = [ct.random_subslice(5, slice(0, 50)) for _ in range(4)]
    assert [[s.start, s.stop] for s in got] == EXPECTED["random_subslice"]
    ct.rng = np.random.default_rng(1002)
    got = [ct.random_distinct_subslices(30, 100) for _ in range(3)]
    assert [[[s.start, s.stop] for s in x] for x in got] == EXPECTED[
        "random_distinct_subslices"
    ]
    for a, b, disjoint in EXPECTED["slice_intersection"]:
        assert ct.slice_intersection(slice(*a), slice(*b)) == disjoint
    # same start: overlapping (0.5.1 said disjoint)
    assert not ct.slice_intersection(slice(2, 4), slice(2, 9))
    with pytest.raises(ValueError):
        ct.random_distinct_subslices(10, 10)


def test_merge_and_text_helpers():
    exp = EXPECTED["merge_dicts"]
    assert (
        ct.merge_dicts(
            0,
            [{"a": 3, "l": [1.0], "d": {"x": [1], "k": 5}}],
            [{"a": 2, "l": [2.0], "d": {"x": [2], "k": 9}}],
        )
        == exp[0]
    )
    assert (
        ct.merge_dicts(
            5,
            [{"a": 3, "l": [1.0]}, {"a": 4, "l": [7.0]}],
            None,
            [{"a": 1, "l": []}, {"a": 9, "l": [8.0]}],
        )
        == exp[1]
    )
    with pytest.raises(ValueError):
        ct.merge_dicts(0, [{}], [{}, {}])
    assert [
        ct.normalize_text(t)
        for t in ["French Horn", "Tenor Sax.", "Violin (1st)", "drum kit"]
    ] == EXPECTED["normalize_text"]
    assert [
        ct.text_similarity(a, b)
        for a, b in [
            ("frenchhorn", "englishhorn"),
            ("altosax", "altosaxophone"),
            ("", "x"),
            ("piano", "acousticgrandpiano"),
        ]
    ] == EXPECTED["text_similarity"]
    assert ct.INSTRUMENT_MAP == EXPECTED["INSTRUMENT_MAP"]
    assert ct.PARALLEL is True


def test_fix_offsets_per_pitch():
    exp = EXPECTED["fix_offsets"]
    offs = list(exp["offsets"])
    ct.fix_offsets(exp["onsets"], offs, exp["pitches"])
    np.testing.assert_allclose(offs, exp["fixed"])
    # the intended rule: only the next onset *of the same pitch* cuts a note (0.5.1's
    # shared table let any pitch cut it)
    onsets = np.array([0.0, 0.1, 0.5])
    offsets = np.array([1.0, 0.3, 1.0])
    ct.fix_offsets(onsets, offsets, [60, 64, 60])
    np.testing.assert_allclose(offsets, [0.495, 0.3, 1.0])


def test_misalign_with_a_stats_object():
    from asmd.alignment_stats import HistStats

    st = HistStats()
    st.seed(3)
    st.new_song()
    gt = copy.deepcopy(cff.prototype_gt)
    gt["precise_alignment"].update(
        onsets=[0.0, 0.5, 0.5, 1.0, 1.5],
        offsets=[0.5, 1.0, 0.7, 1.5, 2.5],
        pitches=[60, 60, 64, 60, 67],
    )
    pitches, onsets, offsets = ct.misalign(gt, st)
    assert pitches == [60, 60, 64, 60, 67]
    assert len(onsets) == len(offsets) == 5
    assert all(off >= on + 0.0625 - 1e-12 for on, off in zip(onsets, offsets))
    # offsets end before the next onset of their pitch (unless that would be too short)
    for i, p in enumerate(pitches):
        later = [
            onsets[j] for j in range(5) if pitches[j] == p and onsets[j] > onsets[i]
        ]
        if later and min(later) - onsets[i] > 0.0625 + 0.005:
            assert offsets[i] <= min(later)


def test_conversion_of_one_song(tmp_path):
    exp = EXPECTED["conversion"]
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "song.mid").write_bytes((REPO / exp["midi"]).read_bytes())
    dataset = {
        "name": "demo",
        "ground_truth": {"all": {"misaligned": 2}},
        "install": {"conversion": [["from_midi", {}]]},
        "songs": [],
    }
    song = {
        "title": "s",
        "instruments": ["piano"],
        "ground_truth": ["demo/song-0.json.gz"],
        "groups": ["all"],
        "recording": {"path": []},
    }
    written = ct.conversion((0, song, {"install_dir": str(tmp_path)}, dataset, None))
    assert [str(Path(w).relative_to(tmp_path)) for w in written] == exp["written"]
    gt = json.load(gzip.open(written[0]))
    assert gt["instrument"] == exp["instrument"]
    keys = ("onsets", "offsets", "pitches", "velocities")
    assert sha([gt["precise_alignment"][k] for k in keys]) == exp["precise"]
    assert sha([gt["sustain"]["times"], gt["sustain"]["values"]]) == exp["sustain"]
    # with a Stats object the misaligned notes are filled
    from asmd.alignment_stats import HistStats

    written = ct.conversion(
        (0, song, {"install_dir": str(tmp_path)}, dataset, HistStats())
    )
    gt = json.load(gzip.open(written[0]))
    assert len(gt["misaligned"]["onsets"]) == len(gt["precise_alignment"]["onsets"])
    assert len(gt["missing"]) == len(gt["extra"]) > 0


# ------------------------------------------------------------------ convert_from_file


def test_builtin_converters_take_positional_arguments(tmp_path):
    (tmp_path / "song.mid").write_bytes(
        (FIX / "midi" / "bach_bwv854_WangA01M.mid").read_bytes()
    )
    exp = EXPECTED["from_midi_positional"]
    res = cff.from_midi(
        str(tmp_path / "song-0.json.gz"), "score", True, False, True, True
    )
    assert len(res) == exp["n"]
    score = res[0]["score"]
    assert sha([score[k] for k in ("onsets", "offsets", "pitches")]) == exp["score"]
    assert sha(score["beats"]) == exp["beats"]
    assert score["velocities"][:3] == exp["velocities"]
    params = list(inspect.signature(cff.from_midi).parameters)
    assert params == ["gt_path", "alignment", "pitches", "velocities", "merge", "beats"]
    assert list(inspect.signature(cff.from_bach10_mat).parameters) == [
        "gt_path",
        "sources",
    ]
    with pytest.raises(TypeError):
        cff.from_musicnet_csv("x-0.json.gz", 44100.0, 3)
    # conversion_tool re-exports them, as 0.5.1 did
    assert ct.from_midi is cff.from_midi and ct.change_ext is cff.change_ext


def test_change_ext():
    args = [
        ("/d/tf/song_larrieu-0.json.gz", "mid", False, True),
        ("/d/01-Ach/01-Ach-2.json.gz", "-GTNotes.mat", True, False),
        ("/d/x/piece-1.json.gz", ".score.mid", True, False),
        ("/d/x/piece-1.json.gz", "txt", False, False),
    ]
    assert [cff.change_ext(*a) for a in args] == EXPECTED["change_ext"]
    with pytest.raises(AsmdArgumentError):
        cff.change_ext("/a-b/c.json.gz", ".mid")


def test_user_converter_is_also_registered_as_module_dot_name(tmp_path):
    from asmd import _asmd

    @cff.convert([".myext"])
    def my_special_converter(filename, **kwargs):
        return copy.deepcopy(cff.prototype_gt)

    names = _asmd.converter_names()
    assert "my_special_converter" in names
    assert f"{__name__}.my_special_converter" in names


def test_deque_credentials_type_is_what_download_expects():
    # download() pops credentials like 0.5.1 (a deque filled by get_credentials)
    from asmd import install

    item = {"name": "x", "install": {"url": "unknown", "login": False}}
    with pytest.raises(AsmdArgumentError):
        install.download(item, deque(), "/nonexistent")
