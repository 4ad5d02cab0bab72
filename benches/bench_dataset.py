#!/usr/bin/env python3
"""Dataset API speed: asmd (Python bindings, single-threaded) vs ASMD 0.5.1, same files,
one run.

Builds a synthetic 20,000-note piano performance with pedals (gzip level 9, the
reference's layout) under target/bench-data/py-synth, then times in separate processes:
construction and filtering on the official definitions, ground-truth load, score matrix
and pianorolls. Medians of --reps runs; prints a table and the ratios.

    .venv/bin/python benches/bench_dataset.py --ref-python ~/.asmd-refenv/bin/python \
        --ref-path ~/.asmd-refenv/src

The reference side needs ASMD 0.5.1's source and dependencies (numpy, essentia, ...).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TIMER = r"""
import contextlib, io, json, os, sys, time, statistics
which, defs, meta, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
from asmd import asmd, dataset_utils as du

def med(f):
    runs = []
    for _ in range(reps):
        t = time.perf_counter(); f(); runs.append(time.perf_counter() - t)
    return statistics.median(runs)

quiet = lambda f: (lambda: contextlib.redirect_stdout(io.StringIO()).__enter__() and f())
out = {}
with contextlib.redirect_stdout(io.StringIO()):
    if which == "ref":
        import asmd as pkg
        official = os.path.join(os.path.dirname(pkg.__file__), "definitions")
        t = time.perf_counter(); asmd.Dataset([official], metadataset_path=meta)
        out["construct_first"] = time.perf_counter() - t
        out["construct_official"] = med(lambda: asmd.Dataset([official], metadataset_path=meta))
        base = asmd.Dataset([official], metadataset_path=meta)
    else:
        t = time.perf_counter(); asmd.Dataset(metadataset_path=meta)
        out["construct_first"] = time.perf_counter() - t
        out["construct_official"] = med(lambda: asmd.Dataset(metadataset_path=meta))
        base = asmd.Dataset(metadataset_path=meta)
    out["filter_official"] = med(lambda: du.filter(base, instruments=["piano"], ensemble=False,
                                                   composer="Mozart", copy=True))
    d = asmd.Dataset([defs], metadataset_path=meta)
