"""The caches of parsed ground truth: in memory per process, on disk between processes
(``asmd.utils.gt_cache_info`` / ``set_gt_cache`` / ``clear_gt_cache``)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from asmd import asmd, utils

CHILD = r"""
import json, sys
from asmd import asmd, utils
d = asmd.Dataset([sys.argv[1]], metadataset_path=sys.argv[2])
mats = [d.get_score_mat(i, score_type=["precise_alignment"]).tolist() for i in range(len(d))]
print(json.dumps({"mats": mats, "info": utils.gt_cache_info()}))
"""


def child(tree, env):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, tree["definitions"], tree["metadataset"]],
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture()
def cache_root(tmp_path):
    """A fresh on-disk cache for this process (ASMD_CACHE_DIR=root for children)."""
    before = utils.gt_cache_info()
    root = tmp_path / "cache"
    utils.set_gt_cache(disk_dir=root / "gt-v1")
    utils.clear_gt_cache()
    yield root
    utils.clear_gt_cache(disk=False)
    utils.set_gt_cache(disk_dir=before["disk_dir"])


def test_the_tests_never_use_the_users_cache():
    d = utils.gt_cache_info()["disk_dir"]
    assert d == str(Path(os.environ["ASMD_CACHE_DIR"]) / "gt-v1")
    assert utils.gt_cache_info()["memory_budget"] > 0


def test_what_one_process_parsed_the_next_reads_back(tree, cache_root):
    d = asmd.Dataset([tree["definitions"]], metadataset_path=tree["metadataset"])
    mats = [d.get_score_mat(i, score_type=["precise_alignment"]) for i in range(len(d))]
    # one entry per distinct file content (the two duos share their ground truth)
    contents = {
        (tree["install"] / p).read_bytes()
        for i in range(len(d))
        for p in d.get_gts_paths(i)
    }
    n_files = len(contents)
    assert 1 < n_files < sum(len(d.get_gts_paths(i)) for i in range(len(d)))
    info = utils.gt_cache_info()
    assert info["disk_files"] == n_files
    assert info["disk_bytes"] > 0
    entries = sorted((cache_root / "gt-v1").glob("*.bin"))
    assert len(entries) == n_files

    # a new process (a DataLoader worker, the next run) gets the same arrays and adds
    # no entry
    res = child(tree, {"ASMD_CACHE_DIR": str(cache_root)})
    for ours, theirs in zip(mats, res["mats"]):
        np.testing.assert_array_equal(ours, np.array(theirs))
    assert res["info"]["disk_files"] == n_files
    assert sorted((cache_root / "gt-v1").glob("*.bin")) == entries

    # ... and it really reads them: give song 1 the entry of song 0
    assert not np.array_equal(mats[0], mats[1])
    utils.clear_gt_cache()
    d.get_gts(0)
    (e0,) = (cache_root / "gt-v1").glob("*.bin")
    d.get_gts(1)
    (e1,) = [p for p in (cache_root / "gt-v1").glob("*.bin") if p != e0]
    shutil.copyfile(e0, e1)
    swapped = child(tree, {"ASMD_CACHE_DIR": str(cache_root)})
    np.testing.assert_array_equal(np.array(swapped["mats"][1]), mats[0])
    np.testing.assert_array_equal(np.array(swapped["mats"][0]), mats[0])


def test_a_damaged_entry_is_parsed_again(tree, cache_root):
    d = asmd.Dataset([tree["definitions"]], metadataset_path=tree["metadataset"])
    want = d.get_score_mat(0, score_type=["precise_alignment"])
    for p in (cache_root / "gt-v1").glob("*.bin"):
        p.write_bytes(b"ASMDGTB1 garbage")
    utils.clear_gt_cache(disk=False)
    np.testing.assert_array_equal(
        d.get_score_mat(0, score_type=["precise_alignment"]), want
    )


def test_the_disk_cache_can_be_turned_off_bounded_and_cleared(tree, cache_root):
    res = child(tree, {"ASMD_CACHE_DIR": str(cache_root), "ASMD_GT_DISK_CACHE": "0"})
    assert res["info"]["disk_dir"] is None
    assert res["info"]["disk_files"] == 0
    assert not list(cache_root.glob("**/*.bin"))

    d = asmd.Dataset([tree["definitions"]], metadataset_path=tree["metadataset"])
    for i in range(len(d)):
        d.get_gts(i)
    n = utils.gt_cache_info()["disk_files"]
    assert n > 0
    assert utils.clear_gt_cache() == n
    assert utils.gt_cache_info()["disk_files"] == 0

    info = utils.set_gt_cache(memory_mb=0, disk_mb=1)
    try:
        assert info["memory_budget"] == 0
        assert info["disk_budget"] == 1 << 20
        d.get_gts(0)
        assert utils.gt_cache_info()["disk_files"] >= 1
    finally:
        utils.set_gt_cache(memory_mb=256, disk_mb=4096)
