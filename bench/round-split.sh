#!/usr/bin/env bash
# Per-round wall-time split (local training, encoding, channel, decoding,
# evaluation) of an over-the-air run: Fashion-MNIST, MLP 784-200-10,
# 100 clients by default, 1 local epoch each, rlc ratio 0.1 over Rayleigh.
#
#   bench/round-split.sh [CLIENTS] [ROUNDS] [extra wfl-run arguments...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
clients="${1:-100}"
rounds="${2:-5}"
shift $(( $# > 2 ? 2 : $# ))
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
/usr/bin/time -f "%e s wall, %M kB peak RSS" "$root/build/wfl-run" "$root/scenarios/default.ini" \
  --data.clients "$clients" --run.rounds "$rounds" --output "$out/run.h5" "$@" > "$out/log" 2> "$out/time"
/usr/bin/python3 - "$out/run.h5" "$clients" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
t, r = f["timing"], f["rounds"]
print(f"{f.attrs['model']}, {sys.argv[2]} clients, {f.attrs['coding_scheme']}, "
      f"{len(t['round'])} rounds, D = {f.attrs['num_params']}")
# Stage times are thread time (training is summed over the clients, which run in
# parallel); wall_round_s is the elapsed time of the round without evaluation.
stages = [("local training", "wall_train_s"), ("encoding", "wall_encode_s"),
          ("power + channel", "wall_channel_s"), ("decoding", "wall_decode_s"),
          ("evaluation", "wall_eval_s")]
total = sum(float(np.mean(t[c][:])) for _, c in stages)
for name, column in stages:
    m = float(np.mean(t[column][:]))
    print(f"  {name:16s} {1e3 * m:9.1f} ms/round  {100 * m / total:5.1f} %")
print(f"  {'sum':16s} {1e3 * total:9.1f} ms/round (thread time)")
print(f"  {'round, elapsed':16s} {1e3 * float(np.mean(t['wall_round_s'][:])):9.1f} ms/round "
      "(without evaluation)")
print(f"  channel uses {int(r['channel_uses'][0])}, airtime {1e3 * r['airtime_s'][0]:.2f} ms (simulated), "
      f"final accuracy {r['test_accuracy'][-1]:.4f}")
PY
cat "$out/time"
