"""Rebuild ground truth from the original annotations of installed datasets.

>>> from asmd import conversion_tool
>>> conversion_tool.check({"score": {"onsets": [0.0], "offsets": [1.0], "pitches": [60],
...                                  "velocities": [], "notes": [], "beats": []}})
0

``create_gt`` runs every converter named in each definition's ``install.conversion`` on
every song of the installed datasets, in parallel, and writes ``.json.gz`` files next to
the original annotations (only what is missing or older than its inputs, unless
``force``); one bad file fails its song, never the run.
"""

import json
import os
from copy import deepcopy

import numpy as np

from . import _asmd
from .asmd import THISDIR, load_definitions  # noqa: F401 (ASMD 0.5.1 names)
from .convert_from_file import *  # noqa: F401,F403 (ASMD 0.5.1 re-exported them)
from .convert_from_file import change_ext, convert, prototype_gt  # noqa: F401

__all__ = [
    "create_gt",
    "check",
    "check_detail",
    "conversion",
    "misalign",
    "fix_offsets",
    "generate_missing_extra",
    "merge_dicts",
    "normalize_text",
    "text_similarity",
    "slice_intersection",
    "random_subslice",
    "random_distinct_subslices",
    "INSTRUMENT_MAP",
    "PARALLEL",
    "rng",
]

#: If False, :func:`create_gt` converts on one thread (unless given ``jobs``).
PARALLEL = True

#: The generator of :func:`generate_missing_extra` and :func:`random_subslice`
#: (ASMD 0.5.1's, seeded 1002 at import: reassign it to reseed).
rng = np.random.default_rng(1002)


def normalize_text(text):
    """Lower case, alphanumerics only.

    >>> normalize_text("French Horn (B-flat)")
    'frenchhornbflat'
    """
    return _asmd.normalize_text(str(text))


def text_similarity(a, b):
    """Length of the longest common substring of ``a`` and ``b``.

    >>> text_similarity("frenchhorn", "englishhorn")
    5
    """
    return _asmd.text_similarity(str(a), str(b))


#: The 128 General-MIDI program names, normalised with :func:`normalize_text`, then
#: ``'drumkit'`` (index 128): the names instrument programs are chosen from.
INSTRUMENT_MAP = [normalize_text(n) for n in _asmd.gm_program_names()] + ["drumkit"]


def create_gt(
    data_fn=None,
    gztar=False,
    alignment_stats=None,
    whitelist=[],
    blacklist=[],
    definitions=None,
    jobs=0,
    force=False,
    seed=1002,
    progress=None,
    install_dir=None,
    backend=None,
    n_parts=None,
):
    """Convert the installed datasets; returns the summary as a dict (``ok``,
    ``converted``, ``skipped``, ``failed``, ``files_written``, per-song entries).

    ``data_fn``: the ``datasets.json`` naming the install dir (default location when
    ``None``); ``install_dir`` overrides it. ``definitions``: directories of definitions
    (default: the official collection; ASMD 0.5.1 ignored this). ``gztar``: also write
    ``ground_truth.tar.gz`` (a path may be given instead of ``True``). ``jobs``: worker
    threads (0 = one per core). ``alignment_stats``: fill the ``misaligned``, ``missing``
    and ``extra`` fields of songs whose group has ``misaligned: 2`` -- an
    :class:`asmd.alignment_stats.Stats` (its model and method), a model file path, or
    ``True`` for the shipped model; ``None`` leaves them empty, as ASMD 0.5.1 did. Every
    file gets its own seed from ``seed`` and its path: reruns give identical bytes.

    ``backend``: run the conversion as ``n_parts`` joblib tasks (default 4 per local
    core; the songs dealt round-robin) on that joblib backend -- ``"loky"`` (local
    processes), ``"dask"`` (the current ``dask.distributed`` Client's cluster) or
    ``"ray"``; every worker sees the same install directory and writes its songs'
    files, identical to a local run's. Converters registered from Python with
    ``@convert`` must be registered on the workers too (import their module there,
    e.g. with ``client.run``). ``None``: one process, ``jobs`` threads.
    """
    model_json = _model_json(alignment_stats)
    from .asmd import _dirs

    definitions = _dirs(definitions)
    if install_dir is None:
        from .asmd import Dataset

        install_dir = Dataset(empty=True, metadataset_path=data_fn).install_dir
    if isinstance(definitions, (str, os.PathLike)):
        definitions = [definitions]
    archive = None
    if gztar:
        archive = "ground_truth.tar.gz" if gztar is True else os.fspath(gztar)
    if isinstance(whitelist, str):
        whitelist = [whitelist]
    if isinstance(blacklist, str):
        blacklist = [blacklist]
    if progress is None:
        import sys

        progress = sys.stderr.isatty()
    if not PARALLEL and not jobs:
        jobs = 1
    args = (
        os.fspath(install_dir),
        None if definitions is None else [os.fspath(d) for d in definitions],
        list(whitelist),
        list(blacklist),
    )
    if backend is None:
        text = _asmd.convert_run(
            *args,
            archive,
            int(jobs),
            bool(force),
            int(seed),
            bool(progress),
            model_json,
        )
        return json.loads(text)
    return _create_gt_parts(
        args, archive, jobs, force, seed, model_json, backend, n_parts
    )


