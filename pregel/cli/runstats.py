"""A run's per-superstep statistics, kept: as JSON (``--stats``) and as a plot (``--plot``).

The plot needs matplotlib (the ``plot`` extra); it is drawn off-screen (Agg), so it works
on machines without a display.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pregel.core.files import atomic_write
from pregel.core.types import Result
from pregel.errors import InputError


def stats_document(result: Result, **about: Any) -> dict[str, Any]:
    """The statistics of a run as plain JSON-ready values.

    Parameters
    ----------
    result : Result
    **about
        What else describes the run (command, input file, backend...), stored as given.

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.components import ConnectedComponents
    >>> r = pregel.run(pregel.Graph.from_edges([1], [2]).to_undirected(), ConnectedComponents)
    >>> doc = stats_document(r, command="cc")
    >>> doc["command"], doc["vertices"], doc["supersteps"], doc["stopped_by"], len(doc["stats"])
    ('cc', 2, 3, 'halted', 3)
    >>> print(*sorted(doc["stats"][0]))
    active aggregated compute_seconds messages_combined messages_sent seconds slowest_seconds superstep
    >>> doc["compute_seconds"] <= doc["seconds"]  # one core's estimate: the partitions' compute, summed
    True
    """
    return {
        **about,
        "vertices": result.graph.num_vertices,
        "edges": result.graph.num_edges,
        "supersteps": result.supersteps,
        "stopped_by": result.stopped_by,
        "seconds": result.seconds,
        # the COST question (docs/ray.md#when-ray-pays): one core's estimate against the run's overhead
        "compute_seconds": result.compute_seconds,
        "overhead_seconds": result.overhead_seconds,
        "workers_to_beat_one_core": result.workers_to_beat_one_core,
        "stats": [_strict(s.as_dict()) for s in result.stats],
        "recoveries": [r.as_dict() for r in result.recoveries],
    }


def write_stats(path: str | os.PathLike[str], result: Result, **about: Any) -> None:
    """Write :func:`stats_document` to ``path`` as JSON, atomically.

    Examples
    --------
    >>> import json, os, tempfile, pregel
    >>> from pregel.algorithms.components import ConnectedComponents
    >>> r = pregel.run(pregel.Graph.from_edges([1], [2]).to_undirected(), ConnectedComponents)
    >>> target = os.path.join(tempfile.mkdtemp(), "stats.json")
    >>> write_stats(target, r, command="cc")
    >>> [step["messages_sent"] for step in json.load(open(target))["stats"]]
    [2, 1, 0]
    """
    document = stats_document(result, **about)
    with atomic_write(path) as f:
        json.dump(document, f, indent=1, allow_nan=False)
        f.write("\n")


def require_matplotlib(path: str | os.PathLike[str] | None = None) -> None:
    """Fail early, before any work, if ``--plot`` cannot be drawn (into ``path``, by its suffix).

    Examples
    --------
    >>> require_matplotlib("run.png")
    >>> require_matplotlib("run.txt")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: run.txt: --plot draws ... files, not .txt
    """
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'pregel[plot]'") from None
    suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
    # (pgf is LaTeX's: it fails at the end of a run where no LaTeX is installed)
    known = sorted(set(FigureCanvasBase.get_supported_filetypes()) - {"pgf"})
    # a name without a suffix is drawn as a PNG (matplotlib's default format)
    if suffix and suffix not in known:
        listed = ", ".join(f".{k}" for k in known[:-1]) + f" or .{known[-1]}"
        raise InputError(f"{path}: --plot draws {listed} files, not .{suffix}")


def plot_run(
    path: str | os.PathLike[str],
    result: Result,
    measures: Mapping[str, str],
    title: str,
    tol: float | None = None,
) -> None:
    """Draw a run: its measures per superstep (log scale) above, work per superstep below.

    Parameters
    ----------
    path : str or path-like
        A ``.png`` (or any format matplotlib knows by the suffix), written atomically.
    result : Result
    measures : mapping of str to str
        Aggregator name → axis label, e.g. ``{"delta": "L1 change"}``; the upper panel
        is left out when the run has none of them.
    title : str
        Printed above the figure.
    tol : float, optional
        The tolerance the measure must fall below, drawn as a dashed line.

    Examples
    --------
    >>> import os, tempfile, pregel
    >>> from pregel.algorithms.pagerank import PageRank
    >>> r = pregel.run(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]), PageRank)
    >>> target = os.path.join(tempfile.mkdtemp(), "run.png")
    >>> plot_run(target, r, {"delta": "L1 change"}, "pagerank")
    >>> open(target, "rb").read(4)
    b'\\x89PNG'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = result.stats
    steps = np.array([s.superstep for s in history])
    shown = {
        label: np.array([float(s.aggregated.get(name, np.nan)) for s in history])
        for name, label in measures.items()
        if any(name in s.aggregated for s in history)
    }
    panels = 2 if shown else 1
    fig, axes = plt.subplots(panels, 1, figsize=(8, 3.2 * panels), sharex=True, squeeze=False)
    axes = axes[:, 0]
    if shown:
        for label, values in shown.items():
            positive = values > 0  # a log scale cannot show 0 (the first superstep has no change yet)
            axes[0].semilogy(steps[positive], values[positive], marker=".", label=label)
        if tol:
            axes[0].axhline(tol, color="grey", linestyle="--", linewidth=1, label=f"tol {tol:g}")
        axes[0].set_ylabel(", ".join(shown))
        axes[0].grid(True, which="major", alpha=0.3)
        axes[0].legend()
    work = axes[-1]
    work.plot(steps, [s.active for s in history], marker=".", label="active vertices")
    work.plot(steps, [s.messages_sent for s in history], marker=".", label="messages sent")
    work.plot(steps, [s.messages_combined for s in history], marker=".", label="after combining")
    work.set_yscale("symlog", linthresh=1)
    work.set_xlabel("superstep")
    work.set_ylabel("per superstep")
    work.grid(True, alpha=0.3)
    work.legend()
    g = result.graph
    fig.suptitle(f"{title}: {g.num_vertices:,} vertices, {g.num_edges:,} edges, {result.supersteps} supersteps")
    fig.tight_layout()
    fmt = os.path.splitext(str(path))[1].lstrip(".").lower() or "png"
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=110)
    plt.close(fig)


def _strict(value: Any) -> Any:
    """Strict JSON: infinities and NaN (an aggregator's identity, say) become the strings "inf", "nan"."""
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _strict(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value
