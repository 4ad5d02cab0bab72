#!/usr/bin/env python3
"""Dump what pretty_midi reads from MIDI files, for asmd's MIDI conformance test.

For every file: per pretty_midi instrument its program, drum flag, notes
(pitch, velocity, start, end) and control changes (number, value, time), plus
get_beats() and get_end_time(); or the exception pretty_midi raised. Floats are
written with repr() so they parse back bit for bit.

    ~/.asmd-refenv/bin/python benches/midi_conformance.py DIR_OR_FILE... --out dump.json
    ASMD_MIDI_CONFORMANCE=dump.json cargo test -p asmd --test midi_conformance -- --nocapture
"""

import argparse
import json
import os
import sys

import pretty_midi


def dump(path):
    try:
        pm = pretty_midi.PrettyMIDI(path)
        return {
            "instruments": [
                {
                    "program": int(i.program),
                    "is_drum": bool(i.is_drum),
                    "notes": [
                        [n.pitch, n.velocity, float(n.start), float(n.end)]
                        for n in i.notes
                    ],
                    "control_changes": [
                        [c.number, c.value, float(c.time)] for c in i.control_changes
                    ],
                }
                for i in pm.instruments
            ],
            "beats": [float(b) for b in pm.get_beats()],
            "end_time": float(pm.get_end_time()),
        }
    except Exception as e:  # recorded, compared as "both fail"
        return {"error": type(e).__name__, "message": str(e)}


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "paths",
        nargs="+",
        help="MIDI files or folders (searched recursively for .mid/.midi)",
    )
    ap.add_argument("--out", required=True, help="JSON file to write: {path: dump}")
    ap.add_argument(
        "--relative-to", default=None, help="store paths relative to this folder"
    )
    args = ap.parse_args()
    files = []
    for p in args.paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [
                    os.path.join(root, n)
                    for n in names
                    if n.lower().endswith((".mid", ".midi"))
                ]
        else:
            files.append(p)
    files.sort()
    out = {}
    for f in files:
        key = (
            os.path.relpath(f, args.relative_to)
            if args.relative_to
            else os.path.abspath(f)
        )
        out[key] = dump(f)
    with open(args.out, "w") as fh:
        json.dump(out, fh)
    print(
        f"{len(files)} files, {sum('error' in v for v in out.values())} raised",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
