"""The algorithm library against networkx, igraph and NetworKit: whole-process time of each algorithm on each graph.

    python bench/algorithms.py [--edges 1000000] [--repeat 3] [--only bfs,ppr] [--tools pregel,networkx,networkit]

Each measurement is its own process (``python bench/algorithms.py --measure TOOL ALGORITHM
EDGES``): the interpreter starting, the imports, reading the edge list and the run, as a
user would wait for them. The harness keeps the fastest of ``--repeat`` runs (on a shared
machine, the least disturbed one), checks that every tool's answer equals pregel's, and
prints a Markdown table. The graphs: datasets/p2p-Gnutella31.txt.gz, an R-MAT graph of
``--edges`` edges (``pregel generate rmat``, seed 1), written into ``--graphs-dir``, and with
``--grid N`` an N x N grid (a road network's shape: what a label crossing the graph one
edge a superstep makes slow).

pregel runs its batch program on the local backend with its default partitions (one per
core once the graph is large enough; semi-synchronous lpa one). networkx reads the
edge list with ``read_edgelist``; igraph and NetworKit (where they have the algorithm) are
given pregel's reader's arrays, as igraph's own reader cannot skip comment lines.
NetworKit runs on one thread. Each algorithm is one entry of
``ALGORITHMS``: its pregel, networkx, igraph and NetworKit runs, and how two answers
compare (NetworKit's label propagation and matching are other algorithms than pregel's:
timed, not compared).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import child_env

START = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
GNUTELLA = ROOT / "datasets" / "p2p-Gnutella31.txt.gz"
TOOLS = ("pregel", "networkx", "igraph", "networkit")

# what a run returns: the vertex ids and one value per vertex
Answer = tuple[np.ndarray, np.ndarray]


@dataclass
class Entry:
    """One algorithm: how each tool runs it on a loaded graph, and whether two answers agree."""

    pregel: Callable[[Any, int], np.ndarray]
    networkx: Callable[[Any, int], dict]
    igraph: Callable[[Any, int], np.ndarray] | None
    agree: Callable[[np.ndarray, np.ndarray], bool | None] = lambda a, b: bool(np.array_equal(a, b))
    networkit: Callable[[Any, int], np.ndarray] | None = None
    #: False where NetworKit's algorithm is another one (its answers differ by design)
    networkit_compared: bool = True


def _networkx_undirected(G: Any) -> Any:
    import networkx as nx

    undirected = nx.Graph(G)
    undirected.remove_edges_from(list(nx.selfloop_edges(undirected)))
    return undirected


def _igraph_undirected(g: Any) -> Any:
    undirected = g.as_undirected()
    undirected.simplify()
    return undirected


def _smallest_labels(membership: Any, ids: np.ndarray) -> np.ndarray:
    """Component numbers as the smallest id in each component."""
    membership = np.asarray(membership)
    smallest = np.full(membership.max() + 1 if membership.size else 0, np.iinfo(np.int64).max)
    np.minimum.at(smallest, membership, ids)
    return smallest[membership]


# ---------------------------------------------------------------- issue 18: bfs, scc, kcore, triangles
def _pregel_bfs(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.bfs import bfs

    return bfs(graph, source).values


def _pregel_scc(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.scc import strongly_connected_components

    return strongly_connected_components(graph).values


def _pregel_cc(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.components import connected_components

    return connected_components(graph).values


def _pregel_kcore(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.kcore import core_numbers

    return core_numbers(graph).values


def _pregel_triangles(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.triangles import triangles

    return triangles(graph).values  # the global numbers come with it, in result.aggregated


def _smallest_member(communities: Any) -> dict:
    """Each vertex's community named by its smallest member (``min`` once per community, not once per vertex)."""
    label = {}
    for members in communities:
        label.update(dict.fromkeys(members, min(members)))
    return label


def _networkx_scc(G: Any, source: int) -> dict:
    import networkx as nx

    return _smallest_member(nx.strongly_connected_components(G))


def _networkx_cc(G: Any, source: int) -> dict:
    import networkx as nx

    return _smallest_member(nx.weakly_connected_components(G))


def _networkx_kcore(G: Any, source: int) -> dict:
    import networkx as nx

    return nx.core_number(_networkx_undirected(G))


