"""Connected components (HashMin) against scipy.sparse.csgraph, networkx, and hand computation: exactly equal.

The hand-made graphs on every backend, API and partition count are in test_twins.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import pregel
from pregel.algorithms import reference
from pregel.algorithms.components import connected_components, networkx_components
from tests.conftest import GNUTELLA, SHIPPED
from tests.graphs import random_graphs


def test_by_hand_weakly_connected_with_smallest_id_labels():
    # 5 → 3 ← 9 is one weak component even though 3 reaches nobody; 12 ↔ 11 another; 40 alone (self-loop)
    g = pregel.Graph.from_edges([5, 9, 12, 11, 40], [3, 3, 11, 12, 40])
    result = connected_components(g, workers=2)
    assert result.to_dict() == {3: 3, 5: 3, 9: 3, 11: 11, 12: 11, 40: 40}
    assert result.values.dtype == np.int64


def test_labels_keep_large_ids_exact():
    big = 2**53 - 1
    g = pregel.Graph.from_edges([big, big - 1], [big - 1, big - 2])
    assert set(connected_components(g).values.tolist()) == {big - 2}


@settings(max_examples=40, deadline=None)
@given(random_graphs(min_vertices=0))
def test_random_graphs_equal_scipy(g):
    expected = reference.components(g).values
    for api, workers in [("batch", 1), ("batch", 3), ("scalar", 2)]:
        np.testing.assert_array_equal(connected_components(g, api=api, workers=workers).values, expected)


@pytest.mark.parametrize("path", [SHIPPED, GNUTELLA])
def test_real_graphs_equal_scipy_and_networkx(path):
    g = pregel.io.edges.read_edges(path)
    ours = connected_components(g, workers=3)
    np.testing.assert_array_equal(ours.values, reference.components(g).values)
    np.testing.assert_array_equal(ours.values, networkx_components(g))
