"""The ``Dataset`` class: pick songs across datasets and get their data as numpy arrays.

This mirrors the API of ASMD 0.5.1 (same method names and keyword arguments), backed by
the Rust engine. Indices go into :attr:`Dataset.paths`, which holds, for every selected
song, ``[mixed recordings, source recordings, ground-truth files]`` relative to
:attr:`Dataset.install_dir`.

>>> from asmd import asmd
>>> d = asmd.Dataset()                       # official definitions, default datasets.json
>>> d.filter(instruments=['piano'], ensemble=False, composer='Mozart') is d
True
>>> sorted({s['dataset'] for s in d.get_songs()})
['Maestro', 'SMD', 'vienna_corpus']
>>> d.paths[0][2][0].endswith('.json.gz')
True

Subclass it like any Python class (e.g. together with ``torch.utils.data.Dataset``); it
pickles, so ``DataLoader(num_workers=...)`` works. As in the paper, ``__init__`` returns
the instance, so ``super().__init__(...).filter(...)`` chains.
"""

import copy as _copy
import json
import os

from . import _asmd
from . import dataset_utils

__all__ = ["Dataset", "load_definitions"]


class _ChainableInit(type):
    """Metaclass that lets ``__init__`` return ``self`` (for ``super().__init__(...).filter()``)
    while ``Dataset(...)`` still returns the new instance."""

    def __call__(cls, *args, **kwargs):
        obj = cls.__new__(cls, *args, **kwargs)
        if isinstance(obj, cls):
            obj.__init__(*args, **kwargs)
        return obj


def _dirs(definitions):
    if definitions is None:
        return None
    if isinstance(definitions, (str, os.PathLike)):
        definitions = [definitions]
    return [os.fspath(p) for p in definitions]


