"""The ``asmd`` command line, installed with the Python package (console script ``asmd``).

>>> from asmd import cli
>>> cli.run(["--version"]) == 0
True
"""

from __future__ import annotations

import sys
from typing import Iterable

from . import _asmd


def run(args: Iterable[object]) -> int:
    """Run ``asmd ARGS...``; returns the exit code."""
    return _asmd.run_cli(["asmd", *[str(a) for a in args]])


def main() -> None:
    """Entry point of the ``asmd`` console script."""
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
