"""How long a run on Ray takes to recover from one lost worker: confined recovery against global rollback.

    python bench/recovery_time.py [EDGES] [--edges 10M] [--workers 4] [--every 10] [--kill-after 18]
                                  [--supersteps 30] [--repeats 2] [--object-store 4G]

PageRank (``tol=0``, a fixed number of supersteps) on Ray, with a checkpoint every
``--every`` supersteps; after superstep ``--kill-after`` one worker is killed (and the
callback waits until it is dead, so every run loses it at the same point). Without EDGES
the graph is the R-MAT graph of ``--edges`` edges (seed 1), generated once into
``--graphs-dir``. Each repeat runs four times: without checkpoints, with them and no
failure (what checkpoints and the message log cost on Ray), with a confined
recovery (the lost partition alone replays from its checkpoint and the others' message
logs), and with a global rollback (``confined_recovery=False``: every partition goes
back to the checkpoint). "Recovery" is ``Recovery.seconds``: from the loss being noticed
to the run being back at the superstep it failed in. Both recoveries must end with the
values of the run without failure, bit for bit; the script says so or fails.

One Ray session (127.0.0.1 only) serves every run, with idle workers started
beforehand: a recovery takes an idle worker in both settings, so the comparison is of
the recoveries, not of process start-up.
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
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # before Ray starts: 127.0.0.1 only

import numpy as np  # noqa: E402

import pregel  # noqa: E402
from bench.algorithms import rmat_file  # noqa: E402
from pregel.algorithms.pagerank import PageRank  # noqa: E402
from pregel.io.edges import read_edges  # noqa: E402


def sized(text: str, base: int = 1000) -> int:
    """``10M`` -> 10_000_000 (a count); with ``base=1024``, ``4G`` -> 4 * 2**30 (bytes)."""
    power = {"k": 1, "m": 2, "g": 3}.get(text[-1].lower())
    return int(text) if power is None else int(float(text[:-1]) * base**power)


def timed_run(
    graph: pregel.Graph, args: argparse.Namespace, kill: bool, confined: bool, checkpoints: bool = True
) -> dict:
    """One run: its wall time, values, and the recovery (if a worker was killed)."""
    import ray

    from pregel.backends import ray as ray_backend

    backends: list = []
    original = ray_backend.RayBackend

    class Recording(original):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            backends.append(self)

    killed: list[bool] = []

    def on_superstep(stats: pregel.SuperstepStats) -> None:
        # once: a global rollback passes this superstep again
        if kill and stats.superstep == args.kill_after and not killed:
            killed.append(True)
            actor = backends[-1].actors[1]
            ray.kill(actor)
            while True:
                try:
                    ray.get(actor.__ray_ready__.remote(), timeout=30)
                except ray.exceptions.RayActorError:
                    return
                time.sleep(0.01)

    ray_backend.RayBackend = Recording
    try:
        with tempfile.TemporaryDirectory(dir=args.checkpoint_parent) as folder:
            start = time.perf_counter()
            saving = {"checkpoint_dir": Path(folder) / "ck", "checkpoint_every": args.every} if checkpoints else {}
            result = pregel.run(
                graph,
                PageRank(tol=0.0),
                backend="ray",
                workers=args.workers,
                max_supersteps=args.supersteps,
                on_superstep=on_superstep,
                confined_recovery=confined,
                **saving,
            )
            seconds = time.perf_counter() - start
    finally:
        ray_backend.RayBackend = original
    return {"seconds": seconds, "values": result.values, "recoveries": result.recoveries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", nargs="?", help="an edge list (default: the R-MAT graph of --edges edges)")
    parser.add_argument("--edges", default="10M", help="R-MAT size when no EDGES is given (default 10M)")
    parser.add_argument("--graphs-dir", default=str(ROOT / "bench" / "graphs"))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--kill-after", type=int, default=18)
    parser.add_argument("--supersteps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--object-store", default="4G", help="object store of the Ray session, bytes (4G)")
    parser.add_argument("--checkpoint-parent", default=None, help="where the checkpoint folders go (a temp dir)")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT)  # Ray's workers import this checkout
    path = Path(args.graph) if args.graph else rmat_file(Path(args.graphs_dir), sized(args.edges))
    began = time.perf_counter()
    graph = read_edges(path)
    print(f"`python bench/recovery_time.py {' '.join(sys.argv[1:])}`")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.2f}\n")
    print(
        f"{path.name}: {graph.num_vertices:,} vertices, {graph.num_edges:,} edges (read in "
        f"{time.perf_counter() - began:.1f} s); PageRank, {args.supersteps} supersteps, {args.workers} workers, "
        f"a checkpoint every {args.every}, worker 1 killed after superstep {args.kill_after}\n"
    )

    import ray

    store = sized(args.object_store, 1024)
    ray.init(address="local", include_dashboard=False, num_cpus=os.cpu_count(), object_store_memory=store)
    rows = {"bare": [], "none": [], "confined": [], "global": []}
    try:
        # idle workers, to take over from the killed one (and from every one, for the global rollback)
        pregel.run(pregel.Graph.from_edges([1], [2]), PageRank(), backend="ray", workers=args.workers + 2)
        for _ in range(args.repeats):
            rows["bare"].append(timed_run(graph, args, kill=False, confined=True, checkpoints=False))
            plain = timed_run(graph, args, kill=False, confined=True)
            rows["none"].append(plain)
            for kind in ("confined", "global"):
                run = timed_run(graph, args, kill=True, confined=kind == "confined")
                (recovery,) = run["recoveries"]
                assert recovery.kind == kind, recovery
                same = np.array_equal(run["values"], plain["values"])
                assert same, f"the {kind} recovery changed the values"
                rows[kind].append(run)
    finally:
        ray.shutdown()

    def median(kind: str, key) -> float:
        return statistics.median(key(run) for run in rows[kind])

    base = median("none", lambda r: r["seconds"])
    bare = median("bare", lambda r: r["seconds"])
    print("| run | whole run s | recovery s | replayed supersteps | partitions replayed | extra s | values |")
    print("|---|---|---|---|---|---|---|")
    print(f"| without failure, no checkpoints | {bare:.2f} |  |  |  |  |  |")
    print(f"| without failure, checkpoints and message logs | {base:.2f} |  |  |  | {base - bare:+.2f} |  |")
    for kind in ("confined", "global"):
        recovery = rows[kind][0]["recoveries"][0]
        print(
            f"| {kind} recovery | {median(kind, lambda r: r['seconds']):.2f} | "
            f"{median(kind, lambda r: r['recoveries'][0].seconds):.2f} | {recovery.replayed} | "
            f"{len(recovery.partitions)} | {median(kind, lambda r: r['seconds']) - base:.2f} | identical |"
        )
    ratio = median("confined", lambda r: r["recoveries"][0].seconds) / median(
        "global", lambda r: r["recoveries"][0].seconds
    )
    print(f"\nconfined ÷ global recovery: {ratio:.2f} (target ≤ 0.4); medians of {args.repeats}")
    print(f"checkpoints every {args.every} with message logs ÷ none: {base / bare:.2f} (target ≤ 1.1)")


if __name__ == "__main__":
    main()
