"""Type aliases of asmd's annotations (``asmd._typing``; not public API).

Importable at run time on every supported Python (``typing.Union``, no ``X | Y``), but
the modules of asmd import it only under ``typing.TYPE_CHECKING``.
"""

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, TypedDict, Union

import numpy as np
import numpy.typing as npt

#: A file or folder path: ``str`` or ``os.PathLike`` (``pathlib.Path``...).
StrPath = Union[str, "os.PathLike[str]"]
#: Definition directories: one path or a sequence of them.
DefinitionDirs = Union[StrPath, Sequence[StrPath]]
#: A ground truth as a dict (the keys of ASMD's format, plus any extra key of the file).
GroundTruthDict = Dict[str, Any]
#: One item of ``Dataset.paths``: ``[mixed, sources, ground truths]``.
ItemPaths = List[List[str]]
#: The ``ground_truth`` argument of the filters: type names, ``(type, level)`` pairs or
#: ``{type: level}``.
GtFilter = Union[
    Sequence[Union[str, Tuple[str, Optional[int]], List[Any]]],
    Mapping[str, Optional[int]],
]
#: One score type name or a sequence of them (tried in order).
ScoreTypes = Union[str, Sequence[str]]
#: float64 / float32 / bool numpy arrays.
F64Array = npt.NDArray[np.float64]
F32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
#: What ``get_score_mat`` returns: the matrix, or with ``return_notes`` the matrix and
#: the mask(s).
ScoreMatResult = Union[
    F64Array, Tuple[F64Array, BoolArray], Tuple[F64Array, BoolArray, BoolArray]
]


class AudioInfo(TypedDict):
    """``asmd.audio.info``: a file's header."""

    duration: float
    bitrate: float
    sample_rate: int
    channels: int
    frames: int
    codec: str


class SongDraw(TypedDict):
    """``Stats.new_song``: song-level parameters of the misalignment."""

    ons_std: float
    ons_mean: float
    dur_std: float
    dur_mean: float


class AsapReport(TypedDict):
    """``asmd.asap.import_scores``: what the ASAP score import did."""

    install_dir: str
    rows: int
    copied: int
    missing_performances: List[str]


__all__ = [
    "StrPath",
    "DefinitionDirs",
    "GroundTruthDict",
    "ItemPaths",
    "GtFilter",
    "ScoreTypes",
    "F64Array",
    "F32Array",
    "BoolArray",
    "ScoreMatResult",
    "AudioInfo",
    "SongDraw",
    "AsapReport",
]