def _networkx_triangles(G: Any, source: int) -> dict:
    import networkx as nx

    return nx.triangles(_networkx_undirected(G))


def _networkx_bfs(G: Any, source: int) -> dict:
    import networkx as nx

    return nx.single_source_shortest_path_length(G, source)


def _igraph_bfs(g: Any, source: int) -> np.ndarray:
    return np.asarray(g.distances(source=[source], mode="out")[0], dtype=np.float64)


def _igraph_scc(g: Any, source: int) -> np.ndarray:
    return _smallest_labels(g.connected_components(mode="strong").membership, np.asarray(g.vs["id"]))


def _igraph_cc(g: Any, source: int) -> np.ndarray:
    return _smallest_labels(g.connected_components(mode="weak").membership, np.asarray(g.vs["id"]))


def _igraph_kcore(g: Any, source: int) -> np.ndarray:
    return np.asarray(_igraph_undirected(g).coreness())


def _igraph_triangles(g: Any, source: int) -> np.ndarray:
    corners = np.asarray(_igraph_undirected(g).list_triangles(), dtype=np.int64).ravel()
    return np.bincount(corners, minlength=g.vcount())


@dataclass
class Numbered:
    """A NetworKit graph (vertices 0..N-1) and the ids its vertices stand for."""

    graph: Any
    ids: np.ndarray


def _networkit_undirected(g: Numbered) -> Any:
    import networkit as nk

    undirected = nk.graphtools.toUndirected(g.graph)
    undirected.removeSelfLoops()
    undirected.removeMultiEdges()
    return undirected


def _networkit_bfs(g: Numbered, source: int) -> np.ndarray:
    import networkit as nk

    search = nk.distance.BFS(g.graph, source, storePaths=False)
    search.run()
    hops = np.asarray(search.getDistances(), dtype=np.float64)
    return np.where(hops > 1e300, math.inf, hops)  # NetworKit's unreachable is the largest double


def _networkit_scc(g: Numbered, source: int) -> np.ndarray:
    import networkit as nk

    components = nk.components.StronglyConnectedComponents(g.graph)
    components.run()
    return _smallest_labels(components.getPartition().getVector(), g.ids)


def _networkit_cc(g: Numbered, source: int) -> np.ndarray:
    import networkit as nk

    components = nk.components.WeaklyConnectedComponents(g.graph)
    components.run()
    return _smallest_labels(components.getPartition().getVector(), g.ids)


def _networkit_kcore(g: Numbered, source: int) -> np.ndarray:
    import networkit as nk

    cores = nk.centrality.CoreDecomposition(_networkit_undirected(g))
    cores.run()
    return np.asarray(cores.scores())


def _networkit_triangles(g: Numbered, source: int) -> np.ndarray:
    import networkit as nk

    undirected = _networkit_undirected(g)
    clustering = nk.centrality.LocalClusteringCoefficient(undirected)
    clustering.run()
    degree = np.array([undirected.degree(v) for v in range(undirected.numberOfNodes())], dtype=np.float64)
    # the local clustering is triangles over pairs of neighbours
    return np.rint(np.asarray(clustering.scores()) * degree * (degree - 1) / 2)


ALGORITHMS: dict[str, Entry] = {
    "bfs": Entry(_pregel_bfs, _networkx_bfs, _igraph_bfs, networkit=_networkit_bfs),
    "scc": Entry(_pregel_scc, _networkx_scc, _igraph_scc, networkit=_networkit_scc),
    "cc": Entry(_pregel_cc, _networkx_cc, _igraph_cc, networkit=_networkit_cc),
    "kcore": Entry(_pregel_kcore, _networkx_kcore, _igraph_kcore, networkit=_networkit_kcore),
    "triangles": Entry(_pregel_triangles, _networkx_triangles, _igraph_triangles, networkit=_networkit_triangles),
}
# ---------------------------------------------------------------- end of issue 18's first block
# ---------------------------------------------------------------- issue 18: ppr, lpa, betweenness, mis, matching
SAMPLES = 256
"""Betweenness from this many sampled sources (networkx's ``k``): exact betweenness of a 60,000-vertex graph
takes networkx hours."""


def _sources(ids: list[int], source: int) -> list[int]:
    """The sources of personalized PageRank: the most connected vertex and the three smallest ids."""
    return [source, *[v for v in sorted(ids)[:4] if v != source][:3]]


