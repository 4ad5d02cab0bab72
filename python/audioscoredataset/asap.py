"""Old name of :mod:`asmd.asap` (the same module object)."""

import sys

import asmd.asap

sys.modules[__name__] = asmd.asap
