"""Malformed inputs raise clear errors through Python: file, place, problem."""

import gzip
import json

import pytest

from asmd import asmd, _asmd
from asmd.errors import AsmdError, AsmdFormatError

GOOD = {
    "name": "demo",
    "ensemble": False,
    "groups": ["all"],
    "instruments": ["piano"],
    "sources": {"format": "unknown"},
    "recording": {"format": "wav"},
    "ground_truth": {"all": {"precise_alignment": 1}},
    "install": {
        "url": "unknown",
        "unpack": False,
        "login": False,
        "post-process": "unknown",
        "conversion": [],
    },
    "songs": [
        {
            "title": "a",
            "composer": "x",
            "instruments": ["piano"],
            "recording": {"path": ["demo/a.wav"]},
            "ground_truth": ["demo/a-0.json.gz"],
            "groups": ["all"],
        }
    ],
}


def load(tmp_path, text):
    (tmp_path / "demo.json").write_text(text)
    return asmd.Dataset([str(tmp_path)])


def broken(**changes):
    d = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        obj = d
        keys = path.split("__")
        for k in keys[:-1]:
            obj = obj[int(k)] if k.isdigit() else obj[k]
        if value is KeyError:
            del obj[keys[-1]]
        else:
            obj[keys[-1]] = value
    return json.dumps(d)


@pytest.mark.parametrize(
    "text, location, words",
    [
        ('{\n  "name": "demo",\n}', "line 3, column 1", "invalid JSON"),
        (
            broken(songs__0__title=KeyError),
            "$.songs[0]",
            "missing required key `title`",
        ),
        (
            broken(songs__0__groups="all"),
            "$.songs[0].groups",
            "expected a list of strings",
        ),
        (broken(ensemble="yes"), "$.ensemble", "expected true or false"),
        (
            broken(
                songs__0__instruments=["violin", "cello", "viola"],
                songs__0__ground_truth=["a-0.json.gz", "a-1.json.gz"],
            ),
            "$.songs[0].ground_truth",
            "2 ground-truth paths for 3 instruments",
        ),
        (
            broken(ground_truth={"all": {"chords": 1}}),
            "$.ground_truth.all.chords",
            "unknown ground-truth type `chords`",
        ),
        (
            broken(ground_truth={"all": {"score": 3}}),
            "$.ground_truth.all.score",
            "level must be 0, 1 or 2",
        ),
    ],
)
def test_malformed_definitions(tmp_path, text, location, words):
    with pytest.raises(AsmdFormatError) as e:
        load(tmp_path, text)
    err = e.value
    assert err.file.endswith("demo.json")
    assert err.location == location
    assert words in err.problem
    assert err.kind == "format"
    assert str(err).startswith(err.file)


def test_malformed_ground_truth(tmp_path):
    p = tmp_path / "bad-0.json.gz"
    p.write_bytes(gzip.compress(b'{"score": {"onsets": [0.0, "x"]}}'))
    with pytest.raises(AsmdFormatError) as e:
        _asmd.read_gt(str(p))
    assert e.value.location.startswith("$.score.onsets[1]")
    p.write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(AsmdFormatError, match="cannot decompress"):
        _asmd.read_gt(str(p))


def test_check_reports_rule_field_and_index():
    gt = {
        "precise_alignment": {
            "onsets": [0.0, 1.0],
            "offsets": [0.5, 0.9],
            "pitches": [60, 61],
            "velocities": [],
            "notes": [],
        }
    }
    code, field, index, message = _asmd.check_gt_json(json.dumps(gt))
    assert (code, field, index) == (4, "precise_alignment.offsets", 1)
    assert "offset 0.9 <= onset 1" in message
    assert _asmd.check_gt_json(json.dumps({})) is None


def test_errors_pickle_with_their_detail():
    import pickle

    e = AsmdFormatError("f: here: bad", "format", "f", "here", "bad")
    back = pickle.loads(pickle.dumps(e))
    assert (back.file, back.location, back.problem) == ("f", "here", "bad")
    assert isinstance(back, AsmdError)


def test_a_closed_stdout_ends_the_command_not_the_interpreter():
    """`asmd.cli.run` writing into a closed pipe (`python x.py | head`) returns; the
    interpreter goes on (the CLI used to exit the process from its output helper)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from asmd import cli\n"
        "rc = cli.run(['list'])\n"
        "sys.stderr.write(f'alive {rc}\\n')\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    p.stdout.close()  # before the child writes anything
    err = p.stderr.read().decode()
    assert p.wait() == 0, err
    assert "alive 0" in err, err
    assert "panic" not in err.lower(), err
