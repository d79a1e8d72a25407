"""Checkpoints: atomic, checksummed snapshots of a run between supersteps, and resuming from them.

A checkpoint at superstep S holds everything needed to run superstep S next. Each
partition writes its own part (its vertices' values, active flags and pending inbox,
already combined; no inbox when the program ``resends``: a light checkpoint, whose
messages the program makes again from the values on restore); then the driver writes
the manifest: the aggregator values, the statistics so far, fingerprints of the graph
and of the program with its parameters, the partition count, and the size and CRC-32 of
every part. The manifest is written last (temporary file, fsync, rename) and carries its
own checksum, so a checkpoint whose manifest is missing or damaged never counts, and
neither does one whose parts do not match it. The newest two complete checkpoints are
kept::

    DIR/superstep-000012/part-00000.arrays
    DIR/superstep-000012/part-00001.arrays
    DIR/superstep-000012/manifest.jsonl

The manifest is JSON lines: a seal (format and the CRC-32 of the lines after it), the
run state, then one line of statistics per superstep run so far.

A part is the arrays' bytes as they are in memory after a JSON line describing them
(see :func:`write_part`): no archive, no compression, one pass of CRC-32 (which finds
every error of up to 32 consecutive bits, so any one damaged byte). Each file is
synced once; the checkpoint's folder once, after the manifest's rename, and the
directory holding it once, before older checkpoints are removed.

Object arrays (programs with ``value_dtype=object``, or messages numpy cannot type) and
aggregator values JSON cannot hold exactly are pickled, and unpickled only after their
checksum matched: a checkpoint is as trusted as the program that wrote it, so resume
only checkpoints you made. On a Ray cluster, DIR must be a folder every node sees.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import os
import pickle
import re
import shutil
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core.files import atomic_write, fsync_directory
from pregel.core.graph import Graph
from pregel.core.types import (
    Backend,
    Confining,
    PartitionStatus,
    PartRecord,
    Recovery,
    RunState,
    Savepoint,
    SuperstepStats,
)
from pregel.errors import CheckpointDamaged, CheckpointError, InputError, ReplayLost, WorkerLost

if TYPE_CHECKING:
    from pregel.core.program import Program

FORMAT = "pregel-checkpoint/2"
MANIFEST = "manifest.jsonl"
# beside the checkpoint folders: the superstep boundary the run writing them reached
REACHED = "reached"
DEFAULT_EVERY = 10
DEFAULT_MAX_RESTARTS = 3
KEEP = 2
_FOLDER = re.compile(r"superstep-(\d+)")
#: how an input's fingerprint starts when the Ray workers loaded it (pregel.core.held; "crc32:": today's kind)
HELD_FINGERPRINT = "crc32:held:"
_PICKLED = ".pickle"


class Checkpointer:
    """Saves a run every ``every`` supersteps and brings it back from the newest good checkpoint.

    Parameters
    ----------
    directory : str or path, optional
        Where checkpoints go; ``None`` writes none.
    every : int, float or str, optional
        Supersteps between checkpoints (default 10), or a time: seconds as a float, or
        text such as ``"30s"``, ``"5m"``, ``"1h"`` (see :func:`parse_every`); a timed
        checkpoint is taken at the first superstep boundary after the time has passed.
    graph : Graph
    program : Program
    resume : bool
        Start from the newest good checkpoint in ``directory`` instead of superstep 0.
    on_recovery : callable, optional
        Told about each resume or recovery as it happens.
    max_restarts : int
        How many times a run may start its workers again after losing one.
    resume_with_new_code : bool
        Resume even though the program's code changed since the checkpoint was made
        (by default that is refused: the replayed supersteps would not be the ones the
        checkpoint continues).
    confined : bool
        After a lost worker, replay only its partition from the others' message logs
        where the backend can (the Ray backend, with a checkpoint directory); False
        rolls every partition back (global recovery) every time.

    Raises
    ------
    InputError
        For ``every`` below 1 (or a time that is not positive), or ``every``/``resume``
        without a directory.

    Examples
    --------
    >>> import os, tempfile, pregel
    >>> from pregel.algorithms.pagerank import PageRank
    >>> g = pregel.Graph.from_edges([1, 1, 2, 3], [2, 3, 3, 1])
    >>> folder = tempfile.mkdtemp()
    >>> first = pregel.run(g, PageRank(), max_supersteps=7, checkpoint_dir=folder, checkpoint_every=2)
    >>> sorted(os.listdir(folder))
    ['reached', 'superstep-000004', 'superstep-000006']
    >>> rest = pregel.run(g, PageRank(), checkpoint_dir=folder, resume=True)
    >>> rest.recoveries[0].superstep, rest.supersteps == pregel.run(g, PageRank()).supersteps
    (6, True)
    """

    def __init__(
        self,
        directory: str | Path | None,
        every: int | float | str | None,
        graph: Graph,
        program: Program,
        resume: bool = False,
        on_recovery: Callable[[Recovery], None] | None = None,
        max_restarts: int = DEFAULT_MAX_RESTARTS,
        resume_with_new_code: bool = False,
        confined: bool = True,
    ) -> None:
        if directory is None and (every is not None or resume):
            raise InputError("checkpoint_every and resume need a checkpoint_dir")
        every = DEFAULT_EVERY if every is None else parse_every(every)
        if max_restarts < 0:
            raise InputError(f"max_restarts must be >= 0, got {max_restarts}")
        self.directory = None if directory is None else Path(directory)
        if self.directory is not None and self.directory.exists() and not self.directory.is_dir():
            raise InputError(f"{self.directory}: the checkpoint directory is a file")
        # supersteps between checkpoints (an int), or seconds (a float)
        self.every = every
        self.resume_with_new_code = resume_with_new_code
        self.confined = confined
        self._last_save = time.monotonic()
        self.graph = graph
        self.program = program
        self.resume = resume
        self.on_recovery = on_recovery
        self.max_restarts = max_restarts
        self.restarts = 0
        # read on first use: by the writer's thread (the first checkpoint) or by a resume, not by every start
        self._fingerprinted: str | None = None
        self._fingerprinting = threading.Lock()
        # the program's code cannot change during a run, and reading its source takes ~40 ms
        self._code_fingerprint = None if directory is None else program.code_fingerprint()
        self._stats_lines: list[tuple[SuperstepStats, str]] = []
        self._writer: ThreadPoolExecutor | None = None
        self._writing: Future[Savepoint] | None = None
        # the file naming the superstep boundary the run reached, open while it runs
        self._mark: int | None = None
        # whether this run made its folder (a fresh run whose folder did not exist)
        self._made = False
        # recoveries not yet back at the superstep they failed in, with the time each began
        self._underway: list[tuple[Recovery, float]] = []
        #: the load's own recoveries, before superstep 0 (a load by the Ray workers started over): the run's first
        self.loading: list[Recovery] = []

    def _graph_fingerprint(self, kind: str = "crc32") -> str:
        """The input graph's fingerprint (~30 ms for 10M edges: once, and off the superstep loop).

        ``kind="blake2b"``: the kind checkpoints written before December 4, 2026 hold.
        """
        if kind != "crc32":
            return self.graph.fingerprint(kind)
        with self._fingerprinting:
            if self._fingerprinted is None:
                self._fingerprinted = self.graph.fingerprint()
            return self._fingerprinted

    def start(self, backend: Backend) -> RunState:
        """The state a run starts from: superstep 0, or (resuming) the newest good checkpoint."""
        if self.resume:
            state = self.restore(backend, "resume", failed_at=self._reached())
            # this run's load came before its resume
            state.recoveries[-1:-1] = self.loading
            self._open_mark()
            return state
        if self.directory is not None:
            self._log_from(backend, Savepoint(0))
            complete = self._complete()
            if complete:
                raise CheckpointError(
                    f"{self.directory} already holds checkpoints (the newest at superstep {complete[-1][0]}); "
                    "resume from them, or choose an empty directory"
                )
            self._made = not self.directory.exists()
            self.directory.mkdir(parents=True, exist_ok=True)
            self._open_mark()
        return RunState(0, self.program.new_partials(), recoveries=list(self.loading))

    def abandon(self) -> None:
        """After a run refused its input (a missing source found by the workers in superstep 0): the folder this
        run made goes again, if it holds nothing but the run's mark, so that a refused run leaves nothing."""
        if self.directory is None or not self._made:
            return
        self.close()
        with contextlib.suppress(OSError):
            if {p.name for p in self.directory.iterdir()} <= {REACHED}:
                (self.directory / REACHED).unlink(missing_ok=True)
                self.directory.rmdir()

    def partitions(self) -> int | None:
        """The partition count of the newest checkpoint whose manifest reads; None without one.

        A run resuming without a partition count takes this one: the default count
        depends on the machine, the checkpoint's parts do not.
        """
        if self.directory is None:
            return None
        for _, folder in reversed(self._complete()):
            try:
                return int(json.loads(_unsealed((folder / MANIFEST).read_bytes())[0])["partitions"])
            except (OSError, ValueError, TypeError, KeyError, IndexError):
                continue
        return None

    def maybe_save(self, state: RunState, backend: Backend) -> None:
        """At a superstep boundary: save a checkpoint if ``state`` is at a multiple of ``every`` supersteps, or
        ``every`` seconds have passed.

        It also notes the superstep reached (a resume after a kill of the driver says how
        many supersteps it replays).
        """
        if self.directory is None:
            return
        self._written(backend)
        if self._mark is not None:
            # one write, no sync: it need only survive a kill of this process, not of the machine
            os.pwrite(self._mark, b"%12d\n" % state.superstep, 0)
        if isinstance(self.every, float):
            due = time.monotonic() - self._last_save >= self.every
        else:
            due = state.superstep % self.every == 0
        if due:
            self.save(state, backend)

    def save(self, state: RunState, backend: Backend) -> None:
        """Start writing a checkpoint of ``state`` and of every partition of ``backend``.

        The partitions copy their state now; their parts and then the manifest are
        written by a background thread while the run goes on, so a checkpoint costs
        a superstep little more than that copy. One checkpoint is written at a time:
        the next one, :meth:`wait` and :meth:`close` wait for it to be complete.
        """
        assert self.directory is not None
        written = self.wait()
        if written is not None:
            self._log_from(backend, written)
        self._last_save = time.monotonic()
        folder = self.directory / f"superstep-{state.superstep:06d}"
        # a leftover of a killed write, or a damaged checkpoint this run went back past
        _remove(folder)
        folder.mkdir()
        # light: the program makes its pending messages again from the values, so they are not stored
        light = self.program.resends
        # absolute: workers on other nodes of a cluster need not share the driver's working directory
        write_parts = backend.save(folder.absolute(), messages=not light)
        copy = RunState(
            state.superstep, dict(state.aggregated), list(state.history), list(state.recoveries), state.graph
        )
        # encoded now: master compute may rewrite an array it announced in place while the writer runs
        aggregated = _encode_dict(state.aggregated)
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pregel-checkpoint")
        self._writing = self._writer.submit(self._write, folder, write_parts, copy, aggregated, light)

    def wait(self) -> Savepoint | None:
        """Return once the checkpoint being written is complete (its savepoint); raises what its writing raised.

        A write that failed because a worker was lost raises nothing here (and returns
        None): the backend's next call reports the loss, and a run that has ended no
        longer needs the checkpoint.
        """
        writing, self._writing = self._writing, None
        if writing is not None:
            with contextlib.suppress(WorkerLost):
                return writing.result()
        return None

    def _written(self, backend: Backend) -> None:
        """If the checkpoint being written is complete, the partitions' message logs start from it."""
        if self._writing is not None and self._writing.done():
            written = self.wait()
            if written is not None:
                self._log_from(backend, written)

    def _log_from(self, backend: Backend, savepoint: Savepoint | None) -> None:
        if self.confined and self.directory is not None and isinstance(backend, Confining):
            backend.keep_logs(savepoint)

    def confine(self, backend: Backend, state: RunState, lost: WorkerLost) -> list[PartitionStatus]:
        """After a worker was lost in superstep ``state.superstep``: that superstep's statuses, with only the
        lost partition replayed from its checkpoint and the others' message logs (confined recovery).

        The other partitions keep their state and wait. A replaying worker that dies
        too is replaced and the replay starts again; each attempt is a restart.

        Raises
        ------
        WorkerLost
            When the loss cannot be confined (the backend cannot, no logs, several
            workers lost, a replay that differs): the caller rolls every partition back,
            and the recovery's cause says why. Also when the restarts are used up.
        """
        if not self.confined or not isinstance(backend, Confining) or self.directory is None:
            raise lost
        began = time.monotonic()
        # the checkpoint being written, once complete, is a shorter replay (if the lost worker wrote its part)
        written = self.wait()
        if written is not None:
            self._log_from(backend, written)
        while True:
            self.restarts += 1
            if self.restarts > self.max_restarts:
                raise gave_up(lost, self.max_restarts) from lost
            try:
                statuses, partitions, base = backend.confine()
                break
            except ReplayLost:
                continue
            except WorkerLost as why:
                self.restarts -= 1  # the global rollback that follows counts this loss
                raise WorkerLost(f"{lost}; not confined: {why}") from lost
        checkpoint = None if base.folder is None else str(base.folder)
        recovery = Recovery(
            str(lost),
            base.superstep,
            checkpoint,
            failed_at=state.superstep,
            kind="confined",
            partitions=partitions,
            seconds=time.monotonic() - began,
        )
        state.recoveries.append(recovery)
        self._tell(recovery)
        return statuses

    def close(self) -> None:
        """Let the checkpoint being written finish and stop the writer (its errors are :meth:`wait`'s)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        if self._mark is not None:
            os.close(self._mark)
            self._mark = None

    def _open_mark(self) -> None:
        assert self.directory is not None
        self._mark = os.open(self.directory / REACHED, os.O_WRONLY | os.O_CREAT, 0o666)

    def _reached(self) -> int | None:
        """The superstep boundary the run that wrote the checkpoints reached, if it says."""
        assert self.directory is not None
        try:
            return int((self.directory / REACHED).read_text())
        except (OSError, ValueError):
            return None

    def back(self, state: RunState) -> None:
        """Time the recoveries that ``state`` has brought back to where they failed (after every superstep, the
        last one too: a loss while the values were collected is back once the run has ended again)."""
        now = time.monotonic()
        for recovery, began in self._underway:
            if recovery.failed_at is None or state.superstep >= recovery.failed_at:
                recovery.seconds = now - began
        self._underway = [(r, began) for r, began in self._underway if r.seconds is None]

    def _write(
        self,
        folder: Path,
        write_parts: Callable[[], list[PartRecord]],
        state: RunState,
        aggregated: dict[str, Any],
        light: bool = False,
    ) -> Savepoint:
        """Write the parts, then publish the manifest, then remove all but the newest complete checkpoints."""
        assert self.directory is not None
        parts = write_parts()
        # a graph that mutations changed is part of the state: the run resumes on it
        mutated = None
        if state.graph is not None:
            mutated = dataclasses.asdict(write_part(folder, GRAPH, graph_arrays(state.graph)))
        manifest = {
            "format": FORMAT,
            "superstep": state.superstep,
            "graph": {
                "fingerprint": self._graph_fingerprint(),
                "vertices": self.graph.num_vertices,
                "edges": self.graph.num_edges,
                "mutated": mutated,
            },
            "program": {
                "fingerprint": self.program.fingerprint(),
                "description": self.program.describe(),
                "code": self._code_fingerprint,
            },
            "partitions": len(parts),
            "parts": [dataclasses.asdict(p) for p in parts],
            "messages": "resent" if light else "stored",
            "aggregated": aggregated,
            "recoveries": [dataclasses.asdict(r) for r in state.recoveries],
        }
        # syncing the folder after the manifest's rename makes the parts' names durable too
        with atomic_write(folder / MANIFEST) as f:
            f.write(_sealed([json.dumps(manifest, sort_keys=True), *self._history_lines(state.history)]))
        # the new checkpoint must be durable before older ones go
        fsync_directory(self.directory)
        keep = self._complete()[-KEEP:]
        for found in self._folders():
            if found not in keep:
                _remove(found[1])
        return Savepoint(state.superstep, folder.absolute(), tuple(parts), light=light)

    def restore(
        self,
        backend: Backend,
        cause: str,
        failed_at: int | None = None,
        earlier: list[Recovery] | None = None,
        began: float | None = None,
    ) -> RunState:
        """Restore every partition of ``backend`` from the newest good checkpoint; its run state.

        Incomplete or damaged checkpoints are passed over (and removed once an older
        one is restored). A checkpoint of another graph, program or partition count
        is refused with a CheckpointError, and so is a directory without a good one.
        The state's recoveries are the checkpoint's, or ``earlier`` if given, and this
        one (a resume when ``cause`` is ``"resume"``, else a global recovery, begun at
        ``began`` on the :func:`time.monotonic` clock, by default now).
        """
        kind = "resume" if cause == "resume" else "global"
        recovery = Recovery(cause, 0, failed_at=failed_at, kind=kind, partitions=list(range(backend.num_partitions)))
        began = time.monotonic() if began is None else began
        # whether the backend holds another graph than the run's input (a checkpoint's mutated one)
        reshaped = False
        if self.directory is None or not self.directory.is_dir():
            raise CheckpointError(f"{self.directory}: no such checkpoint directory")
        for superstep, folder in reversed(self._folders()):
            try:
                manifest = self._manifest(folder, backend.num_partitions)
                mutated = manifest["graph"].get("mutated")
                graph = None if mutated is None else graph_from_arrays(read_part(folder, PartRecord(**mutated)))
                if graph is not None or reshaped:
                    backend.restart(graph or self.graph)
                    reshaped = graph is not None
                backend.restore(folder.absolute(), [PartRecord(**p) for p in manifest["parts"]])
            except CheckpointDamaged as exc:
                recovery.skipped.append(str(exc))
                continue
            for newer, other in self._folders():
                if newer > superstep:
                    _remove(other)
            state = _decode_state(manifest)
            state.graph = graph
            parts = tuple(PartRecord(**p) for p in manifest["parts"])
            light = manifest.get("messages") == "resent"
            self._log_from(backend, Savepoint(state.superstep, folder.absolute(), parts, light=light))
            if light and state.superstep > 0:
                # after the logs start: a lost partition's replay reads these blocks from them
                backend.resend(state.superstep - 1)
            recovery.superstep, recovery.checkpoint = state.superstep, str(folder)
            if recovery.failed_at is not None and recovery.failed_at < state.superstep:
                # a mark older than the checkpoint (not written by this directory's run): unknown
                recovery.failed_at = None
            state.recoveries = [*(state.recoveries if earlier is None else earlier), recovery]
            self._tell(recovery)
            self._underway.append((recovery, began))
            self.back(state)
            return state
        why = f" ({'; '.join(recovery.skipped)})" if recovery.skipped else ""
        raise CheckpointError(f"{self.directory}: no complete checkpoint to resume from{why}")

    def recover(self, backend: Backend, state: RunState, lost: WorkerLost) -> RunState:
        """After a lost worker: fresh workers, every partition back at the newest good checkpoint.

        All partitions roll back together, so the supersteps stay consistent; without a
        good checkpoint the run starts over at superstep 0. Each attempt is a restart;
        after ``max_restarts`` of them the loss is final.

        Raises
        ------
        WorkerLost
            When the restarts are used up.
        """
        began = time.monotonic()
        while True:
            self.restarts += 1
            if self.restarts > self.max_restarts:
                raise gave_up(lost, self.max_restarts) from lost
            self.wait()
            try:
                # every partition of the input graph; a checkpoint's own graph replaces it
                backend.restart(None if state.graph is None else self.graph)
                return self._rolled_back(backend, state, str(lost), began)
            except WorkerLost as again:
                lost = again

    def _rolled_back(self, backend: Backend, state: RunState, cause: str, began: float) -> RunState:
        """Every partition of the freshly started ``backend`` at the newest good checkpoint, else at 0."""
        skipped: list[str] = []
        if self.directory is not None and self._complete():
            try:
                return self.restore(backend, cause, state.superstep, state.recoveries, began)
            except CheckpointError as exc:
                skipped.append(str(exc))
        partitions = list(range(backend.num_partitions))
        self._log_from(backend, Savepoint(0))
        recovery = Recovery(cause, 0, failed_at=state.superstep, skipped=skipped, partitions=partitions)
        self._tell(recovery)
        self._underway.append((recovery, began))
        return RunState(0, self.program.new_partials(), recoveries=[*state.recoveries, recovery])

    def _tell(self, recovery: Recovery) -> None:
        if self.on_recovery is not None:
            self.on_recovery(recovery)

    def _history_lines(self, history: list[SuperstepStats]) -> list[str]:
        """One JSON line per superstep; each encoded once, since a run's history only grows."""
        cache = self._stats_lines
        del cache[len(history) :]
        for k, stats in enumerate(history):
            if k < len(cache) and cache[k][0] is stats:
                continue
            del cache[k:]
            line = json.dumps({**dataclasses.asdict(stats), "aggregated": _encode_dict(stats.aggregated)})
            cache.append((stats, line))
        return [line for _, line in cache]

    # ------------------------------------------------------------------ reading
    def _folders(self) -> list[tuple[int, Path]]:
        """``(superstep, folder)`` of every checkpoint, complete or not, oldest first."""
        assert self.directory is not None
        if not self.directory.is_dir():
            return []
        found = ((_FOLDER.fullmatch(p.name), p) for p in self.directory.iterdir())
        return sorted((int(m.group(1)), p) for m, p in found if m)

    def _complete(self) -> list[tuple[int, Path]]:
        """The checkpoints whose manifest is in place (not yet verified), oldest first."""
        return [(s, p) for s, p in self._folders() if (p / MANIFEST).exists()]

    def _manifest(self, folder: Path, partitions: int) -> dict[str, Any]:
        """The verified manifest of ``folder``; refuses one made for another run."""
        try:
            lines = _unsealed((folder / MANIFEST).read_bytes())
            manifest = json.loads(lines[0])
            manifest["history"] = [json.loads(line) for line in lines[1:]]
        except FileNotFoundError:
            raise CheckpointDamaged(f"{folder.name} is incomplete (no manifest: its write did not finish)") from None
        except _OtherFormat as other:
            # format 1 (SHA-256, .npz parts) is not read: a checkpoint outlives only the run that made it
            raise CheckpointError(
                f"{folder} is in checkpoint format {other}, written by another version of pregel; this one "
                f"reads {FORMAT} only: start the run again in an empty folder"
            ) from None
        except (OSError, ValueError, TypeError, KeyError, IndexError) as exc:
            raise CheckpointDamaged(f"{folder.name} is damaged ({exc})") from None
        graph, program = manifest["graph"], manifest["program"]
        # the program first: another command on the same file reads it otherwise too (weights or not)
        if program["fingerprint"] != self.program.fingerprint():
            raise CheckpointError(
                f"{folder} was made for {program['description']}, not {self.program.describe()} "
                "(another program or other parameters)"
            )
        kind = "crc32" if str(graph["fingerprint"]).startswith("crc32:") else "blake2b"
        ours = self._graph_fingerprint(kind)
        both_held = str(graph["fingerprint"]).startswith(HELD_FINGERPRINT) and ours.startswith(HELD_FINGERPRINT)
        if both_held and manifest["partitions"] != partitions:
            # workers that read their shares number the vertices by partition: another count, another fingerprint
            raise _other_partitions(folder, manifest["partitions"], partitions)
        if graph["fingerprint"] != ours:
            held = str(graph["fingerprint"]).startswith(HELD_FINGERPRINT)
            if held != ours.startswith(HELD_FINGERPRINT):
                # the same input loaded the other way: its vertices are numbered and partitioned otherwise
                how = (
                    "Ray workers that read their shares of the input (--backend ray --load workers, "
                    "or pregel.run(path, backend='ray'))",
                    "a graph one process read (--load driver, another backend, or a Graph)",
                )
                made, now = how if held else how[::-1]
                way = "--backend ray --load workers" if held else "--load driver (or the local backend)"
                raise CheckpointError(
                    f"{folder} was made from {made}, not from {now}: resume it the way it was made ({way})"
                )
            counts = (graph["vertices"], graph["edges"])
            if counts == (self.graph.num_vertices, self.graph.num_edges):
                raise CheckpointError(
                    f"{folder} was made for another graph with as many vertices and edges ({counts[0]}, {counts[1]}): "
                    "other edges, ids or weights"
                )
            raise CheckpointError(
                f"{folder} was made for another graph ({counts[0]} vertices, {counts[1]} edges), "
                f"not this one ({self.graph.num_vertices} vertices, {self.graph.num_edges} edges)"
            )
        # checkpoints from before code fingerprints carry none: nothing to compare
        code = program.get("code")
        if code is not None and code != self._code_fingerprint and not self.resume_with_new_code:
            raise CheckpointError(
                f"{folder} was made by other code of {type(self.program).__name__} (its source changed since); "
                "resume anyway with resume_with_new_code=True (--resume-with-new-code)"
            )
        if manifest.get("messages") == "resent" and not self.program.resends:
            raise CheckpointError(
                f"{folder} holds no messages (a light checkpoint) and {type(self.program).__name__} "
                "cannot make them again (it no longer defines resend)"
            )
        if manifest["partitions"] != partitions:
            raise _other_partitions(folder, manifest["partitions"], partitions)
        for part in manifest["parts"]:
            path = folder / part["file"]
            if not path.is_file():
                raise CheckpointDamaged(f"{folder.name} is damaged ({part['file']} is missing)")
            if path.stat().st_size != part["bytes"]:
                raise CheckpointDamaged(f"{folder.name} is damaged ({part['file']} has the wrong size)")
        return manifest


