"""ASMD 0.5.1's installer, ASAP and ground-truth scripts: the prompts (reading standard
input), downloads over HTTP (a server on 127.0.0.1) and FTP (a pyftpdlib server on
127.0.0.1), `asmd.asap`'s functions and `python -m asmd.asap -m`, and
`python -m asmd.generate_ground_truth` with its flags. Values are compared with ASMD
0.5.1's where it can run them (tests/fixtures/compat/expected.json)."""

import functools
import gzip
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections import deque
from pathlib import Path

import pytest

from asmd import asap, asmd, install

from conftest import make_gt, write_gt, write_metadataset

REPO = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((REPO / "tests/fixtures/compat/expected.json").read_text())
GOLDEN = REPO / "tests/fixtures/golden"
MIDI = REPO / "crates/asmd/tests/fixtures/midi/bach_bwv854_WangA01M.mid"


def stdin(monkeypatch, text):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


@pytest.fixture()
def http_root(tmp_path):
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


# ------------------------------------------------------------------ prompts


def test_chose_dataset(monkeypatch, capsys, tmp_path):
    data = asmd.load_definitions(GOLDEN / "definitions")
    stdin(monkeypatch, "x, 2\n0, 3, 5\n")
    install.chose_dataset(data, str(tmp_path))
    assert [d["name"] for d in data] == EXPECTED["chose_dataset"]
    assert "Wrong answer" in capsys.readouterr().out
    # installed datasets (asmd's completion marker) are left out; a folder alone is not
    # enough (an interrupted install is resumed)
    (tmp_path / "PHENICX").mkdir()
    (tmp_path / "Bach10").mkdir()
    (tmp_path / "Bach10" / ".asmd-install.json").write_text("{}")
    stdin(monkeypatch, "\n")
    install.chose_dataset(data, str(tmp_path))
    assert [d["name"] for d in data] == ["PHENICX", "traditional_flute"]


def test_chose_install_dir(monkeypatch, capsys, tmp_path):
    jf = {"install_dir": str(tmp_path / "new_install_dir") + "/"}
    stdin(monkeypatch, "\n")
    got = install.chose_install_dir(jf)
    exp = EXPECTED["chose_install_dir"]
    assert os.path.relpath(got, tmp_path) == exp[0]
    assert os.path.relpath(jf["install_dir"], tmp_path) == exp[1]
    assert (tmp_path / "new_install_dir").is_dir()
    stdin(monkeypatch, f"{tmp_path}/nope\n{tmp_path}/\n")
    assert install.chose_install_dir(jf) == str(tmp_path)
    assert "Not a directory!" in capsys.readouterr().out


def test_definitions_path(monkeypatch):
    stdin(monkeypatch, f"{GOLDEN / 'definitions'}\n\n")
    assert (
        sorted(d["name"] for d in install.definitions_path())
        == EXPECTED["definitions_path"]
    )
    stdin(monkeypatch, "\n")
    names = [d["name"] for d in install.definitions_path()]
    assert names == [d["name"] for d in asmd.Dataset().datasets]


def test_get_credentials_and_intro(tmp_path, capsys):
    # a process without a terminal: getpass reads standard input
    code = (
        "from asmd import install; "
        "print(install.get_credentials([{'name': 'a', 'install': {'login': True}}, "
        "{'name': 'b', 'install': {'login': False}}]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input="me\nsecret\n",
        capture_output=True,
        text=True,
        start_new_session=True,
    )
    assert out.returncode == 0, out.stderr
    assert "Login credentials for a" in out.stdout
    assert "[{'user': 'me', 'passwd': 'secret'}]" in out.stdout
    install.intro({"author": "F. Simonetta", "year": 2020, "url": "https://x"})
    text = capsys.readouterr().out
    assert "Author: F. Simonetta" in text and "Year:  2020" in text
    assert "Website:  https://x" in text


# ------------------------------------------------------------------ downloads


def test_download_over_http(http_root, tmp_path):
    www, url = http_root
    (www / "data.zip").write_bytes(b"PK" + bytes(range(256)) * 40)
    item = {"name": "x", "install": {"url": f"{url}/data.zip", "login": False}}
    files = install.download(item, deque(), str(tmp_path / "inst"))
    assert len(files) == 1
    assert Path(files[0]).read_bytes() == (www / "data.zip").read_bytes()
    assert Path(files[0]).parent == tmp_path / "inst"


@pytest.fixture()
def ftp_server(tmp_path):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    root = tmp_path / "ftp"
    (root / "pub").mkdir(parents=True)
    (root / "pub" / "a.zip").write_bytes(b"zip bytes")
    (root / "pub" / "notes.txt").write_text("hello")
    auth = DummyAuthorizer()
    auth.add_user("me", "secret", str(root), perm="elr")
    auth.add_anonymous(str(root))
    handler = type("H", (FTPHandler,), {"authorizer": auth})
    server = ThreadedFTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.1})
    t.daemon = True
    t.start()
    yield f"ftp://127.0.0.1:{server.address[1]}/pub"
    server.close_all()


def test_ftp_download(ftp_server, tmp_path):
    d = {"name": "ds", "install": {"url": ftp_server, "login": True}}
    got = install.ftp_download(d, {"user": "me", "passwd": "secret"}, str(tmp_path))
    assert got == [str(tmp_path / "ds" / "a.zip")]
    assert (tmp_path / "ds" / "a.zip").read_bytes() == b"zip bytes"
    assert (tmp_path / "ds" / "notes.txt").read_text() == "hello"
    # through download(), credentials taken from the deque, as 0.5.1's main() did
    creds = deque([{"user": "me", "passwd": "secret"}])
    assert install.download(d, creds, str(tmp_path / "b")) == [
        str(tmp_path / "b" / "ds" / "a.zip")
    ]
    assert not creds
    # anonymous
    d["install"]["login"] = False
    assert install.download(d, deque(), str(tmp_path / "c"))
    assert not list((tmp_path / "c" / "ds").glob("*.part"))


