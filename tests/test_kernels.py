"""The compiled message-path kernels against scipy, and the scipy fallback against the same references.

Where the extension is not built, the fallback's tests run and the compiled path's are
skipped, saying so; where it is, the two must give the same bits.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import pregel
from pregel.algorithms.components import connected_components
from pregel.algorithms.pagerank import pagerank
from pregel.core import kernels
from pregel.core.kernels import InCounts, InEdges, InSums, row_sums

NOT_BUILT = (
    "pregel.core._kernels is not here (installed without a C compiler, or PREGEL_NO_COMPILED is set):"
    " only the scipy fallback runs"
)
needs_compiled = pytest.mark.skipif(not kernels.COMPILED, reason=NOT_BUILT)


def fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the kernels take the scipy fallback, as where the extension is not built."""
    monkeypatch.setattr(kernels, "_kernels", None)
    monkeypatch.setattr(kernels, "COMPILED", False)


@pytest.fixture(params=[pytest.param("compiled", marks=needs_compiled), "scipy"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the compiled kernels and again with the scipy fallback."""
    if request.param == "scipy":
        fallback(monkeypatch)
    return request.param


def _random_pattern(rng: np.random.Generator, n: int, targets: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.sort(rng.integers(0, n, m))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, rng.integers(0, targets, m).astype(np.int32)


def _hub_pattern(rng: np.random.Generator, n: int, targets: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Power-law-like in-degrees (a few hubs, many short rows, some targets never reached)."""
    indptr, _ = _random_pattern(rng, n, targets, m)
    return indptr, np.minimum(rng.zipf(1.6, m) - 1, targets - 1).astype(np.int32)


def _sequential_sums(indptr: np.ndarray, indices: np.ndarray, targets: int, values: np.ndarray) -> list[float]:
    """Each target's sum added left to right over its sources in increasing order (plain Python floats)."""
    sums = [0.0] * targets
    for i in range(indptr.size - 1):
        for t in indices[indptr[i] : indptr[i + 1]].tolist():
            sums[t] += float(values[i])
    return sums


@pytest.mark.parametrize("seed", range(6))
def test_in_edges_match_scipy(path: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, targets = int(rng.integers(1, 60)), int(rng.integers(1, 80))
    indptr, indices = _random_pattern(rng, n, targets, int(rng.integers(0, 400)))
    edges = InEdges(indptr, indices, targets)
    reference = sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, targets)).T.tocsr()
    assert edges.ptr.tolist() == reference.indptr.tolist()
    # repeated edges keep their multiplicity; sources come in increasing order per target
    assert edges.sources.tolist() == reference.indices.tolist()


def _in_edges_by_argsort(indptr: np.ndarray, indices: np.ndarray, targets: int) -> tuple[list, list, list]:
    """``ptr``, ``sources`` and ``edges`` of the in-edges, by numpy's stable argsort of the targets."""
    edges = np.argsort(indices, kind="stable")
    sources = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))[edges]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(indices, minlength=targets))])
    return ptr.tolist(), sources.tolist(), edges.tolist()


# enough edges that the compiled sort gives each of three threads a share (2**18 edges a thread)
THREADED_EDGES = 3 * 2**18 + 1000


