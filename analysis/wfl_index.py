"""Reader for wfl sweep indexes (OUT/index.h5 written by wfl-sweep, schema version 1).

    from wfl_index import load_index, group_mean
    index = load_index("results/sweep")            # the directory or its index.h5
    index["columns"]["final_accuracy"]             # numpy array, one entry per point
    index["columns"]["axis:coding.scheme"]         # swept values as str
    index["columns"]["axisnum:channel.snr-db"]     # ... and as float when numeric (NaN:
                                                   # the axis does not apply to the point)
    curves = group_mean(index, "channel.snr-db", ["coding.scheme"], "final_accuracy")

The index has one row per point (a config of the grid and a seed); the
summary columns are computed by wfl-sweep from each point's trace. A point's
status is one of STATUSES: 'complete'; 'diverged' (its training became NaN or
Inf and stopped at diverged_round: a result, not a failure, never re-run);
'incomplete' (running or killed); 'failed' (exit_code and error say why);
'missing' (not run yet).
"""

import csv
import math
import os

import h5py
import numpy as np

SUPPORTED_SCHEMA_VERSIONS = (1,)
STATUSES = ("complete", "diverged", "incomplete", "failed", "missing")
KIND = "wfl-sweep-index"
INDEX_FILE = "index.h5"
# wfl's kNearConstantShare (model/numeric/evaluation.h): a final model that
# gives one class to at least this share of the test images is near-constant
# (column final_top_class_share; collapsed or never trained).
NEAR_CONSTANT_SHARE = 0.9


