"""Confined recovery: a lost Ray worker's partition alone replays, from its checkpoint and the others' logs.

Each kill here waits until the worker is dead, so the loss is seen in the superstep after
the kill and the test knows which partition replays. The runs are compared with a run
that met no failure: the same values bit for bit, and the same history (every
superstep's counts and aggregator values, which master compute saw).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import pregel
from pregel.algorithms.kcore import k_core
from pregel.algorithms.pagerank import PageRank
from pregel.algorithms.sssp import ShortestPaths
from pregel.cli.userprog import load_program
from pregel.core.partition import split
from tests.conftest import ROOT
from tests.programs import PeelLeaves
from tests.test_recovery import ray_session, small_graph  # noqa: F401  (ray_session: one Ray session, idle workers)

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")

WORKERS = 3


def kill_now(actor) -> None:
    """Kill a worker and return once it is dead (ray.kill alone only asks)."""
    ray.kill(actor)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            ray.get(actor.__ray_ready__.remote(), timeout=10)
        except ray.exceptions.RayActorError:
            return
        time.sleep(0.01)
    raise AssertionError("the killed worker still answers")


def killer(ray_backends: list, plan: dict[int, list[int]]):
    """An on_superstep callback: after superstep s, kill the workers ``plan[s]`` (all dead before it returns)."""
    done: set[int] = set()

    def kill(stats: pregel.SuperstepStats) -> None:
        if stats.superstep in plan and stats.superstep not in done:
            done.add(stats.superstep)
            for victim in plan[stats.superstep]:
                ray.kill(ray_backends[-1].actors[victim])
            for victim in plan[stats.superstep]:
                kill_now(ray_backends[-1].actors[victim])

    return kill


def assert_same_run(result: pregel.Result, expected: pregel.Result) -> None:
    """The same values, bit for bit, and the same supersteps as the run without a failure."""
    np.testing.assert_array_equal(result.values, expected.values)
    assert (result.supersteps, result.stopped_by) == (expected.supersteps, expected.stopped_by)
    assert len(result.stats) == len(expected.stats)
    for ours, theirs in zip(result.stats, expected.stats):
        counts = ("superstep", "active", "messages_sent", "messages_combined")
        assert [getattr(ours, c) for c in counts] == [getattr(theirs, c) for c in counts]
        assert same(ours.aggregated, theirs.aggregated), (ours.superstep, ours.aggregated, theirs.aggregated)


def same(a, b) -> bool:
    """Equal, bit for bit where numbers, NaN equal to NaN, through dicts, lists and arrays (aggregator values)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (np.ndarray, float, np.floating)):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return type(a) is type(b) and a == b


GRAPH = small_graph(5, n=120, extra=300)


def run(program, ray_backends, plan=None, graph=GRAPH, **options) -> pregel.Result:
    callback = None if plan is None else killer(ray_backends, plan)
    return pregel.run(graph, program, backend="ray", workers=WORKERS, on_superstep=callback, **options)


@pytest.mark.parametrize(
    ("make", "plan", "every"),
    [
        (lambda: PageRank(tol=0), {12: [1]}, 5),  # 8 supersteps after... the checkpoint at 5: replay 5..13
        (lambda: PageRank(tol=0), {4: [2]}, 10),  # before the first checkpoint: from the initial state
        (lambda: PageRank(tol=0), {9: [0]}, 10),  # the superstep of the checkpoint: replay from it
        (lambda: ShortestPaths(source=0), {2: [1], 5: [0]}, 2),  # two losses, one after the other
    ],
)
def test_only_the_lost_partition_replays_and_nothing_changes(make, plan, every, tmp_path, ray_backends):
    expected = run(make(), ray_backends, max_supersteps=30)
    result = run(make(), ray_backends, plan, max_supersteps=30, checkpoint_dir=tmp_path / "ck", checkpoint_every=every)
    assert_same_run(result, expected)
    assert len(result.recoveries) == len(plan)
    for recovery, (after, (victim,)) in zip(result.recoveries, sorted(plan.items())):
        assert (recovery.kind, recovery.partitions, recovery.failed_at) == ("confined", [victim], after + 1)
        # the newest complete checkpoint at or before the loss (the one being written may not be complete)
        assert recovery.superstep % every == 0 and after + 1 - 2 * every <= recovery.superstep <= after + 1
        assert (recovery.checkpoint is None) == (recovery.superstep == 0)
        assert recovery.replayed == recovery.failed_at - recovery.superstep
        assert recovery.seconds is not None and recovery.seconds > 0


