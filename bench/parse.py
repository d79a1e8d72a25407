"""Edge-list parsing: weighted lists against plain pairs, and 2 threads against 1.

``python -m bench.parse [--lines 10M] [--dir bench/graphs] [--rounds 5] [--threads 1,2] [--graph]``
``python -m bench.parse --instructions [--lines 200k]``
``python -m bench.parse --calls 100 [--lines 200k]``

Writes one R-MAT edge list of ``--lines`` distinct edges (``pregel.io.generate``) in
three shapes, kept in ``--dir`` for the next run: plain pairs, integer weights 1..100
(what ``pregel generate --weighted`` writes) and decimal weights such as ``0.731`` (the
usual weighted SNAP shape). Each shape is read by ``read_edge_arrays`` (``--graph``:
``read_edges``, the graph built too) with each thread count, every reading in a fresh
process, in rounds that alternate them so a busy machine slows all alike. Each process
reads its file twice: cold (all memory touched for the first time, as a command does)
and warm (memory the process freed, reused: the parser's own cost). A reading reports
its wall seconds, the CPU seconds of the whole process and those of its main thread.
The table shows the best of the rounds (other work only ever adds time); then the ratios the issue asks for: each
weighted shape against plain pairs with the same threads, and 1 thread against the
most, on the plain file and the decimal one.

On a machine shared with other work the wall times of threads mean little (a thread
waits for a core); the ``cpu path`` column then estimates the wall time on idle cores:
the main thread's CPU seconds plus the pool's divided among its threads.

``--instructions`` counts instead, with valgrind's callgrind, the instructions the
compiled parser (``_edgetext.parse``, one call over the whole file, nothing else of the
process) executes per line on each shape, decimal weights both kept and only checked:
a measure other work on the machine does not disturb. ``--calls N`` times the same
calls in this process instead, the best of N calls per shape (the calls go round the
shapes; the columns are allocated once and reused, so no page is touched for the first
time): the parser's own speed, without the reading of the file and the memory a command
also pays for.
"""

from __future__ import annotations

import argparse
import json
import mmap
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from pregel.io.edges import read_edge_arrays, read_edges

path, threads, graph = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
times = []
for _ in range(2):  # cold: memory touched for the first time; warm: memory the process had freed
    wall, cpu, main = time.perf_counter(), time.process_time(), time.thread_time()
    if graph:
        edges = read_edges(path, threads=threads).num_edges
    else:
        edges = read_edge_arrays(path, threads=threads)[0].size
    times.append([time.perf_counter() - wall, time.process_time() - cpu, time.thread_time() - main])
print(json.dumps({"cold": times[0], "warm": times[1], "edges": edges}))
"""


INSTRUCTIONS_CHILD = """
import sys
import numpy as np
from pregel.io import edgetext

