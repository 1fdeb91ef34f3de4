#!/usr/bin/env python3
"""Plot the standard figures of a wfl sweep (the OUT directory of wfl-sweep).

    plot_sweep.py results/sweep                  # PNGs into results/sweep/figures/
    plot_sweep.py results/sweep --pdf --target 0.85 --figures paper/figs

Figures (only those the sweep has data for): final test accuracy and mean NMSE
against every numeric swept key, one curve per combination of the other swept
keys (mean over seeds, band min..max; points the key does not apply to, such as
the ideal uplink in a sweep over SNR, as a dashed line); accuracy against total
channel uses and
total bits; energy spent until the target accuracy is first reached; accuracy
against round for a few points; for a sweep over compression.scheme, accuracy
against the measured bits per coordinate per client per round, one curve per
compressor, per (model, partition, link) (plot_bits.py). Only points with status 'complete' are used;
points whose training diverged (status 'diverged') are left out of every curve
with a note on stderr, and marked x at accuracy 0 on the accuracy figures.
Prints each figure path (skipped figures are noted on stderr). Exit codes: 0
success (also when no point is complete: nothing is written), 2 bad input
(missing directory, not a sweep index), 1 anything else.
"""

import argparse
import os
import sys

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_bits  # noqa: E402
from curve_style import curve_style  # noqa: E402
import wfl_index  # noqa: E402
# The figures' parts, re-exported under their old names (tests, plot_bits.py use them).
from sweep_curves import (draw_curves, draw_references, mark_diverged,  # noqa: E402,F401
                          plot_scatter, plot_vs_axis)
from sweep_data import (MAX_ROUND_CURVES, Sweep, energy_to_target, note,  # noqa: E402,F401
                        round_selection)
from sweep_labels import (BAND, UNIT_SUFFIXES, group_label, key_label,  # noqa: E402,F401
                          legend_title, wants_log)

EXIT_BAD_INPUT = 2
DEFAULT_TARGET = 0.8
NMSE_FLOOR = 1e-12  # below: exact aggregation up to rounding (ideal), left off log plots


