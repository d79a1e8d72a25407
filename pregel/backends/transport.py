"""Message blocks from Ray worker to Ray worker over a TCP socket of their own: the sender keeps, the receiver pulls.

Each worker holds a :class:`PostOffice`: the blocks its partition sent, keyed by
(superstep, destination), kept in the worker's memory (the sender-side message log of
Pregel's confined recovery), and a server thread that hands a block to whichever
worker asks for it. A receiver pulls each block addressed to it from its sender's
server (:meth:`PostOffice.fetch`). A block travels as a pickle (protocol 5) whose
arrays follow it out of band: sent from the sender's arrays by ``sendall`` and read by
``recv_into`` straight into the receiver's new buffers, with no copy on either side
beyond the socket's. Ray does not see the blocks: its object stores, and their copies,
are left out of the superstep. A receiver keeps its connection to each sender open for
its next pull, and the sender a thread reading that connection's requests: a superstep
then costs neither side a connection nor a thread started (:meth:`PostOffice._ask`).

A receiver may start pulling before its next call (its worker decides: where its
machine has a core to spare): as soon as it has taken its mail, before it computes, it
asks the workers that sent it blocks last time for their blocks of the superstep it is
about to compute (:meth:`PostOffice.pull_ahead`), and each
sender answers once it has posted them (its block, or "none for you"). The request waits
at the sender while both compute, so a block leaves the moment it is posted, with nothing
left to connect or start, and travels while the driver closes the barrier and starts the
next superstep; the next call takes the blocks its mail names from those pulls, and
pulls afresh only what they missed (a sender lost or replaced, a pull that failed, a
superstep that computed longer than a sender waits: ``SILENCE_TIMEOUT / 2``).

A block whose targets are the very array its sender sent the same receiver last time
(a broadcast through a partition's routes, PageRank's: the routes cut each
destination's targets once) travels without them: the receiver keeps the targets of the
last block it had from each sender, names them (by the tag its sender gave them) in its
request, and the sender leaves them out of its reply when they are the ones it is about
to send. A receiver that holds none (it started again) or others (its sender's partition
was rebuilt, or replaced) names none or the wrong ones, and gets the block whole.

A server answers only requests that name its incarnation (a random number drawn when
it starts, part of its :data:`Address`): a port that a dead worker held and another
process took since then never answers for it.

A distributed load's edges travel the same way, as they are dealt: each worker ships the
runs of edges it deals to another partition as soon as it has parsed and dealt a piece
(:meth:`PostOffice.ship`), and each worker pulls the runs for its partition from every
other worker, on one connection each, from the moment its own reading starts
(:meth:`PostOffice.collect`): the exchange runs while both read, and a run leaves its
sender's memory once sent.

The same server also takes the driver's calls (:class:`Line`): a connection that names
the incarnation and the destination :data:`_CALLS` stays open, and each request on it
(a pickle) is answered by the function the worker gave :meth:`PostOffice.answer_calls`.
The barrier's superstep then costs a round trip on a socket instead of a Ray actor call
and its reply (about 0.1 ms against 1.5-2 ms a superstep on loopback).

Imports only :mod:`pregel.errors` and :mod:`pregel.core.messages` of pregel.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import pickle
import queue
import random
import secrets
import socket
import struct
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from pregel.core.messages import MessageBlock
from pregel.errors import BlocksUnreachable, PregelError

Address = tuple[str, int, int]
"""Where a worker's blocks are served: host, port, and the server's incarnation."""

Token = tuple[int, int]
"""A block addressed to a receiver: (the superstep that sent it, the sending partition)."""

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a sender's server to accept a connection."""

LINE_TIMEOUT = 2.0
"""Seconds the driver waits for a worker to accept its :class:`Line` (plain Ray calls do without it)."""

SILENCE_TIMEOUT = 60.0
"""Seconds a transfer may go without a byte before the receiver gives up."""

PORTS = "PREGEL_BLOCK_PORTS"
"""The environment variable that names the ports a worker may serve its blocks on (``LOW-HIGH``, both included;
unset: any port the system gives). Read in the worker, so set where its node's Ray started."""

SOCKET_BUFFER = 4 * 2**20
"""Bytes of the sockets' kernel buffers (asked; the system may grant less): a block of a few MB in one go."""

