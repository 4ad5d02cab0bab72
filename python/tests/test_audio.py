"""Audio through Python: fixture decoding against libsndfile's values, excerpts,
resampling, mixing arithmetic of the dataset methods, header data and errors."""

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from asmd import asmd, audio
from asmd.errors import (
    AsmdError,
    AsmdFileNotFoundError,
    AsmdFormatError,
    AsmdUnsupportedError,
)

from conftest import make_gt, write_gt, write_metadataset

FIX = (
    Path(__file__).resolve().parents[2]
    / "crates"
    / "asmd"
    / "tests"
    / "fixtures"
    / "audio"
)

# file, sr, channels, frames, ch0[50000], mono[150000], sum of squares of mono (soundfile 0.13)
EXPECTED = [
    (
        "audio_pcm16_stereo_44100.wav",
        44100,
        2,
        264600,
        4.898071289e-02,
        -1.217651367e-02,
        5.197051707e02,
    ),
    (
        "audio_float32_mono_44100.wav",
        44100,
        1,
        264600,
        2.952023037e-02,
        -1.218260452e-02,
        5.197367415e02,
    ),
    (
        "audio_pcm24_stereo_48000.wav",
        48000,
        2,
        288000,
        -1.192092896e-07,
        -1.741737127e-02,
        5.708364384e02,
    ),
    (
        "audio_stereo_44100.flac",
        44100,
        2,
        264600,
        4.898071289e-02,
        -1.217651367e-02,
        5.197051707e02,
    ),
]


@pytest.mark.parametrize("name,sr,ch,frames,first,mono_at,energy", EXPECTED)
def test_lossless_fixtures_match_libsndfile(
    name, sr, ch, frames, first, mono_at, energy
):
    x, rate = audio.load(FIX / name, mono=False)
    assert rate == sr and x.shape == (ch, frames) and x.dtype == np.float32
    assert x[0, 50000] == np.float32(first)
    m, _ = audio.load(FIX / name)
    assert m.ndim == 1 and abs(m[150000] - mono_at) < 1e-7
    assert abs(float(np.sum(m.astype(np.float64) ** 2)) - energy) / energy < 1e-6


@pytest.mark.parametrize("name", ["audio_stereo_44100.mp3", "audio_stereo_44100.ogg"])
def test_lossy_fixtures_decode_the_same_signal(name):
    ref, _ = audio.load(FIX / "audio_stereo_44100.flac")
    x, sr = audio.load(FIX / name)
    assert sr == 44100 and x.shape == ref.shape
    snr = 10 * np.log10(
        np.sum(ref.astype(np.float64) ** 2) / np.sum((x - ref).astype(np.float64) ** 2)
    )
    assert snr > 15


def test_excerpt_equals_slice_of_whole():
    whole, sr = audio.load(FIX / "audio_stereo_44100.flac")
    part, _ = audio.load(FIX / "audio_stereo_44100.flac", start=2.0, end=3.5)
    np.testing.assert_array_equal(part, whole[2 * sr : int(3.5 * sr)])


def test_resample_keeps_a_sine_and_its_length(tmp_path):
    t = np.arange(44100 * 2) / 44100
    x = (
        0.5 * np.sin(2 * np.pi * 1000 * t) + 0.3 * np.sin(2 * np.pi * 12000 * t)
    ).astype(np.float32)
    for quality in ["hq", "fast"]:
        y = audio.resample(x, 44100, 16000, quality=quality)
        assert y.shape == (32000,)
        spec = np.abs(np.fft.rfft(y[4000:28000] * np.hanning(24000)))
        freqs = np.fft.rfftfreq(24000, 1 / 16000)
        assert abs(freqs[np.argmax(spec)] - 1000) < 1
        alias = spec[np.argmin(np.abs(freqs - 4000))] / spec.max()
        assert alias < 1e-4, (quality, alias)
    with pytest.raises(AsmdError, match="quality"):
        audio.resample(x, 44100, 16000, quality="nope")


def test_info_from_headers():
    i = audio.info(FIX / "audio_pcm24_stereo_48000.wav")
    assert (i["sample_rate"], i["channels"], i["frames"], i["duration"]) == (
        48000,
        2,
        288000,
        6.0,
    )
    assert i["bitrate"] == 2304.0
    i = audio.info(FIX / "audio_stereo_44100.mp3")
    assert i["codec"] == "mp3" and 180 < i["bitrate"] < 200


