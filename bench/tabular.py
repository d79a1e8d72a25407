"""A Parquet file of edges, then PageRank, whole process: against the same graph as text, and against pandas + scipy.

Usage::

    python bench/tabular.py [--edges 1M] [--rounds 3] [--graphs-dir bench/graphs] [--strings]

An R-MAT graph (``pregel.io.generate.rmat``, 16 edges per vertex, seed 1) is written
once as a plain text edge list and as a Parquet file (``int64`` columns ``src`` and
``dst``, pyarrow's defaults: Snappy, row groups of a million rows). Each command then
runs in a fresh Python process, timed wall clock from start to exit (interpreter,
imports, reading, PageRank to an L1 change below 1e-10, writing the ranks as Parquet),
in alternating rounds so that a busy machine slows all alike; the fastest of each is
kept:

- ``parquet``: ``pregel pagerank G.parquet --src src --dst dst --output ranks.parquet``;
- ``text``: ``pregel pagerank G.txt --output ranks.parquet``;
- ``pandas+scipy``: ``pandas.read_parquet``, ids numbered by ``numpy.unique``, a scipy
  CSR matrix and the same power iteration (dangling rank spread evenly), the ranks
  written by ``DataFrame.to_parquet``: what one would write without pregel;
- ``csv``: ``pregel pagerank G.csv --src src --dst dst --output ranks.parquet``, the
  same edges as a CSV file with a header, read by column name;
- with ``--strings``, ``parquet-strings``: the same edges with string ids
  (``"https://example.org/page/123"``), mapped to integers and back (no target).

Targets: ``parquet`` at most 1.2 × ``text``; ``parquet`` at least 2 × faster than
``pandas+scipy``; ``csv`` at most 1.0 × ``text`` plus a small allowance for the
header's first block (reading CSV by column is to be at least as fast per edge as
the text edge list). The ranks of every command are compared with those of ``text``
(largest absolute difference). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import child_env

ROOT = Path(__file__).resolve().parent.parent
TOL = 1e-10

PANDAS_SCIPY = """
import sys
import numpy as np, pandas as pd, scipy.sparse as sp
edges = pd.read_parquet(sys.argv[1], columns=["src", "dst"])
m = len(edges)
ids, ends = np.unique(np.concatenate([edges["src"].to_numpy(), edges["dst"].to_numpy()]), return_inverse=True)
n = ids.size
adjacency = sp.csr_array((np.ones(m), (ends[:m], ends[m:])), shape=(n, n))
out_degree = adjacency.sum(axis=1)
dangling = out_degree == 0
inverse = np.where(dangling, 0.0, 1.0 / np.maximum(out_degree, 1))
flow = adjacency.T.tocsr()
ranks = np.full(n, 1.0 / n)
for _ in range(1000):
    new = (1 - 0.85) / n + 0.85 * (flow @ (ranks * inverse) + ranks[dangling].sum() / n)
    change = np.abs(new - ranks).sum()
    ranks = new
    if change < float(sys.argv[3]):
        break
