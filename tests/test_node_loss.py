"""A Ray node dies mid-run: its workers are started again on the nodes left, and the results do not change.

The cluster (a head and two more nodes, all on 127.0.0.1) is started once for the module;
each run joins it by address and a node holding one of its workers is removed mid-run.
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from tests.conftest import RAY_NODE

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")


def remove_a_worker_node(cluster, ray_backends: list, at: int, removed: list):
    """An on_superstep callback: after superstep ``at``, remove a (non-head) node that holds a worker."""

    def remove(stats: pregel.SuperstepStats) -> None:
        if stats.superstep == at and not removed:
            workers_on = set(ray_backends[-1].nodes)
            node = next(n for n in cluster.worker_nodes if n.node_id in workers_on)
            removed.append(node.node_id)
            cluster.remove_node(node)

    return remove


def pagerank_losing_a_node(graph, cluster, ray_backends: list, tmp_path, removed: list) -> pregel.Result:
    """PageRank on 3 workers of ``cluster``, a checkpoint every 4 supersteps, a worker's node removed after 10."""
    return pregel.run(
        graph,
        PageRank(tol=1e-12),
        backend="ray",
        workers=3,
        ray_address=cluster.address,
        checkpoint_dir=tmp_path / "ck",
        checkpoint_every=4,
        on_superstep=remove_a_worker_node(cluster, ray_backends, 10, removed),
    )


def graph() -> pregel.Graph:
    rng = np.random.default_rng(4)
    return pregel.Graph.from_edges(rng.integers(0, 300, 1500), rng.integers(0, 300, 1500))


def test_pagerank_recovers_from_its_checkpoint_on_the_nodes_left(cluster, ray_backends, tmp_path):
    g = graph()
    expected = pregel.run(g, PageRank(tol=1e-12), backend="ray", workers=3, ray_address=cluster.address)
    np.testing.assert_allclose(expected.values, reference.pagerank(g, tol=1e-12).values, atol=1e-10)
    removed: list[str] = []
    result = pagerank_losing_a_node(g, cluster, ray_backends, tmp_path, removed)
    assert len(removed) == 1
    (recovery,) = result.recoveries
    assert recovery.failed_at in (11, 12) and recovery.superstep in (8, 12) and recovery.checkpoint
    assert removed[0] not in ray_backends[-1].nodes, "a worker was started again on the removed node"
    assert (result.supersteps, result.stopped_by) == (expected.supersteps, expected.stopped_by)
    assert np.abs(result.values - expected.values).max() <= 1e-12
    cluster.add_node(**RAY_NODE)  # two worker nodes again for the next test
    cluster.wait_for_nodes()


@pytest.mark.slow  # starting over without a checkpoint is also in every chaos test of test_recovery.py
def test_components_start_over_without_a_checkpoint(cluster, ray_backends):
    g = graph().to_undirected()
    expected = pregel.run(g, ConnectedComponents(), backend="ray", workers=3, ray_address=cluster.address)
    removed: list[str] = []
    result = pregel.run(
        g,
        ConnectedComponents(),
        backend="ray",
        workers=3,
        ray_address=cluster.address,
        on_superstep=remove_a_worker_node(cluster, ray_backends, 2, removed),
    )
    (recovery,) = result.recoveries
    assert (recovery.superstep, recovery.checkpoint) == (0, None) and recovery.failed_at in (3, 4)
    assert removed[0] not in ray_backends[-1].nodes
    np.testing.assert_array_equal(result.values, expected.values)
    np.testing.assert_array_equal(result.values, reference.components(g).values)


@pytest.mark.slow
def test_a_graph_the_workers_read_is_read_again_when_a_node_goes_with_its_rows(cluster, tmp_path, monkeypatch):
    """The partitions' rows of a graph the workers read live in their nodes' object stores: a node lost takes
    some with it, and new workers read the input again before the rollback to the checkpoint."""
    # rows past Ray's 100 KB inline limit: in the nodes' object stores, not in the driver's memory
    rng = np.random.default_rng(5)
    path = tmp_path / "edges.txt"
    path.write_text(
        "".join(f"{s} {t}\n" for s, t in zip(rng.integers(0, 20000, 150000), rng.integers(0, 20000, 150000)))
    )
    expected = pregel.run(str(path), PageRank(tol=1e-12), backend="ray", workers=3, ray_address=cluster.address)
    held: list = []
    loading = ray_backend.HeldRayBackend.__init__

    def recording(self, *args, **kwargs):
        held.append(self)
        loading(self, *args, **kwargs)

    monkeypatch.setattr(ray_backend.HeldRayBackend, "__init__", recording)
    removed: list[str] = []
    result = pagerank_losing_a_node(str(path), cluster, held, tmp_path, removed)
    assert len(removed) == 1 and removed[0] not in held[-1].nodes
    assert result.recoveries and result.recoveries[-1].checkpoint and result.recoveries[-1].kind == "global"
    # read again, the same partitions by the same hash: the values of a run that lost nothing, bit for bit
    np.testing.assert_array_equal(result.values, expected.values)
    cluster.add_node(**RAY_NODE)  # two worker nodes again for the next test
    cluster.wait_for_nodes()
