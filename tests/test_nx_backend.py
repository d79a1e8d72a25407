"""networkx's own functions, dispatched to pregel with ``backend="pregel"``, equal networkx's answers.

Everything goes through networkx's public API and its entry-point discovery. networkx
reads the ``networkx.backends`` entry points once, when it is imported. When pregel is
installed (``pip install -e .``) this process already sees the backend; otherwise (another
checkout installed, or none) the module runs itself again in a fresh interpreter whose
path holds an entry-point record made from this checkout's pyproject.toml, which is what
``pip install`` would write.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from pregel.integrations.networkx import BackendInterface

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "datasets" / "wiki-Vote.txt.gz"
INNER = "PREGEL_NX_BACKEND_INNER"
REGISTERED = nx.config.backends.get("pregel") is not None
# networkx notes each reuse of a converted graph it cached; these tests never mutate graphs
pytestmark = pytest.mark.filterwarnings("ignore:Note. conversions to backend graphs are saved to cache")
needs_backend = pytest.mark.skipif(not REGISTERED, reason="runs in a fresh interpreter (test_in_a_fresh_interpreter)")


@pytest.mark.skipif(REGISTERED, reason="the backend is registered in this interpreter")
def test_in_a_fresh_interpreter(tmp_path):
    _write_entry_points(tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]), **{INNER: "1"})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "not fresh_interpreter"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary, done.stdout[-3000:]


def _write_entry_points(folder: Path) -> None:
    """A ``pregel-*.dist-info`` with pyproject.toml's entry points, as an install would write it."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    info = folder / f"pregel-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pregel\nVersion: {project['version']}\n")
    sections = [
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in points.items())
        for group, points in project["entry-points"].items()
    ]
    (info / "entry_points.txt").write_text("\n".join(sections))


def test_the_entry_point_is_seen_when_installed():
    if not os.environ.get(INNER) and not REGISTERED:
        pytest.skip("checked in the fresh interpreter")
    assert REGISTERED
    assert "pregel" in nx.utils.backends.backend_info
    assert nx.config.backends.pregel.workers == 1


# ---------------------------------------------------------------- graphs
def _random_digraph(seed: int, n: int = 80, m: int = 300, weighted: bool = True) -> nx.DiGraph:
    rng = np.random.default_rng(seed)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v in rng.integers(0, n, size=(m, 2)).tolist():
        if weighted:
            g.add_edge(u, v, weight=float(rng.integers(1, 20)) / 4)
        else:
            g.add_edge(u, v)
    return g


def _shipped() -> nx.DiGraph:
    from pregel.io.edges import read_edges

    return read_edges(SHIPPED).to_networkx(weights=False)


def _close(ours: dict, theirs: dict, tol: float = 1e-12) -> None:
    assert ours.keys() == theirs.keys()
    worst = max((abs(ours[k] - theirs[k]) for k in theirs), default=0.0)
    assert worst < tol, worst


# ---------------------------------------------------------------- PageRank
@needs_backend
@pytest.mark.parametrize("seed", range(4))
def test_pagerank_weighted_by_default(seed):
    g = _random_digraph(seed)
    _close(nx.pagerank(g, backend="pregel"), nx.pagerank(g))


@needs_backend
def test_pagerank_on_the_shipped_graph_with_networkx_tolerance():
    g = _shipped()
    for tol in (1e-6, 1e-10):
        _close(nx.pagerank(g, tol=tol, backend="pregel"), nx.pagerank(g, tol=tol), tol=1e-13)


@needs_backend
def test_pagerank_parameters():
    g = _random_digraph(7)
    nodes = list(g)
    personalization = {v: 1.0 + (v % 3) for v in nodes[:20]}
    dangling = {v: 1.0 for v in nodes[-10:]}
    nstart = {v: float(v + 1) for v in nodes}
    cases = [
        {"alpha": 0.5},
        {"weight": None},
        {"personalization": personalization},
        {"personalization": personalization, "dangling": dangling},
        {"nstart": nstart, "tol": 1e-9, "max_iter": 500},
    ]
    for kwargs in cases:
        _close(nx.pagerank(g, backend="pregel", **kwargs), nx.pagerank(g, **kwargs))


