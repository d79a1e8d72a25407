"""Checkpoints: a resumed run equals one that never stopped; a damaged or foreign checkpoint is never loaded."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import time
import zlib
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy.sparse import csgraph

import pregel
from pregel import Vertex
from pregel.algorithms import reference
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.louvain import Announced
from pregel.algorithms.pagerank import PageRank, PageRankVertex
from pregel.algorithms.sssp import ShortestPaths
from pregel.backends.local import LocalBackend
from pregel.cli.main import main
from pregel.core.checkpoint import MANIFEST
from pregel.errors import CheckpointError
from tests.graphs import random_graph

GRAPH = random_graph(weighted=True)
SOURCE = int(GRAPH.ids[np.argmax(GRAPH.out_degree)])


def pagerank_reference(graph: pregel.Graph) -> np.ndarray:
    return reference.pagerank(graph, tol=1e-13).values


def sssp_reference(graph: pregel.Graph) -> np.ndarray:
    return csgraph.dijkstra(graph.to_scipy(), indices=int(graph.index_of(SOURCE)[0]))


def components_reference(graph: pregel.Graph) -> np.ndarray:
    _, labels = csgraph.connected_components(graph.to_scipy(), directed=True, connection="weak")
    smallest = {}
    for label, vertex_id in zip(labels.tolist(), graph.ids.tolist()):
        smallest.setdefault(label, vertex_id)  # ids are sorted: the first seen is the smallest
    return np.array([smallest[label] for label in labels.tolist()])


CASES = {
    "pagerank": (GRAPH, lambda: PageRank(tol=1e-13), pagerank_reference, 1e-10),
    "pagerank-scalar": (GRAPH, lambda: PageRankVertex(tol=1e-13), pagerank_reference, 1e-10),
    "sssp": (GRAPH, lambda: ShortestPaths(source=SOURCE), sssp_reference, 1e-9),
    "cc": (GRAPH.to_undirected(), ConnectedComponents, components_reference, 0),
}


def folders(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def interrupted(tmp_path: Path, case: str, workers: int, stop_at: int, every: int) -> Path:
    """Leave checkpoints behind as a run stopped after ``stop_at`` supersteps would."""
    graph, program, _, _ = CASES[case]
    directory = tmp_path / "ck"
    first = pregel.run(
        graph, program(), workers=workers, max_supersteps=stop_at, checkpoint_dir=directory, checkpoint_every=every
    )
    assert first.stopped_by == "max_supersteps"
    return directory


def assert_same_run(resumed: pregel.Result, uninterrupted: pregel.Result) -> None:
    """Bit for bit the same values, supersteps, statistics and aggregator values."""
    assert resumed.values.dtype == uninterrupted.values.dtype
    assert np.array_equal(resumed.values, uninterrupted.values)
    assert (resumed.supersteps, resumed.stopped_by) == (uninterrupted.supersteps, uninterrupted.stopped_by)
    counts = [(s.superstep, s.active, s.messages_sent, s.messages_combined, s.aggregated) for s in resumed.stats]
    assert counts == [
        (s.superstep, s.active, s.messages_sent, s.messages_combined, s.aggregated) for s in uninterrupted.stats
    ]
    assert resumed.aggregated == uninterrupted.aggregated


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("case", list(CASES))
def test_resumed_run_equals_uninterrupted_run(tmp_path, case, workers):
    graph, program, expected, tolerance = CASES[case]
    directory = interrupted(tmp_path, case, workers, stop_at=5, every=2)
    assert folders(directory) == ["reached", "superstep-000002", "superstep-000004"]
    resumed = pregel.run(graph, program(), workers=workers, checkpoint_dir=directory, resume=True)
    uninterrupted = pregel.run(graph, program(), workers=workers)
    assert_same_run(resumed, uninterrupted)
    # the first run stopped after superstep 5, one past the checkpoint: superstep 4 is run again
    (recovery,) = resumed.recoveries
    assert (recovery.kind, recovery.cause, recovery.superstep, recovery.failed_at) == ("resume", "resume", 4, 5)
    assert recovery.replayed == 1 and recovery.partitions == list(range(workers)) and recovery.seconds > 0
    assert resumed.recoveries[0].checkpoint == str(directory / "superstep-000004")
    assert resumed.supersteps > 5
    np.testing.assert_allclose(resumed.values, expected(graph), rtol=0, atol=tolerance)


def test_resume_extends_a_run_stopped_at_max_supersteps(tmp_path):
    directory = interrupted(tmp_path, "pagerank", 2, stop_at=6, every=3)
    again = pregel.run(GRAPH, PageRank(tol=1e-13), workers=2, max_supersteps=6, checkpoint_dir=directory, resume=True)
    assert (again.supersteps, again.stopped_by) == (6, "max_supersteps")
    assert np.array_equal(again.values, pregel.run(GRAPH, PageRank(tol=1e-13), workers=2, max_supersteps=6).values)
    with pytest.raises(pregel.InputError, match="past max_supersteps 4"):
        pregel.run(GRAPH, PageRank(tol=1e-13), workers=2, max_supersteps=4, checkpoint_dir=directory, resume=True)


# ------------------------------------------------------------------ corruption
def truncate_part(folder: Path) -> None:
    part = folder / "part-00001.arrays"
    part.write_bytes(part.read_bytes()[:-100])


def flip_byte(where: float):
    def flip(folder: Path) -> None:
        part = folder / "part-00001.arrays"
        data = bytearray(part.read_bytes())
        data[int(where * (len(data) - 1))] ^= 0x01
        part.write_bytes(bytes(data))

    return flip


def remove_manifest(folder: Path) -> None:
    (folder / MANIFEST).unlink()


def remove_part(folder: Path) -> None:
    (folder / "part-00002.arrays").unlink()


def flip_manifest_byte(folder: Path) -> None:
    manifest = folder / MANIFEST
    data = bytearray(manifest.read_bytes())
    position = data.index(b'"superstep": ') + len(b'"superstep": ')
    data[position] = ord("7")  # still valid JSON, a different superstep
    manifest.write_bytes(bytes(data))


DAMAGE = {
    "truncated part": (truncate_part, "has the wrong size"),
    "flipped byte at start of part": (flip_byte(0.0), "does not match its checksum"),
    "flipped byte in the middle of part": (flip_byte(0.5), "does not match its checksum"),
    "flipped byte at end of part": (flip_byte(1.0), "does not match its checksum"),
    "missing manifest": (remove_manifest, "no manifest"),
    "manifest naming a missing part": (remove_part, "part-00002.arrays is missing"),
    "manifest edited": (flip_manifest_byte, "does not match its checksum"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_checkpoint_is_never_loaded(tmp_path, damage):
    spoil, reason = DAMAGE[damage]
    directory = interrupted(tmp_path, "pagerank", 3, stop_at=6, every=2)
    spoil(directory / "superstep-000006")
    seen = []
    resumed = pregel.run(
        GRAPH, PageRank(tol=1e-13), workers=3, checkpoint_dir=directory, resume=True, on_recovery=seen.append
    )
    (recovery,) = resumed.recoveries
    assert seen == [recovery]
    assert recovery.superstep == 4
    assert len(recovery.skipped) == 1 and recovery.skipped[0].startswith("superstep-000006")
    assert reason in recovery.skipped[0]
    assert_same_run(resumed, pregel.run(GRAPH, PageRank(tol=1e-13), workers=3))


def test_no_good_checkpoint_fails_clearly(tmp_path):
    directory = interrupted(tmp_path, "pagerank", 3, stop_at=6, every=2)
    truncate_part(directory / "superstep-000006")
    flip_byte(0.5)(directory / "superstep-000004")
    with pytest.raises(CheckpointError) as error:
        pregel.run(GRAPH, PageRank(tol=1e-13), workers=3, checkpoint_dir=directory, resume=True)
    message = str(error.value)
    assert message.startswith(f"{directory}: no complete checkpoint to resume from")
    assert "superstep-000006 is damaged (part-00001.arrays has the wrong size)" in message
    assert "superstep-000004 is damaged (part-00001.arrays does not match its checksum)" in message


def test_resume_without_checkpoints_fails_clearly(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint directory"):
        pregel.run(GRAPH, PageRank(), checkpoint_dir=tmp_path / "none", resume=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="no complete checkpoint to resume from$"):
        pregel.run(GRAPH, PageRank(), checkpoint_dir=tmp_path / "empty", resume=True)


# ------------------------------------------------------------------ refusal
REFUSED = {
    "another graph": (random_graph(seed=1, weighted=True), PageRank(tol=1e-13), 2, "made for another graph"),
    "other weights": (
        pregel.Graph(GRAPH.ids, GRAPH.indptr, GRAPH.indices, GRAPH.weights * 2),
        PageRank(tol=1e-13),
        2,
        f"made for another graph with as many vertices and edges ({GRAPH.num_vertices}, {GRAPH.num_edges}): other",
    ),
    "another program": (GRAPH, ShortestPaths(source=SOURCE), 2, "made for PageRank(tol=1e-13), not ShortestPaths"),
    # the program named, not the graph, when both differ (another command on the same file)
    "another program and graph": (
        random_graph(seed=1),
        ShortestPaths(source=SOURCE),
        2,
        "made for PageRank(tol=1e-13), not ShortestPaths",
    ),
    "other parameters": (GRAPH, PageRank(tol=1e-13, damping=0.5), 2, "not PageRank(tol=1e-13, damping=0.5)"),
    "scalar twin": (GRAPH, PageRankVertex(tol=1e-13), 2, "not PageRankVertex(tol=1e-13)"),
    "another partition count": (GRAPH, PageRank(tol=1e-13), 3, "made with 2 partitions, not 3"),
}


@pytest.mark.parametrize("why", list(REFUSED))
def test_checkpoint_of_another_run_is_refused(tmp_path, why):
    graph, program, workers, message = REFUSED[why]
    directory = interrupted(tmp_path, "pagerank", 2, stop_at=4, every=2)
    before = {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    with pytest.raises(CheckpointError, match=re.escape(message)):
        pregel.run(graph, program, workers=workers, checkpoint_dir=directory, resume=True)
    assert {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()} == before


def test_fresh_run_refuses_a_folder_holding_checkpoints(tmp_path):
    directory = interrupted(tmp_path, "pagerank", 2, stop_at=4, every=2)
    with pytest.raises(CheckpointError, match="already holds checkpoints .the newest at superstep 4."):
        pregel.run(GRAPH, PageRank(tol=1e-13), workers=2, checkpoint_dir=directory)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"checkpoint_every": 2}, "need a checkpoint_dir"),
        ({"resume": True}, "need a checkpoint_dir"),
        ({"checkpoint_dir": "x", "checkpoint_every": 0}, "at least 1"),
    ],
)
def test_bad_checkpoint_arguments(options, message):
    with pytest.raises(pregel.InputError, match=message):
        pregel.run(GRAPH, PageRank(), **options)


# ------------------------------------------------------------------ writing
def test_keeps_the_newest_two_complete_checkpoints_and_nothing_else(tmp_path):
    directory = interrupted(tmp_path, "pagerank", 2, stop_at=9, every=1)
    assert folders(directory) == ["reached", "superstep-000008", "superstep-000009"]
    assert (directory / "reached").read_text() == f"{9:12d}\n"
    for folder in directory.glob("superstep-*"):
        assert folders(folder) == [MANIFEST, "part-00000.arrays", "part-00001.arrays"]
    seal, state, *history = (directory / "superstep-000009" / MANIFEST).read_text().splitlines()
    assert json.loads(seal)["format"] == "pregel-checkpoint/2"
    assert json.loads(state)["superstep"] == 9
    assert [json.loads(line)["superstep"] for line in history] == list(range(9))


def part_header(path: Path) -> dict:
    """The JSON line describing a part's arrays (after the line naming the format)."""
    return json.loads(path.read_bytes().split(b"\n", 2)[1])


