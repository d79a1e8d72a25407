"""Killing the command mid-run: --resume continues from the last checkpoint and ends with the same ranks.

A kill at any moment, also in the middle of writing a checkpoint, leaves no partial
output file and no checkpoint that looks complete but is not.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from pregel.algorithms import reference
from pregel.core.checkpoint import MANIFEST
from pregel.io.edges import read_edges

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Path:
    """A 100 x 100 grid with both edge directions, some edges dropped, a few shortcuts.

    It mixes slowly, so PageRank with damping 0.97 needs about 600 supersteps to an L1
    change of 1e-12: a run long enough to be killed in the middle.
    """
    rng = np.random.default_rng(7)
    side = 100
    v = np.arange(side * side).reshape(side, side)
    right = np.column_stack([v[:, :-1].ravel(), v[:, 1:].ravel()])
    down = np.column_stack([v[:-1, :].ravel(), v[1:, :].ravel()])
    edges = np.concatenate([right, down, right[:, ::-1], down[:, ::-1]])
    edges = np.concatenate([edges[rng.random(len(edges)) < 0.9], rng.integers(0, side * side, (100, 2))])
    path = tmp_path_factory.mktemp("graph") / "grid.txt"
    np.savetxt(path, edges, fmt="%d")
    return path


PAGERANK = ("pagerank", "--damping", "0.97", "--tol", "1e-12", "--workers", "2")


@pytest.fixture(scope="module")
def uninterrupted(grid, tmp_path_factory) -> bytes:
    """The output of a run that was never killed (and never checkpointed)."""
    out = tmp_path_factory.mktemp("uninterrupted") / "ranks.tsv"
    done = subprocess.run([*pregel_command(), *PAGERANK, grid, "-o", out, "-q"], capture_output=True, env=env())
    assert done.returncode == 0, done.stderr
    ranks = read_values(out.read_bytes())
    expected = reference.pagerank(read_edges(grid), damping=0.97, tol=1e-12)
    assert np.abs(ranks - expected.values).max() < 1e-10
    return out.read_bytes()


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def pregel_command(prelude: str = "") -> list[str]:
    """``python -m pregel``, optionally after some Python run first in the same process."""
    if not prelude:
        return [sys.executable, "-m", "pregel"]
    return [sys.executable, "-c", f"{prelude}\nimport sys\nfrom pregel.cli.main import main\nsys.exit(main())"]


def read_values(text: bytes) -> np.ndarray:
    return np.array([float(line.split(b"\t")[1]) for line in text.splitlines()])


def complete_checkpoints(directory: Path) -> list[int]:
    """Supersteps of the folders whose manifest is in place."""
    found = [re.fullmatch(r"superstep-(\d+)", p.name) for p in directory.glob("superstep-*")]
    return sorted(int(m.group(1)) for m in found if m and (directory / m.group(0) / MANIFEST).exists())


def assert_complete_checkpoints_are_intact(directory: Path) -> None:
    """Every checkpoint with a manifest has a sealed manifest and every part it names, unchanged."""
    for superstep in complete_checkpoints(directory):
        folder = directory / f"superstep-{superstep:06d}"
        seal, body = (folder / MANIFEST).read_bytes().split(b"\n", 1)
        assert zlib.crc32(body) == json.loads(seal)["crc32"]
        state = json.loads(body.split(b"\n", 1)[0])
        assert state["superstep"] == superstep
        for part in state["parts"]:
            assert zlib.crc32((folder / part["file"]).read_bytes()) == part["crc32"]


def start(grid: Path, workdir: Path, every: int, prelude: str = "") -> subprocess.Popen:
    """Start a checkpointing run in ``workdir``; its progress goes to ``workdir/stderr.txt``."""
    args = [*PAGERANK, grid, "-o", "ranks.tsv", "--checkpoint-dir", "ck", "--checkpoint-every", str(every)]
    with open(workdir / "stderr.txt", "wb") as stderr:
        return subprocess.Popen([*pregel_command(prelude), *args], cwd=workdir, env=env(), stderr=stderr)


def resume(grid: Path, workdir: Path) -> subprocess.CompletedProcess:
    args = [*PAGERANK, grid, "-o", "ranks.tsv", "--checkpoint-dir", "ck", "--checkpoint-every", "100", "--resume"]
    return subprocess.run([*pregel_command(), *args], cwd=workdir, env=env(), capture_output=True, timeout=300)


def assert_resumes_from_newest(grid: Path, workdir: Path, uninterrupted: bytes) -> int:
    """Resume; it must start at the newest complete checkpoint and end with the uninterrupted output."""
    assert not (workdir / "ranks.tsv").exists()
    newest = complete_checkpoints(workdir / "ck")[-1]
    done = resume(grid, workdir)
    assert done.returncode == 0, done.stderr.decode()
    stderr = done.stderr.decode()
    assert f"resumed at superstep {newest} from checkpoint ck/superstep-{newest:06d}" in stderr
    assert re.search(rf"\(resumed at superstep {newest}, \d+ replayed in \d+\.\d\d s\)", stderr), stderr
    assert (workdir / "ranks.tsv").read_bytes() == uninterrupted
    return newest


def test_sigkill_mid_run_then_resume_gives_the_same_ranks(grid, uninterrupted, tmp_path):
    run = start(grid, tmp_path, every=2)
    deadline = time.monotonic() + 120
    while not any(s >= 20 for s in complete_checkpoints(tmp_path / "ck")):
        assert run.poll() is None, (tmp_path / "stderr.txt").read_text()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL
    assert_complete_checkpoints_are_intact(tmp_path / "ck")
    # two, or three if the kill came between publishing a checkpoint and removing the oldest
    assert len(complete_checkpoints(tmp_path / "ck")) in (2, 3)
    assert assert_resumes_from_newest(grid, tmp_path, uninterrupted) >= 20


# Each prelude kills the process at one moment of the third checkpoint's write (workers=2,
# every=2: the checkpoint at superstep 6, after those at 2 and 4), leaving one folder
# without a manifest; the resume must start from the newest complete checkpoint.
KILL_DURING_WRITE = {
    "between the two parts": (
        """
