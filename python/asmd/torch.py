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

:class:`ShardExcerpts` is the streaming variant (a ``torch.utils.data.IterableDataset``)
over WebDataset shards written by ``asmd export shards`` / :func:`asmd.export.to_shards`:
the same items, read sequentially from tar files, shards dealt to ``DataLoader``
workers, optionally shuffled per epoch with a seed. It needs no install tree, only the
shards (local paths, e.g. on a cluster's shared file system).

>>> import numpy as np
>>> from asmd.torch import frames_of_notes
>>> notes = np.array([[60.0, 0.25, 0.5, 127.0, 0.0, 0.0]])  # pitch, onset, offset, velocity...
>>> roll, onsets, offsets = frames_of_notes(notes, start=0.0, n_frames=8, frame_hop=0.1)
>>> roll[60].tolist(), onsets[60].nonzero()[0].tolist(), offsets[60].nonzero()[0].tolist()
([0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0], [2], [5])
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, Sequence

import numpy as np

if TYPE_CHECKING:
    import os

    import numpy.typing as npt

    from .asmd import Dataset
    from ._typing import F32Array, F64Array

__all__ = ["ExcerptDataset", "ShardExcerpts", "frames_of_notes", "read_wav_bytes"]  # noqa: F822 (ShardExcerpts: module __getattr__)


def frames_of_notes(
    mat: npt.NDArray[Any], start: float, n_frames: int, frame_hop: float
) -> tuple[F32Array, F32Array, F32Array]:
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
    #: ``(item, start in seconds)`` of every excerpt.
    index: list[tuple[int, float]]
    _mats: dict[int, F64Array]

    def __init__(
        self,
        dataset: Dataset,
        excerpt: float = 10.0,
        hop: float | None = None,
        sr: int = 16000,
        frame_hop: float = 0.01,
        score_type: Iterable[str] = (
            "precise_alignment",
            "broad_alignment",
            "misaligned",
            "score",
        ),
        quality: str = "hq",
        pad_last: bool = False,
        skip_missing: bool = False,
    ) -> None:
        """Index the excerpts of every song of ``dataset`` (an ``asmd.asmd.Dataset``,
        filtered as you like). ``hop`` defaults to ``excerpt`` (no overlap); songs
        shorter than one excerpt give one zero-padded excerpt; ``pad_last`` also keeps a
        final partial excerpt. Durations come from the recordings' headers.

        A song whose files are not on disk is an error naming the command that installs
        it (``Bach10 is not installed: run asmd install Bach10``); with
        ``skip_missing=True`` such songs are left out and their item indices listed in
        :attr:`skipped` (docs/missing-files.md)."""
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
        self.skipped = []
        for i in range(len(dataset)):
            if skip_missing and dataset.missing_files(i):
                self.skipped.append(i)
                continue
            dataset.require_files(i)
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

    def __len__(self) -> int:
        return len(self.index)

    def _score_mat(self, i: int) -> F64Array:
        mat = self._mats.get(i)
        if mat is None:
            mat = self.dataset.get_score_mat(i, score_type=self.score_type)
            self._mats[i] = mat
        return mat

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_mats"] = {}
        return state

    def arrays(self, k: int) -> tuple[F32Array, F32Array, F32Array, F32Array]:
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

    def __getitem__(self, k: int) -> dict[str, Any]:
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


def read_wav_bytes(data: bytes) -> tuple[F32Array, int]:
    """``(samples, sr)`` of a PCM 16/24/32-bit or float32 WAV file held in ``data``:
    float32 in [-1, 1], shape ``(frames,)`` for mono, ``(frames, channels)`` otherwise."""
    import struct

    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
            if fmt[0] == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE
                fmt = (struct.unpack("<H", body[24:26])[0],) + fmt[1:]
        elif cid == b"data":
            payload = body
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None:
        raise ValueError("WAV file without fmt or data chunk")
    tag, channels, sr, _, _, bits = fmt
    if tag == 3 and bits == 32:
        x = np.frombuffer(payload, "<f4").astype(np.float32)
    elif tag == 1 and bits == 16:
        x = np.frombuffer(payload, "<i2").astype(np.float32) / 32768.0
    elif tag == 1 and bits == 32:
        x = (np.frombuffer(payload, "<i4") / 2147483648.0).astype(np.float32)
    elif tag == 1 and bits == 24:
        b = np.frombuffer(payload[: len(payload) // 3 * 3], np.uint8).reshape(-1, 3)
        v = (
            b[:, 0].astype(np.int32)
            | (b[:, 1].astype(np.int32) << 8)
            | (b[:, 2].astype(np.int32) << 16)
        )
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = (v / 8388608.0).astype(np.float32)
    else:
        raise ValueError(f"unsupported WAV encoding (format {tag}, {bits} bits)")
    x = x[: len(x) // channels * channels]
    return (x if channels == 1 else x.reshape(-1, channels)), sr


def _shard_paths(
    shards: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> list[str]:
    import glob
    import os

    if isinstance(shards, (str, os.PathLike)):
        p = os.fspath(shards)
        if os.path.isdir(p):
            found = sorted(glob.glob(os.path.join(p, "shard-*.tar")))
            if not found:
                raise FileNotFoundError(f"{p}: no shard-*.tar files")
            return found
        return [p]
    return [os.fspath(x) for x in shards]


def _samples(path: str) -> Iterator[dict[str, Any]]:
    """Samples of one tar shard, in order: ``{ext: bytes}`` dicts with ``__key__``."""
    import tarfile

    current, key = {}, None
    with tarfile.open(path, "r|") as tar:
        for m in tar:
            if not m.isfile():
                continue
            name = m.name.rsplit("/", 1)[-1]
            k, _, ext = name.partition(".")
            if key is not None and k != key:
                yield current
                current = {}
            key = k
            current["__key__"] = k
            current[ext] = tar.extractfile(m).read()  # type: ignore[union-attr,assignment]
    if current:
        yield current


class _ShardExcerptsBase:
    def __init__(
        self,
        shards: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        excerpt: float = 10.0,
        hop: float | None = None,
        frame_hop: float = 0.01,
        seed: int | None = None,
        pad_last: bool = False,
    ) -> None:
        """Stream the excerpts of every sample of ``shards`` (a folder of
        ``shard-*.tar``, one tar, or a list of them): ``excerpt`` seconds every ``hop``
        (default ``excerpt``), ``frame_hop``-second note frames, as
        :class:`ExcerptDataset`. ``seed``: shuffle the shard order, differently in each
        epoch (``set_epoch``); samples keep their order inside a shard."""
        if excerpt <= 0 or (hop is not None and hop <= 0) or frame_hop <= 0:
            raise ValueError("excerpt, hop and frame_hop must be positive")
        self.shards = _shard_paths(shards)
        self.excerpt = float(excerpt)
        self.hop = float(hop if hop is not None else excerpt)
        self.frame_hop = float(frame_hop)
        self.seed = seed
        self.pad_last = pad_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose shard order ``__iter__`` uses (with ``seed``)."""
        self.epoch = int(epoch)

    def _my_shards(self) -> list[str]:
        import torch.utils.data as tud

        order = list(self.shards)
        if self.seed is not None:
            rng = np.random.default_rng([int(self.seed), self.epoch])
            order = [order[i] for i in rng.permutation(len(order))]
        info = tud.get_worker_info()
        if info is not None:
            order = order[info.id :: info.num_workers]
        return order

    def excerpts(
        self, sample: dict[str, Any]
    ) -> Iterator[tuple[dict[str, Any], float, F32Array, F32Array, F32Array, F32Array]]:
        """The excerpts of one decoded sample, as numpy arrays."""
        import io
        import json

        audio, sr = read_wav_bytes(sample["wav"])
        if audio.ndim > 1:
            audio = audio.mean(axis=1)
        notes = np.load(io.BytesIO(sample["notes.npy"]))
        meta = json.loads(sample["json"])
        n_samples = int(round(self.excerpt * sr))
        n_frames = int(math.ceil(self.excerpt / self.frame_hop))
        duration = len(audio) / sr
        if duration <= self.excerpt:
            starts = [0.0]
        else:
            count = int(math.floor((duration - self.excerpt) / self.hop)) + 1
            starts = [k * self.hop for k in range(count)]
            if self.pad_last and starts[-1] + self.excerpt < duration:
                starts.append(starts[-1] + self.hop)
        for start in starts:
            a = int(round(start * sr))
            x = audio[a : a + n_samples]
            if len(x) < n_samples:
                x = np.pad(x, (0, n_samples - len(x)))
            roll, on, off = frames_of_notes(notes, start, n_frames, self.frame_hop)
            yield meta, start, x, roll, on, off

    def __iter__(self) -> Iterator[dict[str, Any]]:
        import torch

        for path in self._my_shards():
            for sample in _samples(path):
                for meta, start, x, roll, on, off in self.excerpts(sample):
                    yield {
                        "audio": torch.from_numpy(np.ascontiguousarray(x)),
                        "pianoroll": torch.from_numpy(roll),
                        "onsets": torch.from_numpy(on),
                        "offsets": torch.from_numpy(off),
                        "key": meta["key"],
                        "item": meta["index"],
                        "start": start,
                    }


_SHARD_CLASS: Any = None

if TYPE_CHECKING:
    import torch.utils.data as _tud

    class ShardExcerpts(_ShardExcerptsBase, _tud.IterableDataset[Dict[str, Any]]):
        """A ``torch.utils.data.IterableDataset`` (made on first use; see
        ``_ShardExcerptsBase.__init__``)."""


def __getattr__(name: str) -> Any:

    # ShardExcerpts subclasses torch's IterableDataset: built on first use, so that
    # importing asmd.torch does not import torch
    global _SHARD_CLASS
    if name == "ShardExcerpts":
        if _SHARD_CLASS is None:
            import torch.utils.data as tud

            _SHARD_CLASS = type(
                "ShardExcerpts",
                (_ShardExcerptsBase, tud.IterableDataset),
                {
                    "__module__": __name__,
                    "__doc__": _ShardExcerptsBase.__init__.__doc__,
                },
            )
        return _SHARD_CLASS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
