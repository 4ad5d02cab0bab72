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

import json
import os

from . import _asmd

__all__ = ["to_arrow", "to_parquet", "to_shards", "schemas"]

_GT_TYPES = (
    "misaligned",
    "score",
    "broad_alignment",
    "precise_alignment",
    "velocities",
    "f0",
    "sustain",
    "soft",
    "sostenuto",
)


def _schemas():
    import pyarrow as pa

    strings = pa.list_(pa.field("element", pa.string(), nullable=False))

    def req(name, t):
        return pa.field(name, t, nullable=False)

    songs = [
        req("song", pa.int32()),
        req("title", pa.string()),
        req("composer", pa.string()),
        req("instruments", strings),
        req("groups", strings),
        req("mixed", strings),
        req("sources", strings),
        req("ground_truth", strings),
        pa.field("duration", pa.float64()),
        pa.field("audio_duration", pa.float64()),
        req("gt_present", pa.bool_()),
    ] + [req(f"gt_{t}", pa.int8()) for t in _GT_TYPES]
    key = [req("song", pa.int32()), req("source", pa.int16())]
    return {
        "songs": pa.schema(songs),
        "notes": pa.schema(
            key
            + [
                req("score_type", pa.string()),
                req("pitch", pa.float64()),
                req("onset", pa.float64()),
                req("offset", pa.float64()),
                pa.field("velocity", pa.float64()),
                req("program", pa.int32()),
                pa.field("missing", pa.bool_()),
                pa.field("extra", pa.bool_()),
            ]
        ),
        "pedals": pa.schema(
            key
            + [
                req("pedal", pa.string()),
                req("time", pa.float64()),
                req("value", pa.float64()),
            ]
        ),
        "beats": pa.schema(key + [req("time", pa.float64())]),
        "f0": pa.schema(
            key
            + [
                req("frame", pa.int32()),
                req("time", pa.float64()),
                req("f0", pa.float64()),
            ]
        ),
    }


def schemas():
    """The pyarrow schema of each table as written to Parquet and returned by
    :func:`to_arrow` (the ``dataset`` column last)."""
    dataset = _dataset_field()
    return {name: schema.append(dataset) for name, schema in _schemas().items()}


def _dataset_field():
    import pyarrow as pa

    return pa.field("dataset", pa.string(), nullable=False)


def _core(dataset):
    sync = getattr(dataset, "_sync", None)
    if sync is None:
        raise TypeError(f"expected an asmd.asmd.Dataset, got {type(dataset).__name__}")
    return sync()


def _column(pa, value, field):
    if field.type == pa.string() and isinstance(value, tuple):
        codes, names = value
        return pa.DictionaryArray.from_arrays(
            pa.array(codes, pa.int8()), pa.array(names, pa.string())
        ).cast(pa.string())
    if isinstance(value, tuple):  # (values, valid)
        values, valid = value
        return pa.array(values, type=field.type, mask=~valid)
    return pa.array(value, type=field.type)


def to_arrow(dataset, audio_durations=True, require_gt=False):
    """The selection's tables as ``{name: pyarrow.Table}``, with a ``dataset`` column.

    Ground-truth files absent from disk leave their song without notes
    (``gt_present`` false) unless ``require_gt``; ``audio_durations`` reads the
    recordings' headers (null when not on disk). Needs pyarrow."""
    import pyarrow as pa

    schemas = _schemas()
    parts = _asmd.export_columns(
        _core(dataset), bool(audio_durations), bool(require_gt)
    )
    out = {}
    for name, schema in schemas.items():
        tables = []
        for part in parts:
            cols = part[name]
            arrays = [_column(pa, cols[f.name], f) for f in schema]
            t = pa.Table.from_arrays(arrays, schema=schema)
            n = t.num_rows
            t = t.append_column(
                _dataset_field(), pa.array([part["dataset"]] * n, pa.string())
            )
            tables.append(t)
        if tables:
            out[name] = pa.concat_tables(tables)
        else:
            out[name] = schema.append(_dataset_field()).empty_table()
    return out


def to_parquet(dataset, out, overwrite=False, audio_durations=True, require_gt=False):
    """Write the selection's tables as Parquet under ``out`` (a folder that must not
    exist or be empty, unless ``overwrite``; it appears only once complete). Returns
    ``{"rows": {table: rows}, "files": [...]}``. Written by the Rust engine (pyarrow is
    not needed to write); read back e.g. with ``pyarrow.parquet.read_table(out +
    "/notes")``, DuckDB's ``read_parquet('out/notes/*/*.parquet')`` or
    ``datasets.load_dataset('parquet', data_dir=out + '/notes')``: each file holds
    the ``dataset`` column."""
    text = _asmd.export_parquet(
        _core(dataset),
        os.fspath(out),
        bool(overwrite),
        bool(audio_durations),
        bool(require_gt),
    )
    return json.loads(text)


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


def _size(value):
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
    dataset,
    out,
    sr=None,
    max_shard_size="1GB",
    seed=None,
    score_type=("precise_alignment", "broad_alignment", "misaligned", "score"),
    float=False,
    quality="hq",
    progress=False,
):
    """Write the selection as WebDataset tar shards under ``out`` (what ``asmd export
    shards`` writes): one sample per song, ``<key>.wav`` (mono mix at ``sr``),
    ``<key>.notes.npy`` (``n x 6`` score matrix of the first available ``score_type``)
    and ``<key>.json`` (metadata). ``seed`` shuffles the samples; the same arguments give
    byte-identical shards, and a rerun after an interruption keeps the finished shards.
    Songs not on disk are skipped (listed in the result and ``manifest.json``). Returns
    ``{"shards": [...], "samples": n, "resumed": k, "skipped": [...]}``; read them with
    ``webdataset.WebDataset(shards)`` or :class:`asmd.torch.ShardExcerpts`."""
    text = _asmd.export_shards(
        _core(dataset),
        os.fspath(out),
        None if sr is None else int(sr),
        _size(max_shard_size),
        None if seed is None else int(seed),
        list(score_type),
        bool(float),
        quality,
        bool(progress),
    )
    return json.loads(text)
