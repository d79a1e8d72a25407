"""A pytest plugin for runs of networkx's own tests: writes how many calls each function sent to pregel.

Loaded with ``-p tests.nx_dispatched`` by test_networkx_suites.py; the counts go as JSON to the
file named by ``$PREGEL_NX_DISPATCHED``.
"""

from __future__ import annotations

import collections
import json
import logging
import os

_calls: collections.Counter[str] = collections.Counter()


class _Count(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        # networkx logs "Using backend 'pregel' for call to 'NAME' with arguments: ..."
        message = record.getMessage()
        if message.startswith("Using backend 'pregel' for call to "):
            _calls[message.split("'")[3]] += 1


def pytest_configure(config) -> None:
    log = logging.getLogger("networkx")
    log.setLevel(logging.DEBUG)
    log.addHandler(_Count())


def pytest_unconfigure(config) -> None:
    with open(os.environ["PREGEL_NX_DISPATCHED"], "w") as f:
        json.dump(dict(_calls), f)
