# The same module object as asmd.convert_from_file (see convert_from_file.py): its public names, for type checkers.
from asmd.convert_from_file import *  # noqa: F401,F403
