"""Louvain: modularity against networkx on planted and real graphs, every level measured exactly, the same
communities on every backend and partition count, the command line and networkx dispatch.

Each level's modularity is checked against ``networkx.community.modularity`` of that
level's partition (an independent computation); the partition's quality against
``networkx.community.louvain_communities`` (a different order of moves, so only close).
"""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel.algorithms.louvain import Louvain, louvain
from pregel.cli.main import main
from tests.conftest import GNUTELLA, SHIPPED

needs_backend = pytest.mark.skipif(
    nx.config.backends.get("pregel") is None, reason="the pregel networkx backend is not installed (pip install -e .)"
)

# two triangles 1-2-3 and 4-5-6 joined by the bridge 3-4
BRIDGED = pregel.Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4])


def _networkx_graph(graph: pregel.Graph) -> nx.Graph:
    undirected = nx.Graph()
    undirected.add_nodes_from(graph.ids.tolist())
    sources, targets, weights = graph.edge_arrays()
    weights = np.ones(sources.size) if weights is None else weights
    undirected.add_weighted_edges_from(zip(sources.tolist(), targets.tolist(), weights.tolist()))
    return undirected


def _communities(ids: np.ndarray, labels: np.ndarray) -> list[set[int]]:
    groups: dict[int, set[int]] = {}
    for vertex, label in zip(ids.tolist(), labels.tolist()):
        groups.setdefault(label, set()).add(vertex)
    return list(groups.values())


def _check_levels(result: pregel.Result, G: nx.Graph, resolution: float = 1.0) -> None:
    """Every level's reported modularity is networkx's modularity of that level's partition; labels are smallest ids."""
    levels = result.aggregated["levels"]
    assert len(levels) == len(result.partitions) >= 1
    for q, labels in zip(levels, result.partitions):
        communities = _communities(result.graph.ids, labels)
        assert q == pytest.approx(nx.community.modularity(G, communities, resolution=resolution), abs=1e-9)
        assert all(min(c) == labels[np.searchsorted(result.graph.ids, min(c))] for c in communities)
    assert levels == sorted(levels)  # each level raises modularity (by more than the threshold, but the last)
    assert np.array_equal(result.values, result.partitions[-1])


def sbm(sizes: list[int], inside: float, across: float, seed: int) -> pregel.Graph:
    probabilities = [[inside if i == j else across for j in range(len(sizes))] for i in range(len(sizes))]
    G = nx.stochastic_block_model(sizes, probabilities, seed=seed)
    edges = np.array(list(G.edges()), dtype=np.int64).reshape(-1, 2)
    return pregel.Graph.from_edges(edges[:, 0], edges[:, 1], vertices=np.arange(G.number_of_nodes()))


# ------------------------------------------------------------ by hand
def test_two_triangles_and_a_bridge():
    result = louvain(BRIDGED)
    assert result.to_dict() == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4}
    # two communities of 3 edges inside each, 7 edges in all, degrees 7 each: 6/7 - 2 (7/14)^2
    assert result.aggregated["levels"] == [pytest.approx(6 / 7 - 0.5)]


def test_no_edges_leaves_every_vertex_alone():
    result = louvain(pregel.Graph.from_edges([], [], vertices=[3, 1, 2]))
    assert result.to_dict() == {1: 1, 2: 2, 3: 3} and result.aggregated["levels"] == []


def test_weights_and_self_loops_count_as_networkx_counts_them():
    g = pregel.Graph.from_edges(
        [1, 2, 3, 3, 4, 5, 6, 1, 6], [2, 3, 1, 4, 5, 6, 4, 1, 6], weights=[3, 3, 3, 1, 2, 2, 2, 5, 1]
    )
    result = louvain(g)
    _check_levels(result, _networkx_graph(g.to_undirected()))
    assert result.to_dict() == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4}


def test_negative_resolution_and_weights_are_refused():
    with pytest.raises(pregel.InputError, match="resolution must be >= 0"):
        louvain(BRIDGED, resolution=-1)
    with pytest.raises(pregel.InputError, match="threshold must be a number, got nan"):
        louvain(BRIDGED, threshold=float("nan"))
    with pytest.raises(pregel.InputError, match="seed must be an integer, got 1.5"):
        louvain(BRIDGED, seed=1.5)
    with pytest.raises(pregel.InputError, match="weight -1"):
        louvain(pregel.Graph.from_edges([1, 2], [2, 3], weights=[1.0, -1.0]))
    # named by the ids given and counted on the edges given (the run's copy is renumbered and two-way)
    with pytest.raises(pregel.InputError, match=r"edge bob -> cy has weight -1.0, .* \(1 negative in all\)"):
        louvain(pregel.Graph.from_edges(["ann", "bob"], ["bob", "cy"], weights=[1.0, -1.0]))


