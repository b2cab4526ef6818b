r"""The lecture's whole objective on a linear score function.

.. math::

    L(W, b) = \underbrace{\frac{1}{N} \sum_i L_i(x_i W + b,\; y_i)}_{\text{data loss}}
              + \underbrace{\lambda R(W)}_{\text{regularization}}

    \frac{\partial L}{\partial W} = X^\top\, \frac{\partial L}{\partial S} + \lambda\,\nabla R(W),
    \qquad
    \frac{\partial L}{\partial b} = \mathbf{1}^\top \frac{\partial L}{\partial S}

Three separate pieces, as in the lecture: the score function ``S = X W + b``, a data loss
from :mod:`linclass.losses`, a regularizer from :mod:`linclass.regularizers`. The bias is not
regularized. :func:`loss_parts` returns the two terms apart (a training loop that logs them
computes the penalty once); :func:`linear_loss` is their sum.

With sample weights :math:`s_i` and class weights :math:`c_k` the data loss is the weighted
mean :math:`\sum_i s_i c_{y_i} L_i / \sum_i s_i`: an integer :math:`s_i` counts as row i
repeated :math:`s_i` times, and :math:`c = 1, s = 1` is the plain mean.

Notes
-----
The data losses are sums of per-row terms, so the gradient can be accumulated over row
blocks of X: each block is multiplied by W and, while it is still in cache, its transpose by
the block's score gradient. X is read from memory once instead of twice, which is the
bound for a memory-bound problem such as 49,000 x 3,073 images against 10 classes. With
several blocks of a NumPy X, contiguous runs of blocks go to ``THREADS`` threads, each calling a
single-threaded BLAS (the BLAS thread count is lowered with threadpoolctl for the duration of
the call, process-wide); partial sums are added in a fixed order, so results are repeatable.
torch tensors (CPU or CUDA, see :mod:`linclass.backend`) take the same row-blocked loop in
the calling thread: torch parallelizes each product with its own intra-op threads. A
``scipy.sparse`` X (converted to CSR) is one block by default, in the calling thread:
``S = X W`` and ``dW = X^T dS`` are sparse-times-dense products that touch only the stored
entries.
"""

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any, NamedTuple

import numpy as np
from threadpoolctl import ThreadpoolController

from linclass import backend
from linclass._validation import fail, resolve
from linclass.losses import WEIGHTED
from linclass.regularizers import REGULARIZERS

__all__ = ["BLOCK_BYTES", "THREADS", "LossParts", "check_linear_inputs", "linear_loss",
           "add_penalty_hessian", "objective_hessian",
           "loss_parts"]

#: Bytes of X per row block: small enough that the block stays in cache (two cores'
#: blocks fit the 32 MiB L3 of the benchmark machine) between the two products, large
#: enough that BLAS runs at full speed. Tuned by ``python -m benchmarks.bench_loss``.
BLOCK_BYTES = 4 << 20

#: Threads that share the row blocks of a large X (each with a single-threaded BLAS, which
#: runs these thin products better than one BLAS call split over threads): the usable cores.
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@cache
def _executor(n_threads):
    return ThreadPoolExecutor(n_threads, thread_name_prefix="linclass-linear-loss")


@cache
def _blas_controller():
    return ThreadpoolController()


@contextlib.contextmanager
def _single_threaded(torch=None):
    """BLAS (and PyTorch's intra-op pool, when the ``torch`` module is given) on one thread
    each inside the block, process-wide, restored after: for worker threads that run one
    product each (here and in the k-means encoding)."""
    with _blas_controller().limit(limits=1, user_api="blas"):
        if torch is None:
            yield
            return
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


def _is_sparse(X):
    return hasattr(X, "tocsr") and hasattr(X, "nnz")  # scipy.sparse, without importing it


def check_linear_inputs(W, b, X, y):
    """Check the shapes of ``W (D, C)``, ``b (C,)``, ``X (N, D)``, ``y (N,)``.

    NumPy input comes back as NumPy arrays (a ``scipy.sparse`` X as CSR); when ``W`` is a
    torch tensor, all four come back as tensors on its device.
    """
    if _is_sparse(X):
        if not backend.is_numpy(W):
            raise fail("X", "a dense array or tensor when W is a torch tensor",
                       "a scipy.sparse matrix", "Pass X.toarray() or NumPy weights.")
        W, b, X, y = np.asarray(W), np.asarray(b), X.tocsr(), np.asarray(y)
    elif backend.is_numpy(W):
        W, b, X, y = np.asarray(W), np.asarray(b), np.asarray(X), np.asarray(y)
    else:
        device = backend.device_name(W)
        W, b, X, y = (backend.asarray(a, device) for a in (W, b, X, y))
    if W.ndim != 2:
        raise fail("W", "a 2-D array (D features, C classes)", f"shape {tuple(W.shape)}")
    d, c = W.shape
    if b.shape != (c,):
        raise fail("b", f"a 1-D array of {c} biases (one per column of W)",
                   f"shape {tuple(b.shape)}")
    if X.ndim != 2 or X.shape[1] != d:
        raise fail("X", f"a 2-D array (N, {d}) matching W's {d} rows",
                   f"shape {tuple(X.shape)}")
    if y.shape != (X.shape[0],):
        raise fail("y", f"a 1-D array of {X.shape[0]} labels (one per row of X)",
                   f"shape {tuple(y.shape)}")
    if X.shape[0] == 0:
        raise fail("X", "non-empty", "0 rows")
    return W, b, X, y


