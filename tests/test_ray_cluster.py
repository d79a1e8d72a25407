"""A run joins a running multi-node Ray cluster, spreads its workers over the nodes and answers as locally.

The cluster (a head and two more nodes, all on 127.0.0.1) is started once for the module;
each run joins it by address, like ``pregel ... --ray-address ADDR``, and leaves it running.
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from pregel.algorithms.components import connected_components
from pregel.algorithms.pagerank import pagerank
from tests.conftest import SHIPPED
from tests.test_cli import GRAPH

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")


@pytest.fixture
def placements(monkeypatch):
    """The Ray node of every worker of every run in the test."""
    seen: list[list[str]] = []

    class Recording(ray_backend.RayBackend):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen.append(list(self.nodes))

    monkeypatch.setattr(ray_backend, "RayBackend", Recording)
    return seen


def test_workers_spread_over_the_nodes_and_results_equal_local(cluster, placements):
    g = pregel.io.edges.read_edges(SHIPPED)
    ranks = pagerank(g, backend="ray", workers=3, ray_address=cluster.address)
    labels = connected_components(g, api="scalar", backend="ray", workers=3, ray_address=cluster.address)
    assert np.abs(ranks.values - pagerank(g).values).max() <= 1e-12
    np.testing.assert_array_equal(labels.values, connected_components(g).values)
    assert len(placements) == 2
    for nodes in placements:
        assert len(nodes) == 3
        # three nodes of one CPU each: one worker on each
        assert len(set(nodes)) == 3, "the workers were not spread over the nodes"
    assert set().union(*placements) <= {node.node_id for node in cluster.list_all_nodes()}
    # the run left: no driver is connected any more, and the cluster is still up
    assert not ray.is_initialized()


def test_the_command_joins_the_cluster_named_by_ray_address(cluster, run_cli, write_edges, monkeypatch):
    edges = write_edges(GRAPH)
    local = run_cli("cc", edges, "--workers", "3")
    monkeypatch.setenv("RAY_ADDRESS", cluster.address)
    joined = run_cli("cc", edges, "--backend", "ray", "--workers", "3")
    assert joined.returncode == 0, joined.stderr
    assert joined.stdout == local.stdout
    assert b"(ray backend)" in joined.stderr
