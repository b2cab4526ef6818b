r"""Least squares on wide learned features in float32: half the memory of :mod:`linclass.ridge`.

The same solution as :func:`linclass.ridge.solve_least_squares` (one-vs-all targets
:math:`\pm\Delta`, L2 penalty :math:`\lambda \lVert W \rVert_F^2`, unweighted rows):

.. math::

    \Bigl(\frac{1}{N} X_c^\top X_c + 2 \lambda I\Bigr) W = \frac{1}{N} X_c^\top T_c,
    \qquad b = \bar t - \bar x W ,

with the Gram matrix accumulated in float32 over row blocks (BLAS ``ssyrk`` with
``beta = 1``: one D x D float32 array, no float64 copy) and factorized in place by a float32
Cholesky (LAPACK ``spotrf``) of a copy, then one step of iterative refinement whose residual
:math:`R - G W` is formed in float64 (rows of the float32 Gram cast block by block). Memory
beyond X: :math:`8 D^2` bytes (the Gram and its factor) plus one block, against about
:math:`20 D^2` for the float64 path (Gram, its float32 block and the solve's float64 copy):
what lets 20,000-30,000 features of 40,000-50,000 images fit in 12 GiB.

Accuracy: float32 round-off in a Gram matrix of condition number :math:`\kappa` perturbs
:math:`W` by about :math:`\kappa \cdot 6 \cdot 10^{-8}` (relative) before refinement; the
refinement step removes most of the part due to the factorization.
"""

import numpy as np
import scipy.linalg
from scipy.linalg import blas

from linclass._validation import check_positive, fail

__all__ = ["Float32Gram", "least_squares_float32"]

#: Bytes of X per row block of the Gram matrix.
BLOCK_BYTES = 128 << 20

#: Rows of the Gram matrix cast to float64 at a time for the refinement's residual.
REFINE_ROWS = 1024


def least_squares_float32(X, y, n_classes, reg_strength, *, margin=1.0, block_rows=None):
    """``(W (D, C), b (C,))`` float32 of L2-regularized one-vs-all least squares.

    Parameters
    ----------
    X : ndarray (N, D), float32 (others are cast block by block); may be memory-mapped
    y : ndarray (N,), integer labels in ``[0, n_classes)``
    n_classes : int
    reg_strength : float, lambda > 0
    margin : float, the targets' magnitude (``+margin`` for the label, ``-margin`` otherwise)
    block_rows : int, optional, rows per block (default: about :data:`BLOCK_BYTES` of X)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)).astype(np.float32)
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> W, b = least_squares_float32(X, y, 2, 1e-3)
    >>> float(((X @ W + b).argmax(1) == y).mean()) > 0.9
    True
    """
    return Float32Gram(X, y, n_classes, margin=margin, block_rows=block_rows).solve(
        reg_strength)


class Float32Gram:
    """The centred Gram matrix ``X_c^T X_c / N`` (float32, both triangles), ``X_c^T T_c / N``
    (float64) and the means of one training set: :meth:`solve` at any lambda.

    Parameters: those of :func:`least_squares_float32`.
    """

    def __init__(self, X, y, n_classes, *, margin=1.0, block_rows=None):
        check_positive("margin", margin)
        n, d = X.shape
        if n == 0:
            raise fail("X", "at least one row", "0 rows")
        block_rows = block_rows or max(1, BLOCK_BYTES // (4 * d))
        starts = range(0, n, block_rows)
        x_mean = np.zeros(d)
        for s in starts:
            x_mean += X[s:s + block_rows].sum(axis=0, dtype=np.float64)
        x_mean /= n
        counts = np.bincount(y, minlength=n_classes)
        t_mean = margin * (2 * counts / n - 1)  # (C,)
        gram = np.zeros((d, d), dtype=np.float32, order="F")  # upper triangle
        rhs = np.zeros((d, n_classes))  # X_c^T T_c, float64
        mean32 = x_mean.astype(np.float32)
        buffer = np.empty((min(block_rows, n), d), dtype=np.float32)
        for s in starts:
            z = buffer[:min(block_rows, n - s)]
            np.subtract(X[s:s + block_rows], mean32, out=z)
            targets = np.full((len(z), n_classes), -margin, dtype=np.float32)
            targets[np.arange(len(z)), y[s:s + block_rows]] = margin
            targets -= t_mean.astype(np.float32)
            gram = blas.ssyrk(1.0, z.T, beta=1.0, c=gram, overwrite_c=True)
            rhs += z.T @ targets  # (D, B) @ (B, C)
        del buffer
        gram *= np.float32(1 / n)
        lower = np.tril_indices(d, -1)
        gram[lower] = gram.T[lower]  # both triangles: the refinement multiplies by all of it
        self.gram, self.rhs, self.x_mean, self.t_mean = gram, rhs / n, x_mean, t_mean

    def solve(self, reg_strength):
        """``(W, b)`` float32 at lambda = ``reg_strength`` > 0: a float32 Cholesky of a copy
        of the regularized Gram matrix, then one refinement step (residual in float64)."""
        check_positive("reg_strength", reg_strength)
        d = len(self.gram)
        shift = np.float32(2 * reg_strength)
        regularized = self.gram.copy(order="F")
        regularized[np.diag_indices(d)] += shift
        try:
            factor = scipy.linalg.cho_factor(regularized, lower=False, overwrite_a=True,
                                             check_finite=False)
        except np.linalg.LinAlgError:
            raise fail("reg_strength", "large enough that the regularized Gram matrix is "
                       "positive definite in float32", reg_strength,
                       "Increase reg_strength.") from None
        del regularized
        W = scipy.linalg.cho_solve(factor, self.rhs.astype(np.float32),
                                   check_finite=False).astype(np.float64)
        residual = self.rhs - 2 * reg_strength * W
        for rows in range(0, d, REFINE_ROWS):  # R - (G + 2 lambda I) W in float64
            block = slice(rows, rows + REFINE_ROWS)
            residual[block] -= self.gram[block].astype(np.float64) @ W
        W += scipy.linalg.cho_solve(factor, residual.astype(np.float32), check_finite=False)
        b = self.t_mean - self.x_mean @ W
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise fail("X", "finite features",
                       "NaN or infinite values (the solution is not finite)")
        return W.astype(np.float32), b.astype(np.float32)
