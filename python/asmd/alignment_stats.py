"""Artificial misalignment: learn how scores relate to performances and generate
plausible non-aligned scores, reproducibly.

Statistics come from score/performance pairs: the ``score`` and aligned notes of a
:class:`asmd.asmd.Dataset` selection, or a folder of MIDI pairs laid out like ASAP
(every ``midi_score.mid`` paired with each other ``.mid`` of its folder). Notes are
matched in Rust (no external program); a pair that cannot be matched within
``timeout`` seconds is skipped with its reason (:attr:`Stats.skipped`).

Four methods share one model file (versioned JSON, not pickle; the default one, trained
on ASAP pairs, ships with asmd):

- ``"warp"`` (:class:`WarpStats`, the default): one score timeline per song -- a
  song-level tempo ratio, a smooth random time warp, chords, order inversions and
  duration ratios drawn from distributions calibrated to real scores;
- ``"histogram"`` (:class:`HistStats`) and ``"hmm"`` (:class:`HMMStats`): the ASMD 0.5.1
  methods, standardised onset differences and duration ratios drawn from histograms
  (numpy's ``bins="auto"``) or from Gaussian-mixture HMMs;
- ``"tempo"`` (:class:`TempoStats`): the tempo-curve method of asmd 0.6.

:func:`evaluate` compares them on held-out songs; ``python -m asmd.alignment_stats``
prints that comparison (see ``--help``).

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
>>> st.get_random_onset_dev(k=3).shape
(3,)
>>> w = alignment_stats.WarpStats()
>>> out = w.misalign([60, 64, 67, 72], [0.0, 0.01, 0.5, 1.0], [0.4, 0.4, 0.9, 1.6], seed=3)
>>> float(out["onsets"][0]), len(out["onsets"])
(0.0, 4)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

import numpy as np

from . import _asmd

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._typing import F64Array, SongDraw

__all__ = [
    "Stats",
    "HistStats",
    "HMMStats",
    "TempoStats",
    "WarpStats",
    "evaluate",
    "get_matching_scores",
    "get_stats",
    "main",
]

_COLLECTED = (
    "ons_diffs",
    "dur_ratios",
    "means_ons",
    "means_dur",
    "ons_dev",
    "dur_dev",
    "ons_lengths",
    "dur_lengths",
)

#: Generated scores per held-out song and method in :func:`evaluate`.
DEFAULT_DRAWS = 40


def _core_dataset(dataset):
    """The engine dataset behind ``dataset`` with its pending edits pushed (its
    ``_sync()``, as :mod:`asmd.dataset_utils` does), or a ``TypeError``."""
    if not isinstance(getattr(dataset, "_core", None), _asmd._Dataset):
        raise TypeError(
            f"dataset must be an asmd Dataset, got {type(dataset).__name__}"
        )
    return dataset._sync()


def _floats(a):
    return np.asarray(a, dtype=np.float64).ravel().tolist()


class Stats:
    """Statistics, trained model and random state of a misalignment generator.

    The first four arguments are ASMD 0.5.1's: the song-level onset and duration stds
    are drawn on histogram edges scaled to ``[-max, max]`` (``None``: unscaled).
    Keyword-only: ``model``, a model file written by :meth:`save` or ``asmd stats
    train`` (default: the shipped model); ``method``, ``"warp"``, ``"histogram"``,
    ``"hmm"`` or ``"tempo"`` (default: the class's, or the model's for :class:`Stats`
    itself); ``seed``, the generator's initial seed.

    Typical use: ``fill_stats`` on pairs, ``train_on_filled_stats``, then ``seed``,
    ``new_song`` and ``get_random_onsets``/``get_random_offsets`` per song -- or
    :meth:`misalign` for a whole note list, as the conversion does.
    """

    method_name: str | None = None

    def __init__(
        self,
        ons_dev_max=0.2,
        dur_dev_max=0.2,
        mean_max_ons=None,
        mean_max_dur=None,
        *,
        model=None,
        method=None,
        seed=1992,
        ons_max=None,
        dur_max=None,
        stats=None,
    ):
        method = method if method is not None else self.method_name
        self.ons_dev_max = ons_dev_max
        self.dur_dev_max = dur_dev_max
        self.mean_max_ons = mean_max_ons
        self.mean_max_dur = mean_max_dur
        self.ons_max = ons_max
        self.dur_max = dur_max
        self._core = _asmd._Stats(
            method,
            None if model is None else os.fspath(model),
            int(seed),
            ons_dev_max,
            dur_dev_max,
            mean_max_ons,
            mean_max_dur,
            ons_max,
            dur_max,
        )
        if stats is not None:
            if not isinstance(stats, Stats):
                raise TypeError(
                    f"stats must be an asmd.alignment_stats.Stats, not {type(stats).__name__}"
                )
            self._core.copy_stats_from(stats._core)

    # ---- statistics and training ----------------------------------------------------
    def fill_stats(self, dataset=None, pairs_dir=None, timeout=20.0, n_jobs=0):
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

    def add_data_to_histograms(self, *arrays, name="song"):
        """Add one song's statistics. With two arrays, ASMD 0.5.1's form
        ``(ons_diffs, dur_ratios)``: onset differences (score - performance) and duration
        ratios (performance / score) of its matched notes, for the histogram and HMM
        methods. With five, ``(perf_onsets, perf_offsets, score_onsets, score_offsets,
        pitches)`` of the matched notes (score times as written), for every method."""
        if len(arrays) == 2:
            self._core.add_diffs(_floats(arrays[0]), _floats(arrays[1]))
        elif len(arrays) == 5:
            self._core.add_song(str(name), *(_floats(a) for a in arrays))
        else:
            raise TypeError(
                "add_data_to_histograms takes (ons_diffs, dur_ratios) or (perf_onsets, "
                f"perf_offsets, score_onsets, score_offsets, pitches), got {len(arrays)} arrays"
            )

    def train_on_filled_stats(self, all_methods: bool = False) -> Self:
        """Train the method in use (and the song histograms every method draws from) on
        what was filled; the model in use becomes the new one. ``all_methods``: train
        every method the statistics allow (what :meth:`save` then writes)."""
        self._core.train_on_filled_stats(bool(all_methods))
        return self

    def __getattr__(self, name):
        if name in _COLLECTED:
            return self._core.collected(name)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @property
    def matched(self):
        """Per matched song: dict of name, score_fraction, perf_fraction, seconds, notes."""
        keys = ("name", "score_fraction", "perf_fraction", "seconds", "notes")
        return [dict(zip(keys, row)) for row in self._core.matched()]

    @property
    def skipped(self):
        """Pairs left out: list of ``(name, reason)``."""
        return self._core.skipped()

    @property
    def method(self):
        return self._core.method

    @property
    def model(self):
        """The model in use, as a dict (what :meth:`save` writes)."""
        return json.loads(self._core.model_json())

    def save(self, path):
        """Write the model (versioned JSON) atomically."""
        self._core.save(os.fspath(path))

    @classmethod
    def load(cls, path, method=None, seed=1992):
        """A generator with the model file at ``path`` (ASMD 0.5.1's ``load``): the
        class's method (``HistStats.load`` draws with the histograms), or ``method``
        (default: the model's) when called on :class:`Stats` itself."""
        if cls.method_name is None:
            return cls(model=path, method=method, seed=seed)
        if method is not None and method != cls.method_name:
            raise ValueError(
                f"{cls.__name__} draws with the {cls.method_name!r} method, not {method!r}"
            )
        return cls(model=path, seed=seed)

    # ---- random draws (ASMD 0.5.1 names) -----------------------------------------------
    def seed(self, seed=None):
        """Reseed the generator (forgets the current song draw); returns the seed.
        Without an argument, advances the current seed by one, as ASMD 0.5.1's
        ``seed()``, so successive calls give successive reproducible songs."""
        seed = self._core.current_seed + 1 if seed is None else int(seed)
        self._core.seed(seed)
        return seed

    def get_random_onset_dev(self, k=1):
        """``k`` song-level onset-difference stds from the song histogram (scaled to
        ``ons_dev_max``)."""
        return self._core.song_values("onset_dev", int(k))

    def get_random_duration_dev(self, k=1):
        """``k`` song-level duration-ratio stds (scaled to ``dur_dev_max``)."""
        return self._core.song_values("duration_dev", int(k))

    def get_random_mean_ons(self, k=1):
        """``k`` song-level mean onset differences."""
        return self._core.song_values("mean_ons", int(k))

    def get_random_mean_dur(self, k=1):
        """``k`` song-level mean duration ratios."""
        return self._core.song_values("mean_dur", int(k))

    def get_random_onset_diff(self, k=1):
        """``k`` standardised onset differences: histogram draws (histogram method) or
        one HMM sequence (hmm method); the warp and tempo methods raise."""
        return self._core.diffs("onsets", int(k))

    def get_random_duration_ratio(self, k=1):
        """``k`` standardised duration ratios (histogram and hmm methods)."""
        return self._core.diffs("durations", int(k))

    def new_song(self) -> SongDraw:
        """Draw new song-level parameters (onset std and mean, duration-ratio std and
        mean; for the warp method also the song's tempo ratio) and return them."""
        return self._core.new_song()

    def get_random_durations(self, aligned_dur):
        """New durations for the aligned durations of the current song: each divided by
        a drawn duration ratio."""
        return self._core.random_durations(_floats(aligned_dur))

    def get_random_onsets(self, aligned) -> F64Array:
        """New onsets for the aligned onsets of one song, in the input order, shifted so
        that the earliest is 0. Unlike ASMD 0.5.1 they are not sorted (sorting onsets
        alone detaches them from their pitches): sort whole notes with ``np.argsort``."""
        new = self._core.random_onsets(_floats(aligned))
        return new - new.min() if len(new) else new

    def get_random_offsets(self, aligned_ons, aligned_offs, new_ons):
        """New offsets: each new onset plus the aligned duration divided by a drawn
        duration ratio (input order; no same-pitch fix, :meth:`misalign` does that)."""
        return self._core.random_offsets(
            _floats(aligned_ons), _floats(aligned_offs), _floats(new_ons)
        )

    def misalign(self, pitches, onsets, offsets, seed=None):
        """Misalign a note list as the conversion does for one file: returns a dict with
        ``onsets``, ``offsets``, ``pitches`` (sorted by onset, starting at 0, offsets cut
        before the next onset of the same pitch, every note >= 0.0625 s) and boolean
        ``missing``/``extra``. The same seed gives the same result."""
        seed = self._core.current_seed if seed is None else int(seed)
        ons, offs, pitches, missing, extra = self._core.misalign(
            _floats(pitches), _floats(onsets), _floats(offsets), seed
        )
        return {
            "onsets": ons,
            "offsets": offs,
            "pitches": pitches,
            "missing": missing,
            "extra": extra,
        }

    def evaluate(self, seed=1992, draws=DEFAULT_DRAWS, methods=None):
        """The evaluation on the filled statistics: see :func:`evaluate`."""
        return self._core.evaluate(
            int(seed), int(draws), None if methods is None else list(methods)
        )

    def __repr__(self):
        return (
            f"{type(self).__name__}(method={self.method!r}, "
            f"filled_songs={len(self._core.matched())})"
        )


class HistStats(Stats):
    """The ASMD 0.5.1 histogram method. ``stats``: a filled :class:`Stats` whose
    statistics are copied (as 0.5.1's ``HistStats(stats=stats)``)."""

    method_name = "histogram"

    def __init__(
        self, ons_max=None, dur_max=None, stats=None, *, model=None, seed=1992
    ):
        super().__init__(
            model=model, seed=seed, ons_max=ons_max, dur_max=dur_max, stats=stats
        )


class HMMStats(Stats):
    """The ASMD 0.5.1 HMM method: standardised onset differences and duration ratios
    drawn as sequences from hidden Markov models with Gaussian-mixture emissions (20
    states x 30 components for onsets, 2 x 3 for durations), trained with Baum-Welch.
    ``stats``: a filled :class:`Stats` whose statistics are copied."""

    method_name = "hmm"

    def __init__(self, stats=None, *, model=None, seed=1992):
        super().__init__(model=model, seed=seed, stats=stats)


class TempoStats(Stats):
    """The tempo-curve method of asmd 0.6."""

    method_name = "tempo"

    def __init__(self, *, model=None, seed=1992, stats=None):
        super().__init__(model=model, seed=seed, stats=stats)


class WarpStats(Stats):
    """The calibrated warp method (asmd's default): one score timeline per song."""

    method_name = "warp"

    def __init__(self, *, model=None, seed=1992, stats=None):
        super().__init__(model=model, seed=seed, stats=stats)


def get_matching_scores(dataset, i, timeout=20.0):
    """The matched notes of song ``i`` of ``dataset``: ``(score, aligned)``, two score
    matrices (columns as :func:`asmd.dataset_utils.get_score_mat`) with one row per
    matched note, in the same order. The score is first stretched onto the aligned
    notes' span and pitches are rounded, as ASMD 0.5.1 does. Raises ``RuntimeError``
    when the notes cannot be matched within ``timeout`` seconds."""
    from .dataset_utils import get_score_mat
    from .utils import mat_stretch

    aligned = get_score_mat(
        dataset, i, score_type=["precise_alignment", "broad_alignment"]
    )
    score = get_score_mat(dataset, i, score_type=["score"])
    aligned = aligned[np.all(aligned[:, :3] >= 0, axis=1)]
    score = score[np.all(score[:, :3] >= 0, axis=1)]
    if len(score) == 0 or len(aligned) == 0:
        raise RuntimeError(f"song {i} has no score or no aligned notes to match")
    mat_stretch(score, aligned)
    aligned[:, 0] = np.round(aligned[:, 0])
    score[:, 0] = np.round(score[:, 0])
    si, ai = _asmd.match_notes(
        [tuple(r) for r in score[:, :3].tolist()],
        [tuple(r) for r in aligned[:, :3].tolist()],
        float(timeout),
    )
    return score[si], aligned[ai]


def evaluate(
    dataset=None,
    stats=None,
    pairs_dir=None,
    seed=1992,
    timeout=20.0,
    n_jobs=0,
    draws=DEFAULT_DRAWS,
    methods=None,
):
    """Compare generated with real scores on held-out songs.

    Without ``stats``: match the pairs of ``dataset`` or ``pairs_dir``, split the songs
    70/30 by piece (seeded), train every method on 70 %, and on the held-out songs
    compare the features of the generated and the real score/performance relations --
    (a) span ratio, (b) local tempo deviation, (c) duration ratios, (d) chord asynchrony
    as Kolmogorov-Smirnov statistics, (e) order inversions as a rate -- and the paper's
    mean L1 (seconds) of onsets and offsets, with the identity baseline (the
    performance itself) first. Returns a dict: ``train_songs``, ``test_songs``,
    ``seed``, ``draws``, ``quantile_levels``, ``real`` (inversion rate, quantiles),
    ``methods`` (per row: ``method``, ``ks``, ``inversion_rate``, ``inversion_ratio``,
    ``quantiles``, ``onsets_mean``, ``onsets_std``, ``offsets_mean``, ``offsets_std``,
    ``train_seconds``, ``generate_seconds``), ``matched`` and ``skipped``.

    With ``stats`` (ASMD 0.5.1's ``evaluate(dataset, stats)``): a list of trained
    :class:`Stats`, each scored on every song of ``dataset`` (no split); returns one
    dict per generator (its row and the identity baseline's)."""
    data = Stats()
    data.fill_stats(
        dataset=dataset, pairs_dir=pairs_dir, timeout=timeout, n_jobs=n_jobs
    )
    if stats is not None:
        if isinstance(stats, Stats):
            stats = [stats]
        out = []
        for st in stats:
            if not isinstance(st, Stats):
                raise TypeError(
                    f"stats must hold asmd.alignment_stats.Stats, not {type(st).__name__}"
                )
            out.append(st._core.score_on(data._core, int(seed), int(draws)))
        return out
    out = data.evaluate(seed, draws, methods)
    out["matched"] = data.matched
    out["skipped"] = data.skipped
    return out


_CLASSES = {
    "histogram": HistStats,
    "hist": HistStats,
    "hmm": HMMStats,
    "tempo": TempoStats,
    "warp": WarpStats,
}


def get_stats(
    method=None,
    save=None,
    train=True,
    dataset=None,
    pairs_dir=None,
    timeout=20.0,
    n_jobs=0,
) -> Stats:
    """A ready generator (ASMD 0.5.1's ``get_stats(method, save, train)``): trained on
    ``dataset``/``pairs_dir`` when ``train`` and one is given, else the shipped model.
    ``method``: ``"warp"``, ``"histogram"``, ``"hmm"``, ``"tempo"`` or None (the
    model's default). ``save``: a path to also write the model to (``True``, 0.5.1's
    "write the pickle next to the package", writes nothing: asmd never writes into its
    own installation)."""
    if method is not None and method not in _CLASSES:
        raise ValueError(
            f"unknown misalignment method {method!r} (warp, histogram, hmm or tempo)"
        )
    st = Stats() if method is None else _CLASSES[method]()
    if train and (dataset is not None or pairs_dir is not None):
        st.fill_stats(
            dataset=dataset, pairs_dir=pairs_dir, timeout=timeout, n_jobs=n_jobs
        )
        st.train_on_filled_stats(all_methods=method is None)
    if save is not None and save is not True and save is not False:
        st.save(save)
    return st


def _default_dataset():
    """ASMD 0.5.1's evaluation set: vienna_corpus, Bach10, traditional_flute, MusicNet
    and Maestro's ``asap`` group (the songs among them with a score)."""
    from .asmd import Dataset
    from .dataset_utils import filter as _filter
    from .dataset_utils import union

    d = Dataset()
    return union(
        _filter(
            d,
            datasets=["vienna_corpus", "Bach10", "traditional_flute", "MusicNet"],
            copy=True,
        ),
        _filter(d, datasets=["Maestro"], groups=["asap"], copy=True),
    )


def _num(v, spec):
    """``v`` formatted with ``spec``; ``-`` for a value JSON could not hold (NaN: e.g.
    the ratio to a real inversion rate of 0)."""
    return "-" if v is None else format(v, spec)


def _table(ev):
    rows = [
        (
            "method",
            "KS (a) span",
            "KS (b) tempo",
            "KS (c) durations",
            "KS (d) chords",
            "(e) inversions",
            "onsets L1 (s)",
            "offsets L1 (s)",
            "train (s)",
            "generate (s)",
        )
    ]
    for r in ev["methods"]:
        ks = r["ks"]
        rows.append(
            (
                r["method"],
                _num(ks["span_ratio"], ".3f"),
                _num(ks["local_tempo"], ".3f"),
                _num(ks["duration_ratio"], ".3f"),
                _num(ks["chord_spread"], ".3f"),
                f"{_num(r['inversion_rate'], '.4f')} ({_num(r['inversion_ratio'], '.2f')}x)",
                f"{_num(r['onsets_mean'], '.3f')} ± {_num(r['onsets_std'], '.3f')}",
                f"{_num(r['offsets_mean'], '.3f')} ± {_num(r['offsets_std'], '.3f')}",
                f"{r['train_seconds']:.1f}",
                f"{r['generate_seconds']:.2f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows
    )


def main(argv=None):
    """``python -m asmd.alignment_stats``: evaluate the methods (as ASMD 0.5.1's module
    entry point did) and print the table; ``--json`` prints the whole result."""
    p = argparse.ArgumentParser(
        prog="python -m asmd.alignment_stats",
        description="Evaluate the misalignment methods on held-out songs (70/30 split "
        "by piece): KS of the score/performance features, inversion rate, the paper's "
        "L1, with the identity baseline. Default pairs: ASMD 0.5.1's evaluation set "
        "(vienna_corpus, Bach10, traditional_flute, MusicNet, Maestro's asap group) of "
        "the installed datasets.",
    )
    p.add_argument("--pairs-dir", help="a folder of MIDI pairs (ASAP layout) instead")
    p.add_argument("--seed", type=int, default=1992)
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    p.add_argument(
        "--methods", help="comma-separated subset of warp,histogram,hmm,tempo"
    )
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--jobs", type=int, default=0)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    dataset = None if a.pairs_dir else _default_dataset()
    ev = evaluate(
        dataset=dataset,
        pairs_dir=a.pairs_dir,
        seed=a.seed,
        timeout=a.timeout,
        n_jobs=a.jobs,
        draws=a.draws,
        methods=None if not a.methods else a.methods.split(","),
    )
    if a.json:
        print(json.dumps(ev, indent=1))
        return 0
    print(
        f"pairs matched: {len(ev['matched'])}, skipped: {len(ev['skipped'])}; "
        f"train songs: {ev['train_songs']}, held-out songs: {ev['test_songs']}, "
        f"seed {ev['seed']}, {ev['draws']} generated scores per song and method"
    )
    print(f"real inversion rate: {_num(ev['real']['inversion_rate'], '.4f')}")
    print(_table(ev))
    return 0


if __name__ == "__main__":
    sys.exit(main())
