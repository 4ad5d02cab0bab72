# The same module object as asmd.dataset_utils (see dataset_utils.py): its public names, for type checkers.
from asmd.dataset_utils import *  # noqa: F401,F403
