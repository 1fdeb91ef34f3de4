"""Reader for wfl HDF5 run traces (schema version 1).

    from wfl_trace import load_trace
    trace = load_trace("results/run.h5")
    trace["rounds"]["test_accuracy"]      # numpy array, NaN where not evaluated
    run_status(trace)                     # 'complete', 'diverged' or 'incomplete'

A trace is one HDF5 file per run: root attributes describe the run, /config
holds one string attribute per config key, /rounds and /clients are tables
stored as equal-length 1-D datasets (one dataset per column). Columns this
reader does not know are loaded like any other, so traces written by newer
minor revisions of the schema still load.
"""

import os

import h5py
import numpy as np

SUPPORTED_SCHEMA_VERSIONS = (1,)
TABLES = ("rounds", "clients")


def _decode(value):
    """Turn an HDF5 attribute value into a plain str / int / float."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return [_decode(v) for v in value.tolist()]
    return value


def _read_table(group, complete):
    """Read every 1-D dataset of a table group; returns (columns, units).

    A run killed while appending a row may leave some columns one row longer
    than the others; for an incomplete trace every column is cut to the
    shortest, which holds every row that was flushed.
    """
    columns, units = {}, {}
    for name, item in group.items():
        if not isinstance(item, h5py.Dataset) or item.ndim != 1:
            continue  # something a future schema added that is not a column
        columns[name] = item[()]
        units[name] = _decode(item.attrs.get("units", "1"))
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1 and not complete:
        shortest = min(lengths)
        columns = {k: v[:shortest] for k, v in columns.items()}
    elif len(lengths) > 1:
        raise ValueError("table /%s has columns of unequal length %s"
                         % (group.name.lstrip("/"), sorted(lengths)))
    return columns, units


def load_trace(path):
    """Load a wfl trace into a dict.

    Keys: 'attrs' (root attributes, str/int/float), 'config' (str -> str),
    'rounds' and 'clients' (column name -> numpy array), 'units'
    (column name -> units string; the two tables agree on shared names).
    Raises ValueError if the file is not a wfl trace or has a schema
    version this reader does not support; FileNotFoundError if it is missing.
    """
    path = str(path)
    if not os.path.isfile(path):
        raise FileNotFoundError("%s: no such file" % path)
    if not h5py.is_hdf5(path):
        raise ValueError("%s: not an HDF5 file, so not a wfl trace" % path)
    with h5py.File(path, "r") as f:
        if "schema_version" not in f.attrs:
            raise ValueError("%s: not a wfl trace (no schema_version attribute)" % path)
        version = _decode(f.attrs["schema_version"])
        if version not in SUPPORTED_SCHEMA_VERSIONS:
            raise ValueError("%s: unsupported wfl trace schema_version %r (this reader "
                             "supports %s)" % (path, version,
                                               ", ".join(map(str, SUPPORTED_SCHEMA_VERSIONS))))
        attrs = {k: _decode(v) for k, v in f.attrs.items()}
        config = {}
        if "config" in f and isinstance(f["config"], h5py.Group):
            config = {k: str(_decode(v)) for k, v in f["config"].attrs.items()}
        trace = {"attrs": attrs, "config": config, "units": {}}
        for table in TABLES:
            if table not in f:
                raise ValueError("%s: wfl trace has no /%s table" % (path, table))
            columns, units = _read_table(f[table], int(attrs.get("complete", 0)) == 1)
            trace[table] = columns
            trace["units"].update(units)
    _drop_unfinished_round(trace)
    return trace


def _drop_unfinished_round(trace):
    """Per-client rows of a round whose /rounds row was not flushed are dropped."""
    rounds = trace["rounds"].get("round")
    last = int(rounds[-1]) if rounds is not None and len(rounds) else 0
    for table in TABLES:
        if table == "rounds" or "round" not in trace[table]:
            continue
        keep = trace[table]["round"] <= last
        if not keep.all():
            trace[table] = {k: v[keep] for k, v in trace[table].items()}


def run_status(trace):
    """How the run ended: 'complete', 'diverged' or 'incomplete' (running, or killed).

    A diverged run stopped at root attribute diverged_round, the last row of
    /rounds (the first round with a NaN or Inf model or loss); it keeps
    complete = 0. Traces written before the status attribute existed are
    'complete' or 'incomplete' by their complete flag.
    """
    attrs = trace["attrs"]
    status = attrs.get("status")
    if status in ("complete", "diverged", "incomplete"):
        return status
    return "complete" if int(attrs.get("complete", 0)) == 1 else "incomplete"


def num_clients(trace):
    """Number of clients: distinct /clients/client values, else config data.clients."""
    clients = trace["clients"].get("client")
    if clients is not None and len(clients):
        return int(len(np.unique(clients)))
    value = trace["config"].get("data.clients")
    return int(value) if value is not None and value.isdigit() else None


# Per-round columns that let a reader check the over-the-air physics from the
# file alone (NaN where a scheme has no such notion, e.g. ideal or digital).
PHYSICS_COLUMNS = (
    "receive_scale",           # c of the first coherence block, sqrt(W)
    "average_norm",            # ||g_avg||, exact weighted average (beside the channel)
    "noise_power_w",           # sigma^2 per complex channel use, W
    "active_weight",           # W, sum of the senders' w_k (first block)
    "active_weight_estimate",  # what the server divided by: W (feedback) or W_hat (blind)
    "clipped_clients",         # blind: updates clipped to power.norm-bound
    "data_uses", "pilot_uses", "feedback_uses",  # channel uses by purpose
)


def physics_columns(trace):
    """The PHYSICS_COLUMNS of /rounds as a dict (KeyError if the trace predates them)."""
    rounds = trace["rounds"]
    missing = [c for c in PHYSICS_COLUMNS if c not in rounds]
    if missing:
        raise KeyError("trace has no /rounds columns %s (written before they existed?)"
                       % ", ".join(missing))
    return {c: rounds[c] for c in PHYSICS_COLUMNS}


def nmse_noise_term(trace):
    """Per-round NMSE that channel noise alone explains (numpy array).

    With inversion the server receives c sum_k w_k g_k + z and divides by
    c W_hat, so with every trained client sending,

        g_hat - g_avg = (W / W_hat - 1) g_avg + z / (c W_hat)

    and E[NMSE] = D sigma^2 / (2 c^2 W_hat^2 ||g_avg||^2) + (W / W_hat - 1)^2.
    D is the model's parameter count: the decoder keeps D real coordinates
    (padding discarded), each with noise variance sigma^2 / (2 c^2 W_hat^2),
    for analog and for rlc (docs/over-the-air.md, NMSE). Valid for one
    coherence block per round (c and W of block 0 hold for the whole slot).
    """
    p = physics_columns(trace)
    dim = float(trace["attrs"]["num_params"])
    c, w, w_hat = p["receive_scale"], p["active_weight"], p["active_weight_estimate"]
    with np.errstate(divide="ignore", invalid="ignore"):
        noise = dim * p["noise_power_w"] / (2.0 * c ** 2 * w_hat ** 2 * p["average_norm"] ** 2)
        return noise + (w / w_hat - 1.0) ** 2
