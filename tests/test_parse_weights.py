"""Weighted edge lists on the compiled parser, in chunks and threads, against the numpy passes and Python's float.

Random texts with decimal weights (exponents, signs, many digits, subnormals, values
that overflow), headers, CRLF, commas, tabs, comments and blank lines, with bad weights
(``nan``, ``inf``, ``1e400``, ``1_0``, a lone sign) mixed in, are read by the compiled
pass in 1 and 2 threads, in chunks of a few bytes to megabytes, from a mapped file and
from a gzip stream, and by the numpy passes alone (the fallback every installation
has): the arrays must be the same to the bit, and the errors the same message naming
the same line, the first bad line of the file. Weights read by the compiled pass are
compared with Python's ``float`` of the same text.
"""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pregel
from pregel.core import graph as graph_module
from pregel.io import edges as io
from pregel.io import edgetext

compiled = edgetext._compiled
needs_compiled = pytest.mark.skipif(
    compiled is None,
    reason="pregel.io._edgetext is not here (installed without a C compiler, or PREGEL_NO_COMPILED is set)",
)


@pytest.fixture(params=["vector lanes", "scalar"])
def line_reader(request):
    """The usual weighted lines read in vector lanes (where the processor can) and word by word, each in turn."""
    if compiled is None:
        pytest.skip("pregel.io._edgetext is not here")
    wanted = request.param == "vector lanes"
    if compiled.vector_lines(wanted) != wanted:
        pytest.skip("this processor has no SSE4.1")
    yield request.param
    compiled.vector_lines(True)


BAD_WEIGHTS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e309", "1_0", "-", "+", "1.5.3", "1e", "0x1p3", "w"]


def random_weight(rng: np.random.Generator) -> str:
    """A weight as people and programs write them, sometimes one float() reads only with care."""
    roll = rng.random()
    if roll < 0.35:
        return f"0.{int(rng.integers(0, 1000)):03d}"
    if roll < 0.5:
        return repr(float(rng.random() * 10.0 ** int(rng.integers(-30, 30))))
    if roll < 0.6:
        return str(int(rng.integers(-100, 100)))
    if roll < 0.7:
        digits = "".join(rng.choice(list("0123456789"), int(rng.integers(1, 30))))
        cut = int(rng.integers(0, len(digits) + 1))
        return ("-" if rng.random() < 0.3 else "") + digits[:cut] + "." + digits[cut:]
    if roll < 0.8:
        return f"{rng.random():.6f}e{int(rng.integers(-330, 300))}"  # subnormal and below, never too large
    return str(
        rng.choice(
            [
                "5.",
                ".5",
                "+.5e-3",
                "1E+05",
                "00.25",
                "1e22",
                "1e23",
                "9007199254740993",
                "5e-324",
                "2.5e-320",
                "2.2250738585072011e-308",
                "1.7976931348623157e308",
                "1e-400",
                "123456789012345678901234567890",
                "0." + "0" * 40 + "1",
                "-0.0",
                "-0",
                "0e999",
                "1" * 25 + "e-25",
            ]
        )
    )


def random_weighted_text(rng: np.random.Generator, lines: int, bad: float) -> str:
    """An edge list with a weight column; ``bad`` is the share of lines with a bad weight."""
    separators = [" ", "\t", ",", ", ", " \t "]
    out = ["src,dst,weight\n"] if rng.random() < 0.3 else []
    for _ in range(lines):
        roll = rng.random()
        if roll < 0.05:
            line = str(rng.choice(["# c", "% c", "  % c, x", "#"]))
        elif roll < 0.08:
            line = str(rng.choice(["", "  ", "\t"]))
        else:
            weight = str(rng.choice(BAD_WEIGHTS)) if rng.random() < bad else random_weight(rng)
            ids = [str(int(rng.integers(0, 10 ** int(rng.integers(1, 10))))) for _ in range(2)]
            if rng.random() < 0.02:
                ids[0] = "+" + ids[0]  # numpy reads it, the compiled pass leaves the chunk to numpy
            line = str(rng.choice(separators)).join([*ids, weight])
            if rng.random() < 0.05:
                line += " # x"
        out.append(line + ("\r\n" if rng.random() < 0.2 else "\n"))
    text = "".join(out)
    return text.rstrip("\n") if rng.random() < 0.3 else text