def test_numeric_parts_load_without_pickle(tmp_path):
    directory = interrupted(tmp_path, "sssp", 2, stop_at=2, every=2)
    for part in (directory / "superstep-000002").glob("part-*.arrays"):
        arrays = {entry["name"]: entry for entry in part_header(part)["arrays"]}
        # sssp combines with Min: the inbox is stored as who got mail (bits) and one message each
        assert sorted(arrays) == ["active", "inbox_has", "inbox_values", "values"]
        assert not any(entry.get("pickled") for entry in arrays.values())
        assert arrays["values"]["descr"] == "<f8" and arrays["active"]["bits"]


def test_a_flipped_bit_anywhere_in_any_file_is_refused(tmp_path):
    directory = interrupted(tmp_path, "pagerank", 2, stop_at=6, every=2)
    saved = {p.relative_to(directory): p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    newest = Path("superstep-000006")
    names = sorted(p.name for p in saved if p.parent == newest)
    assert names == ["manifest.jsonl", "part-00000.arrays", "part-00001.arrays"]
    rng = np.random.default_rng(0)
    for k, name in enumerate(names * 4):
        good = saved[newest / name]
        header_end = good.index(b"\n", good.index(b"\n") + 1)
        # the format line, the header, the arrays, the last byte, then anywhere
        position = [0, header_end - 3, len(good) - 1, int(rng.integers(len(good)))][k // len(names)]
        trial = tmp_path / f"trial-{k}"
        for relative, data in saved.items():
            (trial / relative).parent.mkdir(parents=True, exist_ok=True)
            spoiled = bytearray(data)
            if relative == newest / name:
                spoiled[position] ^= 1 << int(rng.integers(8))
            (trial / relative).write_bytes(bytes(spoiled))
        resumed = pregel.run(GRAPH, PageRank(tol=1e-13), workers=2, max_supersteps=6, checkpoint_dir=trial, resume=True)
        (recovery,) = resumed.recoveries
        assert recovery.superstep == 4, (name, position, recovery)
        assert recovery.skipped[0].startswith("superstep-000006 is damaged"), recovery.skipped


@pytest.mark.parametrize("backend", ["local/1", "local/3"])
def test_one_fsync_per_file_and_per_folder(tmp_path, monkeypatch, backend):
    synced: list[tuple[int, int, bool]] = []
    fsync = os.fsync

    def counting(fd: int) -> None:
        info = os.fstat(fd)
        synced.append((info.st_dev, info.st_ino, stat.S_ISDIR(info.st_mode)))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", counting)
    directory = tmp_path / "ck"
    workers = int(backend.split("/")[1])
    # one checkpoint, at superstep 3, and nothing else that syncs
    pregel.run(GRAPH, PageRank(tol=0), workers=workers, max_supersteps=3, checkpoint_dir=directory, checkpoint_every=3)
    folder = directory / "superstep-000003"
    written = sorted(folder.iterdir())
    assert len(written) == workers + 1  # the parts and the manifest
    inode = {p: (p.stat().st_dev, p.stat().st_ino) for p in [*written, folder, directory]}
    files = sorted(inode[p] for p in written)
    assert sorted((dev, ino) for dev, ino, is_dir in synced if not is_dir) == files
    assert sorted((dev, ino) for dev, ino, is_dir in synced if is_dir) == sorted([inode[folder], inode[directory]])


def test_a_checkpoint_of_the_old_format_is_refused_clearly(tmp_path):
    directory = interrupted(tmp_path, "pagerank", 2, stop_at=4, every=2)
    manifest = directory / "superstep-000004" / MANIFEST
    seal, body = manifest.read_bytes().split(b"\n", 1)
    # format 1 sealed with SHA-256 and stored .npz parts
    manifest.write_bytes(json.dumps({"format": "pregel-checkpoint/1", "sha256": "0" * 64}).encode() + b"\n" + body)
    message = f"{directory}/superstep-000004 is in checkpoint format pregel-checkpoint/1, written by another version"
    with pytest.raises(CheckpointError, match=re.escape(message)):
        pregel.run(GRAPH, PageRank(tol=1e-13), workers=2, checkpoint_dir=directory, resume=True)


class Reach(Vertex):
    """Every vertex learns which vertices reach it in at most ``hops`` edges (a sorted tuple of ids)."""

    value_dtype = object
    hops = 4

    def initial_value(self) -> tuple[int, ...]:
        return (self.id,)

    def compute(self, messages: list[tuple[int, ...]]) -> None:
        self.value = tuple(sorted(set(self.value).union(*messages)))
        if self.superstep < self.hops:
            self.send_message_to_all_neighbors(self.value)
        else:
            self.vote_to_halt()


def test_object_values_and_uncombined_messages_resume_exactly(tmp_path):
    graph = random_graph(n=60, m=120, seed=3, weighted=True)
    directory = tmp_path / "ck"
    pregel.run(graph, Reach(), workers=2, max_supersteps=3, checkpoint_dir=directory, checkpoint_every=1)
    resumed = pregel.run(graph, Reach(), workers=2, checkpoint_dir=directory, resume=True)
    assert resumed.recoveries[0].superstep == 3
    assert resumed.to_dict() == pregel.run(graph, Reach(), workers=2).to_dict()
    reverse = graph.to_networkx().reverse()
    expected = {v: tuple(sorted(nx.single_source_shortest_path_length(reverse, v, cutoff=4))) for v in reverse}
    assert resumed.to_dict() == expected


def test_no_temporary_files_are_left(tmp_path):
    directory = interrupted(tmp_path, "cc", 2, stop_at=3, every=1)
    leftovers = [p for p in directory.rglob("*") if p.name.startswith(".")]
    assert leftovers == []


# ------------------------------------------------------------------ command line
def test_cli_resume_refuses_another_program_with_exit_status_2(run_cli, tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("1 2\n2 3\n3 1\n3 4\n")
    first = run_cli("pagerank", edges, "--checkpoint-dir", "ck", "--checkpoint-every", "1", "--max-supersteps", "3")
    assert first.returncode == 0, first.stderr
    refused = run_cli("pagerank", edges, "--damping", "0.5", "--checkpoint-dir", "ck", "--resume", "-o", "out.tsv")
    assert refused.returncode == 2
    assert refused.stderr.decode().startswith("pregel: error: ck/superstep-000003 was made for PageRank(")
    assert refused.stderr.count(b"\n") == 1 and not (tmp_path / "out.tsv").exists()
    again = run_cli("pagerank", edges, "--checkpoint-dir", "ck")
    assert again.returncode == 2 and b"already holds checkpoints" in again.stderr


def test_cli_reports_the_resume_in_the_summary_and_the_stats(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("edges.txt").write_text("".join(f"{u} {v}\n" for u, v in GRAPH.to_networkx().edges))
    common = [
        "pagerank",
        "edges.txt",
        "--workers",
        "2",
        "--checkpoint-dir",
        "ck",
        "--checkpoint-every",
        "2",
        "--tol",
        "0",
    ]
    assert main([*common, "--max-supersteps", "5", "-o", "first.tsv"]) == 0
    capsys.readouterr()
    assert main([*common, "--max-supersteps", "8", "--resume", "--stats", "stats.json", "-o", "ranks.tsv"]) == 0
    stderr = capsys.readouterr().err
    # checkpoints at 2 and 4, the first run stopped after 5: superstep 4 runs a second time
    assert re.search(r"8 supersteps \(resumed at superstep 4, 1 replayed in \d+\.\d\d s\)", stderr), stderr
    (recovery,) = json.loads(Path("stats.json").read_text())["recoveries"]
    seconds = recovery.pop("seconds")
    assert 0 < seconds < 60
    assert recovery == {
        "kind": "resume",
        "cause": "resume",
        "superstep": 4,
        "failed_at": 5,
        "replayed": 1,
        "partitions": [0, 1],
        "checkpoint": "ck/superstep-000004",
        "skipped": [],
    }


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--resume"], "--resume needs --checkpoint-dir DIR"),
        (["--checkpoint-every", "3"], "--checkpoint-every needs --checkpoint-dir DIR"),
        (["--checkpoint-dir", "ck", "--checkpoint-every", "0"], "must be at least 1"),
        (["--checkpoint-dir", "ck", "--backend", "scipy"], "--checkpoint-dir has no meaning with --backend scipy"),
        (["--checkpoint-dir", "ck", "--resume"], "ck: no such checkpoint directory"),
    ],
)
def test_cli_checkpoint_usage_errors(run_cli, tmp_path, flags, message):
    edges = tmp_path / "edges.txt"
    edges.write_text("1 2\n")
    done = run_cli("cc", edges, *flags)
    assert done.returncode == 2
    assert message in done.stderr.decode() and done.stderr.count(b"\n") == 1


class RewritesInPlace(pregel.BatchProgram):
    """Master compute announces one array and rewrites it in place every superstep (as Louvain's plan does);
    each vertex adds the array's entry for itself to its value."""

    initial_value = 0.0
    aggregators = {"plan": Announced}

    def compute(self, v):
        plan = v.aggregated("plan")
        if plan is not None:
            v.values = v.values + plan[v.ids]

    def master_compute(self, master):
        kept = self.__dict__.setdefault("kept", np.zeros(master.num_vertices))
        # the very array announced before, rewritten in place (with what depends on the superstep alone,
        # so that a resumed run's master, which starts without it, announces the same)
        kept[:] = (master.superstep + 1) * (master.superstep + 2) / 2
        master.set_aggregated("plan", kept)


def test_a_checkpoint_keeps_the_aggregators_of_its_superstep_though_master_rewrites_them_in_place(
    tmp_path, monkeypatch
):
    """The writer runs beside the next supersteps: it must write the values as they were at the checkpoint."""
    g = pregel.Graph.from_edges(np.arange(6), (np.arange(6) + 1) % 6)
    whole = pregel.run(g, RewritesInPlace, max_supersteps=12, workers=2)
    save = LocalBackend.save

    def slow_save(self, folder, **options):
        write = save(self, folder, **options)

        def slowly():
            time.sleep(0.1)  # the next supersteps (and master computes) run meanwhile
            return write()

        return slowly

    monkeypatch.setattr(LocalBackend, "save", slow_save)
    directory = tmp_path / "ck"
    pregel.run(g, RewritesInPlace, max_supersteps=12, workers=2, checkpoint_dir=directory, checkpoint_every=4)
    shutil.rmtree(directory / "superstep-000012")  # resume from 8, written while supersteps 8-11 ran
    resumed = pregel.run(g, RewritesInPlace, max_supersteps=12, workers=2, checkpoint_dir=directory, resume=True)
    assert resumed.recoveries[0].superstep == 8
    np.testing.assert_array_equal(resumed.values, whole.values)


def reseal(manifest: Path, change) -> None:
    """Apply ``change`` to the manifest's run state and seal it again, as the writer would."""
    lines = manifest.read_text().splitlines()
    state = json.loads(lines[1])
    change(state)
    body = "".join(line + "\n" for line in [json.dumps(state, sort_keys=True), *lines[2:]])
    seal = {**json.loads(lines[0]), "crc32": zlib.crc32(body.encode())}
    manifest.write_text(json.dumps(seal) + "\n" + body)


@pytest.mark.parametrize("fingerprint, resumes", [("blake2b", True), ("another graph's blake2b", False)])
def test_a_checkpoint_fingerprinted_with_blake2b_still_resumes(tmp_path, fingerprint, resumes):
    """Checkpoints written before the CRC-32 fingerprints hold a BLAKE2b of the graph: still recognised."""
    directory = interrupted(tmp_path, "pagerank", 2, stop_at=4, every=2)
    assert manifest_state(directory / "superstep-000004")["graph"]["fingerprint"].startswith("crc32:")
    graph = GRAPH if resumes else random_graph(n=GRAPH.num_vertices, seed=99)
    old = graph.fingerprint("blake2b")
    assert len(old) == 32
    reseal(directory / "superstep-000004" / MANIFEST, lambda state: state["graph"].update(fingerprint=old))
    if resumes:
        resumed = pregel.run(GRAPH, PageRank(tol=1e-13), workers=2, checkpoint_dir=directory, resume=True)
        assert resumed.recoveries[0].superstep == 4
    else:
        with pytest.raises(CheckpointError, match="another graph"):
            pregel.run(GRAPH, PageRank(tol=1e-13), workers=2, checkpoint_dir=directory, resume=True)


def manifest_state(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text().splitlines()[1])
