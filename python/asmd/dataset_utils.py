"""Filtering, set operations, random splits and array views of a :class:`asmd.asmd.Dataset`.

Same functions and keyword arguments as ASMD 0.5.1's ``dataset_utils``, with its bugs
fixed (see the "Differences from ASMD 0.5.1" page): filters only narrow, the
``ground_truth`` filter works, set operations pair datasets by name.

>>> from asmd import asmd, dataset_utils as du
>>> d = asmd.Dataset()
>>> bach = du.filter(d, composer='Bach', copy=True)
>>> piano = du.filter(d, instruments=['piano'], copy=True)
>>> both = du.intersect(bach, piano)
>>> len(du.union(bach, piano)) == len(bach) + len(piano) - len(both)
True
>>> train, test = du.choice(d, p=[0.7, 0.3], random_state=1)
>>> len(train) + len(test) == len(d)
True
"""

import copy as _copy

import numpy as np

from . import _asmd

__all__ = [
    "filter",
    "union",
    "intersect",
    "complement",
    "choice",
    "chose_score_type",
    "get_score_mat",
    "get_pedaling_mat",
]

_SCORE_TYPES = ("precise_alignment", "broad_alignment", "misaligned", "score")


def _core(dataset, argument="dataset"):
    """The engine dataset behind ``dataset``, or a ``TypeError`` naming ``argument``."""
    core = getattr(dataset, "_core", None)
    if not isinstance(core, _asmd._Dataset):
        raise TypeError(
            f"{argument} must be an asmd Dataset, got {type(dataset).__name__}"
        )
    return core


def _score_types(score_type):
    """A score type or list of them -> list of str."""
    if isinstance(score_type, str):
        return [score_type]
    return [str(t) for t in score_type]


def _ground_truth(ground_truth):
    """Normalise the ``ground_truth`` filter argument to ``[(type, level or None)]``.

    Accepted: ``['precise_alignment', ...]`` (any level >= 1), ``[('f0', 2), ...]`` and
    ``{'f0': 2, ...}`` (exact levels).
    """
    if not ground_truth:
        return []
    if isinstance(ground_truth, dict):
        items = list(ground_truth.items())
    else:
        items = []
        for g in ground_truth:
            if isinstance(g, str):
                items.append((g, None))
            elif isinstance(g, (list, tuple)) and len(g) == 2:
                items.append((g[0], g[1]))
            else:
                raise TypeError(
                    "ground_truth entries must be type names or (type, level) pairs, "
                    f"got {g!r}"
                )
    out = []
    for t, level in items:
        if level is not None:
            if isinstance(level, bool) or not isinstance(level, (int, np.integer)):
                raise TypeError(f"level of {t!r} must be an int 0-2, got {level!r}")
            level = int(level)
        out.append((str(t), level))
    return out


def _options(
    instruments=[],
    ensemble=None,
    mixed=True,
    sources=False,
    all=False,
    composer="",
    datasets=[],
    groups=[],
    ground_truth=[],
    instrument_match="exact",
    composer_ignore_case=False,
):
    if isinstance(instruments, str):
        instruments = [instruments]
    if isinstance(datasets, str):
        datasets = [datasets]
    if isinstance(groups, str):
        groups = [groups]
    return {
        "instruments": list(instruments),
        "ensemble": ensemble,
        "mixed": bool(mixed),
        "sources": bool(sources),
        "all": bool(all),
        "composer": composer or "",
        "datasets": list(datasets),
        "groups": list(groups),
        "ground_truth": _ground_truth(ground_truth),
        "instrument_match": instrument_match,
        "composer_ignore_case": bool(composer_ignore_case),
    }


def filter(
    dataset,
    instruments=[],
    ensemble=None,
    mixed=True,
    sources=False,
    all=False,
    composer="",
    datasets=[],
    groups=[],
    ground_truth=[],
    copy=False,
    instrument_match="exact",
    composer_ignore_case=False,
):
    """Narrow the selection of ``dataset`` to the songs matching every argument.

    A filter only narrows: songs excluded earlier stay excluded.

    Arguments
    ---------
    instruments : list of str
        The song's instrument list must equal this one (``instrument_match='exact'``,
        ASMD's rule) or contain all of these (``instrument_match='contains'``).
    ensemble : bool or None
        Dataset-level: only ensemble (True) or solo (False) datasets.
    mixed : bool
        Put the mixed recordings in ``paths``.
    sources : bool
        Put the source recordings in ``paths``: all of them with ``all=True``, otherwise
        only the first of ``instruments`` (with its ground truth), as one-element lists.
    composer : str
        Substring of the composer (case-insensitive with ``composer_ignore_case=True``).
    datasets : list of str
        Dataset names (case-insensitive); empty = all.
    groups : list of str
        The song must belong to all of them (e.g. ``['train']``).
    ground_truth : list or dict
        Required annotations: type names (any level >= 1), ``(type, level)`` pairs or a
        ``{type: level}`` dict (exact level). A song passes when one of its groups provides
        all of them.
    copy : bool
        Filter a copy and leave ``dataset`` untouched.

    Returns the filtered dataset (``dataset`` itself unless ``copy``).
    """
    _core(dataset)
    dataset._push_flags()
    ret = _copy.deepcopy(dataset) if copy else dataset
    ret._core.filter(
        _options(
            instruments,
            ensemble,
            mixed,
            sources,
            all,
            composer,
            datasets,
            groups,
            ground_truth,
            instrument_match,
            composer_ignore_case,
        )
    )
    return ret._with_core(ret._core)


def _filter_kwargs(kwargs):
    # ASMD 0.5.1 passed these on to `filter`, so `copy=` was accepted (and meaningless:
    # the result is always a new dataset)
    kwargs = dict(kwargs)
    kwargs.pop("copy", None)
    return _options(**kwargs)