# ------------------------------------------------------------------------ parts
def parse_every(every: int | float | str) -> int | float:
    """Supersteps between checkpoints (an int) or seconds (a float), from what a caller gave.

    Examples
    --------
    >>> parse_every(5), parse_every("5"), parse_every("30s"), parse_every("2m"), parse_every(1.5)
    (5, 5, 30.0, 120.0, 1.5)
    >>> parse_every("soon")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: checkpoint_every must be a number of supersteps or a time such as 30s, 5m, 1h; got 'soon'
    """
    if isinstance(every, str):
        text = every.strip()
        unit = _TIME_UNITS.get(text[-1:])
        try:
            every = float(text[:-1]) * unit if unit else int(text)
        except ValueError:
            raise InputError(
                f"checkpoint_every must be a number of supersteps or a time such as 30s, 5m, 1h; got {every!r}"
            ) from None
    if isinstance(every, bool) or not isinstance(every, (int, float)):
        raise InputError(f"checkpoint_every must be a number of supersteps or a time, got {every!r}")
    if isinstance(every, int) and every < 1:
        raise InputError(f"checkpoint_every must be at least 1, got {every}")
    if isinstance(every, float) and not 0 < every < float("inf"):
        raise InputError(f"checkpoint_every must be a positive time, got {every!r} seconds")
    return every


