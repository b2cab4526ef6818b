"""Atomic file writes: an interrupted report leaves no half-written file behind."""

import os
import tempfile
from pathlib import Path


def atomic_write(path, write):
    """Call ``write(handle)`` on a binary temporary file beside ``path``, then rename it.

    The file gets mode 0644 (a report is for reading); on any failure, including Ctrl-C, the
    temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path
