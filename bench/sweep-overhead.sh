#!/usr/bin/env bash
# Per-point overhead of wfl-sweep: N one-round, one-step softmax points (a
# seed sweep), so nearly all of a point's time is process start-up, data
# loading, the trace and the sweep's own bookkeeping. Prints seconds per
# point, wall and CPU (user + sys of the sweep and its children).
#
#   bench/sweep-overhead.sh [POINTS_SYNTHETIC] [POINTS_FASHION]    (default 1000 100)
#
# The Fashion-MNIST points use the decoded-dataset cache (dataset-cache.h) in
# a private directory, warmed by one run first ("the dataset was used before").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sweep="$root/build/wfl-sweep"
run="$root/build/wfl-run"
n_syn="${1:-1000}"
n_fm="${2:-100}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export WFL_CACHE_DIR="$tmp/cache"
common=(--set coding.scheme=ideal --set learner.model=softmax --set run.rounds=1
        --set learner.local-steps=1 -j "$(nproc)")

measure() { # label points args...
  local label="$1" points="$2"; shift 2
  local t0 t1 c0 c1
  c0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  t0=$(date +%s.%N)
  "$sweep" --seeds "$points" --out "$tmp/$label" "${common[@]}" "$@" >/dev/null 2>"$tmp/$label.err" ||
    { cat "$tmp/$label.err" >&2; exit 1; }
  t1=$(date +%s.%N)
  c1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  local hz; hz=$(getconf CLK_TCK)
  printf "%-34s %6d points %9.3f s wall %8.2f ms/point wall %8.2f ms/point CPU\n" "$label" "$points" \
    "$(echo "$t1 - $t0" | bc -l)" "$(echo "($t1 - $t0) * 1000 / $points" | bc -l)" \
    "$(echo "($c1 - $c0) * 1000 / $hz / $points" | bc -l)"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "synthetic, 1 round 1 step" "$n_syn" --set data.dataset=synthetic
"$run" --coding.scheme ideal --learner.model softmax --run.rounds 1 --learner.local-steps 1 \
  --output "$tmp/warm.h5" >/dev/null # fills the cache
measure "fashion-mnist (cached), 1 round" "$n_fm"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
