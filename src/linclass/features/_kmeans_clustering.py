"""Codebooks by Lloyd's k-means (optionally mirror-tied) and nearest-codeword assignment."""

import numpy as np
import scipy.sparse

__all__ = ["kmeans", "mirror_closed", "nearest"]

#: Rows per distance block: the (rows, K) float32 block of distances stays in cache.
BLOCK_ROWS = 4096


def nearest(x, codebook, x_sq=None):
    """Nearest codeword of each row of ``x`` (n, D) and its squared distance (clipped at 0).

    ``argmin_k ||x - c_k||^2 = argmin_k (||c_k||^2 - 2 x . c_k)``: one matrix product per
    block of ``BLOCK_ROWS`` rows. ``x_sq`` (n,): the rows' squared norms, if known.
    Returns ``(labels (n,) intp, distances (n,) in x's dtype)``.
    """
    if x_sq is None:
        x_sq = np.einsum("ij,ij->i", x, x)
    c_sq = np.einsum("ij,ij->i", codebook, codebook)
    labels = np.empty(len(x), dtype=np.intp)
    distance = np.empty(len(x), dtype=x.dtype)
    for start in range(0, len(x), BLOCK_ROWS):
        block = slice(start, start + BLOCK_ROWS)
        d = x[block] @ (-2 * codebook.T)  # (rows, D) @ (D, K) -> (rows, K)
        d += c_sq
        labels[block] = d.argmin(axis=1)
        distance[block] = d[np.arange(len(d)), labels[block]] + x_sq[block]
    np.maximum(distance, 0, out=distance)
    return labels, distance


def kmeans(x, centroids, max_iter=10, rng=None, tol=0.0, mirror=None):
    """Lloyd's k-means from initial ``centroids`` (K, D) on ``x`` (n, D).

    Each iteration assigns every row to its nearest centroid (:func:`nearest`) and moves each
    centroid to the mean of its rows; a centroid left without rows is re-seeded at a random
    row of ``x``. Runs in ``x``'s dtype.

    With ``mirror`` (a permutation ``p`` of the D columns, an involution) the codebook is
    ``[C; C[:, p]]``: every centroid has its mirror image tied to it. This is k-means on the
    mirror-closed set ``x`` and ``x[:, p]`` with the codebook kept closed under ``p``: a row
    nearest to ``c_k[p]`` counts as ``x[p]`` for ``c_k``, whose update
    ``c_k = (sum_{x -> c_k} x + sum_{x -> c_k[p]} x[p]) / (n_k + n_k')`` is the exact minimizer
    over mirror-tied pairs (``p`` is an isometry), so the inertia still never increases.

    Returns
    -------
    centroids : (K, D) array
        The free centroids ``C`` (without their mirror images when ``mirror`` is given).
    inertia : list of float
        ``sum_i min_k ||x_i - c_k||^2`` (over the whole codebook) at each assignment step.
    """
    rng = np.random.default_rng(rng)
    x = np.asarray(x)
    centroids = np.array(centroids, dtype=x.dtype)
    n, k = len(x), len(centroids)
    x_sq = np.einsum("ij,ij->i", x, x)  # (n,)
    inertia = []
    for _ in range(max_iter):
        codebook = centroids if mirror is None else mirror_closed(centroids, mirror)
        labels, distance = nearest(x, codebook, x_sq)
        inertia.append(float(distance.sum(dtype=np.float64)))
        one_hot = scipy.sparse.csr_array(
            (np.ones(n, dtype=x.dtype), (labels, np.arange(n))), shape=(len(codebook), n))
        counts = np.bincount(labels, minlength=len(codebook))
        sums = one_hot @ x  # (K', n) @ (n, D) -> (K', D)
        if mirror is not None:  # fold the mirror halves onto their free centroids
            counts = counts[:k] + counts[k:]
            sums = sums[:k] + sums[k:][:, mirror]
        empty = counts == 0
        centroids = sums / np.maximum(counts, 1)[:, None].astype(x.dtype)
        centroids[empty] = x[rng.integers(0, n, empty.sum())]
        if len(inertia) > 1 and inertia[-2] - inertia[-1] <= tol * inertia[-2]:
            break
    return centroids, inertia


def mirror_closed(centroids, mirror):
    """The codebook ``[C; C[:, p]]`` (2K, D): each centroid, then the mirror images."""
    return np.concatenate([centroids, centroids[:, mirror]])
