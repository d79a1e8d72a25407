"""Turning chunks of edge-list text into arrays, and naming the first bad line when that fails.

Four passes, from fast to thorough:

- the compiled pass (``pregel/io/_edgetext.c``, built by ``pip install`` where a C
  compiler exists) reads integer ids and decimal weights (separators, comments) in one
  sweep over the bytes, straight into the columns, without the GIL: chunks are parsed
  side by side in a pool of threads and settled in file order, so line numbers and the
  first bad line come out as if the chunks were read one after another;
- :func:`plain_integer_columns` reads text made only of digits and separators (what
  SNAP files and ``pregel generate`` write) when the extension is not built, in 256 KB
  pieces and a few numpy passes over each: one mask of the
  digits gives every token's start and end, the line structure is read from the bytes
  around the tokens, and each token's value is computed from the 8 (or 16) bytes that
  end it, eight digits at a time, with integer multiplications (SWAR);
- :meth:`EdgeParser._parse` reads anything else numpy can (signs, floats, exponents);
- :meth:`EdgeParser._diagnose` runs line by line, only to name the first bad line.

Each fast pass accepts a strict subset of what the next one accepts and gives the
same numbers; whatever it does not accept (or finds wrong) goes to the next pass, so
the errors and their messages are the same whichever pass sees a chunk first.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import Any, NoReturn

import numpy as np

from pregel.core import extensions
from pregel.errors import InputError

# the compiled pass (pregel/io/_edgetext.c), when built and not switched off
_compiled = extensions.load("pregel.io._edgetext")
COMPILED = _compiled is not None

MAX_ID = 2**53
# '#' starts a comment anywhere (it is never part of a number); '%' only at a line's start (Matrix Market)
_COMMENT = re.compile(rb"(?m)^[ \t]*%[^\n]*|#[^\n]*")
_SEPARATORS = bytes.maketrans(b",\t\r", b"   ")
_PLAIN_TEXT = b"0123456789 \t\r\n,"
_INTEGER_TEXT = b"0123456789+- \n"
_EMPTY_FIELD = re.compile(rb"(?m),[ \t]*(?:,|\r?$)|^[ \t]*,")
# a sign alone: np.fromstring reads it as 0 where it ends the text
_LONE_SIGN = re.compile(rb"(?:^|(?<=\s))[+-](?=\s|$)")
# a negative zero, which the integer reading would turn into 0.0 (float("-0") is -0.0)
_NEGATIVE_ZERO = re.compile(rb"(?:^|(?<=\s))-0+(?=\s|$)")
_NAME = re.compile(rb"[A-Za-z_][\w.-]*")
# a vertex id that is a word (``alice``, ``user_7``, ``https://example.org/p/1``, ``"New York"``), not a piece of
# another format (JSON, HTML) that was not meant as an edge list
_INTEGER = re.compile(rb"[+-]?\d+")
_WORD_ID = re.compile(rb'[\w.:/@+~-]+|"[^"]*"')
#: why part files of word ids are refused (one of them names its vertices by words), and what to do instead
PARTS_ARE_INTEGERS = (
    "part files are read as integer ids (give one file of word ids, or CSV parts with a header line and "
    "--src/--dst NAME)"
)

# a line's fields where some are quoted: a quoted field (between separators) whole, else a run of anything but
# separators (a quote within a field, as JSON's '{"a":', is part of it)
_QUOTED_FIELDS = re.compile(rb'(?<![^\s,])"[^"]*"(?=[\s,]|$)|[^\s,]+')


def _fields(line: bytes) -> list[bytes]:
    """A line's fields, separated by runs of commas and whitespace, as the fast path reads them; a quoted field
    (``"New York"``) is one field, quotes kept, whatever it holds."""
    return _QUOTED_FIELDS.findall(line) if b'"' in line else line.translate(_SEPARATORS).split()


# the low nibbles of the last ``k`` bytes of a little-endian word: the digits of a token of k digits
_DIGIT_MASKS = np.array([(0x0F0F0F0F0F0F0F0F << 8 * (8 - k)) & (2**64 - 1) for k in range(9)], dtype=np.uint64)
_NEWLINE = 10
# a token of more digits than this is either above 2**53 or padded with zeros: left to the general pass
_MAX_DIGITS = 16
# the numpy passes read text in pieces of at most this many bytes (a longer line is one piece)
NUMPY_BYTES = 1 << 18
# what to feed at a time: the compiled pass needs no temporaries, and fewer, larger chunks
# make fewer arrays to join at the end
FEED_BYTES = NUMPY_BYTES if _compiled is None else 1 << 22
# the shortest line holding an edge is "0 0\n": a chunk holds at most this many bytes per edge
_MIN_EDGE_BYTES = 4
# positions are found in pieces of this many bytes, so their int64 temporaries stay small
_PIECE = 1 << 16


class WordIds(InputError):
    """The first edge of a text edge list names its vertices by words (``alice bob``): a table of string ids.

    :func:`pregel.io.edges.read_edges` reads such a file as a CSV table instead; anything
    else that reads text edge lists reports the message. ``header`` is the line of names
    the parser took for a header before that edge (``b""`` if none), ``edge`` the edge's line,
    ``lines`` the data lines from it on (what :func:`string_table` reads).

    Examples
    --------
    >>> parser = EdgeParser("e.txt")
    >>> try:
    ...     parser.feed(b"ann bob\\nbob cy\\n")
    ... except WordIds as words:
    ...     print(words.header, words.edge)
    b'ann bob' b'bob cy'
    """

    def __init__(self, message: str, header: bytes, edge: bytes) -> None:
        super().__init__(message)
        self.header = header
        self.edge = edge
        #: the data lines from the edge on, in the file's first 64 KB (the parser's diagnosis sets them)
        self.lines = [edge]


def string_table(header: bytes, lines: list[bytes]) -> bool | None:
    """How to read a text edge list whose first edge (``lines[0]``, the first data lines following) names its
    vertices by words (:class:`WordIds`): None if words are the exception (at most half of the lines name a
    vertex by a word, as a typo in a file of integers does), else as a table of string ids, with ``header`` as
    its header line (True) or without a header (False), as :func:`names_a_header` tells (without ``header``, of
    the first line).

    Examples
    --------
    >>> string_table(b"src dst", [b"ann bob", b"bob 7"]), string_table(b"", [b"ann bob 0.5"])
    (True, False)
    >>> print(string_table(b"", [b"1O 2", b"2 3", b"3 4"]))
    None
    """
    rows = [_fields(line)[:2] for line in lines]
    words = sum(any(not _INTEGER.fullmatch(field) for field in row) for row in rows)
    if 2 * words <= len(rows):
        return None
    # a header the parser did not take for one (quoted names, "\"src\",\"dst\""): the first line is told alike
    return names_a_header(header, lines) if header else names_a_header(lines[0], lines[1:])


def names_a_header(header: bytes, lines: list[bytes]) -> bool:
    """Whether ``header``, a first line of words before edges of word ids (``lines``, the next data lines), names
    columns rather than being the first edge.

    It does when its third column (weights) holds a word above numbers (``src dst weight`` above ``ann bob
    0.5``), or when each of its words is a usual column name (``src``, ``target``, ``from``, ``node1``,
    ``weight``, ...; ``id``, ``user_id``, ``userId``) and neither of its first two is an id of the lines below: in
    ``u v`` above ``v w``, ``v`` is a vertex, so ``u v`` is an edge.

    Examples
    --------
    >>> names_a_header(b"src,dst", [b"ann,bob", b"bob,cy"])
    True
    >>> names_a_header(b"ann bob", [b"bob cy"])
    False
    >>> names_a_header(b"u v", [b"v w", b"w u"])
    False
    >>> names_a_header(b"person friend since", [b"ann bob 2019"])
    True
    >>> names_a_header(b"user_id,followerId", [b"ann,bob"]), names_a_header(b"david,sid", [b"ann,bob"])
    (True, False)
    """
    names = [name.strip(b'"') for name in _fields(header)]
    rows = [[field.strip(b'"') for field in _fields(line)] for line in lines]
    if not names:
        return False
    # (ids may be words or numbers alike: only a weight column tells a header by its type)
    if len(names) > 2 and any(len(row) > 2 and not is_number(names[2]) and is_number(row[2]) for row in rows):
        return True
    usual = all(re.sub(rb"[^a-z0-9]", b"", n.lower()) in _COLUMN_NAMES or _ID_NAME.fullmatch(n) for n in names)
    ids = {field for row in rows for field in row[:2]}
    return usual and not ids.intersection(names[:2])


def starts_with_word_ids(head: bytes) -> bool:
    """Whether the first edge of a text edge list, in ``head`` (the start of the file), names its vertices by words:
    the parser would raise :class:`WordIds` at it.

    Examples
    --------
    >>> starts_with_word_ids(b"src dst\\nann bob\\n"), starts_with_word_ids(b"src dst\\n1 2\\nann bob\\n")
    (True, False)
    """
    parser = EdgeParser("", weights=False)
    try:
        parser.feed(head[: head.rfind(b"\n") + 1])
    except WordIds:
        return True
    except InputError:
        return False
    return False


def is_number(field: bytes | str) -> bool:
    """Whether a field reads as a number (a header's field that does is data, not a name).

    Examples
    --------
    >>> is_number(" 12 "), is_number(b"0.5"), is_number("src")
    (True, True, False)
    """
    try:
        float(field)
    except ValueError:
        return False
    return True


def weight_problem(field: bytes) -> str | None:
    """What is wrong with a weight field, as a line's error says it; None if it is a finite number.

    Examples
    --------
    >>> weight_problem(b"0.5"), weight_problem(b"1_0"), weight_problem(b"nan")
    (None, "weight '1_0' is not a number", "weight 'nan' is not a finite number")
    """
    try:
        # float() also reads "1_000", which numpy does not
        weight = float(field.replace(b"_", b"x"))
    except ValueError:
        return f"weight {_show(field)} is not a number"
    return None if math.isfinite(weight) else f"weight {_show(field)} is not a finite number"


#: a column of ids: ``id``, ``user_id``, ``page-id``, ``userId``, ``USER_ID``
_ID_NAME = re.compile(rb"(?i:id)|.*[_.-](?i:id)|.*[a-z]I[dD]")
#: words that name the columns of an edge list (lower case, letters and digits only)
_COLUMN_NAMES = frozenset(
    b"src dst source target sources targets from to u v node node1 node2 nodea nodeb vertex vertex1 vertex2 "
    b"v1 v2 u1 u2 start end head tail origin destination dest in out weight weights w cost distance dist length "
    b"value label".split()
)


class EdgeParser:
    """Turns chunks of edge-list text (cut at line ends) into columns, remembering line numbers.

    Parameters
    ----------
    name : str
        The file's name, for error messages.
    weights : bool
        Keep a third column's values; ``False`` checks them all the same (a file is
        refused alike either way) but stores nothing, and :meth:`result` gives no weights.
    threads : int
        Threads for the compiled pass: with more than one, each chunk fed is parsed in a
        pool of them, side by side with the next ones, and settled in file order (line
        numbers and the first bad line come out as if read one chunk after another). Use
        the parser in a ``with`` block then, or call :meth:`close`, so the pool ends.
    wide : bool
        Ids as ``int64`` whatever their size (else ``int32`` where they all fit).

    Examples
    --------
    >>> parser = EdgeParser("e.txt")
    >>> parser.feed(b"# c\\n1 2\\n")
    >>> parser.feed(b"3 4\\n")
    >>> [c.tolist() for c in parser.result()[:2]]
    [[1, 3], [2, 4]]
    """

    def __init__(self, name: str, weights: bool = True, threads: int = 1, wide: bool = False) -> None:
        self.name = name
        self.weights = weights
        use_pool = threads > 1 and _compiled is not None
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="pregel-parse") if use_pool else None
        # a few chunks ahead keep every thread busy; more would only hold their text and columns
        self.in_flight = 2 * threads
        # chunks being parsed in the pool, oldest first; each is settled before any later one
        self.pending: deque[tuple[bytes | memoryview, Future]] = deque()
        self.line = 1
        self.columns = 0
        self.first_data_line = 0
        self.parts: list[list[np.ndarray]] = []
        self.header_checked = False
        self.header = b""
        self.wide = wide  # ids are int64 from here on (asked for, or the compiled pass met one of 2**31 or more)

    def feed(self, chunk: bytes | memoryview) -> None:
        """Parse one chunk of whole lines (with a pool: start parsing it)."""
        if not self.header_checked:
            chunk = self._drop_header(bytes(chunk))
        if _compiled is None:
            self._feed_pieces(bytes(chunk))
        elif self.pool is None:
            self._settle(chunk, _compiled_pass(chunk, self.columns, self.weights, self.wide))
        else:
            self.pending.append((chunk, self.pool.submit(_compiled_pass, chunk, self.columns, self.weights, self.wide)))
            while len(self.pending) > self.in_flight:
                self._settle_oldest()

    def feed_whole(self, text: bytes | memoryview, chunk_bytes: int = FEED_BYTES) -> None:
        """Parse a whole text held in memory (a mapped file), in chunks of about ``chunk_bytes``.

        The compiled pass writes each chunk straight into its place in the file's
        columns (their length is the number of lines, counted first), so no chunk's
        columns are copied afterwards; only the lines that hold no edge leave gaps to
        close. Nothing may be fed after it.
        """
        bounds = _line_chunks(text, chunk_bytes)
        # the first chunk alone: its header, and the file's columns and id width for the rest
        before = len(self.parts)
        self.feed(text[bounds[0] : bounds[1]])
        while self.pending:
            self._settle_oldest()
        chunks = [text[start:end] for start, end in zip(bounds[1:-1], bounds[2:])]
        if _compiled is None or not chunks:
            for chunk in chunks:
                self.feed(chunk)
            return
        head = self.parts[before:]
        del self.parts[before:]
        self.wide |= any(_beyond_int32(piece) for piece in head)
        lines = self._map(_compiled.count_newlines, chunks)
        lines = [n + (chunk[-1] != _NEWLINE) for n, chunk in zip(lines, chunks)]
        if not self._feed_in_place(head, chunks, lines):
            self.wide = True
            self._feed_in_place(head, chunks, lines)

    def _feed_in_place(self, head: list[list[np.ndarray]], chunks: list[memoryview | bytes], lines: list[int]) -> bool:
        """The first chunk's columns (``head``), then the other chunks, each parsed into a stretch as long as its lines.

        False: an id of 2**31 or more met in ``int32`` columns; nothing was kept, and the
        caller starts again with ``int64`` ones.
        """
        first = sum(piece[0].size for piece in head)
        starts = (first + np.concatenate(([0], np.cumsum(lines)))).tolist()
        ids = np.int64 if self.wide else np.int32
        out = [np.empty(starts[-1], dtype=ids), np.empty(starts[-1], dtype=ids)]
        out.append(np.empty(starts[-1]) if self.weights and self.columns != 2 else None)
        columns = self.columns

        def parse(k: int) -> tuple[int, int, int, int] | None:
            stretch = [None if c is None else c[starts[k] : starts[k + 1]] for c in out]
            return _compiled.parse(chunks[k], columns, *stretch)

        tasks = [self.pool.submit(parse, k) for k in range(len(chunks))] if self.pool else []
        saved = self.line, self.columns, self.first_data_line, len(self.parts)
        at = 0  # edges settled so far
        try:
            for piece in head:
                for column, values in zip(out, piece):
                    if column is not None:
                        column[at : at + values.size] = values
                at += piece[0].size
            for k, chunk in enumerate(chunks):
                found = tasks[k].result() if tasks else parse(k)
                if found is not None and found[0] < 0:
                    break  # an id of 2**31 or more
                if found is None or (found[1] and self.columns and found[1] != self.columns):
                    # numpy reads the chunk (or names its bad line), and its columns are copied into place
                    self._feed_pieces(bytes(chunk))
                    pieces = self.parts[saved[3] :]
                    del self.parts[saved[3] :]
                    if not self.wide and any(_beyond_int32(piece) for piece in pieces):
                        break
                else:
                    edges, found_columns, newlines, first_line = found
                    if found_columns and not self.columns:
                        self.columns = found_columns
                        self.first_data_line = self.line + first_line
                    self.line += newlines + (chunk[-1] != _NEWLINE)
                    pieces = [[None if c is None else c[starts[k] : starts[k] + edges] for c in out]]
                    if at == starts[k]:
                        at += edges
                        continue
                # lines without an edge before this chunk: its columns move up to close the gap
                for piece in pieces:
                    edges = piece[0].size
                    for column, values in zip(out, piece):
                        if column is not None:
                            column[at : at + edges] = values
                    at += edges
            else:
                if at:
                    self.parts.append([c[:at] for c in out[: self._kept()]])
                return True
        finally:
            for task in tasks:
                task.cancel()
            wait(tasks)
        self.line, self.columns, self.first_data_line = saved[:3]
        return False

    def _map(self, f: Callable[[Any], Any], items: list) -> list:
        """``f`` over ``items``, in the pool if there is one."""
        return list(self.pool.map(f, items)) if self.pool else [f(item) for item in items]

    def close(self) -> None:
        """End the pool of threads (waiting for the chunks it is parsing); the parser reads no more."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pending.clear()
            self.pool = None

    def __enter__(self) -> EdgeParser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _settle_oldest(self) -> None:
        chunk, task = self.pending.popleft()
        self._settle(chunk, task.result())

    def _settle(self, chunk: bytes | memoryview, found: tuple[list[np.ndarray], int, int, int] | None) -> None:
        """Take a chunk's compiled pass into the file's columns and line count, or read the chunk with numpy."""
        if found is not None and found[1] and self.columns and found[1] != self.columns:
            found = None  # parsed before the file's columns were known, and unlike them: numpy names the line
        if found is None:
            self._feed_pieces(bytes(chunk))
            return
        columns, found_columns, newlines, first_line = found
        if found_columns and not self.columns:
            self.columns = found_columns
            self.first_data_line = self.line + first_line
        if columns[0].size:
            self.parts.append(columns[: self._kept()])
            self.wide |= columns[0].dtype == np.int64
        self.line += newlines + (1 if len(chunk) and chunk[-1] != _NEWLINE else 0)

    def _kept(self) -> int:
        """How many columns the result keeps."""
        return self.columns if self.weights else min(self.columns, 2)

    def _feed_pieces(self, chunk: bytes) -> None:
        # the numpy passes' temporaries are several times the text: they take it a piece at a time
        if len(chunk) <= NUMPY_BYTES:
            self._feed_numpy(chunk)
            return
        start = 0
        while start < len(chunk):
            end = start + NUMPY_BYTES
            if end < len(chunk):
                end = chunk.rfind(b"\n", start, end) + 1 or chunk.find(b"\n", end) + 1 or len(chunk)
            self._feed_numpy(chunk[start:end])
            start = end

    def _feed_numpy(self, chunk: bytes) -> None:
        # numpy counts bytes several times faster than bytes.count
        newlines = np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == _NEWLINE)
        lines_here = newlines + (0 if chunk.endswith(b"\n") or not chunk else 1)
        text = strip_comments(chunk)
        if b"," in text and _EMPTY_FIELD.search(text):
            self._diagnose(chunk)
        plain = plain_integer_columns(text, self.columns)
        if plain is not None:
            columns, first_token = plain
            if not self.columns:
                self.columns = len(columns)
                self.first_data_line = self.line + text.count(b"\n", 0, first_token)
            self.parts.append(columns[: self._kept()])
        else:
            text = text.translate(_SEPARATORS)
            if text.strip():
                table = self._parse(text, chunk)
                self.parts.append([table[:, k] for k in range(self._kept())])
        self.line += lines_here

    def _drop_header(self, chunk: bytes) -> bytes:
        """Blank out a first data line made only of column names (``src,dst,weight``)."""
        lines = chunk.split(b"\n", 64)
        for k, raw in enumerate(lines[:64]):
            fields = raw.translate(_SEPARATORS).split()
            if not fields or fields[0][:1] in (b"#", b"%"):
                continue
            self.header_checked = True
            if all(_NAME.fullmatch(f) for f in fields) and not any(
                f.lower() in (b"nan", b"inf", b"infinity") for f in fields
            ):
                self.header = raw.strip()
                lines[k] = b""
                return b"\n".join(lines)
            return chunk
        return chunk

    def _parse(self, text: bytes, chunk: bytes) -> np.ndarray:
        """The general pass: any numbers numpy reads, as a table of one row per edge."""
        if b'"' in text:
            # a quoted field is no number, and may hold separators: counted as tokens, it would set the columns
            self._diagnose(chunk)
        buf = np.frombuffer(text, dtype=np.uint8)
        space = buf <= 32
        starts = np.flatnonzero(~space & np.concatenate(([True], space[:-1])))
        newlines = np.flatnonzero(buf == 10)
        # tokens per line, from the number of tokens before each newline
        per_line = np.diff(np.append(np.searchsorted(starts, newlines), starts.size), prepend=0)
        data_lines = np.flatnonzero(per_line)
        counts = per_line[data_lines]
        if not self.columns:
            self.columns = int(counts[0])
            self.first_data_line = self.line + int(data_lines[0])
        if self.columns not in (2, 3) or (counts != self.columns).any():
            self._diagnose(chunk)
        if (b"-" in text or b"+" in text) and _LONE_SIGN.search(text):
            self._diagnose(chunk)
        # integers parse about ten times faster than floats: weights that are all
        # integers (in range) take the integer path too
        integral = self.columns == 2 or not (
            text.translate(None, _INTEGER_TEXT) or (b"-0" in text and _NEGATIVE_ZERO.search(text))
        )
        values = self._numbers(text, chunk, np.int64 if integral else np.float64)
        if values.size != starts.size:
            self._diagnose(chunk)
        if self.columns == 3 and integral:
            in_range = (np.abs(values[2::3]) < MAX_ID).all()
            values = values.astype(np.float64) if in_range else self._numbers(text, chunk, np.float64)
        table = values.reshape(-1, self.columns)
        ids = table[:, :2]
        bad = (ids < 0) | (ids >= MAX_ID)
        if table.dtype == np.float64:
            bad |= ids != np.floor(ids)
            bad |= ~np.isfinite(table[:, 2:])
        if bad.any():
            self._diagnose(chunk)
        return table

    def _numbers(self, text: bytes, chunk: bytes, dtype: type) -> np.ndarray:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                return np.fromstring(text, dtype=dtype, sep=" ")
        except (ValueError, DeprecationWarning):
            self._diagnose(chunk)

    def _diagnose(self, chunk: bytes) -> NoReturn:
        """Find and report the first bad line of a chunk, line by line."""
        lines = [_data(raw) for raw in chunk.split(b"\n")]
        for offset, stripped in enumerate(lines):
            if not stripped:
                continue
            try:
                self._check_line(self.line + offset, stripped)
            except WordIds as words:
                # the data lines of the file's start (the first edge is in the chunk that starts the file)
                head = len(chunk[:_WORD_HEAD].split(b"\n")) - 1
                words.lines = [line for line in lines[offset:head] if line] or [stripped]
                raise
        self._fail(self.line, "cannot parse this part of the file")

    def _check_line(self, line: int, raw: bytes) -> None:
        if b"," in raw and b'"' not in raw:
            cells = [f.strip() for f in raw.split(b",")]
            if b"" in cells:
                self._fail(line, f"empty field in column {cells.index(b'') + 1}")
        fields = _fields(raw)
        if len(fields) not in (2, 3):
            self._fail(line, f"expected 2 or 3 columns (source target [weight]), got {len(fields)}")
        if not self.columns:
            self.columns, self.first_data_line = len(fields), line
        if len(fields) != self.columns:
            missing = " (missing weight)" if self.columns == 3 else ""
            self._fail(
                line, f"expected {self.columns} columns like line {self.first_data_line}, got {len(fields)}{missing}"
            )
        for field in fields[:2]:
            if not _INTEGER.fullmatch(field):
                # a word or a quoted id: a table with a header, which the column options read
                word = not re.fullmatch(rb"[-+0-9.eE_]+", field)
                problem = f"vertex id {_show(field)} is not an integer"
                if word and line == self.first_data_line and all(_WORD_ID.fullmatch(f) for f in fields[:2]):
                    raise WordIds(f"{self.name}:{line}: {problem}", self.header, raw)
                self._fail(line, problem + (self._string_ids_hint() if word and line != self.first_data_line else ""))
            if int(field) < 0:
                self._fail(line, f"vertex id {int(field)} is negative (ids are non-negative integers)")
            if int(field) >= MAX_ID:
                self._fail(line, f"vertex id {int(field)} is too large (ids must be below 2**53)")
        problem = weight_problem(fields[2]) if len(fields) == 3 else None
        if problem:
            self._fail(line, problem)

    def _string_ids_hint(self) -> str:
        """What to do about a word among the integer ids of the edges above it: read every id as a string, by the
        header's names where the file has a header line (naming columns by position would take the first line for
        one, and a file without a header would lose its first edge)."""
        names = [name.strip(b'"').decode("utf-8", "replace") for name in _fields(self.header)]
        if len(names) < 2:
            return " (the ids above it are integers: a word among them is a mistake)"
        return (
            f" (to read every id as a string, name the columns of the header line: --src {names[0]} --dst {names[1]})"
        )

    def _fail(self, line: int, problem: str) -> NoReturn:
        raise InputError(f"{self.name}:{line}: {problem}")

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(sources, targets, weights or None)`` of every chunk fed, in file order; the pool ends.

        Ids are ``int64`` if the parser was made ``wide`` or some id needs it, else
        ``int32``; weights ``float64``, or None when the file has two columns or
        weights are not kept.
        """
        while self.pending:
            self._settle_oldest()
        if not self.parts and self.header:
            raise InputError(f"{self.name}: no edges, only the header line {_show(self.header)}")
        if not self.parts:
            raise InputError(f"{self.name}: no edges (the file is empty or has only comments)")
        wide = self.wide or any(part[0].dtype != np.int32 or part[1].dtype != np.int32 for part in self.parts)
        kept = self._kept()
        dtypes = [np.int64 if wide else np.int32] * 2 + [np.float64][: kept - 2]
        if len(self.parts) == 1 and all(c.flags.c_contiguous and c.dtype == t for c, t in zip(self.parts[0], dtypes)):
            columns = self.parts.pop()
        else:
            columns = _join(self.parts, dtypes, self.pool)
        self.close()
        return columns[0], columns[1], columns[2] if kept == 3 else None


def _line_chunks(text: bytes | memoryview, size: int) -> list[int]:
    """Where chunks of about ``size`` bytes of whole lines start in ``text``, and its end (a long line is one chunk)."""
    view = np.frombuffer(text, dtype=np.uint8)
    bounds = [0]
    while bounds[-1] < view.size:
        start = bounds[-1]
        end = start + size
        if end >= view.size:
            bounds.append(view.size)
            continue
        # the last newline before end, else the first after it (numpy reads the mapped bytes in place)
        before = np.flatnonzero(view[max(end - 65536, start) : end] == _NEWLINE)
        if before.size:
            bounds.append(max(end - 65536, start) + int(before[-1]) + 1)
            continue
        after = np.flatnonzero(view[end:] == _NEWLINE)  # (a line longer than 64 KB: rare)
        bounds.append(end + int(after[0]) + 1 if after.size else view.size)
    return bounds


def _beyond_int32(part: list[np.ndarray]) -> bool:
    """Whether a part's ids do not all fit ``int32``."""
    return part[0].dtype != np.int32 and any(ids.size and int(ids.max()) > 2**31 - 1 for ids in part[:2])


