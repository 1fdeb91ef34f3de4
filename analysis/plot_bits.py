"""Compressor figures of a wfl sweep: accuracy against measured bits (issue 10, section 5).

    import plot_bits
    data = plot_bits.collect(sweep)        # sweep: plot_sweep.Sweep
    plot_bits.plot_all(sweep)              # writes the figures, prints their paths

Used by plot_sweep.py when the sweep has the axis compression.scheme. Per
panel (model, partition, link; a link with a channel also names its SNR):

- accuracy_vs_bits_per_coordinate_<panel>: final test accuracy against the
  MEASURED mean payload bits per coordinate per client per round (log x), one
  curve per compressor: x = mean over the trace's /clients rows of bits / D
  (D = the trace's num_params; a client that sent nothing counts 0), averaged
  over seeds; y = mean final accuracy over seeds, band min..max. The
  uncompressed run (coding.scheme = ideal, same model and partition) is the
  dashed line. A swept learner.* or server.* key (learner.lr, say) makes
  one curve per value for every scheme ("topk lr=0.1") and one ideal line per
  value. The requested budget (compression.bits) is never the x: a
  compressor that fits below its budget is drawn where it is.
  Points where no client ever sent anything (no budget fitted; the model never
  moved) are not on any curve: they are listed on the figure and on stderr.
  Points where some client-rounds sent nothing are drawn hollow.
  Points where a seed's final model is near-constant (one class for at least
  wfl_index.NEAR_CONSTANT_SHARE of the test images: collapsed or never
  trained, though updates reached the server) carry a red x: their mean is
  pulled towards chance by that seed, not by the compressor's rate.
- accuracy_vs_channel_uses_per_coordinate_<panel> (sweeps with a channel):
  the same against mean channel uses per round / D, with the over-the-air
  schemes (rlc, analog) beside each digital compressor at equal channel uses.
"""

import os
import sys
import textwrap

import numpy as np

import wfl_index
from curve_style import curve_style

SCHEME_AXIS = "compression.scheme"
OTA_SCHEMES = ("rlc", "analog")
BAND = "line: mean, band: min..max over seeds"


def note(message):
    print("note: %s" % message, file=sys.stderr)


def measure(trace):
    """Measured rates of one trace: bits/coord/client/round, share of client-rounds
    that sent something, channel uses/coord/round. None if the trace lacks them."""
    dim = float(trace["attrs"].get("num_params", 0) or 0)
    bits = np.asarray(trace["clients"].get("bits", []), dtype=float)
    if dim <= 0 or len(bits) == 0:
        return None
    uses = np.asarray(trace["rounds"].get("channel_uses", []), dtype=float)
    return {"bpc": float(bits.mean() / dim), "sent": float((bits > 0).mean()),
            "upc": float(uses.mean() / dim) if len(uses) else np.nan, "dim": dim}


def panel_of(config):
    """(model, partition, link) labels of a trace's configuration; link '' for ideal."""
    model = config.get("learner.model", "?")
    partition = config.get("data.partition", "iid")
    if partition == "dirichlet":
        partition += " %s" % config.get("data.dirichlet-alpha", "?")
    scheme = config.get("coding.scheme", "ideal")
    if scheme == "ideal":
        link = ""
    elif scheme == "digital" and config.get("compression.link", "tdma") == "pipe":
        link = "pipe"
    else:
        link = "channel %s dB" % config.get("channel.snr-db", "?")
    return model, partition, link


# Swept keys that move a point along its compressor's curve (the rate), not
# to another curve.
ALONG_CURVE = ("compression.bits", "compression.levels")


def is_training_key(key):
    """A swept key of the learner or server (learner.lr, server.optimizer), which
    makes a curve per value for every scheme; learner.model is a panel."""
    return key.startswith(("learner.", "server.")) and key != "learner.model"


def variant_text(variant):
    """' lr=0.1, method=mv' for the (key, value) pairs that apply ('' value: not)."""
    extra = ["%s=%s" % (k.rsplit(".", 1)[-1], v) for k, v in variant if v != ""]
    return " " + ", ".join(extra) if extra else ""


def curve_name(config, variant=()):
    """A curve's name: the compressor of a digital point, else the coding scheme;
    `variant` the (key, value) of other swept keys that select a curve: swept
    compression keys (e.g. compression.method=mv), which apply to digital points
    only, and learner / server keys (e.g. learner.lr=0.1), which apply to all."""
    scheme = config.get("coding.scheme", "ideal")
    if scheme != "digital":
        return scheme + variant_text([(k, v) for k, v in variant if is_training_key(k)])
    return config.get("compression.scheme", "?") + variant_text(variant)


def variant_of(sweep, i):
    """The point's values of the swept keys that select a curve (compression keys
    other than the rate, the scheme and the link; learner and server keys)."""
    keys = [k for k in sweep.index["axes"]
            if (k.startswith("compression.") and k not in ALONG_CURVE + (SCHEME_AXIS, "compression.link"))
            or is_training_key(k)]
    return tuple(zip(keys, sweep.group_of(i, keys)))


