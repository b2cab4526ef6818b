r"""``reg_strength="auto"``: lambda chosen on the validation split along a regularization path.

The grid (stated): 25 values of lambda, three per decade over the 8 decades

.. math::

    \lambda_k = s \cdot 10^{\,2 - k/3}, \qquad k = 0, \dots, 24,
    \qquad s = \frac{1}{N' D} \sum_{i, j} x_{ij}^2 ,

from :math:`100 s` down to :math:`10^{-6} s`, where :math:`s`, the mean squared feature
value (on :data:`SCALE_ROWS` evenly spaced rows), makes the grid follow the scale of X: a
feature scaled by :math:`a` needs :math:`\lambda a^2` for the same model, and standardized
features (:math:`s = 1`) span scikit-learn's ``LogisticRegression`` from ``C = 0.005/N`` to
``C = 500000/N``.

The path runs from the strongest penalty down (the solution at :math:`\lambda_k` starts the
solve at :math:`\lambda_{k+1}`: warm starts; the exact solver gets every lambda from one
eigendecomposition) and measures the validation accuracy and data loss of each solution. The
chosen lambda has the highest validation accuracy, among ties the lowest validation loss
(separable data, where many lambdas classify every validation row correctly, then still gets
calibrated probabilities). The path stops early after :data:`PATIENCE` solutions in a row that
do not beat the best so far (two decades below it: the small-lambda end, where solves are
slowest, is rarely the best). With ``config.refit`` the model is then fitted again at that
lambda on the training and validation rows together (as CLIP_benchmark does), warm-started from
the chosen solution. The path's iterative solves stop at :data:`PATH_TOL_FACTOR` times
``config.tol`` (the choice needs validation accuracies, which do not move in the last digits
of the weights); the final solve at the chosen lambda runs to ``config.tol``.

``history`` gets ``reg_strength`` (the chosen lambda), ``reg_path`` (a list of ``(lambda,
validation accuracy)`` in the order solved), ``reg_val_loss`` (the validation data loss of
each), ``reg_val_accuracy`` (the chosen lambda's
validation accuracy, measured before a refit), ``path_iterations`` and ``refit``.

References
----------
.. [1] A. Radford et al., "Learning Transferable Visual Models From Natural Language
   Supervision" (CLIP), ICML 2021, appendix A.3 (a C sweep on a validation split).
.. [2] LAION-AI, CLIP_benchmark, ``clip_benchmark/metrics/linear_probe.py``.
"""

from dataclasses import replace

import numpy as np

from linclass.objective import loss_parts
from linclass.solvers._base import Problem, accuracy

__all__ = ["GRID_SIZE", "PATH_TOL_FACTOR", "PATIENCE", "SCALE_ROWS", "choose", "reg_grid",
           "select", "train_auto"]

#: Values of lambda on the grid: three per decade, 8 decades.
GRID_SIZE = 25
#: Exponents of the grid's ends, relative to the feature scale s.
GRID_TOP, GRID_BOTTOM = 2.0, -6.0
#: Solutions in a row that do not beat the best, after which the path stops.
PATIENCE = 6
#: Rows (evenly spaced) on which the feature scale s is measured.
SCALE_ROWS = 10_000
#: The path's solves stop at this multiple of ``config.tol`` (1e-2 of the gradient at zero
#: by default; scikit-learn's loop stops at 1e-4 absolute, 0.1 of it on the 100,000 x 768
#: probe). There, against 10 x tol, the path took 112 s instead of 293 s, its validation
#: accuracies near the best agreed to 0.003, and its choice was the scikit-learn loop's
#: (benchmarks/results/probe_synthetic.md).
PATH_TOL_FACTOR = 100.0


