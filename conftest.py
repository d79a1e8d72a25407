"""Test set-up shared by every test: this checkout's code first on the import path."""

import importlib.util
import sys
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

# importing __main__ would run the command
collect_ignore = ["pregel/__main__.py", "bench"]

# Ray is an extra: without it the Ray backend's doctests cannot even be collected (found, not
# imported: tests/conftest.py must set Ray's environment before Ray is first imported)
if importlib.util.find_spec("ray") is None:
    collect_ignore.append("pregel/backends/ray.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the examples of what only the compiled kernels do ("(compiled kernels only)" in its docstring) where
    they are not built (no C compiler at install, or ``PREGEL_NO_COMPILED=1``): the rest of pregel falls back."""
    from pregel.core import kernels

    if kernels.COMPILED:
        return
    for item in items:
        if isinstance(item, DoctestItem) and "(compiled kernels only)" in (item.dtest.docstring or ""):
            item.add_marker(pytest.mark.skip(reason="compiled kernels only, and they are not built here"))
