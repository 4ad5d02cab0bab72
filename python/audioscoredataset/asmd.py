"""Old name of :mod:`asmd.asmd` (the same module object)."""

import sys

import asmd.asmd

sys.modules[__name__] = asmd.asmd