@needs_compiled
@pytest.mark.parametrize("shape", ["random", "hubs", "one row", "few targets", "empty rows"])
def test_in_edges_are_the_same_on_every_thread_count(shape: str) -> None:
    rng = np.random.default_rng(len(shape))
    n, targets, m = 50_000, 30_000, THREADED_EDGES
    if shape == "hubs":
        indptr, indices = _hub_pattern(rng, n, targets, m)
    elif shape == "one row":  # every edge in row 7: the shares of the other threads are empty
        indptr = np.concatenate([np.zeros(8, dtype=np.int64), np.full(n - 7, m)])
        indices = rng.integers(0, targets, m).astype(np.int32)
    elif shape == "few targets":  # each target's in-edges come from every thread's share, repeated edges too
        indptr, indices = _random_pattern(rng, n, 3, m)
        targets = 3
    elif shape == "empty rows":  # rows 0, 2, 4... send nothing; targets above 20_000 are never reached
        indptr, indices = _random_pattern(rng, n // 2, 20_000, m)
        indptr = np.repeat(indptr, 2)[1:]
    else:
        indptr, indices = _random_pattern(rng, n, targets, m)
    # self-loops, wherever the row's own number is a target
    rows = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    loops = rng.random(m) < 0.01
    indices[loops] = np.minimum(rows[loops], targets - 1)
    expected = _in_edges_by_argsort(indptr, indices, targets)
    for threads in (1, 2, 3):
        got = InEdges(indptr, indices, targets, edges=True, threads=threads)
        assert (got.ptr.tolist(), got.sources.tolist(), got.edges.tolist()) == expected, threads


@needs_compiled
def test_a_small_transpose_asked_for_threads_is_the_serial_one() -> None:
    indptr, indices = np.array([0, 2, 2, 5]), np.array([3, 0, 3, 3, 2], dtype=np.int32)
    for threads in (1, 2, 64, 1000):
        got = InEdges(indptr, indices, 5, edges=True, threads=threads)
        assert (got.ptr.tolist(), got.sources.tolist(), got.edges.tolist()) == _in_edges_by_argsort(indptr, indices, 5)


@needs_compiled
def test_in_edges_of_fewer_targets_are_renumbered() -> None:
    indptr, indices = np.array([0, 2, 3, 5]), np.array([4, 1, 4, 6, 1], dtype=np.int32)
    kept = np.array([0, 1, 4, 6])  # every target reached (1, 4, 6), and 0, reached by none
    fewer = InEdges.of(InCounts(indptr, indices, 7), kept)
    renumbered = np.searchsorted(kept, indices).astype(np.int32)
    expected = _in_edges_by_argsort(indptr, renumbered, 4)
    assert fewer.size == 4 and (fewer.ptr.tolist(), fewer.sources.tolist()) == expected[:2]


@pytest.mark.parametrize("seed", range(8))
def test_in_sums_match_scipy(path: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pattern = _hub_pattern if seed % 2 else _random_pattern
    n, targets = int(rng.integers(1, 300)), int(rng.integers(1, 300))
    indptr, indices = pattern(rng, n, targets, int(rng.integers(0, 3000)))
    reference = sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, targets)).T.tocsr()
    values = rng.standard_normal(n)
    sums = InSums(indptr, indices, targets)
    np.testing.assert_allclose(sums.sum(values), reference @ values, rtol=1e-12, atol=1e-12)
    # the layout is kept: a second sum with other values is right too
    np.testing.assert_allclose(sums.sum(2 * values + 1), reference @ (2 * values + 1), rtol=1e-12, atol=1e-12)


def test_in_sums_add_each_row_in_source_order(path: str) -> None:
    # exactly, not to a tolerance: a row's additions are ordered as in a plain loop over
    # its sources, whatever its chunk and lane (values of very different magnitudes)
    rng = np.random.default_rng(11)
    n, targets = 200, 150
    indptr, indices = _hub_pattern(rng, n, targets, 4000)
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, n)
    got = InSums(indptr, indices, targets).sum(values).tolist()
    assert got == _sequential_sums(indptr, indices, targets, values)


