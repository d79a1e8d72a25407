"""What every vertex program has, whichever API it is written in.

A program declares its combiner, aggregators, initial value, value dtype, whether
negative edge weights are allowed and whether its values are vertex ids as class
attributes, takes its parameters as keyword arguments (each must be declared as a
class attribute, which is its default), and may define ``master_compute``. The scalar
:class:`~pregel.api.vertex.Vertex` and the vectorised
:class:`~pregel.api.batch.BatchProgram` add ``compute``.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import types
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core.aggregators import Aggregator
from pregel.core.combiners import Combiner
from pregel.core.messages import object_array
from pregel.errors import ProgramError

if TYPE_CHECKING:
    from pregel.core.messages import Mail
    from pregel.core.partition import Partition
    from pregel.core.types import Outcome

#: What an action (a send, a vote, an aggregate, a mutation) in ``initial_value`` is told, in either API.
ACTIONS_OUTSIDE_COMPUTE = (
    "{program}.initial_value may only give the values: sending, halting, aggregating and changing the graph"
    " belong in compute"
)


class Program:
    """Base of vertex programs: declarations, parameters and master compute.

    Parameters
    ----------
    **params
        Values for the parameters the class declares (as class attributes).

    Examples
    --------
    >>> class Hops(Program):
    ...     limit = 3
    >>> Hops(limit=5).limit
    5
    >>> Hops(limt=5)
    Traceback (most recent call last):
    ...
    TypeError: Hops has no parameter 'limt' (declare it as a class attribute)

    What the class declares is checked here, once, rather than deep inside a superstep:

    >>> class Totals(Program):
    ...     combiner = "sum"
    >>> Totals()
    Traceback (most recent call last):
    ...
    pregel.errors.ProgramError: Totals.combiner is 'sum', not a Combiner (pregel.Sum, Min, Max or a Combiner subclass)
    """

    combiner: Combiner | type[Combiner] | None = None
    aggregators: dict[str, Aggregator | type[Aggregator]] = {}
    initial_value: Any = 0.0
    value_dtype: Any = np.float64
    #: False for programs whose edge weights must not be negative (capacities,
    #: probabilities): the engine then refuses a graph with a negative weight.
    allow_negative_weights: bool = True
    #: True for programs whose values are vertex ids (a component's smallest id, a
    #: parent): results show them as original ids, the strings of a labelled graph.
    values_are_ids: bool = False
    #: What a message, or an added edge, to a vertex that does not exist (after the
    #: superstep's mutations) does: ``"error"``, ``"drop"`` (dropped) or ``"create"``
    #: (the vertex is created with the initial value). :mod:`pregel.core.mutations`.
    missing_vertex: str = "error"
    #: How several additions of one edge in one superstep merge: ``"sum"``, ``"min"``, ``"max"``.
    added_edge_weights: str = "sum"
    #: The parameters that name vertices (a source, or a list of them): given by original
    #: id, a label in a graph of string ids, and seen by the program as the id it knows
    #: (``v.id``, ``ids``); one that is not in the graph is refused before superstep 0.
    vertex_parameters: tuple[str, ...] = ()

    def __init__(self, **params: Any) -> None:
        cls = type(self)
        for name, value in params.items():
            declared = getattr(cls, name, None)
            if name.startswith("_") or not hasattr(cls, name) or callable(declared):
                raise TypeError(f"{cls.__name__} has no parameter {name!r} (declare it as a class attribute)")
            setattr(self, name, value)
        self.params = dict(params)
        self.combiner = None if cls.combiner is None else _declared(cls.combiner, Combiner, f"{cls.__name__}.combiner")
        if not isinstance(cls.aggregators, dict):
            raise ProgramError(
                f"{cls.__name__}.aggregators must be a dict of name: Aggregator, got {cls.aggregators!r}"
            )
        self.aggregators = {
            name: _declared(a, Aggregator, f"{cls.__name__}.aggregators[{name!r}]")
            for name, a in cls.aggregators.items()
        }
        for method in ("compute", "master_compute"):
            _check_signature(cls, method)

    def on_graph(self, graph: Any) -> Program:
        """This program with its ``vertex_parameters`` as the ids it sees in ``graph`` (itself if it has none).

        The parameters as given stay in ``params`` (and so in the fingerprint a checkpoint
        records). A graph the Ray workers hold has integer ids only, which programs see as
        they are: nothing to translate, and no vertex list on the driver to check them by.

        Raises
        ------
        InputError
            If a vertex parameter names a vertex that is not in the graph.

        Examples
        --------
        >>> from pregel.core.graph import Graph
        >>> class Hops(Program):
        ...     vertex_parameters = ("source",)
        ...     source = None
        >>> Hops(source="b").on_graph(Graph.from_edges(["a"], ["b"])).source
        1
        """
        translate = getattr(graph, "ids_of", None)
        if translate is None or not self.vertex_parameters:
            return self
        program = copy.copy(self)
        for name in self.vertex_parameters:
            given = getattr(self, name)
            if given is None:
                continue
            many = isinstance(given, (list, tuple, set, frozenset, np.ndarray))
            ids = translate(list(given) if many else given, what=f"{name} vertex").tolist()
            if not many:
                ids = ids[0]
            elif isinstance(given, tuple):
                ids = tuple(ids)
            setattr(program, name, ids)
        return program

    def master_compute(self, master: Any) -> None:
        """Runs once between supersteps, on the driver; may call ``master.halt()``.

        ``master`` has ``superstep`` (the one just finished), ``num_vertices``,
        ``aggregated(name)`` and ``halt()``.
        """

    def fingerprint(self) -> str:
        """Identifies the program and its parameters (for checkpoints)."""
        cls = type(self)
        text = f"{cls.__module__}.{cls.__qualname__}:{sorted(self.params.items())!r}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def code_fingerprint(self) -> str:
        """Identifies the code of the program's own classes (for checkpoints): edit ``compute`` and it changes.

        The source of every class of the program above pregel's own bases, or, where
        Python cannot show the source (a class typed into a session), its functions'
        bytecode and constants.

        Examples
        --------
        >>> class Hops(Program):
        ...     def compute(self, messages):
        ...         return 1
        >>> class Jumps(Program):
        ...     def compute(self, messages):
        ...         return 2
        >>> Hops().code_fingerprint() == Jumps().code_fingerprint(), len(Hops().code_fingerprint())
        (False, 16)
        """
        digest = hashlib.sha256()
        for cls in type(self).__mro__:
            if cls is not object and (cls.__module__, cls.__qualname__) not in _OWN_BASES:
                digest.update(_class_code(cls))
        return digest.hexdigest()[:16]

    def describe(self) -> str:
        """The class name with its parameters, as a person would write it."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    def holds_the_gil(self) -> bool:
        """Whether ``compute`` runs as Python that holds the GIL, so partitions in threads would only take turns.

        The local backend then runs the partitions one after another unless told how
        many threads to use. Programs over arrays (numpy releases the GIL) say False.
        """
        return False

    # The partition drives a program through these two; each API implements them.
    def initial_values(self, partition: Partition) -> np.ndarray:
        """Every local vertex's value before superstep 0."""
        raise NotImplementedError

    def compute_partition(
        self,
        partition: Partition,
        superstep: int,
        aggregated: dict[str, Any],
        mail: Mail,
        computing: np.ndarray | None,
    ) -> Outcome:
        """Run compute on the partition's ``computing`` vertices (local indices; ``None``: all) and say what it made.

        The partition is read, never written: everything the superstep changes is in
        the returned outcome, which the partition applies.
        """
        raise NotImplementedError

    @property
    def resends(self) -> bool:
        """Whether this program can send its last superstep's messages again from the vertex values alone.

        Its checkpoints then hold no messages (light checkpoints): a resumed or
        recovered partition regenerates them with :meth:`resend_partition`.
        """
        return False

    def resend_partition(self, partition: Partition, superstep: int) -> Outcome:
        """The messages superstep ``superstep`` sent from ``partition``, made again from its values (sends only)."""
        raise NotImplementedError(f"{type(self).__name__} cannot resend its messages")

    # ---------------------------------------------------------------- shared helpers
    def constant_values(self, size: int) -> np.ndarray:
        """``size`` copies of a constant ``initial_value`` (each vertex its own copy of a Python object)."""
        if np.dtype(self.value_dtype) != object:
            return np.full(size, self.initial_value, dtype=self.value_dtype)
        return object_array(copy.copy(self.initial_value) for _ in range(size))

    def new_partials(self) -> dict[str, Any]:
        """Aggregator partial results, all at their identity."""
        return {name: agg.identity for name, agg in self.aggregators.items()}

    def aggregator(self, name: str) -> Aggregator:
        """The declared aggregator ``name``; ProgramError naming the program otherwise."""
        try:
            return self.aggregators[name]
        except KeyError:
            raise ProgramError(f"aggregator {name!r} is not declared in {type(self).__name__}.aggregators") from None

    def require_combiner(self) -> Combiner:
        """The combiner; ProgramError for a program that needs one but has none."""
        if self.combiner is None:
            raise ProgramError(f"{type(self).__name__} needs a combiner (set the class attribute `combiner`)")
        return self.combiner


