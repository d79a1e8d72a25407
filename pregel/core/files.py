"""Files that are whole or absent: atomic writes and durable renames.

Shared by the checkpoint store and every writer of results: a failed or killed run
never leaves a half-written file behind. Imports nothing of ours.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", sync_directory: bool = True) -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    A failure (or a kill) before the rename leaves ``path`` untouched and no
    temporary file behind (a kill may leave a ``.<name>.tmp*`` file, never a
    partial ``path``). The file is synced before the rename and (unless
    ``sync_directory`` is false, for a caller that syncs the directory once after
    many files) its directory after it, so once this returns the new ``path``
    survives a crash of the machine too. A ``path`` that is a device or a pipe
    (``/dev/null``) is written directly: it cannot be half-written, and must not be
    replaced.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.tsv")
    >>> with atomic_write(target) as f:
    ...     _ = f.write("1\\t0.5\\n")
    >>> open(target).read(), oct(os.stat(target).st_mode & 0o777) == oct(0o666 & ~_umask())
    ('1\\t0.5\\n', True)
    """
    target = Path(path)
    if target.exists() and not target.is_file():
        # a device or a pipe (/dev/null, /dev/stdout): renaming over it would replace it with a file
        with open(target, mode) as f:
            yield f
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp", dir=target.parent or ".")
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would
        os.chmod(tmp, _mode_for(target))
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if sync_directory:
        fsync_directory(target.parent)


def fsync_directory(path: str | os.PathLike[str]) -> None:
    """Make the names just created or renamed in directory ``path`` durable.

    A rename is only safe from a crash of the machine once its directory is synced
    too. Where a platform cannot sync a directory this does nothing.

    Examples
    --------
    >>> import tempfile
    >>> fsync_directory(tempfile.mkdtemp())
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _mode_for(target: Path) -> int:
    """The permission bits of the file being replaced, else 0666 less the umask."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask
