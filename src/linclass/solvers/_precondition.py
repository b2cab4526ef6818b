r"""A preconditioner for L-BFGS from the features' second moments.

The softmax objective's Hessian in :math:`\theta = (W, b)` is

.. math::

    \nabla^2 L = \sum_i w_i\, \tilde x_i \tilde x_i^\top \otimes H_i + 2 \lambda J \otimes I_C,
    \qquad H_i = \operatorname{diag}(p_i) - p_i p_i^\top,

with :math:`\tilde x_i = (x_i, 1)`, :math:`w_i` the row weights over their sum and :math:`J`
the identity on the features' rows (the bias is not penalized). At zero scores
:math:`H_i = \frac1C (I - \frac1C \mathbf 1 \mathbf 1^\top)`; with :math:`H_i \approx I / C`,

.. math::

    P = \Bigl(\tfrac1C \tilde M + 2 \lambda J\Bigr)^{-1} \otimes I_C,
    \qquad \tilde M = \sum_i w_i\, \tilde x_i \tilde x_i^\top ,

an approximate inverse Hessian that holds the whole of the features' correlations and
scales, the part that makes raw pixels and HOG features ill-conditioned (L-BFGS's scaled
identity learns them over hundreds of iterations). L-BFGS then starts from
:math:`H_0 = \gamma P` (:class:`linclass.solvers._quasi_newton.Memory`). Measured on 36,000
CIFAR-10 training images, softmax at lambda 1e-2 (``benchmarks/results/precondition.md``,
the Gram matrix and its factorization included): raw pixels 271 -> 17 iterations, 45.0 s ->
7.5 s; HOG+HSV 132 -> 29, 31.3 s -> 16.8 s; the same objective. On the standardized digits
(64 features) 70 -> 61 iterations.

:math:`\tilde M` is the least-squares solver's Gram statistics
(:func:`linclass.solvers._exact.problem_stats`: float32 row blocks, with the sample and class
weights, one all-reduce when data-parallel); each lambda factors the :math:`(D + 1)^2` matrix
by Cholesky once. It costs about :math:`N D^2 / 2` multiply-adds, the price of
:math:`D / (8 C)` objective evaluations, so it is built where :data:`CURVATURE` knows the loss,
on NumPy (``device="cpu"``), for :data:`MIN_FEATURES` to :data:`MAX_FEATURES` features:
with fewer, L-BFGS's own memory learns the curvature nearly as fast (the digits above).
"""

import numpy as np
import scipy.linalg

__all__ = ["CURVATURE", "MAX_FEATURES", "MIN_FEATURES", "SecondMoments"]

#: The losses whose curvature in the scores at zero is a known multiple of the identity
#: (on the scores' differences), as a function of the number of classes C.
CURVATURE = {"softmax": lambda c: 1.0 / c}

#: Features from which the preconditioner is built.
MIN_FEATURES = 256

#: Features (D + 1) up to which it is built (a 512 MiB float64 matrix).
MAX_FEATURES = 8192

#: Added to the diagonal, relative to its mean (rank-deficient features stay factorable).
RIDGE = 1e-8


class SecondMoments:
    r"""The preconditioners :math:`P_\lambda` of ``problem`` (see the module notes).

    Parameters
    ----------
    problem : linclass.solvers.Problem
    config : TrainConfig
    """

    @staticmethod
    def applies(problem, config):
        """Whether the preconditioner is built for ``problem`` and ``config``."""
        return (config.loss in CURVATURE and config.device == "cpu"
                and MIN_FEATURES <= problem.X.shape[1] < MAX_FEATURES)

    def __init__(self, problem, config):
        from linclass.solvers._exact import problem_stats

        stats = problem_stats(problem, config)
        d, w = len(stats.x_mean), stats.weight
        moments = np.empty((d + 1, d + 1))
        moments[:d, :d] = stats.gram + w * np.outer(stats.x_mean, stats.x_mean)  # upper
        moments[:d, d] = w * stats.x_mean
        moments[d, d] = w
        self.moments = moments * (CURVATURE[config.loss](problem.n_classes) / stats.norm)
        self.shape = (d, problem.n_classes)
        self.penalized = config.reg == "l2"  # else 'none': no penalty's curvature

    def at(self, reg_strength):
        """``P_lambda`` as a function of a flat gradient ``(D C + C,)`` (float64)."""
        d, c = self.shape
        matrix = self.moments.copy()
        diagonal = np.diagonal(matrix).copy()
        matrix[np.diag_indices(d + 1)] += RIDGE * max(diagonal.mean(), np.finfo(float).tiny)
        if self.penalized:
            matrix[np.arange(d), np.arange(d)] += 2.0 * reg_strength
        factor = scipy.linalg.cho_factor(matrix, lower=False, check_finite=False)

        def precondition(v):
            G = np.concatenate([v[:d * c].reshape(d, c), v[None, d * c:]])  # (D + 1, C)
            Z = scipy.linalg.cho_solve(factor, G, check_finite=False)
            return np.concatenate([Z[:d].ravel(), Z[d]])

        return precondition