# incarnation, superstep, destination, wait until it is posted, the tag of the targets the receiver holds (0: none)
_REQUEST = struct.Struct("!qqq?q")
# answer, pickle's length, number of out-of-band buffers, the tag of the block's targets (left out if the ones held)
_REPLY = struct.Struct("!bqqq")
_LENGTH = struct.Struct("!q")
# (in a load's stream of edges, _NONE: every run was sent; _WAITING: none yet, the sender still reads)
_SENT, _MISSING, _STRANGER, _NONE, _WAITING = 0, 1, 2, 3, 4
_CALLS = -1
"""The destination of the request that opens the driver's :class:`Line` to a worker (no partition is -1)."""
_EDGES = -2
"""The destination of the request for a load's stream of edges (:meth:`PostOffice.collect`); the request's superstep
is the load's number, and the tag it holds the receiving partition."""
_HEARTBEAT = SILENCE_TIMEOUT / 4
"""Seconds between two _WAITING replies of a stream of edges whose sender is still reading (a long parse is no
silence)."""
_KEEPALIVE = {"TCP_KEEPIDLE": 5, "TCP_KEEPINTVL": 2, "TCP_KEEPCNT": 3}
"""The TCP keepalive of a connection kept open (the driver's line, a receiver's to a sender; seconds idle, seconds
between probes, probes): a node that vanishes without closing its sockets is noticed within about 11 s, however long
a superstep computes (the kernel answers the probes), and no firewall drops the connection for idle."""
_KEPT_CONNECTIONS = 2
"""Connections kept open to each other office: one for the pull ahead, one for a pull beside it."""
_HINT = f" (if a firewall stands between the nodes, let through a range of ports and name it in {PORTS})"


