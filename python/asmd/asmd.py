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

As in ASMD 0.5.1, ``paths``, ``datasets`` and ``metadataset`` are plain attributes:
code that edits them in place (``random.shuffle(d.paths)``, ``d.paths.append(...)``,
``d.datasets[0]['included'] = False``, ``d.metadataset['install_dir'] = ...``) keeps
working. Edited ``paths`` are what the data methods read (negative indices count from
the end, like a list); ``included`` flags edited in ``datasets`` take effect at the next
filter or set operation.

The official definitions are embedded in asmd; :data:`OFFICIAL` (the path
``os.path.join(THISDIR, 'definitions')`` that ASMD 0.5.1 code builds) stands for them
in a list of definition directories, so official and custom definitions combine:

>>> d = asmd.Dataset([asmd.OFFICIAL])
>>> len(d) == len(asmd.Dataset())
True
"""

import copy as _copy
import json
import os
import sys as _sys
import types as _types

from . import _asmd
from . import dataset_utils
from . import utils
from .dataset_utils import chose_score_type, filter

__all__ = [
    "Dataset",
    "load_definitions",
    "func_wrapper",
    "filter",
    "chose_score_type",
    "utils",
    "THISDIR",
    "OFFICIAL",
]

#: The folder of the asmd package (ASMD 0.5.1's ``THISDIR``).
THISDIR = os.path.dirname(os.path.realpath(__file__))

#: Stands for the embedded official definitions among definition directories: the path
#: ASMD 0.5.1 code builds, ``os.path.join(THISDIR, 'definitions')``. Any path equal to it
#: (with or without a trailing ``/``) and the engine's name for it, ``'<embedded>'``,
#: mean the official collection. (There is no such folder on disk.)
OFFICIAL = os.path.join(THISDIR, "definitions")


class _ChainableInit(type):
    """Metaclass that lets ``__init__`` return ``self`` (for ``super().__init__(...).filter()``)
    while ``Dataset(...)`` still returns the new instance."""

    def __call__(cls, *args, **kwargs):
        obj = cls.__new__(cls, *args, **kwargs)
        if isinstance(obj, cls):
            obj.__init__(*args, **kwargs)
        return obj


def _is_official(path):
    return path == _asmd.OFFICIAL_DEFINITIONS or (
        os.path.realpath(path) == os.path.realpath(OFFICIAL)
    )


def _dirs(definitions):
    """Definition directories for the engine (the official path -> ``'<embedded>'``)."""
    if definitions is None:
        return None
    if isinstance(definitions, (str, os.PathLike)):
        definitions = [definitions]
    out = []
    for p in definitions:
        p = os.fspath(p)
        out.append(_asmd.OFFICIAL_DEFINITIONS if _is_official(p) else p)
    return out


def _item_lists(item, k):
    """``[mixed, sources, gts]`` as three lists of str (a bare string is one path)."""
    try:
        fields = list(item)
    except TypeError:
        fields = None
    if fields is None or len(fields) != 3:
        raise TypeError(
            f"paths[{k}] must be [mixed, sources, ground truths], got {item!r}"
        )
    return [
        [os.fspath(f)]
        if isinstance(f, (str, os.PathLike))
        else [os.fspath(x) for x in f]
        for f in fields
    ]


class Dataset(metaclass=_ChainableInit):
    """Songs of one or more dataset definitions, with their files and annotations.

    Parameters
    ----------
    definitions : list of str, optional
        Directories of ``*.json`` definitions, loaded in order (files sorted by name);
        :data:`OFFICIAL` among them stands for the official collection. ``None`` or
        ``[]``: the official collection embedded in asmd. A dataset defined twice with
        the same content is loaded once; two different definitions of one name are an
        error. ``paths`` is its old (ASMD <= 0.3) name.
    metadataset_path : str, optional
        The ``datasets.json`` giving the install directory. ``None``: ``$ASMD_METADATASET``,
        ``$ASMD_HOME/datasets.json``, ``~/.config/asmd/datasets.json``, else a built-in
        default. ``metadataset`` is an old name of it.
    empty : bool
        If True, load no definition.
    install_dir : str, optional
        Override the install directory of ``datasets.json``.
    """

    def __init__(
        self,
        definitions=None,
        metadataset_path=None,
        empty=False,
        install_dir=None,
        paths=None,
        metadataset=None,
    ):
        if paths is not None:
            if definitions is not None:
                raise TypeError("pass `definitions` or its old name `paths`, not both")
            definitions = paths
        if metadataset is not None:
            if metadataset_path is not None:
                raise TypeError(
                    "pass `metadataset_path` or its old name `metadataset`, not both"
                )
            metadataset_path = metadataset
        self._core = _asmd._Dataset(
            _dirs(definitions),
            None if metadataset_path is None else os.fspath(metadataset_path),
            empty,
            None if install_dir is None else os.fspath(install_dir),
        )
        self._reset_views()
        #: The content of ``datasets.json`` (a plain dict, as in ASMD 0.5.1: editing it
        #: changes nothing else; the install directory is :attr:`install_dir`).
        self.metadataset = json.loads(self._core.metadataset_json())
        return self

    # ------------------------------------------------------------------ state
    #
    # The engine (``self._core``) holds the definitions, the inclusion flags and the
    # items' files. ``paths`` and ``datasets`` are Python lists made from it on first
    # use and kept (``self.__dict__['_paths']`` / ``['_datasets']``), so that in-place
    # edits stick; edits reach the engine lazily: an item's files when a data method
    # reads that item (one item compared, the whole list pushed only when it differs),
    # ``included`` flags before a filter or set operation, everything before a copy,
    # pickling or export.

    def _reset_views(self):
        self.__dict__["_paths"] = None
        self.__dict__["_datasets"] = None

    def __len__(self):
        p = self.__dict__.get("_paths")
        return len(self._core) if p is None else len(p)

    def __repr__(self):
        return f"<asmd.Dataset: {len(self)} songs from {', '.join(self._chunks) or 'no dataset'}>"

    def _push_paths(self):
        """Give the engine the (possibly edited) ``paths`` list."""
        p = self.__dict__.get("_paths")
        if p is not None:
            self._core.set_paths([tuple(_item_lists(x, k)) for k, x in enumerate(p)])

    def _push_flags(self):
        """Give the engine the (possibly edited) ``included`` flags of ``datasets``."""
        d = self.__dict__.get("_datasets")
        if d is None:
            return
        try:
            flags = [bool(x.get("included", True)) for x in d]
            songs = [[bool(s.get("included", True)) for s in x["songs"]] for x in d]
        except (AttributeError, KeyError, TypeError):
            songs = None
        if songs is None:
            raise _asmd_errors().AsmdArgumentError(
                "`Dataset.datasets` must stay a list of definitions with `songs`: only "
                "`included` may be edited"
            )
        self._core.set_inclusion(flags, songs)

    def _pull_flags(self):
        """Write the engine's inclusion flags into a kept ``datasets`` list, in place
        (ASMD 0.5.1's filter updated the same dicts)."""
        d = self.__dict__.get("_datasets")
        if d is None:
            return
        flags, songs = self._core.inclusion()
        if len(flags) != len(d):
            self.__dict__["_datasets"] = None
            return
        for old, inc, song_flags in zip(d, flags, songs):
            old["included"] = inc
            for so, sn in zip(old.get("songs", []), song_flags):
                so["included"] = sn

    def _sync(self):
        """Push every pending edit to the engine; returns the engine's dataset."""
        self._push_flags()
        self._push_paths()
        return self._core

    def _item(self, idx):
        """The engine index of item ``idx`` (negative counts from the end), after
        giving the engine that item's files if ``paths`` was edited."""
        i = _index(idx)
        p = self.__dict__.get("_paths")
        if p is None:
            n = len(self._core)
            if i < 0:
                if i + n < 0:
                    raise _asmd_errors().AsmdIndexError(
                        f"index {i} is out of range: the dataset has {n} items"
                    )
                i += n
            return i
        item = p[i]  # IndexError as for a list
        if i < 0:
            i += len(p)
        if len(p) != len(self._core) or _item_lists(item, i) != self._core.item(i):
            self._push_paths()
        return i

    def _with_core(self, core):
        """This dataset with another engine dataset (a filter or set operation's
        result): the ``paths``/``datasets`` views are made again from it."""
        self._core = core
        self.__dict__["_paths"] = None
        self._pull_flags()
        return self

    def __getstate__(self):
        self._sync()
        state = {
            k: v
            for k, v in self.__dict__.items()
            if k not in ("_core", "_paths", "_datasets")
        }
        state["_core_state"] = self._core.state()
        return state

    def __setstate__(self, state):
        state = dict(state)
        self._core = _asmd._Dataset.from_state(state.pop("_core_state"))
        self._reset_views()
        self.__dict__.update(state)
        if "metadataset" not in self.__dict__:
            self.metadataset = json.loads(self._core.metadataset_json())

    def __copy__(self):
        self._sync()
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        new._core = self._core.copy()
        new._reset_views()
        return new

    def __deepcopy__(self, memo):
        self._sync()
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            if k in ("_paths", "_datasets"):
                continue
            setattr(
                new, k, self._core.copy() if k == "_core" else _copy.deepcopy(v, memo)
            )
        new._reset_views()
        return new

    @property
    def paths(self):
        """``[mixed, sources, ground truths]`` per selected song (relative paths): a plain
        list, which may be edited in place or replaced."""
        p = self.__dict__.get("_paths")
        if p is None:
            p = self._core.paths
            self.__dict__["_paths"] = p
        return p

    @paths.setter
    def paths(self, value):
        self.__dict__["_paths"] = value

    @property
    def install_dir(self):
        """The directory every path is relative to."""
        return self._core.install_dir

    @install_dir.setter
    def install_dir(self, value):
        self._core.install_dir = os.fspath(value)

    @property
    def datasets(self):
        """All definitions as dicts, with ``included`` flags on datasets and songs: a
        plain list. Editing ``included`` takes effect at the next filter or set
        operation (as in ASMD 0.5.1); other edits change nothing (write definitions to
        files to change them)."""
        d = self.__dict__.get("_datasets")
        if d is None:
            d = json.loads(self._core.datasets_json())
            self.__dict__["_datasets"] = d
        return d

    @datasets.setter
    def datasets(self, value):
        self.__dict__["_datasets"] = value

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
        """The selected songs as dicts, in definition order (as ASMD 0.5.1: the songs the
        last filter or set operation included, whatever later edits of :attr:`paths`):
        copies of the definition fields plus ``dataset`` (the definition's name) and
        ``included``. Written back as the ``songs`` of a definition with just a
        ``name``, they load as a new dataset (e.g. after appending groups)."""
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
        self._sync()
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
            self._core, self._item(idx), sr, float(start), end, quality
        )

    def get_source(self, idx, sr=None, start=0.0, end=None, quality="hq"):
        """``(list of mono float32 arrays, sr)``: the source recordings of item ``idx``
        (``([], None)`` when it has none; filter with ``sources=True``)."""
        return _asmd.dataset_get_source(
            self._core, self._item(idx), sr, float(start), end, quality
        )

    def get_audio(self, idx, sources=None, sr=None, start=0.0, end=None, quality="hq"):
        """The mix (``sources=None``) or the sum of the chosen source indices divided by
        the number of all sources of the item (as ASMD 0.5.1): ``(array, sr)``."""
        if sources is not None:
            sources = list(sources)
        return _asmd.dataset_get_audio(
            self._core, self._item(idx), sources, sr, float(start), end, quality
        )

    def get_item(self, idx, sr=None, start=0.0, end=None, quality="hq"):
        """``(mix, sources, gts)``: ``get_mix``, ``get_source`` and ``get_gts`` of ``idx``."""
        mix = self.get_mix(idx, sr=sr, start=start, end=end, quality=quality)
        sources = self.get_source(idx, sr=sr, start=start, end=end, quality=quality)
        return mix, sources, self.get_gts(idx)

    def get_audio_data(self, idx):
        """Per mixed recording of item ``idx``: ``(duration s, bitrate kb/s, sample rate,
        channels)``, from the headers only."""
        return _asmd.dataset_get_audio_data(self._core, self._item(idx))

    # ------------------------------------------------------------------ annotations
    def get_gts(self, idx):
        """The ground truths of item ``idx`` as dicts, one per instrument track."""
        return self._core.get_gts(self._item(idx))

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
            self._item(idx),
            dataset_utils._score_types(score_type),
            float(resolution),
            bool(onsets),
            bool(velocity),
        )

    def get_beats(self, idx):
        """Score beat times (seconds) of each ground truth of item ``idx``: a list of arrays."""
        return self._core.get_beats(self._item(idx))

    def get_score_duration(self, idx):
        """Largest offset of the most aligned score type of item ``idx``."""
        return self._core.get_score_duration(self._item(idx))

    def get_initial_bpm(self, idx):
        """``60 / (beats[1] - beats[0])`` of the first ground truth, ``None`` without 2 beats."""
        return self._core.get_initial_bpm(self._item(idx))

    def get_missing_extra_notes(self, idx, kind):
        """One bool array per ground truth: notes ``'missing'`` or ``'extra'``."""
        return self._core.get_missing_extra_notes(self._item(idx), kind)

    def get_pedaling_mat(self, idx, frame_based=False, winlen=0.046, hop=0.01):
        """Pedaling of item ``idx``; see :func:`asmd.dataset_utils.get_pedaling_mat`."""
        return dataset_utils.get_pedaling_mat(
            self, idx, frame_based=frame_based, winlen=winlen, hop=hop
        )

    def get_pedaling(self, idx, frame_based=False, winlen=0.046, hop=0.01):
        """Old name (ASMD 0.2-0.3) of :meth:`get_pedaling_mat`."""
        return self.get_pedaling_mat(
            idx, frame_based=frame_based, winlen=winlen, hop=hop
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
            self._item(idx),
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
        return idx.__index__()
    except AttributeError:
        raise TypeError(
            f"item index must be an integer, got {type(idx).__name__}"
        ) from None


def _asmd_errors():
    from . import errors

    return errors


def _progress_wanted():
    import sys

    return sys.stderr.isatty()


def load_definitions(path):
    """The definitions in directory ``path`` as dicts (files sorted by name; :data:`OFFICIAL`
    gives the official ones). Invalid files raise :class:`asmd.errors.AsmdFormatError`
    naming the file and the JSON path."""
    d = Dataset(definitions=[path])
    return [{k: v for k, v in ds.items() if k != "included"} for ds in d.datasets]


def func_wrapper(func, path, *args, **kwargs):
    """``func(0, d, *args, **kwargs)`` where ``d`` is an empty :class:`Dataset` whose only
    item is ``path`` (``[mixed, sources, ground truths]``): run a function written for
    :meth:`Dataset.parallel` on files outside any definition."""
    d = Dataset(empty=True)
    d.paths = [path]
    return func(0, d, *args, **kwargs)


class _OldSubmodule(_types.ModuleType):
    """``asmd.asmd.audioscoredataset``: where ASMD <= 0.3 checkouts (a git submodule
    named ``asmd``) had the ``Dataset``; imports :mod:`asmd.audioscoredataset` (with its
    deprecation warning) on first use."""

    def __getattr__(self, name):
        if name.startswith("__"):
            # tools probing every module (inspect.getmodule: __file__...) must not import
            raise AttributeError(name)
        import importlib

        real = importlib.import_module("asmd.audioscoredataset")
        return getattr(real, name)


_sys.modules.setdefault(
    __name__ + ".audioscoredataset", _OldSubmodule(__name__ + ".audioscoredataset")
)


def __getattr__(name):
    # ``from asmd.asmd import audioscoredataset`` (ASMD <= 0.3 layout)
    if name == "audioscoredataset":
        import importlib

        return importlib.import_module("asmd.audioscoredataset")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
