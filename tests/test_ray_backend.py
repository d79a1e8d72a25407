"""What only the Ray backend does: it gives scipy's and the local backend's answers on real graphs, turns a
dead worker into WorkerLost, keeps message blocks away from the driver, and sizes itself to
the cluster.

The engine's semantics on Ray (waking, combiners, aggregators, master compute, errors) are
tested with every other backend through the ``engine`` fixtures, in test_halting.py and
test_twins.py. One private Ray instance (127.0.0.1 only, ``ray_session`` in conftest.py)
serves the whole module; each run uses it as a caller-started session, so the workers of
one run wait for the next.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel import Vertex
from pregel.algorithms.components import connected_components
from pregel.algorithms.louvain import louvain
from pregel.algorithms.pagerank import PageRank, pagerank
from pregel.algorithms.sssp import sssp
from pregel.algorithms.weighted_pagerank import weighted_pagerank
from tests.conftest import ROOT
from tests.graphs import binary_tree, most_connected, random_graph
from tests.programs import Wake

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")
transport = pytest.importorskip("pregel.backends.transport")

WORKERS = [1, 2, 4]
APIS = ["batch", "scalar"]
DATASETS = ["wiki-Vote.txt.gz", "p2p-Gnutella31.txt.gz"]

pytestmark = pytest.mark.usefixtures("ray_session")


ALGORITHMS = {
    "pagerank": lambda g, **kw: pagerank(g, tol=1e-12, **kw),
    "sssp": lambda g, **kw: sssp(g, most_connected(g), **kw),
    "cc": lambda g, **kw: connected_components(g, **kw),
}


def assert_same_answer(algorithm: str, ours: pregel.Result, expected: pregel.Result) -> None:
    if algorithm == "pagerank":
        assert np.abs(ours.values - expected.values).max() <= 1e-12
    else:
        np.testing.assert_array_equal(ours.values, expected.values)


_local_answers: dict[tuple[str, str, str], pregel.Result] = {}
_scipy_answers: dict[tuple[str, str], pregel.Result] = {}


def scipy_answer(dataset: str, algorithm: str) -> pregel.Result:
    key = (dataset, algorithm)
    if key not in _scipy_answers:
        _scipy_answers[key] = ALGORITHMS[algorithm](read_dataset(dataset), backend="scipy")
    return _scipy_answers[key]


def local_answer(dataset: str, algorithm: str, api: str, workers: int) -> pregel.Result:
    """The local backend's run with as many partitions (connected components' pieces follow the partitions)."""
    key = (dataset, algorithm, api, workers)
    if key not in _local_answers:
        _local_answers[key] = ALGORITHMS[algorithm](read_dataset(dataset), api=api, workers=workers)
    return _local_answers[key]


_graphs: dict[str, pregel.Graph] = {}


def read_dataset(name: str) -> pregel.Graph:
    if name not in _graphs:
        _graphs[name] = pregel.io.edges.read_edges(ROOT / "datasets" / name)
    return _graphs[name]


# scalar PageRank on the larger graph takes ~15 s locally; its twin is proven equal elsewhere
DATASET_RUNS = [
    (d, a, api)
    for d in DATASETS
    for a in ALGORITHMS
    for api in APIS
    if not (api == "scalar" and a == "pagerank" and d.startswith("p2p"))
]


@pytest.mark.parametrize("workers", WORKERS)
@pytest.mark.parametrize(("dataset", "algorithm", "api"), DATASET_RUNS)
def test_real_graphs_equal_scipy_and_local(dataset, algorithm, api, workers):
    g = read_dataset(dataset)
    ours = ALGORITHMS[algorithm](g, api=api, backend="ray", workers=workers)
    assert_same_answer(algorithm, ours, scipy_answer(dataset, algorithm))
    # the same run as on the local backend: as many supersteps, stopped for the same reason
    local = local_answer(dataset, algorithm, api, workers)
    assert (ours.supersteps, ours.stopped_by) == (local.supersteps, local.stopped_by)
    assert ours.values.dtype == local.values.dtype
    assert_same_answer(algorithm, ours, local)


# every algorithm of the library: on Ray with 1, 2 and 4 workers, the local backend's answer to the bit
LIBRARY = {
    "bfs": lambda g, **kw: pregel.algorithms.bfs(g, [30, 4], **kw),
    "scc": lambda g, **kw: pregel.algorithms.strongly_connected_components(g, **kw),
    "kcore": lambda g, **kw: pregel.algorithms.core_numbers(g, **kw),
    "triangles": lambda g, **kw: pregel.algorithms.triangles(g, **kw),
    "ppr": lambda g, **kw: pregel.algorithms.personalized_pagerank(g, [30, 4], **kw),
    "personalized pagerank": lambda g, **kw: pagerank(g, personalization={30: 1.0, 4: 2.0}, **kw),
    "lpa": lambda g, **kw: pregel.algorithms.label_propagation(g, **kw),
    "synchronous lpa": lambda g, **kw: pregel.algorithms.label_propagation(g, synchronous=True, **kw),
    "betweenness": lambda g, **kw: pregel.algorithms.betweenness(g, samples=16, seed=1, **kw),
    "weighted betweenness": lambda g, **kw: pregel.algorithms.betweenness(
        random_graph(500, 3000, weighted=True), samples=40, seed=1, weighted=True, **kw
    ),
    "mis": lambda g, **kw: pregel.algorithms.maximal_independent_set(g, seed=1, **kw),
    "matching": lambda g, **kw: pregel.algorithms.maximal_matching(g, seed=1, **kw),
    "louvain": lambda g, **kw: louvain(g, **kw),
    "weighted pagerank": lambda g, **kw: weighted_pagerank(random_graph(2000, 12000, weighted=True), **kw),
}


@pytest.mark.slow
@pytest.mark.parametrize("workers", WORKERS)
@pytest.mark.parametrize("algorithm", LIBRARY)
def test_every_algorithm_on_ray_equals_the_local_backend(algorithm, workers):
    g = read_dataset("wiki-Vote.txt.gz")
    ours = LIBRARY[algorithm](g, backend="ray", workers=workers)
    local = LIBRARY[algorithm](g, workers=workers)
    assert (ours.supersteps, ours.values.dtype) == (local.supersteps, local.values.dtype)
    np.testing.assert_array_equal(ours.values, local.values)
    assert ours.aggregated.keys() == local.aggregated.keys()
    for name, value in local.aggregated.items():
        np.testing.assert_array_equal(ours.aggregated[name], value)


# ------------------------------------------------------------------ errors
class Crash(Vertex):
    """The process of the worker that holds vertex 13 dies in superstep 1."""

    def compute(self, messages):
        if self.superstep == 1 and self.id == 13:
            os._exit(1)
        self.send_message_to_all_neighbors(1.0)


def test_a_dead_worker_is_worker_lost_and_the_next_run_still_works():
    with pytest.raises(pregel.WorkerLost, match="died during superstep 1"):
        # no restarts: this is about the error, recovery has tests of its own
        pregel.run(binary_tree(), Crash, backend="ray", workers=3, max_restarts=0)
    after = pregel.run(binary_tree(), Wake(root=1), backend="ray", workers=3)
    assert after.to_dict() == {v: float(int(np.log2(v))) for v in range(1, 16)}


# ---------------------------------------------------- the driver's traffic
def driver_bytes_per_superstep(monkeypatch, g: pregel.Graph, workers: int) -> tuple[float, float]:
    """Mean bytes the driver fetches from the workers per superstep, and mean messages per superstep.

    Counted with Ray's own serializer: what ``ray.get`` returns in a superstep is what
    crossed from the workers to the driver.
    """
    # a compiled superstep's statuses come back through its channels, neither ray.get nor the line
    monkeypatch.setenv("PREGEL_RAY_COMPILED", "0")
    context = ray._private.worker.global_worker.get_serialization_context()
    fetched: list[int] = []
    real_get, real_receive = ray.get, transport._receive_framed

    def counting_get(refs, *args, **kwargs):
        values = real_get(refs, *args, **kwargs)
        fetched[-1] += sum(context.serialize(v).total_bytes for v in values)
        return values

    def counting_receive(connection):
        # the line's replies (from the second superstep on)
        data = real_receive(connection)
        fetched[-1] += len(data)
        return data

    class Counting(ray_backend.RayBackend):
        def superstep(self, superstep, aggregated):
            fetched.append(0)
            with monkeypatch.context() as patch:
                patch.setattr(ray_backend.ray, "get", counting_get)
                patch.setattr(transport, "_receive_framed", counting_receive)
                return super().superstep(superstep, aggregated)

    with monkeypatch.context() as patch:
        patch.setattr(ray_backend, "RayBackend", Counting)
        result = pagerank(g, backend="ray", workers=workers, max_supersteps=8, tol=0.0)
    assert len(fetched) == result.supersteps == 8
    return float(np.mean(fetched)), float(np.mean([s.messages_combined for s in result.stats]))


def test_the_driver_fetches_statuses_and_refs_not_message_blocks(monkeypatch):
    workers = 4
    small_bytes, small_messages = driver_bytes_per_superstep(monkeypatch, random_graph(2_000, 20_000, 1), workers)
    large_bytes, large_messages = driver_bytes_per_superstep(monkeypatch, random_graph(20_000, 200_000, 2), workers)
    assert large_messages > 9 * small_messages
    # messages grew tenfold; what the driver gets stays about a kilobyte per worker
    assert large_bytes < 1.2 * small_bytes
    assert large_bytes < 2_000 * workers
    # the blocks themselves (8 bytes of rank + 4 of target per message) would be far more
    assert large_bytes < large_messages * 12 / 100


@pytest.fixture
def workers_seen(monkeypatch):
    """The number of workers of each Ray run, as it ends (its values gathered)."""
    seen = []

    class Recording(ray_backend.RayBackend):
        def values(self):
            seen.append(len(self.actors))
            return super().values()

    monkeypatch.setattr(ray_backend, "RayBackend", Recording)
    return seen


def test_workers_default_to_the_cluster_cpus(workers_seen):
    result = pregel.run(binary_tree(), Wake(root=1), backend="ray")
    assert workers_seen == [2]  # the module's Ray session has 2 CPUs
    assert result.to_dict()[15] == 3.0


def test_workers_are_at_most_one_per_vertex_and_sixteen_per_cpu(workers_seen):
    seen = workers_seen
    small = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    ranks = pregel.run(small, PageRank, backend="ray", workers=20).values
    assert seen == [3]  # empty partitions would each be a process
    np.testing.assert_allclose(ranks, [1 / 3] * 3, rtol=0, atol=1e-12)
    # each worker is a process: a hundred thousand of them would take the machine's memory before superstep 0
    with pytest.raises(pregel.InputError, match=r"--workers 100000: the Ray cluster has 2 CPUs .* at most 32"):
        pregel.run(small, PageRank, backend="ray", workers=100_000)


@pytest.mark.parametrize("spec", ["examples/bfs_levels.py:BFSLevels", "examples/widest_path.py:WidestPath"])
def test_a_program_loaded_from_a_file_runs_on_the_workers(spec):
    from pregel.cli.userprog import load_program

    g = pregel.io.edges.read_edges(ROOT / "datasets" / "wiki-Vote.txt.gz")
    program = load_program(str(ROOT / spec), ["source=3"])
    ours = pregel.run(g, program, backend="ray", workers=2)
    np.testing.assert_array_equal(ours.values, pregel.run(g, program).values)


# ---------------------------------------------------- the barrier on the driver's line or a Ray Compiled Graph
FAST = ["line", "compiled"]


class FailsAtFour(pregel.BatchProgram):
    """Sends along every edge; raises the program's own error in superstep 4."""

    combiner = pregel.Sum

    def compute(self, v):
        if v.superstep == 4:
            raise ValueError("superstep 4 refuses")
        v.send_to_all_neighbors(1.0)


