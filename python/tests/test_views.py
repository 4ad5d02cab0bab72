"""Score matrices, pianorolls, pedaling, beats: values worked out by hand on the test tree
and, on the replica of the official collection, equal to ASMD 0.5.1's outputs."""

import hashlib

import numpy as np
import pytest

from asmd import asmd, dataset_utils as du
from asmd.errors import AsmdArgumentError


def test_score_mat_padding_sort_and_notes(dataset):
    # item 3 = Duo 1: violin (program 40) 76@0-1, 79@1-2 ; cello (42) 48@0-2
    m = dataset.get_score_mat(3, score_type=["precise_alignment"])
    assert m.dtype == np.float64
    np.testing.assert_array_equal(
        m,
        [
            [48, 0.0, 2.0, 60, 42, 1],
            [76, 0.0, 1.0, 70, 40, 0],
            [79, 1.0, 2.0, 72, 40, 0],
        ],
    )
    # the score has no velocities -> -255; onsets are score beats at 60 BPM
    s = dataset.get_score_mat(3, score_type=["score"])
    np.testing.assert_array_equal(s[:, 3], [-255, -255, -255])
    np.testing.assert_array_equal(s[:, 1], [0.0, 0.0, 1.0])
    # missing/extra follow the sort of the misaligned matrix: violin k=0 missing, cello k=0 missing
    mat, missing, extra = dataset.get_score_mat(
        3, score_type=["misaligned"], return_notes="both"
    )
    np.testing.assert_allclose(mat[:, 1], [0.1, 0.2, 1.1])
    np.testing.assert_array_equal(mat[:, 0], [76, 48, 79])
    np.testing.assert_array_equal(missing, [True, True, False])
    np.testing.assert_array_equal(extra, [False, False, False])
    assert du.get_score_mat(dataset, 3, "precise_alignment").shape == (3, 6)


def test_score_type_choice(dataset):
    gts = dataset.get_gts(0)
    assert (
        du.chose_score_type(["precise_alignment", "score"], gts) == "precise_alignment"
    )
    assert du.chose_score_type(["broad_alignment", "misaligned"], gts) == "misaligned"
    assert (
        du.chose_score_type(["broad_alignment", "precise_alignment"][:1], gts)
        == "broad_alignment"
    )
    # an empty single type gives an empty matrix, a pianoroll names what exists
    assert dataset.get_score_mat(0, ["broad_alignment"]).shape == (0, 6)
    with pytest.raises(
        AsmdArgumentError, match="available: precise_alignment, misaligned, score"
    ):
        dataset.get_pianoroll(0, ["broad_alignment"])


