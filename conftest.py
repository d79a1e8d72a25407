"""Test set-up shared by every test: this checkout's code first on the import path."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

# importing __main__ would run the command
collect_ignore = ["pregel/__main__.py", "bench"]

# Ray is an extra: without it the Ray backend's doctests cannot even be collected (found, not
# imported: tests/conftest.py must set Ray's environment before Ray is first imported)
if importlib.util.find_spec("ray") is None:
    collect_ignore.append("pregel/backends/ray.py")
