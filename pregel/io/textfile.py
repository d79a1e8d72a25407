"""Opening a text edge list: decompressed by content, its head checked for text, read in chunks of whole lines.

Both readers of text use it: the local reader (:mod:`pregel.io.edges`) and the shares a
worker reads alone (:mod:`pregel.io.shares`).
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import gzip
import os
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pregel.errors import InputError
from pregel.io.edgetext import FEED_BYTES

try:  # ISA-L's gzip reader inflates about 2.5 times faster than zlib's (the ``fast`` extra)
    from isal.igzip import GzipFile as _GzipReader
    from isal.isal_zlib import error as _InflateError
except ImportError:  # pragma: no cover - depends on the installation
    _GzipReader = gzip.GzipFile
    _InflateError = zlib.error

CHUNK_BYTES = FEED_BYTES


def stream_chunks(stream: IO[bytes], head: bytes) -> Iterator[bytes | memoryview]:
    """The text of a stream in chunks of whole lines (about ``CHUNK_BYTES``), starting with the ``head`` already read.

    Examples
    --------
    >>> import io
    >>> [bytes(c) for c in stream_chunks(io.BytesIO(b"3 4\\n"), b"1 2\\n")]
    [b'1 2\\n', b'3 4\\n']
    """
    data = head
    while True:
        more = stream.read(CHUNK_BYTES)
        cut = data.rfind(b"\n") + 1 if more else len(data)
        yield memoryview(data)[:cut] if cut < len(data) else data
        if not more:
            return
        data = data[cut:] + more


def text_head(head: bytes, name: str) -> bytes:
    """The first chunk without a UTF-8 byte-order mark (spreadsheets write one); InputError if not text.

    Examples
    --------
    >>> text_head(codecs.BOM_UTF8 + b"1 2\\n", "e.txt")
    b'1 2\\n'
    """
    if head.startswith(codecs.BOM_UTF8):
        return head[len(codecs.BOM_UTF8) :]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name}: UTF-16 text; save the edge list as UTF-8 or ASCII")
    nul = head.find(b"\0", 0, 65536)
    if nul >= 0:
        raise InputError(f"{name}: binary data (a NUL byte at offset {nul}), not a text edge list")
    return head


@contextlib.contextmanager
def open_text(path: str | os.PathLike[str], name: str) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed (gzip and bzip2, recognised by content); InputError for anything unreadable.

    ``name`` is what messages call the file (``"<stdin>"``: read standard input).

    Examples
    --------
    >>> try:
    ...     with open_text("no-such-file.txt", "no-such-file.txt") as stream:
    ...         pass
    ... except InputError as missing:
    ...     print(missing)
    no-such-file.txt: no such file
    """
    try:
        if name == "<stdin>":
            raw: IO[bytes] = sys.stdin.buffer
        else:
            p = Path(path)
            if p.is_dir():
                raise InputError(f"{name}: is a directory, not an edge list")
            raw = open(p, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    try:
        magic = raw.peek(3)[:3] if hasattr(raw, "peek") else b""
        if magic[:2] == b"\x1f\x8b":
            stream: IO[bytes] = _GzipReader(fileobj=raw)
        elif magic == b"BZh":
            stream = bz2.BZ2File(raw)
        else:
            stream = raw
        yield stream
    except (EOFError, gzip.BadGzipFile, zlib.error, _InflateError) as exc:
        raise InputError(f"{name}: compressed data is truncated or corrupt ({exc})") from None
    except OSError as exc:
        if "bz2" in type(exc).__module__ or "Invalid data stream" in str(exc):
            raise InputError(f"{name}: compressed data is truncated or corrupt ({exc})") from None
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()
