#!/usr/bin/env bash
# The main job on the embedded default collection, from a clean clone, no arguments:
# build the `asmd` CLI and the Python package, then list the official collection, query
# it, and run the paper's Listing 1 selection from Python.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"

echo "== building the asmd command line tool" >&2
cargo build --release -q -p asmd-cli
ASMD="$ROOT/target/release/asmd"

echo "== building the asmd Python package into .venv" >&2
.venv/bin/python -m pip install -q "maturin>=1.7,<2" numpy joblib
.venv/bin/maturin develop -q --release >/dev/null

echo; echo "== asmd list"
"$ASMD" list
echo; echo "== asmd query --instruments piano --ensemble false --composer Mozart --ground-truth precise_alignment --count"
"$ASMD" query --instruments piano --ensemble false --composer Mozart --ground-truth precise_alignment --count
echo; echo "== asmd query --ground-truth f0=2 --union \"--datasets PHENICX\""
"$ASMD" query --ground-truth f0=2 --union "--datasets PHENICX"
echo; echo "== Python: the paper's Listing 1 selection"
.venv/bin/python - <<'PY'
from asmd import asmd, dataset_utils

d = asmd.Dataset()
d.filter(instruments=['piano'], ensemble=False, composer='Mozart',
         ground_truth=['precise_alignment'])
print(f"{len(d)} songs; chunks: {d._chunks}")
for song in d.get_songs()[:5]:
    print(f"  {song['dataset']:<14} {song['title']}")
train, test = dataset_utils.choice(d, p=[0.8, 0.2], random_state=0)
print(f"seeded 80/20 split: {len(train)} train, {len(test)} test songs")
print("first item's files (relative to", d.install_dir + "):", d.paths[0])
PY