def _convert_part(args, force, seed, model_json, part):
    """One task of a distributed conversion (runs on a worker, one thread)."""
    return json.loads(
        _asmd.convert_run(
            *args, None, 1, bool(force), int(seed), False, model_json, part=part
        )
    )


def _create_gt_parts(args, archive, jobs, force, seed, model_json, backend, n_parts):
    from joblib import delayed

    from . import _parallel

    if n_parts is None:
        n_parts = 4 * (os.cpu_count() or 1)
    n_parts = int(n_parts)
    if n_parts < 1:
        raise ValueError(f"n_parts must be at least 1, got {n_parts}")
    parts = _parallel.run(
        (
            delayed(_convert_part)(args, force, seed, model_json, (k, n_parts))
            for k in range(n_parts)
        ),
        {"backend": backend, "n_jobs": -1},
    )
    summary = {
        "ok": all(p["ok"] for p in parts),
        "converted": sum(p["converted"] for p in parts),
        "skipped": sum(p["skipped"] for p in parts),
        "failed": sum(p["failed"] for p in parts),
        "files_written": sum(p["files_written"] for p in parts),
        "archive": None,
        "datasets_skipped": parts[0]["datasets_skipped"] if parts else [],
        "songs": [song for p in parts for song in p["songs"]],
        "parts": n_parts,
    }
    if archive is not None:
        # every file is up to date now: this pass only packs them
        packed = json.loads(
            _asmd.convert_run(
                *args, archive, int(jobs), False, int(seed), False, model_json
            )
        )
        summary["archive"] = packed["archive"]
        summary["ok"] = summary["ok"] and packed["ok"]
    return summary


def _model_json(alignment_stats):
    if alignment_stats is None or alignment_stats is False:
        return None
    from .alignment_stats import Stats

    if alignment_stats is True:
        alignment_stats = Stats()
    elif isinstance(alignment_stats, (str, os.PathLike)):
        alignment_stats = Stats(model=alignment_stats)
    if not isinstance(alignment_stats, Stats):
        raise TypeError(
            "alignment_stats must be an asmd.alignment_stats.Stats, a model "
            f"file path, True or None, not {type(alignment_stats).__name__}"
        )
    return alignment_stats._core.model_json()


def slice_intersection(a, b):
    """True when slices ``a`` and ``b`` do *not* overlap (ASMD 0.5.1's name and truth
    value: ``random_distinct_subslices`` keeps a new slice when this is true for every
    earlier one). Slices with the same start overlap (0.5.1 let them through, so a note
    could end up both missing and extra).

    >>> slice_intersection(slice(0, 3), slice(3, 5)), slice_intersection(slice(0, 3), slice(2, 5))
    (True, False)
    """
    if a.start == b.start and a.stop > a.start and b.stop > b.start:
        return False
    return not (b.start < a.start < b.stop or a.start < b.start < a.stop)