class PostOffice:
    """A worker's end of the transport: the blocks it sent, served to their receivers; the blocks it pulls.

    Parameters
    ----------
    host : str
        The address to listen on: the worker's node (never every interface).

    Attributes
    ----------
    address : Address
        Where receivers reach this office.

    Examples
    --------
    >>> sender, receiver = PostOffice("127.0.0.1"), PostOffice("127.0.0.1")
    >>> sender.post(3, {1: MessageBlock(np.array([0, 2]), np.array([1.5, 2.5]), source=0)})
    >>> (block,) = receiver.fetch([(3, 0)], 1, [sender.address, receiver.address])
    >>> block.targets.tolist(), block.values.tolist(), block.source
    ([0, 2], [1.5, 2.5], 0)
    >>> sender.close(), receiver.close()
    (None, None)
    """

    def __init__(self, host: str) -> None:
        # superstep -> destination -> (block, the tag of its targets)
        self.sent: dict[int, dict[int, tuple[MessageBlock, int]]] = {}
        # destination -> (the targets last posted to it, their tag): a block with the same array keeps the tag
        self.shapes: dict[int, tuple[np.ndarray, int]] = {}
        self.tags = itertools.count(1)
        # sender -> (its incarnation, tag, targets): the targets of the last whole block had from it
        self.known: dict[int, tuple[int, int, np.ndarray]] = {}
        # the supersteps whose blocks are copies of their own (see keep)
        self.owned: set[int] = set()
        self.lock = threading.Lock()
        # posted: wakes the requests waiting for a superstep's blocks (pull_ahead's)
        self.posted = threading.Condition(self.lock)
        # the newest superstep posted, and how many times the office was cleared (a wait ends with either)
        self.latest, self.cleared = -(2**62), 0
        # (superstep, sender) -> (the sender's incarnation, the pull started ahead)
        self.ahead: dict[Token, tuple[int, Future]] = {}
        # the senders whose blocks came since the last pull ahead: those the next one asks
        self.heard: set[int] = set()
        self.incarnation = secrets.randbits(62)
        self.listener = _listen(host, os.environ.get(PORTS))
        self.address: Address = (host, self.listener.getsockname()[1], self.incarnation)
        self.pullers: ThreadPoolExecutor | None = None
        # connections to other offices kept open after a pull for the next (see _ask), and the ones this office
        # accepted (closed with it)
        self.connections: dict[Address, list[socket.socket]] = {}
        self.accepted: set[socket.socket] = set()
        self.sockets = threading.Lock()
        self.closed = False
        self.pulling_ahead = _Threads("pregel-pull-ahead")
        # what answers the driver's calls (see answer_calls); None: a line is refused
        self.calls: Callable[[Any], Any] | None = None
        # a load's exchange of edges (see collect): its number, the runs not yet sent by destination, whether they
        # are all dealt (None: not yet; False: the load failed here), and the pulls of the others' runs by sender
        self.load = -1
        self.shipments: dict[int, list[Any]] = {}
        self.dealt: bool | None = None
        self.collecting: dict[int, Future] = {}
        threading.Thread(target=self._serve, name="pregel-post", daemon=True).start()

    def answer_calls(self, answer: Callable[[Any], Any]) -> None:
        """Answer the requests of the driver's :class:`Line` with ``answer(request)`` (run in the line's thread).

        What ``answer`` returns goes back as the reply; an exception it raises goes back
        as its first line, and :meth:`Line.call` raises :class:`LineFailed`.
        """
        self.calls = answer

    def post(self, superstep: int, blocks: dict[int, MessageBlock]) -> None:
        """Keep the blocks superstep ``superstep`` sent, by destination, until :meth:`keep` drops them.

        A block's targets must not be written once posted (their receivers may keep them,
        see the module's docstring); its values may be, two supersteps later (:meth:`keep`).
        """
        with self.lock:
            self.sent[superstep] = {q: (block, self._tag(q, block.targets)) for q, block in blocks.items()}
            self.owned.discard(superstep)
            self.latest = max(self.latest, superstep)
            self.posted.notify_all()

    def _tag(self, destination: int, targets: np.ndarray) -> int:
        """The tag of ``targets`` sent to ``destination``: the last block's if they are its very array, else a new one.

        The array itself, not its contents: a partition's routes cut the same array every
        superstep, and comparing contents would cost a pass over them each time.
        """
        last = self.shapes.get(destination)
        if last is not None and last[0] is targets:
            return last[1]
        tag = next(self.tags)
        self.shapes[destination] = (targets, tag)
        return tag

    def collect(self, load: int, destination: int, addresses: list[Address]) -> None:
        """Start load ``load``'s exchange of edges: pull every other worker's runs for ``destination`` in the
        background, each as its sender ships it, and ship this worker's own from now on (:meth:`ship`).

        ``load`` numbers the load (larger for later loads): a stream of an earlier load
        ends, and one asked for a later load waits until it starts here.
        """
        with self.lock:
            self.load, self.shipments, self.dealt = load, {}, None
            self.posted.notify_all()
        self.collecting = {}
        for sender, address in enumerate(addresses):
            if sender != destination:
                self.collecting[sender] = future = Future()
                self.pulling_ahead.run(self._collect, future, address, load, destination, sender)

    def ship(self, destination: int, runs: list[Any]) -> None:
        """Runs of edges for partition ``destination``, sent to its worker as soon as it asks (then dropped here)."""
        with self.lock:
            self.shipments.setdefault(destination, []).extend(runs)
            self.posted.notify_all()

    def shipped(self, complete: bool = True) -> None:
        """Every run of the load is dealt: each stream ends once it has sent its runs. Not ``complete``: the load
        failed here (its runs are dropped, and the streams end with an error)."""
        with self.lock:
            self.dealt = complete
            if not complete:
                self.shipments = {}
            self.posted.notify_all()

    def collected(self) -> dict[int, list[Any]]:
        """The runs every other worker shipped for this partition, by sender, once each has shipped them all.

        Raises BlocksUnreachable (naming the sender) if one could not be had.
        """
        pulls, self.collecting = self.collecting, {}
        return {sender: pull.result() for sender, pull in pulls.items()}

    def _collect(self, future: Future, address: Address, load: int, destination: int, sender: int) -> None:
        try:
            future.set_result(_collect(address, load, destination, sender))
        except Exception as exc:
            future.set_exception(exc)

    def keep(self, first: int, superstep: int) -> None:
        """Drop the blocks of the supersteps before ``first``, as superstep ``superstep`` starts.

        The blocks of a superstep older than the one before ``superstep`` that stay (a log
        confined recovery may read) are copied once: a block's arrays can be its
        partition's buffers, written again two supersteps later (``Routes.row_blocks``).
        """
        with self.lock:
            for old in [s for s in self.sent if s < first]:
                del self.sent[old]
                self.owned.discard(old)
            for old in [s for s in self.sent if s < superstep - 1 and s not in self.owned]:
                self.sent[old] = {q: (_copied(block), tag) for q, (block, tag) in self.sent[old].items()}
                self.owned.add(old)

    def kept(self) -> list[int]:
        """The supersteps whose blocks are kept, oldest first."""
        with self.lock:
            return sorted(self.sent)

    def clear(self) -> None:
        """Drop every block kept and every pull ahead (the partition starts again)."""
        with self.lock:
            self.sent.clear()
            self.owned.clear()
            self.shapes.clear()
            self.known.clear()
            self.ahead.clear()
            self.heard.clear()
            self.latest, self.cleared = -(2**62), self.cleared + 1
            self.shipments, self.dealt = {}, False
            self.posted.notify_all()

    def pull_ahead(self, superstep: int, destination: int, addresses: list[Address]) -> None:
        """Start pulling the blocks of ``superstep`` for ``destination`` now, in the background, from the senders
        whose blocks came since the last pull ahead (likely to send again; none asked where no messages go).

        Each sender answers once it has posted that superstep. :meth:`fetch` takes what
        these pulls got; whatever they miss it pulls then.
        """
        for old in [token for token in self.ahead if token[0] < superstep]:
            del self.ahead[old]  # no block came of them (no mail named them)
        senders, self.heard = self.heard, set()
        for sender in sorted(senders):
            address = addresses[sender]
            if sender != destination:
                future: Future = Future()
                self.ahead[(superstep, sender)] = (address[2], future)
                self.pulling_ahead.run(self._fulfil, future, address, superstep, destination, sender)

    def fetch(self, tokens: list[Token], destination: int, addresses: list[Address]) -> list[MessageBlock]:
        """The blocks of ``tokens``, addressed to partition ``destination``, pulled from their senders (in parallel).

        ``addresses``: every partition's office, by partition. A block a pull ahead got
        from the same sender (the same incarnation) is taken from it; the pulls ahead
        of these supersteps and older are then done with. Raises BlocksUnreachable,
        naming the sender and its address, if one cannot be had.
        """
        self._forget_gone(addresses)
        ahead = [self._taken_ahead(token, addresses) for token in tokens]
        self.heard.update(sender for _, sender in tokens)
        if tokens:
            newest = max(superstep for superstep, _ in tokens)
            for old in [token for token in self.ahead if token[0] <= newest]:
                del self.ahead[old]
        missed = [token for token, block in zip(tokens, ahead) if block is None]
        if len(missed) <= 1:
            pulled = [self._pull(addresses[sender], superstep, destination, sender) for superstep, sender in missed]
        else:
            if self.pullers is None:
                self.pullers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pregel-pull")
            pulls = [
                self.pullers.submit(self._pull, addresses[sender], superstep, destination, sender)
                for superstep, sender in missed
            ]
            pulled = [pull.result() for pull in pulls]
        got = iter(pulled)
        return [block if block is not None else next(got) for block in ahead]

    def _fulfil(self, future: Future, address: Address, superstep: int, destination: int, sender: int) -> None:
        """A pull ahead: ``future`` gets the block (None: the sender sent none), or the error."""
        try:
            future.set_result(self._pull(address, superstep, destination, sender, wait=True))
        except Exception as exc:
            future.set_exception(exc)

    def _pull(
        self, address: Address, superstep: int, destination: int, sender: int, wait: bool = False
    ) -> MessageBlock | None:
        """:func:`_pull`, naming the targets last had from ``sender`` (if from the same incarnation), and keeping
        the targets of a whole block for the next."""
        known = self.known.get(sender)
        held = known[1:] if known is not None and known[0] == address[2] else None
        block, tag = self._ask(address, sender, superstep, destination, wait, held)
        if block is not None and (held is None or tag != held[0]):
            # read only: a receiver that wrote into them would change the messages of every block that reuses them
            block.targets.flags.writeable = False
            self.known[sender] = (address[2], tag, block.targets)
        return block

    def _ask(
        self, address: Address, sender: int, superstep: int, destination: int, wait: bool, held: Any
    ) -> tuple[MessageBlock | None, int]:
        """:func:`_pull` on a connection to ``address`` kept from an earlier pull, else a new one; kept in turn
        once answered. A kept connection its peer closed since is replaced by a new one, which says why, if the
        peer is gone.

        A connection a pull keeps spares the next one a connection and the sender a
        thread started to answer it: on a machine whose cores both compute, 0.1-0.2 ms
        of a processor a block.
        """
        host, port, _ = address
        where = f"worker {sender} at {host}:{port}"
        with self.sockets:
            kept = self.connections.get(address)
            connection = kept.pop() if kept else None
        fresh = connection is None
        while True:
            try:
                if connection is None:
                    connection = _connect(address)
                answered = _pull(connection, address, sender, superstep, destination, wait, held)
            except OSError as exc:
                if connection is not None:
                    connection.close()
                # the socket's own timeout (no errno) is the sender's silence: asking again would wait as long
                if fresh or (isinstance(exc, TimeoutError) and exc.errno is None):
                    raise _unreachable(exc, where, sender) from None
                connection, fresh = None, True
                continue
            except BaseException:
                # an answer read in part (or a refusal): the connection cannot serve another request
                if connection is not None:
                    connection.close()
                raise
            with self.sockets:
                kept = self.connections.setdefault(address, [])
                if len(kept) < _KEPT_CONNECTIONS and not self.closed:
                    kept.append(connection)
                    connection = None
            if connection is not None:
                connection.close()
            return answered

    def _forget_gone(self, addresses: list[Address]) -> None:
        """Close the connections kept to offices no longer among ``addresses`` (their workers were replaced)."""
        current = set(addresses)
        with self.sockets:
            gone = [address for address in self.connections if address not in current]
            closing = [connection for address in gone for connection in self.connections.pop(address)]
        for connection in closing:
            connection.close()

    def _taken_ahead(self, token: Token, addresses: list[Address]) -> MessageBlock | None:
        """The block of ``token`` a pull ahead got from its sender, or None (none started, another sender, failed)."""
        entry = self.ahead.get(token)
        if entry is None or entry[0] != addresses[token[1]][2]:
            return None
        try:
            return entry[1].result(timeout=SILENCE_TIMEOUT)
        except Exception:
            return None  # pulled again, and its error, if any, said then

    def close(self) -> None:
        """Stop serving (the blocks kept are dropped); close the connections kept and those accepted, and end the
        pulling threads (a pull under way ends on its own, within the time a sender waits)."""
        self.clear()
        self.pulling_ahead.stop()
        if self.pullers is not None:
            self.pullers.shutdown(wait=False)
        with self.sockets:
            self.closed = True
            opened = [c for kept in self.connections.values() for c in kept]
            self.connections = {}
            for connection in self.accepted:
                # close alone would leave its thread blocked reading (Linux): shutdown wakes it
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        for connection in opened:
            connection.close()
        # close alone would leave the thread blocked in accept listening still (Linux): shutdown wakes it
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._answer, args=(connection,), name="pregel-post-reply", daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        """The requests on an accepted connection: the driver's line, a load's edges, or blocks one after another
        until the receiver closes it."""
        with self.sockets:
            if self.closed:
                connection.close()
                return
            self.accepted.add(connection)
        with connection:
            try:
                _tune(connection)
                _keep_alive(connection)
                while True:
                    incarnation, superstep, destination, wait, held = _REQUEST.unpack(
                        _receive(connection, _REQUEST.size)
                    )
                    if destination == _CALLS:
                        if incarnation == self.incarnation and self.calls is not None:
                            self._take_calls(connection, self.calls)
                        return
                    if destination == _EDGES:
                        if incarnation != self.incarnation:
                            connection.sendall(_REPLY.pack(_STRANGER, 0, 0, 0))
                        else:
                            self._ship_edges(connection, superstep, held)
                        return
                    self._answer_block(connection, incarnation, superstep, destination, wait, held)
            except OSError:
                pass  # the receiver went away (or closed the connection): it reports a failure, not the sender
            finally:
                with self.sockets:
                    self.accepted.discard(connection)

    def _answer_block(
        self, connection: socket.socket, incarnation: int, superstep: int, destination: int, wait: bool, held: int
    ) -> None:
        """A block request's reply: the block, or why there is none."""
        with self.lock:
            if wait:
                cleared = self.cleared
                self.posted.wait_for(
                    lambda: self.latest >= superstep or self.cleared != cleared, timeout=SILENCE_TIMEOUT / 2
                )
            posted = superstep in self.sent
            block, tag = self.sent.get(superstep, {}).get(destination, (None, 0))
        if incarnation != self.incarnation:
            connection.sendall(_REPLY.pack(_STRANGER, 0, 0, 0))
        elif block is not None:
            _send(connection, block, tag, held == tag)
        elif wait and posted:
            connection.sendall(_REPLY.pack(_NONE, 0, 0, 0))
        else:
            connection.sendall(_REPLY.pack(_MISSING, 0, 0, 0))

    def _ship_edges(self, connection: socket.socket, load: int, destination: int) -> None:
        """Load ``load``'s runs for ``destination`` on ``connection``, each as soon as it is shipped, then _NONE
        (_MISSING: the load failed here, or another began)."""
        while True:
            run = None
            with self.lock:
                self.posted.wait_for(
                    lambda: (
                        self.load > load
                        or (self.load == load and (bool(self.shipments.get(destination)) or self.dealt is not None))
                    ),
                    timeout=_HEARTBEAT,
                )
                if self.load > load or (self.load == load and self.dealt is False):
                    answer = _MISSING
                elif self.load == load and self.shipments.get(destination):
                    answer, run = _SENT, self.shipments[destination].pop(0)
                else:
                    answer = _NONE if self.load == load and self.dealt else _WAITING
            if run is not None:
                _send_value(connection, run, 0)
                del run  # its memory goes now, not with the next one's
            else:
                connection.sendall(_REPLY.pack(answer, 0, 0, 0))
                if answer != _WAITING:
                    return

    def _take_calls(self, connection: socket.socket, answer: Callable[[Any], Any]) -> None:
        """Answer the driver's requests on ``connection`` one after another until it closes it."""
        connection.settimeout(None)
        while True:
            try:
                data = _receive_framed(connection)
            except ConnectionResetError:
                return  # the line closed (the stretch ended, or the driver went away)
            try:
                reply = _dumps((True, answer(pickle.loads(data))))
            except Exception as exc:
                # the driver asks again by a Ray call, which raises the error where it belongs
                reply = _dumps((False, f"{type(exc).__name__}: {str(exc).partition(chr(10))[0]}"))
            _send_framed(connection, reply)


