"""Message blocks from Ray worker to Ray worker: they arrive as sent, the senders keep them as long as
they must and no longer, a lost sender's blocks come back by replay, and a peer that does not answer
is named, not waited for.

The post office itself is tested in this process (two offices over loopback); the rest on
one private Ray instance (``ray_session``), against the local backend with the same
partitions, which must give the same values bit for bit.
"""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

import pregel
from pregel.algorithms.components import ConnectedComponents, connected_components
from pregel.algorithms.pagerank import PageRank, pagerank
from pregel.algorithms.ppr import personalized_pagerank
from pregel.algorithms.sssp import sssp
from pregel.algorithms.triangles import triangles
from pregel.backends import transport
from pregel.backends.transport import PostOffice
from pregel.core.combiners import Sum
from pregel.core.messages import MessageBlock
from pregel.errors import BlocksUnreachable, PregelError
from tests.graphs import random_graph
from tests.test_confined_recovery import assert_same_run, kill_now, killer

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")


@pytest.fixture
def offices():
    made = [PostOffice("127.0.0.1"), PostOffice("127.0.0.1")]
    yield made
    for office in made:
        office.close()


def block(seed: int, size: int = 1000, dtype=np.float64) -> MessageBlock:
    rng = np.random.default_rng(seed)
    values = np.array(list(range(size)), dtype=object) if dtype is object else rng.standard_normal(size).astype(dtype)
    return MessageBlock(np.sort(rng.choice(10 * size, size, replace=False)).astype(np.int32), values, source=0)


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.float32, object, np.dtype([("a", "f8"), ("b", "f8")])])
def test_a_block_arrives_bit_for_bit(offices, dtype):
    sender, receiver = offices
    sent = block(1, dtype=dtype)
    if isinstance(dtype, np.dtype) and dtype.names:
        sent.values = np.zeros(1000, dtype=dtype)
        sent.values["a"], sent.values["b"] = np.arange(1000) / 7, -np.arange(1000) / 3
    sender.post(4, {1: sent, 2: block(2)})
    (got,) = receiver.fetch([(4, 0)], 1, [sender.address, receiver.address])
    assert got.targets.dtype == sent.targets.dtype and got.values.dtype == sent.values.dtype
    assert got.targets.tobytes() == sent.targets.tobytes()
    if dtype is object:
        assert got.values.tolist() == sent.values.tolist()
    else:
        assert got.values.tobytes() == sent.values.tobytes()
    assert (got.source, got.covering) == (sent.source, sent.covering)


def test_blocks_from_several_senders_come_in_the_order_asked(offices):
    first, second = offices
    third = PostOffice("127.0.0.1")
    try:
        first.post(2, {3: block(10)})
        second.post(2, {3: block(11)})
        third.post(1, {3: block(12)})
        addresses = [first.address, second.address, third.address, None]
        got = first.fetch([(1, 2), (2, 0), (2, 1)], 3, addresses)
        assert [b.values.tobytes() for b in got] == [block(s).values.tobytes() for s in (12, 10, 11)]
    finally:
        third.close()


def test_a_receiver_keeps_its_connection_for_the_next_pull(offices):
    sender, receiver = offices
    addresses = [sender.address, receiver.address]
    for superstep in range(3):
        sender.post(superstep, {1: block(superstep)})
    (first,) = receiver.fetch([(0, 0)], 1, addresses)
    (kept,) = receiver.connections[sender.address]
    got = [receiver.fetch([(superstep, 0)], 1, addresses)[0] for superstep in (1, 2)]
    assert [b.values.tobytes() for b in [first, *got]] == [block(s).values.tobytes() for s in range(3)]
    assert receiver.connections[sender.address] == [kept] and len(sender.accepted) == 1
    replaced = PostOffice("127.0.0.1")  # the sender's worker replaced: its old connection is closed
    try:
        replaced.post(3, {1: block(3)})
        receiver.fetch([(3, 0)], 1, [replaced.address, receiver.address])
        assert sender.address not in receiver.connections and kept.fileno() == -1
    finally:
        replaced.close()


