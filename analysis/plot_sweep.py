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
import re
import sys

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_bits  # noqa: E402
import wfl_index  # noqa: E402
import wfl_trace  # noqa: E402

EXIT_BAD_INPUT = 2
DEFAULT_TARGET = 0.8
MAX_ROUND_CURVES = 8
UNIT_SUFFIXES = (("-dbm", "dBm"), ("-db", "dB"), ("-hz", "Hz"), ("-j", "J"), ("-m", "m"), ("-s", "s"))
BAND = "line: mean, band: min..max over seeds"
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


def note(message):
    """A remark about a skipped figure (stderr, so stdout lists only paths)."""
    print("note: %s" % message, file=sys.stderr)


def key_label(key):
    """Axis label of a config key with the unit its suffix implies: 'channel.snr-db [dB]'."""
    for suffix, unit in UNIT_SUFFIXES:
        if key.endswith(suffix):
            return "%s [%s]" % (key, unit)
    return key


def group_label(keys, group, bare=True):
    """Legend entry: the value alone for one key (if bare), else 'scheme=rlc, policy=full'."""
    if not keys:
        return "all points"
    if len(keys) == 1 and bare:
        return group[0]
    return ", ".join("%s=%s" % (k.rsplit(".", 1)[-1], v) for k, v in zip(keys, group))


def legend_title(keys, extra=BAND):
    """Legend title: the grouping key (when only one) and what line and band show."""
    return "\n".join(([keys[0]] if len(keys) == 1 else []) + ([extra] if extra else []))


def wants_log(values):
    """Log scale for positive values spanning more than two decades."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return len(v) > 0 and bool(np.all(v > 0)) and v.max() / v.min() > 100.0


class Sweep:
    """The loaded index plus output settings; saves figures and remembers paths."""

    def __init__(self, index, figdir, ext, target):
        self.index, self.figdir, self.ext, self.target = index, figdir, ext, target
        self.cols = index["columns"]
        self.complete = self.cols["status"] == "complete"
        self.diverged = self.cols["status"] == "diverged"
        self.numeric = wfl_index.numeric_axes(index)
        self.text_axes = [k for k in index["axes"] if k not in self.numeric]
        self.traces = {}

    def group_of(self, i, keys):
        """The values (str) of point i for the given swept keys."""
        return tuple(str(self.cols["axis:" + k][i]) for k in keys)

    def trace(self, i):
        """Trace of point i (read once), or None with a note when it cannot be read."""
        if i not in self.traces:
            rel = str(self.cols["trace"][i]) if "trace" in self.cols else ""
            try:
                self.traces[i] = wfl_trace.load_trace(os.path.join(self.index["dir"], rel))
            except (OSError, ValueError, KeyError) as e:
                note("point %s: cannot read its trace: %s" % (self.cols["id"][i], e))
                self.traces[i] = None
        return self.traces[i]

    def subtitle(self):
        """Small title line: the sweep directory's name and point counts."""
        base = os.path.basename(self.index["dir"].rstrip(os.sep)) or "sweep"
        seeds = len(np.unique(self.cols["seed"][self.complete])) if "seed" in self.cols else 1
        rows = self.index["rows"]
        diverged = ", %d diverged" % int(self.diverged.sum()) if self.diverged.any() else ""
        return "%s: %d point%s, %d complete%s, %d seed%s" % (
            base, rows, "s"[:rows != 1], int(self.complete.sum()), diverged, seeds,
            "s"[:seeds != 1])

    def figure(self, title):
        fig, ax = plt.subplots(figsize=(6.8, 4.6), constrained_layout=True)
        ax.set_title("%s\n%s" % (title, self.subtitle()), fontsize=10)
        ax.grid(True, alpha=0.3)
        return fig, ax

    def save(self, fig, name):
        path = os.path.join(self.figdir, re.sub(r"[^A-Za-z0-9._-]+", "_", name) + self.ext)
        fig.savefig(path, dpi=120)
        plt.close(fig)
        print(path)


def draw_curves(ax, curves, keys, log_y=False, suffix=None):
    """Mean line with min..max band per group; returns the number of curves drawn."""
    drawn = 0
    for group, c in curves.items():
        keep = (c["min"] > 0) if log_y else np.ones(len(c["x"]), dtype=bool)
        if not keep.any():
            continue
        x = c["x"][keep].astype(float)
        label = group_label(keys, group) + (suffix(group) if suffix else "")
        line, = ax.plot(x, c["mean"][keep], marker="o", label=label)
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
        ax.axhline(float(np.mean(by_group[group])), linestyle="--", linewidth=1.2,
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
    ax.legend(title=legend_title(others), fontsize=8, title_fontsize=8, alignment="left")
    sweep.save(fig, name)


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


def energy_to_target(sweep):
    """Per point: transmit energy summed up to the first round at the target (NaN if never)."""
    energy = np.full(sweep.index["rows"], np.nan)
    for i in np.flatnonzero(sweep.complete):
        trace = sweep.trace(i)
        if trace is None:
            continue
        rounds = trace["rounds"]
        acc = np.asarray(rounds.get("test_accuracy", []), dtype=float)
        hit = np.flatnonzero(acc >= sweep.target)
        if len(hit):
            energy[i] = float(np.nansum(np.asarray(rounds["energy_j"], dtype=float)[:hit[0] + 1]))
    return energy


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


def round_selection(sweep):
    """Points for accuracy-vs-round: lowest seed, extremes of the first numeric axis, per group."""
    cols, x_key = sweep.cols, (sweep.numeric[0] if sweep.numeric else None)
    others = [k for k in sweep.index["axes"] if k != x_key]
    seeds = cols["seed"] if "seed" in cols else np.zeros(sweep.index["rows"], dtype=np.int64)
    by_group = {}
    for i in np.flatnonzero(sweep.complete):
        by_group.setdefault(sweep.group_of(i, others), []).append(i)
    picks = []
    for group in wfl_index.sorted_groups(by_group):
        rows = [i for i in by_group[group] if seeds[i] == min(seeds[j] for j in by_group[group])]
        if x_key is None:
            picks.append((group, rows[0], None, False))
            continue
        x = cols["axisnum:" + x_key]
        high, low = max(rows, key=lambda i: x[i]), min(rows, key=lambda i: x[i])
        picks.append((group, high, x[high], False))
        if low != high:
            picks.append((group, low, x[low], True))
    if len(picks) > MAX_ROUND_CURVES:  # too many: keep the highest x of each group first
        note("accuracy_vs_round: showing %d of %d curves" % (MAX_ROUND_CURVES, len(picks)))
        order = {p[0]: n for n, p in enumerate(picks)}
        highs, lows = [p for p in picks if not p[3]], [p for p in picks if p[3]]
        picks = highs[:MAX_ROUND_CURVES] + lows[:max(0, MAX_ROUND_CURVES - len(highs))]
        picks.sort(key=lambda p: (order[p[0]], p[3]))
    return x_key, others, picks


def plot_rounds(sweep):
    """Test accuracy against round for a few points, read from their traces."""
    x_key, others, picks = round_selection(sweep)
    fig, ax = sweep.figure("test accuracy vs round (lowest seed of each curve's group)")
    colors, drawn = {}, 0
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
        ax.plot(r[ok], acc[ok], marker="o", markersize=3, linestyle="--" if low else "-",
                color=colors.setdefault(group, "C%d" % (len(colors) % 10)),
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