class Dataset(metaclass=_ChainableInit):
    """Songs of one or more dataset definitions, with their files and annotations.

    Parameters
    ----------
    definitions : list of str, optional
        Directories of ``*.json`` definitions, loaded in order (files sorted by name).
        ``None`` or ``[]``: the official collection embedded in asmd.
    metadataset_path : str, optional
        The ``datasets.json`` giving the install directory. ``None``: ``$ASMD_METADATASET``,
        ``$ASMD_HOME/datasets.json``, ``~/.config/asmd/datasets.json``, else a built-in
        default.
    empty : bool
        If True, load no definition.
    install_dir : str, optional
        Override the install directory of ``datasets.json``.
    """

    def __init__(
        self, definitions=None, metadataset_path=None, empty=False, install_dir=None
    ):
        self._core = _asmd._Dataset(
            _dirs(definitions),
            None if metadataset_path is None else os.fspath(metadataset_path),
            empty,
            None if install_dir is None else os.fspath(install_dir),
        )
        return self

    # ------------------------------------------------------------------ state
    def __len__(self):
        return len(self._core)

    def __repr__(self):
        return f"<asmd.Dataset: {len(self)} songs from {', '.join(self._chunks) or 'no dataset'}>"

    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k != "_core"}
        state["_core_state"] = self._core.state()
        return state

    def __setstate__(self, state):
        state = dict(state)
        self._core = _asmd._Dataset.from_state(state.pop("_core_state"))
        self.__dict__.update(state)

    def __copy__(self):
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        new._core = self._core.copy()
        return new

    def __deepcopy__(self, memo):
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            setattr(
                new, k, self._core.copy() if k == "_core" else _copy.deepcopy(v, memo)
            )
        return new

    @property
    def paths(self):
        """``[mixed, sources, ground truths]`` per selected song (relative paths)."""
        return self._core.paths

    @paths.setter
    def paths(self, value):
        self._core.set_paths([(list(m), list(s), list(g)) for m, s, g in value])

    @property
    def install_dir(self):
        """The directory every path is relative to."""
        return self._core.install_dir

    @install_dir.setter
    def install_dir(self, value):
        self._core.install_dir = os.fspath(value)

    @property
    def metadataset(self):
        """The content of ``datasets.json``."""
        return json.loads(self._core.metadataset_json())

    @property
    def datasets(self):
        """All definitions as dicts, with ``included`` flags (a snapshot: edits do not
        change the selection; use :meth:`filter`)."""
        return json.loads(self._core.datasets_json())

    @property
    def _chunks(self):
        """``{dataset name: [start, end]}`` in :attr:`paths` for the selected datasets."""
        return self._core.chunks

    # ------------------------------------------------------------------ selection
    def filter(
        self,
        instruments=[],
        ensemble=None,
        mixed=True,
        sources=False,
        all=False,
        composer="",
        datasets=[],
        groups=[],
        ground_truth=[],
        copy=False,
        instrument_match="exact",
        composer_ignore_case=False,
    ):
        """Narrow the selection; see :func:`asmd.dataset_utils.filter`. Returns ``self``
        (or a filtered copy with ``copy=True``)."""
        return dataset_utils.filter(
            self,
            instruments=instruments,
            ensemble=ensemble,
            mixed=mixed,
            sources=sources,
            all=all,
            composer=composer,
            datasets=datasets,
            groups=groups,
            ground_truth=ground_truth,
            copy=copy,
            instrument_match=instrument_match,
            composer_ignore_case=composer_ignore_case,
        )

    def get_songs(self):
        """The selected songs as dicts (definition fields plus ``dataset``), in order."""
        return json.loads(self._core.songs_json())

    def idx_chunk_to_whole(self, name, idx):
        """Index (or list of indices) within dataset ``name`` -> index in :attr:`paths`."""
        if isinstance(idx, bool):
            raise TypeError("idx should be an int or a list of int")
        if isinstance(idx, (list, tuple)):
            return [self._core.idx_chunk_to_whole(name, int(i)) for i in idx]
        try:
            i = int(idx.__index__())
        except AttributeError:
            raise TypeError("idx should be an int or a list of int") from None
        return self._core.idx_chunk_to_whole(name, i)

    def parallel(self, func, *args, **kwargs):
        """Call ``func(i, self, *args, **kwargs)`` for every item with ``joblib.Parallel``.

        Keyword arguments that ``joblib.Parallel`` accepts (``n_jobs``, ``backend``,
        ``verbose``, ``prefer``...) go to it; the rest go to ``func``. With a Dask or Ray
        backend registered in joblib, items run on that cluster.

        >>> from asmd import asmd
        >>> d = asmd.Dataset().filter(datasets=['Bach10'])
        >>> d.parallel(lambda i, ds: len(ds.paths[i][2]), n_jobs=1)
        [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]
        """
        from joblib import delayed

        from . import _parallel

        joblib_kwargs = _parallel.split_joblib_kwargs(kwargs)
        items = range(len(self))
        try:
            from tqdm import tqdm

            items = tqdm(items, disable=not _progress_wanted())
        except ImportError:
            pass
        return _parallel.run(
            (delayed(func)(i, self, *args, **kwargs) for i in items), joblib_kwargs
        )

    # ------------------------------------------------------------------ paths
    def get_mix_paths(self, idx):
        """Mixed recording(s) of item ``idx`` (relative)."""
        return self.paths[idx][0]

    def get_sources_paths(self, idx):
        """Source recordings of item ``idx`` (relative)."""
        return self.paths[idx][1]

    def get_gts_paths(self, idx):
        """Ground-truth files of item ``idx`` (relative)."""
        return self.paths[idx][2]

    # ------------------------------------------------------------------ audio
    def get_mix(self, idx, sr=None, start=0.0, end=None, quality="hq"):
        """``(mono float32 array, sr)``: the mixed recording(s) of item ``idx``.

        Several recordings are summed (zero-padded to the longest) and divided by their
        number; recordings at another rate than the first are resampled to it. ``sr``
        resamples (``quality="hq"``, comparable to soxr HQ, or ``"fast"``); ``start`` /
        ``end`` (seconds) decode only that excerpt.
        """
        return _asmd.dataset_get_mix(
            self._core, _index(idx), sr, float(start), end, quality
        )

    def get_source(self, idx, sr=None, start=0.0, end=None, quality="hq"):
        """``(list of mono float32 arrays, sr)``: the source recordings of item ``idx``
        (``([], None)`` when it has none; filter with ``sources=True``)."""
        return _asmd.dataset_get_source(
            self._core, _index(idx), sr, float(start), end, quality
        )

    def get_audio(self, idx, sources=None, sr=None, start=0.0, end=None, quality="hq"):
        """The mix (``sources=None``) or the sum of the chosen source indices divided by
        the number of all sources of the item (as ASMD 0.5.1): ``(array, sr)``."""
        if sources is not None:
            sources = [int(s) for s in sources]
        return _asmd.dataset_get_audio(
            self._core, _index(idx), sources, sr, float(start), end, quality
        )

    def get_item(self, idx, sr=None, start=0.0, end=None, quality="hq"):
        """``(mix, sources, gts)``: ``get_mix``, ``get_source`` and ``get_gts`` of ``idx``."""
        mix = self.get_mix(idx, sr=sr, start=start, end=end, quality=quality)
        sources = self.get_source(idx, sr=sr, start=start, end=end, quality=quality)
        return mix, sources, self.get_gts(idx)

    def get_audio_data(self, idx):
        """Per mixed recording of item ``idx``: ``(duration s, bitrate kb/s, sample rate,
        channels)``, from the headers only."""
        return _asmd.dataset_get_audio_data(self._core, _index(idx))

    # ------------------------------------------------------------------ annotations
    def get_gts(self, idx):
        """The ground truths of item ``idx`` as dicts, one per instrument track."""
        return self._core.get_gts(_index(idx))

    def get_score_mat(self, idx, score_type=["misaligned"], return_notes=""):
        """``n x 6`` array ``[pitch, onset, offset, velocity, program, track]``; see
        :func:`asmd.dataset_utils.get_score_mat`."""
        return dataset_utils.get_score_mat(
            self, idx, score_type=score_type, return_notes=return_notes
        )

    # the paper's name
    get_score = get_score_mat

    def get_pianoroll(
        self,
        idx,
        score_type=["misaligned"],
        resolution=0.25,
        onsets=False,
        velocity=True,
    ):
        """``128 x (floor(max_offset / resolution) + 1)`` pianoroll of item ``idx``.

        Note ``k`` fills columns ``floor(onset/resolution)`` to ``floor(offset/resolution)``
        (both included) of row ``round(pitch)`` with its velocity (1 without velocities or
        with ``velocity=False``); ``onsets=True`` writes -1 at onset columns; later notes
        overwrite earlier ones.
        """
        return self._core.get_pianoroll(
            _index(idx),
            dataset_utils._score_types(score_type),
            float(resolution),
            bool(onsets),
            bool(velocity),
        )

    def get_beats(self, idx):
        """Score beat times (seconds) of each ground truth of item ``idx``: a list of arrays."""
        return self._core.get_beats(_index(idx))

    def get_score_duration(self, idx):
        """Largest offset of the most aligned score type of item ``idx``."""
        return self._core.get_score_duration(_index(idx))

    def get_initial_bpm(self, idx):
        """``60 / (beats[1] - beats[0])`` of the first ground truth, ``None`` without 2 beats."""
        return self._core.get_initial_bpm(_index(idx))

    def get_missing_extra_notes(self, idx, kind):
        """One bool array per ground truth: notes ``'missing'`` or ``'extra'``."""
        return self._core.get_missing_extra_notes(_index(idx), kind)

    def get_pedaling_mat(self, idx, frame_based=False, winlen=0.046, hop=0.01):
        """Pedaling of item ``idx``; see :func:`asmd.dataset_utils.get_pedaling_mat`."""
        return dataset_utils.get_pedaling_mat(
            self, idx, frame_based=frame_based, winlen=winlen, hop=hop
        )

    # ------------------------------------------------------------------ export
    def to_arrow(self, **kwargs):
        """The selection as pyarrow tables; see :func:`asmd.export.to_arrow`."""
        from . import export

        return export.to_arrow(self, **kwargs)

    def to_parquet(self, out, **kwargs):
        """Write the selection as Parquet tables; see :func:`asmd.export.to_parquet`."""
        from . import export

        return export.to_parquet(self, out, **kwargs)

    def plot(
        self,
        idx,
        out,
        types=None,
        waveform=False,
        width=1600,
        height=900,
        start=0.0,
        end=None,
        overlay=False,
        color_by="type",
    ):
        """Draw item ``idx`` into ``out`` (``.png`` or ``.svg``): one pianoroll band per
        score type in ``types`` (default: precise_alignment, broad_alignment, score,
        misaligned; types the song has no notes of are left out), numbered score beat
        lines in the score band, the pedals underneath when present, and with
        ``waveform`` the mix above (when on disk); the legend is a column on the right.
        ``overlay=True`` draws every type in one roll, translucent. ``color_by="track"``
        colours notes by ground-truth file (instrument) instead of by type.
        ``start``/``end`` choose the span in seconds. Labels use a font embedded in
        asmd; no system font is needed."""
        _asmd.plot_song(
            self._core,
            _index(idx),
            os.fspath(out),
            None if types is None else list(types),
            bool(waveform),
            int(width),
            int(height),
            float(start),
            None if end is None else float(end),
            bool(overlay),
            str(color_by),
        )

    def to_shards(self, out, **kwargs):
        """Write the selection as WebDataset shards; see :func:`asmd.export.to_shards`."""
        from . import export

        return export.to_shards(self, out, **kwargs)


def _index(idx):
    try:
        i = idx.__index__()
    except AttributeError:
        raise TypeError(
            f"item index must be an integer, got {type(idx).__name__}"
        ) from None
    if i < 0:
        raise IndexError(f"negative item index {i}")
    return i


def _progress_wanted():
    import sys

    return sys.stderr.isatty()


def load_definitions(path):
    """The definitions in directory ``path`` as dicts (files sorted by name). Invalid files
    raise :class:`asmd.errors.AsmdFormatError` naming the file and the JSON path."""
    d = Dataset(definitions=[path])
    return [{k: v for k, v in ds.items() if k != "included"} for ds in d.datasets]