def _pregel_ppr(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.columns import as_matrix
    from pregel.algorithms.ppr import personalized_pagerank

    return as_matrix(personalized_pagerank(graph, _sources(graph.ids.tolist(), source), tol=1e-9).values).ravel()


def _pregel_lpa(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.lpa import label_propagation

    return label_propagation(graph).values


def _pregel_betweenness(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.betweenness import betweenness

    return betweenness(graph, samples=min(SAMPLES, graph.num_vertices), seed=1).values


def _pregel_mis(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.mis import maximal_independent_set

    return maximal_independent_set(graph, seed=1).values


def _pregel_matching(graph: Any, source: int) -> np.ndarray:
    from pregel.algorithms.matching import maximal_matching

    return maximal_matching(graph, seed=1).values


def _networkx_ppr(G: Any, source: int) -> dict:
    import networkx as nx

    columns = [
        nx.pagerank(G, personalization={s: 1}, tol=1e-9 / len(G), max_iter=1000) for s in _sources(list(G), source)
    ]
    return {v: np.array([column[v] for column in columns]) for v in G}


def _networkx_lpa(G: Any, source: int) -> dict:
    import networkx as nx

    undirected = nx.Graph()
    undirected.add_nodes_from(sorted(G))  # networkx breaks ties by node order: pregel's is the id order
    undirected.add_edges_from(G.edges)
    return _smallest_member(nx.community.label_propagation_communities(undirected))


def _networkx_betweenness(G: Any, source: int) -> dict:
    import networkx as nx

    ordered = nx.DiGraph()
    ordered.add_nodes_from(sorted(G))  # networkx samples from the node order: pregel's is the id order
    ordered.add_edges_from(G.edges)
    return nx.betweenness_centrality(ordered, k=min(SAMPLES, len(G)), seed=1)


def _networkx_mis(G: Any, source: int) -> dict:
    import networkx as nx

    members = nx.maximal_independent_set(_networkx_undirected(G), seed=1)
    return {v: int(v in members) for v in G}


def _networkx_matching(G: Any, source: int) -> dict:
    import networkx as nx

    partner = dict.fromkeys(G, -1)
    for u, v in nx.maximal_matching(_networkx_undirected(G)):
        partner[u], partner[v] = v, u
    return partner


def _igraph_ppr(g: Any, source: int) -> np.ndarray:
    ids = g.vs["id"]
    starts = [ids.index(s) for s in _sources(ids, ids[source])]
    columns = [g.personalized_pagerank(reset_vertices=[s]) for s in starts]
    return np.column_stack(columns).ravel()


def _igraph_betweenness(g: Any, source: int) -> np.ndarray:
    import random

    from pregel.algorithms.betweenness import rescale_betweenness

    n = g.vcount()
    # the sources networkx samples from the vertices in id order (igraph numbers them so)
    sampled = random.Random(1).sample(range(n), min(SAMPLES, n))
    raw = np.asarray(g.betweenness(directed=True, sources=sampled), dtype=np.float64)
    return rescale_betweenness(raw, True, True, False, None if len(sampled) == n else np.array(sampled))


def _networkit_lpa(g: Numbered, source: int) -> np.ndarray:
    import networkit as nk

    # PLP: NetworKit's label propagation (another update order and tie rule than networkx's)
    communities = nk.community.PLP(_networkit_undirected(g))
    communities.run()
    return _smallest_labels(communities.getPartition().getVector(), g.ids)


def _networkit_matching(g: Numbered, source: int) -> np.ndarray:
    import networkit as nk

    # the Suitor algorithm: a maximal (half-approximate heaviest) matching, all weights 1
    matcher = nk.matching.SuitorMatcher(_networkit_undirected(g))
    matcher.run()
    mates = np.asarray(matcher.getMatching().getVector(), dtype=np.float64)
    return np.where(mates > 1e18, -1, mates)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=0, atol=1e-8))


def _not_compared(a: np.ndarray, b: np.ndarray) -> None:
    """Random answers: every tool's is valid and they differ (the tests check pregel's for validity)."""
    return None


ALGORITHMS.update(
    {
        "ppr": Entry(_pregel_ppr, _networkx_ppr, _igraph_ppr, _close),
        "lpa": Entry(_pregel_lpa, _networkx_lpa, None, networkit=_networkit_lpa, networkit_compared=False),
        "betweenness": Entry(_pregel_betweenness, _networkx_betweenness, _igraph_betweenness, _close),
        "mis": Entry(_pregel_mis, _networkx_mis, None, _not_compared),
        "matching": Entry(
            _pregel_matching, _networkx_matching, None, _not_compared, _networkit_matching, networkit_compared=False
        ),
    }
)
# ---------------------------------------------------------------- end of issue 18's second block

# the value a vertex gets when networkx leaves it out of its answer (unreachable in a BFS)
MISSING = {"bfs": math.inf}


# ---------------------------------------------------------------- one measurement, in its own process
def measure(tool: str, algorithm: str, path: str, source: int, values: str) -> dict[str, Any]:
    """Load ``path`` with ``tool``, run ``algorithm``; save ``(ids, values)`` to ``values``; the times."""
    entry = ALGORITHMS[algorithm]
    loading = time.perf_counter()
    if tool == "networkx":
        import networkx as nx

        G = nx.read_edgelist(path, create_using=nx.DiGraph, nodetype=int, comments="#")
        loaded = time.perf_counter()
        found = entry.networkx(G, source)
        done = time.perf_counter()
        ids = np.array(sorted(G), dtype=np.int64)
        answer = np.array([found.get(v, MISSING.get(algorithm, -1)) for v in ids.tolist()]).ravel()
    else:
        from pregel.io.edges import read_edges

        graph = read_edges(path)
        if tool == "igraph":
            import igraph as ig

            g = ig.Graph(graph.num_vertices, np.column_stack([graph.sources, graph.indices]).tolist(), directed=True)
            g.vs["id"] = graph.ids.tolist()
            loaded = time.perf_counter()
            answer = entry.igraph(g, int(graph.index_of(source)[0]))
        elif tool == "networkit":
            import networkit as nk

            nk.engineering.setNumberOfThreads(1)
            g = nk.Graph(graph.num_vertices, directed=True)
            g.addEdges((graph.sources.astype(np.uint64), graph.indices.astype(np.uint64)))
            loaded = time.perf_counter()
            answer = entry.networkit(Numbered(g, graph.ids), int(graph.index_of(source)[0]))
        else:
            loaded = time.perf_counter()
            answer = entry.pregel(graph, source)
        done = time.perf_counter()
        ids = graph.ids
    np.save(values, np.asarray(answer, dtype=np.float64))
    return {"load_s": loaded - loading, "compute_s": done - loaded, "imports_s": loading - START}


# ---------------------------------------------------------------- the harness
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, default=1_000_000, help="edges of the R-MAT graph (default 1000000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, the fastest kept (default 3)")
    parser.add_argument("--only", default=",".join(ALGORITHMS), help="algorithms to run (default: all)")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"tools to run (default: {','.join(TOOLS)})")
    parser.add_argument("--graphs-dir", default=str(ROOT / "bench" / "graphs"), help="where the R-MAT graph goes")
    parser.add_argument(
        "--grid",
        type=int,
        default=0,
        help="also an N x N grid, every edge both ways: a road network's shape, of diameter 2N (default: none)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run is given up (default 900)")
    parser.add_argument("--measure", nargs=5, metavar=("TOOL", "ALGORITHM", "EDGES", "SOURCE", "VALUES"))
    args = parser.parse_args(argv)
    if args.measure:
        tool, algorithm, path, source, values = args.measure
        print(json.dumps(measure(tool, algorithm, path, int(source), values)))
        return 0
    graphs = [GNUTELLA, rmat_file(Path(args.graphs_dir), args.edges)]
    if args.grid:
        graphs.append(grid_file(Path(args.graphs_dir), args.grid))
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for path in graphs:
            source = _most_connected(path)
            for algorithm in args.only.split(","):
                reference = None
                for tool in args.tools.split(","):
                    if getattr(ALGORITHMS[algorithm], tool) is None:
                        continue
                    values = os.path.join(scratch, f"{tool}-{algorithm}.npy")
                    best = _fastest(tool, algorithm, str(path), source, values, args)
                    if best.get("error") is None:
                        answer = np.load(values)
                        if tool == "pregel":
                            reference = answer
                        agree = ALGORITHMS[algorithm].agree
                        if tool == "networkit" and not ALGORITHMS[algorithm].networkit_compared:
                            agree = _not_compared
                        best["agrees"] = agree(answer, reference) if reference is not None else False
                    rows.append({"graph": path.name, "algorithm": algorithm, "tool": tool, **best})
                    print(_row(rows[-1], rows), file=sys.stderr, flush=True)
    print(_table(rows))
    return 0


