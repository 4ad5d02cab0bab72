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

The building blocks of ASMD 0.5.1's interactive installer are here too, with their
signatures: the prompts :func:`chose_install_dir`, :func:`definitions_path`,
:func:`chose_dataset` and :func:`get_credentials` (reading standard input),
:func:`intro`, and :func:`download` / :func:`ftp_download`, which really download
(http, https and mega.nz through the engine, resumable and honouring ``$ASMD_MIRROR``;
FTP with :mod:`ftplib`).
"""

import json
import os
import sys
from urllib.parse import urlparse

from . import _asmd

__all__ = [
    "install",
    "plan",
    "status",
    "verify",
    "main",
    "chose_dataset",
    "definitions_path",
    "chose_install_dir",
    "get_credentials",
    "intro",
    "download",
    "ftp_download",
    "SKIP_EXISTING_DIR",
    "LINK_GROUND_TRUTH",
    "THISDIR",
    "supported_archives",
]

#: :func:`chose_dataset` leaves out datasets that are already installed (asmd's
#: completion marker, not just an existing folder: an interrupted install is resumed).
SKIP_EXISTING_DIR = True

#: The official ground-truth archive (the only copy, on mega.nz).
LINK_GROUND_TRUTH = _asmd.GROUND_TRUTH_URL

#: The folder of the asmd package.
THISDIR = os.path.dirname(os.path.realpath(__file__))

#: Archive suffixes and their :func:`shutil.unpack_archive` names (ASMD 0.5.1's table).
supported_archives = {
    ".zip": "zip",
    ".tar": "tar",
    ".tar.gz": "gztar",
    ".tar.bz": "bztar",
    ".tar.xz": "xztar",
}


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


# ---------------------------------------------------------------- ASMD 0.5.1's prompts


def _ask_dir(question):
    """Ask until the answer is an existing folder or empty."""
    while True:
        answer = input(question).strip()
        if answer == "" or os.path.isdir(answer):
            return answer
        print("Not a directory!")


def chose_install_dir(json_file):
    """Ask where to install (empty: ``json_file['install_dir']``, else ``./``; created
    if missing), strip a trailing ``/``, store it in ``json_file['install_dir']`` and
    return it."""
    default_dir = json_file.get("install_dir") or "./"
    install_dir = _ask_dir(
        "\nPath to install datasets [empty to default " + default_dir + "] "
    )
    if not install_dir:
        os.makedirs(default_dir, exist_ok=True)
        install_dir = default_dir
    if len(install_dir) > 1 and install_dir.endswith("/"):
        install_dir = install_dir[:-1]
    json_file["install_dir"] = install_dir
    return install_dir


def definitions_path():
    """Ask for definition folders, one per line, until an empty answer; an empty first
    answer means the official definitions. Returns the definitions (dicts)."""
    from .asmd import OFFICIAL, load_definitions

    question = "\nType the path to a definition dir (empty for default and continue) "
    path = _ask_dir(question)
    if path == "":
        return load_definitions(OFFICIAL)
    datasets = []
    while path != "":
        datasets += load_definitions(path)
        path = _ask_dir(question)
    return datasets


def _parse_numbers(answer, n):
    numbers = [int(x) for x in answer.replace(",", " ").split()]
    if any(k < 0 or k >= n for k in numbers):
        raise ValueError(answer)
    return numbers


def chose_dataset(data, install_dir):
    """Ask which of the definitions in ``data`` to install (numbers such as ``1, 2, 3``;
    empty: all) and remove the others from ``data``, in place. With
    :data:`SKIP_EXISTING_DIR`, datasets already installed in ``install_dir`` are removed
    too."""
    print(
        "\nPlease, insert the number relative to the datasets that you want to "
        "download (ex. 1, 2, 3, 11, 2). If corresponding directories already exist, "
        "they will be skipped. Empty to select all of them."
    )
    for i, d in enumerate(data):
        print(i, "-", d["name"])
    while True:
        answer = input("\nWhich datasets do you want? ").strip()
        if answer == "":
            chosen = set(range(len(data)))
            break
        try:
            chosen = set(_parse_numbers(answer, len(data)))
            break
        except ValueError:
            print("Wrong answer, please use only numbers in your answer.")
    keep = []
    for k, d in enumerate(data):
        installed = os.path.isfile(
            os.path.join(install_dir, d["name"], _asmd.INSTALL_MARKER)
        )
        if (installed and SKIP_EXISTING_DIR) or k not in chosen:
            print("Skipping " + d["name"] + ": already exists, or not selected!")
        else:
            keep.append(d)
    data[:] = keep


def get_credentials(data):
    """Ask a user name and a password (not echoed) for every definition in ``data`` whose
    source needs a login; returns them as ``[{'user', 'passwd'}]`` in that order."""
    from getpass import getpass

    credentials = []
    for d in data:
        if d.get("install", {}).get("login"):
            print("Login credentials for " + d["name"])
            user = input("User: ")
            password = getpass("Password: ")
            credentials.append({"user": user, "passwd": password})
    print()
    return credentials


def intro(data):
    """Print the banner and the collection's author, year and web site (``data``: the
    content of ``datasets.json``)."""
    print("Audio Score Meta Dataset")
    print("========================")
    print()
    print("Author: " + str(data.get("author", "")))
    print("Year: ", data.get("year", ""))
    print("Website: ", data.get("url", ""))


def download(item, credentials, install_dir):
    """Download the file of definition ``item`` (``item['install']['url']``) into
    ``install_dir``; returns the list of downloaded files. http, https and mega.nz links
    go through the engine (resumable, ``$ASMD_MIRROR`` first); ``ftp://`` through
    :func:`ftp_download`, with the next of ``credentials`` (a ``collections.deque``, as
    :func:`get_credentials` fills it) when the definition needs a login."""
    url = item["install"]["url"]
    if not url or url == "unknown":
        from .errors import AsmdArgumentError

        raise AsmdArgumentError(f"{item.get('name')}: no download URL is known")
    credential = None
    if item["install"].get("login"):
        credential = credentials.popleft()
    parsed = urlparse(url)
    if parsed.scheme == "ftp":
        return ftp_download(item, credential, install_dir, parsed)
    os.makedirs(install_dir, exist_ok=True)
    return [os.fspath(_asmd.fetch_url(url, os.fspath(install_dir)))]


def _plain_name(name):
    return (
        name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and not os.path.isabs(name)
    )


def ftp_download(d, credential, install_dir, parsed_url=None):
    """Download every file of the FTP folder ``d['install']['url']`` into
    ``<install_dir>/<d['name']>``, logging in with ``credential`` (``{'user',
    'passwd'}``; ``None``: anonymous). Returns the ``.zip`` files downloaded. Names that
    are not plain file names are refused; each file is written to a temporary name and
    renamed when complete."""
    from ftplib import FTP

    if parsed_url is None:
        parsed_url = urlparse(d["install"]["url"])
    dest = os.path.join(install_dir, d["name"])
    os.makedirs(dest, exist_ok=True)
    credential = credential or {"user": "anonymous", "passwd": "anonymous@"}
    downloaded = []
    with FTP() as ftp:
        ftp.connect(parsed_url.hostname, parsed_url.port or 21)
        ftp.login(user=credential["user"], passwd=credential["passwd"])
        if parsed_url.path:
            ftp.cwd(parsed_url.path)
        for name in ftp.nlst():
            name = name.rsplit("/", 1)[-1]
            if not _plain_name(name):
                from .errors import AsmdArgumentError

                raise AsmdArgumentError(
                    f"{d['install']['url']}: the server lists {name!r}, not a file name"
                )
            target = os.path.join(dest, name)
            part = target + ".part"
            try:
                with open(part, "wb") as f:
                    ftp.retrbinary("RETR " + name, f.write)
                os.replace(part, target)
            finally:
                if os.path.exists(part):
                    os.remove(part)
            if target.endswith(".zip"):
                downloaded.append(target)
    return downloaded


def main(argv=None):
    """``python -m asmd.install [flags]``: the ``asmd install`` command line."""
    argv = sys.argv[1:] if argv is None else argv
    return _asmd.run_cli(["asmd", "install", *argv])


if __name__ == "__main__":
    sys.exit(main())
