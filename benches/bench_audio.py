"""Audio speed against soundfile (libsndfile) and soxr HQ on the same files, one run.

    .venv/bin/pip install soundfile soxr
    .venv/bin/python benches/bench_audio.py [--dir DIR] [--repeat N]

Writes a 3-minute stereo 44.1 kHz recording (harmonic tones + noise) as 16-bit WAV and
FLAC into DIR (default: a temporary folder), then times, for each library, decoding to
mono float32 and decoding + resampling to 16 kHz; prints medians and ratios
(soundfile time / asmd time: above 1 means asmd is faster). Then
`ASMD_AUDIO_BENCH_DIR=DIR cargo bench -p asmd --bench audio` times the engine directly.
"""

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import soundfile as sf
import soxr

from asmd import audio


def signal(sr=44100, secs=180, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(sr * secs) / sr
    x = np.zeros((t.size, 2), dtype=np.float64)
    for k, f in enumerate([110, 220, 330, 440, 587, 880, 1320, 2637, 5274]):
        x[:, k % 2] += 0.05 * np.sin(2 * np.pi * f * t + k)
    x += 0.01 * rng.standard_normal(x.shape)
    return (x * 0.8).astype(np.float32), sr


def timeit(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir")
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    d = a.dir or tempfile.mkdtemp()
    os.makedirs(d, exist_ok=True)
    wav, flac = os.path.join(d, "bench_3min.wav"), os.path.join(d, "bench_3min.flac")
    if not (os.path.exists(wav) and os.path.exists(flac)):
        x, sr = signal()
        sf.write(wav, x, sr, subtype="PCM_16")
        sf.write(flac, x, sr, subtype="PCM_16")

    def sf_mono(p):
        y, sr = sf.read(p, dtype="float32")
        return y.mean(axis=1, dtype=np.float32), sr

    def sf_soxr(p):
        y, sr = sf_mono(p)
        return soxr.resample(y, sr, 16000, quality="HQ")

    cases = [
        ("WAV 16-bit decode (mono)", lambda: sf_mono(wav), lambda: audio.load(wav)),
        (
            "WAV 16-bit decode (stereo, no mix)",
            lambda: sf.read(wav, dtype="float32"),
            lambda: audio.load(wav, mono=False),
        ),
        ("FLAC decode (mono)", lambda: sf_mono(flac), lambda: audio.load(flac)),
        (
            "WAV decode + resample 16 kHz",
            lambda: sf_soxr(wav),
            lambda: audio.load(wav, sr=16000),
        ),
        (
            "FLAC decode + resample 16 kHz",
            lambda: sf_soxr(flac),
            lambda: audio.load(flac, sr=16000),
        ),
        (
            "WAV 10 s excerpt",
            lambda: sf.read(wav, start=90 * 44100, stop=100 * 44100, dtype="float32"),
            lambda: audio.load(wav, start=90, end=100),
        ),
        (
            "FLAC 10 s excerpt",
            lambda: sf.read(flac, start=90 * 44100, stop=100 * 44100, dtype="float32"),
            lambda: audio.load(flac, start=90, end=100),
        ),
    ]
    # same output?
    ref, _ = sf_mono(wav)
    ours, _ = audio.load(wav)
    print(
        f"files in {d}; max |asmd - soundfile| on WAV mono: {np.abs(ref - ours).max():.2e}"
    )
    r16 = sf_soxr(wav)
    o16, _ = audio.load(wav, sr=16000)
    n = min(r16.size, o16.size)
    snr = 10 * np.log10(np.sum(r16[:n] ** 2) / np.sum((r16[:n] - o16[:n]) ** 2))
    print(
        f"16 kHz lengths soxr {r16.size} / asmd {o16.size}; asmd vs soxr HQ agreement {snr:.1f} dB"
        " (the difference is the noise in the two filters' 7.2-8 kHz transition bands)"
    )
    print(f"{'case':34} {'soundfile(+soxr)':>16} {'asmd':>10} {'ratio':>7}")
    for name, ref_fn, our_fn in cases:
        tr, to = timeit(ref_fn, a.repeat), timeit(our_fn, a.repeat)
        print(f"{name:34} {tr * 1e3:13.1f} ms {to * 1e3:7.1f} ms {tr / to:6.2f}x")


if __name__ == "__main__":
    main()