def grid_file(folder: Path, side: int) -> Path:
    """The ``side`` x ``side`` grid in ``folder``, every edge both ways, vertices numbered row by row, written once."""
    path = folder / f"grid-{side}.txt"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        v = np.arange(side * side).reshape(side, side)
        right = np.column_stack([v[:, :-1].ravel(), v[:, 1:].ravel()])
        down = np.column_stack([v[:-1, :].ravel(), v[1:, :].ravel()])
        pairs = np.concatenate([right, down, right[:, ::-1], down[:, ::-1]])
        np.savetxt(path, pairs, fmt="%d")
    return path


def rmat_file(folder: Path, edges: int) -> Path:
    """The R-MAT graph of ``edges`` edges (seed 1) in ``folder``, generated once."""
    path = folder / f"rmat-{edges}.txt"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pregel", "generate", "rmat", "--edges", str(edges), "--seed", "1"]
            + ["--output", str(path), "--quiet"],
            check=True,
            env=child_env(),
        )
    return path


def _most_connected(path: Path) -> int:
    """The BFS source: the vertex with the most out-edges."""
    sys.path.insert(0, str(ROOT))
    from pregel.io.edges import read_edges

    graph = read_edges(path)
    return int(graph.ids[np.argmax(graph.out_degree)])


def _fastest(tool: str, algorithm: str, path: str, source: int, values: str, args: argparse.Namespace) -> dict:
    """The fastest of ``--repeat`` whole-process runs: wall seconds, and the load and compute times inside."""
    best: dict[str, Any] = {}
    for _ in range(args.repeat):
        command = [sys.executable, __file__, "--measure", tool, algorithm, path, str(source), values]
        start = time.perf_counter()
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=args.timeout,
                env=child_env(),
            )
        except subprocess.TimeoutExpired:
            return {"error": f"over {args.timeout:g} s"}
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
        if not best or seconds < best["process_s"]:
            best = {"process_s": seconds, **json.loads(done.stdout)}
    return best


