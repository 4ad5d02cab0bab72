"""The paper's Listings 1 and 3 (audio calls aside), run against a small installed tree.

The listings as printed in the paper have syntax slips (``**args, *kwargs``, a class body
dedented); the API calls are used exactly as printed.
"""

import warnings

import numpy as np


def test_listing_1(tree):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from asmd import audioscoredataset as asd  # the paper's module name
    d = asd.Dataset([tree["definitions"]], metadataset_path=tree["metadataset"])
    d.filter(
        instruments=["piano"],
        ensemble=False,
        composer="Mozart",
        ground_truth=["precise_alignment"],
    )
    assert len(d) == 2
    ground_truth_list = d.get_gts(1)
    assert ground_truth_list[0]["precise_alignment"]["pitches"] == [62, 65]
    mat = d.get_score(1, score_type=["precise_alignment"])
    assert mat.shape == (2, 6)
    np.testing.assert_array_equal(mat[:, 0], [62, 65])
    mat = d.get_pianoroll(1, score_type=["non_aligned"])
    assert mat.shape == (128, int(1.3 / 0.25) + 1)
    assert mat[62, 1] == 60  # misaligned onset 0.3 -> column 1, velocity 60

    def processing(i, dataset, *args, **kwargs):
        mat = dataset.get_score(i, score_type=["precise_alignment"])
        return mat.shape[0]

    d2 = asd.Dataset([tree["definitions"]], metadataset_path=tree["metadataset"])
    out = d2.filter(instruments=["violin"], instrument_match="contains").parallel(
        processing, n_jobs=-1
    )
    assert out == [3, 3]  # two duos: violin track 2 notes + cello track 1 note


try:
    import torch
    from torch.utils.data import Dataset as TorchDataset
except ImportError:  # pragma: no cover - torch is installed by the test command
    torch = None
    TorchDataset = object

from asmd import asmd as asd

_TREE = {}


class MyDataset(asd.Dataset, TorchDataset):
    """Listing 3 (module level, so that worker processes started with spawn can unpickle it)."""

    def __init__(self, *args, **kargs):
        super().__init__([_TREE["definitions"]], _TREE["metadataset"]).filter(
            instruments=["piano"]
        )

    def __getitem__(self, i):
        # for instance, return the MIDI Toolbox-like score
        return torch.tensor(self.get_score(i, score_type=["precise_alignment"]))

    def another_awsome_method(self, *args, **kargs):
        return "Hello, world!"


def test_listing_3_with_pytorch_dataloader(tree):
    from torch.utils.data import DataLoader

    _TREE.update(tree)
    mats = []
    for i, mat in enumerate(MyDataset()):
        # train your nn model here
        mats.append(mat)
    assert [m.shape[0] for m in mats] == [3, 2, 4]
    assert MyDataset().another_awsome_method() == "Hello, world!"

    # multi-process loading: the dataset goes to 2 worker processes (fork)
    loader = DataLoader(MyDataset(), batch_size=None, num_workers=2)
    assert sorted(tuple(m.shape) for m in loader) == [(2, 6), (3, 6), (4, 6)]
    # and with the spawn start method, which pickles the dataset
    loader = DataLoader(
        MyDataset(), batch_size=None, num_workers=2, multiprocessing_context="spawn"
    )
    assert sorted(tuple(m.shape) for m in loader) == [(2, 6), (3, 6), (4, 6)]
