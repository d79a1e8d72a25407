"""How long a run on Ray takes to recover from one lost worker.

    python bench/recovery_time.py [EDGES] [--workers 2] [--kill-after 20] [--every 5] [--repeats 3]

PageRank (``tol=0``, 40 supersteps) on Ray with a checkpoint every ``--every``
supersteps; after superstep ``--kill-after`` one worker actor is killed (``ray.kill``).
"Recovery" is the time from the kill until every partition is back at the checkpoint
(the loss noticed at the next barrier, a worker started again, all partitions restored);
"extra" is how much longer the whole run took than one without a failure (recovery
plus the replayed supersteps). Two settings: a private Ray session, as the command line
uses (a new worker process is started), and a session the caller started, where an
idle worker of an earlier run takes over.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pregel  # noqa: E402
from pregel.algorithms.pagerank import PageRank  # noqa: E402
from pregel.io.edges import read_edges  # noqa: E402

DEFAULT_GRAPH = ROOT / "datasets" / "p2p-Gnutella31.txt.gz"
SUPERSTEPS = 40


def timed_run(graph: pregel.Graph, args: argparse.Namespace, kill: bool) -> tuple[float, float | None, int]:
    """Seconds for the run, seconds from the kill to the restored state, and supersteps replayed."""
    import ray

    from pregel.backends import ray as ray_backend

    backends: list = []
    original = ray_backend.RayBackend

    class Recording(original):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            backends.append(self)

    ray_backend.RayBackend = Recording
    killed_at: list[float] = []
    recovered_at: list[float] = []
    replayed: list[int] = []

    def on_superstep(stats: pregel.SuperstepStats) -> None:
        if kill and stats.superstep == args.kill_after and not killed_at:
            killed_at.append(time.perf_counter())
            ray.kill(backends[-1].actors[0])

    def on_recovery(recovery) -> None:
        recovered_at.append(time.perf_counter())
        replayed.append(recovery.replayed)

    try:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            pregel.run(
                graph,
                PageRank(tol=0.0),
                backend="ray",
                workers=args.workers,
                max_supersteps=SUPERSTEPS,
                checkpoint_dir=Path(folder) / "ck",
                checkpoint_every=args.every,
                on_superstep=on_superstep,
                on_recovery=on_recovery,
            )
            seconds = time.perf_counter() - start
    finally:
        ray_backend.RayBackend = original
    recovery = recovered_at[0] - killed_at[0] if kill else None
    return seconds, recovery, replayed[0] if kill else 0


def measure(graph: pregel.Graph, args: argparse.Namespace, label: str) -> None:
    plain, lost, recoveries, replayed = [], [], [], 0
    for _ in range(args.repeats):
        plain.append(timed_run(graph, args, kill=False)[0])
        seconds, recovery, replayed = timed_run(graph, args, kill=True)
        lost.append(seconds)
        recoveries.append(recovery)
    extra = statistics.median(lost) - statistics.median(plain)
    print(
        f"| {label} | {statistics.median(plain):.2f} s | {statistics.median(lost):.2f} s | "
        f"{statistics.median(recoveries):.2f} s | {replayed} | {extra:.2f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("edges", nargs="?", default=str(DEFAULT_GRAPH))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-after", type=int, default=20)
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # before Ray starts: 127.0.0.1 only
    os.environ["PYTHONPATH"] = str(ROOT)  # Ray's workers import this checkout
    graph = read_edges(args.edges)
    print(f"{Path(args.edges).name}: {graph.num_vertices} vertices, {graph.num_edges} edges; PageRank, ")
    print(f"{SUPERSTEPS} supersteps, {args.workers} workers, a checkpoint every {args.every}, one worker killed")
    print(f"after superstep {args.kill_after}\n")
    print("| Ray session | run without failure | run with one lost worker | recovery | replayed | extra |")
    print("|---|---|---|---|---|---|")
    measure(graph, args, "private (as the command line)")

    import ray

    ray.init(address="local", include_dashboard=False, num_cpus=2, object_store_memory=200 * 2**20)
    try:
        # one idle worker more than a run needs, to take over from the killed one
        pregel.run(pregel.Graph.from_edges([1], [2]), PageRank(), backend="ray", workers=args.workers + 1)
        measure(graph, args, "the caller's, with an idle worker")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
