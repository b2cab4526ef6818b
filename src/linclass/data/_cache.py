"""On-disk cache of decoded datasets: ``.npy`` arrays plus a JSON manifest.

An entry ``<cache>/datasets/<key>`` is three files: ``<key>.images.npy`` (N, H, W, C) uint8,
``<key>.labels.npy`` (N,) int64 (both memory-mappable, read with ``allow_pickle=False``) and
``<key>.json``, written last, holding the class names, the source, the skipped files, and the
size and CRC-32 of each array. Every file is written atomically (temporary file, then
``os.replace``). An entry whose files are missing, truncated or altered fails the check and is
rebuilt. The key hashes everything the result depends on (see :func:`key`), so a changed
source or setting never gets a stale entry.
"""

import hashlib
import json
import os
import zlib
from pathlib import Path

import numpy as np

from linclass._files import atomic_write
from linclass.data._dataset import Dataset

#: Bump when the decoding changes what an entry holds.
FORMAT = 1


def cache_dir():
    """``$LINCLASS_DATA``, else ``~/.cache/linclass``."""
    return Path(os.environ.get("LINCLASS_DATA") or Path.home() / ".cache" / "linclass")


def key(**parts):
    """A hex key for the JSON-able ``parts`` (source identity and settings)."""
    text = json.dumps({"format": FORMAT, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def file_digest(path):
    """SHA-256 of a file's content."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _paths(entry_key):
    base = cache_dir() / "datasets" / entry_key
    return (base.with_suffix(".images.npy"), base.with_suffix(".labels.npy"),
            base.with_suffix(".json"))


def _crc(array):
    return zlib.crc32(memoryview(np.ascontiguousarray(array)).cast("B"))


def load(entry_key):
    """The cached :class:`Dataset` for ``entry_key``, or None when absent or damaged."""
    images_path, labels_path, manifest_path = _paths(entry_key)
    try:
        manifest = json.loads(manifest_path.read_text())
        arrays = {}
        for name, path in (("images", images_path), ("labels", labels_path)):
            if path.stat().st_size != manifest[name]["bytes"]:
                return None
            array = np.load(path, allow_pickle=False)
            expected = manifest[name]
            if list(array.shape) != expected["shape"] or _crc(array) != expected["crc32"]:
                return None
            arrays[name] = array
        return Dataset(arrays["images"], arrays["labels"], tuple(manifest["class_names"]),
                       manifest["source"], tuple(manifest["skipped"]))
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None


def store(entry_key, dataset):
    """Write ``dataset`` under ``entry_key`` (atomically; the manifest last)."""
    images_path, labels_path, manifest_path = _paths(entry_key)
    manifest = {"format": FORMAT, "class_names": list(dataset.class_names),
                "source": dataset.source, "skipped": list(dataset.skipped)}
    for name, path, array in (("images", images_path, dataset.images),
                              ("labels", labels_path, dataset.labels)):
        atomic_write(path, lambda f, a=array: np.save(f, a, allow_pickle=False))
        manifest[name] = {"bytes": path.stat().st_size, "shape": list(array.shape),
                          "crc32": _crc(array)}
    atomic_write(manifest_path, lambda f: f.write(json.dumps(manifest, indent=1).encode()))
