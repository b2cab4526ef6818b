r"""Minibatch descent: the lecture's training loop, with an update rule from :mod:`linclass.optim`.

Each step draws a minibatch, computes the objective and its gradient on it with
:func:`linclass.objective.loss_parts` (data loss + :math:`\lambda R(W)`), and lets the update
rule ``config.optimizer`` take the step; the learning rate comes from a schedule, read once
per epoch. After every epoch the loop measures train and validation accuracy, keeps the
weights of the best validation epoch (``early_stopping``) and reports to a callback.

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

import numpy as np

from linclass import backend, optim
from linclass.errors import DivergenceError
from linclass.objective import loss_parts
from linclass.solvers._base import (
    Solver,
    TrainResult,
    empty_history,
    initial_weights,
    report_epoch,
)

__all__ = ["MINIBATCH"]


def solve(problem, config, *, init=None, opt_state=None, rng=None, callback=None):
    """Minibatch descent on ``problem`` (see :class:`linclass.solvers.Solver`)."""
    X, y, parallel = problem.X, problem.y, problem.parallel
    n, d = X.shape
    device = config.device
    W, b = (backend.asarray(a, device)
            for a in initial_weights(init, d, problem.n_classes, X.dtype))
    params = (W, b)
    opt = optim.make(config.optimizer, **config.optimizer_params)
    state = opt.init(params) if opt_state is None else opt_state
    lr_at = optim.schedule(config.schedule, config.lr, **_schedule_kwargs(config))
    rng = np.random.default_rng(config.seed if rng is None else rng)
    objective = {"loss": config.loss, "reg": config.reg, "reg_strength": config.reg_strength,
                 "margin": config.margin, "l1_ratio": config.l1_ratio,
                 "class_weight": problem.class_weight}
    sample_weight = problem.sample_weight  # (N,) or None: each batch takes its rows' weights

    batch_size = min(config.batch_size, n)
    full_batch = batch_size == n and config.sampling == "epoch" and parallel is None \
        and not problem.sparse
    buffer = None if full_batch or problem.sparse \
        else np.empty((batch_size, d), dtype=X.dtype)  # (B, D)
    X_all, y_all = (backend.asarray(X, device), backend.asarray(y, device)) if full_batch \
        else (None, None)  # the whole data set on the device once

    history = empty_history()
    best_acc, best, waited = -1.0, None, 0
    epoch = -1
    for epoch in range(config.epochs):
        lr = float(lr_at(epoch))
        first = len(history["loss"])
        for idx in optim.minibatches(n, batch_size, rng, config.sampling):
            n_batch, share, weights = len(idx), None, None
            if parallel is not None:
                batch = idx
                idx = parallel.shard(idx)  # this rank's rows of the global batch
                if sample_weight is not None:  # this rank's share of the batch's weight
                    share = sample_weight[idx].sum() / sample_weight[batch].sum()
            if sample_weight is not None:
                weights = sample_weight if full_batch else sample_weight[idx]
            if full_batch:
                Xb, yb = X_all, y_all
            elif problem.sparse:
                Xb, yb = X[idx], y[idx]  # CSR rows
            else:
                Xb = buffer[:len(idx)]
                np.take(X, idx, axis=0, out=Xb, mode="clip")  # gather rows, no allocation
                yb = y[idx]
                if device != "cpu":
                    Xb, yb = backend.asarray(Xb, device), backend.asarray(yb, device)
            if parallel is None:
                parts = loss_parts(W, b, Xb, yb, block_rows=len(yb), sample_weight=weights,
                                   **objective)
            else:  # the whole batch's objective and gradient, the same on every rank
                parts = parallel.loss_parts(W, b, Xb, yb, n_batch, share=share,
                                            sample_weight=weights, **objective)
            loss = parts.data_loss + parts.penalty
            if not math.isfinite(loss):
                raise _diverged(epoch, len(history["loss"]), loss, lr)
            history["loss"].append(loss)
            history["data_loss"].append(parts.data_loss)
            history["reg_loss"].append(parts.penalty)
            history["lr"].append(lr)
            updates, state = opt.update((parts.dW, parts.db), state, params, lr)
            optim.apply_updates(params, updates)  # in place: W and b are params
        W_host, b_host = backend.to_numpy(W), backend.to_numpy(b)  # no copy for NumPy
        if not (np.isfinite(np.vdot(W_host, W_host)) and np.isfinite(b_host).all()):
            raise _diverged(epoch, len(history["loss"]), float("nan"), lr)
        val_acc = report_epoch(problem, history, W_host, b_host, epoch=epoch,
                               epochs=config.epochs, lr=lr, callback=callback,
                               loss=float(np.mean(history["loss"][first:])))
        if not (config.early_stopping and val_acc is not None):
            continue
        if val_acc > best_acc:
            best_acc, best, waited = val_acc, (epoch, W_host.copy(), b_host.copy()), 0
        else:
            waited += 1
            if config.patience is not None and waited >= config.patience:
                break

    if best is not None:
        history["best_epoch"], W, b = best
    else:
        history["best_epoch"] = epoch
        W, b = backend.to_numpy(W), backend.to_numpy(b)
    return TrainResult(W, b, history, state, epoch + 1)


def _check(config):
    """Minibatch descent descends every loss and regularizer."""


def _schedule_kwargs(config):
    kwargs = dict(config.schedule_params)
    if config.schedule == "cosine":
        kwargs.setdefault("total", config.epochs)
    return kwargs


def _diverged(epoch, iteration, loss, lr):
    return DivergenceError(
        f"training diverged in epoch {epoch + 1} (iteration {iteration + 1}): the loss became "
        f"{loss}; lower the learning rate (--lr {lr:g} now; try {lr / 10:g})")


#: Minibatch descent with an update rule: every loss, any data size (X streamed by rows).
MINIBATCH = Solver(
    solve, _check,
    uses=("optimizer", "optimizer_params", "lr", "schedule", "schedule_params",
          "batch_size", "epochs", "sampling", "early_stopping", "patience", "device", "seed"),
    streaming=True, devices=("cpu", "torch"), parallel=True, sparse=True,
    description="minibatch descent with the update rule `optimizer` (CS231n's SGD loop)")
