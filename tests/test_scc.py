"""Strongly connected components against hand-found components, scipy.sparse.csgraph and networkx: exactly equal.

Through the Python API, the command line and networkx's dispatch; and master compute's
phases themselves (``Master.set_aggregated``), through a checkpoint too. Every backend
and partition count is in test_library_backends.py.
"""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import pregel
from pregel.algorithms import reference
from pregel.algorithms.scc import (
    BACKWARD,
    BACKWARD_START,
    FORWARD,
    START,
    TRIM_IN,
    TRIM_OUT,
    networkx_scc,
    strongly_connected_components,
    two_way,
)
from pregel.cli.main import main
from pregel.io.edges import read_edges
from tests.conftest import GNUTELLA, NAMED_COLUMNS, SHIPPED
from tests.graphs import binary_tree, chain, random_graphs

APIS = ["batch", "scalar"]
REGISTERED = nx.config.backends.get("pregel") is not None
needs_backend = pytest.mark.skipif(not REGISTERED, reason="pregel is not installed as a networkx backend")
pytestmark = pytest.mark.filterwarnings("ignore:Note. conversions to backend graphs are saved to cache")

# networkx's own first example: {1, 2, 8}, {3, 4, 5, 7} and {6}
NETWORKX_EXAMPLE = [(1, 2), (2, 3), (2, 8), (3, 4), (3, 7), (4, 5), (5, 3), (5, 6), (7, 4), (7, 6), (8, 1), (8, 7)]


def _graph(pairs):
    return pregel.Graph.from_edges([a for a, _ in pairs], [b for _, b in pairs])


# ------------------------------------------------------------------ Python API
@pytest.mark.parametrize("api", APIS)
def test_by_hand(api):
    result = strongly_connected_components(_graph(NETWORKX_EXAMPLE), api=api)
    assert result.to_dict() == {1: 1, 2: 1, 8: 1, 3: 3, 4: 3, 5: 3, 7: 3, 6: 6}
    assert (result.values.dtype, result.stopped_by) == (np.int64, "halted")
    assert result.graph.num_edges == len(NETWORKX_EXAMPLE)  # the caller's graph, not the two-way one


@pytest.mark.parametrize("api", APIS)
def test_self_loops_isolated_vertices_and_large_ids(api):
    big = 2**53 - 1
    g = pregel.Graph.from_edges([7, 7, 8, big, big - 1], [7, 8, 7, big - 1, big], vertices=[3])
    assert strongly_connected_components(g, api=api).to_dict() == {3: 3, 7: 7, 8: 7, big - 1: big - 1, big: big - 1}


def test_a_dag_is_trimmed_away_without_colouring():
    # every vertex of a chain or a tree is a component of its own: trimming finds them all
    for g in (chain(30), binary_tree()):
        result = strongly_connected_components(g)
        np.testing.assert_array_equal(result.values, g.ids)
        phases = [s.aggregated["phase"] for s in result.stats]
        assert FORWARD not in phases and BACKWARD_START not in phases


def test_phases_follow_each_other_as_master_compute_says():
    # 1 → 2 → 3 → 1 is one component and 3 → 4 a tail: trimming takes 4, colouring the cycle (vertex by vertex)
    result = strongly_connected_components(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]), api="scalar")
    assert result.to_dict() == {1: 1, 2: 1, 3: 1, 4: 4}
    # each superstep's phase aggregator holds the phase master compute chose for the next superstep
    chosen = [s.aggregated["phase"] for s in result.stats]
    ran = [START, *chosen[:-1]]
    trims, colours, back = [TRIM_IN, TRIM_OUT], [FORWARD] * 3, [BACKWARD_START] + [BACKWARD] * 3
    assert ran == [START, *trims, *colours, *back]
    assert chosen[-1] == START  # a round that never runs: nobody is left
    # 4 has no out-edge in the graph: START takes it; the pings find nobody else alone; then 1's colour reaches
    # 2 and 3 (two changes), 3 again; the root 1, then 3, then 2 join
    assert [s.aggregated["trimmed"] for s in result.stats][:3] == [1, 0, 0]
    assert [s.aggregated["changed"] for s in result.stats][3:6] == [2, 1, 0]
    assert [s.aggregated["joined"] for s in result.stats][6:] == [1, 1, 1, 0]
    assert [s.aggregated["open"] for s in result.stats][6:] == [2, 1, 0, 0]


