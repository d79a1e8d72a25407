"""Weighted broadcasts: ``v.send_to_all_neighbors(values, weighted=True)`` sends value × edge weight.

With a Sum combiner on floats the compiled in-edge pass adds each target's weighted
terms (the weights laid out beside the sources); every other case makes one message per
edge. Either way the messages are those of ``send_along`` with the products made by
hand, and the kernel adds each target's terms in the order of its sources.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pregel
from pregel import BatchProgram, Max, Min, Sum
from pregel.algorithms.weighted_pagerank import weighted_pagerank
from pregel.core.kernels import InSums
from pregel.io.edges import read_edges
from tests.conftest import SHIPPED
from tests.graphs import random_graphs


def python_sums(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, x: np.ndarray, targets: int) -> list:
    """Each target's sum of x[source] * weight, in Python floats, over its in-edges by source, then by position."""
    terms: list[list[tuple[int, int, float]]] = [[] for _ in range(targets)]
    for source in range(indptr.size - 1):
        for edge in range(indptr[source], indptr[source + 1]):
            terms[indices[edge]].append((source, edge, float(x[source]) * float(weights[edge])))
    out = []
    for row in terms:
        total = 0.0
        for _, _, term in sorted(row):
            total += term
        out.append(total)
    return out


@pytest.mark.parametrize("exact_floats", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_the_weighted_kernel_adds_each_targets_terms_in_source_order(seed, exact_floats):
    rng = np.random.default_rng(seed)
    senders, targets = int(rng.integers(1, 60)), int(rng.integers(1, 3000))
    # rows from empty to longer than a chunk's columns; repeated targets; a hub
    degree = rng.choice([0, 1, 3, 9, 40, 400], size=senders)
    indptr = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
    indices = rng.integers(0, targets, int(indptr[-1])).astype(np.int32)
    indices[: indices.size // 3] = rng.integers(0, 5, indices.size // 3)
    weights = rng.choice([0.0, -1.5, 1e-3, 7.0, 1e8], size=indices.size) * rng.random(indices.size)
    if exact_floats:
        # weights a float32 holds exactly (counts, halves, -0.0, 2**100), which the layout keeps as float32
        weights = rng.choice([0.0, -0.0, 1.0, 3.0, 0.5, -2.25, 100.0, 2.0**100, 2.0**-30], size=indices.size)
    x = rng.normal(size=senders) * 10.0 ** rng.integers(-8, 8, senders)
    sums = InSums(indptr, indices, targets, weights)
    assert sums.sum(x).tolist() == python_sums(indptr, indices, weights, x, targets)
    if sums.weights is not None:  # (the compiled layout)
        exact = np.array_equal(weights.astype(np.float32), weights)  # (real weights are not, but for no edges)
        assert sums.weights.dtype == (np.float32 if exact_floats or exact else np.float64)


class Along(BatchProgram):
    """Superstep 0: every vertex (or those with an odd id) sends its value × weight; superstep 1 keeps what came."""

    combiner = Sum
    weighted = True
    odd_only = False

    def initial_value(self, v):
        return np.sqrt(v.ids + 2.0) * np.where(v.ids % 3 == 0, -1.0, 1.0)

    def compute(self, v):
        if v.superstep == 0:
            where = (v.ids % 2 == 1) if self.odd_only else None
            self.send(v, where)
        else:
            v.values = v.messages
        v.vote_to_halt()

    def send(self, v, where):
        v.send_to_all_neighbors(v.values, where=where, weighted=self.weighted)


class ByHand(Along):
    """The same messages, made edge by edge with ``send_along``."""

    def send(self, v, where):
        edges = v.out_edges(where)
        v.send_along(edges, v.values[edges.source] * edges.weight)


class AlongMin(Along):
    combiner = Min


class ByHandMin(ByHand):
    combiner = Min


class AlongMax(Along):
    combiner = Max


class ByHandMax(ByHand):
    combiner = Max


def same_run(a: pregel.Result, b: pregel.Result) -> bool:
    """The same values, to the bit, and the same numbers of messages sent and combined in every superstep."""

    def sent(result: pregel.Result) -> list[tuple[int, int]]:
        return [(s.messages_sent, s.messages_combined) for s in result.stats]

    return a.values.tobytes() == b.values.tobytes() and sent(a) == sent(b)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=random_graphs(weights="real"), workers=st.sampled_from([1, 3]), odd_only=st.booleans())
def test_a_weighted_broadcast_sends_what_send_along_sends(graph, workers, odd_only):
    for ours, theirs in ((Along, ByHand), (AlongMin, ByHandMin), (AlongMax, ByHandMax)):
        a = pregel.run(graph, ours(odd_only=odd_only), workers=workers, threads=1)
        b = pregel.run(graph, theirs(odd_only=odd_only), workers=workers, threads=1)
        assert same_run(a, b), ours.__name__


@settings(max_examples=20, deadline=None)
@given(graph=random_graphs(), workers=st.sampled_from([1, 3]))
def test_on_an_unweighted_graph_a_weighted_broadcast_is_a_plain_one(graph, workers):
    weighted = pregel.run(graph, Along(), workers=workers)
    plain = pregel.run(graph, Along(weighted=False), workers=workers)
    assert same_run(weighted, plain)


def test_the_compiled_pass_equals_the_message_per_edge_on_a_real_graph():
    graph = read_edges(str(SHIPPED))
    rng = np.random.default_rng(3)
    weights = rng.uniform(0, 5, graph.num_edges)
    graph = pregel.Graph.from_edges(graph.ids[graph.sources], graph.ids[graph.indices], weights)
    for workers in (1, 3):
        assert same_run(pregel.run(graph, Along(), workers=workers), pregel.run(graph, ByHand(), workers=workers))


def weighted_wiki_vote() -> nx.DiGraph:
    graph = read_edges(str(SHIPPED))
    rng = np.random.default_rng(11)
    # some weights 0: a vertex whose out-edges all weigh 0 is dangling
    weights = rng.choice([0.0, 0.5, 1.0, 3.0, 10.0], size=graph.num_edges) * rng.random(graph.num_edges)
    g = nx.DiGraph()
    g.add_nodes_from(graph.ids.tolist())
    g.add_weighted_edges_from(zip(graph.ids[graph.sources].tolist(), graph.ids[graph.indices].tolist(), weights))
    return g


def test_weighted_pagerank_equals_networkx():
    g = weighted_wiki_vote()
    expected = nx.pagerank(g, weight="weight", tol=1e-17, max_iter=1000)
    nodes = sorted(g)
    personal = {v: (i % 7) + 1.0 for i, v in enumerate(nodes)}
    with_vector = nx.pagerank(g, weight="weight", personalization=personal, tol=1e-17, max_iter=1000)
    for workers in (1, 3):
        ours = weighted_pagerank(g, tol=1e-14, workers=workers)
        assert np.abs(ours.values - np.array([expected[v] for v in nodes])).max() <= 1e-12
        personalized = weighted_pagerank(g, tol=1e-14, teleport=personal, workers=workers)
        assert np.abs(personalized.values - np.array([with_vector[v] for v in nodes])).max() <= 1e-12


def test_networkx_weighted_pagerank_through_our_backend():
    g = weighted_wiki_vote()
    ours = nx.pagerank(g, weight="weight", tol=1e-16, backend="pregel")
    theirs = nx.pagerank(g, weight="weight", tol=1e-17, max_iter=1000)
    assert max(abs(ours[v] - theirs[v]) for v in g) <= 1e-12
