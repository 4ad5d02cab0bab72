"""The installer through Python: a real HTTP server on 127.0.0.1 serving a real zip,
`install`/`plan`/`status`/`verify`, `python -m asmd.install`, `python -m asmd.asap`.
(The installer itself is tested in depth in crates/asmd/tests/install_*.rs.)"""

import functools
import http.server
import io
import json
import os
import subprocess
import sys
import threading
import zipfile

import pytest

from asmd import asmd, install
from asmd.errors import AsmdError


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


def make_collection(tmp_path, base_url):
    """A one-dataset collection whose archive holds a recording and a MIDI file, plus a
    ground-truth archive."""
    www = tmp_path / "www"
    with zipfile.ZipFile(www / "tiny.zip", "w") as z:
        # unpacked into <install_dir>/tiny, as the official archives are
        z.writestr("song.wav", b"RIFF....WAVEfmt ")
        z.writestr("song.mid", b"MThd")
    gt = io.BytesIO()
    import tarfile

    data = json.dumps({"instrument": 0}).encode()
    with tarfile.open(fileobj=gt, mode="w:gz") as t:
        info = tarfile.TarInfo("tiny/song-0.json.gz")
        import gzip as _gz

        payload = _gz.compress(data)
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
    (www / "ground_truth.tar.gz").write_bytes(gt.getvalue())
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "tiny.json").write_text(
        json.dumps(
            {
                "name": "tiny",
                "ensemble": False,
                "groups": ["all"],
                "instruments": ["piano"],
                "sources": {"format": "unknown"},
                "recording": {"format": "wav"},
                "ground_truth": {"all": {"precise_alignment": 1}},
                "install": {
                    "url": f"{base_url}/tiny.zip",
                    "unpack": True,
                    "login": False,
                    "post-process": "unknown",
                    "conversion": [],
                },
                "songs": [
                    {
                        "title": "song",
                        "composer": "x",
                        "instruments": ["piano"],
                        "recording": {"path": ["tiny/song.wav"]},
                        "ground_truth": ["tiny/song-0.json.gz"],
                        "groups": ["all"],
                    }
                ],
            }
        )
    )
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
    return defs, meta


def test_plan_install_status_verify(tmp_path, server):
    www, url = server
    defs, meta = make_collection(tmp_path, url)
    common = dict(definitions=[defs], metadataset_path=meta)
    p = install.plan(gt_url=f"{url}/ground_truth.tar.gz", quiet=True, **common)
    assert p["exit_code"] == 0, p
    assert install.status(**common)["datasets"][0]["state"] == "absent"
    r = install.install(gt_url=f"{url}/ground_truth.tar.gz", quiet=True, **common)
    assert r["ok"], r
    assert r["datasets"][0]["outcome"] == "installed"
    assert r["datasets"][0]["ground_truth"]["ok"]
    assert (tmp_path / "install" / "tiny" / "song.wav").exists()
    st = install.status(**common)["datasets"][0]
    assert st["state"] == "installed"
    assert install.verify(**common)["ok"]
    # the dataset is usable from the API
    d = asmd.Dataset([str(defs)], metadataset_path=str(meta))
    assert d.get_gts(0)[0]["instrument"] == 0
    # a rerun downloads nothing
    again = install.install(gt_url=f"{url}/ground_truth.tar.gz", quiet=True, **common)
    assert again["datasets"][0]["outcome"] == "already installed"
    assert again["datasets"][0]["received_bytes"] == 0


def test_install_errors_are_reported(tmp_path, server):
    www, url = server
    defs, meta = make_collection(tmp_path, url + "/missing")
    r = install.install(
        definitions=[defs],
        metadataset_path=meta,
        ground_truth="none",
        quiet=True,
        retries=1,
    )
    assert not r["ok"]
    assert "404" in r["datasets"][0]["error"]
    assert (
        install.status(definitions=[defs], metadataset_path=meta)["datasets"][0][
            "state"
        ]
        != "installed"
    )
    with pytest.raises(AsmdError, match="unknown dataset"):
        install.install(["nope"], definitions=[defs], metadataset_path=meta, quiet=True)


def test_module_command_lines(tmp_path, server):
    www, url = server
    defs, meta = make_collection(tmp_path, url)
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-m", "asmd.install", "--help"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0 and "--mirror" in out.stdout
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "asmd.install",
            "--definitions",
            str(defs),
            "--metadataset",
            str(meta),
            "--ground-truth",
            "none",
            "-q",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "installed" in out.stdout
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "asmd.cli",
            "status",
            "--definitions",
            str(defs),
            "--metadataset",
            str(meta),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0 and "installed" in out.stdout


def test_asap_import_from_a_mirror_folder(tmp_path):
    install_dir = tmp_path / "install"
    perf = install_dir / "Maestro" / "maestro-v3.0.0" / "2004" / "perf.midi"
    perf.parent.mkdir(parents=True)
    perf.write_bytes(b"MThd")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with zipfile.ZipFile(mirror / "asap-dataset-1.1.zip", "w") as z:
        z.writestr(
            "asap-dataset-1.1/metadata.csv",
            "composer,midi_score,maestro_midi_performance\n"
            "Bach,Bach/x/midi_score.mid,{maestro}/2004/perf.midi\n"
            "Bach,Bach/y/midi_score.mid,{maestro}/2004/absent.midi\n",
        )
        z.writestr("asap-dataset-1.1/Bach/x/midi_score.mid", b"SCORE")
        z.writestr("asap-dataset-1.1/Bach/y/midi_score.mid", b"SCORE2")
    env = dict(os.environ, ASMD_INSTALL_DIR=str(install_dir), ASMD_MIRROR=str(mirror))
    out = subprocess.run(
        [sys.executable, "-m", "asmd.asap"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    assert "1 scores copied" in out.stdout
    assert (perf.parent / "perf.score.mid").read_bytes() == b"SCORE"


def test_shell_lines_run_asmd_with_this_python(tmp_path, monkeypatch):
    """A legacy line `python -m asmd...` runs with the interpreter that has asmd (this
    one), not with the `python` first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    trap = bin_dir / "python"
    trap.write_text("#!/bin/sh\necho 'wrong python' >&2\nexit 3\n")
    trap.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "legacy.json").write_text(
        json.dumps(
            {
                "name": "legacy",
                "ensemble": False,
                "groups": ["all"],
                "instruments": ["piano"],
                "sources": {"format": "unknown"},
                "recording": {"format": "wav"},
                "ground_truth": {"all": {}},
                "install": {
                    "post-process": [
                        "mkdir -p &install_dir/legacy",
                        "python -m asmd.cli --version > &install_dir/legacy/v.txt",
                    ]
                },
                "songs": [
                    {
                        "title": "v",
                        "composer": "x",
                        "instruments": ["piano"],
                        "recording": {"path": ["legacy/v.txt"]},
                        "ground_truth": ["legacy/v-0.json.gz"],
                        "groups": ["all"],
                    }
                ],
            }
        )
    )
    inst = tmp_path / "install"
    r = install.install(
        definitions=[defs],
        install_dir=inst,
        ground_truth="none",
        allow_shell=True,
        asmd_dir=tmp_path,
        quiet=True,
    )
    assert r["ok"], r
    assert os.environ["ASMD_PYTHON"] == sys.executable  # set by `import asmd`
    from asmd import __version__

    assert __version__ in (inst / "legacy" / "v.txt").read_text()
