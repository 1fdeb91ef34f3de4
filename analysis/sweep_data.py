"""A loaded sweep for plotting (plot_sweep.py): the index with its complete and
diverged points, each point's group of swept-key values, its trace (read once), and
where figures go; plus what the figures select from it: the energy each point spent
until the target accuracy, and the points drawn against round.
"""

import os
import re
import sys

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wfl_index  # noqa: E402
import wfl_trace  # noqa: E402

MAX_ROUND_CURVES = 8


def note(message):
    """A remark about a skipped figure (stderr, so stdout lists only paths)."""
    print("note: %s" % message, file=sys.stderr)


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
