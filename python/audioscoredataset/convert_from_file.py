"""Old name of :mod:`asmd.convert_from_file` (the same module object)."""

import sys

import asmd.convert_from_file

sys.modules[__name__] = asmd.convert_from_file
