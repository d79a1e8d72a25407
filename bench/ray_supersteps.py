"""What a superstep costs on the Ray backend: the empty barrier, and PageRank against the local backend.

Usage::

    python bench/ray_supersteps.py [--graph datasets/p2p-Gnutella31.txt.gz] [--supersteps 40]

One private Ray instance (127.0.0.1 only) serves every measurement; each backend is
built once and warmed up before it is timed, so worker start-up is not counted.

- **barrier**: ``backend.superstep`` on a two-vertex graph whose program does nothing,
  with 2 workers: the driver's round trip to every worker and back (median of 300), on
  the driver's line (the default: a socket to each worker, ``PREGEL_RAY_LINE``) and with
  plain Ray calls (``PREGEL_RAY_LINE=0``).
- **Ray alone**: the same round trip with actors that answer at once, as one plain
  ``.remote()`` call each and as a Ray Compiled Graph (``experimental_compile``): the floor
  under an empty superstep, and what Compiled Graphs would take off it.
- **compiled barrier**: the empty superstep again with the barrier on a Ray Compiled Graph
  from the second superstep on (``PREGEL_RAY_COMPILED=1``; by default it compiles only after
  ``COMPILE_AFTER`` supersteps in a row), and what compiling (with the first compiled
  superstep) and tearing the graph down cost: the price a run pays before it saves.
- **PageRank**: per-superstep wall time of PageRank (batch API, ``tol=0`` so every run
  has the same number of supersteps) with the local backend (1 partition) and the Ray
  backend (1 and 2 workers); median over the supersteps after the first. For Ray, the
  slowest worker's compute (``PartitionStatus.seconds``: compute, combining, cutting the
  blocks) is split from the rest (putting and fetching blocks, serialising, the barrier).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import unittest.mock
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # before ray is imported

import ray  # noqa: E402

import pregel  # noqa: E402
from pregel.algorithms.pagerank import PageRank  # noqa: E402
from pregel.backends.local import LocalBackend  # noqa: E402
from pregel.backends.ray import RayBackend  # noqa: E402

PLAIN = {"PREGEL_RAY_COMPILED": "0", "PREGEL_RAY_LINE": "0"}
"""Plain Ray calls only."""
LINE = {"PREGEL_RAY_COMPILED": "0", "PREGEL_RAY_LINE": "1"}
"""The barrier on the driver's line from the second superstep on (the default)."""
COMPILED = {"PREGEL_RAY_COMPILED": "1"}
"""The barrier on a Ray Compiled Graph from the second superstep on."""


def barrier(mode: dict[str, str]) -> Any:
    """Backends built inside run their barrier as ``mode`` (PLAIN, LINE or COMPILED) says."""
    return unittest.mock.patch.dict(os.environ, mode)


class Idle(pregel.BatchProgram):
    """Computes nothing and sends nothing, and never halts: every superstep is empty."""

    combiner = pregel.Sum

    def compute(self, v):
        pass


def barrier_ms(rounds: int, backend_class: type = RayBackend) -> float:
    """Median milliseconds of an empty superstep of 2 workers (``backend_class``: a RayBackend, or a subclass
    that records where its workers run)."""
    backend = backend_class(pregel.Graph.from_edges([1], [2]), Idle(), workers=2)
    try:
        for s in range(20):
            backend.superstep(s, {})
        times = []
        for s in range(rounds):
            start = time.perf_counter()
            backend.superstep(s, {})
            times.append(time.perf_counter() - start)
    finally:
        backend.close()
    return 1000 * statistics.median(times)


@ray.remote(num_cpus=0)
class Echo:
    """An actor that answers at once: what Ray's own round trip costs, with nothing of pregel's."""

    def step(self, superstep: int) -> int:
        return superstep


def _median_ms(call, rounds: int) -> float:
    for s in range(20):
        call(s)
    times = []
    for s in range(rounds):
        start = time.perf_counter()
        call(s)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def compile_cost_ms(backend_class: type = RayBackend, repeat: int = 5) -> tuple[float, float]:
    """Median milliseconds to compile the barrier of 2 workers (with its first superstep), and to tear it down."""
    with barrier(COMPILED):
        backend = backend_class(pregel.Graph.from_edges([1], [2]), Idle(), workers=2)
    try:
        compiles, teardowns = [], []
        for _ in range(repeat):
            backend.superstep(0, {})  # plain: the stretch that earns the compile
            start = time.perf_counter()
            backend.superstep(1, {})
            compiles.append(time.perf_counter() - start)
            assert backend.compiled is not None
            start = time.perf_counter()
            backend.states()  # any other call tears the graph down first
            teardowns.append(time.perf_counter() - start)
    finally:
        backend.close()
    return 1000 * statistics.median(compiles), 1000 * statistics.median(teardowns)


