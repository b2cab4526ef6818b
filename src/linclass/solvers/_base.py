"""What every solver shares: the problem it minimizes, the result it returns, its history.

A solver minimizes the lecture's objective on a linear score function,

.. math::

    L(W, b) = \\frac{1}{\\sum_i s_i} \\sum_i s_i\\, c_{y_i}\\, L_i(x_i W + b,\\; y_i)
              + \\lambda R(W)

(:func:`linclass.linear_loss`; ``s`` the sample weights, ``c`` the class weights, both 1 by
default). A :class:`Problem` holds the data of that objective and a
:class:`~linclass.config.TrainConfig` its settings; the solver returns a :class:`TrainResult`.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linclass._validation import fail

__all__ = ["Problem", "Solver", "TrainResult", "accuracy", "empty_history", "report_epoch"]

#: Training accuracy per epoch is measured on at most this many rows (evenly spaced, the
#: same rows every epoch): the full set would cost as much as a third of an epoch.
TRAIN_ACCURACY_ROWS = 10_000


@dataclass(frozen=True)
class Problem:
    """The data of one training objective.

    Attributes
    ----------
    X : ndarray of shape (N, D), float32 or float64 (may be memory-mapped)
    y : ndarray of shape (N,), int64 class indices in ``[0, n_classes)``
    n_classes : int
    class_weight : ndarray of shape (C,) or None
    sample_weight : ndarray of shape (N,) or None
    validation : tuple (X_val, y_val) or None
        Measured after every epoch (iteration of a full-batch solver).
    parallel : linclass.distributed.DataParallel or None
        This process's place in a data-parallel group.
    """

    X: Any
    y: np.ndarray
    n_classes: int
    class_weight: np.ndarray | None = None
    sample_weight: np.ndarray | None = None
    validation: tuple | None = None
    parallel: Any = None

    @property
    def sparse(self):
        """Whether X is a scipy.sparse matrix (CSR)."""
        return not isinstance(self.X, np.ndarray)

    @property
    def loss_weights(self):
        """The keyword arguments of :func:`linclass.linear_loss` for the weights."""
        return {"class_weight": self.class_weight, "sample_weight": self.sample_weight}

    def local(self):
        """This rank's contiguous share of the rows (a full-batch solver's), as
        ``(X, y, sample_weight, share)``: ``share`` is its part of the rows' (weighted) sum,
        the weight of its mean in the global mean. All rows and 1.0 without a
        data-parallel group."""
        if self.parallel is None:
            return self.X, self.y, self.sample_weight, 1.0
        n, weights = self.X.shape[0], self.sample_weight
        rows = self.parallel.rows(n)
        local_weights = None if weights is None else weights[rows]
        total = n if weights is None else float(weights.sum())
        part = rows.stop - rows.start if weights is None else float(local_weights.sum())
        return self.X[rows], self.y[rows], local_weights, part / total


@dataclass
class TrainResult:
    """What a solver returns.

    Attributes
    ----------
    W : ndarray of shape (D, C)
    b : ndarray of shape (C,)
    history : dict
        Per step: ``loss``, ``data_loss``, ``reg_loss`` (the objective and its two parts,
        before the step) and ``lr``. Per epoch (a full-batch solver: per iteration):
        ``train_accuracy`` (on at most :data:`TRAIN_ACCURACY_ROWS` rows) and
        ``val_accuracy`` (empty without validation data). ``best_epoch``: the epoch (from 0)
        whose weights were kept. A solver may add its own entries (``converged``, ...).
    opt_state : object
        The update rule's state after the last step (to continue minibatch descent).
    epochs : int
        Epochs (iterations) run.
    converged : bool or None
        Whether a full-batch solver met its tolerance (``None`` for minibatch descent).
    """

    W: np.ndarray
    b: np.ndarray
    history: dict
    opt_state: Any = None
    epochs: int = 1
    converged: bool | None = None


@dataclass(frozen=True)
class Solver:
    """One entry of :data:`linclass.solvers.SOLVERS`.

    Attributes
    ----------
    solve : callable
        ``solve(problem, config, *, init=None, opt_state=None, rng=None, callback=None)``
        returns a :class:`TrainResult`. ``init`` is a warm start ``(W, b)``; ``opt_state``
        and ``rng`` matter to minibatch descent only; ``callback`` is called after every
        epoch or iteration with a dict (``epoch``, ``epochs``, ``loss``, ``lr``,
        ``train_accuracy``, ``val_accuracy``).
    check : callable(config)
        Raises the standard ``ValueError`` when the solver cannot minimize the configured
        loss and regularizer.
    uses : tuple of str
        The settings it reads beside the objective's (loss, reg, reg_strength, margin,
        l1_ratio, class_weight): the others are unused with it.
    streaming : bool
        Whether it reads X in minibatches (so a memory-mapped X is never read whole at once).
    devices : tuple of str
        Kinds of device it runs on (``'cpu'`` NumPy, ``'torch'`` torch tensors).
    parallel : bool
        Whether it runs data-parallel over a process group.
    sparse : bool
        Whether it takes a scipy.sparse CSR ``X``.
    path : callable(problem, config, lambdas, visit), optional
        Solves at every lambda of ``lambdas`` in order, calling ``visit(lam, W, b,
        iterations, converged)`` after each and stopping when it returns False
        (:mod:`linclass.solvers._regpath`); ``None``: warm-started calls of ``solve``.
    """

    solve: Any
    check: Any
    uses: tuple = ()
    streaming: bool = False
    devices: tuple = ("cpu",)
    parallel: bool = False
    sparse: bool = False
    description: str = field(default="")
    path: Any = None


def empty_history():
    return {"loss": [], "data_loss": [], "reg_loss": [], "lr": [],
            "train_accuracy": [], "val_accuracy": [], "best_epoch": None}


def accuracy(X, y, W, b):
    """Fraction of rows whose highest score ``X @ W + b`` is the label."""
    scores = X @ W  # (N, D) @ (D, C) -> (N, C)
    scores += b
    return float(np.mean(scores.argmax(axis=1) == y))


def accuracy_rows(n):
    """The evenly spaced rows on which training accuracy is measured every epoch."""
    return slice(None, None, -(-n // TRAIN_ACCURACY_ROWS))


def report_epoch(problem, history, W, b, *, epoch, epochs, loss, lr, callback):
    """Measure train and validation accuracy of ``(W, b)``, append them to ``history``,
    call ``callback``; returns the validation accuracy (``None`` without validation)."""
    rows = accuracy_rows(len(problem.y))
    train_acc = accuracy(problem.X[rows], problem.y[rows], W, b)
    val_acc = None if problem.validation is None else accuracy(*problem.validation, W, b)
    history["train_accuracy"].append(train_acc)
    if val_acc is not None:
        history["val_accuracy"].append(val_acc)
    if callback is not None:
        callback({"epoch": epoch, "epochs": epochs, "lr": lr, "loss": loss,
                  "train_accuracy": train_acc, "val_accuracy": val_acc})
    return val_acc


def initial_weights(init, d, n_classes, dtype):
    """``(W, b)``: zeros, or copies of a warm start ``init`` in ``dtype``."""
    if init is None:
        return np.zeros((d, n_classes), dtype=dtype), np.zeros(n_classes, dtype=dtype)
    W, b = (np.asarray(a) for a in init)
    if W.shape != (d, n_classes) or b.shape != (n_classes,):
        raise fail("init", f"weights (W, b) of shapes ({d}, {n_classes}) and ({n_classes},)",
                   f"shapes {W.shape} and {b.shape}")
    return W.astype(dtype, copy=True), b.astype(dtype, copy=True)
