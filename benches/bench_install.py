"""Python side of benches/install.rs: what ASMD 0.5.1's installer does to unpack
(shutil.unpack_archive) and what a Python checksum costs (hashlib md5 + sha256), on the
same kind of archives (24 files x 2 MB, deflate / tar.gz level 6).

    python benches/bench_install.py
"""

import hashlib
import io
import math
import os
import shutil
import tarfile
import tempfile
import time
import zipfile

FILES, SIZE = 24, 2_000_000


def content(i):
    x = (12345 + i) & 0xFFFFFFFF
    out = bytearray(SIZE)
    for k in range(SIZE):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[k] = (int(math.sin(k * 0.01) * 100.0) + (x % 16)) & 0xFF
    return bytes(out)


def best(f, n=5):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main():
    d = tempfile.mkdtemp()
    zp, tp = os.path.join(d, "bench.zip"), os.path.join(d, "bench.tar.gz")
    with (
        zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z,
        tarfile.open(tp, "w:gz") as t,
    ):
        for i in range(FILES):
            c = content(i)
            name = "data/song%02d.wav" % i
            z.writestr(name, c)
            info = tarfile.TarInfo(name)
            info.size = len(c)
            t.addfile(info, io.BytesIO(c))
    mb = FILES * SIZE / 1e6
    for name, path, fmt in [("zip", zp, "zip"), ("tar.gz", tp, "gztar")]:
        out = os.path.join(d, "out")

        def run():
            shutil.unpack_archive(path, out, fmt)
            shutil.rmtree(out)

        s = best(run)
        print("unpack %-7s %.3f s  %.0f MB/s" % (name, s, mb / s))

    for algo in ("sha256", "md5"):

        def digest():
            h = hashlib.new(algo)
            with open(zp, "rb") as f:
                for b in iter(lambda: f.read(1 << 18), b""):
                    h.update(b)

        s = best(digest)
        print(
            "%s of the zip %.3f s  %.0f MB/s" % (algo, s, os.path.getsize(zp) / 1e6 / s)
        )
    shutil.rmtree(d)


if __name__ == "__main__":
    main()