def test_without_checkpoints_the_loss_rolls_every_partition_back(ray_backends):
    """No checkpoint directory, no message logs: the run starts over at superstep 0, as before."""
    expected = run(PageRank(tol=0), ray_backends, max_supersteps=20)
    result = run(PageRank(tol=0), ray_backends, {6: [1]}, max_supersteps=20)
    assert_same_run(result, expected)
    ((kind, superstep, partitions),) = [(r.kind, r.superstep, r.partitions) for r in result.recoveries]
    assert (kind, superstep, partitions) == ("global", 0, list(range(WORKERS)))


def test_two_workers_lost_at_once_roll_every_partition_back(tmp_path, ray_backends):
    expected = run(PageRank(tol=0), ray_backends, max_supersteps=25)
    result = run(
        PageRank(tol=0), ray_backends, {13: [0, 2]}, max_supersteps=25, checkpoint_dir=tmp_path, checkpoint_every=5
    )
    assert_same_run(result, expected)
    (recovery,) = result.recoveries
    assert (recovery.kind, recovery.partitions, recovery.failed_at) == ("global", [0, 1, 2], 14)
    assert "not confined: 2 workers lost at once" in recovery.cause
    assert recovery.superstep in (10, 5)


def test_a_worker_lost_while_replaying_is_replaced_and_the_replay_starts_again(tmp_path, ray_backends, monkeypatch):
    """The first two replacement workers die as soon as they are hired: the third replays."""
    hired: list = []
    replace = ray_backend.RayBackend._replace

    def replace_and_kill(self, dead):
        replace(self, dead)
        hired.append(self.actors[dead[0]])
        if len(hired) <= 2:
            kill_now(self.actors[dead[0]])

    monkeypatch.setattr(ray_backend.RayBackend, "_replace", replace_and_kill)
    expected = run(PageRank(tol=0), ray_backends, max_supersteps=20)
    result = run(
        PageRank(tol=0), ray_backends, {7: [1]}, max_supersteps=20, checkpoint_dir=tmp_path, checkpoint_every=5
    )
    assert_same_run(result, expected)
    assert len(hired) == 3
    (recovery,) = result.recoveries
    assert (recovery.kind, recovery.partitions, recovery.superstep, recovery.failed_at) == ("confined", [1], 5, 8)


def test_the_replay_attempts_count_as_restarts(tmp_path, ray_backends, monkeypatch):
    replace = ray_backend.RayBackend._replace

    def replace_and_kill(self, dead):
        replace(self, dead)
        kill_now(self.actors[dead[0]])

    monkeypatch.setattr(ray_backend.RayBackend, "_replace", replace_and_kill)
    with pytest.raises(pregel.WorkerLost, match=r"worker 1 died during superstep 8.*\(gave up after 2 restarts\)"):
        run(PageRank(tol=0), ray_backends, {7: [1]}, max_supersteps=20, checkpoint_dir=tmp_path, max_restarts=2)


def test_a_kill_while_a_checkpoint_is_written(tmp_path, ray_backends, monkeypatch):
    """The worker dies as the checkpoint at superstep 10 is being written: its write fails, the
    checkpoint is never complete, and the partition replays from the one at 5."""
    save = ray_backend.RayBackend.save

    def save_and_kill(self, folder, **options):
        # killed first, so that its part is surely never written (after, it might write it before dying)
        if folder.name == "superstep-000010":
            kill_now(self.actors[2])
        return save(self, folder, **options)

    monkeypatch.setattr(ray_backend.RayBackend, "save", save_and_kill)
    expected = run(PageRank(tol=0), ray_backends, max_supersteps=25)
    result = run(PageRank(tol=0), ray_backends, max_supersteps=25, checkpoint_dir=tmp_path, checkpoint_every=5)
    assert_same_run(result, expected)
    (recovery,) = result.recoveries
    assert (recovery.kind, recovery.partitions, recovery.superstep, recovery.failed_at) == ("confined", [2], 5, 10)
    assert sorted(p.name for p in tmp_path.glob("superstep-*")) == ["superstep-000020", "superstep-000025"]