import os, signal
import pregel.core.checkpoint as checkpoint
atomic_write = checkpoint.atomic_write
def killing_atomic_write(path, *args, **kwargs):
    if str(path).endswith("superstep-000006/part-00001.arrays"):
        os.kill(os.getpid(), signal.SIGKILL)
    return atomic_write(path, *args, **kwargs)
checkpoint.atomic_write = killing_atomic_write
""",
        "superstep-000006",
        4,
    ),
    "after the parts, before the manifest is renamed into place": (
        """
import os, signal
replace = os.replace
def killing_replace(source, target):
    if str(target).endswith("superstep-000006/manifest.jsonl"):
        os.kill(os.getpid(), signal.SIGKILL)
    replace(source, target)
os.replace = killing_replace
""",
        "superstep-000006",
        4,
    ),
    "while removing the oldest checkpoint": (
        """
import os, signal
import pregel.core.checkpoint as checkpoint
rmtree = checkpoint.shutil.rmtree
def killing_rmtree(path, *args, **kwargs):
    if str(path).endswith("superstep-000002") and os.path.exists(path):
        os.kill(os.getpid(), signal.SIGKILL)
    rmtree(path, *args, **kwargs)
checkpoint.shutil.rmtree = killing_rmtree
""",
        "superstep-000002",
        6,
    ),
}


@pytest.mark.parametrize("moment", list(KILL_DURING_WRITE))
def test_kill_during_checkpoint_write_never_loads_a_partial_checkpoint(grid, uninterrupted, tmp_path, moment):
    prelude, half_written, resumes_at = KILL_DURING_WRITE[moment]
    run = start(grid, tmp_path, every=2, prelude=prelude)
    run.wait(timeout=120)
    assert run.returncode == -signal.SIGKILL, (tmp_path / "stderr.txt").read_text()
    assert (tmp_path / "ck" / half_written).is_dir()
    assert not (tmp_path / "ck" / half_written / MANIFEST).exists()
    assert_complete_checkpoints_are_intact(tmp_path / "ck")
    assert assert_resumes_from_newest(grid, tmp_path, uninterrupted) == resumes_at


KILL_AT_SUPERSTEP_11 = """
import os, signal
import pregel.core.checkpoint as checkpoint
maybe_save = checkpoint.Checkpointer.maybe_save
def killing_maybe_save(self, state, backend):
    maybe_save(self, state, backend)
    if state.superstep == 11:
        self.wait()  # the checkpoint at 8 is complete
        os.kill(os.getpid(), signal.SIGKILL)
checkpoint.Checkpointer.maybe_save = killing_maybe_save
"""


def test_a_resume_after_a_kill_says_how_many_supersteps_it_replays(grid, uninterrupted, tmp_path):
    run = start(grid, tmp_path, every=4, prelude=KILL_AT_SUPERSTEP_11)
    run.wait(timeout=120)
    assert run.returncode == -signal.SIGKILL, (tmp_path / "stderr.txt").read_text()
    assert complete_checkpoints(tmp_path / "ck") == [4, 8]
    done = resume(grid, tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    stderr = done.stderr.decode()
    # killed after superstep 10 (at the boundary before 11), resumed at 8: supersteps 8, 9 and 10 run again
    assert "resumed at superstep 8 from checkpoint ck/superstep-000008 (the run before reached superstep 11)" in stderr
    assert re.search(r"\(resumed at superstep 8, 3 replayed in \d+\.\d\d s\)", stderr), stderr
    assert (tmp_path / "ranks.tsv").read_bytes() == uninterrupted


# Checkpoints are written in a fraction of a superstep on a quick disk: on a slow one the
# writer is busy most of the time, and most random kills land inside a write
SLOW_DISK = """
import time
import pregel.core.checkpoint as checkpoint
write_part = checkpoint.write_part
def slow_write_part(*args, **kwargs):
    time.sleep(0.03)
    return write_part(*args, **kwargs)
checkpoint.write_part = slow_write_part
"""


def test_kill_at_random_moments(grid, uninterrupted, tmp_path):
    """Kills at seeded random times, many inside a checkpoint write: every one resumes to the same ranks."""
    rng = random.Random(5)
    mid_write = 0
    for attempt in range(4):
        workdir = tmp_path / f"attempt-{attempt}"
        workdir.mkdir()
        run = start(grid, workdir, every=1, prelude=SLOW_DISK)
        time.sleep(rng.uniform(0.8, 2.5))
        run.send_signal(signal.SIGKILL)
        run.wait()
        assert run.returncode == -signal.SIGKILL, "the run ended before the kill; make the graph bigger"
        assert not (workdir / "ranks.tsv").exists()
        folders = list((workdir / "ck").glob("superstep-*"))
        mid_write += any(not (f / MANIFEST).exists() or list(f.glob(".*")) for f in folders)
        if complete_checkpoints(workdir / "ck"):
            assert_complete_checkpoints_are_intact(workdir / "ck")
            assert_resumes_from_newest(grid, workdir, uninterrupted)
        else:
            done = resume(grid, workdir)
            # on a busy machine the kill can land before the run has even made its checkpoint folder
            expected = b"no complete checkpoint to resume from" if (workdir / "ck").exists() else b"no such checkpoint"
            assert done.returncode == 2 and expected in done.stderr, done.stderr
    assert mid_write >= 1, "no kill landed inside a checkpoint write"
