"""Breadth-first search against hand-counted hops, scipy.sparse.csgraph and networkx: exactly equal.

Through the Python API, the command line and networkx's dispatch. Every backend and
partition count is in test_library_backends.py (one Ray session for all of issue 18's algorithms).
"""

from __future__ import annotations

import json
import math
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel.algorithms import reference
from pregel.algorithms.bfs import bfs, networkx_bfs
from pregel.cli.main import main
from pregel.io.edges import read_edges
from tests.conftest import GNUTELLA, NAMED_COLUMNS, SHIPPED
from tests.graphs import binary_tree, chain, hand_made, most_connected, random_graphs

INF = math.inf
APIS = ["batch", "scalar"]
REGISTERED = nx.config.backends.get("pregel") is not None
needs_backend = pytest.mark.skipif(not REGISTERED, reason="pregel is not installed as a networkx backend")
pytestmark = pytest.mark.filterwarnings("ignore:Note. conversions to backend graphs are saved to cache")


# ------------------------------------------------------------------ Python API
@pytest.mark.parametrize("api", APIS)
def test_by_hand(api):
    # 1 → 2 → 3 → 4 and 1 → 3: 4 is two hops from 1, whatever the weights say; 9 only reaches itself
    g = pregel.Graph.from_edges([1, 2, 3, 1, 9], [2, 3, 4, 3, 9], [5.0, 5.0, 5.0, 0.5, 1.0])
    assert bfs(g, 1, api=api).to_dict() == {1: 0.0, 2: 1.0, 3: 1.0, 4: 2.0, 9: INF}
    assert bfs(g, [3, 9], api=api).to_dict() == {1: INF, 2: INF, 3: 0.0, 4: 1.0, 9: 0.0}


@pytest.mark.parametrize("api", APIS)
def test_many_sources_take_the_nearest(api):
    # a chain 0 → … → 9 with sources 0 and 6: 5 is five hops from 0, 7..9 are 1..3 from 6
    result = bfs(chain(10), (6, 0, 6), api=api, workers=3)
    assert result.values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 0.0, 1.0, 2.0, 3.0]
    assert result.values.dtype == np.float64
    assert [s.aggregated["reached"] for s in result.stats] == [2, 2, 2, 2, 1, 1, 0]
    assert result.stopped_by == "halted"


def test_binary_tree_levels_and_one_superstep_per_level():
    result = bfs(binary_tree(back_edge=True), 1)
    assert result.values.tolist() == [math.floor(math.log2(i)) for i in range(1, 16)]
    # one superstep per level (0..3), and one more in which the leaves' messages arrive and change nothing
    assert result.supersteps == 5
    assert [s.aggregated["reached"] for s in result.stats] == [1, 2, 4, 8, 0]


def test_max_supersteps_leaves_the_far_vertices_unreached():
    result = bfs(chain(6), 0, max_supersteps=3)
    assert result.values.tolist() == [0.0, 1.0, 2.0, INF, INF, INF]
    assert result.stopped_by == "max_supersteps"


@pytest.mark.parametrize("sources, message", [(99, "source vertex 99 is not in the graph"), ([], "no source vertex")])
def test_bad_sources(sources, message):
    with pytest.raises(pregel.InputError, match=message):
        bfs(hand_made("dangling"), sources)
    with pytest.raises(pregel.InputError, match=message):
        bfs(hand_made("dangling"), sources, backend="scipy")


@settings(max_examples=40, deadline=None)
@given(random_graphs(), st.data())
def test_random_graphs_equal_scipy_and_networkx(g, data):
    sources = data.draw(st.lists(st.sampled_from(g.ids.tolist()), min_size=1, max_size=3))
    expected = reference.bfs(g, tuple(sources)).values
    np.testing.assert_array_equal(networkx_bfs(g, sources), expected)
    for api, workers in [("batch", 1), ("batch", 3), ("scalar", 2)]:
        np.testing.assert_array_equal(bfs(g, sources, api=api, workers=workers).values, expected)


@pytest.mark.parametrize("path", [SHIPPED, GNUTELLA])
def test_real_graphs_equal_scipy_and_networkx(path):
    g = read_edges(path)
    sources = [most_connected(g), int(g.ids[0]), int(g.ids[-1])]
    ours = bfs(g, sources, workers=3)
    np.testing.assert_array_equal(ours.values, reference.bfs(g, tuple(sources)).values)
    np.testing.assert_array_equal(ours.values, networkx_bfs(g, sources))
    assert np.isfinite(ours.values).sum() > g.num_vertices // 4  # a real search, not three vertices


# ------------------------------------------------------------------ command line
EDGES = "# a chain 1 → 2 → 3, a 2-cycle 4 ↔ 5, 6 alone with a self-loop\n1 2 7.5\n2 3 1\n4 5 2\n5 4 2\n6 6 1\n"


