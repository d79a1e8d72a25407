"""Turning chunks of edge-list text into arrays, and naming the first bad line when that fails.

Four passes, from fast to thorough:

- the compiled pass (``pregel/_edgetext.c``, built by ``pip install`` where a C compiler
  exists) reads plain integer text (digits, separators, comments) in one sweep over the
  bytes, straight into the columns;
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

import re
import warnings
from typing import NoReturn

import numpy as np

from pregel.core import extensions
from pregel.errors import InputError

# the compiled plain-integer pass (pregel/_edgetext.c), when built and not switched off
_compiled = extensions.load("pregel.io._edgetext")
COMPILED = _compiled is not None

MAX_ID = 2**53
# '#' starts a comment anywhere (it is never part of a number); '%' only at a line's start (Matrix Market)
_COMMENT = re.compile(rb"(?m)^[ \t]*%[^\n]*|#[^\n]*")
_SEPARATORS = bytes.maketrans(b",\t\r", b"   ")
_PLAIN_TEXT = b"0123456789 \t\r\n,"
_INTEGER_TEXT = b"0123456789+- \n"
_EMPTY_FIELD = re.compile(rb"(?m),[ \t]*(?:,|\r?$)|^[ \t]*,")
_NAME = re.compile(rb"[A-Za-z_][\w.-]*")

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
# positions are found in pieces of this many bytes, so their int64 temporaries stay small
_PIECE = 1 << 16


class EdgeParser:
    """Turns chunks of edge-list text (cut at line ends) into columns, remembering line numbers.

    Examples
    --------
    >>> parser = EdgeParser("e.txt")
    >>> parser.feed(b"# c\\n1 2\\n")
    >>> parser.feed(b"3 4\\n")
    >>> [c.tolist() for c in parser.result()[:2]]
    [[1, 3], [2, 4]]
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.line = 1
        self.columns = 0
        self.first_data_line = 0
        self.parts: list[list[np.ndarray]] = []
        self.header_checked = False
        self.header = b""
        self.wide = False  # ids are int64 from here on (the compiled pass met one of 2**31 or more)

    def feed(self, chunk: bytes | memoryview) -> None:
        """Parse one chunk of whole lines."""
        if not self.header_checked:
            chunk = self._drop_header(bytes(chunk))
        if _compiled is not None and self._feed_compiled(chunk):
            return
        chunk = bytes(chunk)
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
            self.parts.append(columns)
        else:
            text = text.translate(_SEPARATORS)
            if text.strip():
                table = self._parse(text, chunk)
                self.parts.append([table[:, k] for k in range(self.columns)])
        self.line += lines_here

    def _feed_compiled(self, chunk: bytes | memoryview) -> bool:
        """The compiled pass over a chunk; False leaves the chunk to the numpy passes."""
        # at most one edge a line: room for every line, only comment and blank lines left over
        rows = _compiled.count_newlines(chunk) + 1
        while True:
            ids = np.int64 if self.wide else np.int32
            columns = [np.empty(rows, dtype=ids), np.empty(rows, dtype=ids)]
            columns.append(None if self.columns == 2 else np.empty(rows))
            found = _compiled.parse(chunk, self.columns, *columns)
            if found is None:
                return False
            edges, found_columns, newlines, first_line = found
            if edges >= 0:
                break
            self.wide = True  # an id of 2**31 or more
        if found_columns and not self.columns:
            self.columns = found_columns
            self.first_data_line = self.line + first_line
        if edges:
            for column in columns[: self.columns]:
                column.resize(edges, refcheck=False)  # in place: no copy
            self.parts.append(columns[: self.columns])
        self.line += newlines + (1 if len(chunk) and chunk[-1] != _NEWLINE else 0)
        return True

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
        # integers parse about ten times faster than floats: weights that are all
        # integers (in range) take the integer path too
        integral = self.columns == 2 or not text.translate(None, _INTEGER_TEXT)
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
        for offset, raw in enumerate(chunk.split(b"\n")):
            stripped = raw.split(b"#", 1)[0].strip()
            if not stripped or stripped[:1] == b"%":
                continue
            self._check_line(self.line + offset, stripped)
        self._fail(self.line, "cannot parse this part of the file")

    def _check_line(self, line: int, raw: bytes) -> None:
        if b"," in raw:
            cells = [f.strip() for f in raw.split(b",")]
            if b"" in cells:
                self._fail(line, f"empty field in column {cells.index(b'') + 1}")
        # separated by commas and whitespace alike, as the fast path reads them
        fields = raw.replace(b",", b" ").split()
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
            if not re.fullmatch(rb"[+-]?\d+", field):
                self._fail(line, f"vertex id {_show(field)} is not an integer")
            if int(field) < 0:
                self._fail(line, f"vertex id {int(field)} is negative (ids are non-negative integers)")
            if int(field) >= MAX_ID:
                self._fail(line, f"vertex id {int(field)} is too large (ids must be below 2**53)")
        if len(fields) == 3:
            try:
                weight = float(fields[2])
            except ValueError:
                self._fail(line, f"weight {_show(fields[2])} is not a number")
            if not np.isfinite(weight):
                self._fail(line, f"weight {_show(fields[2])} is not a finite number")

    def _fail(self, line: int, problem: str) -> NoReturn:
        raise InputError(f"{self.name}:{line}: {problem}")

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(sources, targets, weights or None)`` of every chunk fed, in file order.

        Ids are ``int32`` if every chunk's fit, else ``int64``; weights ``float64``.
        """
        if not self.parts and self.header:
            raise InputError(f"{self.name}: no edges, only the header line {_show(self.header)}")
        if not self.parts:
            raise InputError(f"{self.name}: no edges (the file is empty or has only comments)")
        wide = any(part[0].dtype != np.int32 or part[1].dtype != np.int32 for part in self.parts)
        dtypes = [np.int64 if wide else np.int32] * 2 + [np.float64][: self.columns - 2]
        if len(self.parts) == 1 and all(c.flags.c_contiguous and c.dtype == t for c, t in zip(self.parts[0], dtypes)):
            columns = self.parts.pop()
        else:
            total = sum(part[0].size for part in self.parts)
            columns = [np.empty(total, dtype=t) for t in dtypes]
            at = 0
            while self.parts:
                # free each chunk's arrays as soon as they are copied: the peak stays near one copy of the edges
                part = self.parts.pop(0)
                for column, values in zip(columns, part):
                    column[at : at + values.size] = values
                at += part[0].size
        return columns[0], columns[1], columns[2] if self.columns == 3 else None


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


def _show(field: bytes) -> str:
    return repr(field.decode("utf-8", errors="replace"))
