#!/usr/bin/env python3
"""End-to-end check of wfl traces and the Python analysis scripts.

    test_trace.py --wfl-run PATH --minimal-fl PATH --workdir DIR

Runs the C++ programs, reads their HDF5 traces with h5py and wfl_trace,
and runs analysis/plot_run.py. Every check runs even if an earlier one
fails; prints "N passed, M failed" and exits 1 if anything failed.
"""

import argparse
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

ANALYSIS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis")
sys.path.insert(0, os.path.normpath(ANALYSIS))
import wfl_trace  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checker import Checker  # noqa: E402

PLOT_RUN = os.path.join(os.path.normpath(ANALYSIS), "plot_run.py")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

ROUNDS, CLIENTS, EVAL_EVERY, TRAIN = 7, 4, 3, 6000


def scenario(rounds=ROUNDS):
    """wfl-run arguments of the small synthetic scenario (each key given once)."""
    return ["--data.dataset", "synthetic", "--run.rounds", str(rounds),
            "--data.clients", str(CLIENTS), "--learner.model", "softmax",
            "--learner.lr", "0.1", "--run.eval-every", str(EVAL_EVERY)]


def run(command):
    """Run a command; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=600)


def check_wfl_run_trace(c, path):
    """Schema, rounds, evaluation NaNs, time, clients, config of a wfl-run trace."""
    with h5py.File(path, "r") as f:
        c.check("h5py: schema_version == 1", int(f.attrs["schema_version"]) == 1)
        c.check("h5py: rounds/test_accuracy has units",
                "units" in f["rounds/test_accuracy"].attrs)
    t = wfl_trace.load_trace(path)
    a, r, cl = t["attrs"], t["rounds"], t["clients"]
    c.check("schema_version == 1", a.get("schema_version") == 1, repr(a.get("schema_version")))
    c.check("complete == 1", a.get("complete") == 1, repr(a.get("complete")))
    c.check("status complete, not diverged", wfl_trace.run_status(t) == "complete"
            and a.get("diverged") == 0 and a.get("diverged_round") == 0, repr(a.get("status")))
    c.check("end_time_utc set", bool(a.get("end_time_utc")))
    c.check("dataset is synthetic", a.get("dataset") == "synthetic", repr(a.get("dataset")))
    c.check("rounds == 1..N", np.array_equal(r["round"], np.arange(1, ROUNDS + 1)),
            repr(r["round"]))
    evaluated = (r["round"] % EVAL_EVERY == 0) | (r["round"] == ROUNDS)
    for col in ("test_accuracy", "test_loss"):
        v = r[col]
        c.check("%s NaN exactly in non-evaluated rounds" % col,
                np.array_equal(np.isnan(v), ~evaluated), repr(v))
        c.check("%s finite in evaluated rounds" % col, np.all(np.isfinite(v[evaluated])))
        c.check("%s finite in last round" % col, np.isfinite(v[-1]))
    acc = r["test_accuracy"][evaluated]
    c.check("test_accuracy within [0, 1]", np.all((acc >= 0) & (acc <= 1)), repr(acc))
    c.check("train_loss finite", np.all(np.isfinite(r["train_loss"])))
    c.check("sim_time_s strictly increasing", np.all(np.diff(r["sim_time_s"]) > 0),
            repr(r["sim_time_s"]))
    c.check("units: test_loss in nat", t["units"].get("test_loss") == "nat",
            repr(t["units"].get("test_loss")))
    c.check("clients rows == rounds*clients", len(cl["round"]) == ROUNDS * CLIENTS,
            "%d rows" % len(cl["round"]))
    sums = [int(cl["samples"][cl["round"] == k].sum()) for k in range(1, ROUNDS + 1)]
    c.check("samples per round sum to %d" % TRAIN, all(s == TRAIN for s in sums), repr(sums))
    c.check("distinct clients == %d" % CLIENTS, wfl_trace.num_clients(t) == CLIENTS)
    c.check("config run.rounds == %d" % ROUNDS,
            t["config"].get("run.rounds") == str(ROUNDS), repr(t["config"].get("run.rounds")))
    ini = a.get("config", "")
    c.check("config INI mentions rounds = %d" % ROUNDS,
            any(line.replace(" ", "") == "rounds=%d" % ROUNDS for line in ini.splitlines()),
            ini[:200])


def check_no_overwrite(c, wfl_run, path):
    """Re-running to an existing output without --overwrite: exit 2, file untouched."""
    before = (os.stat(path).st_mtime_ns, open(path, "rb").read())
    p = run([wfl_run] + scenario() + ["--output", path])
    c.check("existing output without --overwrite exits 2", p.returncode == 2,
            "rc=%d stderr=%r" % (p.returncode, p.stderr))
    c.check("existing output mentions --overwrite", "overwrite" in p.stderr, repr(p.stderr))
    after = (os.stat(path).st_mtime_ns, open(path, "rb").read())
    c.check("existing output unchanged (mtime)", before[0] == after[0])
    c.check("existing output unchanged (bytes)", before[1] == after[1])


def check_bad_rounds(c, wfl_run, workdir):
    """--run.rounds 0 is bad input: exit 2 and stderr names the key."""
    out = os.path.join(workdir, "zero-rounds.h5")
    p = run([wfl_run] + scenario(0) + ["--output", out])
    c.check("--run.rounds 0 exits 2", p.returncode == 2,
            "rc=%d stderr=%r" % (p.returncode, p.stderr))
    c.check("--run.rounds 0 stderr names run.rounds", "run.rounds" in p.stderr, repr(p.stderr))
    c.check("--run.rounds 0 writes no trace", not os.path.exists(out))


def check_minimal_fl(c, minimal_fl, workdir):
    """minimal-fl runs and writes a readable, complete trace."""
    out = os.path.join(workdir, "minimal-fl.h5")
    p = run([minimal_fl, "--rounds=3", "--output=" + out])
    c.check("minimal-fl exits 0", p.returncode == 0, "rc=%d stderr=%r" % (p.returncode, p.stderr))
    t = wfl_trace.load_trace(out)
    c.check("minimal-fl trace complete", t["attrs"].get("complete") == 1)
    c.check("minimal-fl trace has 3 rounds", len(t["rounds"]["round"]) == 3,
            repr(t["rounds"]["round"]))


def check_plot(c, name, trace, png):
    """plot_run.py writes a non-empty PNG and prints its path."""
    p = run([sys.executable, PLOT_RUN, trace, "-o", png])
    c.check("plot %s exits 0" % name, p.returncode == 0,
            "rc=%d stderr=%r" % (p.returncode, p.stderr))
    c.check("plot %s prints output path" % name, p.stdout.strip() == png, repr(p.stdout))
    data = open(png, "rb").read() if os.path.exists(png) else b""
    c.check("plot %s is a PNG" % name, len(data) > len(PNG_MAGIC) and data.startswith(PNG_MAGIC))


def check_plot_inputs(c, trace, workdir):
    """Default output path, incomplete trace, and bad inputs of plot_run.py."""
    p = run([sys.executable, PLOT_RUN, trace])
    default = os.path.splitext(trace)[0] + ".png"
    c.check("plot default output next to trace", p.returncode == 0 and os.path.isfile(default),
            "rc=%d stderr=%r" % (p.returncode, p.stderr))
    incomplete = os.path.join(workdir, "incomplete.h5")
    shutil.copyfile(trace, incomplete)
    with h5py.File(incomplete, "r+") as f:
        f.attrs["complete"] = np.int64(0)
        f.attrs["end_time_utc"] = ""
    c.check("incomplete copy reads complete == 0",
            wfl_trace.load_trace(incomplete)["attrs"]["complete"] == 0)
    check_plot(c, "incomplete trace", incomplete, os.path.join(workdir, "incomplete.png"))

    not_trace = os.path.join(workdir, "not-a-trace.h5")
    with h5py.File(not_trace, "w") as f:
        f.attrs["something"] = 1
    future = os.path.join(workdir, "future.h5")
    shutil.copyfile(trace, future)
    with h5py.File(future, "r+") as f:
        f.attrs["schema_version"] = np.int64(2)
    for name, path, needle in (("missing file", os.path.join(workdir, "missing.h5"), "missing"),
                               ("not a trace", not_trace, "schema_version"),
                               ("schema_version 2", future, "2")):
        p = run([sys.executable, PLOT_RUN, path, "-o", os.path.join(workdir, "bad.png")])
        lines = p.stderr.strip().splitlines()
        c.check("plot %s exits 2 with one-line error" % name,
                p.returncode == 2 and len(lines) == 1 and needle in p.stderr,
                "rc=%d stderr=%r" % (p.returncode, p.stderr))


def check_reader_tolerance(c, trace, workdir):
    """Unknown extra columns are ignored; bad schema versions raise ValueError."""
    extra = os.path.join(workdir, "extra-columns.h5")
    shutil.copyfile(trace, extra)
    with h5py.File(extra, "r+") as f:
        n = len(f["rounds/round"])
        f["rounds"].create_dataset("future_column", data=np.ones(n))
        f["clients"].create_dataset("upload_bytes", data=np.zeros(len(f["clients/round"])))
    t = wfl_trace.load_trace(extra)
    c.check("reader loads unknown columns", "future_column" in t["rounds"]
            and "upload_bytes" in t["clients"])
    check_plot(c, "trace with extra columns", extra, os.path.join(workdir, "extra.png"))
    for path in (os.path.join(workdir, "not-a-trace.h5"), os.path.join(workdir, "future.h5")):
        try:
            wfl_trace.load_trace(path)
            c.check("reader rejects %s" % os.path.basename(path), False, "no error")
        except ValueError:
            c.check("reader rejects %s" % os.path.basename(path), True)


def check_single_round(c, wfl_run, workdir):
    """A one-round run traces one evaluated round and plots."""
    out = os.path.join(workdir, "one-round.h5")
    p = run([wfl_run] + scenario(1) + ["--output", out])
    c.check("one-round run exits 0", p.returncode == 0, "rc=%d stderr=%r" % (p.returncode, p.stderr))
    r = wfl_trace.load_trace(out)["rounds"]
    c.check("one-round trace: one evaluated row",
            len(r["round"]) == 1 and np.isfinite(r["test_accuracy"][0]))
    check_plot(c, "single round", out, os.path.join(workdir, "one-round.png"))


def check_diverged(c, wfl_run, workdir):
    """A run that diverges: exit 3, one stderr line, a readable trace that says so.

    An MLP over analog at -60 dB overflows in round 13 on this seed (the
    C++ test Federated.DivergedRunStopsAndSaysSo pins the details).
    """
    out = os.path.join(workdir, "diverged.h5")
    p = run([wfl_run, "--data.dataset", "synthetic", "--data.clients", "5", "--run.rounds", "40",
             "--learner.model", "mlp", "--learner.hidden", "16", "--learner.lr", "0.1",
             "--coding.scheme", "analog", "--channel.normalized", "true",
             "--channel.snr-db", "-60", "--output", out])
    lines = p.stderr.strip().splitlines()
    c.check("diverged run exits 3 with one stderr line",
            p.returncode == 3 and len(lines) == 1 and "diverged in round" in p.stderr
            and "channel.snr-db" in p.stderr, "rc=%d stderr=%r" % (p.returncode, p.stderr))
    t = wfl_trace.load_trace(out)
    a, r = t["attrs"], t["rounds"]
    last = int(a.get("diverged_round", 0))
    c.check("diverged trace: status, diverged, complete",
            wfl_trace.run_status(t) == "diverged" and a.get("diverged") == 1
            and a.get("complete") == 0 and 0 < last < 40, repr(a))
    c.check("diverged trace: rows 1..diverged_round",
            np.array_equal(r["round"], np.arange(1, last + 1)), repr(r["round"]))
    finite = np.isfinite(r["train_loss"]) & np.isfinite(np.where(np.isnan(r["test_accuracy"]), 0.0,
                                                                 r["test_loss"]))
    c.check("diverged trace: only the last row is non-finite",
            finite[:-1].all() and not finite[-1], repr(finite))
    c.check("diverged trace: clients of every row kept",
            set(np.unique(t["clients"]["round"]).tolist()) == set(range(1, last + 1)))
    check_plot(c, "diverged trace", out, os.path.join(workdir, "diverged.png"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wfl-run", required=True)
    parser.add_argument("--minimal-fl", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()

    workdir = os.path.abspath(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    trace = os.path.join(workdir, "synthetic.h5")

    c = Checker()
    p = run([args.wfl_run] + scenario() + ["--output", trace])
    if c.check("wfl-run exits 0", p.returncode == 0,
               "rc=%d stderr=%r" % (p.returncode, p.stderr)):
        c.run("wfl-run trace", check_wfl_run_trace, trace)
        c.run("no overwrite", check_no_overwrite, args.wfl_run, trace)
        c.run("plot", check_plot, "wfl-run trace", trace, os.path.join(workdir, "plot.png"))
        c.run("plot inputs", check_plot_inputs, trace, workdir)
        c.run("reader tolerance", check_reader_tolerance, trace, workdir)
    c.run("bad rounds", check_bad_rounds, args.wfl_run, workdir)
    c.run("single round", check_single_round, args.wfl_run, workdir)
    c.run("diverged", check_diverged, args.wfl_run, workdir)
    c.run("minimal-fl", check_minimal_fl, args.minimal_fl, workdir)

    print("%d passed, %d failed" % (c.passed, len(c.failed)))
    for name in c.failed:
        print("  failed: %s" % name)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