def outcome(path, monkeypatch, chunk: int, compiled_pass: bool, threads: int = 1, weights: bool = True):
    """``read_edge_arrays`` of a file: ids and weights (their bits), or the error message."""
    with monkeypatch.context() as m:
        m.setattr(io, "CHUNK_BYTES", chunk)
        if not compiled_pass:
            m.setattr(edgetext, "_compiled", None)
        try:
            src, dst, w = io.read_edge_arrays(path, weights=weights, threads=threads)
        except pregel.InputError as exc:
            return str(exc)
    return src.tolist(), dst.tolist(), None if w is None else w.tobytes()


@needs_compiled
@pytest.mark.parametrize("bad", [0.0, 0.003, 0.03])
@pytest.mark.parametrize("seed", range(8))
def test_compiled_and_numpy_passes_agree_on_weighted_texts(tmp_path, monkeypatch, seed, bad):
    rng = np.random.default_rng([seed, int(bad * 1000)])
    text = random_weighted_text(rng, int(rng.integers(1, 600)), bad)
    path = tmp_path / "edges.txt"
    path.write_bytes(text.encode())
    chunk = int(rng.choice([16, 200, 1 << 22]))
    want = outcome(path, monkeypatch, chunk, compiled_pass=False)
    for threads in (1, 2):
        assert outcome(path, monkeypatch, chunk, True, threads) == want
        assert outcome(path, monkeypatch, int(rng.integers(1, 400)), True, threads) == want
    # weights not kept: the same edges, and a bad weight refused all the same
    unweighted = outcome(path, monkeypatch, chunk, True, 2, weights=False)
    assert unweighted == (want if isinstance(want, str) else (*want[:2], None))
    # through a decompressing stream (no mapped file): the same again
    packed = tmp_path / "edges.txt.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    streamed = outcome(packed, monkeypatch, chunk, True, 2)
    assert streamed == (want.replace(str(path), str(packed)) if isinstance(want, str) else want)
    if bad == 0 and not text.startswith("src"):
        rows = [line.split("#")[0].replace(",", " ").split() for line in text.splitlines()]
        assert want[0] == [int(r[0]) for r in rows if r and not r[0].startswith("%")]
        rows = [r for r in rows if r and not r[0].startswith("%")]
        assert want[2] == np.array([float(r[2]) for r in rows]).tobytes()  # -0.0 too


@pytest.mark.parametrize("weight", BAD_WEIGHTS)
@pytest.mark.parametrize("chunk", [24, 1 << 22])
def test_a_bad_weight_is_named_on_its_line_in_any_chunk_and_thread(tmp_path, monkeypatch, weight, chunk):
    rng = np.random.default_rng(BAD_WEIGHTS.index(weight))
    lines = [f"{k} {k + 1} {random_weight(rng)}" for k in range(200)]
    at = int(rng.integers(0, 199))
    lines[at] = f"7 8 {weight}"
    lines[int(rng.integers(at + 1, 200))] = "9 9 nan"  # a later bad line, maybe in a chunk parsed first
    path = tmp_path / "edges.txt"
    path.write_text("# header\n" + "\n".join(lines) + "\n")
    finite = weight.lower().lstrip("+-") in ("nan", "inf", "infinity", "1e400", "1e309")
    problem = "is not a finite number" if finite else "is not a number"
    messages = {outcome(path, monkeypatch, chunk, compiled_pass=False)}
    if compiled is not None:
        messages |= {outcome(path, monkeypatch, chunk, True, threads, w) for threads in (1, 2) for w in (True, False)}
    assert messages == {f"{path}:{at + 2}: weight {weight!r} {problem}"}


