"""Old name of :mod:`asmd.utils` (the same module object)."""

import sys

import asmd.utils

sys.modules[__name__] = asmd.utils