@needs_compiled
@pytest.mark.parametrize("seed", range(6))
def test_row_sums_add_the_sending_sources_rows_in_source_order(path: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pattern = _hub_pattern if seed % 2 else _random_pattern
    n, targets, width = int(rng.integers(1, 200)), int(rng.integers(1, 200)), int(rng.integers(1, 9))
    indptr, indices = pattern(rng, n, targets, int(rng.integers(0, 2000)))
    # some sources send (a row of their own), the others nothing; magnitudes far apart, so order shows
    sending = np.flatnonzero(rng.random(n) < 0.6)
    x = rng.standard_normal((sending.size, width)) * 10.0 ** rng.integers(-8, 9, (sending.size, width))
    row_of = np.full(n, -1)
    row_of[sending] = np.arange(sending.size)
    reached, y = row_sums(InEdges(indptr, indices, targets), x, n, row_of)
    want: dict[int, list[float]] = {}
    for i in sending.tolist():
        for t in indices[indptr[i] : indptr[i + 1]].tolist():
            if t in want:
                want[t] = [a + float(b) for a, b in zip(want[t], x[row_of[i]])]
            else:
                want[t] = [float(b) for b in x[row_of[i]]]
    assert reached.tolist() == sorted(want)
    assert y.tolist() == [want[t] for t in sorted(want)]
    # every source sending its own row: every target with an in-edge is reached
    everyone = rng.standard_normal((n, width))
    reached, y = row_sums(InEdges(indptr, indices, targets), everyone, n)
    reference = sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, targets)).T.tocsr()
    assert reached.tolist() == np.flatnonzero(np.diff(reference.indptr)).tolist()
    np.testing.assert_allclose(y, (reference @ everyone)[reached], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rows", ["sorted", "unsorted"])
def test_both_ways_merge_every_neighbour_once_with_its_ways(path: str, seed: int, rows: str) -> None:
    # against a set per vertex, worked out edge by edge; unsorted rows take the sort on both paths
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    g = pregel.Graph.from_edges(*rng.integers(0, n, (2, 4 * n)), vertices=np.arange(n))
    indptr, indices = g.indptr, g.indices.copy()
    if rows == "unsorted":
        for i in range(n):
            rng.shuffle(indices[indptr[i] : indptr[i + 1]])
    ways: dict[tuple[int, int], int] = {}
    for i in range(n):
        for j in indices[indptr[i] : indptr[i + 1]].tolist():
            if i != j:
                ways[i, j] = ways.get((i, j), 0) | 1
                ways[j, i] = ways.get((j, i), 0) | 2
    ptr, heads, way = kernels.both_ways(indptr, indices)
    got = [
        (i, int(j), float(w)) for i in range(n) for j, w in zip(heads[ptr[i] : ptr[i + 1]], way[ptr[i] : ptr[i + 1]])
    ]
    assert got == [(i, j, float(w)) for (i, j), w in sorted(ways.items())]
    assert heads.dtype == np.int32 and way.dtype == np.float64


def _rows_of_layout(sums: InSums) -> list[list[int]]:
    """Each target's sources read back from the compiled layout: a full chunk's rows column by column, then the rest
    of each row; a last chunk short of 8 rows one row after the other."""
    lanes, ptr, order, sources = kernels._kernels.LANES, sums.row_ptr, sums.order, sums.sources.tolist()
    rows: list[list[int]] = [[] for _ in range(sums.size)]
    for r0 in range(0, sums.size, lanes):
        length = np.diff(ptr[r0 : r0 + lanes + 1]).tolist()
        columns = length[-1] if len(length) == lanes else 0
        at = int(ptr[r0]) + columns * lanes
        for lane, size in enumerate(length):
            row = (
                sources[int(ptr[r0]) + lane : int(ptr[r0]) + columns * lanes : lanes]
                + sources[at : at + size - columns]
            )
            rows[int(order[r0 + lane])] = row
            at += size - columns
    return rows


@needs_compiled
def test_in_sums_layout_across_windows() -> None:
    # more targets than one window of the compiled layout (16384): every window is sorted
    # on its own, and the layout holds each in-edge once, each target's sources in increasing order
    rng = np.random.default_rng(5)
    n, targets, m = 3000, 40_000, 120_000
    indptr, indices = _hub_pattern(rng, n, targets, m)
    sums = InSums(indptr, indices, targets)
    window = 16384
    assert sorted(sums.order.tolist()) == list(range(targets))
    degree = np.bincount(indices, minlength=targets)
    for lo in range(0, targets, window):
        part = sums.order[lo : lo + window]
        assert part.min() >= lo and part.max() < lo + window
        # largest first; equal degrees in increasing target order
        assert np.lexsort((part, -degree[part])).tolist() == list(range(part.size))
    assert sums.sources.size == m and np.diff(sums.row_ptr).tolist() == degree[sums.order].tolist()
    ptr, placed, _ = _in_edges_by_argsort(indptr, indices, targets)
    assert _rows_of_layout(sums) == [placed[ptr[t] : ptr[t + 1]] for t in range(targets)]
    values = rng.standard_normal(n)
    assert sums.sum(values).tolist() == _sequential_sums(indptr, indices, targets, values)


@needs_compiled
@pytest.mark.parametrize("weighted", [False, True])
def test_in_sums_of_some_targets_on_threads_are_the_same_arrays(weighted: bool) -> None:
    # the layout placed straight by the counting sort on 1-3 threads, over every target or
    # over some (every reached one among them): the same arrays, the sums in source order
    rng = np.random.default_rng(11)
    n, targets = 5000, 30_000
    indptr, indices = _hub_pattern(rng, n, targets, THREADED_EDGES)
    weights = rng.integers(1, 5, indices.size) / 4.0 if weighted else None
    reached = np.flatnonzero(np.bincount(indices, minlength=targets))
    kept = np.union1d(reached, rng.choice(targets, 500))
    values = rng.standard_normal(n)
    terms = values[np.repeat(np.arange(n), np.diff(indptr))] * (1.0 if weights is None else weights)
    expected = np.zeros(targets)
    np.add.at(expected, indices, terms)  # in the order of the edges: increasing source order for each target
    layouts = []
    for threads in (1, 2, 3):
        counts = InCounts(indptr, indices, targets, threads=threads)
        assert counts.shares == threads
        whole, some = InSums.of(counts, None, weights), InSums.of(counts, kept, weights)
        assert whole.sum(values).tolist() == expected.tolist()
        assert some.sum(values).tolist() == expected[kept].tolist()
        layouts.append([a.tolist() for a in (some.order, some.row_ptr, some.sources)])
    assert layouts[0] == layouts[1] == layouts[2]


@needs_compiled
@pytest.mark.parametrize("weighted", [False, True])
def test_in_sums_number_the_sources_most_read_first(monkeypatch: pytest.MonkeyPatch, weighted: bool) -> None:
    # past HOT_SENDERS senders the layout names each source by its place in hot (most out-edges first, by powers of
    # two), and a sum reads the values through that order: the same terms in the same order, so the same bits
    rng = np.random.default_rng(3)
    n, targets = 4000, 6000
    indptr, indices = _hub_pattern(rng, n, targets, 90_000)
    weights = rng.integers(1, 9, indices.size) / 8.0 if weighted else None
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, n)
    plain = InSums(indptr, indices, targets, weights)
    assert plain.hot is None
    monkeypatch.setattr(kernels, "HOT_SENDERS", 100)
    for threads in (1, 3):
        hot = InSums.of(InCounts(indptr, indices, targets, threads=threads), None, weights)
        degree = np.diff(indptr)
        assert sorted(hot.hot.tolist()) == list(range(n))
        groups = np.floor(np.log2(degree[hot.hot] + 1.0))
        assert np.all(np.diff(groups) <= 0)  # most read first
        same_group = np.diff(groups) == 0
        assert np.all(np.diff(hot.hot)[same_group] > 0)  # and in their own order within a group
        assert [[int(hot.hot[s]) for s in row] for row in _rows_of_layout(hot)] == _rows_of_layout(plain)
        assert hot.sum(values).tolist() == plain.sum(values).tolist()
    if not weighted:
        assert plain.sum(values).tolist() == _sequential_sums(indptr, indices, targets, values)


