"""Edge lists in tables: Parquet files and folders of them, Arrow IPC/Feather files, CSV/TSV with a header.

The format comes from the content (Parquet's ``PAR1``, Arrow's ``ARROW1``), else from
the suffix (``.parquet``, ``.pq``, ``.arrow``, ``.feather``, ``.ipc``, ``.arrows`` for
an Arrow stream); a folder is a dataset of such files (Hive-style ``key=value``
sub-folders included; names starting with ``_`` or ``.``, such as ``_SUCCESS``, are
skipped). A text file is a table only when columns are named (``--src``/``--dst``/
``--weight``): then it is CSV with a header line (comma, tab, semicolon or space
separated, found from the header; ``.gz``/``.bz2`` read as they are; ``#``/``%``
comment lines before the header skipped).

Which columns: named, or numbered from 0 when no column has that name. Without any
name given, a table must have two or three columns, read like a text edge list's:
source, target and (the third, if any) weight. With any name given, the source and
target default to the first two columns and there is no weight unless one is named.

Everything goes through pyarrow (the ``parquet`` extra), a batch at a time, reading
only the columns needed; :mod:`pregel.core.tables` turns the batches into ids, string
ids into labels. A mistake is one InputError naming the file and, where one is at
fault, the column. One shortcut: an uncompressed CSV file of integer ids (comma, tab or
space separated, no quotes) is read by the compiled parser of text edge lists
(:func:`pregel.io.edgetext.csv_fields`), two to three times faster than Arrow's CSV
reader; any file it does not take whole is read by Arrow, which gives the same columns
or names what is wrong.
"""

from __future__ import annotations

import contextlib
import glob
import mmap
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from pregel.core import cores, tables
from pregel.core.graph import Graph
from pregel.errors import InputError
from pregel.io import edgetext
from pregel.io.textfile import open_text, text_head

#: Suffixes that name a tabular format (the content decides first).
SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "ipc",
    ".feather": "ipc",
    ".ipc": "ipc",
    ".arrows": "stream",
}
_MAGIC = ((b"PAR1", "parquet"), (b"ARROW1", "ipc"), (b"\xff\xff\xff\xff", "stream"))
_KIND = {
    "parquet": "Parquet file",
    "ipc": "Arrow IPC file",
    "stream": "Arrow IPC stream",
    "csv": "CSV file",
}
#: Rows per batch: the per-batch work is noise, and a batch of two id columns is 16 MB at most.
BATCH_ROWS = 1 << 20
#: Bytes of CSV per block (Arrow parses blocks in parallel).
CSV_BLOCK_BYTES = 1 << 20
#: Bytes of CSV read for the column names (a longer header line is read again in a whole block).
HEAD_BYTES = 1 << 16
_FLAGS = ("--src", "--dst", "--weight")
_IMPLIED_WEIGHT = "the third column, taken as weights"


class _Table(NamedTuple):
    """An opened table: its schema, and ``batches(columns, ids)``: the columns' schema as read, and their batches.

    ``ids`` are the id columns among ``columns`` (a CSV file reads them as one type).
    ``by_position(positions)``, where given, reads the edges of the columns at
    ``positions`` (source, target[, weight]) another way, or gives None for ``batches``
    to read them. ``rows``: the number of rows, where the file says it up front.
    ``partitions``: the columns a Hive-style folder's paths give (``day=1/``), not its files.
    ``locate(row)``: the file and the row in it of the batches' row ``row`` (from 1), for a
    folder's (None: the table is one file).
    """

    schema: Any
    batches: Callable[[list[str], list[str]], tuple[Any, Iterator[Any]]]
    by_position: Callable[[list[int]], tables.EdgeColumns | None] | None = None
    rows: int | None = None
    partitions: tuple[str, ...] = ()
    locate: Callable[[int], tuple[str, int]] | None = None


def table_format(path: str | os.PathLike[str]) -> str | None:
    """The tabular format of ``path`` by content, else by suffix: ``None`` for a text edge list.

    ``"folder"`` for a directory (a dataset, whose files decide).

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "edges.txt"), "wb") as f:
    ...     _ = f.write(b"PAR1...")
    >>> table_format(os.path.join(folder, "edges.txt")), table_format(folder), table_format("ranks.arrow")
    ('parquet', 'folder', 'ipc')
    """
    p = Path(path)
    if str(path) == "-":
        head = sys.stdin.buffer.peek(8)[:8] if hasattr(sys.stdin.buffer, "peek") else b""
    elif p.is_dir():
        return "folder"
    else:
        try:
            with open(p, "rb") as f:
                head = f.read(8)
        except OSError:
            head = b""  # the reader says what is wrong with the file
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    return SUFFIXES.get(p.suffix.lower())


