"""Shares of an input, for workers that each read their own (distributed loading on Ray).

An input is cut into shares from its path alone, without reading its edges:

- a folder (or a glob pattern) of part files, the shape Spark and Hadoop write: one share
  per text file (names starting with ``_`` or ``.``, such as ``_SUCCESS``, and ``.crc``
  files are skipped; sub-folders are read too, and so are the folders a pattern matches),
  one per row group of a Parquet file;
- one uncompressed text file: byte ranges (one per worker, more for a file larger than
  ``RANGE_BYTES`` per worker), each starting at a line's start;
- one Parquet file: its row groups;
- one compressed text file (gzip, bzip2) cannot be cut: it is one ``"stream"`` share,
  which one reader streams in chunks of whole lines (:func:`chunks`) for the workers to
  parse (:func:`read_chunk`).

Each share is parsed by the compiled parser of :mod:`pregel.io.edgetext` with the errors
of the local reader: the file and the line number in the whole file. A byte range that
is not the file's start counts the lines before it only when it must name one.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import mmap
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from pregel.core import tables
from pregel.core.held import columns_crc
from pregel.errors import InputError
from pregel.io.edgetext import PARTS_ARE_INTEGERS, EdgeParser, starts_with_word_ids
from pregel.io.tabular import disagreeing, retyped, table_format
from pregel.io.textfile import CHUNK_BYTES, open_text, stream_chunks, text_head

#: How much of a file's head is parsed to learn its columns before it is cut into byte ranges.
PEEK_BYTES = 1 << 20
#: The longest byte range of one text file: a worker maps the range it parses (and counts its lines first), so
#: its text is resident while it is parsed; more, shorter ranges keep that small.
RANGE_BYTES = 32 << 20


@dataclass(frozen=True)
class Share:
    """A piece of an input that one worker reads alone.

    ``kind`` is ``"text"`` (bytes ``start:end`` of an uncompressed file, whole lines),
    ``"stream"`` (a whole compressed file) or ``"parquet"`` (``row_groups`` of a Parquet
    file, its columns ``names``: those of the first Parquet file of the input, read by name
    in every file as the local reader reads a folder). ``columns`` and ``first_line``: a
    byte range after the file's start holds no header and must have the columns of the
    file's first data line, ``first_line``
    (0: not known, the share learns them itself). ``path`` is the file as the caller
    named it (messages say it so, as the local reader does); ``absolute`` is where a
    worker opens it, whatever its working directory.
    """

    path: str
    kind: str
    start: int = 0
    end: int = 0
    row_groups: tuple[int, ...] = ()
    names: tuple[str, ...] = ()
    columns: int = 0
    first_line: int = 0
    size: int = 0
    absolute: str = ""

    @property
    def file(self) -> str:
        """Where to open the file: its absolute path (a Ray worker's working directory is not the driver's)."""
        return self.absolute or self.path

    @property
    def name(self) -> str:
        """How messages name the share: its file, with the byte range or row groups of a piece of one."""
        if self.kind == "parquet":
            return f"{self.path}[row groups {','.join(map(str, self.row_groups))}]"
        return self.path if self.start == 0 and self.end in (0, self.size) else f"{self.path}[{self.start}:{self.end}]"


@dataclass
class Piece:
    """The edges of one share (original ids, ``int32`` where they all fit, else ``int64``; weights or None), its
    column count and its CRC-32 (of the ids as ``int64``)."""

    sources: np.ndarray
    targets: np.ndarray
    weights: np.ndarray | None
    columns: int
    crc: int


@dataclass(frozen=True)
class Chunk:
    """A chunk of whole lines of a compressed file: its text, the number of its first line, and the file's columns."""

    path: str
    index: int
    text: bytes
    line: int
    columns: int = 0
    first_line: int = 0