def test_a_kept_connection_its_sender_closed_is_replaced_and_a_gone_sender_named(offices):
    sender, receiver = offices
    addresses = [sender.address, receiver.address]
    sender.post(1, {1: block(1)})
    receiver.fetch([(1, 0)], 1, addresses)
    for connection in list(sender.accepted):  # as a sender that dropped it (the office itself lives)
        connection.shutdown(socket.SHUT_RDWR)
    (got,) = receiver.fetch([(1, 0)], 1, addresses)
    assert got.values.tobytes() == block(1).values.tobytes()
    sender.close()
    host, port, _ = sender.address
    with pytest.raises(
        BlocksUnreachable, match=f"cannot fetch messages from worker 0 at {host}:{port}: .*port is closed"
    ):
        receiver.fetch([(1, 0)], 1, addresses)


def test_closed_offices_leave_no_thread_and_no_connection():
    def ours():
        return sum(t.name.startswith(("pregel-pull", "pregel-post")) for t in threading.enumerate())

    before = ours()
    sender, receiver = PostOffice("127.0.0.1"), PostOffice("127.0.0.1")
    addresses = [sender.address, receiver.address]
    for superstep in range(4):
        sender.post(superstep, {1: block(superstep)})
    receiver.fetch([(0, 0)], 1, addresses)
    receiver.pull_ahead(1, 1, addresses)
    receiver.fetch([(1, 0)], 1, addresses)
    receiver.fetch([(2, 0), (3, 0)], 1, [sender.address, receiver.address])  # no pull ahead for 3: pulled beside
    assert ours() > before
    receiver.close()
    sender.close()
    deadline = time.monotonic() + 10
    while ours() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    # at most as many as before: an earlier test's office may end a thread of its own meanwhile
    assert ours() <= before and receiver.connections == {} and not sender.accepted


def test_a_pull_ahead_waits_for_the_post_and_the_fetch_takes_its_block(offices):
    sender, receiver = offices
    addresses = [sender.address, receiver.address]
    sender.post(4, {1: block(6)})
    receiver.fetch([(4, 0)], 1, addresses)  # heard from: asked first next time
    receiver.pull_ahead(5, 1, addresses)  # before the sender has posted superstep 5
    time.sleep(0.05)
    sender.post(5, {1: block(7)})
    _, ahead = receiver.ahead[(5, 0)]
    assert ahead.result(timeout=10).values.tobytes() == block(7).values.tobytes()
    sender.clear()  # the sender has it no more: the fetch must take the block pulled ahead
    (got,) = receiver.fetch([(5, 0)], 1, addresses)
    assert got.values.tobytes() == block(7).values.tobytes()
    assert receiver.ahead == {}


def test_a_pull_ahead_gives_way_to_a_fresh_pull_when_it_got_nothing_or_the_sender_changed(offices):
    sender, receiver = offices
    addresses = [sender.address, receiver.address]
    sender.post(2, {1: block(1)})
    receiver.fetch([(2, 0)], 1, addresses)
    sender.post(3, {2: block(1)})  # nothing for partition 1
    receiver.pull_ahead(3, 1, addresses)
    assert receiver.ahead[(3, 0)][1].result(timeout=10) is None
    receiver.fetch([], 1, addresses)
    receiver.pull_ahead(4, 1, addresses)  # the pulls of superstep 3 that no mail named are dropped
    assert receiver.ahead == {}  # and no block came since: nobody is asked
    receiver.fetch([(2, 0)], 1, addresses)
    receiver.pull_ahead(4, 1, addresses)
    assert list(receiver.ahead) == [(4, 0)]
    _, waiting = receiver.ahead[(4, 0)]
    replacement = PostOffice("127.0.0.1")  # partition 0 lost and replaced before it posted superstep 4
    try:
        replacement.post(4, {1: block(9)})
        (got,) = receiver.fetch([(4, 0)], 1, [replacement.address, receiver.address])
        assert got.values.tobytes() == block(9).values.tobytes()
        assert receiver.ahead == {}
    finally:
        replacement.close()
    # the pull ahead's request must be waiting at the sender (a loaded machine may not have sent it yet: one that
    # arrives after the clear waits for superstep 4 to be posted, as it should)
    deadline = time.monotonic() + 10
    while not sender.posted._waiters and time.monotonic() < deadline:  # Condition's own list of waiting threads
        time.sleep(0.01)
    started = time.monotonic()
    sender.clear()  # the old sender starts again: the pull still waiting on it ends at once
    assert isinstance(waiting.exception(timeout=10), BlocksUnreachable)
    assert time.monotonic() - started < 5