def read_table(
    path: str | os.PathLike[str], src: str | None = None, dst: str | None = None, weight: str | None = None
) -> Graph:
    """Read the edges of a table (Parquet, Arrow, CSV with a header) into a :class:`Graph`.

    Parameters
    ----------
    path : str or path-like
        A file, a folder of Parquet or Arrow files (or of CSV files, with columns
        named), or ``"-"`` for standard input.
    src, dst, weight : str, optional
        The columns of each edge's source, target and weight: a name, or a position
        counted from 0 when no column has that name. See the module's notes for the
        defaults.

    Returns
    -------
    Graph
        With ``labels`` when the ids are strings.

    Raises
    ------
    InputError
        Naming the file and the column: a missing column, ids that are neither
        integers nor strings, a null, a weight that is not a finite number, an empty
        or corrupt file, no rows at all.

    Examples
    --------
    >>> import tempfile, os
    >>> import pyarrow as pa, pyarrow.parquet as pq
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.parquet")
    >>> pq.write_table(pa.table({"user": ["ann", "bob"], "follows": ["bob", "cy"], "since": [2019, 2020]}), path)
    >>> g = read_table(path, src="user", dst="follows")
    >>> g, g.labels.tolist()
    (<Graph: 3 vertices, 2 edges, unweighted, string ids>, ['ann', 'bob', 'cy'])
    """
    return _read_table(path, src, dst, weight)


def read_words(path: str | os.PathLike[str], header: bool) -> Graph:
    """A text edge list whose vertices are words (``ann bob 0.5``), as a table of string ids.

    Its fields are separated as :mod:`pregel.io.edgetext` separates them (runs of spaces,
    tabs and commas; ``#`` and ``%`` comments; CRLF), unless it quotes them
    (``"New York","Boston"``): then it is CSV. ``header``: its first line names the
    columns (see :func:`pregel.io.edgetext.string_table`); the columns are otherwise
    read by position, a third as weights.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("# friends\\nann,  bob\\nbob\\tcy  # since 2020\\n")
    >>> g = read_words(f.name, header=False)
    >>> g, g.labels.tolist()
    (<Graph: 3 vertices, 2 edges, unweighted, string ids>, ['ann', 'bob', 'cy'])
    >>> os.remove(f.name)
    """
    name = str(path)
    with open_text(path, name) as stream:
        text = _one_separator(text_head(stream.read(), name))
    try:
        return _read_table(path, None, None, None, header, text)
    except InputError:
        _first_bad_line(text, name, header)  # Arrow names a column, or a row; the text reader names the line
        raise


def _first_bad_line(text: bytes, name: str, header: bool) -> None:
    """InputError naming the first line of ``text`` (one tab between fields) whose fields a word-id edge list cannot
    have: another count than the first edge's (2 or 3), a weight that is not a finite number."""
    columns = 0
    lines = text.split(b"\n")
    first = next((k for k, line in enumerate(lines) if line.strip()), len(lines)) + header
    for number, line in enumerate(lines[first:], first + 1):
        if not line.strip() or b'"' in line:
            continue  # (a quoted line is CSV's: Arrow's message stands)
        fields = line.rstrip(b"\r").split(b"\t" if b"\t" in line else b"," if b"," in line else b" ")
        columns = columns or len(fields)
        if len(fields) != columns or columns not in (2, 3):
            expected = f"{columns} columns like the first edge" if columns in (2, 3) else "2 or 3 columns"
            raise InputError(f"{name}:{number}: expected {expected} (source target [weight]), got {len(fields)}")
        problem = edgetext.weight_problem(fields[2]) if columns == 3 else None
        if problem:
            raise InputError(f"{name}:{number}: {problem}")