def _row(row: dict, rows: list[dict]) -> str:
    """One line of progress on stderr."""
    if row.get("error"):
        return f"{row['graph']} {row['algorithm']} {row['tool']}: {row['error']}"
    speedup = _speedup(row, rows)
    return (
        f"{row['graph']} {row['algorithm']} {row['tool']}: {row['process_s']:.2f} s "
        f"(load {row['load_s']:.2f}, compute {row['compute_s']:.2f})"
        + ("" if speedup is None else f", pregel {speedup:.1f} × faster")
    )


def _speedup(row: dict, rows: list[dict]) -> float | None:
    """How many times faster pregel's whole process is than this row's, on the same graph and algorithm."""
    mine = [
        r for r in rows if r["tool"] == "pregel" and r["graph"] == row["graph"] and r["algorithm"] == row["algorithm"]
    ]
    if row["tool"] == "pregel" or not mine or mine[0].get("error"):
        return None
    return row["process_s"] / mine[0]["process_s"]


def _table(rows: list[dict]) -> str:
    lines = [
        "| graph | algorithm | tool | process s | load s | compute s | pregel × faster | same answer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row.get("error"):
            lines.append(f"| {row['graph']} | {row['algorithm']} | {row['tool']} | {row['error']} | | | | |")
            continue
        speedup = _speedup(row, rows)
        lines.append(
            f"| {row['graph']} | {row['algorithm']} | {row['tool']} | {row['process_s']:.2f} | {row['load_s']:.2f} "
            f"| {row['compute_s']:.2f} | {'' if speedup is None else f'{speedup:.1f}'} "
            f"| {_agreement(row.get('agrees'))} |"
        )
    return "\n".join(lines)


def _agreement(agrees: bool | None) -> str:
    return "random: not compared" if agrees is None else "yes" if agrees else "NO"


if __name__ == "__main__":
    sys.exit(main())