def test_errors_name_the_file(tmp_path):
    with pytest.raises(AsmdFileNotFoundError, match="absent.wav"):
        audio.load(tmp_path / "absent.wav")
    data = (FIX / "audio_pcm16_stereo_44100.wav").read_bytes()
    (tmp_path / "short.wav").write_bytes(data[:3000])
    with pytest.raises(AsmdFormatError, match="short.wav.*truncated"):
        audio.load(tmp_path / "short.wav")
    zero = bytearray(data)
    zero[24:28] = b"\0\0\0\0"
    (tmp_path / "zero.wav").write_bytes(bytes(zero))
    with pytest.raises(AsmdFormatError, match="sample rate is 0"):
        audio.info(tmp_path / "zero.wav")
    corrupt = bytearray(data)
    corrupt[32:34] = (3).to_bytes(
        2, "little"
    )  # block align not a multiple of 2 channels
    (tmp_path / "corrupt.wav").write_bytes(bytes(corrupt))
    with pytest.raises(AsmdFormatError, match="corrupt.wav.*corrupt header"):
        audio.load(tmp_path / "corrupt.wav")
    (tmp_path / "x.ogg").write_bytes(b"not audio" * 100)
    with pytest.raises(AsmdUnsupportedError, match="x.ogg"):
        audio.load(tmp_path / "x.ogg")


@pytest.fixture()
def duo(tmp_path):
    install = tmp_path / "install"
    (install / "duo").mkdir(parents=True)
    t = np.arange(16000) / 16000
    a = (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    b = (0.2 * np.sin(2 * np.pi * 660 * t[:8000])).astype(np.float32)
    audio.write_wav(install / "duo" / "mix.wav", [a], 16000, float=True)
    audio.write_wav(install / "duo" / "v.wav", [a], 16000, float=True)
    audio.write_wav(install / "duo" / "c.wav", [b], 16000, float=True)
    write_gt(install / "duo" / "s-0.json.gz", make_gt([(69, 0.0, 1.0, 70)], 40))
    write_gt(install / "duo" / "s-1.json.gz", make_gt([(76, 0.0, 0.5, 70)], 42))
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "duo.json").write_text(
        json.dumps(
            {
                "name": "duo",
                "ensemble": True,
                "groups": ["all"],
                "instruments": ["violin", "cello"],
                "sources": {"format": "wav"},
                "recording": {"format": "wav"},
                "ground_truth": {"all": {"precise_alignment": 1}},
                "install": {
                    "url": "unknown",
                    "unpack": False,
                    "login": False,
                    "post-process": "unknown",
                    "conversion": [],
                },
                "songs": [
                    {
                        "title": "s",
                        "composer": "x",
                        "instruments": ["violin", "cello"],
                        "recording": {"path": ["duo/mix.wav"]},
                        "sources": {"path": ["duo/v.wav", "duo/c.wav"]},
                        "ground_truth": ["duo/s-0.json.gz", "duo/s-1.json.gz"],
                        "groups": ["all"],
                    }
                ],
            }
        )
    )
    meta = write_metadataset(tmp_path / "datasets.json", install)
    d = asmd.Dataset([str(defs)], metadataset_path=str(meta))
    d.filter(sources=True, all=True)
    return d, a, b


def test_dataset_audio_methods(duo):
    d, a, b = duo
    mix, sr = d.get_mix(0)
    assert sr == 16000 and mix.dtype == np.float32
    np.testing.assert_allclose(mix, a, atol=1e-7)
    mix8, sr8 = d.get_mix(0, sr=8000)
    assert sr8 == 8000 and mix8.shape == (8000,)
    srcs, ssr = d.get_source(0)
    assert ssr == 16000 and [s.shape for s in srcs] == [(16000,), (8000,)]
    one, _ = d.get_audio(0, sources=[1])
    np.testing.assert_allclose(
        one, b / 2, atol=1e-7
    )  # divided by the number of sources
    both, _ = d.get_audio(0, sources=[0, 1])
    expected = a.copy()
    expected[:8000] += b
    np.testing.assert_allclose(both, expected / 2, atol=1e-6)
    part, _ = d.get_mix(0, start=0.25, end=0.5)
    np.testing.assert_array_equal(part, mix[4000:8000])
    (m, _), (s, _), gts = d.get_item(0)
    assert m.shape == (16000,) and len(s) == 2 and len(gts) == 2
    assert d.get_audio_data(0) == [(1.0, 512.0, 16000, 1)]
    with pytest.raises(IndexError):
        d.get_audio(0, sources=[5])


def test_decoding_releases_the_gil_in_threads(duo):
    d, a, _ = duo
    out = []
    threads = [
        threading.Thread(target=lambda: out.append(d.get_mix(0)[0])) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 4 and all(np.array_equal(o, out[0]) for o in out)
