"""WebDataset shards: written from real WAV + ground-truth files, read back with the
webdataset package and with asmd.torch.ShardExcerpts (DataLoader, 2 workers);
deterministic for a seed, resumable after an interruption."""

import hashlib
import json

import numpy as np
import pytest

from asmd import asmd, audio
from asmd.errors import AsmdError
from asmd.torch import read_wav_bytes

from conftest import definition, make_gt, write_gt, write_metadataset

wds = pytest.importorskip("webdataset")
torch = pytest.importorskip("torch")

SR = 8000


@pytest.fixture()
def songs(tmp_path):
    install = tmp_path / "install"
    songs = []
    for k in range(5):
        stem = f"tones/t{k}"
        secs = 1.0 + 0.5 * k
        t = np.arange(int(secs * SR)) / SR
        x = (0.25 * np.sin(2 * np.pi * (220 + 110 * k) * t)).astype(np.float32)
        (install / "tones").mkdir(parents=True, exist_ok=True)
        audio.write_wav(str(install / f"{stem}.wav"), [x], SR)
        write_gt(
            install / f"{stem}-0.json.gz",
            make_gt([(57 + k, 0.1, 0.6, 90), (60 + k, 0.6, 0.9, 80)], 0),
        )
        songs.append(
            {
                "title": f"Tone {k}",
                "composer": "Synth",
                "instruments": ["piano"],
                "recording": {"path": [f"{stem}.wav"]},
                "ground_truth": [f"{stem}-0.json.gz"],
                "groups": ["all"],
            }
        )
    songs.append(dict(songs[0], title="Absent", recording={"path": ["tones/none.wav"]}))
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "tones.json").write_text(
        json.dumps(
            definition(
                "tones",
                songs,
                {"all": {"precise_alignment": 1, "score": 1}},
                ["piano"],
            )
        )
    )
    meta = write_metadataset(tmp_path / "datasets.json", install)
    return asmd.Dataset([str(defs)], metadataset_path=str(meta)), tmp_path


def digest(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.glob("shard-*.tar"))
    }


def test_shards_read_back_with_webdataset(songs):
    d, tmp = songs
    out = tmp / "shards"
    # a song not on disk fails the export by default, naming the fix
    with pytest.raises(FileNotFoundError, match="skip_missing=True"):
        d.to_shards(tmp / "strict", sr=4000, max_shard_size="40KB", seed=3)
    r = d.to_shards(out, sr=4000, max_shard_size="40KB", seed=3, skip_missing=True)
    assert r["samples"] == 5 and len(r["shards"]) >= 2
    assert [s["key"] for s in r["skipped"]] == ["tones-000005"]
    assert "none.wav" in r["skipped"][0]["reason"]
    for p in out.glob("shard-*.tar"):
        assert (
            p.stat().st_size <= 40_000
            or len(json.loads(p.with_suffix(".json").read_text())["samples"]) == 1
        )
    urls = [str(p) for p in sorted(out.glob("shard-*.tar"))]
    seen = {}
    for sample in wds.WebDataset(urls, shardshuffle=False).decode():
        meta = sample["json"]
        notes = sample["notes.npy"]
        x, sr = read_wav_bytes(sample["wav"])
        seen[sample["__key__"]] = meta["index"]
        k = meta["index"]
        assert (
            meta["title"] == f"Tone {k}" and meta["score_type"] == "precise_alignment"
        )
        assert sr == 4000 == meta["sample_rate"]
        assert abs(len(x) - (1.0 + 0.5 * k) * 4000) <= 2
        # the dominant frequency survives resampling
        spec = np.abs(np.fft.rfft(x))
        assert abs(np.argmax(spec) * sr / len(x) - (220 + 110 * k)) < 3
        np.testing.assert_allclose(
            notes, d.get_score_mat(k, score_type=["precise_alignment"])
        )
    assert sorted(seen.values()) == [0, 1, 2, 3, 4]
    # seeded shuffle: not the selection order, but the same for the same seed
    order = [
        json.loads(p.with_suffix(".json").read_text())["samples"]
        for p in sorted(out.glob("shard-*.tar"))
    ]
    flat = [k for o in order for k in o]
    assert flat != sorted(flat)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["samples"] == 5


