"""Partitions on a pool of threads: the same bits for every thread count, and nothing shared between threads.

The local backend runs each superstep's partitions in threads of their own. For a given
partition count, every algorithm's answer, superstep count and statistics must not
depend on the thread count; each partition computes with its own copy of the program,
so a scalar ``Vertex`` (which keeps the vertex it is at on ``self``) is safe in threads.
The switch interval is made tiny in these tests so that threads interleave often.
"""

from __future__ import annotations

import sys

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel import Sum, Vertex
from pregel.algorithms import reference
from pregel.algorithms.components import ConnectedComponents, ConnectedComponentsVertex
from pregel.algorithms.pagerank import PageRank, PageRankVertex
from pregel.algorithms.sssp import ShortestPaths, ShortestPathsVertex
from pregel.algorithms.weighted_pagerank import WeightedPageRank
from pregel.backends import local
from pregel.backends.local import LocalBackend, available_cores
from pregel.core import cores, kernels
from pregel.io.edges import read_edges
from tests.conftest import SHIPPED
from tests.graphs import most_connected, random_graph

GRAPH = read_edges(str(SHIPPED))
WEIGHTED = random_graph(n=3000, m=20000, seed=7, weighted=True)
SOURCE = most_connected(GRAPH)

PROGRAMS = {
    "pagerank": (GRAPH, lambda: PageRank(tol=1e-12)),
    "pagerank-scalar": (GRAPH, lambda: PageRankVertex(tol=1e-12)),
    "pagerank-scalar-loop": (GRAPH, lambda: PageRankVertex(tol=1e-12, vectorised=False)),
    "weighted-pagerank": (WEIGHTED, lambda: WeightedPageRank(tol=1e-12)),
    "sssp": (GRAPH, lambda: ShortestPaths(source=SOURCE)),
    "sssp-scalar": (GRAPH, lambda: ShortestPathsVertex(source=SOURCE)),
    "cc": (GRAPH.to_undirected(), ConnectedComponents),
    "cc-scalar": (GRAPH.to_undirected(), ConnectedComponentsVertex),
}