def random_subslice(length, slice_):
    """A slice of ``length`` items at a random place inside ``slice_`` (drawn from
    :data:`rng`)."""
    if length < 1 or length >= slice_.stop - slice_.start:
        raise ValueError(
            f"a subslice of length {length} does not fit strictly inside {slice_}"
        )
    start = int(rng.integers(slice_.start, slice_.stop - length))
    return slice(start, start + length)


def random_distinct_subslices(tot, size):
    """Non-overlapping slices of ``range(size)`` covering ``tot`` items in all, sorted
    by start, their lengths and places drawn from :data:`rng` (as ASMD 0.5.1)."""
    tot, size = int(tot), int(size)
    if tot < 0 or tot >= size:
        raise ValueError(f"cannot place {tot} items in distinct runs inside {size}")
    slice_ = slice(0, size)
    slices = []
    covered = 0
    while covered < tot:
        while True:
            new = random_subslice(int(rng.integers(1, tot - covered + 1)), slice_)
            if all(slice_intersection(new, r) for r in slices):
                covered += new.stop - new.start
                slices.append(new)
                break
    slices.sort(key=lambda r: r.start)
    return slices


def generate_missing_extra(L, min_perc=0.1, max_perc=0.5):
    """``(missing, extra)``: two bool arrays of length ``L``; ``min_perc``-``max_perc`` of
    the notes, in random runs, are marked missing or extra (drawn from :data:`rng`, as
    ASMD 0.5.1 did: the same draws give the same flags).

    >>> import numpy as np
    >>> from asmd import conversion_tool as ct
    >>> ct.rng = np.random.default_rng(1002)
    >>> missing, extra = ct.generate_missing_extra(40)
    >>> missing.dtype, len(missing), bool((missing & extra).any())
    (dtype('bool'), 40, False)
    """
    L = int(L)
    tot = int(rng.integers(min_perc * L, max_perc * L))
    me_proportion = rng.random() / 2 + 0.25
    missing = np.zeros(L, dtype=np.bool_)
    extra = np.zeros(L, dtype=np.bool_)
    for region in random_distinct_subslices(tot, L):
        if rng.random() > me_proportion:
            missing[region] = True
        else:
            extra[region] = True
    return missing, extra


def merge_dicts(idx, *args):
    """Merge element ``idx`` (clamped to the last) of each list of ground-truth dicts:
    nested dicts key by key, integers by minimum, anything else (lists) by ``+``.
    ``None`` lists (a converter without input) are skipped; the first must be a list.

    >>> merge_dicts(3, [{"instrument": 40, "f0": [1.0]}], None, [{"instrument": 0, "f0": [2.0]}])
    {'instrument': 0, 'f0': [1.0, 2.0]}
    """
    if not args or not isinstance(args[0], list):
        raise TypeError("merge_dicts needs a first list of dicts")
    if not all(isinstance(x, list) or x is None for x in args):
        raise TypeError("merge_dicts takes lists (or None)")
    if any(x is not None and len(x) != len(args[0]) for x in args[1:]):
        raise ValueError("cannot merge lists of different lengths")
    idx = min(int(idx), len(args[0]) - 1)
    out = deepcopy(args[0][idx])
    for arg in args[1:]:
        if arg is None:
            continue
        other = arg[idx]
        for key, value in out.items():
            if type(value) is dict:
                out[key] = merge_dicts(0, [value], [other[key]])
            elif type(value) is int:
                out[key] = min(value, other[key])
            else:
                out[key] = value + other[key]
    return out