# ------------------------------------------------------------ against networkx
@pytest.mark.parametrize(
    "sizes, inside, across, seed",
    [([40, 30, 30], 0.3, 0.02, 1), ([25] * 8, 0.4, 0.01, 2), ([60, 60], 0.1, 0.05, 3)],
)
@pytest.mark.parametrize("resolution", [1.0, 0.5, 2.0])
def test_planted_communities_match_networkx_modularity(sizes, inside, across, seed, resolution):
    graph = sbm(sizes, inside, across, seed)
    G = _networkx_graph(graph)
    result = louvain(graph, resolution=resolution, seed=seed)
    _check_levels(result, G, resolution)
    theirs = nx.community.modularity(
        G, nx.community.louvain_communities(G, resolution=resolution, seed=seed), resolution=resolution
    )
    assert result.aggregated["levels"][-1] >= theirs - 0.01


@pytest.mark.slow
@pytest.mark.parametrize("path", [GNUTELLA, SHIPPED], ids=["gnutella", "wiki-vote"])
def test_real_graphs_match_networkx_modularity(path):
    graph = pregel.io.edges.as_graph(str(path)).to_undirected()
    G = _networkx_graph(graph)
    result = louvain(graph)
    _check_levels(result, G)
    theirs = nx.community.modularity(G, nx.community.louvain_communities(G, seed=0))
    assert result.aggregated["levels"][-1] >= theirs - 0.01


def test_threshold_and_max_level_stop_early():
    graph = sbm([25] * 8, 0.4, 0.01, 2)
    everything = louvain(graph)
    first = louvain(graph, max_level=1)
    assert first.aggregated["levels"] == everything.aggregated["levels"][:1]
    assert np.array_equal(first.values, everything.partitions[0])
    assert len(louvain(graph, threshold=1.0).aggregated["levels"]) == 1


class Watched(Louvain):
    """Louvain that keeps, for every round of local moving, the labels it measured and the modularity it reported."""

    def master_compute(self, master: pregel.Master) -> None:
        plan = master.aggregated("plan")
        measured = plan is not None and plan["phase"] == "decide" and "labels" in plan
        labels = plan["labels"].copy() if measured else None  # master compute rewrites them in place
        super().master_compute(master)
        if measured and plan["two_m"] > 0:
            self.__dict__.setdefault("rounds", []).append((plan["level"], labels, master.aggregated("modularity")))


@pytest.mark.parametrize(
    "graph, resolution",
    [
        (sbm([25] * 8, 0.4, 0.01, 2), 1.0),
        (sbm([60, 60], 0.1, 0.05, 3), 2.0),
        (sbm([40, 30, 30], 0.3, 0.02, 1), 0.5),
        (
            pregel.Graph.from_edges(
                *np.random.default_rng(5).integers(0, 80, (2, 400)), weights=np.random.default_rng(6).random(400) * 3
            ),
            1.0,
        ),
    ],
    ids=["sbm8", "sbm2-res2", "sbm3-res0.5", "weighted"],
)
def test_every_round_of_moves_raises_modularity_and_reports_it_exactly(graph, resolution):
    # vertices that move together change each other's gain; the one ranked lower pays for it, so no round of moves
    # lowers modularity (a swap of two neighbours would), and each round's is what networkx finds for its partition
    graph = graph.to_undirected()
    G = _networkx_graph(graph)
    numbered = pregel.Graph(np.arange(graph.num_vertices), graph.indptr, graph.indices, graph.weights)
    program = Watched(resolution=resolution, seed=4)
    pregel.run(numbered, program)
    level_of = {0: np.arange(graph.num_vertices)}  # each vertex's vertex at a level (the labels of the level before)
    previous = (-1, -math.inf)
    for level, labels, q in program.rounds:
        partition = labels[level_of[level]]
        expected = nx.community.modularity(G, _communities(graph.ids, partition), resolution=resolution)
        assert q == pytest.approx(expected, abs=1e-9)
        if previous[0] == level:
            assert q >= previous[1] - 1e-12
        previous = (level, q)
        level_of[level + 1] = partition  # the last round of a level measured the level's partition
    assert len({level for level, _, _ in program.rounds}) >= 2