text = open(sys.argv[1], "rb").read()
rows = len(text) // 4 + 1
out = [np.zeros(rows, np.int32), np.zeros(rows, np.int32), np.zeros(rows) if sys.argv[2] == "1" else None]
print(edgetext._compiled.parse(text, 0, *out)[0])
"""


def parse_count(text: str) -> int:
    """``"10M"`` → 10000000, ``"500k"`` → 500000.

    Examples
    --------
    >>> parse_count("10M"), parse_count("500k"), parse_count("1200")
    (10000000, 500000, 1200)
    """
    scale = {"k": 10**3, "m": 10**6}.get(text[-1:].lower(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def write_shapes(lines: int, folder: Path, seed: int = 1) -> dict[str, Path]:
    """The three shapes of one R-MAT graph of ``lines`` edges, written once into ``folder``."""
    from pregel.io.edges import write_edge_list
    from pregel.io.generate import generate

    folder.mkdir(parents=True, exist_ok=True)
    paths = {shape: folder / f"rmat-{lines}-{shape}.txt" for shape in ("plain", "integer", "decimal")}
    if all(p.exists() for p in paths.values()):
        return paths
    src, dst, weights = generate("rmat", edges=lines, seed=seed, weighted=True)
    write_edge_list(paths["plain"], src, dst)
    write_edge_list(paths["integer"], src, dst, weights)
    # 0.000 .. 0.999: written as the integers 10000 .. 10999, whose first two digits become "0."
    thousandths = np.random.default_rng(seed).integers(0, 1000, src.size)
    write_edge_list(paths["decimal"], src, dst, thousandths + 10000)
    with open(paths["decimal"], "r+b") as f, mmap.mmap(f.fileno(), 0) as text:
        view = np.frombuffer(text, dtype=np.uint8)
        piece = 1 << 26
        for start in range(0, view.size, piece):
            ends = start + np.flatnonzero(view[start : start + piece] == 10)
            view[ends - 5] = ord("0")
            view[ends - 4] = ord(".")
        del view
    return paths


def measure(path: Path, threads: int, graph: bool) -> dict[str, list[float]]:
    """One reading of ``path`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(threads), "1" if graph else "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"reading {path} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def instructions(path: Path, kept: bool) -> tuple[int, int]:
    """Instructions the compiled parser executes over ``path`` (callgrind), and the lines it read."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out", "--toggle-collect=parse"]
            + [sys.executable, "-c", INSTRUCTIONS_CHILD, str(path), "1" if kept else "0"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"callgrind over {path} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1)), int(done.stdout)


def count_instructions(paths: dict[str, Path]) -> int:
    """Print the compiled parser's instructions per line on each shape, and their ratios to plain pairs."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    from pregel.io import edgetext

    if edgetext._compiled is None:
        raise SystemExit("--instructions needs the compiled parser (pregel.io._edgetext) built")
    cases = [("plain", False), ("integer", True), ("decimal", True), ("decimal", False)]
    per_line = {}
    for shape, kept in cases:
        count, lines = instructions(paths[shape], kept)
        per_line[shape, kept] = count / lines
    print(f"instructions per line of _edgetext.parse (callgrind), {lines:,} lines")
    for shape, kept in cases:
        what = "" if shape == "plain" else (" kept" if kept else " checked, not kept")
        ratio = per_line[shape, kept] / per_line["plain", False]
        print(f"  {shape + what:26s} {per_line[shape, kept]:7.1f}  ({ratio:.2f} x plain)")
    return 0


def time_calls(paths: dict[str, Path], calls: int) -> int:
    """Print the best of ``calls`` timings of the compiled parser on each shape, in ns per line, and their ratios."""
    from pregel.io import edgetext

    if edgetext._compiled is None:
        raise SystemExit("--calls needs the compiled parser (pregel.io._edgetext) built")
    cases = [("plain", False), ("integer", True), ("decimal", True), ("decimal", False)]
    texts = {shape: paths[shape].read_bytes() for shape in paths}
    columns = {}
    for shape, kept in cases:
        rows = len(texts[shape]) // 4 + 1
        columns[shape, kept] = [np.ones(rows, np.int32), np.ones(rows, np.int32), np.ones(rows) if kept else None]
    best: dict[tuple[str, bool], float] = {}
    lines = 0
    for _ in range(calls):
        for shape, kept in cases:
            start = time.perf_counter()
            lines = edgetext._compiled.parse(texts[shape], 0, *columns[shape, kept])[0]
            best[shape, kept] = min(best.get((shape, kept), float("inf")), time.perf_counter() - start)
    print(f"_edgetext.parse in one process, best of {calls} calls, {lines:,} lines")
    for shape, kept in cases:
        what = "" if shape == "plain" else (" kept" if kept else " checked, not kept")
        ratio = best[shape, kept] / best["plain", False]
        print(f"  {shape + what:26s} {1e9 * best[shape, kept] / lines:6.2f} ns/line  ({ratio:.2f} x plain)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parse", description=__doc__.splitlines()[0])
    parser.add_argument("--lines", default="10M", help="edges of the generated list, e.g. 1M, 10M, 50M (default 10M)")
    parser.add_argument("--dir", default=str(ROOT / "bench" / "graphs"), help="where the lists are kept")
    parser.add_argument("--rounds", type=int, default=5, help="readings of each shape and thread count (default 5)")
    parser.add_argument("--threads", default="1,2", help="thread counts to compare (default 1,2)")
    parser.add_argument("--graph", action="store_true", help="time read_edges (parse and build the graph)")
    parser.add_argument(
        "--instructions", action="store_true", help="count the compiled parser's instructions per line (valgrind)"
    )
    parser.add_argument("--calls", type=int, help="time this many calls of the compiled parser in one process")
    args = parser.parse_args(argv)
    thread_counts = [int(t) for t in args.threads.split(",")]
    paths = write_shapes(parse_count(args.lines), Path(args.dir))
    if args.instructions:
        return count_instructions(paths)
    if args.calls:
        return time_calls(paths, args.calls)
    runs: dict[tuple[str, int], list[dict[str, list[float]]]] = {}
    for _ in range(args.rounds):
        for shape, path in paths.items():
            for threads in thread_counts:
                runs.setdefault((shape, threads), []).append(measure(path, threads, args.graph))
    what = "read_edges (parse + graph)" if args.graph else "read_edge_arrays (parse)"
    print(f"{what}, {args.lines} lines, best of {args.rounds} fresh processes, each reading twice")
    print(f"{'':17s} {'cold (first reading)':^33s} {'warm (second reading)':^33s}")
    print(f"{'shape':8s} {'threads':>8s}" + f" {'wall s':>7s} {'cpu s':>7s} {'main s':>7s} {'path s':>8s}" * 2)
    table: dict[tuple[str, str, int], float] = {}
    for (shape, threads), rows in runs.items():
        line = f"{shape:8s} {threads:8d}"
        for when in ("cold", "warm"):
            wall, cpu, main = (min(r[when][k] for r in rows) for k in range(3))
            path = main + (cpu - main) / threads if threads > 1 else cpu
            table[when, shape, threads] = path
            table[when + " wall", shape, threads] = wall
            line += f" {wall:7.3f} {cpu:7.3f} {main:7.3f} {path:8.3f}"
        print(line)
    print("\nratios of cpu path seconds, cold and warm (of wall seconds in brackets)")
    for threads in thread_counts:
        for shape in ("integer", "decimal"):
            print(
                f"  {shape} / plain, {threads} thread(s): {_ratios(table, shape, threads, 'plain', threads)}"
                "  (target <= 1.3)"
            )
    most = max(thread_counts)
    if most > 1 and 1 in thread_counts:
        for shape in ("plain", "decimal"):
            print(f"  {shape}, 1 thread / {most}: {_ratios(table, shape, 1, shape, most)}  (target >= 1.6)")
    return 0


def _ratios(table: dict, shape: str, threads: int, other: str, other_threads: int) -> str:
    cold, warm = (table[when, shape, threads] / table[when, other, other_threads] for when in ("cold", "warm"))
    walls = (table[f"{w} wall", shape, threads] / table[f"{w} wall", other, other_threads] for w in ("cold", "warm"))
    return f"{cold:.2f}, {warm:.2f} ({', '.join(f'{r:.2f}' for r in walls)})"


if __name__ == "__main__":
    sys.exit(main())
