"""Labels and scales of the sweep figures (plot_sweep.py): axis labels
with the unit a key's suffix implies, legend entries and titles for groups of swept
keys, and when an axis wants a log scale.
"""

import numpy as np

UNIT_SUFFIXES = (("-dbm", "dBm"), ("-db", "dB"), ("-hz", "Hz"), ("-j", "J"), ("-m", "m"), ("-s", "s"))
BAND = "line: mean, band: min..max over seeds"


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
