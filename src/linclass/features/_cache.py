"""On-disk cache of extracted features, keyed by the images' bytes and the extractor's state.

Files are plain ``.npy`` (read back with ``allow_pickle=False``, the header checked against
the file's size) under ``$LINCLASS_DATA/features`` (default ``~/.cache/linclass/features``),
one file per entry written atomically (:func:`linclass.data._store.write`), so an interrupted
run leaves nothing half-written, and counted in the cache's size budget
(``LINCLASS_CACHE_MAX``, least recently used evicted first).

Features are float32; when every value is an integer in 0..255 (raw pixels of uint8 images)
the entry stores them as uint8, a quarter of the size, and they are read back as the same
float32 values.
"""

import hashlib
import json

import numpy as np

from linclass.data import _store
from linclass.data._npy import check_npy

#: Batches smaller than this are not cached (a few images for ``predict`` cost less to
#: recompute than to hash and store).
CACHE_MIN_IMAGES = 1000
#: Rows compared at a time when checking whether features fit in uint8.
_BLOCK_ROWS = 4096


def cache_dir():
    """``$LINCLASS_DATA/features``, or ``~/.cache/linclass/features`` when it is unset."""
    return _store.folder("features")


def digest_images(images):
    """A hex digest of the array's dtype, shape and bytes (BLAKE2b, 128 bits)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{images.dtype.str}{images.shape}".encode())
    h.update(memoryview(np.ascontiguousarray(images)).cast("B"))
    return h.hexdigest()


def extractor_key(extractor, images_digest):
    """The cache key of ``extractor.transform`` on images with ``images_digest``."""
    h = hashlib.blake2b(digest_size=16)
    h.update(images_digest.encode())
    h.update(extractor.name.encode())
    h.update(json.dumps(extractor.params(), sort_keys=True).encode())
    for key, value in sorted(extractor.arrays().items()):
        h.update(key.encode())
        h.update(digest_images(np.asarray(value)).encode())
    return f"{extractor.name}-{h.hexdigest()}"


def storage_form(features):
    """``features`` as uint8 when that holds them exactly (0..255 integers), else as they are."""
    for start in range(0, len(features), _BLOCK_ROWS):
        block = features[start:start + _BLOCK_ROWS]
        if not np.array_equal(block, block.astype(np.uint8)):
            return features
    return features.astype(np.uint8)


def _read(path, n_rows):
    """The cached features at ``path`` (float32), or None when absent, damaged or stale."""
    try:
        shape, _ = check_npy(path)
        if len(shape) != 2 or shape[0] != n_rows:
            return None
        features = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None  # absent or damaged: recompute and overwrite it
    _store.touch(path)
    return features.astype(np.float32, copy=False)


def cached_transform(extractor, images, progress=None, images_digest=None):
    """``extractor.transform(images, progress)``, read from the cache when already computed."""
    if images_digest is None:
        images_digest = digest_images(images)
    path = cache_dir() / f"{extractor_key(extractor, images_digest)}.npy"
    features = _read(path, len(images))
    if features is not None:
        if progress is not None:
            progress(len(images), len(images))
        return features
    features = extractor.transform(images, progress=progress)
    stored = storage_form(features)
    _store.write(path, lambda f: np.save(f, stored, allow_pickle=False))
    return features
