"""Shared fixtures: small installed trees of real ground-truth files.

- ``golden``: the replica of the official collection (tests/fixtures/golden) with the
  ground truth written by ASMD 0.5.1, and its API outputs (``api.json``).
- ``tree``: a hand-made collection of two datasets (a solo piano one with train/test
  groups and an ensemble string one with sources) whose ground truths carry every
  annotation type, artificial misalignment included, written with our writer.
"""

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# the on-disk cache of parsed ground truth goes to a folder of this test session (and of
# every process it starts), never to the user's ~/.cache
_CACHE_ROOT = tempfile.mkdtemp(prefix="asmd-test-cache-")
os.environ["ASMD_CACHE_DIR"] = _CACHE_ROOT
os.environ.pop("ASMD_GT_DISK_CACHE", None)
atexit.register(shutil.rmtree, _CACHE_ROOT, True)

from asmd import _asmd  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "fixtures" / "golden"


def write_metadataset(path, install_dir):
    path.write_text(
        json.dumps(
            {
                "author": "tests",
                "year": 2024,
                "url": "",
                "install_dir": str(install_dir),
                "decompress_path": str(install_dir),
            }
        )
    )
    return path


@pytest.fixture(scope="session")
def golden(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("golden")
    meta = write_metadataset(tmp / "datasets.json", GOLDEN / "ground_truth")
    api = json.loads((GOLDEN / "api.json").read_text())
    return {
        "definitions": str(GOLDEN / "definitions"),
        "metadataset": str(meta),
        "api": api,
    }


def definition(name, songs, ground_truth, instruments, conversion=(), ensemble=False):
    """A dataset definition (dict) in the official schema, installed by hand: no URL,
    no post-processing, the given ``conversion`` steps."""
    return {
        "name": name,
        "ensemble": ensemble,
        "groups": sorted(ground_truth),
        "instruments": list(instruments),
        "sources": {"format": "unknown"},
        "recording": {"format": "wav"},
        "ground_truth": ground_truth,
        "install": {
            "url": "unknown",
            "unpack": False,
            "login": False,
            "post-process": "unknown",
            "conversion": list(conversion),
        },
        "songs": songs,
    }


def note_group(notes, with_velocity=True):
    g = {"onsets": [], "offsets": [], "pitches": [], "notes": [], "velocities": []}
    for pitch, on, off, vel in notes:
        g["pitches"].append(pitch)
        g["onsets"].append(on)
        g["offsets"].append(off)
        if with_velocity:
            g["velocities"].append(vel)
    return g


def make_gt(notes, program, shift=0.1, beats=None, pedals=()):
    """A ground truth with precise alignment, a score (60 BPM), misalignment (shifted
    copy, every third note missing) and pedals."""
    gt = {
        "precise_alignment": note_group(notes),
        "broad_alignment": note_group([]),
        "misaligned": note_group(
            [(p, on + shift, off + shift, v) for p, on, off, v in notes]
        ),
        "score": dict(
            note_group(
                [
                    (p, float(k), float(k) + 1.0, v)
                    for k, (p, _, _, v) in enumerate(notes)
                ],
                with_velocity=False,
            ),
            beats=beats or [float(b) for b in range(len(notes) + 1)],
        ),
        "missing": [k % 3 == 0 for k in range(len(notes))],
        "extra": [False] * len(notes),
        "f0": [],
        "instrument": program,
        "sustain": {"times": [], "values": []},
        "sostenuto": {"times": [], "values": []},
        "soft": {"times": [], "values": []},
    }
    for name, times, values in pedals:
        gt[name] = {"times": times, "values": values}
    return gt


def write_gt(path, gt):
    path.parent.mkdir(parents=True, exist_ok=True)
    _asmd.write_gt_json(json.dumps(gt), str(path))


PIANO_SONGS = [
    # title, composer, groups, notes (pitch, onset, offset, velocity)
    (
        "Sonata K331",
        "Wolfgang Amadeus Mozart",
        ["all", "train"],
        [(60, 0.0, 0.5, 80), (64, 0.5, 1.0, 70), (67, 1.0, 2.0, 90)],
    ),
    (
        "Fantasia K397",
        "Wolfgang Amadeus Mozart",
        ["all", "test"],
        [(62, 0.2, 0.7, 60), (65, 0.7, 1.2, 65)],
    ),
    (
        "Prelude BWV 846",
        "Johann Sebastian Bach",
        ["all", "train"],
        [
            (48, 0.0, 1.0, 50),
            (52, 0.25, 1.0, 55),
            (55, 0.5, 1.0, 60),
            (60, 0.75, 1.5, 65),
        ],
    ),
]


@pytest.fixture(scope="session")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    install = root / "install"
    defs = root / "definitions"
    defs.mkdir()
    songs = []
    for k, (title, composer, groups, notes) in enumerate(PIANO_SONGS):
        stem = f"pianos/song{k}"
        write_gt(
            install / f"{stem}-0.json.gz",
            make_gt(
                notes,
                0,
                pedals=[
                    ("sustain", [0.0, 0.5, 1.0], [127, 0, 100]),
                    ("soft", [0.3], [64]),
                ],
            ),
        )
        songs.append(
            {
                "title": title,
                "composer": composer,
                "instruments": ["piano"],
                "recording": {"path": [f"{stem}.wav"]},
                "ground_truth": [f"{stem}-0.json.gz"],
                "groups": groups,
            }
        )
    pianos = {
        "name": "pianos",
        "ensemble": False,
        "groups": ["all", "train", "test"],
        "instruments": ["piano"],
        "sources": {"format": "unknown"},
        "recording": {"format": "wav"},
        "ground_truth": {
            g: {
                "precise_alignment": 1,
                "misaligned": 2,
                "score": 1,
                "velocities": 1,
                "sustain": 1,
                "soft": 1,
            }
            for g in ["all", "train", "test"]
        },
        "install": {
            "url": "unknown",
            "unpack": False,
            "login": False,
            "post-process": "unknown",
            "conversion": [],
        },
        "songs": songs,
    }
    strings = {
        "name": "strings",
        "ensemble": True,
        "groups": ["all"],
        "instruments": ["violin", "cello"],
        "sources": {"format": "wav"},
        "recording": {"format": "wav"},
        "ground_truth": {"all": {"precise_alignment": 1, "misaligned": 2, "f0": 2}},
        "install": {
            "url": "unknown",
            "unpack": False,
            "login": False,
            "post-process": "unknown",
            "conversion": [],
        },
        "songs": [],
    }
    for k, (title, composer) in enumerate(
        [("Duo 1", "Ludwig van Beethoven"), ("Duo 2", "Johann Sebastian Bach")]
    ):
        stem = f"strings/duo{k}"
        write_gt(
            install / f"{stem}-0.json.gz",
            make_gt([(76, 0.0, 1.0, 70), (79, 1.0, 2.0, 72)], 40),
        )
        write_gt(
            install / f"{stem}-1.json.gz", make_gt([(48, 0.0, 2.0, 60)], 42, shift=0.2)
        )
        strings["songs"].append(
            {
                "title": title,
                "composer": composer,
                "instruments": ["violin", "cello"],
                "recording": {"path": [f"{stem}.wav"]},
                "sources": {"path": [f"{stem}-violin.wav", f"{stem}-cello.wav"]},
                "ground_truth": [f"{stem}-0.json.gz", f"{stem}-1.json.gz"],
                "groups": ["all"],
            }
        )
    (defs / "pianos.json").write_text(json.dumps(pianos))
    (defs / "strings.json").write_text(json.dumps(strings))
    meta = write_metadataset(root / "datasets.json", install)
    return {
        "definitions": str(defs),
        "metadataset": str(meta),
        "install": install,
        "root": root,
    }


@pytest.fixture()
def dataset(tree):
    from asmd import asmd

    return asmd.Dataset([tree["definitions"]], metadataset_path=tree["metadataset"])


@pytest.fixture()
def server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving ``tmp_path / "www"``: yields that folder
    and the base URL."""
    import functools
    import http.server
    import threading

    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
