"""The compiled pass (pregel/io/_edgetext.c) on integer texts, against the numpy passes and Python's own parsing.

Random texts (every separator, CRLF, comments anywhere, blank and header lines, ids
near 2**53, zero padding, 2 and 3 columns, garbage lines, chunk boundaries anywhere)
are read with the numpy passes alone (the fallback every installation has), and again
with the compiled pass and with the general pass alone. Each must give the numpy
passes' arrays, or the same error naming the same line. Valid texts are also checked
against Python's ``int`` line by line, and the compiled pass must really read them.
Where the extension is not built, its tests are skipped, saying so.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import pregel
from pregel.io import edges as io
from pregel.io import edgetext
from pregel.io.edgetext import MAX_ID
from tests.test_io_fast import random_id

compiled = edgetext._compiled
needs_compiled = pytest.mark.skipif(
    compiled is None,
    reason="pregel.io._edgetext is not here (installed without a C compiler, or PREGEL_NO_COMPILED is set):"
    " the numpy passes read the text",
)
# each pass against the numpy passes (the fallback every installation has)
PASSES = [pytest.param("compiled", marks=needs_compiled), "general"]

GARBAGE = [
    "1 2 3 4",
    "7",
    "+1 2",
    "1 -2",
    "1.5 2",
    "1 2 0.5",
    "1,,2",
    "1 2,",
    ", 1 2",
    ",",
    "1 ,\t",
    "1 2 % c",
    "\r% c",
    "x 2",
    "1 2\x0b",
    "00000000000000001 2",
    "9007199254740992 1",
    "1 9007199254740993",
    "1 2 9999999999999999",
    "1e3 2",
    "nan 1",
    "1 2 3",
    "4294967296 1",
    "2147483648 2147483647",
]


def random_text(rng: np.random.Generator, lines: int, columns: int, garbage: float) -> str:
    """An edge list of ``lines`` lines; ``garbage`` is the share of lines drawn from GARBAGE."""
    separators = [" ", "\t", ",", " , ", "\t\t", ", ", "\r", " \r "]
    out = []
    if rng.random() < 0.2:
        out.append(["src,dst", "src dst weight"][columns - 2] + "\n")
    for _ in range(lines):
        roll = rng.random()
        if roll < 0.05:
            line = str(rng.choice(["# c", "% c", "  % c, x", "\t# 1 2", "#", "%"]))
        elif roll < 0.1:
            line = str(rng.choice(["", "  ", "\t", " \r"]))
        elif roll < 0.1 + garbage:
            line = str(rng.choice(GARBAGE))
        else:
            fields = [random_id(rng) for _ in range(2)]
            if columns == 3:
                fields.append(random_id(rng) if rng.random() < 0.5 else str(int(rng.integers(0, 100))))
            if rng.random() < 0.05:
                fields[0] = str(2**31 + int(rng.integers(0, 10)))  # past int32: the columns widen
            line = str(rng.choice(separators)).join(fields)
            if rng.random() < 0.1:
                line = "  " + line + " \t"
            if rng.random() < 0.1:
                line += str(rng.choice([" # trailing, comment", "#x", "\t# 5 % 6"]))
        out.append(line + ("\r\n" if rng.random() < 0.2 else "\n"))
    text = "".join(out)
    return text.rstrip("\n") if rng.random() < 0.3 else text


def data_lines(text: str) -> list[tuple[int, list[str]]]:
    """(line index, fields) of each line holding data, read with Python's string methods."""
    rows = []
    for k, line in enumerate(text.split("\n")):
        line = line.split("#", 1)[0]
        if not line.lstrip(" \t").startswith("%"):
            fields = [f for f in re.split(r"[,\s]+", line) if f]
            if fields:
                rows.append((k, fields))
    return rows


def reference(text: str) -> tuple[list[int], list[int], list[float] | None]:
    """The edges of a valid text, by Python's ``int`` and ``float``."""
    rows = [fields for _, fields in data_lines(text)]
    weights = [float(r[2]) for r in rows] if len(rows[0]) == 3 else None
    return [int(r[0]) for r in rows], [int(r[1]) for r in rows], weights


def outcome(path, monkeypatch, chunk: int, passes: str, numpy_bytes: int = edgetext.NUMPY_BYTES):
    """``read_edge_arrays`` of a file through the given passes: its arrays, or its error message.

    ``numpy_bytes``: the pieces the numpy passes take of a chunk the compiled pass leaves them.
    """
    with monkeypatch.context() as m:
        m.setattr(io, "CHUNK_BYTES", chunk)
        m.setattr(edgetext, "NUMPY_BYTES", numpy_bytes)
        if passes != "compiled":
            m.setattr(edgetext, "_compiled", None)
        if passes == "general":
            m.setattr(edgetext, "plain_integer_columns", lambda text, columns=0: None)
        try:
            src, dst, w = io.read_edge_arrays(path)
        except pregel.InputError as exc:
            return str(exc)
    return src.dtype.str, src.tolist(), dst.tolist(), None if w is None else w.tolist()