out["get_gts"] = med(lambda: d.get_gts(0))
out["get_score_mat"] = med(lambda: du.get_score_mat(d, 0, score_type=["precise_alignment"]))
out["get_pianoroll_0.25"] = med(lambda: d.get_pianoroll(0, score_type=["precise_alignment"], resolution=0.25))
out["get_pianoroll_0.05"] = med(lambda: d.get_pianoroll(0, score_type=["precise_alignment"], resolution=0.05))
m = du.get_score_mat(d, 0, score_type=["precise_alignment"])
out["_notes"] = int(m.shape[0])
print(json.dumps(out))
"""


def make_tree(root, n_notes=20_000, seed=0):
    import numpy as np

    from asmd import _asmd

    _asmd.set_gt_disk_cache_dir(None)  # writing would also fill the user's cache
    rng = np.random.default_rng(seed)
    onsets = np.cumsum(rng.uniform(0, 0.125, n_notes))
    offsets = onsets + rng.uniform(0.05, 2.0, n_notes)
    pitches = rng.integers(21, 109, n_notes)
    vels = rng.integers(20, 111, n_notes)
    ped_t = np.cumsum(rng.uniform(0.2, 0.8, int(onsets[-1] / 0.5) + 4))
    gt = {
        "precise_alignment": {
            "onsets": onsets.tolist(),
            "offsets": offsets.tolist(),
            "pitches": pitches.tolist(),
            "velocities": vels.tolist(),
            "notes": [],
        },
        "sustain": {
            "times": ped_t.tolist(),
            "values": rng.integers(0, 128, len(ped_t)).tolist(),
        },
        "soft": {
            "times": ped_t[::10].tolist(),
            "values": rng.integers(0, 128, len(ped_t[::10])).tolist(),
        },
        "instrument": 0,
    }
    install = root / "install"
    gt_path = install / "synth" / "piano-0.json.gz"
    gt_path.parent.mkdir(parents=True, exist_ok=True)
    _asmd.write_gt_json(json.dumps(gt), str(gt_path))
    defs = root / "definitions"
    defs.mkdir(exist_ok=True)
    (defs / "synth.json").write_text(
        json.dumps(
            {
                "name": "synth",
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
                        "title": "piano",
                        "composer": "synth",
                        "instruments": ["piano"],
                        "recording": {"path": ["synth/piano.wav"]},
                        "ground_truth": ["synth/piano-0.json.gz"],
                        "groups": ["all"],
                    }
                ],
            }
        )
    )
    meta = root / "datasets.json"
    meta.write_text(
        json.dumps(
            {
                "author": "bench",
                "year": 2026,
                "url": "",
                "install_dir": str(install),
                "decompress_path": str(install),
            }
        )
    )
    return defs, meta


def run(python, path_env, which, defs, meta, reps, extra_env=None):
    env = dict(os.environ, RAYON_NUM_THREADS="1", **(extra_env or {}))
    if path_env:
        env["PYTHONPATH"] = path_env
    res = subprocess.run(
        [python, "-c", TIMER, which, str(defs), str(meta), str(reps)],
        env=env,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        sys.exit(f"{which} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--ref-python", default=os.path.expanduser("~/.asmd-refenv/bin/python")
    )
    ap.add_argument(
        "--ref-path",
        default=os.path.expanduser("~/.asmd-refenv/src"),
        help="folder holding the reference `asmd` package",
    )
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    root = ROOT / "target" / "bench-data" / "py-synth"
    root.mkdir(parents=True, exist_ok=True)
    defs, meta = make_tree(root)
    cache_dir = root / "gt-cache"
    shutil.rmtree(cache_dir, ignore_errors=True)
    # cold: both ground-truth caches off, every call inflates and parses the file
    cold = run(
        sys.executable,
        None,
        "ours",
        defs,
        meta,
        args.reps,
        {"ASMD_GT_CACHE_MB": "0", "ASMD_GT_DISK_CACHE": "0"},
    )
    # disk: the in-memory cache off, the on-disk cache filled by an earlier process:
    # every call reads the file, hashes it and reads the parsed columns back
    disk_env = {"ASMD_GT_CACHE_MB": "0", "ASMD_CACHE_DIR": str(cache_dir)}
    run(sys.executable, None, "ours", defs, meta, 1, disk_env)
    disk = run(sys.executable, None, "ours", defs, meta, args.reps, disk_env)
    # warm: repeated calls hit the process-wide cache of parsed ground truth
    warm = run(
        sys.executable, None, "ours", defs, meta, args.reps, {"ASMD_GT_DISK_CACHE": "0"}
    )
    ref = run(args.ref_python, args.ref_path, "ref", defs, meta, args.reps)
    rows = [k for k in warm if not k.startswith("_")]
    if args.json:
        print(json.dumps({"cold": cold, "disk": disk, "warm": warm, "ref": ref}))
        return
    print(
        f"synthetic performance: {warm['_notes']} notes with pedals; medians of {args.reps} runs, "
        "single-threaded"
    )
    cols = [("asmd cold", cold), ("asmd disk", disk), ("asmd warm", warm)]
    head = f"{'operation':<22}{'ASMD 0.5.1':>12}"
    for name, _ in cols:
        head += f"{name:>12}{'speed-up':>10}"
    print(head)
    for k in rows:
        line = f"{k:<22}{ref[k] * 1e3:>9.3f} ms"
        for _, res in cols:
            line += f"{res[k] * 1e3:>9.3f} ms{ref[k] / res[k]:>9.1f}x"
        print(line)
    print(
        "cold = both ground-truth caches off: every call inflates and parses the .json.gz\n"
        "disk = in-memory cache off, on-disk cache filled by an earlier process: every call\n"
        "       reads and hashes the .json.gz, then reads the parsed columns back\n"
        "warm = the process-wide cache of parsed ground truth (repeated access, as in training)\n"
        "construct_first = the first Dataset() of a process (one call); construct_official =\n"
        "       later ones (asmd parses its embedded definitions once per process)"
    )


if __name__ == "__main__":
    main()