def parse_args(argv):
    """Command-line interface."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", help="sweep output directory (holds index.h5)")
    parser.add_argument("--pdf", action="store_true", help="write PDF instead of PNG")
    parser.add_argument("--target", type=float,
                        help="target test accuracy (default: the sweep's, else %g)" % DEFAULT_TARGET)
    parser.add_argument("--figures", help="output directory (default: OUT_DIR/figures)")
    return parser.parse_args(argv)


def plot_energy(sweep):
    """Energy needed to reach the target accuracy, against each numeric axis (or per group)."""
    energy = energy_to_target(sweep)
    if not np.isfinite(energy).any():
        note("energy-to-target: no complete point (with a readable trace) reached test "
             "accuracy %g" % sweep.target)
        return
    index = dict(sweep.index, columns=dict(sweep.cols, energy_to_target_j=energy))
    ylabel = "transmit energy to reach accuracy %g [J]" % sweep.target
    title = "energy to reach the target (points that reached it)"
    positive = energy[np.isfinite(energy) & (energy > 0)]
    log_y = wants_log(positive) and len(positive) == np.isfinite(energy).sum()

    def reached(keys, group):
        """' (k of n reached)': points of the group at the target among its complete ones."""
        rows = [i for i in np.flatnonzero(sweep.complete) if sweep.group_of(i, keys) == group]
        return " (%d of %d reached)" % (int(np.isfinite(energy[rows]).sum()), len(rows))

    for x_key in sweep.numeric:
        plot_vs_axis(sweep, x_key, "energy_to_target_j", ylabel, title,
                     "energy_to_target_vs_" + x_key, index=index, log_y=log_y, suffix=reached)
    if sweep.numeric:
        return
    keys = sweep.index["axes"]
    by_group = {}
    for i in np.flatnonzero(np.isfinite(energy)):
        by_group.setdefault(sweep.group_of(i, keys), []).append(energy[i])
    groups = wfl_index.sorted_groups(by_group)
    e = [np.array(by_group[g]) for g in groups]
    fig, ax = sweep.figure(title)
    ax.bar([group_label(keys, g) for g in groups], [v.mean() for v in e],
           yerr=[[v.mean() - v.min() for v in e], [v.max() - v.mean() for v in e]],
           width=0.5, capsize=4, alpha=0.8)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("swept configuration (bar: mean, whisker: min..max over seeds)")
    sweep.save(fig, "energy_to_target")


def plot_rounds(sweep):
    """Test accuracy against round for a few points, read from their traces."""
    x_key, others, picks = round_selection(sweep)
    fig, ax = sweep.figure("test accuracy vs round (lowest seed of each curve's group)")
    styles, drawn = {}, 0
    for group, i, x, low in picks:
        trace = sweep.trace(i)
        if trace is None:
            continue
        r = np.asarray(trace["rounds"].get("round", []))
        acc = np.asarray(trace["rounds"].get("test_accuracy", []), dtype=float)
        ok = np.isfinite(acc)
        applies = x_key and np.isfinite(x)  # NaN: x_key does not apply to this group
        keys, values = (others + [x_key], group + ("%g" % x,)) if applies else (others, group)
        label = group_label(keys, values, bare=keys == sweep.text_axes)
        style = styles.setdefault(group, curve_style(len(styles)))
        ax.plot(r[ok], acc[ok], marker=style["marker"], markersize=3, linestyle="--" if low else "-",
                color=style["color"],
                label="%s (seed %s)" % (label, sweep.cols["seed"][i] if "seed" in sweep.cols
                                        else "?"))
        drawn += 1
    if drawn == 0:
        plt.close(fig)
        note("accuracy_vs_round: no readable traces")
        return
    ax.axhline(sweep.target, color="gray", linestyle=":", linewidth=1)
    ax.set_xlabel("round")
    ax.set_ylabel("test accuracy (fraction, 0..1)")
    ax.set_ylim(0.0, 1.0)
    ax.xaxis.get_major_locator().set_params(integer=True)
    title = "dotted: target %g" % sweep.target
    if any(p[3] for p in picks):
        title += "; dashed: lowest %s" % x_key
    ax.legend(fontsize=8, title=title, title_fontsize=8, alignment="left")
    sweep.save(fig, "accuracy_vs_round")


def note_diverged(sweep):
    """One note listing the diverged points, which no curve includes."""
    rows = np.flatnonzero(sweep.diverged)
    if not len(rows):
        return
    keys = sweep.index["axes"]
    where = "; ".join("%s seed %s round %s" % (
        group_label(keys, sweep.group_of(i, keys), bare=False),
        sweep.cols["seed"][i] if "seed" in sweep.cols else "?",
        sweep.cols["diverged_round"][i] if "diverged_round" in sweep.cols else "?")
        for i in rows)
    note("%d diverged point%s left out of every curve (marked x on accuracy figures): %s"
         % (len(rows), "s"[:len(rows) != 1], where))


def plot_all(sweep):
    """Every standard figure the sweep has data for."""
    note_diverged(sweep)
    acc_label = "final test accuracy (fraction, 0..1)"
    for x_key in sweep.numeric:
        plot_vs_axis(sweep, x_key, "final_accuracy", acc_label,
                     "final test accuracy vs %s" % x_key, "accuracy_vs_" + x_key)
    if not sweep.numeric:
        note("no numeric swept key: no accuracy-vs-parameter figures")
    nmse = np.asarray(sweep.cols.get("mean_nmse", []), dtype=float)
    nmse = np.where(nmse > NMSE_FLOOR, nmse, np.nan)
    index = dict(sweep.index, columns=dict(sweep.cols, mean_nmse=nmse))
    if len(nmse) and (sweep.complete & np.isfinite(nmse)).any():
        for x_key in sweep.numeric:
            plot_vs_axis(sweep, x_key, "mean_nmse", "mean NMSE of the aggregate (ratio, log)",
                         "mean NMSE vs %s (NMSE < %g not shown)" % (x_key, NMSE_FLOOR),
                         "nmse_vs_" + x_key, index=index, log_y=True)
    for column, what, label in (
            ("total_channel_uses", "total channel uses", "total channel uses (count)"),
            ("total_bits", "total payload bits", "total payload bits [bit]")):
        if column in sweep.cols:
            plot_scatter(sweep, column, what, label, "accuracy_vs_" + column.replace("total_", ""))
    if "trace" in sweep.cols:
        plot_energy(sweep)
        plot_rounds(sweep)
        plot_bits.plot_all(sweep)


NEAR_CONSTANT_SHARE = wfl_index.NEAR_CONSTANT_SHARE


def note_near_constant(index):
    """A note per complete point whose final model, though updated, gives one
    class to nearly every test image: collapsed or never trained (its
    accuracy is drawn like any other; the note says why it is near chance).
    Points no update reached are the figures' "nothing fitted" notes."""
    cols = index["columns"]
    share = cols.get("final_top_class_share")
    if share is None:
        return  # an index from before the column
    share = np.asarray(share, dtype=float)
    updated = np.asarray(cols.get("rounds_with_updates", np.ones(len(share))), dtype=float) > 0
    for i in np.flatnonzero((cols["status"] == "complete") & updated & (share >= NEAR_CONSTANT_SHARE)):
        axes = " ".join("%s=%s" % (k, cols["axis:" + k][i]) for k in index["axes"]
                        if str(cols["axis:" + k][i]) != "")
        note("near-constant model (collapsed or never trained: its log says which): %s seed=%s "
             "gives one class to %.1f %% of the test images (final accuracy %.3f)"
             % (axes, cols["seed"][i], 100.0 * share[i], cols["final_accuracy"][i]))


def main(argv=None):
    """Entry point; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    prog = os.path.basename(sys.argv[0]) or "plot_sweep.py"
    if not os.path.exists(args.out_dir):
        print("%s: error: %s: no such directory" % (prog, args.out_dir), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        index = wfl_index.load_index(args.out_dir)
    except (OSError, ValueError) as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return EXIT_BAD_INPUT
    status = index["columns"]["status"]
    if not (status == "complete").any():
        counts = ", ".join("%d %s" % (int((status == s).sum()), s) for s in np.unique(status))
        print("%s: no complete points in %s (%d points%s); no figures written"
              % (prog, args.out_dir, index["rows"], ": " + counts if counts else ""))
        return 0
    target = args.target
    if target is None:
        target = float(index["attrs"].get("target_accuracy", np.nan))
        target = target if np.isfinite(target) else DEFAULT_TARGET
    note_near_constant(index)
    figdir = args.figures or os.path.join(index["dir"], "figures")
    try:
        os.makedirs(figdir, exist_ok=True)
        plot_all(Sweep(index, figdir, ".pdf" if args.pdf else ".png", target))
    except OSError as e:
        print("%s: error: cannot write figures to %s: %s" % (prog, figdir, e), file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
