"""The fast paths of loading, each against an independent reference.

The plain-integer parser against Python's own ``int`` and ``float`` on random files
(ids up to 2**53 - 1, zero padding, every separator, comments, chunk boundaries
anywhere); text it must leave to the general parser; and the graph builder's sorted
shortcut and narrow keys against scipy's CSR of the same edges.
"""

from __future__ import annotations

import gzip
import re
import zlib

import numpy as np
import pytest
import scipy.sparse as sp

import pregel
from pregel.core.graph import Graph
from pregel.io import edges as io
from pregel.io import textfile
from pregel.io.edgetext import MAX_ID, plain_integer_columns
from tests.conftest import DATASETS


def reference(text: str) -> tuple[list[int], list[int], list[float] | None]:
    """The edges of a text, read line by line with Python's int and float."""
    rows = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        if line.lstrip().startswith("%"):
            continue
        fields = [f for f in re.split(r"[,\s]+", line) if f]
        if fields:
            rows.append(fields)
    weighted = len(rows[0]) == 3
    return (
        [int(r[0]) for r in rows],
        [int(r[1]) for r in rows],
        [float(r[2]) for r in rows] if weighted else None,
    )


def random_id(rng: np.random.Generator) -> str:
    """An id of 1 to 16 digits (some just below 2**53), sometimes zero-padded."""
    kind = rng.integers(0, 4)
    if kind == 0:
        value = int(rng.integers(0, 10))
    elif kind == 1:
        value = int(rng.integers(0, 10 ** int(rng.integers(1, 17))))
        value = min(value, MAX_ID - 1)
    elif kind == 2:
        value = MAX_ID - 1 - int(rng.integers(0, 1000))
    else:
        value = int(rng.integers(0, 10**6))
    text = str(value)
    if rng.random() < 0.1 and len(text) < 16:
        text = "0" * int(rng.integers(1, 17 - len(text))) + text
    return text


def random_edge_file(rng: np.random.Generator, lines: int, columns: int, comments: bool = True) -> str:
    """A valid edge list mixing every separator, line ending, blank line and comment the reader accepts."""
    separators = [" ", "\t", ",", "  ", " , ", "\t\t", ", "]
    out = ["# a comment line\n", "% a Matrix Market style comment\n"] if comments else []
    for _ in range(lines):
        fields = [random_id(rng) for _ in range(2)]
        if columns == 3:
            fields.append(str(int(rng.integers(0, 10**6))))
        sep = separators[int(rng.integers(0, len(separators)))]
        line = sep.join(fields)
        roll = rng.random()
        if roll < 0.05:
            line = "  " + line + "   "
        elif roll < 0.1 and comments:
            line += " # trailing comment"
        elif roll < 0.12:
            out.append("\n")
        elif roll < 0.14:
            out.append("   \t \n")
        out.append(line + ("\r\n" if rng.random() < 0.1 else "\n"))
    return "".join(out)


@pytest.mark.parametrize("columns", [2, 3])
@pytest.mark.parametrize("chunk", [64, 1000, 1 << 18])
@pytest.mark.parametrize("seed", range(3))
def test_random_files_match_python_parsing(tmp_path, monkeypatch, seed, chunk, columns):
    monkeypatch.setattr(io, "CHUNK_BYTES", chunk)
    rng = np.random.default_rng(seed)
    text = random_edge_file(rng, 3000, columns)
    path = tmp_path / "edges.txt"
    path.write_bytes(text.encode())
    src, dst, w = io.read_edge_arrays(path)
    want = reference(text)
    assert src.dtype == dst.dtype == np.int64
    assert src.tolist() == want[0]
    assert dst.tolist() == want[1]
    assert (w if w is None else w.tolist()) == want[2]


def test_the_fast_parser_reads_the_chunks_it_is_given():
    # the whole-file tests above could pass through the general parser alone: this one cannot
    rng = np.random.default_rng(7)
    text = random_edge_file(rng, 500, 2, comments=False)
    columns, first = plain_integer_columns(text.encode())
    want = reference(text)
    assert columns[0].tolist() == want[0] and columns[1].tolist() == want[1]
    assert text[first].isdigit() and not text[:first].strip(" \t\r\n,")