@needs_backend
def test_pagerank_undirected_multigraph_and_named_nodes():
    g = nx.MultiGraph()
    g.add_edge("a", "b", weight=2.0)
    g.add_edge("a", "b", weight=1.0)
    g.add_edge("b", "c")
    g.add_edge("c", "c", weight=0.5)
    g.add_node("lonely")
    _close(nx.pagerank(g, backend="pregel"), nx.pagerank(g))


@needs_backend
@pytest.mark.parametrize("cls", [nx.MultiGraph, nx.MultiDiGraph])
def test_unweighted_parallel_edges_count_once_each_like_networkx(cls):
    # weight=None: each edge weighs 1, and networkx adds parallel edges up (two a->b edges weigh 2)
    g = cls([("a", "b"), ("a", "b"), ("a", "c"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "d")])
    g.add_edge("b", "a", weight=5.0)
    _close(nx.pagerank(g, weight=None, backend="pregel"), nx.pagerank(g, weight=None))


@needs_backend
def test_louvain_counts_unweighted_parallel_edges_like_networkx():
    # networkx's Louvain runs a multigraph as the graph of its edge counts (_convert_multigraph)
    g = nx.MultiGraph([(6, 9), (0, 4), (8, 7), (6, 4), (7, 5), (9, 3), (8, 2), (4, 2), (1, 4), (8, 2), (4, 1)])
    g.add_edges_from([(1, 5), (7, 8), (1, 5), (6, 5), (9, 3), (8, 7), (7, 8), (4, 0), (8, 0), (1, 6), (0, 7)])
    g.add_edges_from([(5, 3), (5, 1), (3, 9), (3, 2), (8, 7), (1, 9), (5, 8), (7, 1)])
    counted = nx.Graph()
    counted.add_nodes_from(g)  # the same order: pregel's seed colours nodes by their number
    for u, v in g.edges():
        counted.add_edge(u, v, weight=counted.get_edge_data(u, v, {"weight": 0})["weight"] + 1)
    assert nx.community.louvain_communities(g, weight=None, seed=3, backend="pregel") == (
        nx.community.louvain_communities(counted, seed=3, backend="pregel")
    )


@needs_backend
def test_pagerank_not_converging_raises_like_networkx():
    g = _shipped()
    with pytest.raises(nx.PowerIterationFailedConvergence):
        nx.pagerank(g, tol=1e-15, max_iter=5)
    with pytest.raises(nx.PowerIterationFailedConvergence):
        nx.pagerank(g, tol=1e-15, max_iter=5, backend="pregel")


@needs_backend
@pytest.mark.parametrize("tol", [0, -1.0, math.nan])
def test_pagerank_with_a_tolerance_nothing_is_below_fails_like_networkx(tol):
    # networkx stops when the change is below N * tol: never for tol <= 0 or NaN, even once the ranks stop
    # changing (they do, exactly, on this small graph within max_iter)
    g = nx.DiGraph([(1, 2), (2, 3), (3, 1), (3, 4)])
    with pytest.raises(nx.PowerIterationFailedConvergence):
        nx.pagerank(g, tol=tol)
    with pytest.raises(nx.PowerIterationFailedConvergence):
        nx.pagerank(g, tol=tol, backend="pregel")


@needs_backend
def test_pagerank_edge_cases():
    assert nx.pagerank(nx.DiGraph(), backend="pregel") == {}
    g = nx.DiGraph([(1, 2), (2, 3)])
    with pytest.raises(ZeroDivisionError):
        nx.pagerank(g, personalization={1: 0}, backend="pregel")
    g.add_edge(3, 1, weight=-1.0)
    reason = BackendInterface.can_run("pagerank", (g,), {})
    assert isinstance(reason, str) and "non-negative" in reason and "edge (3, 1) weighs -1.0" in reason
    with pytest.raises(NotImplementedError):
        nx.pagerank(g, backend="pregel")
    with nx.config(backend_priority=["pregel"], fallback_to_nx=True):
        assert nx.pagerank(g) == nx.pagerank(g, backend="networkx")
    assert BackendInterface.can_run("pagerank", (g,), {"weight": None}) is True