def test_shards_are_deterministic_and_resume(songs):
    d, tmp = songs
    a, b = tmp / "a", tmp / "b"
    d.to_shards(a, sr=4000, max_shard_size="40KB", seed=1, skip_missing=True)
    d.to_shards(b, sr=4000, max_shard_size="40KB", seed=1, skip_missing=True)
    assert digest(a) == digest(b) and len(digest(a)) >= 2
    c = tmp / "c"
    d.to_shards(c, sr=4000, max_shard_size="40KB", seed=2, skip_missing=True)
    assert digest(c) != digest(a)

    # interrupted after the first shard: the last shard and the manifest are gone,
    # a half-written tar is left; the rerun keeps shard 0 and completes the rest
    shards = sorted(b.glob("shard-*.tar"))
    first = shards[0].stat().st_mtime_ns
    for p in shards[1:]:
        p.unlink()
        p.with_suffix(".json").unlink()
    (b / "manifest.json").unlink()
    (b / "shard-000001.tar.partial").write_bytes(b"half")
    r = d.to_shards(b, sr=4000, max_shard_size="40KB", seed=1, skip_missing=True)
    assert r["resumed"] == 1 and r["samples"] == 5
    assert digest(b) == digest(a)
    assert shards[0].stat().st_mtime_ns == first  # not rewritten
    assert not list(b.glob("*.partial"))

    # the same folder with other options is refused
    with pytest.raises(AsmdError, match="another export"):
        d.to_shards(b, sr=4000, max_shard_size="40KB", seed=9, skip_missing=True)
    with pytest.raises(ValueError, match="max_shard_size"):
        d.to_shards(tmp / "x", max_shard_size="lots")


def test_streaming_excerpts_with_two_workers(songs):
    from asmd.torch import ExcerptDataset, ShardExcerpts

    d, tmp = songs
    out = tmp / "shards"
    d.to_shards(out, sr=4000, max_shard_size="30KB", skip_missing=True)
    stream = ShardExcerpts(out, excerpt=0.5, frame_hop=0.05)
    assert isinstance(stream, torch.utils.data.IterableDataset)
    items = list(torch.utils.data.DataLoader(stream, batch_size=None, num_workers=2))
    # songs of 1, 1.5, ..., 3 s in 0.5 s excerpts: 2 + 3 + 4 + 5 + 6
    assert len(items) == 20
    assert {it["item"] for it in items} == {0, 1, 2, 3, 4}
    assert all(
        it["audio"].shape == (2000,) and it["pianoroll"].shape == (128, 10)
        for it in items
    )
    # the same excerpts as the map-style dataset over the install tree
    ref = ExcerptDataset(_installed(d), excerpt=0.5, sr=4000, frame_hop=0.05)
    by_key = {(it["item"], round(it["start"], 6)): it for it in items}
    for k in range(len(ref)):
        x, roll, on, off = ref.arrays(k)
        i, start = ref.index[k]
        it = by_key[(i, round(start, 6))]
        np.testing.assert_array_equal(it["pianoroll"].numpy(), roll)
        np.testing.assert_array_equal(it["onsets"].numpy(), on)
        # the map-style dataset resamples each excerpt on its own: only the excerpt's
        # edges (filter warm-up) differ from slicing the resampled song
        y = it["audio"].numpy()
        np.testing.assert_allclose(y[100:-150], x[100:-150], atol=1e-4)
    # seeded shard order changes with the epoch, every sample still comes once
    s = ShardExcerpts(out, excerpt=10.0, seed=4)
    orders = []
    for epoch in range(3):
        s.set_epoch(epoch)
        orders.append([it["item"] for it in s])
        assert sorted(orders[-1]) == [0, 1, 2, 3, 4]
    assert len({tuple(o) for o in orders}) > 1


def _installed(d):
    """The dataset without the song whose recording is absent."""
    import copy

    e = copy.copy(d)
    keep = [i for i in range(len(d)) if d.get_songs()[i]["title"] != "Absent"]
    assert keep == [0, 1, 2, 3, 4]
    e.paths = [d.paths[i] for i in keep]
    return e