@pytest.fixture
def sends(monkeypatch) -> list[bool]:
    """Whether each block the offices send goes without its targets (in the order sent)."""
    seen: list[bool] = []
    real = transport._send

    def spied(connection, block, tag, held):
        seen.append(held)
        real(connection, block, tag, held)

    monkeypatch.setattr(transport, "_send", spied)
    return seen


def covering(targets: np.ndarray, seed: int, size: int = 3000) -> MessageBlock:
    values = np.random.default_rng(seed).standard_normal(size)
    return MessageBlock(targets, values, source=0, covering=True)


def assert_same_block(got: MessageBlock, sent: MessageBlock) -> None:
    assert got.targets.tobytes() == sent.targets.tobytes() and got.targets.dtype == sent.targets.dtype
    assert got.values.tobytes() == sent.values.tobytes()
    assert (got.source, got.covering) == (sent.source, sent.covering)


def test_a_block_with_the_targets_sent_last_time_travels_without_them(offices, sends):
    """PageRank's blocks: the routes hand the same targets array every superstep; only the values travel again."""
    sender, receiver = offices
    addresses = [sender.address, receiver.address]
    routes = np.arange(0, 3000, 2, dtype=np.int32)  # the array the routes cut once
    other = np.arange(1, 3000, 2, dtype=np.int32)  # another destination's
    for superstep in range(4):
        sent = covering(routes, superstep)
        sender.post(superstep, {1: sent, 2: covering(other, superstep)})
        (got,) = receiver.fetch([(superstep, 0)], 1, addresses)
        assert_same_block(got, sent)
    assert sends == [False, True, True, True]
    assert not got.targets.flags.writeable  # kept for the next blocks: nobody may write them


def test_targets_that_changed_travel_again(offices, sends):
    """Another array (a subset sent, a partition rebuilt by a mutation), even with the same numbers, goes whole."""
    sender, receiver = offices
    addresses = [sender.address, receiver.address]
    routes = np.arange(0, 3000, 2, dtype=np.int32)
    fewer = np.arange(0, 3000, 6, dtype=np.int32)
    blocks = [covering(routes, 0), MessageBlock(fewer, np.ones(fewer.size), source=0), covering(routes, 2)]
    blocks += [covering(routes.copy(), 3), covering(routes, 4)]
    for superstep, sent in enumerate(blocks):
        sender.post(superstep, {1: sent})
        (got,) = receiver.fetch([(superstep, 0)], 1, addresses)
        assert_same_block(got, sent)
    assert sends == [False, False, False, False, False]


def test_a_receiver_that_started_again_or_pulls_older_blocks_gets_them_right(offices, sends):
    """A receiver replaced or cleared holds no targets; a replay pulls the log's older blocks in any order."""
    sender, receiver = offices
    routes, fewer = np.arange(0, 3000, 2, dtype=np.int32), np.arange(0, 3000, 6, dtype=np.int32)
    blocks = [covering(routes, 0), covering(routes, 1), MessageBlock(fewer, np.ones(fewer.size), source=0)]
    blocks.append(covering(routes, 3))
    for superstep, sent in enumerate(blocks):
        sender.keep(0, superstep)  # a log from superstep 0 on (older blocks copied: their tags stay)
        sender.post(superstep, {1: sent})
    addresses = [sender.address, receiver.address]
    for superstep in (0, 1):
        (got,) = receiver.fetch([(superstep, 0)], 1, addresses)
    assert sends == [False, True]
    receiver.clear()  # the partition starts again (a checkpoint restored)
    replacement = PostOffice("127.0.0.1")  # or its worker was replaced (confined recovery)
    try:
        for office in (receiver, replacement):
            for superstep in (1, 0, 3, 3, 2, 0):
                (got,) = office.fetch([(superstep, 0)], 1, [sender.address, office.address])
                assert_same_block(got, blocks[superstep])
    finally:
        replacement.close()
    # the first of each office whole; 0 and 1 share the routes' targets, 3 has its own tag (it came after 2's)
    assert sends[2:] == [False, True, False, True, False, False] * 2