@needs_backend
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("pagerank", lambda g, **kw: nx.pagerank(g, **kw)),
        ("single_source_dijkstra_path_length", lambda g, **kw: nx.single_source_dijkstra_path_length(g, "a", **kw)),
        ("multi_source_dijkstra_path_length", lambda g, **kw: nx.multi_source_dijkstra_path_length(g, {"a"}, **kw)),
        (
            "single_source_bellman_ford_path_length",
            lambda g, **kw: nx.single_source_bellman_ford_path_length(g, "a", **kw),
        ),
        ("betweenness_centrality", lambda g, **kw: nx.betweenness_centrality(g, weight="weight", **kw)),
    ],
)
def test_a_weight_that_is_not_finite_is_left_to_networkx_naming_the_edge_by_its_nodes(name, call, bad):
    # the engine numbers the nodes 0..N-1: the reason must name networkx's own nodes
    g = nx.DiGraph()
    g.add_weighted_edges_from([("a", "b", 1.0), ("b", "c", bad)])
    args = (g, "a") if "source" in name else (g,)
    reason = BackendInterface.can_run(name, args, {"weight": "weight"})
    assert isinstance(reason, str) and f"edge ('b', 'c') weighs {bad}" in reason
    with pytest.raises(NotImplementedError):
        call(g, backend="pregel")
    # dispatched by priority, networkx answers as it answers alone (NaN distances compare unequal: by their text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        alone = _answer_or_error(lambda: call(g, backend="networkx"))
        with nx.config(backend_priority=["pregel"], fallback_to_nx=True):
            assert _answer_or_error(lambda: call(g)) == alone


def _answer_or_error(run):
    try:
        return repr(run())
    except Exception as exc:  # networkx's own error is the answer to compare
        return type(exc).__name__


@needs_backend
@pytest.mark.parametrize("name", ["louvain_communities", "louvain_partitions"])
def test_louvain_and_weighted_betweenness_leave_weights_they_do_not_take_to_networkx(name):
    g = nx.Graph([(0, 1, {"weight": -2.0}), (1, 2, {"weight": 1.0})])
    assert "non-negative" in BackendInterface.can_run(name, (g,), {})
    assert BackendInterface.can_run(name, (g, None), {}) is True
    zero = nx.Graph([(0, 1, {"weight": 0.0}), (1, 2, {"weight": 1.0})])
    assert "positive" in BackendInterface.can_run("betweenness_centrality", (zero, None, True, "weight"), {})
    assert BackendInterface.can_run("betweenness_centrality", (zero,), {}) is True


@needs_backend
def test_weight_functions_are_declined():
    g = _random_digraph(1)
    with pytest.raises(NotImplementedError):
        nx.single_source_dijkstra_path_length(g, 0, weight=lambda u, v, d: 1, backend="pregel")


# ---------------------------------------------------------------- shortest paths
@needs_backend
@pytest.mark.parametrize("seed", range(4))
def test_dijkstra(seed):
    g = _random_digraph(seed)
    ours = nx.single_source_dijkstra_path_length(g, seed, backend="pregel")
    assert ours == nx.single_source_dijkstra_path_length(g, seed)
    assert list(ours.values()) == sorted(ours.values())
    assert nx.single_source_dijkstra_path_length(g, seed, cutoff=3.0, backend="pregel") == (
        nx.single_source_dijkstra_path_length(g, seed, cutoff=3.0)
    )


@needs_backend
@pytest.mark.parametrize("cutoff", [-1, -0.5, -math.inf, 0, 0.25, 0.5, 1.5, 2, math.inf, math.nan])
def test_dijkstra_cutoffs_like_networkx(cutoff):
    # networkx keeps the source whatever the cutoff, and a node unless it is farther (NaN never is)
    weighted = nx.DiGraph()
    weighted.add_weighted_edges_from([(0, 1, 0.5), (1, 2, 1.5), (0, 3, 2.5), (3, 0, 1.0)])
    for g in (nx.DiGraph([(0, 1), (1, 2)]), weighted, nx.path_graph(4)):
        expected = nx.single_source_dijkstra_path_length(g, 0, cutoff=cutoff)
        assert nx.single_source_dijkstra_path_length(g, 0, cutoff=cutoff, backend="pregel") == expected


def _outcome(call, *args, **kwargs):
    """What a call returns, or the type and message of what it raises."""
    try:
        return call(*args, **kwargs)
    except Exception as exc:
        return type(exc), str(exc)


