"""Issue 16's speed targets on a two-node Ray cluster, in one run: PageRank supersteps, the empty superstep, the load.

Usage::

    pregel generate rmat --edges 10000000 -o GRAPHS/rmat-10m.txt
    pregel generate rmat --edges 50000000 -o GRAPHS/rmat-50m.txt
    python bench/cluster.py --graph GRAPHS/rmat-10m.txt --load-graph GRAPHS/rmat-50m.txt

A cluster of two Ray nodes on 127.0.0.1 (``ray.cluster_utils.Cluster``: a head and one
more node, one CPU each, ``--store-mb`` of object store each, no dashboard) serves every
Ray measurement; this process is its driver and also runs the local backend, so every
ratio is of two numbers measured in the same run. Each Ray backend has 2 workers, one on
each node (checked with the node id each worker reports; the run stops if they share
one). Worker start-up is not counted: the workers are started by the first measurement
and reused by the next ones, as a session's workers are.

- **PageRank superstep**: PageRank (batch API, ``tol=0``) on ``--graph`` read by the
  workers themselves (:class:`~pregel.backends.ray.HeldRayBackend`, the ``--load
  workers`` path), against the local backend with 1 partition on the same file read by
  :func:`~pregel.io.edges.read_edges`; median wall time per superstep over supersteps
  2 and later (``bench/ray_supersteps.py``'s :func:`pagerank_ms`), with the slowest
  worker's compute (``PartitionStatus.seconds``) split from the rest. Target: ≤ 0.7 ×.
  With the barrier on the driver's line (the default: a socket to each worker from the
  second superstep on), the local and the Ray run ``--repeat`` times in turns, and the
  medians of each compared; once each with plain Ray calls (``PREGEL_RAY_LINE=0``) and on
  a Ray Compiled Graph from the second superstep on (``PREGEL_RAY_COMPILED=1``).
- **empty superstep**: a program that does nothing on a two-vertex graph, 2 workers
  (``bench/ray_supersteps.py``'s :func:`barrier_ms`), the three ways as above, and
  what compiling the barrier and tearing it down cost; beside it Ray's own round trip, one
  plain call to each of two actors that answer at once (one on each node), and the same
  calls as a Compiled Graph. Target: ≤ 2 ms. Also Ray's cost of moving one array from a
  node to the other (timed in the fetching actor): 2 MB, about a PageRank block of the
  10M-edge graph, and 100 MB, about an edge block of the 50M-edge load.
- **load**: ``--load-graph`` loaded by 2 workers into partitions ready to compute
  (``bench/held_load.py``'s :func:`ours`, with its phases), against the local load of the
  same file: ``read_edges`` (its default threads, one per core) and the local backend's
  partition built. Median of ``--repeat`` each, local and distributed in turns, after one
  warm-up of the distributed load. Target: ≤ 0.7 ×. ``--load-only`` measures this alone;
  without ``--load-graph`` the load is not timed (a quicker run).

The load average (``os.getloadavg``) is printed at the start and at the end: the
machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # before ray is imported: every node on 127.0.0.1

import numpy as np  # noqa: E402
import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy  # noqa: E402

from bench.held_load import Idle, ours  # noqa: E402
from bench.ray_supersteps import (  # noqa: E402
    COMPILED,
    LINE,
    PLAIN,
    barrier,
    barrier_ms,
    compile_cost_ms,
    pagerank_ms,
    round_trip_ms,
)
from pregel.api.run import held_input  # noqa: E402
from pregel.backends.local import LocalBackend  # noqa: E402
from pregel.backends.ray import HeldRayBackend, RayBackend  # noqa: E402
from pregel.io.edges import read_edges  # noqa: E402

WORKERS = 2
#: (what was built, the node of each of its workers), for every Ray backend of the run
PLACEMENTS: list[tuple[str, list[str]]] = []


def placed(backend_class: type, what: str) -> type:
    """``backend_class``, recording where the workers of each backend it builds run (in PLACEMENTS)."""

    class Placed(backend_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PLACEMENTS.append((what, list(self.nodes)))

    return Placed


def local_load(path: str) -> float:
    """Seconds for one process to read ``path`` and build the local backend's partition."""
    start = time.perf_counter()
    LocalBackend(read_edges(path), Idle(), 1).close()
    return time.perf_counter() - start


@ray.remote(num_cpus=0)
class Mover:
    """One end of a transfer between the nodes: makes an array (into its node's store), or fetches one."""

    def make(self, nbytes: int) -> np.ndarray:
        return np.ones(nbytes // 8)

    def fetch(self, refs: list) -> float:
        start = time.perf_counter()
        ray.get(refs[0])
        return time.perf_counter() - start


def transfer_ms(nbytes: int, nodes: list[str], rounds: int) -> float:
    """Median milliseconds for an actor on ``nodes[1]`` to fetch an array of ``nbytes`` made on ``nodes[0]``.

    Timed inside the fetching actor, each round a new array (a fetched one stays in the
    fetcher's store): what Ray's object manager takes to move a block between nodes.
    """
    maker, fetcher = (
        Mover.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False)).remote() for n in nodes
    )
    times = []
    for _ in range(rounds + 2):
        made = maker.make.remote(nbytes)
        ray.wait([made], fetch_local=False)
        times.append(ray.get(fetcher.fetch.remote([made])))
    for actor in (maker, fetcher):
        ray.kill(actor)
    return 1000 * statistics.median(times[2:])  # the first two: the actors' imports