def _compiled_pass(
    chunk: bytes | memoryview, columns: int, weights: bool, wide: bool
) -> tuple[list[np.ndarray], int, int, int] | None:
    """The compiled pass over one chunk (``columns`` known so far, 0 if none): as ``_edgetext.parse``, or None."""
    # room for every edge the text could hold: memory only reserved, touched as rows are written
    rows = len(chunk) // _MIN_EDGE_BYTES + 1
    while True:
        ids = np.int64 if wide else np.int32
        out = [np.empty(rows, dtype=ids), np.empty(rows, dtype=ids)]
        out.append(np.empty(rows) if weights and columns != 2 else None)
        found = _compiled.parse(chunk, columns, *out)
        if found is None:
            return None
        edges, found_columns, newlines, first_line = found
        if edges >= 0:
            break
        wide = True  # an id of 2**31 or more
    kept = out[: 3 if found_columns == 3 and out[2] is not None else 2]
    for column in kept:
        column.resize(edges, refcheck=False)  # in place, no copy: the rest of the reservation goes back
    return kept, found_columns, newlines, first_line


def csv_fields(
    text: bytes | memoryview,
    delimiter: str,
    fields: int,
    source: int,
    target: int,
    weight: int | None = None,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """The rows of a CSV file after its header, by column position, as Arrow's CSV reader would read them; or None.

    For the commonest CSV file only, read by the compiled pass in chunks side by side:
    ``fields`` fields a line split by ``delimiter``, no quotes, ids of 1 to 16 digits
    below 2**53 in columns ``source`` and ``target``, a finite number (not a negative
    zero) in column ``weight`` if given, anything in the others; empty lines skipped.
    Ids come back as ``int32`` where they all fit (half the memory to touch), else
    ``int64``; weights as ``float64``. None for any other text (or no rows, or no
    compiled pass): the caller reads it with Arrow, which gives the same columns, or
    names what is wrong.

    Examples
    --------
    >>> found = csv_fields(b"7,x,8,0.5\\n9,y,10,2\\n", ",", 4, 0, 2, weight=3)
    >>> found is None or [c.tolist() for c in found] == [[7, 9], [8, 10], [0.5, 2.0]]  # None without a C compiler
    True
    >>> csv_fields(b'7,"x",8,0.5\\n', ",", 4, 0, 2, weight=3) is None
    True
    """
    if _compiled is None or not len(text):
        return None
    bounds = _line_chunks(text, FEED_BYTES)
    chunks = [text[start:end] for start, end in zip(bounds, bounds[1:])]
    pool = ThreadPoolExecutor(threads, thread_name_prefix="pregel-csv") if threads > 1 and len(chunks) > 1 else None
    try:
        run = pool.map if pool else map
        lines = [n + (chunk[-1] != _NEWLINE) for n, chunk in zip(run(_compiled.count_newlines, chunks), chunks)]
        starts = np.concatenate(([0], np.cumsum(lines))).tolist()
        found = None
        for ids in (np.int32, np.int64):
            found = _csv_chunks(chunks, starts, ids, (delimiter, fields, source, target, weight), pool)
            if found != "wide":
                break
    finally:
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
    if found is None:
        return None
    out, rows = found
    if sum(rows) == 0:
        return None
    if sum(rows) < starts[-1]:
        # empty lines left gaps at the ends of their chunks' stretches: close them up
        keep = np.concatenate([np.arange(start, start + n) for start, n in zip(starts, rows)])
        out = [None if c is None else c[keep] for c in out]
    return out[0], out[1], out[2]


def _csv_chunks(
    chunks: list[bytes | memoryview],
    starts: list[int],
    ids: type,
    how: tuple[str, int, int, int, int | None],
    pool: ThreadPoolExecutor | None,
) -> tuple[list[np.ndarray | None], list[int]] | str | None:
    """Every chunk parsed into its stretch of the columns (ids of type ``ids``), and each chunk's rows.

    ``"wide"``: an id does not fit ``int32`` (nothing is kept); None: Arrow must read the file.
    """
    delimiter, fields, source, target, weight = how
    out = [np.empty(starts[-1], dtype=ids), np.empty(starts[-1], dtype=ids)]
    out.append(None if weight is None else np.empty(starts[-1]))

    def parse(k: int) -> tuple[int, int] | None:
        stretch = [None if c is None else c[starts[k] : starts[k + 1]] for c in out]
        where = -1 if weight is None else weight
        return _compiled.parse_fields(chunks[k], delimiter, fields, source, target, where, *stretch)

    tasks = [pool.submit(parse, k) for k in range(len(chunks))] if pool else []
    rows = []
    try:
        for k in range(len(chunks)):
            found = tasks[k].result() if pool else parse(k)
            if found is None:
                return None
            if found[0] < 0:
                return "wide"
            rows.append(found[0])
    finally:
        for task in tasks:
            task.cancel()
        wait(tasks)
    return out, rows


def _join(parts: list[list[np.ndarray]], dtypes: list[type], pool: ThreadPoolExecutor | None) -> list[np.ndarray]:
    """The parts' columns end to end, as ``dtypes``; each part is freed once copied (the pool copies side by side)."""
    sizes = [part[0].size for part in parts]
    starts = np.concatenate(([0], np.cumsum(sizes))).tolist()
    columns = [np.empty(starts[-1], dtype=t) for t in dtypes]

    def copy(k: int) -> None:
        part, parts[k] = parts[k], []
        for column, values in zip(columns, part):
            column[starts[k] : starts[k + 1]] = values  # numpy copies without the GIL

    if pool is None:
        for k in range(len(parts)):
            copy(k)
    else:
        for done in [pool.submit(copy, k) for k in range(len(parts))]:
            done.result()
    parts.clear()
    return columns


def plain_integer_columns(text: bytes, columns: int = 0) -> tuple[list[np.ndarray], int] | None:
    """The columns of text that is only unsigned integers and separators, or ``None`` for any other text.

    Tokens are runs of digits; separators are spaces, tabs, commas, ``\\r`` and
    ``\\n``. Every line holding a token must hold ``columns`` of them (2 or 3; 0 means
    as many as the first such line). Ids must be below 2**53, weights too (they come
    back as ``float64``); a token of more than 16 digits is refused, even one padded
    with zeros. Ids come back as ``int32`` when every one has at most 9 digits, else
    ``int64``. ``None`` means: not plain, or plain but wrong; the caller's general
    pass then reads the text or names its first bad line. Returned too: the offset
    of the first token, for the line number of the first edge.

    Examples
    --------
    >>> cols, first = plain_integer_columns(b"\\n10\\t20\\n30\\t9007199254740991\\n")
    >>> [c.tolist() for c in cols], first
    ([[10, 30], [20, 9007199254740991]], 1)
    >>> plain_integer_columns(b"1 2\\n3\\n") is None, plain_integer_columns(b"1 -2\\n") is None
    (True, True)
    """
    if not text or len(text) >= 2**31 or text.translate(None, _PLAIN_TEXT):
        return None  # (positions are int32)
    # temporaries are made in place and positions kept as int32 where possible: on a
    # fresh process, memory touched for the first time costs more than the arithmetic
    buf = np.frombuffer(text, dtype=np.uint8)
    digit = np.subtract(buf, 48, dtype=np.uint8)
    digit = np.less(digit, 10, out=digit.view(bool))
    # where the digit mask changes: alternately a token's start and the end after it
    change = np.empty(buf.size + 1, dtype=bool)
    change[0], change[-1] = digit[0], digit[-1]
    np.not_equal(digit[1:], digit[:-1], out=change[1:-1])
    del digit
    bounds = _positions(change)
    del change
    starts, ends = bounds[0::2], bounds[1::2]
    if not starts.size:
        return None
    lengths = ends - starts
    longest = int(lengths.max())
    if not columns:
        first_newline = text.find(b"\n", int(ends[0]))
        columns = starts.size if first_newline < 0 else int(np.searchsorted(starts, first_newline))
    if columns not in (2, 3) or starts.size % columns or longest > _MAX_DIGITS:
        return None
    if not _lines_hold(buf, starts, ends, columns):
        return None
    # the values are read 8 bytes at a time, so the text must hold at least 16
    words = _words(text if len(text) >= 16 else text.ljust(16))
    result = []
    for k in range(columns):
        values = _token_values(text, words, starts[k::columns], ends[k::columns], lengths[k::columns], longest)
        if longest == _MAX_DIGITS and values.max() >= MAX_ID:
            return None
        if k == 2:
            values = values.astype(np.float64)
        elif longest <= 9:
            values = values.astype(np.int32)  # below 10**9: half the memory from here on
        result.append(values)
    return result, int(starts[0])


def _positions(mask: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(mask)`` as ``int32``, found a piece at a time so no long ``int64`` array is made."""
    out = np.empty(np.count_nonzero(mask), dtype=np.int32)
    at = 0
    for k in range(0, mask.size, _PIECE):
        found = np.flatnonzero(mask[k : k + _PIECE])
        np.add(found, k, out=out[at : at + found.size], casting="unsafe")
        at += found.size
    return out


def _lines_hold(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, columns: int) -> bool:
    """Whether the tokens make lines of exactly ``columns`` each: a newline after every ``columns``-th, none between."""
    # a gap between tokens holds a newline if one touches either token; a gap of
    # one or two bytes holds nothing else, and longer gaps are looked at one by one
    after, before = ends[:-1], starts[1:]
    newline = buf[after]
    newline = np.equal(newline, _NEWLINE, out=newline.view(bool))
    gap = np.subtract(before, 1)
    touching = buf[gap]
    newline |= np.equal(touching, _NEWLINE, out=touching.view(bool))
    del touching
    np.subtract(before, after, out=gap)
    unsure = np.flatnonzero(np.greater(gap, 2, out=np.empty(gap.size, dtype=bool)) & ~newline)
    del gap
    if unsure.size:
        positions = np.flatnonzero(buf == _NEWLINE)
        newline[unsure] = np.searchsorted(positions, after[unsure]) < np.searchsorted(positions, before[unsure])
    # the gap after each line's last token holds a newline, the others none
    inside = any(newline[k::columns].any() for k in range(columns - 1))
    return not inside and bool(newline[columns - 1 :: columns].all())


def _words(text: bytes) -> np.ndarray:
    """Every 8 consecutive bytes of ``text`` as one little-endian ``uint64``: ``words[i]`` covers ``text[i:i + 8]``."""
    return np.ndarray((len(text) - 7,), dtype="<u8", buffer=text, strides=(1,))


def _token_values(
    text: bytes, words: np.ndarray, starts: np.ndarray, ends: np.ndarray, lengths: np.ndarray, longest: int
) -> np.ndarray:
    """The values of tokens of at most 16 digits, as ``int64``."""
    window = np.maximum(ends, 16)
    window -= 8
    low = words[window]
    low &= _DIGIT_MASKS[np.minimum(lengths, 8) if longest > 8 else lengths]
    values = _eight_digits(low)
    if longest > 8:
        long = np.flatnonzero(lengths > 8)
        high = words[window[long] - 8] & _DIGIT_MASKS[lengths[long] - 8]
        values[long] += _eight_digits(high) * np.uint64(10**8)
    # the few tokens too near the start for a 16-byte window are read by Python (ends ascend)
    for k in np.flatnonzero(ends[:16] < 16).tolist():
        values[k] = int(text[starts[k] : ends[k]])
    return values.view(np.int64)


def _eight_digits(words: np.ndarray) -> np.ndarray:
    """The numbers written by 8 digit values, one a byte, most significant in the lowest byte (in place)."""
    # pairs, then quadruples, then all eight: three multiplications instead of eight
    words *= np.uint64(10 * 256 + 1)
    words >>= np.uint64(8)
    words &= np.uint64(0x00FF00FF00FF00FF)
    words *= np.uint64(100 * 65536 + 1)
    words >>= np.uint64(16)
    words &= np.uint64(0x0000FFFF0000FFFF)
    words *= np.uint64(10000 * 2**32 + 1)
    words >>= np.uint64(32)
    return words


def strip_comments(chunk: bytes) -> bytes:
    """Blank the comment lines (keeping their newlines, so line numbers stay right).

    The regular expression runs only over the stretch from the first to the last
    comment character: comments usually sit at the top of a file, not in every chunk.

    Examples
    --------
    >>> strip_comments(b"# a\\n1 2 # b\\n% c\\n3 4\\n")
    b'\\n1 2 \\n\\n3 4\\n'
    """
    marks = [i for i in (chunk.find(b"#"), chunk.find(b"%")) if i >= 0]
    if not marks:
        return chunk
    start = chunk.rfind(b"\n", 0, min(marks)) + 1
    end = chunk.find(b"\n", max(chunk.rfind(b"#"), chunk.rfind(b"%")))
    end = len(chunk) if end < 0 else end
    return chunk[:start] + _COMMENT.sub(b"", chunk[start:end]) + chunk[end:]


def _data(raw: bytes) -> bytes:
    """A line's data: without its comment and outer blanks, empty for a comment line."""
    stripped = raw.split(b"#", 1)[0].strip()
    return b"" if stripped[:1] == b"%" else stripped


#: the bytes of a file's start whose lines tell a word-id list's header from its first edge
_WORD_HEAD = 1 << 16


def _show(field: bytes) -> str:
    return repr(field.decode("utf-8", errors="replace"))
