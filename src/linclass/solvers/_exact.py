"""The exact minimizer of L2-regularized least squares (:mod:`linclass.ridge`), as a solver."""

from linclass._validation import fail
from linclass.ridge import solve_least_squares
from linclass.objective import loss_parts
from linclass.solvers._base import Solver, TrainResult, empty_history, report_epoch

__all__ = ["EXACT"]


def solve(problem, config, *, init=None, opt_state=None, rng=None, callback=None):
    """The closed-form solution, reported as one epoch (its objective, train/val accuracy).

    ``init``, ``opt_state`` and ``rng`` are not needed: the minimizer is unique."""
    strength = config.reg_strength if config.reg == "l2" else 0.0
    W, b = solve_least_squares(problem.X, problem.y, problem.n_classes, strength,
                               margin=config.margin, class_weight=problem.class_weight)
    parts = loss_parts(W, b, problem.X, problem.y, loss=config.loss, reg=config.reg,
                       reg_strength=config.reg_strength, margin=config.margin,
                       class_weight=problem.class_weight)
    history = empty_history()
    for key, value in (("loss", parts.data_loss + parts.penalty),
                       ("data_loss", parts.data_loss), ("reg_loss", parts.penalty),
                       ("lr", 0.0)):
        history[key].append(value)
    report_epoch(problem, history, W, b, epoch=0, epochs=1, lr=0.0, callback=callback,
                 loss=history["loss"][0])
    history["best_epoch"] = 0
    return TrainResult(W, b, history, None, 1, converged=True)


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
EXACT = Solver(solve, _check, uses=("device",), streaming=True,
               description="closed-form least squares: blocked float32 Gram, float64 "
                           "Cholesky (scikit-learn's RidgeClassifier)")