def test_the_batch_program_colours_and_joins_a_partition_at_once():
    # the same graph on one partition: 1's colour goes round the cycle, and the cycle joins 1, each in one superstep,
    # with nothing to send (every edge stays inside the partition)
    result = strongly_connected_components(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    assert result.to_dict() == {1: 1, 2: 1, 3: 1, 4: 4}
    chosen = [s.aggregated["phase"] for s in result.stats]
    # BACKWARD_START found everyone and sent nothing: the run ends, the BACKWARD chosen never runs
    assert [START, *chosen] == [START, TRIM_IN, TRIM_OUT, FORWARD, BACKWARD_START, BACKWARD]
    assert result.stopped_by == "halted"
    assert [s.aggregated["changed"] for s in result.stats][3] == 0
    assert [s.aggregated["open"] for s in result.stats][4] == 0


def test_max_supersteps_leaves_minus_one_where_nothing_was_found():
    g = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])
    result = strongly_connected_components(g, max_supersteps=3)
    assert result.to_dict() == {1: -1, 2: -1, 3: -1, 4: 4}
    assert result.stopped_by == "max_supersteps"


def test_phases_survive_a_checkpoint(tmp_path):
    g = read_edges(SHIPPED)
    whole = strongly_connected_components(g)
    # stop in the middle of a round, then resume: the phase comes back from the checkpoint
    strongly_connected_components(g, max_supersteps=9, checkpoint_dir=tmp_path, checkpoint_every=4)
    resumed = strongly_connected_components(g, checkpoint_dir=tmp_path, checkpoint_every=4, resume=True)
    np.testing.assert_array_equal(resumed.values, whole.values)
    assert resumed.recoveries and resumed.supersteps == whole.supersteps


def test_master_set_aggregated_reaches_every_vertex():
    class Countdown(pregel.BatchProgram):
        """Master compute announces how many supersteps are left; vertices write it down."""

        combiner = pregel.Min
        aggregators = {"left": pregel.Max}

        def compute(self, v):
            v.values = np.full(v.size, v.aggregated("left"))

        def master_compute(self, master):
            left = 3 if master.superstep == 0 else master.aggregated("left")
            assert left == (3 if master.superstep == 0 else -np.inf)  # the vertices aggregated nothing
            master.set_aggregated("left", 3 - master.superstep - 1)
            if master.superstep == 3:
                master.halt()

    for workers in (1, 3):
        result = pregel.run(chain(5), Countdown, workers=workers)
        assert result.values.tolist() == [0.0] * 5  # what master announced after superstep 2
        assert [s.aggregated["left"] for s in result.stats] == [2, 1, 0, -1]
    with pytest.raises(pregel.PregelError, match="aggregator 'gone' is not declared"):
        pregel.Master(0, 1, {}, Countdown()).set_aggregated("gone", 1)


def test_two_way_marks_the_way_of_each_edge():
    g = two_way(pregel.Graph.from_edges([10, 20, 20, 30], [20, 10, 30, 30]))
    src, dst, way = g.edge_arrays()
    assert list(zip(src.tolist(), dst.tolist(), way.tolist())) == [(0, 1, 3.0), (1, 0, 3.0), (1, 2, 1.0), (2, 1, 2.0)]


# ------------------------------------------------------------------ long chains (issue 18)
def _path(order):
    """A directed path through the ids in ``order``."""
    return pregel.Graph.from_edges(order[:-1], order[1:])


def _two_cycles(k, rising=True):
    """a1 <-> b1 -> a2 <-> b2 -> ... -> ak <-> bk, with ids a_i = 2i and b_i = 2i + 1 (or 2k-1 minus those)."""
    a, b = np.arange(k) * 2, np.arange(k) * 2 + 1
    if not rising:
        a, b = 2 * k - 1 - a, 2 * k - 1 - b
    return pregel.Graph.from_edges([*a, *b, *b[:-1]], [*b, *a, *a[1:]])


def _subdivided_tree(depth, length):
    """A complete binary out-tree of ``depth`` levels whose edges are paths of ``length`` edges; ids rise downwards."""
    src, dst, ends, next_id = [], [], [0], 1
    for _ in range(depth - 1):
        below = []
        for top in ends:
            for _ in range(2):
                path = [top, *range(next_id, next_id + length)]
                next_id += length
                src += path[:-1]
                dst += path[1:]
                below.append(path[-1])
        ends = below
    return pregel.Graph.from_edges(src, dst)


def _supersteps_within(g, bound, api="batch"):
    # the bound stops a quadratic colouring early instead of letting it run for minutes
    result = strongly_connected_components(g, api=api, max_supersteps=bound)
    assert result.stopped_by != "max_supersteps", f"more than {bound} supersteps"
    np.testing.assert_array_equal(result.values, networkx_scc(g))
    return result