def after_two(kind: str, monkeypatch) -> None:
    """The barrier moves onto the line (``kind`` "line") or a compiled graph after 2 supersteps in a row."""
    monkeypatch.setenv("PREGEL_RAY_COMPILED", "2" if kind == "compiled" else "0")
    monkeypatch.setenv("PREGEL_RAY_LINE", "2")


def compiled_backend(graph: pregel.Graph, program: pregel.Program, monkeypatch, kind: str = "compiled"):
    """A Ray backend whose barrier leaves plain calls after 2 supersteps in a row."""
    after_two(kind, monkeypatch)
    return ray_backend.RayBackend(graph, program, workers=2)


@pytest.mark.parametrize("kind", FAST)
def test_fast_supersteps_give_scipy_answer_and_tear_down_for_other_calls(kind, monkeypatch):
    """PageRank with the barrier on the line or compiled after 2 supersteps, a checkpoint-like state read in
    between: the line or graph is built, torn down by the read, built again, and the values are scipy's."""
    g = read_dataset("wiki-Vote.txt.gz")
    expected = scipy_answer("wiki-Vote.txt.gz", "pagerank")
    built = []

    class Watched(ray_backend.RayBackend):
        def superstep(self, superstep, aggregated):
            statuses = super().superstep(superstep, aggregated)
            built.append(self.compiled is not None)
            if superstep == 6:
                self.states()  # another call to the workers: the graph goes first
                built.append(self.compiled is not None)
            return statuses

    after_two(kind, monkeypatch)
    monkeypatch.setattr(ray_backend, "RayBackend", Watched)
    result = pagerank(g, backend="ray", workers=2, tol=1e-12)
    assert np.abs(result.values - expected.values).max() <= 1e-12
    # plain, plain, compiled from the third superstep on; torn down by the read after superstep 6
    assert built[:10] == [False, False, True, True, True, True, True, False, False, False]
    assert built[10] is True


