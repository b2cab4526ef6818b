"""On-disk cache of extracted features, keyed by the images' bytes and the extractor's state.

Files are plain ``.npy`` (read back with ``allow_pickle=False``) under
``$LINCLASS_DATA/features`` (default ``~/.cache/linclass/features``), written atomically
(temp file, then ``os.replace``), so an interrupted run leaves nothing half-written.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from linclass._files import atomic_write

#: Batches smaller than this are not cached (a few images for ``predict`` cost less to
#: recompute than to hash and store).
CACHE_MIN_IMAGES = 1000


def cache_dir():
    """``$LINCLASS_DATA/features``, or ``~/.cache/linclass/features`` when it is unset."""
    root = os.environ.get("LINCLASS_DATA") or Path.home() / ".cache" / "linclass"
    return Path(root) / "features"


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


def cached_transform(extractor, images, progress=None, images_digest=None):
    """``extractor.transform(images, progress)``, read from the cache when already computed."""
    if images_digest is None:
        images_digest = digest_images(images)
    path = cache_dir() / f"{extractor_key(extractor, images_digest)}.npy"
    if path.is_file():
        try:
            features = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            features = None  # damaged entry: recompute and overwrite it
        if features is not None and features.shape[0] == len(images):
            if progress is not None:
                progress(len(images), len(images))
            return features
    features = extractor.transform(images, progress=progress)
    atomic_write(path, lambda f: np.save(f, features, allow_pickle=False))
    return features