# each: the graph of n vertices (about), the bound on supersteps, and the n of the fast test
LONG_CHAINS = {
    # colouring from the head takes the whole path and finds one vertex; the reversed round finds every vertex a root
    "path, ids rising": (lambda n: _path(np.arange(n)), lambda n: 2 * n, 1000),
    # every vertex its own root in the first round
    "path, ids falling": (lambda n: _path(np.arange(n)[::-1]), lambda n: 20, 1000),
    # trimming finds nothing (every vertex is on a cycle); the reversed round takes every pair at once
    "2-cycles, ids rising": (lambda n: _two_cycles(n // 2), lambda n: 2 * n, 600),
    "2-cycles, ids falling": (lambda n: _two_cycles(n // 2, rising=False), lambda n: 20, 600),
    # thin trimming layers (16 leaves among 30 paths), the smallest id at the root
    "binary out-tree of paths": (lambda n: _subdivided_tree(5, n // 30), lambda n: 2 * 4 * (n // 30) + 20, 1000),
    # the smallest ids at both ends: colouring either way takes one vertex a round; trimming to a fixpoint the rest
    "path, ids rising then falling": (
        lambda n: _path(np.r_[np.arange(0, n, 2), np.arange(1, n, 2)[::-1]]),
        lambda n: 4 * n,
        400,
    ),
}


@pytest.mark.parametrize("scale", [1, pytest.param(2, marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", LONG_CHAINS)
def test_long_chains_take_supersteps_linear_in_their_length(name, scale):
    graph, bound, n = LONG_CHAINS[name]
    _supersteps_within(graph(scale * n), bound(scale * n))


def _phases(result):
    """The (phase, round) each superstep ran, a phase that repeats counted once: the steps of the scheme."""
    ran = [(START, 0)] + [(s.aggregated["phase"], s.aggregated["round"]) for s in result.stats[:-1]]
    return [p for k, p in enumerate(ran) if k == 0 or p != ran[k - 1]]


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("name", LONG_CHAINS)
def test_the_batch_program_takes_the_scalar_twins_phases_in_fewer_supersteps(name, workers):
    # inside a partition the batch program's colours go as far as they go in one superstep, where the twin's go one
    # edge a superstep: the same rounds and phases, each repeated no more often
    graph, bound, _ = LONG_CHAINS[name]
    g = graph(150)
    scalar = _supersteps_within(g, bound(150), api="scalar")
    batch = strongly_connected_components(g, workers=workers)
    np.testing.assert_array_equal(batch.values, scalar.values)
    ours, twins = _phases(batch), _phases(scalar)
    # (a last BACKWARD the batch program may not need: its BACKWARD_START found everyone and sent nothing)
    assert ours == twins or (ours == twins[:-1] and twins[-1][0] == BACKWARD)
    assert batch.supersteps <= scalar.supersteps


@settings(max_examples=40, deadline=None)
@given(random_graphs(min_vertices=0))
def test_random_graphs_equal_scipy_and_networkx(g):
    expected = reference.strong_components(g).values
    np.testing.assert_array_equal(networkx_scc(g), expected)
    for api, workers in [("batch", 1), ("batch", 3), ("scalar", 2)]:
        np.testing.assert_array_equal(strongly_connected_components(g, api=api, workers=workers).values, expected)


@pytest.mark.parametrize("path", [SHIPPED, pytest.param(GNUTELLA, marks=pytest.mark.slow)])
def test_real_graphs_equal_scipy_and_networkx(path):
    g = read_edges(path)
    ours = strongly_connected_components(g, workers=3)
    np.testing.assert_array_equal(ours.values, reference.strong_components(g).values)
    np.testing.assert_array_equal(ours.values, networkx_scc(g))
    assert 1 < np.unique(ours.values).size < g.num_vertices  # some components, and some of more than one vertex


def test_the_larger_real_graph_equals_scipy():
    g = read_edges(GNUTELLA)
    np.testing.assert_array_equal(strongly_connected_components(g).values, reference.strong_components(g).values)


# ------------------------------------------------------------------ command line
EDGES = "# {1, 2, 3}, 3 → 4, {5, 6}\n1 2\n2 3\n3 1\n3 4\n5 6\n6 5\n"


@pytest.fixture
def edges(write_edges):
    return str(write_edges(EDGES))


def test_cli_writes_labels_and_checks_them(edges, capsys):
    assert main(["scc", edges, "--check", "--compare", "networkx"]) == 0
    out, err = capsys.readouterr()
    assert out == "1\t1\n2\t1\n3\t1\n4\t4\n5\t5\n6\t5\n"
    assert "scipy: largest absolute difference 0.000e+00" in err
    assert "networkx: largest absolute difference 0.000e+00" in err


@pytest.mark.parametrize("flags", [["--api", "scalar"], ["--workers", "3"], ["--backend", "scipy"]])
def test_cli_top_lists_the_largest_components(edges, capsys, flags):
    assert main(["scc", edges, "--top", "2", "--format", "csv", "--quiet", *flags]) == 0
    assert capsys.readouterr().out == "component,size\n1,3\n5,2\n"


def test_cli_stats_keep_the_phases(edges, tmp_path):
    stats = tmp_path / "stats.json"
    assert main(["scc", edges, "-o", str(tmp_path / "scc.tsv"), "--stats", str(stats), "-q"]) == 0
    phases = [s["aggregated"]["phase"] for s in json.loads(stats.read_text())["stats"]]
    assert phases[:3] == [TRIM_IN, TRIM_OUT, FORWARD] and BACKWARD in phases


def test_cli_refuses_undirected(edges, tmp_path, capsys):
    out = tmp_path / "scc.tsv"
    assert main(["scc", edges, "--undirected", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pregel: error: --undirected has no meaning for scc") and err.count("\n") == 1
    assert not out.exists()


def test_cli_max_supersteps_warns(edges, capsys):
    assert main(["scc", edges, "--max-supersteps", "2", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out == "1\t-1\n2\t-1\n3\t-1\n4\t4\n5\t-1\n6\t-1\n"  # 4, without an out-edge, is alone at once
    assert err == "pregel: warning: stopped at --max-supersteps 2 before the run ended\n"


# ------------------------------------------------------------------ networkx dispatch
def _digraphs():
    for seed in range(8):
        yield nx.gnm_random_graph(60, 90 + 10 * seed, seed=seed, directed=True)
    yield nx.DiGraph(NETWORKX_EXAMPLE)
    yield nx.MultiDiGraph([("a", "b"), ("a", "b"), ("b", "a"), ("c", "c")])


@needs_backend
def test_dispatch_on_a_long_path_returns():
    # issue 18: a path of a few thousand vertices took quadratic supersteps (minutes) through dispatch
    g = nx.path_graph(2000, create_using=nx.DiGraph)
    ours = list(nx.strongly_connected_components(g, backend="pregel"))
    assert sorted(map(sorted, ours)) == sorted(map(sorted, nx.strongly_connected_components(g)))


@needs_backend
def test_dispatch_components_sinks_first():
    for g in _digraphs():
        ours = list(nx.strongly_connected_components(g, backend="pregel"))
        assert sorted(map(sorted, ours)) == sorted(map(sorted, nx.strongly_connected_components(g)))
        # as Tarjan's (networkx's) order: a component comes after every component it has an edge to
        place = {node: k for k, component in enumerate(ours) for node in component}
        assert all(place[u] >= place[v] for u, v in g.edges())
        assert nx.number_strongly_connected_components(g, backend="pregel") == len(ours)
        assert nx.is_strongly_connected(g, backend="pregel") == nx.is_strongly_connected(g)
    assert nx.is_strongly_connected(nx.cycle_graph(6, create_using=nx.DiGraph), backend="pregel")


@needs_backend
def test_dispatch_errors_are_networkx_errors():
    with pytest.raises(nx.NetworkXPointlessConcept, match="null graph"):
        nx.is_strongly_connected(nx.DiGraph(), backend="pregel")
    assert list(nx.strongly_connected_components(nx.DiGraph(), backend="pregel")) == []
    with pytest.raises(nx.NetworkXNotImplemented):
        next(nx.strongly_connected_components(nx.path_graph(3), backend="pregel"))


@needs_backend
def test_dispatch_on_a_real_graph():
    g = read_edges(SHIPPED).to_networkx(weights=False)
    ours = {frozenset(c) for c in nx.strongly_connected_components(g, backend="pregel")}
    assert ours == {frozenset(c) for c in nx.strongly_connected_components(g)}


NAMED = [("ann", "bob"), ("bob", "ann"), ("bob", "cy"), ("cy", "dan"), ("dan", "cy"), ("eve", "fay")]


@pytest.mark.parametrize("backend", ["local", "scipy"])
def test_string_ids_name_components_by_their_smallest_label(backend):
    result = strongly_connected_components(pregel.Graph.from_edges(*zip(*NAMED)), backend=backend)
    expected = {}
    for component in nx.strongly_connected_components(nx.DiGraph(NAMED)):
        expected.update(dict.fromkeys(component, min(component)))
    assert result.to_dict() == expected


def test_cli_compares_string_ids_with_networkx(named_edges, capsys):
    path = named_edges(NAMED)
    assert main(["scc", str(path), *NAMED_COLUMNS, "--compare", "networkx", "-q"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[:3] == ["ann\tann", "bob\tann", "cy\tcy"]
    assert "networkx: largest absolute difference 0.000e+00" in err