def test_a_sender_replaced_never_has_its_targets_taken_for_the_old_ones(offices, sends):
    """The replacement's tags start again: the receiver keys what it holds by the sender's incarnation."""
    sender, receiver = offices
    old = np.arange(0, 3000, 2, dtype=np.int32)
    sender.post(0, {1: covering(old, 0)})
    receiver.fetch([(0, 0)], 1, [sender.address, receiver.address])
    replacement = PostOffice("127.0.0.1")
    try:
        new = np.arange(1, 3000, 2, dtype=np.int32)
        replacement.post(0, {1: covering(new, 1)})
        assert replacement.sent[0][1][1] == sender.sent[0][1][1]  # the same tag, other targets
        (got,) = receiver.fetch([(0, 0)], 1, [replacement.address, receiver.address])
        assert_same_block(got, covering(new, 1))
    finally:
        replacement.close()
    assert sends == [False, False]


def test_a_pull_ahead_asked_before_a_long_superstep_gives_way_to_a_fresh_pull(offices, monkeypatch):
    """A worker asks for the blocks of the superstep it computes before computing: a sender that computes longer
    than it waits for its own post answers that it has none yet, and the fetch pulls the block then."""
    sender, receiver = offices
    addresses = [sender.address, receiver.address]
    monkeypatch.setattr(transport, "SILENCE_TIMEOUT", 0.4)  # a sender waits half of it
    sender.post(1, {1: block(1)})
    receiver.fetch([(1, 0)], 1, addresses)
    receiver.pull_ahead(2, 1, addresses)
    _, ahead = receiver.ahead[(2, 0)]
    assert isinstance(ahead.exception(timeout=10), BlocksUnreachable)  # superstep 2 still computing
    sender.post(2, {1: block(2)})
    (got,) = receiver.fetch([(2, 0)], 1, addresses)
    assert got.values.tobytes() == block(2).values.tobytes()


def test_the_log_keeps_from_the_superstep_named_and_drops_the_older(offices):
    office, _ = offices
    for superstep in range(6):
        office.keep(superstep - 1, superstep)  # no log: the superstep before stays, its receivers are pulling it
        office.post(superstep, {1: block(superstep)})
        assert office.kept() == ([superstep - 1, superstep] if superstep else [0])
    for superstep in range(6, 10):
        office.keep(4, superstep)  # a log from superstep 4 on
        office.post(superstep, {1: block(superstep)})
    assert office.kept() == [4, 5, 6, 7, 8, 9]
    office.keep(8, 10)
    assert office.kept() == [8, 9]


def test_a_kept_block_older_than_the_superstep_before_is_a_copy(offices):
    """The sender may write a block's arrays again two supersteps later (Routes.row_blocks): the log must not see it."""
    sender, receiver = offices
    buffer = np.arange(1000, dtype=np.float64)
    sender.post(3, {1: MessageBlock(np.arange(1000, dtype=np.int32), buffer, source=0)})
    sender.keep(3, 4)  # the superstep before: its receivers read it now, still the sender's array
    sender.keep(3, 5)  # two supersteps later, still kept (a log): copied before superstep 5 writes the buffer
    buffer[:] = -1
    (got,) = receiver.fetch([(3, 0)], 1, [sender.address, receiver.address])
    np.testing.assert_array_equal(got.values, np.arange(1000))


