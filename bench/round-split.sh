#!/usr/bin/env bash
# Per-round wall-time split (local training, encoding, channel, decoding,
# evaluation) of an over-the-air run: Fashion-MNIST, MLP 784-200-10,
# 100 clients by default, 1 local epoch each, rlc ratio 0.1 over Rayleigh.
#
#   bench/round-split.sh [CLIENTS] [ROUNDS] [--base FILE | --digital SCHEME] [extra wfl-run arguments...]
#
# --base FILE replaces scenarios/default.ini (whose over-the-air power keys
# are errors under coding.scheme = digital). --digital SCHEME runs the same
# data and MLP over the digital uplink's error-free bit pipe, 2 bits per
# coordinate per client (compression.bits = 318020 for D = 159010; override
# with --compression.bits), compressor SCHEME at its defaults. E.g.:
#   bench/round-split.sh 100 5 --digital qcs
#   bench/round-split.sh 100 5 --digital qsgd --compression.bucket 512
#   bench/round-split.sh 100 5 --base scenarios/analog-vs-digital.ini \
#     --coding.scheme digital --channel.snr-db 20 --compression.scheme qcs   (TDMA)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
clients="${1:-100}"
rounds="${2:-5}"
shift $(( $# > 2 ? 2 : $# ))
base="$root/scenarios/default.ini"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
if [ "${1:-}" = "--base" ]; then
  base="$2"
  shift 2
elif [ "${1:-}" = "--digital" ]; then
  base="$out/digital.ini"
  # default.ini's data and learner, no channel (the pipe has none).
  cat > "$base" <<EOF
[run]
seed = 1
eval-every = 1
[data]
dataset = fashion-mnist
path = /usr/share/datasets/fashion-mnist
partition = iid
[learner]
model = mlp
hidden = 200
lr = 0.05
batch = 32
local-epochs = 1
[coding]
scheme = digital
[compression]
link = pipe
bits = 318020
scheme = $2
EOF
  shift 2
fi
/usr/bin/time -f "%e s wall, %M kB peak RSS" "$root/build/wfl-run" "$base" \
  --data.clients "$clients" --run.rounds "$rounds" --output "$out/run.h5" "$@" > "$out/log" 2> "$out/time" ||
  { cat "$out/log" "$out/time" >&2; exit 1; }
/usr/bin/python3 - "$out/run.h5" "$clients" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
t, r = f["timing"], f["rounds"]
scheme = f.attrs['coding_scheme']
scheme = scheme.decode() if isinstance(scheme, bytes) else scheme
print(f"{f.attrs['model']}, {sys.argv[2]} clients, {scheme}, "
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
if scheme == "digital":
    print(f"  digital: {float(np.mean(r['bits'][:])) / int(sys.argv[2]) / int(f.attrs['num_params']):.3f} "
          "raw bits per coordinate per client and round (mean)")
print(f"  channel uses {int(r['channel_uses'][0])}, airtime {1e3 * r['airtime_s'][0]:.2f} ms (simulated), "
      f"final accuracy {r['test_accuracy'][-1]:.4f}")
PY
cat "$out/time"