def _one_separator(text: bytes) -> bytes:
    """The lines of ``text`` with one tab between fields and no comments (comment lines left empty, so that lines
    keep their numbers); as it is where it quotes fields or has one separator alone already.

    Examples
    --------
    >>> _one_separator(b"a, b # c\\r\\n% d\\n b\\t c\\n")
    b'a\\tb\\n\\nb\\tc\\n'
    """
    kinds = sum(separator in text for separator in (b" ", b"\t", b","))
    if b'"' in text or (kinds <= 1 and not _UNUSUAL.search(text)):
        return text
    if b"#" in text:
        text = re.sub(rb"#[^\n]*", b"", text)
    if b"%" in text:
        text = re.sub(rb"(?m)^[ \t]*%[^\n]*", b"", text)
    text = re.sub(rb"[ \t,\r]+", b"\t", text)
    return re.sub(rb"(?m)^\t|\t$", b"", text)


#: Arrow's reading of a CSV file's fields: an empty field is a missing value (refused as a null), in a column of text
#: too; any other text is an id ("NA", "null" and "NaN" name vertices as well as any word does), and "nan" a weight
#: that is not a finite number (refused as such)
CSV_NULLS = {"null_values": [""], "strings_can_be_null": True}

#: what a CSV reader would read otherwise than the text reader: a run of separators, one at a line's start or end,
#: a CR, a comment
_UNUSUAL = re.compile(rb"[ \t,]{2}|^[ \t,]|[ \t,]$|\r|#|^[ \t]*%", re.MULTILINE)


def _read_table(
    path: str | os.PathLike[str],
    src: str | None,
    dst: str | None,
    weight: str | None,
    header: bool = True,
    text: bytes | None = None,
) -> Graph:
    """:func:`read_table`; of a CSV file without a header line where ``header`` is false, and of ``text`` (the
    file's bytes, changed) where it is given."""
    name = "<stdin>" if str(path) == "-" else str(path)
    named = (src, dst, weight) != (None, None, None)
    fmt = "csv" if text is not None else table_format(path) or "csv"
    pa = _pyarrow(name, fmt)
    try:
        table = _open(path, name, fmt, named, header, text)
        specs, roles = _columns(table.schema, name, (src, dst, weight), named, table.partitions)
        positions = [tables.column_index(table.schema.names, s, r, name) for s, r in zip(specs, roles)]
        picked = [table.schema.names[k] for k in positions]
        edges = table.by_position(positions) if table.by_position else None
        if edges is None:
            wanted = list(dict.fromkeys(picked))
            schema, batches = table.batches(wanted, list(dict.fromkeys(picked[:2])))
            edges = tables.columns_from_batches(
                schema,
                _reading(batches, name, wanted, pa),
                *picked + [None] * (3 - len(picked)),
                where=name,
                roles=roles,
                rows=table.rows,
                locate=table.locate,
            )
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{name}: not a readable {_KIND.get(fmt, 'table')} ({_one_line(exc)})") from None
    if edges.sources.size == 0:
        raise InputError(f"{name}: no edges (the table has no rows)")
    return Graph._from_edge_columns(edges)


def _reading(batches: Iterator[Any], name: str, columns: list[str], pa: Any) -> Iterator[Any]:
    """The batches, where a failure to decode one names the columns being read."""
    listed = ", ".join(map(repr, columns))
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{name}: cannot read columns {listed} ({_one_line(exc)})") from None
        yield batch


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _pyarrow(name: str, fmt: str) -> Any:
    try:
        import pyarrow as pa
    except ImportError:
        what = "a folder of tables" if fmt == "folder" else f"a {_KIND[fmt]}"
        raise InputError(f"{name}: reading {what} needs pyarrow: pip install 'pregel[parquet]'") from None
    return pa


def _columns(
    schema: Any, name: str, given: tuple[str | None, ...], named: bool, partitions: tuple[str, ...] = ()
) -> tuple[list[Any], tuple[str, str, str]]:
    """Which columns to read (names or positions) and what messages call them.

    Unnamed, the edges are the files' own two or three columns: a Hive-style folder's
    partition keys (``day=1/``) are not among them (an integer key would pass for weights).
    """
    src, dst, weight = given
    if named:
        specs = [0 if src is None else src, 1 if dst is None else dst]
        return specs + ([] if weight is None else [weight]), _FLAGS
    own = [k for k, column in enumerate(schema.names) if column not in partitions]
    if len(own) not in (2, 3):
        listed = ", ".join(repr(schema.names[k]) for k in own)
        raise InputError(
            f"{name}: {len(own)} columns ({listed}); name the source and target columns with --src and --dst"
        )
    return own, (_FLAGS[0], _FLAGS[1], _IMPLIED_WEIGHT)