def start_cluster(store_bytes: int) -> Cluster:
    """Two Ray nodes on 127.0.0.1, one CPU each, this process connected to them as the driver."""
    node = {"num_cpus": 1, "object_store_memory": store_bytes}
    os.environ.setdefault("PYTHONPATH", str(ROOT))  # the nodes' workers import this checkout
    os.environ.pop("RAY_ADDRESS", None)
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    cluster.add_node(**node)
    cluster.wait_for_nodes()
    addresses = {n.node_ip_address for n in cluster.list_all_nodes()}
    if addresses != {"127.0.0.1"}:
        cluster.shutdown()
        raise SystemExit(f"a node listens beyond loopback: {sorted(addresses)}")
    ray.init(address=cluster.address, logging_level="ERROR")
    return cluster


def check_placements(cluster: Cluster) -> str:
    """Where the workers ran; SystemExit if any backend had two workers on one node."""
    head = cluster.head_node.node_id
    nodes = {n.node_id for n in cluster.list_all_nodes()}
    for what, where in PLACEMENTS:
        if len(set(where)) != WORKERS or not set(where) <= nodes:
            raise SystemExit(f"{what}: workers not one per node ({where})")
    first = PLACEMENTS[0][1]
    named = ", ".join(f"worker {k} on {n[:8]}{' (head)' if n == head else ''}" for k, n in enumerate(first))
    return f"{len(PLACEMENTS)} Ray backends, each with one worker per node: {named}"


