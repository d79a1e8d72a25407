"""Partitions as Ray actors; message blocks travel worker to worker over sockets of their own.

The driver is only the barrier. In each superstep it asks every worker to run its
partition (a Ray call, or a request on the driver's own socket to each worker,
:class:`~pregel.backends.transport.Line`, while supersteps follow one another); a
worker keeps each outgoing block (one per destination partition) in its post office
(:mod:`pregel.backends.transport`) and returns a small status. The driver then hands
every worker the tokens of the blocks addressed to it and the offices' addresses; the
worker pulls the blocks from their senders. Bulk data never passes through the driver
nor Ray's object stores; the blocks the senders keep are the message log of confined
recovery (:meth:`RayBackend.confine`).

Connecting: ``ray_address`` (or ``RAY_ADDRESS``, ``"auto"`` included) joins a running
cluster; with neither, a private Ray instance is started on 127.0.0.1 only and shut down
by :meth:`RayBackend.close`. A Ray session the caller started with ``ray.init`` is used
as it is and left running.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import functools
import ipaddress
import logging
import os
import pickle
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import ray
from ray._private import ray_constants
from ray.dag import InputNode, MultiOutputNode
from ray.exceptions import ObjectLostError, RayActorError, RayError, RayTaskError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from pregel.backends.transport import Address, Line, PostOffice, Token
from pregel.core.checkpoint import DEFAULT_MAX_RESTARTS, gave_up, write_state
from pregel.core.cores import available_cores
from pregel.core.graph import Graph
from pregel.core.held import EdgeBlock, Held, HeldGraph, HeldInput, HeldPartition, Loader, fingerprint
from pregel.core.partition import Partition, PartitionData, rows, split
from pregel.core.program import Program
from pregel.core.types import PartitionStatus, PartRecord, Recovery, Savepoint
from pregel.errors import (
    BlocksUnreachable,
    ClusterUnreachable,
    InputError,
    PregelError,
    ProgramError,
    ReplayLost,
    WorkerLost,
)

CONNECT_TIMEOUT = 20.0
"""Seconds to wait for a cluster to answer (the command line promises an answer within 30 s)."""

PROBE_TIMEOUT = 5.0
"""Seconds to wait for a TCP connection to a ``host:port`` address before Ray is asked."""

SETTLE_TIMEOUT = 5.0
"""Seconds a failed checkpoint waits for its other workers' answers, so that their errors are read, not logged."""

MIN_OBJECT_STORE = 200 * 2**20
"""Object store of a private instance, in bytes, unless the graph needs more."""

LINE_AFTER = 1
"""Supersteps in a row (no other call to the workers between) after which the barrier moves onto the driver's
line (:class:`~pregel.backends.transport.Line`: a socket to each worker's post office, the superstep a
round trip on it instead of a Ray call). One: the superstep after any other call is a plain one, which
also collects the deliveries still in flight. ``PREGEL_RAY_LINE=N`` sets it (0: never, plain calls)."""

COMPILE_AFTER: int | None = None
"""Supersteps in a row after which the barrier moves onto a Ray Compiled Graph instead of the line; None: never.
Off unless asked for: ``PREGEL_RAY_COMPILED=N`` compiles after N supersteps (0: never). On one node it took an
empty superstep from 2.1-8 ms to 0.9-2.5 ms, but supersteps with real compute ran slower compiled in three runs
of four on this 2-core machine (PageRank on p2p-Gnutella31: 4.4 → 6.0, 7.3 → 42.8 ms; the workers' compute
itself slower), and across nodes it saved nothing (bench/RESULTS_ray.md). Compiling costs 0.5-4 s."""


@dataclass
class Logged:
    """One superstep in the message log: its input, the mail it sent (tokens, by receiving partition), its statuses.

    ``aggregated`` is a copy of the aggregator values the superstep read.
    """

    superstep: int
    aggregated: Any
    mail: list[list[Any]]
    statuses: list[PartitionStatus]


@dataclass(frozen=True)
class Start:
    """Where one partition's replay starts: its part of a checkpoint, its state when the graph last changed
    (an ObjectRef), or (neither) its initial state."""

    superstep: int
    folder: Path | None = None
    part: PartRecord | None = None
    state: Any = None
    # the part holds no messages: the partition resends its own, the log has the others'
    light: bool = False


@dataclass
class Failure:
    """A superstep whose barrier lost a worker: its input, the deliveries before it, every worker's call
    and the mail each call was handed."""

    superstep: int
    aggregated: Any
    pending: list[Any]
    calls: list[Any]
    mail: list[list[Token]]