@needs_compiled
@pytest.mark.parametrize("seed", range(3))
def test_the_compiled_pass_reads_weights_as_python_float_does(seed):
    rng = np.random.default_rng(seed)
    tokens = [random_weight(rng) for _ in range(3000)]
    # bit patterns of every kind of double, subnormals included, as repr writes them
    tokens += [repr(struct.unpack("<d", struct.pack("<Q", int(b)))[0]) for b in rng.integers(0, 2**63, 3000)]
    tokens = [t for t in tokens if np.isfinite(float(t))]
    out = [np.empty(len(tokens) + 1, np.int32), np.empty(len(tokens) + 1, np.int32), np.empty(len(tokens) + 1)]
    # single separators and double ones: the fast line reader and the byte-by-byte one, each with its weight readers
    for line in ("1 2 {}\n", " 1  2\t {}\r\n"):
        text = "".join(line.format(t) for t in tokens).encode()
        edges, columns, _, _ = compiled.parse(text, 0, *out)
        assert (edges, columns) == (len(tokens), 3)
        assert out[2][:edges].tobytes() == np.array([float(t) for t in tokens]).tobytes()
    for t in tokens[:300]:  # one line alone: the end of the text right after the weight
        assert compiled.parse(f"1 2 {t}".encode(), 0, *out)[0] == 1 and out[2][0] == float(t)


@needs_compiled
@pytest.mark.parametrize("weight", [*BAD_WEIGHTS, "1.5e3x", "0.5.", "--1", "1e+", ".", "1 e5"])
def test_the_compiled_pass_leaves_a_weight_it_does_not_read_to_numpy(weight):
    out = [np.empty(64, np.int32), np.empty(64, np.int32), np.empty(64)]
    for text in (f"1 2 {weight}\n", f"1 2 {weight}\n" + "3 4 0.5\n" * 20):
        assert compiled.parse(text.encode(), 0, *out) is None
    assert compiled.parse(f"1 2 {weight}\n".encode(), 0, out[0], out[1], None) is None  # checked, if not kept


@pytest.mark.parametrize("threads", [1, 2])
def test_ids_past_int32_in_a_later_chunk_widen_every_column(tmp_path, monkeypatch, threads):
    lines = [f"{k} {k + 1} 0.{k % 1000:03d}" for k in range(300)]
    lines[250] = f"{2**31 + 5} 3 0.5"
    path = tmp_path / "edges.txt"
    path.write_text("\n".join(lines) + "\n")
    with monkeypatch.context() as m:
        m.setattr(io, "CHUNK_BYTES", 100)
        src, dst, w, _ = io._read_columns(path, threads=threads)
    assert src.dtype == dst.dtype == np.int64
    assert src.tolist() == [2**31 + 5 if k == 250 else k for k in range(300)]
    assert w.tolist() == [0.5 if k == 250 else float(f"0.{k % 1000:03d}") for k in range(300)]


@pytest.mark.parametrize("threads", [1, 2])
def test_a_graph_read_without_weights_is_the_weighted_graph_unweighted(tmp_path, threads):
    rng = np.random.default_rng(3)
    src, dst = rng.integers(0, 500, 4000), rng.integers(0, 500, 4000)
    path = tmp_path / "edges.txt"
    path.write_text("".join(f"{a}\t{b}\t{random_weight(rng)}\n" for a, b in zip(src, dst)).replace("-0\n", "0\n"))
    weighted = io.read_edges(path, threads=threads)
    plain = io.read_edges(path, weights=False, threads=threads)
    assert weighted.is_weighted and not plain.is_weighted
    for name in ("ids", "indptr", "indices"):
        assert np.array_equal(getattr(weighted, name), getattr(plain, name))
    assert plain.duplicates_merged == weighted.duplicates_merged > 0


