"""Type stubs of ``asmd._asmd``, the compiled engine module (crates/asmd-py).

Kept true by ``python -m mypy.stubtest asmd._asmd`` in scripts/test.sh. The user-facing
API is the pure-Python package (``asmd.asmd.Dataset``, ``asmd.audio``...); these are
the bindings it calls. Conventions of the bindings: paths are ``str`` or
``os.PathLike`` (returned paths are ``pathlib.Path``); integer arguments accept any
object with ``__index__`` (numpy integers included) and raise ``asmd.errors``
exceptions when out of range; lists are read from any sequence (not from a ``str``).
"""

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, SupportsIndex, final

import numpy as np
import numpy.typing as npt

from asmd._typing import AsapReport, AudioInfo, SongDraw

# ---------------------------------------------------------------- aliases (stub only)
_StrPath = str | os.PathLike[str]
_Floats = Sequence[float] | npt.NDArray[np.floating[Any]] | npt.NDArray[np.integer[Any]]
_F32 = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]
_Bools = npt.NDArray[np.bool_]
#: A ground-truth file as a dict (the keys of ASMD's format, plus any extra key).
_GtDict = dict[str, Any]

# ---------------------------------------------------------------- constants
__all__ = [
    "__version__",
    "OFFICIAL_DEFINITIONS",
    "INSTALL_MARKER",
    "GROUND_TRUTH_URL",
    "USER_DATA_DIR",
    "DEFAULT_SEED",
    "_Dataset",
    "_Stats",
    "match_notes",
    "_after_fork_in_child",
    "_panic_for_tests",
    "read_gt",
    "normalize_gt_json",
    "write_gt_json",
    "check_gt_json",
    "set_gt_cache_budget",
    "clear_gt_cache",
    "gt_cache_budget",
    "gt_disk_cache_info",
    "clear_gt_disk_cache",
    "set_gt_disk_cache_dir",
    "set_gt_disk_cache_budget",
    "run_cli",
    "run_cli_json",
    "asap_import",
    "fetch_url",
    "unpack_archive",
    "load",
    "info",
    "resample",
    "write_wav",
    "dataset_get_mix",
    "dataset_get_source",
    "dataset_get_audio",
    "dataset_get_audio_data",
    "register_converter",
    "converter_names",
    "resolve_converter_input",
    "run_converter",
    "prototype_gt_json",
    "convert_run",
    "convert_song",
    "change_ext",
    "normalize_text",
    "text_similarity",
    "gm_program_names",
    "instrument_program",
    "mat2midipath",
    "midipath2mat",
    "mat_stretch",
    "time2frame",
    "export_columns",
    "export_parquet",
    "export_schema",
    "export_shards",
    "plot_song",
]

__version__: str
OFFICIAL_DEFINITIONS: str
INSTALL_MARKER: str
GROUND_TRUTH_URL: str
USER_DATA_DIR: str | None
DEFAULT_SEED: int

