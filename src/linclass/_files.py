"""Atomic file writes: a temporary file beside the target, then one rename.

An interrupted write (an error, Ctrl-C, a full disk) leaves the old file, or none, but never a
half-written one.
"""

import os
import tempfile
from pathlib import Path


def atomic_write(path, write, *, text=False):
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it over ``path``.

    The handle is binary unless ``text``. The parent folder is created if needed; the file gets
    the usual permissions (0666 less the umask). Returns ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w" if text else "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