def test_ids_of_up_to_nine_digits_come_as_int32_and_longer_as_int64():
    narrow, _ = plain_integer_columns(b"999999999 1\n")
    wide, _ = plain_integer_columns(b"1000000000 1\n")
    assert [c.dtype for c in narrow] == [np.int32, np.int32]
    assert [c.dtype for c in wide] == [np.int64, np.int64]
    assert wide[0].tolist() == [10**9]


@pytest.mark.parametrize(
    "text",
    [
        b"1 2\n3\n",  # a line of one token
        b"1 2\n3 4 5\n6\n",  # as many tokens as two lines of two, in the wrong lines
        b"1 2 \n   3 4\n5   \n  6\n",  # a newline hidden in a long gap splits the last pair
        b"5 6\n1    2   3\n7\n",  # a long gap without a newline joins three tokens in a line
        b"1\n2\n",  # one column
        b"1 2 3 4\n",  # four columns
        b"+1 2\n",  # a sign: left to the general parser
        b"1 2 0.5\n",  # a float weight
        b"00000000000000001 2\n",  # 17 characters, though below 2**53
        b"9007199254740992 1\n",  # 2**53
        b"1 2 9999999999999999\n",  # a weight beyond 2**53: the general parser rounds it
        b"1 2\n\x0b3 4\n",  # a vertical tab: whitespace to the general parser, not plain
        b"",
        b" \n,\n",
    ],
)
def test_text_the_fast_parser_leaves_to_the_general_one(text):
    assert plain_integer_columns(text, 0) is None


def test_given_columns_are_checked_too():
    assert plain_integer_columns(b"1 2 3\n", 2) is None
    assert plain_integer_columns(b"1 2\n", 3) is None
    assert plain_integer_columns(b"1 2\n", 2)[0][1].tolist() == [2]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1 2\n3 4 5\n6\n", ":3: expected 2 columns like line 2, got 3"),
        ("1 2 \n   3 4\n5   \n  6\n", ":4: expected 2 or 3 columns (source target [weight]), got 1"),
        ("5 6\n1    2   3\n7\n", ":3: expected 2 columns like line 2, got 3"),
        ("1 9007199254740992\n", ":2: vertex id 9007199254740992 is too large"),
        ("1 2\n3,,4\n", ":3: empty field in column 2"),
    ],
)
@pytest.mark.parametrize("chunk", [8, 1 << 18])
def test_errors_of_plain_text_name_the_line(write_edges, monkeypatch, text, problem, chunk):
    monkeypatch.setattr(io, "CHUNK_BYTES", chunk)
    path = write_edges("# a comment, so the edges start on line 2\n" + text)
    with pytest.raises(pregel.InputError) as info:
        io.read_edges(path)
    assert str(info.value).startswith(f"{path}{problem}")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("+1 +2\n", ([1], [2], None)),
        ("1 2 0.5\n3 4 1e3\n", ([1, 3], [2, 4], [0.5, 1000.0])),
        ("00000000000000000001 2\n", ([1], [2], None)),
        ("9007199254740991 0\n", ([MAX_ID - 1], [0], None)),
        ("1 2 9999999999999999\n", ([1], [2], [1e16])),
    ],
)
def test_what_the_general_parser_still_reads(write_edges, text, want):
    assert tuple(None if a is None else a.tolist() for a in io.read_edge_arrays(write_edges(text))) == want


def test_a_chunk_boundary_in_every_place(tmp_path, monkeypatch):
    text = "# c\n10 20\n3\t4\r\n\n 5 , 6 \n7 8 # x\n9 10"
    path = tmp_path / "e.txt"
    path.write_text(text)
    want = reference(text)
    for chunk in range(1, len(text) + 2):
        monkeypatch.setattr(io, "CHUNK_BYTES", chunk)
        src, dst, _ = io.read_edge_arrays(path)
        assert (src.tolist(), dst.tolist()) == want[:2], chunk


