"""ZCA whitening of patches (Bell & Sejnowski 1997; as used by Coates, Lee & Ng 2011)."""

import numpy as np

__all__ = ["fit_whitening"]


def fit_whitening(patches, eps=0.1):
    """ZCA whitening fitted on ``patches`` (n, D): ``(mean (D,), W (D, D))`` float32.

    ``W = V diag(1 / sqrt(lambda + eps)) V^T`` from the covariance (computed in float64), so
    ``(x - mean) @ W`` has covariance ``V diag(lambda / (lambda + eps)) V^T`` (the identity
    for ``eps = 0``). ``W`` is symmetric.
    """
    mean = patches.mean(axis=0, dtype=np.float64)
    centered = patches.astype(np.float64) - mean
    cov = centered.T @ centered / (len(patches) - 1)  # (D, D)
    eigvals, eigvecs = np.linalg.eigh(cov)
    eigvals = np.maximum(eigvals, 0.0)  # round-off can make the smallest slightly negative
    matrix = (eigvecs / np.sqrt(eigvals + eps)) @ eigvecs.T
    return mean.astype(np.float32), matrix.astype(np.float32)
