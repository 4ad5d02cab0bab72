"""asmd.utils: frame arithmetic, pitch/frequency, mat_stretch and MIDI round trips,
with values worked out by hand."""

import numpy as np
import pytest

from asmd import utils
from asmd.errors import AsmdError


def test_frame_arithmetic():
    assert utils.nframes(4096 + 3 * 3072) == 4.0
    assert utils.nframes(1.0, hop_size=0.25, win_len=0.5) == 3.0
    assert utils.frame2time(2) == 2 * 3072 + 2048
    assert utils.frame2time(3, hop_size=0.5, win_len=1.0) == 2.0
    assert utils.time2frame(2 * 3072 + 2048) == 2
    # ties go to the even frame, as numpy's round
    assert utils.time2frame(2.25, hop_size=0.5, win_len=1.0) == 4
    assert utils.time2frame(2.75, hop_size=0.5, win_len=1.0) == 4
    for f in range(20):
        assert utils.time2frame(utils.frame2time(f)) == f


def test_pitch_frequency():
    assert utils.midi_pitch_to_f0(69) == 440.0
    assert utils.f0_to_midi_pitch(880.0) == 81.0
    np.testing.assert_allclose(
        utils.f0_to_midi_pitch(utils.midi_pitch_to_f0(np.arange(21, 109))),
        np.arange(21, 109),
    )


def test_mat_stretch_maps_the_span_affinely():
    mat = np.array([[60, 1.0, 2.0, 80], [62, 2.0, 3.0, 80]], dtype=float)
    target = np.array([[60, 10.0, 12.0, 0], [61, 14.0, 15.0, 0]], dtype=float)
    out = utils.mat_stretch(mat, target)
    assert out is mat  # in place, as ASMD 0.5.1
    # span [1, 3] -> [10, 15]: x -> 10 + (x - 1) * 2.5
    np.testing.assert_allclose(mat[:, 1], [10.0, 12.5])
    np.testing.assert_allclose(mat[:, 2], [12.5, 15.0])
    np.testing.assert_array_equal(mat[:, [0, 3]], [[60, 80], [62, 80]])


def test_midi_round_trip(tmp_path):
    mat = np.array(
        [[64, 0.5, 1.25, -1], [60, 0.0, 0.5, 90], [67.9, 0.5, 2.0, 100.7]], dtype=float
    )
    path = tmp_path / "notes.mid"
    utils.mat2midipath(mat, path)
    back = utils.midipath2mat(path)
    assert back.shape == (3, 4)
    np.testing.assert_array_equal(back[:, 0], [60, 64, 67])  # sorted, truncated
    np.testing.assert_allclose(back[:, 1], [0.0, 0.5, 0.5], atol=1e-3)
    np.testing.assert_allclose(back[:, 2], [0.5, 1.25, 2.0], atol=1e-3)
    np.testing.assert_array_equal(back[:, 3], [90, 80, 100])  # -1 -> 80
    # an empty matrix writes nothing
    utils.mat2midipath(np.zeros((0, 4)), tmp_path / "empty.mid")
    assert not (tmp_path / "empty.mid").exists()


def test_midi_errors_name_the_problem(tmp_path):
    with pytest.raises(AsmdError, match="4 columns"):
        utils.mat2midipath(np.zeros((2, 3)), tmp_path / "x.mid")
    with pytest.raises(AsmdError, match="row 0"):
        utils.mat2midipath(np.array([[200.0, 0, 1, 80]]), tmp_path / "x.mid")
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    with pytest.raises(AsmdError) as e:
        utils.midipath2mat(bad)
    assert "bad.mid" in str(e.value)
    with pytest.raises(FileNotFoundError):
        utils.midipath2mat(tmp_path / "absent.mid")