@ray.remote
class PartitionWorker:
    """One partition inside a Ray actor, driven by a few coarse calls.

    ``load`` once, then ``superstep`` and ``receive`` in turn, then ``values``. Ray runs
    the calls of one caller in the order they were made, so a ``receive`` always lands
    before the next ``superstep``. The worker's post office
    (:class:`~pregel.backends.transport.PostOffice`) serves the blocks it sent from a
    thread of its own, between and during its calls, and takes the driver's supersteps
    over its :class:`~pregel.backends.transport.Line` (:meth:`step`'s work, in the line's
    thread; a lock keeps it from running beside a superstep asked for by a Ray call).
    """

    def load(
        self, data: PartitionData, ids: np.ndarray, program: Program, state: dict[str, np.ndarray] | None = None
    ) -> tuple[str, Address]:
        """Build the partition (``ids``, the global id map, is one object shared by every worker).

        ``state``: start from it rather than from the initial values (a mutated graph).
        ``ids`` None: ``data`` is a held partition's, which carries the ids it knows.
        Returns the id of the Ray node this worker runs on and where it serves its blocks
        (its post office opens with the worker's first load, on the node's address; the
        blocks it keeps stay across a load, which a mutation of the graph makes).
        """
        with _travelling():  # the program's initial values are computed here
            if ids is None:
                self.partition = HeldPartition(data, program, state=state)
            else:
                self.partition = Partition(replace(data, ids=ids), program, state=state)
        # a compiled step's outcome is of the state before (see finish)
        self.outcome = None
        return ray.get_runtime_context().get_node_id(), self.open()

    def open(self) -> Address:
        """Where this worker's post office serves (it opens with the worker's first load, or a distributed load's
        first call: the workers learn each other's before they read)."""
        if getattr(self, "office", None) is None:
            # one superstep at a time, whether a Ray call or the driver's line asks for it
            self.stepping = threading.Lock()
            self.office = PostOffice(ray.util.get_node_ip_address())
            self.office.answer_calls(lambda request: self._kept(*request))
            # the tokens of blocks addressed here that are not read yet (a pull failed)
            self.unread: set[Token] = set()
            # whether to pull ahead (see _pulls_ahead); None: as the cores of this machine allow
            self.pull_ahead: bool | None = None
            self.cores = available_cores()
        return self.office.address

    def state(self) -> dict[str, np.ndarray]:
        """The partition's state (values, active flags, pending inbox)."""
        return self.partition.state()

    def superstep(
        self, superstep: int, aggregated: dict[str, Any], mail: list[Token], addresses: list[Address], keep: int
    ) -> PartitionStatus:
        """Fetch the blocks of ``mail`` (the last superstep's) from their senders, run the partition; its status.

        ``addresses``: every worker's post office, by partition. The blocks for the other
        partitions stay here, posted, until a call's ``keep`` (the oldest superstep whose
        blocks must stay) is past their superstep: receivers pull them from here, and so
        does a replacement replaying a lost partition. The same call replays a
        superstep in confined recovery (the replayed blocks are logged again).
        """
        with self.stepping:
            return self._superstep(superstep, aggregated, mail, addresses, keep)

    def _superstep(
        self, superstep: int, aggregated: dict[str, Any], mail: list[Token], addresses: list[Address], keep: int
    ) -> PartitionStatus:
        self.office.keep(keep, superstep)
        self.receive(mail, addresses)
        if self._pulls_ahead(addresses):
            # asked now, the senders answer as they post, while this partition computes: no request on the way after
            self.office.pull_ahead(superstep, self.partition.index, addresses)
        with _travelling(f" in superstep {superstep}"):
            status, blocks = self.partition.superstep(superstep, aggregated)
        self.office.post(superstep, self._keep_own(blocks))
        return status

    def _pulls_ahead(self, addresses: list[Address]) -> bool:
        """Whether this worker pulls the blocks of a superstep while it computes it, or when its next call starts.

        Ahead where this machine has a core beyond one per worker it runs (the workers'
        addresses say which share its host): a block then travels on a core of its own
        while the driver closes the barrier. Where the workers' computes take every core,
        the transfer would run on theirs: on two cores with a worker on each, pulled ahead,
        a PageRank superstep on 10M edges took 5.4-5.7 ms, pulled at the start 5.0 ms
        (``bench/RESULTS_ray.md``).
        """
        if self.pull_ahead is not None:
            return self.pull_ahead
        host = self.office.address[0]
        return self.cores > sum(1 for address in addresses if address is not None and address[0] == host)

    def step(
        self, superstep: int, aggregated: dict[str, Any], mail: list[list[Token]], addresses: list[Address], keep: int
    ) -> PartitionStatus:
        """:meth:`superstep` as a compiled graph's node: handed every partition's mail, it reads its own.

        Its outcome (the status, or the error) is kept for :meth:`finish`: a compiled
        graph that fails gives no worker's outcome, only the first error.
        """
        return self._kept(superstep, aggregated, mail[self.partition.index], addresses, keep)

    def _kept(
        self, superstep: int, aggregated: dict[str, Any], mail: list[Token], addresses: list[Address], keep: int
    ) -> PartitionStatus:
        """:meth:`superstep`, its outcome kept for :meth:`finish` (also the driver's line's request)."""
        with self.stepping:
            done, outcome = self.outcome or (None, None)
            if done == superstep:
                # asked again (a line's request read after finish ran it): not run twice
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome
            try:
                status = self._superstep(superstep, aggregated, mail, addresses, keep)
            except Exception as exc:
                self.outcome = (superstep, exc)
                raise
            self.outcome = (superstep, status)
            return status

    def finish(
        self, superstep: int, aggregated: dict[str, Any], mail: list[Token], addresses: list[Address], keep: int
    ) -> PartitionStatus:
        """The outcome of superstep ``superstep`` (its status, or its error raised again) if :meth:`step` or the
        driver's line ran it, else :meth:`superstep` now: a plain call in place of a compiled graph's or a line's
        that failed."""
        return self._kept(superstep, aggregated, mail, addresses, keep)

    def resend(self, superstep: int) -> PartitionStatus:
        """Make the blocks superstep ``superstep`` sent again from the values (a light checkpoint's messages):
        the partition's own block stays here, the others are posted as that superstep's; a status naming
        their sizes."""
        blocks = self._keep_own(self.partition.resend(superstep))
        self.office.post(superstep, blocks)
        return PartitionStatus(self.partition.index, 0, 0, 0, 0, {}, 0.0, {q: len(b) for q, b in blocks.items()})

    def _keep_own(self, blocks: dict[int, Any]) -> dict[int, Any]:
        """The blocks for the other partitions; the partition's messages to itself never leave the actor."""
        own = blocks.pop(self.partition.index, None)
        if own is not None:
            self.partition.receive([own])
        return blocks

    def receive(self, mail: list[Token], addresses: list[Address]) -> None:
        """Fetch the blocks of ``mail`` from their senders' post offices, for the next superstep.

        All or nothing: if one cannot be had (BlocksUnreachable), none is taken, and the
        next call fetches them again, with its own.
        """
        self.unread.update(mail)
        if self.unread:
            # by superstep, then sender: the order the blocks were sent in
            blocks = self.office.fetch(sorted(self.unread), self.partition.index, addresses)
            self.partition.receive(blocks)
            self.unread.clear()

    def kept(self) -> list[int]:
        """The supersteps whose blocks this worker keeps (its part of the message log)."""
        return self.office.kept()

    def ping(self) -> None:
        """Nothing: an answer says the worker lives."""

    def values(self) -> np.ndarray:
        """The partition's vertex values."""
        return self.partition.values

    def save(self, folder: str, messages: bool = True) -> None:
        """Start writing this partition's part of a checkpoint (the worker writes it, not the driver).

        The state is copied now (with the pending messages if ``messages``); a thread of
        this worker writes it while the next supersteps run, and :meth:`saved` gives its
        record once it is written. A partition that could not fetch some of its pending
        messages (their sender died after its own part was written) writes no part, and
        :meth:`saved` raises WorkerLost: a checkpoint complete without them would roll a
        recovery back to an inbox short of those messages.
        """
        if messages and self.unread:
            self.writing = Future()
            self.writing.set_exception(
                WorkerLost(
                    f"partition {self.partition.index} has not got the blocks {sorted(self.unread)} "
                    f"(superstep, sender) of its pending messages: its part of {folder} is not written"
                )
            )
            return
        state = self.partition.state(messages)
        if getattr(self, "writer", None) is None:
            self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pregel-part")
        self.writing = self.writer.submit(write_state, folder, self.partition.index, state)

    def saved(self) -> PartRecord:
        """The record of the part :meth:`save` started, once it is written (its error, if it failed)."""
        return self.writing.result()

    def restore(self, folder: str, record: PartRecord) -> None:
        """Replace this partition's state with its part of a checkpoint (the blocks kept and unread go)."""
        self.partition.restore(folder, record)
        self._forget()

    def unload(self) -> None:
        """Drop the partition and the blocks kept; the worker waits for another run."""
        self.partition = None
        self._forget()

    def _forget(self) -> None:
        self.outcome = None
        if getattr(self, "office", None) is not None:
            self.office.clear()
            self.unread.clear()

    def apply(self, task: Callable[[int, np.ndarray, np.ndarray], Any]) -> Any:
        """``task(index, ids, values)`` of this partition, here in the worker (its output written from here)."""
        return task(self.partition.index, self.partition.ids, self.partition.values)

    # ------------------------------------------------------------ distributed loading (HeldRayBackend)
    def read(
        self,
        read: Callable,
        shares: list[Any],
        index: int,
        parts: int,
        weights: bool,
        undirected: bool,
        load: int,
        addresses: list[Address],
    ) -> list:
        """Parse this worker's shares with ``read`` and deal their edges to the owners of their sources; a report
        (name, columns, edges, CRC) each.

        Load number ``load``'s exchange starts here (``addresses``: every worker's post
        office, by partition): the edges for the other partitions leave piece by piece as
        they are dealt, and this worker pulls its own from the others as they deal them.
        """
        self.loader = Loader(index, parts, undirected)
        self.office.collect(load, index, addresses)
        reports = []
        for share in shares:
            piece = read(share, weights)
            self._deal(piece)
            reports.append((share.name, piece.columns, int(piece.sources.size), piece.crc))
            del piece
        _give_back_freed_memory()
        return reports

    def read_chunk(self, read: Callable, chunk: Any, weights: bool) -> tuple:
        """Parse one chunk of a streamed file and deal its edges (:meth:`read` started the load); its report."""
        piece = read(chunk, weights)
        self._deal(piece)
        return (f"{chunk.path}#{chunk.index}", piece.columns, int(piece.sources.size), piece.crc)

    def _deal(self, piece: Any) -> None:
        """A parsed piece's edges dealt, those of the other partitions shipped now (the load fails here if not)."""
        try:
            self.loader.add(piece.sources, piece.targets, piece.weights)
            for q, runs in self.loader.dealt().items():
                self.office.ship(q, runs)
        except BaseException:
            self.office.shipped(complete=False)
            raise

    def gather(self) -> tuple[Any, ...]:
        """This worker's edges are all dealt: its partition's rows, from the runs it kept and those the others
        shipped it; what it holds, then the heads of its edges, one block of ids per owner (None for itself):
        one return value each."""
        self.office.shipped()
        self.loader.scatter()  # keeps this partition's own runs; the others' all left as they were dealt
        pulled = self.office.collected()
        held = self.loader.gather([EdgeBlock(pulled.pop(q)) if q in pulled else None for q in range(self.loader.parts)])
        _give_back_freed_memory()
        asked = self.loader.questions()
        _give_back_freed_memory()
        return (held, *asked)

    def take(self, refs: list[Any]) -> int:
        """Take the ids every partition asks about (each is a vertex of this one); how many vertices it has."""
        count = self.loader.take(ray.get(refs))
        _give_back_freed_memory()
        return count

    def answer(self) -> Any:
        """The positions of the ids each partition asked about: one return value per asking partition."""
        return _returns(self.loader.answers())

    def settle(self, refs: list[Any], counts: list[Any]) -> tuple[bool, PartitionData]:
        """This partition's rows, from the answers to its questions and every partition's vertex count (``counts``:
        the takes' references, by partition), returned, so that the driver owns them."""
        bounds = np.concatenate(([0], np.cumsum(ray.get(counts)))).astype(np.int64)
        data = self.loader.settle(ray.get(refs), bounds)
        self.loader = None
        # before the rows are copied into the object store, beside the worker's own copy of them
        _give_back_freed_memory()
        return True, data

    def vertex_ids(self) -> np.ndarray:
        """The original ids of this partition's vertices."""
        return self.partition.ids

    def peak_memory(self) -> int:
        """This worker process's peak resident memory so far, in bytes (for benchmarks of the load; 0 if unknown).

        Read from ``VmHWM`` of ``/proc/self/status``: ``getrusage``'s maximum survives
        ``exec``, so a worker would report its parent's peak.
        """
        return _peak_memory()


