"""Atomic file writes: a temporary file beside the target, then one rename.

An interrupted write (an error, Ctrl-C, a full disk) leaves the old file, or none, but never a
half-written one. A process killed outright (SIGKILL, power loss) can leave its temporary file
``.<name>.<random>.tmp``: the writer holds an exclusive ``flock`` on it while it writes, so
:func:`sweep_temps` can tell such a leftover (no lock: its writer is gone) from a write in
progress (locked) and removes only the leftovers. :func:`atomic_write` sweeps the leftovers of
its own target first.
"""

import fcntl
import os
import tempfile
from pathlib import Path


def _new_locked_temp(path):
    """A new temporary file beside ``path``, open and locked: ``(fd, name)``.

    A sweeper may lock and delete a fresh file in the instant before its creator locks it;
    the creator then finds it unlinked (no links left) and makes another.
    """
    while True:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink > 0:
            return fd, tmp
        os.close(fd)


def atomic_write(path, write, *, text=False):
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it over ``path``.

    The handle is binary unless ``text``. The parent folder is created if needed; the file gets
    the usual permissions (0666 less the umask). Two processes writing the same ``path`` at
    once both succeed; the file is then one of the two complete versions. Returns ``path`` as
    a :class:`~pathlib.Path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_temps(path.parent, f".{path.name}.")
    fd, tmp = _new_locked_temp(path)
    try:
        with os.fdopen(fd, "w" if text else "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)  # still locked: a sweeper never sees it unlocked
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def sweep_temps(folder, prefix="."):
    """Remove the temporary files ``<prefix>*.tmp`` in ``folder`` that no live writer holds.

    Returns the number removed. Missing folders and files that vanish meanwhile are fine.
    """
    removed = 0
    try:
        candidates = [e for e in os.scandir(folder)
                      if e.name.startswith(prefix) and e.name.endswith(".tmp")]
    except OSError:
        return 0
    for entry in candidates:
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            same = os.path.samestat(os.fstat(fd), os.lstat(entry.path))
            if same:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            pass  # locked (being written) or already gone
        finally:
            os.close(fd)
    return removed