def test_hand_computed_sums(path: str) -> None:
    # 0 -> 1, 0 -> 2, 1 -> 2, 3 -> 2, and 2 sends nowhere
    sums = InSums(np.array([0, 2, 3, 3, 4]), np.array([1, 2, 2, 2], dtype=np.int32), 4)
    assert sums.sum(np.array([1.0, 10.0, 100.0, 1000.0])).tolist() == [0.0, 1.0, 1011.0, 0.0]
    assert InSums(np.array([0]), np.array([], dtype=np.int32), 0).sum(np.array([])).size == 0
    # senders but no edges: every target gets 0
    assert InSums(np.array([0, 0, 0]), np.array([], dtype=np.int32), 9).sum(np.ones(2)).tolist() == [0.0] * 9


@needs_compiled
def test_compiled_kernels_refuse_bad_input() -> None:
    c = kernels._kernels
    with pytest.raises(ValueError, match="outside"):
        InEdges(np.array([0, 1]), np.array([5], dtype=np.int32), 3)
    with pytest.raises(ValueError, match="increasing"):
        InEdges(np.array([0, 2, 1, 2]), np.array([0, 1], dtype=np.int32), 3)
    with pytest.raises(ValueError, match="outside"):
        InSums(np.array([0, 1]), np.array([5], dtype=np.int32), 3)
    with pytest.raises(ValueError, match="outside"):
        InSums(np.array([0, 1]), np.array([-1], dtype=np.int32), 3)
    # 0 -> 0, 1 -> 0 and 1 -> 1
    indptr, indices = np.array([0, 1, 3]), np.array([0, 0, 1], dtype=np.int32)
    sums = InSums(indptr, indices, 2)
    with pytest.raises(ValueError, match="expected"):
        c.slice_sum(sums.row_ptr, sums.order, sums.sources, 2, np.zeros(1), np.empty(2))
    with pytest.raises(ValueError, match="expected"):
        c.slice_sum(sums.row_ptr, sums.order, sums.sources, 2, np.zeros(2), np.empty(5))
    with pytest.raises(ValueError, match="permutation"):
        c.slice_sum(sums.row_ptr, np.array([0, 7], dtype=np.int32), sums.sources, 2, np.zeros(2), np.empty(2))
    with pytest.raises(ValueError, match="span"):
        c.slice_sum(np.array([0, 1, 2]), sums.order, sums.sources, 2, np.zeros(2), np.empty(2))
    # eight rows, the first one short: the chunk's columns would read past it
    backwards = np.array([0, 1, 3, 5, 7, 9, 11, 13, 15])
    with pytest.raises(ValueError, match="decreasing length"):
        c.slice_sum(backwards, np.arange(8, dtype=np.int32), np.zeros(15, dtype=np.int32), 1, np.zeros(1), np.empty(8))
    with pytest.raises(ValueError, match="decreasing length"):
        c.slice_interleave(backwards, np.zeros(15, dtype=np.int32))
    # rows that leave out a target with in-edges, name one twice, or counts for other edges
    counts = InCounts(indptr, indices, 2)
    with pytest.raises(ValueError, match="add up"):
        counts.place(np.array([0], dtype=np.int32))
    with pytest.raises(ValueError, match="add up"):
        counts.place(np.array([0, 1, 1], dtype=np.int32))
    # 0 -> 0, 0 -> 1, 1 -> 0, 1 -> 1: rows naming target 0 twice and target 1 never add up to the edges
    square = np.array([0, 2, 4]), np.array([0, 1, 0, 1], dtype=np.int32)
    with pytest.raises(ValueError, match="no row"):
        InCounts(*square, 2).place(np.array([0, 0], dtype=np.int32))
    other = InCounts(np.array([0, 2, 3]), np.array([1, 1, 0], dtype=np.int32), 2)
    with pytest.raises(ValueError, match="do not count"):
        c.in_place(indptr, indices, 1, other.counts, None, np.empty(3, dtype=np.int64), np.empty(3, dtype=np.int32))
    with pytest.raises(ValueError, match="outside"):
        counts.place(np.array([0, 5], dtype=np.int32))
    # the layout cannot be changed by accident once built
    with pytest.raises(ValueError, match="read-only"):
        sums.sources[0] = 10**6