def load_avg() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**missed**"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", help="the edge list of the PageRank supersteps (10M edges)")
    parser.add_argument("--load-graph", help="the edge list of the load (50M edges); without it the load is not timed")
    parser.add_argument("--load-only", action="store_true", help="measure the load alone (no supersteps, no --graph)")
    parser.add_argument("--supersteps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=300, help="empty supersteps (and round trips) timed")
    parser.add_argument(
        "--repeat", type=int, default=3, help="loads, and PageRank runs on the line, timed of each kind in turns"
    )
    parser.add_argument("--store-mb", type=int, help="object store of each node (default: the load file's size)")
    args = parser.parse_args()
    if not args.load_only and not args.graph:
        parser.error("--graph is needed, unless --load-only")
    if args.load_only and not args.load_graph:
        parser.error("--load-only needs --load-graph")
    load_size = os.path.getsize(args.load_graph) if args.load_graph else 0
    store = 2**20 * (args.store_mb or max(300, load_size // 2**20))
    print(f"start: {load_avg()}; 2 Ray nodes on 127.0.0.1, 1 CPU and {store // 2**20} MB of object store each")
    rows: list[tuple[str, str, str, str]] = []
    cluster = start_cluster(store)
    try:
        if not args.load_only:
            rows += supersteps(args)
        if args.load_graph:
            rows += loads(args)
        print(check_placements(cluster))
    finally:
        ray.shutdown()
        cluster.shutdown()
    print("| measurement | value | target | met |")
    print("|---|---:|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"end: {load_avg()}")
    return 0


def supersteps(args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    """The rows of the empty superstep, Ray's round trips and transfers, and PageRank's superstep."""
    rows: list[tuple[str, str, str, str]] = []
    with barrier(LINE):
        empty = barrier_ms(args.rounds, placed(RayBackend, "empty superstep"))
    with barrier(PLAIN):
        plain_empty = barrier_ms(args.rounds, placed(RayBackend, "empty superstep, plain calls"))
    with barrier(COMPILED):
        compiled_empty = barrier_ms(args.rounds, placed(RayBackend, "empty superstep, compiled"))
    compile_ms, teardown_ms = compile_cost_ms(placed(RayBackend, "compiling the barrier"))
    nodes = PLACEMENTS[0][1]
    plain, compiled = round_trip_ms(args.rounds, nodes)
    compiled = compiled if isinstance(compiled, str) else f"{compiled:.2f} ms"
    rows.append(
        (f"empty superstep, 2 workers (median of {args.rounds})", f"{empty:.2f} ms", "≤ 2 ms", verdict(empty, 2))
    )
    rows.append(("  the barrier on plain Ray calls (PREGEL_RAY_LINE=0)", f"{plain_empty:.2f} ms", "", ""))
    rows.append(
        (
            "  the barrier on a Ray Compiled Graph (PREGEL_RAY_COMPILED=1)",
            f"{compiled_empty:.2f} ms",
            "≤ 2 ms",
            verdict(compiled_empty, 2),
        )
    )
    rows.append(
        (
            "  compiling it (with its first superstep), tearing it down",
            f"{compile_ms:.0f} ms, {teardown_ms:.0f} ms",
            "",
            "",
        )
    )
    rows.append(("  Ray alone: one plain call to each of 2 actors, one per node", f"{plain:.2f} ms", "", "baseline"))
    rows.append(("  Ray alone: the same calls as a Compiled Graph", compiled, "", "baseline"))

    for mb, rounds in ((2, 30), (100, 5)):
        moved = transfer_ms(mb * 10**6, nodes, rounds)
        rows.append((f"  Ray alone: a {mb} MB array from one node to the other", f"{moved:.1f} ms", "", "baseline"))

    graph = read_edges(args.graph)
    size = f"{graph.num_vertices:,} vertices, {graph.num_edges:,} edges"
    pairs = []
    for k in range(args.repeat):
        # in turns, as the loads: this machine's speed changes by half within minutes, and a ratio of two runs
        # minutes apart measured that more than the code
        local = pagerank_ms(LocalBackend, graph, 1, args.supersteps)[0]
        with barrier(LINE):
            held, held_compute = pagerank_ms(
                placed(HeldRayBackend, "PageRank"), held_input(args.graph), WORKERS, args.supersteps
            )
        pairs.append((local, held, held_compute))
        print(f"PageRank {k + 1}: superstep local {local:.1f} ms, 2 Ray workers {held:.1f} ms ({load_avg()})")
    del graph
    local = statistics.median(p[0] for p in pairs)
    held = statistics.median(p[1] for p in pairs)
    held_compute = statistics.median(p[2] for p in pairs)
    with barrier(PLAIN):
        held_plain, plain_compute = pagerank_ms(
            placed(HeldRayBackend, "PageRank, plain calls"), held_input(args.graph), WORKERS, args.supersteps
        )
    with barrier(COMPILED):
        held_compiled, compiled_compute = pagerank_ms(
            placed(HeldRayBackend, "PageRank, compiled"), held_input(args.graph), WORKERS, args.supersteps
        )
    rows.append((f"PageRank superstep, local backend, 1 partition ({size})", f"{local:.1f} ms", "", ""))
    rows.append(
        (
            "PageRank superstep, 2 Ray workers reading the file / local",
            f"{held:.1f} ms = {held / local:.3f} ×",
            "≤ 0.7 ×",
            verdict(held / local, 0.7),
        )
    )
    rows.append(("  slowest worker's compute (PartitionStatus.seconds)", f"{held_compute:.1f} ms", "", ""))
    rows.append(("  the rest: blocks between the workers, the barrier", f"{held - held_compute:.1f} ms", "", ""))
    rows.append(
        (
            "  the same on plain Ray calls (PREGEL_RAY_LINE=0) / local",
            f"{held_plain:.1f} ms = {held_plain / local:.3f} ×",
            "≤ 0.7 ×",
            verdict(held_plain / local, 0.7),
        )
    )
    rows.append(
        (
            "    slowest worker's compute, the rest",
            f"{plain_compute:.1f} ms, {held_plain - plain_compute:.1f} ms",
            "",
            "",
        )
    )
    rows.append(
        (
            "  the same with the barrier compiled (PREGEL_RAY_COMPILED=1) / local",
            f"{held_compiled:.1f} ms = {held_compiled / local:.3f} ×",
            "≤ 0.7 ×",
            verdict(held_compiled / local, 0.7),
        )
    )
    rows.append(
        (
            "    slowest worker's compute, the rest",
            f"{compiled_compute:.1f} ms, {held_compiled - compiled_compute:.1f} ms",
            "",
            "",
        )
    )
    return rows


def loads(args: argparse.Namespace) -> list[tuple[str, str, str, str]]:
    """The rows of the load: local, then 2 Ray workers reading the file (after one warm-up), the median of each."""
    rows: list[tuple[str, str, str, str]] = []
    name = Path(args.load_graph).name
    ours(args.load_graph, WORKERS, placed(HeldRayBackend, "load"))  # warm-up
    locals_, timed = [], []
    for k in range(args.repeat):
        # in turns, so that a change in the machine's load falls on both alike
        locals_.append(local_load(args.load_graph))
        timed.append(ours(args.load_graph, WORKERS, placed(HeldRayBackend, "load")))
        print(f"load {k + 1}: local {locals_[-1]:.2f} s, 2 Ray workers {timed[-1][1]:.2f} s ({load_avg()})")
    local_s, held_s = statistics.median(locals_), statistics.median(t[1] for t in timed)
    phases = {p: statistics.median(t[2][p] for t in timed) for p in ("read", "exchange", "routes", "load")}
    rows.append((f"load of {name}, local: read_edges + partition", f"{local_s:.2f} s", "", ""))
    rows.append(
        (
            f"load of {name}, 2 Ray workers / local",
            f"{held_s:.2f} s = {held_s / local_s:.3f} ×",
            "≤ 0.7 ×",
            verdict(held_s / local_s, 0.7),
        )
    )
    shown = ", ".join(f"{p} {s:.2f} s" for p, s in phases.items())
    rows.append(("  the distributed load's phases", shown, "", ""))
    return rows


if __name__ == "__main__":
    sys.exit(main())