@pytest.mark.parametrize("kind", FAST)
def test_a_program_error_in_a_fast_superstep_is_raised_as_it_is(kind, monkeypatch):
    g = random_graph(200, 1_000, 3)
    backend = compiled_backend(g, FailsAtFour(), monkeypatch, kind)
    try:
        for superstep in range(4):
            backend.superstep(superstep, {})
        assert backend.compiled is not None
        with pytest.raises(ValueError, match="^superstep 4 refuses$"):
            backend.superstep(4, {})
        assert backend.compiled is None and backend.healthy
    finally:
        backend.close()


def kill_serving(actor) -> None:
    """Kill a worker that serves a compiled graph or the line and return once it is dead: ray.kill only asks,
    and a call to the worker to see would wait behind the graph, so Ray's own table of actors says, and then
    its process must be gone (a line answers until the process exits, which on a busy machine can come after
    the table says DEAD)."""
    ray.kill(actor)
    deadline = time.monotonic() + 60
    while (entry := ray._private.state.actors(actor_id=actor._actor_id.hex()))["State"] != "DEAD":
        assert time.monotonic() < deadline, "the killed worker still lives"
        time.sleep(0.01)
    while True:
        try:
            os.kill(entry["Pid"], 0)  # a loopback cluster: the worker's process is on this machine
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, "the killed worker's process still runs"
        time.sleep(0.01)


