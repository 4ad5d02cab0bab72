"""Import ASAP's scores into Maestro: ``python -m asmd.asap``.

Downloads the ASAP dataset (v1.1; from ``$ASMD_MIRROR`` first when set) and copies each
score MIDI next to its Maestro performance as ``<performance>.score.mid``, as ASMD's
Maestro definition expects. The install directory is ``$ASMD_INSTALL_DIR`` (set by
``asmd install`` for the shell lines it runs), else the one of ``datasets.json``.
Kept for definitions written for ASMD 0.5.1, whose Maestro post-process runs
``python -m asmd.asap``; asmd's own Maestro definition does this as a built-in step.
"""

import os
import sys

from . import _asmd

__all__ = ["import_scores", "main"]


def import_scores(install_dir=None, mirror=None):
    """Run the import; returns ``{rows, copied, missing_performances, install_dir}``."""
    if install_dir is None:
        from .asmd import Dataset

        install_dir = Dataset(empty=True).install_dir
    return _asmd.asap_import(os.fspath(install_dir), mirror)


def main():
    report = import_scores()
    missing = report["missing_performances"]
    print(
        f"ASAP: {report['copied']} scores copied into {report['install_dir']} "
        f"({report['rows']} rows, {len(missing)} performances not installed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
