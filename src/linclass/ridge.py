r"""The exact minimizer of the least-squares objective (``solver="exact"``).

With the ``least_squares`` loss (targets :math:`t_{ij} = \pm\Delta`) and L2 regularization
in CS231n's convention (:math:`\lambda \sum W^2`, bias free) the objective that the minibatch
loop descends,

.. math::

    L(W, b) = \frac{1}{N} \sum_i \frac{w_i}{2} \lVert x_i W + b - t_i \rVert^2
              + \lambda \lVert W \rVert_F^2 ,

is quadratic; setting its gradient (:func:`linclass.linear_loss`) to zero gives, with the
weighted means :math:`\bar x = \sum_i w_i x_i / \sum_i w_i`, :math:`\bar t` likewise, and the
centred :math:`X_c = X - \bar x`, :math:`T_c = T - \bar t`,

.. math::

    \Bigl(\frac{1}{N} X_c^\top D_w X_c + 2 \lambda I\Bigr) W = \frac{1}{N} X_c^\top D_w T_c,
    \qquad b = \bar t - \bar x W ,

:math:`D_w = \mathrm{diag}(w)` (all ones without class weights; :math:`w_i = w_{y_i}`
otherwise, as ``linear_loss``'s ``class_weight``). This is scikit-learn's
``RidgeClassifier(alpha=2 * lambda * N)`` and Rifkin and Klautau's RLSC.

Notes
-----
Speed and memory: the Gram matrix :math:`X_c^\top D_w X_c` (D x D) is accumulated over row
blocks, so a memory-mapped X is read block by block (twice: the means, then the Gram) and
memory stays about :math:`D^2` float64 and :math:`D^2` in X's dtype plus two blocks. Each
block is centred and multiplied by BLAS ``syrk`` (one triangle, half the flops of
``X.T @ X``) in the dtype of X (float32 for image features), and summed into a float64 Gram;
the system is solved by a float64 Cholesky factorization. Cost: :math:`N D^2` multiply-adds
for the Gram, :math:`D^3 / 3` for Cholesky.

Regularization path: with the eigendecomposition :math:`G = V \operatorname{diag}(e) V^\top`
of :math:`G = \frac{1}{N} X_c^\top D_w X_c`, every lambda costs only a diagonal scaling,
:math:`W(\lambda) = V \operatorname{diag}(1 / (e + 2\lambda)) V^\top R` with
:math:`R = \frac{1}{N} X_c^\top D_w T_c`: :class:`RidgePath` gives the weights at
every lambda for the price of one factorization (:math:`D^3` against :math:`D^3/3` for one
Cholesky solve) plus :math:`D^2 C` per lambda.

Sample weights :math:`s_i` enter as :math:`w_i = s_i c_{y_i}` and the normalizer
:math:`\sum_i s_i` replaces N (as :func:`linclass.linear_loss`): an integer weight equals a
repeated row. The sufficient statistics of disjoint row sets (the ranks of a process group)
sum exactly as raw moments (:meth:`GramStats.pack`): one all-reduce gives the union's.

References
----------
.. [1] R. Rifkin and A. Klautau, "In Defense of One-Vs-All Classification", JMLR 5, 2004.
.. [2] scikit-learn, ``sklearn.linear_model.RidgeClassifier``.
"""

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from linclass._validation import check_positive, fail

__all__ = ["CHOLESKY_ONE_THREAD", "GRAM_BLOCK_BYTES", "GramStats", "RidgePath", "gram_stats",
           "solve_least_squares", "solve_stats"]

#: Bytes of X per row block of the Gram matrix: large enough that ``syrk`` on a block costs
#: far more than adding its D x D result into the float64 Gram (memory-bound: 0.28 s for
#: D = 6,400 against 0.6 s of ``ssyrk`` on a 64 MiB block, 1.7 s on a 200 MiB one, on the
#: 2-core benchmark machine; ``benchmarks/results/exact.md``).
GRAM_BLOCK_BYTES = 256 << 20


@dataclass
class GramStats:
    r"""The sufficient statistics of weighted least squares on a set of rows (float64).

    Attributes
    ----------
    gram : ndarray of shape (D, D), Fortran order
        :math:`\sum_i w_i (x_i - \bar x)(x_i - \bar x)^\top`, upper triangle.
    rhs : ndarray of shape (D, C)
        :math:`\sum_i w_i (x_i - \bar x)(t_i - \bar t)^\top`.
    x_mean : ndarray of shape (D,), the weighted mean :math:`\bar x`
    t_mean : ndarray of shape (C,), the weighted mean target :math:`\bar t`
    weight : float, :math:`\sum_i w_i`
    norm : float, :math:`\sum_i s_i` (N without sample weights), the objective's divisor
    """

    gram: np.ndarray
    rhs: np.ndarray
    x_mean: np.ndarray
    t_mean: np.ndarray
    weight: float
    norm: float

    def pack(self):
        r"""The statistics as one flat float64 vector whose sum over row sets is the
        :meth:`unpack` of their union: raw (uncentred) moments in float64."""
        w, m, t = self.weight, self.x_mean, self.t_mean
        gram = self.gram + w * np.outer(m, m)
        rhs = self.rhs + w * np.outer(m, t)
        return np.concatenate([gram.reshape(-1, order="F"), rhs.reshape(-1), w * m, w * t,
                               [w, self.norm]])

    @classmethod
    def unpack(cls, flat, d, c):
        """Inverse of :meth:`pack` (of a sum of packs: the union's statistics)."""
        sizes = np.cumsum([d * d, d * c, d, c])
        gram, rhs, wm, wt = np.split(flat[:-2], sizes[:-1])
        w, norm = float(flat[-2]), float(flat[-1])
        if not w > 0:
            raise fail("class_weight", "weights with a positive sum over the training rows",
                       "weights that sum to 0")
        m, t = wm / w, wt / w
        gram = gram.reshape(d, d, order="F") - w * np.outer(m, m)
        return cls(np.asfortranarray(gram), rhs.reshape(d, c) - w * np.outer(m, t), m, t, w,
                   norm)


