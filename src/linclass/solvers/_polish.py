r"""Newton steps that finish a small full-batch solve to machine precision.

L-BFGS stops at the stated gradient tolerance; where the weights are few, a handful of Newton
steps then costs little and leaves a solution that no longer depends on the tolerance (nor
on the order of the rows: scikit-learn's check that integer sample weights equal repeated
rows holds to 1e-7). The step solves

.. math::

    H_k \, d_k = -\nabla L(\theta_k), \qquad \theta_{k+1} = \theta_k + t_k d_k,

with the Hessian :math:`H_k` of :func:`linclass.objective.objective_hessian` (exact in the
features, central differences of the loss's score gradient in the C x C blocks: about 1e-9
relative error). Its error only slows Newton's quadratic convergence to a linear
one at the rate of that error: two or three steps reach round-off once the
iterate is near the minimizer. Far from it (a weak penalty leaves flat directions that the
gradient tolerance does not resolve) the step is halved until it satisfies Armijo's
sufficient decrease; near it the objective's values are flat to round-off long before the
weights are, so there a step is also accepted when it leaves the value unchanged to
round-off and lowers the largest gradient entry. The steps end when none is accepted, when
a step at round-off no longer halves the largest gradient entry, or after
:data:`MAX_STEPS`.

It runs when the problem has at most :data:`MAX_PARAMETERS` weights (its (D + 1)^2
features by C^2 Hessian blocks are then a small product), after L-BFGS has reached the run's
``tol`` (a run capped short of it stays as it stopped), on the float64 objective.

References
----------
.. [1] J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006,
   sections 3.3 (Newton's method) and 8.1 (finite-difference derivatives).
"""

import numpy as np

__all__ = ["MAX_PARAMETERS", "MAX_STEPS", "polish"]

#: Problems with at most this many weights ((D + 1) C) are finished by Newton steps.
MAX_PARAMETERS = 256

#: Newton steps at most.
MAX_STEPS = 50

#: Armijo's constant: the decrease a step must achieve, as a share of the linear model's.
ARMIJO = 1e-4

#: Curvatures below this share of the largest are zero to the finite differences' error.
CURVATURE_FLOOR = 1e-9

#: Objective values closer than this (relative) are equal to round-off.
FLAT = 1e-13


def polish(objective, theta):
    """Newton steps from ``theta`` (float64, flat) on ``objective`` (``f(theta) -> (value,
    gradient)``); returns ``(theta, steps taken)``.

    A Hessian is kept while its steps shrink the largest gradient entry tenfold (near the
    minimizer one Hessian serves several steps, each one gradient evaluation) and computed
    afresh otherwise."""
    value, gradient = objective(theta)
    steps, inverse = 0, None
    while steps < MAX_STEPS and np.abs(gradient).max() > 0:
        fresh = inverse is None
        if fresh:
            inverse = _inverse_hessian(objective, theta)
            if inverse is None:
                break
        found = _line_search(objective, theta, value, gradient, -inverse(gradient))
        if found is None:
            if fresh:
                break
            inverse = None  # a stale Hessian: compute it here and try again
            continue
        norm = np.abs(gradient).max()
        flat = abs(found[1] - value) <= FLAT * abs(value)
        theta, value, gradient = found
        steps += 1
        shrink = np.abs(gradient).max() / norm
        if flat and shrink > 0.5 and fresh:  # round-off reached
            break
        if shrink > 0.1:
            inverse = None
    return theta, steps


def _line_search(objective, theta, value, gradient, direction):
    """``(theta, value, gradient)`` after the longest accepted step ``t d``, t = 1, 1/2, ...;
    None when no step within 2^-40 is accepted."""
    slope = float(gradient @ direction)  # < 0 for a positive definite Hessian
    norm = np.abs(gradient).max()
    t = 1.0
    for _ in range(40):
        candidate = theta + t * direction
        new_value, new_gradient = objective(candidate)
        if new_value <= value + ARMIJO * t * slope or (
                abs(new_value - value) <= FLAT * abs(value)
                and np.abs(new_gradient).max() < norm):
            return candidate, new_value, new_gradient
        t /= 2
    return None


def _inverse_hessian(objective, theta):
    """``g -> H^+ g`` with ``H^+`` the pseudo-inverse of ``objective.hessian(theta)``: the
    losses of score differences (all but least squares and one-vs-all) do not change when
    every class's bias moves alike, a direction of zero curvature (and zero gradient) that
    the step leaves alone. None when H has no positive curvature."""
    curvatures, vectors = np.linalg.eigh(objective.hessian(theta))
    if not curvatures[-1] > 0:
        return None
    keep = curvatures > CURVATURE_FLOOR * curvatures[-1]  # the rest: zero up to the error
    vectors, curvatures = vectors[:, keep], curvatures[keep]
    return lambda g: vectors @ ((vectors.T @ g) / curvatures)