# ------------------------------------------------------------------ opening
def _open(
    path: str | os.PathLike[str], name: str, fmt: str, named: bool, header: bool = True, text: bytes | None = None
) -> _Table:
    """The table at ``path`` in format ``fmt`` (a CSV file with a ``header`` line or not, its bytes ``text`` where
    given); InputError for what cannot be read at all."""
    import pyarrow as pa

    if text is not None:
        source: Any = pa.py_buffer(text)
        size = source.size
    elif name == "<stdin>":
        source = pa.py_buffer(sys.stdin.buffer.read())
        size = source.size
    else:
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            if glob.has_magic(name) and glob.glob(name):
                raise InputError(
                    f"{name}: columns by name (--src, --dst, --weight) are read from a file or a folder, not a "
                    "pattern: name the folder, or leave them out to read the files by position"
                ) from None
            raise InputError(f"{name}: no such file") from None
        except PermissionError:
            raise InputError(f"{name}: permission denied") from None
        source = str(path)
    if fmt == "folder":
        return _open_folder(Path(path), name, named)
    if size == 0:
        raise InputError(f"{name}: empty file, not a {_KIND[fmt]}")
    if fmt == "parquet":
        return _parquet(pa.BufferReader(source) if name == "<stdin>" else source)
    if fmt == "ipc":
        reader = pa.ipc.open_file(source if name == "<stdin>" else pa.memory_map(source))
        count = reader.num_record_batches
        return _Table(
            reader.schema,
            lambda cols, ids: _some(reader.schema, cols, (reader.get_batch(i).select(cols) for i in range(count))),
        )
    if fmt == "stream":
        stream = pa.ipc.open_stream(source if name == "<stdin>" else pa.memory_map(source))
        return _Table(
            stream.schema, lambda cols, ids: _some(stream.schema, cols, (batch.select(cols) for batch in stream))
        )
    return _csv(source, name, header)


def _parquet(source: Any) -> _Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = pq.ParquetFile(source)
    schema = file.schema_arrow

    def batches(cols: list[str], ids: list[str]) -> tuple[Any, Iterator[Any]]:
        # string ids dictionary-encoded, as Parquet stores them while a column chunk's
        # dictionary fits its page: numbered through the dictionaries, not string by
        # string (a million edges' ids 4 times faster); pages stored plain cost the same
        # either way
        strings = [
            c for c in ids if pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type)
        ]
        reader = pq.ParquetFile(source, read_dictionary=strings) if strings else file
        read = reader.iter_batches(BATCH_ROWS, columns=cols, use_threads=True)
        return _some(reader.schema_arrow, cols, read)

    return _Table(schema, batches, rows=file.metadata.num_rows)


def _some(schema: Any, columns: list[str], batches: Iterator[Any]) -> tuple[Any, Iterator[Any]]:
    """The schema of ``columns`` alone, with their batches."""
    import pyarrow as pa

    return pa.schema([schema.field(c) for c in columns]), batches


