"""When Ray pays: a run's estimate of one core's time, its overhead, and how many workers beat one core.

``Result.compute_seconds`` is the partitions' own compute summed; these tests hold it to
what the partitions reported (recorded around the backend, not read back from the
result), to the compute a program measures of itself inside each partition, and to
the wall time around each partition's superstep. The Ray runs share one private Ray
instance (``ray_session``); the command runs in this process so that it joins it.
"""

from __future__ import annotations

import io
import json
import math
import re
import time

import pytest

import pregel
from pregel.cli.main import main
from pregel.cli.progress import Progress
from pregel.core import kernels
from pregel.core.partition import Partition
from pregel.core.types import seconds_text
from tests.programs import Napper

NAP = Napper.nap
"""Seconds each partition sleeps in each superstep's compute: its compute is at least this."""
SLACK = 0.05
IMPORT_SLACK = 1.0
"""Seconds a partition may add to its first superstep without the compiled kernels: importing scipy."""
"""Seconds a partition may spend beyond its program's compute in a superstep of a six-vertex graph (generous:
folding a few messages and routing them take microseconds)."""

EDGES = "1 2\n2 3\n3 1\n3 4\n4 5\n5 6\n6 4\n"


def graph() -> pregel.Graph:
    return pregel.Graph.from_edges([1, 2, 3, 3, 4, 5, 6], [2, 3, 1, 4, 5, 6, 4])


def check_one_core(result: pregel.Result, reported: list[list[float]], spans: list[float]) -> None:
    """``reported``: each superstep's partition seconds as the backend returned them; ``spans``: each
    superstep's wall time around the backend's call, measured outside it."""
    assert len(result.stats) == len(reported) == len(spans) == 4
    for superstep, (stats, seconds, span) in enumerate(zip(result.stats, reported, spans)):
        assert stats.compute_seconds == pytest.approx(math.fsum(seconds), rel=1e-12)
        assert stats.slowest_seconds == max(seconds)
        # each partition's compute holds its program's own, and little more; without the compiled kernels a
        # partition's first routes import scipy (a fraction of a second, once per process) inside its superstep
        spent = stats.aggregated["spent"]
        imports = IMPORT_SLACK * len(seconds) if superstep == 0 and not kernels.COMPILED else 0.0
        assert spent <= stats.compute_seconds <= spent + SLACK * len(seconds) + imports
        assert len(seconds) * NAP <= spent
        # the slowest partition ran inside the superstep's wall time; the rest of it is overhead
        assert stats.slowest_seconds <= span <= stats.seconds
    assert result.compute_seconds == pytest.approx(math.fsum(s.compute_seconds for s in result.stats))
    assert result.overhead_seconds == pytest.approx(math.fsum(s.seconds - s.slowest_seconds for s in result.stats))
    assert result.overhead_seconds >= math.fsum(span - max(s) for span, s in zip(spans, reported))


def fewest_workers(compute: float, overhead: float) -> int | None:
    """The COST by its definition, counted out: the fewest workers W with overhead + compute / W < compute."""
    return next((w for w in range(1, 100_000) if overhead + compute / w < compute), None)


def check_workers(result: pregel.Result) -> None:
    assert result.workers_to_beat_one_core == fewest_workers(result.compute_seconds, result.overhead_seconds)


def recording(monkeypatch: pytest.MonkeyPatch, cls: type) -> tuple[list[list[float]], list[float]]:
    """Wrap ``cls.superstep`` (a backend's) to record the partition seconds it returns and its wall time."""
    reported: list[list[float]] = []
    spans: list[float] = []
    superstep = cls.superstep

    def recorded(self, *args, **kwargs):
        start = time.perf_counter()
        statuses = superstep(self, *args, **kwargs)
        spans.append(time.perf_counter() - start)
        reported.append([s.seconds for s in statuses])
        return statuses

    monkeypatch.setattr(cls, "superstep", recorded)
    return reported, spans


