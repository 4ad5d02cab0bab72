"""asmd.torch: aligned excerpts of audio and note frames, through a real DataLoader."""

import json

import numpy as np
import pytest

from asmd import asmd, audio
from asmd.torch import ExcerptDataset, frames_of_notes

from conftest import make_gt, write_gt, write_metadataset

torch = pytest.importorskip("torch")


@pytest.fixture()
def piano(tmp_path):
    install = tmp_path / "install"
    (install / "p").mkdir(parents=True)
    sr = 22050
    t = np.arange(int(3.5 * sr)) / sr
    x = (0.3 * np.sin(2 * np.pi * 440 * t) * (t < 2.0)).astype(np.float32)
    audio.write_wav(install / "p" / "a.wav", [x, x], sr)
    # notes: A4 0-2 s (vel 127), C5 2.5-3.2 s (vel 64)
    write_gt(
        install / "p" / "a-0.json.gz",
        make_gt([(69, 0.0, 2.0, 127), (72, 2.5, 3.2, 64)], 0),
    )
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "p.json").write_text(
        json.dumps(
            {
                "name": "p",
                "ensemble": False,
                "groups": ["all"],
                "instruments": ["piano"],
                "sources": {"format": "unknown"},
                "recording": {"format": "wav"},
                "ground_truth": {"all": {"precise_alignment": 1}},
                "install": {
                    "url": "unknown",
                    "unpack": False,
                    "login": False,
                    "post-process": "unknown",
                    "conversion": [],
                },
                "songs": [
                    {
                        "title": "a",
                        "composer": "x",
                        "instruments": ["piano"],
                        "recording": {"path": ["p/a.wav"]},
                        "ground_truth": ["p/a-0.json.gz"],
                        "groups": ["all"],
                    }
                ],
            }
        )
    )
    meta = write_metadataset(tmp_path / "datasets.json", install)
    return asmd.Dataset([str(defs)], metadataset_path=str(meta))


def test_excerpts_align_audio_and_frames(piano):
    ds = ExcerptDataset(piano, excerpt=1.0, sr=16000, frame_hop=0.01)
    assert len(ds) == 3 and [s for _, s in ds.index] == [0.0, 1.0, 2.0]
    assert len(ExcerptDataset(piano, excerpt=1.0, pad_last=True)) == 4
    assert len(ExcerptDataset(piano, excerpt=1.0, hop=0.5)) == 6
    x, roll, on, off = ds.arrays(2)  # 2.0 - 3.0 s: silence, then C5 from 2.5 s
    assert x.shape == (16000,) and roll.shape == (128, 100)
    assert np.abs(x[2000:]).max() < 1e-3  # the tone stopped at 2.0 s
    assert (
        on[72, 50] == 1
        and roll[72, 49] == 0
        and roll[72, 50:].min() == pytest.approx(64 / 127)
    )
    assert roll[69].sum() <= 1  # A4 ended at 2.0 s (its offset frame only)
    x0, roll0, on0, off0 = ds.arrays(0)
    assert on0[69, 0] == 1 and roll0[69].min() == 1.0
    assert abs(np.abs(x0[4000:12000]).max() - 0.3) < 0.01
    whole, _ = piano.get_mix(0, sr=16000)
    np.testing.assert_allclose(x0[1000:15000], whole[1000:15000], atol=2e-3)


def test_frames_of_notes_edges():
    mat = np.array(
        [[60, -0.5, 0.05, 100, 0, 0], [61, 0.95, 2.0, -255, 0, 0]], dtype=float
    )
    roll, on, off = frames_of_notes(mat, 0.0, 10, 0.1)
    assert (
        roll[60, 0] == pytest.approx(100 / 127)
        and on[60].sum() == 0
        and off[60, 0] == 1
    )
    assert roll[61, 9] == 1.0 and on[61, 9] == 1 and off[61].sum() == 0


def test_dataloader_with_two_workers(piano):
    from torch.utils.data import DataLoader

    ds = ExcerptDataset(piano, excerpt=1.0, hop=0.5, sr=16000)
    batches = list(DataLoader(ds, batch_size=2, num_workers=2))
    assert sum(b["audio"].shape[0] for b in batches) == len(ds)
    b = batches[0]
    assert b["audio"].shape == (2, 16000) and b["pianoroll"].shape == (2, 128, 100)
    assert b["audio"].dtype == torch.float32
    single = ds[1]
    assert torch.equal(batches[0]["audio"][1], single["audio"])
