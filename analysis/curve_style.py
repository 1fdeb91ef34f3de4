"""A distinct look for every curve of a figure.

matplotlib's colour cycle repeats after ten colours, so in a figure of twelve
compressors dqsg and terngrad were both blue, and ef-sign and topk both orange
(sweep compressors-pipe-mlp, 2026-11-29). Curve n takes colour n mod 10; each
further ten curves take the same colours with another marker and line style,
so no two of the first 70 curves share colour, marker and line style
(a sweep's generic figures can hold 50 or more: compressors-tdma-mlp has 52).
"""

MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 2)))


def curve_style(n):
    """Keyword arguments of ax.plot for curve n (0, 1, ...): color, marker, linestyle;
    distinct for n < 70."""
    cycle = (n // 10) % len(MARKERS)
    return {"color": "C%d" % (n % 10), "marker": MARKERS[cycle], "linestyle": LINESTYLES[cycle]}