_TIME_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


#: The part of a checkpoint that holds a graph mutations changed (:func:`graph_arrays`).
GRAPH = "graph"


def part_name(index: int | str) -> str:
    """The file name of partition ``index``'s part (or of a part named ``index``, such as :data:`GRAPH`).

    Examples
    --------
    >>> part_name(3), part_name(GRAPH)
    ('part-00003.arrays', 'graph.arrays')
    """
    return f"{index}.arrays" if isinstance(index, str) else f"part-{index:05d}.arrays"


def graph_arrays(graph: Graph) -> dict[str, np.ndarray]:
    """The arrays that make ``graph`` (:func:`graph_from_arrays` builds it again).

    Examples
    --------
    >>> g = Graph.from_edges(["a", "b"], ["b", "c"], [0.5, 2.0])
    >>> back = graph_from_arrays(graph_arrays(g))
    >>> back.edge_arrays()[0].tolist(), back.weights.tolist()
    (['a', 'b'], [0.5, 2.0])
    """
    arrays = {"ids": graph.ids, "indptr": graph.indptr, "indices": graph.indices}
    if graph.weights is not None:
        arrays["weights"] = graph.weights
    if graph.labels is not None:
        arrays["labels"] = graph.labels
    return arrays


def graph_from_arrays(arrays: dict[str, np.ndarray]) -> Graph:
    """The graph :func:`graph_arrays` took apart."""
    return Graph(arrays["ids"], arrays["indptr"], arrays["indices"], arrays.get("weights"), labels=arrays.get("labels"))


