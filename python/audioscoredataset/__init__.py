"""``audioscoredataset``: the name ASMD had when the paper was written (SMC 2020,
Listings 1, 3 and 4: ``import audioscoredataset as asd``), kept so that code written
then runs unchanged. Deprecated: use :mod:`asmd.asmd` (``from asmd import asmd``).

The objects are asmd's own, not copies: ``audioscoredataset.Dataset is
asmd.asmd.Dataset``, and ``audioscoredataset.convert_from_file`` (like every other
submodule) *is* :mod:`asmd.convert_from_file`.
"""

import warnings

from asmd.asmd import *  # noqa: F401,F403
from asmd.asmd import Dataset, load_definitions  # noqa: F401

warnings.warn(
    "`audioscoredataset` is the old name of asmd: use `from asmd import asmd` "
    "(`asmd.asmd.Dataset`)",
    DeprecationWarning,
    stacklevel=2,
)