@pytest.mark.parametrize(("n", "edges"), [(7, 200), (3000, 50000), (2**28, 3000)])
def test_weighted_keys_sort_as_a_stable_argsort(n, edges):
    # (2**28)**2 and the positions need more than 64 bits: the two-digit radix sort
    rng = np.random.default_rng(n)
    key = rng.integers(0, n, edges) * n + rng.integers(0, n, edges)
    key[::5] = key[1]  # many equal keys, whose weights must stay in input order
    key = key.astype(np.uint32 if n * n < 2**32 else np.int64)
    weights = rng.random(edges)
    order = np.argsort(key, kind="stable")
    want_key, want_w = key[order], weights[order]
    got_key, got_w = graph_module._sort_weighted(key.copy(), weights, n)
    assert got_key.dtype == key.dtype and np.array_equal(got_key, want_key) and np.array_equal(got_w, want_w)


def test_duplicate_weighted_edges_keep_the_smallest_weight(tmp_path):
    rng = np.random.default_rng(11)
    src, dst = rng.integers(0, 50, 3000), rng.integers(0, 50, 3000)
    weights = rng.integers(-1000, 1000, 3000) / 8
    smallest: dict[tuple[int, int], float] = {}
    for a, b, w in zip(src.tolist(), dst.tolist(), weights.tolist()):
        smallest[a, b] = min(smallest.get((a, b), w), w)
    path = tmp_path / "edges.txt"
    path.write_text("".join(f"{a} {b} {w}\n" for a, b, w in zip(src, dst, weights)))
    graph = io.read_edges(path)
    got = dict(zip(zip(*[a.tolist() for a in graph.edge_arrays()[:2]]), graph.weights.tolist()))
    assert got == smallest


LOCALE_PROGRAM = """
import ctypes, locale, sys
import numpy as np
from pregel.io import edgetext
locale.setlocale(locale.LC_ALL, "de_DE.UTF-8")
assert locale.localeconv()["decimal_point"] == ","  # the locale really reads a comma
libc = ctypes.CDLL(None)
libc.strtod.restype, libc.strtod.argtypes = ctypes.c_double, [ctypes.c_char_p, ctypes.c_void_p]
assert libc.strtod(b"0.25", None) == 0.0  # where plain strtod stops at the point
tokens = sys.argv[1:]
out = [np.empty(len(tokens) + 1, np.int32), np.empty(len(tokens) + 1, np.int32), np.empty(len(tokens) + 1)]
edges = edgetext._compiled.parse("".join(f"1 2 {t}\\n" for t in tokens).encode(), 0, *out)[0]
assert edges == len(tokens), edges
assert out[2][:edges].tolist() == [float(t) for t in tokens], (out[2][:edges], tokens)
"""