def test_pagerank_and_components_on_both_paths(path: str) -> None:
    rng = np.random.default_rng(7)
    src, dst = rng.integers(0, 300, 2000), rng.integers(0, 300, 2000)
    graph = pregel.Graph.from_edges(src, dst)
    reference = pagerank(graph, backend="scipy", tol=1e-12).values
    for workers in (1, 3):
        ranks = pagerank(graph, tol=1e-12, workers=workers).values
        np.testing.assert_allclose(ranks, reference, rtol=1e-10, atol=1e-15)
    labels = connected_components(graph, workers=3).values
    _, expected = sp.csgraph.connected_components(graph.to_scipy(), directed=True, connection="weak")
    # same partition of the vertices into components (labels differ in name only)
    assert len(set(zip(labels.tolist(), expected.tolist()))) == len(set(expected.tolist()))


@needs_compiled
def test_the_compiled_kernels_and_the_fallback_give_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    # both add each target's messages in increasing source order: not close, identical
    rng = np.random.default_rng(8)
    graph = pregel.Graph.from_edges(rng.integers(0, 500, 4000), rng.integers(0, 500, 4000))
    indptr, indices = _hub_pattern(rng, 400, 300, 5000)
    values = rng.standard_normal(400) * 10.0 ** rng.integers(-8, 9, 400)
    compiled = [pagerank(graph, tol=0.0, max_supersteps=30, workers=w).values for w in (1, 3)]
    compiled_sums = InSums(indptr, indices, 300).sum(values)
    fallback(monkeypatch)
    for workers, ranks in zip((1, 3), compiled):
        np.testing.assert_array_equal(pagerank(graph, tol=0.0, max_supersteps=30, workers=workers).values, ranks)
    np.testing.assert_array_equal(InSums(indptr, indices, 300).sum(values), compiled_sums)


