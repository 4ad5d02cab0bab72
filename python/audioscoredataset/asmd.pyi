# The same module object as asmd.asmd (see asmd.py): its public names, for type checkers.
from asmd.asmd import *  # noqa: F401,F403