# the bases the engine and its APIs give a program: their code is the engine's, not the program's
_OWN_BASES = {("pregel.core.program", "Program"), ("pregel.api.vertex", "Vertex"), ("pregel.api.batch", "BatchProgram")}


_KINDS = {
    Combiner: "a Combiner (pregel.Sum, Min, Max or a Combiner subclass)",
    Aggregator: "an Aggregator (pregel.Sum, Min, Max, Count or an Aggregator subclass)",
}


def _declared(spec: Any, kind: type, where: str) -> Any:
    """The combiner or aggregator ``spec`` (a class or an instance) as an instance; ProgramError naming ``where``."""
    shown = spec.__name__ if isinstance(spec, type) else repr(spec)
    if not (isinstance(spec, kind) or isinstance(spec, type) and issubclass(spec, kind)):
        raise ProgramError(f"{where} is {shown}, not {_KINDS[kind]}")
    method = "combine" if kind is Combiner else "merge"
    if getattr(spec if isinstance(spec, type) else type(spec), method) is getattr(kind, method):
        raise ProgramError(f"{where} is {shown}, which does not define {method}(a, b)")
    return spec() if isinstance(spec, type) else spec


def _check_signature(cls: type, name: str) -> None:
    """ProgramError if method ``name`` of ``cls`` cannot be called as the engine calls pregel's own."""
    base = next((b for b in cls.__mro__ if (b.__module__, b.__qualname__) in _OWN_BASES and name in vars(b)), None)
    method = getattr(cls, name, None)
    if base is None or method is vars(base)[name] or not inspect.isfunction(method):
        return
    expected = list(inspect.signature(vars(base)[name]).parameters)
    try:
        inspect.signature(method).bind(*expected)
    except TypeError:
        raise ProgramError(f"{cls.__name__}.{name} must be defined as {name}({', '.join(expected)})") from None


def _class_code(cls: type) -> bytes:
    """The source of ``cls``, else the bytecode and constants of its functions, as bytes."""
    try:
        return inspect.getsource(cls).encode()
    except (OSError, TypeError):
        pass
    parts = []
    for name, member in sorted(vars(cls).items()):
        code = getattr(getattr(member, "__func__", member), "__code__", None)
        if code is not None:
            parts.append(name.encode() + _code_bytes(code))
    return b"".join(parts)


def _code_bytes(code: types.CodeType) -> bytes:
    """A code object's bytecode, names and constants (nested code included), free of memory addresses."""
    consts = [_code_bytes(c) if isinstance(c, types.CodeType) else repr(c).encode() for c in code.co_consts]
    return code.co_code + repr(code.co_names).encode() + b"\0".join(consts)
