"""Tables as EDGES: Parquet files and folders, Arrow IPC/Feather files and streams, CSV/TSV with a header.

Every format and column option gives, byte for byte, what the same graph gives from a
text edge list; string ids come back in every output format; every mistake is one line
on stderr naming the file and the column, exit status 2 and no output.
"""

from __future__ import annotations

import bz2
import contextlib
import csv
import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel.cli.main import main
from pregel.core import tables
from pregel.io import tabular
from tests.conftest import ROOT

pa = pytest.importorskip("pyarrow")
feather = pytest.importorskip("pyarrow.feather")
pq = pytest.importorskip("pyarrow.parquet")

# a random weighted graph with sparse ids, repeated edges (the lighter kept) and self-loops;
# integer weights, so that every format holds them exactly
rng = np.random.default_rng(21)
SRC = rng.integers(0, 300, 2000) * 3 + 5
DST = rng.integers(0, 300, 2000) * 3 + 5
WEIGHT = rng.integers(1, 9, 2000)
SOURCE = str(SRC[0])
COMMANDS = [["pagerank"], ["sssp", "--source", SOURCE], ["cc"]]


def cli(*args: object, stdin: bytes | None = None) -> tuple[int, str, str]:
    """``pregel ARGS`` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


def table(src=SRC, dst=DST, weight=WEIGHT, names=("src", "dst", "w")) -> pa.Table:
    return pa.table({names[0]: src, names[1]: dst, names[2]: weight})


@pytest.fixture(scope="module")
def text_runs(tmp_path_factory):
    """The output of each command on the graph as a text edge list: what every table must give."""
    path = tmp_path_factory.mktemp("text") / "edges.txt"
    path.write_text("".join(f"{a} {b} {w}\n" for a, b, w in zip(SRC, DST, WEIGHT)))
    runs = {}
    for command in COMMANDS:
        status, out, err = cli(command[0], path, *command[1:], "--quiet")
        assert status == 0, err
        runs[command[0]] = out
    return runs


def _csv(path: Path, delimiter: str = ",", comments: str = "", opener=open) -> None:
    with opener(path, "wt") as f:
        f.write(comments + delimiter.join(("src", "dst", "w")) + "\n")
        f.writelines(f"{a}{delimiter}{b}{delimiter}{w}\n" for a, b, w in zip(SRC, DST, WEIGHT))


def _stream(path: Path, data: pa.Table) -> None:
    with pa.ipc.new_stream(path, data.schema) as writer:
        writer.write_table(data, max_chunksize=700)


def _arrow_folder(path: Path, data: pa.Table) -> None:
    path.mkdir()
    for k, start in enumerate((0, 900)):
        feather.write_feather(data.slice(start, 900 if k == 0 else None), path / f"part-{k}.arrow")
    (path / "_SUCCESS").write_bytes(b"")


def _hive(path: Path, data: pa.Table) -> None:
    # Spark-style: a partition column beside the edges, one folder per value
    pq.write_to_dataset(data.append_column("day", pa.array(np.arange(2000) % 3)), path, partition_cols=["day"])
    (path / "_SUCCESS").write_bytes(b"")


# name: (file name, how to write it, the column flags)
FLAGS = ["--src", "src", "--dst", "dst", "--weight", "w"]
FORMATS = {
    "parquet, no flags": ("e.parquet", lambda p: pq.write_table(table(), p), []),
    "parquet, by name": ("e.parquet", lambda p: pq.write_table(table(), p), FLAGS),
    "parquet, by position": (
        "e.parquet",
        lambda p: pq.write_table(table(), p),
        ["--src", "0", "--dst", "1", "--weight", "2"],
    ),
    "parquet, many row groups": ("e.parquet", lambda p: pq.write_table(table(), p, row_group_size=150), FLAGS),
    "parquet, narrow types": (
        "e.parquet",
        lambda p: pq.write_table(
            table(pa.array(SRC, pa.int16()), pa.array(DST, pa.uint16()), pa.array(WEIGHT, pa.float32())), p
        ),
        [],
    ),
    "parquet, uint64 and int weights": (
        "e.parquet",
        lambda p: pq.write_table(
            table(pa.array(SRC, pa.uint64()), pa.array(DST, pa.int64()), pa.array(WEIGHT, pa.int8())), p
        ),
        [],
    ),
    "parquet, dictionary-encoded ids": (
        "e.parquet",
        lambda p: pq.write_table(table(pa.array(SRC).dictionary_encode(), pa.array(DST).dictionary_encode()), p),
        FLAGS,
    ),
    "parquet, columns in another order": (
        "e.data",  # no suffix: the content says Parquet
        lambda p: pq.write_table(pa.table({"w": WEIGHT, "extra": np.zeros(2000), "to": DST, "from": SRC}), p),
        ["--src", "from", "--dst", "to", "--weight", "w"],
    ),
    "Hive-style Parquet folder": ("folder", lambda p: _hive(p, table()), FLAGS),
    # the partition key (day=0, 1, 2) is not a column of the edges: src, dst and w are the three
    "Hive-style Parquet folder, no flags": ("folder", lambda p: _hive(p, table()), []),
    "Feather": ("e.feather", lambda p: feather.write_feather(table(), p), []),
    "Arrow stream": ("e.arrows", lambda p: _stream(p, table()), []),
    "Arrow folder": ("folder", lambda p: _arrow_folder(p, table()), []),
    "CSV": ("e.csv", lambda p: _csv(p), FLAGS),
    "CSV by position": ("e.csv", lambda p: _csv(p), ["--src", "0", "--dst", "1", "--weight", "2"]),
    "TSV after comments": ("e.tsv", lambda p: _csv(p, "\t", "# made by a test\n% and more\n"), FLAGS),
    "semicolons": ("e.txt", lambda p: _csv(p, ";"), FLAGS),
    "spaces, gzip": ("e.txt.gz", lambda p: _csv(p, " ", opener=gzip.open), FLAGS),
    "CSV, bzip2": ("e.csv.bz2", lambda p: _csv(p, opener=bz2.open), FLAGS),
}


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_gives_what_the_text_edge_list_gives(name, tmp_path, text_runs, monkeypatch):
    monkeypatch.setattr(tabular, "BATCH_ROWS", 256)  # several batches even from this small graph
    file, write, flags = FORMATS[name]
    write(tmp_path / file)
    for command in COMMANDS:
        status, out, err = cli(command[0], tmp_path / file, *flags, *command[1:], "--quiet")
        assert (status, err) == (0, "")
        assert out == text_runs[command[0]], command


def test_a_hive_partition_key_is_not_taken_for_the_weights(tmp_path):
    # Spark's partitionBy("day") of (src, dst) edges: day=0/, day=1/... hold two columns each; the integer
    # key must not become a third column read as weights
    _hive(tmp_path / "edges", table().select(["src", "dst"]))
    graph = tabular.read_table(tmp_path / "edges")
    assert graph.weights is None
    want = pregel.Graph.from_edges(SRC, DST)
    assert [a.tolist() for a in graph.edge_arrays()[:2]] == [a.tolist() for a in want.edge_arrays()[:2]]
    # named, it is a column like any other
    assert tabular.read_table(tmp_path / "edges", weight="day").weights is not None


def test_a_csv_whose_ids_turn_out_to_be_strings_late_in_the_file(tmp_path, monkeypatch):
    # integers for many blocks, then a string id (in one column only) and a fractional weight
    monkeypatch.setattr(tabular, "CSV_BLOCK_BYTES", 256)
    lines = [f"{a},{b},{w}" for a, b, w in zip(SRC[:200], DST[:200], WEIGHT[:200])] + ["late,5,0.5"]
    (tmp_path / "e.csv").write_text("src,dst,w\n" + "\n".join(lines) + "\n")
    status, out, err = cli("pagerank", tmp_path / "e.csv", *FLAGS, "--quiet")
    assert (status, err) == (0, "")
    names = [line.split("\t")[0] for line in out.splitlines()]
    assert names == sorted({*map(str, SRC[:200]), *map(str, DST[:200]), "late", "5"})  # strings, sorted as such
    G = nx.DiGraph()
    for line in lines:
        a, b, w = line.split(",")
        G.add_edge(a, b)
    want = nx.pagerank(G, tol=1e-13, max_iter=1000)
    got = {name: float(value) for name, value in (line.split("\t") for line in out.splitlines())}
    assert max(abs(got[v] - want[v]) for v in want) < 1e-9


def test_standard_input_holds_any_table(tmp_path):
    pq.write_table(table(), tmp_path / "e.parquet")
    _csv(tmp_path / "e.csv")
    outputs = []
    for data, flags in (((tmp_path / "e.parquet").read_bytes(), []), ((tmp_path / "e.csv").read_bytes(), FLAGS)):
        done = subprocess.run(
            [sys.executable, "-m", "pregel", "cc", "-", *flags, "--quiet"],
            input=data,
            capture_output=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            timeout=120,
        )
        assert (done.returncode, done.stderr) == (0, b"")
        outputs.append(done.stdout.decode())
    status, out, _ = cli("cc", tmp_path / "e.parquet", "--quiet")
    assert outputs == [out, out]


def test_undirected_and_top_on_a_table(tmp_path, text_runs):
    pq.write_table(table(), tmp_path / "e.parquet")
    (tmp_path / "e.txt").write_text("".join(f"{a} {b} {w}\n" for a, b, w in zip(SRC, DST, WEIGHT)))
    for options in (["--undirected"], ["--top", "5"], ["--top", "3", "--format", "csv"]):
        for command in (["pagerank"], ["cc"]):
            wanted = cli(command[0], tmp_path / "e.txt", *options, "--quiet")
            assert cli(command[0], tmp_path / "e.parquet", *options, "--quiet") == wanted


# ---------------------------------------------------------------------------- string ids
def named(ids: np.ndarray) -> np.ndarray:
    """Zero-padded names, so that sorting the names sorts the numbers: the same vertex order as the ints."""
    return np.char.add("v", np.char.zfill(ids.astype(str), 4))


def test_string_ids_come_back_in_the_output(tmp_path, text_runs):
    pq.write_table(table(named(SRC), named(DST)), tmp_path / "e.parquet")
    for command in COMMANDS:
        args = [a if a != SOURCE else named(np.array([int(SOURCE)]))[0] for a in command[1:]]
        status, out, err = cli(command[0], tmp_path / "e.parquet", *args, "--quiet")
        assert (status, err) == (0, "")
        # the names stripped are the text run's ids; component labels are names too
        numbered = "".join(
            "\t".join(str(int(cell[1:])) if cell.startswith("v") else cell for cell in line.split("\t")) + "\n"
            for line in out.splitlines()
        )
        assert numbered == text_runs[command[0]], command


# how a Parquet file may hold string ids: each row group its own dictionary, a dictionary
# that overflows its page (the rest of the chunk plain), no dictionary at all
STRING_LAYOUTS = {
    "a dictionary per row group": {"row_group_size": 150},
    "dictionaries that overflow": {"row_group_size": 700, "dictionary_pagesize_limit": 256},
    "no dictionary": {"use_dictionary": False},
}


@pytest.mark.parametrize("layout", STRING_LAYOUTS)
def test_string_ids_in_any_parquet_layout_give_the_graph_of_the_strings(layout, tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "BATCH_ROWS", 256)  # batches that straddle row groups
    pq.write_table(table(named(SRC), named(DST)), tmp_path / "e.parquet", **STRING_LAYOUTS[layout])
    got = tabular.read_table(tmp_path / "e.parquet", "src", "dst", "w")
    want = pregel.Graph.from_edges(named(SRC).tolist(), named(DST).tolist(), WEIGHT.astype(float))
    assert got.labels.tolist() == want.labels.tolist() == sorted(set(named(SRC)) | set(named(DST)))
    assert [a.tolist() for a in got.edge_arrays()] == [a.tolist() for a in want.edge_arrays()]


def test_dictionary_ids_with_values_no_row_uses_are_not_vertices():
    dictionary = pa.array(["zz-unused", "b", "a", "c", "also-unused"])
    src = pa.DictionaryArray.from_arrays(pa.array([1, 2, 3], pa.int8()), dictionary)
    dst = pa.DictionaryArray.from_arrays(pa.array([2, 3, 1], pa.int8()), dictionary)
    data = pa.Table.from_batches([pa.record_batch({"s": src, "t": dst})] * 2)  # two pieces, one dictionary type
    graph = pregel.Graph.from_arrow(data, source="s", target="t")
    assert graph.labels.tolist() == ["a", "b", "c"]
    want = pregel.Graph.from_edges(["b", "a", "c"] * 2, ["a", "c", "b"] * 2)
    assert [a.tolist() for a in graph.edge_arrays()[:2]] == [a.tolist() for a in want.edge_arrays()[:2]]


@pytest.mark.parametrize("late", [2**31, 2**53 + 1, -(2**31) - 1, -5])
def test_parquet_ids_leaving_int32_in_a_late_batch(late, tmp_path, monkeypatch):
    # the reader's int32 columns widen to int64 when a later batch needs it
    monkeypatch.setattr(tabular, "BATCH_ROWS", 256)
    src, dst = SRC.copy(), DST.copy()
    src[-1], dst[-2] = late, late
    pq.write_table(table(src, dst), tmp_path / "e.parquet", row_group_size=300)
    edges = tables.columns_from_batches(
        pq.ParquetFile(tmp_path / "e.parquet").schema_arrow,
        pq.ParquetFile(tmp_path / "e.parquet").iter_batches(256),
        "src",
        "dst",
        "w",
        rows=2000,
    )
    wide = not -(2**31) <= late < 2**31
    assert edges.owned and edges.sources.dtype == (np.int64 if wide else np.int32)
    assert edges.sources.tolist() == src.tolist() and edges.targets.tolist() == dst.tolist()
    got = tabular.read_table(tmp_path / "e.parquet")
    want = pregel.Graph.from_edges(src, dst, WEIGHT.astype(float))
    assert got.original_ids.tolist() == want.original_ids.tolist()
    assert [a.tolist() for a in got.edge_arrays()] == [a.tolist() for a in want.edge_arrays()]


def test_more_rows_than_announced_are_kept_all_the_same():
    batch = pa.record_batch({"a": pa.array(SRC, pa.uint64()), "b": DST, "w": WEIGHT})
    edges = tables.columns_from_batches(batch.schema, [batch, batch], "a", "b", "w", rows=2500)
    assert not edges.owned
    assert edges.sources.tolist() == [*SRC.tolist(), *SRC.tolist()]
    assert edges.weights.tolist() == [*map(float, WEIGHT), *map(float, WEIGHT)]


AWKWARD = ["https://example.org/a,b", 'say "hi"', "naïve café", "日本語", "with space", "x'y", "", "42"]


@pytest.fixture
def awkward_graph(tmp_path):
    """String ids with commas, quotes, spaces, non-ASCII and the empty string, and networkx's PageRank of them."""
    pick = np.random.default_rng(3).integers(0, len(AWKWARD), (40, 2))
    sources, targets = [AWKWARD[i] for i in pick[:, 0]], [AWKWARD[i] for i in pick[:, 1]]
    pq.write_table(pa.table({"from": sources, "to": targets}), tmp_path / "e.parquet")
    G = nx.DiGraph(zip(sources, targets))
    return tmp_path / "e.parquet", nx.pagerank(G, tol=1e-14, max_iter=1000)


