"""`ray start` for a node that joins a head on this machine's loopback (a test's two-node cluster).

`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0` keeps every Ray process on 127.0.0.1, but Ray's
`ray start` then refuses to start a second node ("Multi-node Ray clusters are not
supported on Windows and OSX"), a check meant for those systems. This runs Ray's own
`ray start` with that one check satisfied and everything else as the flag says: the
node's processes inherit the flag and listen on 127.0.0.1 only, and the address of the
head stays 127.0.0.1. Usage: ``python tests/ray_start.py start --address=127.0.0.1:PORT ...``.
"""

from __future__ import annotations

import os
import sys
import types

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

from ray._private import ray_constants  # noqa: E402 (after the flag: Ray reads it on import)
from ray.scripts import scripts  # noqa: E402


class _Constants(types.ModuleType):
    """Ray's constants as they are, except the one `ray start` checks before starting a non-head node."""

    ENABLE_RAY_CLUSTER = True

    def __getattr__(self, name: str) -> object:
        return getattr(ray_constants, name)


if __name__ == "__main__":
    # only the command's module sees the check pass: address and bind decisions elsewhere
    # still read the real constants, where the flag made them loopback
    scripts.ray_constants = _Constants("ray_constants")
    sys.argv[0] = "ray"
    sys.exit(scripts.main())
