"""Parquet / Arrow export: tables read back with pyarrow and DuckDB, values checked
against the ground truth that was written."""

import json
import subprocess
import sys

import numpy as np
import pytest

from asmd import asmd, export
from asmd.errors import AsmdError

from conftest import definition, make_gt, write_gt, write_metadataset

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")


@pytest.fixture()
def collection(tmp_path):
    """Two datasets: `keys` (2 piano songs, pedals, score beats, misalignment flags)
    and `voice` (1 song with f0, one ground-truth file absent from disk)."""
    install = tmp_path / "install"
    defs = tmp_path / "defs"
    defs.mkdir()
    keys_songs = []
    notes = {
        0: [(60, 0.0, 0.5, 80), (64, 0.5, 1.0, 70), (67, 1.0, 2.0, 90)],
        1: [(62, 0.25, 0.75, 60), (65, 0.75, 1.5, 65)],
    }
    for k, ns in notes.items():
        stem = f"keys/k{k}"
        write_gt(
            install / f"{stem}-0.json.gz",
            make_gt(ns, 0, pedals=[("sustain", [0.0, 0.5], [127, 0])]),
        )
        keys_songs.append(
            {
                "title": f"Piece {k}",
                "composer": "Clara Schumann",
                "instruments": ["piano"],
                "recording": {"path": [f"{stem}.wav"]},
                "ground_truth": [f"{stem}-0.json.gz"],
                "groups": ["all", "train" if k == 0 else "test"],
            }
        )
    gt = make_gt([(69, 0.0, 1.0, 50)], 52)
    gt["f0"] = [440.0, 441.5, 0.0]
    write_gt(install / "voice/v0-0.json.gz", gt)
    for name, songs, gtl, instruments in [
        (
            "keys",
            keys_songs,
            {
                "all": {"precise_alignment": 1, "score": 1, "misaligned": 2},
                "train": {"precise_alignment": 1, "score": 1, "misaligned": 2},
                "test": {"precise_alignment": 2, "score": 1, "misaligned": 2},
            },
            ["piano"],
        ),
        (
            "voice",
            [
                {
                    "title": "Aria",
                    "composer": "Anon",
                    "instruments": ["voice"],
                    "recording": {"path": ["voice/v0.wav"]},
                    "ground_truth": ["voice/v0-0.json.gz"],
                    "groups": ["all"],
                },
                {
                    "title": "Not installed",
                    "composer": "Anon",
                    "instruments": ["voice"],
                    "recording": {"path": ["voice/v1.wav"]},
                    "ground_truth": ["voice/v1-0.json.gz"],
                    "groups": ["all"],
                },
            ],
            {"all": {"precise_alignment": 1, "f0": 2}},
            ["voice"],
        ),
    ]:
        (defs / f"{name}.json").write_text(
            json.dumps(definition(name, songs, gtl, instruments))
        )
    meta = write_metadataset(tmp_path / "datasets.json", install)
    d = asmd.Dataset([str(defs)], metadataset_path=str(meta))
    return d, tmp_path, defs, meta, install