# ------------------------------------------------------------------ local backend
@pytest.mark.parametrize("workers", [1, 3])
def test_local_compute_is_what_the_partitions_spent(monkeypatch, workers):
    from pregel.backends.local import LocalBackend

    reported, spans = recording(monkeypatch, LocalBackend)
    # and each partition's own wall time around its superstep, from outside it
    outside: list[tuple[float, float]] = []
    partition_superstep = Partition.superstep

    def timed(self, superstep, aggregated):
        start = time.perf_counter()
        status, blocks = partition_superstep(self, superstep, aggregated)
        outside.append((status.seconds, time.perf_counter() - start))
        return status, blocks

    monkeypatch.setattr(Partition, "superstep", timed)
    result = pregel.run(graph(), Napper, workers=workers)
    check_one_core(result, reported, spans)
    assert len(outside) == 4 * workers and all(inside <= span for inside, span in outside)
    check_workers(result)


def test_a_reference_run_knows_no_compute():
    from pregel.algorithms.pagerank import pagerank

    result = pagerank(graph(), backend="scipy")
    assert result.compute_seconds == 0 and result.workers_to_beat_one_core is None


def test_the_local_summary_line_is_unchanged():
    result = pregel.run(graph(), Napper)
    summary = Progress(io.StringIO(), "napper", live=False).summary(result, 0.25, "local backend")
    assert summary == "napper: 6 vertices, 7 edges, 4 supersteps, 0.250 s (local backend)"


def test_local_stats_json_has_one_core(tmp_path, capsys):
    edges = tmp_path / "edges.txt"
    edges.write_text(EDGES)
    assert main(["pagerank", str(edges), "--stats", str(tmp_path / "stats.json"), "-o", str(tmp_path / "r.tsv")]) == 0
    assert re.fullmatch(
        r"pagerank: 6 vertices, 7 edges, \d+ supersteps, \d+\.\d{3} s \(local backend\)\n", capsys.readouterr().err
    )
    check_stats_document(json.loads((tmp_path / "stats.json").read_text()))


def check_stats_document(doc: dict) -> None:
    steps = doc["stats"]
    assert doc["compute_seconds"] == pytest.approx(math.fsum(s["compute_seconds"] for s in steps))
    assert doc["overhead_seconds"] == pytest.approx(math.fsum(s["seconds"] - s["slowest_seconds"] for s in steps))
    assert all(0 < s["slowest_seconds"] <= s["compute_seconds"] for s in steps)
    assert doc["workers_to_beat_one_core"] == fewest_workers(doc["compute_seconds"], doc["overhead_seconds"])


# ------------------------------------------------------------------ Ray backend
def test_ray_compute_is_what_the_workers_spent(ray_session, monkeypatch):
    from pregel.backends.ray import RayBackend

    reported, spans = recording(monkeypatch, RayBackend)
    result = pregel.run(graph(), Napper, backend="ray", workers=2)
    check_one_core(result, reported, spans)
    check_workers(result)
    # the summary line gives that estimate, and the verdict of workers_to_beat_one_core
    summary = Progress(io.StringIO(), "napper", live=False).summary(result, 1.0, "ray backend")
    workers = result.workers_to_beat_one_core
    verdict = "no number of workers beats one core" if workers is None else f"Ray beats one core from {workers} workers"
    assert summary.startswith("napper: 6 vertices, 7 edges, 4 supersteps, 1.000 s (ray backend); ")
    overhead = seconds_text(result.overhead_seconds / 4)
    assert f"; one core: ~{result.compute_seconds:.3f} s of compute; overhead {overhead} a superstep, " in summary
    assert summary.endswith(f" a superstep, so {verdict}") and "\n" not in summary


def test_the_ray_command_says_when_ray_pays(ray_session, tmp_path, capsys):
    edges = tmp_path / "edges.txt"
    edges.write_text(EDGES)
    stats = tmp_path / "stats.json"
    status = main(["pagerank", str(edges), "--backend", "ray", "--workers", "2", "--stats", str(stats)])
    assert status == 0
    doc = json.loads(stats.read_text())
    check_stats_document(doc)
    (summary,) = capsys.readouterr().err.splitlines()[-1:]
    one_core = re.search(
        r" \(ray backend\); one core: ~(\d+\.\d{3}) s of compute; overhead (\S+ m?s) a superstep, so ", summary
    )
    assert one_core, summary
    assert float(one_core.group(1)) == pytest.approx(doc["compute_seconds"], abs=5e-4)
    workers = doc["workers_to_beat_one_core"]
    assert summary.endswith("no number of workers beats one core" if workers is None else f"from {workers} workers")
