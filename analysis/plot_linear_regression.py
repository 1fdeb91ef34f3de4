#!/usr/bin/env python3
"""Plot the linear-regression convergence region (QCS paper Fig. 2 analogue).

    plot_linear_regression.py results/linear-regression.csv [MORE.csv ...] [--out FIG.png]

Reads the CSVs bench-linear-regression writes (--csv; rows of one method from
several files, e.g. a coarse grid and a fine grid at its edge, are merged by
step) and draws the fraction of
converged runs against the step size, one curve per method, with error bars of
one binomial standard error. The legend gives each method's measured gain
(32 D / raw bits). Writes FIG (default: the first CSV's path with .png) and prints its
path. Exit codes: 0 success, 2 bad input (missing file or columns), 1 other.
"""

import argparse
import csv
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

EXIT_BAD_INPUT = 2
COLUMNS = ("method", "gain", "step", "runs", "fraction", "se")


def read(path, methods):
    """Add the rows of `path` to {method: (gain, runs, [(step, fraction, se)])}."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError("%s: missing columns %s" % (path, ", ".join(missing)))
        for row in reader:
            entry = methods.setdefault(row["method"], (float(row["gain"]), int(row["runs"]), []))
            entry[2].append((float(row["step"]), float(row["fraction"]), float(row["se"])))
    if not methods:
        raise ValueError("%s: no rows" % path)


def plot(methods, out):
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name, (gain, runs, points) in methods.items():
        points = sorted(dict((p[0], p) for p in points).values())
        steps = [p[0] for p in points]
        label = name if name == "baseline" else "%s (gain %.1f)" % (name, gain)
        ax.errorbar(steps, [p[1] for p in points], yerr=[p[2] for p in points], marker="o",
                    markersize=3, capsize=2, label=label)
    runs = next(iter(methods.values()))[1]
    ax.set_xlabel("step size mu")
    ax.set_ylabel("fraction of runs converged (%d runs, +-1 SE)" % runs)
    ax.set_ylim(-0.03, 1.03)
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title("Linear regression n=64, m=50, eig(R) in [1, 4], batch 32")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="+", help="CSVs written by bench-linear-regression --csv")
    parser.add_argument("--out", help="output PNG (default: CSV path with .png)")
    args = parser.parse_args()
    methods = {}
    for path in args.csv:
        if not os.path.isfile(path):
            print("plot_linear_regression.py: no such file: %s" % path, file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            read(path, methods)
        except (ValueError, KeyError) as e:
            print("plot_linear_regression.py: %s" % e, file=sys.stderr)
            return EXIT_BAD_INPUT
    out = args.out or os.path.splitext(args.csv[0])[0] + ".png"
    plot(methods, out)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
