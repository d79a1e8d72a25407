"""CSV files by column read by the compiled parser (``edgetext.csv_fields``), against Arrow's CSV reader.

Random CSV texts (1 to 6 columns, the ids and weight in any of them, every way of
writing a number Arrow reads, other columns of any text, CRLF, empty lines, a last
line without its newline, chunks cut anywhere) are read by ``pyarrow.csv.read_csv`` and
by the compiled parser: the same columns, or the compiled parser declines (None) and
Arrow reads the file. Texts the compiled parser must decline (quotes, signs, spaces,
lone CRs, negative zeros, ids of 2**53) give through ``read_table`` what Arrow alone
gives, and a mistake in a late chunk is still one line naming the file, exit status 2,
no output.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pregel import Graph
from pregel.cli.main import main
from pregel.io import edgetext, tabular
from pregel.io.edges import read_edges

pa = pytest.importorskip("pyarrow")
pacsv = pytest.importorskip("pyarrow.csv")

needs_compiled = pytest.mark.skipif(
    edgetext._compiled is None,
    reason="pregel.io._edgetext is not here (installed without a C compiler, or PREGEL_NO_COMPILED is set):"
    " Arrow reads every CSV file",
)


def arrow_columns(data: bytes, delimiter: str, names: list[str]) -> list[np.ndarray]:
    """What Arrow's CSV reader makes of the named columns: the independent reference."""
    read = pacsv.read_csv(
        io.BytesIO(data),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(include_columns=names),
    )
    return [read.column(name).to_numpy() for name in names]


def graph_state(graph) -> tuple:
    src, dst, w = graph.edge_arrays()
    return graph.original_ids.tolist(), src.tolist(), dst.tolist(), None if w is None else w.tolist()


# ------------------------------------------------------------------ random texts
IDS = st.one_of(
    st.integers(0, 99),
    st.integers(0, 2**31),
    st.integers(2**31, 2**53 - 1),
).map(str) | st.tuples(st.integers(0, 9999), st.integers(1, 4)).map(lambda t: str(t[0]).zfill(t[1] + len(str(t[0]))))
WEIGHTS = st.one_of(
    st.integers(0, 10**6).map(str),
    st.integers(-(10**6), 10**6).map(lambda k: f"{k / 1000}"),
    st.floats(-1e300, 1e300, allow_nan=False).filter(lambda x: x != 0 or math.copysign(1, x) > 0).map(repr),
    st.sampled_from(["1.", ".5", "+4", "-.25", "1e3", "2.5E-3", "5e+3", "0.1000000000000000055511151231257827"]),
    st.integers(10**17, 10**21).map(str),
)
OTHER = st.text(st.characters(codec="utf-8", exclude_characters='",\t \r\n'), max_size=6)


@st.composite
def csv_texts(draw) -> tuple[bytes, str, int, list[int]]:
    """A CSV file of integer ids and a weight in columns of a random width, and where they are."""
    delimiter = draw(st.sampled_from([",", "\t", " "]))
    fields = draw(st.integers(2, 6))
    source, target = draw(st.lists(st.integers(0, fields - 1), min_size=2, max_size=2, unique=True))
    weight = draw(st.sampled_from([None, *(k for k in range(fields) if k not in (source, target))]))
    rows = draw(st.integers(1, 40))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [delimiter.join(f"c{k}" for k in range(fields))]
    for _ in range(rows):
        cells = [draw(OTHER) for _ in range(fields)]
        cells[source], cells[target] = draw(IDS), draw(IDS)
        if weight is not None:
            cells[weight] = draw(WEIGHTS)
        lines.append(delimiter.join(cells))
        if draw(st.integers(0, 9)) == 0:
            lines.append("")  # an empty line, which Arrow skips
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    positions = [source, target] + ([] if weight is None else [weight])
    return text.encode(), delimiter, fields, positions


@needs_compiled
@settings(max_examples=100, deadline=None)
@given(csv_texts(), st.integers(16, 400))
def test_random_csv_texts_read_as_arrow_reads_them(case, chunk_bytes):
    data, delimiter, fields, positions = case
    start = data.index(b"\n") + 1
    saved = edgetext.FEED_BYTES
    edgetext.FEED_BYTES = chunk_bytes  # chunks cut anywhere, parsed side by side
    try:
        found = edgetext.csv_fields(memoryview(data)[start:], delimiter, fields, *positions, threads=2)
    finally:
        edgetext.FEED_BYTES = saved
    want = arrow_columns(data, delimiter, [f"c{k}" for k in positions])
    assert found is not None, data  # plain text: the compiled parser reads it
    narrow = max(want[0].max(), want[1].max()) < 2**31
    assert [c.dtype for c in found[:2]] == [np.int32 if narrow else np.int64] * 2  # int32 where every id fits
    assert found[0].tolist() == want[0].tolist() and found[1].tolist() == want[1].tolist()
    if len(positions) == 3:
        assert found[2].dtype == np.float64
        assert found[2].tobytes() == want[2].astype(np.float64).tobytes()  # the same bits
    else:
        assert found[2] is None


