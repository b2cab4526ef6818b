"""The extractor protocol's shared parts: image checks, batching with progress, state.

An extractor maps images ``(N, H, W, C)`` to features ``(N, F)`` float32. Its settings are JSON
(``params()``) and whatever it learned in ``fit`` is a dict of numpy arrays (``arrays()``), so a
model file can carry it without pickle and ``from_state(params, arrays)`` rebuilds it.
"""

import numpy as np

from linclass._validation import fail

#: Images per batch inside ``transform``: bounds the temporaries (a few MB per array for
#: 32x32 RGB) and sets the progress-callback granularity.
BATCH_SIZE = 1024


def check_images(images, name="images", *, min_size=(1, 1)):
    """``images`` as an ndarray ``(N, H, W, C)`` (a 3-D ``(N, H, W)`` becomes ``C = 1``).

    Accepts uint8, other integers, float32 and float64; ``C`` must be 1 or 3 and ``H, W`` at
    least ``min_size``.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[3] not in (1, 3):
        raise fail(name, "an array (N, H, W) or (N, H, W, C) with C = 1 or 3",
                   f"shape {images.shape}")
    if not (np.issubdtype(images.dtype, np.integer) or images.dtype in (np.float32, np.float64)):
        raise fail(name, "uint8, integer, float32 or float64", f"dtype {images.dtype}")
    height, width = images.shape[1:3]
    if height < min_size[0] or width < min_size[1]:
        raise fail(name, f"at least {min_size[0]} x {min_size[1]} pixels (rows x cols)",
                   f"{height} x {width}")
    return images


def work_dtype(images):
    """The float dtype features are computed in: float32/float64 kept, integers -> float32.

    Integer images (uint8 pixels) are exactly representable in float32, the hot-path dtype.
    """
    return images.dtype if images.dtype in (np.float32, np.float64) else np.dtype(np.float32)


def map_batches(fn, images, progress=None, batch_size=BATCH_SIZE):
    """Apply ``fn`` to consecutive batches of ``images`` and stack the ``(n, F)`` results.

    ``progress(n_done, n_total)``, if given, is called after every batch (the convention of
    :func:`linclass.data.load`).
    """
    n = len(images)
    out = None
    for start in range(0, max(n, 1), batch_size):
        block = fn(images[start:start + batch_size])  # (n_batch, F)
        if out is None:
            out = np.empty((n, block.shape[1]), dtype=block.dtype)
        out[start:start + len(block)] = block
        if progress is not None and len(block):
            progress(start + len(block), n)
    return out


def region_index(size, parts):
    """Region of each of ``size`` positions cut into ``parts`` near-equal runs: ``i`` where
    ``i * size // parts <= p < (i + 1) * size // parts``. Returns (size,) int."""
    starts = np.arange(parts) * size // parts
    return np.searchsorted(starts, np.arange(size), side="right") - 1


class Extractor:
    """Base class of the feature extractors (see :mod:`linclass.features` for the protocol).

    Subclasses set ``name``, store their settings as attributes named in ``param_names``
    and implement ``_transform_batch(images) -> (n, F)``; learned ones override ``fit``,
    ``arrays`` and ``_set_arrays``.
    """

    name = ""
    param_names = ()

    def fit(self, images, rng=None):
        """Stateless extractors learn nothing: return ``self``."""
        return self

    def transform(self, images, progress=None):
        """Features ``(N, F)`` float32 of ``images`` ``(N, H, W, C)``, in batches."""
        images = check_images(images)
        return map_batches(lambda batch: self._transform_batch(batch).astype(np.float32,
                                                                             copy=False),
                           images, progress)

    def fit_transform(self, images, rng=None, progress=None):
        return self.fit(images, rng=rng).transform(images, progress=progress)

    def params(self):
        """The settings, as a JSON-able dict (tuples become lists)."""
        return {k: _jsonable(getattr(self, k)) for k in self.param_names}

    def arrays(self):
        """The learned arrays (empty for a stateless extractor)."""
        return {}

    def _set_arrays(self, arrays):
        if arrays:
            raise fail(f"arrays of the {self.name!r} extractor", "empty (it learns nothing)",
                       f"keys {sorted(arrays)}")

    @classmethod
    def from_state(cls, params, arrays):
        """Rebuild an extractor from ``params()`` and ``arrays()``."""
        extractor = cls(**params)
        extractor._set_arrays(dict(arrays))
        return extractor

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


def _jsonable(value):
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
