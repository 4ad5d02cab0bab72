"""Old name of :mod:`asmd.alignment_stats` (the same module object)."""

import sys

import asmd.alignment_stats

sys.modules[__name__] = asmd.alignment_stats
