"""A Ray worker dies mid-run: the run recovers and ends exactly as a run that met no failure.

Every chaos run kills one worker actor (``ray.kill``) at a seeded random superstep, either
between two supersteps (while the blocks travel and a checkpoint may be written) or a
moment into the next one, with checkpoints every 1 to 4 supersteps or none (the run then
starts over at superstep 0). One Ray session serves the module.
"""

from __future__ import annotations

import io
import random
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from pregel.algorithms.sssp import ShortestPaths
from pregel.cli.progress import Progress
from tests.conftest import ROOT

ray = pytest.importorskip("ray")
ray_backend = pytest.importorskip("pregel.backends.ray")

WORKERS = 2


@pytest.fixture(scope="module", autouse=True)
def ray_session():
    # tests/conftest.py set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before ray was imported
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(ROOT))  # Ray's workers import this checkout, as the tests do
        ray.init(address="local", include_dashboard=False, num_cpus=2, object_store_memory=200 * 2**20)
    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
    # spare idle workers: a recovery takes one instead of waiting for a new process
    pregel.run(pregel.Graph.from_edges([1], [2]), ConnectedComponents(), backend="ray", workers=WORKERS + 2)
    yield
    ray.shutdown()


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A folder for checkpoints, in memory where the machine has one: the chaos is about
    losing workers, and a disk's sync latency would only make the many runs slow."""
    memory = Path("/dev/shm")
    if not memory.is_dir():
        return tmp_path
    folder = Path(tempfile.mkdtemp(dir=memory, prefix="pregel-recovery-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def small_graph(seed: int, n: int = 30, extra: int = 20) -> pregel.Graph:
    """A ring with random chords and weights: a dozen or more supersteps for each algorithm."""
    rng = np.random.default_rng(seed)
    ring = np.arange(n)
    src = np.concatenate([ring, rng.integers(0, n, extra)])
    dst = np.concatenate([(ring + 1) % n, rng.integers(0, n, extra)])
    return pregel.Graph.from_edges(src, dst, weights=rng.uniform(1.0, 3.0, src.size))


PAGERANK_GRAPH = small_graph(1)
SSSP_GRAPH = small_graph(2)
CC_GRAPH = pregel.Graph.from_edges(np.arange(0, 38, 2), np.arange(2, 40, 2)).to_undirected()  # a path: many supersteps

CASES = {
    "pagerank": (PAGERANK_GRAPH, lambda: PageRank(tol=1e-9)),
    "sssp": (SSSP_GRAPH, lambda: ShortestPaths(source=0)),
    "cc": (CC_GRAPH, ConnectedComponents),
}


@pytest.fixture(scope="module")
def failure_free() -> dict[str, pregel.Result]:
    """Each case run on Ray without a failure, checked against the scipy reference."""
    runs = {
        case: pregel.run(graph, program(), backend="ray", workers=WORKERS) for case, (graph, program) in CASES.items()
    }
    np.testing.assert_allclose(runs["pagerank"].values, reference.pagerank(PAGERANK_GRAPH, tol=1e-9).values, atol=1e-8)
    np.testing.assert_array_equal(runs["sssp"].values, reference.sssp(SSSP_GRAPH, 0).values)
    np.testing.assert_array_equal(runs["cc"].values, np.zeros(CC_GRAPH.num_vertices))
    return runs


def chaos_run(case: str, seed: int, directory: Path, ray_backends: list, expected: pregel.Result) -> pregel.Result:
    """One run of ``case`` with a worker killed at a superstep chosen by ``seed``; checks it recovered."""
    graph, program = CASES[case]
    rng = random.Random(f"{case}-{seed}")
    kill_after = rng.randrange(0, expected.supersteps - 3)
    victim = rng.randrange(WORKERS)
    delay = rng.choice([None, rng.uniform(0.0, 0.004)])  # None: between supersteps
    every = rng.choice([None, 1, 2, 3, 4])
    killed: list[int] = []

    def kill(stats: pregel.SuperstepStats) -> None:
        if stats.superstep == kill_after and not killed:
            killed.append(stats.superstep)
            actor = ray_backends[-1].actors[victim]
            if delay is None:
                ray.kill(actor)
            else:
                threading.Timer(delay, ray.kill, [actor]).start()

    options = {} if every is None else {"checkpoint_dir": directory, "checkpoint_every": every}
    result = pregel.run(graph, program(), backend="ray", workers=WORKERS, on_superstep=kill, **options)
    assert killed == [kill_after]
    (recovery,) = result.recoveries
    # ray.kill is asynchronous: on a loaded machine the actor can finish a few more
    # supersteps before it dies, so the loss is seen after the kill, not at a fixed distance
    assert kill_after < recovery.failed_at
    if every is None:
        assert recovery.superstep == 0
    else:
        # the newest checkpoint; or the one before, if the kill cut the writing of the newest short
        assert recovery.superstep % every == 0
        assert recovery.failed_at - 2 * every <= recovery.superstep <= recovery.failed_at
    assert recovery.replayed == recovery.failed_at - recovery.superstep
    assert (recovery.checkpoint is None) == (recovery.superstep == 0)
    # back where it failed: the replay reached recovery.failed_at again, and was timed
    if every is None:
        # no checkpoints, no message logs: every partition starts over
        assert (recovery.kind, recovery.partitions) == ("global", list(range(WORKERS)))
    else:
        assert (recovery.kind, recovery.partitions) == ("confined", [victim]), recovery.cause
    assert recovery.seconds is not None and 0 < recovery.seconds < 120
    assert (result.supersteps, result.stopped_by) == (expected.supersteps, expected.stopped_by)
    return result


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("case", list(CASES))
def test_a_killed_worker_changes_nothing(case, seed, scratch, ray_backends, failure_free):
    expected = failure_free[case]
    result = chaos_run(case, seed, scratch / "ck", ray_backends, expected)
    if case == "pagerank":
        assert np.abs(result.values - expected.values).max() <= 1e-12
    else:
        np.testing.assert_array_equal(result.values, expected.values)


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_forty_kill_points(case, scratch, ray_backends, failure_free):
    """More seeds of the test above (tests/test_confined_chaos.py kills workers in every algorithm)."""
    expected = failure_free[case]
    for seed in range(100, 140):
        result = chaos_run(case, seed, scratch / f"ck-{seed}", ray_backends, expected)
        assert np.abs(result.values - expected.values).max() <= (1e-12 if case == "pagerank" else 0)


@pytest.mark.parametrize("checkpoints", [False, True])
def test_a_worker_lost_while_the_values_are_collected_is_recovered_and_timed(
    checkpoints, scratch, ray_backends, failure_free
):
    # the loss comes after the last superstep: the replay is back where it failed once it has ended again
    from tests.test_confined_recovery import kill_now

    expected = failure_free["sssp"]
    graph, program = CASES["sssp"]
    last = expected.supersteps - 1
    killed: list[int] = []

    def kill_after_the_last(stats: pregel.SuperstepStats) -> None:
        if stats.superstep == last and not killed:
            killed.append(stats.superstep)
            # dead before the values are asked (ray.kill alone only asks)
            kill_now(ray_backends[-1].actors[0])

    options = {"checkpoint_dir": scratch / "ck", "checkpoint_every": 3} if checkpoints else {}
    result = pregel.run(graph, program(), backend="ray", workers=WORKERS, on_superstep=kill_after_the_last, **options)
    (recovery,) = result.recoveries
    assert recovery.failed_at == expected.supersteps and "collecting the values" in recovery.cause
    assert recovery.seconds is not None and 0 < recovery.seconds < 120
    np.testing.assert_array_equal(result.values, expected.values)


def test_gives_up_after_max_restarts(tmp_path, ray_backends):
    """A worker killed in every superstep: after --max-restarts restarts the loss is final."""
    graph, program = CASES["pagerank"]

    def kill_every_time(stats: pregel.SuperstepStats) -> None:
        ray.kill(ray_backends[-1].actors[0])

    with pytest.raises(pregel.WorkerLost, match=r"worker 0 died during superstep \d+.*\(gave up after 2 restarts\)"):
        pregel.run(graph, program(), backend="ray", workers=WORKERS, on_superstep=kill_every_time, max_restarts=2)


def test_no_restarts_allowed_means_the_first_loss_is_final(ray_backends):
    graph, program = CASES["cc"]
    killed = []

    def kill_once(stats: pregel.SuperstepStats) -> None:
        if not killed:
            killed.append(True)
            ray.kill(ray_backends[-1].actors[1])

    with pytest.raises(pregel.WorkerLost, match="gave up after 0 restarts") as lost:
        pregel.run(graph, program(), backend="ray", workers=WORKERS, on_superstep=kill_once, max_restarts=0)
    assert str(lost.value).count("gave up") == 1  # said once, not by the confined recovery and its rollback


def test_a_checkpoint_written_on_ray_resumes_on_the_local_backend(tmp_path, failure_free):
    graph, program = CASES["sssp"]
    directory = tmp_path / "ck"
    pregel.run(
        graph, program(), backend="ray", workers=WORKERS, max_supersteps=6, checkpoint_dir=directory, checkpoint_every=3
    )
    resumed = pregel.run(graph, program(), backend="local", workers=WORKERS, checkpoint_dir=directory, resume=True)
    assert resumed.recoveries[0].superstep == 6
    np.testing.assert_array_equal(resumed.values, failure_free["sssp"].values)


@pytest.mark.parametrize("confined", [True, False])
def test_progress_says_what_was_lost_and_how_much_is_replayed(confined, scratch, ray_backends):
    graph, program = CASES["sssp"]
    out = io.StringIO()
    progress = Progress(out, "sssp")
    killed: list[bool] = []

    def kill_after_superstep_4(stats: pregel.SuperstepStats) -> None:
        if stats.superstep == 4 and not killed:
            killed.append(True)
            ray.kill(ray_backends[-1].actors[0])

    result = pregel.run(
        graph,
        program(),
        backend="ray",
        workers=WORKERS,
        checkpoint_dir=scratch / "ck",
        checkpoint_every=3,
        on_superstep=kill_after_superstep_4,
        on_recovery=progress.recovery,
        confined_recovery=confined,
    )
    progress.finish(result, 1.0, "ray backend")
    (recovery,) = result.recoveries
    # a worker killed while it wrote a checkpoint leaves it incomplete: passed over with a warning of its own
    lines = out.getvalue().splitlines()
    warnings = [f"pregel: warning: skipped checkpoint {skipped}" for skipped in recovery.skipped]
    assert lines[: len(warnings)] == warnings, lines
    first, summary = lines[len(warnings) :]
    # ray.kill is asynchronous: the worker may finish superstep 5 (or more) before it dies
    failed, base = recovery.failed_at, recovery.superstep
    assert failed >= 5 and base in (0, 3, 6) and base <= failed, (lines, recovery)
    checkpoint = scratch / "ck" / f"superstep-{base:06d}"
    if base == 0:
        # checkpoints are written in the background: the lost worker had not yet written its part of the
        # first one, so there was none to go back to
        assert recovery.checkpoint is None and recovery.kind == "global", recovery
        assert first.startswith(
            f"sssp: recovering from a lost worker in superstep {failed}: every partition back to superstep 0 "
            "(no checkpoint to go back to), "
        ), first
        told = f"global recovery in superstep {failed}: 2 partitions replayed"
    elif confined:
        assert first.startswith(
            f"sssp: recovering from a lost worker in superstep {failed}: partition 0 back to checkpoint "
            f"{checkpoint}, {failed - base} supersteps to replay from the others' message logs "
            f"(worker 0 died during superstep {failed}: "
        ), first
        told = f"confined recovery in superstep {failed}: 1 partition replayed"
    else:
        assert first.startswith(
            f"sssp: recovering from a lost worker in superstep {failed}: every partition back to checkpoint "
            f"{checkpoint}, {failed - base} supersteps to replay (worker 0 died during superstep {failed}: "
        ), first
        told = f"global recovery in superstep {failed}: 2 partitions replayed"
    replayed = f"{failed - base} superstep{'' if failed - base == 1 else 's'}"
    assert (
        f"{result.supersteps} supersteps ({told} {replayed} in {recovery.seconds:.2f} s), 1.000 s (ray backend); "
        "one core: ~"
    ) in summary


def test_the_command_on_ray_checkpoints_and_the_local_backend_resumes(run_cli, write_edges, tmp_path, failure_free):
    """The workers write the parts into --checkpoint-dir, relative to where the command runs.

    A graph the driver read (--load driver) resumes on the local backend; one the workers
    read themselves (the default on Ray) is numbered by hash, and only they can resume it.
    """
    graph, _ = CASES["sssp"]
    sources, targets, weights = graph.edge_arrays()
    edges = write_edges(
        "".join(f"{s} {t} {w!r}\n" for s, t, w in zip(*(a.tolist() for a in (sources, targets, weights))))
    )
    flags = ("sssp", edges, "--source", "0", "--workers", str(WORKERS), "--checkpoint-dir", "ck")
    on_ray = ("--backend", "ray", "--checkpoint-every", "3", "--max-supersteps", "6")
    held = run_cli(*flags, *on_ray)
    assert held.returncode == 0, held.stderr.decode()
    refused = run_cli(*flags, "--resume", "-o", "dist.tsv")
    assert refused.returncode == 2 and not (tmp_path / "dist.tsv").exists()
    message = refused.stderr.decode()
    assert "made from Ray workers that read their shares of the input" in message and message.count("\n") == 1
    shutil.rmtree(tmp_path / "ck")
    first = run_cli(*flags, *on_ray, "--load", "driver")
    assert first.returncode == 0, first.stderr.decode()
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["reached", "superstep-000003", "superstep-000006"]
    resumed = run_cli(*flags, "--resume", "-o", "dist.tsv")
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert b"resumed at superstep 6 from checkpoint ck/superstep-000006" in resumed.stderr
    written = [float(line.split("\t")[1]) for line in (tmp_path / "dist.tsv").read_text().splitlines()]
    np.testing.assert_array_equal(written, failure_free["sssp"].values)
