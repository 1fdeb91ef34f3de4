#!/usr/bin/env python3
"""The self-verifying trace columns and analysis/check_noise_term.py.

    test_noise_check.py --wfl-run PATH --workdir DIR

Runs short over-the-air scenarios (analog and rlc at k = n with feedback,
analog blind), checks the physics columns are present with units, and that
check_noise_term.py agrees with each trace (exit 0), disagrees once the
noise column is scaled by 0.9 (exit 1: the pooled ratio moves by 11 %,
about 10 of its SEs), and declines a trace it cannot judge (exit 2).
Prints "N passed, M failed" and exits 1 if anything failed.
"""

import argparse
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.normpath(os.path.join(HERE, "..", "..", "analysis"))
sys.path.insert(0, ANALYSIS)
sys.path.insert(0, HERE)
import wfl_trace  # noqa: E402
from checker import Checker  # noqa: E402

CHECK = os.path.join(ANALYSIS, "check_noise_term.py")
UNITS = {"receive_scale": "sqrt(W)", "average_norm": "1", "noise_power_w": "W",
         "active_weight": "1", "active_weight_estimate": "1", "clipped_clients": "1",
         "data_uses": "1", "pilot_uses": "1", "feedback_uses": "1"}


def scenario(output, extra):
    """A 40-round synthetic MLP (D = 1386) over a normalized channel at 0 dB.

    The check is statistical (tolerance about 4 SE of the pooled ratio). With
    seed 1 the channel noise of rounds 1-20 happens to be 3.9 SE above its
    mean (checked by drawing the stream ("mac-noise", round) directly; over
    2000 rounds its variance is 0.999), so 20 rounds would be a false alarm;
    over 40 rounds it is 2.4 SE.
    """
    keys = ["--data.dataset", "synthetic", "--data.clients", "5", "--run.rounds", "40",
            "--learner.model", "mlp", "--learner.hidden", "32", "--learner.lr", "0.1",
            "--data.size-sigma", "0.5", "--channel.normalized", "true",
            "--channel.snr-db", "0", "--output", output, "--overwrite"]
    return keys + extra


def run(command):
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=600)


def check_columns(c, path, blind):
    """Every physics column is there, with its unit and a description."""
    with h5py.File(path, "r") as f:
        for name, unit in UNITS.items():
            ds = f["rounds"].get(name)
            c.check("%s has /rounds/%s" % (os.path.basename(path), name), ds is not None)
            if ds is not None:
                got = ds.attrs.get("units")
                got = got.decode() if isinstance(got, bytes) else got
                c.check("%s units %s" % (name, unit), got == unit, repr(got))
                c.check("%s has a description" % name, bool(ds.attrs.get("description")))
    p = wfl_trace.physics_columns(wfl_trace.load_trace(path))
    c.check("average_norm > 0", np.all(p["average_norm"] > 0))
    c.check("noise_power_w = 0.2 W at 0 dB (P_max = 23 dBm)",
            np.allclose(p["noise_power_w"], 10 ** (-0.7)), repr(p["noise_power_w"][:2]))
    if blind:
        c.check("blind: pilot uses, no feedback", np.all(p["pilot_uses"] == 1)
                and np.all(p["feedback_uses"] == 0))
        c.check("blind: W_hat differs from W (noisy pilot)",
                np.all(p["active_weight_estimate"] != p["active_weight"]))
    else:
        c.check("feedback: 16 uses x 5 clients, no pilot", np.all(p["feedback_uses"] == 80)
                and np.all(p["pilot_uses"] == 0))
        c.check("feedback: W_hat = W", np.array_equal(p["active_weight_estimate"], p["active_weight"]))


def check_agrees_then_fails(c, path, workdir):
    p = run([sys.executable, CHECK, path])
    c.check("%s: check agrees (exit 0)" % os.path.basename(path), p.returncode == 0,
            "rc=%d out=%s err=%s" % (p.returncode, p.stdout[-300:], p.stderr))
    corrupt = os.path.join(workdir, "corrupt-" + os.path.basename(path))
    shutil.copyfile(path, corrupt)
    with h5py.File(corrupt, "r+") as f:
        f["rounds/noise_power_w"][...] = 0.9 * f["rounds/noise_power_w"][()]
    p = run([sys.executable, CHECK, corrupt])
    c.check("%s: corrupted noise column fails (exit 1)" % os.path.basename(path),
            p.returncode == 1 and "DISAGREE" in p.stdout,
            "rc=%d out=%s err=%s" % (p.returncode, p.stdout[-300:], p.stderr))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wfl-run", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    workdir = os.path.abspath(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    c = Checker()
    cases = {
        "analog.h5": (["--coding.scheme", "analog", "--power.policy", "inversion"], False),
        "rlc-k-n.h5": (["--coding.scheme", "rlc", "--coding.ratio", "1",
                        "--power.policy", "inversion"], False),
        "blind.h5": (["--coding.scheme", "analog", "--power.policy", "truncated",
                      "--power.coordination", "blind", "--power.norm-bound", "5",
                      "--channel.fading", "none"], True),
    }
    for name, (extra, blind) in cases.items():
        path = os.path.join(workdir, name)
        p = run([args.wfl_run] + scenario(path, extra))
        if c.check("wfl-run %s exits 0" % name, p.returncode == 0,
                   "rc=%d stderr=%r" % (p.returncode, p.stderr)):
            c.run("columns " + name, check_columns, path, blind)
            c.run("check " + name, check_agrees_then_fails, path, workdir)
    # A trace the check cannot judge: rlc with k < n.
    path = os.path.join(workdir, "rlc-k-lt-n.h5")
    p = run([args.wfl_run] + scenario(path, ["--coding.scheme", "rlc", "--coding.ratio", "0.5",
                                             "--run.rounds", "2"]))
    if c.check("wfl-run rlc k < n exits 0", p.returncode == 0, p.stderr):
        p = run([sys.executable, CHECK, path])
        c.check("rlc k < n: check declines (exit 2, one line)",
                p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
                and "projection" in p.stderr, "rc=%d err=%r" % (p.returncode, p.stderr))
    print("%d passed, %d failed" % (c.passed, len(c.failed)))
    for name in c.failed:
        print("  failed: %s" % name)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
