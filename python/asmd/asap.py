"""Import ASAP's scores into Maestro: ``python -m asmd.asap [-m]``.

Downloads the ASAP dataset (v1.1; from ``$ASMD_MIRROR`` first when set) and copies each
score MIDI next to its Maestro performance as ``<performance>.score.mid``, as ASMD's
Maestro definition expects. The install directory is ``$ASMD_INSTALL_DIR`` (set by
``asmd install`` for the shell lines it runs), else the one of ``datasets.json``.
Kept for definitions written for ASMD 0.5.1, whose Maestro post-process runs
``python -m asmd.asap``; asmd's own Maestro definition does this as a built-in step.

With ``-m`` / ``--modify`` it writes the Maestro definition with the ``asap`` group on
the songs ASAP annotates instead. ASMD 0.5.1 overwrote its packaged definition; asmd's
are embedded, so the file goes to ``--output`` (default ``./Maestro.json``). Load its
folder instead of the official collection: a Maestro definition that differs from the
official one cannot be loaded next to it (dataset names must be unique).

The steps are also functions with ASMD 0.5.1's names and signatures:
:func:`download_asap`, :func:`make_index`, :func:`copy_scores` and
:func:`modify_maestro_definifion` (sic).
"""

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import _asmd

__all__ = [
    "ASAP_URL",
    "import_scores",
    "download_asap",
    "make_index",
    "copy_scores",
    "modify_maestro_definifion",
    "main",
]

#: Where ASAP v1.1 is downloaded from (read at call time: reassign it to use another
#: copy; ``$ASMD_MIRROR`` is tried first, under ``asap-dataset-1.1.zip``).
ASAP_URL = "https://github.com/fosfrancesco/asap-dataset/archive/v1.1.zip"


def import_scores(install_dir=None, mirror=None):
    """Run the import; returns ``{rows, copied, missing_performances, install_dir}``."""
    if install_dir is None:
        from .asmd import Dataset

        install_dir = Dataset(empty=True).install_dir
    return _asmd.asap_import(os.fspath(install_dir), mirror)


def download_asap():
    """Download and unpack ASAP into a new temporary directory; returns the
    :class:`tempfile.TemporaryDirectory` (its ``name`` holds ``asap-dataset-1.1/``;
    deleted with the object or by its ``cleanup()``)."""
    tmp = tempfile.TemporaryDirectory()
    try:
        archive = _asmd.fetch_url(ASAP_URL, tmp.name, name="asap-dataset-1.1.zip")
        _asmd.unpack_archive(os.fspath(archive), tmp.name, "zip")
        os.remove(archive)
    except BaseException:
        tmp.cleanup()
        raise
    return tmp


def _maestro_dir(dataset):
    """``<install_dir>/<first two folders of a Maestro ground-truth path>``."""
    from .dataset_utils import filter

    gt = filter(dataset, datasets=["Maestro"], copy=True).get_gts_paths(0)[0]
    cut = gt.index("/", gt.index("/") + 1)
    return Path(dataset.install_dir) / gt[:cut]


def make_index(asap_path):
    """``[(Maestro performance path without suffix, ASAP score path)]`` for every row of
    ASAP's ``metadata.csv`` files (found anywhere under ``asap_path``) that names a
    Maestro performance, with ``{maestro}`` replaced by Maestro's folder in the install
    directory of the default ``datasets.json``."""
    from .asmd import Dataset

    maestro = _maestro_dir(Dataset())
    out = []
    for fname in sorted(Path(asap_path).glob("**/metadata.csv")):
        with open(fname, newline="") as f:
            for row in csv.DictReader(f):
                perf = row.get("maestro_midi_performance")
                if perf:
                    out.append(
                        (
                            Path(perf.replace("{maestro}", str(maestro))).with_suffix(
                                ""
                            ),
                            fname.parent / row["midi_score"],
                        )
                    )
    return out


def copy_scores(index):
    """Copy each score of ``index`` (from :func:`make_index`) to
    ``<performance>.score.mid``. Performances whose folder is not installed are skipped
    (ASMD 0.5.1 stopped there); a target outside the install directory is refused.
    Each copy is written to a temporary name and renamed. Returns the paths written."""
    from .asmd import Dataset
    from .errors import AsmdArgumentError

    root = os.path.realpath(Dataset(empty=True).install_dir)
    written = []
    for maestro, asap in index:
        target = Path(maestro).with_suffix(".score.mid")
        real = os.path.realpath(target)
        if os.path.commonpath([root, real]) != root:
            raise AsmdArgumentError(
                f"{target}: outside the install directory {root}; refusing to write it"
            )
        if not target.parent.is_dir():
            continue
        part = str(target) + ".part"
        try:
            shutil.copyfile(asap, part)
            os.replace(part, target)
        finally:
            if os.path.exists(part):
                os.remove(part)
        written.append(target)
    return written


def modify_maestro_definifion(index):
    """The official Maestro definition (a dict, without ``included`` flags) with the
    group ``asap`` added to every song whose performance is in ``index`` (from
    :func:`make_index`). The misspelt name is ASMD 0.5.1's. (Songs already in the group
    are left alone: asmd's Maestro definition carries it already.)"""
    from .asmd import Dataset

    dataset = Dataset()
    definition = next(d for d in dataset.datasets if d["name"] == "Maestro")
    wanted = {str(e[0]) for e in index}
    install_dir = Path(dataset.install_dir)
    for song in definition["songs"]:
        path = str((install_dir / song["recording"]["path"][0]).with_suffix(""))
        if path in wanted and "asap" not in song["groups"]:
            song["groups"].append("asap")
        song.pop("included", None)
    definition.pop("included", None)
    return definition


def main(argv=None):
    """``python -m asmd.asap [-m] [-o FILE]``."""
    ap = argparse.ArgumentParser(
        prog="python -m asmd.asap",
        description="Copy ASAP's scores next to the Maestro performances, or (-m) write "
        "the Maestro definition with the `asap` group.",
    )
    ap.add_argument(
        "-m",
        "--modify",
        action="store_true",
        help="write the Maestro definition with the `asap` group instead of copying",
    )
    ap.add_argument(
        "-o",
        "--output",
        default="Maestro.json",
        help="where -m writes the definition (default: ./Maestro.json)",
    )
    args = ap.parse_args(argv)
    if args.modify:
        asap_dir = download_asap()
        try:
            definition = modify_maestro_definifion(make_index(asap_dir.name))
        finally:
            asap_dir.cleanup()
        part = args.output + ".part"
        with open(part, "w") as f:
            json.dump(definition, f, indent=4)
        os.replace(part, args.output)
        n = sum("asap" in s["groups"] for s in definition["songs"])
        print(
            f"ASAP: Maestro definition with {n} songs in group `asap` -> {args.output}"
        )
        return 0
    report = import_scores()
    missing = report["missing_performances"]
    print(
        f"ASAP: {report['copied']} scores copied into {report['install_dir']} "
        f"({report['rows']} rows, {len(missing)} performances not installed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
