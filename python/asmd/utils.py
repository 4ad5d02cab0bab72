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

import os

import numpy as np

from . import _asmd

__all__ = [
    "nframes",
    "frame2time",
    "time2frame",
    "f0_to_midi_pitch",
    "midi_pitch_to_f0",
    "mat_stretch",
    "mat2midipath",
    "midipath2mat",
]


def nframes(dur, hop_size=3072, win_len=4096):
    """Number of frames (a float): ``(dur - win_len) / hop_size + 1``; any unit."""
    return (dur - win_len) / hop_size + 1


def frame2time(frame, hop_size=3072, win_len=4096):
    """Centre of frame ``frame``: ``frame * hop_size + win_len / 2``."""
    return frame * hop_size + win_len / 2


def time2frame(time, hop_size=3072, win_len=4096):
    """Frame whose centre is nearest to ``time``: ``round((time - win_len / 2) / hop_size)``
    (ties to even)."""
    return _asmd.time2frame(float(time), float(hop_size), float(win_len))


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
