"""The programs in examples/: right answers (against networkx), from Python and from `pregel run`."""

from __future__ import annotations

import ast
import importlib.util
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel.io.edges import read_edges
from tests.conftest import NAMED_COLUMNS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SHIPPED = Path(__file__).resolve().parent.parent / "datasets" / "wiki-Vote.txt.gz"


def _example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bfs_levels = _example("bfs_levels")
widest_path = _example("widest_path")
semi_clustering = _example("semi_clustering")


def _random_graph(seed: int, n: int = 60, m: int = 150, weighted: bool = False) -> nx.DiGraph:
    rng = np.random.default_rng(seed)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v in rng.integers(0, n, size=(m, 2)).tolist():
        g.add_edge(u, v, weight=float(rng.integers(0, 10)) if weighted else 1.0)
    return g


def _nx_levels(g: nx.DiGraph, source: int) -> dict[int, int]:
    hops = nx.single_source_shortest_path_length(g, source)
    return {v: hops.get(v, -1) for v in g.nodes}


def _nx_widest(g: nx.DiGraph, source: int) -> dict[int, float]:
    """Widest path by thresholds: t gets capacity c when edges of weight >= c still connect s to t."""
    width = dict.fromkeys(g.nodes, 0.0)
    for c in sorted({w for *_, w in g.edges(data="weight")}):
        keep = nx.DiGraph((u, v) for u, v, w in g.edges(data="weight") if w >= c)
        keep.add_node(source)
        for t in nx.descendants(keep, source):
            width[t] = max(width[t], c)
    width[source] = math.inf
    return width


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("workers", [1, 3])
def test_bfs_levels_equal_networkx_hops(seed, workers):
    g = _random_graph(seed)
    source = seed % 60
    result = pregel.run(pregel.Graph.from_networkx(g), bfs_levels.BFSLevels(source=source), workers=workers)
    assert result.to_dict() == _nx_levels(g, source)


def test_bfs_levels_on_the_shipped_graph():
    graph = read_edges(SHIPPED)
    result = pregel.run(graph, bfs_levels.BFSLevels(source=30), workers=2)
    assert result.to_dict() == _nx_levels(graph.to_networkx(weights=False), 30)


def test_bfs_unknown_source_is_an_input_error():
    with pytest.raises(pregel.InputError, match="source vertex 99 is not in the graph"):
        pregel.run(pregel.Graph.from_edges([1], [2]), bfs_levels.BFSLevels(source=99))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("workers", [1, 2])
def test_widest_path_equals_thresholded_reachability(seed, workers):
    g = _random_graph(seed, weighted=True)
    source = (7 * seed) % 60
    result = pregel.run(pregel.Graph.from_networkx(g), widest_path.WidestPath(source=source), workers=workers)
    assert result.to_dict() == _nx_widest(g, source)


def test_widest_path_refuses_negative_capacities():
    g = pregel.Graph.from_edges([1, 2], [2, 3], weights=[4.0, -1.0])
    with pytest.raises(pregel.InputError, match=r"edge 2 -> 3 has weight -1.0, but WidestPath needs non-negative"):
        pregel.run(g, widest_path.WidestPath(source=1))


def _read_tsv(text: str) -> dict[int, float]:
    rows = (line.split("\t") for line in text.splitlines())
    return {int(v): float(x) for v, x in rows}


def test_pregel_run_bfs_from_the_command_line(run_cli):
    done = run_cli("run", f"{EXAMPLES}/bfs_levels.py:BFSLevels", SHIPPED, "--param", "source=30", "--quiet")
    assert done.returncode == 0, done.stderr
    want = _nx_levels(read_edges(SHIPPED).to_networkx(weights=False), 30)
    assert _read_tsv(done.stdout.decode()) == want