def fix_offsets(onsets, offsets, pitches):
    """Cut each note 5 ms before the next onset of the same pitch (when that would end
    it before it starts: 2/3 of the way to that onset); then make every note last at
    least 0.0625 s. ``offsets`` is changed in place (a list or a float array).

    ASMD 0.5.1 meant this but compared each note with the next onset of *any* pitch (its
    per-pitch table was one list shared by all pitches); this is the intended rule, the
    one asmd's misalignment uses.

    >>> ons, offs = [0.0, 0.5, 0.6], [1.0, 0.55, 0.7]
    >>> fix_offsets(ons, offs, [60, 60, 64])
    >>> offs
    [0.495, 0.5625, 0.7]
    """
    n = len(onsets)
    if len(offsets) != n or len(pitches) != n:
        raise ValueError("onsets, offsets and pitches must have the same length")
    ons = [float(x) for x in onsets]
    new = [float(x) for x in offsets]
    by_pitch = {}
    for i, p in enumerate(pitches):
        by_pitch.setdefault(int(round(float(p))), []).append(i)
    for idx in by_pitch.values():
        idx.sort(key=lambda i: ons[i])
        for pos, i in enumerate(idx):
            # the first later onset of the same pitch
            j = next((k for k in idx[pos + 1 :] if ons[k] > ons[i]), None)
            if j is not None and new[i] > ons[j]:
                new[i] = ons[j] - 0.005
                if new[i] <= ons[i]:
                    new[i] = ons[i] + (ons[j] - ons[i]) * 2 / 3
    for i in range(n):
        new[i] = max(ons[i] + 0.0625, new[i])
    offsets[:] = new


def misalign(out, stats):
    """``(pitches, onsets, offsets)``: artificially misaligned notes for the ground-truth
    dict ``out`` (its precise alignment, else its broad one) drawn by ``stats`` (an
    :class:`asmd.alignment_stats.Stats` after ``new_song()``), offsets fixed with
    :func:`fix_offsets`."""
    alignment = (
        "precise_alignment"
        if len(out["precise_alignment"]["onsets"]) > 0
        else "broad_alignment"
    )
    aligned_ons = out[alignment]["onsets"]
    aligned_offs = out[alignment]["offsets"]
    pitches = out[alignment]["pitches"]
    onsets = np.asarray(stats.get_random_onsets(aligned_ons), dtype=np.float64)
    offsets = np.array(
        stats.get_random_offsets(aligned_ons, aligned_offs, onsets), dtype=np.float64
    )
    fix_offsets(onsets, offsets, pitches)
    return pitches, onsets.tolist(), offsets.tolist()


def conversion(arg, seed=None):
    """Convert one song, as ASMD 0.5.1's pool workers did: ``arg`` is ``(i, song,
    json_file, dataset, stats)`` -- the song's index, the song dict, the metadataset
    dict (its ``install_dir``), the definition dict and an
    :class:`asmd.alignment_stats.Stats` (or ``None``: no misalignment). Every
    ground-truth file of the song is written (always rewritten); returns their paths.
    ``seed``: the misalignment seed (default: :func:`create_gt`'s).
    """
    _i, song, json_file, dataset, stats = arg
    definition = dict(dataset)
    definition["songs"] = [song]
    definition.pop("included", None)
    if seed is None:
        import inspect

        seed = inspect.signature(create_gt).parameters["seed"].default
    written = _asmd.convert_song(
        json.dumps(definition, default=_json_default),
        0,
        os.fspath(json_file["install_dir"]),
        int(seed),
        _model_json(stats),
    )
    return [os.fspath(p) for p in written]


def _json_default(x):
    from .convert_from_file import _json_default as f

    return f(x)


def check(gt):
    """0 when the ground-truth dict is valid, else the reference's rule code (1-11);
    :func:`check_detail` says which field and index."""
    res = _asmd.check_gt_json(json.dumps(gt))
    return 0 if res is None else res[0]


def check_detail(gt):
    """``None`` when valid, else ``(code, field, index, message)``."""
    return _asmd.check_gt_json(json.dumps(gt))