def write_part(folder: str | Path, index: int | str, arrays: dict[str, np.ndarray]) -> PartRecord:
    """Write partition ``index``'s arrays into ``folder`` atomically; returns the part's record.

    The file is a line naming the format, a JSON line describing the arrays, then their
    bytes as they are in memory (no copy into an archive); one-dimensional boolean arrays
    are packed eight to a byte, object arrays pickled. The CRC-32 is computed over the
    bytes as they are written; the file is synced once, its folder not at all (the
    checkpoint syncs it once, after the manifest).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> record = write_part(folder, 0, {"values": np.array([0.5, 0.25]), "active": np.array([True, False])})
    >>> arrays = read_part(folder, record)
    >>> arrays["values"].tolist(), arrays["active"].tolist()
    ([0.5, 0.25], [True, False])
    """
    described, chunks, offset = [], [], 0
    for name, array in arrays.items():
        entry: dict[str, Any] = {"name": name, "shape": list(array.shape)}
        if array.dtype == object:
            data = np.frombuffer(pickle.dumps(array, protocol=5), dtype=np.uint8)
            entry["pickled"] = True
        elif array.dtype == bool and array.ndim == 1:
            data = np.packbits(array)
            entry["bits"] = True
        else:
            data = np.ascontiguousarray(array)
            entry["descr"] = np.lib.format.dtype_to_descr(array.dtype)
        entry["offset"], entry["bytes"] = offset, data.nbytes
        described.append(entry)
        pad = -data.nbytes % _ALIGN
        chunks += [data, bytes(pad)] if pad else [data]
        offset += data.nbytes + pad
    head = _PART_FORMAT + json.dumps({"arrays": described}).encode() + b"\n"
    head += bytes(-len(head) % _ALIGN)
    path = Path(folder) / part_name(index)
    crc, size = 0, 0
    # the folder is synced once, after the manifest; a crash before that can only lose
    # a part's name, which makes the checkpoint incomplete, never wrong
    with atomic_write(path, "wb", sync_directory=False) as f:
        for chunk in (head, *chunks):
            f.write(chunk)
            crc = zlib.crc32(chunk, crc)
            size += len(memoryview(chunk).cast("B"))
    return PartRecord(path.name, size, crc)


