r"""Training a linear classifier ``scores = X @ W + b``: check the data, pick the solver, run it.

:func:`train` is the one entry point of the API, the estimator, the CLI and the search: it
validates features and labels, builds the :class:`~linclass.solvers.Problem`, resolves
``config.solver`` in :data:`linclass.solvers.SOLVERS` and returns the solver's
:class:`~linclass.solvers.TrainResult`.
"""

import numpy as np

from linclass._validation import fail
from linclass.config import AUTO, TrainConfig
from linclass.errors import DivergenceError
from linclass.solvers import (
    SOLVERS,
    Problem,
    TrainResult,
    accuracy,
    empty_history,
    resolve_solver,
)
from linclass.solvers._regpath import train_auto

__all__ = ["TrainResult", "accuracy", "check_features", "check_sample_weight", "empty_history",
           "train"]


def check_features(X, y, n_classes, name="X"):
    """``X`` (N, D) float32/float64 C-contiguous and ``y`` (N,) int64 in ``[0, n_classes)``.

    float32 and float64 arrays (and memory maps) are used as they are when C-contiguous;
    other dtypes become float64.
    """
    import scipy.sparse

    if scipy.sparse.issparse(X):
        X = scipy.sparse.csr_array(X)  # no copy for a CSR matrix
    elif not isinstance(X, np.memmap):
        X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise fail(name, "a non-empty 2-D array (N samples, D features)", f"shape {X.shape}")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if not scipy.sparse.issparse(X) and not X.flags.c_contiguous:
        X = np.ascontiguousarray(X)
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise fail(f"labels of {name}", f"{X.shape[0]} integer class indices",
                   f"{y.dtype} array of shape {y.shape}")
    if y.min() < 0 or y.max() >= n_classes:
        raise fail(f"labels of {name}", f"class indices in [0, {n_classes})",
                   f"values in [{y.min()}, {y.max()}]")
    return X, y.astype(np.int64, copy=False)


def train(X, y, config, *, n_classes, validation=None, init=None, opt_state=None,
          class_weight=None, sample_weight=None, rng=None, callback=None, parallel=None):
    """Minimize the configured objective on features ``X`` with labels ``y``.

    Parameters
    ----------
    X : ndarray of shape (N, D), float32 or float64
        Features (other dtypes become float64). Computation runs in this dtype.
    y : ndarray of shape (N,), int
        Class indices in ``[0, n_classes)``.
    config : TrainConfig
        The objective (loss, reg, reg_strength, ...) and the solver with its settings.
    n_classes : int >= 2
    validation : tuple (X_val, y_val), optional
        Measured after every epoch; with ``config.early_stopping`` minibatch descent keeps
        the best epoch. With ``reg_strength="auto"`` lambda is chosen on it
        (:mod:`linclass.solvers._regpath`); without it a stratified
        ``config.validation_fraction`` of the rows is held out for that.
    init : tuple (W, b), optional
        Warm start (copied, never modified); default zeros.
    opt_state : optional
        The update rule's state from an earlier run (continues momentum, Adam moments, ...).
    class_weight : ndarray of shape (C,), optional
        Per-class loss weights (see :func:`linclass.linear_loss`).
    sample_weight : ndarray of shape (N,), optional
        Per-row loss weights (see :func:`linclass.linear_loss`).
    rng : numpy.random.Generator or int, optional
        Minibatch order; default ``config.seed``.
    callback : callable, optional
        Called after every epoch (iteration) with a dict: ``epoch`` (from 0), ``epochs``,
        ``loss``, ``lr``, ``train_accuracy``, ``val_accuracy`` (``None`` without validation).
    parallel : linclass.distributed.DataParallel, optional
        Data-parallel training over the ranks of a process group.

    Returns
    -------
    TrainResult
        ``history["solver"]`` names the solver that ran (what ``"auto"`` chose); with
        ``reg_strength="auto"`` ``history["reg_strength"]`` is the chosen lambda and
        ``history["reg_path"]`` the validation curve ``[(lambda, accuracy), ...]``.

    Raises
    ------
    linclass.errors.DivergenceError
        When the objective or the weights become NaN or infinite; the message names the
        epoch and suggests a smaller learning rate.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> config = TrainConfig(loss="softmax", solver="minibatch", lr=0.1, epochs=30,
    ...                      batch_size=16)
    >>> result = train(X, y, config, n_classes=3, validation=(X, y))
    >>> accuracy(X, y, result.W, result.b) > 0.9
    True
    """
    if not isinstance(config, TrainConfig):
        raise fail("config", "a linclass.config.TrainConfig", type(config).__name__)
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) \
            or n_classes < 2:
        raise fail("n_classes", "an integer >= 2", repr(n_classes))
    if parallel is not None and config.device != "cpu":
        raise fail("device", "'cpu' for data-parallel training", repr(config.device))
    X, y = check_features(X, y, n_classes)
    if validation is not None:
        X_val, y_val = check_features(*validation, n_classes, name="X_val")
        if X_val.shape[1] != X.shape[1]:
            raise fail("X_val", f"{X.shape[1]} features like X", f"{X_val.shape[1]}")
        validation = (X_val.astype(X.dtype, copy=False), y_val)
    if sample_weight is not None:
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
    problem = Problem(X, y, int(n_classes), class_weight=class_weight,
                      sample_weight=sample_weight, validation=validation, parallel=parallel)
    name, solver = resolve_solver(config, problem)
    if problem.sparse and not solver.sparse:
        raise fail("X", f"a dense array with solver {name!r}", "a scipy.sparse matrix",
                   "Convert it with X.toarray(), or use a solver that takes sparse input "
                   f"({', '.join(n for n, s in SOLVERS.items() if s and s.sparse)}).")
    if problem.sparse and config.device != "cpu":
        raise fail("X", f"a dense array with device={config.device!r}",
                   "a scipy.sparse matrix", "Use device='cpu' or convert it with X.toarray().")
    try:
        if config.reg_strength == AUTO:
            if problem.validation is None:
                problem = _hold_out(problem, config)
            result = train_auto(problem, config, solver, callback=callback)
        else:
            result = solver.solve(problem, config, init=init, opt_state=opt_state, rng=rng,
                                  callback=callback)
    except (DivergenceError, ValueError):  # a non-finite objective or scores: bad input?
        _check_finite_input(X, validation)
        raise
    result.history["solver"] = name
    return result


