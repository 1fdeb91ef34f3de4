#!/usr/bin/env bash
# wfl against the PyTorch reference peer (../shared/bench/peer_torch_fedavg.py)
# on the same FedAvg work, in one run on this machine; prints a table.
#
#   bench/vs-pytorch.sh [ROUNDS] [CNN_ROUNDS]       (defaults 5 and 3)
#
# The peer is $WFL_PEER, else shared/bench/peer_torch_fedavg.py one or two
# levels above the checkout (/work/main -> /work/shared, /work/wt/x -> /work/shared).
# The CNN rows (LeNet-5, the issue-12 workload) run PyTorch with 1 and 2
# threads and compare against the faster.
#
# Needs Debian's python3-torch and libopenblas0-pthread (installed here on
# demand; never part of the test path). PyTorch runs with --threads 1 because
# OpenBLAS-pthread brings its own threads (the peer's documented pitfall).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peer="${WFL_PEER:-}"
for cand in "$root/../shared/bench/peer_torch_fedavg.py" "$root/../../shared/bench/peer_torch_fedavg.py"; do
  [ -z "$peer" ] && [ -f "$cand" ] && peer="$cand"
done
[ -f "$peer" ] || { echo "vs-pytorch: no peer_torch_fedavg.py (set WFL_PEER)" >&2; exit 2; }
rounds="${1:-5}"
cnn_rounds="${2:-3}"
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "[bench] installing python3-torch libopenblas0-pthread (benchmark only)" >&2
  sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3-torch libopenblas0-pthread >/dev/null
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# wfl seconds per round (whole round without evaluation), mean over rounds 2..N.
# Why the softmax ratio varies from run to run (issue 12): a softmax round is
# only ~16 ms on two barrier-synchronized threads, so any other runnable
# process on either core stretches it (one busy process: 16 -> 26 ms; the
# load of other builds: up to 77 ms), while the 0.4 s single-thread PyTorch
# round, measured at another moment, sees a different load. The table prints
# the load average; trust ratios from a quiet machine (load < 1).
# Why 1 -> 2 threads gave only 22 -> 16.6 ms: not a serial stage or extra
# work. Measured (helper h19, load 12-20, 10 clients, batch 64): a round
# costs 17.4-17.5 ms of CPU with 1 thread and 17.5-19.2 ms summed over both
# threads with 2 (perf stat task-clock of 45-round minus 5-round runs, two
# repetitions), and the round outside the parallel client training takes
# 0.1 ms (1-thread trace: wall_round_s - wall_train_s). The clients' work
# (about 1.8 ms CPU each) is split 5 and 5, so an idle 2-core machine should
# give about 9-10 ms (predicted, not measured: no idle machine was
# available: at load 15 the median wall round was 52-53 ms with 1 and with
# 2 threads, even at nice -20). At the load of that measurement (about 3)
# one other runnable task shares the two cores with the pair, each of the 3
# gets 2/3 of a core, and the pair waits for its slower thread:
# 22 ms / (2 x 2/3) = 16.5 ms, as measured.
wfl_round() {
  local name="$1"; shift
  # No scenario file: default.ini sets channel and power keys, which the ideal
  # uplink rejects; its learner settings are the keys' defaults.
  "$root/build/wfl-run" --coding.scheme ideal --output "$out/$name.h5" "$@" >/dev/null
  /usr/bin/python3 - "$out/$name.h5" <<'PY'
import sys, h5py, numpy as np
t = h5py.File(sys.argv[1], "r")["timing"]["wall_round_s"][:]
print(f"{np.mean(t[1:] if len(t) > 1 else t):.6f}")
PY
}
torch_round() {
  /usr/bin/python3 "$peer" --threads 1 "$@" 2>/dev/null | /usr/bin/python3 -c \
    'import sys, json; print(json.loads(sys.stdin.readline())["sec_per_round"])'
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-34s %12s %12s %8s\n" "workload (per round)" "wfl [s]" "torch [s]" "speed-up"
row() {
  local label="$1" w="$2" t="$3"
  printf "%-34s %12.5f %12.5f %7.1fx\n" "$label" "$w" "$t" "$(echo "$t / $w" | bc -l)"
}
for clients in 10 100; do
  w=$(wfl_round "sm$clients" --learner.model softmax --data.clients "$clients" --run.rounds "$rounds" \
      --learner.batch 64 --learner.local-epochs 1 --run.eval-every "$rounds")
  t=$(torch_round --model softmax --clients "$clients" --rounds "$rounds" --batch 64 --local-epochs 1)
  row "softmax, $clients clients, 1 epoch" "$w" "$t"
  w=$(wfl_round "mlp$clients" --learner.model mlp --learner.hidden 200 --data.clients "$clients" \
      --run.rounds "$rounds" --learner.batch 64 --learner.local-epochs 1 --run.eval-every "$rounds")
  t=$(torch_round --model mlp --clients "$clients" --rounds "$rounds" --batch 64 --local-epochs 1)
  row "mlp 784-200-10, $clients clients, 1 ep" "$w" "$t"
done
# LeNet-5 (issue 12): 10 clients, 1 epoch, batch 16, lr 0.03, no evaluation.
cnn_args=(--clients 10 --rounds "$cnn_rounds" --batch 16 --lr 0.03 --local-epochs 1)
w=$(wfl_round cnn10 --learner.model cnn --data.clients 10 --run.rounds "$cnn_rounds" \
    --learner.batch 16 --learner.lr 0.03 --learner.local-epochs 1 --run.eval-every "$cnn_rounds")
echo "  (wfl cnn: $w s per round)"
# Thread counts for the PyTorch CNN (the faster is compared). Two threads
# with OpenBLAS-pthread oversubscribe the cores (8.6 s against 5.83 s per
# round in the issue, and minutes on a loaded machine): TORCH_CNN_THREADS="1".
tb=""
for th in ${TORCH_CNN_THREADS:-1 2}; do
  t=$(/usr/bin/python3 "$peer" --threads "$th" --model cnn "${cnn_args[@]}" 2>/dev/null | /usr/bin/python3 -c \
      'import sys, json; print(json.loads(sys.stdin.readline())["sec_per_round"])')
  echo "  (torch cnn, $th thread(s): $t s per round)"
  if [ -z "$tb" ] || [ "$(echo "$t < $tb" | bc -l)" = 1 ]; then tb="$t"; fi
done
row "cnn lenet-5, 10 clients, b16" "$w" "$tb"
# FLUTE-style: softmax, 1000 clients, 10 per round, batch 10, 100 rounds.
start=$(date +%s.%N)
w=$(wfl_round flute --learner.model softmax --data.clients 1000 --server.clients-per-round 10 \
    --learner.batch 10 --learner.lr 0.03 --learner.local-epochs 1 --run.rounds 100 --run.eval-every 20)
end=$(date +%s.%N)
t=$(torch_round --model softmax --clients 1000 --clients-per-round 10 --rounds 100 --batch 10 \
    --lr 0.03 --eval-every 20)
row "flute-style softmax 1000/10, b10" "$w" "$t"
echo "wfl FLUTE-style whole run (start, load, 100 rounds, evals, trace): $(echo "$end - $start" | bc -l | cut -c1-5) s"