def test_a_block_not_kept_is_an_error_naming_the_sender(offices):
    sender, receiver = offices
    sender.post(2, {1: block(1)})
    sender.keep(3, 4)
    host, port, _ = sender.address
    with pytest.raises(BlocksUnreachable, match=f"worker 0 at {host}:{port} no longer holds its block of superstep 2"):
        receiver.fetch([(2, 0)], 1, [sender.address, receiver.address])


def test_another_server_on_the_port_does_not_answer_for_the_sender(offices):
    sender, receiver = offices
    sender.post(2, {1: block(1)})
    host, port, incarnation = sender.address
    with pytest.raises(BlocksUnreachable, match="is another worker now") as caught:
        receiver.fetch([(2, 0)], 1, [(host, port, incarnation + 1), receiver.address])
    assert caught.value.sender == 0


def test_a_closed_port_is_an_error_naming_the_address(offices):
    _, receiver = offices
    gone = PostOffice("127.0.0.1")
    gone.close()
    host, port, _ = gone.address
    with pytest.raises(BlocksUnreachable, match=f"cannot fetch messages from worker 0 at {host}:{port}"):
        receiver.fetch([(1, 0)], 1, [gone.address, receiver.address])


def test_a_peer_that_never_answers_is_given_up_on(offices, monkeypatch):
    """A firewall that drops, or a process that accepts and never replies: an error in bounded time, not a hang."""
    _, receiver = offices
    monkeypatch.setattr(transport, "SILENCE_TIMEOUT", 0.5)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the kernel accepts; nobody reads or answers
        host, port = silent.getsockname()
        started = time.monotonic()
        with pytest.raises(BlocksUnreachable, match=f"no answer from worker 0 at {host}:{port}"):
            receiver.fetch([(1, 0)], 1, [(host, port, 1), receiver.address])
        assert time.monotonic() - started < 5


def test_the_ports_named_in_the_environment_are_the_ones_served_on(monkeypatch):
    monkeypatch.setenv(transport.PORTS, "45100-45109")
    office = PostOffice("127.0.0.1")
    try:
        assert 45100 <= office.address[1] <= 45109
    finally:
        office.close()
    monkeypatch.setenv(transport.PORTS, "many")
    with pytest.raises(PregelError, match="PREGEL_BLOCK_PORTS='many': expected LOW-HIGH"):
        PostOffice("127.0.0.1")


# ------------------------------------------------------------------------------------------- on Ray

GRAPH = random_graph(400, 2400, seed=3, weighted=True)
ALGORITHMS = {
    "pagerank": lambda g, **kw: pagerank(g, tol=1e-12, **kw),  # float sums: covering blocks
    "sssp": lambda g, **kw: sssp(g, 0, **kw),  # min over floats
    "cc": lambda g, **kw: connected_components(g, **kw),  # min over ints
    # records (ColumnSum)
    "ppr": lambda g, **kw: personalized_pagerank(g, g.original_ids[[0, 5, 9]].tolist(), tol=1e-9, **kw),
    "triangles": lambda g, **kw: triangles(g, **kw),  # no combiner: every message travels
}


@pytest.mark.usefixtures("ray_session")
@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_ray_gives_the_local_backends_values_bit_for_bit(algorithm, workers):
    local = ALGORITHMS[algorithm](GRAPH, workers=workers)
    ours = ALGORITHMS[algorithm](GRAPH, backend="ray", workers=workers)
    assert ours.values.dtype == local.values.dtype
    if ours.values.dtype == object:
        assert ours.values.tolist() == local.values.tolist()
    else:
        assert ours.values.tobytes() == local.values.tobytes()
    assert [s.messages_sent for s in ours.stats] == [s.messages_sent for s in local.stats]


