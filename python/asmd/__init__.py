"""asmd — Audio-Score Meta-Dataset.

Get music datasets (audio, scores, alignments) onto disk, converted to one ground-truth
format, and pick songs across them by attributes with set operations.

>>> from asmd import asmd
>>> d = asmd.Dataset()            # the official collection, embedded
>>> len(d)
1792
>>> d.filter(datasets=['Bach10']) is d
True
>>> len(d)
10

Modules: :mod:`asmd.asmd` (``Dataset``), :mod:`asmd.dataset_utils` (filter, set
operations, splits, score matrices), :mod:`asmd.utils` (frames, pitches, MIDI),
:mod:`asmd.errors`.
"""

import os as _os
import sys as _sys

from . import _asmd
from ._asmd import __version__

# The installer runs definitions' legacy shell lines; a line calling `python -m asmd...`
# must run with this interpreter (which has asmd), not the first `python` on PATH.
if _sys.executable:
    _os.environ["ASMD_PYTHON"] = _sys.executable

# rayon's thread pool does not survive fork(): children (e.g. DataLoader workers) run
# the engine sequentially.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_asmd._after_fork_in_child)

__all__ = ["__version__"]