@ray.remote
class ChunkReader:
    """Streams one compressed file in chunks of whole lines; holds one chunk at a time."""

    def __init__(self, chunks: Callable, share: Any) -> None:
        self.chunks = chunks(share)

    def next(self) -> tuple[bool, Any]:
        """Whether there was another chunk, and the chunk (a return value of its own, handed to a worker)."""
        chunk = next(self.chunks, None)
        return chunk is not None, chunk


def _peak_memory() -> int:
    """This process's peak resident memory in bytes, from /proc (0 where there is none)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _give_back_freed_memory() -> None:
    """Hand the memory freed since the last call back to the system (glibc only; elsewhere nothing).

    glibc keeps freed blocks for reuse, and once a large block is freed it serves the
    next ones below 32 MB from that kept memory too: each step of a load would leave its
    temporaries in the worker's resident memory, under the next step's. ``malloc_trim``
    returns every free page of the heap.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _returns(values: list[Any]) -> Any:
    """A method's return values for ``num_returns=len(values)`` (one alone is returned as itself)."""
    return values[0] if len(values) == 1 else tuple(values)


def _listed(refs: Any, count: int) -> list[Any]:
    """The refs of a call with ``num_returns=count``, as a list (Ray gives one ref alone when count is 1)."""
    return [refs] if count == 1 else list(refs)


