"""On-disk cache of decoded datasets: one ``.npz`` file per entry.

An entry ``<cache>/datasets/<key>.npz`` (see :mod:`linclass.data._store` for the cache as a
whole) holds ``images`` (N, H, W, C) uint8, ``labels`` (N,) int64 and ``manifest``, a JSON
string with the class names, the source and the skipped files. It is read with
``allow_pickle=False``; the zip format's CRC-32 of each array is checked as it is read, so an
entry that is truncated or altered is not returned but rebuilt. The file is written
atomically (a temporary file, then a rename), so a reader never sees half an entry. The key
hashes everything the result depends on (see :func:`key`), so a changed source or setting
never gets a stale entry.
"""

import hashlib
import json
import zipfile

import numpy as np

from linclass.data import _store
from linclass.data._dataset import Dataset
from linclass.data._npy import NpyError, read_npz

#: Bump when the decoding changes what an entry holds (2: one .npz per entry).
FORMAT = 2
cache_dir = _store.cache_dir


def key(**parts):
    """A hex key for the JSON-able ``parts`` (source identity and settings)."""
    text = json.dumps({"format": FORMAT, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def file_digest(path):
    """SHA-256 of a file's content."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def path(entry_key):
    """The file of the entry ``entry_key``."""
    return _store.folder("images") / f"{entry_key}.npz"


def load(entry_key):
    """The cached :class:`Dataset` for ``entry_key``, or None when absent or damaged."""
    file = path(entry_key)
    try:
        arrays = read_npz(file, limit_bytes=None)
        manifest = json.loads(str(arrays["manifest"]))
        dataset = Dataset(arrays["images"], arrays["labels"], tuple(manifest["class_names"]),
                          manifest["source"], tuple(manifest["skipped"]))
    except (NpyError, OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None
    _store.touch(file)
    return dataset


def store(entry_key, dataset):
    """Write ``dataset`` under ``entry_key`` (one file, atomically), within the budget."""
    manifest = {"format": FORMAT, "class_names": list(dataset.class_names),
                "source": dataset.source, "skipped": list(dataset.skipped)}
    _store.write(path(entry_key), lambda f: np.savez(
        f, images=dataset.images, labels=dataset.labels, manifest=np.array(json.dumps(manifest))))