@needs_backend
@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize(
    "ends",
    [
        {"source": 0},
        {"target": 3},
        {"source": 0, "target": 5},
        {"source": 2, "target": 2},
        {"source": 99},
        {"source": 0, "target": 99},
        {"source": 99, "target": 0},
        {"target": 99},
    ],
)
@pytest.mark.parametrize(
    "how", [{}, {"weight": "w"}, {"weight": "w", "method": "bellman-ford"}, {"weight": "w", "method": "a*"}]
)
def test_shortest_path_length_from_a_source_to_a_target_or_between_them_like_networkx(directed, ends, how):
    # values, and networkx's errors word for word: missing nodes, no path, an unknown method
    for seed in range(6):
        g = nx.gnp_random_graph(12, 0.2, seed=seed, directed=directed)
        rng = np.random.default_rng(seed)
        for u, v in g.edges:
            g[u][v]["w"] = float(rng.choice([0.5, 1.0, 2.0, 3.0]))
        expected = _outcome(nx.shortest_path_length, g, **ends, **how)
        assert _outcome(nx.shortest_path_length, g, **ends, **how, backend="pregel") == expected


@needs_backend
@pytest.mark.parametrize("directed", [True, False])
def test_reachability_and_connectivity_like_networkx(directed):
    # descendants, ancestors, has_path and the components of one node: the same sets, and networkx's errors
    for seed in range(8):
        g = nx.gnp_random_graph(14, 0.12, seed=seed, directed=directed)
        calls = [(nx.descendants, (n,)) for n in (0, 5, 99)] + [(nx.ancestors, (n,)) for n in (0, 5, 99)]
        calls += [(nx.has_path, pair) for pair in ((0, 5), (5, 0), (3, 3), (99, 0), (0, 99))]
        calls += [(nx.is_weakly_connected, ())] if directed else [(nx.is_connected, ())]
        calls += [] if directed else [(nx.node_connected_component, (n,)) for n in (0, 7, 99, [1])]
        calls += [(nx.descendants, ([1],)), (nx.ancestors, ([1],))]
        for call, args in calls:
            assert _outcome(call, g, *args, backend="pregel") == _outcome(call, g, *args), (call.__name__, args)
    for call in (nx.is_connected, nx.is_weakly_connected):
        null = nx.DiGraph() if call is nx.is_weakly_connected else nx.Graph()
        assert _outcome(call, null, backend="pregel") == _outcome(call, null)
    assert nx.is_connected(nx.path_graph(5), backend="pregel")


@needs_backend
@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("weighted", [True, False])
def test_eigenvector_centrality_like_networkx(directed, weighted):
    for seed in range(4):
        g = nx.gnp_random_graph(25, 0.15, seed=seed, directed=directed)
        rng = np.random.default_rng(seed)
        for u, v in g.edges:
            g[u][v]["w"] = float(rng.choice([0.5, 1.0, 2.0]))
        how = {"weight": "w"} if weighted else {}
        for extra in ({"max_iter": 1000}, {"max_iter": 1000, "nstart": {n: 1 + n % 3 for n in g}}):
            ours = _outcome(nx.eigenvector_centrality, g, **how, **extra, backend="pregel")
            theirs = _outcome(nx.eigenvector_centrality, g, **how, **extra)
            if isinstance(theirs, dict):
                assert ours.keys() == theirs.keys()
                np.testing.assert_allclose(list(ours.values()), list(theirs.values()), rtol=0, atol=1e-12)
            else:
                assert ours == theirs
    cycle = nx.cycle_graph(4, create_using=nx.DiGraph)
    nx.add_path(cycle, [0, 2])
    for call in (
        lambda backend: nx.eigenvector_centrality(nx.path_graph(5), max_iter=2, backend=backend),
        lambda backend: nx.eigenvector_centrality(nx.Graph(), backend=backend),
        lambda backend: nx.eigenvector_centrality(cycle, nstart={n: 0 for n in cycle}, backend=backend),
        lambda backend: nx.eigenvector_centrality(cycle, tol=0, backend=backend),
    ):
        assert _outcome(call, "pregel") == _outcome(call, "networkx")