# ------------------------------------------------------------------ through read_table
PLAIN = b"id,src,note,dst,w\n" + b"".join(b"%d,%d,n%d,%d,%d.5\n" % (k, k % 7, k, (3 * k) % 11, k) for k in range(300))
# name: a CSV text (header first) the compiled parser must leave to Arrow
DECLINED = {
    "quoted fields": b'src,dst\n"1","2"\n3,4\n',
    "a quote in a skipped column": b'src,dst,note\n1,2,"a,b"\n3,4,c\n',
    "spaces around ids (Arrow trims them)": b"src,dst\n1, 2\n 3,4\n",
    "a signed id (a double to Arrow)": b"src,dst,w\n1,2,1\n3,4,2\n5,+6,3\n",
    "a lone CR ends a row for Arrow": b"src,dst\n1,2\r3,4\n",
    "a negative zero weight (0 in an integer column)": b"src,dst,w\n1,2,-0\n3,4,5\n",
    "ids of 2**53 and more": b"src,dst\n9007199254740993,1\n2,3\n",
    "a comment line after the header": b"src,dst\n1,2\n# 3,4\n5,6\n",
    "semicolons": b"src;dst\n1;2\n3;4\n",
    "a quote in a comment before the header": b'# "the graph\nsrc,dst\n1,2\n',
}


