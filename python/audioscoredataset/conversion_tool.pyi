# The same module object as asmd.conversion_tool (see conversion_tool.py): its public names, for type checkers.
from asmd.conversion_tool import *  # noqa: F401,F403
