"""The vectorised API: the Pregel vocabulary over numpy arrays of a partition's active vertices.

``BatchProgram.compute(self, v)`` runs once per partition per superstep. ``v`` holds
the vertices that compute in this superstep (active, or woken by mail) as arrays;
sends and votes take arrays or masks aligned with them. The engine, the backends,
termination, aggregators and master compute are the same as for the scalar
:class:`~pregel.api.vertex.Vertex`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core import kernels
from pregel.core.lazy import cached_property
from pregel.core.program import ACTIONS_OUTSIDE_COMPUTE, Program
from pregel.core.types import AlongEdges, Broadcast, Mutations, Outcome, Send, ToVertices
from pregel.errors import ProgramError

if TYPE_CHECKING:
    from pregel.core.messages import Mail
    from pregel.core.partition import Partition


class BatchProgram(Program):
    """Subclass and write ``compute(self, v)`` over a :class:`VertexBatch`.

    With a ``combiner``, ``v.messages`` holds one combined message per vertex;
    without one, ``v.all_messages`` holds every message, grouped by receiver (a
    vertex that needs all its neighbours' labels, not their sum). ``initial_value``
    is a constant or a method ``initial_value(self, v)`` returning an array aligned
    with ``v.ids``.

    Examples
    --------
    Breadth-first levels from vertex 1:

    >>> import pregel
    >>> from pregel.core.combiners import Min
    >>> class Levels(BatchProgram):
    ...     combiner = Min
    ...     initial_value = np.inf
    ...     source = 1
    ...     def compute(self, v):
    ...         if v.superstep == 0:
    ...             reached = v.ids == self.source
    ...             v.values = np.where(reached, 0.0, v.values)
    ...         else:
    ...             reached = v.messages < v.values
    ...             v.values = np.where(reached, v.messages, v.values)
    ...         v.send_to_all_neighbors(v.values + 1, where=reached)
    ...         v.vote_to_halt()
    >>> g = pregel.Graph.from_edges([1, 2, 2, 4], [2, 3, 4, 5])
    >>> pregel.run(g, Levels).to_dict()
    {1: 0.0, 2: 1.0, 3: 2.0, 4: 2.0, 5: 3.0}
    """

    def compute(self, v: VertexBatch) -> None:
        """Run one partition's active vertices for one superstep. Override this."""
        raise ProgramError(f"{type(self).__name__} must define compute(self, v)")

    def resend(self, v: VertexBatch) -> None:
        """Send again what the last superstep's compute sent, from ``v.values`` alone. Optional: override it.

        A program that defines it gets light checkpoints: they hold the vertex values
        and halted flags but no messages, and a run resumed (or a partition recovered)
        from one calls ``resend`` on every partition to make its pending messages again.
        It must send exactly what compute sent in the superstep ``v.superstep``, in the
        same order and to the same vertices (so the resumed run is bit-identical), with
        the values compute left; it may read the values, ids, degrees and
        ``v.cached`` arrays, not messages or aggregators, and may do nothing but send.
        A program whose messages depend on more than its values (a vertex that sends
        only when its value changed) must not define it.

        Examples
        --------
        >>> import pregel
        >>> class Spread(BatchProgram):
        ...     combiner = pregel.Sum
        ...     initial_value = 1.0
        ...     def compute(self, v):
        ...         if v.superstep > 0:
        ...             v.values = 0.5 + 0.5 * v.messages
        ...         if v.superstep == 3:
        ...             v.vote_to_halt()
        ...         else:
        ...             self.resend(v)
        ...     def resend(self, v):
        ...         v.send_to_all_neighbors(v.values / np.maximum(v.out_degree, 1))
        >>> Spread().resends
        True
        """
        raise NotImplementedError(f"{type(self).__name__} does not define resend(self, v)")

    @property
    def resends(self) -> bool:
        return type(self).resend is not BatchProgram.resend

    def resend_partition(self, partition: Partition, superstep: int) -> Outcome:
        v = VertexBatch(self, partition, None, superstep, {}, None)
        if v.size:
            self.resend(v)
        outcome = v.outcome()
        if _more_than_sends(outcome):
            raise ProgramError(f"{type(self).__name__}.resend may only send messages")
        return outcome

    def initial_values(self, partition: Partition) -> np.ndarray:
        if callable(type(self).initial_value):
            v = VertexBatch(self, partition, None, -1, {}, None)
            values = np.asarray(self.initial_value(v), dtype=self.value_dtype)
            outcome = v.outcome()
            if outcome.sends or _more_than_sends(outcome):
                raise ProgramError(ACTIONS_OUTSIDE_COMPUTE.format(program=type(self).__name__))
            return np.array(np.broadcast_to(values, (partition.size,)))
        return self.constant_values(partition.size)

    def compute_partition(
        self,
        partition: Partition,
        superstep: int,
        aggregated: dict[str, Any],
        mail: Mail,
        computing: np.ndarray | None,
    ) -> Outcome:
        v = VertexBatch(self, partition, computing, superstep, aggregated, mail)
        if v.size:
            self.compute(v)
        return v.outcome()


def _more_than_sends(outcome: Outcome) -> bool:
    """Whether ``outcome`` changed values, halted, aggregated or mutated (did more than send)."""
    mutated = outcome.mutations is not None and len(outcome.mutations)
    changed = outcome.values is not None or outcome.updates
    return bool(changed or outcome.halted.size or any(outcome.contributions.values()) or mutated)


@dataclass
class Edges:
    """Out-edges of some of a batch's vertices.

    ``source`` is each edge's position in the batch arrays (``v.values[e.source]``
    is the sender's value), ``weight`` its weight (1 when unweighted), ``target``
    the original id of its head.
    """

    source: np.ndarray
    positions: np.ndarray
    partition: Partition

    @cached_property
    def weight(self) -> np.ndarray:
        # made when read: a program that only counts or follows edges needs no array of ones per edge
        weights = self.partition.weights
        return np.ones(self.positions.size) if weights is None else weights[self.positions]

    @cached_property
    def target(self) -> np.ndarray:
        return self.partition.data.ids[self.partition.indices[self.positions]]

    def take(self, kept: np.ndarray) -> Edges:
        """The edges at places ``kept`` (indices into these edges, in the order given), as their own ``Edges``.

        Picking the edges to send along first, then the values for those alone
        (``values[picked.source]``), reads fewer values than handing every edge's to
        :meth:`VertexBatch.send_along` with ``where``.

        Examples
        --------
        >>> import pregel
        >>> class Heavy(BatchProgram):
        ...     def compute(self, v):
        ...         e = v.out_edges()
        ...         heavy = e.take(np.flatnonzero(e.weight > 1))
        ...         print(v.ids[heavy.source].tolist(), heavy.target.tolist(), heavy.weight.tolist())
        ...         v.vote_to_halt()
        >>> _ = pregel.run(pregel.Graph.from_edges([1, 1, 2], [2, 3, 3], [1.0, 5.0, 7.0]), Heavy)
        [1, 2] [3, 3] [5.0, 7.0]
        """
        picked = Edges(self.source[kept], self.positions[kept], self.partition)
        if "weight" in self.__dict__:
            picked.weight = self.weight[kept]
        return picked

    def __len__(self) -> int:
        return int(self.positions.size)


@dataclass
class Received:
    """Every message a batch received: ``values[k]`` went to the vertex at position ``receiver[k]`` of the batch.

    Sorted by receiver; a receiver's messages come in the order they were sent
    (partition by partition). Without a combiner a vertex appears once per message.
    """

    receiver: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.receiver.size)


