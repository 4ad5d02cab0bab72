"""Install datasets: ``python -m asmd.install [flags]`` takes the flags of ``asmd install``.

From Python, :func:`install`, :func:`plan`, :func:`status` and :func:`verify` return the
JSON results as dicts::

    from asmd import install
    p = install.plan(["Bach10"])                 # sizes, disk, time; nothing downloaded
    r = install.install(["Bach10", "PHENICX"], mirror="/mnt/lab/asmd")
    assert r["ok"], r
    install.status()["datasets"][0]["state"]     # 'installed', 'partial' or 'absent'

A dataset counts as installed only when its completion marker (written last) exists;
running the same install again resumes an interrupted one. Definitions' shell lines run
only with ``allow_shell=True``; a line calling ``python -m asmd...`` runs with this
interpreter (``import asmd`` sets ``$ASMD_PYTHON`` to it), and ASMD 0.5.1's
``python -m asmd.asap`` line is the built-in ASAP step. Errors raise
:class:`asmd.errors.AsmdError`.
"""

import json
import os
import sys

from . import _asmd

__all__ = ["install", "plan", "status", "verify", "main"]


def _common(definitions, metadataset_path, install_dir):
    args = []
    for d in definitions or []:
        args += ["--definitions", os.fspath(d)]
    if metadataset_path is not None:
        args += ["--metadataset", os.fspath(metadataset_path)]
    if install_dir is not None:
        args += ["--install-dir", os.fspath(install_dir)]
    return args


def _run(argv):
    code, text = _asmd.run_cli_json(["asmd", *argv])
    out = json.loads(text)
    if isinstance(out, dict):
        out.setdefault("exit_code", code)
    return out


def install(
    datasets=None,
    install_dir=None,
    definitions=None,
    metadataset_path=None,
    ground_truth="archive",
    gt_url=None,
    allow_shell=False,
    asmd_dir=None,
    mirror=None,
    work_dir=None,
    force=False,
    keep_downloads=False,
    allow_missing=False,
    jobs=3,
    retries=5,
    timeout=60,
    connect_timeout=30,
    quiet=False,
    dry_run=False,
):
    """Install ``datasets`` (default: all) and return the report as a dict: ``ok`` and,
    per dataset, ``outcome`` (``installed``, ``already installed``, ``adopted`` or
    ``failed``), ``error``, ``received_bytes`` and ``ground_truth``.

    ``ground_truth``: ``'archive'`` (the ASMD archive, only the chosen datasets' files),
    ``'convert'`` (rebuild from the original annotations) or ``'none'``. ``mirror``: a
    URL or folder with the same archive names. ``dry_run=True`` returns the plan.
    """
    argv = ["install", *(datasets or [])]
    argv += _common(definitions, metadataset_path, install_dir)
    argv += [
        "--ground-truth",
        ground_truth,
        "--jobs",
        str(jobs),
        "--retries",
        str(retries),
        "--timeout",
        str(timeout),
        "--connect-timeout",
        str(connect_timeout),
    ]
    for flag, value in (
        ("--gt-url", gt_url),
        ("--asmd-dir", asmd_dir),
        ("--mirror", mirror),
        ("--work-dir", work_dir),
    ):
        if value is not None:
            argv += [flag, os.fspath(value)]
    for flag, on in (
        ("--allow-shell", allow_shell),
        ("--force", force),
        ("--keep-downloads", keep_downloads),
        ("--allow-missing", allow_missing),
        ("--quiet", quiet),
        ("--dry-run", dry_run),
    ):
        if on:
            argv.append(flag)
    return _run(argv)


def plan(datasets=None, **kwargs):
    """The install plan (download size, disk needed, free space, estimated time,
    problems) as a dict; nothing is downloaded."""
    kwargs["dry_run"] = True
    return install(datasets, **kwargs)


def status(install_dir=None, definitions=None, metadataset_path=None, work_dir=None):
    """Per dataset: ``state`` (installed / partial / absent), size on disk, ground truth."""
    argv = ["status", *_common(definitions, metadataset_path, install_dir)]
    if work_dir is not None:
        argv += ["--work-dir", os.fspath(work_dir)]
    return _run(argv)


def verify(
    datasets=None,
    checksums=False,
    install_dir=None,
    definitions=None,
    metadataset_path=None,
):
    """Check installed datasets: listed files exist, sizes (and CRC-32s) match."""
    argv = ["verify", *_common(definitions, metadataset_path, install_dir)]
    for d in datasets or []:
        argv += ["--dataset", d]
    if checksums:
        argv.append("--checksums")
    return _run(argv)


def main(argv=None):
    """``python -m asmd.install [flags]``: the ``asmd install`` command line."""
    argv = sys.argv[1:] if argv is None else argv
    return _asmd.run_cli(["asmd", "install", *argv])


if __name__ == "__main__":
    sys.exit(main())