def test_without_the_extension_pregel_runs_on_scipy() -> None:
    # a fresh interpreter in which the extension cannot be imported, as where no compiler built it
    code = (
        "import sys; sys.modules['pregel.core._kernels'] = None\n"
        "import pregel\n"
        "from pregel.core import kernels\n"
        "from pregel.algorithms.pagerank import pagerank\n"
        "assert not kernels.COMPILED\n"
        "g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3])\n"
        "print(pagerank(g, tol=1e-14).values.tolist())\n"
    )
    root = str(pregel.__path__[0]).rsplit("/pregel", 1)[0]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=False)
    assert done.returncode == 0, done.stderr
    # 1 → 2, 1 → 3, 2 → 3, with 3 dangling: the linear system solved exactly
    d = 0.85
    links = np.array([[0, 0, 0], [0.5, 0, 0], [0.5, 1, 0]])
    system = np.eye(3) - d * (links + np.outer(np.ones(3), [0, 0, 1.0]) / 3)
    np.testing.assert_allclose(json.loads(done.stdout), np.linalg.solve(system, np.full(3, (1 - d) / 3)), atol=1e-12)


# ---------------------------------------------------------------- triangles' kernels
def _symmetric_rows(rng: np.random.Generator, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """A simple undirected graph's sorted rows (each edge both ways, no self-loops)."""
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    pairs = np.unique(np.concatenate([src[keep] * n + dst[keep], dst[keep] * n + src[keep]]))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs // n, minlength=n), out=indptr[1:])
    return indptr, (pairs % n).astype(np.int32)


def _wedges_by_hand(indptr: np.ndarray, indices: np.ndarray) -> list[tuple[int, int, int]]:
    """Every wedge u < v < w (v and w neighbours of u), by plain Python loops."""
    rows = [set(indices[indptr[u] : indptr[u + 1]].tolist()) for u in range(indptr.size - 1)]
    return [(u, v, w) for u, row in enumerate(rows) for v in row for w in row if u < v < w]


def test_blooms_hold_every_neighbour_above(path: str) -> None:
    rng = np.random.default_rng(11)
    indptr, indices = _symmetric_rows(rng, 200, 1500)
    blooms = kernels.bloom_rows(indptr, indices, np.arange(200), 200, 2)
    for r in range(200):
        above = [w for w in indices[indptr[r] : indptr[r + 1]].tolist() if w > r]
        bits = {int(b) for b in kernels.bloom_bits(np.array(above, dtype=np.int64), 2)}
        assert bits == {k for k in range(128) if int(blooms[r, k // 64]) >> (k % 64) & 1}


def test_wedge_candidates_pass_every_wedge_through_a_full_bloom_and_every_closing_one(path: str) -> None:
    rng = np.random.default_rng(12)
    n = 150
    indptr, indices = _symmetric_rows(rng, n, 900)
    wedges = _wedges_by_hand(indptr, indices)
    edges = {(int(s), int(t)) for s in range(n) for t in indices[indptr[s] : indptr[s + 1]]}
    # one message per edge u < v, to u from v, in receiver order, the rows being the whole graph
    receiver = np.array([u for u in range(n) for v in indices[indptr[u] : indptr[u + 1]] if v > u], dtype=np.int64)
    sender = np.array([v for u in range(n) for v in indices[indptr[u] : indptr[u + 1]] if v > u], dtype=np.int64)
    full = np.column_stack([sender, np.full((sender.size, 4), -1)])
    targets, found = kernels.wedge_candidates(indptr, indices, np.arange(n), receiver, full, 8, n)
    assert np.all(np.diff(targets) >= 0)
    got = sorted(zip((found >> 8).tolist(), targets.tolist(), (found & 255).tolist()))
    assert got == sorted(wedges)
    blooms = kernels.bloom_rows(indptr, indices, np.arange(n), n, 4).view(np.int64)
    filtered = np.column_stack([sender, blooms[sender]])
    targets, found = kernels.wedge_candidates(indptr, indices, np.arange(n), receiver, filtered, 8, n)
    got = set(zip((found >> 8).tolist(), targets.tolist(), (found & 255).tolist()))
    closing = {(u, v, w) for u, v, w in wedges if (v, w) in edges}
    assert closing <= got <= set(wedges) and len(got) < len(wedges)


def test_closed_wedges_are_counted_per_receiver_and_corner(path: str) -> None:
    rng = np.random.default_rng(13)
    n = 120
    indptr, indices = _symmetric_rows(rng, n, 700)
    wedges = sorted(_wedges_by_hand(indptr, indices), key=lambda t: t[1])
    edges = {(int(s), int(t)) for s in range(n) for t in indices[indptr[s] : indptr[s + 1]]}
    # the rows of vertices 40..119 receive the wedges through them
    mine = [(u, v, w) for u, v, w in wedges if v >= 40]
    receiver = np.array([v - 40 for _, v, _ in mine], dtype=np.int64)
    packed = np.array([u << 7 | w for u, _, w in mine], dtype=np.int64)
    found, times = kernels.close_wedges(indptr[40:] - indptr[40], indices[indptr[40] :], receiver, packed, 7, n)
    expected_found, expected_times = np.zeros(80, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for u, v, w in mine:
        if (v, w) in edges:
            expected_found[v - 40] += 1
            expected_times[[u, w]] += 1
    assert expected_found.sum() > 0
    np.testing.assert_array_equal(found, expected_found)
    np.testing.assert_array_equal(times, expected_times)


@needs_compiled
def test_the_triangle_kernels_refuse_bad_input() -> None:
    c = kernels._kernels
    indptr, indices, ids = np.array([0, 1, 2]), np.array([1, 0], dtype=np.int32), np.arange(2)
    with pytest.raises(ValueError, match="power of two"):
        c.bloom_rows(indptr, indices, ids, 2, 3, np.empty(6, dtype=np.uint64))
    with pytest.raises(ValueError, match="outside"):
        c.bloom_rows(indptr, np.array([1, 5], dtype=np.int32), ids, 2, 1, np.empty(2, dtype=np.uint64))
    with pytest.raises(ValueError, match="outside"):
        kernels.wedge_candidates(indptr, indices, ids, np.array([7]), np.array([[1, -1]]), 1, 2)
    with pytest.raises(ValueError, match="outside"):
        kernels.close_wedges(indptr, indices, np.array([0]), np.array([9 << 1 | 1]), 1, 2)
    with pytest.raises(ValueError, match="expected"):
        c.close_wedges(
            indptr, indices, np.array([0]), np.array([1, 2]), 1, np.zeros(2, np.int64), np.zeros(2, np.int64)
        )


@needs_compiled
def test_the_triangle_kernels_and_their_fallback_give_the_same_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(14)
    n = 300
    indptr, indices = _symmetric_rows(rng, n, 3000)
    ids = np.arange(n)

    def run() -> list[np.ndarray]:
        blooms = kernels.bloom_rows(indptr, indices, ids, n, 4)
        receiver = np.repeat(ids, np.diff(indptr))
        below = indices > receiver
        told = np.column_stack([indices[below], blooms.view(np.int64)[indices[below]]])
        targets, wedges = kernels.wedge_candidates(indptr, indices, ids, receiver[below], told, 9, n)
        order = np.argsort(targets, kind="stable")
        found, times = kernels.close_wedges(indptr, indices, targets[order], wedges[order], 9, n)
        return [blooms, targets, wedges, found, times]

    compiled = run()
    fallback(monkeypatch)
    for ours, theirs in zip(run(), compiled):
        np.testing.assert_array_equal(ours, theirs)


@needs_compiled
@pytest.mark.parametrize("parts", [1, 2, 3, 4, 7])
@pytest.mark.parametrize(
    ("source_type", "target_type"), [(np.int32, np.int32), (np.int64, np.int32), (np.int64, np.int64)]
)
def test_deal_groups_edges_by_the_owner_of_their_source_stably(parts, source_type, target_type):
    from pregel.core.held import owner_of

    rng = np.random.default_rng(parts)
    src = rng.integers(0, 2**31 - 1, 5000).astype(source_type)
    dst = rng.integers(0, 2**31 - 1, 5000).astype(target_type)
    if target_type == np.int64:
        dst[::7] += 2**31  # targets up to 2**32 - 1 still pack
    w = rng.random(5000)
    keys, dealt, ends, top = kernels.deal(src, dst, w, parts)
    # the reference: numpy's hash, then a stable sort by owner
    owner = owner_of(src, parts)
    order = np.argsort(owner, kind="stable")
    expected = (src[order].astype(np.uint64) << np.uint64(32)) | dst[order].astype(np.uint64)
    assert keys.tolist() == expected.tolist()
    assert dealt.tolist() == w[order].tolist()
    assert ends == np.cumsum(np.bincount(owner, minlength=parts)).tolist()
    assert top == int(dst.max())
    unweighted = kernels.deal(src, dst, None, parts)
    assert unweighted[1] is None and unweighted[0].tolist() == expected.tolist()


@needs_compiled
@pytest.mark.parametrize("bad", [-1, 2**32, 2**40])
def test_deal_refuses_ids_that_do_not_pack_into_a_key(bad):
    src, dst = np.array([1, 2, 3]), np.array([4, 5, 6])
    assert kernels.deal(src, dst, None, 2) is not None
    for column in (src, dst):
        column[1] = bad
        assert kernels.deal(src, dst, None, 2) is None
        column[1] = 2
    assert kernels.deal(np.array([1, -1], dtype=np.int32), np.array([1, 2], dtype=np.int32), None, 2) is None


def test_deal_without_the_extension_leaves_the_edges_to_numpy(monkeypatch):
    fallback(monkeypatch)
    assert kernels.deal(np.array([1]), np.array([2]), None, 2) is None


@needs_compiled
@pytest.mark.parametrize("top", [0, 5, 2**20, 2**44, 2**64 - 1])
def test_sorted_keys_are_numpys_sort_of_the_runs_joined(top):
    rng = np.random.default_rng(top % 1000)
    runs = [rng.integers(0, top, size, dtype=np.uint64, endpoint=True) for size in (0, 1, 3000, 700)]
    expected = np.sort(np.concatenate(runs))
    keys, largest = kernels.sorted_keys(list(runs))
    assert keys.tolist() == expected.tolist()
    assert largest == int((expected & np.uint64(2**32 - 1)).max())


@needs_compiled
@pytest.mark.parametrize("wide", [False, True])
def test_key_rows_are_the_distinct_edges_in_rows(wide):
    rng = np.random.default_rng(3)
    src = rng.integers(0, 50, 4000) * 1000
    dst = rng.integers(0, 2**32 if wide else 2**31, 4000) % (2**32 if wide else 300)
    keys = np.sort((src.astype(np.uint64) << np.uint64(32)) | dst.astype(np.uint64))
    seen = np.zeros((int(dst.max()) >> 3) + 1, dtype=np.uint8)
    ids, indptr, targets, repeats = kernels.key_rows(keys, wide, seen)
    edges = sorted(set(zip(src.tolist(), dst.tolist())))  # the reference: Python's set of pairs
    assert np.flatnonzero(np.unpackbits(seen, bitorder="little")).tolist() == sorted({t for _, t in edges})
    assert repeats == 4000 - len(edges)
    assert ids.tolist() == sorted({s for s, _ in edges})
    assert targets.dtype == (np.int64 if wide else np.int32)
    rows = [(int(ids[r]), int(t)) for r in range(ids.size) for t in targets[indptr[r] : indptr[r + 1]]]
    assert rows == edges


def test_expand_lists_the_rows_out_edges_and_their_labels(path: str) -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(0, 25))
        indptr = np.concatenate([[0], np.cumsum(rng.integers(0, 5, n))])
        rows = None if rng.random() < 0.3 else rng.choice(n, int(rng.integers(0, n + 1)), replace=False)
        asked = range(n) if rows is None else rows.tolist()
        labels = None if rng.random() < 0.5 else rng.integers(-50, 50, len(asked))
        named = list(range(len(asked))) if labels is None else labels.tolist()
        positions, owners = kernels.expand(indptr, rows, labels, owners=True)
        assert positions.tolist() == [e for r in asked for e in range(indptr[r], indptr[r + 1])]
        assert owners.tolist() == [named[k] for k, r in enumerate(asked) for _ in range(indptr[r], indptr[r + 1])]
        alone, none = kernels.expand(indptr, rows)
        assert alone.tolist() == positions.tolist() and none is None


@needs_compiled
def test_expand_refuses_rows_outside_the_pointers() -> None:
    with pytest.raises(ValueError, match="row out of range"):
        kernels._kernels.expand(np.array([0, 2, 3]), np.array([2]), None, np.empty(0, dtype=np.int64), None)
    with pytest.raises(ValueError, match="one per out-edge"):
        kernels._kernels.expand(np.array([0, 2, 3]), np.array([0]), None, np.empty(3, dtype=np.int64), None)
    # rows whose lengths add up past 2**63 wrap around to the size of the outputs: refused before anything is written
    huge = np.array([0, 2**62], dtype=np.int64)
    with pytest.raises(ValueError, match="one per out-edge"):
        kernels._kernels.expand(huge, np.zeros(4, dtype=np.int64), None, np.empty(0, dtype=np.int64), None)
    with pytest.raises(ValueError, match="at least one pointer"):
        kernels._kernels.expand(np.empty(0, dtype=np.int64), None, None, np.empty(0, dtype=np.int64), None)
