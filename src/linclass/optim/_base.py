"""The optimizer contract: an ``init``/``update`` pair over a tuple of parameter arrays.

An optimizer is two pure functions (optax's design, Babuschkin et al. 2020)::

    state = opt.init(params)
    updates, state = opt.update(grads, state, params, lr)
    params = apply_updates(params, updates)

``params`` and ``grads`` are tuples of arrays of the same shapes (the trainer uses
``(W, b)``); ``lr`` is the step size for this step, read from a schedule by the caller.
Every rule computes a *descent direction* ``d`` (pointing uphill, like the gradient);
:func:`descend` is the one place where the sign of the step lives: ``update = -lr * d``.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from linclass import backend
from linclass._validation import check_positive

Params = tuple[np.ndarray, ...]


class Optimizer(NamedTuple):
    """A pair of pure functions.

    Attributes
    ----------
    init : callable ``params -> state``
        Zero state (a small NamedTuple of arrays shaped like ``params``, in their dtypes).
    update : callable ``(grads, state, params, lr) -> (updates, new_state)``
        Updates are in the parameters' dtypes, ready for :func:`apply_updates`.
    """

    init: Callable[[Params], Any]
    update: Callable[[Params, Any, Params, float], tuple[Params, Any]]


def descend(directions, params, lr):
    """``updates_k = -lr * d_k``, cast to the dtype of ``params_k``: the sign of every step.

    Parameters
    ----------
    directions : tuple of ndarray
        Uphill directions (the gradient, or a rescaled or averaged gradient).
    params : tuple of ndarray
        Only their dtypes are used: a float32 parameter gets a float32 update.
    lr : float
        Step size, > 0.
    """
    check_positive("lr", lr)
    return tuple(backend.astype(-lr * d, backend.numpy_dtype(p))
                 for d, p in zip(directions, params, strict=True))


def apply_updates(params, updates):
    """``params_k += updates_k`` **in place**; returns ``params`` (the same arrays).

    In-place addition avoids allocating a new ``W`` every step: the caller owns ``params``
    and must copy them first if it needs the old values (e.g. to keep the best epoch).

    >>> import numpy as np
    >>> params = (np.array([1.0, 2.0]),)
    >>> apply_updates(params, (np.array([0.5, -1.0]),))[0]
    array([1.5, 1. ])
    """
    for p, u in zip(params, updates, strict=True):
        p += u
    return params
