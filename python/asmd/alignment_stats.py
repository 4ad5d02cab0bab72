"""Artificial misalignment: learn how scores deviate from performances and generate
plausible non-aligned scores, reproducibly.

Statistics come from score/performance pairs: the ``score`` and aligned notes of a
:class:`asmd.asmd.Dataset` selection, or a folder of MIDI pairs laid out like ASAP
(every ``midi_score.mid`` paired with each other ``.mid`` of its folder). Notes are
matched in Rust (no external program); a pair that cannot be matched within
``timeout`` seconds is skipped with its reason (:attr:`Stats.skipped`).

Two methods share one model file (versioned JSON, not pickle; the default one, trained
on ASAP pairs, ships with asmd):

- ``"histogram"`` (:class:`HistStats`): the ASMD 0.5.1 method, standardised onset
  differences and duration ratios drawn from histograms (numpy's ``bins="auto"``);
- ``"tempo"`` (:class:`TempoStats`, the default): a tempo-deviation profile over the
  piece plus a smooth random tempo curve and per-note jitter, log-normal duration
  ratios; lower L1 than the histogram method on held-out songs (:func:`evaluate`).

>>> from asmd import alignment_stats
>>> st = alignment_stats.HistStats()        # the shipped model, histogram method
>>> st.seed(7)
7
>>> song = st.new_song()
>>> sorted(song)
['dur_mean', 'dur_std', 'ons_mean', 'ons_std']
>>> ons = st.get_random_onsets([0.0, 0.5, 1.0, 1.5])
>>> offs = st.get_random_offsets([0.0, 0.5, 1.0, 1.5], [0.5, 1.0, 1.5, 2.0], ons)
>>> len(ons), len(offs), float(ons.min())
(4, 4, 0.0)
>>> bool((offs > ons).all())
True
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Sequence, Union

import numpy as np

from . import _asmd

if TYPE_CHECKING:
    import numpy.typing as npt
    from typing_extensions import Self

    from .asmd import Dataset
    from ._typing import F64Array, SongDraw, StrPath

    _Notes = Union[Sequence[float], npt.NDArray[Any]]

__all__ = ["Stats", "HistStats", "TempoStats", "evaluate", "get_stats"]

_COLLECTED = ("ons_diffs", "dur_ratios", "means_ons", "means_dur", "ons_dev", "dur_dev")


def _core_dataset(dataset: object) -> _asmd._Dataset:
    core = getattr(dataset, "_core", None)
    if core is None:
        raise TypeError(f"expected an asmd.asmd.Dataset, got {type(dataset).__name__}")
    return core


class Stats:
    """Statistics, trained model and random state of a misalignment generator.

    ``model``: a model file written by :meth:`save` or ``asmd stats train`` (default: the
    shipped model). ``method``: ``"tempo"`` or ``"histogram"`` (default: the class's, or
    the model's for :class:`Stats` itself). ``seed``: the generator's initial seed.

    Typical use: ``fill_stats`` on pairs, ``train_on_filled_stats``, then ``seed``,
    ``new_song`` and ``get_random_onsets``/``get_random_offsets`` per song -- or
    :meth:`misalign` for a whole note list, as the conversion does.
    """

    method_name: str | None = None

    def __init__(
        self, model: StrPath | None = None, method: str | None = None, seed: int = 1992
    ) -> None:
        method = method if method is not None else self.method_name
        self._core = _asmd._Stats(
            method, None if model is None else os.fspath(model), int(seed)
        )

    # ---- statistics and training ----------------------------------------------------
    def fill_stats(
        self,
        dataset: Dataset | None = None,
        pairs_dir: StrPath | None = None,
        timeout: float = 20.0,
        n_jobs: int = 0,
    ) -> int:
        """Match the score/performance pairs of ``dataset`` (songs with a ``score`` and
        an aligned type; others are left out) or of the folder ``pairs_dir`` and add
        their statistics. Returns the number of songs added; see :attr:`skipped` and
        :attr:`matched`. ``n_jobs``: threads (0 = one per core)."""
        core = None if dataset is None else _core_dataset(dataset)
        return self._core.fill_stats(
            core,
            None if pairs_dir is None else os.fspath(pairs_dir),
            float(timeout),
            int(n_jobs),
        )

    def add_data_to_histograms(
        self,
        perf_onsets: _Notes,
        perf_offsets: _Notes,
        score_onsets: _Notes,
        score_offsets: _Notes,
        pitches: _Notes,
        name: str = "song",
    ) -> None:
        """Add one song's matched notes (performance and stretched score, same order)."""
        self._core.add_song(
            str(name),
            *(
                np.asarray(a, dtype=np.float64).tolist()
                for a in (
                    perf_onsets,
                    perf_offsets,
                    score_onsets,
                    score_offsets,
                    pitches,
                )
            ),
        )

    def train_on_filled_stats(self) -> Self:
        """Train both methods on what was filled; the model in use becomes the new one."""
        self._core.train_on_filled_stats()
        return self

    def __getattr__(self, name: str) -> F64Array:
        if name in _COLLECTED:
            return self._core.collected(name)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @property
    def matched(self) -> list[dict[str, Any]]:
        """Per matched song: dict of name, score_fraction, perf_fraction, seconds, notes."""
        keys = ("name", "score_fraction", "perf_fraction", "seconds", "notes")
        return [dict(zip(keys, row)) for row in self._core.matched()]

    @property
    def skipped(self) -> list[tuple[str, str]]:
        """Pairs left out: list of ``(name, reason)``."""
        return self._core.skipped()

    @property
    def method(self) -> str:
        return self._core.method

    @property
    def model(self) -> dict[str, Any]:
        """The model in use, as a dict (what :meth:`save` writes)."""
        return json.loads(self._core.model_json())

    def save(self, path: StrPath) -> None:
        """Write the model (versioned JSON) atomically."""
        self._core.save(os.fspath(path))

    @classmethod
    def load(cls, path: StrPath, method: str | None = None, seed: int = 1992) -> Self:
        return cls(model=path, method=method, seed=seed)

    # ---- generation -----------------------------------------------------------------
    def seed(self, seed: int | None = None) -> int:
        """Reseed the generator (forgets the current song draw); returns the seed.
        Without an argument, advances the current seed by one, so successive calls give
        successive reproducible songs."""
        seed = self._core.current_seed + 1 if seed is None else int(seed)
        self._core.seed(seed)
        return seed

    def new_song(self) -> SongDraw:
        """Draw new song-level parameters (onset std and mean, duration-ratio std and
        mean; log-ratio for the tempo method) and return them."""
        return self._core.new_song()

    def get_random_onsets(self, aligned: _Notes) -> F64Array:
        """New onsets for the aligned onsets of one song, in the input order, shifted so
        that the earliest is 0. Unlike ASMD 0.5.1 they are not sorted (sorting onsets
        alone detaches them from their pitches): sort whole notes with ``np.argsort``."""
        new = self._core.random_onsets(np.asarray(aligned, dtype=np.float64).tolist())
        return new - new.min() if len(new) else new

    def get_random_offsets(
        self, aligned_onsets: _Notes, aligned_offsets: _Notes, new_ons: _Notes
    ) -> F64Array:
        """New offsets: each new onset plus the aligned duration divided by a drawn
        duration ratio (input order; no same-pitch fix, :meth:`misalign` does that)."""
        f = lambda a: np.asarray(a, dtype=np.float64).tolist()  # noqa: E731
        return self._core.random_offsets(
            f(aligned_onsets), f(aligned_offsets), f(new_ons)
        )

    def misalign(
        self, pitches: _Notes, onsets: _Notes, offsets: _Notes, seed: int | None = None
    ) -> dict[str, Any]:
        """Misalign a note list as the conversion does for one file: returns a dict with
        ``onsets``, ``offsets``, ``pitches`` (sorted by onset, starting at 0, offsets cut
        before the next onset of the same pitch, every note >= 0.0625 s) and boolean
        ``missing``/``extra``. The same seed gives the same result."""
        f = lambda a: np.asarray(a, dtype=np.float64).tolist()  # noqa: E731
        seed = self._core.current_seed if seed is None else int(seed)
        ons, offs, pitches, missing, extra = self._core.misalign(
            f(pitches), f(onsets), f(offsets), seed
        )
        return {
            "onsets": ons,
            "offsets": offs,
            "pitches": pitches,
            "missing": missing,
            "extra": extra,
        }

    def evaluate(self, seed: int = 1992) -> dict[str, Any]:
        """The paper's evaluation on the filled statistics: see :func:`evaluate`."""
        return json.loads(self._core.evaluate(int(seed)))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, "
            f"filled_songs={len(self._core.matched())})"
        )


