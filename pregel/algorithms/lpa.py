"""Label propagation communities: networkx's semi-synchronous rule, or GraphX's synchronous one.

Both run on the undirected graph (edge directions are ignored) and start with every
vertex labelled by its own id; a community is the set of vertices that end with one label,
and the result names it by its smallest id.

Semi-synchronous (networkx's ``label_propagation_communities``, Cordasco and Gargano):
first the graph is coloured greedily, largest degree first (networkx's ``greedy_color``
with ``largest_first``, a self-loop counting twice, ties in id order): a vertex takes the
smallest colour none of its earlier neighbours has, as soon as they all have one; inside
a partition the colours go as far as they can in one superstep, so the colouring takes
one superstep per partition a chain of earlier neighbours crosses (one on one partition). Then
rounds follow, one superstep per colour (a whole round a superstep where no edge leaves a
partition, as on one partition): the vertices of that colour take the label most
frequent among their neighbours, keeping their own when it is among the most frequent,
else the largest (Prec-Max). A round starts by checking whether every vertex already
holds one of its most frequent labels; then the run stops. The result is exactly
networkx's.

Synchronous (GraphX's ``LabelPropagation``): in every superstep every vertex takes the
label most frequent among its neighbours, the smallest among equals, until no label
changes; it may oscillate forever (a bipartite graph swaps its two sides), hence
``max_supersteps``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Max, Sum
from pregel.algorithms.columns import copied, picked
from pregel.algorithms.phases import Echo
from pregel.algorithms.pieces import OwnEdges
from pregel.algorithms.synchronous_lpa import SynchronousLabelPropagation, SynchronousLabelPropagationVertex
from pregel.api.twin import only_batch, twin
from pregel.core import kernels
from pregel.core.engine import collect_on_driver
from pregel.io.edges import as_graph


class LabelPropagation(BatchProgram):
    """networkx's semi-synchronous label propagation: a greedy colouring, then the colour classes take turns.

    ``color_words`` is the size of the set of colours a vertex has seen, in 64-bit
    words; it must exceed the number of earlier neighbours of every vertex (see
    :func:`color_words`). With ``oriented``, the program runs on :func:`oriented`'s
    graph, whose edge weights say which neighbours come first in the colouring order:
    the colouring starts in superstep 0, without a superstep in which every vertex tells
    its neighbours its degree, and goes inside each partition as far as it can in a
    superstep (:meth:`_color_inside`).

    Where no edge leaves any partition (one partition, say) a superstep is a whole
    round of turns, the classes one after the other inside it (:meth:`_round_inside`).
    Otherwise the colour classes take turns, one a superstep, round after
    round. A vertex must read its neighbours' labels as they are just before its turn,
    so it asks for them two supersteps ahead: class ``c`` sends its ids to its
    neighbours in superstep ``T - 2`` (a request, a negative message), each neighbour
    answers in ``T - 1`` with its label, after its own turn if ``T - 1`` is its turn
    (a reply, the label itself), and class ``c`` takes the most frequent label in
    ``T``. So a superstep moves three classes along the pipeline, and each edge into
    the class whose turn it is carries two messages: the work of a round is the graph's
    edges once, not once per colour. Master compute stops the run when a whole round
    of turns changed no label: every vertex then holds one of its most frequent
    labels, which is networkx's stopping test, so the labels are networkx's.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4]).to_undirected()
    >>> labels = pregel.run(g, LabelPropagation(color_words=1))
    >>> labels.values["label"].tolist()
    [4, 4, 4, 6, 6, 6]
    """

    aggregators = {
        "colored": Sum,
        "uncolored": Echo,
        "colors": Max,
        "changed": Sum,
        "start": Echo,
        "quiet": Echo,
        "crossing": Sum,
        "whole": Echo,
    }
    color_words = 1
    oriented = False

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.value_dtype = np.dtype(
            [
                ("label", np.int64),
                ("color", np.int32),
                ("pending", np.int32),
                ("seen", np.uint64, (self.color_words,)),
            ]
        )

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        values = np.zeros(v.size, dtype=self.value_dtype)
        values["label"] = v.ids
        values["color"] = -1
        return values

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0 and not self.oriented:
            v.send_to_all_neighbors(v.cached("priority", _priority))
            return
        start = int(v.aggregated("start"))
        if start < 0:
            v.aggregate("uncolored", v.aggregated("uncolored"))
            # (every vertex computes in every superstep, none votes to halt: a batch is its whole partition, which
            # the colouring inside it walks)
            own = v.kept("own", OwnEdges.of) if self.oriented else None
            if own is not None and v.size == own.ptr.size - 1:
                self._color_inside(v)
                # a partition none of whose edges leaves it can take whole rounds of turns alone
                v.aggregate("crossing", int(own.leaving.any()))
            else:
                self._color(v)
                v.aggregate("crossing", 1)
        else:
            for name in ("start", "colors", "quiet", "whole"):
                v.aggregate(name, v.aggregated(name))
            if int(v.aggregated("whole")) == 1:
                self._round_inside(v, int(v.aggregated("colors")))
            else:
                self._propagate(v, v.superstep - start, int(v.aggregated("colors")))

    def _color(self, v: pregel.VertexBatch) -> None:
        """One step of the greedy colouring: note the colours neighbours just took, then colour the ready."""
        got = v.all_messages
        if v.superstep == self._first_step:
            values = copied(v.values)
            # how many neighbours come before me in the colouring order
            if self.oriented:
                values["pending"] = _earlier(v)
            elif len(got):
                earlier = got.values > v.cached("priority", _priority)[got.receiver]
                values["pending"] = np.bincount(got.receiver.compress(earlier), minlength=v.size)
            ready = np.flatnonzero(values["pending"] == 0)
            values["color"][ready] = 0  # nobody has a colour yet
            v.values = values
            colors = values["color"][ready]
        else:
            # a neighbour that took a colour while I have none comes before me; only those I heard from change
            receiver, taken = got.receiver, got.values.astype(np.int64)
            if not self.oriented:  # oriented, only my earlier neighbours tell me their colours
                mine = v.values["color"][receiver] < 0
                receiver, taken = receiver[mine], taken[mine]
            first = np.flatnonzero(np.diff(receiver, prepend=-1))  # receivers come sorted
            heard, told = receiver[first], np.diff(first, append=receiver.size)
            changed = picked(v.values, heard)
            now = _told(np.repeat(np.arange(heard.size), told), taken, changed["seen"], changed["pending"])
            changed["color"][now] = _smallest_unseen(changed["seen"][now])
            v.update_values(heard, changed)
            ready, colors = heard[now], changed["color"][now]
        told_colors = np.empty(v.size, dtype=np.int32)
        told_colors[ready] = colors
        if self.oriented:
            # only my later neighbours wait for my colour: the edges whose head does not come first
            edges = v.out_edges(where=_mask(ready, v.size))
            v.send_along(edges, told_colors[edges.source], where=edges.weight == _LATER)
        else:
            v.send_to_all_neighbors(told_colors, where=_mask(ready, v.size))
        v.aggregate("colored", ready.size)
        # the number of colours so far: the colours just taken, and what the vertices aggregated before
        v.aggregate("colors", np.append(colors + 1, v.aggregated("colors")))

    def _color_inside(self, v: pregel.VertexBatch) -> None:
        """One step of the greedy colouring on :func:`oriented`'s graph, carried inside the partition as far as it goes.

        A vertex takes its colour once all its earlier neighbours have theirs (the colouring
        is a function of the order alone, not of when each vertex takes it), so the
        vertices the partition's own earlier neighbours make ready take theirs in the same
        superstep, wave after wave (the "think like a graph" idea of :mod:`pieces`): messages
        go only along the edges that leave the partition. One partition colours the whole
        graph in superstep 0 instead of one superstep per link of the longest chain of
        earlier neighbours (480 on the 1M-edge R-MAT graph).
        """
        values = copied(v.values)
        color, pending, seen = values["color"], values["pending"], values["seen"]
        if v.superstep == self._first_step:
            pending[:] = _earlier(v)
            wave = np.flatnonzero(pending == 0)
        else:
            # only a vertex's earlier neighbours tell it their colours
            got = v.all_messages
            wave = _told(got.receiver, got.values, seen, pending)
        own = v.kept("own", OwnEdges.of)
        waves = []
        while wave.size:
            color[wave] = _smallest_unseen(seen[wave])
            waves.append(wave)
            positions, owners = kernels.expand(own.ptr, wave, owners=True)
            later = np.flatnonzero(own.ways[positions] == _LATER)
            wave = _told(own.idx[positions[later]], color[wave[owners[later]]], seen, pending)
        ready = np.concatenate(waves) if waves else _NO_VERTICES
        v.values = values
        # my later neighbours in other partitions wait for my colour
        edges = v.out_edges(where=_mask(ready, v.size))
        v.send_along(edges, color[edges.source], where=(edges.weight == _LATER) & own.leaves[edges.positions])
        v.aggregate("colored", ready.size)
        v.aggregate("colors", np.append(color[ready] + 1, v.aggregated("colors")))

    @property
    def _first_step(self) -> int:
        """The superstep that colours the first vertices: after the degrees are told, unless the graph says them."""
        return 0 if self.oriented else 1

    def _round_inside(self, v: pregel.VertexBatch, colors: int) -> None:
        """A whole round of turns in one superstep, where no edge leaves any partition (one partition, say).

        The colour classes take their turns one after the other, each reading its
        neighbours' labels as the earlier classes of the round left them: what the
        pipeline of :meth:`_propagate` does one class a superstep, done here without a
        message. Master compute stops the run after a round that changed no label.
        """
        own = v.kept("own", OwnEdges.of)
        order = v.cached("class_order", _class_order)
        bounds = np.searchsorted(v.cached("class_colors", _class_colors), np.arange(colors + 1))
        labels = v.values["label"].copy()
        moved = []
        for c in range(colors):
            # the class's members, in vertex order: their neighbours' labels unlike their own, member by member
            members = order[bounds[c] : bounds[c + 1]]
            positions, owners = kernels.expand(own.ptr, members, owners=True)
            heard = labels[own.idx[positions]]
            unlike = np.flatnonzero(heard != labels[members[owners]])
            movers, new_labels = _prec_max(members[owners[unlike]], heard[unlike], v.out_degree)
            labels[movers] = new_labels
            moved.append(movers)
        movers = np.concatenate(moved) if moved else _NO_VERTICES
        if movers.size:
            changed = picked(v.values, movers)
            changed["label"] = labels[movers]
            v.update_values(movers, changed)
        v.aggregate("changed", movers.size)

    def _propagate(self, v: pregel.VertexBatch, step: int, colors: int) -> None:
        """Step ``step`` of the turns: a class takes its labels, everyone answers requests, a class asks."""
        got = v.all_messages
        labels = v.values["label"]
        movers = _NO_VERTICES
        if step >= 2:
            # the replies to the requests of the class whose turn it is: the labels unlike the asker's own
            # (picked by index lists: a boolean mask as full as these selects several times slower)
            replies = np.flatnonzero(got.values >= 0)
            receiver = got.receiver[replies]
            movers, new_labels = _prec_max(receiver, got.values[replies], v.out_degree)
            if movers.size:
                changed = picked(v.values, movers)
                changed["label"] = new_labels
                v.update_values(movers, changed)
                # the labels after this superstep's turn
                labels = labels.copy()
                labels[movers] = new_labels
        v.aggregate("changed", movers.size)
        if step >= 1 and len(got):
            # a request is -1 - (asker's id << 31 | asker's label): I answer if my label, after this superstep's
            # turn, is another
            requests = np.flatnonzero(got.values < 0)
            asked = -1 - got.values[requests]
            mine = labels[got.receiver[requests]]
            differ = np.flatnonzero(mine != (asked & _LABEL))
            v.send(asked[differ] >> _ID_SHIFT, mine[differ])
        # the class that asks now: its members, from the colouring, which is done (and a function of the graph
        # alone, like any cached array)
        order = v.cached("class_order", _class_order)
        bounds = np.searchsorted(v.cached("class_colors", _class_colors), [step % colors, step % colors + 1])
        asking = order[bounds[0] : bounds[1]]
        # -1 - (id << 31 | label), the id's part made once
        request = np.empty(v.size, dtype=np.int64)
        request[asking] = v.cached("request", _request_ids)[asking] - labels[asking]
        v.send_to_all_neighbors(request, where=_mask(asking, v.size))

    def master_compute(self, master: Any) -> None:
        start = int(master.aggregated("start"))
        if start < 0:
            first = master.superstep == self._first_step
            uncolored = master.num_vertices if first else int(master.aggregated("uncolored"))
            uncolored -= int(master.aggregated("colored"))
            master.set_aggregated("uncolored", uncolored)
            if uncolored > 0 or master.superstep < self._first_step:
                return
            if master.num_vertices == 0:
                master.halt()  # nothing to colour, no turns to take
                return
            # the colouring is done: the turns begin with the next superstep
            master.set_aggregated("start", master.superstep + 1)
            master.set_aggregated("colors", int(master.aggregated("colors")))
            master.set_aggregated("quiet", 0)
            # whole rounds a superstep where no partition has an edge to another, else a class a superstep
            master.set_aggregated("whole", int(master.aggregated("crossing") == 0))
            return
        if int(master.aggregated("whole")) == 1:
            if master.aggregated("changed") == 0:
                master.halt()  # a round changed no label: every vertex holds one of its most frequent
            return
        step = master.superstep - start
        if step >= 2:
            quiet = 0 if master.aggregated("changed") else int(master.aggregated("quiet")) + 1
            master.set_aggregated("quiet", quiet)
            if quiet >= master.aggregated("colors"):
                master.halt()


def _prec_max(receiver: np.ndarray, labels: np.ndarray, degree: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The vertices whose label changes by Prec-Max, and their new labels, from the labels unlike their own.

    ``receiver`` (sorted) got ``labels``, each from one neighbour whose label is not the
    receiver's; ``degree`` is each vertex's number of neighbours, so the neighbours
    holding a receiver's own label are the rest. A receiver
    keeps its label when no other label is more frequent, else takes the largest of the
    most frequent.
    """
    receivers, _, largest, most, heard = kernels.group_modes(receiver, labels)
    own = degree[receivers] - heard
    moving = most > own
    return receivers[moving], largest[moving]


