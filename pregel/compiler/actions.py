"""What ``compute`` may use of ``self``: the one table every stage of the compiler reads.

An :class:`Action` is a method ``compute`` calls as a statement (``self.vote_to_halt()``);
it appends to lists of :class:`Sinks`, as its row says. The interpreter (the methods
of ``Vertex``) appends to the same lists; the compiled loop of
:mod:`pregel.compiler.loop` turns each call into those appends on local names; the
masked evaluation of :mod:`pregel.compiler.masked` records one site per call and
puts them in the loop's order. A :class:`Read` is something ``compute`` reads
(``self.superstep``, ``self.aggregated("x")``): per vertex a list the loop runs over,
else a field of the same name of :class:`Bindings`.

Adding an action that appends to existing sinks is one row of :data:`ACTIONS` (and
its method on ``Vertex``, which users call and read the documentation of); one with
a new kind of effect adds a field to :class:`Sinks` that the partition's outcome
carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

#: A sink's source that is not an argument: the position of the calling vertex in its partition.
INDEX = -1


@dataclass(frozen=True)
class Sink:
    """One append an action makes: to the list ``Sinks.<field>``, of argument ``source`` (or :data:`INDEX`).

    ``vertex_id``: the value is a vertex id or an edge number, an int in every lane of
    the masked evaluation. ``in_loop=False``: the compiled loop does not record it, as only a
    trace reads it and a trace runs the interpreter (which then does).
    """

    field: str
    source: int
    vertex_id: bool = False
    in_loop: bool = True


@dataclass(frozen=True)
class Action:
    """A method ``compute`` calls as a statement, with ``parameters`` (positional only when compiled).

    ``named``: the first argument names an aggregator, a string constant; its sinks
    then hold one list per name.
    """

    name: str
    parameters: tuple[str, ...]
    sinks: tuple[Sink, ...]
    named: bool = False

    @property
    def arity(self) -> int:
        return len(self.parameters)


@dataclass(frozen=True)
class Read:
    """``self.<name>`` in ``compute``.

    ``per_vertex``: a value per vertex (a list the compiled loop zips over, lanes in the
    masked evaluation); else ``Bindings.<name>``. ``by_index``: ``Bindings.<name>`` is
    a function the loop calls with the vertex's position. ``named``: a method called
    with an aggregator name, ``Bindings.<name>[that name]``. ``vectorised``: the
    masked evaluation has it.
    """

    name: str
    per_vertex: bool = False
    by_index: bool = False
    named: bool = False
    vectorised: bool = True


# The order of sinks is the order of appends: the loop evaluates the arguments first and
# appends the value before what it goes to, so a message that raises leaves nothing behind.
ACTIONS = (
    Action(
        "send_message",
        ("target", "message"),
        (Sink("send_values", 1), Sink("send_targets", 0, vertex_id=True), Sink("send_senders", INDEX, in_loop=False)),
    ),
    Action(
        "send_message_to_all_neighbors", ("message",), (Sink("broadcast_values", 0), Sink("broadcast_senders", INDEX))
    ),
    Action(
        "send_message_along",
        ("edge", "message"),
        (Sink("along_values", 1), Sink("along_edges", 0, vertex_id=True), Sink("along_senders", INDEX)),
    ),
    Action("vote_to_halt", (), (Sink("halted", INDEX),)),
    Action("aggregate", ("name", "value"), (Sink("contributions", 1),), named=True),
)

READS = (
    Read("id", per_vertex=True),
    Read("value", per_vertex=True),
    Read("out_degree", per_vertex=True),
    Read("superstep"),
    Read("num_vertices"),
    Read("out_edges", per_vertex=True, by_index=True, vectorised=False),
    Read("aggregated", named=True),
)

ACTION = {action.name: action for action in ACTIONS}
#: The Sinks lists that hold positions of the calling vertices (those a vectorised run counts from 0).
POSITIONS = tuple(sorted({sink.field for action in ACTIONS for sink in action.sinks if sink.source == INDEX}))
READ = {read.name: read for read in READS}


@dataclass
class Sinks:
    """The lists the actions of one superstep append to, in the loop's order (vertex by vertex, call by call).

    Examples
    --------
    >>> sinks = Sinks.empty(["total"])
    >>> sinks.halted.append(3)
    >>> sinks.contributions
    {'total': []}
    """

    halted: list[int] = field(default_factory=list)
    broadcast_senders: list[int] = field(default_factory=list)
    broadcast_values: list[Any] = field(default_factory=list)
    send_targets: list[Any] = field(default_factory=list)
    send_values: list[Any] = field(default_factory=list)
    send_senders: list[int] = field(default_factory=list)
    along_edges: list[Any] = field(default_factory=list)
    along_values: list[Any] = field(default_factory=list)
    along_senders: list[int] = field(default_factory=list)
    contributions: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def empty(cls, aggregators: Any) -> Sinks:
        """Empty lists, and one per aggregator name in ``aggregators``."""
        return cls(contributions={name: [] for name in aggregators})


@dataclass(frozen=True)
class Bindings:
    """What a compiled ``compute`` reads for one superstep, besides each vertex's own data.

    ``parameters`` and ``aggregated`` hold only the names ``compute`` reads.
    """

    superstep: int
    num_vertices: int
    parameters: dict[str, Any]
    aggregated: dict[str, Any]
    out_edges: Callable[[int], tuple[Any, Any]]


def _check_table() -> None:
    """Every sink is a list of Sinks and every read that is not per vertex a field of Bindings."""
    sinks = {f.name for f in fields(Sinks)}
    bindings = {f.name for f in fields(Bindings)}
    for action in ACTIONS:
        for sink in action.sinks:
            assert sink.field in sinks, f"{action.name}: Sinks has no {sink.field}"
            assert sink.source == INDEX or 0 <= sink.source < action.arity, f"{action.name}: no argument {sink.source}"
    for read in READS:
        assert read.name in bindings or (read.per_vertex and not read.by_index), f"Bindings has no {read.name}"


_check_table()
