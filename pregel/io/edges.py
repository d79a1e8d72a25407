"""Reading edge lists and writing results.

Edge lists are SNAP-style text: one ``source target [weight]`` edge per line, fields
separated by whitespace, tabs or commas, ``#`` and ``%`` comment lines, blank lines
allowed, an optional header line of column names first, optionally gzip- or
bzip2-compressed (recognised by content), ``-`` for standard input. Matrix Market
files (``%%MatrixMarket`` header) are read too. Vertex ids are non-negative integers
below 2**53; weights are finite numbers.

Parsing never loops over lines in Python: the text is read in chunks of a few megabytes
and each chunk is checked and converted by the compiled parser (where it was built) or
by numpy, so millions of lines take about a second. The compiled parser reads chunks in
threads side by side (an uncompressed file is mapped into memory, not copied). Only when
a chunk is malformed does a line-by-line pass run, to name the first bad line (see
:mod:`pregel.io.edgetext`).

Tables (Parquet, Arrow, CSV with a header read by column name) are read by
:mod:`pregel.io.tabular`; :func:`read_edges` sends them there.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import mmap
import os
import stat
import sys
from collections.abc import Iterable
from typing import IO, Any

import numpy as np

from pregel.core import extensions
from pregel.core.cores import available_cores
from pregel.core.files import atomic_write
from pregel.core.graph import Graph
from pregel.errors import InputError
from pregel.io.edgetext import (  # noqa: F401 - MAX_ID: part of this module's contract
    MAX_ID,
    PARTS_ARE_INTEGERS,
    EdgeParser,
    WordIds,
    string_table,
)
from pregel.io.shares import is_parts, read_parts
from pregel.io.tabular import read_table, read_words, table_format
from pregel.io.textfile import CHUNK_BYTES, open_text, stream_chunks, text_head

# result lines written in C (floats as repr writes them, by Ryu's method); None: Python writes them
_format = extensions.load("pregel.io._format")

WRITE_LINES = 1 << 21


def read_edges(
    path: str | os.PathLike[str],
    undirected: bool = False,
    src: str | None = None,
    dst: str | None = None,
    weight: str | None = None,
    weights: bool = True,
    threads: int | None = None,
) -> Graph:
    """Read an edge list (text, Matrix Market, or a table: Parquet, Arrow, CSV by column) into a :class:`Graph`.

    Parameters
    ----------
    path : str or path-like
        The file; a folder or glob pattern of part files (text, as Spark and Hadoop write
        them: ``_SUCCESS``, hidden and ``.crc`` files skipped, a folder the pattern matches
        read as a folder; or Parquet; a folder of Arrow files too); ``"-"`` reads standard input.
    undirected : bool
        Add the reverse of every edge.
    src, dst, weight : str, optional
        Columns of a table by name (or position from 0); naming any makes a text file a
        CSV file with a header (see :func:`pregel.io.tabular.read_table`).
    weights : bool
        Keep a third column of a text file as the edge weights. ``False`` (for
        algorithms that ignore weights) gives an unweighted graph, faster to build; the
        column is still checked, so a file is refused alike either way. A table keeps
        the weight column it names or has.
    threads : int, optional
        Threads parsing chunks of a text file side by side (default: one per core).

    Returns
    -------
    Graph
        Weighted if the file has a third column (or a ``weight`` column) and ``weights`` is true.

    Raises
    ------
    InputError
        Naming the file, the line (or column) and the problem: a missing or unreadable
        file, a malformed line, a bad id or weight, or no edges at all.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("# a comment\\n1 2\\n2 3\\n")
    >>> read_edges(f.name)
    <Graph: 3 vertices, 2 edges, unweighted>
    >>> os.remove(f.name)
    """
    named = (src, dst, weight) != (None, None, None)
    parts = not named and is_parts(path)
    if named or (table_format(path) and not parts):
        graph = read_table(path, src, dst, weight)
    else:
        try:
            sources, targets, edge_weights, vertices = _read_columns(path, weights, threads, parts=parts)
        except WordIds as words:
            # (part files are read one by one, and standard input cannot be read again)
            header = None if parts or str(path) == "-" else string_table(words.header, words.lines)
            if header is None:
                raise InputError(str(words) + _why_integers(path, parts)) from None
            graph = read_words(path, header)
        else:
            columns = [sources, targets]
            del sources, targets  # the graph builder frees each column once it is indexed
            graph = Graph._from_columns(columns, edge_weights, vertices)
    return graph.to_undirected() if undirected else graph


def _why_integers(path: str | os.PathLike[str], parts: bool) -> str:
    """Why a text edge list whose first edge names vertices by words was read as integer ids after all."""
    if str(path) == "-":
        return " (standard input is read as integer ids: give the path of a file of word ids)"
    if parts:
        return f"; {PARTS_ARE_INTEGERS}"
    return " (at least half of the file's first lines name vertices by integers: a word among them is a mistake)"


def read_edge_arrays(
    path: str | os.PathLike[str], weights: bool = True, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The edges of a file as ``(sources, targets, weights or None)`` arrays, in file order.

    Ids are ``int64``, weights ``float64``; ``weights`` and ``threads`` as for :func:`read_edges`.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("src,dst,w\\n1,2,0.5\\n")
    >>> [a.tolist() for a in read_edge_arrays(f.name)]
    [[1], [2], [0.5]]
    >>> os.remove(f.name)
    """
    src, dst, w, _ = _read_columns(path, weights, threads, wide=True, parts=is_parts(path))
    return src.astype(np.int64, copy=False), dst.astype(np.int64, copy=False), w


