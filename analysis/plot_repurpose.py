#!/usr/bin/env python3
"""Figures and the summary table of a wfl-repurpose result (docs/repurpose.md).

    plot_repurpose.py results/repurpose.h5 [--figures DIR] [--pdf]
    plot_repurpose.py --table results/a.h5 results/b.h5 ...

Figures: test accuracy against cross-worker bytes per inference, one curve per
method (naive split, direct parallel, magnitude pruning, RePurpose), one panel
per worker count K; and, for every latency column of /results (a column named
latency_*, e.g. latency_s_100mbps, added by the ns-3 inference simulation),
accuracy against that latency. Without latency columns that figure is skipped
with a note on stderr. Prints each figure path.

--table prints, per result file and K, a Markdown row: original accuracy, the
naive split's cross bytes, direct parallel's accuracy, and for magnitude
pruning and RePurpose the smallest cross bytes among the settings with at most
--max-loss points (default 1) of accuracy loss, with that accuracy and the
saving against the naive split; and the median and largest RePurpose wall and
CPU time of the restructuring.

Exit codes: 0 success, 2 bad input (missing file, not a wfl-repurpose result),
1 anything else.
"""

import argparse
import os
import sys

import h5py
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

EXIT_BAD_INPUT = 2
STYLE = {"naive": ("s", "tab:gray"), "direct": ("x", "tab:red"),
         "magnitude": ("^", "tab:orange"), "repurpose": ("o", "tab:blue")}


class BadInput(Exception):
    """A file that is not a readable wfl-repurpose result."""


def load(path):
    """The result as a dict: attrs, methods, settings, and /results and /timing columns."""
    if not os.path.isfile(path):
        raise BadInput("%s: no such file" % path)
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("tool") != "wfl-repurpose" or "results" not in f:
                raise BadInput("%s: not a wfl-repurpose result (no tool attribute or /results)" % path)
            result = {"path": path, "attrs": dict(f.attrs),
                      "methods": f.attrs["methods"].split(","),
                      "settings": np.asarray(f["settings"]),
                      "columns": {k: np.asarray(v) for k, v in f["results"].items()},
                      "timing": {k: np.asarray(v) for k, v in f["timing"].items()}}
    except OSError as e:
        raise BadInput("%s: cannot read it (%s)" % (path, e)) from e
    return result


def method_rows(result, method, workers):
    """Row indices of one method and K, sorted by cross bytes."""
    c = result["columns"]
    code = result["methods"].index(method)
    rows = np.flatnonzero((c["method"] == code) & (c["workers"] == workers))
    return rows[np.argsort(c["cross_bytes"][rows], kind="stable")]


def latency_columns(result):
    """Names of the latency columns of /results, sorted."""
    return sorted(k for k in result["columns"] if k.startswith("latency_"))


def plot(result, x_column, x_label, path):
    """Accuracy against one column, one panel per K, one curve per method."""
    c = result["columns"]
    ks = sorted(set(int(k) for k in c["workers"]))
    fig, axes = plt.subplots(1, len(ks), figsize=(4.2 * len(ks), 3.6), squeeze=False)
    original = float(result["attrs"]["original_accuracy"])
    for ax, k in zip(axes[0], ks):
        for method in result["methods"]:
            rows = method_rows(result, method, k)
            if len(rows) == 0:
                continue
            marker, color = STYLE.get(method, ("o", None))
            ax.plot(c[x_column][rows], c["test_accuracy"][rows], marker=marker, color=color,
                    label=method, linestyle="-" if len(rows) > 1 else "none")
        ax.axhline(original, color="k", linewidth=0.8, linestyle=":", label="original")
        ax.axhline(original - 0.01, color="k", linewidth=0.5, linestyle="--", label="original - 1 point")
        ax.set_title("K = %d" % k)
        ax.set_xlabel(x_label)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle("%s (%s), input %s" % (os.path.basename(result["path"]), result["attrs"].get("dense_widths", ""),
                                        result["attrs"].get("input", "")), fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(path)


def figures(result, out_dir, ext):
    """Every figure the result has data for."""
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(result["path"]))[0]
    plot(result, "cross_bytes", "cross-worker bytes per inference [B]",
         os.path.join(out_dir, "%s-accuracy-vs-bytes.%s" % (stem, ext)))
    columns = latency_columns(result)
    if not columns:
        print("note: %s has no latency columns (latency_* in /results): accuracy against latency "
              "skipped" % result["path"], file=sys.stderr)
    for name in columns:
        plot(result, name, "%s [s]" % name, os.path.join(out_dir, "%s-accuracy-vs-%s.%s" % (stem, name, ext)))


def best_within(result, method, k, max_loss):
    """(bytes, accuracy) of the cheapest row with loss <= max_loss points, else None."""
    c = result["columns"]
    original = float(result["attrs"]["original_accuracy"])
    for row in method_rows(result, method, k):
        if 100.0 * (original - c["test_accuracy"][row]) <= max_loss + 1e-9:
            return int(c["cross_bytes"][row]), float(c["test_accuracy"][row])
    return None


def table_rows(result, max_loss):
    """Markdown rows of the summary table for one result."""
    c, t = result["columns"], result["timing"]
    original = float(result["attrs"]["original_accuracy"])
    lines = []
    for k in sorted(set(int(k) for k in c["workers"])):
        naive = int(c["cross_bytes"][method_rows(result, "naive", k)][0])
        direct = float(c["test_accuracy"][method_rows(result, "direct", k)][0])
        cells = []
        for method in ("magnitude", "repurpose"):
            best = best_within(result, method, k, max_loss)
            cells.append("none" if best is None else "%d (%.2f, saves %.1f%%)" % (
                best[0], 100 * best[1], 100.0 * (1 - best[0] / naive) if naive else 0.0))
        rows = method_rows(result, "repurpose", k)
        wall, cpu = t["restructure_wall_s"][rows], t["restructure_cpu_s"][rows]
        lines.append("| %s | %d | %.2f | %d | %s | %s | %.2f | %.3g / %.3g | %.3g / %.3g |" % (
            result["attrs"].get("dense_widths", ""), k, 100 * original, naive, cells[1], cells[0],
            100 * direct, np.median(wall), wall.max(), np.median(cpu), cpu.max()))
    return lines


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="wfl-repurpose result file(s)")
    parser.add_argument("--figures", help="output directory (default: next to the result, figures/)")
    parser.add_argument("--pdf", action="store_true", help="write PDF instead of PNG")
    parser.add_argument("--table", action="store_true", help="print the summary table instead of figures")
    parser.add_argument("--max-loss", type=float, default=1.0, help="accuracy loss allowed, points (default 1)")
    args = parser.parse_args(argv)
    try:
        results = [load(p) for p in args.results]
    except BadInput as e:
        print("plot_repurpose.py: %s" % e, file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.table:
        print("| dense widths | K | original acc | naive bytes | RePurpose bytes (acc, saving) within %g pt | "
              "magnitude bytes (acc, saving) within %g pt | direct acc | RePurpose wall s median / max | "
              "CPU s median / max |" % (args.max_loss, args.max_loss))
        print("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            print("\n".join(table_rows(r, args.max_loss)))
        return 0
    for r in results:
        out = args.figures or os.path.join(os.path.dirname(os.path.abspath(r["path"])), "figures")
        figures(r, out, "pdf" if args.pdf else "png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
