"""Old name of :mod:`asmd.conversion_tool` (the same module object)."""

import sys

import asmd.conversion_tool

sys.modules[__name__] = asmd.conversion_tool