def test_to_arrow_tables_hold_the_ground_truth(collection):
    d, *_ = collection
    t = d.to_arrow()
    songs = t["songs"].to_pylist()
    assert [s["title"] for s in songs] == [
        "Piece 0",
        "Piece 1",
        "Aria",
        "Not installed",
    ]
    assert [s["song"] for s in songs] == [0, 1, 2, 3]
    assert [s["dataset"] for s in songs] == ["keys", "keys", "voice", "voice"]
    assert songs[0]["groups"] == ["all", "train"]
    assert songs[1]["gt_precise_alignment"] == 2  # highest level over its groups
    assert songs[0]["gt_f0"] == 0 and songs[2]["gt_f0"] == 2
    assert [s["gt_present"] for s in songs] == [True, True, True, False]
    assert songs[0]["duration"] == 3.0  # the score (60 BPM) ends at 3 s
    assert songs[3]["duration"] is None and songs[0]["audio_duration"] is None

    notes = t["notes"]
    assert notes.schema.field("velocity").nullable
    n0 = [r for r in notes.to_pylist() if r["song"] == 0]
    by_type = {}
    for r in n0:
        by_type.setdefault(r["score_type"], []).append(r)
    assert sorted(by_type) == ["misaligned", "precise_alignment", "score"]
    mat = d.get_score_mat(0, score_type=["precise_alignment"])
    pa_rows = by_type["precise_alignment"]
    np.testing.assert_array_equal(
        [[r["pitch"], r["onset"], r["offset"], r["velocity"]] for r in pa_rows],
        mat[:, :4],
    )
    assert all(r["missing"] is None for r in pa_rows)
    assert [r["missing"] for r in by_type["misaligned"]] == [True, False, False]
    assert all(r["velocity"] is None for r in by_type["score"])
    assert {r["program"] for r in n0} == {0}

    pedals = [r for r in t["pedals"].to_pylist() if r["song"] == 0]
    assert [(r["pedal"], r["time"], r["value"]) for r in pedals] == [
        ("sustain", 0.0, 127.0),
        ("sustain", 0.5, 0.0),
    ]
    beats = [r["time"] for r in t["beats"].to_pylist() if r["song"] == 1]
    assert beats == [0.0, 1.0, 2.0]
    f0 = t["f0"].to_pylist()
    assert [(r["song"], r["frame"], r["f0"]) for r in f0] == [
        (2, 0, 440.0),
        (2, 1, 441.5),
        (2, 2, 0.0),
    ]
    assert f0[1]["time"] == pytest.approx(0.033)
    for name, schema in export.schemas().items():
        assert t[name].schema == schema