def _nap(index, ids, values) -> None:
    time.sleep(2)


def test_a_sender_lost_after_writing_its_part_leaves_the_checkpoint_incomplete(tmp_path, ray_backends, monkeypatch):
    """Worker 2 writes its part of the checkpoint at 4 and dies before worker 1 has pulled the block
    worker 2 sent in superstep 3, its first to partition 1 (so no pull ahead asked for it; worker 1 is
    kept busy meanwhile). Worker 1's part would lack that message,
    so it is not written: the checkpoint is incomplete, and partition 2 replays from the one at 2.
    (Complete, that checkpoint held an inbox short of them: the replay could not confine, and the
    rollback to it ran on without those messages.)"""
    save = ray_backend.RayBackend.save

    def save_then_kill_the_sender(self, folder, **options):
        if folder.name != "superstep-000004":
            return save(self, folder, **options)
        self._workers[1].apply.remote(_nap)  # worker 1 pulls its mail only after this
        write = save(self, folder, **options)
        ray.get(self._workers[2].saved.remote())
        kill_now(self._workers[2])
        return write

    monkeypatch.setattr(ray_backend.RayBackend, "save", save_then_kill_the_sender)
    # three paths, of 0..10, 11..20, 21..29 (the partitions); from 21 the distances cross at 24 -> 11
    paths = np.r_[0:9, 10:19, 20:29]
    graph = pregel.Graph.from_edges(np.r_[paths, 24], np.r_[paths + 1, 11])
    assert [(p.lo, p.hi) for p in split(graph, WORKERS)] == [(0, 11), (11, 21), (21, 30)]
    # a program whose checkpoints hold its pending messages (PageRank's resends them: no inbox to miss)
    assert not ShortestPaths(source=21).resends
    expected = run(ShortestPaths(source=21), ray_backends, graph=graph)
    assert expected.values[11] == 4
    result = run(ShortestPaths(source=21), ray_backends, graph=graph, checkpoint_dir=tmp_path, checkpoint_every=2)
    assert_same_run(result, expected)
    (recovery,) = result.recoveries
    assert (recovery.kind, recovery.partitions, recovery.superstep, recovery.failed_at) == ("confined", [2], 2, 4)


def test_a_graph_that_mutations_change_replays_from_the_rebuilt_partition(tmp_path, ray_backends):
    """PeelLeaves removes the end of a path every superstep: every partition is rebuilt at every
    barrier, and the lost one replays from its state after the last rebuild."""
    path = pregel.Graph.from_edges(np.arange(40), np.arange(1, 41))
    expected = run(PeelLeaves(), ray_backends, graph=path)
    assert expected.graph.num_vertices == 0 and expected.supersteps == 41
    result = run(PeelLeaves(), ray_backends, {20: [1]}, graph=path, checkpoint_dir=tmp_path, checkpoint_every=8)
    assert_same_run(result, expected)
    (recovery,) = result.recoveries
    assert (recovery.kind, recovery.partitions, recovery.failed_at) == ("confined", [1], 21)
    # not from the checkpoint at 16: from the partition's state when the barrier after 20 rebuilt it
    assert (recovery.superstep, recovery.checkpoint, recovery.replayed) == (21, None, 0)
    assert "its state at superstep 21 (kept when the graph changed)" in recovery.describe()


def test_k_core_pruning_on_ray(tmp_path, ray_backends):
    rng = np.random.default_rng(8)
    src, dst = rng.integers(0, 200, 700), rng.integers(0, 200, 700)
    g = pregel.Graph.from_edges(src[src != dst], dst[src != dst])
    expected = k_core(g, 3, backend="ray", workers=WORKERS)
    assert expected.supersteps >= 3
    result = k_core(
        g,
        3,
        backend="ray",
        workers=WORKERS,
        checkpoint_dir=tmp_path,
        checkpoint_every=2,
        on_superstep=killer(ray_backends, {1: [0]}),
    )
    assert_same_run(result, expected)
    assert [(r.kind, r.partitions) for r in result.recoveries] == [("confined", [0])]