@pytest.mark.parametrize("kind", FAST)
def test_a_worker_dead_in_a_fast_superstep_is_worker_lost(kind, monkeypatch):
    g = random_graph(200, 1_000, 3)
    backend = compiled_backend(g, Wake(root=0), monkeypatch, kind)
    try:
        for superstep in range(3):
            backend.superstep(superstep, {})
        assert backend.compiled is not None
        # straight to the worker: ``actors`` would tear the graph down first
        kill_serving(backend._workers[1])
        with pytest.raises(pregel.WorkerLost, match="worker 1 died during superstep 3"):
            backend.superstep(3, {})
        assert backend.compiled is None and not backend.healthy
        assert isinstance(backend.failed, ray_backend.Failure) and backend.failed.superstep == 3
    finally:
        backend.close()


def wake_values(g: pregel.Graph, root: int) -> np.ndarray:
    """:class:`Wake`'s values from networkx's BFS: the last superstep a vertex got a token in (a token goes one
    edge a superstep, sent by each vertex the superstep after it was first reached), 0 for the root unless a
    token comes back to it, -1 where none comes."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(g.num_vertices))
    graph.add_edges_from(zip(np.repeat(np.arange(g.num_vertices), np.diff(g.indptr)).tolist(), g.indices.tolist()))
    start = int(np.searchsorted(g.ids, root))
    level = nx.single_source_shortest_path_length(graph, start)
    values = np.full(g.num_vertices, -1.0)
    values[start] = 0.0
    for v in graph:
        reached = [level[u] + 1 for u in graph.predecessors(v) if u in level]
        if reached:
            values[v] = float(max(reached))
    return values


def test_a_compiled_graph_that_cannot_be_torn_down_leaves_plain_calls_for_the_rest_of_the_run(monkeypatch):
    g = random_graph(200, 1_000, 3)
    backend = compiled_backend(g, Wake(root=0), monkeypatch)
    stuck = None
    try:
        for superstep in range(3):
            backend.superstep(superstep, {})
        stuck = backend.compiled
        real_teardown = stuck.teardown

        def failing_teardown():
            raise RuntimeError("a worker of the graph is gone")

        monkeypatch.setattr(stuck, "teardown", failing_teardown)
        backend.states()  # another call: its teardown fails
        assert backend.compiled is None and backend.compiling is None
        for superstep in range(3, 40):
            backend.superstep(superstep, {})
            assert backend.compiled is None
        np.testing.assert_array_equal(backend.values(), wake_values(g, root=0))
    finally:
        if stuck is not None:
            real_teardown()
        backend.close()


def test_by_default_the_barrier_takes_the_line_from_the_second_superstep_and_never_compiles(monkeypatch):
    monkeypatch.delenv("PREGEL_RAY_COMPILED", raising=False)
    monkeypatch.delenv("PREGEL_RAY_LINE", raising=False)
    g = random_graph(200, 1_000, 3)
    unasked = ray_backend.RayBackend(g, Wake(root=0), workers=2)
    try:
        on_line = []
        for superstep in range(40):
            unasked.superstep(superstep, {})
            on_line.append(isinstance(unasked.compiled, ray_backend.Line))
        assert unasked.compiling == ("line", 1)  # a compiled graph only if PREGEL_RAY_COMPILED asks
        assert on_line == [False] + [True] * 39
        np.testing.assert_array_equal(unasked.values(), wake_values(g, root=0))
        assert unasked.compiled is None  # the values' call closed the line
    finally:
        unasked.close()


def wake_on_plain_calls() -> ray_backend.RayBackend:
    """40 supersteps of :class:`Wake` on 2 workers, each by plain calls; the values networkx's; the backend (closed)."""
    g = random_graph(200, 1_000, 3)
    backend = ray_backend.RayBackend(g, Wake(root=0), workers=2)
    try:
        for superstep in range(40):
            backend.superstep(superstep, {})
            assert backend.compiled is None
        np.testing.assert_array_equal(backend.values(), wake_values(g, root=0))
    finally:
        backend.close()
    return backend