def write_parts(folder: str | Path, states: list[tuple[int, dict[str, np.ndarray]]]) -> list[PartRecord]:
    """Write several partitions' states (:func:`write_state`) at once, ``(index, state)`` each; their records.

    One thread per part: writing, checksumming and syncing release the GIL, so the
    parts' syncs wait for the disk together instead of one after another.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> [r.file for r in write_parts(folder, [(0, {"values": np.zeros(3)}), (1, {"values": np.ones(2)})])]
    ['part-00000.arrays', 'part-00001.arrays']
    """
    global _part_writers
    if len(states) < 2:
        return [write_state(folder, index, arrays) for index, arrays in states]
    with _part_writers_made:
        if _part_writers is None:
            # kept for the process: starting threads on a busy machine costs more than the writes
            _part_writers = ThreadPoolExecutor(max_workers=_WRITERS, thread_name_prefix="pregel-part")
    return list(_part_writers.map(lambda state: write_state(folder, *state), states))


# parts written at once: enough to keep a disk's queue busy, few enough for a small machine
_WRITERS = 8
_part_writers: ThreadPoolExecutor | None = None
_part_writers_made = threading.Lock()


def read_part(folder: str | Path, record: PartRecord) -> dict[str, np.ndarray]:
    """The arrays of a part, after checking its size and CRC-32 against ``record``.

    The arrays are views of one buffer read from the file (writable; no copy each).

    Raises
    ------
    CheckpointDamaged
        If the file is missing or does not match ``record``.
    """
    path = Path(folder) / record.file
    damaged = f"{path.parent.name} is damaged ({record.file} does not match its checksum)"
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size != record.bytes:
                raise CheckpointDamaged(f"{path.parent.name} is damaged ({record.file} has the wrong size)")
            data = bytearray(size)
            f.readinto(data)
    except FileNotFoundError:
        raise CheckpointDamaged(f"{path.parent.name} is damaged ({record.file} is missing)") from None
    if zlib.crc32(data) != record.crc32:
        raise CheckpointDamaged(damaged)
    # the checksum matched: the header is the one written, and so are the bytes it describes
    first = len(_PART_FORMAT)
    if data[:first] != _PART_FORMAT:
        raise CheckpointDamaged(f"{path.parent.name}: {record.file} is not a part pregel reads")
    start = data.index(b"\n", first) + 1
    header = json.loads(data[first:start])
    start += -start % _ALIGN
    arrays = {}
    for entry in header["arrays"]:
        raw = np.frombuffer(data, np.uint8, entry["bytes"], start + entry["offset"])
        if entry.get("pickled"):
            arrays[entry["name"]] = pickle.loads(raw)
        elif entry.get("bits"):
            arrays[entry["name"]] = np.unpackbits(raw, count=entry["shape"][0]).view(bool)
        else:
            arrays[entry["name"]] = raw.view(np.lib.format.descr_to_dtype(entry["descr"])).reshape(entry["shape"])
    return arrays