# ------------------------------------------------------------------ asap


@pytest.fixture()
def maestro_tree(tmp_path, monkeypatch):
    """An install dir with the Maestro folders the ASAP replica names, and the ASAP
    replica (zip) on an HTTP server."""
    install_dir = tmp_path / "install"
    for rel, *_ in EXPECTED["make_index"]:
        (install_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (install_dir / (rel + ".midi")).write_bytes(MIDI.read_bytes())
    meta = write_metadataset(tmp_path / "datasets.json", install_dir)
    monkeypatch.setenv("ASMD_METADATASET", str(meta))
    return install_dir


def asap_zip(path):
    src = REPO / "tests/fixtures/asap"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "asap-dataset-1.1/metadata.csv",
            "title,midi_score,maestro_midi_performance\n"
            "a,Bach/Fugue/bwv_888/midi_score.mid,{maestro}/2006/MIDI-Unprocessed_19_R1_2006_01-07_ORIG_MID--AUDIO_19_R1_2006_04_Track04_wav.midi\n"
            "b,Bach/Prelude/bwv_846/midi_score.mid,\n"
            "c,Bach/Prelude/bwv_866/midi_score.mid,{maestro}/2004/MIDI-Unprocessed_XP_21_R1_2004_01_ORIG_MID--AUDIO_21_R1_2004_01_Track01_wav.midi\n",
        )
        for f in sorted(src.rglob("*.mid")):
            z.write(f, f"asap-dataset-1.1/{f.relative_to(src)}")


def test_asap_functions(maestro_tree, http_root, monkeypatch):
    www, url = http_root
    asap_zip(www / "v1.1.zip")
    monkeypatch.setattr(asap, "ASAP_URL", f"{url}/v1.1.zip")
    monkeypatch.delenv("ASMD_MIRROR", raising=False)
    tmp = asap.download_asap()
    try:
        index = asap.make_index(Path(tmp.name))
        assert [
            [os.path.relpath(m, maestro_tree), os.path.relpath(s, tmp.name)]
            for m, s in index
        ] == EXPECTED["make_index"]
        written = asap.copy_scores(index)
        assert [p.name.endswith(".score.mid") for p in written] == [True, True]
        assert written[0].read_bytes() == Path(index[0][1]).read_bytes()
        definition = asap.modify_maestro_definifion(index)
    finally:
        tmp.cleanup()
    exp = EXPECTED["modify_maestro_definifion"]
    assert sum("asap" in s["groups"] for s in definition["songs"]) == exp["asap"]
    assert len(definition["songs"]) == exp["n_songs"]
    assert ("included" in definition) == exp["has_included"]
    # a performance outside the install dir is refused
    with pytest.raises(Exception, match="outside the install directory"):
        asap.copy_scores([(maestro_tree / ".." / "x", index[0][1])])


def test_python_m_asap_modify(maestro_tree, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    asap_zip(mirror / "asap-dataset-1.1.zip")
    env = dict(os.environ, ASMD_MIRROR=str(mirror))
    out = tmp_path / "defs" / "Maestro.json"
    out.parent.mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "asmd.asap", "-m", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(out.read_text())
    assert sum("asap" in s["groups"] for s in d["songs"]) == 419
    # usable as a definition, instead of the official Maestro (which differs from it:
    # the replica's index adds one song to `asap`)
    d = asmd.Dataset([out.parent]).filter(groups=["asap"])
    assert len(d) == 419
    with pytest.raises(Exception, match="also defined, differently"):
        asmd.Dataset([asmd.OFFICIAL, out.parent])
    # without -m: the scores are copied
    r = subprocess.run(
        [sys.executable, "-m", "asmd.asap"], env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert "2 scores copied" in r.stdout


# ------------------------------------------------------------------ generate_ground_truth


def test_generate_ground_truth_flags(tmp_path):
    install_dir = tmp_path / "install"
    smd = "SMD/Bach_BWV849-01_001_20090916-SMD"
    (install_dir / "SMD").mkdir(parents=True)
    shutil.copy(MIDI, install_dir / f"{smd}.mid")
    # a vienna_corpus song with score and alignment, to train on
    notes = [(60 + (k * 5) % 13, k * 0.31, k * 0.31 + 0.4, 70) for k in range(40)]
    write_gt(
        install_dir / "vienna_corpus/Chopin_op10_no3_p01-0.json.gz", make_gt(notes, 0)
    )
    meta = write_metadataset(tmp_path / "datasets.json", install_dir)
    env = dict(os.environ, ASMD_METADATASET=str(meta), ASMD_HOME=str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()

    def run(*flags):
        r = subprocess.run(
            [sys.executable, "-m", "asmd.generate_ground_truth", *flags],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    gt_path = install_dir / f"{smd}-0.json.gz"
    run("-n", "-w", "SMD", "vienna_corpus", "-b", "vienna_corpus")
    gt = json.load(gzip.open(gt_path))
    assert len(gt["precise_alignment"]["onsets"]) > 100
    assert gt["misaligned"]["onsets"] == []
    with tarfile.open(work / "ground_truth.tar.gz") as t:
        assert t.getnames() == [f"{smd}-0.json.gz"]
    model = tmp_path / "home" / "misalignment_model.json"
    assert "1 songs" in run("-t") and model.is_file()
    run("-m", "-w", "SMD")
    gt = json.load(gzip.open(gt_path))
    assert len(gt["misaligned"]["onsets"]) == len(gt["precise_alignment"]["onsets"])
    assert len(gt["missing"]) == len(gt["precise_alignment"]["onsets"])
