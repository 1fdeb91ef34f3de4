#!/usr/bin/env python3
"""Summarise the QCS Fig. 4 analogue (bench/qcs-fig4.sh): a table and a PNG.

    qcs_fig4.py STUDIES.jsonl [--png FIG.png]

STUDIES.jsonl has one line per (setting, saved round):
    {"label": "qcs-21", "family": "qcs", "target_gain": 21, "round": 12,
     "study": <the JSON line of wfl-compress>}
For each setting the table gives the measured gain 32 D / bits_raw (scales
counted), the gain at the empirical entropy, QCS's (k, Q) (solved from its raw
bits: bits_raw / B - 32 = k log2(2Q + 1) per bucket has one integer solution)
and its bound gamma(n, k, Q) = n/k - 1 + n ln(k) / (4 Q^2 (k - 1)), then the
relative error eps = ||g_hat - g||^2 / ||g||^2: mean over rounds of the
per-round means (each over the draws), the standard deviation of those
per-round means ("rounds"), the standard deviation of all round x draw values
("all"), the smallest and largest per-round mean, sqrt of the mean (the
paper's code stores ||g_hat - g|| / ||g||, not squared) and the mean relative
bias. Exit codes: 0 success, 2 bad input, 1 anything else.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

EXIT_BAD_INPUT = 2


def qcs_shape(study):
    """(k, Q) of a QCS study from its raw bits, or None."""
    keys = study["keys"]
    bucket = int(keys["compression.bucket"])
    buckets = math.ceil(study["dim"] / bucket)
    per_bucket = study["bits_raw"] / buckets - 32.0
    for q in range(1, int(keys["compression.levels"]) + 1):
        k = per_bucket / math.log2(2 * q + 1)
        if abs(k - round(k)) < 1e-6 and 1 <= round(k) <= bucket:
            return int(round(k)), q
    return None


def qcs_gamma(n, k, q):
    return n / k - 1.0 + n * math.log(k) / (4.0 * q * q * (k - 1.0))


def load(path):
    settings = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            try:
                row = json.loads(line)
                study = row["study"]
                key = row["label"]
                entry = settings.setdefault(key, {"family": row["family"], "target": row["target_gain"],
                                                  "rounds": [], "means": [], "stds": [], "draws": [],
                                                  "bias": [], "gain": [], "gain_entropy": [], "study": study})
                entry["rounds"].append(int(row["round"]))
                entry["means"].append(study["rel_error_mean"])
                entry["stds"].append(study["rel_error_std"])
                entry["draws"].append(study["draws"])
                entry["bias"].append(study["rel_bias"])
                entry["gain"].append(study["gain"])
                entry["gain_entropy"].append(32.0 * study["dim"] / study["bits_entropy"])
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{number}: not a study line ({e})")
    if not settings:
        raise ValueError(f"{path}: no studies")
    return settings


def summary(entry):
    means = np.array(entry["means"])
    stds = np.array(entry["stds"])
    draws = np.array(entry["draws"], dtype=float)
    # Pooled over every (round, draw): within-round variance (population form) plus
    # the variance of the per-round means.
    within = np.mean(stds ** 2 * (draws - 1.0) / draws)
    total = math.sqrt(within + np.var(means))
    return {"mean": means.mean(), "std_rounds": means.std(ddof=1) if len(means) > 1 else 0.0,
            "std_all": total, "min": means.min(), "max": means.max(),
            "bias": float(np.mean(entry["bias"])), "gain": float(np.mean(entry["gain"])),
            "gain_entropy": float(np.mean(entry["gain_entropy"]))}


def table(settings):
    lines = [f"{'setting':10s} {'target':>6s} {'gain':>6s} {'gainH':>6s} {'shape':>14s} {'gamma':>6s} "
             f"{'eps_mean':>9s} {'sd_rnds':>8s} {'sd_all':>8s} {'min':>7s} {'max':>7s} {'sqrt':>6s} "
             f"{'bias':>6s} {'rounds':>6s}"]
    for label, entry in settings.items():
        s = summary(entry)
        study = entry["study"]
        keys = study["keys"]
        shape, gamma = "-", float("nan")
        if entry["family"] == "qcs":
            kq = qcs_shape(study)
            if kq:
                n = int(keys["compression.bucket"])
                shape = f"n{n} k{kq[0]} Q{kq[1]}"
                gamma = qcs_gamma(n, kq[0], kq[1])
        else:
            shape = f"b{keys['compression.bucket']} s{keys['compression.levels']} {keys['compression.norm']}"
        lines.append(f"{label:10s} {entry['target']:6g} {s['gain']:6.2f} {s['gain_entropy']:6.2f} {shape:>14s} "
                     f"{gamma:6.3f} {s['mean']:9.4f} {s['std_rounds']:8.4f} {s['std_all']:8.4f} "
                     f"{s['min']:7.4f} {s['max']:7.4f} {math.sqrt(s['mean']):6.3f} {s['bias']:6.3f} "
                     f"{len(entry['means']):6d}")
    return "\n".join(lines)


def plot(settings, path):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    markers = {"qcs": "o", "qsg": "s"}
    for index, (label, entry) in enumerate(settings.items()):
        s = summary(entry)
        color = plt.cm.tab10(index % 10)
        left.errorbar([s["gain"]], [s["mean"]], yerr=[[s["std_all"]], [s["std_all"]]],
                      fmt=markers.get(entry["family"], "^"), color=color, capsize=4)
        left.annotate(label, (s["gain"], s["mean"]), textcoords="offset points", xytext=(6, 4), fontsize=8)
        order = np.argsort(entry["rounds"])
        rounds = np.array(entry["rounds"])[order]
        means = np.array(entry["means"])[order]
        stds = np.array(entry["stds"])[order]
        style = "-" if entry["family"] == "qcs" else "--"
        right.plot(rounds, means, style, color=color, label=label)
        right.fill_between(rounds, means - stds, means + stds, color=color, alpha=0.15)
    left.set_xlabel("compression gain 32 D / bits (scales counted)")
    left.set_ylabel("relative error ||g_hat - g||^2 / ||g||^2")
    left.set_yscale("log")
    left.set_title("mean +- sd over rounds and draws")
    right.set_xlabel("round (FedSGD)")
    right.set_ylabel("relative error (mean +- sd over draws)")
    right.set_yscale("log")
    right.legend(fontsize=8)
    right.set_title("per saved round")
    fig.suptitle("Unbiased QCS vs QSG on the first dense layer's gradient (LeNet-style CNN, Fashion-MNIST)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("studies")
    parser.add_argument("--png")
    args = parser.parse_args()
    try:
        settings = load(args.studies)
    except (OSError, ValueError) as e:
        print(f"qcs_fig4.py: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(table(settings))
    if args.png:
        plot(settings, args.png)
        print(os.path.abspath(args.png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
