"""Excerpt throughput for training: asmd.torch.ExcerptDataset against the loop a mirdata
user writes today (soundfile excerpt read + soxr HQ + pretty_midi pianoroll), same files,
both through ``DataLoader(num_workers=2)``, one run.

    .venv/bin/pip install soundfile soxr pretty_midi
    .venv/bin/python benches/bench_excerpts.py [--songs 4] [--minutes 3] [--format wav|flac]

Each song: a stereo 44.1 kHz recording (tones + noise) and the same ~20 notes/s as MIDI
(for the baseline) and as asmd ground truth. Items: 10 s excerpts at 16 kHz with
100 frames/s pianorolls.
"""

import argparse
import json
import os
import tempfile
import time

import numpy as np
import pretty_midi
import soundfile as sf
import soxr
import torch
from torch.utils.data import DataLoader, Dataset as TorchDataset

from asmd import _asmd, asmd
from asmd.torch import ExcerptDataset

EXCERPT, SR, FPS = 10.0, 16000, 100


def make_song(path_stem, minutes, fmt, seed):
    rng = np.random.default_rng(seed)
    n = int(minutes * 60 * 44100)
    t = np.arange(n) / 44100
    x = np.zeros((n, 2), dtype=np.float32)
    for k, f in enumerate([220, 330, 440, 660]):
        x[:, k % 2] += (0.1 * np.sin(2 * np.pi * f * t)).astype(np.float32)
    x += 0.01 * rng.standard_normal(x.shape).astype(np.float32)
    sf.write(f"{path_stem}.{fmt}", x, 44100, subtype="PCM_16")
    dur = n / 44100
    onsets = np.sort(rng.uniform(0, dur - 1, int(dur * 20)))
    offsets = onsets + rng.uniform(0.05, 1.0, onsets.size)
    pitches = rng.integers(21, 109, onsets.size)
    vels = rng.integers(20, 120, onsets.size)
    pm = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(0)
    inst.notes = [
        pretty_midi.Note(int(v), int(p), float(a), float(b))
        for a, b, p, v in zip(onsets, offsets, pitches, vels)
    ]
    pm.instruments.append(inst)
    pm.write(f"{path_stem}.mid")
    group = {
        "onsets": onsets.tolist(),
        "offsets": offsets.tolist(),
        "pitches": pitches.tolist(),
        "velocities": vels.tolist(),
        "notes": [],
    }
    empty = {"onsets": [], "offsets": [], "pitches": [], "velocities": [], "notes": []}
    gt = {
        "precise_alignment": group,
        "broad_alignment": empty,
        "misaligned": empty,
        "score": dict(empty, beats=[]),
        "missing": [],
        "extra": [],
        "f0": [],
        "instrument": 0,
        "sustain": {"times": [], "values": []},
        "sostenuto": {"times": [], "values": []},
        "soft": {"times": [], "values": []},
    }
    _asmd.write_gt_json(json.dumps(gt), f"{path_stem}-0.json.gz")
    return dur


class MirdataStyle(TorchDataset):
    """What a researcher writes with soundfile + soxr + pretty_midi."""

    def __init__(self, songs):
        self.index = [
            (audio, midi, s)
            for audio, midi, dur in songs
            for s in np.arange(0, dur - EXCERPT + 1e-9, EXCERPT)
        ]

    def __len__(self):
        return len(self.index)

    def __getitem__(self, k):
        audio, midi, start = self.index[k]
        info = sf.info(audio)
        x, sr = sf.read(
            audio,
            start=int(start * info.samplerate),
            stop=int((start + EXCERPT) * info.samplerate),
            dtype="float32",
        )
        x = soxr.resample(x.mean(axis=1), sr, SR, quality="HQ")
        roll = pretty_midi.PrettyMIDI(midi).get_piano_roll(fs=FPS)
        a = int(start * FPS)
        roll = roll[:, a : a + int(EXCERPT * FPS)]
        roll = np.pad(roll, ((0, 0), (0, int(EXCERPT * FPS) - roll.shape[1])))
        return {
            "audio": torch.from_numpy(x),
            "pianoroll": torch.from_numpy(roll.astype(np.float32)),
        }


def rate(ds, workers, epochs=2):
    loader = DataLoader(
        ds,
        batch_size=4,
        num_workers=workers,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
        persistent_workers=workers > 0,
    )
    for (
        _
    ) in loader:  # warm-up epoch (workers start, caches fill as they would in training)
        pass
    t = time.perf_counter()
    n = 0
    for _ in range(epochs):
        for b in loader:
            n += b["audio"].shape[0]
    return n / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--songs", type=int, default=4)
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--format", default="wav", choices=["flac", "wav"])
    a = ap.parse_args()
    root = tempfile.mkdtemp()
    install = os.path.join(root, "install")
    os.makedirs(os.path.join(install, "b"))
    songs, defs = [], []
    for k in range(a.songs):
        stem = os.path.join(install, "b", f"s{k}")
        dur = make_song(stem, a.minutes, a.format, k)
        songs.append((f"{stem}.{a.format}", f"{stem}.mid", dur))
        defs.append(
            {
                "title": f"s{k}",
                "composer": "x",
                "instruments": ["piano"],
                "recording": {"path": [f"b/s{k}.{a.format}"]},
                "ground_truth": [f"b/s{k}-0.json.gz"],
                "groups": ["all"],
            }
        )
    os.makedirs(os.path.join(root, "defs"))
    with open(os.path.join(root, "defs", "b.json"), "w") as f:
        json.dump(
            {
                "name": "b",
                "ensemble": False,
                "groups": ["all"],
                "instruments": ["piano"],
                "sources": {"format": "unknown"},
                "recording": {"format": a.format},
                "ground_truth": {"all": {"precise_alignment": 1}},
                "install": {
                    "url": "unknown",
                    "unpack": False,
                    "login": False,
                    "post-process": "unknown",
                    "conversion": [],
                },
                "songs": defs,
            },
            f,
        )
    with open(os.path.join(root, "datasets.json"), "w") as f:
        json.dump(
            {
                "author": "",
                "year": 0,
                "url": "",
                "install_dir": install,
                "decompress_path": install,
            },
            f,
        )
    d = asmd.Dataset(
        [os.path.join(root, "defs")],
        metadataset_path=os.path.join(root, "datasets.json"),
    )
    ours = ExcerptDataset(d, excerpt=EXCERPT, sr=SR, frame_hop=1 / FPS)
    base = MirdataStyle(songs)
    print(
        f"{a.songs} songs x {a.minutes} min {a.format}: {len(ours)} excerpts of {EXCERPT} s "
        f"(baseline {len(base)}), 2 workers, 2 timed epochs after a warm-up"
    )
    rb = rate(base, 2)
    ro = rate(ours, 2)
    print(f"soundfile + soxr HQ + pretty_midi: {rb:8.1f} excerpts/s")
    print(
        f"asmd.torch.ExcerptDataset:        {ro:8.1f} excerpts/s   ratio {ro / rb:.1f}x"
    )


if __name__ == "__main__":
    main()