@pytest.mark.parametrize("fmt", ["tsv", "csv", "npy", "parquet"])
def test_every_output_format_keeps_string_ids(fmt, awkward_graph, tmp_path):
    edges, want = awkward_graph
    if fmt == "tsv":  # TSV cannot hold a tab or a line break: there is none here
        assert not any("\t" in v or "\n" in v for v in want)
    out = tmp_path / f"ranks.{fmt}"
    status, _, err = cli("pagerank", edges, "--src", "from", "--dst", "to", "--output", out, "--quiet")
    assert (status, err) == (0, "")
    if fmt == "tsv":
        rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    elif fmt == "csv":
        with open(out, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))[1:]
    elif fmt == "npy":
        records = np.load(out)  # fixed-width strings: no pickle
        rows = list(zip(records["vertex"].tolist(), records["value"].tolist()))
    else:
        ranks = pq.read_table(out)
        assert ranks.schema.field("vertex").type in (pa.string(), pa.large_string())
        rows = list(zip(ranks.column("vertex").to_pylist(), ranks.column("value").to_pylist()))
    assert [vertex for vertex, _ in rows] == sorted(want)
    assert max(abs(float(value) - want[vertex]) for vertex, value in rows) < 1e-10


def test_string_ids_in_top_source_and_component_labels(awkward_graph):
    edges, want = awkward_graph
    status, out, _ = cli("pagerank", edges, "--src", "from", "--dst", "to", "--top", "2", "--format", "csv", "-q")
    best = sorted(want, key=lambda v: -want[v])[:2]
    assert status == 0 and [row[0] for row in csv.reader(out.splitlines()[1:])] == best
    status, out, _ = cli("cc", edges, "--src", "from", "--dst", "to", "--top", "1", "-q")
    # one component holds every name that appears; its label is the smallest name
    assert status == 0 and out == f"{min(want)}\t{len(want)}\n"
    status, out, _ = cli("sssp", edges, "--src", "from", "--dst", "to", "--source", "naïve café", "-q")
    read = pq.read_table(edges)
    G = nx.DiGraph(zip(read.column("from").to_pylist(), read.column("to").to_pylist()))
    hops = nx.single_source_shortest_path_length(G, "naïve café")
    got = dict(line.split("\t") for line in out.splitlines())
    assert status == 0 and {v: float(d) for v, d in got.items() if d != "inf"} == hops


