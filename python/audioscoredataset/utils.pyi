# The same module object as asmd.utils (see utils.py): its public names, for type checkers.
from asmd.utils import *  # noqa: F401,F403
