#!/usr/bin/env python3
"""Check a trace's measured NMSE against the noise term recomputed from its columns.

    check_noise_term.py results/run.h5 [--tolerance T]

For over-the-air traces (analog, or rlc at k = n, which has no projection
error) with one coherence block per round, every round in which all trained
clients sent and none was clipped has

    E[NMSE] = D sigma^2 / (2 c^2 W_hat^2 ||g_avg||^2) + (W / W_hat - 1)^2

from the columns receive_scale (c), noise_power_w (sigma^2), average_norm
(||g_avg||), active_weight (W), active_weight_estimate (W_hat) and the root
attribute num_params (D); see wfl_trace.nmse_noise_term. Per round the noise
part is a chi-square with D degrees of freedom, so measured / theory has a
relative spread of about sqrt(2/D). The check pools the rounds: the ratio
sum(measured) / sum(theory) must be within the tolerance of 1; the default
tolerance is 4 standard errors of that ratio (estimated from the rounds),
and at least 2 %.

Prints one line per round and a summary. Exit codes: 0 agreement, 1
disagreement, 2 a trace this check cannot judge (ideal or digital scheme,
rlc with k < n, several coherence blocks, no usable round) or bad input.
"""

import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wfl_trace  # noqa: E402

EXIT_DISAGREE, EXIT_CANNOT = 1, 2


class CannotCheck(Exception):
    """The trace is valid, but this check does not apply to it."""


def rlc_rows(dim, ratio, bucket):
    """(n, k) of the random linear code wfl builds for a D-parameter model."""
    n = 1
    while n < min(bucket, dim):
        n *= 2
    return n, max(1, int(math.floor(ratio * n + 0.5)))


def applicable(trace):
    """Raise CannotCheck unless the noise term alone explains the NMSE."""
    scheme = trace["attrs"].get("coding_scheme")
    config = trace["config"]
    if scheme not in ("analog", "rlc"):
        raise CannotCheck("coding_scheme = %r: only over-the-air traces (analog, rlc)" % scheme)
    if config.get("channel.coherence-uses", "0") != "0":
        raise CannotCheck("channel.coherence-uses = %s: c and W are traced for the first block "
                          "only; the check needs one block per round (0)"
                          % config.get("channel.coherence-uses"))
    if scheme == "rlc":
        dim = int(trace["attrs"]["num_params"])
        n, k = rlc_rows(dim, float(config["coding.ratio"]), int(config["coding.bucket"]))
        if k < n:
            raise CannotCheck("rlc with k = %d < n = %d: its projection term needs the "
                              "per-bucket energies of g_avg, which the trace does not hold" % (k, n))


def usable_rounds(trace, min_term):
    """Mask of rounds where every trained client sent, none was clipped, c > 0."""
    r = trace["rounds"]
    senders = r["participants"] - r["stragglers"]
    theory = wfl_trace.nmse_noise_term(trace)
    return ((r["active_clients"] == senders) & (r["clipped_clients"] == 0)
            & np.isfinite(theory) & (theory >= min_term) & np.isfinite(r["nmse"])
            & (r["receive_scale"] > 0))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace", help="wfl HDF5 trace (.h5)")
    parser.add_argument("--tolerance", type=float, default=None,
                        help="allowed |pooled ratio - 1| (default: 4 SE, at least 0.02)")
    parser.add_argument("--min-term", type=float, default=1e-8,
                        help="ignore rounds whose theory is below this (float32 rounding floor)")
    args = parser.parse_args(argv)
    try:
        trace = wfl_trace.load_trace(args.trace)
        applicable(trace)
        wfl_trace.physics_columns(trace)
    except (OSError, ValueError, KeyError, CannotCheck) as e:
        print("check_noise_term.py: %s" % (e.args[0] if e.args else e), file=sys.stderr)
        return EXIT_CANNOT
    theory = wfl_trace.nmse_noise_term(trace)
    keep = usable_rounds(trace, args.min_term)
    if keep.sum() < 2:
        print("check_noise_term.py: %s: fewer than 2 rounds in which every trained client sent"
              % args.trace, file=sys.stderr)
        return EXIT_CANNOT
    measured = trace["rounds"]["nmse"][keep]
    theory = theory[keep]
    rounds = trace["rounds"]["round"][keep]
    for rnd, m, t in zip(rounds, measured, theory):
        print("round %4d  nmse %.6g  noise term %.6g  ratio %.4f" % (rnd, m, t, m / t))
    pooled = measured.sum() / theory.sum()
    # SE of a ratio of sums: spread of measured - pooled * theory, per round.
    residual = measured - pooled * theory
    se = math.sqrt(residual.var(ddof=1) * len(residual)) / theory.sum()
    tolerance = args.tolerance if args.tolerance is not None else max(0.02, 4.0 * se)
    ok = abs(pooled - 1.0) <= tolerance
    print("%s: %d rounds, measured / theory = %.4f (SE %.4f, tolerance %.4f): %s"
          % (args.trace, len(measured), pooled, se, tolerance, "agree" if ok else "DISAGREE"))
    return 0 if ok else EXIT_DISAGREE


if __name__ == "__main__":
    sys.exit(main())
