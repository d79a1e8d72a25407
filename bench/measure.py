"""One measurement in its own process: a tool loads an edge list and runs PageRank or SSSP.

``python -m bench.measure TOOL ALGORITHM EDGES [--tol T] [--source ID] [--workers N] [--threads T] [--values FILE]``
prints one JSON line: seconds to load, seconds to compute, per-superstep (or
per-iteration) milliseconds, the vertex and edge counts, and the process's peak
resident memory (``VmHWM``: ``ru_maxrss`` of this process alone) next to its resident
memory before loading (the interpreter and the imports). With ``--values`` the results are saved as
``(ids, values)`` so the harness can check every tool against the scipy reference.

Tools: ``batch`` and ``scalar`` (pregel's two APIs, local backend), ``ray`` (pregel's
Ray backend, batch API), ``scipy`` (pregel's reader, then sparse power iteration or
csgraph's Dijkstra), ``networkx`` (``read_edgelist``, then ``pagerank`` or Dijkstra)
and ``igraph`` (pregel's reader, since igraph's own cannot skip comment lines, then
``Graph(edges)`` and PRPACK PageRank or Dijkstra).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

# what a runner returns: its numbers, then the vertex ids and their values
Measured = tuple[dict[str, Any], np.ndarray, np.ndarray]

TOOLS = ("batch", "scalar", "ray", "scipy", "networkx", "igraph")
ALGORITHMS = ("pagerank", "sssp")


def _rss_mb() -> float:
    """Resident memory now (MB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """Peak resident memory of this process (MB).

    ``VmHWM``, the high-water mark of this process's own memory map: ``ru_maxrss``
    would do, except that Linux carries it across ``exec`` from the parent that
    spawned us, so a small measurement would report the harness's memory.
    """
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return max(kb, 0) / 1024


def _steps(seconds: list[float]) -> dict[str, Any]:
    """Per-superstep milliseconds; the first superstep also builds the routes, so it is kept apart."""
    rest = seconds[1:] or seconds
    return {
        "first_step_ms": 1e3 * seconds[0] if seconds else None,
        "step_ms": 1e3 * float(np.median(rest)) if rest else None,
        "step_ms_min": 1e3 * float(np.min(rest)) if rest else None,
    }


def run_pregel(tool: str, algorithm: str, path: str, args: argparse.Namespace) -> Measured:
    """pregel's APIs and backends, and (``tool == "scipy"``) its scipy reference, behind the same calls."""
    from pregel.algorithms.pagerank import pagerank
    from pregel.algorithms.sssp import sssp
    from pregel.io.edges import read_edges

    start = time.perf_counter()
    graph = read_edges(path)
    loaded = time.perf_counter()
    options: dict[str, Any] = {"scalar": {"api": "scalar"}, "scipy": {"backend": "scipy"}}.get(tool, {})
    if tool == "ray":
        options.update(backend="ray", workers=args.workers or 2)
    elif tool in ("batch", "scalar"):
        options.update(workers=args.workers, threads=args.threads)
    if algorithm == "pagerank":
        result = pagerank(graph, tol=args.tol, **options)
    else:
        result = sssp(graph, args.source, **options)
    done = time.perf_counter()
    seconds = [s.seconds for s in result.stats]
    out = {
        "load_s": loaded - start,
        "compute_s": done - loaded,
        "supersteps": result.supersteps,
        "vertices": graph.num_vertices,
        "edges": graph.num_edges,
        # pregel's first superstep also builds the routes; scipy's iterations are all alike
        **_steps(seconds if tool != "scipy" else [seconds[0], *seconds]),
    }
    if algorithm == "sssp":
        out["step_ms"] = None if tool == "scipy" else 1e3 * result.seconds / max(result.supersteps, 1)
    elif tool == "scipy":
        out["spmv_ms"] = _spmv_ms(graph)
    return out, graph.ids, result.values


def _spmv_ms(graph: Any) -> float:
    """Median milliseconds of the bare product at the heart of one power iteration."""
    import scipy.sparse as sp

    degree = graph.out_degree
    scale = np.divide(1.0, degree, out=np.zeros(graph.num_vertices), where=degree > 0)
    n = graph.num_vertices
    matrix = sp.csr_array((scale[graph.sources], graph.indices, graph.indptr), shape=(n, n)).T.tocsr()
    x = np.full(n, 1.0 / n)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        matrix @ x
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def run_networkx(tool: str, algorithm: str, path: str, args: argparse.Namespace) -> Measured:
    import networkx as nx

    start = time.perf_counter()
    weighted = _columns(path) == 3
    data = (("weight", float),) if weighted else False
    graph = nx.read_edgelist(path, create_using=nx.DiGraph, nodetype=int, data=data)
    loaded = time.perf_counter()
    n = graph.number_of_nodes()
    if algorithm == "pagerank":
        # networkx stops when the L1 change is below N * tol: the same rule as ours with tol / N
        values = nx.pagerank(graph, alpha=0.85, tol=args.tol / n, max_iter=1000)
    else:
        values = nx.single_source_dijkstra_path_length(graph, args.source, weight="weight")
    done = time.perf_counter()
    ids = np.array(sorted(graph.nodes), dtype=np.int64)
    out = [float(values.get(v, np.inf)) for v in ids.tolist()]
    stats = {"load_s": loaded - start, "compute_s": done - loaded, "vertices": n, "edges": graph.number_of_edges()}
    return stats, ids, np.array(out)


def run_igraph(tool: str, algorithm: str, path: str, args: argparse.Namespace) -> Measured:
    import igraph as ig

    from pregel.io.edges import read_edge_arrays

    start = time.perf_counter()
    src, dst, weights = read_edge_arrays(path)
    ids, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    edges = inverse.reshape(2, -1).T
    graph = ig.Graph(n=ids.size, edges=edges, directed=True)
    # igraph keeps repeated edges; merge them as the other tools do (smallest weight)
    if weights is not None:
        graph.es["weight"] = weights
    graph.simplify(loops=False, combine_edges="min" if weights is not None else None)
    loaded = time.perf_counter()
    if algorithm == "pagerank":
        values = np.array(graph.pagerank(damping=0.85, implementation="prpack"))
    else:
        source = int(np.searchsorted(ids, args.source))
        values = np.array(graph.distances(source=source, weights="weight" if weights is not None else None)[0])
    done = time.perf_counter()
    stats = {"load_s": loaded - start, "compute_s": done - loaded, "vertices": ids.size, "edges": graph.ecount()}
    return stats, ids, values


def _columns(path: str) -> int:
    """Columns of the first data line (networkx must be told whether there are weights)."""
    import gzip

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for line in f:
            if line.strip() and line.lstrip()[0] not in "#%":
                return len(line.replace(",", " ").split())
    return 2


RUNNERS: dict[str, Callable[..., Measured]] = {
    "batch": run_pregel,
    "scalar": run_pregel,
    "ray": run_pregel,
    "scipy": run_pregel,
    "networkx": run_networkx,
    "igraph": run_igraph,
}


def _import_tool(tool: str) -> None:
    """Import what the tool needs before the starting memory is taken: imports are not the graph's."""
    import scipy.sparse  # noqa: F401

    if tool == "networkx":
        import networkx  # noqa: F401
    elif tool == "igraph":
        import igraph  # noqa: F401
    elif tool == "ray":
        import ray  # noqa: F401
    import pregel.algorithms.pagerank  # noqa: F401
    import pregel.algorithms.reference  # noqa: F401
    import pregel.algorithms.sssp  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.measure", description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=TOOLS)
    parser.add_argument("algorithm", choices=ALGORITHMS)
    parser.add_argument("edges")
    parser.add_argument("--tol", type=float, default=1e-10)
    parser.add_argument("--source", type=int, default=0)
    parser.add_argument("--workers", type=int, help="partitions (default: one per core locally, 2 on Ray)")
    parser.add_argument("--threads", type=int, help="threads of the local backend (default: one per core)")
    parser.add_argument("--values", help="save (ids, values) here as .npz")
    args = parser.parse_args(argv)
    _import_tool(args.tool)
    base = _rss_mb()
    stats, ids, values = RUNNERS[args.tool](args.tool, args.algorithm, args.edges, args)
    stats.update(tool=args.tool, algorithm=args.algorithm, rss_base_mb=base, rss_peak_mb=_peak_mb())
    if args.values:
        np.savez(args.values, ids=np.asarray(ids), values=np.asarray(values, dtype=np.float64))
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
