#!/usr/bin/env bash
# Set up and run every test, Rust and Python, from a clean clone (used by .ci/run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"

echo "== installing the Python test dependencies into .venv" >&2
.venv/bin/python -m pip install -q -r python/requirements-test.txt

echo "== formatting and lints" >&2
cargo fmt --all -- --check
.venv/bin/ruff format --check python benches
.venv/bin/ruff check -q --select E9,F python benches
cargo clippy -q --workspace --all-targets -- -D warnings
# the engine without the installer has no network code, and builds
cargo clippy -q -p asmd --no-default-features --lib -- -D warnings
if cargo tree -q -p asmd --no-default-features -e normal | grep -qE '^[^a-z]*(ureq|rustls) '; then
    echo "asmd without default features depends on network crates" >&2
    exit 1
fi

echo "== Rust tests" >&2
# the on-disk cache of parsed ground truth: a folder of the build, not the user's ~/.cache
export ASMD_CACHE_DIR="$ROOT/target/test-cache"
rm -rf "$ASMD_CACHE_DIR"
cargo test -q --workspace --exclude asmd-py

echo "== building the Python package" >&2
.venv/bin/maturin develop -q --profile dev >/dev/null

echo "== type checks: the stubs against the built module, the package, a typed client" >&2
.venv/bin/python -m mypy.stubtest asmd._asmd --allowlist python/tests/typing/stubtest-allowlist.txt
.venv/bin/python -m mypy

echo "== Python tests" >&2
.venv/bin/python -m pytest -q python/tests
.venv/bin/python -m pytest -q --doctest-modules python/asmd -p no:warnings
.venv/bin/python -m pytest -q --doctest-glob='*.md' docs/performance.md -p no:warnings
echo "== all tests passed" >&2