def _read_columns(
    path: str | os.PathLike[str],
    weights: bool = True,
    threads: int | None = None,
    wide: bool = False,
    parts: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """As :func:`read_edge_arrays`, with ids as ``int32`` when they all fit (half the memory) unless ``wide``;
    and the vertices a Matrix Market file declares (1 to its size, isolated ones too), else None. ``parts``:
    ``path`` is a folder or glob of part files (:func:`~pregel.io.shares.is_parts`, which the caller asked)."""
    if parts:
        src, dst, w = read_parts(path, weights, threads or available_cores())
        return (src, dst, w, None) if not wide else (src.astype(np.int64), dst.astype(np.int64), w, None)
    name = "<stdin>" if str(path) == "-" else str(path)
    with open_text(path, name) as stream:
        mapped = None if name == "<stdin>" else _mapped(stream)
        try:
            raw_head = stream.read(CHUNK_BYTES) if mapped is None else mapped[:CHUNK_BYTES]
            head = text_head(raw_head, name)
            if head.lstrip().startswith(b"%%MatrixMarket"):
                rest = stream.read() if mapped is None else mapped[len(raw_head) :]
                return _read_matrix_market(head + rest, name)
            with EdgeParser(name, weights, threads or available_cores(), wide) as parser:
                if mapped is None:
                    for chunk in stream_chunks(stream, head):
                        parser.feed(chunk)
                else:
                    with memoryview(mapped) as view:
                        parser.feed_whole(view[len(raw_head) - len(head) :], CHUNK_BYTES)
                return (*parser.result(), None)
        finally:
            if mapped is not None:
                with contextlib.suppress(BufferError):  # a view still held by an error's traceback: the GC unmaps it
                    mapped.close()


def _mapped(stream: IO[bytes]) -> mmap.mmap | None:
    """An uncompressed regular file, mapped into memory (chunks of it are parsed without a copy); else None."""
    if not isinstance(stream, io.BufferedReader):
        return None  # a decompressing reader: its file holds other bytes than the text
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
        return None
    try:
        return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def _read_matrix_market(data: bytes, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """The edges of a Matrix Market file, and its vertices: 1 to the size it declares (as scipy.io.mmread reads it)."""
    import scipy.io

    try:
        matrix = scipy.io.mmread(io.BytesIO(data))
    except (ValueError, IndexError, OSError) as exc:
        raise InputError(f"{name}: not a valid Matrix Market file ({exc})") from None
    if not hasattr(matrix, "tocoo"):
        raise InputError(f"{name}: a dense Matrix Market array is not a graph (use coordinate format)")
    coo = matrix.tocoo()
    if coo.shape[0] != coo.shape[1]:
        raise InputError(f"{name}: matrix is {coo.shape[0]} x {coo.shape[1]}, not square")
    if coo.nnz == 0:
        raise InputError(f"{name}: no edges (the matrix has no entries)")
    banner = data.split(b"\n", 1)[0].lower()
    if b"complex" in banner:
        raise InputError(f"{name}: a complex matrix's entries are not edge weights (use real, integer or pattern)")
    weights = None if b"pattern" in banner else np.asarray(coo.data, dtype=np.float64)
    if weights is not None and not np.isfinite(weights).all():
        raise InputError(f"{name}: a weight is not a finite number")
    # Matrix Market indices are 1-based; the ids are the indices as written
    return coo.row.astype(np.int64) + 1, coo.col.astype(np.int64) + 1, weights, np.arange(1, coo.shape[0] + 1)


def as_graph(graph: Any, undirected: bool = False) -> Graph:
    """A :class:`Graph` from a Graph, a path, a networkx graph or a scipy sparse matrix.

    Examples
    --------
    >>> import networkx as nx
    >>> as_graph(nx.DiGraph([(1, 2)]))
    <Graph: 2 vertices, 1 edges, unweighted>
    """
    if isinstance(graph, Graph):
        result = graph
    elif isinstance(graph, (str, os.PathLike)):
        result = read_edges(graph)
    elif hasattr(graph, "is_directed") and hasattr(graph, "adj"):
        result = Graph.from_networkx(graph)
    elif hasattr(graph, "tocoo"):
        result = Graph.from_scipy(graph)
    else:
        raise TypeError(
            f"expected a Graph, a path, a networkx graph or a scipy sparse matrix, got {type(graph).__name__}"
        )
    return result.to_undirected() if undirected else result


# ---------------------------------------------------------------------- writing
def write_edge_list(
    path: str | os.PathLike[str],
    sources: np.ndarray,
    targets: np.ndarray,
    weights: np.ndarray | None = None,
    header: str = "",
) -> None:
    """Write ``source target [weight]`` lines, atomically (``"-"``: to standard output); gzip-compressed when
    ``path`` ends in ``.gz``.

    Ids (and weights, which must be integers here) are turned into digits by numpy,
    a few million lines at a time: 50 million edges take seconds, not minutes.

    Parameters
    ----------
    path : str or path-like
    sources, targets : numpy.ndarray
        Non-negative integer vertex ids.
    weights : numpy.ndarray, optional
        Non-negative integer-valued weights, written as a third column.
    header : str
        Comment lines written first (each should start with ``#``).

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "edges.txt")
    >>> write_edge_list(target, np.array([0, 10]), np.array([7, 0]), np.array([3.0, 100.0]), header="# two\\n")
    >>> open(target).read()
    '# two\\n0 7 3\\n10 0 100\\n'
    """
    columns = [np.asarray(sources), np.asarray(targets)] + ([] if weights is None else [np.asarray(weights)])

    def write(raw: IO[bytes]) -> None:
        out: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) if str(path).endswith(".gz") else raw
        out.write(header.encode())
        for start in range(0, columns[0].size, WRITE_LINES):
            out.write(_format_columns([c[start : start + WRITE_LINES] for c in columns]))
        if out is not raw:
            out.close()

    if str(path) == "-":
        write(sys.stdout.buffer)  # standard output, as "-" means for every output of the command line
        sys.stdout.buffer.flush()
        return
    with atomic_write(path, "wb") as raw:
        write(raw)


def _format_columns(columns: list[np.ndarray]) -> bytes:
    """Space-separated decimal digits of non-negative integer columns, one line per row."""
    widths = [len(str(int(c.max()))) if c.size else 1 for c in columns]
    rows = columns[0].size
    text = np.empty((rows, sum(widths) + len(widths)), dtype=np.uint8)
    keep = np.ones(text.shape, dtype=bool)
    at = 0
    for column, width in zip(columns, widths):
        rest = column.astype(np.int64)
        for k in range(width - 1, -1, -1):
            rest, digit = np.divmod(rest, 10)
            text[:, at + k] = digit + 48
            # a leading zero is dropped, except the last digit of 0
            keep[:, at + k] = k == width - 1 or (column >= 10 ** (width - 1 - k))
        text[:, at + width] = 32
        at += width + 1
    text[:, -1] = 10
    return text[keep].tobytes()


def format_values(ids: np.ndarray, values: np.ndarray) -> str:
    """``id<TAB>value`` lines; floats at full precision (``repr``), ``inf`` for infinity, strings as they are.

    Raises
    ------
    InputError
        If a string (a vertex's label) holds a tab or a line break, which TSV cannot.

    Examples
    --------
    >>> format_values(np.array([1, 2]), np.array([0.1, np.inf]))
    '1\\t0.1\\n2\\tinf\\n'
    >>> format_values(np.array(["ann", "bob"], dtype=object), np.array(["ann", "ann"], dtype=object))
    'ann\\tann\\nbob\\tann\\n'
    """
    compiled = _compiled_lines(ids, values)
    if compiled is not None:
        return compiled
    names, shown = ids.tolist(), values.tolist()
    if values.dtype == object:
        shown = [cell_text(v) for v in shown]
        text = "".join(f"{i}\t{v}\n" for i, v in zip(names, shown))
    else:
        text = "".join(f"{i}\t{v!r}\n" for i, v in zip(names, shown))
    if text.count("\n") != len(names) or text.count("\t") != len(names) or "\r" in text:
        refuse_tsv_breaks([*names, *shown])
    return text


def cell_text(value: Any) -> str:
    """A value's text in a TSV or CSV cell: a string as it is, nothing for None (no value:
    an unmatched vertex's partner, in a graph of string ids), anything else its ``repr``.

    Examples
    --------
    >>> [cell_text(v) for v in ("ann", None, 0.5, (1, 2))]
    ['ann', '', '0.5', '(1, 2)']
    """
    return value if isinstance(value, str) else "" if value is None else repr(value)


def refuse_tsv_breaks(fields: Iterable[Any]) -> None:
    """InputError naming the first string among ``fields`` that holds a tab or a line break, which TSV cannot hold.

    Examples
    --------
    >>> refuse_tsv_breaks(["ann", 0.5])
    >>> refuse_tsv_breaks(["ann", "b\\tob"])
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: vertex 'b\\tob' holds a tab or a line break, which TSV cannot hold: use CSV or Parquet
    """
    bad = next((s for s in fields if isinstance(s, str) and any(c in s for c in "\t\n\r")), None)
    if bad is not None:
        raise InputError(f"vertex {bad!r} holds a tab or a line break, which TSV cannot hold: use CSV or Parquet")


def _compiled_lines(ids: np.ndarray, values: np.ndarray) -> str | None:
    """:func:`format_values`'s lines written in C (the same text, ~10 × faster), or None where it cannot.

    It takes integer ids and integer or float values that ``int64`` and ``float64`` hold
    exactly; anything else (strings, booleans, ``uint64``, ``longdouble``) is left to Python.
    """
    if _format is None or values.ndim != 1 or ids.shape != values.shape:
        return None
    exact = {"i": 8, "u": 4}
    if ids.dtype.kind not in exact or ids.dtype.itemsize > exact[ids.dtype.kind]:
        return None
    integers = values.dtype.kind in exact and values.dtype.itemsize <= exact[values.dtype.kind]
    if not integers and (values.dtype.kind != "f" or values.dtype.itemsize > 8):
        return None
    wide = np.ascontiguousarray(values, dtype=np.int64 if integers else np.float64)
    return _format.format_lines(np.ascontiguousarray(ids, dtype=np.int64), wide, integers).decode("ascii")


def write_values(path: str | os.PathLike[str], ids: np.ndarray, values: np.ndarray) -> None:
    """Write one ``vertex<TAB>value`` line per vertex, sorted by vertex id, atomically.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "ranks.tsv")
    >>> write_values(target, np.array([3, 1]), np.array([0.75, 0.25]))
    >>> open(target).read()
    '1\\t0.25\\n3\\t0.75\\n'
    """
    order = np.argsort(ids, kind="stable")
    with atomic_write(path) as f:
        f.write(format_values(ids[order], values[order]))