def test_a_resumed_run_finds_the_same_communities(tmp_path):
    # which vertices look in a round (a bound each keeps) is vertex state too: a resumed run looks where the
    # uninterrupted one did (stopped mid level 0, and later)
    graph = sbm([50] * 6, 0.15, 0.03, 5)
    uninterrupted = louvain(graph, seed=3)
    for stop_at in (6, 8, uninterrupted.supersteps - 6):
        directory = tmp_path / f"at{stop_at}"
        stopped = louvain(graph, seed=3, max_supersteps=stop_at, checkpoint_dir=directory, checkpoint_every=1)
        assert stopped.stopped_by == "max_supersteps"
        resumed = louvain(graph, seed=3, checkpoint_dir=directory, resume=True)
        assert np.array_equal(resumed.values, uninterrupted.values)
        assert resumed.aggregated["levels"] == uninterrupted.aggregated["levels"]
        assert resumed.supersteps == uninterrupted.supersteps


def _best_communities_by_hand(indptr, indices, weights, rows, labels, own, alpha, tot):
    """Each row's sums per community added left to right in plain Python, then the best by score, smallest label."""
    looked, label, weight = [], [], []
    for r in rows.tolist():
        sums: dict[int, float] = {}
        for k in range(indptr[r], indptr[r + 1]):
            c = int(labels[indices[k]])
            sums[c] = sums[c] + float(weights[k]) if c in sums else float(weights[k])
        looked.append(sums.pop(int(own[r]), 0.0))
        best = max(sums, key=lambda c: (sums[c] - float(alpha[r]) * float(tot[c]), -c), default=-1)
        label.append(best)
        weight.append(sums.get(best, 0.0))
    return looked, label, weight


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "scipy"])
@pytest.mark.parametrize("seed", range(4))
def test_best_communities_sum_each_row_in_order_and_pick_the_best(compiled, seed, monkeypatch):
    # what a looking vertex sees, against plain Python; weights of far-apart magnitudes, so the order of sums shows
    from pregel.core import kernels

    if compiled and not kernels.COMPILED:
        pytest.skip("pregel.core._kernels is not built here: only the scipy fallback runs")
    if not compiled:
        monkeypatch.setattr(kernels, "_kernels", None)
    rng = np.random.default_rng(seed)
    n, span = 60, 80
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(rng.integers(0, 40, n), out=indptr[1:])
    indices = rng.integers(0, span, indptr[-1]).astype(np.int32)
    weights = rng.integers(1, 4, indptr[-1]) * 10.0 ** rng.integers(-6, 7, indptr[-1])
    labels = rng.integers(0, 12, span)  # few communities: many edges into each, and ties
    rows = np.sort(rng.choice(n, 45, replace=False))
    own, alpha = rng.integers(0, 12, n), rng.random(n) * (seed % 2)
    tot = rng.integers(0, 5, span).astype(float)
    looked, label, weight = kernels.best_communities(indptr, indices, weights, rows, labels, own, alpha, tot)
    assert (looked.tolist(), label.tolist(), weight.tolist()) == _best_communities_by_hand(
        indptr, indices, weights, rows, labels, own, alpha, tot
    )


def _moved_neighbours_by_hand(indptr, indices, weights, moved, labels, was, own, alpha, tot):
    """Each row's edges to neighbours that moved, added left to right in plain Python."""
    change, joined, score = [], [], []
    for r in range(indptr.size - 1):
        inside, sums = 0.0, {}
        for k in range(indptr[r], indptr[r + 1]):
            t = int(indices[k])
            if not moved[t]:
                continue
            w, c = float(weights[k]), int(labels[t])
            inside += (w if c == own[r] else 0.0) - (w if was[t] == own[r] else 0.0)
            if c != own[r]:
                sums[c] = sums[c] + w if c in sums else w
        change.append(inside)
        joined.append(max(sums.values(), default=0.0))
        score.append(max((sums[c] - float(alpha[r]) * float(tot[c]) for c in sums), default=-math.inf))
    return change, joined, score


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "scipy"])
@pytest.mark.parametrize("seed", range(4))
def test_moved_neighbours_follow_each_row_in_order(compiled, seed, monkeypatch):
    # what a vertex learns of its neighbours' moves (its exact inside weight, the bound of its gains)
    from pregel.core import kernels

    if compiled and not kernels.COMPILED:
        pytest.skip("pregel.core._kernels is not built here: only the scipy fallback runs")
    if not compiled:
        monkeypatch.setattr(kernels, "_kernels", None)
    rng = np.random.default_rng(seed)
    n, span = 60, 80
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(rng.integers(0, 40, n), out=indptr[1:])
    indices = rng.integers(0, span, indptr[-1]).astype(np.int32)
    weights = rng.integers(1, 4, indptr[-1]) * 10.0 ** rng.integers(-6, 7, indptr[-1])
    labels, was = rng.integers(0, 12, span), rng.integers(0, 12, span)
    moved = rng.random(span) < 0.4
    own, alpha, tot = rng.integers(0, 12, n), rng.random(n), rng.integers(0, 5, span).astype(float)
    got = kernels.moved_neighbours(indptr, indices, weights, moved, labels, was, own, alpha, tot)
    assert tuple(a.tolist() for a in got) == _moved_neighbours_by_hand(
        indptr, indices, weights, moved, labels, was, own, alpha, tot
    )