def training_variant_of(sweep, i):
    """The point's values of the swept learner / server keys: the ideal line it is
    compared with."""
    return tuple((k, v) for k, v in variant_of(sweep, i) if is_training_key(k))


def budget_text(sweep, i, config, dim):
    """What a point asked for, for the list of points where nothing fitted."""
    bits = float(config.get("compression.bits", 0) or 0)
    if config.get("compression.link") == "pipe" and bits > 0:
        return "%.3g b/coord asked" % (bits / dim)
    panel_keys = (SCHEME_AXIS, "coding.scheme", "data.partition", "data.dirichlet-alpha",
                  "learner.model", "channel.snr-db")
    other = [k for k in sweep.index["axes"] if k not in panel_keys and not is_training_key(k)]
    values = ["%s=%s" % (k.rsplit(".", 1)[-1], v) for k, v in
              zip(other, sweep.group_of(i, other)) if v != ""]
    return ", ".join(values) or "no budget"


def near_constant(sweep):
    """Per point: True where the final model is near-constant (an index from
    before the column final_top_class_share: all False)."""
    share = sweep.cols.get("final_top_class_share")
    if share is None:
        return np.zeros(len(sweep.cols["final_accuracy"]), dtype=bool)
    return np.asarray(share, dtype=float) >= wfl_index.NEAR_CONSTANT_SHARE


def collect(sweep):
    """Per panel: curves {name: {x_bits, x_uses, mean, min, max, partial, count,
    near_constant}} (sorted by bits), references {variant text: ideal accuracy
    mean} ('' without a swept learner / server key), and the list of points
    where nothing fitted. Only complete points; seeds of one
    setting (same axis values) averaged; near_constant counts its seeds whose
    final model is near-constant."""
    acc = np.asarray(sweep.cols["final_accuracy"], dtype=float)
    constant = near_constant(sweep)
    cells, ideal, silent = {}, {}, {}
    for i in np.flatnonzero(sweep.complete & np.isfinite(acc)):
        trace = sweep.trace(i)
        if trace is None:
            continue
        config = trace["config"]
        model, partition, link = panel_of(config)
        if link == "":
            ideal.setdefault((model, partition), {}).setdefault(
                variant_text(training_variant_of(sweep, i)), []).append(acc[i])
            continue
        m = measure(trace)
        if m is None:
            note("point %s: no /clients/bits or num_params in its trace" % sweep.cols["id"][i])
            continue
        name = curve_name(config, variant_of(sweep, i))
        digital = config.get("coding.scheme") == "digital"
        panel = (model, partition, link)
        if digital and m["sent"] == 0.0:
            silent.setdefault(panel, {}).setdefault(name, set()).add(
                budget_text(sweep, i, config, m["dim"]))
            continue
        setting = sweep.group_of(i, sweep.index["axes"])
        cells.setdefault(panel, {}).setdefault(name, {}).setdefault(setting, []).append(
            (m["bpc"] if digital else np.nan, m["upc"], acc[i], m["sent"] if digital else 1.0,
             1.0 if constant[i] else 0.0))
    result = {}
    for panel in sorted(set(cells) | set(silent)):
        by_name = cells.get(panel, {})
        result[panel] = {
            "curves": {name: summarize(by_name[name]) for name in sorted(by_name)},
            "references": {label: float(np.mean(a)) for label, a in
                           sorted(ideal.get(panel[:2], {}).items())},
            "silent": silent_lines(silent.get(panel, {}))}
    return result


def silent_lines(texts_by_name):
    """'name, name (text; text)' per set of texts: the curves where nothing
    fitted at the same settings share a line (one compressor per line made a
    figure's list 20 lines long once learner.lr was swept)."""
    names_by_texts = {}
    for name, texts in sorted(texts_by_name.items()):
        key = "; ".join(sorted(texts, key=wfl_index.sort_key))
        names_by_texts.setdefault(key, []).append(name)
    return ["%s (%s)" % (", ".join(names), key) for key, names in names_by_texts.items()]


def summarize(settings):
    """One curve from {setting: [(bpc, upc, accuracy, sent share, near-constant)]
    over seeds}."""
    rows = []
    for samples in settings.values():
        s = np.array(samples, dtype=float)
        rows.append((np.mean(s[:, 0]), np.mean(s[:, 1]), s[:, 2].mean(), s[:, 2].min(),
                     s[:, 2].max(), bool((s[:, 3] < 1.0).any()), len(s), int(s[:, 4].sum())))
    rows.sort(key=lambda r: (r[0], r[1]))
    cols = list(zip(*rows))
    names = ("x_bits", "x_uses", "mean", "min", "max", "partial", "count", "near_constant")
    return {n: np.array(c) for n, c in zip(names, cols)}


def panel_name(panel):
    return "_".join(p.replace(" ", "") for p in panel)


