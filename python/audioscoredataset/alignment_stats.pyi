# The same module object as asmd.alignment_stats (see alignment_stats.py): its public names, for type checkers.
from asmd.alignment_stats import *  # noqa: F401,F403
