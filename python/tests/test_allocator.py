"""Large results reuse memory instead of mapping fresh pages on every call (the
allocator is primed at import, see ``prime_allocator`` in the bindings). Page faults are
counted by the kernel, not timed."""

import json
import platform
import subprocess
import sys

import pytest

from asmd import _asmd

from conftest import definition, write_metadataset

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc",
    reason="glibc's mmap threshold",
)


CHILD = r"""
import sys
from asmd import asmd


def minor_faults():
    with open("/proc/self/stat") as f:
        # the fields after the command name (which may hold spaces); minflt is the 10th
        return int(f.read().rsplit(")", 1)[1].split()[7])


d = asmd.Dataset([sys.argv[1]], metadataset_path=sys.argv[2])
for _ in range(3):  # load, settle
    d.get_gts(0)
before = minor_faults()
for _ in range(20):
    d.get_gts(0)
print((minor_faults() - before) / 20)
"""


def test_repeated_views_of_a_large_song_do_not_fault_in_fresh_pages(tmp_path):
    n = 20_000
    gt = {
        "precise_alignment": {
            "onsets": [i * 0.05 for i in range(n)],
            "offsets": [i * 0.05 + 0.5 for i in range(n)],
            "pitches": [21 + i % 88 for i in range(n)],
            "velocities": [64] * n,
            "notes": [],
        },
        "instrument": 0,
    }
    install = tmp_path / "install"
    (install / "big").mkdir(parents=True)
    _asmd.write_gt_json(json.dumps(gt), str(install / "big" / "song-0.json.gz"))
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "big.json").write_text(
        json.dumps(
            definition(
                "big",
                [
                    {
                        "title": "song",
                        "composer": "x",
                        "instruments": ["piano"],
                        "recording": {"path": ["big/song.wav"]},
                        "ground_truth": ["big/song-0.json.gz"],
                        "groups": ["all"],
                    }
                ],
                {"all": {"precise_alignment": 1}},
                ["piano"],
            )
        )
    )
    # in a fresh process: this one has freed large blocks of its own already
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(defs),
            str(write_metadataset(tmp_path / "m.json", install)),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    per_call = float(out.stdout)
    # fresh pages would cost about 40 faults for each 160 kB list (4 of them) and as
    # many for the floats in it: ~300 per call
    assert per_call < 60, per_call