class Forgetful(pregel.BatchProgram):
    """Sends along fewer edges each superstep, counting supersteps on ``self``: a new worker starts
    counting again, so its replay differs from what the lost worker did."""

    initial_value = 0.0
    combiner = pregel.Sum
    calls = 0

    def compute(self, v):
        self.calls += 1
        v.values = v.values + v.messages
        keep = v.ids % (self.calls + 1) == 0
        v.send(v.ids[keep], np.ones(int(keep.sum())))


def test_a_replay_that_differs_from_the_log_rolls_every_partition_back(tmp_path, ray_backends):
    result = run(Forgetful(), ray_backends, {6: [1]}, max_supersteps=12, checkpoint_dir=tmp_path, checkpoint_every=5)
    (recovery,) = result.recoveries
    assert recovery.kind == "global"
    assert "not confined: partition 1 replayed superstep 5 differently" in recovery.cause


def test_a_program_of_pregel_run(tmp_path, ray_backends):
    """A program loaded from a file, as ``pregel run FILE.py`` loads it (its code travels to the workers by value)."""
    program = load_program(str(ROOT / "examples" / "widest_path.py") + ":WidestPath", ["source=0"])
    expected = run(program, ray_backends)
    again = load_program(str(ROOT / "examples" / "widest_path.py") + ":WidestPath", ["source=0"])
    result = run(again, ray_backends, {2: [2]}, checkpoint_dir=tmp_path, checkpoint_every=2)
    assert_same_run(result, expected)
    assert [(r.kind, r.partitions) for r in result.recoveries] == [("confined", [2])]


def test_the_summary_and_stats_report_a_confined_recovery(tmp_path, ray_backends):
    result = run(
        PageRank(tol=0), ray_backends, {6: [0]}, max_supersteps=12, checkpoint_dir=tmp_path, checkpoint_every=4
    )
    (recovery,) = result.recoveries
    # the loss waits for the checkpoint at 4 being written: the partition replays from it
    assert recovery.superstep == 4
    assert recovery.brief().startswith("confined recovery in superstep 7: 1 partition replayed 3 supersteps in ")
    assert recovery.as_dict()["kind"] == "confined" and recovery.as_dict()["partitions"] == [0]
    assert recovery.describe().startswith(
        f"recovering from a lost worker in superstep 7: partition 0 back to checkpoint {Path(tmp_path).absolute()}"
    )


@pytest.mark.slow  # a compile, a kill and a replay: 14 s
def test_a_worker_lost_in_a_compiled_superstep_replays_alone(tmp_path, ray_backends, monkeypatch):
    """The barrier on a Ray Compiled Graph (after 2 supersteps in a row): a worker killed while the graph stands
    is lost in the next superstep, and its partition alone replays, as with plain calls."""
    monkeypatch.setenv("PREGEL_RAY_COMPILED", "2")
    expected = run(PageRank(tol=0), ray_backends, max_supersteps=20)
    compiled: list[bool] = []

    def kill(stats: pregel.SuperstepStats) -> None:
        backend = ray_backends[-1]
        if stats.superstep == 8 and not compiled:
            compiled.append(backend.compiled is not None)
            # straight to the worker: ``actors`` would tear the graph down first
            kill_now(backend._workers[1])

    result = pregel.run(
        GRAPH,
        PageRank(tol=0),
        backend="ray",
        workers=WORKERS,
        on_superstep=kill,
        max_supersteps=20,
        checkpoint_dir=tmp_path,
        checkpoint_every=5,
    )
    assert compiled == [True]
    assert_same_run(result, expected)
    (recovery,) = result.recoveries
    assert (recovery.kind, recovery.partitions, recovery.failed_at, recovery.superstep) == ("confined", [1], 9, 5)
