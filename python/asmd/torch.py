"""PyTorch data loading: aligned excerpts of audio and score frames from any ``Dataset``.

``torch`` is imported only when an item is built, so ``import asmd.torch`` is cheap.

:class:`ExcerptDataset` is a map-style dataset: item ``k`` is one excerpt (``excerpt``
seconds, excerpts start every ``hop`` seconds) of one song: the mono audio at ``sr`` and,
for the same span, ``frame_hop``-second frames of the song's notes (pianoroll with
velocities / 127, onset frames, offset frames), with the score type chosen as in
``Dataset.get_score_mat`` (the first of precise, broad alignment, misaligned that is in
``score_type`` and non-empty, else ``score``). Only the excerpt is decoded (WAV seeks to
the bytes; FLAC, MP3, Vorbis to the packet before it). It pickles, so it works with
``DataLoader(num_workers=N)``; each worker decodes with the GIL released.

>>> import numpy as np
>>> from asmd.torch import frames_of_notes
>>> notes = np.array([[60.0, 0.25, 0.5, 127.0, 0.0, 0.0]])  # pitch, onset, offset, velocity...
>>> roll, onsets, offsets = frames_of_notes(notes, start=0.0, n_frames=8, frame_hop=0.1)
>>> roll[60].tolist(), onsets[60].nonzero()[0].tolist(), offsets[60].nonzero()[0].tolist()
([0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0], [2], [5])
"""

import math

import numpy as np

__all__ = ["ExcerptDataset", "frames_of_notes"]


def frames_of_notes(mat, start, n_frames, frame_hop):
    """``(pianoroll, onsets, offsets)``, each ``128 x n_frames`` float32, of the notes in
    score matrix ``mat`` (rows ``[pitch, onset, offset, velocity, ...]``) for the span
    starting at ``start`` seconds. A note covers frames ``floor((onset - start) / hop)``
    to ``floor((offset - start) / hop)``; velocities are scaled to [0, 1] (1 when absent)."""
    roll = np.zeros((128, n_frames), dtype=np.float32)
    on = np.zeros_like(roll)
    off = np.zeros_like(roll)
    if mat.shape[0] == 0:
        return roll, on, off
    pitch = np.rint(mat[:, 0]).astype(np.int64)
    first = np.floor((mat[:, 1] - start) / frame_hop).astype(np.int64)
    last = np.floor((mat[:, 2] - start) / frame_hop).astype(np.int64)
    vel = mat[:, 3]
    vel = np.where(vel < 0, 127.0, vel) / 127.0
    keep = (last >= 0) & (first < n_frames) & (pitch >= 0) & (pitch < 128)
    for p, a, b, v in zip(pitch[keep], first[keep], last[keep], vel[keep]):
        roll[p, max(a, 0) : min(b, n_frames - 1) + 1] = v
        if 0 <= a < n_frames:
            on[p, a] = 1.0
        if 0 <= b < n_frames:
            off[p, b] = 1.0
    return roll, on, off


class ExcerptDataset:
    def __init__(
        self,
        dataset,
        excerpt=10.0,
        hop=None,
        sr=16000,
        frame_hop=0.01,
        score_type=("precise_alignment", "broad_alignment", "misaligned", "score"),
        quality="hq",
        pad_last=False,
    ):
        """Index the excerpts of every song of ``dataset`` (an ``asmd.asmd.Dataset``,
        filtered as you like). ``hop`` defaults to ``excerpt`` (no overlap); songs
        shorter than one excerpt give one zero-padded excerpt; ``pad_last`` also keeps a
        final partial excerpt. Durations come from the recordings' headers."""
        if excerpt <= 0 or (hop is not None and hop <= 0) or frame_hop <= 0:
            raise ValueError("excerpt, hop and frame_hop must be positive")
        self.dataset = dataset
        self.excerpt = float(excerpt)
        self.hop = float(hop if hop is not None else excerpt)
        self.sr = int(sr)
        self.frame_hop = float(frame_hop)
        self.score_type = list(score_type)
        self.quality = quality
        self.n_samples = int(round(self.excerpt * self.sr))
        self.n_frames = int(math.ceil(self.excerpt / self.frame_hop))
        self.index = []
        for i in range(len(dataset)):
            info = dataset.get_audio_data(i)
            duration = max(d[0] for d in info)
            if duration <= self.excerpt:
                starts = [0.0]
            else:
                count = int(math.floor((duration - self.excerpt) / self.hop)) + 1
                starts = [k * self.hop for k in range(count)]
                if pad_last and starts[-1] + self.excerpt < duration:
                    starts.append(starts[-1] + self.hop)
            self.index.extend((i, s) for s in starts)
        self._mats = {}

    def __len__(self):
        return len(self.index)

    def _score_mat(self, i):
        mat = self._mats.get(i)
        if mat is None:
            mat = self.dataset.get_score_mat(i, score_type=self.score_type)
            self._mats[i] = mat
        return mat

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_mats"] = {}
        return state

    def arrays(self, k):
        """Item ``k`` as numpy arrays: ``(audio, pianoroll, onsets, offsets)``."""
        i, start = self.index[k]
        x, _ = self.dataset.get_mix(
            i, sr=self.sr, start=start, end=start + self.excerpt, quality=self.quality
        )
        if x.shape[0] < self.n_samples:
            x = np.pad(x, (0, self.n_samples - x.shape[0]))
        else:
            x = x[: self.n_samples]
        roll, on, off = frames_of_notes(
            self._score_mat(i), start, self.n_frames, self.frame_hop
        )
        return x, roll, on, off

    def __getitem__(self, k):
        import torch

        x, roll, on, off = self.arrays(k)
        return {
            "audio": torch.from_numpy(x),
            "pianoroll": torch.from_numpy(roll),
            "onsets": torch.from_numpy(on),
            "offsets": torch.from_numpy(off),
            "item": self.index[k][0],
            "start": self.index[k][1],
        }