@needs_backend
def test_shortest_path_length_leaves_all_pairs_and_negative_weights_for_dijkstra_to_networkx():
    g = nx.DiGraph()
    g.add_weighted_edges_from([(1, 2, 1.0), (2, 3, -1.0)])
    assert BackendInterface.can_run("shortest_path_length", (g,), {}) == "all pairs' lengths are left to networkx"
    assert "non-negative" in BackendInterface.can_run("shortest_path_length", (g, 1), {"weight": "weight"})
    assert BackendInterface.can_run("shortest_path_length", (g, 1), {"weight": "weight", "method": "bellman-ford"})
    assert nx.shortest_path_length(g, 1, 3, "weight", "bellman-ford", backend="pregel") == 0.0


@needs_backend
def test_dijkstra_unweighted_distances_are_integers_like_networkx():
    g = nx.path_graph(["x", "y", "z"])
    ours = nx.single_source_dijkstra_path_length(g, "z", backend="pregel")
    assert ours == {"z": 0, "y": 1, "x": 2}
    assert all(type(d) is int for d in ours.values())
    with pytest.raises(nx.NodeNotFound):
        nx.single_source_dijkstra_path_length(g, "nowhere", backend="pregel")


@needs_backend
def test_dijkstra_leaves_negative_weights_to_networkx():
    g = nx.DiGraph()
    g.add_weighted_edges_from([(1, 2, 1.0), (2, 3, -1.0)])
    for run, sources in ((nx.single_source_dijkstra_path_length, 1), (nx.multi_source_dijkstra_path_length, {1})):
        reason = BackendInterface.can_run(run.__name__, (g, sources), {})
        assert isinstance(reason, str) and "non-negative" in reason
        with pytest.raises(NotImplementedError):
            run(g, sources, backend="pregel")
        # dispatched by priority, networkx answers itself
        with nx.config(backend_priority=["pregel"], fallback_to_nx=True):
            assert run(g, sources) == run(g, sources, backend="networkx") == {1: 0, 2: 1.0, 3: 0.0}
        assert BackendInterface.can_run(run.__name__, (g, sources), {"weight": None}) is True


@needs_backend
@pytest.mark.parametrize("seed", range(3))
def test_bellman_ford_with_negative_weights(seed):
    rng = np.random.default_rng(seed)
    g = nx.DiGraph()
    order = rng.permutation(40).tolist()  # edges only go forward in this order: no cycle at all
    for _ in range(120):
        i, j = sorted(rng.choice(40, size=2, replace=False).tolist())
        g.add_edge(order[i], order[j], weight=float(rng.integers(-5, 10)))
    source = order[0]
    ours = nx.single_source_bellman_ford_path_length(g, source, backend="pregel")
    assert ours == nx.single_source_bellman_ford_path_length(g, source)


