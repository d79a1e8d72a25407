"""Distributed loading on Ray: our workers reading their shares against Ray Data reading the same files.

Usage::

    python bench/held_load.py [--edges 2000000] [--parts 8] [--workers 2] [--repeat 3]

One private Ray instance (127.0.0.1 only, ``--workers`` CPUs) serves every measurement.
The input is a random edge list (ids below ``edges / 4``) written three ways into a
temporary folder: ``--parts`` text part files, the same as one Parquet file of
``--parts`` row groups, and one text file (cut into byte ranges).

- **ours, read**: :class:`pregel.backends.ray.HeldRayBackend`'s first phase, each worker
  parsing its shares into ``int64`` columns with the compiled parser
  (``timings["read"]``); **ours, whole load**: the load to partitions ready to compute
  (read, the edge exchange, the routes).
- **Ray Data**: ``ray.data.read_csv`` (space-separated, named columns) or
  ``read_parquet`` of the same files, ``materialize()``-d: the columns in the object
  store, parsed by Ray Data's read tasks (which is where our read phase stands; the
  exchange would still follow).

The median of ``--repeat`` runs of each, after one warm-up run (worker start-up is not
counted).

``--memory 1m,10m`` measures peak resident memory instead, each size in fresh processes
(the edges written as ``--parts`` text part files first): the driver of a distributed
load (its peak after Ray started, and after the load), each worker's peak, Ray's own
baseline per worker (the resident memory of an idle actor that imported numpy and
pregel and was handed one argument, which makes Ray import pyarrow where it is
installed), and the peak of one process that reads the same edges (the part files joined
into one file beforehand, by another process) with ``read_edges`` and builds the local
backend's partitions; and the issue's bound for a worker, 0.6 times that local peak
plus the baseline.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # before ray is imported

import numpy as np  # noqa: E402
import ray  # noqa: E402

import pregel  # noqa: E402
from pregel.backends.ray import HeldRayBackend  # noqa: E402
from pregel.core.held import HeldInput  # noqa: E402
from pregel.io import shares  # noqa: E402


class Idle(pregel.BatchProgram):
    """Computes nothing: the backend is built (loaded) and closed."""

    def compute(self, v):
        pass


def write_inputs(folder: Path, edges: int, parts: int) -> dict[str, str]:
    """The same random edges as text part files, one Parquet file of ``parts`` row groups, and one text file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    src = rng.integers(0, max(edges // 4, 2), edges)
    dst = rng.integers(0, max(edges // 4, 2), edges)
    text = folder / "text"
    text.mkdir()
    whole = []
    for k in range(parts):
        lines = "".join(f"{s} {d}\n" for s, d in zip(src[k::parts].tolist(), dst[k::parts].tolist()))
        (text / f"part-{k:05d}").write_text(lines)
        whole.append(lines)
    (text / "_SUCCESS").write_text("")
    single = folder / "edges.txt"
    single.write_text("".join(whole))
    parquet = folder / "edges.parquet"
    pq.write_table(pa.table({"src": src, "dst": dst}), parquet, row_group_size=edges // parts + 1)
    return {"text parts": str(text), "one text file": str(single), "parquet": str(parquet)}


def ours(path: str, workers: int, backend_class: type = HeldRayBackend) -> tuple[float, float, dict[str, float]]:
    """Seconds of the read phase and of the whole load into ``workers`` partitions, and of every phase.

    ``backend_class``: HeldRayBackend, or a subclass that records where its workers run.
    """
    source = HeldInput(path, shares.list_shares, shares.assign, shares.read_share, shares.chunks, shares.read_chunk)
    start = time.perf_counter()
    backend = backend_class(source, Idle(), workers=workers)
    whole = time.perf_counter() - start
    backend.close()
    return backend.timings["read"], whole, backend.timings


def ray_data(path: str) -> float:
    """Seconds for Ray Data to read the same files into blocks in the object store."""
    import pyarrow.csv as pacsv

    start = time.perf_counter()
    if path.endswith(".parquet"):
        dataset = ray.data.read_parquet(path)
    else:
        dataset = ray.data.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter=" "),
            read_options=pacsv.ReadOptions(column_names=["src", "dst"]),
            partition_filter=None,
        )
    dataset.materialize()
    return time.perf_counter() - start


def peak() -> int:
    """This process's peak resident memory so far, in bytes (``VmHWM``: getrusage's maximum survives exec)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


def measure(path: str, workers: int, how: str) -> dict[str, int]:
    """In this (fresh) process: one load on a private Ray (``"held"``), or an idle worker's memory (``"baseline"``),
    in bytes."""
    if how == "baseline":
        ray.init(address="local", include_dashboard=False, num_cpus=workers, logging_level="ERROR")
        try:
            return {"worker": ray.get(IdleWorker.remote().resident.remote(np.zeros(1)))}
        finally:
            ray.shutdown()
    ray.init(address="local", include_dashboard=False, num_cpus=workers, logging_level="ERROR")
    try:
        before = peak()
        source = HeldInput(path, shares.list_shares, shares.assign, shares.read_share, shares.chunks, shares.read_chunk)
        backend = HeldRayBackend(source, Idle(), workers=workers)
        workers_peak = ray.get([actor.peak_memory.remote() for actor in backend.actors])
        backend.close()
        return {"before": before, "after": peak(), "workers": workers_peak}
    finally:
        ray.shutdown()


# One local load in a fresh process that imports what a local run imports (not Ray, not this module), of the
# part files joined beforehand by the parent (joining them there would set that process's peak itself).
LOCAL_LOAD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import pregel
from pregel.backends.local import LocalBackend
from pregel.io.edges import read_edges

def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))

class Idle(pregel.BatchProgram):
    def compute(self, v):
        pass

before = peak()
LocalBackend(read_edges(sys.argv[2]), Idle(), 1).close()
print(json.dumps({"before": before, "after": peak()}))
"""


@ray.remote(num_cpus=0)
class IdleWorker:
    """A Ray worker that imported numpy and pregel, and does nothing: Ray's own baseline per worker.

    It is handed an array, as every worker of a load is: a Ray worker sets up its
    serialization on the first argument it receives, and with pyarrow installed that
    imports pyarrow (``ray._private.arrow_serialization``), about 20 MB of Ray's own
    that a worker never given an argument would not show.
    """

    def resident(self, _argument: np.ndarray) -> int:
        import numpy  # noqa: F401

        import pregel  # noqa: F401

        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def memory(sizes: list[int], parts: int, workers: int) -> None:
    """Peak memory of the driver, the workers and a local load, for each size, each run in a fresh process."""
    print(f"{workers} workers, {parts} text part files; peak resident memory in MB")
    print(
        "| edges | driver after Ray started | driver after the load | each worker | Ray's idle worker "
        "| one local process | bound: 0.6 x local + idle worker |"
    )
    print("|---|---|---|---|---|---|---|")
    for edges in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "text"
            folder.mkdir()
            rng = np.random.default_rng(0)
            for k in range(parts):
                n = edges // parts
                src, dst = rng.integers(0, max(edges // 4, 2), n), rng.integers(0, max(edges // 4, 2), n)
                text = np.char.add(np.char.add(src.astype(str), " "), np.char.add(dst.astype(str), "\n"))
                (folder / f"part-{k:05d}").write_text("".join(text.tolist()))
            with open(Path(tmp) / "whole.txt", "wb") as whole:
                for part in sorted(folder.glob("part-*")):
                    with open(part, "rb") as f:
                        shutil.copyfileobj(f, whole)
            found = {}
            for how in ("held", "baseline", "local"):
                command = [sys.executable, __file__, "--measure", str(folder), how, "--workers", str(workers)]
                if how == "local":
                    command = [sys.executable, "-c", LOCAL_LOAD, str(ROOT), str(Path(tmp) / "whole.txt")]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                found[how] = json.loads(done.stdout.strip().splitlines()[-1])
        mb = 2**20
        held, local, idle = found["held"], found["local"]["after"], found["baseline"]["worker"]
        shown = ", ".join(f"{w / mb:.0f}" for w in held["workers"])
        driver = f"{held['before'] / mb:.0f} | {held['after'] / mb:.0f}"
        bound = (0.6 * local + idle) / mb
        print(f"| {edges:,} | {driver} | {shown} | {idle / mb:.0f} | {local / mb:.0f} | {bound:.0f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, default=2_000_000)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", metavar="SIZES", help="peak memory for these edge counts (1m,10m) instead")
    parser.add_argument("--measure", nargs=2, metavar=("FOLDER", "HOW"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], args.workers, args.measure[1])))
        return 0
    if args.memory:
        scale = {"k": 10**3, "m": 10**6}
        memory(
            [int(float(s[:-1]) * scale[s[-1]]) if s[-1] in scale else int(s) for s in args.memory.split(",")],
            args.parts,
            args.workers,
        )
        return 0
    ray.init(
        address="local",
        include_dashboard=False,
        num_cpus=args.workers,
        object_store_memory=max(200 * 2**20, 64 * args.edges),
        logging_level="ERROR",
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            inputs = write_inputs(Path(tmp), args.edges, args.parts)
            print(f"{args.edges:,} edges, {args.parts} parts, {args.workers} workers; median of {args.repeat} runs")
            print("| input | ours: read (s) | ours: whole load (s) | exchange, routes, load (s) | Ray Data: read (s) |")
            print("|---|---|---|---|---|")
            for name, path in inputs.items():
                ours(path, args.workers)  # warm-up
                timed = [ours(path, args.workers) for _ in range(args.repeat)]
                data = None
                if name != "one text file":  # Ray Data reads a file whole: no byte ranges
                    ray_data(path)
                    data = statistics.median(ray_data(path) for _ in range(args.repeat))
                read = statistics.median(t[0] for t in timed)
                whole = statistics.median(t[1] for t in timed)
                shown = "-" if data is None else f"{data:.3f}"
                phases = ", ".join(
                    f"{statistics.median(t[2][p] for t in timed):.3f}" for p in ("exchange", "routes", "load")
                )
                print(f"| {name} | {read:.3f} | {whole:.3f} | {phases} | {shown} |")
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
