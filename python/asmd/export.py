"""A selection as columnar tables: Arrow in memory, Parquet on disk.

Five tables share the key ``song`` (the song's index in the selection): ``songs``
(title, composer, instruments, groups, paths, durations, ground-truth availability),
``notes`` (one row per note of each score type of each ground-truth file), ``pedals``,
``beats`` and ``f0``; every table ends with a ``dataset`` column. :func:`to_parquet`
writes one file per table and dataset (``OUT/<table>/<dataset>/part-0.parquet``, what
``asmd export parquet`` writes), each holding the ``dataset`` column, so pyarrow,
polars, DuckDB, Spark, Ray Data and HF datasets keep it with their plain calls.

>>> from asmd import asmd, export
>>> d = asmd.Dataset().filter(datasets=['Bach10'])
>>> t = export.to_arrow(d)
>>> sorted(t)
['beats', 'f0', 'notes', 'pedals', 'songs']
>>> t['songs'].num_rows, t['songs'].column('dataset')[0].as_py()
(10, 'Bach10')
>>> t['songs'].column('instruments')[0].as_py()
['violin', 'clarinet', 'tenor sax', 'bassoon']
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable

from . import _asmd

if TYPE_CHECKING:
    from .asmd import Dataset
    from ._typing import StrPath

__all__ = ["to_arrow", "to_parquet", "to_shards", "schemas"]


def schemas() -> dict[str, Any]:
    """The pyarrow schema of each table as written to Parquet and returned by
    :func:`to_arrow` (the ``dataset`` column last), built from the engine's one
    description of the columns."""
    import pyarrow as pa

    types = {
        "int8": pa.int8(),
        "int16": pa.int16(),
        "int32": pa.int32(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "string": pa.string(),
        "string_list": pa.list_(pa.field("element", pa.string(), nullable=False)),
    }
    return {
        table: pa.schema(
            [
                pa.field(name, types[ty], nullable=nullable)
                for name, ty, nullable in cols
            ]
        )
        for table, cols in _asmd.export_schema().items()
    }


def _core(dataset: object) -> _asmd._Dataset:
    sync = getattr(dataset, "_sync", None)
    if sync is None:
        raise TypeError(f"expected an asmd.asmd.Dataset, got {type(dataset).__name__}")
    return sync()


def _column(pa: Any, value: Any, field: Any) -> Any:
    if field.type == pa.string() and isinstance(value, tuple):
        codes, names = value
        return pa.DictionaryArray.from_arrays(
            pa.array(codes, pa.int8()), pa.array(names, pa.string())
        ).cast(pa.string())
    if isinstance(value, tuple):  # (values, valid)
        values, valid = value
        return pa.array(values, type=field.type, mask=~valid)
    return pa.array(value, type=field.type)


def to_arrow(
    dataset: Dataset, audio_durations: bool = True, require_gt: bool = False
) -> dict[str, Any]:
    """The selection's tables as ``{name: pyarrow.Table}``, with a ``dataset`` column.

    Ground-truth files absent from disk leave their song without notes
    (``gt_present`` false) unless ``require_gt``; ``audio_durations`` reads the
    recordings' headers (null when not on disk). Needs pyarrow."""
    import pyarrow as pa

    parts = _asmd.export_columns(
        _core(dataset), bool(audio_durations), bool(require_gt)
    )
    out = {}
    for name, schema in schemas().items():
        tables = []
        for part in parts:
            cols = part[name]
            arrays = [_column(pa, cols[f.name], f) for f in schema]
            tables.append(pa.Table.from_arrays(arrays, schema=schema))
        out[name] = pa.concat_tables(tables) if tables else schema.empty_table()
    return out


def to_parquet(
    dataset: Dataset,
    out: StrPath,
    overwrite: bool = False,
    audio_durations: bool = True,
    require_gt: bool = False,
) -> dict[str, Any]:
    """Write the selection's tables as Parquet under ``out`` (a folder that must not
    exist or be empty, unless ``overwrite``; it appears only once complete). Returns
    ``{"rows": {table: rows}, "files": [...]}``. Written by the Rust engine (pyarrow is
    not needed to write); read back e.g. with ``pyarrow.parquet.read_table(out +
    "/notes")``, DuckDB's ``read_parquet('out/notes/*/*.parquet')`` or
    ``datasets.load_dataset('parquet', data_dir=out + '/notes')``: each file holds
    the ``dataset`` column."""
    return _asmd.export_parquet(
        _core(dataset),
        os.fspath(out),
        bool(overwrite),
        bool(audio_durations),
        bool(require_gt),
    )


_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
}


def _size(value: float | str) -> int:
    if isinstance(value, (int, float)):
        n = int(value)
    else:
        text = str(value).strip().lower()
        num = text.rstrip("abcdefghijklmnopqrstuvwxyz ")
        unit = text[len(num) :].strip()
        if unit not in _UNITS or not num:
            raise ValueError(
                f"max_shard_size {value!r}: expected e.g. 1GB, 500MB, 10**9"
            )
        n = int(round(float(num) * _UNITS[unit]))
    if n < 1:
        raise ValueError(f"max_shard_size must be positive, got {value!r}")
    return n


def to_shards(
    dataset: Dataset,
    out: StrPath,
    sr: int | None = None,
    max_shard_size: float | str = "1GB",
    seed: int | None = None,
    score_type: Iterable[str] = (
        "precise_alignment",
        "broad_alignment",
        "misaligned",
        "score",
    ),
    float: bool = False,
    quality: str = "hq",
    progress: bool = False,
    skip_missing: bool = False,
) -> dict[str, Any]:
    """Write the selection as WebDataset tar shards under ``out`` (what ``asmd export
    shards`` writes): one sample per song, ``<key>.wav`` (mono mix at ``sr``),
    ``<key>.notes.npy`` (``n x 6`` score matrix of the first available ``score_type``)
    and ``<key>.json`` (metadata). ``seed`` shuffles the samples; the same arguments give
    byte-identical shards, and a rerun after an interruption keeps the finished shards.
    A song whose files are not on disk is an error naming the command that installs it;
    with ``skip_missing=True`` such songs are skipped instead (listed in the result and
    ``manifest.json``). Returns
    ``{"shards": [...], "samples": n, "resumed": k, "skipped": [...]}``; read them with
    ``webdataset.WebDataset(shards)`` or :class:`asmd.torch.ShardExcerpts`."""
    return _asmd.export_shards(
        _core(dataset),
        os.fspath(out),
        None if sr is None else int(sr),
        _size(max_shard_size),
        None if seed is None else int(seed),
        list(score_type),
        bool(float),
        quality,
        bool(progress),
        bool(skip_missing),
    )