class Shifting(pregel.BatchProgram):
    """Ranks summed along the edges as PageRank does (the routes' covering blocks, their targets left out once
    held), but the blocks' targets change: in superstep 3 two sevenths of the vertices send (other targets), in
    superstep 5 the edges to every fourth vertex go (a mutation: the partitions' routes are built again)."""

    combiner = Sum

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return np.full(v.size, 1.0 / v.num_vertices)

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep > 0:
            v.values = 0.15 / v.num_vertices + 0.85 * v.messages
        if v.superstep == 5:
            edges = v.out_edges()
            gone = edges.target % 4 == 0
            v.remove_edges(v.ids[edges.source[gone]], edges.target[gone])
        share = np.maximum(v.out_degree, 1)
        v.send_to_all_neighbors(v.values / share, where=v.ids % 7 < 2 if v.superstep == 3 else None)


@pytest.mark.usefixtures("ray_session")
@pytest.mark.parametrize("workers", [2, 3])
def test_blocks_whose_targets_change_between_supersteps_arrive_as_sent(workers):
    """A receiver that used the targets it keeps from the last block where they changed would add the values
    to the wrong vertices (or fail on their count): the local backend's values, bit for bit, say it did not."""
    local = pregel.run(GRAPH, Shifting, workers=workers, max_supersteps=10)
    ours = pregel.run(GRAPH, Shifting, backend="ray", workers=workers, max_supersteps=10)
    assert_same_run(ours, local)
    assert local.graph.num_edges < GRAPH.num_edges  # the mutation happened


@pytest.mark.usefixtures("ray_session")
def test_a_replaced_worker_pulls_whole_blocks_and_its_senders_send_it_whole(tmp_path, ray_backends):
    """Worker 1 dies after superstep 7: its replacement holds no targets, and nobody holds its."""
    expected = pregel.run(GRAPH, Shifting, backend="ray", workers=3, max_supersteps=12)
    result = pregel.run(
        GRAPH,
        Shifting,
        backend="ray",
        workers=3,
        max_supersteps=12,
        on_superstep=killer(ray_backends, {7: [1]}),
        checkpoint_dir=tmp_path,
        checkpoint_every=4,
    )
    assert_same_run(result, expected)
    (recovery,) = result.recoveries
    assert (recovery.kind, recovery.partitions, recovery.failed_at) == ("confined", [1], 8)


@pytest.mark.usefixtures("ray_session")
def test_the_workers_keep_the_superstep_before_without_logs_and_the_log_with_them(tmp_path, ray_backends):
    kept: list[tuple[int, list[list[int]]]] = []

    def look(stats: pregel.SuperstepStats) -> None:
        backend = ray_backends[-1]
        kept.append((stats.superstep, ray.get([a.kept.remote() for a in backend.actors])))

    pregel.run(GRAPH, PageRank(tol=0), backend="ray", workers=2, max_supersteps=8, on_superstep=look)
    for superstep, by_worker in kept:
        assert by_worker == [[superstep - 1, superstep] if superstep else [0]] * 2
    kept.clear()
    pregel.run(
        GRAPH,
        PageRank(tol=0),
        backend="ray",
        workers=2,
        max_supersteps=12,
        on_superstep=look,
        checkpoint_dir=tmp_path,
        checkpoint_every=4,
    )
    for superstep, by_worker in kept:
        first = by_worker[0][0]
        assert by_worker == [list(range(first, superstep + 1))] * 2, superstep
        # a replay starts at the newest complete checkpoint (its writing may lag), before the first at 0;
        # from a light checkpoint (the default) it reads the mail of the superstep before it too
        assert first in (0, 3, 4, 7, 8, superstep - 1) and first >= superstep - 9, superstep
    assert kept[-1][1][0][0] > 0  # the log before a complete checkpoint is dropped


