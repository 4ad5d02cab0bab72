"""Frames and times, pitches and frequencies, score-matrix helpers.

>>> from asmd import utils
>>> utils.nframes(10, 1, 2)
9.0
>>> utils.time2frame(0.053, 0.01, 0.046)
3
>>> float(utils.midi_pitch_to_f0(69))
440.0
>>> round(float(utils.f0_to_midi_pitch(261.6255653005986)), 9)
60.0
"""

import math
import os

import numpy as np

from . import _asmd

__all__ = [
    "nframes",
    "frame2time",
    "time2frame",
    "open_audio",
    "f0_to_midi_pitch",
    "midi_pitch_to_f0",
    "mat_stretch",
    "mat2midipath",
    "midipath2mat",
    "gt_cache_info",
    "set_gt_cache",
    "clear_gt_cache",
]


def _hop(hop_size):
    """``hop_size`` as a float (an array stays an array), or a ``ValueError`` when it
    cannot divide a duration."""
    if np.ndim(hop_size) != 0:
        hop = np.asarray(hop_size, dtype=float)
        ok = bool(np.all(np.isfinite(hop) & (hop != 0)))
    else:
        try:
            hop = float(hop_size)
        except (TypeError, ValueError):
            raise TypeError(f"hop_size must be a number, got {hop_size!r}") from None
        ok = hop != 0 and math.isfinite(hop)
    if not ok:
        raise ValueError(f"hop_size must be a non-zero finite number, got {hop_size!r}")
    return hop


def nframes(dur, hop_size=3072, win_len=4096):
    """Number of frames (a float): ``(dur - win_len) / hop_size + 1``; any unit.
    ``hop_size`` 0 is a ``ValueError``."""
    return (dur - win_len) / _hop(hop_size) + 1


def frame2time(frame, hop_size=3072, win_len=4096):
    """Centre of frame ``frame``: ``frame * hop_size + win_len / 2``."""
    return frame * hop_size + win_len / 2


def time2frame(time, hop_size=3072, win_len=4096):
    """Frame whose centre is nearest to ``time``: ``round((time - win_len / 2) / hop_size)``
    (ties to even). An array of times gives an array of frames (floats, as numpy's
    ``round`` gives, so ASMD 0.5.1's results).

    >>> time2frame(np.array([0.023, 0.033, 0.5]), 0.01, 0.046)
    array([ 0.,  1., 48.])
    """
    if isinstance(time, np.ndarray):
        return np.round((time - win_len / 2) / _hop(hop_size))
    return _asmd.time2frame(float(time), _hop(hop_size), float(win_len))


def open_audio(audio_fn):
    """``(samples, sample_rate)`` of an audio file: mono float32 (channels averaged) at
    its own rate, as ASMD 0.5.1 (which used essentia) returned it. WAV, FLAC, MP3 and
    Ogg Vorbis; see :func:`asmd.audio.load` for excerpts and resampling.

    >>> import os, tempfile
    >>> from asmd import audio
    >>> path = os.path.join(tempfile.mkdtemp(), "a.wav")
    >>> audio.write_wav(path, [np.zeros(800), np.ones(800) * 0.5], 8000)
    >>> x, sr = open_audio(path)
    >>> x.dtype, x.shape, sr, float(x[0])
    (dtype('float32'), (800,), 8000, 0.25)
    """
    from . import audio

    x, sr = audio.load(os.fspath(audio_fn))
    return x, int(sr)


def f0_to_midi_pitch(f0):
    """MIDI pitch (A4 = 440 Hz = 69, not rounded) of a frequency or an array of them."""
    return 12 * np.log2(np.asarray(f0, dtype=float) / 440) + 69


def midi_pitch_to_f0(midi_pitch):
    """Frequency in Hz of a MIDI pitch or an array of them."""
    return 440 * 2 ** ((np.asarray(midi_pitch, dtype=float) - 69) / 12)