class RayBackend:
    """Partitions as Ray actors, spread over the nodes of a Ray cluster.

    Parameters
    ----------
    graph : Graph
    program : Program
    workers : int, optional
        Number of partitions, one actor each (default: the CPUs of the cluster).
    ray_address : str, optional
        Join the running cluster at this address (``"auto"``: the one started on this
        machine with ``ray start``). Default: ``$RAY_ADDRESS``; without it, a private
        Ray instance on 127.0.0.1, shut down by :meth:`close`. If the caller already
        called ``ray.init``, that session is used and left running.
    connect_timeout : float
        Seconds to wait for the cluster to answer.

    Attributes
    ----------
    nodes : list of str
        The id of the Ray node each worker runs on.

    Raises
    ------
    ClusterUnreachable
        If the cluster does not answer within ``connect_timeout``.
    PregelError
        If a private Ray instance cannot start.
    WorkerLost
        If a worker dies (the actor, or its node); from any method.

    Examples
    --------
    >>> from pregel.algorithms.components import ConnectedComponents
    >>> g = Graph.from_edges([1, 2], [2, 1])
    >>> backend = RayBackend(g, ConnectedComponents(), workers=2)
    >>> [s.computed for s in backend.superstep(0, {})]
    [1, 1]
    >>> backend.close()
    """

    def __init__(
        self,
        graph: Graph,
        program: Program,
        workers: int | None = None,
        ray_address: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self._unstaffed()
        self.owns_session = _connect(ray_address, connect_timeout, _object_store_bytes(graph))
        try:
            _ship_code_if_unimportable(program)
            self.program = ray.put(program)
            # (more partitions than vertices would be empty ones, each a process of its own)
            self._cut(graph, split(graph, min(_worker_count(workers), max(1, graph.num_vertices))))
            self.mail = [[] for _ in self.parts]
            self._staff(len(self.parts), self._load_all)
        except BaseException:
            self.close()
            raise

    def _unstaffed(self) -> None:
        """The state of a backend before any worker is hired (``close`` may run from here on)."""
        # the barrier off plain calls (the driver's Line, or a Ray Compiled Graph; None: plain calls), and the
        # supersteps run since another call
        self.compiled: Any = None
        self.stretch = 0
        # which barrier, after how long a stretch (None: plain calls only; turned off, or a teardown failed)
        self.compiling = _fast_barrier(os.environ.get("PREGEL_RAY_COMPILED"), os.environ.get("PREGEL_RAY_LINE"))
        self.actors = []
        # where each worker serves its blocks, by partition
        self.addresses: list[Address] = []
        # the tokens of the blocks each worker reads next superstep, held until its next call
        self.mail: list[list[Token]] = []
        self.deliveries: list[Any] = []
        self.parts: list[Any] = []
        self.healthy = True
        # confined recovery: the superstep that lost a worker, and the logs to replay it from
        self.failed: Failure | None = None
        # the last superstep run since the partitions were (re)loaded; None: none yet
        self.ran: int | None = None
        self.starts: list[Start] | None = None
        self.logs: list[Logged] | None = None

    def _staff(self, count: int, load: Callable[[], None]) -> None:
        """Hire ``count`` workers (idle ones of the session first) and ``load`` them; afresh if an idle one died."""
        self.actors, rehired = _hire(count, reuse=not self.owns_session)
        try:
            load()
        except WorkerLost:
            if not rehired:
                raise
            # an idle worker died after its last run: start afresh
            self._rehire(count)
            load()

    def _rehire(self, count: int) -> None:
        """Every worker dismissed, and ``count`` new ones hired in their place (none idle: one may have died)."""
        self._dismiss()
        self.actors, _ = _hire(count, reuse=False)
        self.healthy = True

    def _load_all(self) -> None:
        self._load()

    @property
    def actors(self) -> list[Any]:
        """The workers, by partition, for any call but a superstep's: the compiled superstep is torn down first.

        Every call to a worker but :meth:`superstep`'s goes through here (and so does every
        change of the workers): none reaches a worker while it serves a compiled graph,
        and the stretch of supersteps that earns a compile starts again.
        """
        self._plain()
        return self._workers

    @actors.setter
    def actors(self, workers: list[Any]) -> None:
        self._plain()
        self._workers = workers

    def _plain(self) -> None:
        """Tear the line or the compiled superstep down, if there is one; the stretch of supersteps starts again."""
        self.stretch = 0
        compiled, self.compiled = self.compiled, None
        if compiled is not None:
            try:
                compiled.teardown()
            except Exception:
                # a worker died inside the graph: plain calls for the rest of the run, whatever is left of it
                self.compiling = None

    def superstep(self, superstep: int, aggregated: dict[str, Any]) -> list[PartitionStatus]:
        """Run every worker, each handed the tokens of the blocks addressed to it in the superstep before.

        One request per worker per superstep (a Ray call, or from the second superstep in a
        row on, a round trip on the driver's line): the mail rides with the next superstep's
        request (or with :meth:`_deliver`, before anything else reads a worker's inbox), and each
        worker pulls its blocks from their senders (:mod:`pregel.backends.transport`),
        worker to worker. A lost worker raises WorkerLost and leaves what :meth:`confine`
        needs to replay its partition.
        """
        mail, self.mail = self.mail, [[] for _ in self._workers]
        pending, self.deliveries = self.deliveries, []
        self.ran = superstep
        if self.logs is not None:
            # the log's copy, which master compute cannot rewrite in place later; handed to the workers
            # inline, as without a log (an ObjectRef would cost each worker a fetch every superstep)
            aggregated = copy.deepcopy(aggregated)
        # deliveries reset the stretch, and the superstep after them collects them: a long stretch has none pending
        if self.compiled is None and self.compiling and self.stretch >= self.compiling[1]:
            self.compiled = self._compile(self.compiling[0])
        self.stretch += 1
        compiled = self.compiled is not None
        statuses = self._compiled(superstep, aggregated, mail) if compiled else None
        if statuses is None:
            method = "finish" if compiled else "superstep"
            calls = [self._call(a, superstep, aggregated, tokens, method) for a, tokens in zip(self._workers, mail)]
            try:
                statuses = self._results(pending + calls, f"superstep {superstep}")[len(pending) :]
            except WorkerLost:
                self.failed = Failure(superstep, aggregated, pending, calls, mail)
                raise
        return self._sent(superstep, aggregated, statuses)

    def _compile(self, kind: str) -> Any:
        """The workers' superstep off plain calls: the driver's Line (``kind`` "line") or a Ray Compiled Graph
        ("compiled"); None if it cannot be had (plain calls stay).

        A compiled graph's input is the superstep's arguments, every partition's mail
        among them (each worker reads its own, :meth:`PartitionWorker.step`); its output,
        every status.
        """
        if kind == "line":
            try:
                return Line(self.addresses)
            except OSError:
                # a worker this process cannot reach (a driver outside the workers' network): plain calls
                self.compiling = None
                return None
        try:
            with InputNode() as given:
                steps = [w.step.bind(given[0], given[1], given[2], given[3], given[4]) for w in self._workers]
            return MultiOutputNode(steps).experimental_compile()
        except Exception:
            self.compiling = None
            return None

    def _compiled(self, superstep: int, aggregated: Any, mail: list[list[Token]]) -> list[PartitionStatus] | None:
        """The statuses of ``superstep`` run on the line or the compiled graph; None if it failed (torn down by then).

        A failure names no worker's outcome as Ray's errors would: the caller asks each
        worker for its own by a plain call (:meth:`PartitionWorker.finish`), which also
        runs the superstep where the line or graph did not, so a failure (a worker lost,
        the program's error) is handled as without them.
        """
        keep = self._first_kept(superstep)
        try:
            if isinstance(self.compiled, Line):
                return self.compiled.call([(superstep, aggregated, tokens, self.addresses, keep) for tokens in mail])
            refs = self.compiled.execute(superstep, aggregated, mail, self.addresses, keep)
            # no timeout, as for plain calls: a superstep takes as long as its compute
            return [ref.get(timeout=-1) for ref in refs]
        except Exception:
            self._plain()
            return None
        except BaseException:
            # interrupted (Ctrl-C) while the workers compute, outside Ray's order of calls: a worker reused by
            # the next run would end this superstep inside that run's partition (see close)
            self.healthy = False
            raise

    def _call(self, actor: Any, superstep: int, aggregated: Any, mail: list[Token], method: str = "superstep") -> Any:
        """The ref of one worker's superstep (its status), handed ``mail`` and the aggregator values.

        ``method``: ``"finish"`` after a compiled superstep failed (see :meth:`_compiled`).
        """
        call = getattr(actor, method).remote
        return call(superstep, aggregated, mail, self.addresses, self._first_kept(superstep))

    def _first_kept(self, superstep: int) -> int:
        """The oldest superstep whose blocks the workers keep while ``superstep`` runs.

        The superstep before it (its receivers are pulling its blocks), or, with message
        logs, the oldest a replay would read (see :meth:`_drop_old_logs`).
        """
        return superstep - 1 if self.starts is None else min(superstep - 1, self._oldest_replayed())

    def _oldest_replayed(self) -> int:
        """The oldest superstep whose mail a replay would read (with message logs only)."""
        # a light start reads the mail of the superstep before it from the log
        return min(start.superstep - start.light for start in self.starts)

    def _sent(self, superstep: int, aggregated: Any, statuses: list[PartitionStatus]) -> list[PartitionStatus]:
        """Address the blocks of a finished superstep to their partitions, and log them (and its input).

        The mail is tokens (superstep, sender): the blocks stay with their senders.
        """
        for p, status in enumerate(statuses):
            for q in status.block_sizes:
                if q != p:
                    self.mail[q].append((superstep, p))
        if self.logs is not None:
            self.logs.append(Logged(superstep, aggregated, [list(tokens) for tokens in self.mail], statuses))
        return statuses

    def keep_logs(self, base: Savepoint | None) -> None:
        """Log what every superstep from ``base`` on sends, so that a lost partition can replay from ``base``.

        ``base``: where the partitions' state at a superstep boundary can be read back
        (a complete checkpoint, or the initial state). None: log nothing (no checkpoints).
        The logs of earlier supersteps are dropped. The blocks themselves stay in their
        senders' memory while a log may read them: each worker's superstep call is told
        the oldest to keep (:meth:`_first_kept`). A partition that a mutation of the
        graph rebuilt after ``base`` keeps its replay's start at its new state (see
        :meth:`reshape`).
        """
        if base is None:
            self.starts, self.logs = None, None
            return
        parts = base.parts or (None,) * len(self.parts)
        light = base.light and base.superstep > 0
        fresh = [Start(base.superstep, base.folder, part, light=light) for part in parts]
        if self.starts is None:
            if self.ran is not None and self.ran >= base.superstep:
                return  # supersteps after ``base`` ran unlogged: the next checkpoint starts the logs
            self.starts, self.logs = fresh, []
        else:
            # a checkpoint older than a partition's rebuild (its write took a while) is no better start
            self.starts = [new if new.superstep >= old.superstep else old for new, old in zip(fresh, self.starts)]
        self._drop_old_logs()

    def _drop_old_logs(self) -> None:
        """Forget the supersteps no partition would replay."""
        if self.starts is not None and self.logs:
            first = self._oldest_replayed()
            self.logs = [entry for entry in self.logs if entry.superstep >= first]

    def confine(self) -> tuple[list[PartitionStatus], list[int], Savepoint]:
        """Bring back the one partition lost in the superstep that just failed, alone, from the message logs.

        A new worker loads the lost partition's rows, takes its state at its start (its
        part of the last complete checkpoint, or its state when a mutation of the graph
        last rebuilt it) and replays the supersteps since then, fed with the blocks the
        other partitions sent it (each sender keeps them, the sender-side log), then
        runs the superstep that failed. Each replayed superstep's counts must equal the
        logged ones. The replay posts its blocks again, as the lost worker had: they
        are the log of the lost partition, and the blocks of the superstep before the
        failed one are those its receivers could not pull when it died. Those receivers
        run the failed superstep again once the replay is there; the other workers,
        whose calls of that superstep finished, wait.

        Returns the failed superstep's statuses, the partitions replayed and where they started.

        Raises
        ------
        ReplayLost
            If the worker replaying died too (the replay can be tried again).
        WorkerLost
            If the loss cannot be confined (no logs, more than one worker lost at once, a
            replay that differs): a global rollback is needed.
        """
        failed = self.failed
        if failed is None:
            raise WorkerLost("no failed superstep to replay")
        if self.starts is None or self.logs is None:
            raise WorkerLost("no message logs since the last checkpoint")
        outcomes = [_outcome(call) for call in failed.pending + failed.calls]
        delivered, replies = outcomes[: len(failed.pending)], outcomes[len(failed.pending) :]
        dead = {p for p, reply in enumerate(replies) if _is_death(reply)}
        # the receivers that could not pull a block: their senders may have died after their own call
        unreached = {p: cause for p, reply in enumerate(replies) if (cause := _unreached(reply)) is not None}
        for sender in {cause.sender for cause in unreached.values()} - dead:
            if _died(self.actors[sender].ping.remote()):
                dead.add(sender)
        for reply in delivered + replies:
            if isinstance(reply, BaseException) and not _is_death(reply):
                cause = _unreached(reply)
                if cause is not None:
                    if cause.sender not in dead:
                        raise cause  # a live worker that cannot be reached: no replay helps
                    continue
                if isinstance(reply, RayTaskError) and reply.cause is not None and not _is_loss(reply.cause):
                    raise reply.cause  # the program's own error, in a partition that survived
                raise WorkerLost(f"a worker could not read its messages ({_first_line(reply)})")
        if len(dead) != 1:
            raise WorkerLost(f"{len(dead)} workers lost at once")
        (k,) = dead
        base = self.starts[k]
        logged = {entry.superstep: entry for entry in self.logs}
        missing = set(range(base.superstep - base.light, failed.superstep)) - set(logged)
        if missing:
            raise WorkerLost(f"the message log misses superstep {min(missing)}")

        def mail(superstep: int) -> list[Token]:
            """The others' blocks partition k reads in ``superstep`` (its own it made itself)."""
            return logged[superstep - 1].mail[k] if superstep > base.superstep or base.light else []

        taken = self._replace([k])
        actor = self.actors[k]
        try:
            self.nodes[k], self.addresses[k] = ray.get(
                actor.load.remote(self.parts[k], self.ids, self.program, base.state)
            )
            if base.part is not None:
                ray.get(actor.restore.remote(str(base.folder), base.part))
            if base.light:
                ray.get(actor.resend.remote(base.superstep - 1))
            for superstep in range(base.superstep, failed.superstep):
                status = ray.get(self._call(actor, superstep, logged[superstep].aggregated, mail(superstep)))
                _same_as_logged(status, logged[superstep].statuses[k], superstep)
            failed.calls[k] = self._call(actor, failed.superstep, failed.aggregated, mail(failed.superstep))
            for p in unreached.keys() - {k}:
                # its pull failed before it changed anything: the same call again, now that the blocks are there
                failed.calls[p] = self._call(self.actors[p], failed.superstep, failed.aggregated, failed.mail[p])
            again = [k, *(unreached.keys() - {k})]
            for p, reply in zip(again, ray.get([failed.calls[p] for p in again])):
                replies[p] = reply
        except RayTaskError as exc:
            if exc.cause is not None and not _is_loss(exc.cause) and not isinstance(exc.cause, BlocksUnreachable):
                raise exc.cause from None
            self.healthy = False
            # another worker died too (a sender of the replay, or the replay while a receiver pulled from it)
            raise WorkerLost(f"partition {k}'s recovery could not fetch its messages: {_first_line(exc)}") from exc
        except (RayActorError, ObjectLostError) as exc:
            self.healthy = False
            if _is_death(exc):
                raise ReplayLost(f"{self._which(exc)} died while partition {k} replayed: {_first_line(exc)}") from exc
            raise WorkerLost(f"partition {k} could not read its rows: {_first_line(exc)}") from exc
        finally:
            # a worker process starting beside the replay would take a core from it: started afterwards
            _refill(taken)
        self.failed, self.healthy = None, True
        statuses = self._sent(failed.superstep, failed.aggregated, replies)
        return statuses, [k], Savepoint(base.superstep, base.folder, light=base.light)

    def _deliver(self) -> None:
        """Hand the mail still held to its workers now (not awaited: the next barrier collects the calls)."""
        mail, self.mail = self.mail, [[] for _ in self.actors]
        self.deliveries += [
            actor.receive.remote(tokens, self.addresses) for actor, tokens in zip(self.actors, mail) if tokens
        ]

    def values(self) -> np.ndarray:
        """Every vertex's value, in global index order."""
        return np.concatenate(self._barrier([a.values.remote() for a in self.actors], "collecting the values"))

    @property
    def num_partitions(self) -> int:
        """How many partitions (workers) the graph is cut into."""
        return len(self.parts)

    def apply(self, task: Callable[[int, np.ndarray, np.ndarray], Any]) -> list[Any]:
        """Every worker runs ``task`` on its partition; their results, in partition order (no values gathered).

        The task is put once (workers on one node share it). Every call is awaited,
        failed or not, before an error is raised: nothing still runs when the caller
        cleans up after a failure.
        """
        shared = ray.put(task)
        calls = [actor.apply.remote(shared) for actor in self.actors]
        ray.wait(calls, num_returns=len(calls))
        return self._barrier(calls, "the partitions' final task")

    def save(self, folder: Path, messages: bool = True) -> Callable[[], list[PartRecord]]:
        """Every worker writes its part of a checkpoint into ``folder``; the function returned waits for them.

        Each worker copies its state after the mail delivered to it (Ray keeps the order
        of one caller's calls), so a part holds the inbox the next superstep would read
        (unless not ``messages``: a light checkpoint), and writes it in a thread of its
        own while the next supersteps run.
        """
        if messages:
            self._deliver()
        started = [actor.save.remote(str(folder), messages) for actor in self.actors]
        # asked now, from the run's thread: the waiting thread must not call a worker (a compiled superstep may
        # stand by then); a worker answers once its part is written
        saved = [actor.saved.remote() for actor in self.actors]

        def write() -> list[PartRecord]:
            try:
                self._results(started, f"writing checkpoint {folder.name}")
            except Exception:
                # the same loss: read, so that Ray does not log the parts' errors as unhandled
                _failures(ray.wait(saved, num_returns=len(saved), timeout=SETTLE_TIMEOUT)[0])
                raise
            return self._results(saved, f"writing checkpoint {folder.name}")

        return write

    def restore(self, folder: Path, parts: list[PartRecord]) -> None:
        """Every worker reads its part of a checkpoint back (the mail held is the old state's: dropped).

        The message logs go too: they are of supersteps the run will compute again.
        """
        self.mail = [[] for _ in self.actors]
        self.failed, self.ran = None, None
        self.keep_logs(None)
        calls = [actor.restore.remote(str(folder), part) for actor, part in zip(self.actors, parts)]
        self._barrier(calls, f"restoring checkpoint {folder.name}")

    def resend(self, superstep: int) -> None:
        """Every worker makes the blocks superstep ``superstep`` sent again from its values (after a light
        checkpoint is restored); they are addressed, and logged, as that superstep's."""
        calls = [a.resend.remote(superstep) for a in self.actors]
        self._sent(superstep, None, self._results(calls, f"resending superstep {superstep}'s messages"))

    def restart(self, graph: Graph | None = None) -> None:
        """Every partition as before superstep 0: dead workers replaced, the others loaded afresh.

        ``graph``: cut this graph instead (a checkpoint's mutated graph) into as many partitions.
        The message logs are dropped (see :meth:`keep_logs`); dead workers are replaced
        as :meth:`_replace` says.
        """
        self.deliveries, self.mail = [], [[] for _ in self.actors]
        self.failed, self.ran = None, None
        self.keep_logs(None)
        _refill(self._replace([k for k, call in enumerate([a.unload.remote() for a in self.actors]) if _died(call)]))
        self.healthy = True
        if graph is not None:
            self._cut(graph, split(graph, len(self.parts)))
        self._load()

    def _replace(self, dead: list[int]) -> int:
        """New workers for the partitions in ``dead`` (not loaded yet); how many were idle workers.

        A replacement is an idle worker of the caller's session that still answers, else
        a new one (on the nodes still alive). The caller starts new idle workers in place
        of those taken (:func:`_refill`), once starting them no longer slows the recovery.
        """
        spares = [] if self.owns_session else _live_idle(len(dead))
        for k, actor in zip(dead, spares + _hire(len(dead) - len(spares), reuse=False)[0]):
            ray.kill(self.actors[k])
            self.actors[k] = actor
        return len(spares)

    def states(self) -> list[dict[str, np.ndarray]]:
        """Every partition's state (values, active flags, pending inbox), in partition order."""
        self._deliver()
        return self._barrier([a.state.remote() for a in self.actors], "collecting the states")

    def reshape(self, graph: Graph, bounds: np.ndarray, states: list[dict[str, np.ndarray] | None]) -> None:
        """The partitions of a mutated ``graph``, each in its state; a worker whose state is None keeps its own."""
        parts = [rows(graph, bounds, k) for k in range(len(states))]
        self._cut(graph, parts)
        loads = []
        for k, (actor, state) in enumerate(zip(self.actors, states)):
            if state is None:
                continue
            state = ray.put(state)
            loads.append(actor.load.remote(self.parts[k], self.ids, self.program, state))
            if self.starts is not None and self.logs:
                # a rebuilt partition replays from its new state (kept while it is its start), not from before
                self.starts[k] = Start(self.logs[-1].superstep + 1, state=state)
        self._drop_old_logs()
        self._barrier(loads, "reshaping the graph")

    def _cut(self, graph: Graph, parts: list[PartitionData]) -> None:
        """Put ``graph``'s id map and its partitions' rows into the object store, for loads to come.

        Put once: workers on one node share a single copy of each.
        """
        self.ids = ray.put(graph.ids)
        self.parts = [ray.put(replace(data, ids=None)) for data in parts]

    def close(self) -> None:
        """Release the workers; shut Ray down if this backend started or joined it.

        In a Ray session the caller started, the workers of a run that met no Ray error
        wait for the next run (starting a worker costs a process and its imports).
        """
        if self.healthy and not self.owns_session and ray.is_initialized():
            for actor in self.actors:
                actor.unload.remote()
            _IDLE.setdefault(_session(), []).extend(self.actors)
            self.actors = []
        self._dismiss()
        self.deliveries, self.parts = [], []
        if self.owns_session:
            ray.shutdown()
            self.owns_session = False

    def _load(self) -> None:
        """Load every worker's partition; learn its node and where it serves its blocks."""
        loads = [actor.load.remote(part, self.ids, self.program) for actor, part in zip(self.actors, self.parts)]
        loaded = self._barrier(loads, "start-up")
        self.nodes: list[str] = [node for node, _ in loaded]
        self.addresses = [address for _, address in loaded]

    def _dismiss(self) -> None:
        if ray.is_initialized():
            for actor in self.actors:
                ray.kill(actor)
        self.actors = []

    def _barrier(self, calls: list[Any], during: str) -> list[Any]:
        """Results of ``calls``, after the deliveries still in flight; Ray's errors become pregel's."""
        pending, self.deliveries = self.deliveries, []
        return self._results(pending + calls, during)[len(pending) :]

    def _results(self, calls: list[Any], during: str) -> list[Any]:
        """``ray.get(calls)``, with Ray's errors turned into pregel's: the error of the first call that failed,
        in the order of ``calls``, as the local backend raises the lowest failing partition's."""
        try:
            return ray.get(calls)
        except BaseException as raised:
            exc = _first_failure(calls, raised)
            error = _translate(exc, during, self._which(exc))
            if isinstance(error, BlocksUnreachable) and _died(self.actors[error.sender].ping.remote()):
                # a pull from a worker that died after its own call: the worker is lost, not the network
                error = WorkerLost(f"worker {error.sender} died during {during}: {error}")
            # a program's error leaves its workers fit for another run; a lost worker does not
            self.healthy = self.healthy and not isinstance(error, WorkerLost)
            if error is raised:
                raise
            raise error from (None if error is exc else exc)

    def _which(self, exc: Exception) -> str:
        dead = getattr(exc, "actor_id", None)
        # not ``actors``: naming a worker is no call to it (and may run in a checkpoint's writing thread)
        for index, actor in enumerate(self._workers):
            if dead is not None and actor._actor_id.hex() == dead:
                return f"worker {index}"
        return "a worker"


class HeldRayBackend(RayBackend):
    """Ray workers that load the graph themselves, share by share: no process holds the whole graph.

    Each worker parses its shares of the input, sends each edge to the partition that
    owns its source (a hash of its id, :func:`pregel.core.held.owner_of`), gathers its
    own, and resolves its edges' heads by asking their owners; the driver passes only
    references and learns each partition's vertex count (the ``bounds``). A single
    compressed file is streamed by one reader, which hands fixed-size chunks to the
    workers in turn, a few in flight at a time. The partitions' rows stay in the object
    store (owned by the driver, never fetched by it) so that a replaced worker reloads
    its partition as on a driver-built graph.

    Parameters
    ----------
    source : HeldInput
        The input's path and the functions that list and read its shares.
    program, workers, ray_address, connect_timeout
        As for :class:`RayBackend`.
    restarts : int
        How many times the load starts over, with new workers, when a worker is lost
        while they read (a load that fails more often raises WorkerLost).
    on_recovery : callable, optional
        Told of each such start over (a :class:`~pregel.core.types.Recovery` of kind
        ``"reload"``) as it begins.

    Attributes
    ----------
    graph : HeldGraph
        The graph's description: counts, bounds, fingerprint.
    reloads : list of Recovery
        The load's starts over, timed.

    Raises
    ------
    InputError
        For bad input (the file and line of a malformed line, no edges at all), or a
        negative weight for a program that refuses them.
    """

    def __init__(
        self,
        source: HeldInput,
        program: Program,
        workers: int | None = None,
        ray_address: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        restarts: int = DEFAULT_MAX_RESTARTS,
        on_recovery: Callable[[Recovery], None] | None = None,
    ) -> None:
        self._unstaffed()
        self.source = source
        self.reloads: list[Recovery] = []
        # room for the edges twice over (the blocks of the exchange, then the partitions' rows)
        self.owns_session = _connect(ray_address, connect_timeout, max(MIN_OBJECT_STORE, 4 * source.size))
        try:
            _ship_code_if_unimportable(program)
            self.program = ray.put(program)
            # kept to read the input again should a node be lost with partitions' rows on it (restart)
            self.held_program = program
            count = _worker_count(workers)
            self.mail = [[] for _ in range(count)]
            self._hold_anew(count, program, restarts, on_recovery)
        except BaseException:
            self.close()
            raise

    def _hold_anew(
        self, count: int, program: Program, restarts: int, on_recovery: Callable[[Recovery], None] | None
    ) -> None:
        """:meth:`_hold` on ``count`` workers, started over by new workers when one is lost while they read
        (nothing is computed yet, and a lost worker's share is read by nobody else), up to ``restarts`` times.

        A load on idle workers of the session that loses one starts over once more, unsaid,
        as :meth:`_staff` does: an idle worker may have died after its last run.
        """
        self.actors, rehired = _hire(count, reuse=not self.owns_session)
        began = 0.0
        while True:
            try:
                self._hold(program)
            except WorkerLost as lost:
                if rehired:
                    rehired = False
                elif len(self.reloads) >= restarts:
                    raise gave_up(lost, restarts) from lost
                else:
                    began = time.perf_counter()
                    self.reloads.append(Recovery(str(lost), 0, kind="reload", partitions=list(range(count))))
                    if on_recovery is not None:
                        on_recovery(self.reloads[-1])
                self._rehire(count)
                continue
            if self.reloads:
                self.reloads[-1].seconds = time.perf_counter() - began
            return

    def _hold(self, program: Program) -> None:
        """The distributed load: read, send each edge to its owner, count, resolve the heads, load the partitions."""
        count, source = len(self.actors), self.source
        started = time.perf_counter()
        shares = source.list(source.path, count)
        # the workers ship each other the edges they deal over their post offices, as they read: each learns
        # where the others' are first (a later load has a larger number: a stream of an earlier one ends)
        addresses = self._barrier([a.open.remote() for a in self.actors], "start-up")
        options = (count, source.weights, source.undirected, time.time_ns(), addresses)
        reading = None
        if len(shares) == 1 and shares[0].kind == "stream" and count > 1:
            reports = self._stream(shares[0], options)
        else:
            dealt = source.assign(shares, count)
            reading = [a.read.remote(source.read, dealt[k], k, *options) for k, a in enumerate(self.actors)]
        # each worker's gather queues behind its read, with no barrier between: a worker starts its gather as soon
        # as its own read is done, and takes the runs the others shipped it while it read (Ray's object store
        # between a whole block's scatter and its receiver's gather made the exchange wait for the last piece
        # read and added two copies of it); each gather returns what its partition holds, then what it asks each
        # partition (the heads it owns)
        gathered = [a.gather.options(num_returns=1 + count).remote() for a in self.actors]
        # and the rest of the load queues behind it: the driver waits for each step's results, but the workers
        # do not wait for the driver between steps (a settle learns the vertex counts from the takes themselves)
        takes = [a.take.remote([gathered[q][1 + r] for q in range(count)]) for r, a in enumerate(self.actors)]
        answers = [_listed(a.answer.options(num_returns=count).remote(), count) for a in self.actors]
        settled = [
            a.settle.options(num_returns=2).remote([answers[r][q] for r in range(count)], takes)
            for q, a in enumerate(self.actors)
        ]
        del answers
        if reading is not None:
            reports = [r for done in self._barrier(reading, "reading the input") for r in done]
        _check_reports(source.nothing, reports)
        read = time.perf_counter()
        held: list[Held] = self._barrier([g[0] for g in gathered], "sending the edges to their partitions")
        _check_negative(held, program)
        sent = time.perf_counter()
        del gathered
        counts = self._barrier(takes, "resolving the routes")
        bounds = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._barrier([done for done, _ in settled], "resolving the routes")
        self.parts = [data for _, data in settled]
        self.ids = None
        crcs = sorted((name, crc) for name, _, _, crc in reports)
        self.graph = HeldGraph(
            source.path,
            int(bounds[-1]),
            sum(h.edges for h in held),
            bounds,
            any(h.weighted for h in held),
            sum(h.duplicates for h in held),
            fingerprint(crcs, (source.weights, source.undirected)),
        )
        routed = time.perf_counter()
        self._load()
        #: seconds of each phase of the load (reading, sending the edges, resolving the routes, loading)
        self.timings = {
            "read": read - started,
            "exchange": sent - read,
            "routes": routed - sent,
            "load": time.perf_counter() - routed,
        }

    def _stream(self, share: Any, options: tuple[int, bool, bool, int, list[Address]]) -> list[tuple]:
        """A compressed file: one reader streams its chunks, each parsed by the next worker in turn.

        At most two chunks per worker are in flight (the store holds them, not the driver).
        """
        # every worker starts its load empty: one may get no chunk at all
        self._barrier([a.read.remote(self.source.read, [], k, *options) for k, a in enumerate(self.actors)], "loading")
        reader = ChunkReader.remote(self.source.chunks, share)
        reports: list[tuple] = []
        flying: list[Any] = []
        try:
            k = 0
            while True:
                more, chunk = reader.next.options(num_returns=2).remote()
                if not self._results([more], "streaming the input")[0]:
                    break
                worker = k % len(self.actors)
                flying.append(self.actors[worker].read_chunk.remote(self.source.read_chunk, chunk, options[1]))
                k += 1
                if len(flying) >= 2 * len(self.actors):
                    done, flying = ray.wait(flying, num_returns=1)
                    reports += self._results(done, "reading the input")
            reports += self._results(flying, "reading the input")
        finally:
            ray.kill(reader)
        return reports

    def values(self) -> np.ndarray:
        """Every vertex's value in global index order; the vertices' ids are gathered beside them (``graph.gather``)."""
        values = super().values()
        ids = self._barrier([a.vertex_ids.remote() for a in self.actors], "collecting the vertex ids")
        self.graph.gather(np.concatenate(ids))
        return values

    def restart(self, graph: Graph | None = None) -> None:
        """As :meth:`RayBackend.restart`; the partitions reload their rows from the object store, and where that
        fails (a node was lost with rows on it) new workers read the input again: the same partitions, by the same
        hash of the ids."""
        if graph is not None:
            raise self.graph.refuse("a checkpoint of a mutated graph")
        try:
            super().restart()
        except WorkerLost:
            self._read_again()

    def _read_again(self) -> None:
        """Every partition's rows anew, read from the input by new workers (InputError if it changed since)."""
        before = self.graph
        self._rehire(len(self._workers))
        self._hold(self.held_program)
        if self.graph.fingerprint() != before.fingerprint() or not np.array_equal(self.graph.bounds, before.bounds):
            raise InputError(f"{self.source.path}: changed since the run read it (read again after a lost node)")

    def reshape(self, graph: Graph, bounds: np.ndarray, states: list[dict[str, np.ndarray] | None]) -> None:
        """Refused: a held graph is not mutated (that would need it whole in one process)."""
        raise self.graph.refuse("topology mutations")


def _check_reports(nothing: str, reports: list[tuple]) -> None:
    """InputError for an input without edges (``nothing`` says so), or shares that disagree on their columns."""
    if not any(edges for _, _, edges, _ in reports):
        raise InputError(nothing)
    shaped = [(name, columns) for name, columns, edges, _ in reports if edges]
    first, columns = shaped[0]
    for name, other in shaped:
        if other != columns:
            raise InputError(f"{name}: {other} columns where {first} has {columns}")


def _check_negative(held: list[Held], program: Program) -> None:
    """The local reader's InputError for a negative weight, for a program that refuses them."""
    negatives = [h.negative for h in held if h.negative is not None]
    if program.allow_negative_weights or not negatives:
        return
    source, target, weight = min(negatives)
    raise InputError(
        f"edge {source} -> {target} has weight {weight!r}, but {type(program).__name__} "
        f"needs non-negative weights ({sum(h.negatives for h in held)} negative in all)"
    )


def _fast_barrier(compiled: str | None, line: str | None) -> tuple[str, int] | None:
    """Which barrier replaces plain calls, and after how many supersteps in a row: a Ray Compiled Graph if
    ``PREGEL_RAY_COMPILED`` (``compiled``; unset: :data:`COMPILE_AFTER`) says N > 0, else the driver's line after
    ``PREGEL_RAY_LINE`` (``line``; unset: :data:`LINE_AFTER`) supersteps; None: plain calls only.

    Examples
    --------
    >>> _fast_barrier(None, None), _fast_barrier("3", None), _fast_barrier("0", "2"), _fast_barrier(None, "0")
    (('line', 1), ('compiled', 3), ('line', 2), None)
    """
    after = COMPILE_AFTER if compiled is None else int(compiled)
    if after:
        return ("compiled", after)
    after = LINE_AFTER if line is None else int(line)
    return ("line", after) if after else None


def _died(call: Any) -> bool:
    """Whether the worker that was to answer ``call`` is gone."""
    try:
        ray.get(call)
    except (RayActorError, ObjectLostError):
        return True
    return False


@contextlib.contextmanager
def _travelling(when: str = "") -> Iterator[None]:
    """Raise the program's errors as they are where the driver can have them back; one that cannot be pickled
    (it holds a lock, a socket...) or rebuilt from its pickle (its ``__init__`` takes other arguments than its
    ``args``) as a PregelError naming its type and message, as the local backend's error would read; and
    ``sys.exit()`` as a ProgramError (``when`` it was called), since it would end this worker's process: Ray
    would call that a lost worker, and recovery would replay it in vain."""
    try:
        yield
    except SystemExit as exc:
        raise ProgramError(
            f"the vertex program called sys.exit({exc.code!r}){when}: on Ray that ends a worker, not the run; "
            "raise an exception instead"
        ) from None
    except Exception as exc:
        try:
            pickle.loads(ray.cloudpickle.dumps(exc))
        except Exception:
            raise PregelError(
                f"{type(exc).__name__}: {exc} (raised on a Ray worker; it cannot be pickled to the driver)"
            ) from None
        raise


def _first_failure(calls: list[Any], raised: BaseException) -> BaseException:
    """The error of the first of ``calls``, in order, that failed, once every call has ended (``raised``: the
    error ``ray.get(calls)`` raised, which is the first to fail in time; itself if it is no call's)."""
    if not isinstance(raised, RayError):
        return raised  # an interrupt, say: no waiting for the calls
    ray.wait(calls, num_returns=len(calls))
    failures = _failures(calls)
    return failures[0] if failures else raised


def _failures(calls: list[Any]) -> list[RayError]:
    """The errors of those of ``calls`` (ended) that failed, in order; every one is read, since Ray logs a failed
    call's error that nobody read as unhandled when its reference goes."""
    failures = []
    for call in calls:
        try:
            ray.get(call, timeout=0)
        except RayError as exc:
            failures.append(exc)
    return failures


def _outcome(ref: Any) -> Any:
    """What a call returned, or the error it raised."""
    try:
        return ray.get(ref)
    except (RayActorError, ObjectLostError, RayTaskError) as exc:
        return exc


def _is_death(exc: Any) -> bool:
    """Whether ``exc`` says the worker itself died (not that it could not fetch a block)."""
    return isinstance(exc, RayActorError) and not isinstance(exc, RayTaskError)


def _unreached(reply: Any) -> BlocksUnreachable | None:
    """The BlocksUnreachable a call raised (its worker could not pull a block), or None."""
    if isinstance(reply, RayTaskError) and isinstance(reply.cause, BlocksUnreachable):
        return reply.cause
    return None


def _is_loss(exc: BaseException) -> bool:
    return isinstance(exc, (ObjectLostError, RayActorError))


def _same_as_logged(replayed: PartitionStatus, logged: PartitionStatus, superstep: int) -> None:
    """WorkerLost unless a replayed superstep computed, halted and sent what the lost one did."""
    counts = ("computed", "active", "sent", "combined", "block_sizes")
    differ = [name for name in counts if getattr(replayed, name) != getattr(logged, name)]
    if differ:
        raise WorkerLost(
            f"partition {logged.index} replayed superstep {superstep} differently ({', '.join(differ)}): "
            "its program does not compute the same from the same state"
        )


def _translate(exc: BaseException, during: str, who: str) -> BaseException:
    """The error pregel raises for a Ray error at the driver."""
    if isinstance(exc, RayTaskError):
        if isinstance(exc.cause, (ObjectLostError, RayActorError)):
            return WorkerLost(f"a worker lost its input during {during}: {_first_line(exc.cause)}")
        if exc.cause is None:
            return PregelError(f"a worker failed during {during}: {_first_line(exc)}")
        # the program's own error, exactly as the local backend raises it
        return exc.cause
    if isinstance(exc, (RayActorError, ObjectLostError)):
        return WorkerLost(f"{who} died during {during}: {_first_line(exc)}")
    return exc


_IDLE: dict[str, list[Any]] = {}
"""Workers waiting for another run, by Ray session (see :func:`_session`)."""


def _session() -> str:
    """This process's connection to Ray (its job), unique across Ray instances.

    The workers a driver starts belong to its job and die when it disconnects. The job
    id alone will not do: every new Ray instance numbers its jobs from 01000000 again
    (and the driver's worker id derives from it), so a second ``ray.init`` would hire
    the dead workers of the first. The id of the node the driver joined is drawn afresh
    whenever a node starts.
    """
    context = ray.get_runtime_context()
    return f"{context.get_node_id()}/{context.get_job_id()}"


def _hire(count: int, reuse: bool) -> tuple[list[Any], bool]:
    """``count`` workers, idle ones of this session first; and whether any was idle."""
    session = _session()
    for stale in [key for key in _IDLE if key != session]:
        del _IDLE[stale]  # handles from an earlier Ray session
    idle = _IDLE.setdefault(session, []) if reuse else []
    hired = [idle.pop() for _ in range(min(count, len(idle)))]
    started = [PartitionWorker.options(scheduling_strategy=s).remote() for s in _spread(count - len(hired))]
    return hired + started, bool(hired)


def _refill(count: int) -> None:
    """Start ``count`` idle workers in the background, in place of idle workers taken."""
    if count:
        _IDLE[_session()].extend(_hire(count, reuse=False)[0])


def _live_idle(count: int) -> list[Any]:
    """Up to ``count`` idle workers of this session that still answer (the others are dropped)."""
    idle = _IDLE.get(_session(), [])
    found: list[Any] = []
    while idle and len(found) < count:
        actor = idle.pop()
        if not _died(actor.unload.remote()):
            found.append(actor)
    return found


def _spread(count: int) -> list[Any]:
    """Where ``count`` new workers go: the nodes with CPUs in turn, in proportion to their CPUs.

    Ray's SPREAD strategy is best effort and at times puts every worker on one node. A
    soft node affinity keeps the spread and still lets Ray choose another node for a
    worker whose node is full or gone.
    """
    nodes = [(n["NodeID"], n["Resources"]["CPU"]) for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU")]
    if not nodes:
        return ["SPREAD"] * count
    placed = [0] * len(nodes)
    strategies = []
    for _ in range(count):
        k = min(range(len(nodes)), key=lambda j: (placed[j] + 1) / nodes[j][1])
        placed[k] += 1
        strategies.append(NodeAffinitySchedulingStrategy(nodes[k][0], soft=True))
    return strategies


def _connect(address: str | None, timeout: float, object_store_bytes: int) -> bool:
    """Make sure Ray is initialised; True if this call did it (and ``close`` must undo it)."""
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS")
    ours = signal.getsignal(signal.SIGTERM)
    try:
        if address and address != "local":
            _join(address, timeout)
        else:
            _start_private(object_store_bytes)
    except SystemExit as exc:
        # Ray's own SIGTERM handler, in force while ray.init runs, exits with the signal's number: the signal
        # goes to the handler this process had instead (the command line's stops the run with its one line)
        if exc.code == signal.SIGTERM and callable(ours):
            ours(signal.SIGTERM, None)
        raise
    _keep_sigterm_handler(ours)
    return True


def _keep_sigterm_handler(handler: Any) -> None:
    """Put back ``handler``, the SIGTERM handler of this process before Ray started, where it is a Python function
    (the command line's, or the application's): Ray's exits at once, leaving its outputs behind."""
    if callable(handler) and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def _join(address: str, timeout: float) -> None:
    _probe(address, timeout)
    failure: list[BaseException] = []

    def connect() -> None:
        try:
            # a cluster on this machine's loopback: Ray would otherwise put the machine's
            # network address in place of 127.0.0.1, where nothing listens
            loopback = _loopback_only() if _is_loopback(address) else contextlib.nullcontext()
            with loopback:
                ray.init(address=address, logging_level=logging.ERROR)
        except Exception as exc:
            failure.append(exc)

    # ray.init retries an address that does not answer for minutes; a thread bounds the wait
    thread = threading.Thread(target=connect, name="pregel-ray-connect", daemon=True)
    with tempfile.TemporaryFile() as said:
        with _standard_error_to(said):
            thread.start()
            deadline = time.monotonic() + timeout
            while thread.is_alive() and time.monotonic() < deadline and _REFUSED not in _read(said):
                thread.join(0.1)
        words = _read(said)
    if thread.is_alive() and _REFUSED in words:
        raise ClusterUnreachable(f"the Ray cluster at {address} refuses this driver: {_token_advice()}")
    if thread.is_alive():
        raise ClusterUnreachable(f"no answer from the Ray cluster at {address} within {timeout:g} s{_token_hint()}")
    if failure:
        raise ClusterUnreachable(f"cannot join the Ray cluster at {address}: {_first_line(failure[0])}")
    sys.stderr.write(words.decode(errors="replace"))  # what Ray said of a join that worked, as it would have


_REFUSED = b"InvalidAuthToken"
"""What Ray's core logs, each second it retries, when the cluster refuses the driver's token (or its lack of one)."""


@contextmanager
def _standard_error_to(file: Any) -> Iterator[None]:
    """File descriptor 2 (where Ray's C++ core writes its log lines) sent to ``file`` while the block runs.

    A join that fails ends in one line of pregel's, not in Ray's lines of each retry.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        os.dup2(file.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _read(file: Any) -> bytes:
    """Everything written to ``file`` so far."""
    return os.pread(file.fileno(), os.fstat(file.fileno()).st_size, 0)


def _token_advice() -> str:
    """Why a cluster refused this driver's token, and what to do."""
    if os.environ.get("RAY_AUTH_MODE") == "token":
        return "the token sent (RAY_AUTH_TOKEN, else ~/.ray/auth_token) is not the cluster's; use the head's"
    return "it uses token authentication; set RAY_AUTH_MODE=token, with the head's token in ~/.ray/auth_token"


def _token_hint() -> str:
    """What to add to a join that timed out: the token, when this machine has one nobody asked Ray to send."""
    if os.environ.get("RAY_AUTH_MODE") or not (Path.home() / ".ray" / "auth_token").exists():
        return ""
    return (
        "; if the cluster uses token authentication (ray start --head enables it when ~/.ray/auth_token "
        "exists), set RAY_AUTH_MODE=token"
    )


def _is_loopback(address: str) -> bool:
    """Whether a ``host:port`` address names this machine's loopback (127.0.0.0/8, ::1, localhost).

    Examples
    --------
    >>> _is_loopback("127.0.0.1:6379"), _is_loopback("[::1]:6379"), _is_loopback("10.0.0.5:6379")
    (True, True, False)
    """
    host = address.split("://")[-1].rpartition(":")[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _probe(address: str, timeout: float) -> None:
    """Fail at once, with the socket's reason, when nothing listens at a ``host:port`` address."""
    host, colon, port = address.split("://")[-1].rpartition(":")
    if not colon or not port.isdigit():
        return  # "auto" and other forms: Ray resolves them
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=min(timeout, PROBE_TIMEOUT)).close()
    except OSError as exc:
        raise ClusterUnreachable(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


def _start_private(object_store_bytes: int) -> None:
    try:
        with _loopback_only(), _workers_import_like_this_process():
            ray.init(
                address="local",
                include_dashboard=False,
                object_store_memory=object_store_bytes,
                logging_level=logging.ERROR,
            )
    except Exception as exc:
        raise PregelError(f"cannot start a local Ray instance: {_first_line(exc)}") from exc


@contextmanager
def _loopback_only() -> Iterator[None]:
    """Ray processes started inside listen on 127.0.0.1 only, and the node is 127.0.0.1.

    Every Ray process reads RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER when it imports ray: the
    processes about to start get it from the environment; this one imported ray already,
    so the flag it derived is set too, for as long as Ray starts.
    """
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    before = ray_constants.ENABLE_RAY_CLUSTER
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = before


@contextmanager
def _workers_import_like_this_process() -> Iterator[None]:
    """Ray's processes inherit PYTHONPATH: give them this process's import path while they start.

    Otherwise a worker could import another copy of pregel (or none) than the driver runs.
    """
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in sys.path if p and os.path.exists(p))
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


def _object_store_bytes(graph: Graph) -> int:
    """Room for the graph (put once, with its partitions' rows) and the calls' arguments; the message
    blocks travel outside the store."""
    arrays = (graph.ids, graph.indptr, graph.indices, graph.weights)
    return max(MIN_OBJECT_STORE, 4 * sum(a.nbytes for a in arrays if a is not None))


def _cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


#: Workers a run may ask for per CPU of the cluster: each is a process of its own (about 120 MB before any graph),
#: and a hundred thousand of them exhaust a machine's memory before the first superstep.
WORKERS_PER_CPU = 16


def _worker_count(workers: int | None) -> int:
    """The workers of a run asked for ``workers`` (None: one per CPU of the cluster); InputError beyond
    :data:`WORKERS_PER_CPU` per CPU."""
    cpus = _cluster_cpus()
    if workers is not None and workers > WORKERS_PER_CPU * cpus:
        raise InputError(
            f"--workers {workers}: the Ray cluster has {cpus} CPU{'s' * (cpus != 1)} and each worker is a process "
            f"of its own: ask for at most {WORKERS_PER_CPU * cpus}"
        )
    return workers or cpus


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _ship_code_if_unimportable(program: Program) -> None:
    """Pickle a program's classes by value when workers could not import them by name.

    ``pregel run FILE.py`` loads the file under a name of its own that no worker can
    import; such a module (and only such) travels with the program. pregel's own modules
    must never travel: their module state (locks among it) cannot be pickled.
    """
    for cls in type(program).__mro__:
        module = sys.modules.get(cls.__module__)
        top = cls.__module__.partition(".")[0]
        if module is None or top in ("__main__", "builtins"):
            continue
        if not _importable(top):
            ray.cloudpickle.register_pickle_by_value(module)


def _importable(name: str) -> bool:
    """Whether a fresh import of the top-level module ``name`` would find it.

    Asks every finder on ``sys.meta_path``, as ``import`` does, so an editable install's
    finder counts (it is installed by a ``.pth`` file, so a worker, started with this
    interpreter and this process's path, has it too). ``importlib.util.find_spec`` is
    no use here: it answers from ``sys.modules`` first, where a file loaded under a
    name of its own sits although no worker could import it.
    """
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is not None and find_spec(name, None) is not None:
            return True
    return False
