"""Optimization: update rules, learning-rate schedules, minibatches, derivative-free search.

Update rules are ``init``/``update`` pairs over a tuple of parameter arrays (optax's design)::

    opt = linclass.optim.make("adam")
    state = opt.init(params)                            # params = (W, b)
    updates, state = opt.update(grads, state, params, lr)
    params = linclass.optim.apply_updates(params, updates)   # in place

``lr`` comes from a schedule, ``linclass.optim.schedule(name, lr0, ...)(epoch)``; batches of
row indices from ``linclass.optim.minibatches(n, batch_size, rng)``.
"""

from linclass.optim import derivative_free
from linclass.optim._base import Optimizer, apply_updates, descend
from linclass.optim._minibatch import MODES, minibatches
from linclass.optim._rules import (
    OPTIMIZERS,
    AdamState,
    EmptyState,
    SquaresState,
    VelocityState,
    adagrad,
    adam,
    make,
    momentum,
    nesterov,
    rmsprop,
    sgd,
)
from linclass.optim._schedules import SCHEDULES, schedule
from linclass.optim.derivative_free import (
    RandomSearchResult,
    random_local_search,
    random_search,
)

__all__ = [
    "MODES",
    "OPTIMIZERS",
    "SCHEDULES",
    "AdamState",
    "EmptyState",
    "Optimizer",
    "RandomSearchResult",
    "SquaresState",
    "VelocityState",
    "adagrad",
    "adam",
    "apply_updates",
    "derivative_free",
    "descend",
    "make",
    "minibatches",
    "momentum",
    "nesterov",
    "random_local_search",
    "random_search",
    "rmsprop",
    "schedule",
    "sgd",
]