def draw(sweep, panel, data, x_name, xlabel, stem, names):
    """One figure: a curve per name in `names` (those with finite x) and the ideal line."""
    fig, ax = sweep.figure("final test accuracy vs %s\n%s, %s, %s" % ((xlabel.split(" [")[0],)
                                                                       + panel))
    drawn, ys = 0, list(data["references"].values())
    for n, name in enumerate(names):
        c = data["curves"][name]
        ok = np.isfinite(c[x_name]) & (c[x_name] > 0)
        if not ok.any():
            continue
        x, style = c[x_name][ok], curve_style(n)
        color = style["color"]
        ax.plot(x, c["mean"][ok], label=name, **style)
        if (c["count"][ok] > 1).any():
            ax.fill_between(x, c["min"][ok], c["max"][ok], color=color, alpha=0.15, linewidth=0)
        ys += list(c["min"][ok]) + list(c["max"][ok])
        hollow = ok & c["partial"]
        if hollow.any():
            ax.plot(c[x_name][hollow], c["mean"][hollow], style["marker"], color="white",
                    markeredgecolor=color, zorder=3)
        constant = ok & (c.get("near_constant", np.zeros(len(ok))) > 0)
        if constant.any():
            ax.plot(c[x_name][constant], c["mean"][constant], "x", color="red", markersize=9,
                    markeredgewidth=2, zorder=4)
        drawn += 1
    if drawn == 0:
        plt_close(fig)
        note("%s: no point with a measured positive %s" % (stem + panel_name(panel), x_name))
        return
    for k, (label, value) in enumerate(data["references"].items()):
        ax.axhline(value, color=("black", "dimgray", "darkgray")[k % 3],
                   linestyle=("--", ":", "-.")[k // 3 % 3], linewidth=1.2,
                   label="uncompressed (ideal)" + label)
    ax.set_xscale("log")
    # Zoomed to the data (accuracies of compressors often differ by < 0.05).
    ax.set_ylim(max(0.0, min(ys) - 0.03), min(1.0, max(ys) + 0.03))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("final test accuracy (fraction, 0..1)")
    if data["silent"]:
        lines = [textwrap.fill(line, 85, subsequent_indent="  ") for line in data["silent"]]
        ax.text(0.01, 0.01, "nothing fitted (not drawn):\n" + "\n".join(lines),
                transform=ax.transAxes, fontsize=6, va="bottom", ha="left", color="red")
    ax.legend(title=BAND + "\nhollow: some client-rounds sent nothing"
              "\nred x: a seed's final model near-constant", fontsize=7,
              title_fontsize=7, alignment="left", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    sweep.save(fig, stem + panel_name(panel))


def plt_close(fig):
    import matplotlib.pyplot as plt
    plt.close(fig)


def plot_all(sweep):
    """Every compressor figure the sweep has data for."""
    if SCHEME_AXIS not in sweep.index["axes"]:
        return
    for panel, data in collect(sweep).items():
        for line in data["silent"]:
            note("%s: nothing fitted, not drawn: %s" % (", ".join(panel), line))
        digital = [n for n in data["curves"] if n.split(" ")[0] not in OTA_SCHEMES]
        draw(sweep, panel, data, "x_bits",
             "measured bits per coordinate per client per round [bit]",
             "accuracy_vs_bits_per_coordinate_", digital)
        if panel[2] != "pipe":
            draw(sweep, panel, data, "x_uses", "channel uses per coordinate per round",
                 "accuracy_vs_channel_uses_per_coordinate_", list(data["curves"]))


def table(sweep):
    """Rows (panel, name, bpc, upc, mean, min, max, seeds, partial, near-constant
    seeds) for reports."""
    rows = []
    for panel, data in collect(sweep).items():
        for name, c in data["curves"].items():
            for k in range(len(c["mean"])):
                rows.append((panel, name, c["x_bits"][k], c["x_uses"][k], c["mean"][k],
                             c["min"][k], c["max"][k], int(c["count"][k]), bool(c["partial"][k]),
                             int(c["near_constant"][k])))
    return rows


def main(argv):
    """plot_bits.py OUT_DIR: the table of every curve point (tab-separated) on stdout."""
    import plot_sweep
    index = wfl_index.load_index(argv[0])
    sweep = plot_sweep.Sweep(index, "", ".png", 0.0)
    print("model\tpartition\tlink\tcurve\tbits_per_coord\tuses_per_coord\tacc_mean\t"
          "acc_min\tacc_max\tseeds\tpartial\tnear_constant_seeds")
    for panel, name, bpc, upc, mean, lo, hi, count, partial, constant in table(sweep):
        print("%s\t%s\t%.4g\t%.4g\t%.4f\t%.4f\t%.4f\t%d\t%s\t%d" % (
            "\t".join(panel), name, bpc, upc, mean, lo, hi, count, "yes" if partial else "",
            constant))
    for panel, data in collect(sweep).items():
        for label, value in data["references"].items():
            print("%s\tideal (uncompressed)%s\t\t\t%.4f" % ("\t".join(panel), label, value))
        for line in data["silent"]:
            print("%s\tnothing fitted: %s" % ("\t".join(panel), line))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
