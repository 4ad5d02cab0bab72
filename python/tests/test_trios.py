"""TRIOS, the paper's eighth dataset, in the official collection with no known source
(`url: unknown`): installed from a folder holding the archive (`--mirror DIR`), in both
known layouts, then converted; left out (with the reason) of an install of everything.

The archives are replicas built here: the five pieces' folders with real WAV files
(mix, one per instrument, and the `_syn` renderings the original has) and real MIDI
files, laid out as C4DM's `TRIOS_dataset.zip` (top folder `TRIOS_dataset/`) or as the
Zenodo copy `TRIOS Dataset.zip` (top folder `TRIOS Dataset/`)."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from asmd import asmd, audio, install, utils

PIECES = {
    "mozart": ["clarinet", "viola", "piano"],
    "schubert": ["violin", "cello", "piano"],
    "brahms": ["violin", "horn", "piano"],
    "lussier": ["trumpet", "bassoon", "piano"],
    "take_five": ["saxophone", "piano", "kick", "ride", "snare"],
}


def trios_archive(tmp_path, top, name):
    """A replica archive: `<top>/<piece>/{mix,<inst>,<inst>_syn}.wav` and `<inst>.mid`."""
    src = tmp_path / "src"
    t = np.arange(4000) / 8000
    for piece, insts in PIECES.items():
        folder = src / piece
        folder.mkdir(parents=True)
        audio.write_wav(folder / "mix.wav", [0.2 * np.sin(2 * np.pi * 220 * t)], 8000)
        for k, inst in enumerate(insts):
            audio.write_wav(folder / f"{inst}.wav", [0.1 * np.sin(t * (k + 1))], 8000)
            audio.write_wav(folder / f"{inst}_syn.wav", [np.zeros(100)], 8000)
            pitch = 36 + 7 * k
            utils.mat2midipath(
                np.array([[pitch, 0.0, 0.25, 90], [pitch + 2, 0.25, 0.5, 70]]),
                str(folder / f"{inst}.mid"),
            )
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with zipfile.ZipFile(mirror / name, "w") as z:
        for f in sorted(src.rglob("*")):
            if f.is_file():
                z.write(f, f"{top}/{f.relative_to(src)}")
    return mirror


def check_installed(install_dir):
    d = asmd.Dataset(install_dir=install_dir).filter(datasets=["TRIOS_dataset"])
    assert len(d) == 5
    titles = [s["title"] for s in d.get_songs()]
    assert titles == ["K498", "D929", "Brahms_Op40", "Lussier_Op08", "Take Five"]
    take_five = titles.index("Take Five")
    gts = d.get_gts(take_five)
    assert [g["instrument"] for g in gts] == [65, 0, 128, 128, 128]
    assert gts[0]["precise_alignment"]["pitches"] == [36, 38]
    mat = d.get_score_mat(take_five, score_type=["precise_alignment"])
    assert mat.shape == (10, 6)
    x, sr = d.get_mix(0)
    assert sr == 8000 and len(x) == 4000
    d2 = asmd.Dataset(install_dir=install_dir).filter(
        datasets=["TRIOS_dataset"], sources=True, all=True
    )
    sources, sr = d2.get_source(take_five)
    assert len(sources) == 5


def test_trios_installs_from_a_mirror_folder_and_converts(tmp_path):
    mirror = trios_archive(tmp_path, "TRIOS_dataset", "TRIOS_dataset.zip")
    target = tmp_path / "install"
    r = install.install(
        ["TRIOS_dataset"],
        install_dir=target,
        mirror=mirror,
        ground_truth="convert",
        quiet=True,
    )
    assert r["ok"], r
    assert r["datasets"][0]["outcome"] == "installed"
    assert (target / "TRIOS_dataset" / "TRIOS_dataset" / "mozart" / "mix.wav").is_file()
    assert not (target / "TRIOS_dataset" / "TRIOS Dataset").exists()
    check_installed(target)
    assert install.verify(["TRIOS_dataset"], install_dir=target)["ok"]


def test_trios_zenodo_layout_through_the_cli(tmp_path):
    mirror = trios_archive(tmp_path, "TRIOS Dataset", "TRIOS Dataset.zip")
    target = tmp_path / "install"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "asmd.cli",
            "--install-dir",
            str(target),
            "install",
            "TRIOS_dataset",
            "--mirror",
            str(mirror),
            "--ground-truth",
            "convert",
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "installed" in out.stdout
    assert not (target / "TRIOS_dataset" / "TRIOS Dataset").exists()
    check_installed(target)


def test_no_source_explained(tmp_path):
    # named without a mirror: fails and says what to do
    r = install.install(
        ["TRIOS_dataset"], install_dir=tmp_path / "a", ground_truth="none", quiet=True
    )
    assert not r["ok"]
    err = r["datasets"][0]["error"]
    assert "no download source is known for `TRIOS_dataset.zip`" in err
    assert "--mirror" in err
    # an install of every dataset leaves it out, with the reason, and installs the rest
    defs = tmp_path / "defs"
    defs.mkdir()
    trios = next(
        x for x in asmd.load_definitions(asmd.OFFICIAL) if x["name"] == "TRIOS_dataset"
    )
    (defs / "TRIOS_dataset.json").write_text(json.dumps(trios))
    # another dataset, whose archive the mirror folder holds (no network needed)
    (defs / "local.json").write_text(
        json.dumps(
            {
                "name": "local",
                "install": {
                    "steps": [
                        {
                            "op": "download",
                            "url": "https://example.invalid/local.zip",
                            "name": "local.zip",
                        },
                        {"op": "unpack", "archive": "local.zip"},
                    ]
                },
                "songs": [],
            }
        )
    )
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with zipfile.ZipFile(mirror / "local.zip", "w") as z:
        z.writestr("a.txt", "x")
    r = install.install(
        definitions=[defs],
        install_dir=tmp_path / "b",
        ground_truth="none",
        mirror=mirror,
        quiet=True,
    )
    assert r["ok"], r
    outcomes = {d["name"]: d for d in r["datasets"]}
    assert outcomes["local"]["outcome"] == "installed"
    assert outcomes["TRIOS_dataset"]["outcome"] == "skipped"
    assert "does not hold it" in outcomes["TRIOS_dataset"]["reason"]
    # the plan shows it too
    p = install.plan(
        definitions=[defs],
        install_dir=tmp_path / "c",
        mirror=mirror,
        ground_truth="none",
        quiet=True,
    )
    plan = next(d for d in p["datasets"] if d["name"] == "TRIOS_dataset")
    assert "no download source is known" in plan["fetches"][0]["error"]
    assert "no known source" in plan["steps"][0]
    # the interactive installer's "all" (an empty answer) leaves it out too
    (defs / "local.json").unlink()
    out = subprocess.run(
        [sys.executable, "-m", "asmd.cli", "--definitions", str(defs)]
        + ["--install-dir", str(tmp_path / "d"), "install", "--interactive"],
        input="\n\n\nn\ny\n",
        capture_output=True,
        text=True,
    )
    assert "TRIOS_dataset: skipped: no download source is known" in out.stdout, (
        out.stdout + out.stderr
    )


@pytest.mark.parametrize(
    "bad", [{"url": "unknown"}, {"url": "unknown", "name": "a/b.zip"}]
)
def test_unknown_url_steps_are_checked(tmp_path, bad):
    defs = tmp_path / "defs"
    defs.mkdir()
    step = dict(op="download", **bad)
    (defs / "x.json").write_text(
        json.dumps({"name": "x", "install": {"steps": [step]}, "songs": []})
    )
    from asmd.errors import AsmdFormatError

    with pytest.raises(AsmdFormatError, match=r"\$\.install\.steps\[0\]"):
        install.install(definitions=[defs], install_dir=tmp_path / "i", quiet=True)
