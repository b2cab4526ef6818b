r"""The minibatch training loop of a linear classifier ``scores = X @ W + b``.

Each step draws a minibatch, computes the lecture's objective and its gradient on it with
:func:`linclass.linear_loss` (data loss + :math:`\lambda R(W)`), and lets an update rule from
:mod:`linclass.optim` take the step; the learning rate comes from a schedule, read once per
epoch. After every epoch the loop measures train and validation accuracy, keeps the weights of
the best validation epoch (early stopping) and reports to a callback.

Notes
-----
Speed: the minibatch rows are gathered with :func:`numpy.take` into one preallocated buffer
(no allocation per step); the two products ``Xb @ W`` and ``Xb.T @ dscores`` run in BLAS in
the dtype of ``X`` (float32 for image features); nothing loops over samples in Python.

References
----------
.. [1] CS231n, "Optimization: Stochastic Gradient Descent",
   https://cs231n.github.io/optimization-1/
.. [2] L. Prechelt, "Early Stopping - But When?", in Neural Networks: Tricks of the Trade,
   Springer, 1998. https://doi.org/10.1007/3-540-49430-8_3
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from linclass import backend, optim
from linclass._validation import fail
from linclass.config import TrainConfig
from linclass.errors import DivergenceError
from linclass.objective import linear_loss
from linclass.regularizers import REGULARIZERS
from linclass.ridge import SOLVERS, solve_least_squares

#: Training accuracy per epoch is measured on at most this many rows (evenly spaced, the
#: same rows every epoch): the full set would cost as much as a third of an epoch.
TRAIN_ACCURACY_ROWS = 10_000


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    W : ndarray of shape (D, C)
    b : ndarray of shape (C,)
    history : dict
        Per iteration: ``loss``, ``data_loss``, ``reg_loss`` (the minibatch objective and its
        two parts, before the step) and ``lr``. Per epoch: ``train_accuracy`` (on at most
        :data:`TRAIN_ACCURACY_ROWS` training rows) and ``val_accuracy`` (empty without
        validation data). ``best_epoch``: the epoch (from 0) whose weights were kept.
    opt_state : object
        The update rule's state after the last step (to continue training).
    epochs : int
        Epochs run (fewer than ``config.epochs`` when early stopping ran out of patience).
    """

    W: np.ndarray
    b: np.ndarray
    history: dict
    opt_state: Any
    epochs: int


