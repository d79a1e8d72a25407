"""Results in every shape (TSV, CSV, .npy, Parquet, Python tables), statistics as JSON, the plot.

Each shape is read back with its own reader (csv, numpy, pyarrow, json, PNG header)
and compared with the scipy reference, so a format that loses precision or rows fails.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import threading

import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from pregel.algorithms.pagerank import pagerank
from pregel.io.edges import read_edges
from tests.conftest import SHIPPED

GRAPH = "1 2\n2 3\n3 1\n3 4\n9 9\n"


@pytest.fixture(scope="module")
def shipped_ranks():
    graph = read_edges(SHIPPED)
    return graph, reference.pagerank(graph, tol=1e-10).values


def test_csv_has_a_header_and_full_precision(run_cli, tmp_path, shipped_ranks):
    graph, want = shipped_ranks
    out = tmp_path / "ranks.csv"
    assert run_cli("pagerank", SHIPPED, "-o", out, "--quiet").returncode == 0
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["vertex", "value"]
    assert [int(r[0]) for r in rows[1:]] == graph.ids.tolist()
    assert np.abs(np.array([float(r[1]) for r in rows[1:]]) - want).max() < 1e-12


def test_npy_is_a_structured_array(run_cli, tmp_path, shipped_ranks):
    graph, want = shipped_ranks
    out = tmp_path / "ranks.npy"
    assert run_cli("pagerank", SHIPPED, "-o", out, "--quiet").returncode == 0
    table = np.load(out)  # no pickle needed
    assert table.dtype.names == ("vertex", "value")
    assert table["vertex"].tolist() == graph.ids.tolist()
    assert np.abs(table["value"] - want).max() < 1e-12


def test_parquet_columns(run_cli, tmp_path, shipped_ranks):
    pq = pytest.importorskip("pyarrow.parquet")
    graph, want = shipped_ranks
    out = tmp_path / "ranks.data"
    assert run_cli("pagerank", SHIPPED, "-o", out, "--format", "parquet", "--quiet").returncode == 0
    table = pq.read_table(out)
    assert table.column_names == ["vertex", "value"]
    assert str(table.schema.field("vertex").type) == "int64"
    assert table.column("vertex").to_pylist() == graph.ids.tolist()
    assert np.abs(np.array(table.column("value").to_pylist()) - want).max() < 1e-12


def test_integer_values_stay_integers(run_cli, write_edges, tmp_path):
    edges = write_edges(GRAPH)
    assert run_cli("cc", edges, "-o", tmp_path / "cc.npy", "--quiet").returncode == 0
    table = np.load(tmp_path / "cc.npy")
    assert table["value"].dtype == np.int64
    assert dict(zip(table["vertex"].tolist(), table["value"].tolist())) == {1: 1, 2: 1, 3: 1, 4: 1, 9: 9}


def test_top_in_csv(run_cli, write_edges):
    edges = write_edges(GRAPH)
    done = run_cli("cc", edges, "--top", "2", "--format", "csv", "--quiet")
    assert done.stdout.decode() == "component,size\n1,4\n9,1\n"


def test_output_files_get_the_usual_permissions(run_cli, write_edges, tmp_path):
    edges = write_edges(GRAPH)
    out = tmp_path / "cc.tsv"
    assert run_cli("cc", edges, "-o", out, "--quiet").returncode == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_a_pipe_as_output_stays_a_pipe(run_cli, write_edges, tmp_path):
    """Writing to a device or pipe (say /dev/null) must not rename a file over it."""
    edges = write_edges(GRAPH)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    done = run_cli("cc", edges, "-o", fifo, "--quiet")
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got == ["1\t1\n2\t1\n3\t1\n4\t1\n9\t9\n"]


def test_python_api_shapes():
    graph = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])
    result = pagerank(graph, tol=1e-12)
    want = reference.pagerank(graph, tol=1e-12).values
    table = result.to_table()
    assert list(table) == ["vertex", "value"]
    assert table["vertex"].tolist() == [1, 2, 3, 4]
    assert np.abs(table["value"] - want).max() < 1e-12
    records = result.to_numpy()
    assert records["vertex"].tolist() == [1, 2, 3, 4] and records["value"].tolist() == table["value"].tolist()
    assert result.to_dict() == dict(zip([1, 2, 3, 4], table["value"].tolist()))


def test_stats_json_agrees_with_the_run(run_cli, tmp_path):
    out = tmp_path / "stats.json"
    done = run_cli("pagerank", SHIPPED, "--stats", out, "--tol", "1e-8", "--top", "1")
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    graph = read_edges(SHIPPED)
    assert (doc["command"], doc["vertices"], doc["edges"], doc["stopped_by"]) == (
        "pagerank",
        graph.num_vertices,
        graph.num_edges,
        "master",
    )
    steps = doc["stats"]
    assert len(steps) == doc["supersteps"] and [s["superstep"] for s in steps] == list(range(len(steps)))
    # PageRank: every vertex computes and every edge carries a message in every superstep
    assert {(s["active"], s["messages_sent"]) for s in steps} == {(graph.num_vertices, graph.num_edges)}
    in_degree_positive = int((np.bincount(graph.indices, minlength=graph.num_vertices) > 0).sum())
    assert {s["messages_combined"] for s in steps} == {in_degree_positive}
    changes = [s["aggregated"]["delta"] for s in steps[1:]]
    assert changes[-1] < 1e-8 <= changes[-2]
    # the L1 changes are the reference power iteration's, step by step
    ref = reference.pagerank(graph, tol=1e-8)
    assert np.allclose(changes, [s.aggregated["delta"] for s in ref.stats], rtol=1e-9, atol=1e-15)


def test_stats_json_is_strict_for_infinite_aggregates(run_cli, write_edges, tmp_path):
    edges = write_edges("1 2 1\n")
    out = tmp_path / "stats.json"
    program = tmp_path / "lowest.py"
    program.write_text(
        "import math\n"
        "from pregel import Vertex, Min\n"
        "class Lowest(Vertex):\n"
        "    combiner = Min\n"
        "    aggregators = {'lowest': Min}\n"
        "    def compute(self, messages):\n"
        "        self.vote_to_halt()\n"
    )
    done = run_cli("run", program, edges, "--stats", out, "--quiet")
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(), parse_constant=lambda name: pytest.fail(f"non-standard JSON {name}"))
    assert doc["stats"][0]["aggregated"] == {"lowest": "inf"}


def test_plot_is_a_png(run_cli, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run.png"
    done = run_cli("pagerank", SHIPPED, "--plot", out, "--top", "1", "--quiet")
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 500 and height > 500
