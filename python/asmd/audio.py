"""Decode, describe, resample and write audio without any system codec library.

WAV (8/16/24/32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE), FLAC, MP3 and
Ogg Vorbis decode to float32 in [-1, 1] (integers scaled as libsndfile does). Decoding
releases the GIL, so threads decode in parallel.

>>> import numpy as np, os, tempfile
>>> from asmd import audio
>>> t = np.arange(16000) / 16000
>>> path = os.path.join(tempfile.mkdtemp(), "a.wav")
>>> audio.write_wav(path, [0.5 * np.sin(2 * np.pi * 440 * t)], 16000)
>>> x, sr = audio.load(path, sr=8000, start=0.25, end=0.75)
>>> x.dtype, x.shape, sr
(dtype('float32'), (4000,), 8000)
>>> audio.info(path)["duration"]
1.0
"""

import os

import numpy as np

from . import _asmd

__all__ = ["load", "info", "resample", "write_wav"]


def load(path, sr=None, start=0.0, end=None, mono=True, quality="hq"):
    """``(array, sr)``. ``mono=True`` averages the channels (1-D array), else the shape
    is ``(channels, frames)``. ``start``/``end`` (seconds) read only that excerpt (WAV
    seeks to the bytes, other formats to the packet before it). ``sr`` resamples with
    a band-limited resampler (``quality="hq"`` or ``"fast"``)."""
    return _asmd.load(os.fspath(path), sr, float(start), end, bool(mono), quality)


def info(path):
    """Header description without decoding: ``duration`` (s), ``bitrate`` (kb/s),
    ``sample_rate``, ``channels``, ``frames``, ``codec``."""
    return _asmd.info(os.fspath(path))


def resample(x, orig_sr, target_sr, quality="hq"):
    """Resample a 1-D signal; the output has ``ceil(len * target / orig)`` samples and is
    aligned with the input."""
    return _asmd.resample(
        np.ascontiguousarray(x, dtype=np.float32), int(orig_sr), int(target_sr), quality
    )


def write_wav(path, channels, sr, float=False):
    """Write a WAV file from a list of channels (or a 1-D array): 16-bit PCM, or 32-bit
    float with ``float=True``. Written atomically.

    A 2-D array is ``(channels, frames)``, channels first (soundfile's ``(frames,
    channels)`` must be transposed); at most 256 channels, ``sr`` from 1 to 768000 Hz.
    """
    arr = np.asarray(channels, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(
            "channels must be a 1-D signal or a (channels, frames) array, "
            f"got an array of shape {arr.shape}"
        )
    _asmd.write_wav(
        os.fspath(path), [np.ascontiguousarray(c) for c in arr], int(sr), bool(float)
    )
