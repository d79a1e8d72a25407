"""Betweenness centrality (Brandes in supersteps), exact and sampled as networkx samples.

Against hand-counted pair fractions, networkx's ``betweenness_centrality`` and the
sparse-matrix reference; through the Python API, the command line and networkx dispatch.
Every backend (Ray included): test_library_on_every_backend.py.
"""

from __future__ import annotations

import itertools
import random
import warnings

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel.algorithms.betweenness import betweenness, networkx_betweenness, sample_sources
from pregel.cli.main import main
from pregel.integrations.networkx import BackendInterface
from tests.conftest import GNUTELLA, SHIPPED
from tests.graphs import random_graphs

needs_backend = pytest.mark.skipif(
    nx.config.backends.get("pregel") is None, reason="the pregel networkx backend is not installed (pip install -e .)"
)

# networkx notes each reuse of a converted graph it cached; these tests never mutate graphs
pytestmark = pytest.mark.filterwarnings("ignore:Note. conversions to backend graphs are saved to cache")

DIAMOND = pregel.Graph.from_edges([1, 1, 2, 3], [2, 3, 4, 4])  # two shortest paths from 1 to 4


# ------------------------------------------------------------ by hand
def test_a_directed_path():
    # 1 → 2 → 3 → 4: 2 lies on (1,3) and (1,4), 3 on (1,4) and (2,4); 3·2 ordered pairs of others
    result = betweenness(pregel.Graph.from_edges([1, 2, 3], [2, 3, 4]), normalized=False)
    assert result.values.tolist() == [0.0, 2.0, 2.0, 0.0]
    assert betweenness(pregel.Graph.from_edges([1, 2, 3], [2, 3, 4])).values.tolist() == [0, 1 / 3, 1 / 3, 0]


def test_the_diamond_splits_the_paths():
    # the pair (1, 4) has two shortest paths, one through 2 and one through 3
    assert betweenness(DIAMOND, normalized=False).values.tolist() == [0.0, 0.5, 0.5, 0.0]
    # with endpoints, 1 is on its 3 paths' starts, 4 on the 3 that reach it, 2 and 3 on their own
    ends = betweenness(DIAMOND, normalized=False, endpoints=True).values.tolist()
    assert ends == [3.0, 2.5, 2.5, 3.0]


def test_an_undirected_star_counts_each_pair_once():
    star = pregel.Graph.from_edges([0, 0, 0, 0], [1, 2, 3, 4])
    # the centre lies on all C(4, 2) = 6 pairs of leaves
    assert betweenness(star, normalized=False, directed=False).values.tolist() == [6.0, 0, 0, 0, 0]
    assert betweenness(star, directed=False)[0] == 1.0


def test_self_loops_and_isolated_vertices_change_nothing():
    g = pregel.Graph.from_edges([1, 2, 2, 3], [2, 2, 3, 3], vertices=[9])
    assert betweenness(g, normalized=False).to_dict() == {1: 0.0, 2: 1.0, 3: 0.0, 9: 0.0}


def test_sampling_draws_what_networkx_draws():
    ids = list(range(0, 300, 3))
    assert sample_sources(ids, 10, seed=42) == random.Random(42).sample(ids, 10)
    assert sample_sources(ids, 100, seed=1) == ids  # every vertex: exact, as networkx does for k = len(G)
    with pytest.raises(pregel.InputError, match="101 samples is more than the graph's 100 vertices"):
        sample_sources(ids, 101)


# ------------------------------------------------------------ random and real graphs
@settings(max_examples=25, deadline=None)
@given(random_graphs(max_vertices=20, max_edges=50), st.data())
def test_random_graphs_match_networkx_and_scipy(g, data):
    samples = data.draw(st.sampled_from([None, 1, min(3, g.num_vertices), g.num_vertices]))
    seed = data.draw(st.integers(0, 10))
    directed, normalized, endpoints = (data.draw(st.booleans()) for _ in range(3))
    kwargs = {"samples": samples, "seed": seed, "normalized": normalized, "endpoints": endpoints}
    ours = betweenness(g, directed=directed, workers=data.draw(st.sampled_from([1, 3])), **kwargs).values
    theirs = networkx_betweenness(g, samples, seed, normalized, endpoints, directed)
    np.testing.assert_allclose(ours, theirs, atol=1e-9, equal_nan=True)  # one sample leaves 0/0 for it: nan
    np.testing.assert_allclose(betweenness(g, directed=directed, backend="scipy", **kwargs).values, theirs, atol=1e-9)


def test_every_option_on_one_graph():
    g = pregel.io.edges.read_edges(SHIPPED)
    small = pregel.Graph.from_edges(*(column[:3000] for column in g.edge_arrays()[:2]))
    for directed, normalized, endpoints in itertools.product([True, False], repeat=3):
        options = {"normalized": normalized, "endpoints": endpoints}
        ours = betweenness(small, samples=15, seed=5, directed=directed, **options).values
        theirs = networkx_betweenness(small, 15, 5, directed=directed, **options)
        np.testing.assert_allclose(ours, theirs, atol=1e-9)