def reg_grid(X):
    """The grid of lambda for features ``X`` (array, memory map or CSR), strongest first."""
    step = -(-X.shape[0] // SCALE_ROWS)
    rows = X[::step]
    if hasattr(rows, "nnz"):
        total = float(np.sum(np.square(rows.data, dtype=np.float64)))
    else:
        total = float(np.einsum("ij,ij->", rows, rows, dtype=np.float64))
    scale = total / (rows.shape[0] * rows.shape[1])
    if not scale > 0:  # all-zero features: any lambda gives the same model
        scale = 1.0
    return scale * np.logspace(GRID_TOP, GRID_BOTTOM, GRID_SIZE)


def choose(path, losses):
    """Index of the chosen point of ``path`` [(lambda, val_accuracy), ...] with validation
    data losses ``losses``: the highest accuracy, among ties the lowest loss (then the
    first, the larger lambda)."""
    return min(range(len(path)), key=lambda k: (-path[k][1], losses[k], k))


def _better(a, b):
    """Whether the (accuracy, loss) ``a`` beats ``b``."""
    return a[0] > b[0] or (a[0] == b[0] and a[1] < b[1])


def select(problem, config, solver, *, lambdas=None, callback=None, patience=PATIENCE):
    """Solve along the path and choose lambda on ``problem.validation``.

    Parameters
    ----------
    problem : Problem
        With validation data.
    config : TrainConfig
    solver : Solver
        Its ``path`` when it has one, else warm-started calls of its ``solve``.
    lambdas : ndarray, optional
        Default :func:`reg_grid` of ``problem.X``.
    callback : callable, optional
        Called after every lambda with a dict (``epoch``: the lambda's index, ``epochs``:
        the grid size, ``reg_strength``, ``val_accuracy``, ``loss`` and ``lr`` None).
    patience : int or None
        None: solve every lambda of the grid.

    Returns
    -------
    dict
        ``reg_strength``, ``W``, ``b`` (float64 or X's dtype), ``reg_path``,
        ``path_iterations``, ``converged`` (every solve on the path converged).
    """
    lambdas = reg_grid(problem.X) if lambdas is None else np.asarray(lambdas, np.float64)
    X_val, y_val = problem.validation
    state = {"path": [], "losses": [], "iterations": [], "converged": True, "best": None,
             "worse": 0}

    def visit(lam, W, b, iterations, converged):
        W, b = W.astype(X_val.dtype, copy=False), b.astype(X_val.dtype, copy=False)
        acc = accuracy(X_val, y_val, W, b)
        loss = loss_parts(W, b, X_val, y_val, loss=config.loss, reg="none",
                          margin=config.margin).data_loss
        state["path"].append((float(lam), acc))
        state["losses"].append(float(loss))
        state["iterations"].append(int(iterations))
        state["converged"] &= bool(converged)
        if state["best"] is None or _better((acc, loss), state["best"][1:3]):
            state["best"], state["worse"] = (float(lam), acc, loss, W.copy(), b.copy()), 0
        else:
            state["worse"] += 1
        if callback is not None:
            callback({"epoch": len(state["path"]) - 1, "epochs": len(lambdas), "loss": None,
                      "lr": None, "train_accuracy": None, "val_accuracy": acc,
                      "reg_strength": float(lam)})
        return patience is None or state["worse"] < patience

    config = replace(config, tol=config.tol * PATH_TOL_FACTOR)
    if solver.path is not None:
        solver.path(problem, config, lambdas, visit)
    else:  # warm-started solves, one per lambda
        init = None
        for lam in lambdas:
            result = solver.solve(problem, replace(config, reg_strength=float(lam)),
                                  init=init)
            init = (result.W, result.b)
            if not visit(lam, result.W, result.b, result.epochs,
                         result.converged is not False):
                break
    lam, acc, _, W, b = state["best"]
    return {"reg_strength": lam, "val_accuracy": acc, "W": W, "b": b,
            "reg_path": state["path"], "val_losses": state["losses"],
            "path_iterations": state["iterations"], "converged": state["converged"]}


def train_auto(problem, config, solver, *, callback=None):
    """Choose lambda (:func:`select`), then solve at it: on the training and validation rows
    with ``config.refit``, else on the training rows (warm-started; a converged solve returns
    at once). Returns the final solve's :class:`~linclass.solvers.TrainResult` with the path
    in its history."""
    chosen = select(problem, config, solver, callback=callback)
    fixed = replace(config, reg_strength=chosen["reg_strength"])
    init = (chosen["W"], chosen["b"])
    if config.refit:
        problem = _with_validation_rows(problem)
    result = solver.solve(problem, fixed, init=init)
    result.history.update(reg_strength=chosen["reg_strength"], reg_path=chosen["reg_path"],
                          reg_val_loss=chosen["val_losses"],
                          reg_val_accuracy=chosen["val_accuracy"],
                          path_iterations=chosen["path_iterations"],
                          path_converged=chosen["converged"], refit=bool(config.refit))
    return result


def _with_validation_rows(problem):
    """The problem on its training and validation rows together (no validation left);
    validation rows get sample weight 1."""
    import scipy.sparse

    X_val, y_val = problem.validation
    if problem.sparse or scipy.sparse.issparse(X_val):
        X = scipy.sparse.vstack([problem.X, X_val], format="csr")
    else:
        X = np.concatenate([problem.X, X_val.astype(problem.X.dtype, copy=False)])
    weights = problem.sample_weight
    if weights is not None:
        weights = np.concatenate([weights, np.ones(len(y_val))])
    return Problem(X, np.concatenate([problem.y, y_val]), problem.n_classes,
                   class_weight=problem.class_weight, sample_weight=weights,
                   validation=None, parallel=problem.parallel)
