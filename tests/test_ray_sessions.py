"""Ray instances one after another in one process: a new instance never hires the idle workers of an old one.

A run in a Ray session the caller started leaves its workers idle for the next run. Those
workers die with their instance, and every new instance numbers its jobs from 01000000
again, so the pool must tell instances apart by more than the job id. Unlike the other Ray
test modules, this one starts two private instances (127.0.0.1 only), one after the other:
that is the case under test. Each is shut down before the test ends.
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from tests.conftest import ROOT

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")

WORKERS = 2
RING = np.arange(30)
CHORDS = np.random.default_rng(7).integers(0, 30, (2, 20))
# a ring with random chords: PageRank takes dozens of supersteps on it
GRAPH = pregel.Graph.from_edges(np.concatenate([RING, CHORDS[0]]), np.concatenate([(RING + 1) % 30, CHORDS[1]]))


def start_ray() -> None:
    """A private Ray instance on loopback, started by the caller (so pregel's runs keep idle workers)."""
    # tests/conftest.py set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before ray was imported
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(ROOT))  # Ray's workers import this checkout, as the tests do
        ray.init(
            address="local",
            include_dashboard=False,
            num_cpus=2,
            object_store_memory=200 * 2**20,
            logging_level="ERROR",
        )
    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}


@pytest.fixture
def shut_down_at_the_end():
    assert not ray.is_initialized(), "another test module left a Ray session running"
    yield
    ray.shutdown()


def test_a_second_instance_runs_after_the_first_left_idle_workers(shut_down_at_the_end):
    expected = reference.pagerank(GRAPH, tol=1e-12).values
    for instance in ("first", "second"):
        start_ray()
        # the first run of an instance leaves WORKERS idle workers; the second hires them
        for run in ("fresh workers", "idle workers"):
            result = pregel.run(GRAPH, PageRank(tol=1e-12), backend="ray", workers=WORKERS)
            np.testing.assert_allclose(result.values, expected, atol=1e-10, err_msg=f"{instance} instance, {run}")
        ray.shutdown()


def test_a_second_instance_recovers_from_a_lost_worker(shut_down_at_the_end):
    # a recovery takes an idle worker as the replacement: it must be one of this instance
    start_ray()
    pregel.run(GRAPH, ConnectedComponents(), backend="ray", workers=WORKERS + 2)
    ray.shutdown()
    start_ray()
    pregel.run(GRAPH, ConnectedComponents(), backend="ray", workers=WORKERS + 2)  # idle workers of this instance
    backends, killed = [], []
    original = ray_backend.RayBackend.__init__

    def remember(self, *args, **kwargs):
        original(self, *args, **kwargs)
        backends.append(self)

    def kill_once(stats: pregel.SuperstepStats) -> None:
        if stats.superstep == 2 and not killed:
            killed.append(stats.superstep)
            ray.kill(backends[-1].actors[0])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ray_backend.RayBackend, "__init__", remember)
        result = pregel.run(GRAPH, PageRank(tol=1e-12), backend="ray", workers=WORKERS, on_superstep=kill_once)
    assert result.recoveries, "no worker was lost: the test did not test a recovery"
    np.testing.assert_allclose(result.values, reference.pagerank(GRAPH, tol=1e-12).values, atol=1e-10)
