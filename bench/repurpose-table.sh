#!/usr/bin/env bash
# The "Must show" table of issue 11 (items 1, 5), from a clean build:
#  1. build wfl-run and wfl-repurpose in BUILD (default build-repurpose-table/);
#  2. train on Fashion-MNIST with wfl-run, one client holding all 60000 training
#     images (a centralised run), momentum SGD lr 0.02, batch 64, one local epoch
#     per round, ideal uplink, saving the final model (trace.save-model):
#       MLP 784-200-10 (10 epochs), MLP 784-512-512-10 (10 epochs),
#       CNN (learner.model = cnn: conv 6,16 + FC 400-200-10, 5 epochs);
#  3. run wfl-repurpose on each at K = 2, 4, 8 over the budget fractions below
#     (source input, activation units, 3 sweeps, 3 iterations, 2000 calibration
#     images, the 10000 test images);
#  4. print the Markdown table (analysis/plot_repurpose.py --table) and the figures.
#
#   bench/repurpose-table.sh [OUT_DIR]        (default results/repurpose-table)
# Environment: BUILD, WORKERS (2,4,8), BUDGETS (fractions), EPOCHS_MLP (10), EPOCHS_CNN (5),
# THREADS (run.threads of the training, 1: results do not depend on it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/results/repurpose-table}"
build="${BUILD:-$root/build-repurpose-table}"
workers="${WORKERS:-2,4,8}"
budgets="${BUDGETS:-0,0.01,0.02,0.05,0.1,0.15,0.2,0.3,0.4,0.6,0.8}"
threads="${THREADS:-1}"
mkdir -p "$out"

cmake -S "$root" -B "$build" -DPython3_EXECUTABLE=/usr/bin/python3 -DWFL_WERROR=ON > "$out/cmake.log"
cmake --build "$build" -j "$(nproc)" --target wfl-run wfl-repurpose >> "$out/cmake.log"

train() { # name epochs model-keys...
  local name="$1" epochs="$2"
  shift 2
  "$build/wfl-run" --data.clients 1 --run.rounds "$epochs" --learner.local-epochs 1 \
    --learner.optimizer momentum --learner.lr 0.02 --learner.batch 64 --coding.scheme ideal \
    --run.threads "$threads" "$@" --trace.save-model "$out/$name-model.h5" \
    --output "$out/$name-trace.h5" --overwrite > "$out/$name-train.log"
  tail -n 2 "$out/$name-train.log" | head -n 1
}
train mlp200 "${EPOCHS_MLP:-10}" --learner.model mlp --learner.hidden 200
train mlp512 "${EPOCHS_MLP:-10}" --learner.model mlp --learner.hidden 512,512
train cnn "${EPOCHS_CNN:-5}" --learner.model cnn

for name in mlp200 mlp512 cnn; do
  "$build/wfl-repurpose" "$out/$name-model.h5" --workers "$workers" --repurpose.budget "$budgets" \
    --output "$out/$name-repurpose.h5" --overwrite > "$out/$name-repurpose.log"
done
uptime
/usr/bin/python3 "$root/analysis/plot_repurpose.py" --table "$out"/{mlp200,mlp512,cnn}-repurpose.h5
/usr/bin/python3 "$root/analysis/plot_repurpose.py" --figures "$out/figures" "$out"/{mlp200,mlp512,cnn}-repurpose.h5