# ---------------------------------------------------------------- dataset
@final
class _Dataset:
    def __new__(
        cls,
        definitions: Sequence[_StrPath] | None = None,
        metadataset_path: _StrPath | None = None,
        empty: bool = False,
        install_dir: _StrPath | None = None,
    ) -> _Dataset: ...
    @staticmethod
    def from_state(state: str) -> _Dataset: ...
    def state(self) -> str: ...
    def copy(self) -> _Dataset: ...
    def __len__(self) -> int: ...
    @property
    def install_dir(self) -> str: ...
    @install_dir.setter
    def install_dir(self, value: _StrPath) -> None: ...
    def metadataset(self) -> dict[str, Any]: ...
    def item(self, idx: int) -> list[list[str]]: ...
    def set_inclusion(
        self, datasets: Sequence[bool], songs: Sequence[Sequence[bool]]
    ) -> None: ...
    def inclusion(self) -> tuple[list[bool], list[list[bool]]]: ...
    def split(self, splits: Sequence[int], n: int) -> list[_Dataset]: ...
    @property
    def paths(self) -> list[list[list[str]]]: ...
    # tuples of exactly three sequences: [mixed, sources, ground truths]
    def set_paths(self, paths: Sequence[tuple[Sequence[str], ...]]) -> None: ...
    @property
    def chunks(self) -> dict[str, list[int]]: ...
    def songs(self) -> list[dict[str, Any]]: ...
    def datasets(self) -> list[dict[str, Any]]: ...
    def cite(self, names: Sequence[str] = ...) -> str: ...  # []: the selection's
    def licenses(
        self,
        names: Sequence[str] = ...,  # []: the selection's
    ) -> dict[str, dict[str, Any]]: ...
    def missing_files(self, idx: SupportsIndex) -> list[Path]: ...
    def require_files(self, idx: SupportsIndex) -> None: ...
    def filter(self, opts: dict[str, Any] | None = None) -> None: ...
    def union(
        self, other: _Dataset, opts: dict[str, Any] | None = None
    ) -> _Dataset: ...
    def intersect(
        self, other: _Dataset, opts: dict[str, Any] | None = None
    ) -> _Dataset: ...
    def complement(self, opts: dict[str, Any] | None = None) -> _Dataset: ...
    def choice(
        self, p: Sequence[float], seed: SupportsIndex, exact: bool = False
    ) -> list[_Dataset]: ...
    def idx_chunk_to_whole(self, name: str, idx: SupportsIndex) -> int: ...
    def get_gts(self, idx: SupportsIndex) -> list[_GtDict]: ...
    def chose_score_type(
        self, idx: SupportsIndex, score_type: Sequence[str]
    ) -> str: ...
    def get_score_mat(
        self, idx: SupportsIndex, score_type: Sequence[str], missing: bool, extra: bool
    ) -> tuple[_F64] | tuple[_F64, _Bools] | tuple[_F64, _Bools, _Bools]: ...
    def get_pianoroll(
        self,
        idx: SupportsIndex,
        score_type: Sequence[str],
        resolution: float,
        onsets: bool,
        velocity: bool,
    ) -> _F64: ...
    def get_beats(self, idx: SupportsIndex) -> list[_F64]: ...
    def get_score_duration(self, idx: SupportsIndex) -> float: ...
    def get_initial_bpm(self, idx: SupportsIndex) -> float | None: ...
    def get_missing_extra_notes(
        self, idx: SupportsIndex, kind: str
    ) -> list[_Bools]: ...
    def get_pedaling_mat(
        self, idx: SupportsIndex, frame_based: bool, winlen: float, hop: float
    ) -> list[_F64]: ...

# ---------------------------------------------------------------- misalignment
@final
class _Stats:
    def __new__(
        cls,
        method: str | None = None,
        model: _StrPath | None = None,
        seed: SupportsIndex = ...,  # 1992
        ons_dev_max: float | None = ...,  # 0.2
        dur_dev_max: float | None = ...,  # 0.2
        mean_max_ons: float | None = None,
        mean_max_dur: float | None = None,
        ons_max: float | None = None,
        dur_max: float | None = None,
    ) -> _Stats: ...
    def fill_stats(
        self,
        dataset: _Dataset | None = None,
        pairs_dir: _StrPath | None = None,
        timeout: float = 20.0,
        jobs: SupportsIndex = ...,  # 0: all cores
    ) -> int: ...
    def add_song(
        self,
        name: str,
        perf_onsets: _Floats,
        perf_offsets: _Floats,
        score_onsets: _Floats,
        score_offsets: _Floats,
        pitches: _Floats,
    ) -> None: ...
    def add_diffs(self, ons_diffs: _Floats, dur_ratios: _Floats) -> None: ...
    def copy_stats_from(self, other: _Stats) -> None: ...
    def train_on_filled_stats(self, all: bool = False) -> None: ...
    def evaluate(
        self,
        seed: SupportsIndex = ...,  # 1992
        draws: SupportsIndex = ...,  # DEFAULT_DRAWS
        methods: Sequence[str] | None = None,
    ) -> dict[str, Any]: ...
    def score_on(
        self,
        data: _Stats,
        seed: SupportsIndex = ...,  # 1992
        draws: SupportsIndex = ...,  # DEFAULT_DRAWS
    ) -> dict[str, Any]: ...
    def seed(self, seed: SupportsIndex) -> None: ...
    def new_song(self) -> SongDraw: ...
    def current_song(self) -> SongDraw: ...
    def song_values(self, which: str, k: SupportsIndex) -> _F64: ...
    def diffs(self, which: str, k: SupportsIndex) -> _F64: ...
    def random_onsets(self, aligned: _Floats) -> _F64: ...
    def random_durations(self, durations: _Floats) -> _F64: ...
    def random_offsets(
        self, aligned_onsets: _Floats, aligned_offsets: _Floats, new_onsets: _Floats
    ) -> _F64: ...
    def misalign(
        self, pitches: _Floats, onsets: _Floats, offsets: _Floats, seed: SupportsIndex
    ) -> tuple[_F64, _F64, _F64, _Bools, _Bools]: ...
    def model_json(self) -> str: ...
    def save(self, path: _StrPath) -> None: ...
    @property
    def method(self) -> str: ...
    @property
    def model_methods(self) -> list[str]: ...
    @property
    def current_seed(self) -> int: ...
    @property
    def model_songs(self) -> int: ...
    def collected(self, name: str) -> _F64: ...
    def matched(self) -> list[tuple[str, float, float, float, int]]: ...
    def skipped(self) -> list[tuple[str, str]]: ...

