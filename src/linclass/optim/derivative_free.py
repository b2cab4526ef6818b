r"""The course notes' two strategies that use no gradient: random search and random local search.

Both minimize a black-box ``loss_fn(W) -> float`` over one weight array ``W``. For the linear
classifier use the bias trick: ``W`` of shape (D + 1, C) whose last row is the bias, e.g.
``loss_fn = lambda W: linclass.linear_loss(W[:-1], W[-1], X, y)[0]`` (or, faster, a data loss
on ``X @ W[:-1] + W[-1]`` without the gradient). They are the lecture's baselines, 15.5 % and
21.4 % test accuracy on raw CIFAR-10, that following the gradient then beats.

References
----------
CS231n, "Optimization: Stochastic Gradient Descent", strategies #1 and #2.
https://cs231n.github.io/optimization-1/
"""

from typing import NamedTuple

import numpy as np

from linclass._validation import check_positive, fail
from linclass.optim._checks import check_count

__all__ = ["RandomSearchResult", "random_local_search", "random_search"]


class RandomSearchResult(NamedTuple):
    """Outcome of a derivative-free search.

    Attributes
    ----------
    W : ndarray
        The best weights found.
    loss : float
        ``loss_fn(W)``.
    history : ndarray of shape (n,), float64
        Best loss so far after each try (random search) or step (local search).
    """

    W: np.ndarray
    loss: float
    history: np.ndarray


def _evaluate(loss_fn, W):
    loss = float(loss_fn(W))
    if np.isnan(loss):
        raise fail("loss_fn(W)", "a number", "NaN", "Check loss_fn and the scale of W.")
    return loss


def random_search(loss_fn, shape, n_tries, rng, scale=1e-4, dtype=np.float32):
    r"""Strategy #1: draw ``n_tries`` random weight arrays and keep the one with lowest loss.

    .. math::

        W^{(k)} \sim \mathcal N(0, \sigma^2 I), \qquad
        W^\star = \operatorname{argmin}_{k} L(W^{(k)})

    Parameters
    ----------
    loss_fn : callable ``W -> float``
    shape : tuple of int
        Shape of ``W``, e.g. ``(D + 1, C)`` with the bias trick.
    n_tries : int >= 1
    rng : numpy.random.Generator or int
    scale : float > 0, default 1e-4
        :math:`\sigma`, the notes' ``0.0001``.
    dtype : float32 or float64, default float32

    Returns
    -------
    RandomSearchResult

    >>> f = lambda W: float(((W - 1.0) ** 2).sum())
    >>> result = random_search(f, (3,), 100, np.random.default_rng(0), scale=1.0)
    >>> bool(result.loss == result.history[-1] <= result.history[0])
    True
    """
    n_tries = check_count("n_tries", n_tries)
    scale = check_positive("scale", scale)
    if not _is_float(dtype):
        raise fail("dtype", "float32 or float64", repr(dtype))
    dtype = np.dtype(dtype).type
    rng = np.random.default_rng(rng)
    best_W, best_loss = None, np.inf
    history = np.empty(n_tries)
    for k in range(n_tries):
        W = rng.standard_normal(shape, dtype=dtype) * dtype(scale)
        loss = _evaluate(loss_fn, W)
        if loss < best_loss:
            best_W, best_loss = W, loss
        history[k] = best_loss
    return RandomSearchResult(best_W, best_loss, history)


def random_local_search(loss_fn, W0, n_steps, rng, step_size=1e-4):
    r"""Strategy #2: from ``W0``, try a random step and keep it only if the loss drops.

    .. math::

        W' = W + \delta\, \xi,\ \ \xi \sim \mathcal N(0, I); \qquad
        W \leftarrow W' \text{ if } L(W') < L(W)

    Parameters
    ----------
    loss_fn : callable ``W -> float``
    W0 : ndarray
        Start (not modified); the notes start from ``randn * 0.001``. Its dtype is kept.
    n_steps : int >= 1
    rng : numpy.random.Generator or int
    step_size : float > 0, default 1e-4
        :math:`\delta`, the notes' ``0.0001``.

    Returns
    -------
    RandomSearchResult

    >>> f = lambda W: float(((W - 1.0) ** 2).sum())
    >>> result = random_local_search(f, np.zeros(3), 200, np.random.default_rng(0), 0.1)
    >>> bool(result.loss < f(np.zeros(3)))
    True
    """
    W = np.array(W0, copy=True)
    if not _is_float(W.dtype):
        raise fail("W0", "a float32 or float64 array", f"dtype {W.dtype}")
    n_steps = check_count("n_steps", n_steps)
    step_size = check_positive("step_size", step_size)
    rng = np.random.default_rng(rng)
    loss = _evaluate(loss_fn, W)
    history = np.empty(n_steps)
    for k in range(n_steps):
        W_try = W + rng.standard_normal(W.shape, dtype=W.dtype) * W.dtype.type(step_size)
        loss_try = _evaluate(loss_fn, W_try)
        if loss_try < loss:
            W, loss = W_try, loss_try
        history[k] = loss
    return RandomSearchResult(W, loss, history)


def _is_float(dtype):
    return np.dtype(dtype) in (np.float32, np.float64)
