"""Folder outputs (``--output DIR/``: one part file per partition, ``_SUCCESS`` last) and ``--top K`` picked per
partition, on the local backend; tests/test_ray_output.py runs the same on Ray workers.

The parts, read back with each format's own reader and put together, must hold the rows of
the single-file output and networkx's PageRank; ``--top K`` must list what the whole
result's order (ties to the smaller id) lists.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel.algorithms.lpa import label_propagation
from pregel.algorithms.pagerank import pagerank
from pregel.cli.main import main
from pregel.io import parts
from pregel.io.parts import SUCCESS, Parts, write_parts

# two strongly connected pieces, a dangling vertex, a self-loop: ranks of every size, no ties
PAIRS = [(1, 2), (2, 3), (3, 1), (3, 4), (4, 5), (5, 6), (6, 4), (7, 4), (8, 8), (2, 9)]
EDGES = "".join(f"{a} {b}\n" for a, b in PAIRS)
# a directed 6-cycle (every rank equal: --top is all ties) and a 3-cycle
CYCLE = "".join(f"{a} {(a % 6) + 1}\n" for a in range(1, 7)) + "20 21\n21 22\n22 20\n"
LABELLED = "src,dst\napple,pear\npear,fig\nfig,apple\nkiwi,lime\n"
NAMED = ["--src", "src", "--dst", "dst"]


def write_graph(folder: Path, text: str, name: str = "edges.txt") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def read_rows(path: Path, fmt: str) -> list[tuple[str, ...]]:
    """The rows of one result file, as text, in file order (a CSV file's header left out)."""
    if fmt == "tsv":
        return [tuple(line.split("\t")) for line in path.read_text().splitlines()]
    if fmt == "csv":
        with open(path, newline="") as f:
            return [tuple(row) for row in list(csv.reader(f))[1:]]
    if fmt == "npy":
        table = np.load(path)
        return [tuple(map(str, row)) for row in table.tolist()]
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pydict()
    return [tuple(map(str, row)) for row in zip(*table.values())]


def folder_rows(folder: Path, fmt: str) -> list[tuple[str, ...]]:
    """Every part's rows, parts in order; asserts the folder is complete and holds nothing else."""
    names = sorted(p.name for p in folder.iterdir())
    assert names[0] == SUCCESS and (folder / SUCCESS).stat().st_size == 0
    assert names[1:] == [f"part-{k:05d}.{fmt}" for k in range(len(names) - 1)]
    return [row for name in names[1:] for row in read_rows(folder / name, fmt)]


def cli(*args: str) -> int:
    return main([*map(str, args), "--quiet"])


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("fmt", ["tsv", "csv", "parquet", "npy"])
def test_parts_hold_the_rows_of_the_single_file(tmp_path, capsys, workers, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    edges = write_graph(tmp_path, EDGES)
    single, folder = tmp_path / f"ranks.{fmt}", tmp_path / "ranks"
    assert cli("pagerank", edges, "--tol", "1e-13", "-o", single, "--workers", workers) == 0
    assert cli("pagerank", edges, "--tol", "1e-13", "-o", f"{folder}/", "--format", fmt, "--workers", workers) == 0
    rows = folder_rows(folder, fmt)
    assert len(list(folder.glob("part-*"))) == workers
    assert rows == read_rows(single, fmt)  # parts in order, each sorted: the single file's order
    want = nx.pagerank(nx.DiGraph(PAIRS), tol=1e-13, max_iter=1000)
    got = {int(float(vertex)): float(rank) for vertex, rank in rows}
    assert got.keys() == want.keys()
    assert max(abs(got[v] - want[v]) for v in want) < 1e-9
    assert capsys.readouterr().out == ""


def test_an_existing_empty_folder_takes_the_parts(tmp_path):
    edges = write_graph(tmp_path, EDGES)
    (tmp_path / "out").mkdir()
    assert cli("cc", edges, "-o", tmp_path / "out", "--workers", "2") == 0  # no trailing /: a directory
    labels = dict(folder_rows(tmp_path / "out", "tsv"))
    assert labels == {str(v): ("1" if v < 10 else "8") for v in [1, 2, 3, 4, 5, 6, 7, 9]} | {"8": "8"}


def test_a_folder_a_killed_run_left_is_replaced_and_no_other(tmp_path):
    # parts and no _SUCCESS: a run killed while it wrote them (Ray's workers finish theirs after the driver died)
    edges = write_graph(tmp_path, EDGES)
    left = tmp_path / "out"
    left.mkdir()
    for k in range(3):
        (left / f"part-{k:05d}.tsv").write_text("1\t99\n")
    assert cli("cc", edges, "-o", left, "--workers", "2") == 0
    assert sorted(p.name for p in left.iterdir()) == ["_SUCCESS", "part-00000.tsv", "part-00001.tsv"]
    assert dict(folder_rows(left, "tsv"))["1"] == "1"
    for stranger in ("_SUCCESS", "notes.txt"):
        other = tmp_path / f"other-{stranger}"
        other.mkdir()
        (other / "part-00000.tsv").write_text("1\t99\n")
        (other / stranger).write_text("")
        assert cli("cc", edges, "-o", other) == 2
        assert (other / "part-00000.tsv").read_text() == "1\t99\n"


def test_success_is_written_last_after_every_part(tmp_path, monkeypatch):
    made = []
    write, atomic = parts.write_result, parts.atomic_write
    monkeypatch.setattr(parts, "write_result", lambda path, *a, **k: (write(path, *a, **k), made.append(path.name)))
    monkeypatch.setattr(parts, "atomic_write", lambda path, *a: (made.append(path.name), atomic(path, *a))[1])
    edges = write_graph(tmp_path, EDGES)
    assert cli("pagerank", edges, "-o", f"{tmp_path}/ranks/", "--workers", "3", "--threads", "3") == 0
    assert sorted(made[:-1]) == ["part-00000.tsv", "part-00001.tsv", "part-00002.tsv"] and made[-1] == SUCCESS


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_part_leaves_no_success_and_no_parts(tmp_path, monkeypatch, capsys, existing):
    write = parts.write_result

    def fail_on_the_second(path, *args, **kwargs):
        if path.name == "part-00001.tsv":
            with open(path.parent / f".{path.name}.tmp-half", "w") as half:
                half.write("1\t0.")  # what a writer killed halfway leaves
            raise OSError(28, "No space left on device")
        write(path, *args, **kwargs)

    monkeypatch.setattr(parts, "write_result", fail_on_the_second)
    edges = write_graph(tmp_path, EDGES)
    folder = tmp_path / "ranks"
    if existing:
        folder.mkdir()
    assert cli("pagerank", edges, "-o", f"{folder}/", "--workers", "3", "--top", "2") == 1
    err = capsys.readouterr().err
    assert err == "pregel: error: [Errno 28] No space left on device\n"
    # a folder this run made is gone; one the user gave is left as it was: empty
    assert (sorted(os.listdir(folder)) == []) if existing else not folder.exists()


def test_top_per_partition_lists_what_the_whole_result_lists(tmp_path, capsys):
    edges = write_graph(tmp_path, CYCLE)
    listed = {}
    for workers in ("1", "3"):
        for output in ("", "dir"):
            extra = ["-o", f"{tmp_path}/{workers}{output}/"] if output else []
            assert cli("pagerank", edges, "--top", "4", "--workers", workers, *extra) == 0
            listed[workers, output] = capsys.readouterr().out
    # the cycle's six equal ranks tie: the smallest ids win, whichever partition holds them
    assert [line.split("\t")[0] for line in listed["1", ""].splitlines()] == ["1", "2", "3", "4"]
    assert set(listed.values()) == {listed["1", ""]}
    for workers in ("1", "3"):
        assert cli("cc", edges, "--top", "2", "--workers", workers) == 0
        # the 6-cycle's component, then the 3-cycle's
        assert capsys.readouterr().out == "1\t6\n20\t3\n"
        assert cli("bfs", edges, "--source", "1", "--top", "3", "--workers", workers) == 0
        assert capsys.readouterr().out == "1\t0.0\n2\t1.0\n3\t2.0\n"


def test_top_on_ties_equals_the_listing_of_the_gathered_values(tmp_path, capsys):
    # a file gathers every value (and lists from them); the folder alone picks K per partition
    edges = write_graph(tmp_path, CYCLE + "30 31\n31 30\n1 4\n")
    commands = [("pagerank", []), ("cc", []), ("sssp", ["--source", "20"]), ("mis", ["--seed", "3"]), ("kcore", [])]
    # finished per vertex in the partitions (partners, one column per source), and on the driver (scc...)
    commands += [("matching", ["--seed", "1"]), ("ppr", ["--sources", "1,20"])]
    commands += [("scc", []), ("lpa", []), ("triangles", []), ("louvain", [])]
    for name, extra in commands:
        assert cli(name, edges, *extra, "--top", "3", "--workers", "3", "-o", tmp_path / f"{name}.tsv") == 0
        gathered = capsys.readouterr().out
        assert cli(name, edges, *extra, "--top", "3", "--workers", "3", "-o", f"{tmp_path}/{name}/") == 0
        assert capsys.readouterr().out == gathered
        assert folder_rows(tmp_path / name, "tsv") == read_rows(tmp_path / f"{name}.tsv", "tsv")


def test_string_ids_come_out_as_labels(tmp_path, capsys):
    edges = write_graph(tmp_path, LABELLED, "edges.csv")
    assert cli("cc", edges, *NAMED, "-o", f"{tmp_path}/cc/", "--workers", "2", "--top", "1") == 0
    assert capsys.readouterr().out == "apple\t3\n"
    want = {"apple": "apple", "fig": "apple", "pear": "apple", "kiwi": "kiwi", "lime": "kiwi"}
    assert dict(folder_rows(tmp_path / "cc", "tsv")) == want
    assert cli("pagerank", edges, *NAMED, "-o", f"{tmp_path}/pr/", "--format", "csv", "--workers", "2") == 0
    assert [vertex for vertex, _ in folder_rows(tmp_path / "pr", "csv")] == sorted(want)


def test_empty_parts_of_labels_are_strings_in_parquet(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    edges = write_graph(tmp_path, "src,dst\nb,a\n", "edges.csv")
    # four partitions of two vertices: two parts are empty, and the dataset reads as one table of strings
    assert cli("pagerank", edges, *NAMED, "-o", f"{tmp_path}/pr/", "--format", "parquet", "--workers", "4") == 0
    schemas = {str(pq.read_schema(part).field("vertex").type) for part in (tmp_path / "pr").glob("part-*")}
    assert schemas == {"string"}
    assert pq.read_table(tmp_path / "pr").column("vertex").to_pylist() == ["a", "b"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "{tmp}/full/"], "{tmp}/full: --output folder is not empty; give a new or empty folder"),
        (["-o", "{tmp}/ranks.npy/", "--format", "csv"], "--format csv contradicts --output {tmp}/ranks.npy/"),
        (["-o", "{tmp}/edges.txt/"], "{tmp}/edges.txt: --output folder is a file"),
        (["-o", "{tmp}/no/such/"], "{tmp}/no/such: --output directory {tmp}/no does not exist"),
        (["-o", "{tmp}/edges.txt/sub/"], "{tmp}/edges.txt/sub: --output directory {tmp}/edges.txt is not a directory"),
    ],
    ids=["not empty", "format contradicts suffix", "a file", "no parent", "a file as parent"],
)
def test_bad_folder_outputs_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    edges = write_graph(tmp_path, EDGES)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert cli("pagerank", edges, *[a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pregel: error: ") and err.count("\n") == 1, err
    assert message.format(tmp=tmp_path) in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, nothing removed


def test_the_python_api_collects_parts_without_values(tmp_path):
    graph = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])
    result = pagerank(graph, workers=2, tol=1e-13, collect=[Parts(tmp_path / "pr", "csv")])
    assert result.values is None
    assert "<td>not gathered" in result._repr_html_()  # what a notebook shows of it
    written = result.collected[0]
    assert written.files == ("part-00000.csv", "part-00001.csv") and written.rows == 4
    want = nx.pagerank(nx.DiGraph([(1, 2), (2, 3), (3, 1), (3, 4)]), tol=1e-13, max_iter=1000)
    got = {int(v): float(r) for v, r in folder_rows(tmp_path / "pr", "csv")}
    assert max(abs(got[v] - want[v]) for v in want) < 1e-9
    # labels finished on the driver over the whole graph: kept, and the parts written from them
    communities = label_propagation(graph.to_undirected(), collect=[Parts(tmp_path / "lpa")])
    assert communities.values.tolist() == [1, 1, 1, 1]
    assert communities.collected[0].rows == 4
    assert dict(folder_rows(tmp_path / "lpa", "tsv")) == dict.fromkeys("1234", "1")
    # a result in memory, cut into parts by vertex order
    memory = pagerank(graph, tol=1e-13)
    assert write_parts(memory, tmp_path / "again", "csv", parts=3).rows == 4
    assert folder_rows(tmp_path / "again", "csv") == folder_rows(tmp_path / "pr", "csv")
