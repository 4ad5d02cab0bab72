"""Untrusted files and arguments never kill the interpreter: allocation cases under a
2 GiB address-space limit, NaN and extreme-ratio resampling, the WAV writer's checks,
corrupt FLAC frames, tidy errors for wrong argument values, and the panic net."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from asmd import _asmd, asmd, audio, dataset_utils, utils
from asmd.errors import (
    AsmdArgumentError,
    AsmdError,
    AsmdFormatError,
    AsmdIndexError,
    AsmdInternalError,
)

from conftest import definition, make_gt, write_gt, write_metadataset

FIX = Path(__file__).resolve().parents[2] / "crates" / "asmd" / "tests" / "fixtures"
FLAC = FIX / "audio" / "audio_stereo_44100.flac"
MP3 = FIX / "audio" / "audio_stereo_44100.mp3"


def flac_audio_start(b):
    """Byte offset of the first FLAC frame (after the metadata blocks)."""
    at = 4
    while True:
        last = b[at] & 0x80
        at += 4 + int.from_bytes(b[at + 1 : at + 4], "big")
        if last:
            return at


@pytest.fixture()
def far(tmp_path):
    """A dataset of one song whose (valid) ground truth ends at 1e9 s, with pedals."""
    install = tmp_path / "install"
    gt = make_gt(
        [(60, 0.0, 1e9, 80)],
        0,
        pedals=[("sustain", [0.0, 5.0], [127, 0])],
    )
    write_gt(install / "far" / "song-0.json.gz", gt)
    audio.write_wav(install / "far" / "song.wav", [np.zeros(4410)], 44100)
    defs = tmp_path / "defs"
    defs.mkdir()
    song = {
        "title": "far",
        "composer": "x",
        "instruments": ["piano"],
        "recording": {"path": ["far/song.wav"]},
        "ground_truth": ["far/song-0.json.gz"],
        "groups": ["all"],
    }
    (defs / "far.json").write_text(
        json.dumps(
            definition("far", [song], {"all": {"precise_alignment": 1}}, ["piano"])
        )
    )
    meta = write_metadataset(tmp_path / "datasets.json", install)
    return {
        "definitions": str(defs),
        "metadataset": str(meta),
        "gt": str(install / "far" / "song-0.json.gz"),
        "tmp": tmp_path,
    }


LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
import numpy as np
from asmd import asmd, audio, convert_from_file
from asmd.errors import AsmdError
far = {far!r}
d = asmd.Dataset([far["definitions"]], metadataset_path=far["metadataset"])
try:
{body}
except AsmdError as e:
    print("ASMD-ERROR", e.kind, e)
    sys.exit(0)
print("NO-ERROR")
"""

ALLOCATION_CASES = {
    # a ground truth that passes check, then the frame-based pedaling over 1e9 s
    "pedaling-1e9-s": (
        "d.get_pedaling_mat(0, frame_based=True)",
        "frame-based pedaling",
    ),
    "pedaling-hop-1e-7": (
        "d.get_pedaling_mat(0, frame_based=True, hop=1e-7)",
        "frame-based pedaling",
    ),
    "pianoroll-resolution-1e-9": (
        "d.get_pianoroll(0, score_type=['precise_alignment'], resolution=1e-9)",
        "pianoroll",
    ),
    "get-mix-sr-2^31": ("d.get_mix(0, sr=2**31 - 1)", "sample rate"),
    "load-end-1e12": (
        "x, sr = audio.load(far['flac'], end=1e12)\n"
        "assert x.shape == (264600,), x.shape\n"
        "raise AsmdError('decoded whole', 'ok')",
        "decoded whole",
    ),
    "flac-total-samples-2^36": ("audio.load(far['huge_flac'])", "huge.flac"),
    "mp3-xing-frames-2^32": (
        "x, sr = audio.load(far['huge_mp3'])\n"
        "assert x.shape[0] < 300000, x.shape\n"
        "raise AsmdError('decoded', 'ok')",
        "",
    ),
    "musicnet-end-beat-1e20": (
        "convert_from_file.from_musicnet_csv(far['csv_1e20'])",
        "line 3",
    ),
    "musicnet-end-beat-2^32": (
        "convert_from_file.from_musicnet_csv(far['csv_2_32'])",
        "line 2",
    ),
    "resample-1-to-192000": (
        "audio.resample(np.zeros(1000, dtype=np.float32), 1, 192000)",
        "ratio",
    ),
}