@pytest.fixture
def edges(write_edges):
    return str(write_edges(EDGES))


def test_cli_writes_hops_with_inf_and_checks_them(edges, capsys):
    assert main(["bfs", edges, "--source", "1,5", "--check", "--compare", "networkx"]) == 0
    out, err = capsys.readouterr()
    assert out == "1\t0.0\n2\t1.0\n3\t2.0\n4\t1.0\n5\t0.0\n6\tinf\n"
    assert "scipy: largest absolute difference 0.000e+00" in err
    assert "networkx: largest absolute difference 0.000e+00" in err


@pytest.mark.parametrize("flags", [["--api", "scalar"], ["--workers", "2"], ["--backend", "scipy"], ["--undirected"]])
def test_cli_equals_the_python_function(edges, tmp_path, capsys, flags):
    out = tmp_path / "hops.csv"
    assert main(["bfs", edges, "--source", "3", "-o", str(out), "--quiet", *flags]) == 0
    g = read_edges(edges, undirected="--undirected" in flags)
    expected = bfs(g, 3).to_dict()
    rows = [line.split(",") for line in out.read_text().splitlines()[1:]]
    assert {int(v): float(h) for v, h in rows} == expected
    assert capsys.readouterr() == ("", "")


def test_cli_top_lists_the_nearest_reached(edges, capsys):
    assert main(["bfs", edges, "--source", "2,4", "--top", "3", "--format", "csv", "--quiet"]) == 0
    assert capsys.readouterr().out == "vertex,value\n2,0.0\n4,0.0\n3,1.0\n"


def test_cli_stats_count_the_vertices_reached(edges, tmp_path):
    stats = tmp_path / "stats.json"
    assert main(["bfs", edges, "--source", "1", "--stats", str(stats), "-o", str(tmp_path / "h.tsv"), "-q"]) == 0
    document = json.loads(stats.read_text())
    assert [s["aggregated"]["reached"] for s in document["stats"]] == [1, 1, 1]


