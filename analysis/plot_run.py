#!/usr/bin/env python3
"""Plot one wfl run: test accuracy, test/train loss, and (over a channel) the
aggregate NMSE and transmit energy, against round.

    plot_run.py results/run.h5                 # writes results/run.png
    plot_run.py results/run.h5 -o fig.png
    plot_run.py results/run.h5 --pdf           # writes results/run.pdf

Rounds without evaluation (test metrics NaN) are skipped for the test curves.
Prints the output path. Exit codes: 0 success, 2 bad input (missing file,
not a wfl trace, unsupported schema), 1 anything else.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wfl_trace  # noqa: E402

EXIT_BAD_INPUT = 2


def parse_args(argv):
    """Command-line interface."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace", help="wfl HDF5 trace (.h5)")
    parser.add_argument("-o", "--output",
                        help="output image (default: next to the trace, .png or .pdf)")
    parser.add_argument("--pdf", action="store_true",
                        help="write PDF instead of PNG (when -o is not given)")
    return parser.parse_args(argv)


def default_output(trace_path, pdf):
    """The trace path with its extension replaced by .png (or .pdf)."""
    return os.path.splitext(trace_path)[0] + (".pdf" if pdf else ".png")


def loss_label(units):
    """Loss axis label with the trace's unit for train_loss (nat -> 'nats')."""
    unit = units.get("train_loss") or "nat"
    return "loss [%s]" % ("nats" if unit == "nat" else unit)


def title_for(trace):
    """Title: dataset, model, clients, and '(incomplete)' for unfinished runs."""
    attrs = trace["attrs"]
    clients = wfl_trace.num_clients(trace)
    parts = [str(attrs.get("dataset", "?")), str(attrs.get("model", "?")),
             "%s clients" % (clients if clients is not None else "?")]
    if attrs.get("coding_scheme", "ideal") != "ideal":
        parts.append("%s uplink" % attrs["coding_scheme"])
    title = ", ".join(parts)
    if int(attrs.get("complete", 0)) == 0:
        title += " (incomplete)"
    return title


def evaluated(rounds, values):
    """Rows where a test metric is finite (evaluated rounds)."""
    mask = np.isfinite(values)
    return rounds[mask], values[mask]


def has_uplink(table):
    """True when the run had a channel: some finite, positive NMSE."""
    nmse = np.asarray(table.get("nmse", []), dtype=float)
    return bool(np.any(np.isfinite(nmse) & (nmse > 1e-12)))


def plot_uplink(ax, rounds, table):
    """Aggregation NMSE (log) and, on a second axis, transmit energy per round."""
    nmse = np.asarray(table["nmse"], dtype=float)
    ok = np.isfinite(nmse) & (nmse > 0)
    ax.semilogy(rounds[ok], nmse[ok], color="tab:purple", label="aggregate NMSE")
    ax.set_xlabel("round")
    ax.set_ylabel("aggregate NMSE (1, log)")
    ax.grid(True, alpha=0.3, which="both")
    energy = np.asarray(table.get("energy_j", np.full(len(rounds), np.nan)), dtype=float)
    if np.any(energy > 0):
        twin = ax.twinx()
        twin.plot(rounds, energy, color="tab:green", alpha=0.7, label="energy, all clients")
        twin.set_ylabel("transmit energy per round [J]")
        lines = ax.get_lines() + twin.get_lines()
        ax.legend(lines, [line.get_label() for line in lines], loc="upper right")


def plot(trace, output):
    """Draw the figure (accuracy, losses, and the uplink if any) and save it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = trace["rounds"]
    units = trace["units"]
    rounds = np.asarray(table.get("round", np.arange(1, len(table.get("train_loss", [])) + 1)))
    nan = np.full(len(rounds), np.nan)

    uplink = has_uplink(table)
    fig, axes = plt.subplots(1, 3 if uplink else 2, figsize=(15 if uplink else 10, 4),
                             constrained_layout=True)
    ax_acc, ax_loss = axes[0], axes[1]

    r, acc = evaluated(rounds, np.asarray(table.get("test_accuracy", nan), dtype=float))
    ax_acc.plot(r, acc, marker="o", linestyle="-", clip_on=False, label="test accuracy")
    ax_acc.set_ylim(0.0, 1.0)
    ax_acc.set_xlabel("round")
    ax_acc.set_ylabel("test accuracy (fraction, 0..1)")
    ax_acc.grid(True, alpha=0.3)
    if len(r) == 0:
        ax_acc.text(0.5, 0.5, "no evaluated rounds", ha="center", va="center",
                    transform=ax_acc.transAxes)

    r, test_loss = evaluated(rounds, np.asarray(table.get("test_loss", nan), dtype=float))
    ax_loss.plot(r, test_loss, marker="o", linestyle="-", label="test loss")
    train_loss = np.asarray(table.get("train_loss", nan), dtype=float)
    ax_loss.plot(rounds, train_loss, marker="." if len(rounds) < 2 else None,
                 linestyle="-", label="train loss")
    ax_loss.set_xlabel("round")
    ax_loss.set_ylabel(loss_label(units))
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend()

    if uplink:
        plot_uplink(axes[2], rounds, table)
    for ax in axes:
        ax.xaxis.get_major_locator().set_params(integer=True)
        if len(rounds) == 1:  # one point: give the axis a sensible span around it
            ax.set_xlim(rounds[0] - 1, rounds[0] + 1)

    fig.suptitle(title_for(trace))
    fig.savefig(output)
    plt.close(fig)


def main(argv=None):
    """Entry point; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    prog = os.path.basename(sys.argv[0]) or "plot_run.py"
    try:
        trace = wfl_trace.load_trace(args.trace)
    except (OSError, ValueError) as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return EXIT_BAD_INPUT
    output = args.output or default_output(args.trace, args.pdf)
    try:
        plot(trace, output)
    except OSError as e:
        print("%s: error: cannot write %s: %s" % (prog, output, e), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