def match_notes(
    score: Sequence[tuple[float, float, float]],
    perf: Sequence[tuple[float, float, float]],
    timeout: float = 20.0,
) -> tuple[Any, Any]: ...

# ---------------------------------------------------------------- process
def _after_fork_in_child() -> None: ...
def _panic_for_tests(in_worker: bool = False) -> None: ...

# ---------------------------------------------------------------- ground truth
def read_gt(path: _StrPath) -> _GtDict: ...
def normalize_gt_json(text: str, origin: str = "<dict>") -> _GtDict: ...
def write_gt_json(text: str, path: _StrPath) -> None: ...
def check_gt_json(
    text: str, origin: str = "<dict>"
) -> tuple[int, str, int | None, str] | None: ...
def set_gt_cache_budget(bytes: SupportsIndex) -> None: ...
def clear_gt_cache() -> None: ...
def gt_cache_budget() -> int: ...
def gt_disk_cache_info() -> tuple[Path | None, int, int, int]: ...
def clear_gt_disk_cache() -> int: ...
def set_gt_disk_cache_dir(path: _StrPath | None = None) -> None: ...
def set_gt_disk_cache_budget(bytes: SupportsIndex) -> None: ...

# ---------------------------------------------------------------- command line, installer
def run_cli(argv: Sequence[str]) -> int: ...
def run_cli_json(argv: Sequence[str]) -> tuple[int, Any]: ...
def asap_import(install_dir: _StrPath, mirror: str | None = None) -> AsapReport: ...
def fetch_url(
    url: str, dest_dir: _StrPath, name: str | None = None, mirror: str | None = None
) -> Path: ...
def unpack_archive(
    archive: _StrPath, dest: _StrPath, format: str | None = None
) -> list[str]: ...

# ---------------------------------------------------------------- audio
def load(
    path: _StrPath,
    sr: SupportsIndex | None = None,
    start: float = 0.0,
    end: float | None = None,
    mono: bool = True,
    quality: str = "hq",
) -> tuple[_F32, int]: ...
def info(path: _StrPath) -> AudioInfo: ...
def resample(
    x: _Floats, orig_sr: SupportsIndex, target_sr: SupportsIndex, quality: str = "hq"
) -> _F32: ...
def write_wav(
    path: _StrPath, channels: Sequence[_Floats], sr: SupportsIndex, float: bool = False
) -> None: ...
def dataset_get_mix(
    d: _Dataset,
    idx: SupportsIndex,
    sr: SupportsIndex | None = None,
    start: float = 0.0,
    end: float | None = None,
    quality: str = "hq",
) -> tuple[_F32, int]: ...
def dataset_get_source(
    d: _Dataset,
    idx: SupportsIndex,
    sr: SupportsIndex | None = None,
    start: float = 0.0,
    end: float | None = None,
    quality: str = "hq",
) -> tuple[list[_F32], int | None]: ...
def dataset_get_audio(
    d: _Dataset,
    idx: SupportsIndex,
    sources: Sequence[SupportsIndex] | None = None,
    sr: SupportsIndex | None = None,
    start: float = 0.0,
    end: float | None = None,
    quality: str = "hq",
) -> tuple[_F32, int]: ...
def dataset_get_audio_data(
    d: _Dataset, idx: SupportsIndex
) -> list[tuple[float, float, int, int]]: ...