@pytest.fixture(autouse=True)
def interleaved():
    """Threads hand the GIL over every 10 µs instead of every 5 ms: a race has every chance to show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def fingerprint(result: pregel.Result) -> tuple:
    """All a run reports but its timings: the values' bits, supersteps, why it stopped, each superstep's counts."""
    stats = [(s.active, s.messages_sent, s.messages_combined, repr(s.aggregated)) for s in result.stats]
    return result.values.dtype.str, result.values.tobytes(), result.supersteps, result.stopped_by, stats


@pytest.mark.parametrize("name", PROGRAMS)
def test_every_algorithm_gives_the_same_bits_for_every_thread_count(name):
    graph, program = PROGRAMS[name]
    one = pregel.run(graph, program(), workers=3, threads=1)
    for threads in (2, 3):
        assert fingerprint(pregel.run(graph, program(), workers=3, threads=threads)) == fingerprint(one)


@pytest.mark.parametrize("name", ["pagerank", "weighted-pagerank"])
def test_sums_that_read_the_values_most_read_first_give_the_same_bits(monkeypatch, name):
    # a partition with HOT_SENDERS senders or more names its sources most read first; forced here on small graphs
    graph, program = PROGRAMS[name]
    plain = {workers: fingerprint(pregel.run(graph, program(), workers=workers)) for workers in (1, 3)}
    monkeypatch.setattr(kernels, "HOT_SENDERS", 8)
    for workers in (1, 3):
        assert fingerprint(pregel.run(graph, program(), workers=workers, threads=2)) == plain[workers]


def test_the_answers_in_threads_are_right():
    graph = random_graph(n=2000, m=8000, seed=5)
    ranks = pregel.run(graph, PageRankVertex(tol=1e-12, compiled=False), workers=3, threads=3)
    assert np.abs(ranks.values - reference.pagerank(graph, tol=1e-12).values).max() <= 1e-12
    labels = pregel.run(graph.to_undirected(), ConnectedComponentsVertex(compiled=False), workers=3, threads=3)
    np.testing.assert_array_equal(labels.values, reference.components(graph).values)


class SumOfIds(Vertex):
    """Each vertex sends its id along its out-edges and keeps the sum of what it hears, interpreted.

    The interpreter points the program object at each vertex in turn (``self.id``,
    the sends it collects): one object shared by partitions in threads would mix the
    vertices and the sends of one partition with another's.
    """

    combiner = Sum
    compiled = False

    def compute(self, messages):
        self.value += messages or 0.0
        if self.superstep < 3:
            self.send_message_to_all_neighbors(float(self.id))
        else:
            self.vote_to_halt()


def test_each_partition_computes_with_its_own_copy_of_the_program():
    graph = pregel.Graph.from_networkx(nx.gnm_random_graph(20000, 60000, seed=3, directed=True))
    heard = np.zeros(graph.num_vertices)
    np.add.at(heard, graph.indices, graph.ids[graph.sources].astype(float))
    result = pregel.run(graph, SumOfIds(), workers=3, threads=3)
    # whole numbers below 2**53: exact in any order
    np.testing.assert_array_equal(result.values, 3 * heard)


class Fails(Vertex):
    """The vertices named in ``failing`` fail in superstep 1, each with its own message; the others keep busy."""

    combiner = Sum
    failing = ()

    def compute(self, messages):
        if self.superstep == 1 and self.id in self.failing:
            raise ValueError(f"vertex {self.id} gives up")
        self.send_message_to_all_neighbors(1.0)


@pytest.mark.parametrize("failing, first", [((7, 150), 7), ((60, 120), 60), ((190,), 190)])
def test_an_error_ends_the_run_with_the_error_of_the_lowest_failing_partition(failing, first):
    # 4 partitions of 50 vertices on 2 threads: thread 0 runs partitions 0 and 2, thread 1 runs 1 and 3
    graph = pregel.Graph.from_edges(np.arange(200), (np.arange(200) + 1) % 200)
    for threads in (1, 2, 4):
        with pytest.raises(ValueError, match=f"^vertex {first} gives up$"):
            pregel.run(graph, Fails(failing=failing), workers=4, threads=threads)


def test_the_inbox_adds_in_sender_order_whatever_the_threads():
    # vertex 0 hears 1.0, 1e16 and -1e16 from partitions 0, 1 and 2: in that order the 1.0
    # is lost (1.0 + 1e16 rounds to 1e16); any other order would keep it
    class Send(pregel.BatchProgram):
        combiner = Sum

        def compute(self, v):
            if v.superstep == 0:
                v.values = np.select([v.ids == 1, v.ids == 2, v.ids == 3], [1.0, 1e16, -1e16], 0.0)
                v.send_to_all_neighbors(v.values)
            else:
                v.values = v.messages
            v.vote_to_halt()

    graph = pregel.Graph.from_edges([1, 2, 3], [0, 0, 0], vertices=[0, 1, 2, 3])
    for threads in (1, 2, 3):
        # partitions: {0, 1}, {2}, {3}
        assert pregel.run(graph, Send, workers=3, threads=threads)[0] == (1.0 + 1e16) - 1e16 == 0.0


def test_the_defaults_are_one_partition_per_core_and_threads_where_they_help(monkeypatch):
    small = LocalBackend(GRAPH, PageRank())
    work = GRAPH.num_edges + GRAPH.num_vertices
    assert work < local.PARTITION_WORK and (small.num_partitions, small.threads) == (1, 1)
    small.close()
    # as if the graph were large: a partition and a thread per core
    monkeypatch.setattr(local, "PARTITION_WORK", work // 64)
    large = LocalBackend(GRAPH, PageRank())
    assert (large.num_partitions, large.threads) == (min(available_cores(), 64),) * 2
    large.close()
    loop = LocalBackend(GRAPH, PageRankVertex(vectorised=False), workers=3)
    assert loop.threads == 1, "a compute that holds the GIL runs its partitions one after another"
    loop.close()
    asked = LocalBackend(GRAPH, PageRankVertex(vectorised=False), workers=3, threads=2)
    assert asked.threads == 2
    asked.close()


def test_a_trace_is_the_same_in_threads():
    graph = random_graph(n=300, m=1200, seed=2)
    traces = [pregel.run(graph, PageRank(tol=1e-8), workers=3, threads=t, trace=True).trace for t in (1, 3)]
    for one, three in zip(traces[0].steps, traces[1].steps):
        for field in ("values", "senders", "targets", "messages", "inbox_targets", "inbox"):
            assert getattr(one, field).tobytes() == getattr(three, field).tobytes(), field


def test_a_checkpoint_resumes_with_its_own_partition_count_in_threads(tmp_path):
    program = lambda: PageRank(tol=1e-13)  # noqa: E731
    uninterrupted = pregel.run(GRAPH, program(), workers=3, threads=1)
    pregel.run(GRAPH, program(), workers=3, threads=3, max_supersteps=9, checkpoint_dir=tmp_path, checkpoint_every=4)
    # no workers given: the checkpoint's 3, whatever the cores of this machine
    resumed = pregel.run(GRAPH, program(), threads=2, checkpoint_dir=tmp_path, resume=True)
    assert resumed.recoveries[0].superstep == 8
    assert resumed.values.tobytes() == uninterrupted.values.tobytes()
    with pytest.raises(pregel.CheckpointError, match="made with 3 partitions, not 2"):
        pregel.run(GRAPH, program(), workers=2, checkpoint_dir=tmp_path, resume=True)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"threads": 0}, "threads must be at least 1, got 0"),
        ({"workers": 0}, "workers must be at least 1, got 0"),
        ({"threads": 2, "backend": "ray"}, "threads= needs the local backend"),
        # a float is no count (max_supersteps=1.5 ran 2 supersteps); an option no backend takes is named
        ({"max_supersteps": 1.5}, "max_supersteps must be an integer, got 1.5"),
        ({"workers": 2.0}, "workers must be an integer, got 2.0"),
        ({"bogus": 1}, r"unknown option bogus= for backend 'local' \(its own options: none\)"),
        ({"bogus": 1, "backend": "ray"}, r"unknown option bogus= for backend 'ray' \(.*ray_address="),
    ],
)
def test_bad_counts_are_refused(options, message):
    with pytest.raises(pregel.InputError, match=message):
        pregel.run(GRAPH, PageRank(), **options)


def test_the_command_line_takes_threads(run_cli, tmp_path):
    done = run_cli("cc", SHIPPED, "--workers", "3", "--threads", "2", "-o", "labels.tsv", "--quiet")
    assert done.returncode == 0, done.stderr
    labels = np.loadtxt(tmp_path / "labels.tsv", dtype=np.int64)
    np.testing.assert_array_equal(labels[:, 1], reference.components(GRAPH).values)
    refused = run_cli("cc", SHIPPED, "--backend", "scipy", "--threads", "2")
    assert refused.returncode == 2
    assert refused.stderr.decode().strip().splitlines() == [
        "pregel: error: --threads needs the local backend (--backend scipy has no threads of ours)"
    ]


def test_partitions_build_their_cached_properties_side_by_side():
    """Two instances' cached properties computed at once in two threads (functools' would take turns on 3.10-3.11)."""
    import threading

    from pregel.core.lazy import cached_property

    meeting = threading.Barrier(2, timeout=10)

    class Built:
        @cached_property
        def routes(self) -> int:
            meeting.wait()  # returns only once the other thread is inside the property too
            return id(self)

    one, two = Built(), Built()
    worker = threading.Thread(target=lambda: one.routes)
    worker.start()
    assert two.routes == id(two)
    worker.join()
    assert one.__dict__["routes"] == id(one) and not meeting.broken


def test_threads_beyond_the_partitions_go_to_their_kernels():
    backend = LocalBackend(GRAPH, PageRank(), workers=1, threads=2)
    assert backend.threads == 1 and [p.threads for p in backend.partitions] == [2]
    two = pregel.run(GRAPH, PageRank(tol=1e-12), workers=1, threads=2)
    assert fingerprint(two) == fingerprint(pregel.run(GRAPH, PageRank(tol=1e-12), workers=1, threads=1))
    backend.close()
    backend = LocalBackend(GRAPH, PageRank(), workers=3, threads=2)
    assert [p.threads for p in backend.partitions] == [1, 1, 1]
    backend.close()


def test_more_workers_than_vertices_make_a_partition_per_vertex():
    # empty partitions would only cost: a hundred thousand of them took minutes a superstep on four vertices
    g = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])
    backend = LocalBackend(g, PageRank(), workers=100_000)
    assert backend.num_partitions == 4
    backend.close()
    ranks = pregel.run(g, PageRank, workers=100_000).values
    np.testing.assert_array_equal(ranks, pregel.run(g, PageRank, workers=4).values)
    assert pregel.run(pregel.Graph.from_edges([], []), PageRank, workers=5).values.size == 0


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "250000 100000\n"}, 3),  # version 2: 2.5 cores of quota, rounded up
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),  # version 1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({}, None),
    ],
)
def test_a_control_groups_cpu_quota_caps_the_cores(tmp_path, monkeypatch, files, quota):
    """A container limited to some cores on a machine of many: its quota, not the machine's affinity, says how many
    threads and partitions pay."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cores.cgroup_cores(str(tmp_path)) == quota
    monkeypatch.setattr(cores, "cgroup_cores", lambda: 1)
    assert available_cores() == 1
