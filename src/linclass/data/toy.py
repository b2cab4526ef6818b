"""Seeded toy 2-D datasets for the demo and the feature-transform examples.

Each function returns ``X`` (n, 2) float64 and ``y`` (n,) int64 with three classes, as equal
in size as ``n`` allows (class ``k`` gets ``n // 3`` points, plus one for ``k < n % 3``).

>>> X, y = spiral(300, seed=0)
>>> X.shape, np.bincount(y).tolist()
((300, 2), [100, 100, 100])
"""

import numpy as np

from linclass._validation import fail

__all__ = ["N_CLASSES", "blobs", "circles", "spiral"]

N_CLASSES = 3


def _class_sizes(n):
    if not isinstance(n, int | np.integer) or n < N_CLASSES:
        raise fail("n", f"an integer >= {N_CLASSES} (one point per class at least)", repr(n))
    sizes = np.full(N_CLASSES, n // N_CLASSES)
    sizes[: n % N_CLASSES] += 1
    return sizes


def _labels(sizes):
    return np.repeat(np.arange(N_CLASSES, dtype=np.int64), sizes)


def blobs(n=300, seed=0, *, spread=0.6):
    """Three Gaussian blobs (standard deviation ``spread``) centred on an equilateral triangle
    of circumradius 2: linearly separable up to the overlap of the tails."""
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n)
    y = _labels(sizes)
    angles = np.pi / 2 + 2 * np.pi * np.arange(N_CLASSES) / N_CLASSES
    centres = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)])  # (3, 2)
    return centres[y] + spread * rng.standard_normal((len(y), 2)), y


def circles(n=300, seed=0, *, noise=0.1):
    """Three concentric rings of radius 1, 2 and 3 (radial noise ``noise``).

    Not linearly separable in (x, y); after the polar transform ``(x, y) -> (r, theta)`` the
    classes are intervals of ``r``, which a linear multiclass classifier separates.
    """
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n)
    y = _labels(sizes)
    radius = (y + 1.0) + noise * rng.standard_normal(len(y))
    theta = rng.uniform(0.0, 2 * np.pi, len(y))
    return np.column_stack([radius * np.cos(theta), radius * np.sin(theta)]), y


def spiral(n=300, seed=0, *, noise=0.2):
    """Three interleaved spiral arms (the CS231n "spiral" dataset).

    Arm ``k``: radius ``r`` from 0 to 1 and angle ``4k + 4r`` (radians) plus Gaussian noise of
    standard deviation ``noise``; the point is ``(r sin t, r cos t)``.

    References
    ----------
    CS231n, "Putting it together: minimal neural network case study".
    """
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n)
    y = _labels(sizes)
    r = np.concatenate([np.linspace(0.0, 1.0, s) for s in sizes])
    t = 4.0 * y + 4.0 * r + noise * rng.standard_normal(len(y))
    return np.column_stack([r * np.sin(t), r * np.cos(t)]), y
