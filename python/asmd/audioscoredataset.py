"""Old name of :mod:`asmd.asmd`, kept so that code written for ASMD <= 0.5 still imports.

>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     from asmd import audioscoredataset as asd
>>> asd.Dataset is __import__("asmd.asmd", fromlist=["Dataset"]).Dataset
True
"""

import warnings

from .asmd import *  # noqa: F401,F403
from .asmd import Dataset  # noqa: F401

warnings.warn(
    "`asmd.audioscoredataset` is deprecated: use `asmd.asmd`",
    DeprecationWarning,
    stacklevel=2,
)
