"""The ``asmd`` command line, installed with the Python package (console script ``asmd``).

>>> from asmd import cli
>>> cli.run(["--version"]) == 0
True
"""

import sys

from . import _asmd


def run(args):
    """Run ``asmd ARGS...``; returns the exit code."""
    return _asmd.run_cli(["asmd", *[str(a) for a in args]])


def main():
    """Entry point of the ``asmd`` console script."""
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
