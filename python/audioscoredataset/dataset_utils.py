"""Old name of :mod:`asmd.dataset_utils` (the same module object)."""

import sys

import asmd.dataset_utils

sys.modules[__name__] = asmd.dataset_utils