@needs_compiled
def test_a_plain_csv_file_is_read_by_the_compiled_parser_as_arrow_reads_it(tmp_path, monkeypatch):
    path = tmp_path / "e.csv"
    path.write_bytes(PLAIN)
    calls = []
    monkeypatch.setattr(edgetext, "FEED_BYTES", 1000)  # several chunks, in threads
    real = edgetext.csv_fields
    monkeypatch.setattr(edgetext, "csv_fields", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    for flags in ({"src": "src", "dst": "dst", "weight": "w"}, {"src": "3", "dst": "1"}, {"src": "dst", "dst": "dst"}):
        got = read_edges(path, **flags)
        assert calls.pop() is not None
        with monkeypatch.context() as arrow:
            arrow.setattr(tabular, "_plain_csv", lambda *a: None)
            assert graph_state(got) == graph_state(read_edges(path, **flags))
    want = Graph.from_edges(*arrow_columns(PLAIN, ",", ["src", "dst", "w"]))
    assert graph_state(read_edges(path, src="src", dst="dst", weight="w")) == graph_state(want)


@pytest.mark.parametrize("name", DECLINED)
def test_what_the_compiled_parser_declines_arrow_reads(name, tmp_path, monkeypatch):
    data = DECLINED[name]
    (tmp_path / "e.csv").write_bytes(data)
    header = data.splitlines()[1 if data.startswith(b"#") else 0].decode()
    delimiter = ";" if ";" in header else ","
    names = header.split(delimiter)[:2]
    flags = ["--src", names[0], "--dst", names[1]] + (["--weight", "w"] if "w" in header.split(delimiter) else [])
    comments, fields = int(data.startswith(b"#")), len(header.split(delimiter))
    positions = [0, 1, 2][: len(flags) // 2]
    assert tabular._plain_csv(str(tmp_path / "e.csv"), comments, True, delimiter, fields, positions) is None
    fast = cli("pagerank", tmp_path / "e.csv", *flags, "--quiet")
    monkeypatch.setattr(tabular, "_plain_csv", lambda *a: None)
    assert fast == cli("pagerank", tmp_path / "e.csv", *flags, "--quiet")


def test_a_weight_column_that_is_also_an_id_column(tmp_path):
    (tmp_path / "e.csv").write_text("a,b\n1,2\n3,4\n")
    graph = read_edges(tmp_path / "e.csv", src="a", dst="b", weight="a")
    assert [c.tolist() for c in graph.edge_arrays()] == [[1, 3], [2, 4], [1.0, 3.0]]


def test_without_the_compiled_parser_arrow_reads_the_same(tmp_path, monkeypatch):
    path = tmp_path / "e.csv"
    path.write_bytes(PLAIN)
    want = graph_state(read_edges(path, src="src", dst="dst", weight="w"))
    monkeypatch.setattr(edgetext, "_compiled", None)
    assert graph_state(read_edges(path, src="src", dst="dst", weight="w")) == want


def test_a_header_longer_than_the_first_block(tmp_path):
    long = "x" * (tabular.HEAD_BYTES + 100)
    (tmp_path / "e.csv").write_text(f"{long},dst\n1,2\n2,3\n")
    assert graph_state(read_edges(tmp_path / "e.csv", src=long, dst="dst")) == graph_state(
        read_edges(tmp_path / "e.csv", src="0", dst="1")
    )
    assert read_edges(tmp_path / "e.csv", src=long, dst="dst").num_edges == 2


# ------------------------------------------------------------------ mistakes, late in the file
def cli(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


GOOD_ROWS = "".join(f"{k},{k % 13},{k % 5 + 1}\n" for k in range(2000))
MISTAKES = {
    # Arrow names such a row by its text: the line is found for it
    "a row of four fields": ("1,2,3,4\n", "e.csv:2002: expected 3 columns, got 4"),
    "an empty source": (",2,3\n", "e.csv: column 'src' (--src), row 2001: no value (null)"),
    "a weight that is not a number": ("1,2,x\n", "e.csv: column 'w' (--weight) holds string values, not numbers"),
    "a weight that is infinite": ("1,2,1e999\n", "e.csv: column 'w' (--weight), row 2001: weight inf is not a finite"),
    "a row of two fields": ("1,2\n", "e.csv:2002: expected 3 columns, got 2"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_a_late_mistake_is_one_line_naming_the_file_and_no_output(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(edgetext, "FEED_BYTES", 4096)  # the mistake is in the last of several chunks
    row, message = MISTAKES[name]
    Path("e.csv").write_text("src,dst,w\n" + GOOD_ROWS + row)
    status, out, err = cli("pagerank", "e.csv", "--src", "src", "--dst", "dst", "--weight", "w", "-o", "r.tsv", "-q")
    assert status == 2 and out == "" and not Path("r.tsv").exists()
    assert err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize(("compress", "suffix"), [(lambda b: b, ""), (gzip.compress, ".gz")])
def test_a_short_row_near_the_header_is_named_by_its_line(compress, suffix, tmp_path, monkeypatch):
    """In the first block (read for the column names), a comment line before the header counted."""
    monkeypatch.chdir(tmp_path)
    Path(f"e.csv{suffix}").write_bytes(compress(b"# made by hand\nsrc,dst\n1,2\n3\n4,5\n"))
    status, out, err = cli("cc", f"e.csv{suffix}", "--src", "src", "--dst", "dst", "-o", "r.tsv", "-q")
    assert status == 2 and out == "" and not Path("r.tsv").exists()
    assert err == f"pregel: error: e.csv{suffix}:4: expected 2 columns, got 1\n"


@pytest.mark.parametrize("text", ["1 2\n2 3\n3 1\n5 6\n", "# c\n1,2,0.5\n2,3,1\n", "7\t8\n"])
def test_a_file_without_a_header_is_refused_when_read_by_columns(text, tmp_path, monkeypatch):
    """Its first edge would be taken for column names (and --dst 1 matched the first column, named "1")."""
    monkeypatch.chdir(tmp_path)
    Path("e.txt").write_text(text)
    status, out, err = cli("cc", "e.txt", "--src", "0", "--dst", "1", "-o", "r.tsv", "-q")
    assert status == 2 and out == "" and not Path("r.tsv").exists()
    line = 2 if text.startswith("#") else 1
    assert err.startswith(f"pregel: error: e.txt:{line}: ") and "is an edge, not a header line" in err, err
    assert err.count("\n") == 1
    # without the flags it is an edge list: every edge read
    assert cli("cc", "e.txt", "-q")[0] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # an empty field among text ids is a missing id, as it is among integer ids
        ("src,dst\nann,bob\ncy,\n", "e.csv: column 'dst' (--dst), row 2: no value (null)"),
        ('src,dst\nann,bob\n"",cy\n', "e.csv: column 'src' (--src), row 2: no value (null)"),
        ("src,dst\n1,\n", "e.csv: column 'dst' (--dst), row 1: no value (null)"),
    ],
)
@pytest.mark.parametrize("folder", [False, True])
def test_an_empty_text_id_is_a_missing_value(text, message, folder, tmp_path, monkeypatch):
    """In a file, and in a folder of CSV files (read as one dataset): the same refusal, naming the file."""
    monkeypatch.chdir(tmp_path)
    path = _csv_at(text, folder)
    status, out, err = cli("cc", path, "--src", "src", "--dst", "dst", "-o", "r.tsv", "-q")
    assert status == 2 and out == "" and not Path("r.tsv").exists()
    assert err == f"pregel: error: {'parts/' if folder else ''}{message}\n"


@pytest.mark.parametrize("folder", [False, True])
def test_words_that_spell_missing_values_are_vertex_names(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # country codes: Namibia is NA; none of these is a missing value
    path = _csv_at("src,dst\nNA,FR\nnull,NaN\nFR,null\n", folder)
    status, out, err = cli("cc", path, "--src", "src", "--dst", "dst", "-q")
    assert status == 0, err
    assert out == "FR\tFR\nNA\tFR\nNaN\tFR\nnull\tFR\n"


@pytest.mark.parametrize("folder", [False, True])
def test_a_nan_weight_is_refused_as_not_finite(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _csv_at("src,dst,w\na,b,1.5\nb,c,nan\n", folder)
    status, out, err = cli("pagerank", path, "--src", "src", "--dst", "dst", "--weight", "w", "-o", "r.tsv", "-q")
    assert status == 2 and not Path("r.tsv").exists()
    place = "parts/e.csv" if folder else "e.csv"
    assert err == f"pregel: error: {place}: column 'w' (--weight), row 2: weight nan is not a finite number\n"


def _csv_at(text: str, folder: bool) -> str:
    """``text`` as the file e.csv, or as the one file of the folder parts/; the path to read."""
    if not folder:
        Path("e.csv").write_text(text)
        return "e.csv"
    Path("parts").mkdir()
    Path("parts/e.csv").write_text(text)
    return "parts"