@pytest.mark.parametrize("case", sorted(ALLOCATION_CASES))
def test_allocations_from_untrusted_numbers_stay_within_2_gib(far, case):
    tmp = far["tmp"]
    flac = FLAC.read_bytes()
    huge = bytearray(flac)
    huge[8 + 13] |= 0x0F
    huge[8 + 14 : 8 + 18] = b"\xff" * 4
    (tmp / "huge.flac").write_bytes(bytes(huge))
    mp3 = bytearray(MP3.read_bytes())
    at = mp3.find(b"Info")
    mp3[at + 8 : at + 12] = b"\xff" * 4
    (tmp / "huge.mp3").write_bytes(bytes(mp3))
    header = "start_time,end_time,instrument,note,start_beat,end_beat,note_value\n"
    (tmp / "a.csv").write_text(header + "1,2,1,60,0,1,Quarter\n3,4,1,62,1,1e20,Whole\n")
    (tmp / "b.csv").write_text(header + "1,2,1,60,0,4294967296,Quarter\n")
    args = dict(
        far,
        tmp=str(tmp),
        flac=str(FLAC),
        huge_flac=str(tmp / "huge.flac"),
        huge_mp3=str(tmp / "huge.mp3"),
        csv_1e20=str(tmp / "a-0.json.gz"),
        csv_2_32=str(tmp / "b-0.json.gz"),
    )
    body, expected = ALLOCATION_CASES[case]
    code = LIMITED.format(far=args, body=textwrap.indent(body, "    "))
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, f"{case}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert "ASMD-ERROR" in r.stdout, f"{case}: {r.stdout}\n{r.stderr}"
    assert expected in r.stdout, f"{case}: {r.stdout}"


def test_resampling_nan_and_extreme_ratios(tmp_path):
    x = np.full(10000, 0.25, dtype=np.float32)
    x[4410] = np.nan
    with pytest.raises(AsmdArgumentError, match="NaN"):
        audio.resample(x, 44100, 16000)
    # a float WAV holding one NaN: loads as stored, refuses to resample, names the file
    audio.write_wav(tmp_path / "nan.wav", [x], 44100, float=True)
    y, sr = audio.load(tmp_path / "nan.wav")
    assert np.isnan(y[4410]) and sr == 44100
    with pytest.raises(AsmdError, match="nan.wav.*sample 4410"):
        audio.load(tmp_path / "nan.wav", sr=16000)
    for orig, target in [(1, 8000), (1, 192000), (192000, 1), (767999, 768000)]:
        with pytest.raises(AsmdArgumentError, match="ratio"):
            audio.resample(np.zeros(100, dtype=np.float32), orig, target)
    for orig, target in [(0, 16000), (44100, 2**31 - 1), (-1, 16000)]:
        with pytest.raises(AsmdArgumentError, match="sample rate"):
            audio.resample(np.zeros(100, dtype=np.float32), orig, target)
    # a header saying 1 Hz, resampled to 8 kHz: refused before decoding
    audio.write_wav(tmp_path / "slow.wav", [np.zeros(8)], 1)
    with pytest.raises(AsmdArgumentError, match="slow.wav.*ratio"):
        audio.load(tmp_path / "slow.wav", sr=8000)


def test_write_wav_shapes_and_sample_rate(tmp_path):
    out = tmp_path / "out.wav"
    with pytest.raises(AsmdArgumentError, match="70000 channels.*transpose"):
        audio.write_wav(out, np.zeros((70000, 1)), 16000)
    assert not out.exists()
    for sr in (0, -8000, 2**31 - 1, 10**20):
        with pytest.raises(AsmdArgumentError, match="sample rate"):
            audio.write_wav(out, np.zeros(10), sr)
    with pytest.raises(ValueError, match="shape"):
        audio.write_wav(out, np.zeros((2, 3, 4)), 16000)
    # (channels, frames) round-trips
    x = np.stack([np.linspace(-0.5, 0.5, 100), np.linspace(0.5, -0.5, 100)])
    audio.write_wav(out, x, 8000, float=True)
    y, sr = audio.load(out, mono=False)
    assert sr == 8000 and y.shape == (2, 100)
    np.testing.assert_allclose(y, x, atol=1e-7)