def check_features(X, y, n_classes, name="X"):
    """``X`` (N, D) float32/float64 C-contiguous and ``y`` (N,) int64 in ``[0, n_classes)``."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise fail(name, "a non-empty 2-D array (N samples, D features)", f"shape {X.shape}")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    X = np.ascontiguousarray(X)
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise fail(f"labels of {name}", f"{X.shape[0]} integer class indices",
                   f"{y.dtype} array of shape {y.shape}")
    if y.min() < 0 or y.max() >= n_classes:
        raise fail(f"labels of {name}", f"class indices in [0, {n_classes})",
                   f"values in [{y.min()}, {y.max()}]")
    return X, y.astype(np.int64, copy=False)


def accuracy(X, y, W, b):
    """Fraction of rows whose highest score ``X @ W + b`` is the label."""
    scores = X @ W  # (N, D) @ (D, C) -> (N, C)
    scores += b
    return float(np.mean(scores.argmax(axis=1) == y))


def empty_history():
    return {"loss": [], "data_loss": [], "reg_loss": [], "lr": [],
            "train_accuracy": [], "val_accuracy": [], "best_epoch": None}


def train(X, y, config, *, n_classes, validation=None, init=None, opt_state=None,
          class_weight=None, rng=None, callback=None, parallel=None, device="cpu"):
    """Train ``W`` and ``b`` on features ``X`` with labels ``y`` by minibatch descent.

    With ``config.optimizer == "exact"`` the objective is minimized in closed form instead
    (:func:`linclass.ridge.solve_least_squares`): one "epoch", no update rule (``init`` and
    ``opt_state`` are not needed: the minimizer is unique), ``device`` 'cpu' and no
    ``parallel`` only.

    Parameters
    ----------
    X : ndarray of shape (N, D), float32 or float64
        Features (other dtypes become float64). Computation runs in this dtype.
    y : ndarray of shape (N,), int
        Class indices in ``[0, n_classes)``.
    config : TrainConfig
    n_classes : int >= 2
    validation : tuple (X_val, y_val), optional
        Measured after every epoch; with ``config.early_stopping`` the best epoch is kept.
    init : tuple (W, b), optional
        Warm start (copied, never modified); default zeros.
    opt_state : optional
        The update rule's state from an earlier run (continues momentum, Adam moments, ...).
    class_weight : ndarray of shape (C,), optional
        Per-class loss weights (see :func:`linclass.linear_loss`).
    rng : numpy.random.Generator or int, optional
        Minibatch order; default ``config.seed``.
    parallel : linclass.distributed.DataParallel, optional
        Data-parallel training: this process computes the gradient on its slice of every
        minibatch and the ranks average it (see :mod:`linclass.distributed`).
    device : {'cpu', 'torch', 'cuda', 'cuda:N'}
        Where the weights live and the gradient steps run (:mod:`linclass.backend`): NumPy
        (``'cpu'``) or torch tensors. Minibatches are drawn by NumPy and gathered from ``X``
        on the host, then moved to the device (no copy for ``'torch'``); accuracies and the
        returned weights are NumPy arrays.
    callback : callable, optional
        Called after every epoch with a dict: ``epoch`` (from 0), ``epochs``, ``loss`` (the
        epoch's mean minibatch objective), ``lr``, ``train_accuracy``, ``val_accuracy``
        (``None`` without validation).

    Returns
    -------
    TrainResult

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
    >>> result = train(X, y, TrainConfig(loss="softmax", lr=0.1, epochs=30, batch_size=16),
    ...                n_classes=3, validation=(X, y))
    >>> accuracy(X, y, result.W, result.b) > 0.9
    True
    """
    if not isinstance(config, TrainConfig):
        raise fail("config", "a linclass.config.TrainConfig", type(config).__name__)
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) \
            or n_classes < 2:
        raise fail("n_classes", "an integer >= 2", repr(n_classes))
    device = backend.check_device(device)
    if parallel is not None and device != "cpu":
        raise fail("device", "'cpu' for data-parallel training", repr(device))
    X, y = check_features(X, y, n_classes)
    n, d = X.shape
    if validation is not None:
        X_val, y_val = check_features(*validation, n_classes, name="X_val")
        if X_val.shape[1] != d:
            raise fail("X_val", f"{d} features like X", f"{X_val.shape[1]}")
        X_val = X_val.astype(X.dtype, copy=False)
    if config.optimizer in SOLVERS:
        if device != "cpu" or parallel is not None:
            raise fail("device", "'cpu' without data-parallel training for optimizer='exact' "
                       "(the solver runs in NumPy/SciPy)",
                       repr(device) if parallel is None else "data-parallel training")
        return _train_exact(X, y, config, n_classes, validation, class_weight, callback)
    W, b = (backend.asarray(a, device) for a in _initial_weights(init, d, n_classes, X.dtype))
    params = (W, b)
    opt = optim.make(config.optimizer, **config.optimizer_params)
    state = opt.init(params) if opt_state is None else opt_state
    lr_at = optim.schedule(config.schedule, config.lr, **_schedule_kwargs(config))
    rng = np.random.default_rng(config.seed if rng is None else rng)
    reg_fn = REGULARIZERS[config.reg]
    reg_kwargs = {"l1_ratio": config.l1_ratio} if config.reg == "elastic_net" else {}
    loss_kwargs = {"loss": config.loss, "reg": config.reg, "reg_strength": config.reg_strength,
                   "margin": config.margin, "l1_ratio": config.l1_ratio,
                   "class_weight": class_weight}

    batch_size = min(config.batch_size, n)
    full_batch = batch_size == n and config.sampling == "epoch" and parallel is None
    buffer = None if full_batch else np.empty((batch_size, d), dtype=X.dtype)  # (B, D)
    X_all, y_all = (backend.asarray(X, device), backend.asarray(y, device)) if full_batch \
        else (None, None)  # the whole data set on the device once
    step = -(-n // TRAIN_ACCURACY_ROWS)
    X_acc, y_acc = X[::step], y[::step]  # views: the same evenly spaced rows every epoch

    history = empty_history()
    best_acc, best, waited = -1.0, None, 0
    epoch = -1
    for epoch in range(config.epochs):
        lr = float(lr_at(epoch))
        first = len(history["loss"])
        for idx in optim.minibatches(n, batch_size, rng, config.sampling):
            n_batch = len(idx)
            if parallel is not None:
                idx = parallel.shard(idx)  # this rank's rows of the global batch
            if full_batch:
                Xb, yb = X_all, y_all
            else:
                Xb = buffer[:len(idx)]
                np.take(X, idx, axis=0, out=Xb, mode="clip")  # gather rows, no allocation
                yb = y[idx]
            if device != "cpu" and not full_batch:
                Xb, yb = backend.asarray(Xb, device), backend.asarray(yb, device)
            penalty = reg_fn(W, config.reg_strength, **reg_kwargs)[0]
            if parallel is None:
                loss, dW, db = linear_loss(W, b, Xb, yb, block_rows=len(yb), **loss_kwargs)
            else:  # the whole batch's objective and gradient, the same on every rank
                loss, dW, db = parallel.linear_loss(W, b, Xb, yb, n_batch, **loss_kwargs)
            if not (math.isfinite(loss) and math.isfinite(penalty)):
                raise _diverged(epoch, len(history["loss"]), loss, lr)
            history["loss"].append(loss)
            history["data_loss"].append(loss - penalty)
            history["reg_loss"].append(penalty)
            history["lr"].append(lr)
            updates, state = opt.update((dW, db), state, params, lr)
            optim.apply_updates(params, updates)  # in place: W and b are params
        W_host, b_host = backend.to_numpy(W), backend.to_numpy(b)  # no copy for NumPy
        if not (np.isfinite(np.vdot(W_host, W_host)) and np.isfinite(b_host).all()):
            raise _diverged(epoch, len(history["loss"]), float("nan"), lr)

        train_acc = accuracy(X_acc, y_acc, W_host, b_host)
        val_acc = None if validation is None else accuracy(X_val, y_val, W_host, b_host)
        history["train_accuracy"].append(train_acc)
        if val_acc is not None:
            history["val_accuracy"].append(val_acc)
        if callback is not None:
            callback({"epoch": epoch, "epochs": config.epochs, "lr": lr,
                      "loss": float(np.mean(history["loss"][first:])),
                      "train_accuracy": train_acc, "val_accuracy": val_acc})
        if not (config.early_stopping and val_acc is not None):
            continue
        if val_acc > best_acc:
            best_acc, best, waited = val_acc, (epoch, W_host.copy(), b_host.copy()), 0
        else:
            waited += 1
            if config.patience is not None and waited >= config.patience:
                break

    epochs_run = epoch + 1
    if best is not None:
        history["best_epoch"], W, b = best
    else:
        history["best_epoch"] = epoch
        W, b = backend.to_numpy(W), backend.to_numpy(b)
    return TrainResult(W, b, history, state, epochs_run)


def _train_exact(X, y, config, n_classes, validation, class_weight, callback):
    """The closed-form solution, reported as one epoch (its objective, train/val accuracy)."""
    strength = config.reg_strength if config.reg == "l2" else 0.0
    W, b = solve_least_squares(X, y, n_classes, strength, margin=config.margin,
                               class_weight=class_weight)
    loss = linear_loss(W, b, X, y, loss=config.loss, reg=config.reg,
                       reg_strength=config.reg_strength, margin=config.margin,
                       class_weight=class_weight)[0]
    penalty = REGULARIZERS[config.reg](W, config.reg_strength)[0]
    step = -(-X.shape[0] // TRAIN_ACCURACY_ROWS)
    train_acc = accuracy(X[::step], y[::step], W, b)
    val_acc = None if validation is None else accuracy(*validation, W, b)
    history = empty_history()
    for key, value in (("loss", loss), ("data_loss", loss - penalty), ("reg_loss", penalty),
                       ("lr", 0.0), ("train_accuracy", train_acc)):
        history[key].append(value)
    if val_acc is not None:
        history["val_accuracy"].append(val_acc)
    history["best_epoch"] = 0
    if callback is not None:
        callback({"epoch": 0, "epochs": 1, "lr": 0.0, "loss": loss,
                  "train_accuracy": train_acc, "val_accuracy": val_acc})
    return TrainResult(W, b, history, None, 1)


def _initial_weights(init, d, n_classes, dtype):
    if init is None:
        return np.zeros((d, n_classes), dtype=dtype), np.zeros(n_classes, dtype=dtype)
    W, b = (np.asarray(a) for a in init)
    if W.shape != (d, n_classes) or b.shape != (n_classes,):
        raise fail("init", f"weights (W, b) of shapes ({d}, {n_classes}) and ({n_classes},)",
                   f"shapes {W.shape} and {b.shape}")
    return W.astype(dtype, copy=True), b.astype(dtype, copy=True)


def _finite_scores(X, W, b):
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(X @ W + b).all())


def _schedule_kwargs(config):
    kwargs = dict(config.schedule_params)
    if config.schedule == "cosine":
        kwargs.setdefault("total", config.epochs)
    return kwargs


def _diverged(epoch, iteration, loss, lr):
    return DivergenceError(
        f"training diverged in epoch {epoch + 1} (iteration {iteration + 1}): the loss became "
        f"{loss}; lower the learning rate (--lr {lr:g} now; try {lr / 10:g})")
