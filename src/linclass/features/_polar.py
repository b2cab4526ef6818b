"""Feature transforms for 2-D points: the lecture's polar-coordinates example."""

import numpy as np

from linclass._validation import fail
from linclass.backend import float_dtype


def polar(X):
    """Polar coordinates ``(r, theta)`` of 2-D points.

    ``r = sqrt(x^2 + y^2)``, ``theta = atan2(y, x)`` in (-pi, pi]. Concentric rings, which no
    line separates in ``(x, y)``, become bands of ``r``: a linear classifier on the transformed
    points separates them (CS231n, "Linear classification": feature transforms).

    Parameters
    ----------
    X : array (N, 2)
        Points ``(x, y)``; integers become float64, float32 and float64 are kept.

    Returns
    -------
    ndarray (N, 2)
        Columns ``r`` and ``theta``.

    Examples
    --------
    >>> polar([[0.0, 2.0], [-1.0, 0.0]]).round(4).tolist()
    [[2.0, 1.5708], [1.0, 3.1416]]
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise fail("X", "an array of 2-D points (N, 2)", f"shape {X.shape}")
    X = X.astype(float_dtype(X), copy=False)
    x, y = X[:, 0], X[:, 1]
    return np.column_stack([np.hypot(x, y), np.arctan2(y, x)])