def _combine(op, datasets, kwargs):
    if len(datasets) == 0:
        raise ValueError("at least one dataset is needed")
    for k, d in enumerate(datasets):
        _core(d, f"{op}() argument {k + 1}")
    if len(datasets) == 1:
        return _copy.deepcopy(datasets[0])
    opts = _filter_kwargs(kwargs)
    for d in datasets:
        d._push_flags()
    out = _copy.deepcopy(datasets[0])
    core = datasets[0]._core
    for other in datasets[1:]:
        core = getattr(core, op)(other._core, opts)
    return out._with_core(core)


def union(*datasets, **kwargs):
    """Songs selected in any of ``datasets`` (built from the same definitions), then
    filtered with ``kwargs`` (default: mixed recordings only). One dataset: a copy."""
    return _combine("union", datasets, kwargs)


def intersect(*datasets, **kwargs):
    """Songs selected in all of ``datasets``, then filtered with ``kwargs``."""
    return _combine("intersect", datasets, kwargs)


def complement(dataset, **kwargs):
    """Songs not selected in ``dataset``, then filtered with ``kwargs``."""
    opts = _filter_kwargs(kwargs)
    _core(dataset)
    dataset._push_flags()
    out = _copy.deepcopy(dataset)
    return out._with_core(dataset._core.complement(opts))


def choice(dataset, p=[0.6, 0.2, 0.2], random_state=None, exact=False):
    """Split the items into ``len(p)`` non-overlapping datasets; each item goes to split
    ``k`` with probability ``p[k] / sum(p)``. Returns a tuple of datasets.

    The draws are ASMD 0.5.1's, so the same ``random_state`` gives the same split:
    ``numpy.random.RandomState(random_state).choice(len(p), p=p, size=len(dataset))``
    with ``p`` normalised in float32. ``random_state``: an int in ``[0, 2**32)``
    (computed by the engine, identical to numpy), a ``numpy.random.RandomState`` or
    ``Generator`` (its ``choice`` draws, advancing it), or ``None`` (numpy's global
    ``RandomState``, so ``np.random.seed`` controls it). ``exact=True`` (an asmd
    addition) gives exactly proportional sizes instead, from an int seed.
    """
    _core(dataset)
    core = dataset._sync()
    n_splits = len(p)
    if exact:
        if random_state is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        elif isinstance(random_state, (int, np.integer)) and not isinstance(
            random_state, bool
        ):
            seed = int(random_state)
        else:
            raise TypeError("exact=True needs an int random_state (or None)")
        parts = core.choice([float(x) for x in p], seed, True)
    elif isinstance(random_state, (int, np.integer)) and not isinstance(
        random_state, bool
    ):
        parts = core.choice([float(x) for x in p], int(random_state), False)
    else:
        if random_state is None:
            rs = np.random.mtrand._rand
        elif isinstance(random_state, (np.random.RandomState, np.random.Generator)):
            rs = random_state
        else:
            raise ValueError(
                f"{random_state!r} cannot be used to seed a numpy.random.RandomState "
                "instance"
            )
        w = np.asarray(p, dtype=np.float32)
        if w.ndim != 1 or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            from .errors import AsmdArgumentError

            raise AsmdArgumentError(
                f"p must be finite non-negative weights, not all zero; got {list(p)!r}"
            )
        w /= w.sum()
        splits = rs.choice(np.arange(n_splits), p=w, size=(len(dataset),))
        parts = core.split([int(k) for k in splits], n_splits)
    out = []
    for part in parts:
        d = _copy.deepcopy(dataset)
        out.append(d._with_core(part))
    return tuple(out)


def chose_score_type(score_type, gts):
    """The score type to use for ``gts`` (list of ground-truth dicts): a single type as is;
    from a longer list the first of precise_alignment, broad_alignment, misaligned that is
    in the list and has notes in ``gts[0]``, else ``'score'``."""
    types = _score_types(score_type)
    if len(types) == 0:
        raise ValueError("score_type must name at least one score type")
    if len(types) == 1:
        return "misaligned" if types[0] == "non_aligned" else types[0]
    for t in _SCORE_TYPES[:3]:
        if t in types and gts and len(gts[0][t]["pitches"]) > 0:
            return t
    return "score"


def get_score_mat(dataset, idx, score_type=["misaligned"], return_notes=""):
    """``n x 6`` float array ``[pitch, onset, offset, velocity, program, track index]`` of
    every ground truth of item ``idx``; missing values are -255; rows sorted by onset,
    then pitch, then offset.

    ``return_notes``: ``'missing'``, ``'extra'`` or ``'both'`` also returns the matching
    bool arrays in the same row order (they exist where artificial misalignment was
    generated).
    """
    if return_notes not in ("", None, "missing", "extra", "both"):
        raise ValueError(
            f"return_notes must be '', 'missing', 'extra' or 'both', got {return_notes!r}"
        )
    missing = return_notes in ("missing", "both")
    extra = return_notes in ("extra", "both")
    out = dataset._core.get_score_mat(
        dataset._item(idx), _score_types(score_type), missing, extra
    )
    return out[0] if len(out) == 1 else out


def get_pedaling_mat(dataset, idx, frame_based=False, winlen=0.046, hop=0.01):
    """One array per ground truth of item ``idx`` with rows ``(time, sustain, sostenuto,
    soft)``.

    Event-based (default): one row per control change, -1 for the pedals it does not
    touch, sorted by time; no event gives shape ``(0, 4)``. ``frame_based=True``: one row
    per frame centred at ``k * hop + winlen / 2`` over the score duration, each pedal
    holding its last value.
    """
    return dataset._core.get_pedaling_mat(
        dataset._item(idx), bool(frame_based), float(winlen), float(hop)
    )
