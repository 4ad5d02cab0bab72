"""The paper's Listings 1, 3 and 4 (SMC 2020), run as printed.

Adaptations, and nothing else:
- install paths: Listing 1 uses the official collection with the default
  ``datasets.json``, which here is ``$ASMD_METADATASET`` naming a small installed tree
  (the three songs the listing reads: real WAV files and ground truth); Listing 3's
  ``'path/to/definitions'`` is a test folder of definitions;
- the listings' slips, as printed: Listing 1's ``def processing(i, dataset, **args,
  *kwargs)`` (a SyntaxError) reads ``*args, **kwargs``; Listing 3's methods lost their
  indentation and its loop has an empty body (given ``pass``); Listing 4 lost its
  indentation, misses ``import csv`` and a closing parenthesis in ``int(row[1])``, and
  uses a name ``alignment`` it never defines (defined here as ``'precise_alignment'``).
"""

import json
import os
import warnings

import numpy as np
import pytest

from asmd import audio

from conftest import make_gt, write_gt

# the three items Listing 1 reads: the official songs selected by its filter
LISTING_1_ITEMS = [
    "Maestro/maestro-v3.0.0/2004/MIDI-Unprocessed_XP_11_R1_2004_01-02_ORIG_MID--AUDIO_11_R1_2004_01_Track01_wav",
    "Maestro/maestro-v3.0.0/2006/MIDI-Unprocessed_07_R1_2006_01-04_ORIG_MID--AUDIO_07_R1_2006_02_Track02_wav",
    "Maestro/maestro-v3.0.0/2009/MIDI-Unprocessed_04_R1_2009_01-03_ORIG_MID--AUDIO_04_R1_2009_04_R1_2009_02_WAV",
]


@pytest.fixture()
def official_tree(tmp_path, monkeypatch):
    install = tmp_path / "install"
    for k, stem in enumerate(LISTING_1_ITEMS):
        notes = [(60 + k, 0.0, 0.5, 80), (64, 0.5, 1.0, 70), (67 + k, 1.0, 1.5, 90)]
        write_gt(install / f"{stem}-0.json.gz", make_gt(notes, 0))
        t = np.arange(8000) / 8000
        audio.write_wav(
            install / f"{stem}.wav", [0.1 * (k + 1) * np.sin(t * 2000)], 8000
        )
    meta = tmp_path / "datasets.json"
    meta.write_text(
        json.dumps(
            {
                "author": "t",
                "year": 1,
                "url": "",
                "install_dir": str(install),
                "decompress_path": str(install),
            }
        )
    )
    monkeypatch.setenv("ASMD_METADATASET", str(meta))
    return install


def test_listing_1(official_tree):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # ---- Listing 1, as printed
        import audioscoredataset as asd

        d = asd.Dataset()
        d.filter(
            instruments=["piano"],
            ensemble=False,
            composer="Mozart",
            ground_truth=["precise_alignment"],
        )

        # get audio and all the annotations
        audio_array, sources_array, ground_truth_array = d.get_item(1)
        # get only the annotations you want
        audio_array = d.get_mix(2)
        source_array = d.get_source(2)
        ground_truth_list = d.get_gts(2)
        # get a MIDI Toolbox-like numpy array
        mat = d.get_score(2, score_type=["precise_alignment"])
        # get a pianoroll numpy array
        mat = d.get_pianoroll(2, score_type=["non_aligned"])

        # or to process songs in parallel using joblib:
        def processing(i, dataset, *args, **kwargs):
            mat = d.get_score(2, score_type=["precise_alignment"])  # noqa: F841
            # other stuffs here
            pass

        result = d.filter(instruments=["violin"]).parallel(processing, n_jobs=-1)
        # ---- end of Listing 1

    assert len(sources_array[0]) == 0 and ground_truth_array[0]["instrument"] == 0
    assert audio_array[1] == 8000 and audio_array[0].dtype == np.float32
    assert source_array == ([], None)
    assert ground_truth_list[0]["precise_alignment"]["pitches"] == [62, 64, 69]
    # the misaligned notes (shifted by 0.1 s): columns 0..6, velocity values
    assert mat.shape == (128, int(1.6 / 0.25) + 1) and mat[62, 0] == 80
    assert result == []  # no violin among Mozart's piano pieces: filters only narrow
    assert len(d) == 0