def write_state(folder: str | Path, index: int, state: dict[str, np.ndarray]) -> PartRecord:
    """Write a partition's state (values, active flags, pending inbox: ``Partition.state``) as its part.

    Mail that names each receiver once (combined) is stored as one bit per vertex, who
    has mail, instead of the receivers' indices; :func:`read_state` gives the receivers back.

    Examples
    --------
    >>> import tempfile
    >>> folder, targets = tempfile.mkdtemp(), np.array([1, 3])
    >>> state = {"values": np.zeros(4), "inbox_targets": targets, "inbox_values": np.array([0.5, 2.0])}
    >>> record = write_state(folder, 0, state)
    >>> read_state(folder, record)["inbox_targets"].tolist()
    [1, 3]
    """
    targets = state.get("inbox_targets")
    if targets is None or not np.all(targets[1:] > targets[:-1]):
        return write_part(folder, index, state)
    has = np.zeros(state["values"].shape[0], dtype=bool)
    has[targets] = True
    stored = {name: array for name, array in state.items() if name != "inbox_targets"}
    return write_part(folder, index, {**stored, "inbox_has": has})


def read_state(folder: str | Path, record: PartRecord) -> dict[str, np.ndarray]:
    """The state :func:`write_state` wrote, as ``Partition.state`` made it (checked against ``record``)."""
    arrays = read_part(folder, record)
    has = arrays.pop("inbox_has", None)
    if has is not None:
        arrays["inbox_targets"] = np.flatnonzero(has)
    return arrays