@pytest.mark.parametrize("path", [SHIPPED, pytest.param(GNUTELLA, marks=pytest.mark.slow)])
def test_real_graphs_sampled_match_networkx(path):
    g = pregel.io.edges.read_edges(path)
    ours = betweenness(g, samples=12, seed=7, workers=2)
    np.testing.assert_allclose(ours.values, networkx_betweenness(g, 12, 7), atol=1e-9)


@pytest.mark.slow
def test_wiki_vote_exact_matches_networkx():
    g = pregel.io.edges.read_edges(SHIPPED)
    np.testing.assert_allclose(betweenness(g, workers=2).values, networkx_betweenness(g), atol=1e-9)


def test_a_checkpointed_run_resumes_to_the_same_values(tmp_path):
    g = pregel.io.edges.read_edges(SHIPPED)
    g = pregel.Graph.from_edges(*(column[:5000] for column in g.edge_arrays()[:2]))
    whole = betweenness(g, samples=80, seed=2, workers=2)
    options = {"samples": 80, "seed": 2, "workers": 2, "checkpoint_dir": tmp_path / "ck", "checkpoint_every": 4}
    assert betweenness(g, max_supersteps=whole.supersteps // 2, **options).stopped_by == "max_supersteps"
    resumed = betweenness(g, resume=True, **options)
    assert resumed.values.tobytes() == whole.values.tobytes()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: betweenness(DIAMOND, samples=5), "5 samples is more than the graph's 4 vertices"),
        # no source is no estimate (networkx divides by k = 0); fewer than none is not "more than the graph"
        (lambda: betweenness(DIAMOND, samples=0), "samples must be at least 1, got 0"),
        (lambda: betweenness(DIAMOND, samples=-1, backend="scipy"), "samples must be at least 1, got -1"),
        (lambda: betweenness(DIAMOND, api="scalar"), "only the batch API"),
    ],
)
def test_bad_parameters(call, message):
    with pytest.raises(pregel.InputError, match=message):
        call()


