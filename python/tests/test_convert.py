"""Conversion through Python: the paper's Listing 4 (a user converter with @convert, used
by name from a definition), the built-in converters against the reference's outputs,
create_gt on a dataset in its original layout."""

import csv
import gzip
import json
import shutil
from copy import deepcopy
from pathlib import Path

import pytest

from asmd import conversion_tool
from asmd.convert_from_file import convert, from_bach10_mat, from_midi, prototype_gt
from asmd.errors import AsmdError

FIX = (
    Path(__file__).resolve().parents[2]
    / "crates"
    / "asmd"
    / "tests"
    / "fixtures"
    / "convert"
)


@convert([".myext"])
def function_which_converts(filename, alignment="precise_alignment", **kwargs):
    # prepare empty output
    out = deepcopy(prototype_gt)
    # open file
    data = csv.reader(open(filename), delimiter=",")
    # fill output dictionary
    for row in data:
        out[alignment]["onsets"].append(float(row[0]))
        out[alignment]["offsets"].append(float(row[0]) + float(row[2]))
        out[alignment]["pitches"].append(int(row[1]))
    return out


@convert([".bad"])
def broken_converter(filename, **kwargs):
    raise RuntimeError("cannot read this")


def definition(name, conversion, instruments=("violin",), songs=("a",)):
    return {
        "name": name,
        "ensemble": False,
        "groups": ["all"],
        "instruments": list(instruments),
        "sources": {"format": "unknown"},
        "recording": {"format": "wav"},
        "ground_truth": {"all": {"precise_alignment": 1}},
        "install": {
            "url": "unknown",
            "unpack": False,
            "login": False,
            "post-process": "unknown",
            "conversion": conversion,
        },
        "songs": [
            {
                "title": s,
                "composer": "x",
                "instruments": list(instruments),
                "recording": {"path": [f"{name}/{s}.wav"]},
                "ground_truth": [f"{name}/{s}-0.json.gz"],
                "groups": ["all"],
            }
            for s in songs
        ],
    }


def test_listing_4_user_converter_used_by_name(tmp_path):
    install = tmp_path / "install"
    (install / "mine").mkdir(parents=True)
    (install / "mine" / "a.myext").write_text("0.5,62,0.25\n0.0,60,0.5\n")
    (install / "mine" / "b.myext").write_text("0.0,61,1.0\n")
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "mine.json").write_text(
        json.dumps(
            definition(
                "mine",
                [["function_which_converts", {"alignment": "precise_alignment"}]],
                songs=("a", "b"),
            )
        )
    )
    summary = conversion_tool.create_gt(
        install_dir=install, definitions=[defs], progress=False
    )
    assert summary["ok"] and summary["converted"] == 2, summary
    gt = json.loads(gzip.open(install / "mine" / "a-0.json.gz").read())
    # sorted by onset, instrument from the song's instrument name (violin = 40)
    assert gt["precise_alignment"]["pitches"] == [60, 62]
    assert gt["precise_alignment"]["offsets"] == [0.5, 0.75]
    assert gt["instrument"] == 40
    # calling the decorated function with a ground-truth path finds the input
    out = function_which_converts(str(install / "mine" / "b-0.json.gz"))
    assert out[0]["precise_alignment"]["pitches"] == [61]
    assert function_which_converts(str(install / "mine" / "zzz-0.json.gz")) is None
    # rerun: everything up to date
    again = conversion_tool.create_gt(
        install_dir=install, definitions=[defs], progress=False
    )
    assert again["converted"] == 0 and again["skipped"] == 2


def test_failing_user_converter_fails_its_song_only(tmp_path):
    install = tmp_path / "install"
    (install / "mix").mkdir(parents=True)
    (install / "mix" / "a.bad").write_text("x")
    (install / "mix" / "b.myext").write_text("0.0,61,1.0\n")
    defs = tmp_path / "defs"
    defs.mkdir()
    d = definition(
        "mix",
        [["broken_converter", {}], ["function_which_converts", {}]],
        songs=("a", "b"),
    )
    (defs / "mix.json").write_text(json.dumps(d))
    s = conversion_tool.create_gt(
        install_dir=install, definitions=[defs], progress=False
    )
    assert not s["ok"] and s["failed"] == 1 and s["converted"] == 1
    failed = [x for x in s["songs"] if x["outcome"] == "failed"][0]
    assert "cannot read this" in failed["error"] and failed["title"] == "a"
    assert not (install / "mix" / "a-0.json.gz").exists()


def test_a_converters_exception_is_the_cause_of_the_error(tmp_path):
    install = tmp_path / "install"
    (install / "mix").mkdir(parents=True)
    (install / "mix" / "a.bad").write_text("x")
    d = definition("mix", [["broken_converter", {}]], songs=("a",))
    with pytest.raises(AsmdError, match="cannot read this") as e:
        conversion_tool.conversion(
            (0, d["songs"][0], {"install_dir": install}, d, None)
        )
    cause = e.value.__cause__
    assert isinstance(cause, RuntimeError), repr(cause)
    assert str(cause) == "cannot read this"
    assert cause.__traceback__ is not None


def test_unknown_converter_name_is_a_clear_error(tmp_path):
    (tmp_path / "install" / "x").mkdir(parents=True)
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "x.json").write_text(json.dumps(definition("x", [["from_nowhere", {}]])))
    with pytest.raises(AsmdError, match="from_nowhere"):
        conversion_tool.create_gt(install_dir=tmp_path / "install", definitions=[defs])


def test_builtin_converters_equal_reference_outputs(tmp_path):
    samples = FIX / "samples"
    shutil.copy(samples / "bach10-GTNotes.mat", tmp_path / "bach10-GTNotes.mat")
    out = from_bach10_mat(str(tmp_path / "bach10-0.json.gz"))
    expected = json.loads(
        (samples / "expected" / "bach10-GTNotes.mat.json").read_text()
    )
    assert len(out) == len(expected)
    for ours, ref in zip(out, expected):
        assert ours["precise_alignment"] == ref["precise_alignment"]
    shutil.copy(samples / "bach10_score.mid", tmp_path / "bach10_score.mid")
    out = from_midi(
        str(tmp_path / "bach10_score-0.json.gz"),
        alignment="score",
        beats=True,
        merge=False,
        velocities=False,
    )
    expected = json.loads((samples / "expected" / "bach10_score.mid.json").read_text())
    assert [o["score"] for o in out] == [e["score"] for e in expected]
    assert from_midi(str(tmp_path / "absent-0.json.gz")) is None


def test_create_gt_on_bach10_in_its_original_layout(tmp_path):
    install = tmp_path / "install"
    shutil.copytree(FIX / "Bach10" / "install", install)
    defs = tmp_path / "defs"
    defs.mkdir()
    shutil.copy(FIX / "Bach10" / "definition.json", defs / "Bach10.json")
    s = conversion_tool.create_gt(
        install_dir=install,
        definitions=[defs],
        gztar=tmp_path / "gt.tar.gz",
        progress=False,
    )
    assert s["ok"] and s["converted"] >= 1, s
    expected = sorted((FIX / "Bach10" / "expected").rglob("*.json.gz"))
    assert expected
    for e in expected:
        rel = e.relative_to(FIX / "Bach10" / "expected")
        ours = json.loads(gzip.open(install / rel).read())
        ref = json.loads(gzip.open(e).read())
        assert ours == ref, rel
    import tarfile

    names = tarfile.open(tmp_path / "gt.tar.gz").getnames()
    assert all(n.startswith("Bach10/") for n in names) and len(names) == len(expected)