@needs_compiled
def test_weights_read_alike_in_a_locale_whose_decimal_point_is_a_comma(tmp_path):
    # strtod follows setlocale(); the weights that need it (too many digits for the fast path) must not
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    if not shutil.which("localedef") or not Path("/usr/share/i18n/locales/de_DE").exists():
        pytest.skip("no localedef and de_DE locale source to build a locale whose decimal point is a comma")
    built = subprocess.run(
        ["localedef", "-i", "de_DE", "-f", "UTF-8", str(tmp_path / "de_DE.UTF-8")], capture_output=True, check=False
    )
    if not (tmp_path / "de_DE.UTF-8").exists():
        pytest.skip(f"localedef could not build de_DE.UTF-8: {built.stderr.decode()[-200:]}")
    tokens = ["0.1234567890123456789", "2.5e-320", "1e23", "-7.000000000000000001", "0.731", "12"]
    done = subprocess.run(
        [sys.executable, "-c", LOCALE_PROGRAM, *tokens],
        capture_output=True,
        text=True,
        env={"LOCPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(pregel.__file__).parents[1])},
        check=False,
    )
    assert done.returncode == 0, done.stderr


def near_midpoints(rng: np.random.Generator, count: int) -> list[str]:
    """Decimals of 17 to 19 digits at or beside the midpoint of two neighbouring doubles (the hard roundings)."""
    from decimal import Decimal, getcontext

    getcontext().prec = 60
    tokens = []
    for bits in rng.integers(0x3E00000000000000, 0x4330000000000000, count):  # about 1e-10 .. 2**52
        low = struct.unpack("<d", struct.pack("<Q", int(bits)))[0]
        high = np.nextafter(low, np.inf)
        middle = (Decimal(low) + Decimal(high)) / 2
        digits = int(rng.integers(17, 20))
        text = f"{middle:.{digits - 1}e}"
        nudge = rng.integers(-1, 2)  # the rounded midpoint, or one unit in its last digit either side
        mantissa, exponent = text.split("e")
        unit = Decimal(1).scaleb(int(exponent) - (digits - 1))
        tokens.append(str(Decimal(mantissa).scaleb(int(exponent)) + nudge * unit))
    return tokens


@needs_compiled
def test_long_mantissas_are_read_exactly_without_strtod_as_float_does():
    # 17 to 19 digits: past Clinger's fast path, read by the exact 128-bit check (strtod only beyond it)
    rng = np.random.default_rng(17)
    tokens = [repr(float(x)) for x in rng.random(2000) * 10.0 ** rng.integers(-8, 12, 2000)]
    mantissas = rng.integers(10**16, 10**18, 2000).astype(object) * 10 + rng.integers(0, 10, 2000)  # up to 19 digits
    tokens += [f"{m}e{e}" for m, e in zip(mantissas, rng.integers(-40, -1, 2000))]
    tokens += [f"0.{int(rng.integers(10**16, 10**18))}" for _ in range(1000)]
    tokens += near_midpoints(rng, 3000)
    tokens += ["9007199254740993e-1", "0.10000000000000000555", "4.9999999999999999995", "1.7976931348623157e308"]
    # exact ties, broken to the even neighbour: above 2**53 (spacing 2 and 4) and just below it (spacing 1 to 2)
    tokens += ["9007199254740993.0", "9007199254740995.0", "18014398509481986.0", "18014398509481990.0"]
    tokens += ["9007199254740991.5", "9007199254740992.50", "4503599627370495.75", "4503599627370495.25"]
    out = [np.empty(len(tokens) + 1, np.int32), np.empty(len(tokens) + 1, np.int32), np.empty(len(tokens) + 1)]
    for sign in ("", "-"):
        text = "".join(f"1 2 {sign}{t}\n" for t in tokens).encode()
        assert compiled.parse(text, 0, *out)[0] == len(tokens)
        assert out[2][: len(tokens)].tobytes() == np.array([float(sign + t) for t in tokens]).tobytes()
        # weights not kept: the same lines pass the check
        assert compiled.parse(text, 0, out[0], out[1], None)[0] == len(tokens)


# Weights around what the compiled pass reads from one word (digits, a point, digits: at most 8 bytes), and past it:
# more digits, a point and nothing after it, a sign or an exponent (read by every rule instead)
short_decimals = st.builds(
    lambda sign, whole, point, fraction, exponent: sign + whole + point + fraction + exponent,
    st.sampled_from(["", "", "", "-", "+"]),
    st.text("0123456789", max_size=9),
    st.sampled_from([".", ".", ""]),
    st.text("0123456789", max_size=9),
    st.sampled_from(["", "", "", "e3", "E-2", "e+0"]),
).filter(lambda t: any(c.isdigit() for c in t.split("e")[0].split("E")[0]))


@needs_compiled
# (the fixture only chooses the reader: the same for every example)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    weights=st.lists(short_decimals, min_size=1, max_size=40),
    line=st.sampled_from(["{} {} {}\n", "{}\t{}\t{}\r\n", "{},{},{}\n"]),
)
def test_short_decimals_are_read_as_python_float_does(line_reader, weights, line):
    # 30 lines after the drawn ones: the compiled pass reads a line the fast way only when 64 bytes follow it
    text = "".join(line.format(k, k + 1, w) for k, w in enumerate(weights)) + line.format(1, 1, 1) * 30
    n = len(weights) + 30
    out = [np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n)]
    assert compiled.parse(text.encode(), 0, *out)[:2] == (n, 3)
    assert out[0][: len(weights)].tolist() == list(range(len(weights)))
    assert out[2][: len(weights)].tobytes() == np.array([float(w) for w in weights]).tobytes()
    assert compiled.parse(text.encode(), 0, out[0], out[1], None)[:2] == (n, 3)  # checked alike when not kept
    if "," in line and not any(w.startswith("-") for w in weights):
        # the CSV reader (by column position) reads its weight column with the same one-word reader
        assert compiled.parse_fields(text.encode(), ",", 3, 0, 1, 2, *out)[0] == n
        assert out[2][: len(weights)].tobytes() == np.array([float(w) for w in weights]).tobytes()