pd.DataFrame({"vertex": ids, "value": ranks}).to_parquet(sys.argv[2], index=False)
"""


def parse_size(text: str) -> int:
    """``1M`` → 1_000_000, ``300k`` → 300_000."""
    scale = {"k": 10**3, "m": 10**6}.get(text[-1].lower(), 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def _load() -> str:
    """The machine's load averages over 1, 5 and 15 minutes (it may be shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", default="1M", help="edges of the R-MAT graph, e.g. 1M or 10M (default 1M)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the commands; the fastest counts (default 3)")
    parser.add_argument("--graphs-dir", default=str(ROOT / "bench" / "graphs"), help="where the graphs are kept")
    parser.add_argument("--strings", action="store_true", help="also a Parquet file with string ids")
    args = parser.parse_args(argv)
    edges = parse_size(args.edges)
    load_before = _load()
    graphs = Path(args.graphs_dir)
    graphs.mkdir(parents=True, exist_ok=True)
    text, table, named, table_csv = _graph(graphs, edges, args.strings)
    with tempfile.TemporaryDirectory(prefix="pregel-tabular-") as out:
        commands = {
            "parquet": _pregel(table, ["--src", "src", "--dst", "dst"], out, "parquet"),
            "text": _pregel(text, [], out, "text"),
            "csv": _pregel(table_csv, ["--src", "src", "--dst", "dst"], out, "csv"),
            "pandas+scipy": [sys.executable, "-c", PANDAS_SCIPY, str(table), f"{out}/pandas+scipy.parquet", str(TOL)],
        }
        if named:
            commands["parquet-strings"] = _pregel(named, ["--src", "src", "--dst", "dst"], out, "parquet-strings")
        best = {name: float("inf") for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                best[name] = min(best[name], _seconds(command))
        differences = _differences(Path(out), list(commands))
    _report(args, edges, best, differences, load_before)
    return 0


def _graph(folder: Path, edges: int, strings: bool) -> tuple[Path, Path, Path | None, Path]:
    """The text and Parquet files of the R-MAT graph (made once), the one with string ids if asked for, the CSV file."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from pregel.io.edges import write_edge_list
    from pregel.io.generate import rmat

    text, table = folder / f"rmat-{edges}.txt", folder / f"rmat-{edges}.parquet"
    named = folder / f"rmat-{edges}-strings.parquet"
    table_csv = folder / f"rmat-{edges}.csv"
    if not all(p.exists() for p in (text, table, table_csv)) or (strings and not named.exists()):
        src, dst = rmat(max(edges // 16, 2), edges, seed=1)[:2]
        write_edge_list(text, src, dst)
        columns = pa.table({"src": src.astype(np.int64), "dst": dst.astype(np.int64)})
        pq.write_table(columns, table)
        pacsv.write_csv(columns, table_csv, pacsv.WriteOptions(quoting_style="none"))
        if strings:
            url = np.char.add("https://example.org/page/", np.arange(int(max(src.max(), dst.max())) + 1).astype(str))
            pq.write_table(pa.table({"src": url[src], "dst": url[dst]}), named)
    return text, table, named if strings else None, table_csv


def _pregel(edges: Path, columns: list[str], out: str, name: str) -> list[str]:
    output = ["--quiet", "--output", f"{out}/{name}.parquet"]
    return [sys.executable, "-m", "pregel", "pagerank", str(edges), *columns, "--tol", str(TOL), *output]


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=child_env())
    return time.perf_counter() - start


def _differences(out: Path, names: list[str]) -> dict[str, float]:
    """Each command's largest absolute difference from the ranks of the text edge list, vertex by vertex."""
    import pyarrow.parquet as pq

    text = pq.read_table(out / "text.parquet")
    reference = text.column("value").to_numpy()
    found = {}
    for name in names:
        ranks = pq.read_table(out / f"{name}.parquet")
        vertex = ranks.column("vertex").to_pylist()
        if isinstance(vertex[0], str):  # "https://example.org/page/123" is vertex 123
            order = np.argsort([int(v.rsplit("/", 1)[1]) for v in vertex])
        else:
            order = np.argsort(vertex)
        found[name] = float(np.abs(ranks.column("value").to_numpy()[order] - reference).max())
    return found


def _report(
    args: argparse.Namespace, edges: int, best: dict[str, float], differences: dict[str, float], load_before: str
) -> None:
    import pyarrow

    parquet, text, pandas_scipy, csv = best["parquet"], best["text"], best["pandas+scipy"], best["csv"]
    lines = [
        f"# Tables: a Parquet file of {edges:,} edges, then PageRank, whole process",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pyarrow {pyarrow.__version__}",
        f"- command: `python bench/tabular.py --edges {args.edges} --rounds {args.rounds}"
        f"{' --strings' if args.strings else ''}` (fastest of {args.rounds} rounds)",
        "",
        "| command | seconds | ranks: largest difference from text |",
        "|---|---:|---:|",
        *(f"| {name} | {seconds:.2f} | {differences[name]:.1e} |" for name, seconds in best.items()),
        "",
        f"- parquet / text = {parquet / text:.2f} (target ≤ 1.2): {'met' if parquet <= 1.2 * text else 'missed'}",
        f"- pandas+scipy / parquet = {pandas_scipy / parquet:.2f} (target ≥ 2): "
        f"{'met' if pandas_scipy >= 2 * parquet else 'missed'}",
        f"- csv / text = {csv / text:.2f} (reading CSV by column as fast as text: ≤ 1.05)",
        f"- load average before and after (`uptime`): {load_before} / {_load()}",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