def _check_finite_input(X, validation):
    """Raise the standard ``ValueError`` naming ``X`` (or ``X_val``) if it holds NaN or inf.

    NaN or inf in X always makes the objective non-finite (0 * inf is NaN), so the input is
    scanned only when training fails, not on every fit (a full pass over X costs a sixth of
    an SGD epoch): bad input is then reported as such instead of as divergence.
    """
    for name, data in (("X", X), ("X_val", None if validation is None else validation[0])):
        values = data.data if hasattr(data, "tocsr") else data  # CSR: the stored values
        if values is not None and not np.isfinite(values).all():
            raise fail(name, "finite (no NaN or inf)", "NaN or infinite values",
                       "Remove or impute them before fitting.") from None


def _hold_out(problem, config):
    """``problem`` less a stratified ``config.validation_fraction`` of its rows (seed
    ``config.seed``), which become its validation data."""
    from linclass.data import train_val_split

    train_idx, val_idx = train_val_split(problem.y, config.validation_fraction,
                                         seed=config.seed)
    if len(val_idx) == 0 or len(train_idx) == 0:
        raise fail("reg_strength", "a number when there are too few rows to hold out a "
                   "validation split", repr(AUTO), "Pass validation data or a number.")
    weights = problem.sample_weight
    return Problem(problem.X[train_idx], problem.y[train_idx], problem.n_classes,
                   class_weight=problem.class_weight,
                   sample_weight=None if weights is None else weights[train_idx],
                   validation=(problem.X[val_idx], problem.y[val_idx]),
                   parallel=problem.parallel)


def check_sample_weight(sample_weight, n):
    """``sample_weight`` as float64 (N,): finite weights >= 0 with a positive sum."""
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != (n,):
        raise fail("sample_weight", f"{n} weights (one per row of X)", f"shape {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or not weights.sum() > 0:
        raise fail("sample_weight", "finite weights >= 0 with a positive sum",
                   "a negative, non-finite or all-zero weight")
    return weights