def round_trip_ms(rounds: int, nodes: list[str] | None = None) -> tuple[float, float | str]:
    """Ray's floor under an empty superstep of 2 workers: one plain actor call each, and a Compiled Graph of them.

    The Compiled Graph (``ray.dag`` ``experimental_compile``) replaces the calls' scheduling
    with shared-memory channels set up once, which is what issue 16 asks to measure.
    ``nodes``: the Ray node of each actor (default: wherever Ray puts them).
    """
    from ray.dag import InputNode, MultiOutputNode
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    placed = [NodeAffinitySchedulingStrategy(node, soft=False) for node in nodes] if nodes else ["DEFAULT"] * 2
    actors = [Echo.options(scheduling_strategy=s).remote() for s in placed]
    plain = _median_ms(lambda s: ray.get([a.step.remote(s) for a in actors]), rounds)
    try:
        with InputNode() as superstep:
            dag = MultiOutputNode([a.step.bind(superstep) for a in actors])
        compiled = dag.experimental_compile()
    except Exception as error:  # an optional part of Ray: report why it is missing, measure the rest
        return plain, f"not available ({type(error).__name__}: {error})".splitlines()[0]
    try:
        return plain, _median_ms(lambda s: ray.get(compiled.execute(s)), rounds)
    finally:
        compiled.teardown()


def pagerank_ms(backend_class, graph: pregel.Graph, workers: int, supersteps: int) -> tuple[float, float]:
    """Median milliseconds per superstep, and the median of the slowest partition's compute."""
    program = PageRank(tol=0.0)
    backend = backend_class(graph, program, workers=workers)
    try:
        walls, computes = [], []
        aggregated = program.new_partials()
        for s in range(supersteps):
            start = time.perf_counter()
            statuses = backend.superstep(s, aggregated)
            wall = time.perf_counter() - start
            aggregated = {name: sum(st.partials[name] for st in statuses) for name in program.aggregators}
            if s > 1:
                walls.append(wall)
                computes.append(max(st.seconds for st in statuses))
    finally:
        backend.close()
    return 1000 * statistics.median(walls), 1000 * statistics.median(computes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default=str(ROOT / "datasets" / "p2p-Gnutella31.txt.gz"))
    parser.add_argument("--supersteps", type=int, default=40)
    args = parser.parse_args()
    graph = pregel.io.edges.read_edges(args.graph)
    ray.init(address="local", include_dashboard=False, num_cpus=2, object_store_memory=200 * 2**20)
    try:
        times = {}
        for name, mode in (("on the line", LINE), ("plain", PLAIN), ("compiled", COMPILED)):
            with barrier(mode):
                times[name] = barrier_ms(300)
        shown = ", ".join(f"{ms:.2f} ms {name}" for name, ms in times.items())
        print(f"empty superstep, 2 Ray workers: {shown} (median of 300)")
        compile_ms, teardown_ms = compile_cost_ms()
        print(f"  compiling the barrier (with its first superstep) {compile_ms:.0f} ms, teardown {teardown_ms:.0f} ms")
        plain, compiled = round_trip_ms(300)
        compiled = compiled if isinstance(compiled, str) else f"{compiled:.2f} ms"
        print(f"  Ray alone, 2 actors answering at once: one call each {plain:.2f} ms, a Compiled Graph {compiled}")
        print(f"PageRank on {Path(args.graph).name}: {graph.num_vertices} vertices, {graph.num_edges} edges")
        runs = [
            ("local", LocalBackend, 1, PLAIN),
            ("ray, plain", RayBackend, 1, PLAIN),
            ("ray, line", RayBackend, 1, LINE),
            ("ray, plain", RayBackend, 2, PLAIN),
            ("ray, line", RayBackend, 2, LINE),
            ("ray, compiled", RayBackend, 2, COMPILED),
        ]
        local = None
        for name, backend_class, workers, mode in runs:
            with barrier(mode):
                pagerank_ms(backend_class, graph, workers, 5)  # warm-up: workers started, imports done
                wall, compute = pagerank_ms(backend_class, graph, workers, args.supersteps)
            local = local or wall
            print(
                f"  {name:13} {workers} worker(s): {wall:7.2f} ms/superstep "
                f"(slowest partition's compute {compute:.2f} ms, the rest {wall - compute:.2f} ms; "
                f"{local / wall:.2f}x local)"
            )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
