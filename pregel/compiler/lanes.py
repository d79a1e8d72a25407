"""One Python expression's values for many vertices at once, with Python's exact semantics.

:mod:`pregel.compiler.vectorise` evaluates a ``compute`` over numpy arrays, one lane per vertex.
A :class:`Lanes` holds what the expression would give in each lane: a Python scalar
when every lane has the same value (then Python itself computes with it, so its
result is Python's), else an array. Every lane holds a number of one Python type
(``kind``: ``"float"``, ``"int"`` or ``"bool"``) or, where ``none`` is set, ``None``.

float64 arithmetic in numpy gives the same bits as Python's for ``+ - * /``, ``abs``
and comparisons, and ints stay exact while they are below 2**53 in magnitude. Any lane
that is alive (its vertex runs the expression) and where Python would raise or give
another type raises :class:`Refuse` instead: the superstep then runs the compiled
loop, which gives the user Python's own answer, exception and traceback included.
Lanes that are not alive may hold anything; numpy's warnings about them are silenced
by the caller.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

# ints at most this large convert to float64 and back exactly, and their sums do not overflow int64
EXACT = 2**53
KINDS = {float: "float", int: "int", bool: "bool"}
DTYPES = {"float": np.float64, "int": np.int64, "bool": np.bool_}
ARITHMETIC = {"Add": operator.add, "Sub": operator.sub, "Mult": operator.mul, "Div": operator.truediv}
COMPARISONS = {"Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt}
COMPARISONS.update({"LtE": operator.le, "Gt": operator.gt, "GtE": operator.ge})


class Refuse(Exception):
    """This superstep cannot be evaluated over arrays exactly: run the loop instead."""


class Lanes:
    """Per-vertex values: ``data`` (a Python scalar for all lanes, or an array), ``kind`` and ``none``.

    Examples
    --------
    >>> live = np.array([True, True, False])
    >>> x = Lanes(np.array([1.0, 0.0, 5.0]), "float")
    >>> add(x, scalar(0.5), live).data.tolist()
    [1.5, 0.5, 5.5]
    >>> divide(scalar(1), x, live)
    Traceback (most recent call last):
    ...
    pregel.compiler.lanes.Refuse: division by zero
    """

    __slots__ = ("data", "kind", "none")

    def __init__(self, data: Any, kind: str, none: np.ndarray | None = None) -> None:
        self.data = data
        self.kind = kind
        self.none = none

    @property
    def is_scalar(self) -> bool:
        return not isinstance(self.data, np.ndarray)


def scalar(value: Any) -> Lanes:
    """A Python number, the same in every lane; Refuse for any other type."""
    kind = KINDS.get(type(value))
    if kind is None:
        raise Refuse(f"a {type(value).__name__} value")
    if kind == "int" and abs(value) > EXACT:
        raise Refuse("an int beyond 2**53")
    return Lanes(value, kind)


def array(values: np.ndarray, has: np.ndarray | None = None) -> Lanes:
    """Numbers from an array (``None`` where ``has`` is False); Refuse where Python would see another type."""
    if values.dtype.kind == "f":
        return Lanes(values.astype(np.float64, copy=False), "float", None if has is None else ~has)
    if values.dtype.kind in "iu":
        present = values if has is None else values[has]
        if ((present > EXACT) | (present < -EXACT)).any():
            raise Refuse("an int beyond 2**53")
        return Lanes(values.astype(np.int64, copy=False), "int", None if has is None else ~has)
    raise Refuse(f"values of dtype {values.dtype}")


def numbers(x: Lanes, live: np.ndarray) -> Any:
    """``x``'s data for arithmetic: Refuse if a live lane holds None or a bool (Python's types would differ)."""
    if x.none is not None and (x.none & live).any():
        raise Refuse("None in arithmetic or a comparison")
    if x.kind == "bool":
        raise Refuse("a bool in arithmetic")
    return x.data


def _checked_int(result: Any, live: np.ndarray) -> Lanes:
    if ((np.abs(result) > EXACT) & live).any():
        raise Refuse("an int beyond 2**53")
    return Lanes(result, "int")


def arithmetic(op: str, a: Lanes, b: Lanes, live: np.ndarray) -> Lanes:
    """``a <op> b`` for ``op`` in Add, Sub, Mult, Div (every lane of ``live`` computes it)."""
    if op == "Div":
        return divide(a, b, live)
    if a.is_scalar and b.is_scalar:
        return _python(ARITHMETIC[op], a, b)
    x, y = numbers(a, live), numbers(b, live)
    if a.kind == "int" and b.kind == "int":
        if op == "Mult" and ((np.abs(np.multiply(x, y, dtype=np.float64)) > 2.0**62) & live).any():
            raise Refuse("an int product beyond int64")
        return _checked_int(ARITHMETIC[op](x, y), live)
    return Lanes(ARITHMETIC[op](x, y), "float")


def add(a: Lanes, b: Lanes, live: np.ndarray) -> Lanes:
    return arithmetic("Add", a, b, live)


def divide(a: Lanes, b: Lanes, live: np.ndarray) -> Lanes:
    """``a / b``: always a float; Refuse where a live lane divides by zero (Python raises)."""
    if a.is_scalar and b.is_scalar:
        return _python(operator.truediv, a, b)
    x, y = numbers(a, live), numbers(b, live)
    zero = y == 0
    if zero if b.is_scalar else (zero & live).any():
        raise Refuse("division by zero")
    # int / int: both convert to float64 exactly (below 2**53), as Python's true division assumes
    return Lanes(np.true_divide(x, y, dtype=np.float64), "float")


def _python(function: Any, a: Lanes, b: Lanes) -> Lanes:
    """Python's own operation on two scalars (the caller has live lanes: an exception is the user's)."""
    try:
        return scalar(function(a.data, b.data))
    except Exception as error:
        raise Refuse(f"the scalar expression raises {type(error).__name__}") from None


def negative(x: Lanes, live: np.ndarray) -> Lanes:
    if x.is_scalar:
        return scalar(-numbers(x, live))
    return Lanes(-numbers(x, live), x.kind)


def absolute(x: Lanes, live: np.ndarray) -> Lanes:
    if x.is_scalar:
        return scalar(abs(numbers(x, live)))
    return Lanes(np.abs(numbers(x, live)), x.kind)


def compare(op: str, a: Lanes, b: Lanes, live: np.ndarray) -> Lanes:
    """``a <op> b`` as bools (ints against floats compare exactly below 2**53)."""
    if a.is_scalar and b.is_scalar:
        return _python(COMPARISONS[op], a, b)
    return Lanes(COMPARISONS[op](numbers(a, live), numbers(b, live)), "bool")


def truth(x: Lanes) -> Any:
    """Python's truth value per lane: None, 0 and ±0.0 are false, NaN is true."""
    if x.is_scalar:
        return bool(x.data)
    t = x.data if x.kind == "bool" else x.data != 0
    return t if x.none is None else t & ~x.none