# ---------------------------------------------------------------------------- mistakes
def _parquet(data: dict) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(data), sink)
    return sink.getvalue().to_pybytes()


GOOD = _parquet({"a": [1, 2, 3], "b": [2, 3, 1]})
LATE_X = "src,dst,w\n" + "".join(f"{k},{k + 1},{k % 3}\n" for k in range(60)) + "3,7,x\n"
ARROW = pa.BufferOutputStream()
with pa.ipc.new_file(ARROW, pa.schema([("a", pa.int64())])) as _writer:
    pass

MISTAKES = {
    "a missing column": (
        ["e.parquet", "--src", "a", "--dst", "nope"],
        {"e.parquet": GOOD},
        "e.parquet: no column 'nope' (--dst); the columns are 'a', 'b'",
    ),
    "a position past the last column": (
        ["e.parquet", "--src", "0", "--dst", "5"],
        {"e.parquet": GOOD},
        "e.parquet: no column '5' (--dst)",
    ),
    "floating-point ids": (
        ["e.parquet"],
        {"e.parquet": _parquet({"a": [1.5, 2.0], "b": [2, 3]})},
        "e.parquet: column 'a' (--src) holds double values, not integer or string vertex ids",
    ),
    "timestamps as ids": (
        ["e.parquet", "--src", "t", "--dst", "b"],
        {"e.parquet": _parquet({"t": pa.array([1, 2], pa.timestamp("s")), "b": [2, 3]})},
        "e.parquet: column 't' (--src) holds timestamp[",
    ),
    "weights that are strings": (
        ["e.parquet", "--src", "a", "--dst", "b", "--weight", "w"],
        {"e.parquet": _parquet({"a": [1], "b": [2], "w": ["heavy"]})},
        "e.parquet: column 'w' (--weight) holds string values, not numbers",
    ),
    "integer and string ids": (
        ["e.parquet"],
        {"e.parquet": _parquet({"a": [1, 2], "b": ["x", "y"]})},
        "e.parquet: column 'a' holds integer ids but column 'b' string ids",
    ),
    "a null id": (
        ["e.parquet"],
        {"e.parquet": _parquet({"a": [1, None, 3], "b": [2, 3, 1]})},
        "e.parquet: column 'a' (--src), row 2: no value (null)",
    ),
    "a weight that is not a number": (
        ["e.parquet"],
        {"e.parquet": _parquet({"a": [1, 2], "b": [2, 3], "w": [1.0, float("nan")]})},
        "e.parquet: column 'w' (the third column, taken as weights), row 2: weight nan is not a finite number",
    ),
    "an id beyond 64 bits": (
        ["e.parquet"],
        {"e.parquet": _parquet({"a": pa.array([1, 2**64 - 1], pa.uint64()), "b": pa.array([2, 3], pa.uint64())})},
        "e.parquet: column 'a' (--src), row 2: vertex id 18446744073709551615 does not fit in 64 bits",
    ),
    "four columns and none named": (
        ["e.parquet"],
        {"e.parquet": _parquet({"a": [1], "b": [2], "c": [3], "d": [4]})},
        "e.parquet: 4 columns ('a', 'b', 'c', 'd'); name the source and target columns with --src and --dst",
    ),
    "an empty Parquet file": (["e.parquet"], {"e.parquet": b""}, "e.parquet: empty file, not a Parquet file"),
    "a Parquet file without rows": (
        ["e.parquet"],
        {"e.parquet": _parquet({"a": pa.array([], pa.int64()), "b": pa.array([], pa.int64())})},
        "e.parquet: no edges (the table has no rows)",
    ),
    "a truncated Parquet file": (
        ["e.parquet"],
        {"e.parquet": GOOD[: len(GOOD) // 2]},
        "e.parquet: not a readable Parquet file (",
    ),
    "garbage between Parquet's magic numbers": (
        ["e.parquet"],
        {"e.parquet": b"PAR1" + b"\x07garbage" * 30 + b"PAR1"},
        "e.parquet: not a readable Parquet file (",
    ),
    "an Arrow file cut short": (
        ["e.arrow"],
        {"e.arrow": ARROW.getvalue().to_pybytes()[:12]},
        "e.arrow: not a readable Arrow IPC file (",
    ),
    "an empty CSV file": (["e.csv", "--src", "a"], {"e.csv": b""}, "e.csv: empty file, not a CSV file"),
    "a CSV file of comments": (
        ["e.csv", "--src", "a"],
        {"e.csv": b"# nothing\n"},
        "e.csv: empty: no header line of column names",
    ),
    "a CSV header and no rows": (
        ["e.csv", "--src", "a"],
        {"e.csv": b"a,b\n"},
        "e.csv: no edges (the table has no rows)",
    ),
    "a CSV weight that is not a number, late": (
        ["e.csv", *FLAGS],
        {"e.csv": LATE_X.encode()},
        "e.csv: column 'w' (--weight) holds string values, not numbers",
    ),
    "a folder of Parquet files whose ids disagree": (
        ["folder"],
        {
            "folder/part-0.parquet": _parquet({"a": [1, 2], "b": [2, 3]}),
            "folder/part-1.parquet": _parquet({"a": ["x"], "b": ["y"]}),
        },
        "folder/part-1.parquet: column 'a' holds string, where the folder's first file holds int64: the files of a "
        "folder must agree",
    ),
    "a folder of Parquet files whose columns disagree": (
        ["folder"],
        {
            "folder/part-0.parquet": _parquet({"a": [1, 2], "b": [2, 3]}),
            "folder/part-1.parquet": _parquet({"x": [3], "y": [4]}),
        },
        "folder/part-1.parquet: no column 'a' (its columns are 'x', 'y'), where the folder's first file has one",
    ),
    "a null id in a folder's second Parquet file": (
        ["folder"],
        {
            "folder/part-0.parquet": _parquet({"a": [1, 2, 3], "b": [2, 3, 1]}),
            "folder/part-1.parquet": _parquet({"a": [4, None, 6], "b": [5, 6, 4]}),
        },
        "folder/part-1.parquet: column 'a' (--src), row 2: no value (null)",
    ),
    "a weight not a number in a Hive folder's later file": (
        ["folder", "--src", "a", "--dst", "b", "--weight", "w"],
        {
            "folder/day=1/x.parquet": _parquet({"a": [1, 2], "b": [2, 3], "w": [1.0, 2.0]}),
            "folder/day=2/x.parquet": _parquet({"a": [3, 4, 5], "b": [4, 5, 1], "w": [1.0, 1.0, float("inf")]}),
        },
        "folder/day=2/x.parquet: column 'w' (--weight), row 3: weight inf is not a finite number",
    ),
    "a folder of CSV files whose ids disagree": (
        ["folder", "--src", "a", "--dst", "b"],
        {"folder/part-0.csv": b"a,b\n1,2\n", "folder/part-1.csv": b"a,b\nx,y\n"},
        "folder/part-1.csv: column 'a' holds string, where the folder's first file holds int64",
    ),
    "a folder of text and Parquet files": (
        ["folder"],
        {"folder/part-0.txt": b"1 2\n", "folder/part-1.parquet": _parquet({"a": [1], "b": [2]})},
        "folder: is a directory, not an edge list (a folder is read when its files are all text edge lists "
        "(not Matrix Market), or all Parquet",
    ),
    "a folder of Matrix Market files": (
        ["folder"],
        {"folder/a.mtx": b"%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 2\n", "folder/b.txt": b"1 2\n"},
        "(not Matrix Market), or all Parquet",
    ),
    "an unknown --source name": (
        ["e.parquet", "--source", "zed"],
        {"e.parquet": _parquet({"a": ["x", "y"], "b": ["y", "x"]})},
        "e.parquet: --source vertex 'zed' is not in the graph",
    ),
    "a name with a tab, written as TSV": (
        ["e.parquet"],
        {"e.parquet": _parquet({"a": ["x\ty"], "b": ["y"]})},
        "vertex 'x\\ty' holds a tab or a line break, which TSV cannot hold: use CSV or Parquet",
    ),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_a_mistake_is_one_line_naming_file_and_column_and_no_output(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tabular, "CSV_BLOCK_BYTES", 256)
    args, files, message = MISTAKES[name]
    for file, data in files.items():
        Path(file).parent.mkdir(parents=True, exist_ok=True)
        Path(file).write_bytes(data)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    command = "sssp" if "--source" in args else "pagerank"
    status, out, err = cli(command, *args, "--output", "out.tsv", "--quiet")
    assert status == 2, err
    assert err.count("\n") == 1 and message in err, err
    assert out == "" and sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_without_pyarrow_a_table_is_refused_with_the_extra_to_install(tmp_path):
    (tmp_path / "e.parquet").write_bytes(GOOD)
    script = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "from pregel.cli.main import main\n"
        f"sys.exit(main(['pagerank', {str(tmp_path / 'e.parquet')!r}, '--quiet']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT))
    )
    assert done.returncode == 2 and done.stdout == ""
    assert (
        done.stderr == f"pregel: error: {tmp_path / 'e.parquet'}: reading a Parquet file needs pyarrow: "
        "pip install 'pregel[parquet]'\n"
    )
