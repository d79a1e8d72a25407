"""Distributed loading (issue 16): shares of an input, the load's exchange, and runs on Ray with 2 workers.

The first tests need no Ray: the shares of folders, globs, split files and Parquet
datasets, their parse errors, the hash, and the exchange (``Loader``) run side by side in
this process against the local reader's Graph. The rest load on Ray (one session for the
module) and compare with the local backend and the scipy references.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import re

import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from pregel.algorithms.bfs import BreadthFirst
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from pregel.algorithms.sssp import ShortestPaths
from pregel.core import kernels
from pregel.core.held import HeldGraph, HeldIds, HeldInput, Loader, owner_of
from pregel.errors import InputError
from pregel.io import shares
from pregel.io.edges import read_edges

# ---------------------------------------------------------------------------------- inputs


def _edges(seed: int = 0, n: int = 300, m: int = 1500, weighted: bool = False) -> list[str]:
    """Lines of a random edge list with sparse ids, duplicates and self-loops."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m) * 7 + 3
    dst = rng.integers(0, n, m) * 11
    dst[:20] = src[:20]  # self-loops
    src[20:40], dst[20:40] = src[40:60], dst[40:60]  # duplicates
    if not weighted:
        return [f"{s} {d}\n" for s, d in zip(src, dst)]
    w = rng.integers(1, 9, m)
    return [f"{s}\t{d}\t{x}\n" for s, d, x in zip(src, dst, w)]


def _write(path, lines: list[str], header: str = "# an edge list\n") -> str:
    with open(path, "w") as f:
        f.write(header + "".join(lines))
    return str(path)


def _folder(tmp_path, lines: list[str], parts: int = 3) -> str:
    """Spark's shape: part files, a _SUCCESS marker, checksum files, a hidden file."""
    folder = tmp_path / "edges"
    folder.mkdir()
    for k in range(parts):
        _write(folder / f"part-{k:05d}", lines[k::parts], header="")
        (folder / f".part-{k:05d}.crc").write_bytes(b"\x00garbage")
    (folder / "_SUCCESS").write_text("")
    (folder / ".hidden").write_text("not an edge list\n")
    return str(folder)