_ID_SHIFT = 31
_LABEL = (1 << _ID_SHIFT) - 1
"""Labels and ids are vertex numbers below 2**31: a request packs both in one integer, a count sorts on one key."""


def _degree(v: pregel.VertexBatch) -> np.ndarray:
    """Degree as networkx counts it on an undirected graph: a self-loop counts twice."""
    edges = v.out_edges()
    loops = np.bincount(edges.source[edges.target == v.ids[edges.source]], minlength=v.size)
    return v.out_degree + loops


def _class_order(v: pregel.VertexBatch) -> np.ndarray:
    """The vertices sorted by colour (in vertex order within a colour): each class a run. Read once coloured."""
    return np.argsort(v.values["color"], kind="stable")


def _class_colors(v: pregel.VertexBatch) -> np.ndarray:
    """The colours in :func:`_class_order`'s order, sorted: where each class's run begins and ends."""
    return v.values["color"][_class_order(v)]


_NO_VERTICES = np.empty(0, dtype=np.int64)


def _priority(v: pregel.VertexBatch) -> np.ndarray:
    """A vertex's place in the colouring order as one number, larger first: ``degree << 31 | (2**31 - 1 - id)``.

    What a vertex tells its neighbours first: the greedy colouring goes by degree, largest
    first, then by id (numbers below 2**31, as labels are).
    """
    return (v.cached("degree", _degree) << _ID_SHIFT) | (_LABEL - v.ids)


