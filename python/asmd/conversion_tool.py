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

from . import _asmd

__all__ = ["create_gt", "check"]


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


def check(gt):
    """0 when the ground-truth dict is valid, else the reference's rule code (1-11);
    :func:`check_detail` says which field and index."""
    res = _asmd.check_gt_json(json.dumps(gt))
    return 0 if res is None else res[0]


def check_detail(gt):
    """``None`` when valid, else ``(code, field, index, message)``."""
    return _asmd.check_gt_json(json.dumps(gt))
