"""What master compute announces to the vertices, kept from superstep to superstep.

An aggregator's value lasts one superstep: the next one replaces it with what the
vertices aggregate. A program whose master compute leads phases (a batch, a level, the
superstep a stage began) has every vertex hand the announced value back, aggregated by
:class:`Echo`, so master compute reads it again after the next superstep.
"""

from __future__ import annotations

from typing import Any

from pregel import Aggregator


class Echo(Aggregator):
    """The value master compute announced, handed back by every vertex (-1 before any announcement).

    Examples
    --------
    >>> Echo().merge(Echo().lift(3), Echo.identity)
    3
    """

    identity = -1

    def lift(self, x: Any) -> int:
        return int(x)

    def merge(self, a: int, b: int) -> int:
        return max(a, b)
