"""One default seed: a dataset converted by ``conversion_tool.create_gt``, by
``asmd convert`` and by ``asmd install --ground-truth convert`` (a real install from a
server on 127.0.0.1) gets byte-identical ground truth, ``misaligned`` notes included."""

import gzip
import json
import shutil
import zipfile
from pathlib import Path


from asmd import _asmd, cli, conversion_tool, install

FIX = (
    Path(__file__).resolve().parents[2]
    / "crates"
    / "asmd"
    / "tests"
    / "fixtures"
    / "convert"
    / "Bach10"
)


def write_meta(path, install_dir):
    path.write_text(
        json.dumps(
            {
                "author": "t",
                "year": 1,
                "url": "",
                "install_dir": str(install_dir),
                "decompress_path": str(install_dir),
            }
        )
    )
    return path


def definitions(tmp_path, port):
    defs = tmp_path / "defs"
    defs.mkdir()
    text = (FIX / "definition.json").read_text().replace("{PORT}", str(port))
    (defs / "Bach10.json").write_text(text)
    return defs


def converted(install_dir):
    """Relative path -> decompressed bytes of every converted ground-truth file."""
    out = {}
    for p in sorted(Path(install_dir).rglob("*.json.gz")):
        out[str(p.relative_to(install_dir))] = gzip.decompress(p.read_bytes())
    return out


def test_three_routes_convert_to_the_same_bytes(tmp_path, server, monkeypatch):
    www, url = server
    port = url.rsplit(":", 1)[1]
    defs = definitions(tmp_path, port)
    monkeypatch.delenv("ASMD_MIRROR", raising=False)

    # 1. conversion_tool.create_gt on the dataset in its original layout (with the
    # shipped model: without alignment_stats it leaves `misaligned` empty, as 0.5.1)
    a = tmp_path / "a"
    shutil.copytree(FIX / "install", a)
    s = conversion_tool.create_gt(
        install_dir=a, definitions=[defs], alignment_stats=True, progress=False
    )
    assert s["ok"] and s["converted"] == 2, s

    # 2. asmd convert
    b = tmp_path / "b"
    shutil.copytree(FIX / "install", b)
    meta_b = write_meta(tmp_path / "b.json", b)
    monkeypatch.setenv("ASMD_METADATASET", str(meta_b))
    assert cli.run(["convert", "-d", str(defs), "-q"]) == 0

    # 3. asmd install --ground-truth convert, from an archive in the official layout
    with zipfile.ZipFile(www / "Bach10.zip", "w") as z:
        for p in sorted((FIX / "install" / "Bach10").rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(FIX / "install" / "Bach10").as_posix())
    c = tmp_path / "c"
    meta_c = write_meta(tmp_path / "c.json", c)
    r = install.install(
        ["Bach10"],
        definitions=[str(defs)],
        metadataset_path=str(meta_c),
        ground_truth="convert",
        allow_missing=True,  # the fixture holds the annotations, not the recordings
        quiet=True,
    )
    assert r["ok"], r

    first, second, third = converted(a), converted(b), converted(c)
    assert len(first) == 8, sorted(first)
    assert first == second
    assert first == third
    # the misaligned notes are there (generated from the default seed), not empty
    gt = json.loads(next(iter(first.values())))
    assert len(gt["misaligned"]["onsets"]) > 0
    assert gt["misaligned"]["onsets"] != gt["precise_alignment"]["onsets"]


def test_the_default_seed_is_the_engines():
    assert _asmd.DEFAULT_SEED == 1002
    import inspect

    assert (
        inspect.signature(conversion_tool.create_gt).parameters["seed"].default
        == _asmd.DEFAULT_SEED
    )