def _request_ids(v: pregel.VertexBatch) -> np.ndarray:
    """A request without its label: ``-1 - (id << 31)``."""
    return -1 - (v.ids << _ID_SHIFT)


def _smallest_unseen(seen: np.ndarray) -> np.ndarray:
    """For each row of colour bits, the smallest colour whose bit is not set."""
    free = ~seen
    word = np.argmax(free != 0, axis=1)
    bits = free[np.arange(free.shape[0]), word]
    lowest = bits & (np.uint64(0) - bits)
    return word * 64 + np.log2(lowest.astype(np.float64)).astype(np.int64)


def _earlier(v: pregel.VertexBatch) -> np.ndarray:
    """How many neighbours come before each vertex in the colouring order, read on :func:`oriented`'s graph (its
    edges to them are weighted ``_FIRST``)."""
    edges = v.out_edges()
    return np.bincount(edges.source.compress(edges.weight == _FIRST), minlength=v.size)


def _told(receiver: np.ndarray, taken: np.ndarray, seen: np.ndarray, pending: np.ndarray) -> np.ndarray:
    """Vertices ``receiver`` (positions) learn that an earlier neighbour took colour ``taken``: each marks it seen
    and waits for one neighbour fewer; those that wait for none any more (ready to take a colour)."""
    taken = np.asarray(taken, dtype=np.int64)
    np.bitwise_or.at(seen, (receiver, taken // 64), np.uint64(1) << (taken % 64).astype(np.uint64))
    heard, told = np.unique(receiver, return_counts=True)
    pending[heard] -= told.astype(pending.dtype)
    return heard[pending[heard] == 0]


def _mask(positions: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[positions] = True
    return mask


def color_words(graph: pregel.Graph) -> int:
    """64-bit words enough for every colour a vertex can see: more than the most earlier neighbours any vertex has.

    A vertex's colour is at most its number of earlier neighbours (it skips at most
    one colour per neighbour), so the colours any vertex sees are below that maximum
    plus one. ``graph`` is undirected.

    Examples
    --------
    >>> color_words(pregel.Graph.from_edges([1, 2], [2, 3]).to_undirected())
    1
    """
    return _words(graph, _head_first(graph))


def _words(graph: pregel.Graph, head_first: np.ndarray) -> int:
    """:func:`color_words` from each edge's :func:`_head_first`."""
    # the graph is undirected: a vertex's edges whose head comes first are its earlier neighbours
    most = np.bincount(graph.sources[head_first], minlength=graph.num_vertices).max(initial=0)
    return int(most) // 64 + 1


def oriented(graph: pregel.Graph) -> pregel.Graph:
    """The graph :class:`LabelPropagation` runs on with ``oriented=True``: each edge weighted 1 where its head comes
    first in the colouring order, 0 where it comes later, 2 on a self-loop.

    Vertices are numbered 0..N-1 in id order (the labels networkx starts from). The
    colouring order is networkx's ``largest_first``: degree (a self-loop counting
    twice), largest first, then id; it depends on the graph alone, so each edge can say
    which of its ends comes first before the run. ``graph`` is undirected.

    Examples
    --------
    >>> g = oriented(pregel.Graph.from_edges([1, 1, 3], [2, 3, 3]).to_undirected())
    >>> g.ids.tolist(), g.edge_arrays()[1].tolist(), g.weights.tolist()
    ([0, 1, 2], [1, 2, 0, 0, 2], [0.0, 1.0, 1.0, 0.0, 2.0])
    """
    return _numbered(graph, _ways(graph, _head_first(graph)))


def _ways(graph: pregel.Graph, head_first: np.ndarray) -> np.ndarray:
    """:func:`oriented`'s weights, from each edge's :func:`_head_first`."""
    ways = np.where(head_first, _FIRST, _LATER)
    ways[graph.sources == graph.indices] = _LOOP
    return ways


#: :func:`oriented`'s edge weights: the head comes first, later, or is the tail (a self-loop, which tells nothing).
_FIRST, _LATER, _LOOP = 1.0, 0.0, 2.0


def _numbered(graph: pregel.Graph, weights: np.ndarray | None = None) -> pregel.Graph:
    """``graph`` with its vertices numbered 0..N-1 in id order: the labels networkx starts from, small to pack."""
    return pregel.Graph(np.arange(graph.num_vertices), graph.indptr, graph.indices, weights)


def _head_first(graph: pregel.Graph) -> np.ndarray:
    """For each edge, whether its head comes before its tail in the colouring order (largest degree first, then id)."""
    sources, targets = graph.sources, graph.indices
    degree = graph.out_degree + np.bincount(sources[sources == targets], minlength=graph.num_vertices)
    # each vertex's place in the colouring order: one comparison an edge
    place = np.empty(graph.num_vertices, dtype=np.int32)
    place[np.lexsort((np.arange(graph.num_vertices), -degree))] = np.arange(graph.num_vertices, dtype=np.int32)
    return place[targets] < place[sources]


def label_propagation(
    graph: Any,
    synchronous: bool = False,
    max_supersteps: int | None = None,
    backend: str = "local",
    api: str = "batch",
    **options: Any,
) -> pregel.Result:
    """Communities by label propagation, each named by its smallest vertex id.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions and weights are ignored.
    synchronous : bool
        GraphX's rule (every vertex at once, ties to the smallest label) instead of
        networkx's semi-synchronous one.
    max_supersteps : int, optional
        Stop here (default: when the labels settle; the synchronous rule may never
        settle, so then 1000).
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs the reference (:func:`pregel.algorithms.reference.label_propagation`).
    api : {"batch", "scalar"}
        The vectorised program, or (with ``synchronous``) its scalar twin; the
        semi-synchronous rule has only the vectorised program.
    **options
        Passed to :func:`pregel.run`. The semi-synchronous rule runs on one partition of
        the local backend unless ``workers`` says otherwise: its supersteps are many and
        small.

    Returns
    -------
    Result
        For each vertex (aligned with ``graph.ids``, ``int64``) the smallest id of its
        community. ``result.graph`` is the undirected graph the program ran on.

    Notes
    -----
    The semi-synchronous communities are exactly the sets of
    ``networkx.community.label_propagation_communities(G)`` for ``G`` the undirected
    graph with its vertices in id order (the order decides ties).

    References
    ----------
    .. [1] G. Cordasco, L. Gargano, "Community detection via semi-synchronous label
       propagation algorithms", BASNA 2010.
    .. [2] U. N. Raghavan, R. Albert, S. Kumara, "Near linear time algorithm to detect
       community structures in large-scale networks", Phys. Rev. E 76, 2007.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4])
    >>> label_propagation(g).to_dict()
    {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4}
    """
    graph = as_graph(graph).to_undirected()
    if not synchronous:
        only_batch(api, "lpa")
    if synchronous and max_supersteps is None:
        max_supersteps = 1000
    if backend == "scipy":
        from pregel.algorithms import reference

        return reference.label_propagation(graph, synchronous, max_supersteps)
    if backend == "local" and not synchronous and options.get("workers") is None:
        # one partition colours the graph and takes a whole round of turns a superstep, with no message; two take
        # a superstep per colour class, each moving a few thousand messages, whose fixed costs outweigh the second
        # partition's share; the command line passes workers=None when --workers is not given: a default too
        options["workers"] = 1
    if synchronous:
        program = twin(api, SynchronousLabelPropagation, SynchronousLabelPropagationVertex)()
        numbered = _numbered(graph)
    else:
        head_first = _head_first(graph)
        program = LabelPropagation(color_words=_words(graph, head_first), oriented=True)
        numbered = _numbered(graph, _ways(graph, head_first))
    # a community is named by its smallest member, over the whole graph: collected here
    collect = options.pop("collect", ())
    result = pregel.run(numbered, program, backend=backend, max_supersteps=max_supersteps, **options)
    labels = result.values if synchronous else result.values["label"]
    result.graph, result.values = graph, smallest_member(labels, graph.ids)
    result.values_are_ids = True  # a labelled graph's communities are named by their smallest label
    result.trace = result.trace and result.trace.told_of(graph)
    result.collected = collect_on_driver(result, collect, options.get("workers") or 1)
    return result


def smallest_member(labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Each vertex's community named by its smallest id instead of its label.

    Examples
    --------
    >>> smallest_member(np.array([9, 7, 9]), np.array([1, 2, 3])).tolist()
    [1, 2, 1]
    """
    _, group = np.unique(labels, return_inverse=True)
    smallest = np.full(group.max(initial=-1) + 1, np.iinfo(np.int64).max)
    np.minimum.at(smallest, group, ids)
    return smallest[group]


def networkx_label_propagation(graph: pregel.Graph) -> np.ndarray:
    """networkx's communities as smallest-id labels, aligned with ``graph.ids`` (for ``--compare``).

    Examples
    --------
    >>> networkx_label_propagation(pregel.Graph.from_edges([1, 2, 5], [2, 3, 6])).tolist()
    [1, 1, 1, 5, 5]
    """
    import networkx as nx

    undirected = nx.Graph()
    undirected.add_nodes_from(graph.ids.tolist())
    # the vertices' ids, not a labelled graph's labels: the ids' order is the one that decides ties
    undirected.add_edges_from(zip(graph.ids[graph.sources].tolist(), graph.ids[graph.indices].tolist()))
    label = {}
    for community in nx.community.label_propagation_communities(undirected):
        label.update(dict.fromkeys(community, min(community)))
    return np.array([label[v] for v in graph.ids.tolist()], dtype=np.int64)
