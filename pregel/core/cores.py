"""The cores this process may use: the default number of threads and partitions wherever pregel picks one."""

from __future__ import annotations

import os


def available_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system tells it (else ``os.cpu_count()``), at
    most its control group's CPU quota rounded up (a container's CPU limit, which the affinity does not show).

    The default number of partitions and of threads of the local backend, and of the
    text reader's threads.

    Examples
    --------
    >>> available_cores() >= 1
    True
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = cgroup_cores()
    return max(1, min(cores, quota)) if quota else cores


def cgroup_cores(root: str = "/sys/fs/cgroup") -> int | None:
    """The CPU quota of this process's control group, in cores rounded up; None where there is none (or no
    control groups: not Linux).

    Version 2 (``cpu.max``: quota and period, or ``max``) in the process's own group, then
    at the root (a container's view); else version 1 (``cpu/cpu.cfs_quota_us``, -1 for none).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "cpu.max").write_text("150000 100000")
    >>> cgroup_cores(str(root)), cgroup_cores(str(root / "nothing"))
    (2, None)
    """
    try:
        with open("/proc/self/cgroup") as groups:
            own = next((line[3:].strip() for line in groups if line.startswith("0::")), "")
    except OSError:
        own = ""
    for folder in dict.fromkeys([os.path.join(root, own.lstrip("/")), root]):
        try:
            with open(os.path.join(folder, "cpu.max")) as file:
                quota, period = file.read().split()[:2]
        except (OSError, ValueError):
            continue
        return None if quota == "max" else -(-int(quota) // int(period))
    try:
        with (
            open(os.path.join(root, "cpu", "cpu.cfs_quota_us")) as q,
            open(os.path.join(root, "cpu", "cpu.cfs_period_us")) as p,
        ):
            quota, period = int(q.read()), int(p.read())
    except (OSError, ValueError):
        return None
    return None if quota <= 0 or period <= 0 else -(-quota // period)
