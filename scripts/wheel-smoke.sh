#!/usr/bin/env bash
# Build the manylinux2014 (glibc 2.17) wheel with zig and smoke-test it: install it into a
# fresh virtual environment with no Rust toolchain on PATH, then run `asmd list`,
# `python -m asmd --version` and an import. Slow (a release build for another target):
# not part of scripts/test.sh. Usage: ./scripts/wheel-smoke.sh [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
OUT="${1:-$ROOT/target/wheels-manylinux2014}"

echo "== build tools: maturin, ziglang" >&2
.venv/bin/python -m pip install -q "maturin>=1.7,<2" ziglang

echo "== building the manylinux2014 wheel (maturin build --zig)" >&2
rm -rf "$OUT"
# maturin finds zig through `python -m ziglang` of the Python on PATH: the venv's
PATH="$ROOT/.venv/bin:$PATH" .venv/bin/maturin build --release --zig --compatibility manylinux2014 \
  --interpreter "$ROOT/.venv/bin/python" --out "$OUT" >&2
WHEEL="$(ls "$OUT"/asmd-*.whl)"
echo "wheel: $WHEEL" >&2
case "$(basename "$WHEEL")" in
  *manylinux2014_x86_64*|*manylinux_2_17_x86_64*) ;;
  *) echo "error: the wheel is not tagged manylinux2014: $WHEEL" >&2; exit 1 ;;
esac
# the shared library asks for nothing newer than glibc 2.17
SO="$(mktemp -d)"
.venv/bin/python - "$WHEEL" "$SO" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
text = z.read(meta).decode()
urls = [l for l in text.splitlines() if l.startswith("Project-URL:")]
assert urls, "no Project-URL in the wheel metadata"
print("\n".join(urls), file=sys.stderr)
lib = next(n for n in z.namelist() if n.startswith("asmd/_asmd") and n.endswith(".so"))
z.extract(lib, sys.argv[2])
PY
if command -v objdump >/dev/null 2>&1; then
  newest="$(objdump -T "$SO"/asmd/_asmd*.so | grep -o 'GLIBC_[0-9.]*' | sort -t. -k2 -n -u | tail -1)"
  echo "newest glibc symbol version: $newest" >&2
  minor="${newest##*.}"
  if [ "${newest%.*}" != "GLIBC_2" ] || [ "$minor" -gt 17 ]; then
    echo "error: the library needs $newest (> GLIBC_2.17)" >&2; exit 1
  fi
fi
rm -rf "$SO"

echo "== installing into a fresh venv without cargo/rustc on PATH" >&2
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
VENV="$SCRATCH/venv"
PY="${PYTHON:-python3}"
"$PY" -m venv "$VENV"
CLEAN_PATH="$VENV/bin:/usr/local/bin:/usr/bin:/bin"
export HOME_SMOKE="$SCRATCH/home"
mkdir -p "$HOME_SMOKE"
run() { env -i PATH="$CLEAN_PATH" HOME="$HOME_SMOKE" LANG=C.UTF-8 "$@"; }
if run sh -c 'command -v cargo || command -v rustc'; then
  echo "error: a Rust toolchain is still on PATH" >&2; exit 1
fi
run "$VENV/bin/python" -m pip install -q "$WHEEL"
run "$VENV/bin/asmd" list
run "$VENV/bin/python" -m asmd --version
run "$VENV/bin/python" -c "from asmd import asmd; d = asmd.Dataset(); print(len(d), 'songs'); print(d.license('Maestro')['Maestro']['license_label'])"
echo "== wheel smoke test passed: $WHEEL" >&2
