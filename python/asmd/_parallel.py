"""joblib dispatch shared by :meth:`asmd.asmd.Dataset.parallel` and
:func:`asmd.conversion_tool.create_gt`: local backends (``loky``, ``threading``,
``multiprocessing``) and cluster backends (``dask``, ``ray``)."""

from __future__ import annotations

import inspect
from typing import Any, Iterable

_CLUSTER = ("dask", "ray")


def split_joblib_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Pop the keyword arguments ``joblib.Parallel`` accepts out of ``kwargs``."""
    from joblib import Parallel

    names = set(inspect.signature(Parallel).parameters)
    return {k: kwargs.pop(k) for k in list(kwargs) if k in names}


def _prepare_cluster(backend: str) -> None:
    if backend == "dask":
        try:
            from distributed import get_client
        except ImportError as e:
            raise ImportError(
                'backend="dask" needs dask.distributed: pip install "dask[distributed]"'
            ) from e
        try:
            get_client()
        except ValueError as e:
            raise RuntimeError(
                'backend="dask" runs on the current dask.distributed Client; create one '
                "first, e.g. Client(LocalCluster()) or Client('tcp://scheduler:8786')"
            ) from e
    elif backend == "ray":
        try:
            from ray.util.joblib import register_ray
        except ImportError as e:
            raise ImportError(
                'backend="ray" needs ray: pip install "ray[default]"'
            ) from e
        register_ray()


def run(calls: Iterable[Any], joblib_kwargs: dict[str, Any]) -> list[Any]:
    """Run ``calls`` (an iterable of ``joblib.delayed`` calls) and return the results in
    order. ``joblib_kwargs`` go to ``joblib.Parallel``; a ``dask`` or ``ray`` backend
    sends the calls to that cluster (every worker needs asmd installed)."""
    from joblib import Parallel, parallel_config

    kwargs = dict(joblib_kwargs)
    backend = kwargs.get("backend")
    if isinstance(backend, str) and backend in _CLUSTER:
        _prepare_cluster(backend)
        kwargs.pop("backend")
        n_jobs = kwargs.pop("n_jobs", -1)
        with parallel_config(backend=backend, n_jobs=n_jobs):
            return Parallel(**kwargs)(calls)
    return Parallel(**kwargs)(calls)