@needs_backend
def test_integer_weights_past_two_to_the_53_are_left_to_networkx_exact():
    # float64 holds integers exactly only up to 2**53: 2**53 + 1 would come back as 2**53
    g = nx.DiGraph()
    g.add_weighted_edges_from([(1, 2, 2**53 + 1), (2, 3, 1), (1, 3, 2**53 + 3), (3, 4, 2)])
    calls = [
        lambda: nx.single_source_dijkstra_path_length(g, 1),
        lambda: nx.single_source_bellman_ford_path_length(g, 1),
        lambda: nx.multi_source_dijkstra_path_length(g, {1}),
        lambda: nx.betweenness_centrality(g, weight="weight"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # networkx's note that it caches the converted graph
        theirs = [call() for call in calls]
        with nx.config.backend_priority(algos=["pregel"]):
            ours = [call() for call in calls]
        with pytest.raises(NotImplementedError):
            nx.single_source_dijkstra_path_length(g, 1, backend="pregel")
    assert ours == theirs
    assert ours[0][3] == 2**53 + 2  # 1 -> 2 -> 3, exactly (not 1 -> 3)


@needs_backend
def test_bellman_ford_negative_cycle():
    g = nx.DiGraph()
    g.add_weighted_edges_from([(1, 2, 1.0), (2, 3, -3.0), (3, 1, 1.0), (3, 4, 1.0)])
    with pytest.raises(nx.NetworkXUnbounded):
        nx.single_source_bellman_ford_path_length(g, 1)
    with pytest.raises(nx.NetworkXUnbounded):
        nx.single_source_bellman_ford_path_length(g, 1, backend="pregel")


@needs_backend
def test_hops():
    g = _shipped()
    assert nx.single_source_shortest_path_length(g, 30, backend="pregel") == (
        nx.single_source_shortest_path_length(g, 30)
    )
    assert nx.single_source_shortest_path_length(g, 30, cutoff=2, backend="pregel") == (
        nx.single_source_shortest_path_length(g, 30, cutoff=2)
    )


# ---------------------------------------------------------------- components
@needs_backend
def test_weakly_connected_components_on_the_shipped_graph():
    g = _shipped()
    ours = list(nx.weakly_connected_components(g, backend="pregel"))
    theirs = list(nx.weakly_connected_components(g))
    assert ours == theirs  # the same sets, in the same order
    assert nx.number_weakly_connected_components(g, backend="pregel") == len(theirs)


@needs_backend
@pytest.mark.parametrize("seed", range(3))
def test_connected_components_undirected(seed):
    g = nx.gnm_random_graph(100, 70, seed=seed)
    g = nx.relabel_nodes(g, {v: f"v{v}" for v in g})
    assert list(nx.connected_components(g, backend="pregel")) == list(nx.connected_components(g))
    assert nx.number_connected_components(g, backend="pregel") == nx.number_connected_components(g)


@needs_backend
def test_connected_components_refuses_directed_like_networkx():
    with pytest.raises(nx.NetworkXNotImplemented):
        list(nx.connected_components(nx.DiGraph([(1, 2)]), backend="pregel"))


@needs_backend
def test_more_workers_same_answers():
    g = _random_digraph(3)
    before = nx.config.backends.pregel.workers
    try:
        nx.config.backends.pregel.workers = 3
        _close(nx.pagerank(g, backend="pregel"), nx.pagerank(g))
        assert nx.single_source_dijkstra_path_length(g, 0, backend="pregel") == (
            nx.single_source_dijkstra_path_length(g, 0)
        )
    finally:
        nx.config.backends.pregel.workers = before


@needs_backend
def test_a_graph_converted_with_every_attribute_serves_a_later_weighted_call():
    # k_core converts with every attribute (preserve_all_attrs) and networkx caches that
    # graph for later calls; an unweighted graph has no "weight" to keep, so each edge weighs 1
    g = nx.Graph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    assert set(nx.k_core(g, backend="pregel")) == {"a", "b", "c"}
    assert nx.single_source_dijkstra_path_length(g, "d", backend="pregel") == {"d": 0, "c": 1, "a": 2, "b": 2}
    assert nx.single_source_bellman_ford_path_length(g, "d", backend="pregel") == (
        nx.single_source_bellman_ford_path_length(g, "d")
    )
    assert nx.multi_source_dijkstra_path_length(g, {"a"}, backend="pregel") == nx.multi_source_dijkstra_path_length(
        g, {"a"}
    )
    _close(nx.pagerank(g, backend="pregel"), nx.pagerank(g))
    assert len(nx.community.louvain_communities(g, seed=1, backend="pregel")) >= 1
    # an attribute some edges hold as text is still not a weight
    g = nx.Graph([("a", "b", {"weight": "heavy"}), ("b", "c"), ("c", "a"), ("c", "d")])
    nx.k_core(g, backend="pregel")
    with pytest.raises(NotImplementedError):
        nx.single_source_dijkstra_path_length(g, "d", backend="pregel")


@needs_backend
def test_a_graph_class_with_its_own_adjacency_converts_by_its_adj():
    # networkx's k_components calls core_number and connected_components on an _AntiGraph (the
    # complement, kept as sets: its adjacency() yields sets, its adj the complement's dicts)
    from networkx.algorithms.approximation.kcomponents import _AntiGraph

    anti = _AntiGraph(nx.karate_club_graph())
    assert nx.core_number(anti, backend="pregel") == nx.core_number(anti)
    ours = list(nx.connected_components(anti, backend="pregel"))
    assert ours == list(nx.connected_components(anti))


@needs_backend
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.float64])
def test_numpy_weights_as_zip_over_arrays_gives_them(dtype):
    g = nx.DiGraph()
    # the usual way from arrays: each weight is a numpy scalar, not a Python number
    g.add_weighted_edges_from(
        zip(["a", "b", "a", "c"], ["b", "c", "c", "d"], np.array([8, 12, 28, 4], dtype=dtype) / 4)
    )
    g.add_weighted_edges_from(zip(["d"], ["e"], np.array([3], dtype=dtype)))
    assert isinstance(g.edges["a", "b"]["weight"], np.generic)
    ours = nx.single_source_dijkstra_path_length(g, "a", backend="pregel")
    assert ours == nx.single_source_dijkstra_path_length(g, "a")
    assert nx.single_source_bellman_ford_path_length(g, "a", backend="pregel") == (
        nx.single_source_bellman_ford_path_length(g, "a")
    )
    _close(nx.pagerank(g, backend="pregel"), nx.pagerank(g))
    undirected = g.to_undirected()
    assert len(nx.community.louvain_communities(undirected, seed=1, backend="pregel")) >= 1