# ------------------------------------------------------------ the command line
def exit_status(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture
def edges(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("1 2\n1 3\n2 4\n3 4\n4 5\n5 1\n")
    return path


def test_cli_exact_and_sampled_equal_networkx(edges, tmp_path, capsys):
    g = pregel.io.edges.read_edges(edges)
    for flags, samples in (([], None), (["--samples", "3", "--seed", "4"], 3)):
        out = tmp_path / "bc.tsv"
        assert main(["betweenness", str(edges), *flags, "-o", str(out), "-q", "--check", "--compare", "networkx"]) == 0
        written = np.array([float(line.split("\t")[1]) for line in out.read_text().splitlines()])
        np.testing.assert_allclose(written, networkx_betweenness(g, samples, 4), atol=1e-12)
        err = capsys.readouterr().err
        assert "scipy: largest absolute difference" in err and "networkx: largest absolute difference" in err


def test_cli_undirected_unnormalized_endpoints(edges, capsys):
    argv = ["betweenness", str(edges), "--undirected", "--unnormalized", "--endpoints", "--top", "2", "-q"]
    assert main(argv) == 0
    g = pregel.io.edges.read_edges(edges)
    expected = networkx_betweenness(g, normalized=False, endpoints=True, directed=False)
    order = np.lexsort((g.ids, -expected))[:2]
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(int(a), float(b)) for a, b in rows] == [(int(g.ids[k]), expected[k]) for k in order]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--samples", "6"], "--samples 6 is more than the graph's 5 vertices"),
        (["--samples", "0"], "must be at least 1"),
        (["--seed", "x"], "not an integer"),
        (["--api", "scalar"], "only the batch API"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(edges, tmp_path, capsys, args, message):
    out = tmp_path / "out.tsv"
    assert exit_status(["betweenness", str(edges), *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


# ------------------------------------------------------------ networkx dispatch
@needs_backend
@pytest.mark.parametrize("seed", range(3))
def test_networkx_dispatch_equals_networkx(seed):
    for directed in (False, True):
        g = nx.gnm_random_graph(40, 90, seed=seed, directed=directed)
        g.add_edge(2, 2)
        g.add_node("lonely")
        for k, normalized, endpoints in itertools.product([None, 6], [True, False], [False, True]):
            kwargs = {"k": k, "normalized": normalized, "endpoints": endpoints, "seed": seed}
            ours = nx.betweenness_centrality(g, backend="pregel", **kwargs)
            theirs = nx.betweenness_centrality(g, **kwargs)
            assert ours.keys() == theirs.keys()
            assert max(abs(ours[v] - theirs[v]) for v in g) < 1e-9


@needs_backend
@pytest.mark.parametrize("seed", range(3))
def test_networkx_dispatch_by_weight_equals_networkx(seed):
    rng = random.Random(seed)
    for directed in (False, True):
        g = nx.gnm_random_graph(40, 90, seed=seed, directed=directed)
        for u, v in g.edges:
            # small integers tie many paths (sigma counts them); halves make the sums inexact in binary
            g[u][v]["w"] = rng.randint(1, 3) if seed % 2 else rng.choice([0.1, 0.2, 0.3, 0.7])
        g.add_edge(2, 2, w=1)
        g.add_node("lonely")
        for k, normalized, endpoints in itertools.product([None, 6], [True, False], [False, True]):
            kwargs = {"k": k, "normalized": normalized, "endpoints": endpoints, "seed": seed, "weight": "w"}
            ours = nx.betweenness_centrality(g, backend="pregel", **kwargs)
            theirs = nx.betweenness_centrality(g, **kwargs)
            assert ours.keys() == theirs.keys()
            assert max(abs(ours[v] - theirs[v]) for v in g) < 1e-9


@needs_backend
def test_networkx_dispatch_weights_of_multigraphs_missing_and_not_positive():
    assert nx.betweenness_centrality(nx.MultiGraph([(1, 2), (1, 2), (2, 3)]), backend="pregel")[2] == 1.0
    # parallel edges: the lightest counts, as networkx's Dijkstra weighs them
    multi = nx.MultiDiGraph([(1, 2, {"w": 5}), (1, 2, {"w": 1}), (2, 4, {"w": 1}), (1, 3, {"w": 1}), (3, 4, {"w": 2})])
    for kwargs in ({"weight": "w"}, {"weight": "missing"}, {"weight": None}):
        ours = nx.betweenness_centrality(multi, backend="pregel", normalized=False, **kwargs)
        assert ours == nx.betweenness_centrality(multi, normalized=False, **kwargs)
    g = nx.path_graph(4)
    g.add_edge(1, 2, weight=0)
    with warnings.catch_warnings(), pytest.raises(NotImplementedError):
        warnings.simplefilter("ignore")
        nx.betweenness_centrality(g, weight="weight", backend="pregel")
    # can_run says why: networkx then answers where it is asked by backend_priority
    reason = BackendInterface.can_run("betweenness_centrality", (g,), {"weight": "weight"})
    assert "finite positive weights" in reason and "edge (1, 2) weighs 0" in reason


@needs_backend
@pytest.mark.parametrize("g", [nx.Graph(), nx.path_graph(3)], ids=["empty", "path"])
def test_networkx_dispatch_refuses_more_samples_than_nodes_as_networkx_does(g):
    # k above the number of nodes is networkx's ValueError from random.sample, on the empty graph too
    with pytest.raises(ValueError) as theirs:
        nx.betweenness_centrality(g, k=len(g) + 1, seed=1)
    with pytest.raises(ValueError) as ours:
        nx.betweenness_centrality(g, k=len(g) + 1, seed=1, backend="pregel")
    assert str(ours.value) == str(theirs.value)
    assert nx.betweenness_centrality(g, k=len(g), seed=1, backend="pregel") == nx.betweenness_centrality(
        g, k=len(g), seed=1
    )


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("directed", [True, False])
def test_weighted_random_graphs_match_networkx(workers, directed):
    for seed in range(4):
        rng = np.random.default_rng(seed)
        n, m = 60, 240
        weights = rng.integers(1, 4, m).astype(float) if seed % 2 else rng.uniform(0.1, 3.0, m)
        src, dst = rng.integers(0, n, m) * 5, rng.integers(0, n, m) * 5
        g = pregel.Graph.from_edges(src, dst, weights=weights)
        for samples, endpoints in ((None, False), (7, True)):
            ours = betweenness(g, samples, seed, endpoints=endpoints, directed=directed, weighted=True, workers=workers)
            expected = networkx_betweenness(g, samples, seed, True, endpoints, directed=directed, weighted=True)
            np.testing.assert_allclose(ours.values, expected, atol=1e-9, rtol=0)


def test_weighted_by_hand_and_refused_weights():
    # 1 -> 2 -> 4 weighs 2, 1 -> 3 -> 4 weighs 4: every path from 1 to 4 goes through 2, none through 3
    square = pregel.Graph.from_edges([1, 1, 2, 3], [2, 3, 4, 4], weights=[1.0, 2.0, 1.0, 2.0])
    assert betweenness(square, weighted=True, normalized=False).to_dict() == {1: 0.0, 2: 1.0, 3: 0.0, 4: 0.0}
    # in hops both are on one of two paths
    assert betweenness(square, normalized=False).to_dict() == {1: 0.0, 2: 0.5, 3: 0.5, 4: 0.0}
    # a tie by weight splits the paths as the hops do
    tied = pregel.Graph.from_edges([1, 1, 2, 3], [2, 3, 4, 4], weights=[1.5, 2.0, 2.0, 1.5])
    assert betweenness(tied, weighted=True, normalized=False).to_dict() == {1: 0.0, 2: 0.5, 3: 0.5, 4: 0.0}
    # one weight on every edge: the paths of fewest hops (run by the hops program), as networkx finds them
    rng = np.random.default_rng(5)
    src, dst = rng.integers(0, 30, 120), rng.integers(0, 30, 120)
    constant = pregel.Graph.from_edges(src, dst, weights=np.full(120, 2.5))
    ours = betweenness(constant, weighted=True)
    assert "reached" in ours.aggregated  # the hops program's aggregator
    np.testing.assert_allclose(ours.values, networkx_betweenness(constant, weighted=True), atol=1e-12, rtol=0)
    zero = pregel.Graph.from_edges([1, 2], [2, 3], weights=[1.0, 0.0])
    with pytest.raises(pregel.InputError, match="positive weights; edge 2 -> 3 weighs 0.0"):
        betweenness(zero, weighted=True)
    with pytest.raises(pregel.InputError, match="counts paths in hops"):
        betweenness(square, weighted=True, backend="scipy")


def test_undirected_reciprocal_edges_of_two_weights_count_as_the_lighter():
    # 0 - 1 weighs 1 one way and 5 the other; then 0 - 1 - 2 (2) beats 0 - 3 - 2 (3.5), and 1 - 2 - 3 (2) beats
    # 1 - 0 - 3 (3.5): 1 is on the pair 0, 2 and 2 on the pair 1, 3 (by hand; by 5, 1 would be on no pair)
    g = pregel.Graph.from_edges([0, 1, 1, 2, 0], [1, 0, 2, 3, 3], weights=[1.0, 5.0, 1.0, 1.0, 2.5])
    by_hand = {0: 0.0, 1: 1.0, 2: 1.0, 3: 0.0}
    assert betweenness(g, weighted=True, directed=False, normalized=False).to_dict() == by_hand
    # networkx's own to_undirected keeps whichever weight it meets last (here the 5): the reference takes the lighter
    reference = networkx_betweenness(g, normalized=False, directed=False, weighted=True)
    assert dict(zip(g.ids.tolist(), reference.tolist())) == by_hand
    lighter = nx.Graph()
    lighter.add_weighted_edges_from([(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (0, 3, 2.5)])
    assert nx.betweenness_centrality(lighter, weight="weight", normalized=False) == by_hand


def test_cli_weighted_equals_networkx_and_refuses_the_hops_reference(tmp_path, capsys):
    path = tmp_path / "w.txt"
    path.write_text("1 2 1\n1 3 2\n2 4 1\n3 4 1\n4 5 0.5\n5 1 3\n")
    out = tmp_path / "bc.tsv"
    assert main(["betweenness", str(path), "--weighted", "-o", str(out), "-q", "--compare", "networkx"]) == 0
    written = np.array([float(line.split("\t")[1]) for line in out.read_text().splitlines()])
    g = pregel.io.edges.read_edges(path)
    np.testing.assert_allclose(written, networkx_betweenness(g, weighted=True), atol=1e-12)
    assert not np.allclose(written, networkx_betweenness(g))  # the weights change the answer here
    assert "networkx: largest absolute difference" in capsys.readouterr().err
    for flags in (["--check"], ["--backend", "scipy"]):
        assert exit_status(["betweenness", str(path), "--weighted", *flags, "-o", str(tmp_path / "x.tsv")]) == 2
        err = capsys.readouterr().err
        assert "has no meaning with --weighted" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.tsv").exists()
    path.write_text("1 2 1\n2 3 -1\n")
    assert exit_status(["betweenness", str(path), "--weighted", "-o", str(out)]) == 2
    assert "needs positive weights; edge 2 -> 3 weighs -1.0" in capsys.readouterr().err


def test_sampled_sources_of_a_graph_with_string_ids_are_networkx_sources():
    named = [("ann", "bob"), ("bob", "cy"), ("cy", "ann"), ("cy", "dan"), ("hal", "ann"), ("fay", "hal")]
    g = pregel.Graph.from_edges(*zip(*named))
    G = nx.DiGraph()
    G.add_nodes_from(g.labels.tolist())  # networkx samples from the nodes in the graph's order: by id
    G.add_edges_from(named)
    for seed in range(4):
        ours = betweenness(g, samples=3, seed=seed).to_dict()
        theirs = nx.betweenness_centrality(G, k=3, seed=seed)
        assert ours == pytest.approx(theirs, abs=1e-12)
