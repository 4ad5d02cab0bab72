# The same module object as asmd.install (see install.py): its public names, for type checkers.
from asmd.install import *  # noqa: F401,F403
