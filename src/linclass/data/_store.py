"""The cache directory: where it lives, what it holds, its size budget, and clearing it.

Layout under :func:`cache_dir` (``$LINCLASS_DATA``, else ``~/.cache/linclass``)::

    datasets/<key>.npz                  kind "images":   decoded images (uint8), labels, manifest
    features/<extractor>-<hash>.npy     kind "features": extracted features
    cifar-10-python.tar.gz              kind "downloads": the CIFAR-10 archive ...
    cifar-10-batches-py/                ... and its unpacked batches

Every "images" and "features" entry is one file written atomically (:func:`write`: a locked
temporary file, then a rename), so a reader sees a whole entry or none, two processes filling
the same entry at once both succeed (write-once-rename; no lock is held across the fill), and
a process killed mid-write leaves at most a temporary file that the next write or listing
removes (:func:`linclass._files.sweep_temps`).

**Budget.** ``LINCLASS_CACHE_MAX`` (for example ``5G``, ``500M``; K/M/G/T are powers of 1024;
unset: no limit) bounds the images and features entries together: after each write the
least recently used entries are removed until the total fits. An entry's last use is its
modification time, refreshed on every cache hit (:func:`touch`). Downloads are never evicted
(``linclass cache clear --kind downloads`` removes them).
"""

import os
import re
import shutil
import time
from collections import namedtuple
from pathlib import Path

from linclass._files import atomic_write, sweep_temps
from linclass.errors import DataError

#: What the cache holds; the first two are bounded by the budget.
KINDS = ("images", "features", "downloads")
_FOLDERS = {"images": "datasets", "features": "features"}
_DOWNLOADS = ("cifar-10-python.tar.gz", "cifar-10-batches-py")
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_DAY_S = 86400

#: One cache entry: ``kind``, ``name``, its ``paths``, ``bytes`` on disk and ``last_used``
#: (seconds since the epoch).
Entry = namedtuple("Entry", ["kind", "name", "paths", "bytes", "last_used"])


def cache_dir():
    """``$LINCLASS_DATA``, else ``~/.cache/linclass``."""
    return Path(os.environ.get("LINCLASS_DATA") or Path.home() / ".cache" / "linclass")


def folder(kind):
    """The folder of the ``"images"`` or ``"features"`` entries."""
    return cache_dir() / _FOLDERS[kind]


def parse_size(text, name="LINCLASS_CACHE_MAX"):
    """Bytes from ``"5G"``, ``"500M"``, ``"1.5G"``, ``"2048"`` (K/M/G/T: powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", str(text), re.IGNORECASE)
    if match is None:
        raise DataError(f"{name} must be a size such as 5G, 500M or 2048 (bytes), got "
                        f"{text!r}")
    return int(float(match[1]) * _UNITS[match[2].upper()])


def budget():
    """The size budget in bytes from ``LINCLASS_CACHE_MAX``, or None (unbounded)."""
    text = os.environ.get("LINCLASS_CACHE_MAX", "").strip()
    return parse_size(text) if text else None


def touch(path):
    """Mark an entry as used now (its modification time); a vanished file is fine."""
    try:
        os.utime(path)
    except OSError:
        pass


def write(path, write_fn):
    """Write one cache entry atomically, then keep the cache within its budget.

    Raises
    ------
    DataError
        The entry cannot be written (a full disk, a file-size limit, no permission); the
        partial temporary file is removed and every other entry stays valid.
    """
    try:
        atomic_write(path, write_fn)
    except OSError as error:
        raise DataError(f"cannot write the cache entry {path}: {error.strerror or error}; "
                        "free some space, bound the cache with LINCLASS_CACHE_MAX (e.g. 5G), "
                        "or point LINCLASS_DATA at a larger disk") from None
    evict(keep=Path(path))


def _size(path):
    if path.is_dir() and not path.is_symlink():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.lstat().st_size


def entries(kind=None):
    """The entries in the cache (of one ``kind``, or all), least recently used first.

    Temporary files left by killed writers are removed first.
    """
    found = []
    for k, name in _FOLDERS.items():
        if kind not in (None, k):
            continue
        base = folder(k)
        sweep_temps(base)
        groups = {}
        try:
            files = [f for f in base.iterdir() if not f.name.startswith(".")]
        except OSError:
            files = []
        for f in files:  # an entry's files share the name up to the first dot
            groups.setdefault(f.name.split(".")[0], []).append(f)
        for key, paths in groups.items():
            stats = [p.lstat() for p in paths if p.exists()]
            if stats:
                found.append(Entry(k, f"{name}/{key}", tuple(sorted(paths)),
                                   sum(s.st_size for s in stats),
                                   max(s.st_mtime for s in stats)))
    if kind in (None, "downloads"):
        for name in _DOWNLOADS:
            path = cache_dir() / name
            if path.exists():
                found.append(Entry("downloads", name, (path,), _size(path),
                                   path.lstat().st_mtime))
    return sorted(found, key=lambda e: e.last_used)


def _remove(entry):
    for path in entry.paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def evict(keep=None, limit=None):
    """Remove least recently used images/features entries until they fit the budget.

    ``keep`` (a path just written) goes last, and only if it alone is over the budget.
    Returns the entries removed.
    """
    limit = budget() if limit is None else limit
    if limit is None:
        return []
    bounded = [e for e in entries() if e.kind in _FOLDERS]
    bounded.sort(key=lambda e: (keep is not None and keep in e.paths, e.last_used))
    total, removed = sum(e.bytes for e in bounded), []
    for entry in bounded:
        if total <= limit:
            break
        _remove(entry)
        total -= entry.bytes
        removed.append(entry)
    return removed


def cache_info():
    """What the cache holds: a dict with ``root``, ``budget_bytes`` (None: unbounded),
    ``total_bytes``, ``kinds`` ({kind: {"entries", "bytes"}}) and ``entries`` (a list of
    {"kind", "name", "bytes", "last_used"} dicts, least recently used first; ``last_used`` in
    ISO 8601 UTC).

    Examples
    --------
    >>> sorted(cache_info())
    ['budget_bytes', 'entries', 'kinds', 'root', 'total_bytes']
    """
    found = entries()
    kinds = {k: {"entries": sum(e.kind == k for e in found),
                 "bytes": sum(e.bytes for e in found if e.kind == k)} for k in KINDS}
    return {"root": str(cache_dir()), "budget_bytes": budget(),
            "total_bytes": sum(e.bytes for e in found), "kinds": kinds,
            "entries": [{"kind": e.kind, "name": e.name, "bytes": e.bytes,
                         "last_used": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                    time.gmtime(e.last_used))}
                        for e in found]}


def clear_cache(*, older_than_days=None, kind=None):
    """Remove cache entries: all, those of one ``kind``, or those not used for
    ``older_than_days`` days. Returns ``(entries removed, bytes freed)``.

    Parameters
    ----------
    older_than_days : float, optional
        Only entries whose last use is at least this many days ago.
    kind : {None, "images", "features", "downloads"}
    """
    if kind is not None and kind not in KINDS:
        from linclass._validation import fail

        raise fail("kind", f"one of {', '.join(KINDS)}", repr(kind))
    cutoff = None if older_than_days is None else time.time() - older_than_days * _DAY_S
    removed = [e for e in entries(kind) if cutoff is None or e.last_used <= cutoff]
    for entry in removed:
        _remove(entry)
    return len(removed), sum(e.bytes for e in removed)
