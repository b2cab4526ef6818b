"""The exact minimizer of L2-regularized least squares (:mod:`linclass.ridge`), as a solver.

Data-parallel (``problem.parallel``): every rank accumulates the Gram statistics of its
contiguous share of the rows, one all-reduce sums them (:meth:`linclass.ridge.GramStats.pack`)
and every rank solves the same system: the model of one process.
"""

import numpy as np

from linclass._validation import fail
from linclass.objective import loss_parts
from linclass.ridge import GramStats, RidgePath, gram_stats, solve_stats
from linclass.solvers._base import Solver, TrainResult, empty_history, report_epoch

__all__ = ["EXACT", "path", "problem_stats", "report_solution"]


def problem_stats(problem, config):
    """The :class:`~linclass.ridge.GramStats` of all of ``problem``'s rows (summed over the
    ranks of ``problem.parallel``)."""
    X, y, weights, _ = problem.local()
    stats = gram_stats(X, y, problem.n_classes, margin=config.margin,
                       class_weight=problem.class_weight, sample_weight=weights)
    if problem.parallel is not None and problem.parallel.world_size > 1:
        d, c = stats.rhs.shape
        stats = GramStats.unpack(problem.parallel.sum(stats.pack()), d, c)
    if not stats.weight > 0:
        raise fail("class_weight", "weights with a positive sum over the training rows",
                   "weights that sum to 0")
    return stats


def report_solution(problem, config, W, b, reg_strength, callback, **extra):
    """A :class:`TrainResult` of the converged ``(W, b)`` (float64, cast to X's dtype):
    one epoch with its objective and train/validation accuracy."""
    W, b = W.astype(problem.X.dtype), b.astype(problem.X.dtype)
    settings = {"loss": config.loss, "reg": config.reg, "reg_strength": reg_strength,
                "margin": config.margin, "class_weight": problem.class_weight}
    X, y, weights, share = problem.local()  # data-parallel: this rank's rows, then summed
    if problem.parallel is None or problem.parallel.world_size == 1:
        parts = loss_parts(W, b, X, y, sample_weight=weights, **settings)
    else:
        parts = problem.parallel.loss_parts(W, b, X, y, None, share=share, dtype=np.float64,
                                            sample_weight=weights, **settings)
    history = empty_history()
    for key, value in (("loss", parts.data_loss + parts.penalty),
                       ("data_loss", parts.data_loss), ("reg_loss", parts.penalty),
                       ("lr", 0.0)):
        history[key].append(value)
    report_epoch(problem, history, W, b, epoch=0, epochs=1, lr=0.0, callback=callback,
                 loss=history["loss"][0])
    history.update(best_epoch=0, converged=True, iterations=1, **extra)
    return TrainResult(W, b, history, None, 1, converged=True)


def solve(problem, config, *, init=None, opt_state=None, rng=None, callback=None,
          reg_strength=None):
    """The closed-form solution, reported as one epoch (its objective, train/val accuracy).

    ``init``, ``opt_state`` and ``rng`` are not needed: the minimizer is unique.
    ``reg_strength`` overrides ``config.reg_strength`` (the regularization path)."""
    strength = config.reg_strength if reg_strength is None else reg_strength
    W, b = solve_stats(problem_stats(problem, config),
                       strength if config.reg == "l2" else 0.0)
    return report_solution(problem, config, W, b, strength, callback)


def path(problem, config, lambdas, visit):
    """Every lambda from one eigendecomposition of the Gram matrix (:class:`RidgePath`)."""
    ridge_path = RidgePath(problem_stats(problem, config))
    for lam in lambdas:
        W, b = ridge_path.weights(lam if config.reg == "l2" else 0.0)
        if not visit(lam, W, b, 1, True):
            return


def _check(config):
    """The closed form exists for ``loss="least_squares"`` with ``reg`` 'l2' or 'none'."""
    if config.loss != "least_squares":
        raise fail("loss", "'least_squares' with solver='exact' (the one loss with a "
                   "closed-form minimizer)", repr(config.loss),
                   "Use loss='least_squares', or another solver such as 'minibatch'.")
    if config.reg not in ("l2", "none"):
        raise fail("reg", "'l2' or 'none' with solver='exact'", repr(config.reg),
                   "Use reg='l2', or another solver such as 'minibatch'.")


#: The closed-form least-squares solve: one blocked Gram matrix and a Cholesky factorization.
EXACT = Solver(solve, _check, uses=("device",), streaming=True, parallel=True, sparse=True,
               path=path,
               description="closed-form least squares: blocked float32 Gram, float64 "
                           "Cholesky (scikit-learn's RidgeClassifier)")