def _csv(source: Any, name: str, header: bool = True) -> _Table:
    """A CSV file with a ``header`` line or without, read whole (its id columns again, as strings, when they are not
    all integers)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def stream() -> Any:
        raw = pa.BufferReader(source) if isinstance(source, pa.Buffer) else pa.OSFile(source)
        magic = raw.read(3)
        raw.seek(0)
        codec = "gzip" if magic[:2] == b"\x1f\x8b" else "bz2" if magic == b"BZh" else None
        return pa.CompressedInputStream(raw, codec) if codec else raw

    with stream() as start:
        head = start.read(HEAD_BYTES)
    options, parse = _csv_options(head, name, header)
    quoted = b'"' in head
    # the lines before the first row: comments, and the header
    before = options.skip_rows + header

    @contextlib.contextmanager
    def rows_by_line() -> Iterator[None]:
        """A row of the wrong length named by its line: Arrow names it by its text."""
        try:
            yield
        except pa.ArrowInvalid as exc:
            _refuse_open_quote(stream, name, everywhere=True)  # what Arrow then reads as rows is not the file's
            shape = re.search(r"Expected (\d+) columns, got (\d+): (.*)", str(exc))
            line = None if shape is None else _line_of(stream(), shape[3], before)
            if line is None:
                raise
            raise InputError(f"{name}:{line}: expected {shape[1]} columns, got {shape[2]}") from None

    # the names, from a small first block read in this thread: a megabyte block and
    # Arrow's threads reading ahead would cost more than the compiled parser's whole read
    # of a million-edge file
    head = pacsv.ReadOptions(
        skip_rows=options.skip_rows,
        block_size=HEAD_BYTES,
        use_threads=False,
        autogenerate_column_names=options.autogenerate_column_names,
    )
    try:
        schema = pacsv.open_csv(stream(), read_options=head, parse_options=parse).schema
    except pa.ArrowInvalid:  # a header longer than the block (or a bad row in it: said by its line)
        with rows_by_line():
            schema = pacsv.open_csv(stream(), read_options=options, parse_options=parse).schema

    def batches(cols: list[str], ids: list[str]) -> tuple[Any, Iterator[Any]]:
        def read(types: dict[str, Any]) -> Any:
            convert = pacsv.ConvertOptions(include_columns=cols, column_types=types, **CSV_NULLS)
            # the whole file at once: Arrow parses its blocks on every core, and types each
            # column by all of its values
            with rows_by_line():
                return pacsv.read_csv(stream(), read_options=options, parse_options=parse, convert_options=convert)

        data = read({})
        if quoted:
            # a quote still open at the end of the file: Arrow reads the rest as one field, line ends included
            _refuse_open_quote(stream, name, everywhere=False)
        kinds = {"integer" if pa.types.is_integer(data.schema.field(c).type) else "other" for c in ids}
        texts = (pa.types.is_string, pa.types.is_large_string)
        if kinds == {"integer"} or all(any(t(data.schema.field(c).type) for t in texts) for c in ids):
            return data.schema, iter(data.to_batches())
        # text is text: ids that are not all integers are strings, in both columns
        data = read(dict.fromkeys(ids, pa.large_string()))
        return data.schema, iter(data.to_batches())

    def by_position(positions: list[int]) -> tables.EdgeColumns | None:
        return _plain_csv(source, options.skip_rows, header, parse.delimiter, len(schema.names), positions)

    return _Table(schema, batches, by_position)


def _refuse_open_quote(stream: Callable[[], Any], name: str, everywhere: bool) -> None:
    """InputError naming the first line of a CSV file with an odd number of ``"`` (a quoted field not closed on its
    line, which Arrow does not read); unless ``everywhere``, looked for only where the file holds an odd number of
    them in all (one pass counting them).

    Examples
    --------
    >>> import pyarrow as pa
    >>> _refuse_open_quote(lambda: pa.BufferReader(b'a,b\\n"c",d\\ne,"f\\n'), "e.csv", everywhere=False)
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: e.csv:3: a quoted field is not closed on its line ("f)
    """
    if not everywhere:
        with stream() as text:
            total = 0
            while chunk := text.read(1 << 20):
                total += chunk.count(b'"')
        if total % 2 == 0:
            return
    with stream() as text:
        for number, line in _numbered_lines(text):
            if line.count(b'"') % 2:
                # quotes pair up in order: the last one is the one left open
                shown = line[line.rfind(b'"') :][:40].decode("utf-8", "replace").rstrip("\r")
                raise InputError(f"{name}:{number}: a quoted field is not closed on its line ({shown})")


def _line_of(stream: Any, row: str, after: int) -> int | None:
    """The number (from 1) of the first line past the first ``after`` whose text is ``row``; None if none is.

    Examples
    --------
    >>> import pyarrow as pa
    >>> _line_of(pa.BufferReader(b"a,b\\n1,2\\n1,2,3\\r\\n"), "1,2,3", 1)
    3
    """
    wanted = row.encode()
    return next((n for n, line in _numbered_lines(stream) if n > after and line.rstrip(b"\r") == wanted), None)


def _numbered_lines(stream: Any) -> Iterator[tuple[int, bytes]]:
    """The lines of ``stream`` (without their ``\\n``), numbered from 1, read a megabyte at a time."""
    number, rest = 0, b""
    while True:
        chunk = stream.read(1 << 20)
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop() if chunk else b""
        for line in lines:
            number += 1
            yield number, line
        if not chunk:
            return


def _plain_csv(
    source: Any, comments: int, header: bool, delimiter: str, fields: int, positions: list[int]
) -> tables.EdgeColumns | None:
    """The edges of an uncompressed CSV file of integer ids, read by the compiled parser; None if it does not read them.

    ``source`` is a path or the bytes of standard input (a pyarrow Buffer); the file's
    first ``comments`` lines are comments, the next its header if it has one.
    """
    import pyarrow as pa

    if delimiter not in ",\t " or positions[2:] and positions[2] in positions[:2]:
        return None  # (its weights end at a comma, tab or space; a weight column is not an id column)
    if isinstance(source, pa.Buffer):
        return _plain_csv_text(memoryview(source), comments, header, delimiter, fields, positions)
    with open(source, "rb") as file:
        try:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None  # not a regular file (a pipe): Arrow streams it
    try:
        with memoryview(mapped) as view:
            return _plain_csv_text(view, comments, header, delimiter, fields, positions)
    finally:
        with contextlib.suppress(BufferError):  # a view still held by a traceback: the GC unmaps it
            mapped.close()


def _plain_csv_text(
    text: memoryview, comments: int, header: bool, delimiter: str, fields: int, positions: list[int]
) -> tables.EdgeColumns | None:
    head = bytes(text[:65536])
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh":
        return None  # compressed: Arrow inflates it
    start = 0
    for k in range(comments + header):
        end = head.find(b"\n", start)
        line = head[start:end].removesuffix(b"\r")
        # Arrow takes quotes into account where it finds the header: only plain lines here
        if end < 0 or b"\r" in line or line.count(b'"') % 2 or (k < comments and b'"' in line):
            return None
        start = end + 1
    found = edgetext.csv_fields(
        text[start:], delimiter, fields, *positions[:2], *positions[2:], threads=cores.available_cores()
    )
    return None if found is None else tables.EdgeColumns(*found, owned=True)


def _csv_options(head: bytes, name: str, header: bool = True) -> tuple[Any, Any]:
    """How to read a CSV file whose first bytes are ``head``: the comment lines before its first line skipped, its
    delimiter found from that line (its ``header``, or without one its first row; the columns then named by
    position)."""
    import pyarrow.csv as pacsv

    lines = head.splitlines()
    comments = 0
    while comments < len(lines) and (not lines[comments].strip() or lines[comments].lstrip()[:1] in (b"#", b"%")):
        comments += 1
    if comments == len(lines):
        raise InputError(f"{name}: empty: no header line of column names (named by --src, --dst and --weight)")
    first = lines[comments].decode("utf-8", "replace")
    delimiter = next((d for d in "\t,; " if d in first), ",")
    if header and all(edgetext.is_number(field) for field in first.split(delimiter)):
        # read as column names, an edge would be lost, and a position named by --dst could match a name
        raise InputError(
            f"{name}:{comments + 1}: {first.strip()!r} is an edge, not a header line of column names; "
            "--src, --dst and --weight read a CSV file by its header (without them the file is an edge list)"
        )
    read = pacsv.ReadOptions(
        skip_rows=comments, block_size=CSV_BLOCK_BYTES, use_threads=True, autogenerate_column_names=not header
    )
    return read, pacsv.ParseOptions(delimiter=delimiter)


def _open_folder(folder: Path, name: str, named: bool) -> _Table:
    """A dataset: the files of a folder (Hive-style sub-folders too), all in one format."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts)
    )
    formats = {table_format(p) for p in files}
    form = None  # a CSV folder's format
    if formats in ({"parquet"}, {"ipc"}):
        dataset = ds.dataset(folder, format=formats.pop(), partitioning="hive")
    elif formats == {None} and named:
        # text files, with columns named: a folder of CSV files (as Spark writes them)
        with pa.OSFile(str(files[0])) as first:
            read, parse = _csv_options(first.read(HEAD_BYTES), str(files[0]))
        form = ds.CsvFileFormat(
            parse_options=parse, read_options=read, convert_options=pacsv.ConvertOptions(**CSV_NULLS)
        )
        dataset = ds.dataset(folder, format=form, partitioning="hive")
    else:
        if formats == {None}:
            for path in files:
                with open_text(path, str(path)) as stream:
                    if edgetext.starts_with_word_ids(text_head(stream.read(HEAD_BYTES), str(path))):
                        raise InputError(
                            f"{path}: its first edge names vertices by words, and {edgetext.PARTS_ARE_INTEGERS}"
                        )
        found = " and ".join(sorted(_KIND.get(f, "text file") + "s" for f in formats)) or "no files"
        raise InputError(
            f"{name}: is a directory, not an edge list (a folder is read when its files are all text edge lists "
            f"(not Matrix Market), or all Parquet, or all Arrow, or all CSV with --src and --dst; it holds {found})"
        )
    schema = dataset.schema
    # the keys of the key=value folders, which Hive-style partitioning adds as columns
    keys = {part.split("=", 1)[0] for p in files for part in p.relative_to(folder).parts[:-1] if "=" in part}

    def batches(cols: list[str]) -> Iterator[Any]:
        _refuse_lacking(files, [c for c in cols if c not in keys], form)
        try:
            yield from dataset.to_batches(columns=cols, batch_size=BATCH_ROWS)
        except (pa.ArrowException, OSError):
            _refuse_disagreeing(files, schema, cols, form)
            raise

    def locate(row: int) -> tuple[str, int]:
        # the dataset reads its files one after the other, in this order; counted only for a message
        fragments = list(dataset.get_fragments())
        k, row = tables.row_among(row, (fragment.count_rows() for fragment in fragments))
        return fragments[k].path, row

    return _Table(
        schema,
        lambda cols, ids: _some(schema, cols, batches(cols)),
        partitions=tuple(column for column in schema.names if column in keys),
        locate=locate,
    )


