"""Reading edge lists (every accepted form, and every refusal naming file and line) and writing results."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import os

import networkx as nx
import numpy as np
import pytest
import scipy.io
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel.algorithms.pagerank import pagerank
from pregel.core import files
from pregel.io import edges as io
from tests.conftest import GNUTELLA, SHIPPED


def arrays(path):
    src, dst, w = io.read_edge_arrays(path)
    return src.tolist(), dst.tolist(), None if w is None else w.tolist()


@pytest.mark.parametrize(
    "text",
    [
        "1 2\n2 3\n",
        "1\t2\n2\t3",  # no final newline
        "1,2\n2,3\n",
        "# comment\n% another\n\n1  2\n   \n2 3\n",
        "src,dst\n1,2\n2,3\n",
        "  1 2\r\n2 3\r\n",
    ],
)
def test_accepted_unweighted_forms(write_edges, text):
    assert arrays(write_edges(text)) == ([1, 2], [2, 3], None)


def test_weighted_with_mixed_separators(write_edges):
    path = write_edges("# SNAP style\n1\t2\t0.5\n2,3,-1e3\n")
    assert arrays(path) == ([1, 2], [2, 3], [0.5, -1000.0])


@pytest.mark.parametrize(("suffix", "opener"), [(".gz", gzip.open), (".bz2", bz2.open), ("", gzip.open)])
def test_compressed_files_are_recognised_by_content(tmp_path, suffix, opener):
    path = tmp_path / f"edges.txt{suffix}"
    with opener(path, "wt") as f:
        f.write("# header\n5 6\n6 7\n")
    assert arrays(path) == ([5, 6], [6, 7], None)


def test_matrix_market(write_edges):
    text = "%%MatrixMarket matrix coordinate real general\n% c\n3 3 2\n1 2 0.5\n3 1 2.0\n"
    assert arrays(write_edges(text, "g.mtx")) == ([1, 3], [2, 1], [0.5, 2.0])


def test_matrix_market_keeps_the_vertices_it_declares(write_edges):
    """A 5 x 5 matrix has 5 vertices, those without an entry too: PageRank as networkx reads the same file."""
    text = "%%MatrixMarket matrix coordinate pattern general\n5 5 2\n1 2\n2 3\n"
    path = write_edges(text, "p.mtx")
    graph = io.read_edges(path)
    assert graph.ids.tolist() == [1, 2, 3, 4, 5] and graph.num_edges == 2
    theirs = nx.pagerank(nx.from_scipy_sparse_array(scipy.io.mmread(path), create_using=nx.DiGraph), tol=1e-12)
    ours = pagerank(graph, tol=1e-12)
    np.testing.assert_allclose(ours.values, [theirs[i] for i in range(5)], atol=1e-9)


def test_large_file_spanning_many_chunks_matches_loadtxt(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "CHUNK_BYTES", 4096)
    rng = np.random.default_rng(5)
    table = np.column_stack([rng.integers(0, 10**6, 20000), rng.integers(0, 10**6, 20000), rng.random(20000)])
    path = tmp_path / "big.tsv"
    lines = [f"{int(a)}\t{int(b)}\t{c!r}" for a, b, c in table.tolist()]
    lines.insert(7000, "# a comment in the middle")
    path.write_text("\n".join(lines) + "\n")
    src, dst, w = io.read_edge_arrays(path)
    np.testing.assert_array_equal(src, table[:, 0].astype(np.int64))
    np.testing.assert_array_equal(dst, table[:, 1].astype(np.int64))
    np.testing.assert_array_equal(w, table[:, 2])


def test_error_line_numbers_are_right_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "CHUNK_BYTES", 1000)
    lines = ["# header"] + [f"{i} {i + 1}" for i in range(3000)]
    lines[2500] = "7 x"
    path = tmp_path / "e.txt"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(pregel.InputError, match=rf"^{path}:2501: vertex id 'x' is not an integer \(the ids above it"):
        io.read_edge_arrays(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1 2\n3\n", ":2: expected 2 or 3 columns (source target [weight]), got 1"),
        ("1 2 3 4\n", ":1: expected 2 or 3 columns (source target [weight]), got 4"),
        ("1 2 1.0\n2 3\n", ":2: expected 3 columns like line 1, got 2 (missing weight)"),
        ("1 2\n2 3 1.0\n", ":2: expected 2 columns like line 1, got 3"),
        ("1 2\na b\n", ":2: vertex id 'a' is not an integer"),
        ("1.5 2\n", ":1: vertex id '1.5' is not an integer"),
        ("1 2 1\n1.5 2 1\n", ":2: vertex id '1.5' is not an integer"),
        ("1 -2\n", ":1: vertex id -2 is negative"),
        ("1 99999999999999999999\n", ":1: vertex id 99999999999999999999 is too large"),
        ("1 2 nan\n", ":1: weight 'nan' is not a finite number"),
        ("1 2 1\n2 3 inf\n", ":2: weight 'inf' is not a finite number"),
        ("1 2 x\n", ":1: weight 'x' is not a number"),
        ("1,2,\n2,3,1\n", ":1: empty field in column 3"),
        ("1 2\n2 3\n5,,1\n", ":3: empty field in column 2"),
    ],
)
def test_malformed_lines_are_named(write_edges, text, problem):
    path = write_edges(text)
    with pytest.raises(pregel.InputError) as info:
        io.read_edges(path)
    assert str(info.value).startswith(f"{path}{problem}")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "no edges"),
        (b"# only\n% comments\n\n", "no edges"),
        (b"\x00\x01\x02binary\xff", "binary data"),
        (gzip.compress(b"1 2\n" * 1000, mtime=0)[:40], "truncated or corrupt"),
    ],
)
def test_unusable_files(tmp_path, content, problem):
    path = tmp_path / "e.txt"
    path.write_bytes(content)
    with pytest.raises(pregel.InputError, match=problem):
        io.read_edges(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(pregel.InputError, match="no such file"):
        io.read_edges(tmp_path / "nope.txt")
    with pytest.raises(pregel.InputError, match="no part files"):
        io.read_edges(tmp_path)


ids = st.integers(0, 2**53 - 1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(ids, ids, st.floats(allow_nan=False, allow_infinity=False)), min_size=1, max_size=40))
def test_round_trip_of_any_valid_weighted_list(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("rt") / "e.txt"
    path.write_text("".join(f"{a} {b} {w!r}\n" for a, b, w in rows))
    src, dst, w = io.read_edge_arrays(path)
    assert src.tolist() == [r[0] for r in rows]
    assert dst.tolist() == [r[1] for r in rows]
    assert w.tolist() == [r[2] for r in rows]


def test_real_graph_counts_match_its_source_note():
    g = io.read_edges(SHIPPED)
    assert (g.num_vertices, g.num_edges, int((g.out_degree == 0).sum())) == (7115, 103689, 1005)
    with gzip.open(SHIPPED, "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == "c83678d378ac08a695f9d85069a6de71"


def test_second_real_graph_counts_match_its_source_note():
    g = io.read_edges(GNUTELLA)
    assert (g.num_vertices, g.num_edges, int((g.out_degree == 0).sum())) == (62586, 147892, 46199)
    with gzip.open(GNUTELLA, "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == "b9e29b85458d03a4eae6a16e9b0b0e05"


def test_write_values_is_sorted_full_precision_and_atomic(tmp_path):
    target = tmp_path / "out.tsv"
    io.write_values(target, np.array([3, 1, 2]), np.array([0.1 + 0.2, np.inf, 1 / 3]))
    assert target.read_text() == f"1\tinf\n2\t{1 / 3!r}\n3\t{0.1 + 0.2!r}\n"
    assert os.listdir(tmp_path) == ["out.tsv"]


def test_failed_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.tsv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), files.atomic_write(target) as f:
        f.write("partial")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.tsv"]
