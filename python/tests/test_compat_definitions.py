"""Definitions derived from `get_songs()` (ContextAwareAMT's workflow), and the official
collection combined with custom definition folders (ASMD 0.5.1's
`definitions=[<package>/definitions, mine]`).

Counts and paths are compared with ASMD 0.5.1's on the same calls
(tests/fixtures/compat/expected.json); the installed tree is the golden replica (ground
truth of a few official songs, written by 0.5.1)."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from asmd import asmd, dataset_utils as du
from asmd.errors import AsmdFormatError

REPO = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((REPO / "tests/fixtures/compat/expected.json").read_text())


def sha(a):
    return hashlib.sha256(
        np.ascontiguousarray(np.asarray(a, dtype="<f8")).tobytes()
    ).hexdigest()


@pytest.fixture()
def derived(golden, tmp_path):
    """Maestro's songs relabelled into two new groups, written as a definition with
    only a name and songs."""
    d = asmd.Dataset(metadataset_path=golden["metadataset"])
    maestro = du.filter(d, datasets=["Maestro"], copy=True)
    songs = maestro.get_songs()
    for s in songs:
        s["groups"].append("ctx_a" if "train" in s["groups"] else "ctx_b")
    folder = tmp_path / "derived"
    folder.mkdir()
    with open(folder / "maestro_ctx.json", "w") as f:
        json.dump({"name": "maestro_ctx", "songs": songs}, f)
    return folder


def test_derived_definition_round_trip(golden, derived):
    exp = EXPECTED["derived"]
    alone = asmd.Dataset([derived], metadataset_path=golden["metadataset"])
    assert len(alone) == exp["len_alone"]
    assert len(du.filter(alone, groups=["ctx_a"], copy=True)) == exp["ctx_a"]
    b = du.filter(alone, groups=["ctx_b"], copy=True)
    assert len(b) == exp["ctx_b"]
    assert b.paths[:3] == exp["ctx_b_paths_head"]
    assert exp["installed"], "the golden tree holds a ctx_b song"
    for i, gt, mat in exp["installed"]:
        assert b.paths[i][2][0] == gt
        assert sha(du.get_score_mat(b, i, ["precise_alignment"])) == mat
        assert b.get_gts(i)[0]["precise_alignment"]["pitches"]
    # dataset-level fields are unknown
    ds = alone.datasets[0]
    assert ds["ensemble"] == "unknown" and ds["ground_truth"] == {}
    # the songs' `dataset` key names where they come from; `included` is state
    song = alone.get_songs()[0]
    assert song["dataset"] == "maestro_ctx" and song["included"] is True
    assert alone.datasets[0]["songs"][0]["dataset"] == "Maestro"
    # and once more: what get_songs() returns now also loads
    songs = alone.get_songs()
    again = derived.parent / "again"
    again.mkdir()
    (again / "x.json").write_text(json.dumps({"name": "x", "songs": songs}))
    assert len(asmd.Dataset([again], metadataset_path=golden["metadataset"])) == len(
        alone
    )


def test_ground_truth_and_ensemble_filters_on_derived_definitions(golden, derived):
    exp = EXPECTED["derived"]
    # with the songs' original definition loaded too, they inherit its availability
    # table and ensemble flag
    both = asmd.Dataset(
        [asmd.OFFICIAL, derived], metadataset_path=golden["metadataset"]
    )
    # 0.5.1's official collection lacks TRIOS (5 songs)
    assert len(both) == exp["len_with_official"] + 5
    sel = du.filter(
        both,
        datasets=["maestro_ctx"],
        groups=["ctx_b"],
        ground_truth=["precise_alignment", ("misaligned", 2)],
        ensemble=False,
        copy=True,
    )
    assert len(sel) == exp["ctx_b"]
    # alone, they are unknown: an ensemble or ground_truth filter does not match them
    alone = asmd.Dataset([derived], metadataset_path=golden["metadataset"])
    assert len(du.filter(alone, ground_truth=["precise_alignment"], copy=True)) == 0
    assert len(du.filter(alone, ensemble=False, copy=True)) == 0
    assert len(du.filter(alone, instruments=["piano"], copy=True)) == exp["len_alone"]


def test_malformed_derived_definitions_name_the_place(golden, derived):
    path = derived / "maestro_ctx.json"
    d = json.loads(path.read_text())
    d["songs"][3]["included"] = "yes"
    path.write_text(json.dumps(d))
    with pytest.raises(AsmdFormatError) as e:
        asmd.Dataset([derived], metadataset_path=golden["metadataset"])
    assert e.value.location == "$.songs[3].included"
    assert e.value.file.endswith("maestro_ctx.json")
    d["songs"][3]["included"] = True
    d["songs"][5]["groups"] = "ctx_a"
    path.write_text(json.dumps(d))
    with pytest.raises(AsmdFormatError) as e:
        asmd.Dataset([derived], metadataset_path=golden["metadataset"])
    assert e.value.location == "$.songs[5].groups"
    d["songs"][5]["groups"] = ["ctx_a"]
    d["ground_truth"] = {"all": {"precise_alignment": 7}}
    path.write_text(json.dumps(d))
    with pytest.raises(AsmdFormatError) as e:
        asmd.Dataset([derived], metadataset_path=golden["metadataset"])
    assert e.value.location == "$.ground_truth.all.precise_alignment"


def test_official_collection_among_custom_folders(golden, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "solo.json").write_text(
        json.dumps(
            {
                "name": "solo",
                "songs": [
                    {
                        "title": "t",
                        "instruments": ["piano"],
                        "recording": {"path": ["solo/t.wav"]},
                        "ground_truth": ["solo/t-0.json.gz"],
                        "groups": ["all"],
                    }
                ],
            }
        )
    )
    for spelling in (
        asmd.OFFICIAL,
        asmd.OFFICIAL + "/",
        asmd.THISDIR + "/definitions/",
    ):
        d = asmd.Dataset([spelling, mine], metadataset_path=golden["metadataset"])
        assert len(d) == len(asmd.Dataset()) + 1
        assert list(d._chunks)[-1] == "solo"
    # an identical copy of an official definition is loaded once
    maestro = [x for x in asmd.load_definitions(asmd.OFFICIAL) if x["name"] == "SMD"]
    (mine / "SMD.json").write_text(json.dumps(maestro[0]))
    d = asmd.Dataset([asmd.OFFICIAL, mine], metadataset_path=golden["metadataset"])
    assert len(d) == len(asmd.Dataset()) + 1
    # a different definition of the same name is an error naming both files
    with pytest.raises(AsmdFormatError, match="also defined, differently"):
        asmd.Dataset([asmd.OFFICIAL, golden["definitions"]])
    # the CLI takes the same name for the embedded collection
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "asmd.cli",
            "--definitions",
            "<embedded>",
            "--definitions",
            str(mine),
            "list",
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    names = [x["name"] for x in json.loads(out.stdout)["datasets"]]
    assert names[-1] == "solo" and "Maestro" in names
