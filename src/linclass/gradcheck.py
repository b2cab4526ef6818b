r"""Numerical gradients and the gradient check of the course notes.

The numerical gradient uses centred differences,

.. math::  \frac{\partial f}{\partial x_k} \approx \frac{f(x + h e_k) - f(x - h e_k)}{2h},

with error :math:`O(h^2)`. The check compares it with the analytic gradient by the relative
error :math:`|a - n| / \max(|a|, |n|)` and gives the notes' verdict (coordinates where both
are below the round-off level of the finite difference, :math:`10\,\epsilon |f| / h`, agree):

======================  ==========================================
max relative error      verdict
======================  ==========================================
> 1e-2 (or NaN)         ``wrong``
1e-4 .. 1e-2            ``uncomfortable``
1e-7 .. 1e-4            ``fine with kinks`` (hinge losses, L1)
< 1e-7                  ``good``
======================  ==========================================

References
----------
.. [1] CS231n, "Neural Networks Part 3: Gradient checks",
   https://cs231n.github.io/neural-networks-3/#gradcheck
"""

from dataclasses import dataclass

import numpy as np

from linclass._validation import fail

__all__ = [
    "CheckResult", "check", "check_all", "check_linear_loss", "numerical_gradient",
    "relative_error", "verdict",
]


def numerical_gradient(f, x, h=1e-5, *, indices=None):
    """Centred-difference gradient of the scalar function ``f`` at ``x``.

    ``f`` is called with ``x`` itself, perturbed one coordinate at a time and restored
    afterwards, even when ``f`` raises. ``indices`` (flat positions) limits the work to
    those coordinates; the others are left 0.

    >>> numerical_gradient(lambda v: float((v ** 2).sum()), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise fail("x", "a floating-point numpy array (perturbed in place)", type(x).__name__)
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise fail("x", "a contiguous array", "a non-contiguous view",
                   "Pass np.ascontiguousarray(x).")
    for k in range(flat.size) if indices is None else indices:
        original = flat[k]
        try:
            flat[k] = original + h
            plus = f(x)
            flat[k] = original - h
            minus = f(x)
        finally:
            flat[k] = original
        flat_grad[k] = (plus - minus) / (2 * h)
    return grad


def verdict(error):
    """The course notes' reading of a relative error (NaN reads as ``wrong``)."""
    if error < 1e-7:
        return "good"
    if error < 1e-4:
        return "fine with kinks"
    if error <= 1e-2:
        return "uncomfortable"
    return "wrong"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a gradient check.

    ``max_relative_error`` is the largest relative error over the checked coordinates,
    ``worst_index`` where it occurs (an index into ``x``), and ``verdict`` the notes' word.
    """

    max_relative_error: float
    worst_index: tuple
    analytic: float
    numerical: float
    n_checked: int
    verdict: str

    @property
    def passed(self):
        """True unless the verdict is ``wrong``."""
        return self.verdict != "wrong"


def relative_error(analytic, numerical, floor=0.0):
    """``|a - n| / max(|a|, |n|)``, elementwise; 0 where both are at most ``floor``.

    Pass the numerical gradient's round-off level as ``floor``: a gradient that is exactly 0
    analytically (terms that cancel) next to round-off of 1e-11 is agreement, not an error
    of 1. A NaN or infinite entry in either gradient is an infinite error.
    """
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numerical, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(invalid="ignore"):  # inf - inf; set to inf below
        errors = np.divide(np.abs(a - n), scale, out=np.zeros_like(scale), where=scale > floor)
    errors[~(np.isfinite(a) & np.isfinite(n))] = np.inf
    return errors


def check(f, x, analytic_grad, h=1e-5, *, k=None, rng=None):
    """Compare ``analytic_grad`` with the numerical gradient of ``f`` at ``x``.

    Parameters
    ----------
    f : callable, x -> float
    x : ndarray, the point (float64 recommended); left unchanged
    analytic_grad : ndarray of x's shape
    h : float, the finite-difference step
    k : int, optional; sparse mode: check only k coordinates drawn at random
    rng : numpy.random.Generator or int seed for the sparse mode

    Returns
    -------
    CheckResult
    """
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise fail("analytic_grad", f"of x's shape {x.shape}", f"shape {analytic_grad.shape}")
    if k is None:
        indices = np.arange(x.size)
    else:
        if not 0 < k:
            raise fail("k", "a positive number of coordinates", k)
        rng = np.random.default_rng(rng)
        indices = rng.choice(x.size, size=min(k, x.size), replace=False)
    numerical = numerical_gradient(f, x, h, indices=indices).reshape(-1)[indices]
    analytic = analytic_grad.reshape(-1)[indices]
    # round-off in (f(x+h) - f(x-h)) / 2h is about eps * |f| / h; ten times that is noise
    roundoff = 10 * np.finfo(x.dtype).eps * max(abs(float(f(x))), 1.0) / h
    errors = relative_error(analytic, numerical, floor=roundoff)
    worst = int(np.argmax(errors))
    error = float(errors[worst])
    return CheckResult(
        max_relative_error=error,
        worst_index=tuple(int(i) for i in np.unravel_index(indices[worst], x.shape)),
        analytic=float(analytic[worst]),
        numerical=float(numerical[worst]),
        n_checked=len(indices),
        verdict=verdict(error),
    )


def check_linear_loss(loss, reg, *, dtype="float64", reg_strength=0.1, n=20, d=7, c=4,
                      seed=0):
    """Gradient check of :func:`linclass.linear_loss` for one loss and regularizer.

    Random data and weights (from ``seed``); the regularization strength is > 0 so that a
    wrong factor in the regularizer's gradient cannot hide. Returns one :class:`CheckResult`
    for W and one for b, as ``{"W": ..., "b": ...}``.
    """
    from linclass.objective import linear_loss

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, c, size=n)
    W = (0.5 * rng.standard_normal((d, c))).astype(dtype)
    b = (0.1 * rng.standard_normal(c)).astype(dtype)
    h = 1e-5 if np.dtype(dtype) == np.float64 else 1e-2

    def objective(W_, b_):
        return linear_loss(W_, b_, X, y, loss=loss, reg=reg, reg_strength=reg_strength)

    _, dW, db = objective(W, b)
    return {
        "W": check(lambda w: objective(w, b)[0], W, dW, h),
        "b": check(lambda v: objective(W, v)[0], b, db, h),
    }


def check_all(losses, regs, *, dtype="float64", seed=0):
    """Run :func:`check_linear_loss` for every pair; one row (a dict) per parameter."""
    rows = []
    for loss in losses:
        for reg in regs:
            results = check_linear_loss(loss, reg, dtype=dtype, seed=seed)
            for param, result in results.items():
                rows.append({
                    "loss": loss, "reg": reg, "param": param,
                    "max_relative_error": result.max_relative_error,
                    "worst_index": list(result.worst_index),
                    "verdict": result.verdict, "passed": result.passed,
                })
    return rows