class LossParts(NamedTuple):
    """The objective's two terms and its gradient, as :func:`loss_parts` returns them."""

    #: The (weighted) mean data loss, a float.
    data_loss: float
    #: ``reg_strength * R(W)``, a float.
    penalty: float
    #: Gradient of ``data_loss + penalty`` with respect to W, (D, C).
    dW: Any
    #: Gradient with respect to b, (C,).
    db: Any


def loss_parts(W, b, X, y, loss="svm", reg="l2", reg_strength=0.0, *, margin=1.0,
               l1_ratio=0.5, block_rows=None, class_weight=None, sample_weight=None,
               smoothing=0.0):
    """Data loss and penalty of the linear classifier ``scores = X @ W + b``, apart.

    Parameters
    ----------
    W : ndarray or torch tensor of shape (D, C)
        A tensor (CPU or CUDA) makes the whole computation run in torch on its device.
    b : ndarray of shape (C,)
    X : ndarray of shape (N, D), may be memory-mapped, or a scipy.sparse matrix (NumPy W)
    y : ndarray of shape (N,), integer labels in [0, C)
    loss : {'svm', 'squared_hinge', 'crammer_singer', 'one_vs_all', 'softmax',
        'least_squares'}
    reg : {'l2', 'l1', 'elastic_net', 'none'}
    reg_strength : float, lambda >= 0
    margin : float, the loss's margin Delta (every loss takes it; softmax ignores it)
    l1_ratio : float, the elastic net's share of L1 (every regularizer takes it; only the
        elastic net uses it)
    block_rows : int, rows of X per block (default: about ``BLOCK_BYTES`` of X; all rows for
        a sparse X)
    class_weight : ndarray of shape (C,), optional
        Weights c_k >= 0 per class (scikit-learn's ``class_weight``).
    sample_weight : ndarray of shape (N,), optional
        Weights s_i >= 0 per row, not all 0. The data loss is
        ``sum_i s_i c[y_i] L_i / sum_i s_i`` (c = 1 and s = 1 when not given): integer
        weights equal repeating rows.
    smoothing : float, mu >= 0
        The width of the smoothed hinges: the full-batch solvers minimize svm,
        crammer_singer and one_vs_all in smoothed forms, each within
        :data:`linclass.losses.SMOOTHING_GAP` times mu of the hinge; 0 (the default) is the
        hinge itself, and the smooth losses ignore it.

    Returns
    -------
    LossParts
        ``(data_loss, penalty, dW, db)``; dW and db are the gradients of the sum
        ``data_loss + penalty``, in the computation's dtype (float32 when W and X are
        float32, else float64), tensors on W's device when W is one.

    Examples
    --------
    >>> W, b = np.ones((4, 3)), np.zeros(3)
    >>> X, y = np.ones((5, 4)), np.array([0, 1, 2, 0, 1])
    >>> parts = loss_parts(W, b, X, y, loss="svm", reg="l2", reg_strength=0.5)
    >>> parts.data_loss, parts.penalty  # C - 1 (all scores equal); 0.5 * 12
    (2.0, 6.0)
    """
    loss_fn = resolve("loss", loss, WEIGHTED)
    reg_fn = resolve("reg", reg, REGULARIZERS)
    W, b, X, y = check_linear_inputs(W, b, X, y)
    sparse = _is_sparse(X)
    xp = backend.namespace(W)
    dtype = np.result_type(W.dtype, X.dtype) if sparse else backend.float_dtype(W, X)
    dtype = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
    W = backend.astype(W, dtype)
    b = backend.astype(b, dtype)
    n, d = X.shape
    row_weights = _row_weights(y, W, dtype, class_weight, sample_weight)

    if block_rows is None:
        block_rows = n if sparse else max(1, BLOCK_BYTES // (d * dtype.itemsize))
    elif not isinstance(block_rows, int | np.integer) or block_rows < 1:
        raise fail("block_rows", "a positive integer (rows of X per block)", repr(block_rows))
    starts = range(0, n, block_rows)
    n_threads = min(THREADS, len(starts)) if xp is np and not sparse else 1

    def accumulate(chunk):  # the data loss, the dW accumulator and db over some row blocks
        data_loss = 0.0
        # dense: dW transposed (C, D), rows contiguous; sparse: dW (D, C)
        acc = backend.zeros((d, W.shape[1]) if sparse else (W.shape[1], d), dtype, like=W)
        db = xp.zeros_like(b)
        for start in chunk:
            stop = start + block_rows
            Xb = X[start:stop].astype(dtype, copy=False) if sparse else \
                backend.astype(X[start:stop], dtype)  # (B, D)
            scores = Xb @ W  # (B, D) @ (D, C) -> (B, C)
            scores += b
            weights = 1.0 / n if row_weights is None else row_weights[start:stop]
            block_loss, dscores = loss_fn(scores, y[start:stop], weights, margin=margin,
                                          smoothing=smoothing)
            data_loss += block_loss
            if sparse:
                acc += Xb.T @ dscores  # (D, B) sparse @ (B, C)
            else:
                acc += dscores.T @ Xb  # (C, B) @ (B, D) -> (C, D), faster than Xb.T @ dscores
            db += xp.sum(dscores, axis=0)
        return data_loss, acc, db

    if n_threads == 1:
        data_loss, acc, db = accumulate(starts)
    else:  # contiguous runs of blocks, one per thread, each with a single-threaded BLAS
        m = len(starts)
        chunks = [starts[k * m // n_threads:(k + 1) * m // n_threads] for k in range(n_threads)]
        with _single_threaded():
            parts = list(_executor(n_threads).map(accumulate, chunks))
        data_loss = sum(part[0] for part in parts)
        acc, db = parts[0][1], parts[0][2]
        for part in parts[1:]:
            acc += part[1]
            db += part[2]
    penalty, dR = reg_fn(W, reg_strength, l1_ratio=l1_ratio)
    dW = acc if sparse else backend.ascontiguous(acc.T)  # (D, C), C order
    dW += backend.astype(dR, dtype)
    return LossParts(data_loss, penalty, dW, db)


def linear_loss(W, b, X, y, loss="svm", reg="l2", reg_strength=0.0, *, margin=1.0,
                l1_ratio=0.5, block_rows=None, class_weight=None, sample_weight=None,
                smoothing=0.0):
    """Data loss plus regularization of the linear classifier ``scores = X @ W + b``.

    The parameters are those of :func:`loss_parts`; the result is its
    ``(data_loss + penalty, dW, db)``.

    Returns
    -------
    loss : float
    dW : ndarray of shape (D, C), a tensor on W's device when W is one
    db : ndarray of shape (C,), likewise

    The computation runs in float32 when W and X are float32 and in float64 otherwise
    (integers are promoted); dW and db have that dtype.

    Examples
    --------
    >>> W, b = np.zeros((4, 3)), np.zeros(3)
    >>> X, y = np.ones((5, 4)), np.array([0, 1, 2, 0, 1])
    >>> round(linear_loss(W, b, X, y, loss="svm")[0], 6)  # C - 1 at W = 0
    2.0
    """
    data_loss, penalty, dW, db = loss_parts(
        W, b, X, y, loss, reg, reg_strength, margin=margin, l1_ratio=l1_ratio,
        block_rows=block_rows, class_weight=class_weight, sample_weight=sample_weight,
        smoothing=smoothing)
    return data_loss + penalty, dW, db


def objective_hessian(W, b, X, y, loss="svm", reg="l2", reg_strength=0.0, *, margin=1.0,
                      class_weight=None, sample_weight=None, smoothing=0.0):
    r"""The Hessian of :func:`loss_parts`'s ``data_loss + penalty`` in
    :math:`\theta = (W, b)`, flattened as ``concatenate([W.reshape(-1), b])`` (float64).

    Every loss is a sum over rows of a function of the row's scores :math:`s_i = x_i W + b`,
    so with :math:`\tilde x_i = (x_i, 1)` and :math:`H_i = \partial^2 L / \partial s_i^2`
    (C x C, the row weight included)

    .. math::

        \frac{\partial^2 L}{\partial \theta_{dk} \partial \theta_{el}}
        = \sum_i \tilde x_{id} \tilde x_{ie} (H_i)_{kl} + 2 \lambda [d = e \le D, k = l]

    (the L2 penalty on W only; ``reg="none"``: no penalty term). The blocks :math:`H_i` come
    from central differences of the loss's exact score gradient, one class at a time for all
    rows at once (2C loss evaluations, step 1e-5 times the margin, or the smoothing width
    when narrower); the sum is C^2 products ``X~^T diag(h_kl) X~``. NumPy, for problems with
    few weights (its memory is ((D + 1) C)^2); a scipy.sparse X is read dense.
    """
    loss_fn = resolve("loss", loss, WEIGHTED)
    if reg not in ("l2", "none"):
        raise fail("reg", "'l2' or 'none' (a penalty with a Hessian)", repr(reg))
    W, b = np.asarray(W, np.float64), np.asarray(b, np.float64)
    X = X.toarray() if _is_sparse(X) else np.asarray(X)
    X = np.hstack([X.astype(np.float64), np.ones((X.shape[0], 1))])  # (N, D + 1)
    n, c = X.shape[0], W.shape[1]
    weights = _row_weights(y, W, np.float64, class_weight, sample_weight)
    weights = 1.0 / n if weights is None else weights
    scores = X[:, :-1] @ W + b  # (N, C)
    step = 1e-5 * (min(margin, smoothing) if smoothing > 0 else margin)
    blocks = np.empty((n, c, c))  # blocks[i, :, l] = d(dscores_i) / d s_il
    for col in range(c):
        shifted = scores.copy()
        shifted[:, col] += step
        plus = loss_fn(shifted, y, weights, margin=margin, smoothing=smoothing)[1]
        shifted[:, col] -= 2 * step
        minus = loss_fn(shifted, y, weights, margin=margin, smoothing=smoothing)[1]
        blocks[:, :, col] = (plus - minus) / (2 * step)
    d1 = X.shape[1]
    hessian = np.empty((d1, c, d1, c))
    for k in range(c):
        for col in range(c):
            h = (blocks[:, k, col] + blocks[:, col, k]) / 2  # (N,), symmetrized
            hessian[:, k, :, col] = X.T @ (X * h[:, None])  # (D + 1, D + 1)
    hessian = hessian.reshape(d1 * c, d1 * c)
    hessian = (hessian + hessian.T) / 2  # symmetric to the last bit
    # theta orders W (D, C) row-major, then b: the row d1 - 1 of X~ is the bias already
    return add_penalty_hessian(hessian, reg, reg_strength, (d1 - 1) * c)


def add_penalty_hessian(hessian, reg, reg_strength, n_weights):
    r"""``hessian`` plus the penalty's, in place: :math:`2 \lambda` on the diagonal of W's
    first ``n_weights`` entries for ``reg="l2"`` (the bias is not penalized), nothing for
    ``"none"``; returns it."""
    if reg == "l2":
        diagonal = np.arange(n_weights)
        hessian[diagonal, diagonal] += 2 * reg_strength
    return hessian


def _check_class_weight(class_weight, n_classes):
    class_weight = np.asarray(class_weight, dtype=np.float64)
    if class_weight.shape != (n_classes,) or not np.all(np.isfinite(class_weight)) \
            or np.any(class_weight < 0):
        raise fail("class_weight", f"{n_classes} finite weights >= 0 (one per class)",
                   f"shape {class_weight.shape}" if class_weight.shape != (n_classes,)
                   else "a negative or non-finite weight")
    return class_weight


def _check_sample_weight(sample_weight, n):
    sample_weight = np.asarray(backend.to_numpy(sample_weight), dtype=np.float64)
    if sample_weight.shape != (n,):
        raise fail("sample_weight", f"a 1-D array of {n} weights (one per row of X)",
                   f"shape {sample_weight.shape}")
    if not np.all(np.isfinite(sample_weight)) or np.any(sample_weight < 0):
        raise fail("sample_weight", "finite weights >= 0", "a negative or non-finite weight")
    total = sample_weight.sum()
    if total <= 0:
        raise fail("sample_weight", "weights with a positive sum", "all 0",
                   "Give at least one row a weight > 0.")
    return sample_weight, total


def _row_weights(y, W, dtype, class_weight, sample_weight):
    """``r_i = s_i c[y_i] / sum_i s_i`` (N,) like W in ``dtype``, or None for the plain mean."""
    if class_weight is None and sample_weight is None:
        return None
    n = y.shape[0]
    if sample_weight is None:
        weights, total = np.ones(n), float(n)
    else:
        weights, total = _check_sample_weight(sample_weight, n)
    if class_weight is not None:
        class_weight = _check_class_weight(class_weight, W.shape[1])
        labels = backend.to_numpy(y)
        if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 \
                or labels.max() >= W.shape[1]:
            raise fail("y", f"integer class indices in [0, {W.shape[1]})",
                       f"dtype {labels.dtype}, range [{labels.min()}, {labels.max()}]")
        weights = weights * class_weight[labels]
    weights = weights / total  # never in place: weights may be the caller's array
    return backend.asarray(weights.astype(dtype), backend.device_name(W))
