"""Build the archive seeds of fuzz/seeds/unpack_* from small fixture files.

Run from the repository root: python3 fuzz/seeds/make_archive_seeds.py
Each archive holds a folder, two real annotation files, an internal relative symlink
(and, in tar, a hard link), as the dataset archives asmd installs do.
"""
import bz2, gzip, io, lzma, os, tarfile, zipfile

FX = "crates/asmd/tests/fixtures/convert/"
FILES = [
    ("ds/notes/flute.txt", FX + "PHENICX/install/PHENICX/PHENICX-Anechoic/annotations/beethoven/flute.txt"),
    ("ds/midi/score.mid", FX + "samples/bach10_score.mid"),
]
OUT = "fuzz/seeds/"
MTIME = 1_600_000_000


def tar_bytes(fmt):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for d in ["ds/", "ds/notes/", "ds/midi/"]:
            i = tarfile.TarInfo(d.rstrip("/"))
            i.type, i.mode, i.mtime = tarfile.DIRTYPE, 0o755, MTIME
            t.addfile(i)
        for name, src in FILES:
            data = open(src, "rb").read()
            i = tarfile.TarInfo(name)
            i.size, i.mode, i.mtime = len(data), 0o644, MTIME
            t.addfile(i, io.BytesIO(data))
        i = tarfile.TarInfo("ds/latest.txt")
        i.type, i.linkname, i.mtime = tarfile.SYMTYPE, "notes/flute.txt", MTIME
        t.addfile(i)
        i = tarfile.TarInfo("ds/copy.mid")
        i.type, i.linkname, i.mtime = tarfile.LNKTYPE, "ds/midi/score.mid", MTIME
        t.addfile(i)
    return buf.getvalue()


def zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("ds/", date_time=(2020, 9, 13, 12, 26, 40)), b"")
        for k, (name, src) in enumerate(FILES):
            info = zipfile.ZipInfo(name, date_time=(2020, 9, 13, 12, 26, 40))
            info.compress_type = zipfile.ZIP_DEFLATED if k == 0 else zipfile.ZIP_STORED
            info.external_attr = 0o100644 << 16
            z.writestr(info, open(src, "rb").read())
        link = zipfile.ZipInfo("ds/latest.txt", date_time=(2020, 9, 13, 12, 26, 40))
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        z.writestr(link, b"notes/flute.txt")
    return buf.getvalue()


def write(target, name, data):
    os.makedirs(OUT + target, exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


ustar, gnu, pax = (tar_bytes(f) for f in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT))
write("unpack_zip", "dataset.zip", zip_bytes())
write("unpack_tar", "ustar.tar", ustar)
write("unpack_tar", "gnu.tar", gnu)
write("unpack_tar", "pax.tar", pax)
write("unpack_tar_gz", "dataset.tar.gz", gzip.compress(ustar, mtime=0))
write("unpack_tar_bz2", "dataset.tar.bz2", bz2.compress(ustar))
write("unpack_tar_xz", "dataset.tar.xz", lzma.compress(ustar, format=lzma.FORMAT_XZ))
