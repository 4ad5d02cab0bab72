"""``python -m asmd.generate_ground_truth``: ASMD 0.5.1's script to rebuild the ground
truth of the installed official datasets, with its flags.

- ``-n`` / ``--normal``: convert without artificial misalignment;
- ``-m`` / ``--misalign``: convert with artificial misalignment from the trained model
  (trained first, as with ``-t``, if there is none yet);
- ``-t`` / ``--train``: train the misalignment model (histogram method, as ASMD 0.5.1)
  on the installed songs that have both a score and an alignment (vienna_corpus, Bach10,
  traditional_flute, MusicNet and Maestro's ``asap`` group) and save it to
  :data:`FILE_STATS`;
- ``-w`` / ``--whitelist NAME...``, ``-b`` / ``--blacklist NAME...``: datasets to convert
  (or not; the blacklist wins). Training always uses all of them.

Both conversions also pack the files into ``ground_truth.tar.gz`` in the current folder.
The install directory is the one of the default ``datasets.json`` (``$ASMD_METADATASET``,
``$ASMD_HOME/datasets.json``, ``~/.config/asmd/datasets.json``). The same work from the
command line: ``asmd convert [--archive FILE] [--no-misalignment]``, ``asmd stats train``.
"""

import argparse
import os
import sys

from . import _asmd

__all__ = ["THISDIR", "FILE_STATS", "argparser", "main"]

#: The folder of the asmd package.
THISDIR = os.path.dirname(os.path.realpath(__file__))

#: Where ``-t`` saves the trained model and ``-m`` looks for it (ASMD 0.5.1 kept a pickle
#: in its package folder): ``$ASMD_HOME/misalignment_model.json`` if ``$ASMD_HOME`` is
#: set, else the user's asmd data folder.
FILE_STATS = os.path.join(
    os.environ.get("ASMD_HOME") or _asmd.USER_DATA_DIR or ".",
    "misalignment_model.json",
)

argparser = argparse.ArgumentParser(
    prog="python -m asmd.generate_ground_truth",
    description="Generate ASMD ground-truth from other sources",
)
argparser.add_argument(
    "-m",
    "--misalign",
    action="store_true",
    help="Generate ground-truth artificial misalignment using a trained model; train "
    "it if not available",
)
argparser.add_argument(
    "-n",
    "--normal",
    action="store_true",
    help="Generate ground-truth w/o artificial misalignment",
)
argparser.add_argument(
    "-t",
    "--train",
    action="store_true",
    help="Collect alignment stats on the already generated ground-truth",
)
argparser.add_argument(
    "-w",
    "--whitelist",
    nargs="*",
    help="List of datasets that will not be excluded from the generation (not from "
    "the training) (default: all)",
)
argparser.add_argument(
    "-b",
    "--blacklist",
    nargs="*",
    help="List of datasets that will be excluded from the generation, not from the "
    "training (default: empty). Overwrites `--whitelist`",
)


def _training_set():
    """ASMD 0.5.1's training songs: every song of vienna_corpus, Bach10,
    traditional_flute and MusicNet, and Maestro's ``asap`` group -- those installed."""
    from .asmd import Dataset
    from .dataset_utils import filter, union

    d = Dataset()
    d = union(
        filter(
            d,
            datasets=["vienna_corpus", "Bach10", "traditional_flute", "MusicNet"],
            copy=True,
        ),
        filter(d, datasets=["Maestro"], groups=["asap"], copy=True),
    )
    # only what is installed, with its ground truth
    root = d.install_dir
    d.paths = [
        p for p in d.paths if all(os.path.isfile(os.path.join(root, g)) for g in p[2])
    ]
    if len(d) == 0:
        from .errors import AsmdArgumentError

        raise AsmdArgumentError(
            f"no song to train on in {root}: install vienna_corpus, Bach10, "
            "traditional_flute, MusicNet or Maestro (its `asap` group) with their "
            "ground truth first"
        )
    d._sync()
    return d


def _train(path):
    from .alignment_stats import HistStats

    stats = HistStats()
    stats.fill_stats(_training_set())
    stats.train_on_filled_stats()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    stats.save(path)
    print(f"misalignment model trained on {len(stats.matched)} songs -> {path}")
    return stats


def _convert(stats, whitelist, blacklist):
    from .conversion_tool import create_gt

    summary = create_gt(
        None,
        gztar=True,
        alignment_stats=stats,
        whitelist=whitelist or [],
        blacklist=blacklist or [],
        force=True,  # as 0.5.1: every file is written again
    )
    print(
        f"{summary['converted']} songs converted, {summary['skipped']} skipped, "
        f"{summary['failed']} failed; archive: {summary['archive']}"
    )
    return 0 if summary["ok"] else 1


def main(argv=None):
    """Run the script with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    args = argparser.parse_args(argv)
    code = 0
    if args.train:
        if os.path.exists(FILE_STATS):
            os.remove(FILE_STATS)
        _train(FILE_STATS)
    if args.normal:
        code = max(code, _convert(None, args.whitelist, args.blacklist))
    if args.misalign:
        from .alignment_stats import HistStats

        if os.path.exists(FILE_STATS):
            stats = HistStats.load(FILE_STATS)
        else:
            stats = _train(FILE_STATS)
        code = max(code, _convert(stats, args.whitelist, args.blacklist))
    return code


if __name__ == "__main__":
    sys.exit(main())
