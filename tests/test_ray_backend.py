"""The Ray backend gives the local backend's answers, and message blocks never pass through the driver.

One private Ray instance (127.0.0.1 only) serves the whole module; each run uses it as a
caller-started session, so the workers of one run wait for the next.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import pregel
from pregel import BatchProgram, Count, Max, Min, Sum, Vertex
from pregel.algorithms.components import connected_components
from pregel.algorithms.pagerank import pagerank
from pregel.algorithms.sssp import sssp
from tests.conftest import ROOT
from tests.graphs import HAND_MADE, hand_made
from tests.test_halting import Gather, diamond

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")

WORKERS = [1, 2, 4]
APIS = ["batch", "scalar"]
DATASETS = ["wiki-Vote.txt.gz", "p2p-Gnutella31.txt.gz"]


@pytest.fixture(scope="module", autouse=True)
def ray_session():
    # tests/conftest.py set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before ray was imported
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(ROOT))  # Ray's workers import this checkout, as the tests do
        ray.init(
            address="local",
            include_dashboard=False,
            num_cpus=2,
            object_store_memory=200 * 2**20,
            logging_level="ERROR",
        )
    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
    yield
    ray.shutdown()


def most_connected(g: pregel.Graph) -> int:
    """The vertex with the most out-edges (a source that reaches much of a real graph)."""
    return int(g.ids[np.argmax(g.out_degree)])


ALGORITHMS = {
    "pagerank": lambda g, **kw: pagerank(g, tol=1e-12, **kw),
    "sssp": lambda g, **kw: sssp(g, most_connected(g), **kw),
    "cc": lambda g, **kw: connected_components(g, **kw),
}


def assert_same_answer(algorithm: str, ours: pregel.Result, local: pregel.Result) -> None:
    assert ours.supersteps == local.supersteps
    assert ours.stopped_by == local.stopped_by
    assert ours.values.dtype == local.values.dtype
    if algorithm == "pagerank":
        assert np.abs(ours.values - local.values).max() <= 1e-12
    else:
        np.testing.assert_array_equal(ours.values, local.values)


def assert_same_run(ours: pregel.Result, local: pregel.Result) -> None:
    """Same values, and superstep by superstep the same counts and aggregator values."""
    assert ours.to_dict() == local.to_dict()
    assert (ours.supersteps, ours.stopped_by, ours.aggregated) == (local.supersteps, local.stopped_by, local.aggregated)
    assert [(s.active, s.messages_sent, s.messages_combined, s.aggregated) for s in ours.stats] == [
        (s.active, s.messages_sent, s.messages_combined, s.aggregated) for s in local.stats
    ]


# ------------------------------------------------------------ the algorithms
@pytest.mark.parametrize("workers", WORKERS)
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", sorted(HAND_MADE))
def test_hand_made_graphs_equal_local(name, api, workers):
    g = hand_made(name)
    for algorithm, run in ALGORITHMS.items():
        ours = run(g, api=api, backend="ray", workers=workers)
        local = run(g, api=api, workers=workers)
        assert_same_answer(algorithm, ours, local)
        assert_same_run(ours, local)


_local_answers: dict[tuple[str, str, str], pregel.Result] = {}


def local_answer(dataset: str, algorithm: str, api: str) -> pregel.Result:
    key = (dataset, algorithm, api)
    if key not in _local_answers:
        _local_answers[key] = ALGORITHMS[algorithm](read_dataset(dataset), api=api)
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
def test_real_graphs_equal_local(dataset, algorithm, api, workers):
    g = read_dataset(dataset)
    ours = ALGORITHMS[algorithm](g, api=api, backend="ray", workers=workers)
    assert_same_answer(algorithm, ours, local_answer(dataset, algorithm, api))


# ------------------------------------------------------- engine semantics
def binary_tree(extra_sources=(), extra_targets=()) -> pregel.Graph:
    """1 → 2, 3; 2 → 4, 5; … down to the leaves 8..15."""
    parents = [i // 2 for i in range(2, 16)]
    return pregel.Graph.from_edges(parents + list(extra_sources), list(range(2, 16)) + list(extra_targets))


class Wake(Vertex):
    """The root sends a token down the tree; everyone halts at once and is woken only by mail.

    A vertex records the superstep of its last wake-up and passes the token on the first time.
    """

    initial_value = -1.0

    def compute(self, messages):
        if self.superstep == 0 and self.id == 1:
            self.value = 0.0
            self.send_message_to_all_neighbors("token")
        elif messages:
            first = self.value < 0
            self.value = float(self.superstep)
            if first:
                self.send_message_to_all_neighbors("token")
        self.vote_to_halt()


@pytest.mark.parametrize("workers", [1, 3])
def test_halted_vertices_are_woken_by_mail(workers):
    # 15 → 1 wakes the root again in superstep 4, long after it halted
    g = binary_tree([15], [1])
    ours = pregel.run(g, Wake, backend="ray", workers=workers)
    depth = {v: float(int(np.log2(v))) for v in range(1, 16)}
    assert ours.to_dict() == {**depth, 1: 4.0}
    assert [s.active for s in ours.stats] == [15, 2, 4, 8, 1]
    assert [s.messages_sent for s in ours.stats] == [2, 4, 8, 1, 0]
    assert ours.stopped_by == "halted"
    assert_same_run(ours, pregel.run(g, Wake, workers=workers))


class Census(BatchProgram):
    """Each vertex keeps what the aggregators said about the previous superstep; all halt in superstep 2."""

    combiner = Sum
    aggregators = {"total": Sum, "n": Count, "low": Min, "high": Max}

    def compute(self, v):
        v.values = np.full(v.size, float(v.aggregated("total")))
        v.aggregate("total", v.ids * (v.superstep + 1))
        v.aggregate("n", v.ids)
        v.aggregate("low", v.ids.astype(float))
        v.aggregate("high", v.ids.astype(float))
        if v.superstep == 2:
            v.vote_to_halt()


@pytest.mark.parametrize("workers", [1, 3])
def test_aggregators_are_merged_over_workers_and_seen_a_superstep_later(workers):
    g = binary_tree()  # ids 1..15, which sum to 120
    ours = pregel.run(g, Census, backend="ray", workers=workers)
    assert ours.values.tolist() == [240.0] * 15
    assert [s.aggregated["total"] for s in ours.stats] == [120, 240, 360]
    assert ours.aggregated == {"total": 360, "n": 15, "low": 1, "high": 15}
    assert_same_run(ours, pregel.run(g, Census, workers=workers))


class Countdown(Vertex):
    """Never halts and always sends; only master compute can end the run."""

    combiner = Sum
    aggregators = {"steps": Sum}
    stop_after = 99

    def compute(self, messages):
        self.value = self.value + 1
        self.aggregate("steps", 1)
        self.send_message_to_all_neighbors(1.0)

    def master_compute(self, master):
        if master.superstep + 1 >= self.stop_after:
            master.halt()


@pytest.mark.parametrize("workers", [1, 3])
def test_master_compute_halts_the_run(workers):
    g = binary_tree([15], [1])
    ours = pregel.run(g, Countdown(stop_after=4), backend="ray", workers=workers)
    assert (ours.supersteps, ours.stopped_by) == (4, "master")
    assert ours.values.tolist() == [4.0] * 15
    assert [s.aggregated["steps"] for s in ours.stats] == [15] * 4
    assert_same_run(ours, pregel.run(g, Countdown(stop_after=4), workers=workers))
    bounded = pregel.run(g, Countdown, backend="ray", workers=workers, max_supersteps=2)
    assert (bounded.supersteps, bounded.stopped_by) == (2, "max_supersteps")


@pytest.mark.parametrize("workers", [1, 3])
def test_user_combiner_on_python_values(workers):
    # Python values and a combiner without a ufunc: blocks of object arrays travel between workers
    g = diamond()
    ours = pregel.run(g, Gather, backend="ray", workers=workers)
    assert ours.to_dict() == {1: (), 2: (), 3: (), 4: (), 10: (1, 2, 3, 4), 20: (1, 2, 3, 4, 20)}
    assert_same_run(ours, pregel.run(g, Gather, workers=workers))


# ------------------------------------------------------------------ errors
class Refuse(Vertex):
    def compute(self, messages):
        if self.superstep == 1 and self.id == 13:
            raise ValueError(f"vertex {self.id} refuses")
        self.send_message_to_all_neighbors(1.0)


class Stray(Vertex):
    def compute(self, messages):
        self.send_message(99, 1.0)


@pytest.mark.parametrize("backend", ["local", "ray"])
def test_a_programs_error_reaches_the_caller_as_it_was_raised(backend):
    with pytest.raises(ValueError, match="^vertex 13 refuses$"):
        pregel.run(binary_tree(), Refuse, backend=backend, workers=3)
    with pytest.raises(pregel.PregelError, match="sent a message to vertex 99, which is not in the graph"):
        pregel.run(binary_tree(), Stray, backend=backend, workers=3)


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
    after = pregel.run(binary_tree(), Wake, backend="ray", workers=3)
    assert after.to_dict() == {v: float(int(np.log2(v))) for v in range(1, 16)}


# ---------------------------------------------------- the driver's traffic
def random_graph(n: int, m: int, seed: int) -> pregel.Graph:
    rng = np.random.default_rng(seed)
    return pregel.Graph.from_edges(rng.integers(0, n, m), rng.integers(0, n, m))


def driver_bytes_per_superstep(monkeypatch, g: pregel.Graph, workers: int) -> tuple[float, float]:
    """Mean bytes the driver fetches from the workers per superstep, and mean messages per superstep.

    Counted with Ray's own serializer: what ``ray.get`` returns in a superstep is what
    crossed from the workers to the driver.
    """
    context = ray._private.worker.global_worker.get_serialization_context()
    fetched: list[int] = []
    real_get = ray.get

    def counting_get(refs, *args, **kwargs):
        values = real_get(refs, *args, **kwargs)
        fetched.append(sum(context.serialize(v).total_bytes for v in values))
        return values

    class Counting(ray_backend.RayBackend):
        def superstep(self, superstep, aggregated):
            with monkeypatch.context() as patch:
                patch.setattr(ray_backend.ray, "get", counting_get)
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


def test_workers_default_to_the_cluster_cpus(monkeypatch):
    seen = []

    class Recording(ray_backend.RayBackend):
        def values(self):
            seen.append(len(self.actors))
            return super().values()

    monkeypatch.setattr(ray_backend, "RayBackend", Recording)
    result = pregel.run(binary_tree(), Wake, backend="ray")
    assert seen == [2]  # the module's Ray session has 2 CPUs
    assert result.to_dict()[15] == 3.0


@pytest.mark.parametrize("spec", ["examples/bfs_levels.py:BFSLevels", "examples/widest_path.py:WidestPath"])
def test_a_program_loaded_from_a_file_runs_on_the_workers(spec):
    from pregel.cli.userprog import load_program

    g = pregel.io.edges.read_edges(ROOT / "datasets" / "wiki-Vote.txt.gz")
    program = load_program(str(ROOT / spec), ["source=3"])
    ours = pregel.run(g, program, backend="ray", workers=2)
    np.testing.assert_array_equal(ours.values, pregel.run(g, program).values)
