"""What checkpoints cost: PageRank supersteps with and without them, and the time to resume.

    python bench/checkpoint_cost.py [EDGES] [--rmat EDGES] [--every 1 10] [--supersteps 60] [--repeats 7] [--dir DIR]
                                    [--backend local|ray] [--stored]

For each worker count it runs PageRank (``tol=0``, a fixed number of supersteps) with no
checkpoints and with one every K supersteps for each K of ``--every``, interleaving the
repeats so that a busy machine slows all alike, and prints the median wall time per
superstep. ``--rmat 10000000`` runs on an R-MAT graph of that many edges (16 per vertex,
seed 1) made in memory instead of an edge file. "Blocking" is the time the superstep
loop spends starting a checkpoint (copying the partitions, waiting for the previous
checkpoint); "write" is the time the
background thread needs to write one checkpoint (parts, fsync, manifest, pruning).
"Resume" is the time to find, verify and load the newest checkpoint.

PageRank defines ``resend``, so its checkpoints are light (no messages); ``--stored``
adds columns for the same program storing its messages, as a program without
``resend`` does. ``--backend ray`` runs every run on one Ray session (127.0.0.1 only;
"CPU" is then the driver's alone); with a checkpoint directory the Ray backend also
keeps its message log (confined recovery), so that is in the cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pregel  # noqa: E402
from pregel.algorithms.pagerank import PageRank  # noqa: E402
from pregel.core.checkpoint import Checkpointer  # noqa: E402
from pregel.io.edges import read_edges  # noqa: E402
from pregel.io.generate import generate  # noqa: E402

DEFAULT_GRAPH = Path(__file__).resolve().parent.parent / "datasets" / "p2p-Gnutella31.txt.gz"
BACKEND = {"backend": "local"}


class StoredPageRank(PageRank):
    """PageRank whose checkpoints store its messages (what a program without ``resend`` writes)."""

    @property
    def resends(self) -> bool:
        return False


class Timings:
    """Wall time the loop spends starting each checkpoint (``save``) and the writer writing it (``_write``)."""

    def __init__(self) -> None:
        self.blocking: list[float] = []
        self.write: list[float] = []
        for name, sink in (("save", self.blocking), ("_write", self.write)):
            original = getattr(Checkpointer, name)
            setattr(Checkpointer, name, self._timed(original, sink))

    @staticmethod
    def _timed(function, sink):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                sink.append(time.perf_counter() - start)

        return timed


def run_once(
    graph: pregel.Graph, workers: int, supersteps: int, every: int | None, base: Path, stored: bool = False
) -> tuple[float, float]:
    """Wall and CPU (all threads of this process) seconds per superstep."""
    folder = Path(tempfile.mkdtemp(dir=base))
    options = {} if every is None else {"checkpoint_dir": folder / "ck", "checkpoint_every": every}
    program = (StoredPageRank if stored else PageRank)(tol=0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    pregel.run(graph, program, workers=workers, max_supersteps=supersteps, **BACKEND, **options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    shutil.rmtree(folder)
    return wall / supersteps, cpu / supersteps


def resume_seconds(graph: pregel.Graph, workers: int, base: Path) -> tuple[float, float]:
    """Seconds to start a run from a checkpoint at superstep 10, and to start one afresh."""
    folder = Path(tempfile.mkdtemp(dir=base))
    options = {"workers": workers, "max_supersteps": 10, "checkpoint_dir": folder, **BACKEND}
    pregel.run(graph, PageRank(tol=0.0), checkpoint_every=10, **options)
    start = time.perf_counter()
    pregel.run(graph, PageRank(tol=0.0), resume=True, **options)
    resumed = time.perf_counter() - start
    start = time.perf_counter()
    pregel.run(graph, PageRank(tol=0.0), workers=workers, max_supersteps=0, **BACKEND)
    fresh = time.perf_counter() - start
    shutil.rmtree(folder)
    return resumed, fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("edges", nargs="?", default=str(DEFAULT_GRAPH))
    parser.add_argument("--rmat", type=int, default=None, help="an R-MAT graph of this many edges instead")
    parser.add_argument("--supersteps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--every", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--dir", default=None, help="where checkpoints go (default: a temporary folder)")
    parser.add_argument("--backend", choices=["local", "ray"], default="local")
    parser.add_argument("--stored", action="store_true", help="also checkpoints that store the messages")
    args = parser.parse_args()
    BACKEND["backend"] = args.backend
    if args.backend == "ray":
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # before Ray starts: 127.0.0.1 only
        import ray

        ray.init(address="local", include_dashboard=False, object_store_memory=2 * 2**30)
    if args.rmat is None:
        graph, name = read_edges(args.edges), Path(args.edges).name
    else:
        sources, targets, _ = generate("rmat", edges=args.rmat, seed=1)
        graph, name = pregel.Graph.from_edges(sources, targets), f"R-MAT {args.rmat} edges"
    base = Path(args.dir or tempfile.mkdtemp(prefix="pregel-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    timings = Timings()
    print(f"{name}: {graph.num_vertices} vertices, {graph.num_edges} edges; checkpoints in {base}")
    # a column: (every K, whether the messages are stored)
    columns = [(k, False) for k in args.every] + ([(k, True) for k in args.every] if args.stored else [])
    titles = [f"every {k}{' (messages stored)' if stored else ''}" for k, stored in columns]
    print(f"{args.backend} backend")
    print(f"| workers | | no checkpoint | {' | '.join(titles)} |")
    print(f"|---|---|---|{'---|' * len(columns)}")
    for workers in args.workers:
        per: dict[tuple[int, bool] | None, list[tuple[float, float]]] = {None: [], **{c: [] for c in columns}}
        blocking: dict[tuple[int, bool], list[float]] = {c: [] for c in columns}
        sizes = checkpoint_bytes(graph, workers, base)  # also the warm-up: imports, caches
        timings.write.clear()
        for _ in range(args.repeats):
            for column in per:
                timings.blocking.clear()
                every, stored = column or (None, False)
                per[column].append(run_once(graph, workers, args.supersteps, every, base, stored))
                if column is not None:
                    blocking[column].extend(timings.blocking)
        for column, what in ((0, "wall"), (1, "CPU")):
            plain = statistics.median(t[column] for t in per[None]) * 1e3
            cells = []
            for key in columns:
                each = statistics.median(t[column] for t in per[key]) * 1e3
                cells.append(f"{each:.2f} ms ({(each - plain) / plain:+.0%})")
            print(f"| {workers} | {what} per superstep | {plain:.2f} ms | {' | '.join(cells)} |")
        waits = " | ".join(f"{statistics.median(blocking[c]) * 1e3:.2f} ms" for c in columns)
        print(f"| {workers} | loop blocked per checkpoint | | {waits} |")
        write = statistics.median(timings.write) * 1e3
        print(f"| {workers} | background write per checkpoint (all K) | | {write:.2f} ms, {sizes / 1e6:.1f} MB |")
    for workers in args.workers:
        resumed, fresh = resume_seconds(graph, workers, base)
        print(f"workers {workers}: resume from a checkpoint {resumed * 1e3:.0f} ms, fresh start {fresh * 1e3:.0f} ms")
    if args.dir is None:
        shutil.rmtree(base)


def checkpoint_bytes(graph: pregel.Graph, workers: int, base: Path) -> int:
    """Bytes of one checkpoint (parts and manifest) of PageRank after 2 supersteps."""
    folder = Path(tempfile.mkdtemp(dir=base))
    options = {"checkpoint_dir": folder, "checkpoint_every": 2, **BACKEND}
    pregel.run(graph, PageRank(tol=0.0), workers=workers, max_supersteps=2, **options)
    size = sum(p.stat().st_size for p in (folder / "superstep-000002").iterdir())
    shutil.rmtree(folder)
    return size


if __name__ == "__main__":
    main()
