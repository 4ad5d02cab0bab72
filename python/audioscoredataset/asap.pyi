# The same module object as asmd.asap (see asap.py): its public names, for type checkers.
from asmd.asap import *  # noqa: F401,F403