def _parquet(tmp_path, lines: list[str]) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [line.split() for line in lines]
    table = pa.table({"src": [int(r[0]) for r in rows], "dst": [int(r[1]) for r in rows]})
    path = str(tmp_path / "edges.parquet")
    pq.write_table(table, path, row_group_size=len(rows) // 4 + 1)
    return path


# ---------------------------------------------------------------------------------- shares


def test_folder_shares_skip_markers_checksums_and_hidden_files(tmp_path):
    folder = _folder(tmp_path, _edges())
    found = shares.list_shares(folder, 2)
    assert [os.path.basename(s.path) for s in found] == ["part-00000", "part-00001", "part-00002"]
    assert [os.path.basename(s.path) for s in shares.list_shares(os.path.join(folder, "part-*"), 2)] == [
        "part-00000",
        "part-00001",
        "part-00002",
    ]


def test_compressed_part_files_with_a_header_each_are_read_whole_by_one_worker_each(tmp_path):
    lines = _edges()
    folder = tmp_path / "edges"
    folder.mkdir()
    for k in range(2):
        with gzip.open(folder / f"part-{k:05d}.gz", "wt") as f:
            f.write("src,dst\n" + "".join(line.replace(" ", ",") for line in lines[k::2]))
    found = shares.list_shares(folder, 2)
    assert [s.kind for s in found] == ["stream", "stream"]
    pieces = [shares.read_share(s) for s in found]
    got = sorted(zip(*(np.concatenate([getattr(p, c) for p in pieces]).tolist() for c in ("sources", "targets"))))
    expected = sorted((int(a), int(b)) for a, b in (line.split() for line in lines))
    assert got == expected


def test_byte_ranges_cover_the_file_at_line_starts(tmp_path):
    path = _write(tmp_path / "e.txt", _edges())
    ranges = shares.list_shares(path, 4)
    with open(path, "rb") as f:
        text = f.read()
    assert len(ranges) == 4 and ranges[0].start == 0 and ranges[-1].end == len(text)
    assert all(a.end == b.start and text[b.start - 1 : b.start] == b"\n" for a, b in zip(ranges, ranges[1:]))
    pieces = [shares.read_share(s) for s in ranges]
    src, dst, _ = read_edges(path).edge_arrays()
    got = sorted(
        zip(np.concatenate([p.sources for p in pieces]).tolist(), np.concatenate([p.targets for p in pieces]).tolist())
    )
    assert sorted(set(got)) == sorted(zip(src.tolist(), dst.tolist()))


def test_a_file_larger_than_a_range_per_worker_is_cut_into_more_ranges(tmp_path, monkeypatch):
    path = _write(tmp_path / "e.txt", _edges())
    size = os.path.getsize(path)
    monkeypatch.setattr(shares, "RANGE_BYTES", size // 5)
    ranges = shares.list_shares(path, 2)
    assert len(ranges) == 6 and all(s.end - s.start <= size // 5 + 16 for s in ranges)
    assert sum(shares.read_share(s).sources.size for s in ranges) == 1500
    # three ranges would do, but the workers get as many each: four
    monkeypatch.setattr(shares, "RANGE_BYTES", size // 3 + 1)
    ranges = shares.list_shares(path, 2)
    assert len(ranges) == 4 and [len(mine) for mine in shares.assign(ranges, 2)] == [2, 2]
    assert sum(shares.read_share(s).sources.size for s in ranges) == 1500


def test_parquet_shares_are_row_groups(tmp_path):
    path = _parquet(tmp_path, _edges())
    found = shares.list_shares(path, 2)
    assert [s.row_groups for s in found] == [(0,), (1,), (2,), (3,)]
    pieces = [shares.read_share(s) for s in found]
    assert sum(p.sources.size for p in pieces) == 1500
    assert {p.sources.dtype for p in pieces} == {np.dtype(np.int32)}  # as the text parser gives ids that fit


@pytest.mark.parametrize(
    ("first", "second", "refused"),
    [
        ({"src": [1, 2], "dst": [2, 3]}, {"dst": [7, 8], "src": [5, 6]}, None),
        ({"src": [1, 2], "dst": [2, 3]}, {"src": [5, 6], "dst": [7, 8], "w": [0.5, 0.25]}, None),
        ({"src": [1, 2], "dst": [2, 3], "w": [1.0, 2.0]}, {"w": [0.5, 0.25], "dst": [7, 8], "src": [5, 6]}, None),
        ({"src": [1, 2], "dst": [2, 3]}, {"a": [5, 6], "b": [7, 8]}, "no column 'src' (its columns are 'a', 'b')"),
        ({"src": [1, 2], "dst": [2, 3], "w": [3, 4]}, {"src": [5], "dst": [7], "w": [0.5]}, "column 'w' holds double"),
        ({"src": [1, 2], "dst": [2, 3]}, {"src": [5], "dst": [2**40]}, "column 'dst' holds int64"),
        ({"src": [1, 2], "dst": [2, 3]}, {"a": []}, "no column 'src' (its columns are 'a')"),
    ],
)
def test_the_files_of_a_parquet_folder_are_read_by_the_first_files_columns_as_the_local_reader_reads_them(
    tmp_path, first, second, refused
):
    # by name, whatever their order in a later file; a file without one, or with another type, refused in the
    # local reader's words before any worker reads (a file of no rows too)
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "edges"
    folder.mkdir()
    for name, columns in (("part-0.parquet", first), ("part-1.parquet", second)):
        # ids as int32 where they fit, as a writer of small ids would type them
        narrow = {c: pa.int32() for c, v in columns.items() if c != "w" and all(abs(x) < 2**31 for x in v)}
        pq.write_table(pa.table({c: pa.array(v, type=narrow.get(c)) for c, v in columns.items()}), folder / name)
    if refused is not None:
        said = f"{folder / 'part-1.parquet'}: {refused}"
        with pytest.raises(InputError, match=f"^{re.escape(said)}") as local:
            read_edges(str(folder))
        with pytest.raises(InputError) as held:
            shares.list_shares(str(folder), 2)
        assert str(held.value) == str(local.value)
        return
    assert shares.splittable(str(folder))
    pieces = [shares.read_share(share) for share in shares.list_shares(str(folder), 2)]
    held = zip(
        np.concatenate([p.sources for p in pieces]).tolist(), np.concatenate([p.targets for p in pieces]).tolist()
    )
    assert (
        sorted(held) == _edges_of(read_edges(str(folder))) == [(1, 2), (2, 3), (5, 7), (6, 8)][: 2 + len(second["src"])]
    )


def test_an_empty_parquet_file_of_a_folder_is_refused_as_the_local_reader_refuses_it(tmp_path):
    # an empty text part is a part of no lines; an empty Parquet file is no Parquet file
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "edges"
    folder.mkdir()
    pq.write_table(pa.table({"src": [1, 2], "dst": [2, 3]}), folder / "part-0.parquet")
    (folder / "part-1.parquet").write_bytes(b"")
    with pytest.raises(InputError, match=re.escape("part-1.parquet")):
        read_edges(str(folder))
    said = f"{folder / 'part-1.parquet'}: not a readable Parquet file (Parquet file size is 0 bytes)"
    with pytest.raises(InputError, match=f"^{re.escape(said)}$"):
        shares.list_shares(str(folder), 2)


def test_a_bad_line_in_the_second_range_is_named_by_its_line_in_the_whole_file(tmp_path):
    lines = _edges()
    lines[1200] = "5 x7\n"
    path = _write(tmp_path / "e.txt", lines)
    with pytest.raises(InputError) as local:
        read_edges(path)
    second = shares.list_shares(path, 2)[1]
    with pytest.raises(InputError) as held:
        shares.read_share(second)
    assert str(held.value) == str(local.value) == f"{path}:1202: vertex id 'x7' is not an integer{WORD_ID}"


def test_a_bad_value_in_a_later_row_group_is_named_by_its_row_in_the_whole_file(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = str(tmp_path / "e.parquet")
    sources = list(range(1, 41))
    sources[26] = None  # row 27: the fourth of the row groups of 8, its third row
    pq.write_table(pa.table({"src": pa.array(sources, pa.int64()), "dst": list(range(2, 42))}), path, row_group_size=8)
    with pytest.raises(InputError) as local:
        read_edges(path)
    (share,) = [s for s in shares.list_shares(path, 2) if 3 in s.row_groups]
    with pytest.raises(InputError) as held:
        shares.read_share(share)
    assert str(held.value) == str(local.value) == f"{path}: column 'src' (--src), row 27: no value (null)"


def test_a_range_with_other_columns_than_the_file_is_refused_like_the_local_reader(tmp_path):
    lines = _edges()
    lines[1400] = "1 2 3\n"
    path = _write(tmp_path / "e.txt", lines)
    with pytest.raises(InputError) as local:
        read_edges(path)
    with pytest.raises(InputError) as held:
        shares.read_share(shares.list_shares(path, 3)[2])
    assert str(held.value) == str(local.value)


def test_the_chunks_of_a_compressed_file_carry_their_line_numbers(tmp_path):
    path = str(tmp_path / "e.txt.gz")
    with gzip.open(path, "wt") as f:
        f.write("# c\n" + "".join(_edges()))
    (share,) = shares.list_shares(path, 2)
    assert share.kind == "stream"
    (chunk,) = shares.chunks(share)
    assert (chunk.line, chunk.columns, chunk.first_line) == (1, 2, 2)
    assert shares.read_chunk(chunk).sources.size == 1500


def test_owner_of_is_splitmix64():
    def splitmix(x: int) -> int:
        z = (x + 0x9E3779B97F4A7C15) % 2**64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2**64
        return z ^ (z >> 31)

    ids = np.array([0, 1, 2, 12345, 2**40 + 7, 2**53 - 1])
    assert owner_of(ids, 7).tolist() == [splitmix(int(x)) % 7 for x in ids]
    counts = np.bincount(owner_of(np.arange(10_000), 4), minlength=4)
    assert counts.min() > 2300  # consecutive ids spread evenly


def test_a_shares_crc_is_zlibs_crc32_of_its_columns_as_int64_and_float64():
    import zlib

    from pregel.core.held import columns_crc

    rng = np.random.default_rng(5)
    src, dst, w = rng.integers(0, 2**31, 200_000), rng.integers(0, 2**31, 200_000), rng.random(200_000)
    expected = zlib.crc32(w.tobytes(), zlib.crc32(dst.tobytes(), zlib.crc32(src.tobytes())))
    assert columns_crc(src.astype(np.int32), dst.astype(np.int32), w) == expected
    assert columns_crc(src, dst, None) == zlib.crc32(dst.tobytes(), zlib.crc32(src.tobytes()))


# ---------------------------------------------------------------------------------- the exchange, in process


def _load_in_process(pieces: list[tuple], parts: int, undirected: bool = False):
    """The load's steps for ``parts`` partitions, run one after another here (each worker's parsed pieces given)."""
    loaders = [Loader(q, parts, undirected) for q in range(parts)]
    for loader, (src, dst, w) in zip(loaders, pieces):
        loader.add(src, dst, w)
    out = [loader.scatter() for loader in loaders]
    held = [loader.gather([out[w][q] for w in range(parts)]) for q, loader in enumerate(loaders)]
    asked = [loader.questions() for loader in loaders]
    counts = [loader.take([asked[q][r] for q in range(parts)]) for r, loader in enumerate(loaders)]
    bounds = np.concatenate(([0], np.cumsum(counts)))
    answered = [loader.answers() for loader in loaders]
    datas = [loader.settle([answered[r][q] for r in range(parts)], bounds) for q, loader in enumerate(loaders)]
    return held, counts, datas


@pytest.mark.parametrize("undirected", [False, True])
@pytest.mark.parametrize("parts", [1, 3])
def test_the_exchange_gives_the_local_readers_graph(tmp_path, parts, undirected):
    _exchange_gives_the_local_graph(_write(tmp_path / "e.txt", _edges(weighted=True)), parts, undirected)


@pytest.mark.parametrize("undirected", [False, True])
@pytest.mark.parametrize(("shift", "tables"), [(0, 10**9), (0, 0), (2**31, 0), (2**40, 10**9)])
def test_the_exchange_by_keys_or_lexsort_with_tables_or_searches_gives_the_local_readers_graph(
    tmp_path, monkeypatch, shift, tables, undirected
):
    """Ids below 2**32 are sorted as one uint64 key per edge, wider ones by a lexsort; heads are
    found in tables over the ids or by searches: the same graph each way."""
    from pregel.core import held

    monkeypatch.setattr(held, "_TABLE_PER_EDGE", tables)
    rows = [line.split() for line in _edges(1, weighted=True)]
    lines = [f"{int(s) + shift} {int(d) + shift} {w}\n" for s, d, w in rows]
    _exchange_gives_the_local_graph(_write(tmp_path / "e.txt", lines), 3, undirected)


@pytest.mark.parametrize("undirected", [False, True])
@pytest.mark.parametrize("wide", [2**32, 2**40])
def test_pieces_dealt_as_keys_and_as_columns_make_one_graph(tmp_path, monkeypatch, wide, undirected):
    """A worker whose piece holds an id beyond 0 .. 2**32 - 1 deals it with numpy, the others as packed keys
    (where the kernel is built): each partition takes both kinds, and so does a load dealt by numpy alone."""
    rows = [line.split() for line in _edges(1, weighted=True)]
    lines = [f"{int(s) + (wide if k < 40 else 0)} {d} {w}\n" for k, (s, d, w) in enumerate(rows)]
    path = _write(tmp_path / "e.txt", lines)
    _exchange_gives_the_local_graph(path, 3, undirected)
    monkeypatch.setattr(kernels, "deal", lambda *args: None)
    _exchange_gives_the_local_graph(path, 3, undirected)


@pytest.mark.parametrize("parts", [2, 3])
def test_the_exchange_dealt_by_numpy_gives_the_local_readers_graph(tmp_path, monkeypatch, parts):
    monkeypatch.setattr(kernels, "deal", lambda *args: None)
    _exchange_gives_the_local_graph(_write(tmp_path / "e.txt", _edges(weighted=True)), parts, False)


def _exchange_gives_the_local_graph(path: str, parts: int, undirected: bool) -> None:
    graph = read_edges(path, undirected=undirected)
    (whole,) = shares.list_shares(path, 1)
    parsed = shares.read_share(whole)  # as parsed: duplicates and all
    src, dst, w = parsed.sources, parsed.targets, parsed.weights
    cut = np.linspace(0, src.size, parts + 1).astype(int)
    pieces = [(src[a:b], dst[a:b], w[a:b]) for a, b in zip(cut, cut[1:])]
    held, counts, datas = _load_in_process(pieces, parts, undirected)
    assert sum(counts) == graph.num_vertices
    assert sum(h.edges for h in held) == graph.num_edges
    assert sum(h.duplicates for h in held) == read_edges(path).duplicates_merged  # the input's own
    edges = {}
    for data in datas:
        own = data.ids[data.lo : data.hi]
        assert (owner_of(own, parts) == data.index).all() and (np.diff(own) > 0).all()
        for i in range(data.hi - data.lo):
            a, b = data.indptr[i], data.indptr[i + 1]
            targets = data.ids[data.indices[a:b]]
            assert (np.diff(targets) > 0).all()  # each row in id order, as the Graph's
            for t, x in zip(targets.tolist(), data.weights[a:b].tolist()):
                edges[(int(own[i]), t)] = x
    gs, gd, gw = graph.edge_arrays()
    assert edges == dict(zip(zip(gs.tolist(), gd.tolist()), gw.tolist()))
    if parts > 1:
        # each partition knows its own vertices and its edges' heads: not the whole id map
        assert all(d.ids.own.size + d.ids.index.size < graph.num_vertices for d in datas)


def test_held_ids_answer_what_a_partition_asks():
    ids = HeldIds(2, np.array([5, 9]), 10, np.array([0, 3, 7]), np.array([40, 9, 3]))
    assert ids.size == len(ids) == 10
    assert ids[2:4].tolist() == [5, 9] and ids[3] == 9 and ids[np.array([7, 0])].tolist() == [3, 40]
    pos, found = ids.find(np.array([3, 5, 41]))
    assert pos[found].tolist() == [7, 2] and found.tolist() == [True, True, False]
    with pytest.raises(IndexError):
        ids[np.array([6])]


def test_a_held_graph_refuses_what_needs_it_whole():
    graph = HeldGraph("edges/", 3, 2, np.array([0, 1, 3]), False, 0, "f")
    for name in ("indptr", "indices", "weights", "ids"):
        with pytest.raises(InputError, match="held by the Ray workers"):
            getattr(graph, name)
    with pytest.raises(InputError, match="held by the Ray workers"):
        graph.to_scipy()
    graph.gather(np.array([30, 10, 20]))
    assert graph.index_of([10, 30]).tolist() == [1, 0]
    with pytest.raises(InputError, match="vertex 11 is not in the graph"):
        graph.index_of(11)


# ---------------------------------------------------------------------------------- on Ray, 2 workers


@pytest.fixture
def inputs(tmp_path):
    """The same edges as part files, one file cut into ranges, Parquet of 4 row groups, and one gzip file."""
    lines = _edges()
    whole = _write(tmp_path / "e.txt", lines)
    gz = str(tmp_path / "e.txt.gz")
    with gzip.open(gz, "wt") as f:
        f.write("".join(lines))
    return {
        "folder": _folder(tmp_path, lines),
        "split": whole,
        "parquet": _parquet(tmp_path, lines),
        "gzip": gz,
    }, read_edges(whole)


def _per_id(result: pregel.Result) -> dict:
    return result.to_dict()


def _same_results(paths: dict[str, str], graph: pregel.Graph, programs: dict[str, tuple[str, ...]]) -> None:
    """PageRank against scipy, and components and BFS against the local backend, on the shapes named per program."""
    undirected = graph.to_undirected()
    local_cc = _per_id(pregel.run(undirected, ConnectedComponents, workers=2))
    source = int(graph.ids[graph.out_degree.argmax()])
    local_bfs = _per_id(pregel.run(graph, BreadthFirst(sources=(source,)), workers=2))
    scipy_ranks = dict(zip(graph.ids.tolist(), reference.pagerank(graph, tol=1e-12).values.tolist()))
    for shape in programs["pagerank"]:
        ranks = pregel.run(paths[shape], PageRank(tol=1e-12), backend="ray", workers=2)
        assert isinstance(ranks.graph, HeldGraph), shape
        assert (ranks.graph.num_vertices, ranks.graph.num_edges) == (graph.num_vertices, graph.num_edges)
        assert ranks.graph.duplicates_merged == graph.duplicates_merged
        got = _per_id(ranks)
        assert got.keys() == scipy_ranks.keys()
        assert max(abs(got[k] - scipy_ranks[k]) for k in got) < 1e-9, shape
    for shape in programs["cc"]:
        assert (
            _per_id(pregel.run(paths[shape], ConnectedComponents, backend="ray", workers=2, undirected=True))
            == local_cc
        )
    for shape in programs["bfs"]:
        assert _per_id(pregel.run(paths[shape], BreadthFirst(sources=(source,)), backend="ray", workers=2)) == local_bfs


@pytest.mark.usefixtures("ray_session")
def test_every_shape_of_input_gives_the_local_results(inputs):
    paths, graph = inputs
    _same_results(paths, graph, {"pagerank": tuple(paths), "cc": ("gzip",), "bfs": ()})


@pytest.mark.slow
@pytest.mark.usefixtures("ray_session")
def test_every_program_on_every_shape_of_input_gives_the_local_results(inputs):
    paths, graph = inputs
    _same_results(paths, graph, dict.fromkeys(("pagerank", "cc", "bfs"), tuple(paths)))


@pytest.mark.usefixtures("ray_session")
def test_weighted_shortest_paths_equal_the_local_backend(tmp_path):
    lines = _edges(seed=3, weighted=True)
    folder = _folder(tmp_path, lines, parts=2)
    graph = read_edges(_write(tmp_path / "w.txt", lines))
    source = int(graph.ids[graph.out_degree.argmax()])
    local = pregel.run(graph, ShortestPaths(source=source), workers=2)
    held = pregel.run(folder, ShortestPaths(source=source), backend="ray", workers=2)
    assert (
        _per_id(held) == _per_id(local) == dict(zip(graph.ids.tolist(), reference.sssp(graph, source).values.tolist()))
    )
    assert held[source] == 0.0 and held.graph.is_weighted


@pytest.mark.usefixtures("ray_session")
def test_the_driver_never_builds_the_graph(tmp_path, monkeypatch):
    from pregel.backends import ray as ray_backend
    from pregel.core import partition
    from pregel.core.graph import Graph

    def refused(*args, **kwargs):
        raise AssertionError("the driver built a global graph structure")

    for owner, name in (
        (Graph, "_from_columns"),
        (Graph, "_from_indexed"),
        (ray_backend, "split"),
        (partition, "rows"),
    ):
        monkeypatch.setattr(owner, name, refused)
    monkeypatch.setattr(ray_backend.RayBackend, "_cut", refused)
    path = _folder(tmp_path, _edges())
    result = pregel.run(path, PageRank, backend="ray", workers=2)
    assert result.values.size == result.graph.num_vertices
    with pytest.raises(InputError, match="held by the Ray workers"):
        _ = result.graph.indptr


#: what the reader adds after an id that is a word
WORD_ID = " (the ids above it are integers: a word among them is a mistake)"

BAD = {
    "a malformed line in the second part": (
        "1 2\n2 3\n",
        "3 4\n4 x5\n",
        "part-00001:2: vertex id 'x5' is not an integer",
    ),
    "a NaN weight": ("1 2 1.5\n", "3 4 nan\n", "part-00001:1: weight 'nan' is not a finite number"),
    "no edges": ("# only a comment\n", "\n", "no edges"),
}


@pytest.mark.usefixtures("ray_session")
@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_one_line_naming_the_file_and_line_and_writes_nothing(tmp_path, case):
    first, second, message = BAD[case]
    folder = tmp_path / "edges"
    folder.mkdir()
    (folder / "part-00000").write_text(first)
    (folder / "part-00001").write_text(second)
    checkpoints = tmp_path / "checkpoints"
    with pytest.raises(InputError) as refused:
        pregel.run(str(folder), PageRank, backend="ray", workers=2, checkpoint_dir=checkpoints)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert not checkpoints.exists()


@pytest.mark.usefixtures("ray_session")
def test_mutations_and_messages_to_unknown_ids_are_refused_on_a_held_graph(tmp_path):
    class Prune(pregel.BatchProgram):
        def compute(self, v):
            v.remove_vertices(v.ids[v.out_degree == 0])
            v.vote_to_halt()

    class ToOne(pregel.Vertex):
        """Every vertex writes to vertex 3: a partition that neither owns it nor has an edge to it cannot place it."""

        combiner = pregel.Sum

        def compute(self, messages):
            if self.superstep == 0:
                self.send_message(3, 1.0)
            self.vote_to_halt()

    folder = _folder(tmp_path, _edges())
    with pytest.raises(InputError, match="held by the Ray workers.*mutations"):
        pregel.run(folder, Prune, backend="ray", workers=2)
    with pytest.raises(InputError, match="held by the Ray workers.*a message to a vertex that is no neighbour"):
        pregel.run(folder, ToOne, backend="ray", workers=2)


@pytest.mark.slow
@pytest.mark.usefixtures("ray_session")
def test_a_large_gzip_file_is_streamed_in_chunks_to_both_workers(tmp_path):
    rng = np.random.default_rng(5)
    src, dst = rng.integers(0, 200_000, 700_000), rng.integers(0, 200_000, 700_000)
    path = tmp_path / "big.txt.gz"
    text = "".join(f"{s} {d}\n" for s, d in zip(src.tolist(), dst.tolist()))
    with gzip.open(path, "wt", compresslevel=1) as f:
        f.write("# big\n" + text)
    assert len(list(shares.chunks(shares.list_shares(path, 2)[0]))) >= 2
    graph = read_edges(path, undirected=True)
    held = pregel.run(str(path), ConnectedComponents, backend="ray", workers=2, undirected=True)
    local = pregel.run(graph, ConnectedComponents, workers=2)
    assert _per_id(held) == _per_id(local)
    bad = tmp_path / "bad.txt.gz"
    with gzip.open(bad, "wt", compresslevel=1) as f:
        f.write("# big\n" + text + "1 2 3\n")
    with pytest.raises(InputError) as refused:
        pregel.run(str(bad), PageRank, backend="ray", workers=2)
    with pytest.raises(InputError) as expected:
        read_edges(bad)
    assert str(refused.value) == str(expected.value)


@pytest.fixture
def held_backends(monkeypatch) -> list:
    """Every held Ray backend the test's runs create, in order (to kill one of its workers)."""
    from pregel.backends import ray as ray_backend

    seen: list = []

    class Recording(ray_backend.HeldRayBackend):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen.append(self)

    monkeypatch.setattr(ray_backend, "HeldRayBackend", Recording)
    return seen


@pytest.mark.slow
@pytest.mark.usefixtures("ray_session")
def test_a_held_run_resumes_from_its_checkpoint_and_recovers_a_lost_worker(tmp_path, held_backends):
    from tests.test_confined_recovery import kill_now

    path = _folder(tmp_path, _edges())
    program = PageRank(tol=0.0)
    expected = pregel.run(path, program, backend="ray", workers=2, max_supersteps=8)
    first = pregel.run(
        path, program, backend="ray", workers=2, max_supersteps=4, checkpoint_dir=tmp_path / "ck", checkpoint_every=2
    )
    assert first.supersteps == 4
    resumed = pregel.run(
        path, program, backend="ray", workers=2, max_supersteps=8, checkpoint_dir=tmp_path / "ck", resume=True
    )
    np.testing.assert_array_equal(resumed.values, expected.values)
    assert resumed.recoveries and resumed.recoveries[0].superstep == 4
    # other workers number the vertices otherwise: said as the partition count it is, not as another graph
    with pytest.raises(pregel.CheckpointError, match="was made with 2 partitions, not 3 .run with 2 workers"):
        pregel.run(
            path, program, backend="ray", workers=3, max_supersteps=8, checkpoint_dir=tmp_path / "ck", resume=True
        )

    for checkpoints in ({"checkpoint_dir": tmp_path / "ck2", "checkpoint_every": 2}, {}):
        killed: list[int] = []

        def kill_after_3(stats, killed=killed):
            if stats.superstep == 3 and not killed:
                killed.append(1)
                kill_now(held_backends[-1].actors[1])

        recovered = pregel.run(
            path, program, backend="ray", workers=2, max_supersteps=8, on_superstep=kill_after_3, **checkpoints
        )
        np.testing.assert_array_equal(recovered.values, expected.values)
        assert recovered.recoveries, checkpoints


@pytest.mark.usefixtures("ray_session")
def test_the_command_loads_in_the_workers_and_refuses_bad_input_with_exit_2(tmp_path, capsys):
    from pregel.cli.main import main

    lines = _edges()
    folder = _folder(tmp_path, lines)
    whole = _write(tmp_path / "whole.txt", lines)
    held, local = tmp_path / "held.tsv", tmp_path / "local.tsv"
    flags = ["--backend", "ray", "--load", "workers", "--workers", "2"]
    assert main(["pagerank", folder, "--tol", "1e-12", "-o", str(held), *flags]) == 0
    assert main(["pagerank", whole, "--tol", "1e-12", "-o", str(local)]) == 0
    got, expected = np.loadtxt(held), np.loadtxt(local)
    assert (got[:, 0] == expected[:, 0]).all() and np.abs(got[:, 1] - expected[:, 1]).max() < 1e-12
    capsys.readouterr()

    (tmp_path / "edges" / "part-00001").write_text("3 4\n4 x5\n")
    out = tmp_path / "never.tsv"
    assert main(["cc", folder, "-o", str(out), *flags]) == 2
    said = capsys.readouterr().err
    assert said == f"pregel: error: {folder}/part-00001:2: vertex id 'x5' is not an integer{WORD_ID}\n"
    assert not out.exists()
    # a pattern: the file it matches is named, not the pattern before it
    assert main(["cc", f"{folder}/part-*", "-o", str(out), *flags]) == 2
    assert capsys.readouterr().err == said and not out.exists()
    assert main(["pagerank", whole, "--check", *flags]) == 2
    assert "--check needs the whole graph" in capsys.readouterr().err


@pytest.mark.usefixtures("ray_session")
def test_an_empty_file_is_refused_as_locally_and_string_ids_are_read_by_the_driver(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    empty = _write(tmp_path / "empty.txt", [], header="# nothing\n")
    with pytest.raises(InputError) as held:
        pregel.run(empty, PageRank, backend="ray", workers=2)
    with pytest.raises(InputError) as local:
        read_edges(empty)
    assert str(held.value) == str(local.value)
    named = str(tmp_path / "named.parquet")
    pq.write_table(pa.table({"a": ["x", "y"], "b": ["y", "z"]}), named)
    assert not shares.splittable(named)
    result = pregel.run(named, ConnectedComponents, backend="ray", workers=2, undirected=True)
    assert result.to_dict() == {"x": "x", "y": "x", "z": "x"}
    # a text edge list of words: a table of string ids the driver reads, as the local reader does
    words = _write(tmp_path / "words.txt", ["x y\n", "y z\n"])
    assert not shares.splittable(words)
    result = pregel.run(words, ConnectedComponents, backend="ray", workers=2, undirected=True)
    assert result.to_dict() == {"x": "x", "y": "x", "z": "x"}


@pytest.mark.slow
@pytest.mark.usefixtures("ray_session")
def test_a_held_backend_has_every_attribute_a_ray_backend_has(tmp_path):
    """HeldRayBackend sets RayBackend's state itself (it builds no Graph to hand its constructor): none missing."""
    from pregel.backends.ray import HeldRayBackend, RayBackend

    path = _write(tmp_path / "e.txt", ["1 2\n", "2 3\n"])
    source = HeldInput(path, shares.list_shares, shares.assign, shares.read_share, shares.chunks, shares.read_chunk)
    held = HeldRayBackend(source, ConnectedComponents(), workers=2)
    plain = RayBackend(read_edges(path), ConnectedComponents(), workers=2)
    try:
        assert set(vars(plain)) <= set(vars(held))
    finally:
        held.close()
        plain.close()


@pytest.mark.usefixtures("ray_session")
def test_loaded_and_written_by_the_workers_the_driver_gathers_nothing(tmp_path, capsys, monkeypatch):
    """--load workers, a folder output and --top: neither the graph, nor its ids, nor the values reach the driver."""
    from pregel.backends import ray as ray_backend
    from pregel.cli.main import main

    def refuse(self):
        raise AssertionError("the driver gathered every value")

    monkeypatch.setattr(ray_backend.HeldRayBackend, "values", refuse)
    lines = _edges()
    folder = _folder(tmp_path, lines)
    assert (
        main(["pagerank", _write(tmp_path / "whole.txt", lines), "--tol", "1e-12", "-o", str(tmp_path / "local.tsv")])
        == 0
    )
    flags = ["--backend", "ray", "--load", "workers", "--workers", "2", "--tol", "1e-12", "--top", "3"]
    assert main(["pagerank", folder, *flags, "-o", f"{tmp_path}/ranks/"]) == 0
    parts = sorted((tmp_path / "ranks").glob("part-*"))
    assert len(parts) == 2 and (tmp_path / "ranks" / "_SUCCESS").exists()
    got = np.concatenate([np.loadtxt(p, ndmin=2) for p in parts])
    got = got[np.argsort(got[:, 0])]
    expected = np.loadtxt(tmp_path / "local.tsv")
    assert (got[:, 0] == expected[:, 0]).all() and np.abs(got[:, 1] - expected[:, 1]).max() < 1e-12
    best = expected[np.lexsort((expected[:, 0], -expected[:, 1]))][:3, 0].astype(int).tolist()
    assert [int(line.split("\t")[0]) for line in capsys.readouterr().out.splitlines()[-3:]] == best

    out = tmp_path / "never"
    checkpoints = ["--checkpoint-dir", str(tmp_path / "ck")]
    assert main(["sssp", folder, "--source", "4", *flags[:6], "-o", f"{out}/", *checkpoints]) == 2
    assert capsys.readouterr().err == f"pregel: error: {folder}: --source vertex 4 is not in the graph\n"
    # found missing by the workers in superstep 0: the checkpoint folder the run made goes too
    assert not out.exists() and not (tmp_path / "ck").exists()


@pytest.mark.usefixtures("ray_session")
def test_a_worker_lost_while_the_workers_read_has_new_workers_read_it_again(tmp_path, monkeypatch):
    """Nothing is computed yet: the load starts over with new workers, once per loss, up to max_restarts."""
    from pregel.api import run as run_module
    from pregel.backends import ray as ray_backend
    from pregel.errors import WorkerLost

    lines = _edges(seed=5)
    folder = _folder(tmp_path, lines)
    expected = pregel.run(_write(tmp_path / "whole.txt", lines), PageRank(tol=1e-12)).to_dict()
    plain = run_module.held_input

    def dying(marker):
        def held_input(path, undirected=False):
            source = plain(path, undirected)
            return dataclasses.replace(source, read=_dies_once(marker and str(marker), source.read))

        return held_input

    monkeypatch.setattr(run_module, "held_input", dying(tmp_path / "died"))
    # no idle workers of earlier tests: a load on those starts over once more, unsaid (see below)
    monkeypatch.setattr(ray_backend, "_IDLE", {})
    told = []
    result = pregel.run(folder, PageRank(tol=1e-12), backend="ray", workers=2, on_recovery=told.append)
    assert (tmp_path / "died").exists()
    (reload,) = result.recoveries
    assert reload.kind == "reload" and told == [reload] and reload.seconds > 0
    assert reload.cause.startswith("worker ") and "died" in reload.cause
    got = result.to_dict()
    assert got.keys() == expected.keys() and max(abs(got[v] - expected[v]) for v in got) < 1e-12

    # every read dies: a load on the session's idle workers (the run above left its own) starts over once unsaid
    # (an idle worker may have died since its last run), then once per restart allowed
    assert ray_backend._IDLE
    monkeypatch.setattr(run_module, "held_input", dying(None))
    told.clear()
    with pytest.raises(WorkerLost, match=r"\(gave up after 1 restart\)$"):
        pregel.run(folder, PageRank(tol=1e-12), backend="ray", workers=2, max_restarts=1, on_recovery=told.append)
    assert [r.kind for r in told] == ["reload"]


@pytest.mark.usefixtures("ray_session")
def test_a_checkpoint_resumes_only_from_the_graph_read_the_way_it_was_and_says_how(tmp_path):
    path = _write(tmp_path / "e.txt", _edges())
    ways = {"local": {}, "held": {"backend": "ray"}}
    for name, way in ways.items():
        first = pregel.run(
            path,
            PageRank(tol=0.0),
            workers=2,
            max_supersteps=4,
            checkpoint_dir=tmp_path / name,
            checkpoint_every=2,
            **way,
        )
        assert first.supersteps == 4
    refusals = {"local": "--load driver (or the local backend)", "held": "--backend ray --load workers"}
    for name, other in (("local", "held"), ("held", "local")):
        said = f"resume it the way it was made ({refusals[name]})"
        with pytest.raises(pregel.CheckpointError, match=re.escape(said)):
            pregel.run(path, PageRank(tol=0.0), workers=2, checkpoint_dir=tmp_path / name, resume=True, **ways[other])


@pytest.mark.usefixtures("ray_session")
def test_an_input_read_again_after_a_lost_node_must_be_the_one_the_run_read(tmp_path):
    from pregel.backends.ray import HeldRayBackend

    path = _write(tmp_path / "e.txt", ["1 2\n", "2 3\n", "3 1\n"])
    source = HeldInput(path, shares.list_shares, shares.assign, shares.read_share, shares.chunks, shares.read_chunk)
    held = HeldRayBackend(source, ConnectedComponents(), workers=2)
    try:
        first = held.actors
        held._read_again()  # new workers, the same graph
        assert not set(held.actors) & set(first) and held.graph.num_edges == 3
        _write(tmp_path / "e.txt", ["1 2\n", "2 3\n", "3 4\n"])
        with pytest.raises(InputError, match="e.txt: changed since the run read it"):
            held._read_again()
    finally:
        held.close()


def _dies_once(marker: str | None, read):
    """``read``, except that the first worker to call it dies (its process ends) before it reads anything (every
    worker, without a ``marker``)."""

    def reading(*args, **kwargs):
        try:
            if marker is not None:
                with open(marker, "x"):
                    pass
        except FileExistsError:
            return read(*args, **kwargs)
        os._exit(1)

    return reading


def test_routes_of_a_partition_with_few_edges_are_built_without_tables_over_every_vertex(monkeypatch):
    """Sorted searches where a partition's edges are few against the graph: the same routes as the tables give."""
    from pregel.core import messages

    rng = np.random.default_rng(4)
    total, bounds = 50_000, np.array([0, 20_000, 50_000])
    indices = rng.integers(0, total, 300).astype(np.int32)
    indptr = np.array([0, 100, 300])
    weights, x = rng.integers(1, 9, 300).astype(np.float64), rng.integers(0, 100, 2).astype(np.float64)
    built = {}
    for name, factor in (("tables", 10**9), ("searches", 0)):
        monkeypatch.setattr(messages, "_WHOLE_GRAPH_TABLES", factor)
        routes = messages.Routes(indptr, indices, bounds, 0, weights)
        rows = routes.rows
        built[name] = (routes.targets, rows.ptr, rows.sources, routes.sums.sum(x), routes.weighted_sums.sum(x))
    for a, b in zip(built["tables"], built["searches"]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(built["searches"][0], np.unique(indices))


@pytest.mark.usefixtures("ray_session")
def test_a_relative_path_is_read_by_workers_whose_working_directory_is_elsewhere(tmp_path, monkeypatch):
    lines = _edges()
    _folder(tmp_path, lines)
    monkeypatch.chdir(tmp_path)
    held = pregel.run("edges", ConnectedComponents, backend="ray", workers=2, undirected=True)
    assert (
        held.to_dict()
        == pregel.run(read_edges(_write(tmp_path / "w.txt", lines), undirected=True), ConnectedComponents).to_dict()
    )
    (tmp_path / "edges" / "part-00002").write_text("1 2\nthree 4\n")
    with pytest.raises(InputError, match=r"^edges/part-00002:2: vertex id 'three' is not an integer \(the ids"):
        pregel.run("edges", ConnectedComponents, backend="ray", workers=2)


@pytest.mark.usefixtures("ray_session")
def test_the_command_on_ray_lets_the_workers_read_wherever_they_can(tmp_path, monkeypatch, capsys):
    """--load auto: edge lists go to the workers; CSV read by named columns and --check are read by this process."""
    from pregel.api import run as api_run
    from pregel.cli.main import main

    loads = []
    original = api_run._run_held
    monkeypatch.setattr(api_run, "_run_held", lambda *a, **k: loads.append("workers") or original(*a, **k))
    numbers = _write(tmp_path / "numbers.txt", ["1 2\n", "2 3\n", "3 1\n", "3 4\n"])
    names = _write(tmp_path / "names.csv", ["src,dst\n", "ann,bob\n", "bob,cy\n", "cy,ann\n", "cy,dan\n"], header="")
    on_ray = ["--backend", "ray", "--workers", "2", "-q"]
    assert main(["cc", numbers, *on_ray]) == 0
    assert loads == ["workers"]
    assert capsys.readouterr().out == "1\t1\n2\t1\n3\t1\n4\t1\n"
    assert main(["cc", names, *on_ray, "--src", "src", "--dst", "dst"]) == 0
    assert main(["cc", numbers, *on_ray, "--check"]) == 0
    assert loads == ["workers"]
    assert capsys.readouterr().out.startswith("ann\tann\nbob\tann\ncy\tann\ndan\tann\n")
    assert main(["cc", names, *on_ray, "--src", "src", "--dst", "dst", "--load", "workers"]) == 2
    assert "--src needs the whole graph in this process: use --load driver" in capsys.readouterr().err


# ---------------------------------------------------------------------------------- the local reader of part files


def _parsed(lines: list[str]) -> list[tuple]:
    """The edges of ``lines`` read by Python, sorted: (source, target[, weight])."""
    return sorted(tuple(int(f) if k < 2 else float(f) for k, f in enumerate(line.split())) for line in lines)


def _edges_of(graph: pregel.Graph, weighted: bool = False) -> list[tuple]:
    """The graph's edges by original id, sorted (with their weights if ``weighted``)."""
    src, dst = graph.ids[graph.sources].tolist(), graph.ids[graph.indices].tolist()
    return sorted(zip(src, dst, graph.weights.tolist()) if weighted else zip(src, dst))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", ["folder", "glob", "gzip parts"])
def test_the_local_reader_reads_part_files_as_the_one_file_they_split(tmp_path, shape, threads):
    lines = _edges()
    folder = _folder(tmp_path, lines)
    path = os.path.join(folder, "part-*") if shape == "glob" else folder
    if shape == "gzip parts":
        for k in range(3):
            name = os.path.join(folder, f"part-{k:05d}")
            with open(name) as text, gzip.open(name + ".gz", "wt") as packed:
                packed.write("src dst\n" + text.read())  # a header in each compressed part
            os.remove(name)
    got = read_edges(path, threads=threads)
    assert _edges_of(got) == sorted(set(_parsed(lines)))
    whole = read_edges(_write(tmp_path / "whole.txt", lines))
    assert got.ids.tolist() == whole.ids.tolist()
    assert got.duplicates_merged == whole.duplicates_merged == len(lines) - len(set(_parsed(lines)))
    assert (got.indptr == whole.indptr).all() and (got.indices == whole.indices).all()


def test_weighted_part_files_keep_their_weights_and_mixed_ones_are_refused(tmp_path):
    lines = list({tuple(line.split()[:2]): line for line in _edges(weighted=True)}.values())  # no repeats
    folder = _folder(tmp_path, lines)
    graph = read_edges(folder)
    assert graph.weights is not None and graph.duplicates_merged == 0
    assert _edges_of(graph, weighted=True) == _parsed(lines)
    assert read_edges(folder, weights=False).weights is None
    with open(os.path.join(folder, "part-00002"), "w") as f:
        f.write("1 2\n")
    with pytest.raises(InputError, match=r"part-00000 has a weight column and .*part-00002 does not"):
        read_edges(folder)
    # as the Ray workers refuse it (their shares disagree on their columns), whether the weights are kept or not
    with pytest.raises(InputError, match=r"part-00000 has a weight column and .*part-00002 does not"):
        read_edges(folder, weights=False)


def test_a_pattern_matching_parquet_files_reads_them_all(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = _edges()
    rows = [tuple(map(int, line.split())) for line in lines]
    for k in range(2):
        part = rows[k::2]
        table = pa.table({"src": [r[0] for r in part], "dst": [r[1] for r in part]})
        pq.write_table(table, tmp_path / f"e{k}.parquet")
    assert _edges_of(read_edges(str(tmp_path / "e*.parquet"))) == sorted(set(_parsed(lines)))


LOCAL_BAD = {**BAD, "weights in one part only": ("1 2 1.5\n", "3 4\n", "part-00000 has a weight column and")}


@pytest.mark.parametrize("case", LOCAL_BAD, ids=list(LOCAL_BAD))
def test_the_local_command_refuses_bad_part_files_with_one_line_and_exit_2(tmp_path, capsys, case):
    from pregel.cli.main import main

    first, second, message = LOCAL_BAD[case]
    folder = tmp_path / "edges"
    folder.mkdir()
    (folder / "part-00000").write_text(first)
    (folder / "part-00001").write_text(second)
    out = tmp_path / "never.tsv"
    assert main(["sssp", str(folder), "--source", "1", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("pregel: error: ")
    assert not out.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"_SUCCESS": ""}, "no part files (names starting with _ or . are skipped)"),
        ({}, "no part files (names starting with _ or . are skipped)"),
        (None, "no such file (the pattern matches none)"),
    ],
)
def test_a_folder_or_pattern_without_part_files_is_refused(tmp_path, capsys, files, message):
    from pregel.cli.main import main

    folder = tmp_path / "edges"
    folder.mkdir()
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    path = str(folder) if files is not None else str(folder / "part-*")
    assert main(["pagerank", path]) == 2
    assert capsys.readouterr().err == f"pregel: error: {path}: {message}\n"


@pytest.mark.parametrize("pattern", ["*", "day=*", "**", "**/part-*", "*/part-*"])
def test_a_pattern_matching_folders_reads_their_part_files_as_a_folder_would(tmp_path, pattern):
    # Hadoop's and Spark's readers list a matched folder's files; their markers and temporary folders are not data
    lines = _edges()
    out = tmp_path / "out"
    for day, part in (("day=1", lines[0::2]), ("day=2", lines[1::2])):
        (out / day / "_temporary" / "0").mkdir(parents=True)
        _write(out / day / "part-00000", part, header="")
        _write(out / day / "_temporary" / "0" / "part-00000", ["999 999\n"], header="")
        (out / day / "_SUCCESS").write_text("")
        (out / day / ".part-00000.crc").write_bytes(b"\x00garbage")
    got = read_edges(str(out / pattern))
    assert _edges_of(got) == sorted(set(_parsed(lines)))
    assert got.duplicates_merged == len(lines) - len(set(_parsed(lines)))


def test_a_pattern_going_up_a_folder_reads_each_file_it_reaches_once(tmp_path):
    # "*/.." is no hidden folder, and one file reached through every folder the wildcard matches is one file
    lines = _edges()
    for name, part in (("a", lines[0::2]), ("b", lines[1::2])):
        (tmp_path / name).mkdir()
        _write(tmp_path / name / "part-00000", part, header="")
    assert shares._files(str(tmp_path / "*" / ".." / "a" / "part-*")) == [
        str(tmp_path / "a" / ".." / "a" / "part-00000")
    ]
    got = read_edges(str(tmp_path / "*" / ".." / "*" / "part-*"))
    assert _edges_of(got) == sorted(set(_parsed(lines)))
    assert got.duplicates_merged == len(lines) - len(set(_parsed(lines)))


def _arrow_files(folder) -> None:
    import pyarrow as pa
    import pyarrow.feather as feather

    for k in range(2):
        feather.write_feather(pa.table({"src": [k], "dst": [k + 1]}), folder / f"e{k}.arrow")


def _string_parquet(folder) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    for k in range(2):
        pq.write_table(pa.table({"src": ["ab"[k]], "dst": ["bc"[k]]}), folder / f"e{k}.parquet")


def _matrix_market(folder) -> None:
    (folder / "e0.mtx").write_text("%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 2\n")


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (_arrow_files, "an Arrow file"),
        (_string_parquet, "a Parquet file of string ids"),
        (_matrix_market, "Matrix Market"),
    ],
)
def test_a_pattern_matching_files_it_cannot_read_as_parts_names_one(tmp_path, capsys, make, kind):
    from pregel.cli.main import main

    folder = tmp_path / "tables"
    folder.mkdir()
    make(folder)
    path = str(folder / "e*")
    out = tmp_path / "never.tsv"
    assert main(["pagerank", path, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pregel: error: {path}: {folder / 'e0.'}") and kind in err and err.count("\n") == 1
    assert not out.exists()


def test_columns_by_name_on_a_pattern_are_refused_with_what_to_do(tmp_path, capsys):
    from pregel.cli.main import main

    for k in range(2):
        (tmp_path / f"part-{k}.csv").write_text(f"src,dst\n{k},{k + 1}\n")
    path = str(tmp_path / "part-*.csv")
    assert main(["pagerank", path, "--src", "src", "--dst", "dst"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pregel: error: {path}: columns by name") and "name the folder" in err
    assert err.count("\n") == 1
    assert main(["pagerank", path, "--top", "1"]) == 0  # by position the header line is skipped