@pytest.mark.parametrize("source, missing", [("9", 9), ("1,77", 77)])
def test_cli_unknown_source_is_one_line_and_exit_2(edges, tmp_path, capsys, source, missing):
    out = tmp_path / "hops.tsv"
    assert main(["bfs", edges, "--source", source, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"pregel: error: {edges}: --source vertex {missing} is not in the graph\n"
    assert not out.exists()


def test_cli_text_source_in_a_graph_of_integer_ids_is_one_line_and_exit_2(edges, capsys):
    assert main(["bfs", edges, "--source", "1,x"]) == 2
    assert capsys.readouterr().err == f"pregel: error: {edges}: --source 'x' is not an integer vertex id\n"


@pytest.mark.parametrize("source", ["", "1,,2", ","])
def test_cli_malformed_source_list_is_a_usage_error(edges, capsys, source):
    with pytest.raises(SystemExit) as stop:
        main(["bfs", edges, "--source", source])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert "argument --source: not a vertex id or a comma-separated list of them" in err and err.count("\n") == 1


def test_string_ids_name_the_sources(named_edges, capsys):
    named = [("ann", "bob"), ("bob", "cy"), ("cy", "ann"), ("dan", "eve"), ("zed", "zed")]
    g = pregel.Graph.from_edges(*zip(*named))
    G = nx.DiGraph(named)
    expected = {v: float(nx.shortest_path_length(G, "bob", v)) if nx.has_path(G, "bob", v) else INF for v in G}
    assert bfs(g, "bob").to_dict() == expected
    assert bfs(g, ["bob", "dan"]).to_dict() == {**expected, "dan": 0.0, "eve": 1.0}
    with pytest.raises(pregel.InputError, match="'nobody' is not in the graph"):
        bfs(g, ["bob", "nobody"])
    edges = named_edges(named)
    flags = [*NAMED_COLUMNS, "-q", "--check", "--compare", "networkx"]
    assert main(["bfs", str(edges), "--source", "bob,dan", *flags]) == 0
    out, err = capsys.readouterr()
    assert dict(line.split("\t") for line in out.splitlines()) == {
        v: str(h) for v, h in {**expected, "dan": 0.0, "eve": 1.0}.items()
    }
    assert err.count("largest absolute difference 0.000e+00") == 2


# ------------------------------------------------------------------ networkx dispatch
def _digraphs():
    for seed in range(6):
        yield nx.gnm_random_graph(60, 150, seed=seed, directed=True)
        yield nx.gnm_random_graph(60, 70, seed=seed)  # undirected, sparse: several components
    g = nx.MultiDiGraph([("a", "b"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "c")])
    yield g


@needs_backend
def test_dispatch_bfs_layers_in_networkx_order():
    for g in _digraphs():
        nodes = list(g)
        for sources in (nodes[0], nodes[:3], random.Random(len(g)).sample(nodes, min(5, len(nodes)))):
            assert list(nx.bfs_layers(g, sources, backend="pregel")) == list(nx.bfs_layers(g, sources))


@needs_backend
def test_dispatch_shortest_path_lengths_in_networkx_order():
    for g in _digraphs():
        source = next(iter(g))
        # networkx's own comparisons decide the odd ones: NaN stops its search at the source
        # but cuts nothing from its Dijkstra; a negative cutoff still keeps the sources
        for cutoff in (None, 0, 1, 2.5, 0.5, -1, -0.5, -math.inf, math.inf, math.nan):
            ours = nx.single_source_shortest_path_length(g, source, cutoff=cutoff, backend="pregel")
            assert list(ours.items()) == list(nx.single_source_shortest_path_length(g, source, cutoff=cutoff).items())
            sources = set(list(g)[:4])
            ours = nx.multi_source_dijkstra_path_length(g, sources, cutoff=cutoff, backend="pregel")
            assert ours == nx.multi_source_dijkstra_path_length(g, sources, cutoff=cutoff)


@needs_backend
def test_dispatch_errors_are_networkx_errors():
    g = nx.path_graph(4)
    with pytest.raises(nx.NetworkXError, match="The node 9 is not in the graph"):
        next(nx.bfs_layers(g, [0, 9], backend="pregel"))
    with pytest.raises(nx.NodeNotFound, match="Source 9 is not in G"):
        nx.single_source_shortest_path_length(g, 9, backend="pregel")
    with pytest.raises(nx.NodeNotFound, match="Node 9 not found in graph"):
        nx.multi_source_dijkstra_path_length(g, {0, 9}, backend="pregel")
    with pytest.raises(ValueError, match="sources must not be empty"):
        nx.multi_source_dijkstra_path_length(g, set(), backend="pregel")


@needs_backend
def test_dispatch_multi_source_dijkstra_by_weight():
    g = nx.path_graph(4)
    nx.set_edge_attributes(g, 1, "weight")
    assert nx.multi_source_dijkstra_path_length(g, {0}, backend="pregel") == {0: 0, 1: 1, 2: 2, 3: 3}
    g.add_edge(1, 2, weight=2)
    assert nx.multi_source_dijkstra_path_length(g, {0}, backend="pregel") == {0: 0, 1: 1, 2: 3, 3: 4}
    # with weight=None every edge counts one
    assert nx.multi_source_dijkstra_path_length(g, {0}, weight=None, backend="pregel") == {0: 0, 1: 1, 2: 2, 3: 3}
    # weights of 1.0 (the breadth-first way): the sources keep networkx's integer 0, the others are floats
    unit = nx.path_graph(4)
    nx.set_edge_attributes(unit, 1.0, "weight")
    ours = nx.multi_source_dijkstra_path_length(unit, [0, 3], cutoff=1.5, backend="pregel")
    assert list(ours.items()) == [(0, 0), (3, 0), (1, 1.0), (2, 1.0)]
    assert [type(x) for x in ours.values()] == [int, int, float, float]
    assert ours == nx.multi_source_dijkstra_path_length(unit, [0, 3], cutoff=1.5)
    for k, d in enumerate(_digraphs()):
        rng = random.Random(k)
        for _, _, data in d.edges(data=True):
            data["int"], data["float"] = rng.randint(0, 9), rng.uniform(0.1, 5.0)
        sources = set(rng.sample(list(d), min(3, len(d))))
        for weight in ("int", "float"):
            for cutoff in (None, 0, 4, 7.5, -1, math.nan):
                ours = nx.multi_source_dijkstra_path_length(d, sources, cutoff=cutoff, weight=weight, backend="pregel")
                theirs = nx.multi_source_dijkstra_path_length(d, sources, cutoff=cutoff, weight=weight)
                assert ours == theirs
                assert [type(x) for x in ours.values()] == [type(x) for x in theirs.values()]
    g.add_edge(0, 1, weight=-1)
    with pytest.raises(NotImplementedError, match="not implemented by 'pregel'"):
        nx.multi_source_dijkstra_path_length(g, {0}, backend="pregel")


@needs_backend
def test_dispatch_on_a_real_graph():
    g = read_edges(GNUTELLA).to_networkx(weights=False)
    source = max(g, key=g.out_degree)
    ours = nx.single_source_shortest_path_length(g, source, backend="pregel")
    assert list(ours.items()) == list(nx.single_source_shortest_path_length(g, source).items())