@needs_backend
def test_weights_are_checked_where_the_call_binds_them():
    # by position too (Bellman-Ford's weight is its third argument), and on a graph converted already
    g = nx.DiGraph()
    g.add_edge("a", "b", w=1.0, weight=1.0)
    g.add_edge("b", "c", w=math.nan, weight=1.0)
    name = "single_source_bellman_ford_path_length"
    assert "edge ('b', 'c') weighs nan" in BackendInterface.can_run(name, (g, "a", "w"), {})
    assert BackendInterface.can_run(name, (g, "a", "weight"), {}) is True
    with nx.config(backend_priority=["pregel"], fallback_to_nx=True):
        assert repr(nx.single_source_bellman_ford_path_length(g, "a", "w")) == repr(
            nx.single_source_bellman_ford_path_length(g, "a", "w", backend="networkx")
        )
    converted = BackendInterface.convert_from_nx(g, edge_attrs={"weight": 1.0})
    assert BackendInterface.can_run("pagerank", (converted,), {}) is True
    assert nx.pagerank(converted) == pytest.approx(nx.pagerank(g))
    negative = BackendInterface.convert_from_nx(nx.DiGraph([(1, 2, {"weight": -1.0})]), edge_attrs={"weight": 1.0})
    assert "edge (1, 2) weighs -1.0" in BackendInterface.can_run("pagerank", (negative,), {})


@needs_backend
def test_the_edges_of_networkx_answers_at_their_limits():
    # integer lengths that reach 2**53 (float64 rounds them) and weights whose products would overflow are left
    # to networkx; a weight that is not true weighs nothing in eigenvector centrality, as in networkx
    reaching = nx.DiGraph()
    reaching.add_edge(0, 1, weight=2**53 + 1)
    heavy = nx.DiGraph()
    heavy.add_edge(0, 1, weight=1e300)
    falsy = nx.DiGraph([(0, 1), (1, 2), (2, 0), (0, 2)])
    falsy[0][1][""] = 5
    calls = [
        lambda backend: nx.shortest_path_length(reaching, 0, weight="weight", backend=backend),
        lambda backend: nx.eigenvector_centrality(heavy, weight="weight", backend=backend),
        lambda backend: nx.eigenvector_centrality(falsy, weight="", backend=backend),
        lambda backend: nx.eigenvector_centrality(nx.path_graph(4), nstart={0: 1, 1: -1, 2: 0, 3: 0}, backend=backend),
        lambda backend: nx.eigenvector_centrality(nx.path_graph(4), nstart={}, backend=backend),
        lambda backend: nx.eigenvector_centrality(nx.path_graph(4), max_iter=2.5, backend=backend),
        lambda backend: nx.shortest_path_length(nx.path_graph(4), method="bad", backend=backend),
        lambda backend: nx.descendants(nx.DiGraph([(len, 1)]), len, backend=backend),
    ]
    for k, call in enumerate(calls):
        expected = _outcome(call, "networkx")
        with nx.config(backend_priority=["pregel"], fallback_to_nx=True):
            assert _outcome(call, None) == expected, k
        if k >= 2:  # the calls pregel runs itself
            assert _outcome(call, "pregel") == expected, k
    for call in calls[:2]:
        with pytest.raises(NotImplementedError):
            call("pregel")
