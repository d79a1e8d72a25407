"""Result lines written in C (pregel/io/_format.c) are the text Python's repr gives, number for number.

The reference is Python itself: ``f"{id}\\t{value!r}\\n"`` for every line. The cases are the ones
a shortest float-to-text conversion gets wrong first: every exponent (random bit patterns),
powers of ten and of two and their neighbours, subnormals, the ends of the positional range
(1e-4 and 1e16), halfway cases, integers held in floats, and PageRank-sized ranks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pregel.io import edges, ryu_tables

pytestmark = pytest.mark.skipif(edges._format is None, reason="the compiled formatter is not built")


def python_lines(ids: np.ndarray, values: np.ndarray) -> str:
    return "".join(f"{i}\t{v!r}\n" for i, v in zip(ids.tolist(), values.tolist()))


def assert_same_as_python(values: np.ndarray, ids: np.ndarray | None = None) -> None:
    ids = np.arange(values.size, dtype=np.int64) - values.size // 2 if ids is None else ids
    got = edges._compiled_lines(ids, values)
    want = python_lines(ids, values)
    if got != want:
        pairs = [(g, w) for g, w in zip(got.splitlines(), want.splitlines()) if g != w]
        raise AssertionError(f"{len(pairs)} lines differ from repr, e.g. {pairs[:3]}")


def test_random_bit_patterns_cover_every_exponent():
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**64, 300_000, dtype=np.uint64, endpoint=False)
    values = bits.view(np.float64)
    assert_same_as_python(values[np.isfinite(values)])


def test_powers_of_ten_and_two_their_neighbours_and_the_ends():
    powers = np.array([10.0**k for k in range(-323, 309)] + [2.0**k for k in range(-1074, 1024)])
    ends = np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 2.2250738585072014e-308, 2.225073858507201e-308]
        + [1.7976931348623157e308, 1e16, 9999999999999998.0, 1e-4, 9.999999999999999e-05, 0.5, 2.5, 1e22, 1e23]
        + [9007199254740993.0, 0.1, 0.2, 0.30000000000000004, 1 / 3, 100.0, 123456789012345680.0]
    )
    for values in (powers, -powers, np.nextafter(powers, np.inf), np.nextafter(powers, 0), ends, -ends):
        assert_same_as_python(values)


def test_everyday_values_ranks_decimals_and_whole_numbers():
    rng = np.random.default_rng(8)
    assert_same_as_python(rng.random(100_000) / 459_336)
    assert_same_as_python(np.round(rng.random(50_000) * 1000, 3))
    assert_same_as_python(np.arange(-20_000, 20_000) / 8)
    assert_same_as_python(np.arange(50_000, dtype=np.float64) * 1e11)


def test_other_widths_of_ids_and_values_give_python_text_too():
    rng = np.random.default_rng(9)
    ids = rng.integers(-(2**62), 2**62, 1000)
    values = rng.random(1000).astype(np.float32)
    assert edges.format_values(ids, values) == python_lines(ids, values)
    for dtype in (np.int64, np.int32, np.uint32, np.int8):
        numbers = rng.integers(-100, 100, 1000).astype(dtype)
        assert edges.format_values(ids.astype(np.int32), numbers) == python_lines(ids.astype(np.int32), numbers)
    extreme = np.array([-(2**63), 2**63 - 1, 0], dtype=np.int64)
    assert edges.format_values(extreme, extreme) == python_lines(extreme, extreme)
    assert edges.format_values(np.array([], dtype=np.int64), np.array([])) == ""


def test_what_int64_and_float64_cannot_hold_is_left_to_python():
    big = np.array([2**64 - 1], dtype=np.uint64)
    assert edges._compiled_lines(big, np.array([1.0])) is None
    assert edges._compiled_lines(np.array([1]), np.array([True])) is None
    assert edges._compiled_lines(np.array([1]), np.array([1.5], dtype=np.longdouble)) is None
    assert edges.format_values(big, np.array([True])) == "18446744073709551615\tTrue\n"


def test_without_the_compiled_formatter_the_text_is_the_same(monkeypatch):
    values = np.random.default_rng(10).random(2000) / 7
    ids = np.arange(2000)
    compiled = edges.format_values(ids, values)
    monkeypatch.setattr(edges, "_format", None)
    assert edges.format_values(ids, values) == compiled


def test_the_tables_in_the_header_are_the_ones_the_generator_computes():
    header = Path(edges.__file__).with_name("_format_tables.h").read_text()
    assert header == ryu_tables.header()