def _refuse_lacking(files: list[Path], columns: list[str], form: Any = None) -> None:
    """InputError naming the first of a folder's ``files`` without one of ``columns``: a dataset would read it as
    nulls. A CSV part's first line is its header (``form``, the folder's CSV format; None for Parquet and Arrow):
    an edge there is refused as in a single file, not taken for names and lost."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    for path in files:
        if form is None:
            names = ds.dataset(path, format=table_format(path)).schema.names  # a Parquet or Arrow file's footer
        else:
            with pa.input_stream(str(path), compression="detect") as part:
                head = part.read(HEAD_BYTES)
            read, _ = _csv_options(head, str(path))
            small = pacsv.ReadOptions(skip_rows=read.skip_rows, block_size=max(len(head), 1), use_threads=False)
            try:
                with pa.input_stream(str(path), compression="detect") as part:
                    names = pacsv.open_csv(part, read_options=small, parse_options=form.parse_options).schema.names
            except pa.ArrowInvalid:  # a header longer than the first bytes: the dataset reads it as it can
                continue
        lacking = [c for c in columns if c not in names]
        if lacking:
            raise disagreeing(path, lacking[0], names, "header names" if form is not None else "columns are")


def retyped(path: Any, column: str, own: Any, first: Any) -> InputError:
    """The error for a file of a folder whose ``column`` holds type ``own`` where the folder's first file's holds
    ``first``.

    Examples
    --------
    >>> print(retyped("part-1.parquet", "w", "double", "int64"))  # doctest: +ELLIPSIS
    part-1.parquet: column 'w' holds double, where the folder's first file holds int64: ...
    """
    return InputError(
        f"{path}: column {column!r} holds {own}, where the folder's first file holds {first}: the files of a folder "
        "must agree"
    )


def disagreeing(path: Any, column: str, names: list[str], kind: str = "columns are") -> InputError:
    """The error for a file of a folder without ``column``, which the folder's first file has (its own: ``names``).

    Examples
    --------
    >>> print(disagreeing("part-1.parquet", "src", ["a", "b"]))  # doctest: +ELLIPSIS
    part-1.parquet: no column 'src' (its columns are 'a', 'b'), where the folder's first file has one: ...
    """
    return InputError(
        f"{path}: no column {column!r} (its {kind} {', '.join(map(repr, names))}), where the folder's first file "
        "has one: the files of a folder must agree"
    )


def _refuse_disagreeing(files: list[Path], schema: Any, columns: list[str], form: Any = None) -> None:
    """InputError naming the first of a folder's ``files`` whose ``columns`` are of other types than the dataset's
    ``schema`` (the first file's): a dataset reads every file as that one. ``form``: a CSV format, None for
    Parquet and Arrow files (told by their suffixes)."""
    import pyarrow.dataset as ds

    for path in files:
        if "=" in path.parent.name and path.parent.name.split("=", 1)[0] in columns:
            continue
        fmt = form or table_format(path)  # (a folder of Parquet or Arrow files: each is one)
        try:
            own = ds.dataset(path, format=fmt).schema
        except Exception:  # noqa: BLE001 - a file unreadable on its own is named as such below
            raise InputError(f"{path}: not a readable {_KIND.get(table_format(path) or '', 'table')}") from None
        for column in columns:
            if column in own.names and own.field(column).type != schema.field(column).type:
                raise retyped(path, column, own.field(column).type, schema.field(column).type)
