#!/usr/bin/env bash
# The linear-regression figure (QCS paper Fig. 2 analogue, methods.md 10.4):
# the coarse step grid of bench-linear-regression for the four default
# methods, then a fine grid at each method's convergence edge, then the PNG.
# About 250 s of CPU in all (2 threads; the coarse grid alone about 120 s).
#
#   bench/linear-regression.sh [OUT-DIR [bench options...]]
# OUT-DIR defaults to results/linear-regression; the options (e.g. --runs 100,
# --seed 2) go to every bench-linear-regression call.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/results/linear-regression}"
shift $(( $# > 0 ? 1 : 0 ))
mkdir -p "$out"
bench="$root/build/bench/bench-linear-regression"
grid() { /usr/bin/python3 -c "import sys; a, b, s = map(float, sys.argv[1:]); n = round((b - a) / s)
print(','.join('%.4f' % (a + i * s) for i in range(n + 1)))" "$@"; }
"$bench" --threads 2 --csv "$out/coarse.csv" "$@" | tee "$out/coarse.txt"
extra=("$@")
edge() { # LABEL METHOD FROM TO STEP
  "$bench" --threads 2 --method "$2" --steps "$(grid "$3" "$4" "$5")" --csv "$out/edge-$1.csv" "${extra[@]}" > "$out/edge-$1.txt"
  tail -n 1 "$out/edge-$1.txt"
}
edge baseline baseline=none 0.240 0.262 0.002
edge qsgd qsgd=qsgd:bucket=512,levels=1,norm=linf 0.084 0.100 0.002
edge sparse sparse=random-sparsification:ratio=0.0478 0.009 0.014 0.0005
edge qcs qcs=qcs:bucket=128,ratio=0.546875,levels=2,reconstruction=unbiased 0.114 0.130 0.002
/usr/bin/python3 "$root/analysis/plot_linear_regression.py" "$out/coarse.csv" "$out"/edge-*.csv --out "$out/linear-regression.png"