@pytest.mark.parametrize("passes", PASSES)
@pytest.mark.parametrize("garbage", [0.0, 0.002, 0.02])
@pytest.mark.parametrize("seed", range(12))
def test_the_passes_agree_on_random_texts(tmp_path, monkeypatch, seed, garbage, passes):
    rng = np.random.default_rng([seed, int(garbage * 1000)])
    columns = 2 + seed % 2
    text = random_text(rng, int(rng.integers(1, 400)), columns, garbage)
    path = tmp_path / "edges.txt"
    path.write_bytes(text.encode())
    chunk = int(rng.choice([16, 100, 1000, 1 << 18]))
    numpy_result = outcome(path, monkeypatch, chunk, "numpy")
    ours = outcome(path, monkeypatch, chunk, passes)
    assert ours == numpy_result
    # a large chunk (one the compiled pass refuses) goes to numpy in pieces: the same again
    assert outcome(path, monkeypatch, 1 << 18, passes, numpy_bytes=int(rng.integers(1, 300))) == numpy_result
    if garbage == 0 and not text.startswith("src"):
        src, dst, w = reference(text)
        assert ours[1:] == (src, dst, w)
        assert ours[0] == ("<i8")


@pytest.mark.parametrize("passes", PASSES)
@pytest.mark.parametrize("line", GARBAGE)
def test_each_garbage_line_is_named_alike_wherever_it_falls(tmp_path, monkeypatch, line, passes):
    rng = np.random.default_rng(GARBAGE.index(line))
    for columns in (2, 3):
        lines = random_text(rng, 300, columns, 0.0).split("\n")
        lines.insert(int(rng.integers(0, len(lines))), line)
        path = tmp_path / "edges.txt"
        path.write_text("\n".join(lines))
        chunk = int(rng.choice([64, 1000, 1 << 18]))
        assert outcome(path, monkeypatch, chunk, passes) == outcome(path, monkeypatch, chunk, "numpy")


@needs_compiled
@pytest.mark.parametrize("columns", [2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_pass_reads_valid_plain_text_itself(seed, columns):
    # the agreement above could hold if the compiled pass refused everything: here it must read the text
    rng = np.random.default_rng(seed)
    text = random_text(rng, 2000, columns, 0.0).replace("src,dst\n", "").replace("src dst weight\n", "")
    data = text.encode()
    size = len(data) // 4 + 2
    ids = np.int64 if "2147483" in text else np.int32
    src, dst, w = np.empty(size, ids), np.empty(size, ids), np.empty(size)
    edges, found_columns, newlines, first_line = compiled.parse(data, 0, src, dst, w)
    want = reference(text)
    assert found_columns == columns and edges == len(want[0])
    assert newlines == text.count("\n")
    assert first_line == data_lines(text)[0][0]
    assert src[:edges].tolist() == want[0] and dst[:edges].tolist() == want[1]
    if columns == 3:
        assert w[:edges].tolist() == want[2]


@needs_compiled
@pytest.mark.parametrize("line", GARBAGE[:-3])
def test_what_the_compiled_pass_leaves_to_the_numpy_passes(line):
    out = [np.empty(64, np.int64), np.empty(64, np.int64), np.empty(64)]
    assert compiled.parse(f"5 6\n{line}\n".encode(), 0, *out) is None
    assert compiled.parse(f"{line}\n".encode(), 2, *out) is None or line == "1 2 3"


@needs_compiled
def test_ids_past_int32_ask_for_wider_columns():
    narrow = [np.empty(8, np.int32), np.empty(8, np.int32), None]
    assert compiled.parse(b"1 2147483648\n", 0, *narrow)[0] == -1
    wide = [np.empty(8, np.int64), np.empty(8, np.int64), None]
    assert compiled.parse(b"1 2147483648\n", 0, *wide) == (1, 2, 1, 0)
    assert wide[1][0] == 2**31
    assert compiled.parse(b"1 9007199254740991\n", 0, *wide) == (1, 2, 1, 0) and wide[1][0] == MAX_ID - 1


@needs_compiled
def test_short_buffers_and_wrong_types_are_refused():
    assert compiled.parse(b"1 2\n3 4\n", 0, np.empty(1, np.int32), np.empty(1, np.int32), None) is None
    with pytest.raises(TypeError):
        compiled.parse(b"1 2\n", 0, np.empty(4, np.float64), np.empty(4, np.float64), None)
    with pytest.raises(TypeError):
        compiled.parse(b"1 2\n", 0, np.empty(4, np.int32), np.empty(4, np.int64), None)
    with pytest.raises(ValueError, match="columns must be 0, 2 or 3"):
        compiled.parse(b"1 2\n", 4, np.empty(4, np.int32), np.empty(4, np.int32), None)


def test_without_the_extension_numpy_reads_the_same(tmp_path):
    # a fresh interpreter in which the extension cannot be imported, as where no compiler built it
    path = tmp_path / "e.txt"
    path.write_text("# c\n1 2\n3,4\r\n5 6 # x\n")
    code = (
        "import sys; sys.modules['pregel.io._edgetext'] = None\n"
        "from pregel.io import edgetext, edges as io\n"
        "assert edgetext._compiled is None\n"
        f"print([a.tolist() for a in io.read_edge_arrays({str(path)!r})[:2]])\n"
    )
    env_path = str(pregel.__path__[0]).rsplit("/pregel", 1)[0]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=env_path, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[1, 3, 5], [2, 4, 6]]"
