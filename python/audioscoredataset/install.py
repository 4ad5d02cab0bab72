"""Old name of :mod:`asmd.install` (the same module object)."""

import sys

import asmd.install

sys.modules[__name__] = asmd.install
