"""Cluster backends: Dataset.parallel and create_gt on a real dask.distributed
LocalCluster (worker processes on this machine), and through joblib's loky."""

import gzip
import json
import shutil
from pathlib import Path

import pytest

from asmd import conversion_tool

distributed = pytest.importorskip("distributed")

FIX = Path(__file__).resolve().parents[2] / "crates/asmd/tests/fixtures/convert"


def n_notes(i, dataset, score_type):
    return dataset.get_score_mat(i, score_type=[score_type]).shape[0]


def test_dask_backend_without_a_client_is_a_clear_error(dataset):
    with pytest.raises(RuntimeError, match="Client"):
        dataset.parallel(n_notes, "precise_alignment", backend="dask")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_parallel_on_a_local_cluster(client, dataset):
    local = dataset.parallel(n_notes, "precise_alignment", n_jobs=1)
    assert len(local) == len(dataset) and sum(local) > 0
    on_cluster = dataset.parallel(n_notes, "precise_alignment", backend="dask")
    assert on_cluster == local
    # the tasks really ran in the worker processes
    pids = dataset.parallel(lambda i, d: __import__("os").getpid(), backend="dask")
    workers = set(client.run(lambda: __import__("os").getpid()).values())
    assert set(pids) <= workers
    assert (
        dataset.parallel(n_notes, "precise_alignment", backend="loky", n_jobs=2)
        == local
    )


def bach10_tree(tmp_path, name):
    install = tmp_path / name / "install"
    shutil.copytree(FIX / "Bach10" / "install", install)
    defs = tmp_path / name / "defs"
    defs.mkdir()
    shutil.copy(FIX / "Bach10" / "definition.json", defs / "Bach10.json")
    return install, defs


def test_create_gt_on_a_local_cluster_equals_a_local_run(client, tmp_path):
    install_a, defs_a = bach10_tree(tmp_path, "local")
    local = conversion_tool.create_gt(
        install_dir=install_a, definitions=[defs_a], progress=False, seed=5
    )
    install_b, defs_b = bach10_tree(tmp_path, "cluster")
    s = conversion_tool.create_gt(
        install_dir=install_b,
        definitions=[defs_b],
        backend="dask",
        n_parts=3,
        seed=5,
        gztar=tmp_path / "gt.tar.gz",
    )
    assert s["ok"], s
    assert s["parts"] == 3
    assert s["converted"] == local["converted"] >= 1
    assert s["files_written"] == local["files_written"]
    assert sorted(x["title"] for x in s["songs"]) == sorted(
        x["title"] for x in local["songs"]
    )
    files = sorted(p.relative_to(install_a) for p in install_a.rglob("*.json.gz"))
    assert files
    for rel in files:
        assert (install_a / rel).read_bytes() == (install_b / rel).read_bytes(), rel
    for e in (FIX / "Bach10" / "expected").rglob("*.json.gz"):
        rel = e.relative_to(FIX / "Bach10" / "expected")
        assert json.loads(gzip.open(install_b / rel).read()) == json.loads(
            gzip.open(e).read()
        ), rel
    import tarfile

    names = tarfile.open(tmp_path / "gt.tar.gz").getnames()
    assert sorted(names) == sorted(str(rel) for rel in files)