class HistStats(Stats):
    """The ASMD 0.5.1 histogram method."""

    method_name = "histogram"


class TempoStats(Stats):
    """The tempo-curve method (asmd's default)."""

    method_name = "tempo"


def evaluate(
    dataset: Dataset | None = None,
    pairs_dir: StrPath | None = None,
    seed: int = 1992,
    timeout: float = 20.0,
    n_jobs: int = 0,
) -> dict[str, Any]:
    """The paper's evaluation: match the pairs, split songs 70/30 by piece (seeded),
    train on 70 %, and on each held-out song measure the mean L1 distance (seconds)
    between generated and real score onsets and offsets over the matched notes, for
    both methods in the same run. Returns a dict: ``train_songs``, ``test_songs``,
    ``seed``, ``methods`` (rows of ``method``, ``onsets_mean``, ``onsets_std``,
    ``offsets_mean``, ``offsets_std``), ``matched`` and ``skipped``."""
    st = Stats()
    st.fill_stats(dataset=dataset, pairs_dir=pairs_dir, timeout=timeout, n_jobs=n_jobs)
    out = st.evaluate(seed)
    out["matched"] = st.matched
    out["skipped"] = st.skipped
    return out


def get_stats(
    method: str = "tempo",
    dataset: Dataset | None = None,
    pairs_dir: StrPath | None = None,
    train: bool = True,
    save: StrPath | None = None,
    timeout: float = 20.0,
    n_jobs: int = 0,
) -> Stats:
    """A ready generator: trained on ``dataset``/``pairs_dir`` when ``train`` and one
    is given, else the shipped model; ``save``: also write the model there."""
    cls = HistStats if method in ("histogram", "hist") else TempoStats
    if method not in ("histogram", "hist", "tempo"):
        raise ValueError(f"unknown misalignment method {method!r} (histogram or tempo)")
    st = cls()
    if train and (dataset is not None or pairs_dir is not None):
        st.fill_stats(
            dataset=dataset, pairs_dir=pairs_dir, timeout=timeout, n_jobs=n_jobs
        )
        st.train_on_filled_stats()
    if save is not None:
        st.save(save)
    return st