def test_to_parquet_reads_back_with_pyarrow_and_duckdb(collection):
    d, tmp, *_ = collection
    out = tmp / "tables"
    res = d.to_parquet(out)
    assert res["rows"]["songs"] == 4
    assert (out / "notes" / "keys" / "part-0.parquet").is_file()
    arrow = d.to_arrow()
    for name in ["songs", "notes", "pedals", "beats", "f0"]:
        back = pq.read_table(out / name)
        assert back.schema == export.schemas()[name], name
        assert back.num_rows == res["rows"][name] == arrow[name].num_rows, name
        ours = arrow[name].to_pylist()
        key = lambda r: json.dumps(r, sort_keys=True, default=str)  # noqa: E731
        assert sorted(back.to_pylist(), key=key) == sorted(ours, key=key), name
    con = duckdb.connect()
    rows = con.sql(
        f"""SELECT dataset, score_type, count(*) AS n
            FROM read_parquet('{out}/notes/*/*.parquet')
            GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    assert rows == [
        ("keys", "misaligned", 5),
        ("keys", "precise_alignment", 5),
        ("keys", "score", 5),
        ("voice", "misaligned", 1),
        ("voice", "precise_alignment", 1),
        ("voice", "score", 1),
    ]
    joined = con.sql(
        f"""SELECT s.title, count(*) FROM
            read_parquet('{out}/songs/*/*.parquet') s JOIN
            read_parquet('{out}/f0/*/*.parquet') f
            USING (dataset, song) GROUP BY ALL"""
    ).fetchall()
    assert joined == [("Aria", 3)]


def test_export_errors_leave_nothing_behind(collection):
    d, tmp, defs, meta, install = collection
    out = tmp / "tables"
    d.to_parquet(out)
    with pytest.raises(AsmdError, match="not empty"):
        d.to_parquet(out)
    d.filter(datasets=["keys"])
    d.to_parquet(out, overwrite=True)
    assert sorted(p.name for p in (out / "notes").iterdir()) == ["keys"]
    with pytest.raises(AsmdError) as e:
        asmd.Dataset([str(defs)], metadataset_path=str(meta)).to_parquet(
            tmp / "strict", require_gt=True
        )
    assert "v1-0.json.gz" in str(e.value)
    # a corrupt ground truth: an error naming it, no output, no temporary folder
    (install / "keys/k1-0.json.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(AsmdError) as e:
        asmd.Dataset([str(defs)], metadataset_path=str(meta)).to_parquet(tmp / "bad")
    assert "k1-0.json.gz" in str(e.value)
    assert not (tmp / "bad").exists()
    assert not [p for p in tmp.iterdir() if p.name.startswith(".asmd-export")]


def test_cli_export_parquet(collection):
    d, tmp, defs, meta, _ = collection
    out = tmp / "cli"
    r = subprocess.run(
        [sys.executable, "-m", "asmd.cli", "-d", str(defs), "-m", str(meta), "--json"]
        + ["export", "parquet", "--datasets", "voice", str(out)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["rows"]["songs"] == 2 and res["songs_without_ground_truth"] == 1
    assert pq.read_table(out / "f0").num_rows == 3


def _tutorial_queries():
    """The SQL statements of docs/tutorials/parquet-duckdb.md, as written there."""
    from conftest import REPO

    text = (REPO / "docs" / "tutorials" / "parquet-duckdb.md").read_text()
    block = text.split("```sql", 1)[1].split("```", 1)[0]
    code = "\n".join(line.split("--", 1)[0] for line in block.splitlines())
    return [q.strip() for q in code.split(";") if q.strip()]


@pytest.fixture()
def performances(tmp_path):
    """Two performances with the same title and different pedalling, as Maestro has."""
    install = tmp_path / "install"
    defs = tmp_path / "defs"
    defs.mkdir()
    takes = [
        # notes (the performance ends with the last offset), sustain events
        (
            [(60, 0.0, 1.0, 80), (62, 1.0, 2.0, 80), (64, 2.0, 3.0, 80)],
            [0.0, 1.0, 2.0],
            [127, 0, 100],
        ),
        ([(60, 0.0, 0.5, 80), (62, 0.5, 1.0, 80)], [0.5, 0.7, 0.9], [70, 0, 20]),
    ]
    songs = []
    for k, (notes, times, values) in enumerate(takes):
        write_gt(
            install / f"perf/p{k}-0.json.gz",
            make_gt(notes, 0, pedals=[("sustain", times, values)]),
        )
        songs.append(
            {
                "title": "Sonata Op. 1",
                "composer": "Anon",
                "instruments": ["piano"],
                "recording": {"path": [f"perf/p{k}.wav"]},
                "ground_truth": [f"perf/p{k}-0.json.gz"],
                "groups": ["all"],
            }
        )
    (defs / "perf.json").write_text(
        json.dumps(
            definition("perf", songs, {"all": {"precise_alignment": 1}}, ["piano"])
        )
    )
    meta = write_metadataset(tmp_path / "datasets.json", install)
    d = asmd.Dataset([str(defs)], metadataset_path=str(meta))
    out = tmp_path / "tables"
    d.to_parquet(out)
    return out


def test_tutorial_pedal_query_measures_time_held_per_performance(performances):
    out = performances
    queries = _tutorial_queries()
    pedal = [q for q in queries if "pedal = 'sustain'" in q]
    assert len(pedal) == 1, queries
    con = duckdb.connect()
    for q in queries:  # every query of the tutorial runs as written
        con.sql(q.replace("'tables/", f"'{out}/")).fetchall()
    rows = con.sql(pedal[0].replace("'tables/", f"'{out}/")).fetchall()
    # one row per performance although the titles are equal; the time the pedal is
    # down, the last event holding until the last note ends:
    #   take 0: down 0-1 s and 2-3 s (until the end) = 2.0 s of 3.0 s
    #   take 1: down 0.5-0.7 s (value 20 at 0.9 s is up) = 0.2 s of 1.0 s
    assert rows == [
        ("perf", 0, "Sonata Op. 1", 0, 2.0, 0.667),
        ("perf", 1, "Sonata Op. 1", 0, 0.2, 0.2),
    ]


def test_every_reader_keeps_the_dataset_column(performances):
    out = performances
    part = out / "pedals" / "perf" / "part-0.parquet"
    # one file alone (what HF datasets reads) names its dataset
    assert set(pq.read_table(part).column("dataset").to_pylist()) == {"perf"}
    assert set(pq.read_table(out / "pedals").column("dataset").to_pylist()) == {"perf"}
    con = duckdb.connect()
    assert con.sql(
        f"SELECT DISTINCT dataset FROM read_parquet('{out}/pedals/*/*.parquet')"
    ).fetchall() == [("perf",)]


def test_hf_datasets_load_dataset_keeps_the_dataset_column(
    performances, tmp_path, monkeypatch
):
    # local files only: no network, caches in the test's folder
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset(
        "parquet",
        data_dir=str(performances / "notes"),
        split="train",
        cache_dir=str(tmp_path / "hf-cache"),
    )
    assert "dataset" in ds.column_names
    assert set(ds["dataset"]) == {"perf"}