def _decode(value):
    """Turn an HDF5 attribute value into a plain str / int / float."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _read_column(dataset):
    """A 1-D dataset as a numpy array; strings (vlen or fixed) become a str array."""
    data = dataset[()]
    if h5py.check_string_dtype(dataset.dtype) is not None or data.dtype.kind in "OSU":
        values = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in data.tolist()]
        return np.array(values, dtype=str) if values else np.array([], dtype=str)
    return np.asarray(data)


def _as_numbers(strings):
    """float array if every non-empty string parses as a number (and one does), else None.

    An empty value is a conditional axis that does not apply to the point
    (e.g. the SNR of the ideal uplink); it becomes NaN.
    """
    if not any(s != "" for s in strings):
        return None
    try:
        return np.array([float(s) if s != "" else np.nan for s in strings], dtype=float)
    except ValueError:
        return None


def index_path(path_or_dir):
    """OUT_DIR/index.h5 for a directory, the path itself otherwise."""
    path = str(path_or_dir)
    return os.path.join(path, INDEX_FILE) if os.path.isdir(path) else path


def load_index(path_or_dir):
    """Load a sweep index into a dict.

    Keys: 'path', 'dir' (the sweep's OUT directory), 'attrs' (root attributes),
    'axes' (swept config keys, in grid order), 'columns' (name -> numpy array;
    axis values under 'axis:<key>' (str) and 'axisnum:<key>' (float, numeric
    axes only)), 'rows' (number of points).
    Raises FileNotFoundError if missing, ValueError if the file is not a wfl
    sweep index or has an unsupported schema_version.
    """
    path = index_path(path_or_dir)
    if not os.path.isfile(path):
        raise FileNotFoundError("%s: no such file" % path)
    if not h5py.is_hdf5(path):
        raise ValueError("%s: not an HDF5 file, so not a wfl sweep index" % path)
    with h5py.File(path, "r") as f:
        kind = _decode(f.attrs.get("kind", ""))
        if kind != KIND or "schema_version" not in f.attrs:
            raise ValueError("%s: not a wfl sweep index (kind %r, expected %r)" % (path, kind, KIND))
        version = _decode(f.attrs["schema_version"])
        if version not in SUPPORTED_SCHEMA_VERSIONS:
            raise ValueError("%s: unsupported wfl sweep index schema_version %r (this reader "
                             "supports %s)" % (path, version,
                                               ", ".join(map(str, SUPPORTED_SCHEMA_VERSIONS))))
        if "points" not in f or not isinstance(f["points"], h5py.Group):
            raise ValueError("%s: wfl sweep index has no /points group" % path)
        attrs = {k: _decode(v) for k, v in f.attrs.items()}
        points = f["points"]
        columns = {name: _read_column(item) for name, item in points.items()
                   if isinstance(item, h5py.Dataset) and item.ndim == 1}
        listed = [k for k in str(attrs.get("axes", "")).split(",") if k.strip()]
        stored = points["axes"] if isinstance(points.get("axes"), h5py.Group) else {}
        numeric = points["axes_numeric"] if isinstance(points.get("axes_numeric"), h5py.Group) else {}
        axes = [k.strip() for k in listed if k.strip() in stored]
        axes += [k for k in stored if k not in axes]
        for key in axes:
            strings = _read_column(stored[key])
            columns["axis:" + key] = strings
            values = (np.asarray(numeric[key][()], dtype=float) if key in numeric
                      else _as_numbers(strings))
            if values is not None:
                columns["axisnum:" + key] = values
    for required in ("id", "status"):
        if required not in columns:
            raise ValueError("%s: wfl sweep index has no /points/%s column" % (path, required))
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError("%s: /points has columns of unequal length %s" % (path, sorted(lengths)))
    rows = lengths.pop() if lengths else 0
    return {"path": path, "dir": os.path.dirname(os.path.abspath(path)), "attrs": attrs,
            "axes": axes, "columns": columns, "rows": rows}


def status_counts(index):
    """Points per status, every status of STATUSES present (0 if none)."""
    status = index["columns"]["status"]
    return {s: int((status == s).sum()) for s in STATUSES}


def numeric_axes(index):
    """Swept keys whose values are all numbers."""
    return [k for k in index["axes"] if "axisnum:" + k in index["columns"]]


def _plain(value):
    """numpy scalar -> Python scalar (for records and CSV)."""
    return value.item() if isinstance(value, np.generic) else value


def to_records(index):
    """One dict per point, with every column (pandas-style records)."""
    names = list(index["columns"])
    return [{n: _plain(index["columns"][n][i]) for n in names} for i in range(index["rows"])]


def write_csv(index, path):
    """Write the points table as CSV (header = column names; NaN written as 'nan')."""
    names = list(index["columns"])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for record in to_records(index):
            writer.writerow([_csv_cell(record[n]) for n in names])


def _csv_cell(value):
    """Floats in full precision (repr), NaN as 'nan'; everything else as is."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    return value


def axis_values(index, key):
    """Values of a swept key (float when numeric, else str) or of a plain column."""
    columns = index["columns"]
    for name in ("axisnum:" + key, "axis:" + key, key):
        if name in columns:
            return columns[name]
    raise KeyError("%s: neither a swept key nor a column of the index" % key)


def sort_key(text):
    """Numbers in numeric order before other strings."""
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


def sorted_groups(groups):
    """Tuples of axis values (str) sorted with numbers in numeric order."""
    return sorted(groups, key=lambda g: tuple(sort_key(v) for v in g))


def group_mean(index, x_key, group_keys, value, ddof=1):
    """Mean/std/min/max/count of `value` over the points that share x and group.

    Only points with status 'complete' and a finite value are used (diverged
    points are not: their summaries describe a run that left the floats); x_key is a
    swept key (or a column), group_keys a list of swept keys (None: every axis
    but x_key). Returns {group tuple of str: {'x', 'mean', 'std', 'min', 'max',
    'count'} arrays sorted by x}, groups in numeric-then-text order; std is the sample std (ddof=1; 0 for one point).
    """
    if group_keys is None:
        group_keys = [k for k in index["axes"] if k != x_key]
    cols = index["columns"]
    x = axis_values(index, x_key)
    y = np.asarray(cols[value], dtype=float)
    keep = (cols["status"] == "complete") & np.isfinite(y)
    if x.dtype.kind == "f":
        keep &= np.isfinite(x)
    labels = [cols.get("axis:" + k, cols.get(k)) for k in group_keys]
    groups = list(zip(*[[str(v) for v in c] for c in labels])) if group_keys else \
        [()] * index["rows"]
    cells = {}
    for i in np.flatnonzero(keep):
        cells.setdefault(groups[i], {}).setdefault(_plain(x[i]), []).append(y[i])
    result = {}
    for group in sorted_groups(cells):
        xs = sorted(cells[group])
        samples = [np.array(cells[group][v]) for v in xs]
        result[group] = {
            "x": np.array(xs),
            "mean": np.array([s.mean() for s in samples]),
            "std": np.array([s.std(ddof=ddof) if len(s) > ddof else 0.0 for s in samples]),
            "min": np.array([s.min() for s in samples]),
            "max": np.array([s.max() for s in samples]),
            "count": np.array([len(s) for s in samples], dtype=np.int64),
        }
    return result
