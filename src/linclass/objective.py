r"""The lecture's whole objective on a linear score function.

.. math::

    L(W, b) = \underbrace{\frac{1}{N} \sum_i L_i(x_i W + b,\; y_i)}_{\text{data loss}}
              + \underbrace{\lambda R(W)}_{\text{regularization}}

    \frac{\partial L}{\partial W} = X^\top\, \frac{\partial L}{\partial S} + \lambda\,\nabla R(W),
    \qquad
    \frac{\partial L}{\partial b} = \mathbf{1}^\top \frac{\partial L}{\partial S}

Three separate pieces, as in the lecture: the score function ``S = X W + b``, a data loss
from :mod:`linclass.losses`, a regularizer from :mod:`linclass.regularizers`. The bias is not
regularized.

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
the calling thread: torch parallelizes each product with its own intra-op threads.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

from linclass import backend
from linclass._validation import fail, resolve
from linclass.losses import LOSSES
from linclass.regularizers import REGULARIZERS

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


def check_linear_inputs(W, b, X, y):
    """Check the shapes of ``W (D, C)``, ``b (C,)``, ``X (N, D)``, ``y (N,)``.

    NumPy input comes back as NumPy arrays; when ``W`` is a torch tensor, all four come back
    as tensors on its device.
    """
    if backend.is_numpy(W):
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


def linear_loss(W, b, X, y, loss="svm", reg="l2", reg_strength=0.0, *, margin=1.0,
                l1_ratio=0.5, block_rows=None, class_weight=None):
    """Data loss plus regularization of the linear classifier ``scores = X @ W + b``.

    Parameters
    ----------
    W : ndarray or torch tensor of shape (D, C)
        A tensor (CPU or CUDA) makes the whole computation run in torch on its device.
    b : ndarray of shape (C,)
    X : ndarray of shape (N, D), may be memory-mapped
    y : ndarray of shape (N,), integer labels in [0, C)
    loss : {'svm', 'squared_hinge', 'crammer_singer', 'one_vs_all', 'softmax',
        'least_squares'}
    reg : {'l2', 'l1', 'elastic_net', 'none'}
    reg_strength : float, lambda >= 0
    margin : float, the SVM margin Delta (ignored by softmax)
    l1_ratio : float, the elastic net's share of L1
    block_rows : int, rows of X per block (default: about ``BLOCK_BYTES`` of X)
    class_weight : ndarray of shape (C,), optional
        Weights w_c >= 0 per class: the data loss becomes (1/N) sum_i w[y_i] L_i
        (scikit-learn's ``class_weight``).

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
    loss_fn = resolve("loss", loss, LOSSES)
    reg_fn = resolve("reg", reg, REGULARIZERS)
    W, b, X, y = check_linear_inputs(W, b, X, y)
    if class_weight is not None:
        class_weight = _check_class_weight(class_weight, W.shape[1])
    xp = backend.namespace(W)
    dtype = backend.float_dtype(W, X)
    W = backend.astype(W, dtype)
    b = backend.astype(b, dtype)
    loss_kwargs = {} if loss == "softmax" else {"margin": margin}
    reg_kwargs = {"l1_ratio": l1_ratio} if reg == "elastic_net" else {}

    n, d = X.shape
    if block_rows is None:
        block_rows = max(1, BLOCK_BYTES // (d * dtype.itemsize))
    elif not isinstance(block_rows, int | np.integer) or block_rows < 1:
        raise fail("block_rows", "a positive integer (rows of X per block)", repr(block_rows))
    starts = range(0, n, block_rows)
    n_threads = min(THREADS, len(starts)) if xp is np else 1

    def accumulate(chunk):  # the data loss, dW transposed and db over some row blocks
        data_loss = 0.0
        dWt = backend.zeros((W.shape[1], d), dtype, like=W)  # (C, D), rows contiguous
        db = xp.zeros_like(b)
        for start in chunk:
            Xb = backend.astype(X[start:start + block_rows], dtype)  # (B, D)
            scores = Xb @ W  # (B, D) @ (D, C) -> (B, C)
            scores += b
            yb = y[start:start + block_rows]
            if class_weight is None:
                block_loss, dscores = loss_fn(scores, yb, **loss_kwargs)
            else:
                block_loss, dscores = _class_weighted(loss_fn, scores, yb, class_weight,
                                                      loss_kwargs)
            weight = Xb.shape[0] / n  # block means -> the mean over all N rows
            data_loss += block_loss * weight
            dscores *= weight  # a Python float keeps the dtype of dscores
            dWt += dscores.T @ Xb  # (C, B) @ (B, D) -> (C, D), faster than Xb.T @ dscores
            db += xp.sum(dscores, axis=0)
        return data_loss, dWt, db

    if n_threads == 1:
        data_loss, dWt, db = accumulate(starts)
    else:  # contiguous runs of blocks, one per thread, each with a single-threaded BLAS
        m = len(starts)
        chunks = [starts[k * m // n_threads:(k + 1) * m // n_threads] for k in range(n_threads)]
        with _blas_controller().limit(limits=1, user_api="blas"):
            parts = list(_executor(n_threads).map(accumulate, chunks))
        data_loss = sum(part[0] for part in parts)
        dWt, db = parts[0][1], parts[0][2]
        for part in parts[1:]:
            dWt += part[1]
            db += part[2]
    penalty, dR = reg_fn(W, reg_strength, **reg_kwargs)
    dW = backend.ascontiguous(dWt.T)  # (D, C), C order
    dW += backend.astype(dR, dtype)
    return data_loss + penalty, dW, db


def _check_class_weight(class_weight, n_classes):
    class_weight = np.asarray(class_weight, dtype=np.float64)
    if class_weight.shape != (n_classes,) or not np.all(np.isfinite(class_weight)) \
            or np.any(class_weight < 0):
        raise fail("class_weight", f"{n_classes} finite weights >= 0 (one per class)",
                   f"shape {class_weight.shape}" if class_weight.shape != (n_classes,)
                   else "a negative or non-finite weight")
    return class_weight


def _class_weighted(loss_fn, scores, y, class_weight, loss_kwargs):
    """``(1/n) sum_i w[y_i] L_i`` and its score gradient, from the losses' per-class means.

    The rows of class c contribute ``w[c] * n_c / n`` times their mean loss, so one call of
    ``loss_fn`` per class present gives the exact weighted loss and gradient.
    """
    xp = backend.namespace(scores)
    n = y.shape[0]
    total = 0.0
    dscores = xp.empty_like(scores)  # (n, C); every row belongs to one class below
    for c in xp.unique_values(y):
        rows = xp.nonzero(y == c)[0]
        loss_c, dscores_c = loss_fn(scores[rows], y[rows], **loss_kwargs)
        share = float(class_weight[int(c)]) * rows.shape[0] / n
        total += share * loss_c
        dscores_c *= share
        dscores[rows] = dscores_c
    return total, dscores
