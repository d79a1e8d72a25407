"""A Ray node dies mid-run: its workers are started again on the nodes left, and the results do not change.

The cluster (a head and two more nodes, all on 127.0.0.1) is started once for the module;
each run joins it by address and a node holding one of its workers is removed mid-run.
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from algorithms.components import ConnectedComponents
from algorithms.pagerank import PageRank
from pregel.backends import scipy as reference
from tests.conftest import ROOT

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

NODE = {"num_cpus": 1, "object_store_memory": 100 * 2**20}


@pytest.fixture(scope="module")
def cluster():
    # tests/conftest.py set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before ray was imported
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(ROOT))  # the nodes' workers import this checkout
        env.delenv("RAY_ADDRESS", raising=False)
        nodes = cluster_utils.Cluster(initialize_head=True, head_node_args={**NODE, "include_dashboard": False})
        for _ in range(2):
            nodes.add_node(**NODE)
        nodes.wait_for_nodes()
    assert {node.node_ip_address for node in nodes.list_all_nodes()} == {"127.0.0.1"}
    yield nodes
    nodes.shutdown()


@pytest.fixture
def backends(monkeypatch) -> list:
    """Every Ray backend the test's runs create (to see where their workers are)."""
    seen: list = []

    class Recording(ray_backend.RayBackend):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen.append(self)

    monkeypatch.setattr(ray_backend, "RayBackend", Recording)
    return seen


def remove_a_worker_node(cluster, backends: list, at: int, removed: list):
    """An on_superstep callback: after superstep ``at``, remove a (non-head) node that holds a worker."""

    def remove(stats: pregel.SuperstepStats) -> None:
        if stats.superstep == at and not removed:
            workers_on = set(backends[-1].nodes)
            node = next(n for n in cluster.worker_nodes if n.node_id in workers_on)
            removed.append(node.node_id)
            cluster.remove_node(node)

    return remove


def graph() -> pregel.Graph:
    rng = np.random.default_rng(4)
    return pregel.Graph.from_edges(rng.integers(0, 300, 1500), rng.integers(0, 300, 1500))


def test_pagerank_recovers_from_its_checkpoint_on_the_nodes_left(cluster, backends, tmp_path):
    g = graph()
    expected = pregel.run(g, PageRank(tol=1e-12), backend="ray", workers=3, ray_address=cluster.address)
    np.testing.assert_allclose(expected.values, reference.pagerank(g, tol=1e-12).values, atol=1e-10)
    removed: list[str] = []
    result = pregel.run(
        g,
        PageRank(tol=1e-12),
        backend="ray",
        workers=3,
        ray_address=cluster.address,
        checkpoint_dir=tmp_path / "ck",
        checkpoint_every=4,
        on_superstep=remove_a_worker_node(cluster, backends, 10, removed),
    )
    assert len(removed) == 1
    (recovery,) = result.recoveries
    assert recovery.failed_at in (11, 12) and recovery.superstep in (8, 12) and recovery.checkpoint
    assert removed[0] not in backends[-1].nodes, "a worker was started again on the removed node"
    assert (result.supersteps, result.stopped_by) == (expected.supersteps, expected.stopped_by)
    assert np.abs(result.values - expected.values).max() <= 1e-12
    cluster.add_node(**NODE)  # two worker nodes again for the next test
    cluster.wait_for_nodes()


@pytest.mark.slow  # starting over without a checkpoint is also in every chaos test of test_recovery.py
def test_components_start_over_without_a_checkpoint(cluster, backends):
    g = graph().to_undirected()
    expected = pregel.run(g, ConnectedComponents(), backend="ray", workers=3, ray_address=cluster.address)
    removed: list[str] = []
    result = pregel.run(
        g,
        ConnectedComponents(),
        backend="ray",
        workers=3,
        ray_address=cluster.address,
        on_superstep=remove_a_worker_node(cluster, backends, 2, removed),
    )
    (recovery,) = result.recoveries
    assert (recovery.superstep, recovery.checkpoint) == (0, None) and recovery.failed_at in (3, 4)
    assert removed[0] not in backends[-1].nodes
    np.testing.assert_array_equal(result.values, expected.values)
    np.testing.assert_array_equal(result.values, reference.components(g).values)
