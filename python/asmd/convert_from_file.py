"""Converters from original annotation formats to asmd ground truth, and the
``@convert`` decorator to add your own (the paper's Listing 4).

A converter is called with the path of a ground-truth file to produce
(``.../<stem>-<k>.json.gz``); it finds its input by replacing ``-<k>.json.gz`` with each
of its extensions in turn (``remove_player=True`` also strips the last ``_player`` part
of the stem) and returns a list of ground-truth dicts (one per track), one dict, or
``None`` when its input is absent. Decorated converters are registered by function name,
so a definition's ``install.conversion`` can use them::

    import csv
    from copy import deepcopy
    from asmd.convert_from_file import convert, prototype_gt

    @convert(['.myext'])
    def function_which_converts(filename, alignment='precise_alignment', **kwargs):
        out = deepcopy(prototype_gt)
        for row in csv.reader(open(filename), delimiter=','):
            out[alignment]["onsets"].append(float(row[0]))
            out[alignment]["offsets"].append(float(row[0]) + float(row[2]))
            out[alignment]["pitches"].append(int(row[1]))
        return out

Built-ins: :func:`from_midi`, :func:`from_midi_remove_player`, :func:`from_midi_asap`,
:func:`from_phenicx_txt`, :func:`from_bach10_mat`, :func:`from_bach10_f0`,
:func:`from_musicnet_csv`, :func:`from_sonic_visualizer` (pretty_midi 0.2 semantics for
MIDI, computed by the Rust engine).

>>> sorted(prototype_gt)[:4]
['broad_alignment', 'extra', 'f0', 'instrument']
"""

import functools
import inspect
import json
import os

import numpy as np

from . import _asmd

__all__ = [
    "convert",
    "prototype_gt",
    "from_midi",
    "from_midi_remove_player",
    "from_midi_asap",
    "from_phenicx_txt",
    "from_bach10_mat",
    "from_bach10_f0",
    "from_musicnet_csv",
    "from_sonic_visualizer",
    "change_ext",
]

#: An empty ground truth; ``deepcopy`` it to start a converter's output.
prototype_gt = json.loads(_asmd.prototype_gt_json())


def _json_default(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (range, tuple, set, frozenset)):
        return list(x)
    raise TypeError(f"{type(x).__name__} is not a ground-truth value")


def _to_json_list(out):
    if out is None:
        return None
    if isinstance(out, dict):
        out = [out]
    return [json.dumps(gt, default=_json_default) for gt in out]


def convert(exts, no_dot=True, remove_player=False):
    """Decorator registering a converter under the function's name.

    ``exts``: extensions tried in order to find the input (e.g. ``['.mid', '.midi']``;
    with ``no_dot=False`` a dot is added where missing; they may also replace a suffix,
    e.g. ``['-GTNotes.mat']``). ``remove_player``: strip the last ``_...`` part of the
    stem. The decorated function receives the input path and the keyword arguments of
    the definition's ``install.conversion`` entry; calling it with a ground-truth path
    returns the list of ground-truth dicts (or ``None`` when the input is absent).
    """
    exts = [exts] if isinstance(exts, str) else list(exts)

    def decorator(func):
        name = func.__name__

        def engine_call(path, params_json):
            return _to_json_list(func(path, **json.loads(params_json)))

        # by name, and by "module.name" (the form ASMD 0.5.1's docs show for
        # definitions' `install.conversion`)
        for n in {name, f"{func.__module__}.{name}"}:
            _asmd.register_converter(
                n, engine_call, exts, bool(no_dot), bool(remove_player)
            )

        @functools.wraps(func)
        def call(gt_path, *args, **kwargs):
            path = _asmd.resolve_converter_input(name, str(gt_path))
            if path is None:
                return None
            out = func(path, *args, **kwargs)
            return [out] if isinstance(out, dict) else out

        return call

    return decorator


def change_ext(input_fn, new_ext, no_dot=False, remove_player=False):
    """The input file a converter derives from a ground-truth path: ``input_fn`` loses
    everything from the last ``-`` of its file name (with ``remove_player`` also from the
    last ``_`` of what is left), then ``new_ext`` is appended, with a ``.`` in front
    unless it has one or ``no_dot`` is set.

    >>> change_ext('/d/tf/song_larrieu-0.json.gz', 'mid', remove_player=True)
    '/d/tf/song.mid'
    >>> change_ext('/d/01-Ach/01-Ach-2.json.gz', '-GTNotes.mat', no_dot=True)
    '/d/01-Ach/01-Ach-GTNotes.mat'

    (ASMD 0.5.1 cut at the last ``-`` of the whole path, dropping a character of a file
    name without one; here that is an :class:`asmd.errors.AsmdArgumentError`.)
    """
    out = _asmd.change_ext(
        os.fspath(input_fn), str(new_ext), bool(no_dot), bool(remove_player)
    )
    return os.fspath(out) if isinstance(input_fn, (str, os.PathLike)) else out


_MIDI_PARAMS = [
    ("alignment", "precise_alignment"),
    ("pitches", True),
    ("velocities", True),
    ("merge", True),
    ("beats", False),
]

#: Parameters of the built-in converters after the input path, with their defaults
#: (ASMD 0.5.1's signatures).
_BUILTIN_PARAMS = {
    "from_midi": _MIDI_PARAMS,
    "from_midi_remove_player": _MIDI_PARAMS,
    "from_midi_asap": _MIDI_PARAMS,
    "from_phenicx_txt": [],
    "from_bach10_mat": [("sources", range(4))],
    "from_bach10_f0": [("sources", range(4))],
    "from_musicnet_csv": [("sr", 44100.0)],
    "from_sonic_visualizer": [("alignment", "precise_alignment")],
}


def _builtin(name):
    params = _BUILTIN_PARAMS[name]
    sig = inspect.Signature(
        [inspect.Parameter("gt_path", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [
            inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v)
            for k, v in params
        ]
    )

    def call(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        gt_path = bound.arguments.pop("gt_path")
        return _asmd.run_converter(
            name, str(gt_path), json.dumps(bound.arguments, default=_json_default)
        )

    call.__signature__ = sig
    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = (
        f"The built-in ``{name}`` converter: call it with a ground-truth path "
        "(its input is found from it) and, positionally or by keyword, the "
        "parameters of ASMD 0.5.1's signature; returns a list of ground-truth dicts, "
        "or None when the input file is absent."
    )
    return call


from_midi = _builtin("from_midi")
from_midi_remove_player = _builtin("from_midi_remove_player")
from_midi_asap = _builtin("from_midi_asap")
from_phenicx_txt = _builtin("from_phenicx_txt")
from_bach10_mat = _builtin("from_bach10_mat")
from_bach10_f0 = _builtin("from_bach10_f0")
from_musicnet_csv = _builtin("from_musicnet_csv")
from_sonic_visualizer = _builtin("from_sonic_visualizer")