def is_none(x: Lanes) -> Any:
    if x.none is None:
        return False
    return x.none


def select(cond: Any, a: Lanes, b: Lanes, live: np.ndarray) -> Lanes:
    """``a`` where ``cond``, else ``b``; Refuse if live lanes would mix Python types."""
    if not isinstance(cond, np.ndarray):
        return a if cond else b
    if a.kind == b.kind:
        data = np.where(cond, a.data, b.data)
        kind = a.kind
    else:
        uses_a = _typed(a, live & cond)
        uses_b = _typed(b, live & ~cond)
        if uses_a and uses_b:
            raise Refuse("lanes of different types")
        data, kind = (a.data, a.kind) if uses_a else (b.data, b.kind)
        if not isinstance(data, np.ndarray):
            data = np.full(cond.shape, data, dtype=DTYPES[kind])
    none = None
    if a.none is not None or b.none is not None:
        none = np.where(cond, False if a.none is None else a.none, False if b.none is None else b.none)
    return Lanes(data, kind, none)


def _typed(x: Lanes, lanes: np.ndarray) -> bool:
    """Whether some of ``lanes`` hold a number (not None) of ``x``."""
    return bool((lanes if x.none is None else lanes & ~x.none).any())


def minimum(a: Lanes, b: Lanes, live: np.ndarray) -> Lanes:
    """``min(a, b)``: Python keeps ``a`` unless ``b < a`` (so NaN and -0.0 go its way)."""
    return select(compare("Lt", b, a, live).data, b, a, live)


def maximum(a: Lanes, b: Lanes, live: np.ndarray) -> Lanes:
    """``max(a, b)``: ``a`` unless ``b > a``."""
    return select(compare("Gt", b, a, live).data, b, a, live)


def spread(x: Lanes, size: int) -> np.ndarray:
    """``x``'s values as an array of ``size`` lanes."""
    return x.data if not x.is_scalar else np.full(size, x.data, dtype=DTYPES[x.kind])
