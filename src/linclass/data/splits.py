"""Seeded, stratified train/validation splits and small development subsets.

Each class contributes to the held-out part in proportion to its size (largest-remainder
rounding, so the total is exact); within a class the members are drawn with a
``numpy.random.Generator`` seeded by ``seed``. Same labels and seed, same split.

>>> import numpy as np
>>> labels = np.repeat([0, 1, 2], [50, 30, 20])
>>> train_idx, val_idx = train_val_split(labels, 10, seed=0)
>>> len(train_idx), np.bincount(labels[val_idx]).tolist()
(90, [5, 3, 2])
"""

import numbers

import numpy as np

from linclass._validation import fail

__all__ = [
    "LARGE_DATASET", "LARGE_VAL_SIZE", "SMALL_VAL_FRACTION", "default_val_size", "dev_subset",
    "resolve_size", "train_val_split",
]

#: Held-out images for CIFAR-10-size data (the CS231n protocol: 49,000 train / 1,000 val).
LARGE_VAL_SIZE = 1000
#: Datasets with at least this many images are "CIFAR-10-size".
LARGE_DATASET = 20_000
#: Fraction held out from smaller datasets.
SMALL_VAL_FRACTION = 0.1


def default_val_size(n):
    """Default validation size: 1,000 for ``n >= 20,000`` images, else 10% (at least 1)."""
    if n >= LARGE_DATASET:
        return LARGE_VAL_SIZE
    return max(1, round(SMALL_VAL_FRACTION * n))


def resolve_size(name, size, n):
    """Turn ``size`` (int count, or float fraction in (0, 1)) into a count in ``[0, n)``."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        if not 0 <= size < n:
            raise fail(name, f"a count in [0, {n}) (the dataset has {n} images) "
                             "or a fraction in (0, 1)", size)
        return int(size)
    if isinstance(size, numbers.Real) and not isinstance(size, bool):
        if not 0 < size < 1:
            raise fail(name, "a fraction in (0, 1) or an integer count", size)
        return max(1, min(n - 1, round(size * n)))
    raise fail(name, "an integer count or a fraction in (0, 1)", repr(size))


def _stratified_pick(labels, k, rng):
    """Indices of ``k`` samples, each class represented in proportion to its size."""
    classes, y = np.unique(labels, return_inverse=True)
    counts = np.bincount(y, minlength=len(classes))
    quota = counts * (k / len(labels))
    take = np.floor(quota).astype(np.int64)
    # largest remainders get the leftover samples (ties: lower class index first)
    order = np.argsort(-(quota - take), kind="stable")
    take[order[: k - take.sum()]] += 1
    picked = []
    for c in range(len(classes)):
        members = np.flatnonzero(y == c)
        picked.append(rng.permutation(members)[: take[c]])
    return np.sort(np.concatenate(picked)).astype(np.int64)


def _check_labels(labels):
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size < 2:
        raise fail("labels", "a 1-D array of at least 2 labels", f"shape {labels.shape}")
    return labels


def train_val_split(labels, val_size, seed=0):
    """Split sample indices into training and validation parts, stratified by class.

    Parameters
    ----------
    labels : array-like of shape (N,)
    val_size : int or float
        Number of validation samples (``0 <= val_size < N``), or a fraction in (0, 1).
        :func:`default_val_size` gives the project's default.
    seed : int or numpy.random.Generator

    Returns
    -------
    train_idx, val_idx : ndarray of int64
        Sorted, disjoint, together ``range(N)``.
    """
    labels = _check_labels(labels)
    n = len(labels)
    k = resolve_size("val_size", val_size, n)
    val_idx = _stratified_pick(labels, k, np.random.default_rng(seed))
    mask = np.ones(n, dtype=bool)
    mask[val_idx] = False
    return np.flatnonzero(mask).astype(np.int64), val_idx


def dev_subset(labels, size, seed=0):
    """Indices (sorted) of a small stratified subset for quick experiments.

    ``size`` is a count or a fraction, as ``val_size`` in :func:`train_val_split`;
    a count of ``N`` or more returns every index.
    """
    labels = _check_labels(labels)
    if isinstance(size, numbers.Integral) and size >= len(labels):
        return np.arange(len(labels), dtype=np.int64)
    k = resolve_size("size", size, len(labels))
    return _stratified_pick(labels, k, np.random.default_rng(seed))