def test_plain_calls_only_with_the_line_turned_off(monkeypatch):
    monkeypatch.delenv("PREGEL_RAY_COMPILED", raising=False)
    monkeypatch.setenv("PREGEL_RAY_LINE", "0")
    wake_on_plain_calls()


def test_a_line_the_driver_cannot_open_leaves_plain_calls_for_the_rest_of_the_run(monkeypatch):
    monkeypatch.delenv("PREGEL_RAY_COMPILED", raising=False)
    monkeypatch.delenv("PREGEL_RAY_LINE", raising=False)
    tried = []

    def unreachable(addresses):
        tried.append(addresses)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(ray_backend, "Line", unreachable)
    backend = wake_on_plain_calls()
    assert len(tried) == 1 and backend.compiling is None  # tried once, at the second superstep


@pytest.fixture(params=["1", "0"], ids=["line", "plain"])
def line_or_plain(request, monkeypatch):
    """The barrier on the driver's line, then on plain Ray calls."""
    monkeypatch.delenv("PREGEL_RAY_COMPILED", raising=False)
    monkeypatch.setenv("PREGEL_RAY_LINE", request.param)


class FailsLate(Vertex):
    """In superstep 2 vertex 49 (the last of partition 0 of 4) fails after a pause, vertex 150 (the first of
    partition 3) at once: the local backend raises the lowest failing partition's error, vertex 49's."""

    combiner = pregel.Sum

    def compute(self, messages):
        if self.superstep == 2 and self.id == 49:
            time.sleep(1.0)
            raise ValueError("vertex 49 gives up")
        if self.superstep == 2 and self.id == 150:
            raise ValueError("vertex 150 gives up")
        self.send_message_to_all_neighbors(1.0)


@pytest.mark.usefixtures("line_or_plain")
def test_an_error_is_the_lowest_failing_partitions_as_on_the_local_backend():
    graph = pregel.Graph.from_edges(np.arange(200), (np.arange(200) + 1) % 200)
    with pytest.raises(ValueError, match="^vertex 49 gives up$"):
        pregel.run(graph, FailsLate, workers=4)
    for _ in range(2):
        with pytest.raises(ValueError, match="^vertex 49 gives up$"):
            pregel.run(graph, FailsLate, backend="ray", workers=4)