def mat_stretch(mat, target):
    """Map the onset/offset span (columns 1-2) of score matrix ``mat`` onto ``target``'s,
    affinely. ``mat`` is changed in place (as in ASMD 0.5.1) and returned."""
    out = _asmd.mat_stretch(
        np.ascontiguousarray(mat, dtype=float),
        np.ascontiguousarray(target, dtype=float),
    )
    if isinstance(mat, np.ndarray) and mat.dtype == float:
        mat[...] = out
        return mat
    return out


def mat2midipath(mat, path):
    """Write score matrix ``mat`` (columns pitch, onset, offset, velocity; more are
    ignored) to a single-track MIDI file at ``path``, as ASMD 0.5.1: program 0, pitches
    and velocities truncated to integers, negative velocities written as 80. An empty
    matrix writes nothing.

    >>> import numpy as np, os, tempfile
    >>> from asmd import utils
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.mid")
    >>> utils.mat2midipath(np.array([[60, 0.0, 0.5, 90], [64, 0.5, 1.25, -1]]), path)
    >>> utils.midipath2mat(path).round(3).tolist()
    [[60.0, 0.0, 0.5, 90.0], [64.0, 0.5, 1.25, 80.0]]
    """
    _asmd.mat2midipath(np.ascontiguousarray(mat, dtype=float), os.fspath(path))


def midipath2mat(path):
    """Every note of the MIDI file at ``path`` as an ``n x 4`` array (pitch, onset,
    offset, velocity; seconds), sorted by onset, pitch, offset; times as pretty_midi
    computes them."""
    return _asmd.midipath2mat(os.fspath(path))


# ---------------------------------------------------------------------------- caches
_UNCHANGED = object()


def gt_cache_info():
    """What the two caches of parsed ground truth hold.

    Ground-truth files are parsed once per process into memory (``memory_budget``
    bytes at most; ``ASMD_GT_CACHE_MB``), and the parsed columns are kept on disk
    (``disk_dir``: ``$ASMD_CACHE_DIR/gt-v1``, else ``$XDG_CACHE_HOME/asmd/gt-v1``, else
    ``~/.cache/asmd/gt-v1``; ``ASMD_GT_DISK_CACHE=0`` turns it off) so that other
    processes, such as DataLoader workers or the next run, read them back instead of
    parsing the ``.json.gz`` again. An edited file is always parsed again.

    >>> info = gt_cache_info()
    >>> sorted(info)
    ['disk_budget', 'disk_bytes', 'disk_dir', 'disk_files', 'memory_budget']
    """
    d, files, nbytes, budget = _asmd.gt_disk_cache_info()
    return {
        "memory_budget": _asmd.gt_cache_budget(),
        "disk_dir": None if d is None else str(d),
        "disk_files": files,
        "disk_bytes": nbytes,
        "disk_budget": budget,
    }


def set_gt_cache(memory_mb=None, disk_dir=_UNCHANGED, disk_mb=None):
    """Change the caches of parsed ground truth for this process: ``memory_mb`` bounds
    the in-memory cache (0 turns it off), ``disk_dir`` moves the on-disk cache (``None``
    turns it off), ``disk_mb`` bounds it. Returns :func:`gt_cache_info`.

    >>> import tempfile
    >>> before = gt_cache_info()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     set_gt_cache(disk_dir=tmp)["disk_dir"] == tmp
    True
    >>> set_gt_cache(disk_dir=before["disk_dir"])["disk_dir"] == before["disk_dir"]
    True
    """
    if memory_mb is not None:
        _asmd.set_gt_cache_budget(int(memory_mb * (1 << 20)))
    if disk_dir is not _UNCHANGED:
        _asmd.set_gt_disk_cache_dir(None if disk_dir is None else os.fspath(disk_dir))
    if disk_mb is not None:
        _asmd.set_gt_disk_cache_budget(int(disk_mb * (1 << 20)))
    return gt_cache_info()


def clear_gt_cache(disk=True):
    """Empty the in-memory cache and (``disk=True``) the on-disk cache of parsed ground
    truth; returns the number of on-disk entries removed."""
    _asmd.clear_gt_cache()
    return _asmd.clear_gt_disk_cache() if disk else 0
