"""Seeded random numbers a vertex can draw by itself: a hash of the seed, the round and its id.

Randomized vertex programs (Luby's independent set, random matchings) need every vertex
to draw its own number each round, the same on every backend and partition count, and
the scalar and vectorised twins the same numbers. SplitMix64's finalizer over
``(seed, round, id)`` gives that without any state: :func:`draw` over numpy arrays,
:func:`draw_one` for one vertex in plain Python, bit for bit alike.
"""

from __future__ import annotations

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN, _M1, _M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's step over uint64 (arithmetic wraps at 2**64, as it should)."""
    x = x + np.uint64(_GOLDEN)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(_M1)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(_M2)
    return x ^ (x >> np.uint64(31))


def draw(seed: int, round_: int, ids: np.ndarray) -> np.ndarray:
    """A number in [0, 2**63) for each id, for round ``round_`` of a run seeded ``seed`` (``int64``).

    Examples
    --------
    >>> draw(7, 0, np.array([1, 2])).tolist() == [draw_one(7, 0, 1), draw_one(7, 0, 2)]
    True
    """
    with np.errstate(over="ignore"):
        base = _mix(_mix(np.uint64(seed & _MASK)) + np.uint64(round_ & _MASK))
        return (_mix(base + np.asarray(ids).astype(np.uint64)) >> np.uint64(1)).astype(np.int64)


def draw_pair(seed: int, round_: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A number in [0, 2**63) for each pair ``(a[k], b[k])``, the same for ``(b[k], a[k])`` (``int64``).

    Examples
    --------
    >>> draw_pair(1, 2, np.array([3]), np.array([9])).tolist() == draw_pair(1, 2, np.array([9]), np.array([3])).tolist()
    True
    """
    with np.errstate(over="ignore"):
        base = _mix(_mix(np.uint64(seed & _MASK)) + np.uint64(round_ & _MASK))
        # in place, in one buffer and one scratch array: the matching draws a number per edge, millions a round
        x = np.minimum(a, b).astype(np.uint64)
        x += base
        scratch = np.empty_like(x)
        _mix_in_place(x, scratch)
        x += np.maximum(a, b).astype(np.uint64, copy=False)
        _mix_in_place(x, scratch)
        x >>= np.uint64(1)
        return x.view(np.int64)


def _mix_in_place(x: np.ndarray, scratch: np.ndarray) -> None:
    """:func:`_mix` over ``x`` (uint64), written into ``x``; ``scratch`` is as large."""
    x += np.uint64(_GOLDEN)
    for shift, factor in ((30, _M1), (27, _M2)):
        np.right_shift(x, np.uint64(shift), out=scratch)
        x ^= scratch
        x *= np.uint64(factor)
    np.right_shift(x, np.uint64(31), out=scratch)
    x ^= scratch


def draw_one(seed: int, round_: int, vertex: int) -> int:
    """:func:`draw` for one vertex, in plain Python integers.

    Examples
    --------
    >>> 0 <= draw_one(7, 3, 12345) < 2**63
    True
    """
    base = _mix_one((_mix_one(seed & _MASK) + round_) & _MASK)
    return _mix_one((base + vertex) & _MASK) >> 1


def _mix_one(x: int) -> int:
    x = (x + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * _M1) & _MASK
    x = ((x ^ (x >> 27)) * _M2) & _MASK
    return x ^ (x >> 31)
