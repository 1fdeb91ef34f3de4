"""Sweep figures against one swept key or summary column (plot_sweep.py): mean curves
over seeds with a min..max band per group of the other keys, dashed references for
points the key does not apply to, diverged points as red x, and final accuracy
against a summary column as a scatter.
"""

import os
import sys

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wfl_index  # noqa: E402
from curve_style import curve_style  # noqa: E402
from sweep_data import note  # noqa: E402
from sweep_labels import group_label, key_label, legend_title, wants_log  # noqa: E402


def draw_curves(ax, curves, keys, log_y=False, suffix=None):
    """Mean line with min..max band per group; returns the number of curves drawn."""
    drawn = 0
    for group, c in curves.items():
        keep = (c["min"] > 0) if log_y else np.ones(len(c["x"]), dtype=bool)
        if not keep.any():
            continue
        x = c["x"][keep].astype(float)
        label = group_label(keys, group) + (suffix(group) if suffix else "")
        line, = ax.plot(x, c["mean"][keep], label=label, **curve_style(drawn))
        if (c["count"][keep] > 1).any():
            ax.fill_between(x, c["min"][keep], c["max"][keep], color=line.get_color(),
                            alpha=0.2, linewidth=0)
        drawn += 1
    return drawn


def draw_references(sweep, ax, x_key, value, others, index, log_y):
    """Complete points that x_key does not apply to (value '' in the index, as the ideal
    uplink in a sweep over SNR): a dashed line at their mean per group; returns the count."""
    x = np.asarray(wfl_index.axis_values(sweep.index, x_key), dtype=float)
    y = np.asarray(index["columns"][value], dtype=float)
    keep = sweep.complete & np.isnan(x) & np.isfinite(y) & ((y > 0) if log_y else True)
    by_group = {}
    for i in np.flatnonzero(keep):
        by_group.setdefault(sweep.group_of(i, others), []).append(y[i])
    for n, group in enumerate(wfl_index.sorted_groups(by_group)):
        # Dashed, colours from the end of the cycle; past ten, another dash pattern.
        ax.axhline(float(np.mean(by_group[group])), linewidth=1.2,
                   linestyle=("--", (0, (1, 1)), (0, (3, 1, 1, 1)))[(n // 10) % 3],
                   color="C%d" % ((9 - n) % 10),
                   label="%s (no %s)" % (group_label(others, group), x_key))
    return len(by_group)


def plot_vs_axis(sweep, x_key, value, ylabel, title, name, index=None, log_y=False,
                 suffix=None):
    """`value` (mean over seeds with band) against numeric axis x_key, per other-axis group."""
    others = [k for k in sweep.index["axes"] if k != x_key]
    curves = wfl_index.group_mean(index or sweep.index, x_key, others, value)
    fig, ax = sweep.figure(title)
    drawn = draw_curves(ax, curves, others, log_y, suffix and (lambda g: suffix(others, g)))
    drawn += draw_references(sweep, ax, x_key, value, others, index or sweep.index, log_y)
    if drawn == 0:
        plt.close(fig)
        note("%s: no finite %s among complete points" % (name, value))
        return
    xs = np.concatenate([c["x"].astype(float) for c in curves.values()] + [np.zeros(0)])
    if value == "final_accuracy":  # the diverged points' x are drawn too
        x_all = np.asarray(wfl_index.axis_values(sweep.index, x_key), dtype=float)
        xs = np.concatenate([xs, x_all[sweep.diverged]])
    if wants_log(xs):
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    if value == "final_accuracy":
        mark_diverged(sweep, ax, x_key)
        ax.axhline(sweep.target, color="gray", linestyle=":", linewidth=1,
                   label="target %g" % sweep.target)
        lo, hi = ax.get_ylim()
        ax.set_ylim(max(lo, 0.0), min(hi, 1.0))
    ax.set_xlabel(key_label(x_key))
    ax.set_ylabel(ylabel)
    place_legend(fig, ax, title=legend_title(others))
    sweep.save(fig, name)


# Legend entries that fit inside the axes of Sweep.figure (6.8 x 4.6 in) with the
# curves still visible; more go outside, right of the axes, in a wider figure: the
# 32 entries of sweep compressors-pipe-mlp's accuracy_vs_compression.bits covered
# every curve, and constrained_layout gave up ("axes sizes collapsed to zero").
LEGEND_INSIDE_MAX = 10


def place_legend(fig, ax, title):
    """The legend inside the axes for up to LEGEND_INSIDE_MAX entries, else right of
    them, the figure widened (and heightened) to hold it."""
    entries = len(ax.get_legend_handles_labels()[1])
    if entries <= LEGEND_INSIDE_MAX:
        ax.legend(title=title, fontsize=8, title_fontsize=8, alignment="left")
        return
    width, height = fig.get_size_inches()
    fig.set_size_inches(width + 5.2, max(height, 0.16 * entries + 1.2))
    ax.legend(title=title, fontsize=7, title_fontsize=7, alignment="left", loc="upper left",
              bbox_to_anchor=(1.01, 1.0))


def mark_diverged(sweep, ax, x_key):
    """Diverged points as red x at accuracy 0 (their training left the floats)."""
    x = np.asarray(wfl_index.axis_values(sweep.index, x_key), dtype=float)
    rows = np.flatnonzero(sweep.diverged & np.isfinite(x))
    if len(rows):
        ax.plot(x[rows], np.zeros(len(rows)), "x", color="red", markersize=8, clip_on=False,
                label="diverged (%d point%s)" % (len(rows), "s"[:len(rows) != 1]))


def plot_scatter(sweep, column, what, xlabel, name):
    """Final accuracy of every complete point against a summary column (log x)."""
    x = np.asarray(sweep.cols[column], dtype=float)
    acc = np.asarray(sweep.cols["final_accuracy"], dtype=float)
    ok = sweep.complete & np.isfinite(x) & np.isfinite(acc)
    shown = ok & (x > 0)
    if len(np.unique(x[shown])) < 2:
        note("%s: %s takes fewer than 2 positive values among complete points" % (name, column))
        return
    fig, ax = sweep.figure("final test accuracy vs %s" % what)
    keys = sweep.text_axes
    groups = [sweep.group_of(i, keys) for i in range(len(x))]
    for group in wfl_index.sorted_groups(set(groups[i] for i in np.flatnonzero(shown))):
        rows = [i for i in np.flatnonzero(shown) if groups[i] == group]
        ax.scatter(x[rows], acc[rows], label=group_label(keys, group), alpha=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("final test accuracy (fraction, 0..1)")
    hidden = int((ok & ~shown).sum())
    extra = "one marker per point" + ("; %d with %s = 0 not shown" % (hidden, column)
                                      if hidden else "")
    ax.legend(title=legend_title(keys, extra), fontsize=8, title_fontsize=8, alignment="left")
    sweep.save(fig, name)
