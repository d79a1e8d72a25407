"""``cached_property`` for objects each thread keeps to itself: computed on first use, without a lock.

Python 3.10 and 3.11's :func:`functools.cached_property` computes under one lock per
property, shared by every instance of the class (3.12 dropped it). A partition's routes,
its batch's messages and the like belong to one partition, which one thread runs; with
that lock the partitions' threads built their routes one after another (at 10M edges
the first PageRank superstep's two 90 ms transposes ran in turn, not side by side).
Without it, two threads reading one instance's property at once may both compute it,
and the last one's value stays: only for values that are the same either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class cached_property(Generic[T]):  # noqa: N801 (named as the functools decorator it replaces)
    """The value of ``method(instance)``, computed on first use and kept in the instance's ``__dict__``.

    Examples
    --------
    >>> class Squares:
    ...     calls = 0
    ...     @cached_property
    ...     def table(self) -> list[int]:
    ...         Squares.calls += 1
    ...         return [i * i for i in range(4)]
    >>> s = Squares()
    >>> s.table, s.table, Squares.calls
    ([0, 1, 4, 9], [0, 1, 4, 9], 1)
    """

    def __init__(self, method: Callable[[Any], T]) -> None:
        self.method = method
        self.name = method.__name__
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | cached_property[T]:
        if instance is None:
            return self
        # a non-data descriptor: once the value is in the instance's __dict__, Python finds it there first
        value = instance.__dict__[self.name] = self.method(instance)
        return value
