"""pregel's benchmarks: each module is a ``python -m bench.<name>`` command; ``python -m bench`` is the main harness."""

from __future__ import annotations

import compileall
import functools
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def child_env() -> dict[str, str]:
    """The environment of a timed child process: this tree's pregel, its bytecode written beforehand.

    A whole-process time must not include compiling pregel's modules, which a user's
    second run never pays: with ``PYTHONDONTWRITEBYTECODE`` set (as on some CI and
    agent machines) every child would compile again the modules changed since the last
    ``.pyc``. So the bytecode is written here, once, and the variable dropped.

    Examples
    --------
    >>> child_env()["PYTHONPATH"] == str(ROOT)
    True
    """
    compileall.compile_dir(ROOT / "pregel", quiet=1)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
