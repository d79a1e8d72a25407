"""``pregel info``: what is in an edge list, before anything runs on it.

Counts (vertices, edges, merged duplicates, self-loops, dangling vertices), the degree
distributions and the connected components, computed with numpy and
``scipy.sparse.csgraph`` in a few seconds for millions of edges.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pregel.core.graph import Graph

#: Percentiles of the degree distributions that ``pregel info`` reports.
PERCENTILES = (50, 90, 99)


def graph_info(graph: Graph) -> dict[str, Any]:
    """A summary of a graph as plain values (the ``--json`` output of ``pregel info``).

    Returns
    -------
    dict
        ``vertices``, ``edges``, ``duplicates_merged``, ``self_loops``, ``dangling``
        (no out-edges), ``no_in_edges``, ``weights`` (``None``, or min, max and the
        number of negative ones), ``out_degree`` and ``in_degree`` (min, mean, max and
        percentiles), ``weak_components`` and ``strong_components`` (count and the
        size of the largest).

    Examples
    --------
    >>> info = graph_info(Graph.from_edges([1, 2, 2, 3, 9], [2, 3, 3, 3, 8]))
    >>> info["vertices"], info["edges"], info["duplicates_merged"], info["self_loops"], info["dangling"]
    (5, 4, 1, 1, 1)
    >>> info["weak_components"]
    {'count': 2, 'largest': 3}
    >>> info["out_degree"]["max"], info["in_degree"]["max"]
    (1, 2)
    """
    n = graph.num_vertices
    in_degree = np.bincount(graph.indices, minlength=n)
    matrix = graph.to_scipy()
    weights = None
    if graph.weights is not None:
        weights = {
            "min": float(graph.weights.min()),
            "max": float(graph.weights.max()),
            "negative": int((graph.weights < 0).sum()),
        }
    return {
        "vertices": n,
        "edges": graph.num_edges,
        "duplicates_merged": graph.duplicates_merged,
        "self_loops": int((graph.sources == graph.indices).sum()),
        "dangling": int((graph.out_degree == 0).sum()),
        "no_in_edges": int((in_degree == 0).sum()),
        "weights": weights,
        "out_degree": degree_summary(graph.out_degree),
        "in_degree": degree_summary(in_degree),
        "weak_components": _components(matrix, "weak"),
        "strong_components": _components(matrix, "strong"),
    }


def degree_summary(degrees: np.ndarray) -> dict[str, float | int]:
    """Min, mean, max and :data:`PERCENTILES` of a degree array.

    Examples
    --------
    >>> degree_summary(np.array([0, 1, 1, 2, 10]))
    {'min': 0, 'mean': 2.8, 'max': 10, 'p50': 1.0, 'p90': 6.8, 'p99': 9.68}
    """
    if degrees.size == 0:
        return {"min": 0, "mean": 0.0, "max": 0, **{f"p{p}": 0.0 for p in PERCENTILES}}
    summary: dict[str, float | int] = {
        "min": int(degrees.min()),
        "mean": float(degrees.mean()),
        "max": int(degrees.max()),
    }
    for p, value in zip(PERCENTILES, np.percentile(degrees, PERCENTILES)):
        summary[f"p{p}"] = round(float(value), 6)
    return summary


def format_info(info: dict[str, Any], name: str) -> str:
    """``pregel info``'s text: one fact per line, then a small table of degrees.

    Examples
    --------
    >>> text = format_info(graph_info(Graph.from_edges([1, 2], [2, 3])), "edges.txt")
    >>> print(text.splitlines()[1])
      vertices                          3
    """
    n = info["vertices"]
    weights = info["weights"]
    weak, strong = info["weak_components"], info["strong_components"]
    rows = [
        ("vertices", f"{n:,}", ""),
        ("edges", f"{info['edges']:,}", ""),
        ("duplicate edges merged", f"{info['duplicates_merged']:,}", ""),
        ("self-loops", f"{info['self_loops']:,}", ""),
        ("dangling vertices", f"{info['dangling']:,}", f"no out-edges, {_share(info['dangling'], n)}"),
        ("vertices without in-edges", f"{info['no_in_edges']:,}", _share(info["no_in_edges"], n)),
        (
            "weights",
            "none" if weights is None else "yes",
            ""
            if weights is None
            else f"min {weights['min']:g}, max {weights['max']:g}, {weights['negative']:,} negative",
        ),
        (
            "weakly connected components",
            f"{weak['count']:,}",
            f"largest {weak['largest']:,} vertices, {_share(weak['largest'], n)}",
        ),
        (
            "strongly connected components",
            f"{strong['count']:,}",
            f"largest {strong['largest']:,} vertices, {_share(strong['largest'], n)}",
        ),
    ]
    label_width = max(len(label) for label, _, _ in rows)
    number_width = max(len(number) for _, number, _ in rows)
    lines = [name]
    lines += [f"  {label:<{label_width}}  {number:>{number_width}}  {note}".rstrip() for label, number, note in rows]
    lines += ["", *_degree_table(info)]
    return "\n".join(lines) + "\n"


def _degree_table(info: dict[str, Any]) -> list[str]:
    columns = ["min", "p50", "mean", *(f"p{p}" for p in PERCENTILES if p != 50), "max"]
    header = ["degree", *("median" if c == "p50" else c for c in columns)]
    body = [[kind, *(_degree(info[f"{kind}_degree"][c]) for c in columns)] for kind in ("out", "in")]
    widths = [max(len(row[k]) for row in [header, *body]) for k in range(len(header))]
    return [
        "  " + "  ".join(cell.rjust(w) if k else cell.ljust(w) for k, (cell, w) in enumerate(zip(row, widths)))
        for row in [header, *body]
    ]


def _components(matrix: Any, connection: str) -> dict[str, int]:
    from scipy.sparse import csgraph  # imported here: it slows the start of every other command

    count, labels = csgraph.connected_components(matrix, directed=True, connection=connection)
    largest = int(np.bincount(labels).max()) if labels.size else 0
    return {"count": int(count), "largest": largest}


def _degree(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"
