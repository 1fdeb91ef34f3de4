#!/usr/bin/python3
"""Write the small binary seeds of the fuzz corpora (IDX files and HDF5 traces).

The scenario seeds are plain INI text kept as they are. Run from this
directory with Debian's Python: /usr/bin/python3 make-seeds.py
"""
import gzip
import struct

import h5py
import numpy as np


def idx(dims, payload):
    return struct.pack(">I", 0x0800 | len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(payload)


def write_idx_seeds():
    labels = idx([4], [9, 0, 0, 3])
    images = idx([2, 3, 3], range(18))
    open("idx-reader/labels.idx", "wb").write(labels)
    open("idx-reader/images.idx", "wb").write(images)
    # mtime=0: the same bytes on every run
    open("idx-reader/images.gz", "wb").write(gzip.compress(images, mtime=0))


def column(group, name, values, dtype):
    group.create_dataset(name, data=np.asarray(values, dtype=dtype), maxshape=(None,), chunks=(4,))


def write_trace_seeds():
    # A trace as TraceFile writes it: scalar root attributes, chunked 1-D columns.
    with h5py.File("trace-reader/trace.h5", "w", track_order=False) as f:
        f.attrs["schema_version"] = np.int64(1)
        f.attrs["complete"] = np.int64(1)
        f.attrs["seed"] = np.int64(7)
        f.attrs["max_power_w"] = 0.2
        f.attrs["config"] = "[run]\nrounds = 2\n"
        rounds = f.create_group("rounds")
        column(rounds, "round", [1, 2], np.int64)
        column(rounds, "test_accuracy", [0.5, float("nan")], np.float64)
    # A sweep index: variable-length string columns beside numbers.
    with h5py.File("trace-reader/index.h5", "w") as f:
        f.attrs["kind"] = "wfl-sweep-index"
        f.attrs["complete"] = np.int64(0)
        points = f.create_group("points")
        text = h5py.string_dtype()
        points.create_dataset("status", data=np.array(["complete", "failed"], dtype=object), dtype=text)
        points.create_dataset("id", data=np.array([b"ab", b"cd"]))  # fixed-length strings
        column(points, "exit_code", [0, 2], np.int64)


write_idx_seeds()
write_trace_seeds()