def test_corrupt_flac_frames_raise(tmp_path):
    data = FLAC.read_bytes()
    start = flac_audio_start(data)
    every = bytearray(data)
    for i in range(start + 64, len(every), 256):
        every[i] ^= 0x5A
    (tmp_path / "every.flac").write_bytes(bytes(every))
    assert audio.info(tmp_path / "every.flac")["duration"] == pytest.approx(6.0)
    with pytest.raises(AsmdFormatError, match="every.flac"):
        audio.load(tmp_path / "every.flac")
    one = bytearray(data)
    mid = start + (len(one) - start) // 2
    one[mid : mid + 16] = bytes(b ^ 0xFF for b in one[mid : mid + 16])
    (tmp_path / "one.flac").write_bytes(bytes(one))
    with pytest.raises(AsmdFormatError, match="could not be decoded"):
        audio.load(tmp_path / "one.flac")
    # the part before the damage still decodes
    whole, _ = audio.load(FLAC)
    part, _ = audio.load(tmp_path / "one.flac", start=0.5, end=1.0)
    np.testing.assert_array_equal(part, whole[22050:44100])


def test_wrong_argument_values_raise_tidy_errors(far):
    d = asmd.Dataset([far["definitions"]], metadataset_path=far["metadataset"])
    with pytest.raises(AsmdIndexError, match="100000000000000000000"):
        d.get_mix(10**20)
    with pytest.raises(IndexError):
        d.get_gts(2**64)
    with pytest.raises(AsmdArgumentError, match="sample rate.*-8000"):
        d.get_mix(0, sr=-8000)
    with pytest.raises(
        AsmdIndexError, match="source index must not be negative, got -1"
    ):
        d.get_audio(0, sources=[-1])
    with pytest.raises(TypeError, match="sample rate.*integer"):
        d.get_mix(0, sr="fast")
    with pytest.raises(
        TypeError, match="union\\(\\) argument 2 must be an asmd Dataset"
    ):
        dataset_utils.union(d, 5)
    with pytest.raises(TypeError, match="argument 1"):
        dataset_utils.intersect("x")
    with pytest.raises(TypeError, match="dataset must be an asmd Dataset"):
        dataset_utils.complement(None)
    with pytest.raises(ValueError, match="hop_size"):
        utils.nframes(1, hop_size=0)
    with pytest.raises(ValueError, match="hop_size"):
        utils.time2frame(1.0, hop_size=0.0)
    assert utils.nframes(np.array([10.0, 20.0]), 1, 2).tolist() == [9.0, 19.0]
    with pytest.raises(AsmdArgumentError, match="seed must not be negative"):
        dataset_utils.choice(d, random_state=-1)
    with pytest.raises(AsmdArgumentError, match="size in bytes"):
        utils.set_gt_cache(memory_mb=-1)
    with pytest.raises(AsmdArgumentError, match="`hop`"):
        d.get_pedaling_mat(0, frame_based=True, hop=0)
    # numpy integers still work
    assert len(d.get_gts(np.int64(0))) == 1


def test_panics_become_internal_errors():
    with pytest.raises(AsmdInternalError) as e:
        _asmd._panic_for_tests()
    assert e.value.kind == "internal"
    assert "a panic asked for by a test" in str(e.value)
    assert "please report it" in str(e.value)
    assert isinstance(e.value, AsmdError) and isinstance(e.value, Exception)
    # a panic on a rayon worker thread, resumed on this one
    with pytest.raises(AsmdInternalError, match="worker thread"):
        _asmd._panic_for_tests(in_worker=True)
    # the interpreter goes on
    assert utils.nframes(10, 1, 2) == 9.0


def test_cli_panic_exits_1_with_an_error():
    r = subprocess.run(
        [sys.executable, "-m", "asmd.cli", "debug-panic", "--worker"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1, r
    assert "error: internal error" in r.stderr and "worker thread" in r.stderr, r.stderr
    assert "please report it" in r.stderr
