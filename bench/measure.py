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
``igraph`` (pregel's reader, since igraph's own cannot skip comment lines, then
``Graph(edges)`` and PRPACK PageRank or Dijkstra), and, for PageRank only, the peers
``networkit`` (its PageRank with sinks spread; ``--threads`` threads), ``graphblas``
(graphblas-algorithms on SuiteSparse:GraphBLAS) and ``graphx`` (Spark GraphX's
``PageRank.runUntilConvergence`` on ``local[T]`` through pyspark's py4j gateway).
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

TOOLS = ("batch", "scalar", "ray", "scipy", "networkx", "igraph", "networkit", "graphblas", "graphx")
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
    from pregel.cli.main import small_pages
    from pregel.io.edges import read_edges

    if tool != "scipy":
        small_pages()  # as the pregel command does for its own process; scipy's row keeps numpy's default
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
        # networkx stops when the L1 change is below N * tol: the same rule as ours with tol / N; a weight column is
        # read but not used, as `pregel pagerank` reads it (nx.pagerank would weigh the edges by it)
        values = nx.pagerank(graph, alpha=0.85, tol=args.tol / n, max_iter=1000, weight=None)
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


def _coo(path: str, algorithm: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """The graph as sorted vertex ids and ``(rows, columns, weights)`` of their indices, repeated edges once.

    The peers below have no reader that skips comment lines and merges repeated edges as the
    others do, so they start from pregel's reader, as igraph does (the smallest weight is kept).
    For PageRank a weight column is read but not used (None), as ``pregel pagerank`` reads it.
    """
    from pregel.io.edges import read_edge_arrays

    src, dst, weights = read_edge_arrays(path)
    if algorithm == "pagerank":
        weights = None
    ids, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
    rows, cols = inverse[: src.size], inverse[src.size :]
    key = rows * ids.size + cols
    if weights is None:
        key, first = np.unique(key, return_index=True)
        return ids, rows[first], cols[first], None
    order = np.lexsort((weights, key))
    keep = np.concatenate(([True], key[order][1:] != key[order][:-1]))
    kept = order[keep]
    return ids, rows[kept], cols[kept], weights[kept]


def _threads(args: argparse.Namespace) -> int:
    return args.threads or os.cpu_count() or 1


def run_networkit(tool: str, algorithm: str, path: str, args: argparse.Namespace) -> Measured:
    """NetworKit's PageRank with sinks' rank spread over every vertex (its default ignores sinks)."""
    import networkit as nk
    import scipy.sparse as sp

    nk.setNumberOfThreads(_threads(args))
    start = time.perf_counter()
    ids, rows, cols, weights = _coo(path, algorithm)
    n = ids.size
    matrix = sp.coo_matrix((np.ones(rows.size) if weights is None else weights, (rows, cols)), shape=(n, n))
    graph = nk.GraphFromCoo(matrix, n, weighted=weights is not None, directed=True)
    loaded = time.perf_counter()
    if algorithm != "pagerank":
        raise SystemExit("networkit: pagerank only in this harness")
    ranking = nk.centrality.PageRank(
        graph, damp=0.85, tol=args.tol, distributeSinks=nk.centrality.SinkHandling.DistributeSinks
    )
    ranking.norm = nk.centrality.Norm.L1_NORM  # stop on the L1 change, as the others do
    ranking.maxIterations = 1000
    ranking.run()
    values = np.asarray(ranking.scores())
    done = time.perf_counter()
    stats = {"load_s": loaded - start, "compute_s": done - loaded, "vertices": n, "edges": graph.numberOfEdges()}
    stats["iterations"] = ranking.numberOfIterations()
    stats["step_ms"] = 1e3 * stats["compute_s"] / max(stats["iterations"], 1)
    return stats, ids, values


def run_graphblas(tool: str, algorithm: str, path: str, args: argparse.Namespace) -> Measured:
    """graphblas-algorithms' PageRank (networkx's definition: sinks spread over every vertex) on SuiteSparse."""
    import graphblas as gb
    import graphblas_algorithms as ga

    start = time.perf_counter()
    ids, rows, cols, weights = _coo(path, algorithm)
    n = ids.size
    values = 1.0 if weights is None else weights
    matrix = gb.Matrix.from_coo(rows, cols, values, dtype=float, nrows=n, ncols=n)
    graph = ga.DiGraph(matrix)
    loaded = time.perf_counter()
    if algorithm != "pagerank":
        raise SystemExit("graphblas: pagerank only in this harness")
    # networkx's rule (L1 change below N * tol): tol / N is ours
    ranks = ga.pagerank(graph, alpha=0.85, tol=args.tol / n, max_iter=1000)
    out = np.zeros(n)
    index, found = ranks.to_coo()
    out[index] = found
    done = time.perf_counter()
    stats = {"load_s": loaded - start, "compute_s": done - loaded, "vertices": n, "edges": matrix.nvals}
    return stats, ids, out


def run_graphx(tool: str, algorithm: str, path: str, args: argparse.Namespace) -> Measured:
    """Spark GraphX's own PageRank (``PageRank.runUntilConvergence``) on ``local[2]``, driven through py4j.

    GraphX reads the file with its own ``GraphLoader.edgeListFile`` (comment lines skipped,
    a weight column ignored). Its PageRank leaves sinks' rank out and stops when every
    vertex's own change is below ``tol``; with a uniform jump the ranks it converges to,
    scaled to sum 1 as done here, are those of the definition the others use (sinks
    spread over every vertex), which the check against scipy confirms.
    """
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(f"local[{_threads(args)}]")
        .appName("pregel-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "8g")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    try:
        jvm, jsc = spark._jvm, spark._jsc.sc()
        graphx = jvm.org.apache.spark.graphx
        start = time.perf_counter()
        level = jvm.org.apache.spark.storage.StorageLevel.MEMORY_ONLY()
        graph = graphx.GraphLoader.edgeListFile(jsc, path, False, _threads(args), level, level)
        graph.cache()
        edges = graph.edges().count()
        loaded = time.perf_counter()
        if algorithm != "pagerank":
            raise SystemExit("graphx: pagerank only in this harness")
        ints = jvm.scala.reflect.ClassTag.apply(jvm.java.lang.Integer.TYPE)
        ranks = graphx.lib.PageRank.runUntilConvergence(graph, args.tol, 0.15, ints, ints)
        pairs = ranks.vertices().toJavaRDD().collect()
        done = time.perf_counter()
        got = sorted((int(p._1()), float(p._2())) for p in pairs)
    finally:
        spark.stop()
    ids = np.array([v for v, _ in got], dtype=np.int64)
    values = np.array([r for _, r in got])
    values /= values.sum()
    stats = {"load_s": loaded - start, "compute_s": done - loaded, "vertices": ids.size, "edges": edges}
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
    "networkit": run_networkit,
    "graphblas": run_graphblas,
    "graphx": run_graphx,
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
    elif tool == "networkit":
        import networkit  # noqa: F401
    elif tool == "graphblas":
        import graphblas_algorithms  # noqa: F401
    elif tool == "graphx":
        import pyspark  # noqa: F401
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
