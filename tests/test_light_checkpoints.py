"""Light checkpoints: a program that can send its messages again from its values stores none.

The regenerated mail is compared bit for bit with the mail a full checkpoint stores, and
runs resumed from light checkpoints with uninterrupted runs (Ray's confined recovery from
them is in test_confined_recovery.py, whose PageRank checkpoints are light).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import pregel
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from pregel.algorithms.ppr import ParallelPersonalizedPageRank
from pregel.algorithms.weighted_pagerank import WeightedPageRank
from pregel.backends.local import LocalBackend
from pregel.core.checkpoint import MANIFEST, read_part, read_state, write_parts
from pregel.core.types import PartRecord
from pregel.errors import CheckpointError, PregelError
from tests.graphs import random_graph

GRAPH = random_graph(weighted=True)


class StoredPageRank(PageRank):
    """PageRank whose checkpoints store the messages (as a program without ``resend`` has them)."""

    @property
    def resends(self) -> bool:
        return False


def bits(value) -> tuple:
    """A value (a number, an array, a dict of them) as comparable bytes: equal bits, not close values."""
    if isinstance(value, dict):
        return tuple((k, bits(v)) for k, v in sorted(value.items()))
    array = np.asarray(value)
    return (array.dtype.str, array.shape, array.tobytes())


def assert_same_run(resumed: pregel.Result, uninterrupted: pregel.Result) -> None:
    assert bits(resumed.values) == bits(uninterrupted.values)
    assert (resumed.supersteps, resumed.stopped_by) == (uninterrupted.supersteps, uninterrupted.stopped_by)
    assert [
        (s.superstep, s.active, s.messages_sent, s.messages_combined, bits(s.aggregated)) for s in resumed.stats
    ] == [
        (s.superstep, s.active, s.messages_sent, s.messages_combined, bits(s.aggregated)) for s in uninterrupted.stats
    ]


def manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text().splitlines()[1])


def weighted_pagerank() -> WeightedPageRank:
    return WeightedPageRank(tol=0, ids=GRAPH.ids)


PROGRAMS = {
    "pagerank": lambda: PageRank(tol=0),
    "weighted": weighted_pagerank,
    "ppr": lambda: ParallelPersonalizedPageRank(sources=tuple(GRAPH.ids[:3].tolist()), tol=0),
}


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_resent_mail_is_the_stored_mail_bit_for_bit(tmp_path, name, workers):
    """After k supersteps: a backend restored from values alone and resending equals the one that ran."""
    make = PROGRAMS[name]
    ran = LocalBackend(GRAPH, make(), workers=workers, threads=1)
    for superstep in range(4):
        ran.superstep(superstep, {"dangling": 0.0, "delta": 0.0})
    stored = ran.states()
    parts = write_parts(
        tmp_path, [(k, {n: a for n, a in s.items() if not n.startswith("inbox")}) for k, s in enumerate(stored)]
    )
    fresh = LocalBackend(GRAPH, make(), workers=workers, threads=1)
    fresh.restore(tmp_path, parts)
    fresh.resend(3)
    for mine, theirs in zip(fresh.states(), stored):
        assert set(mine) == set(theirs)
        for key in mine:
            assert mine[key].dtype == theirs[key].dtype and mine[key].tobytes() == theirs[key].tobytes(), key


@pytest.mark.parametrize("workers", [1, 3])
def test_parts_of_a_resending_program_hold_no_messages(tmp_path, workers):
    pregel.run(GRAPH, PageRank(tol=0), workers=workers, max_supersteps=5, checkpoint_dir=tmp_path, checkpoint_every=2)
    folder = tmp_path / "superstep-000004"
    written = manifest(folder)
    assert written["messages"] == "resent"
    for part in written["parts"]:
        assert set(read_part(folder, PartRecord(**part))) == {"values", "active"}
    stored = tmp_path / "stored"
    pregel.run(
        GRAPH, StoredPageRank(tol=0), workers=workers, max_supersteps=5, checkpoint_dir=stored, checkpoint_every=2
    )
    assert manifest(stored / "superstep-000004")["messages"] == "stored"
    light = sum(p["bytes"] for p in written["parts"])
    full = sum(p["bytes"] for p in manifest(stored / "superstep-000004")["parts"])
    assert light < 0.75 * full


def test_a_program_without_resend_stores_its_messages(tmp_path):
    pregel.run(
        GRAPH.to_undirected(), ConnectedComponents(), max_supersteps=2, checkpoint_dir=tmp_path, checkpoint_every=1
    )
    folder = tmp_path / "superstep-000002"
    assert manifest(folder)["messages"] == "stored"
    (part,) = manifest(folder)["parts"]
    assert "inbox_values" in read_state(folder, PartRecord(**part))


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("stop_at", [1, 2, 6, 7])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_a_run_resumed_from_a_light_checkpoint_equals_the_uninterrupted_run(tmp_path, name, stop_at, workers):
    make = PROGRAMS[name]
    uninterrupted = pregel.run(GRAPH, make(), workers=workers, max_supersteps=12)
    options = {"workers": workers, "checkpoint_dir": tmp_path, "checkpoint_every": 1}
    pregel.run(GRAPH, make(), max_supersteps=stop_at, **options)
    resumed = pregel.run(GRAPH, make(), max_supersteps=12, resume=True, **options)
    assert_same_run(resumed, uninterrupted)


class ResendsAndHalts(PageRank):
    def resend(self, v):
        super().resend(v)
        v.vote_to_halt()


def test_a_resend_that_does_more_than_send_is_refused(tmp_path):
    options = {"checkpoint_dir": tmp_path, "checkpoint_every": 2}
    pregel.run(GRAPH, ResendsAndHalts(tol=0), max_supersteps=3, **options)
    with pytest.raises(PregelError, match="ResendsAndHalts.resend may only send messages"):
        pregel.run(GRAPH, ResendsAndHalts(tol=0), max_supersteps=6, resume=True, **options)


def test_a_light_checkpoint_needs_a_program_that_resends(tmp_path, monkeypatch):
    options = {"checkpoint_dir": tmp_path, "checkpoint_every": 2}
    pregel.run(GRAPH, PageRank(tol=0), max_supersteps=3, **options)
    monkeypatch.setattr(PageRank, "resends", property(lambda self: False))
    with pytest.raises(CheckpointError, match="holds no messages .* cannot make them again"):
        pregel.run(GRAPH, PageRank(tol=0), max_supersteps=6, resume=True, **options)