class HoldsALock(Exception):
    """An exception pickle cannot send: it holds a lock."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


class FailsUnpicklably(Vertex):
    def compute(self, messages):
        if self.superstep == 2 and self.id == 7:
            raise HoldsALock("vertex 7 locked up")
        self.send_message_to_all_neighbors(1.0)


class TakesTwo(Exception):
    """An exception pickle sends but cannot rebuild: its ``__init__`` takes two arguments, its ``args`` hold one."""

    def __init__(self, vertex: int, why: str) -> None:
        super().__init__(f"vertex {vertex} {why}")


class FailsUnrebuildably(Vertex):
    def compute(self, messages):
        if self.superstep == 1 and self.id == 7:
            raise TakesTwo(7, "cannot be rebuilt")
        self.send_message_to_all_neighbors(1.0)


class LocksAtStart(Vertex):
    def initial_value(self):
        if self.id == 7:
            raise HoldsALock("vertex 7 locked at start")
        return 0.0

    def compute(self, messages):
        self.vote_to_halt()


@pytest.mark.parametrize(
    ("program", "error", "message"),
    [
        (FailsUnrebuildably, TakesTwo, "vertex 7 cannot be rebuilt"),
        (LocksAtStart, HoldsALock, "vertex 7 locked at start"),
    ],
)
def test_an_error_that_cannot_travel_from_a_load_or_back_into_an_exception_is_named(program, error, message):
    graph = pregel.Graph.from_edges(np.arange(20), (np.arange(20) + 1) % 20)
    with pytest.raises(error, match=f"^{message}$"):
        pregel.run(graph, program, workers=2)
    # Ray's own errors said "Failed to deserialize exception", or "isn't serializable", without the message
    with pytest.raises(pregel.PregelError, match=f"^{error.__name__}: {message} .raised on a Ray worker"):
        pregel.run(graph, program, backend="ray", workers=2)


@pytest.mark.usefixtures("line_or_plain")
def test_an_error_that_cannot_be_pickled_is_named_with_its_message():
    graph = pregel.Graph.from_edges(np.arange(20), (np.arange(20) + 1) % 20)
    with pytest.raises(HoldsALock, match="^vertex 7 locked up$"):
        pregel.run(graph, FailsUnpicklably, workers=2)
    # Ray's own error said only that the exception was not serializable
    with pytest.raises(pregel.PregelError, match="^HoldsALock: vertex 7 locked up .raised on a Ray worker"):
        pregel.run(graph, FailsUnpicklably, backend="ray", workers=2)
    assert pregel.run(graph, Wake(root=1), backend="ray", workers=2).values.size == 20


class Exits(Vertex):
    def compute(self, messages):
        if self.superstep == 1 and self.id == 5:
            sys.exit(3)
        self.send_message_to_all_neighbors(1.0)


@pytest.mark.usefixtures("line_or_plain")
def test_sys_exit_in_compute_is_a_program_error_not_a_lost_worker():
    graph = pregel.Graph.from_edges(np.arange(20), (np.arange(20) + 1) % 20)
    with pytest.raises(pregel.ProgramError, match=r"called sys.exit\(3\) in superstep 1: on Ray that ends a worker"):
        pregel.run(graph, Exits, backend="ray", workers=2)
    assert pregel.run(graph, Wake(root=1), backend="ray", workers=2).values.size == 20


class Counts(pregel.BatchProgram):
    """Each vertex adds up the ones its in-neighbours send it, for 6 supersteps; superstep 3 pauses ``pause`` s."""

    combiner = pregel.Sum
    pause = 0.0

    def compute(self, v):
        if v.superstep == 3:
            time.sleep(self.pause)
        v.values = v.values + v.messages if v.superstep else np.zeros(v.size)
        if v.superstep < 6:
            v.send_to_all_neighbors(np.ones(v.size))
        v.vote_to_halt()


def test_a_run_interrupted_in_a_superstep_on_the_line_leaves_no_trace_in_the_next_run(monkeypatch):
    """Ctrl-C while the workers compute a superstep asked for on the line: the next run in the same session
    gives the local backend's values (a reused worker still computing the old superstep would post its
    blocks into the new partition and answer the new run's superstep 3 with the old one's status)."""
    monkeypatch.delenv("PREGEL_RAY_COMPILED", raising=False)
    monkeypatch.delenv("PREGEL_RAY_LINE", raising=False)
    real_call = transport.Line.call

    def interrupted(self, requests):
        if requests[0][0] != 3:
            return real_call(self, requests)
        for connection, request in zip(self.connections, requests):
            transport._send_framed(connection, transport._dumps(request))
        raise KeyboardInterrupt  # as a SIGINT in the driver's wait for the replies

    g = random_graph(300, 2_000, 5)
    expected = pregel.run(g, Counts, workers=2)
    for _ in range(3):  # the next run's calls and the old superstep's end race: a few tries
        monkeypatch.setattr(transport.Line, "call", interrupted)
        with pytest.raises(KeyboardInterrupt):
            pregel.run(g, Counts(pause=3.0), backend="ray", workers=2)
        monkeypatch.setattr(transport.Line, "call", real_call)
        np.testing.assert_array_equal(pregel.run(g, Counts, backend="ray", workers=2).values, expected.values)