def usual_line(rng: np.random.Generator, id_digits: int) -> tuple[str, int, int, str]:
    """A line of two ids of 1 to ``id_digits`` digits (leading zeros too) and a short weight, as the parser's
    quickest path reads it or just misses it: an integer of up to 9 digits, or up to 9 digits around a point."""

    def digits(n: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, n))

    source, target = digits(int(rng.integers(1, id_digits + 1))), digits(int(rng.integers(1, id_digits + 1)))
    whole = int(rng.integers(0, 10))
    fraction = int(rng.integers(1, 10 - whole)) if whole < 9 and (not whole or rng.random() < 0.7) else 0
    weight = digits(whole) + ("." + digits(fraction) if fraction else "")
    separators = rng.choice([" ", "\t", ","], 2)
    end = "\r\n" if rng.random() < 0.2 else "\n"
    return f"{source}{separators[0]}{target}{separators[1]}{weight}{end}", int(source), int(target), weight


@needs_compiled
@pytest.mark.parametrize("ids, id_digits", [(np.int32, 9), (np.int64, 10)])
def test_ids_of_any_length_and_short_weights_are_read_as_python_reads_them(line_reader, ids, id_digits):
    # ids of 1 to 8 digits and weights of at most 8 bytes are read by one path, the rest by others; lines of
    # each kind follow one another at random
    rng = np.random.default_rng(32)
    lines = [usual_line(rng, id_digits) for _ in range(5000)]
    text = "".join(line for line, *_ in lines).encode()
    n = len(lines)
    out = [np.zeros(n, ids), np.zeros(n, ids), np.zeros(n)]
    assert compiled.parse(text, 0, *out)[:2] == (n, 3)
    assert out[0].tolist() == [source for _, source, _, _ in lines]
    assert out[1].tolist() == [target for _, _, target, _ in lines]
    assert out[2].tobytes() == np.array([float(weight) for *_, weight in lines]).tobytes()
    assert compiled.parse(text, 0, out[0], out[1], None)[:2] == (n, 3)


def random_decimal(rng: np.random.Generator) -> str:
    """A decimal of any shape float() reads: a sign, up to 30 digits either side of an optional point, an exponent.

    Long digit strings (17 and more significant digits), leading and trailing zeros, exponents
    that make subnormals, zeros and overflows, "+" signs, ".5", "5." and "1e5".
    """
    digits = "0123456789"
    whole = "".join(rng.choice(list(digits), int(rng.choice([0, 1, 1, 2, 5, 16, 17, 19, 25]))))
    fraction = "".join(rng.choice(list(digits), int(rng.choice([0, 1, 3, 3, 8, 16, 18, 30]))))
    if not whole and not fraction:
        whole = str(int(rng.integers(0, 10)))
    if rng.random() < 0.2:
        whole = "0" * int(rng.integers(1, 25)) + whole  # leading zeros do not count as digits
    point = "." if fraction or rng.random() < 0.3 else ""
    text = str(rng.choice(["", "", "+", "-"])) + whole + point + (fraction if point else "")
    if rng.random() < 0.5:
        power = int(rng.choice([rng.integers(-30, 30), rng.integers(-360, -280), rng.integers(280, 330)]))
        sign = "-" if power < 0 else str(rng.choice(["", "+"]))
        text += str(rng.choice(["e", "E"])) + sign + "0" * int(rng.integers(0, 3)) + str(abs(power))
    return text


