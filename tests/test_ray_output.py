"""Folder outputs and ``--top K`` on Ray: the workers write their parts and pick their K best; the driver
never gathers the values (``RayBackend.values`` is made to fail here), and the rows equal the local
backend's single file and networkx's PageRank. One private Ray instance serves the module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel.algorithms.pagerank import pagerank
from pregel.io.parts import Parts
from tests.test_output_parts import CYCLE, EDGES, LABELLED, NAMED, PAIRS, cli, folder_rows, read_rows, write_graph

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")

pytestmark = pytest.mark.usefixtures("ray_session")


@pytest.fixture
def no_gathering(monkeypatch):
    """The driver may not ask the workers for their values."""

    def refuse(self: Any) -> np.ndarray:
        raise AssertionError("the driver gathered every value")

    monkeypatch.setattr(ray_backend.RayBackend, "values", refuse)


def test_workers_write_the_rows_of_the_single_file(tmp_path, capsys, no_gathering):
    edges = write_graph(tmp_path, EDGES)
    assert cli("pagerank", edges, "--tol", "1e-13", "-o", tmp_path / "local.csv") == 0
    ray_run = ["--backend", "ray", "--workers", "2", "--tol", "1e-13"]
    assert cli("pagerank", edges, *ray_run, "-o", f"{tmp_path}/ranks/", "--format", "csv", "--top", "3") == 0
    # the workers read the graph themselves and hold hashed partitions: each part is sorted, the folder is not
    rows = sorted(folder_rows(tmp_path / "ranks", "csv"), key=lambda row: int(row[0]))
    assert len(list((tmp_path / "ranks").glob("part-*"))) == 2
    local = read_rows(tmp_path / "local.csv", "csv")
    assert [vertex for vertex, _ in rows] == [vertex for vertex, _ in local]
    assert max(abs(float(a[1]) - float(b[1])) for a, b in zip(rows, local)) < 1e-12
    want = nx.pagerank(nx.DiGraph(PAIRS), tol=1e-13, max_iter=1000)
    assert max(abs(float(rank) - want[int(vertex)]) for vertex, rank in rows) < 1e-9
    best = sorted(want, key=lambda v: (-want[v], v))[:3]
    assert [int(line.split(",")[0]) for line in capsys.readouterr().out.splitlines()[1:]] == best


def test_top_per_worker_equals_the_local_listing_on_ties(tmp_path, capsys, no_gathering):
    edges = write_graph(tmp_path, CYCLE)
    # ppr: its columns are named where the partitions are (a finishing step shipped to the workers)
    for name, extra in [("pagerank", []), ("cc", []), ("bfs", ["--source", "20"]), ("ppr", ["--sources", "1,20"])]:
        assert cli(name, edges, *extra, "--top", "4") == 0
        local = capsys.readouterr().out
        assert cli(name, edges, *extra, "--top", "4", "--backend", "ray", "--workers", "2") == 0
        assert capsys.readouterr().out == local
    # the six equal ranks of the cycle: the smallest ids, though worker 1 holds 4, 5, 6 too
    assert cli("pagerank", edges, "--top", "2", "--backend", "ray", "--workers", "2") == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["1", "2"]


def test_string_ids_come_out_as_labels(tmp_path, monkeypatch, no_gathering):
    edges = write_graph(tmp_path, LABELLED, "edges.csv")
    monkeypatch.chdir(tmp_path)  # a relative folder: the workers' working directory is not the driver's
    assert cli("cc", edges, *NAMED, "-o", "cc/", "--backend", "ray", "--workers", "2") == 0
    want = {"apple": "apple", "fig": "apple", "pear": "apple", "kiwi": "kiwi", "lime": "kiwi"}
    assert dict(folder_rows(tmp_path / "cc", "tsv")) == want


def test_a_graph_the_run_mutated_writes_its_own_rows(tmp_path, capsys, no_gathering):
    # the 2-core prunes vertices by topology mutations: each worker writes the rows it holds at the end
    pairs = [(a, b) for a, b in PAIRS if a != b] + [(9, 10), (10, 11)]
    edges = write_graph(tmp_path, "".join(f"{a} {b}\n" for a, b in pairs))
    assert cli("kcore", edges, "--k", "2", "-o", f"{tmp_path}/core/", "--backend", "ray", "--workers", "2") == 0
    core = nx.k_core(nx.Graph(pairs), 2)
    assert {int(v): int(d) for v, d in folder_rows(tmp_path / "core", "tsv")} == dict(core.degree)


@dataclass(frozen=True)
class FailOnSecond:
    """A part writer whose second partition dies halfway through (in its Ray worker)."""

    write: Any

    def __call__(self, index: int, ids: np.ndarray, values: np.ndarray) -> Any:
        if index == 1:
            Path(self.write.folder, ".part-00001.tsv.tmp-half").write_text("4\t0.")
            raise OSError(28, "No space left on device")
        return self.write(index, ids, values)


class FailingParts(Parts):
    def task(self, graph: pregel.Graph, values_are_ids: bool) -> Any:
        return FailOnSecond(super().task(graph, values_are_ids))


def test_a_worker_that_fails_to_write_leaves_no_output(tmp_path):
    graph = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])
    folder = tmp_path / "ranks"
    with pytest.raises(OSError, match="No space left"):
        pagerank(graph, backend="ray", workers=2, collect=[FailingParts(folder)])
    assert not folder.exists()
    folder.mkdir()
    with pytest.raises(OSError, match="No space left"):
        pagerank(graph, backend="ray", workers=2, collect=[FailingParts(folder)])
    assert os.listdir(folder) == []