def test_pregel_run_widest_path_from_the_command_line(run_cli, tmp_path):
    g = _random_graph(11, weighted=True)
    edges = tmp_path / "capacities.txt"
    edges.write_text("".join(f"{u} {v} {w}\n" for u, v, w in g.edges(data="weight")))
    out = tmp_path / "width.csv"
    done = run_cli("run", f"{EXAMPLES}/widest_path.py", edges, "--param", "source=3", "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "vertex,value"
    got = {int(v): float(x) for v, x in (line.split(",") for line in lines[1:])}
    want = {v: w for v, w in _nx_widest(g, 3).items() if g.degree(v)}  # isolated vertices are not in a file
    assert got == want


# ------------------------------------------------------------ semi-clustering
def _weighted_undirected(seed: int, n: int = 18, m: int = 40) -> nx.Graph:
    """Integer weights, so that sums of them are exact whatever order they are added in."""
    rng = np.random.default_rng(seed)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for u, v in rng.integers(0, n, size=(m, 2)).tolist():
        if u != v:
            g.add_edge(u, v, weight=float(rng.integers(1, 6)))
    return g


def _assert_semi_cluster_invariants(g: nx.Graph, lists: dict, max_clusters: int, max_members: int) -> None:
    """What the paper's algorithm guarantees of every vertex's list, recomputed from the graph."""
    for vertex, clusters in lists.items():
        assert 1 <= len(clusters) <= max_clusters
        keys = [(-c[0], c[1]) for c in clusters]
        assert keys == sorted(keys), "best first"
        assert len({c[1] for c in clusters}) == len(clusters), "no group twice"
        for found, members, inside, boundary in clusters:
            assert vertex in members and len(members) <= max_members
            assert list(members) == sorted(set(members))
            assert nx.is_connected(g.subgraph(members)), "a vertex joins a group through a neighbour in it"
            assert inside == g.subgraph(members).size(weight="weight")
            assert boundary == sum(w for u, v, w in g.edges(members, data="weight") if (u in members) != (v in members))
            assert found == semi_clustering.score(len(members), inside, boundary, 0.5)


@pytest.mark.parametrize("seed", range(4))
def test_semi_clustering_invariants_and_partitions(seed):
    g = _weighted_undirected(seed)
    graph = pregel.Graph.from_networkx(g).to_undirected()
    program = semi_clustering.SemiClustering(max_clusters=3, max_members=4)
    one = pregel.run(graph, program, max_supersteps=60)
    assert one.stopped_by == "halted"  # every list settled
    _assert_semi_cluster_invariants(g, one.to_dict(), 3, 4)
    assert pregel.run(graph, program, workers=3, max_supersteps=60).to_dict() == one.to_dict()


def test_semi_clustering_finds_two_planted_cliques():
    # two 4-cliques of heavy edges, joined by one light edge: each vertex's best group is its clique
    left, right = [1, 2, 3, 4], [5, 6, 7, 8]
    edges = [(u, v, 5.0) for side in (left, right) for i, u in enumerate(side) for v in side[i + 1 :]]
    g = nx.Graph()
    g.add_weighted_edges_from([*edges, (4, 5, 1.0)])
    lists = semi_clustering.semi_clusters(pregel.Graph.from_networkx(g), max_members=4)
    for vertex, clusters in lists.items():
        assert clusters[0][1] == tuple(left if vertex in left else right)
    _assert_semi_cluster_invariants(g, lists, 3, 4)


def test_pregel_run_semi_clustering_from_the_command_line(run_cli, tmp_path):
    edges = tmp_path / "interactions.txt"
    edges.write_text("1 2 3\n2 3 1\n3 1 2\n3 4 1\n4 5 2\n5 6 2\n6 4 2\n")
    done = run_cli("run", f"{EXAMPLES}/semi_clustering.py", edges, "--undirected", "--param", "max_members=3", "-q")
    assert done.returncode == 0, done.stderr
    rows = (line.split("\t") for line in done.stdout.decode().splitlines())
    best = {int(v): ast.literal_eval(text)[0][1] for v, text in rows}
    assert best == {1: (1, 2, 3), 2: (1, 2, 3), 3: (1, 2, 3), 4: (4, 5, 6), 5: (4, 5, 6), 6: (4, 5, 6)}


def test_vertex_parameters_name_vertices_by_label_in_a_graph_of_string_ids(run_cli, named_edges):
    named = [("ann", "bob"), ("bob", "cy"), ("cy", "dan"), ("eve", "ann")]
    G = nx.DiGraph(named)
    graph = pregel.Graph.from_edges(*zip(*named))
    assert pregel.run(graph, bfs_levels.BFSLevels(source="bob")).to_dict() == _nx_levels(G, "bob")
    with pytest.raises(pregel.InputError, match="source vertex 'zed' is not in the graph"):
        pregel.run(graph, bfs_levels.BFSLevels(source="zed"))
    edges = named_edges(named)
    flags = [*NAMED_COLUMNS, "--quiet"]
    done = run_cli("run", f"{EXAMPLES}/bfs_levels.py", edges, *flags, "--param", "source=eve")
    assert done.returncode == 0, done.stderr
    rows = dict(line.split("\t") for line in done.stdout.decode().splitlines())
    assert {v: int(h) for v, h in rows.items()} == _nx_levels(G, "eve")
    done = run_cli("run", f"{EXAMPLES}/bfs_levels.py", edges, *flags, "--param", "source=zed")
    assert done.returncode == 2 and done.stdout == b""
    wanted = f"pregel: error: {edges}: source vertex 'zed' is not in the graph"
    assert done.stderr.decode().strip().splitlines() == [wanted]


HOPS_FROM_SOURCE = """
from pregel import Vertex, Min
class Hops(Vertex):
    combiner = Min
    source = 0
    vertex_parameters = ("source",)
    def initial_value(self):
        return -1
    def compute(self, messages):
        if self.superstep == 0 and self.id == self.source:
            self.value = 0
            self.send_message_to_all_neighbors(1)
        elif messages is not None and self.value < 0:
            self.value = messages
            self.send_message_to_all_neighbors(messages + 1)
        self.vote_to_halt()
"""


def test_a_vertex_parameter_with_a_number_for_default_takes_labels(run_cli, named_edges, tmp_path):
    # the class default 0 is an integer id, yet in a graph of string ids the parameter is a label,
    # a bare number too ("7" as --source 7 reads it); its default once refused 'ann' as not a number
    program = tmp_path / "hops.py"
    program.write_text(HOPS_FROM_SOURCE)
    named = [("ann", "bob"), ("bob", "7"), ("7", "dan"), ("eve", "ann")]
    G = nx.DiGraph(named)
    edges = named_edges(named)
    for source in ("ann", "7"):
        done = run_cli("run", program, edges, *NAMED_COLUMNS, "-q", "--param", f"source={source}")
        assert done.returncode == 0, done.stderr
        rows = dict(line.split("\t") for line in done.stdout.decode().splitlines())
        assert {v: float(h) for v, h in rows.items()} == _nx_levels(G, source)
    done = run_cli("run", program, edges, *NAMED_COLUMNS, "-q", "--param", "source=zed")
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [f"pregel: error: {edges}: source vertex 'zed' is not in the graph"]
    numbered = tmp_path / "numbered.txt"
    numbered.write_text("1 2\n2 3\n")
    done = run_cli("run", program, numbered, "-q", "--param", "source=2")
    assert done.returncode == 0, done.stderr
    rows = dict(line.split("\t") for line in done.stdout.decode().splitlines())
    assert {int(v): float(h) for v, h in rows.items()} == _nx_levels(nx.DiGraph([(1, 2), (2, 3)]), 2)
    done = run_cli("run", program, numbered, "-q", "--param", "source=ann")
    assert done.returncode == 2 and done.stdout == b""
    wanted = f"pregel: error: {numbered}: --param source=ann: 'ann' is not an integer vertex id"
    assert done.stderr.decode().splitlines() == [wanted + " (the graph's ids are integers)"]


def test_a_list_of_vertices_is_translated_and_the_parameters_as_given_are_kept():
    class Marked(pregel.BatchProgram):
        vertex_parameters = ("marked",)
        marked = ()

    graph = pregel.Graph.from_edges(["x", "y"], ["z", "x"])
    program = Marked(marked=["z", "x"])
    seen = program.on_graph(graph)
    assert seen.marked == [2, 0] and program.marked == ["z", "x"]
    assert seen.params == {"marked": ["z", "x"]} and seen.fingerprint() == program.fingerprint()
    assert Marked(marked=[7]).on_graph(pregel.Graph.from_edges([7], [8])).marked == [7]