class _Threads:
    """Daemon threads kept to run tasks: handing one a task is a queue's put, where starting a thread waits for it
    to run (milliseconds on a busy machine, which a pull ahead would add to its worker's superstep).

    A thread is started only when none is idle; daemons, so that a task still waiting
    (a pull ahead on a sender that never answers) does not hold up the process's exit.

    Examples
    --------
    >>> threads, done = _Threads("example"), queue.SimpleQueue()
    >>> threads.run(done.put, 42)
    >>> done.get(timeout=10)
    42
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.idle = 0
        self.started = 0

    def run(self, task: Callable[..., Any], *args: Any) -> None:
        """Run ``task(*args)`` in one of the threads (its exceptions are the task's to catch)."""
        with self.lock:
            start = self.idle == 0
            self.idle -= not start
            self.started += start
        self.tasks.put((task, args))
        if start:
            threading.Thread(target=self._work, name=self.name, daemon=True).start()

    def stop(self) -> None:
        """End every thread once the tasks handed over before are done."""
        with self.lock:
            for _ in range(self.started):
                self.tasks.put(None)
            self.started = self.idle = 0

    def _work(self) -> None:
        while True:
            handed = self.tasks.get()
            if handed is None:
                return
            task, args = handed
            with contextlib.suppress(Exception):
                task(*args)
            with self.lock:
                self.idle += 1


class LineFailed(Exception):
    """A call on a :class:`Line` that not every worker answered (``broken``: their connection closed) or that
    raised in some worker (``failed``, by partition: the first line of each error)."""

    def __init__(self, broken: list[int], failed: dict[int, str]) -> None:
        self.broken, self.failed = broken, failed
        super().__init__(f"line to workers {broken} broken; failed in workers {sorted(failed)}: {failed}")


class Line:
    """The driver's calls to its workers over their post offices' sockets, one connection each, kept open.

    A superstep asked for this way is a request written to every worker's connection and
    a reply read back from each: a round trip on a socket instead of a Ray actor call.
    The driver keeps a line for a stretch of supersteps and closes it before any other
    call to the workers, so that a worker never runs a line's request and a Ray call at
    once.

    Parameters
    ----------
    addresses : list of Address
        The workers' offices, by partition; each must have been given
        :meth:`PostOffice.answer_calls`.

    Raises
    ------
    OSError
        If a worker cannot be reached (the caller keeps to plain calls).

    Examples
    --------
    >>> office = PostOffice("127.0.0.1")
    >>> office.answer_calls(lambda request: request * 2)
    >>> line = Line([office.address])
    >>> line.call([21])
    [42]
    >>> line.teardown(), office.close()
    (None, None)
    """

    def __init__(self, addresses: list[Address]) -> None:
        self.connections: list[socket.socket] = []
        try:
            for host, port, incarnation in addresses:
                connection = socket.create_connection((host, port), timeout=LINE_TIMEOUT)
                connection.settimeout(None)
                _tune(connection)
                _keep_alive(connection)
                connection.sendall(_REQUEST.pack(incarnation, 0, _CALLS, False, 0))
                self.connections.append(connection)
        except BaseException:
            self.teardown()
            raise

    def call(self, requests: list[Any]) -> list[Any]:
        """Each worker's reply to its request, in order, once every worker has answered.

        Raises LineFailed, after every worker still connected has answered (none still
        works on a request when it is raised), if a connection broke (its worker died, or
        closed it) or a worker's answer raised.
        """
        broken: list[int] = []
        for index, (connection, request) in enumerate(zip(self.connections, requests)):
            try:
                _send_framed(connection, _dumps(request))
            except OSError:
                broken.append(index)
        replies: list[Any] = []
        failed: dict[int, str] = {}
        for index, connection in enumerate(self.connections):
            if index in broken:
                replies.append(None)
                continue
            try:
                done, reply = pickle.loads(_receive_framed(connection))
            except OSError:
                broken.append(index)
                replies.append(None)
                continue
            if not done:
                failed[index] = reply
            replies.append(reply)
        if broken or failed:
            raise LineFailed(sorted(broken), failed)
        return replies

    def teardown(self) -> None:
        """Close every connection (each worker's line thread then ends)."""
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.close()
        self.connections = []


def _listen(host: str, ports: str | None) -> socket.socket:
    """A listening socket on ``host``: any free port, or one of ``ports`` (``LOW-HIGH``), tried from a random one on.

    Examples
    --------
    >>> with _listen("127.0.0.1", "45000-45999") as listener:
    ...     45000 <= listener.getsockname()[1] <= 45999
    True
    """
    if not ports:
        return socket.create_server((host, 0))
    low, _, high = ports.partition("-")
    try:
        span = range(int(low), int(high or low) + 1)
    except ValueError:
        raise PregelError(f"{PORTS}={ports!r}: expected LOW-HIGH, such as 20000-20999") from None
    start = random.randrange(len(span)) if span else 0
    for port in [*span[start:], *span[:start]]:
        try:
            return socket.create_server((host, port))
        except OSError:
            continue  # taken
    raise PregelError(f"no free port on {host} among {PORTS}={ports} to serve message blocks from")


def _send(connection: socket.socket, block: MessageBlock, tag: int, held: bool) -> None:
    """A block as its pickle, then its arrays' memory as it is (out of band); without its targets if ``held``
    (the receiver has those of ``tag``)."""
    if held:
        block = MessageBlock(None, block.values, block.source, block.covering)
    _send_value(connection, block, tag)


def _send_value(connection: socket.socket, value: Any, tag: int) -> None:
    """A _SENT reply: ``value``'s pickle, then its arrays' memory as it is (out of band)."""
    buffers: list[pickle.PickleBuffer] = []
    pickled = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    head = _REPLY.pack(_SENT, len(pickled), len(raws), tag) + b"".join(_LENGTH.pack(raw.nbytes) for raw in raws)
    connection.sendall(head + pickled)
    for raw in raws:
        connection.sendall(raw)


def _connect(address: Address) -> socket.socket:
    """A connection to a worker's office, tuned and probed while idle; the caller sets its reads' timeout."""
    host, port, _ = address
    connection = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    _tune(connection)
    # kept open between pulls: probed while idle, so a vanished peer is noticed and no firewall takes it for dead
    _keep_alive(connection)
    return connection


def _pull(
    connection: socket.socket,
    address: Address,
    sender: int,
    superstep: int,
    destination: int,
    wait: bool = False,
    held: tuple[int, np.ndarray] | None = None,
) -> tuple[MessageBlock | None, int]:
    """One block from its sender's office on ``connection`` (open to ``address``), and the tag of its targets.

    ``wait``: the sender answers once it has posted ``superstep``, None if it sent no
    block to ``destination``. ``held``: the tag and the targets the receiver has from
    this sender; a block with the same tag comes without them and gets these. Raises
    BlocksUnreachable for what the sender answers, OSError for what the socket does
    (:func:`_unreachable` names it).
    """
    host, port, incarnation = address
    where = f"worker {sender} at {host}:{port}"
    connection.settimeout(SILENCE_TIMEOUT)
    connection.sendall(_REQUEST.pack(incarnation, superstep, destination, wait, held[0] if held else 0))
    answer, length, count, tag = _REPLY.unpack(_receive(connection, _REPLY.size))
    if answer == _NONE:
        return None, 0
    if answer == _STRANGER:
        raise BlocksUnreachable(f"{where} is another worker now (its partition was lost)", sender)
    if answer == _MISSING:
        raise BlocksUnreachable(
            f"{where} no longer holds its block of superstep {superstep} for partition {destination}", sender
        )
    block = _receive_value(connection, length, count)
    if block.targets is None:
        # left out by the sender: the ones this receiver holds (the tag says so)
        block.targets = held[1]
    return block, tag


def _collect(address: Address, load: int, destination: int, sender: int) -> list[Any]:
    """Every run of edges ``sender`` ships for ``destination`` in load ``load``, on one connection, as it ships
    them; BlocksUnreachable if they cannot all be had."""
    host, port, incarnation = address
    where = f"worker {sender} at {host}:{port}"
    runs = []
    try:
        with _connect(address) as connection:
            connection.settimeout(SILENCE_TIMEOUT)
            connection.sendall(_REQUEST.pack(incarnation, load, _EDGES, False, destination))
            while True:
                answer, length, count, _ = _REPLY.unpack(_receive(connection, _REPLY.size))
                if answer == _SENT:
                    runs.append(_receive_value(connection, length, count))
                elif answer == _NONE:
                    return runs
                elif answer == _STRANGER:
                    raise BlocksUnreachable(f"{where} is another worker now (it was lost during the load)", sender)
                elif answer == _MISSING:
                    raise BlocksUnreachable(f"{where} stopped sending its edges (its load failed)", sender)
    except TimeoutError:
        raise BlocksUnreachable(f"no edges from {where} within the time allowed{_HINT}", sender) from None
    except OSError as exc:
        raise BlocksUnreachable(f"cannot fetch edges from {where}: {exc.strerror or exc}{_why(exc)}", sender) from None


def _unreachable(exc: OSError, where: str, sender: int) -> BlocksUnreachable:
    """The error of a pull from ``where`` that failed on its socket with ``exc``."""
    if isinstance(exc, TimeoutError):
        return BlocksUnreachable(f"no answer from {where} within the time allowed{_HINT}", sender)
    return BlocksUnreachable(f"cannot fetch messages from {where}: {exc.strerror or exc}{_why(exc)}", sender)


def _why(exc: OSError) -> str:
    """What a failed connection to a worker likely means: a worker that refuses, or closes, is gone (its port is
    closed); one that cannot be reached may be behind a firewall."""
    if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return _HINT
    return " (the worker's port is closed: most likely its process or its node died)"


def _receive_value(connection: socket.socket, length: int, count: int) -> Any:
    """What a _SENT reply (its head read: ``length`` bytes of pickle, ``count`` buffers) carries."""
    sizes = [_LENGTH.unpack(_receive(connection, _LENGTH.size))[0] for _ in range(count)]
    pickled = _receive(connection, length)
    # unzeroed: a bytearray's zeros cost a pass over memory that the reads overwrite anyway
    buffers = [_receive(connection, size, np.empty(size, dtype=np.uint8)) for size in sizes]
    return pickle.loads(pickled, buffers=buffers)


def _dumps(value: Any) -> bytes:
    """``value`` pickled as Ray pickles a call's arguments (cloudpickle: classes of ``__main__`` by value).

    Imported here, not with the module: only the Ray backend, which has Ray, opens a line.
    """
    from ray import cloudpickle

    return cloudpickle.dumps(value)


def _send_framed(connection: socket.socket, data: bytes) -> None:
    connection.sendall(_LENGTH.pack(len(data)) + data)


def _receive_framed(connection: socket.socket) -> bytearray:
    """The bytes of one message :func:`_send_framed` sent (ConnectionResetError if the connection closed)."""
    (size,) = _LENGTH.unpack(_receive(connection, _LENGTH.size))
    return _receive(connection, size)


def _receive(connection: socket.socket, size: int, buffer: Any = None) -> Any:
    """Exactly ``size`` bytes, read into ``buffer`` (of that size; None: a new ``bytearray``), which is returned."""
    if buffer is None:
        buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        count = connection.recv_into(view[got:])
        if not count:
            raise ConnectionResetError(f"the connection closed after {got} of {size} bytes")
        got += count
    return buffer


def _tune(connection: socket.socket) -> None:
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)


def _keep_alive(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in _KEEPALIVE.items():
        if hasattr(socket, option):  # Linux's names; other systems keep their defaults
            connection.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)


def _copied(block: MessageBlock) -> MessageBlock:
    return MessageBlock(np.array(block.targets), np.array(block.values), block.source, block.covering)
