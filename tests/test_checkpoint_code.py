"""Checkpoints see code: an edited program is refused on resume unless asked; checkpoints can be timed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from pregel.algorithms.pagerank import PageRank
from pregel.cli.main import main
from pregel.core.checkpoint import parse_every
from tests.conftest import ROOT

PROGRAM = """
from pregel import Vertex, Sum

class Spread(Vertex):
    combiner = Sum
    initial_value = 1.0

    def compute(self, messages):
        if self.superstep > 0:
            self.value = {formula}
        if self.superstep < 12:
            self.send_message_to_all_neighbors(self.value / max(self.out_degree, 1))
        else:
            self.vote_to_halt()
"""


def run_cli(tmp_path, formula: str, *flags: str) -> subprocess.CompletedProcess:
    program = tmp_path / "spread.py"
    program.write_text(PROGRAM.format(formula=formula))
    edges = tmp_path / "e.txt"
    edges.write_text("1 2\n2 3\n3 1\n3 4\n")
    command = [sys.executable, "-m", "pregel", "run", f"{program}:Spread", str(edges), "--quiet"]
    command += ["--checkpoint-dir", str(tmp_path / "ck"), "--checkpoint-every", "4", *flags]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)


def test_an_edited_program_is_refused_on_resume_unless_asked(tmp_path):
    first = run_cli(tmp_path, "0.5 + 0.5 * (messages or 0.0)", "--max-supersteps", "6")
    assert first.returncode == 0, first.stderr
    edited = run_cli(tmp_path, "0.25 + 0.75 * (messages or 0.0)", "--resume")
    assert edited.returncode == 2
    assert edited.stderr.count("\n") == 1 and "other code of Spread" in edited.stderr
    assert "--resume-with-new-code" in edited.stderr
    # the same code resumes, and asked to, the edited code resumes too
    assert run_cli(tmp_path, "0.5 + 0.5 * (messages or 0.0)", "--resume", "--max-supersteps", "8").returncode == 0
    forced = run_cli(tmp_path, "0.25 + 0.75 * (messages or 0.0)", "--resume", "--resume-with-new-code")
    assert forced.returncode == 0, forced.stderr


def test_resume_with_new_code_needs_resume(tmp_path, capsys):
    edges = tmp_path / "e.txt"
    edges.write_text("1 2\n")
    assert main(["pagerank", str(edges), "--checkpoint-dir", str(tmp_path / "ck"), "--resume-with-new-code"]) == 2
    assert capsys.readouterr().err.strip().endswith("--resume-with-new-code needs --resume")


def test_code_fingerprints_follow_the_source():
    namespace: dict = {}
    for formula in ("1", "1", "2"):
        exec(textwrap.dedent(PROGRAM.format(formula=formula)), namespace)
        namespace.setdefault("prints", []).append(namespace["Spread"]().code_fingerprint())
    same, again, other = namespace["prints"]
    assert same == again != other
    # a built-in algorithm's classes count too, and its parameters do not change its code
    assert PageRank(tol=1e-3).code_fingerprint() == PageRank().code_fingerprint()


@pytest.mark.parametrize(
    ("text", "every"), [("7", 7), ("30s", 30.0), ("1.5m", 90.0), ("2h", 7200.0), (3, 3), (0.25, 0.25)]
)
def test_checkpoint_every_takes_supersteps_or_a_time(text, every):
    assert parse_every(text) == every


@pytest.mark.parametrize("bad", ["0", "-3", "0s", "-1m", "soon", "infs", "", 0, -1.0, True])
def test_a_bad_interval_is_refused(bad):
    with pytest.raises(pregel.InputError, match="checkpoint_every"):
        parse_every(bad)


def test_a_timed_checkpoint_is_taken_and_resumes_to_the_same_ranks(tmp_path):
    graph = pregel.Graph.from_edges(*np.random.default_rng(2).integers(0, 300, (2, 3000)))
    # a tiny interval: every superstep boundary is past it
    first = pregel.run(graph, PageRank(tol=0.0), max_supersteps=9, checkpoint_dir=tmp_path, checkpoint_every=1e-9)
    assert sorted(p.name for p in tmp_path.glob("superstep-*")) == ["superstep-000008", "superstep-000009"]
    more = pregel.run(graph, PageRank(tol=0.0), max_supersteps=60, checkpoint_dir=tmp_path, resume=True)
    # tol=0: the run stops where the ranks stop changing (or at 60), resumed or not
    whole = pregel.run(graph, PageRank(tol=0.0), max_supersteps=60)
    assert more.recoveries[0].superstep == 9 and first.supersteps == 9 and more.supersteps == whole.supersteps > 9
    np.testing.assert_array_equal(more.values, whole.values)
    np.testing.assert_allclose(more.values, reference.pagerank(graph, tol=1e-14).values, atol=1e-12)
