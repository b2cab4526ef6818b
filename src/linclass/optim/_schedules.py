r"""Learning-rate schedules: ``schedule(name, lr, **kw)`` returns ``t -> lr_t``.

``t`` is the **epoch** index, counted from 0: the trainer reads the learning rate once at the
start of each epoch and uses it for every step of that epoch, as the lecture's
``learning_rate_decay`` does. (The functions only see a counter, so a caller may count
iterations instead, with ``every`` / ``total`` in iterations.) Schedules are
:func:`functools.partial` objects of module-level functions, so they pickle (parallel search).

- ``constant``: :math:`\eta_t = \eta_0`
- ``step``: :math:`\eta_t = \eta_0\, \gamma^{\lfloor t / k \rfloor}` (``factor`` :math:`\gamma`,
  ``every`` :math:`k`)
- ``exponential``: :math:`\eta_t = \eta_0\, \gamma^t` (``decay`` :math:`\gamma`)
- ``inverse_time``: :math:`\eta_t = \eta_0 / (1 + k t)` (``k``)
- ``cosine``: :math:`\eta_t = \eta_\min + \tfrac12 (\eta_0 - \eta_\min)
  (1 + \cos(\pi \min(t, T) / T))` (``total`` :math:`T`, ``floor`` :math:`\eta_\min`)

References
----------
CS231n notes, "Neural Networks Part 3: Annealing the learning rate" (step, exponential, 1/t).
Loshchilov & Hutter (2017), SGDR: stochastic gradient descent with warm restarts, ICLR (cosine).
"""

import math
from functools import partial
from inspect import Parameter, signature

import numpy as np

from linclass._validation import check_positive, fail, resolve
from linclass.optim._checks import check_count, check_unit_interval

_EMPTY = Parameter.empty


def _check_t(t):
    if not (np.isfinite(t) and t >= 0):
        raise fail("t (epoch)", "a number >= 0", t)


def _constant(t, *, lr):
    _check_t(t)
    return lr


def _step(t, *, lr, factor, every):
    _check_t(t)
    return lr * factor ** (int(t) // every)


def _exponential(t, *, lr, decay):
    _check_t(t)
    return lr * decay ** t


def _inverse_time(t, *, lr, k):
    _check_t(t)
    return lr / (1 + k * t)


def _cosine(t, *, lr, total, floor):
    _check_t(t)
    progress = min(t, total) / total
    return floor + 0.5 * (lr - floor) * (1 + math.cos(math.pi * progress))


def _make_constant(lr):
    return partial(_constant, lr=lr)


def _make_step(lr, factor=0.5, every=5):
    factor = check_unit_interval("factor", factor, closed_right=True)
    return partial(_step, lr=lr, factor=factor, every=check_count("every", every))


def _make_exponential(lr, decay=0.95):
    decay = check_unit_interval("decay", decay, closed_right=True)
    return partial(_exponential, lr=lr, decay=decay)


def _make_inverse_time(lr, k=1.0):
    return partial(_inverse_time, lr=lr, k=float(check_positive("k", k, allow_zero=True)))


def _make_cosine(lr, total, floor=0.0):
    floor = float(check_positive("floor", floor, allow_zero=True))
    if floor > lr:
        raise fail("floor", f"<= lr ({lr})", floor)
    return partial(_cosine, lr=lr, total=check_count("total", total), floor=floor)


#: Schedule names accepted by ``schedule=`` everywhere.
SCHEDULES = {
    "constant": _make_constant,
    "step": _make_step,
    "exponential": _make_exponential,
    "inverse_time": _make_inverse_time,
    "cosine": _make_cosine,
}


def schedule(name, lr, **kw):
    """The learning rate as a function of the epoch ``t = 0, 1, 2, ...``.

    Parameters
    ----------
    name : {'constant', 'step', 'exponential', 'inverse_time', 'cosine'}
    lr : float > 0
        :math:`\\eta_0`, the rate at ``t = 0``.
    **kw
        ``step``: ``factor=0.5, every=5`` (halve every 5 epochs, the lecture's example);
        ``exponential``: ``decay=0.95`` (the lecture's ``learning_rate_decay``);
        ``inverse_time``: ``k=1.0``; ``cosine``: ``total`` (required), ``floor=0.0``.

    Returns
    -------
    callable ``t -> float``

    >>> [schedule("step", 0.1, factor=0.5, every=2)(t) for t in range(5)]
    [0.1, 0.1, 0.05, 0.05, 0.025]
    >>> schedule("cosine", 1.0, total=4)(2)
    0.5
    """
    make = resolve("schedule", name, SCHEDULES)
    lr = float(check_positive("lr", lr))
    accepted = list(signature(make).parameters)[1:]
    required = [k for k in accepted if signature(make).parameters[k].default is _EMPTY]
    unknown = [k for k in kw if k not in accepted]
    missing = [k for k in required if k not in kw]
    if unknown or missing:
        names = ", ".join(repr(k) for k in accepted) or "none"
        got = f"unknown {unknown!r}" if unknown else f"no {missing[0]!r}"
        raise fail(f"arguments of schedule {name!r}", f"among {names} (required: {required})",
                   got)
    return make(lr, **kw)