def gram_stats(X, y, n_classes, *, margin=1.0, class_weight=None, sample_weight=None,
               block_rows=None):
    """The :class:`GramStats` of ``X`` (N, D), labels ``y``: two passes over row blocks.

    The parameters are those of :func:`solve_least_squares`. An empty ``X`` (a rank without
    rows) gives zero statistics. A scipy.sparse ``X`` is read one dense row block at a time
    (centring makes the Gram matrix dense anyway): the same statistics, the same memory.
    """
    check_positive("margin", margin)
    n, d = X.shape
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if block_rows is None:
        block_rows = max(1, GRAM_BLOCK_BYTES // (d * dtype.itemsize))
    elif isinstance(block_rows, bool) or not isinstance(block_rows, int | np.integer) \
            or block_rows < 1:
        raise fail("block_rows", "a positive integer (rows of X per block)", repr(block_rows))
    weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    norm = float(weights.sum())
    if class_weight is not None:
        weights = weights * np.asarray(class_weight, np.float64)[y]
    total = float(weights.sum())
    if n == 0 or not total > 0:
        return GramStats(np.zeros((d, d), order="F"), np.zeros((d, n_classes)), np.zeros(d),
                         np.zeros(n_classes), 0.0, norm)
    starts = range(0, n, block_rows)
    plain = class_weight is None and sample_weight is None

    def rows(s):  # (B, D) rows s.. of X, dense
        block = X[s:s + block_rows]
        return block.toarray() if hasattr(block, "toarray") else block

    x_mean = np.zeros(d)  # (D,): float64 across blocks, X's dtype within a block
    block_weights = weights.astype(dtype)
    for s in starts:
        x_mean += block_weights[s:s + block_rows] @ rows(s)  # (B,) @ (B, D) -> (D,)
    x_mean /= total
    counts = np.bincount(y, weights=weights, minlength=n_classes)  # (C,) weighted class sizes
    t_mean = margin * (2 * counts / total - 1)  # (C,): +margin share minus -margin share

    from scipy.linalg import blas  # SciPy loads on first use, not with linclass --help

    syrk = blas.ssyrk if dtype == np.float32 else blas.dsyrk
    gram = np.zeros((d, d), order="F")  # float64, upper triangle
    block_gram = np.zeros((d, d), dtype=dtype, order="F")
    rhs = np.zeros((d, n_classes))  # X_c^T D_w T_c, float64 (D, C)
    mean_cast = x_mean.astype(dtype)
    buffer = np.empty((min(block_rows, n), d), dtype=dtype)  # reused: no page faults
    for s in starts:
        Z = buffer[:min(block_rows, n - s)]  # (B, D)
        np.subtract(rows(s), mean_cast, out=Z)  # centred
        # T centred too, although X_c^T D_w 1 = 0: then an error e in the float mean of X
        # changes Z^T D_w T_c by e sum w_i (t_i - t_mean) = 0 (and Z^T D_w Z only by O(e^2))
        targets = _targets(y[s:s + block_rows], n_classes, margin, dtype)  # (B, C)
        targets -= t_mean.astype(dtype)
        if not plain:  # rows scaled by sqrt(w_i): Z.T @ Z = X_c^T D_w X_c
            root_w = np.sqrt(weights[s:s + block_rows], dtype=dtype)[:, None]  # (B, 1)
            Z *= root_w
            targets *= root_w
        # Z.T is F-contiguous (D, B): syrk gives the upper triangle of Z.T @ Z without a copy
        block_gram = syrk(1.0, Z.T, beta=0.0, c=block_gram, overwrite_c=True)
        gram += block_gram
        rhs += Z.T @ targets  # (D, B) @ (B, C) -> (D, C)
    return GramStats(gram, rhs, x_mean, t_mean, total, norm)


#: Features from which the Cholesky factorization runs on one BLAS thread (see solve_stats).
CHOLESKY_ONE_THREAD = 15_000


def solve_stats(stats, reg_strength):
    """``(W (D, C), b (C,))`` in float64 from :class:`GramStats`: one Cholesky solve."""
    import scipy.linalg

    check_positive("reg_strength", reg_strength, allow_zero=True)
    d = stats.gram.shape[0]
    gram = stats.gram / stats.norm  # a new F-ordered array: the stats stay as they were
    gram[np.diag_indices(d)] += 2 * reg_strength
    # OpenBLAS's two-thread dpotrf crashed (SIGSEGV) on this project's 2-core machine from
    # 16,000 features (15,500 and one thread were fine): one thread from CHOLESKY_ONE_THREAD on
    threads = 1 if d >= CHOLESKY_ONE_THREAD else None
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            factor = scipy.linalg.cho_factor(gram, lower=False, overwrite_a=True,
                                             check_finite=False)
    except np.linalg.LinAlgError:
        raise fail("reg_strength", "large enough that the regularized Gram matrix of X is "
                   f"positive definite ({d} features: constant or collinear features make it "
                   "singular)", reg_strength,
                   "Increase reg_strength (e.g. 1e-6) or remove such features.") from None
    W = scipy.linalg.cho_solve(factor, stats.rhs / stats.norm, check_finite=False)  # (D, C)
    b = stats.t_mean - stats.x_mean @ W
    if not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise fail("X", "finite features", "NaN or infinite values (the solution is not finite)")
    return W, b


class RidgePath:
    r"""Every lambda of L2-regularized least squares from one eigendecomposition.

    Parameters
    ----------
    stats : GramStats
        Of the training rows.

    Notes
    -----
    :math:`G / N = V \operatorname{diag}(e) V^\top` (``scipy.linalg.eigh``, float64,
    :math:`D^3` flops once); then :math:`W(\lambda) = V \operatorname{diag}(1/(e + 2
    \lambda)) Q`, :math:`Q = V^\top R / N` (D x C): :math:`D^2 C` per lambda.
    """

    def __init__(self, stats):
        import scipy.linalg

        self.stats = stats
        gram = stats.gram / stats.norm
        self.eigenvalues, self.V = scipy.linalg.eigh(gram, lower=False, check_finite=False,
                                                     overwrite_a=True)
        self.Q = self.V.T @ (stats.rhs / stats.norm)  # (D, C)

    def _scale(self, reg_strength):
        denominator = self.eigenvalues + 2 * reg_strength
        if reg_strength == 0 and not denominator.min() > 1e-12 * max(denominator.max(), 1):
            raise fail("reg_strength", "> 0 on this path (the Gram matrix is singular)",
                       reg_strength)
        return self.Q / denominator[:, None]

    def weights(self, reg_strength):
        """``(W, b)`` in float64 at ``reg_strength`` (lambda >= 0)."""
        W = self.V @ self._scale(reg_strength)
        return W, self.stats.t_mean - self.stats.x_mean @ W


def solve_least_squares(X, y, n_classes, reg_strength, *, margin=1.0, class_weight=None,
                        sample_weight=None, block_rows=None):
    """The exact ``W (D, C)``, ``b (C,)`` of L2-regularized one-vs-all least squares.

    Parameters
    ----------
    X : ndarray of shape (N, D), float32 or float64, may be memory-mapped
        Never modified or copied whole.
    y : ndarray of shape (N,), integer labels in ``[0, n_classes)``
    n_classes : int
    reg_strength : float, lambda >= 0 (0: no regularization, needs a nonsingular Gram)
    margin : float, the target magnitude Delta > 0
    class_weight : ndarray of shape (C,), optional
        Weights per class (weighted least squares, as :func:`linclass.linear_loss`).
    sample_weight : ndarray of shape (N,), optional
        Weights per row, >= 0 with a positive sum: an integer weight equals the row
        repeated (as :func:`linclass.linear_loss`).
    block_rows : int, optional
        Rows of X per block (default: about :data:`GRAM_BLOCK_BYTES` of X); the result does
        not depend on it beyond round-off.

    Returns
    -------
    W : ndarray of shape (D, C), in the dtype of X
    b : ndarray of shape (C,), likewise

    Raises
    ------
    ValueError
        When the regularized Gram matrix is singular (``reg_strength`` 0 and constant or
        collinear features): increase ``reg_strength``.

    Examples
    --------
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> W, b = solve_least_squares(X, np.array([0, 1, 1, 0]), 2, 0.0)
    >>> np.round(X @ W + b, 6)  # column 1 is 2 x0 - 1, column 0 its negative
    array([[ 1., -1.],
           [-1.,  1.],
           [-1.,  1.],
           [ 1., -1.]])
    """
    check_positive("reg_strength", reg_strength, allow_zero=True)
    stats = gram_stats(X, y, n_classes, margin=margin, class_weight=class_weight,
                       sample_weight=sample_weight, block_rows=block_rows)
    if not stats.weight > 0:
        raise fail("class_weight", "weights with a positive sum over the training rows",
                   "weights that sum to 0")
    W, b = solve_stats(stats, reg_strength)
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    return W.astype(dtype), b.astype(dtype)


def _targets(y, n_classes, margin, dtype):
    """``T (B, C)``: +margin in each row's label column, -margin elsewhere."""
    targets = np.full((len(y), n_classes), -margin, dtype=dtype)
    targets[np.arange(len(y)), y] = margin
    return targets