@pytest.fixture(params=["isal", "zlib"])
def gzip_reader(request, monkeypatch):
    """Each gzip reader the loader may use: ISA-L's (when installed) and the standard library's."""
    if request.param == "isal":
        igzip = pytest.importorskip("isal.igzip")
        monkeypatch.setattr(textfile, "_GzipReader", igzip.GzipFile)
    else:
        monkeypatch.setattr(textfile, "_GzipReader", gzip.GzipFile)
        monkeypatch.setattr(textfile, "_InflateError", zlib.error)


def test_gzip_members_and_padding(tmp_path, gzip_reader):
    path = tmp_path / "e.txt.gz"
    path.write_bytes(gzip.compress(b"1 2\n") + gzip.compress(b"3 4\n") + b"\0" * 8)
    assert [a.tolist() for a in io.read_edge_arrays(path)[:2]] == [[1, 3], [2, 4]]


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_damaged_gzip_is_an_input_error(tmp_path, gzip_reader, damage):
    data = bytearray(gzip.compress(b"".join(b"%d %d\n" % (i, i * 7 % 1000) for i in range(5000))))
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2 : len(data) // 2 + 40] = b"\xff" * 40
    path = tmp_path / "e.txt.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(pregel.InputError, match="compressed data is truncated or corrupt"):
        io.read_edges(path)


def csr_reference(src, dst, w, n):
    """scipy's CSR of the edges, duplicates merged by keeping the smallest weight."""
    data = np.ones(len(src)) if w is None else np.asarray(w)
    order = np.lexsort((data, dst, src))  # the smallest weight first within each (src, dst)
    s, d, x = np.asarray(src)[order], np.asarray(dst)[order], data[order]
    keep = np.ones(len(s), bool)
    keep[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
    return sp.csr_array((x[keep], (s[keep], d[keep])), shape=(n, n))


@pytest.mark.parametrize("order", ["sorted unique", "sorted with repeats", "shuffled"])
@pytest.mark.parametrize(("n", "m"), [(50, 5000), (70000, 300000)])  # keys as uint32 (n * n < 2**32), as int64
@pytest.mark.parametrize("weighted", [False, True])
def test_graph_builder_matches_scipy(order, n, m, weighted):
    rng = np.random.default_rng(n)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    src[:2], dst[:2] = 0, n - 1  # every id 0..n-1 may appear; these two make the range n
    if order != "shuffled":
        key = np.unique(src * n + dst) if order == "sorted unique" else np.sort(src * n + dst)
        src, dst = key // n, key % n
    w = rng.integers(1, 5, src.size).astype(float) if weighted else None
    g = Graph.from_edges(src, dst, w)
    ids = np.unique(np.concatenate([src, dst]))
    want = csr_reference(np.searchsorted(ids, src), np.searchsorted(ids, dst), w, ids.size)
    assert g.ids.tolist() == ids.tolist()
    np.testing.assert_array_equal(g.indptr, want.indptr)
    np.testing.assert_array_equal(g.indices, want.indices)
    if weighted:
        np.testing.assert_array_equal(g.weights, want.data)
    assert g.duplicates_merged == src.size - want.nnz
    assert (g.num_vertices * g.num_vertices < 2**32) == (n == 50)
    if order == "sorted unique":
        assert g.duplicates_merged == 0


def test_reverse_of_a_graph_already_in_order_is_its_own_copy():
    g = Graph.from_edges([1, 2], [2, 3])
    r = g.reverse()  # (2, 1), (3, 2): already in CSR order, so the shortcut builds it
    assert r.edge_arrays()[0].tolist() == [2, 3] and r.edge_arrays()[1].tolist() == [1, 2]
    r.indices[0] = 0
    assert g.sources.tolist() == [0, 1]


@pytest.mark.parametrize("name", ["wiki-Vote.txt.gz", "p2p-Gnutella31.txt.gz"])  # shuffled, and in CSR order
def test_real_graphs_match_scipy(name):
    path = DATASETS / name
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, dtype=np.int64, comments="#")
    g = io.read_edges(path)
    ids = np.unique(table)
    want = csr_reference(np.searchsorted(ids, table[:, 0]), np.searchsorted(ids, table[:, 1]), None, ids.size)
    assert g.ids.tolist() == ids.tolist()
    np.testing.assert_array_equal(g.indptr, want.indptr)
    np.testing.assert_array_equal(g.indices, want.indices)