class VertexBatch:
    """A partition's computing vertices in one superstep, as arrays.

    Attributes
    ----------
    superstep : int
    num_vertices : int
        Vertices in the whole graph.
    ids : numpy.ndarray
        Original ids of the vertices in this batch.
    values : numpy.ndarray
        Their values; assign a new array to change them.
    messages : numpy.ndarray
        The combined message per vertex (the combiner's identity where none arrived).
    all_messages : Received
        Every message, grouped by receiver (for a program without a combiner).
    has_messages : numpy.ndarray
        Which vertices got at least one message.
    out_degree : numpy.ndarray
    """

    def __init__(
        self,
        program: BatchProgram,
        partition: Partition,
        computing: np.ndarray | None,
        superstep: int,
        aggregated: dict[str, Any],
        mail: Mail | None,
    ) -> None:
        self.program = program
        self.superstep = superstep
        self.num_vertices = partition.num_vertices
        self._partition = partition
        self._computing = computing
        self._aggregated = aggregated
        self._mail = mail
        self.size = partition.size if computing is None else int(computing.size)
        # what compute changes, handed to the partition as one Outcome
        self._values: np.ndarray | None = None
        self._halted: list[np.ndarray] = []
        self._sends: list[Send] = []
        self._contributions: dict[str, list[np.ndarray]] = {name: [] for name in program.aggregators}
        self._mutations = Mutations()
        self._updates: list[tuple[np.ndarray, np.ndarray]] = []

    def outcome(self) -> Outcome:
        """Everything this batch's compute changed, for the partition to apply."""
        halted = self._halted[0] if len(self._halted) == 1 else np.concatenate(self._halted or [_NONE])
        return Outcome(
            self.size, self._values, halted, self._sends, self._contributions, self._mutations, self._updates
        )

    def _select(self, array: np.ndarray) -> np.ndarray:
        return array if self._computing is None else array[self._computing]

    @cached_property
    def ids(self) -> np.ndarray:
        return self._select(self._partition.ids)

    @property
    def values(self) -> np.ndarray:
        if self._updates:
            # read after update_values: the updates made on a copy, which becomes the new values
            values = self._current().copy()
            for positions, changed in self._updates:
                values[positions] = changed
            self._values, self._updates = values, []
        return self._current()

    def _current(self) -> np.ndarray:
        if self._values is not None:
            return self._values
        return self._select(self._partition.values)

    @values.setter
    def values(self, new: Any) -> None:
        new = np.asarray(new, dtype=self._partition.values.dtype)
        if new.shape != (self.size,):
            new = np.array(self._fit(new, self.size, "v.values = an array", "vertex of the batch"))
        self._values, self._updates = new, []

    def update_values(self, positions: Any, values: Any) -> None:
        """Give the vertices at ``positions`` (of this batch) new ``values``; the others keep theirs.

        What ``v.values = new`` does when few vertices change, at a cost proportional to
        them instead of the batch: no new array of every value is made. The partition
        writes the changes when compute returns; reading ``v.values`` afterwards in the
        same superstep makes that array after all (the changes included).

        Examples
        --------
        >>> import pregel
        >>> class Count(BatchProgram):
        ...     value_dtype = np.int64
        ...     initial_value = 0
        ...     def compute(self, v):
        ...         odd = np.flatnonzero(v.ids % 2)
        ...         v.update_values(odd, v.values[odd] + v.superstep)
        ...         if v.superstep == 2:
        ...             v.vote_to_halt()
        >>> pregel.run(pregel.Graph.from_edges([1, 2], [2, 3]), Count).to_dict()
        {1: 3, 2: 0, 3: 3}
        """
        positions = np.atleast_1d(np.asarray(positions))
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        new = np.asarray(values, dtype=self._partition.values.dtype)
        self._updates.append((positions, np.array(self._fit(new, positions.size, "update_values: values", "position"))))

    @cached_property
    def messages(self) -> np.ndarray:
        self.program.require_combiner()
        dtype = self._partition.values.dtype
        if dtype.names is not None:
            # values of records hold more than a message: the messages keep a type of their own
            mail = self._mail
            dtype = (mail.folded if mail.folded is not None else mail.values).dtype
        fill = np.asarray(self.program.combiner.fill_value(dtype), dtype=dtype)
        return self._select(self._mail.dense(fill[()]))

    @cached_property
    def all_messages(self) -> Received:
        """Every message this batch's vertices received, grouped by receiver, in the order they were sent.

        Examples
        --------
        The most frequent label among a vertex's in-neighbours:

        >>> import pregel
        >>> class Majority(BatchProgram):
        ...     value_dtype = np.int64
        ...     def initial_value(self, v):
        ...         return v.ids % 2
        ...     def compute(self, v):
        ...         if v.superstep == 0:
        ...             v.send_to_all_neighbors(v.values)
        ...             return
        ...         got = v.all_messages
        ...         ones = np.bincount(got.receiver, weights=got.values, minlength=v.size)
        ...         count = np.bincount(got.receiver, minlength=v.size)
        ...         v.values = np.where(count > 0, ones * 2 > count, v.values)
        ...         v.vote_to_halt()
        >>> pregel.run(pregel.Graph.from_edges([1, 3, 2], [4, 4, 4]), Majority).to_dict()
        {1: 1, 2: 0, 3: 1, 4: 1}
        """
        mail = self._mail
        targets = mail.targets
        computing = self._computing
        if computing is None:
            receiver = targets
        elif 8 * targets.size < self._partition.size:
            receiver = np.searchsorted(computing, targets)
        else:
            # many messages: a table from local index to batch position, one gather each (no binary searches)
            position = np.empty(self._partition.size, dtype=np.int64)
            position[computing] = np.arange(computing.size)
            receiver = position[targets]
        return Received(receiver, mail.values)

    @cached_property
    def has_messages(self) -> np.ndarray:
        return self._select(self._mail.has)

    @cached_property
    def out_degree(self) -> np.ndarray:
        return self._select(self._partition.out_degree)

    def _fit(self, values: Any, size: int, what: str, each: str) -> np.ndarray:
        """``values`` broadcast to ``size`` entries (read-only); ProgramError naming ``what`` if they do not fit."""
        try:
            return np.broadcast_to(values, (size,))
        except ValueError:
            shape = np.shape(values)
            name = type(self.program).__name__
            raise ProgramError(f"{name}: {what} of shape {shape}, not one per {each} ({size})") from None

    def _mask(self, where: Any) -> np.ndarray:
        """``where`` as a boolean mask over the batch; ProgramError if it is not one entry per vertex."""
        where = np.asarray(where, dtype=bool)
        if where.shape != (self.size,):
            self._fit(where, self.size, "where=", "vertex of the batch")
            where = np.broadcast_to(where, (self.size,))
        return where

    def _senders(self, where: Any) -> np.ndarray | None:
        """Local indices of the selected vertices (``None`` = the whole partition)."""
        if where is None:
            return self._computing
        where = self._mask(where)
        if self._computing is None and where.all():
            return None
        return np.flatnonzero(where) if self._computing is None else self._computing[where]

    def cached(self, name: str, make: Callable[[VertexBatch], Any]) -> np.ndarray:
        """An array that depends only on the graph, computed once per partition and kept for the run.

        The first call with ``name`` in a partition runs ``make(w)``, where ``w`` is a
        batch of all the partition's vertices (``w.ids``, ``w.out_degree``), and keeps
        the array it returns; every call returns its entries for this batch's
        vertices. Worth it for arrays such as an inverse out-degree, read every
        superstep. It must not depend on values or messages: those change.

        Examples
        --------
        >>> import pregel
        >>> from pregel.core.combiners import Sum
        >>> class Share(BatchProgram):
        ...     combiner = Sum
        ...     initial_value = 1.0
        ...     def compute(self, v):
        ...         if v.superstep == 1:
        ...             v.values = v.messages
        ...             v.vote_to_halt()
        ...         else:
        ...             inverse = v.cached("inverse", lambda w: 1.0 / np.maximum(w.out_degree, 1))
        ...             v.send_to_all_neighbors(v.values * inverse)
        >>> pregel.run(pregel.Graph.from_edges([1, 1, 2], [2, 3, 3]), Share).to_dict()
        {1: 0.0, 2: 0.5, 3: 1.5}
        """
        kept = self._partition.cache
        if name not in kept:
            array = np.asarray(make(self._whole()))
            if array.shape != (self._partition.size,):
                raise ProgramError(
                    f"{type(self.program).__name__}: cached({name!r}) made an array of shape {array.shape},"
                    f" not one entry per vertex ({self._partition.size})"
                )
            kept[name] = array
        return self._select(kept[name])

    def kept(self, name: str, make: Callable[[VertexBatch], Any]) -> Any:
        """An object that depends only on the partition's part of the graph, made once per partition and kept.

        Like :meth:`cached`, but ``make(w)`` (``w`` a batch of all the partition's
        vertices) may return anything, which comes back as it is, not one entry per
        vertex: what a program that first works inside each partition keeps of it (its
        edges between its own vertices, say). :meth:`positions` says where this batch's
        vertices are among ``w``'s.

        Examples
        --------
        >>> import pregel
        >>> from pregel.core.combiners import Sum
        >>> class Size(BatchProgram):
        ...     combiner = Sum
        ...     value_dtype = np.int64
        ...     initial_value = 0
        ...     def compute(self, v):
        ...         v.values = np.full(v.size, v.kept("size", lambda w: w.size))
        ...         v.vote_to_halt()
        >>> pregel.run(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]), Size, workers=2).values.tolist()
        [2, 2, 1]
        """
        kept = self._partition.cache
        key = f"kept:{name}"
        if key not in kept:
            kept[key] = make(self._whole())
        return kept[key]

    def _whole(self) -> VertexBatch:
        """A batch of all the partition's vertices, which :meth:`cached` and :meth:`kept` make their objects from."""
        return VertexBatch(self.program, self._partition, None, self.superstep, {}, None)

    @property
    def positions(self) -> np.ndarray:
        """Where this batch's vertices are among all the partition's (the ``w`` of :meth:`cached` and :meth:`kept`).

        Examples
        --------
        >>> import pregel
        >>> from pregel.core.combiners import Sum
        >>> class Where(BatchProgram):
        ...     combiner = Sum
        ...     value_dtype = np.int64
        ...     initial_value = 0
        ...     def compute(self, v):
        ...         v.values = v.positions
        ...         v.vote_to_halt()
        >>> pregel.run(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]), Where, workers=2).values.tolist()
        [0, 1, 0]
        """
        return np.arange(self.size) if self._computing is None else self._computing

    def _aligned(self, values: Any, where: Any) -> np.ndarray:
        if not (isinstance(values, np.ndarray) and values.shape == (self.size,)):
            values = self._fit(np.asarray(values), self.size, "send_to_all_neighbors: values", "vertex of the batch")
        return values if where is None else values[self._mask(where)]

    # ------------------------------------------------------------------ sending
    def send_to_all_neighbors(self, values: Any, where: Any = None, weighted: bool = False) -> None:
        """Each vertex (or each where ``where`` is true) sends its entry of ``values`` along every out-edge.

        With ``weighted=True`` the message along an edge is the vertex's value times
        the edge's weight (1 on an unweighted graph): the messages ``send_along(edges,
        values[edges.source] * edges.weight)`` sends. With a
        ``Sum`` combiner on floats, a weighted send from every vertex costs about what an
        unweighted one does: no message is made per edge; each vertex's messages are
        summed in one compiled pass over its in-edges, the weights laid out beside
        them once per run.

        Examples
        --------
        Each vertex's weighted in-degree, ``sum of w(u, v)`` over its in-edges:

        >>> import pregel
        >>> from pregel.core.combiners import Sum
        >>> class WeightedInDegree(BatchProgram):
        ...     combiner = Sum
        ...     initial_value = 1.0
        ...     def compute(self, v):
        ...         if v.superstep == 0:
        ...             v.send_to_all_neighbors(v.values, weighted=True)
        ...         else:
        ...             v.values = v.messages
        ...             v.vote_to_halt()
        >>> g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3], weights=[0.5, 2.0, 4.0])
        >>> pregel.run(g, WeightedInDegree).to_dict()
        {1: 0.0, 2: 0.5, 3: 6.0}
        """
        self._sends.append(Broadcast(self._senders(where), self._aligned(values, where), weighted))

    def out_edges(self, where: Any = None) -> Edges:
        """The out-edges of the batch's vertices (or of those where ``where`` is true)."""
        senders = self._senders(where)
        # each edge's sender as a place in the batch: the k-th sender's is k when the batch sends whole
        batch_pos = None if where is None else np.flatnonzero(self._mask(where))
        positions, source = kernels.expand(self._partition.indptr, senders, batch_pos, owners=True)
        return Edges(source, positions, self._partition)

    def send_along(self, edges: Edges, values: Any, where: Any = None) -> None:
        """Send ``values[k]`` along edge ``k`` of ``edges`` (from :meth:`out_edges`); only where ``where[k]``, if given.

        ``where`` picks edges by what they are (their ``weight``, their ``target``),
        which :meth:`out_edges` cannot: it picks by the vertex they leave.
        """
        values = self._fit(np.asarray(values), len(edges), "send_along: values", "edge")
        positions = edges.positions
        if where is not None:
            # one list of the kept edges, gathered from twice: a boolean mask indexes a half-full array of a
            # million edges five times slower
            where = np.asarray(where, dtype=bool)
            if where.shape != positions.shape:
                raise IndexError(f"where has shape {where.shape}, the edges {positions.shape}")
            kept = np.flatnonzero(where)
            positions, values = positions.take(kept), values.take(kept)
        self._sends.append(AlongEdges(positions, values))

    def send(self, targets: Any, values: Any) -> None:
        """Send ``values[k]`` to the vertex with original id ``targets[k]``."""
        targets = np.atleast_1d(np.asarray(targets))
        self._sends.append(ToVertices(targets, self._fit(np.asarray(values), targets.size, "send: values", "target")))

    # ---------------------------------------------------------------- mutations
    def remove_edges(self, sources: Any, targets: Any) -> None:
        """Remove the edges ``sources[k] -> targets[k]`` (original ids) before the next superstep.

        Mutations of any partition's vertices and edges are applied at the barrier, in
        the order of :mod:`pregel.core.mutations`; an edge that does not exist is ignored.

        Examples
        --------
        >>> import pregel
        >>> class DropHeavy(BatchProgram):
        ...     def compute(self, v):
        ...         e = v.out_edges()
        ...         heavy = e.weight > 1
        ...         v.remove_edges(v.ids[e.source[heavy]], e.target[heavy])
        ...         v.vote_to_halt()
        >>> g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3], [1.0, 5.0, 1.0])
        >>> pregel.run(g, DropHeavy).graph.edge_arrays()[1].tolist()
        [2, 3]
        """
        src, dst = np.broadcast_arrays(np.atleast_1d(sources), np.atleast_1d(targets))
        self._mutations.remove_edges.append((src.ravel(), dst.ravel()))

    def remove_vertices(self, ids: Any) -> None:
        """Remove the vertices ``ids`` (original ids), with their in- and out-edges, before the next superstep."""
        self._mutations.remove_vertices.append(np.atleast_1d(np.asarray(ids)).ravel())

    def add_vertices(self, ids: Any, values: Any) -> None:
        """Add vertices ``ids`` (original ids) with ``values`` before the next superstep; they start active.

        A vertex that exists keeps its value; two additions of one new vertex keep the
        smallest value.

        Examples
        --------
        >>> import pregel
        >>> class Twin(BatchProgram):
        ...     def compute(self, v):
        ...         if v.superstep == 0:
        ...             v.add_vertices(v.ids + 100, v.ids * 2.0)
        ...             v.add_edges(v.ids, v.ids + 100)
        ...         v.vote_to_halt()
        >>> r = pregel.run(pregel.Graph.from_edges([1], [2]), Twin)
        >>> r.to_dict(), r.graph.num_edges
        ({1: 0.0, 2: 0.0, 101: 2.0, 102: 4.0}, 3)
        """
        ids = np.atleast_1d(np.asarray(ids)).ravel()
        self._mutations.add_vertices.append(
            (ids, self._fit(np.asarray(values), ids.size, "add_vertices: values", "id"))
        )

    def add_edges(self, sources: Any, targets: Any, weights: Any = None) -> None:
        """Add edges ``sources[k] -> targets[k]`` (original ids), of weight ``weights[k]`` (default 1).

        Several additions of one edge merge by the program's ``added_edge_weights``
        (a sum by default); an edge that exists takes the new weight.
        """
        src, dst = np.broadcast_arrays(np.atleast_1d(sources), np.atleast_1d(targets))
        w = np.broadcast_to(np.asarray(1.0 if weights is None else weights, dtype=np.float64), src.shape)
        self._mutations.add_edges.append((src.ravel(), dst.ravel(), w.ravel()))

    # -------------------------------------------------------- halting, aggregates
    def vote_to_halt(self, where: Any = None) -> None:
        """All vertices (or those where ``where`` is true) go inactive until mail arrives."""
        senders = self._senders(where)
        self._halted.append(np.arange(self._partition.size) if senders is None else senders)

    def aggregate(self, name: str, values: Any) -> None:
        """Contribute every entry of ``values`` to aggregator ``name``."""
        self.program.aggregator(name)
        self._contributions[name].append(values.ravel() if isinstance(values, np.ndarray) else np.ravel(values))

    def aggregated(self, name: str) -> Any:
        """The value aggregator ``name`` reached in the previous superstep."""
        self.program.aggregator(name)
        return self._aggregated[name]


_NONE = np.empty(0, dtype=np.int64)
