"""Chaos for confined recovery: random worker kills in every built-in algorithm and a ``pregel run`` program.

Each algorithm runs on Ray with 3 workers, checkpoints every 1 to 5 supersteps, and
worker kills at seeded random points: after a superstep (waited for, or not: then the
worker may die in the middle of the next superstep, of a replay or of a checkpoint
write), one worker or two at once. Every run must end with the values, supersteps and
history of the run without failure; a loss of one worker must be confined; two at once
roll every partition back. ``PREGEL_CHAOS_KILLS`` sets the kills per algorithm (default
15, to keep the slow suite within CI's time: each kill starts a Ray worker process);
``bench/RESULTS_checkpoint.md`` records a run with 100.
"""

from __future__ import annotations

import os
import random
import threading

import numpy as np
import pytest

import pregel
from pregel.algorithms.betweenness import betweenness
from pregel.algorithms.bfs import bfs
from pregel.algorithms.components import connected_components
from pregel.algorithms.kcore import core_numbers, k_core
from pregel.algorithms.louvain import louvain
from pregel.algorithms.lpa import label_propagation
from pregel.algorithms.matching import maximal_matching
from pregel.algorithms.mis import maximal_independent_set
from pregel.algorithms.pagerank import pagerank
from pregel.algorithms.ppr import personalized_pagerank
from pregel.algorithms.scc import strongly_connected_components
from pregel.algorithms.sssp import sssp
from pregel.algorithms.triangles import triangles
from pregel.algorithms.weighted_pagerank import weighted_pagerank
from pregel.cli.userprog import load_program
from tests.conftest import ROOT
from tests.test_confined_recovery import WORKERS, assert_same_run, kill_now, ray_session  # noqa: F401

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("PREGEL_CHAOS_KILLS", "15"))


def chaos_graph(seed: int = 11, n: int = 90, extra: int = 200) -> pregel.Graph:
    """A ring with random chords, no self-loops, positive weights: long enough runs for every algorithm."""
    rng = np.random.default_rng(seed)
    ring = np.arange(n)
    src = np.concatenate([ring, rng.integers(0, n, extra)])
    dst = np.concatenate([(ring + 1) % n, rng.integers(0, n, extra)])
    keep = src != dst
    return pregel.Graph.from_edges(src[keep], dst[keep], weights=rng.uniform(1.0, 3.0, keep.sum()))


GRAPH = chaos_graph()
WIDEST = str(ROOT / "examples" / "widest_path.py") + ":WidestPath"

ALGORITHMS = {
    "pagerank": lambda **o: pagerank(GRAPH, tol=1e-12, **o),
    "weighted_pagerank": lambda **o: weighted_pagerank(GRAPH, tol=1e-12, **o),
    "ppr": lambda **o: personalized_pagerank(GRAPH, [0, 5, 17], tol=1e-12, **o),
    "sssp": lambda **o: sssp(GRAPH, 0, **o),
    "bfs": lambda **o: bfs(GRAPH, [0, 40], **o),
    "cc": lambda **o: connected_components(GRAPH, **o),
    "scc": lambda **o: strongly_connected_components(GRAPH, **o),
    "lpa": lambda **o: label_propagation(GRAPH, **o),
    "lpa_synchronous": lambda **o: label_propagation(GRAPH, synchronous=True, max_supersteps=30, **o),
    "triangles": lambda **o: triangles(GRAPH, **o),
    "core_numbers": lambda **o: core_numbers(GRAPH, **o),
    "k_core": lambda **o: k_core(GRAPH, 7, **o),
    "betweenness": lambda **o: betweenness(GRAPH, samples=6, seed=2, **o),
    "mis": lambda **o: maximal_independent_set(GRAPH, seed=3, **o),
    "matching": lambda **o: maximal_matching(GRAPH, seed=3, **o),
    "louvain": lambda **o: louvain(GRAPH, seed=1, **o),
    "pregel_run": lambda **o: pregel.run(GRAPH, load_program(WIDEST, ["source=0"]), **o),
}


@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_random_kills(name, tmp_path, ray_backends):
    algorithm = ALGORITHMS[name]
    expected = algorithm(backend="ray", workers=WORKERS)
    assert expected.supersteps >= 3, "too short a run to kill a worker in"
    rng = random.Random(name)
    kills = confined = runs = 0
    while kills < KILLS:
        runs += 1
        plan: dict[int, tuple[list[int], bool]] = {}
        for after in sorted(rng.sample(range(expected.supersteps - 1), min(3, expected.supersteps - 1))):
            victims = rng.sample(range(WORKERS), 2 if rng.random() < 0.1 else 1)
            plan[after] = (victims, rng.random() < 0.7)  # True: wait until dead; False: let it die mid-superstep
        done: set[int] = set()

        def kill(stats: pregel.SuperstepStats, plan=plan, done=done) -> None:
            if stats.superstep in plan and stats.superstep not in done:
                done.add(stats.superstep)
                victims, wait = plan[stats.superstep]
                actors = [ray_backends[-1].actors[v] for v in victims]
                if wait:
                    for actor in actors:
                        kill_now(actor)
                else:
                    for actor in actors:
                        threading.Timer(rng.uniform(0, 0.01), ray.kill, [actor]).start()

        result = algorithm(
            backend="ray",
            workers=WORKERS,
            checkpoint_dir=tmp_path / f"ck-{runs}",
            checkpoint_every=rng.randint(1, 5),
            on_superstep=kill,
            max_restarts=100,
        )
        try:
            assert_same_run(result, expected)
        except AssertionError as failure:
            raise AssertionError(f"run {runs}, plan {plan}: {failure}; recoveries {result.recoveries}") from None
        kills += sum(len(plan[s][0]) for s in done)
        for recovery in result.recoveries:
            if recovery.kind == "confined":
                confined += 1
                assert len(recovery.partitions) == 1
            else:
                # several workers lost at once (two killed together, or a timer's kill landing in a recovery)
                # or a loss seen outside a superstep (collecting states for a mutation, the values at the end)
                assert recovery.kind == "global", recovery
                assert "not confined" in recovery.cause or "during superstep" not in recovery.cause, recovery
    assert confined >= KILLS // 2, f"{confined} confined recoveries for {kills} kills"
