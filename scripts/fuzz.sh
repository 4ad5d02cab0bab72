#!/usr/bin/env bash
# Run asmd's coverage-guided fuzz targets (libFuzzer through cargo-fuzz), one after
# the other, and print one summary line per target.
#
#   scripts/fuzz.sh                  every target, 600 s each
#   scripts/fuzz.sh all 120          every target, 120 s each
#   scripts/fuzz.sh midi 60          one target
#   scripts/fuzz.sh list             the targets
#
# Works with the stable toolchain: cargo-fuzz needs nightly-only compiler flags
# (sanitizers, coverage instrumentation), which RUSTC_BOOTSTRAP=1 unlocks. Builds go to
# fuzz/target; the growing corpus to fuzz/corpus/<target> (started from the committed
# fuzz/seeds/<target> and the inputs that once crashed the target, in
# crates/asmd/tests/fixtures/regressions/<target> and fuzz/regressions/<target>);
# crashes, OOMs and timeouts to fuzz/artifacts/<target>/, with the run's log as
# fuzz/artifacts/<target>/fuzz.log. None of these is committed.
#
# A run keeps going after a finding (libFuzzer's fork mode with -ignore_crashes), so
# that one run reports every crash it can find. Settings from the environment:
#   FUZZ_JOBS=1             parallel fuzzing processes per target (fork mode's -fork)
#   FUZZ_RSS_MB=2048        memory limit per process (the targets' own allocator also
#                           refuses any allocation above 256 MiB)
#   FUZZ_TIMEOUT=10         seconds one input may take before it counts as a hang
#   FUZZ_SANITIZER=address  or none (faster, finds only panics, aborts and bounds)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

target="${1:-all}"
seconds="${2:-600}"
jobs="${FUZZ_JOBS:-1}"
rss="${FUZZ_RSS_MB:-2048}"
timeout="${FUZZ_TIMEOUT:-10}"
sanitizer="${FUZZ_SANITIZER:-address}"

targets() { sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^asmd-fuzz$'; }

if [[ "$target" == list ]]; then
    targets
    exit 0
fi
if [[ "$target" == all ]]; then
    mapfile -t selected < <(targets)
elif targets | grep -qx "$target"; then
    selected=("$target")
else
    echo "unknown target '$target'; one of: all $(targets | tr '\n' ' ')" >&2
    exit 2
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1
flags=(--release --debug-assertions --sanitizer "$sanitizer")
echo "== building ${#selected[@]} target(s)" >&2
if [[ "$target" == all ]]; then
    cargo fuzz build "${flags[@]}"
else
    cargo fuzz build "${flags[@]}" "$target"
fi

triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="fuzz/target/$triple/release"
# scratch files (targets whose API reads paths) on tmpfs where there is one
if [[ -d /dev/shm && -w /dev/shm ]]; then
    scratch="$(mktemp -d -p /dev/shm)"
else
    scratch="$(mktemp -d)"
fi
trap 'rm -rf "$scratch"' EXIT
export ASMD_FUZZ_TMP="$scratch"

summary=()
status=0
for t in "${selected[@]}"; do
    corpus="fuzz/corpus/$t"
    artifacts="fuzz/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    log="$artifacts/fuzz.log"
    before=$(find "$artifacts" -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' | wc -l)
    # the corpus grows in $corpus; seeds and past findings are read as extra corpora
    extra=("fuzz/seeds/$t")
    for d in "crates/asmd/tests/fixtures/regressions/$t" "fuzz/regressions/$t"; do
        [[ -d "$d" ]] && extra+=("$d")
    done
    echo "== $t: ${seconds}s" >&2
    "$bin_dir/$t" -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout="$timeout" \
        -fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 \
        "$corpus" "${extra[@]}" >"$log" 2>&1 || true
    after=$(find "$artifacts" -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' | wc -l)
    # fork mode's progress lines: "#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: a/b/c time: T"
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
    execs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    found=$(sed -n 's/.* oom\/timeout\/crash: \([0-9/]*\).*/\1/p' <<<"$last")
    files=$(find "$corpus" -type f | wc -l)
    line=$(printf '%-20s execs %-10s cov %-6s ft %-7s corpus %-6s(%s files)  oom/timeout/crash %-8s new artifacts %s' \
        "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$files" "${found:-?}" "$((after - before))")
    echo "$line" >&2
    summary+=("$line")
    if [[ -z "$last" ]]; then
        echo "   no progress line: see $log" >&2
        status=1
    fi
    if ((after > before)); then
        status=1
    fi
done

echo "== summary (logs and findings in fuzz/artifacts/<target>/)"
printf '%s\n' "${summary[@]}"
exit "$status"