def test_pianoroll_columns_onsets_velocity(dataset):
    # item 0: 60@0-0.5 v80, 64@0.5-1.0 v70, 67@1.0-2.0 v90 ; resolution 0.25 -> 9 columns
    p = dataset.get_pianoroll(0, score_type=["precise_alignment"], resolution=0.25)
    assert p.shape == (128, 9)
    np.testing.assert_array_equal(p[60], [80, 80, 80, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(p[64], [0, 0, 70, 70, 70, 0, 0, 0, 0])
    np.testing.assert_array_equal(p[67], [0, 0, 0, 0, 90, 90, 90, 90, 90])
    assert p.sum() == 80 * 3 + 70 * 3 + 90 * 5
    p = dataset.get_pianoroll(
        0, ["precise_alignment"], resolution=0.25, onsets=True, velocity=False
    )
    np.testing.assert_array_equal(p[64], [0, 0, -1, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(p[67], [0, 0, 0, 0, -1, 1, 1, 1, 1])


def test_pedaling_event_and_frame_based(dataset):
    ev = dataset.get_pedaling_mat(0)[0]
    np.testing.assert_array_equal(
        ev,
        [
            [0.0, 127, -1, -1],
            [0.3, -1, -1, 64],
            [0.5, 0, -1, -1],
            [1.0, 100, -1, -1],
        ],
    )
    assert dataset.get_pedaling_mat(3)[0].shape == (0, 4)
    fr = du.get_pedaling_mat(dataset, 0, frame_based=True, winlen=0.1, hop=0.05)[0]
    # duration 2.0 (precise): int((2 - 0.1)/0.05 + 1) + 1 frames centred at k*0.05 + 0.05;
    # in floats (2 - 0.1)/0.05 = 37.99999999999999, so 39 frames (as in ASMD 0.5.1)
    assert fr.shape == (int((2.0 - 0.1) / 0.05 + 1) + 1, 4) == (39, 4)
    np.testing.assert_allclose(fr[:3, 0], [0.05, 0.1, 0.15])
    # sustain 127 from frame 0 (t=0 clamps to 0), 0 from round((0.5-0.05)/0.05)=9,
    # 100 from frame round((1.0-0.05)/0.05)=19
    assert (
        (fr[:9, 1] == 127).all()
        and (fr[9:19, 1] == 0).all()
        and (fr[19:, 1] == 100).all()
    )
    # soft 64 from frame round((0.3-0.05)/0.05) = 5
    assert (fr[:5, 3] == 0).all() and (fr[5:, 3] == 64).all()
    assert (fr[:, 2] == 0).all()


def test_beats_duration_bpm_missing_extra(dataset):
    beats = dataset.get_beats(3)
    assert [b.tolist() for b in beats] == [
        [0.0, 1.0, 2.0],
        [0.0, 1.0],
    ]  # ragged is fine
    assert dataset.get_score_duration(3) == 2.0
    assert dataset.get_initial_bpm(3) == 60.0
    assert [m.tolist() for m in dataset.get_missing_extra_notes(3, "missing")] == [
        [True, False],
        [True],
    ]
    with pytest.raises(AsmdArgumentError):
        dataset.get_missing_extra_notes(3, "nope")


def test_gts_are_reference_dicts(dataset):
    gt = dataset.get_gts(0)[0]
    assert sorted(gt) == [
        "broad_alignment",
        "extra",
        "f0",
        "instrument",
        "misaligned",
        "missing",
        "precise_alignment",
        "score",
        "soft",
        "sostenuto",
        "sustain",
    ]
    assert gt["precise_alignment"]["pitches"] == [60, 64, 67]
    assert isinstance(gt["precise_alignment"]["pitches"][0], int)
    assert gt["sustain"] == {"times": [0.0, 0.5, 1.0], "values": [127, 0, 100]}


def sha(a):
    return hashlib.sha256(
        np.ascontiguousarray(a, dtype=np.float64).tobytes()
    ).hexdigest()


def test_views_equal_reference_on_official_replica(golden):
    d = asmd.Dataset([golden["definitions"]], metadataset_path=golden["metadataset"])
    checked = 0
    for item in golden["api"]["items"]:
        idx = [p[2] for p in d.paths].index(item["paths"][2])
        for call in item["get_score_mat"]:
            st = call["score_type"]
            if isinstance(st, str) or "error" in call or call.get("return_notes"):
                continue
            assert sha(d.get_score_mat(idx, st)) == call["result"]["sha256_f64"]
            checked += 1
        for call in item["get_pianoroll"]:
            kw = call["kwargs"]
            if "error" in call or not kw:
                continue
            gts = d.get_gts(idx)
            t = du.chose_score_type(kw["score_type"], gts)
            if any(p % 1 for g in gts for p in g[t]["pitches"]):
                continue  # fractional pitches are rounded, not truncated (a documented fix)
            assert sha(d.get_pianoroll(idx, **kw)) == call["result"]["sha256_f64"]
            checked += 1
        for call in item["get_pedaling_mat"]:
            if call["kwargs"]["frame_based"]:
                continue
            got = d.get_pedaling_mat(idx, **call["kwargs"])
            assert [sha(m) for m in got] == [r["sha256_f64"] for r in call["result"]]
            checked += 1
    assert checked > 100