_PART_FORMAT = b"pregel-part/2\n"
# arrays start at multiples of this many bytes, so the views read back are aligned
_ALIGN = 64


# --------------------------------------------------------------------- manifest
def _sealed(lines: list[str]) -> str:
    """The lines, preceded by a seal line holding the format and their CRC-32."""
    body = "".join(line + "\n" for line in lines)
    seal = {"format": FORMAT, "crc32": zlib.crc32(body.encode())}
    return json.dumps(seal) + "\n" + body


class _OtherFormat(ValueError):
    """A manifest sealed in a format this pregel does not read."""


def _unsealed(data: bytes) -> list[str]:
    """The lines after the seal; ValueError unless the seal matches them (_OtherFormat for another format)."""
    first, _, body = data.partition(b"\n")
    seal = json.loads(first)
    if seal.get("format") != FORMAT:
        raise _OtherFormat(seal.get("format"))
    if zlib.crc32(body) != seal.get("crc32"):
        raise ValueError("its manifest does not match its checksum")
    return body.decode().splitlines()


def _decode_state(manifest: dict[str, Any]) -> RunState:
    history = [SuperstepStats(**{**s, "aggregated": _decode_dict(s["aggregated"])}) for s in manifest["history"]]
    recoveries = [Recovery(**r) for r in manifest["recoveries"]]
    return RunState(manifest["superstep"], _decode_dict(manifest["aggregated"]), history, recoveries)


