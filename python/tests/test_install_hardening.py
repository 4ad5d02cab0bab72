"""What untrusted archives and definitions cannot do, through Python: write ground truth
outside the install folder, unpack a zip bomb, leave an escaping link unreported; and a
relative work folder with shell lines. (In depth: crates/asmd/tests/install_hardening.rs.)"""

import functools
import http.server
import json
import os
import threading
import zipfile

import pytest

from asmd import conversion_tool, install
from asmd.convert_from_file import convert


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def definition(name, songs, install_section):
    return {
        "name": name,
        "ensemble": False,
        "groups": ["all"],
        "instruments": ["piano"],
        "sources": {"format": "unknown"},
        "recording": {"format": "wav"},
        "ground_truth": {"all": {"precise_alignment": 1}},
        "install": install_section,
        "songs": [
            {
                "title": title,
                "composer": "x",
                "instruments": ["piano"],
                "recording": {"path": [rec]},
                "ground_truth": [gt],
                "groups": ["all"],
            }
            for title, rec, gt in songs
        ],
    }


def write_collection(tmp_path, defs):
    d = tmp_path / "defs"
    d.mkdir(exist_ok=True)
    for x in defs:
        (d / f"{x['name']}.json").write_text(json.dumps(x))
    meta = tmp_path / "datasets.json"
    meta.write_text(
        json.dumps(
            {
                "author": "t",
                "year": 1,
                "url": "",
                "install_dir": str(tmp_path / "install"),
                "decompress_path": str(tmp_path / "install"),
            }
        )
    )
    return d, meta


@convert([".hx"])
def hardening_converter(filename, **kwargs):
    return {"precise_alignment": {"onsets": [0.0], "offsets": [1.0], "pitches": [60]}}


def test_ground_truth_paths_outside_the_install_folder_fail_their_song(tmp_path):
    inst = tmp_path / "install"
    (inst / "hx").mkdir(parents=True)
    (inst / "hx" / "ok.hx").write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "esc.hx").write_text("x")
    (outside / "abs.hx").write_text("x")
    d = definition(
        "hx",
        [
            ("fine", "hx/ok.wav", "hx/ok-0.json.gz"),
            ("climber", "hx/ok.wav", "hx/../../outside/esc-0.json.gz"),
            ("absolute", "hx/ok.wav", str(outside / "abs-0.json.gz")),
        ],
        {"url": "unknown", "conversion": [["hardening_converter", {}]]},
    )
    defs, _ = write_collection(tmp_path, [d])
    s = conversion_tool.create_gt(install_dir=inst, definitions=[defs], progress=False)
    assert not s["ok"] and s["converted"] == 1 and s["failed"] == 2, s
    errors = {x["title"]: x["error"] for x in s["songs"] if x["outcome"] == "failed"}
    assert "hx.json" in errors["climber"]
    assert "$.songs[1].ground_truth[0]" in errors["climber"]
    assert "leaves the install folder" in errors["climber"]
    assert "$.songs[2].ground_truth[0]" in errors["absolute"]
    assert (inst / "hx" / "ok-0.json.gz").is_file()
    assert sorted(p.name for p in outside.iterdir()) == ["abs.hx", "esc.hx"]


def lying_zip(path, n, claim):
    """One entry of `n` zero bytes whose headers claim `claim` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("zeros.bin", "w", force_zip64=False) as f:
            chunk = bytes(1 << 20)
            for _ in range(n >> 20):
                f.write(chunk)
    b = bytearray(path.read_bytes())
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = b.index(sig)
        b[at + off : at + off + 4] = claim.to_bytes(4, "little")
    path.write_bytes(bytes(b))


def test_a_zip_bomb_fails_its_install_and_leaves_nothing(tmp_path, server):
    www, url = server
    lying_zip(www / "bomb.zip", 96 << 20, 1_000_000)
    d = definition(
        "bomb",
        [("z", "bomb/zeros.bin", "bomb/zeros-0.json.gz")],
        {"url": f"{url}/bomb.zip", "unpack": True},
    )
    defs, meta = write_collection(tmp_path, [d])
    r = install.install(
        definitions=[defs], metadataset_path=meta, ground_truth="none", quiet=True
    )
    assert not r["ok"]
    err = r["datasets"][0]["error"]
    assert "bomb.zip" in err and "declares" in err, err
    assert not (tmp_path / "install" / "bomb").exists()
    stage = tmp_path / "install" / ".asmd" / "work" / "bomb" / "root"
    assert not [p for p in stage.rglob("*") if p.is_file()]


def test_verify_lists_links_that_lead_outside(tmp_path, server):
    www, url = server
    with zipfile.ZipFile(www / "v.zip", "w") as z:
        z.writestr("a.wav", b"w")
    d = definition(
        "v",
        [("a", "v/a.wav", "v/a-0.json.gz")],
        {"url": f"{url}/v.zip", "unpack": True},
    )
    defs, meta = write_collection(tmp_path, [d])
    common = dict(definitions=[defs], metadataset_path=meta)
    assert install.install(ground_truth="none", quiet=True, **common)["ok"]
    assert install.verify(**common)["ok"]
    os.symlink(tmp_path / "www", tmp_path / "install" / "v" / "out")
    v = install.verify(**common)
    assert not v["ok"] and v["exit_code"] == 1
    assert v["datasets"][0]["escaping_links"][0].startswith("out -> ")


def test_relative_work_dir_with_shell_lines(tmp_path, monkeypatch):
    d = definition(
        "shelly",
        [("a", "shelly/a.wav", "shelly/a-0.json.gz")],
        {
            "post-process": [
                "mkdir -p &install_dir/shelly && echo w > &install_dir/shelly/a.wav"
            ]
        },
    )
    defs, meta = write_collection(tmp_path, [d])
    monkeypatch.chdir(tmp_path)
    r = install.install(
        definitions=["defs"],
        metadataset_path=meta,
        install_dir="inst",
        work_dir="scratch",
        asmd_dir="asmd-dir",
        allow_shell=True,
        ground_truth="none",
        quiet=True,
    )
    assert r["ok"], r
    assert (tmp_path / "inst" / "shelly" / "a.wav").read_text() == "w\n"