try:
    import torch
    from torch.utils.data import Dataset as TorchDataset
except ImportError:  # pragma: no cover - torch is installed by the test command
    torch = None
    TorchDataset = object

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioscoredataset as asd

_DEFINITIONS = {}


# ---- Listing 3, as printed (module level, so that spawned workers can unpickle it)
class MyDataset(asd.Dataset, TorchDataset):
    def __init__(self, *args, **kargs):
        super().__init__([_DEFINITIONS["path/to/definitions"]]).filter(
            instruments=["piano"]
        )

    def __getitem__(self, i):
        # for instance, return the MIDI Toolbox-like score
        return torch.tensor(self.get_score(i))

    def another_awsome_method(self, *args, **kargs):
        print("Hello, world!")


# ---- end of Listing 3


def test_listing_3_with_pytorch(tree, monkeypatch, capsys):
    from torch.utils.data import DataLoader

    monkeypatch.setenv("ASMD_METADATASET", tree["metadataset"])
    _DEFINITIONS["path/to/definitions"] = tree["definitions"]
    mats = []
    for i, mat in enumerate(MyDataset()):
        # train your nn model here
        mats.append(mat)
    # the default score type (misaligned; every third note missing is only flagged)
    assert [m.shape[0] for m in mats] == [3, 2, 4]
    MyDataset().another_awsome_method()
    assert capsys.readouterr().out == "Hello, world!\n"

    # multi-process loading: the dataset goes to 2 worker processes (fork), and with
    # the spawn start method, which pickles it
    for ctx in (None, "spawn"):
        loader = DataLoader(
            MyDataset(), batch_size=None, num_workers=2, multiprocessing_context=ctx
        )
        assert sorted(tuple(m.shape) for m in loader) == [(2, 6), (3, 6), (4, 6)]


# ---- Listing 4, as printed (with `csv` imported and `alignment` defined)
import csv  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from audioscoredataset.convert_from_file import convert, prototype_gt
from copy import deepcopy  # noqa: E402

alignment = "precise_alignment"


# use @convert
@convert([".myext"])
def function_which_converts(filename, *args, **kargs):
    # prepare empty output
    out = deepcopy(prototype_gt)

    # open file
    data = csv.reader(open(filename), delimiter=",")

    # fill output dictionary
    for row in data:
        out[alignment]["onsets"].append(float(row[0]))
        out[alignment]["offsets"].append(float(row[0]) + float(row[2]))
        out[alignment]["pitches"].append(int(row[1]))
    return out


# ---- end of Listing 4


def test_listing_4_converter_in_a_definition(tmp_path):
    from asmd import asmd, conversion_tool

    install = tmp_path / "install"
    (install / "mine").mkdir(parents=True)
    (install / "mine" / "piece.myext").write_text("0.5,60,1.0\n0.0,64,0.25\n")
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "mine.json").write_text(
        json.dumps(
            {
                "name": "mine",
                "ground_truth": {"all": {"precise_alignment": 1}},
                "install": {"conversion": [["function_which_converts", {}]]},
                "songs": [
                    {
                        "title": "piece",
                        "instruments": ["piano"],
                        "recording": {"path": ["mine/piece.wav"]},
                        "ground_truth": ["mine/piece-0.json.gz"],
                        "groups": ["all"],
                    }
                ],
            }
        )
    )
    # called directly, it finds its input from a ground-truth path
    direct = function_which_converts(os.fspath(install / "mine" / "piece-0.json.gz"))
    assert direct[0]["precise_alignment"]["pitches"] == [60, 64]
    summary = conversion_tool.create_gt(
        definitions=[defs], install_dir=install, progress=False
    )
    assert summary["ok"] and summary["files_written"] == 1, summary
    d = asmd.Dataset([defs], install_dir=install)
    mat = d.get_score(0, score_type=["precise_alignment"])
    # sorted by onset; instrument program of "piano"
    np.testing.assert_allclose(mat[:, :3], [[64, 0.0, 0.25], [60, 0.5, 1.5]])
    assert mat[0, 4] == 0