def _encode_dict(values: dict[str, Any]) -> dict[str, Any]:
    """Aggregator values as JSON that decodes to exactly the same values and types."""
    encoded = {}
    for name, value in values.items():
        if value is None or type(value) in (bool, int, float, str):
            encoded[name] = value
        elif isinstance(value, np.generic) and value.dtype.kind in "biuf":
            encoded[name] = {"numpy": value.dtype.str, "value": value.item()}
        else:
            encoded[name] = {"pickle": base64.b64encode(pickle.dumps(value)).decode()}
    return encoded


def _decode_dict(encoded: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for name, value in encoded.items():
        if isinstance(value, dict) and "numpy" in value:
            values[name] = np.dtype(value["numpy"]).type(value["value"])
        elif isinstance(value, dict):
            values[name] = pickle.loads(base64.b64decode(value["pickle"]))
        else:
            values[name] = value
    return values


def _remove(folder: Path) -> None:
    """Delete a checkpoint folder, manifest first, so a kill halfway leaves one that never counts."""
    with contextlib.suppress(FileNotFoundError):
        (folder / MANIFEST).unlink()
    shutil.rmtree(folder, ignore_errors=True)


def _other_partitions(folder: Path, made: int, now: int) -> CheckpointError:
    """The error of a checkpoint made with ``made`` partitions, resumed with ``now``."""
    return CheckpointError(
        f"{folder} was made with {made} partitions, not {now} (run with {made} workers to resume from it)"
    )


def gave_up(lost: WorkerLost, restarts: int) -> WorkerLost:
    """The loss made final after ``restarts`` restarts, said once (a confined recovery that gave up is given up
    again by the rollback it falls back on).

    Examples
    --------
    >>> str(gave_up(gave_up(WorkerLost("worker 1 died"), 1), 1))
    'worker 1 died (gave up after 1 restart)'
    """
    said = f" (gave up after {restarts} restart{'s' * (restarts != 1)})"
    text = str(lost)
    return WorkerLost(text if text.endswith(said) else text + said)