@needs_compiled
@pytest.mark.parametrize("seed", range(4))
def test_random_decimals_of_every_shape_are_read_as_python_float_does(line_reader, tmp_path, monkeypatch, seed):
    rng = np.random.default_rng([17, seed])
    tokens = [random_decimal(rng) for _ in range(4000)]
    tokens += ["5.", ".5", "+.5", "1e5", "+1E+05", "-.0e-0", "4.9e-324", "2.4703282292062328e-324", "1e-324"]
    finite = [t for t in tokens if np.isfinite(float(t))]
    assert 3500 < len(finite) < len(tokens)  # some overflow, and are drawn again below
    out = [np.empty(len(finite) + 1, np.int32), np.empty(len(finite) + 1, np.int32), np.empty(len(finite) + 1)]
    want = np.array([float(t) for t in finite]).tobytes()
    for line in ("{} {} {}\n", "{}\t{}\t{}\r\n", "{},{},{}\n", "{} {} {} # c\n", " {}  {} {}\n"):
        text = "".join(line.format(k, k + 1, t) for k, t in enumerate(finite)).encode()
        assert compiled.parse(text, 0, *out)[:2] == (len(finite), 3)
        assert out[0][: len(finite)].tolist() == list(range(len(finite)))
        assert out[2][: len(finite)].tobytes() == want
        assert compiled.parse(text, 0, out[0], out[1], None)[:2] == (len(finite), 3)
    # a weight that overflows: left to the numpy passes, which name its line in either pass and any thread
    lines = [f"{k} {k + 1} {t}" for k, t in enumerate(finite[:300])]
    huge = next(t for t in tokens if not np.isfinite(float(t)))
    at = int(rng.integers(0, len(lines)))
    lines.insert(at, f"1 2 {huge}")
    path = tmp_path / "edges.txt"
    path.write_text("\n".join(lines) + "\n")
    assert compiled.parse(path.read_bytes(), 0, *out) is None
    messages = {
        outcome(path, monkeypatch, 1 << 22, c, threads, w)
        for c in (True, False)
        for threads in (1, 2)
        for w in (True, False)
    }
    assert messages == {f"{path}:{at + 1}: weight {huge!r} is not a finite number"}


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(
    st.builds(
        lambda sign, whole, point, fraction, exponent: sign + whole + point + fraction + exponent,
        st.sampled_from(["", "+", "-"]),
        st.text("0123456789", max_size=25),
        st.sampled_from([".", ""]),
        st.text("0123456789", max_size=25),
        st.one_of(st.just(""), st.builds("e{}".format, st.integers(-400, 330))),
    ).filter(lambda t: any(c.isdigit() for c in t.split("e")[0]))
)
def test_any_decimal_is_read_as_float_or_left_to_numpy_when_it_overflows(weight):
    # 30 short lines after it: the compiled pass reads a line the fast way only when 64 bytes follow it
    text = f"1 2 {weight}\n{'3 4 0.5' + chr(10)}".encode() * 2 + b"5 6 7\n" * 30
    out = [np.empty(40, np.int32), np.empty(40, np.int32), np.empty(40)]
    found = compiled.parse(text, 0, *out)
    if not np.isfinite(float(weight)):
        assert found is None and compiled.parse(text, 0, out[0], out[1], None) is None
        return
    assert found[:2] == (34, 3)
    assert out[2][[0, 2]].tobytes() == np.array([float(weight)] * 2).tobytes()
    assert compiled.parse(text, 0, out[0], out[1], None)[:2] == (34, 3)