def splittable(path: str | os.PathLike[str]) -> bool:
    """Whether :func:`list_shares` takes ``path``: a folder or glob of text or Parquet part files, one text file
    (not Matrix Market), one Parquet file. Standard input, Arrow files and Matrix Market are read by the driver.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "part-00000"), "w") as f:
    ...     _ = f.write("1 2\\n")
    >>> splittable(folder), splittable(os.path.join(folder, "part-*")), splittable("-")
    (True, True, False)
    """
    if str(path) == "-":
        return False
    try:
        files = _files(path)
    except InputError:
        return False
    if not files:
        return False
    kinds = set(_kinds(files).values())
    return kinds in ({"text"}, {"stream"}, {"text", "stream"}, {"parquet"})


def list_shares(path: str | os.PathLike[str], pieces: int) -> list[Share]:
    """The shares of the input at ``path``; a single uncompressed text file is cut into ``pieces`` byte ranges,
    or a multiple of that, so that none is longer than ``RANGE_BYTES`` (and each worker has as many).

    Raises
    ------
    InputError
        For a path that names nothing, a folder without part files, or part files of
        several formats.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1 2\\n2 3\\n3 4\\n4 5\\n")
    >>> [(s.start, s.end) for s in list_shares(path, 2)]
    [(0, 8), (8, 16)]
    """
    files = _files(path)
    if not files:
        raise InputError(f"{path}: no part files (names starting with _ or . are skipped)")
    kinds = _kinds(files)
    if len(set(kinds.values()) - {"stream"}) > 1:
        raise InputError(f"{path}: holds both text and Parquet part files; a folder is read when all are of one format")
    shares: list[Share] = []
    # (an empty text part is a part of no lines; an empty Parquet file is no Parquet file: refused, as locally)
    parquet = [f for f in files if kinds[f] == "parquet"]
    names = _edge_columns(parquet) if parquet else ()
    for f in files:
        size = os.stat(f).st_size
        if size == 0:
            continue
        if kinds[f] == "parquet":
            shares += _row_groups(f, names)
        elif kinds[f] == "stream":
            shares.append(Share(f, "stream", 0, size, size=size))
        elif len(files) == 1:
            # a multiple of the pieces asked for: as many ranges for each worker, none longer than RANGE_BYTES
            ranges = -(-size // RANGE_BYTES)
            shares += _byte_ranges(f, size, max(pieces, 1) * max(-(-ranges // max(pieces, 1)), 1))
        else:
            shares.append(Share(f, "text", 0, size, size=size))
    return [replace(share, absolute=os.path.abspath(share.path)) for share in shares]


def is_parts(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names part files this module reads for the local reader too: a folder of text files
    (compressed or not), or a glob pattern matching no file of its own name. A folder of tables is
    :mod:`pregel.io.tabular`'s.

    Raises
    ------
    InputError
        For a pattern that matches nothing, or an Arrow, Matrix Market or string-id Parquet
        file (which are read one at a time, or as a folder of tables).

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "part-00000"), "w") as f:
    ...     _ = f.write("1 2\\n")
    >>> is_parts(folder), is_parts(os.path.join(folder, "part-*")), is_parts(os.path.join(folder, "part-00000"))
    (True, True, False)
    """
    text = str(path)
    if text == "-":
        return False
    p = Path(path)
    if p.is_dir():
        files = _files(path)
        return set(_kinds(files).values()) <= {"text", "stream"}  # none: list_shares says so
    if p.exists() or not glob.has_magic(text):
        return False
    kinds = _kinds(_files(path))
    other, kind = next(((f, k) for f, k in kinds.items() if k in ("other", "words")), (None, None))
    if other is not None:
        if kind == "words":
            raise InputError(f"{text}: {other}: its first edge names vertices by words, and {PARTS_ARE_INTEGERS}")
        fmt = table_format(other)
        what = {"parquet": "a Parquet file of string ids", None: "Matrix Market"}.get(fmt, "an Arrow file")
        raise InputError(
            f"{text}: {other} is {what}; a pattern reads text edge lists and Parquet files of integer ids "
            "(name the file, or a folder of such tables)"
        )
    return True


def read_parts(
    path: str | os.PathLike[str], weights: bool = True, threads: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Every share of ``path`` read here, ``threads`` at a time: the edges of all its part files, in file order.

    This is the local reader of a folder or glob of part files: the same shares, errors and
    rules as the Ray workers' own loading, one process. Ids are ``int32`` where they all fit.

    Raises
    ------
    InputError
        As :func:`list_shares` and :func:`read_share`; for part files with weights beside
        some without; for no edges in any part.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> for k, text in enumerate(["1 2\\n", "2 3\\n3 1\\n"]):
    ...     with open(os.path.join(folder, f"part-{k:05d}"), "w") as f:
    ...         _ = f.write(text)
    >>> [column.tolist() for column in read_parts(folder)[:2]]
    [[1, 2, 3], [2, 3, 1]]
    """
    shares = list_shares(path, threads)
    if threads > 1 and len(shares) > 1:
        with ThreadPoolExecutor(threads) as pool:  # the compiled parser lets go of the GIL
            pieces = list(pool.map(lambda share: read_share(share, weights), shares))
    else:
        pieces = [read_share(share, weights) for share in shares]
    found = [(share, piece) for share, piece in zip(shares, pieces) if piece.sources.size]
    if not found:
        raise InputError(no_edges(path))
    # by the columns, not the weights kept: the Ray workers' load refuses such parts whether it keeps them or not
    weighted = [share.path for share, piece in found if piece.columns == 3]
    if weighted and len(weighted) < len(found):
        plain = next(share.path for share, piece in found if piece.columns != 3)
        raise InputError(f"{path}: {weighted[0]} has a weight column and {plain} does not")
    columns = [np.concatenate([piece.sources for _, piece in found]), np.concatenate([p.targets for _, p in found])]
    kept = weights and bool(weighted)
    return columns[0], columns[1], np.concatenate([p.weights for _, p in found]) if kept else None


def assign(shares: list[Share], workers: int) -> list[list[Share]]:
    """The shares dealt to ``workers``: the largest first, each to the worker with the fewest bytes so far.

    Examples
    --------
    >>> shares = [Share("a", "text", size=s) for s in (5, 1, 4)]
    >>> [[s.size for s in mine] for mine in assign(shares, 2)]
    [[5], [1, 4]]
    """
    loads = [0] * workers
    dealt: list[list[int]] = [[] for _ in range(workers)]
    for k in sorted(range(len(shares)), key=lambda k: -shares[k].size):
        w = min(range(workers), key=lambda j: (loads[j], j))
        dealt[w].append(k)
        loads[w] += shares[k].size
    return [[shares[k] for k in sorted(mine)] for mine in dealt]


def read_share(share: Share, weights: bool = True) -> Piece:
    """Parse one share with the local reader's rules and errors (line numbers in the whole file).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1 2\\n2 3\\n3 4\\n")
    >>> second = list_shares(path, 2)[1]
    >>> read_share(second).sources.tolist()
    [3]
    """
    try:
        return _read(share, weights)
    except FileNotFoundError:
        # listed by the driver, gone (or elsewhere) where this worker runs
        raise InputError(f"{share.path}: no such file where this worker runs") from None
    except PermissionError:
        raise InputError(f"{share.path}: permission denied") from None


def _read(share: Share, weights: bool) -> Piece:
    if share.kind == "parquet":
        return _read_row_groups(share)
    if share.kind == "stream":
        parser = EdgeParser(share.path, weights, threads=1)
        with open_text(share.file, share.path) as stream:
            head = text_head(stream.read(CHUNK_BYTES), share.path)
            for chunk in stream_chunks(stream, head):
                parser.feed(chunk)
        return _piece(parser)
    with open(share.file, "rb") as file, _mapped(file) as text:
        view = text[share.start : share.end]
        try:
            return _parse_range(share, view, weights, line=1)
        except InputError:
            if share.start == 0:
                raise
            # the error names the line of the whole file: the lines before the range, counted now
            before = int(np.count_nonzero(np.frombuffer(text, dtype=np.uint8, count=share.start) == 10))
            _parse_range(share, view, weights, line=1 + before)
            raise


def chunks(share: Share) -> Iterator[Chunk]:
    """The text of a compressed file in chunks of whole lines (about 4 MB each), with their first line's number.

    The first chunk is parsed here for the file's columns, which every later chunk must
    have (as the local reader checks); the chunks come one at a time, so whoever
    streams them holds one.

    Examples
    --------
    >>> import gzip, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.txt.gz")
    >>> with gzip.open(path, "wt") as f:
    ...     _ = f.write("1 2\\n2 3\\n")
    >>> [(c.line, c.columns) for c in chunks(Share(path, "stream"))]
    [(1, 2)]
    """
    line, columns, first_line = 1, 0, 0
    with open_text(share.file, share.path) as stream:
        head = text_head(stream.read(CHUNK_BYTES), share.path)
        for k, text in enumerate(stream_chunks(stream, head)):
            text = bytes(text)
            if not columns:
                columns, first_line = _columns_of(share.path, text, line, k == 0)
            yield Chunk(share.path, k, text, line, columns, first_line)
            line += text.count(b"\n")


def read_chunk(chunk: Chunk, weights: bool = True) -> Piece:
    """Parse one chunk of a compressed file (line numbers of the whole file)."""
    parser = EdgeParser(chunk.path, weights, threads=1)
    parser.line = chunk.line
    if chunk.index:
        parser.header_checked = True
        parser.columns, parser.first_data_line = chunk.columns, chunk.first_line
    parser.feed(chunk.text)
    return _piece(parser)


# ------------------------------------------------------------------ listing
def _files(path: str | os.PathLike[str]) -> list[str]:
    """The part files a path names: itself, a folder's files (recursively), or a glob's matches; sorted."""
    text = str(path)
    p = Path(path)
    if p.is_dir():
        found = [q for q in p.rglob("*") if q.is_file() and not _skipped(q.relative_to(p).parts)]
    elif p.is_file():
        return [text]
    elif glob.has_magic(text):
        matches = [Path(q) for q in glob.glob(text, recursive=True)]
        if not matches:
            raise InputError(f"{text}: no such file (the pattern matches none)")
        # what the pattern matched below its fixed folders is skipped as a folder's contents are (a _temporary folder)
        fixed = Path(*[part for part in itertools.takewhile(lambda part: not glob.has_magic(part), p.parts)])
        kept = [q for q in matches if not _skipped(q.relative_to(fixed).parts)]
        # a matched folder is read as a folder (Hadoop's and Spark's readers list it); "**" matches a file twice
        found = {str(q) for q in kept if q.is_file()} | {f for q in kept if q.is_dir() for f in _files(q)}
    else:
        raise InputError(f"{text}: no such file")
    # one file reached by two paths ("data/*/../a/part-0" matches through every folder) is read once
    unique: dict[str, str] = {}
    for name in sorted(str(q) for q in found):
        unique.setdefault(os.path.realpath(name), name)
    return sorted(unique.values())


def _skipped(parts: tuple[str, ...]) -> bool:
    """Spark's and Hadoop's markers and checksums (``_SUCCESS``, ``.part-0.crc``), hidden files (not ``..``).

    Examples
    --------
    >>> _skipped(("_SUCCESS",)), _skipped(("a", ".part-0.crc")), _skipped(("b", "..", "a", "part-0"))
    (True, True, False)
    """
    hidden = any(part.startswith(("_", ".")) and part not in (".", "..") for part in parts)
    return hidden or bool(parts) and parts[-1].endswith(".crc")


def _kinds(files: list[str]) -> dict[str, str]:
    """Each file's :func:`_kind`; the Parquet files are ``"other"`` (read by the driver) when the first one's ids are
    not integers: every file is read by the first one's columns (:func:`_edge_columns`)."""
    kinds = {f: _kind(f) for f in files}
    parquet = [f for f in files if kinds[f] == "parquet"]
    if parquet and not _integer_ids(parquet[0]):
        kinds.update(dict.fromkeys(parquet, "other"))
    return kinds


def _kind(path: str) -> str:
    """``"parquet"``, ``"stream"`` (compressed text), ``"text"``; ``"words"`` for text whose edges name vertices by
    words, ``"other"`` for Arrow and Matrix Market (both read by the driver)."""
    fmt = table_format(path)
    if fmt == "parquet":
        return "parquet"
    if fmt is not None:
        return "other"
    with open(path, "rb") as f:
        magic = f.read(3)
    with contextlib.suppress(InputError), open_text(path, path) as stream:
        head = stream.read(4096)
        # Matrix Market, and edges named by words (a table of string ids), are read by the driver
        if head.lstrip().startswith(b"%%MatrixMarket"):
            return "other"
        if starts_with_word_ids(head):
            return "words"
    return "stream" if magic[:2] == b"\x1f\x8b" or magic == b"BZh" else "text"


def _integer_ids(path: str) -> bool:
    """Whether a Parquet file's first two columns hold integers (string ids need the driver's sorted labels)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError):
        return True  # its reader names what is wrong
    return all(pa.types.is_integer(schema.field(k).type) for k in range(min(2, len(schema.names))))


def no_edges(path: str | os.PathLike[str]) -> str:
    """What the local reader says of an input without edges (for one file), or of a folder without any.

    Examples
    --------
    >>> no_edges("edges.txt")
    'edges.txt: no edges (the file is empty or has only comments)'
    """
    if Path(path).is_dir() or glob.has_magic(str(path)):
        return f"{path}: no edges (every part file is empty or holds only comments)"
    if table_format(path) == "parquet":
        return f"{path}: no edges (the table has no rows)"
    return f"{path}: no edges (the file is empty or has only comments)"


def input_bytes(path: str | os.PathLike[str]) -> int:
    """The bytes the input's files hold on disk (four times that for a compressed file), for sizing the object store.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1 2\\n")
    >>> input_bytes(path)
    4
    """
    total = 0
    for f in _files(path):
        size = os.stat(f).st_size
        total += 4 * size if _kind(f) == "stream" else size
    return total


def _edge_columns(files: list[str]) -> tuple[str, ...]:
    """The columns every Parquet file of an input is read by: the first file's (source, target [, weight]).

    Each other file must have them, of the same types, as the local reader of a folder
    asks (its errors, in its words): checked here, in the driver, before a worker reads.
    """
    first = _schema(files[0])
    names = tuple(first.names)
    if len(names) not in (2, 3):
        listed = ", ".join(map(repr, names))
        raise InputError(
            f"{files[0]}: {len(names)} columns ({listed}); a distributed load reads source, target [, weight] "
            "(with --src and --dst the driver reads it)"
        )
    for path in files[1:]:
        own = _schema(path)
        lacking = [column for column in names if column not in own.names]
        if lacking:
            raise disagreeing(path, lacking[0], own.names)
        for column in names:
            if own.field(column).type != first.field(column).type:
                raise retyped(path, column, own.field(column).type, first.field(column).type)
    return names


def _schema(path: str) -> Any:
    """A Parquet file's schema, from its footer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: str, exc: Exception) -> InputError:
    return InputError(f"{path}: not a readable Parquet file ({' '.join(str(exc).split())[:200]})")


def _row_groups(path: str, names: tuple[str, ...]) -> list[Share]:
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    return [
        Share(path, "parquet", row_groups=(k,), names=names, size=metadata.row_group(k).total_byte_size)
        for k in range(metadata.num_row_groups)
    ]


def _byte_ranges(path: str, size: int, pieces: int) -> list[Share]:
    """One uncompressed file as ``pieces`` byte ranges, each cut after a newline (empty ranges dropped)."""
    with open(path, "rb") as file, _mapped(file) as text:
        head = bytes(text[:PEEK_BYTES])
        cut = head.rfind(b"\n") + 1 if len(head) < size else len(head)
        columns, first_line = _columns_of(path, text_head(head[:cut], path), 1, True)
        if not columns:
            return [Share(path, "text", 0, size, size=size)]
        starts = [0]
        for k in range(1, max(pieces, 1)):
            at = text.find(b"\n", max(size * k // pieces - 1, starts[-1]))
            if at < 0 or at + 1 >= size:
                break
            if at + 1 > starts[-1]:
                starts.append(at + 1)
    ends = starts[1:] + [size]
    return [Share(path, "text", a, b, columns=columns, first_line=first_line, size=size) for a, b in zip(starts, ends)]


def _columns_of(name: str, text: bytes, line: int, first: bool) -> tuple[int, int]:
    """The columns of the first data line in ``text`` and its line number (0, 0 without one).

    Only the lines up to it are parsed (a header line of names is not data): a bad line
    further on is left to the share that holds it.
    """
    end = 0
    while end < len(text):
        stop = text.find(b"\n", end)
        stop = len(text) if stop < 0 else stop + 1
        stripped = text[end:stop].split(b"#", 1)[0].strip()
        end = stop
        if not stripped or stripped.startswith(b"%"):
            continue
        parser = EdgeParser(name, False, threads=1)
        parser.line = line
        parser.header_checked = not first
        parser.feed(text[:end])
        if parser.columns:
            return parser.columns, parser.first_data_line
    return 0, 0


@contextlib.contextmanager
def _mapped(file: Any) -> Iterator[Any]:
    """A file's bytes mapped into memory (read in place, never copied whole)."""
    mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        yield mapped
    finally:
        with contextlib.suppress(BufferError):  # a view still held by an error's traceback: the GC unmaps it
            mapped.close()


# ------------------------------------------------------------------ parsing
def _parse_range(share: Share, view: Any, weights: bool, line: int) -> Piece:
    parser = EdgeParser(share.path, weights, threads=1)
    parser.line = line
    if share.start:
        parser.header_checked = True
        parser.columns, parser.first_data_line = share.columns, share.first_line
    else:
        head = bytes(view[:65536])
        view = view[len(head) - len(text_head(head, share.path)) :]
    if len(view):
        with memoryview(view) as text:
            parser.feed_whole(text, CHUNK_BYTES)
    return _piece(parser)


def _piece(parser: EdgeParser) -> Piece:
    """The parser's columns as a piece (empty when the share held no edge)."""
    if not parser.parts:
        parser.close()
        empty = np.empty(0, dtype=np.int64)
        return Piece(empty, empty, None, parser.columns, 0)
    src, dst, w = parser.result()
    return Piece(src, dst, w, parser.columns, columns_crc(src, dst, w))


def _read_row_groups(share: Share) -> Piece:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = share.path
    try:
        file = pq.ParquetFile(share.file)
        names = share.names or tuple(file.schema_arrow.names)
        count = len(names)
        groups = list(share.row_groups)
        table = file.read_row_groups(groups, columns=list(names))
        edges = tables.columns_from_batches(
            table.schema,
            table.to_batches(),
            0,
            1,
            2 if count == 3 else None,
            where=name,
            roles=("--src", "--dst", "the third column, taken as weights"),
            rows=table.num_rows,
            locate=_in_file(name, file.metadata, groups),
        )
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(name, exc) from None
    if edges.labels is not None:
        raise InputError(
            f"{name}: string vertex ids; a distributed load takes integer ids (read it with pregel.read_edges)"
        )
    src, dst = _narrowed(np.asarray(edges.sources), np.asarray(edges.targets))
    w = None if edges.weights is None else np.asarray(edges.weights, dtype=np.float64)
    return Piece(src, dst, w, count, columns_crc(src, dst, w) if src.size else 0)


def _in_file(name: str, metadata: Any, groups: list[int]) -> Callable[[int], tuple[str, int]]:
    """Where row ``r`` (from 1) of row groups ``groups`` read one after the other lies: the file's row, counted
    from 1 over every row group of the file (as the local reader counts it), not within the share."""

    def locate(row: int) -> tuple[str, int]:
        sizes = [metadata.row_group(k).num_rows for k in range(metadata.num_row_groups)]
        k, row = tables.row_among(row, (sizes[group] for group in groups))
        return name, sum(sizes[: groups[k]]) + row

    return locate


def _narrowed(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both id columns as ``int32`` where every id fits (as the text parser gives them), else ``int64``."""
    fits = all(ids.size and int(ids.min()) >= -(2**31) and int(ids.max()) < 2**31 for ids in (src, dst))
    dtype = np.int32 if fits else np.int64
    return src.astype(dtype, copy=False), dst.astype(dtype, copy=False)
