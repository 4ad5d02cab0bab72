"""User code as type checkers see it: checked by ``mypy`` in scripts/test.sh, never run.

``assert_type`` pins what the annotations and the stubs of ``asmd._asmd`` promise, and
each ``# type: ignore[...]`` marks a call that must be refused (with
``warn_unused_ignores``, a stub that wrongly accepted it fails the check).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional, Tuple

import numpy as np
import numpy.typing as npt
from typing_extensions import assert_type

import audioscoredataset as asd
from asmd import _asmd, audio, dataset_utils, errors, utils
from asmd.alignment_stats import HistStats, Stats, get_stats
from asmd.asmd import Dataset
from asmd.conversion_tool import create_gt
from asmd.convert_from_file import convert, prototype_gt
from asmd.install import install, status
from asmd.torch import ExcerptDataset
from audioscoredataset import dataset_utils as old_du
from audioscoredataset.convert_from_file import prototype_gt as old_prototype_gt

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
B = npt.NDArray[np.bool_]


class MyDataset(Dataset):
    """A subclass, as the paper's users write them (``__init__`` returns ``self``)."""

    def __init__(self, root: str) -> None:
        super().__init__(install_dir=root).filter(instruments=["piano"])


def dataset_api(root: Path) -> None:
    d = Dataset(definitions=[root / "definitions"], metadataset_path=None)
    assert_type(d, Dataset)
    assert_type(d.filter(datasets=["Bach10"], ground_truth={"f0": 2}), Dataset)
    assert_type(len(d), int)
    assert_type(d.paths, List[List[List[str]]])
    assert_type(d.install_dir, str)
    d.install_dir = root  # a Path is accepted

    # score matrices: the masks only with return_notes
    assert_type(d.get_score_mat(0), F64)
    assert_type(d.get_score_mat(0, ["precise_alignment", "score"]), F64)
    assert_type(d.get_score_mat(0, return_notes="missing"), Tuple[F64, B])
    assert_type(d.get_score_mat(0, "misaligned", "both"), Tuple[F64, B, B])
    assert_type(d.get_score(np.int64(3)), F64)
    mat = dataset_utils.get_score_mat(d, 0, score_type="score")
    assert_type(mat, F64)
    onsets: F64 = mat[:, 1]

    x, sr = d.get_mix(0, sr=22050, start=1.0, end=2.5)
    assert_type(x, F32)
    assert_type(sr, int)
    sources, source_sr = d.get_source(0)
    assert_type(sources, List[F32])
    assert_type(source_sr, Optional[int])
    assert_type(d.get_audio(0, sources=[0, 1])[0], F32)
    assert_type(d.get_gts(0)[0]["score"], Any)
    assert_type(d.get_pianoroll(0, resolution=0.1), F64)
    assert_type(d.get_pedaling_mat(0, frame_based=True), List[F64])
    assert_type(d.get_initial_bpm(0), Optional[float])
    assert_type(d.idx_chunk_to_whole("Bach10", 2), int)
    assert_type(d.idx_chunk_to_whole("Bach10", [1, 2]), List[int])

    def duration(i: int, ds: Dataset) -> float:
        return ds.get_score_duration(i)

    assert_type(d.parallel(duration, n_jobs=2), List[float])

    # set operations and splits keep the (sub)class
    m = MyDataset("/data")
    assert_type(dataset_utils.union(m, m), MyDataset)
    train, test = dataset_utils.choice(m, p=[0.7, 0.3], random_state=1)
    assert_type(train, MyDataset)

    d.get_mix(0, sr="22050")  # type: ignore[arg-type]
    d.get_score_mat("0")  # type: ignore[call-overload]
    d.filter(instruments=["piano"], ensemble="no")  # type: ignore[arg-type]
    print(onsets, test)


def modules(root: Path) -> None:
    x, sr = audio.load(root / "a.flac", sr=16000, mono=True)
    assert_type(x, F32)
    assert_type(audio.info(root / "a.flac")["duration"], float)
    assert_type(audio.resample(x, sr, 8000), F32)
    audio.write_wav(root / "b.wav", x, 8000)
    assert_type(utils.open_audio(str(root / "a.flac")), Tuple[F32, int])
    assert_type(utils.time2frame(0.5, 0.01, 0.046), int)
    assert_type(utils.time2frame(np.array([0.5]), 0.01, 0.046), F64)
    assert_type(utils.midipath2mat(root / "a.mid"), F64)
    assert_type(utils.gt_cache_info(), dict[str, Any])
    audio.load(b"a.wav")  # type: ignore[arg-type]

    st = HistStats(seed=3)
    assert_type(st.train_on_filled_stats(), HistStats)
    assert_type(st.get_random_onsets([0.0, 1.0]), F64)
    assert_type(st.new_song()["ons_std"], float)
    assert_type(get_stats("tempo"), Stats)
    assert_type(create_gt(install_dir=root, jobs=2)["ok"], Any)
    assert_type(install(["Bach10"], mirror=root, dry_run=True), dict[str, Any])
    assert_type(status(install_dir=root), dict[str, Any])
    assert_type(ExcerptDataset(Dataset(), excerpt=5.0).arrays(0)[0], F32)
    assert_type(prototype_gt, dict[str, Any])

    @convert([".txt"])
    def from_txt(path: str, alignment: str = "precise_alignment") -> dict[str, Any]:
        return {alignment: {"onsets": [0.0]}}

    assert_type(from_txt(root / "x-0.json.gz"), Optional[List[dict[str, Any]]])

    try:
        Dataset(definitions=[root])
    except errors.AsmdFormatError as e:
        assert_type(e.file, Optional[str])


def engine(root: Path) -> None:
    """The compiled module's stubs, as the Python layer uses them."""
    core = _asmd._Dataset(None, None, True, str(root))
    assert_type(core.paths, List[List[List[str]]])
    assert_type(core.get_score_mat(0, ["score"], True, False)[0], F64)
    assert_type(_asmd.load(root / "a.wav"), Tuple[F32, int])
    assert_type(_asmd.dataset_get_source(core, 0), Tuple[List[F32], Optional[int]])
    assert_type(_asmd.fetch_url("http://x/a.zip", root), Path)
    assert_type(
        _asmd.check_gt_json("{}"), Optional[Tuple[int, str, Optional[int], str]]
    )
    assert_type(_asmd._Stats("tempo", None, 1).misalign([60.0], [0.0], [1.0], 5)[3], B)
    assert_type(_asmd.DEFAULT_SEED, int)
    _asmd.run_cli(["asmd", 1])  # type: ignore[list-item]
    _asmd.load(root / "a.wav", quality=1)  # type: ignore[arg-type]
    core.filter({"datasets": ["Bach10"]})


def paper_listings() -> None:
    """The paper's old names (``import audioscoredataset as asd``) are typed too."""
    d = asd.Dataset().filter(instruments=["piano"], ensemble=False)
    assert_type(d, Dataset)
    assert_type(old_du.get_score_mat(d, 0), F64)
    assert_type(old_prototype_gt, dict[str, Any])