# every backend and partition count: test_library_on_every_backend.py (one Ray session for the library)


# ------------------------------------------------------------ command line
def test_cli_writes_communities_and_levels(tmp_path, capsys):
    edges = tmp_path / "edges.txt"
    edges.write_text("1 2\n2 3\n3 1\n4 5\n5 6\n6 4\n3 4\n")
    stats = tmp_path / "stats.json"
    assert main(["louvain", str(edges), "--stats", str(stats), "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    assert out.split() == ["1", "1", "2", "1", "3", "1", "4", "4", "5", "4", "6", "4"]
    assert "2 communities; modularity by level: 0.357143" in err
    document = json.loads(stats.read_text())
    assert document["stats"][-1]["aggregated"]["levels"] == [pytest.approx(6 / 7 - 0.5)]


def test_cli_refuses_a_negative_resolution_and_a_nan_threshold(tmp_path, capsys):
    edges = tmp_path / "edges.txt"
    edges.write_text("1 2\n")
    assert main(["louvain", str(edges), "--resolution", "-0.5", "--output", str(tmp_path / "out.tsv")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "pregel: error: --resolution must be >= 0, got -0.5"
    assert not (tmp_path / "out.tsv").exists()
    assert main(["louvain", str(edges), "--threshold", "nan", "--output", str(tmp_path / "out.tsv")]) == 2
    assert capsys.readouterr().err.strip() == "pregel: error: --threshold must be a number, got nan"
    assert not (tmp_path / "out.tsv").exists()


# ------------------------------------------------------------ networkx dispatch
@needs_backend
def test_networkx_dispatch_gives_good_communities_in_networkx_shape():
    G = nx.karate_club_graph()
    # one seed can land either tool in a poorer local optimum (34 vertices): compare the mean over seeds
    ours, theirs = [], []
    for seed in range(6):
        communities = nx.community.louvain_communities(G, seed=seed, weight=None, backend="pregel")
        assert nx.community.is_partition(G, communities)
        ours.append(nx.community.modularity(G, communities, weight=None))
        communities = nx.community.louvain_communities(G, seed=seed, weight=None)
        theirs.append(nx.community.modularity(G, communities, weight=None))
    assert np.mean(ours) >= np.mean(theirs) - 0.01
    levels = list(nx.community.louvain_partitions(G, seed=2, backend="pregel"))
    assert levels[-1] == nx.community.louvain_communities(G, seed=2, backend="pregel")
    assert [len(level) for level in levels] == sorted((len(level) for level in levels), reverse=True)
    with pytest.raises(ValueError, match="max_level"):
        nx.community.louvain_communities(G, max_level=0, backend="pregel")


def test_string_ids_label_communities_by_their_first_member():
    named = [
        ("ann", "bob"),
        ("bob", "cy"),
        ("cy", "ann"),
        ("dan", "eve"),
        ("eve", "fay"),
        ("fay", "dan"),
        ("cy", "dan"),
    ]
    result = louvain(pregel.Graph.from_edges(*zip(*named)))
    G = nx.Graph(named)
    assert result.to_dict() == {"ann": "ann", "bob": "ann", "cy": "ann", "dan": "dan", "eve": "dan", "fay": "dan"}
    communities = [{"ann", "bob", "cy"}, {"dan", "eve", "fay"}]
    assert result.aggregated["levels"][-1] == pytest.approx(nx.community.modularity(G, communities), abs=1e-12)
    # every level's partition names its communities by label too, as the result's values do
    assert [labels.tolist() for labels in result.partitions][-1] == ["ann"] * 3 + ["dan"] * 3
    assert all(labels.dtype == object for labels in result.partitions)


def test_a_run_stopped_before_its_first_level_leaves_every_vertex_alone(tmp_path, capsys):
    graph = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]).to_undirected()
    for stop_at in (0, 1):
        result = louvain(graph, max_supersteps=stop_at)
        assert result.stopped_by == "max_supersteps"
        assert result.to_dict() == {1: 1, 2: 2, 3: 3, 4: 4}
    edges = tmp_path / "e.txt"
    edges.write_text("1 2\n2 3\n3 1\n3 4\n")
    assert main(["louvain", str(edges), "--max-supersteps", "0", "-q"]) == 0
    assert capsys.readouterr().out == "1\t1\n2\t2\n3\t3\n4\t4\n"
