r"""Limited-memory BFGS steps and a line search that trusts float32 objective values only so far.

The direction is L-BFGS's two-loop recursion [1]_ (Nocedal & Wright, Algorithm 7.4): with
the last ``m`` steps :math:`s_i = \theta_{i+1} - \theta_i` and gradient changes
:math:`y_i = g_{i+1} - g_i`, :math:`p_k = -H_k g_k` where :math:`H_k` is the BFGS update of
:math:`\gamma I`, :math:`\gamma = s^\top y / y^\top y` of the newest pair. A pair enters the
memory only with positive curvature :math:`s^\top y > 0` (then :math:`H_k` stays positive
definite and :math:`p_k` a descent direction).

The step length :math:`\alpha` along :math:`p` satisfies the Wolfe conditions on
:math:`\varphi(\alpha) = L(\theta + \alpha p)` ([1]_ section 3.1, Algorithms 3.5-3.6: expand
until a bracket, then shrink it by safeguarded cubic interpolation), with sufficient decrease
either Armijo's

.. math::

    \varphi(\alpha) \le \varphi(0) + c_1 \alpha \varphi'(0)

or, where the values of :math:`\varphi` are flat to their precision, Hager and Zhang's
approximate Wolfe condition [2]_

.. math::

    \varphi(\alpha) \le \varphi(0) + \epsilon \lvert \varphi(0) \rvert
    \quad\text{and}\quad \varphi'(\alpha) \le (2\delta - 1)\, \varphi'(0),

and the curvature condition :math:`\varphi'(\alpha) \ge c_2 \varphi'(0)`. The objective's
value from float32 scores carries rounding noise of about 1e-9 of its size on 100,000 rows,
more than the decrease of a step near the minimizer, where Armijo's test then fails at
random; the slopes :math:`\varphi'(\alpha) = g(\theta + \alpha p)^\top p` come from the
gradient, accurate to float32 relative to its terms, and decide instead. :math:`\epsilon` is
``NOISE_ULPS`` units in the last place of the evaluation's dtype.

References
----------
.. [1] J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006.
.. [2] W. W. Hager and H. Zhang, "A new conjugate gradient method with guaranteed descent and
   an efficient line search", SIAM J. Optim. 16, 2005 (the approximate Wolfe conditions).
"""

from collections import deque

import numpy as np

__all__ = ["MAX_TRIALS", "NOISE_ULPS", "Memory", "line_search"]

#: Armijo's constant (the share of the linear decrease a step must achieve).
C1 = 1e-4

#: The curvature condition's constant (0.9: the usual choice for quasi-Newton methods).
C2 = 0.9

#: Hager and Zhang's delta: the approximate Wolfe condition's slope bound (2 delta - 1).
DELTA = 0.1

#: Objective values within this many units in the last place are equal to its precision.
NOISE_ULPS = 10

#: Evaluations allowed to one line search.
MAX_TRIALS = 30

#: Each extrapolation (no bracket yet) multiplies the step by this.
EXPANSION = 4.0

#: A pair is kept when s.y exceeds this share of |s| |y| (curvature measurably positive).
MIN_CURVATURE = 1e-10


class Memory:
    r"""The last ``size`` curvature pairs ``(s, y)`` of an L-BFGS run, float64.

    ``precondition`` (a function ``v -> P v``, P symmetric positive definite, optional)
    replaces the identity of :math:`H_0 = \gamma I`: :math:`H_0 = \gamma P` with
    :math:`\gamma = s^\top y / y^\top P y` of the newest pair, and :math:`-P g` is the first
    direction (:mod:`linclass.solvers._precondition`)."""

    def __init__(self, size, precondition=None):
        self.pairs = deque(maxlen=size)
        self.precondition = precondition

    def __len__(self):
        return len(self.pairs)

    def add(self, s, y):
        """Keep ``(s, y)`` if its curvature ``s.y`` is positive; return whether it was kept."""
        curvature = float(s @ y)
        if not curvature > MIN_CURVATURE * np.linalg.norm(s) * np.linalg.norm(y):
            return False
        self.pairs.append((s, y, 1.0 / curvature))
        return True

    def direction(self, gradient):
        """:math:`-H g` by the two-loop recursion (``-g`` when the memory is empty)."""
        q = gradient.copy()
        alphas = []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * (s @ q)
            q -= alpha * y
            alphas.append(alpha)
        if self.precondition is None:
            if self.pairs:
                s, y, rho = self.pairs[-1]
                q *= 1.0 / (rho * (y @ y))  # gamma = s.y / y.y
        elif self.pairs:
            s, y, rho = self.pairs[-1]
            q = self.precondition(q) / (rho * (y @ self.precondition(y)))  # gamma P q
        else:
            q = self.precondition(q)
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas), strict=True):
            q += (alpha - rho * (y @ q)) * s
        return -q


def line_search(f, theta, direction, value, gradient, step, *, noise):
    r"""A step along ``direction`` from ``theta`` that satisfies the Wolfe conditions.

    Parameters
    ----------
    f : callable ``theta -> (value, gradient)``
    theta, direction, gradient : ndarray, float64, flat
        ``direction`` must descend: ``gradient @ direction < 0``.
    value : float, :math:`\varphi(0)`
    step : float, the first trial :math:`\alpha` (1 for a quasi-Newton direction)
    noise : float, relative precision of ``f``'s values (the approximate Wolfe condition's
        :math:`\epsilon`)

    Returns
    -------
    (alpha, value, gradient) at the accepted step, or None when ``MAX_TRIALS`` evaluations
    found none (the objective is flat along ``direction`` to its precision).
    """
    slope0 = float(gradient @ direction)
    slack = noise * abs(value)
    lo = (0.0, value, slope0)  # the longest step known to decrease enough
    hi = None  # the shortest step known not to
    alpha = step
    for _ in range(MAX_TRIALS):
        trial_value, trial_gradient = f(theta + alpha * direction)
        slope = float(trial_gradient @ direction)
        decreased = trial_value <= value + C1 * alpha * slope0 or (
            trial_value <= value + slack and slope <= (2 * DELTA - 1) * slope0)
        if not (np.isfinite(trial_value) and decreased):
            hi = (alpha, trial_value, slope)
        elif slope < C2 * slope0:  # still descending steeply: the step is too short
            lo = (alpha, trial_value, slope)
        else:
            return alpha, trial_value, trial_gradient
        alpha = lo[0] * EXPANSION if hi is None else _interpolate(lo, hi)
    return None


def _interpolate(lo, hi):
    """The minimizer of the cubic through two points' values and slopes, kept inside the
    middle 80% of the bracket (its midpoint when the cubic has no minimizer there)."""
    (a, fa, da), (b, fb, db) = lo, hi
    width = b - a
    if np.isfinite(fb):
        d1 = da + db - 3 * (fa - fb) / (a - b)
        root = d1 * d1 - da * db
        if root >= 0:
            d2 = np.copysign(np.sqrt(root), b - a)
            denominator = db - da + 2 * d2
            if denominator != 0:
                alpha = b - width * (db + d2 - d1) / denominator
                if np.isfinite(alpha):
                    return float(np.clip(alpha, a + 0.1 * width, b - 0.1 * width))
    return a + 0.5 * width