@pytest.mark.usefixtures("ray_session")
def test_a_worker_pulls_ahead_only_where_its_machine_has_a_core_beside_every_worker_on_it():
    backend = ray_backend.RayBackend(GRAPH, ConnectedComponents(), workers=2)
    try:
        actor, (host, port, incarnation) = backend.actors[0], backend.addresses[0]
        cores = ray.get(actor.__ray_call__.remote(lambda worker: worker.cores))
        assert cores == ray.get(actor.__ray_call__.remote(lambda worker: ray_backend.available_cores()))
        elsewhere = ("192.0.2.1", port, incarnation)  # a documentation address: only compared, never reached

        def ahead(addresses):
            return ray.get(actor.__ray_call__.remote(lambda worker: worker._pulls_ahead(addresses)))

        assert ahead([(host, port, incarnation), elsewhere]) == (cores > 1)
        assert not ahead([(host, port, incarnation)] * cores + [elsewhere])
        assert ahead([(host, port, incarnation)] * (cores - 1) + [elsewhere] * 3) == (cores > 1)
    finally:
        backend.close()


@pytest.mark.usefixtures("ray_session")
def test_a_live_worker_that_cannot_be_reached_is_named_not_taken_for_lost(ray_backends):
    backend = ray_backend.RayBackend(GRAPH, ConnectedComponents(), workers=2)
    try:
        backend.superstep(0, {})
        gone = PostOffice("127.0.0.1")
        gone.close()
        backend.addresses[0] = gone.address  # where worker 0 is not (as behind a firewall that refuses)
        host, port, _ = gone.address
        with pytest.raises(BlocksUnreachable, match=f"worker 0 at {host}:{port}"):
            backend.superstep(1, {})
        assert backend.failed is None
    finally:
        backend.close()


@pytest.mark.usefixtures("ray_session")
def test_a_sender_lost_after_its_call_while_its_receiver_pulls_is_replayed(tmp_path, ray_backends):
    """The race: worker 1 finishes superstep s + 1 and dies before worker 0 has its blocks of s.

    Worker 0's pull ahead of superstep 6 fails (it is handed a wrong port for worker 1;
    it pulls ahead as on a machine with a core to spare); worker 0 starts superstep 7
    late, after worker 1 ended its call of 7 and died. Its pull fails; the driver finds
    worker 1 dead (its own call had finished), the replay of partition 1 posts its
    blocks of 6 again, and worker 0 runs superstep 7 again.
    """
    expected = pregel.run(GRAPH, PageRank(tol=0), backend="ray", workers=2, max_supersteps=14)
    real = []

    def race(stats: pregel.SuperstepStats) -> None:
        backend = ray_backends[-1]
        if stats.superstep == 0:
            ray.get(backend.actors[0].__ray_call__.remote(_pulling_ahead))
        if stats.superstep == 5 and not real:
            real.append(backend.addresses[1])
            host, _, incarnation = backend.addresses[1]
            backend.addresses[1] = (host, _closed_port(), incarnation)
        elif stats.superstep == 6 and len(real) == 1:
            backend.addresses[1] = real.pop()
            real.append(None)
            backend.actors[0].apply.remote(_sleep)  # worker 0 starts superstep 7 late
            threading.Thread(target=_kill_after, args=(backend.actors[1], 7), daemon=True).start()

    result = pregel.run(
        GRAPH,
        PageRank(tol=0),
        backend="ray",
        workers=2,
        max_supersteps=14,
        on_superstep=race,
        checkpoint_dir=tmp_path,
        checkpoint_every=5,
    )
    assert_same_run(result, expected)
    (recovery,) = result.recoveries
    assert (recovery.kind, recovery.partitions, recovery.failed_at) == ("confined", [1], 7)
    # seen by worker 0's pull (worker 1's own call of superstep 7 had finished)
    assert "worker 1 died during superstep 7: cannot fetch messages from worker 1" in recovery.cause


def _pulling_ahead(worker) -> None:
    worker.pull_ahead = True


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return listener.getsockname()[1]


def _kill_after(actor, superstep: int) -> None:
    """Kill a worker once it has posted the blocks of ``superstep`` (its call of it ended)."""
    while superstep not in ray.get(actor.kept.remote()):
        time.sleep(0.01)
    kill_now(actor)


def _sleep(index: int, ids: np.ndarray, values: np.ndarray) -> None:
    time.sleep(3.0)