# ---------------------------------------------------------------- conversion
def register_converter(
    name: str,
    func: Callable[[str, str], list[str] | None],
    extensions: Sequence[str],
    no_dot: bool = True,
    remove_player: bool = False,
) -> None: ...
def converter_names() -> list[str]: ...
def resolve_converter_input(name: str, gt_path: _StrPath) -> str | None: ...
def run_converter(
    name: str, gt_path: _StrPath, params_json: str = "{}"
) -> list[_GtDict] | None: ...
def prototype_gt_json() -> str: ...
def convert_run(
    install_dir: _StrPath,
    definitions: Sequence[_StrPath] | None = None,
    whitelist: Sequence[str] = ...,  # []
    blacklist: Sequence[str] = ...,  # []
    archive: _StrPath | None = None,
    jobs: SupportsIndex = ...,  # 0: all cores
    force: bool = False,
    seed: SupportsIndex = ...,  # DEFAULT_SEED
    progress: bool = False,
    misalign_model: str | None = None,
    part: tuple[SupportsIndex, SupportsIndex] | None = None,
) -> dict[str, Any]: ...
def convert_song(
    definition_json: str,
    song_index: int,
    install_dir: _StrPath,
    seed: int,
    misalign_model: str | None = None,
) -> list[Path]: ...
def change_ext(
    input_fn: _StrPath, new_ext: str, no_dot: bool, remove_player: bool
) -> Path: ...
def normalize_text(text: str) -> str: ...
def text_similarity(a: str, b: str) -> int: ...
def gm_program_names() -> list[str]: ...
def instrument_program(name: str) -> int: ...

# ---------------------------------------------------------------- utils
def mat2midipath(mat: npt.NDArray[np.float64], path: _StrPath) -> None: ...
def midipath2mat(path: _StrPath) -> _F64: ...
def mat_stretch(
    mat: npt.NDArray[np.float64], target: npt.NDArray[np.float64]
) -> _F64: ...
def time2frame(time: float, hop_size: float, win_len: float) -> int: ...

# ---------------------------------------------------------------- export, plot
def export_columns(
    dataset: _Dataset, audio_durations: bool = True, require_gt: bool = False
) -> list[dict[str, Any]]: ...
def export_parquet(
    dataset: _Dataset,
    out: _StrPath,
    overwrite: bool = False,
    audio_durations: bool = True,
    require_gt: bool = False,
) -> dict[str, Any]: ...
def export_schema() -> dict[str, list[tuple[str, str, bool]]]: ...
def export_shards(
    dataset: _Dataset,
    out: _StrPath,
    sr: SupportsIndex | None = None,
    max_shard_bytes: SupportsIndex = ...,  # 10**9
    seed: SupportsIndex | None = None,
    score_type: Sequence[str] = ...,  # []: the engine's default order
    float: bool = False,
    quality: str = "hq",
    progress: bool = False,
    skip_missing: bool = False,
) -> dict[str, Any]: ...
def plot_song(
    dataset: _Dataset,
    idx: SupportsIndex,
    out: _StrPath,
    types: Sequence[str] | None = None,
    waveform: bool = False,
    width: SupportsIndex = ...,  # 1600
    height: SupportsIndex = ...,  # 900
    start: float = 0.0,
    end: float | None = None,
    overlay: bool = False,
    color_by: str = "type",
) -> None: ...
