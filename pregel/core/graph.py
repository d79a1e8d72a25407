"""Graph: CSR out-edges over vertices indexed in sorted order of their original ids (integers or strings)."""

from __future__ import annotations

import hashlib
import zlib
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core import tables
from pregel.core.types import html_table
from pregel.errors import InputError, ProgramError, UnknownVertex

if TYPE_CHECKING:
    import networkx
    import scipy.sparse


def named(labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The labels of vertex ``ids`` of a labelled graph; None for a negative id (no vertex).

    In a labelled graph the ids are ``0..n-1``, so an id is its own label's index. No
    vertex is None, where a label may be any string (``""`` too).

    Examples
    --------
    >>> named(np.array(["a", "b"], dtype=object), np.array([1, -1])).tolist()
    ['b', None]
    """
    if ids.size == 0 or ids.min() >= 0:
        return labels[ids]
    shown = np.full(ids.shape, None, dtype=object)
    real = ids >= 0
    shown[real] = labels[ids[real]]
    return shown


def index_dtype(n: int) -> type:
    """The smallest index dtype that holds 0..n (int32 halves the memory of edges)."""
    return np.int32 if n < 2**31 - 1 else np.int64


# long arrays are processed in pieces of this many entries, so temporaries stay small: small
# enough to be reused from one piece to the next (fresh memory costs more than the arithmetic)
_CHUNK = 1 << 16


def as_ids(values: Any, naming: str = "a mutation names") -> np.ndarray:
    """Original vertex ids as ``int64``; ProgramError naming the first that is not an integer of that range.

    A whole float (a target computed with ``/``) is the vertex it names.

    Examples
    --------
    >>> as_ids([3, 4.0]).tolist()
    [3, 4]
    >>> as_ids([2.5], "Hop sent a message to")
    Traceback (most recent call last):
    ...
    pregel.errors.ProgramError: Hop sent a message to vertex 2.5, which is not an id (an integer of the int64 range)
    """
    flat = np.asarray(values).ravel()
    if flat.dtype.kind == "i" or flat.size == 0:
        return flat.astype(np.int64)
    good = np.zeros(flat.size, dtype=bool)
    if flat.dtype.kind in "uf":
        good = (flat == np.floor(flat)) & (flat >= -(2.0**63)) & (flat < 2.0**63)
    elif flat.dtype.kind == "O":
        good = np.array([isinstance(x, (int, np.integer)) and -(2**63) <= x < 2**63 for x in flat.tolist()])
    if not good.all():
        bad = flat[np.flatnonzero(~good)[0]]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        raise ProgramError(f"{naming} vertex {bad!r}, which is not an id (an integer of the int64 range)")
    return flat.astype(np.int64)


def find(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``wanted`` in the sorted ``ids`` (``int64``), and which of them are there.

    Examples
    --------
    >>> pos, found = find(np.array([10, 20, 30]), np.array([20, 25, 40]))
    >>> pos.tolist(), found.tolist()
    ([1, 2, 3], [True, False, False])
    """
    pos = np.searchsorted(ids, wanted).astype(np.int64, copy=False)
    found = pos < ids.size
    found[found] = ids[pos[found]] == wanted[found]
    return pos, found


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values of the sorted ``ordered`` starts: a mask, True at each run's first value.

    Examples
    --------
    >>> run_starts(np.array([1, 1, 2, 5, 5])).tolist()
    [True, False, True, True, False]
    """
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values: one sort and one comparison (``np.unique`` of numpy 2 does more, ten times slower).

    Examples
    --------
    >>> distinct(np.array([7, 2, 7])).tolist()
    [2, 7]
    """
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


class Graph:
    """A directed graph in compressed sparse row form.

    Vertex ``i`` (``0 <= i < num_vertices``) is the ``i``-th smallest original id,
    ``ids[i]``, so "smallest id" is "smallest index" and results map back with one
    array lookup. Out-edges of ``i`` are ``indices[indptr[i]:indptr[i + 1]]``, sorted,
    with ``weights`` alongside (``None`` for an unweighted graph).

    Duplicate edges are merged into one, keeping the smallest weight (the number
    merged is ``duplicates_merged``); self-loops are kept.

    Original ids that are strings (URLs, user names) are mapped to integers once:
    ``labels`` holds the strings, sorted, and ``ids`` is ``0..n-1``, so vertex ``i`` is
    ``labels[i]``, "smallest id" is "smallest label", and programs see integer ids as
    usual. Whatever shows vertices to a person (``Result.to_dict``, the output files,
    ``index_of``) uses ``original_ids``: the labels where there are some, else the ids.

    Parameters
    ----------
    ids : numpy.ndarray
        Sorted, unique original vertex ids (``int64``).
    indptr : numpy.ndarray
        Row pointers, length ``len(ids) + 1`` (``int64``).
    indices : numpy.ndarray
        Target vertex indices, sorted within each row, no repeats.
    weights : numpy.ndarray or None
        ``float64`` edge weights aligned with ``indices``, or ``None``.
    duplicates_merged : int
        How many duplicate edges were merged when the graph was built.
    labels : numpy.ndarray or None
        The original ids (``str`` objects, sorted, unique) of a graph whose ids were
        strings, aligned with ``ids``; ``None`` when the original ids are the ids.

    Examples
    --------
    >>> g = Graph.from_edges([10, 20, 20], [20, 30, 10])
    >>> g.num_vertices, g.num_edges
    (3, 3)
    >>> g.ids.tolist(), g.out_degree.tolist()
    ([10, 20, 30], [1, 2, 0])
    >>> named = Graph.from_edges(["bob", "alice"], ["carol", "bob"])
    >>> named.ids.tolist(), named.labels.tolist()
    ([0, 1, 2], ['alice', 'bob', 'carol'])
    """

    def __init__(
        self,
        ids: np.ndarray,
        indptr: np.ndarray,
        indices: np.ndarray,
        weights: np.ndarray | None = None,
        duplicates_merged: int = 0,
        labels: np.ndarray | None = None,
    ) -> None:
        self.ids = ids
        self.indptr = indptr
        self.indices = indices
        self.weights = weights
        self.duplicates_merged = duplicates_merged
        self.labels = labels

    # ------------------------------------------------------------------ building
    @classmethod
    def from_edges(
        cls,
        sources: Any,
        targets: Any,
        weights: Any = None,
        vertices: Any = None,
    ) -> Graph:
        """Build a graph from parallel arrays of original source and target ids.

        Parameters
        ----------
        sources, targets : array_like of int or of str
            Original ids of each edge's endpoints: integers, or strings (which become
            the graph's ``labels``; integer ids ``0..n-1`` follow their sorted order).
        weights : array_like of float, optional
            One finite weight per edge; omitted means an unweighted graph.
        vertices : array_like of int or of str, optional
            Extra vertex ids (isolated vertices cannot appear in an edge list).

        Returns
        -------
        Graph

        Raises
        ------
        InputError
            If the arrays differ in length, ids are neither all integers nor all
            strings, or a weight is NaN or infinite.

        Examples
        --------
        >>> g = Graph.from_edges([1, 1, 2], [2, 2, 1], weights=[5.0, 3.0, 1.0])
        >>> g.num_edges, g.duplicates_merged, g.weights.tolist()
        (2, 1, [3.0, 1.0])
        >>> Graph.from_edges(["b", "a"], ["a", "c"]).edge_arrays()[0].tolist()
        ['a', 'b']
        """
        given = [
            _id_array(a, what)
            for a, what in zip(
                (sources, targets) + (() if vertices is None else (vertices,)), ("sources", "targets", "vertices")
            )
        ]
        if any(_holds_strings(a) for a in given):
            return cls._from_strings(given, weights)
        src = _as_ids(given[0], "sources")
        dst = _as_ids(given[1], "targets")
        if src.shape != dst.shape:
            raise InputError(f"sources and targets differ in length ({src.size} and {dst.size})")
        w = _edge_weights(weights, src, dst)
        extra = None if vertices is None else _as_ids(given[2], "vertices")
        columns = [src, dst]
        del src, dst, given
        return cls._from_columns(columns, w, extra)

    @classmethod
    def _from_strings(cls, given: list[np.ndarray], weights: Any) -> Graph:
        """From string ids (sources, targets and perhaps extra vertices): labels sorted, their ranks as ids."""
        for array, what in zip(given, ("sources", "targets", "vertices")):
            if array.size and not _holds_strings(array):
                raise InputError(f"{what}: vertex ids are integers where the others are strings; use one kind")
        labels, codes = tables.string_codes([a.ravel() for a in given])
        if codes[0].shape != codes[1].shape:
            raise InputError(f"sources and targets differ in length ({codes[0].size} and {codes[1].size})")
        w = _edge_weights(weights, labels[codes[0]], labels[codes[1]])
        return cls._from_labelled(labels, codes[0], codes[1], w)

    @classmethod
    def _from_labelled(cls, labels: np.ndarray, src: np.ndarray, dst: np.ndarray, w: np.ndarray | None) -> Graph:
        """From sorted string ``labels`` and each edge's positions in them (handed over: they may be overwritten)."""
        n = labels.size
        itype = index_dtype(n)
        pair = [src.astype(itype, copy=False), dst.astype(itype, copy=False)]
        return cls._from_indexed(np.arange(n, dtype=np.int64), pair, w, owned=True, labels=labels)

    @classmethod
    def _from_edge_columns(cls, columns: tables.EdgeColumns) -> Graph:
        """From the columns a table gave (:mod:`pregel.core.tables`)."""
        if columns.labels is not None:
            return cls._from_labelled(columns.labels, columns.sources, columns.targets, columns.weights)
        if columns.owned:
            # checked, and the reader's own: built in place, as a text edge list's columns are
            pair = [columns.sources, columns.targets]
            columns.sources = columns.targets = None
            return cls._from_columns(pair, columns.weights)
        return cls.from_edges(columns.sources, columns.targets, columns.weights)

    @classmethod
    def _from_columns(cls, columns: list[np.ndarray], w: np.ndarray | None, extra: np.ndarray | None = None) -> Graph:
        """Build from checked ``[sources, targets]`` id arrays, taking them out of the list as they are used.

        Whoever passes the list hands the arrays over, so each is freed as soon as
        it has been turned into indices: that is what keeps the peak memory low.
        """
        ids, to_index = _id_map(columns[0], columns[1], extra)
        pair = [to_index(columns.pop(0))]
        pair.append(to_index(columns.pop(0)))
        return cls._from_indexed(ids, pair, w, owned=True)

    @classmethod
    def _from_indexed(
        cls,
        ids: np.ndarray,
        pair: list[np.ndarray],
        w: np.ndarray | None,
        owned: bool = False,
        labels: np.ndarray | None = None,
    ) -> Graph:
        """Build from ``[sources, targets]`` vertex indices, handed over as for :meth:`_from_columns`.

        ``owned``: the index arrays are this build's own, free to be overwritten.
        """
        n = ids.size
        key = _edge_keys(pair[0], pair[1], n, pair[0] if owned else None)
        if key.size and (key[1:] > key[:-1]).all():
            # already in CSR order with no repeats (SNAP files often are): no sort, nothing to merge
            dst = pair[1]
            pair.clear()
            indices = dst.astype(index_dtype(n), copy=False)
            graph = cls(ids.astype(np.int64, copy=False), _sorted_key_pointers(key, n), indices, w)
        else:
            pair.clear()
            graph = cls._from_keys(ids, key, w)
        graph.labels = labels
        return graph

    @classmethod
    def _from_keys(cls, ids: np.ndarray, key: np.ndarray, w: np.ndarray | None) -> Graph:
        """The CSR of edges given as ``src * n + dst`` keys (the array is sorted in place)."""
        n = ids.size
        if w is None:
            key.sort()  # in place: no permutation array, and numpy's SIMD sort is fast
        else:
            key, w = _sort_weighted(key, w, n)
        merged = 0
        if key.size:
            first = run_starts(key)
            merged = int(key.size - np.count_nonzero(first))
            if merged:
                # duplicates keep the smallest weight: they are adjacent, in input order
                w = None if w is None else np.minimum.reduceat(w, np.flatnonzero(first))
                key = key[first]
            del first
            indptr = _sorted_key_pointers(key, n)
        else:
            indptr = np.zeros(n + 1, dtype=np.int64)
        if key.dtype == np.uint32:
            # targets below n < 2**16 have the bits of their int32 selves: a view, not a copy
            indices = np.remainder(key, n, out=key).view(np.int32)
        else:
            # one pass from the keys to narrow targets, not a remainder and then a cast
            indices = np.remainder(key, n, out=np.empty(key.size, dtype=index_dtype(n)), casting="unsafe")
        del key
        return cls(ids.astype(np.int64, copy=False), indptr, indices, w, merged)

    @classmethod
    def from_pandas(cls, frame: Any, source: Any = "source", target: Any = "target", weight: Any = None) -> Graph:
        """Build a graph from the edge columns of a pandas DataFrame.

        Integer columns are used where they lie (no copy before the graph is built);
        string columns become the graph's ``labels``.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per edge.
        source, target : column key
            The columns of each edge's endpoints (integers or strings).
        weight : column key, optional
            A numeric column of edge weights; omitted means an unweighted graph.

        Returns
        -------
        Graph

        Raises
        ------
        InputError
            Naming the column: missing, of the wrong type, or with a missing value.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"a": ["x", "y"], "b": ["y", "z"], "w": [1.5, 2.0]})
        >>> Graph.from_pandas(df, source="a", target="b", weight="w").labels.tolist()
        ['x', 'y', 'z']
        """
        return cls._from_edge_columns(tables.columns_from_pandas(frame, source, target, weight))

    @classmethod
    def from_polars(cls, frame: Any, source: Any = "source", target: Any = "target", weight: Any = None) -> Graph:
        """Build a graph from the edge columns of a polars DataFrame (through Arrow, without copying numbers).

        Parameters and errors as for :meth:`from_pandas`.

        Examples
        --------
        >>> import polars as pl
        >>> Graph.from_polars(pl.DataFrame({"source": [1, 2], "target": [2, 3]}))
        <Graph: 3 vertices, 2 edges, unweighted>
        """
        return cls._from_edge_columns(tables.columns_from_polars(frame, source, target, weight))

    @classmethod
    def from_arrow(cls, data: Any, source: Any = "source", target: Any = "target", weight: Any = None) -> Graph:
        """Build a graph from a pyarrow Table, RecordBatch or RecordBatchReader, batch by batch.

        Columns are named, or numbered from 0. Integer columns of any width are used
        where they lie when the table has one chunk; string columns (also
        dictionary-encoded ones) become the graph's ``labels``.

        Parameters and errors as for :meth:`from_pandas`.

        Examples
        --------
        >>> import pyarrow as pa
        >>> table = pa.table({"from": pa.array([1, 2], pa.int32()), "to": pa.array([2, 3], pa.uint8())})
        >>> Graph.from_arrow(table, source="from", target="to").ids.tolist()
        [1, 2, 3]
        """
        return cls._from_edge_columns(tables.columns_from_arrow(data, source, target, weight))

    @classmethod
    def from_scipy(cls, matrix: scipy.sparse.spmatrix | scipy.sparse.sparray, ids: Any = None) -> Graph:
        """Build a graph from a square sparse matrix: entry ``(i, j)`` is an edge i → j.

        Every stored entry is an edge, with its value as weight (explicit zeros
        included). Vertex ``i`` gets original id ``ids[i]`` (default ``i``).

        Examples
        --------
        >>> import scipy.sparse as sp
        >>> g = Graph.from_scipy(sp.coo_array(([2.0, 3.0], ([0, 1], [1, 0])), shape=(3, 3)))
        >>> g.num_vertices, g.weights.tolist()
        (3, [2.0, 3.0])
        """
        import scipy.sparse as sp

        coo = sp.coo_array(matrix)
        if coo.shape[0] != coo.shape[1]:
            raise InputError(f"adjacency matrix must be square, got shape {coo.shape}")
        n = coo.shape[0]
        vertex_ids = np.arange(n, dtype=np.int64) if ids is None else _as_ids(ids, "ids")
        if vertex_ids.size != n:
            raise InputError(f"{vertex_ids.size} ids for a {n} x {n} matrix")
        return cls.from_edges(vertex_ids[coo.row], vertex_ids[coo.col], coo.data, vertices=vertex_ids)

    @classmethod
    def from_networkx(cls, graph: networkx.Graph, weight: str | None = "weight") -> Graph:
        """Build a graph from a networkx graph whose nodes are integers, or strings (which become ``labels``).

        An undirected networkx graph becomes a directed one with both directions of
        every edge. Edge attribute ``weight`` (if any edge has it; others weigh 1)
        becomes the weight. The parallel edges of a multigraph become one edge, as
        repeated lines of an edge list do (the smallest weight stays: what shortest paths
        read), whereas networkx's PageRank adds them up; the networkx backend
        (``backend="pregel"``) keeps every parallel edge, and gives networkx's answers.

        Examples
        --------
        >>> import networkx as nx
        >>> g = Graph.from_networkx(nx.path_graph(3))
        >>> g.num_edges
        4
        """
        edges = list(graph.edges(data=weight, default=1.0)) if weight else list(graph.edges())
        has_weight = weight is not None and any(weight in d for *_, d in graph.edges(data=True))
        # fromiter: one object per node even where nodes are tuples (np.array would make a 2-d array of them)
        src = np.fromiter((e[0] for e in edges), dtype=object, count=len(edges))
        dst = np.fromiter((e[1] for e in edges), dtype=object, count=len(edges))
        w = _networkx_weights(edges) if has_weight else None
        if not graph.is_directed():
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            w = None if w is None else np.concatenate([w, w])
        nodes = np.fromiter(graph.nodes, dtype=object, count=graph.number_of_nodes())
        return cls.from_edges(src, dst, w, vertices=nodes)

    # --------------------------------------------------------------- properties
    @property
    def num_vertices(self) -> int:
        """Number of vertices."""
        return int(self.ids.size)

    @property
    def num_edges(self) -> int:
        """Number of (distinct) edges."""
        return int(self.indices.size)

    @property
    def is_weighted(self) -> bool:
        """Whether edges carry weights."""
        return self.weights is not None

    @property
    def original_ids(self) -> np.ndarray:
        """The vertices as the input named them, aligned with ``ids``: ``labels`` if any, else ``ids``.

        Examples
        --------
        >>> Graph.from_edges(["b"], ["a"]).original_ids.tolist(), Graph.from_edges([7], [3]).original_ids.tolist()
        (['a', 'b'], [3, 7])
        """
        return self.ids if self.labels is None else self.labels

    def to_original(self, ids: np.ndarray) -> np.ndarray:
        """The original ids of vertex ``ids`` (say, component labels): the strings of a labelled graph.

        A negative id (no vertex: an unmatched vertex's partner) stays as it is in a graph
        of integer ids, and is None in a labelled graph (any string, ``""`` too, may be a label).

        Examples
        --------
        >>> Graph.from_edges(["b"], ["a"]).to_original(np.array([1, -1, 0])).tolist()
        ['b', None, 'a']
        """
        return ids if self.labels is None else named(self.labels, ids)

    @cached_property
    def out_degree(self) -> np.ndarray:
        """Out-degree of each vertex (``int64``)."""
        return np.diff(self.indptr)

    @cached_property
    def sources(self) -> np.ndarray:
        """Source index of each edge, aligned with ``indices``."""
        return np.repeat(np.arange(self.num_vertices, dtype=self.indices.dtype), self.out_degree)

    def index_of(self, ids: Any, what: str = "vertex") -> np.ndarray:
        """Vertex indices of original ``ids`` (labels, in a labelled graph); raises InputError naming an unknown one.

        Examples
        --------
        >>> Graph.from_edges([5], [9]).index_of([9, 5]).tolist()
        [1, 0]
        >>> Graph.from_edges(["x"], ["y"]).index_of("y").tolist()
        [1]
        """
        if self.labels is None:
            wanted = np.atleast_1d(np.asarray(ids))
            if wanted.size and wanted.dtype.kind not in "iu":
                try:
                    wanted = _as_ids(wanted, what)
                except InputError:
                    odd = next(v for v in wanted.tolist() if not _is_integral(v))
                    raise UnknownVertex(
                        f"{what} {odd!r} is not in the graph (its vertices are named by integers)"
                    ) from None
        else:
            wanted = np.atleast_1d(np.asarray(ids, dtype=object))
            for v in wanted.tolist():
                if not isinstance(v, str):
                    raise UnknownVertex(f"{what} {v!r} is not in the graph (its vertices are named by strings)")
        known = self.original_ids
        pos = np.searchsorted(known, wanted)
        pos = np.minimum(pos, max(self.num_vertices - 1, 0))
        missing = (known[pos] != wanted) if self.num_vertices else np.ones(wanted.shape, bool)
        if missing.any():
            unknown = wanted[np.flatnonzero(missing)[0]]
            shown = repr(unknown) if isinstance(unknown, str) else unknown
            raise UnknownVertex(f"{what} {shown} is not in the graph")
        return pos

    def ids_of(self, ids: Any, what: str = "vertex") -> np.ndarray:
        """The ids programs see (``ids``) of original ``ids``: a label's number in a labelled graph.

        A program compares ``v.ids`` with the sources it was given, so a source named by a
        label must reach it as the label's number; raises InputError naming an unknown id.

        Examples
        --------
        >>> Graph.from_edges(["x"], ["y"]).ids_of(["y", "x"]).tolist()
        [1, 0]
        >>> Graph.from_edges([5], [9]).ids_of(9).tolist()
        [9]
        """
        return self.ids[self.index_of(ids, what)]

    # -------------------------------------------------------------------- views
    def edge_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The edges as original ``(sources, targets, weights)`` arrays (labels, in a labelled graph)."""
        return self.original_ids[self.sources], self.original_ids[self.indices], self.weights

    def reverse(self) -> Graph:
        """The graph with every edge turned around.

        Examples
        --------
        >>> Graph.from_edges([1], [2]).reverse().edge_arrays()[0].tolist()
        [2]
        """
        return self._from_indexed(self.ids, [self.indices, self.sources.copy()], self.weights, labels=self.labels)

    def to_undirected(self) -> Graph:
        """Both directions of every edge (merged edges keep the smaller weight).

        Examples
        --------
        >>> Graph.from_edges([1, 2], [2, 3]).to_undirected().num_edges
        4
        """
        src = np.concatenate([self.sources, self.indices])
        dst = np.concatenate([self.indices, self.sources])
        w = None if self.weights is None else np.concatenate([self.weights, self.weights])
        g = self._from_indexed(self.ids, [src, dst], w, labels=self.labels)
        g.duplicates_merged = self.duplicates_merged
        return g

    def to_scipy(self) -> scipy.sparse.csr_array:
        """The adjacency matrix (weights, or ones), ``A[i, j]`` for edge i → j.

        Examples
        --------
        >>> Graph.from_edges([1], [2]).to_scipy().toarray().tolist()
        [[0.0, 1.0], [0.0, 0.0]]
        """
        import scipy.sparse as sp

        data = np.ones(self.num_edges) if self.weights is None else self.weights
        n = self.num_vertices
        return sp.csr_array((data, self.indices, self.indptr), shape=(n, n))

    def to_networkx(self, weights: bool = True) -> networkx.DiGraph:
        """A ``networkx.DiGraph`` with the same vertices (original ids), edges and (optionally) weights.

        Examples
        --------
        >>> Graph.from_edges([1], [2]).to_networkx().number_of_edges()
        1
        """
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.original_ids.tolist())
        src, dst, w = self.edge_arrays()
        if weights and w is not None:
            g.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist()))
        else:
            g.add_edges_from(zip(src.tolist(), dst.tolist()))
        return g

    def fingerprint(self, kind: str = "crc32") -> str:
        """A hash of the graph's content (ids, edges, weights), for telling graphs apart.

        It reads every array once, so checkpoints can refuse to resume on another graph
        without storing it. ``kind="crc32"`` (the default, ``crc32:`` then one CRC-32 per
        array, at ~3 GB/s: 30 ms for 10M edges) tells apart graphs that are not made to
        collide; ``"blake2b"`` (a 128-bit BLAKE2b, at ~0.8 GB/s) is what checkpoints
        written before December 4, 2026 hold.

        Examples
        --------
        >>> a = Graph.from_edges([1, 2], [2, 3]).fingerprint()
        >>> a == Graph.from_edges([2, 1], [3, 2]).fingerprint(), a == Graph.from_edges([1], [2]).fingerprint()
        (True, False)
        >>> a.startswith("crc32:"), len(Graph.from_edges([1], [2]).fingerprint("blake2b"))
        (True, 32)
        """
        parts: list[tuple[str, bytes | memoryview]] = []
        for name in ("ids", "indptr", "indices", "weights"):
            array = getattr(self, name)
            if array is not None:
                parts.append((f"{name}:{array.dtype.str}:{array.size}", np.ascontiguousarray(array).data))
        if self.labels is not None:
            # each label's length first, so that no two lists of labels give the same bytes
            lengths = np.fromiter(map(len, self.labels), dtype=np.int64, count=self.labels.size)
            parts.append(("labels", lengths.tobytes() + "".join(self.labels.tolist()).encode("utf-8", "surrogatepass")))
        if kind == "blake2b":
            digest = hashlib.blake2b(digest_size=16)
            for header, data in parts:
                if header != "labels":
                    digest.update(f"{header};".encode())
                digest.update(data)
            return digest.hexdigest()
        if kind != "crc32":
            raise ValueError(f"unknown fingerprint kind {kind!r}")
        return "crc32:" + ",".join(f"{header}={zlib.crc32(data):08x}" for header, data in parts)

    def __repr__(self) -> str:
        kind = "weighted" if self.is_weighted else "unweighted"
        named = "" if self.labels is None else ", string ids"
        return f"<Graph: {self.num_vertices} vertices, {self.num_edges} edges, {kind}{named}>"

    def _repr_html_(self) -> str:
        """What Jupyter shows: the graph's size, ids, degrees and weights in a small table."""
        n = self.num_vertices
        in_degree = np.bincount(self.indices, minlength=n)
        rows = [("vertices", f"{n:,}"), ("edges", f"{self.num_edges:,}")]
        if n:
            rows += [
                ("ids", f"{self.ids[0]:,} … {self.ids[-1]:,}"),
                ("out-degree", f"mean {self.num_edges / n:.3g}, max {int(self.out_degree.max()):,}"),
                ("in-degree", f"max {int(in_degree.max()):,}"),
                ("dangling (no out-edge)", f"{int((self.out_degree == 0).sum()):,}"),
                ("self-loops", f"{int((self.sources == self.indices).sum()):,}"),
            ]
        if self.weights is not None and self.weights.size:
            rows.append(("weights", f"{self.weights.min():.6g} … {self.weights.max():.6g}"))
        if self.duplicates_merged:
            rows.append(("duplicate edges merged", f"{self.duplicates_merged:,}"))
        return html_table(rows, caption="pregel graph, " + ("weighted" if self.is_weighted else "unweighted"))


def _edge_keys(src: np.ndarray, dst: np.ndarray, n: int, spare: np.ndarray | None = None) -> np.ndarray:
    """One key per edge, ordered by source then target: ``uint32`` while ``n * n`` fits (it sorts faster).

    A ``spare`` array of the keys' item size (``src`` itself, when the caller may overwrite
    it) receives the keys: memory touched for the first time costs more than the arithmetic.
    """
    dtype = np.uint32 if n * n < 2**32 else np.int64
    out = None if spare is None or spare.dtype.itemsize != np.dtype(dtype).itemsize else spare.view(dtype)
    key = np.multiply(src, n, dtype=dtype, casting="unsafe", out=out)
    np.add(key, dst, out=key, casting="unsafe")
    return key


def _sort_weighted(key: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``src * n + dst`` keys sorted (in place), with their weights, equal keys in input order (a stable sort).

    Each key is sorted together with its position, packed into one ``uint64``: numpy's
    SIMD sort of plain integers is several times faster than its stable argsort. When
    key and position do not fit 64 bits together, the targets are sorted first and
    the sources after, each packed with its position (a radix sort of two digits).
    """
    size = key.size
    position_bits = max(size - 1, 1).bit_length()
    positions = np.uint64((1 << position_bits) - 1)
    if position_bits + max(n * n - 1, 1).bit_length() <= 64:
        packed = key.view(np.uint64) if key.dtype == np.int64 else key.astype(np.uint64)
        _pack_positions(packed, position_bits)
        packed.sort()
        sorted_w = np.empty_like(w)
        for k in range(0, size, _CHUNK):
            sorted_w[k : k + _CHUNK] = w[(packed[k : k + _CHUNK] & positions).view(np.int64)]
        np.right_shift(
            packed,
            np.uint64(position_bits),
            out=key.view(np.uint64) if key.dtype == np.int64 else key,
            casting="unsafe",
        )
        return key, sorted_w
    if position_bits + max(n - 1, 1).bit_length() > 64:  # pragma: no cover - beyond any memory
        order = np.argsort(key, kind="stable")
        return key[order], w[order]
    packed = (key % n).astype(np.uint64)
    _pack_positions(packed, position_bits)
    packed.sort()
    order = (packed & positions).view(np.int64)
    np.floor_divide(key[order], n, out=packed, casting="unsafe")
    _pack_positions(packed, position_bits)
    packed.sort()
    packed &= positions
    order = order[packed.view(np.int64)]
    del packed
    return key[order], w[order]


def _pack_positions(values: np.ndarray, position_bits: int) -> None:
    """``values << position_bits | position``, in place (positions made a piece at a time)."""
    values <<= np.uint64(position_bits)
    for k in range(0, values.size, _CHUNK):
        piece = values[k : k + _CHUNK]
        piece |= np.arange(k, k + piece.size, dtype=np.uint64)


def _sorted_key_pointers(key: np.ndarray, n: int) -> np.ndarray:
    """``indptr`` of sorted ``src * n + dst`` keys: where each source's keys begin."""
    return np.searchsorted(key, np.arange(n + 1, dtype=key.dtype) * key.dtype.type(n))


def _id_map(src: np.ndarray, dst: np.ndarray, extra: np.ndarray | None) -> tuple[np.ndarray, Any]:
    """The sorted distinct ids of the edges (and ``extra``), and a function from ids to indices.

    Ids that fill their range densely (the usual case) are mapped through a table over
    the range: O(edges), no sort. Sparse ids are sorted and looked up by bisection.
    """
    parts = [a for a in (src, dst, extra) if a is not None and a.size]
    if not parts:
        return np.empty(0, dtype=np.int64), lambda a: a.astype(np.int32)
    lo = min(int(a.min()) for a in parts)
    span = max(int(a.max()) for a in parts) - lo + 1
    if span > 2 * sum(a.size for a in parts) + (1 << 16):
        ids = np.unique(np.concatenate([np.unique(a) for a in parts]))
        itype = index_dtype(ids.size)
        return ids, lambda a: _chunked(a, lambda c: np.searchsorted(ids, c), itype)
    present = np.zeros(span, dtype=bool)
    for a in parts:
        for k in range(0, a.size, _CHUNK):
            # intp positions take numpy's fast path (narrower ones are converted one by one)
            present[np.subtract(a[k : k + _CHUNK], lo, dtype=np.intp)] = True
    local = np.flatnonzero(present)
    del present
    itype = index_dtype(local.size)
    if lo == 0 and local.size == span:
        # ids 0..n-1, every one used (many SNAP files): each id is its own index. An int32
        # column can only be the reader's own (from_edges makes int64 ids), so it is reused
        return local, lambda a: a if a.dtype == itype == np.int32 else a.astype(itype)
    table = np.empty(span, dtype=itype)
    table[local] = np.arange(local.size, dtype=itype)
    return local + lo, lambda a: _chunked(a, lambda c: np.take(table, c - lo if lo else c), itype, in_place=True)


def _chunked(a: np.ndarray, f: Any, dtype: Any, in_place: bool = False) -> np.ndarray:
    """``f`` over pieces of ``a``, results stored as ``dtype``: temporaries stay small.

    ``in_place``: an ``int32`` ``a`` (only the reader makes those, and hands them over)
    receives the results of ``int32`` ``dtype`` itself, so no fresh memory is touched.
    """
    out = a if in_place and a.dtype == dtype == np.int32 else np.empty(a.size, dtype=dtype)
    for k in range(0, a.size, _CHUNK):
        out[k : k + _CHUNK] = f(a[k : k + _CHUNK])
    return out


def _is_integral(v: Any) -> bool:
    """Whether ``v`` names an integer id (an int, numpy's too, or a float without a fraction; not a bool)."""
    if isinstance(v, bool):
        return False
    return isinstance(v, (int, np.integer)) or (isinstance(v, float) and v.is_integer())


def _as_ids(values: Any, what: str) -> np.ndarray:
    """Original ids as an int64 array; InputError for anything that is not an integer."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise InputError(f"{what}: vertex id {arr.max()} does not fit in 64 bits")
        return np.asarray(arr, dtype=np.int64).ravel()
    flat = arr.ravel()
    out = np.empty(flat.size, dtype=np.int64)
    for k, v in enumerate(flat.tolist()):
        if not _is_integral(v):
            # a tuple or another object: say what a vertex may be named by, and how to get there
            kinds = "" if isinstance(v, str) else " (vertices are named by integers or by strings: relabel the others)"
            raise InputError(f"{what}: vertex id {v!r} is not an integer{kinds}")
        if not -(2**63) <= int(v) < 2**63:
            raise InputError(f"{what}: vertex id {v} does not fit in 64 bits")
        out[k] = int(v)
    return out


def _networkx_weights(edges: list[tuple[Any, Any, Any]]) -> np.ndarray:
    """networkx's ``(u, v, weight)`` weights as ``float64``; InputError naming the first that is not a number.

    Examples
    --------
    >>> _networkx_weights([(1, 2, 0.5), (2, 3, 1)]).tolist()
    [0.5, 1.0]
    >>> _networkx_weights([(1, 2, 0.5), (2, 3, "heavy")])
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: edge (2, 3): weight 'heavy' is not a number
    """
    weights = [e[2] for e in edges]
    try:
        if any(x is None for x in weights):
            raise TypeError  # numpy would read None as NaN, and the message would say NaN
        return np.array(weights, dtype=np.float64)
    except (TypeError, ValueError):
        for u, v, x in edges:
            try:
                if x is None:
                    raise TypeError
                float(x)
            except (TypeError, ValueError):
                raise InputError(f"edge ({u!r}, {v!r}): weight {x!r} is not a number") from None
        raise


def _edge_weights(weights: Any, src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """Weights as ``float64``, one per edge, every one finite; InputError naming the first bad edge."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != src.shape:
        raise InputError(f"weights has {w.size} entries for {src.size} edges")
    bad = ~np.isfinite(w)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"weight of edge ({src[k]}, {dst[k]}) is {w[k]}, not a finite number")
    return w


def _id_array(values: Any, what: str) -> np.ndarray:
    """``values`` as an array; an InputError if they mix strings with other ids.

    numpy makes every item of a list that mixes them a string (``[1, "a"]`` becomes
    ``["1", "a"]``, so the integer ``1`` and the label ``"1"`` would be one vertex).
    Only a list numpy made strings of, and an object array, are looked at (their items'
    types, once): the arrays of integers or of strings pass as they are.

    Examples
    --------
    >>> _id_array([1, "a"], "sources")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: sources: vertex ids mix strings and other values (1 and 'a'); use one kind of id
    """
    try:
        array = np.asarray(values)
    except ValueError:  # a ragged list: some items are sequences
        odd = next((v for v in values if np.ndim(v) > 0), values)
        raise InputError(f"{what}: vertex ids are neither integers nor strings: {odd!r}") from None
    if sum(size > 1 for size in array.shape) > 1:
        # a column of ids may come as an (n, 1) array, but (n, k) would flatten tuple ids into k vertices each
        raise InputError(
            f"{what}: vertex ids are integers or strings, one per edge, not rows of {array.shape[-1]} "
            f"(an array of shape {array.shape})"
        )
    if array.dtype.kind == "U" and isinstance(values, (list, tuple)):
        if all(issubclass(kind, str) for kind in set(map(type, values))):
            return array
        items = np.asarray(values, dtype=object).ravel().tolist()  # a mixed list, or a nested one
    elif array.dtype == object:
        items = array.ravel().tolist()
    else:
        return array
    kinds = set(map(type, items))
    if any(issubclass(kind, str) for kind in kinds) and not all(issubclass(kind, str) for kind in kinds):
        odd = next(v for v in items if not isinstance(v, str))
        text = next(v for v in items if isinstance(v, str))
        raise InputError(f"{what}: vertex ids mix strings and other values ({odd!r} and {text!r}); use one kind of id")
    return array


def _holds_strings(array: np.ndarray) -> bool:
    """Whether an id array holds strings (a numpy ``str`` array, or objects of which the first is a ``str``)."""
    if array.dtype.kind == "U":
        return True
    return array.dtype == object and array.size > 0 and isinstance(array.flat[0], str)
