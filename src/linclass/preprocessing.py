"""Preprocessing fitted on the training split, stored as arrays.

Two transforms, each with ``fit(X)`` (statistics from the training split only),
``transform(X)`` (a new float32 array by default; the input is never modified), and
``state()`` / ``from_state(state)`` so a model file can store and restore them
(numpy arrays plus JSON-able parameters, no pickles):

* :class:`MeanImage` -- subtract the mean training image, ``x - mu`` (CS231n's "mean image");
* :class:`Standardize` -- per-feature standardization ``(x - mu) / sigma``, with ``sigma``
  replaced by 1 where a feature is constant in training.

Inputs may be images (N, H, W, C) or feature rows (N, D); the statistics have the shape of one
sample, so they apply to raw images as they come.

>>> import numpy as np
>>> X = np.array([[0, 10], [2, 10], [4, 10]], dtype=np.uint8)
>>> s = Standardize().fit(X)
>>> np.round(s.transform(X).astype(float), 4).tolist()
[[-1.2247, 0.0], [0.0, 0.0], [1.2247, 0.0]]
"""

import numpy as np

from linclass._validation import fail, resolve
from linclass.errors import check_fitted

__all__ = ["BLOCK_ROWS", "MeanImage", "Standardize", "TRANSFORMS", "from_state"]

#: Rows per block when accumulating the variance.
BLOCK_ROWS = 2048


def _float_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise fail("dtype", "float32 or float64", dtype)
    return dtype


def _check_X(X, name="X", min_rows=1):
    X = np.asarray(X)
    if X.ndim < 2 or len(X) < min_rows:
        raise fail(name, f"an array (N, ...) with N >= {min_rows} samples", f"shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise fail(name, "a numeric array", f"dtype {X.dtype}")
    return X


class _Fitted:
    """Shared ``transform`` checks and ``state`` plumbing."""

    name = ""
    arrays = ()

    def __init__(self, dtype=np.float32):
        self.dtype = _float_dtype(dtype)

    def _check_fitted(self, X):
        check_fitted(self, hasattr(self, "mean_"), "call fit(X_train) first")
        X = _check_X(X)
        if X.shape[1:] != self.mean_.shape:
            raise fail("X", f"samples of shape {self.mean_.shape} (as in fit)",
                       f"shape {X.shape[1:]}")
        return X

    def _mean(self, X):
        return X.mean(axis=0, dtype=np.float64)

    @classmethod
    def from_state(cls, arrays, params):
        """The fitted transform that ``state()`` returned ``(arrays, params)`` for."""
        if params.get("kind") != cls.name:
            raise fail("params['kind']", repr(cls.name), repr(params.get("kind")))
        obj = cls(dtype=params.get("dtype", "float32"))
        for k in cls.arrays:
            if k not in arrays:
                raise fail("arrays", f"a dict with keys {list(cls.arrays)}", sorted(arrays))
            setattr(obj, k + "_", np.asarray(arrays[k], dtype=obj.dtype))
        return obj

    def state(self):
        """``(arrays, params)``: a dict of numpy arrays and a JSON-able dict of parameters."""
        check_fitted(self, hasattr(self, "mean_"), "call fit(X_train) first")
        return ({k: getattr(self, k + "_") for k in self.arrays},
                {"kind": self.name, "dtype": self.dtype.name})


class MeanImage(_Fitted):
    """Subtract the mean training sample: ``x' = x - mu``, ``mu = mean_i x_i``.

    Attributes
    ----------
    mean_ : ndarray, the shape of one sample, in ``dtype``
    """

    name = "mean_image"
    arrays = ("mean",)

    def fit(self, X):
        X = _check_X(X)
        self.mean_ = self._mean(X).astype(self.dtype)
        return self

    def transform(self, X):
        X = self._check_fitted(X)
        return np.subtract(X, self.mean_, dtype=self.dtype)


class Standardize(_Fitted):
    """Per-feature standardization: ``x' = (x - mu) / sigma`` with training mean and standard
    deviation (population, ``ddof=0``); ``sigma = 1`` where a feature is constant.

    Attributes
    ----------
    mean_, scale_ : ndarray, the shape of one sample, in ``dtype``
    """

    name = "standardize"
    arrays = ("mean", "scale")

    def fit(self, X):
        X = _check_X(X)
        mean = self._mean(X)
        # two-pass variance in float64, a block of rows at a time (no (N, D) float64 copy)
        sq = np.zeros(mean.shape, dtype=np.float64)
        for start in range(0, len(X), BLOCK_ROWS):
            sq += np.square(X[start:start + BLOCK_ROWS] - mean).sum(axis=0)
        std = np.sqrt(sq / len(X))
        self.mean_ = mean.astype(self.dtype)
        self.scale_ = np.where(std > 0, std, 1.0).astype(self.dtype)
        return self

    def transform(self, X):
        X = self._check_fitted(X)
        out = np.subtract(X, self.mean_, dtype=self.dtype)
        out /= self.scale_  # in place on our own new array
        return out


#: Transforms by name, as stored in ``state()[1]["kind"]``.
TRANSFORMS = {cls.name: cls for cls in (MeanImage, Standardize)}


def from_state(arrays, params):
    """Rebuild a fitted transform from ``state()``'s ``(arrays, params)``."""
    cls = resolve("params['kind']", params.get("kind"), TRANSFORMS)
    return cls.from_state(arrays, params)
