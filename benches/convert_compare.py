#!/usr/bin/env python3
"""Per-file speed of MIDI -> ground truth: asmd (Rust) vs the reference vs symusic.

On the same files, in one run:
  * ours: `cargo bench -p asmd --bench midi_timing` (from_midi, merge), best of --reps;
  * the reference path: ASMD 0.5.1's decorated `convert_from_file.from_midi` (pretty_midi),
    called with `<file>-0.json.gz` as its conversion() does, best of --ref-reps;
  * symusic: `symusic.Score(path, ttype="second")` (parse only, times in seconds), best
    of --reps.
Prints per-file ratios (median, geometric mean, worst) and whole-set totals, including
our whole-set conversion on all cores.

    source ../shared/reference/harness/env.sh     # or: --asmd-src ~/.asmd-refenv/src
    python benches/convert_compare.py [--midi-dir DIR] [--reps 5] [--ref-reps 1] [--out F]
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings


def midi_files(d):
    out = []
    for root, _, names in os.walk(d):
        for n in names:
            if n.lower().endswith((".mid", ".midi")) and n != "midi_score.mid":
                out.append(os.path.join(root, n))
    return sorted(out)


def best(fn, reps):
    b = math.inf
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t)
    return b


def summary(name, ratios):
    g = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    return (
        f"{name}: median {statistics.median(ratios):.1f}x, geometric mean {g:.1f}x, "
        f"worst file {min(ratios):.1f}x, best file {max(ratios):.1f}x"
    )


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    default_dir = next(
        (
            p
            for p in (
                os.path.join(repo, "..", "shared/reference/asap-dev"),
                os.path.join(repo, "..", "..", "shared/reference/asap-dev"),
            )
            if os.path.isdir(p)
        ),
        None,
    )
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--midi-dir", default=default_dir)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ref-reps", type=int, default=1)
    ap.add_argument(
        "--asmd-src",
        default=os.path.expanduser("~/.asmd-refenv/src"),
        help="folder holding the reference `asmd` package, if not importable",
    )
    ap.add_argument("--out", default=None, help="write all timings as JSON here")
    ap.add_argument(
        "--no-reference", action="store_true", help="skip the (slow) reference timing"
    )
    args = ap.parse_args()
    if not args.midi_dir:
        sys.exit("no --midi-dir and no shared/reference/asap-dev beside the repository")
    files = midi_files(args.midi_dir)
    print(f"{len(files)} files from {args.midi_dir}", file=sys.stderr)

    env = dict(os.environ, ASMD_BENCH_MIDI=os.path.abspath(args.midi_dir))
    res = subprocess.run(
        [
            "cargo",
            "bench",
            "-q",
            "-p",
            "asmd",
            "--bench",
            "midi_timing",
            "--",
            "--reps",
            str(args.reps),
        ],
        cwd=repo,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    ours = json.loads(res.stdout.strip().splitlines()[-1])
    ours_files = {os.path.realpath(k): v for k, v in ours["files"].items()}

    try:
        from asmd import convert_from_file
    except ImportError:
        sys.path.insert(0, args.asmd_src)
        from asmd import convert_from_file
    import symusic

    warnings.simplefilter("ignore")
    ref, sym = {}, {}
    for i, f in enumerate(files):
        gt = os.path.splitext(f)[0] + "-0.json.gz"
        if not args.no_reference:
            ref[f] = best(lambda: convert_from_file.from_midi(gt), args.ref_reps)
        symusic.Score(f, ttype="second")
        sym[f] = best(lambda: symusic.Score(f, ttype="second"), args.reps)
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(files)}", file=sys.stderr)

    rows = []
    for f in files:
        o = ours_files[os.path.realpath(f)]
        rows.append(
            {
                "file": f,
                "ours_s": o,
                "reference_s": ref.get(f, math.nan),
                "symusic_s": sym[f],
            }
        )
    r_ref = [
        r["reference_s"] / r["ours_s"] for r in rows if not math.isnan(r["reference_s"])
    ]
    r_sym = [r["symusic_s"] / r["ours_s"] for r in rows]
    tot = {k: sum(r[k] for r in rows) for k in ("ours_s", "reference_s", "symusic_s")}
    if r_ref:
        print(summary("reference (pretty_midi) / ours, per file", r_ref))
    print(summary("symusic parse / ours, per file", r_sym))
    print(
        f"files where symusic is faster than us: {sum(r < 1 for r in r_sym)}/{len(rows)}"
    )
    print(
        f"totals (sum of per-file bests): ours {tot['ours_s']:.3f} s, reference {tot['reference_s']:.1f} s, "
        f"symusic {tot['symusic_s']:.3f} s"
    )
    print(
        f"ours, whole set: sequential {ours['sequential_s']:.3f} s, on {ours['threads']} threads "
        f"{ours['parallel_s']:.3f} s ({ours['sequential_s'] / ours['parallel_s']:.2f}x)"
    )
    if "pipeline_1_thread_s" in ours:
        print(
            f"ours, whole pipeline (convert + check + gzip write, {len(files)} songs): 1 thread "
            f"{ours['pipeline_1_thread_s']:.2f} s, all cores {ours['pipeline_all_threads_s']:.2f} s "
            f"({ours['pipeline_1_thread_s'] / ours['pipeline_all_threads_s']:.2f}x)"
        )
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(
                {"rows": rows, "ours_whole_set": ours, "totals": tot}, fh, indent=1
            )


if __name__ == "__main__":
    main()
