r"""First-order update rules, from plain SGD to Adam, as :class:`Optimizer` pairs.

Every rule turns the gradient :math:`g` into an uphill direction :math:`d` (``_directions``),
and :func:`~linclass.optim._base.descend` takes the step :math:`\Delta\theta = -\eta\, d`.
State arrays are kept in the parameters' dtypes (float32 stays float32).

Full-batch gradient descent is :func:`sgd` with one batch holding every example; the batch
size belongs to the trainer, not to the rule.
"""

from functools import partial
from inspect import signature
from typing import NamedTuple

from linclass import backend
from linclass._validation import check_positive, fail, resolve
from linclass.optim._base import Optimizer, descend
from linclass.optim._checks import check_unit_interval


def _zeros_like(params):
    return tuple(backend.namespace(p).zeros_like(p) for p in params)


def _sqrt(x):
    return backend.namespace(x).sqrt(x)


def _cast(grads, params):
    """Gradients in the parameters' dtypes, so the state never upcasts (no copy when equal)."""
    return tuple(backend.astype(g, backend.numpy_dtype(p))
                 for g, p in zip(grads, params, strict=True))


# -- plain gradient descent ------------------------------------------------------------------

class EmptyState(NamedTuple):
    """Plain SGD keeps no state."""


def _sgd_init(params):
    return EmptyState()


def _sgd_update(grads, state, params, lr):
    return descend(grads, params, lr), state


def sgd():
    r"""Vanilla (minibatch) gradient descent: :math:`\theta \leftarrow \theta - \eta\, g`.

    References
    ----------
    Robbins & Monro (1951), A stochastic approximation method, Ann. Math. Statist. 22(3).
    doi:10.1214/aoms/1177729586

    >>> import numpy as np
    >>> opt = sgd()
    >>> params = (np.array([1.0]),)
    >>> updates, state = opt.update((np.array([2.0]),), opt.init(params), params, 0.1)
    >>> float(updates[0][0])
    -0.2
    """
    return Optimizer(_sgd_init, _sgd_update)


# -- momentum and Nesterov -------------------------------------------------------------------

class VelocityState(NamedTuple):
    """Velocity :math:`v` per parameter (an exponentially decaying sum of gradients)."""

    velocity: tuple


def _velocity_init(params):
    return VelocityState(_zeros_like(params))


def _momentum_update(grads, state, params, lr, *, mu, nesterov):
    grads = _cast(grads, params)
    velocity = tuple(mu * v + g for v, g in zip(state.velocity, grads, strict=True))
    directions = (tuple(g + mu * v for g, v in zip(grads, velocity, strict=True))
                  if nesterov else velocity)
    return descend(directions, params, lr), VelocityState(velocity)


def momentum(momentum=0.9):
    r"""Polyak's heavy-ball momentum.

    .. math::

        v \leftarrow \mu v + g, \qquad \theta \leftarrow \theta - \eta\, v

    Parameters
    ----------
    momentum : float in [0, 1), default 0.9
        :math:`\mu`; 0 is plain SGD.

    Notes
    -----
    The lecture writes :math:`v \leftarrow \mu v - \eta g,\ \theta \leftarrow \theta + v`; with
    a constant :math:`\eta` the two produce identical iterates (:math:`v_\text{lecture} =
    -\eta v`). This form, also PyTorch's, applies a changed learning rate to the whole
    velocity at once.

    References
    ----------
    Polyak (1964), Some methods of speeding up the convergence of iteration methods,
    USSR Comput. Math. Math. Phys. 4(5). doi:10.1016/0041-5553(64)90137-5
    """
    mu = check_unit_interval("momentum", momentum)
    return Optimizer(_velocity_init, partial(_momentum_update, mu=mu, nesterov=False))


def nesterov(momentum=0.9):
    r"""Nesterov's accelerated gradient, in the look-ahead-free form of Sutskever et al.

    .. math::

        v \leftarrow \mu v + g, \qquad \theta \leftarrow \theta - \eta\,(g + \mu v)

    Parameters
    ----------
    momentum : float in [0, 1), default 0.9

    Notes
    -----
    The gradient is taken at the current :math:`\theta`, not at the look-ahead point
    :math:`\theta - \eta\mu v`; the change of variables in Sutskever et al. (2013) and the
    lecture's ``x += -mu * v_prev + (1 + mu) * v`` give the same iterates for a constant
    :math:`\eta`.

    References
    ----------
    Nesterov (1983), A method for solving the convex programming problem with convergence
    rate O(1/k^2), Soviet Math. Dokl. 27.
    Sutskever, Martens, Dahl & Hinton (2013), On the importance of initialization and
    momentum in deep learning, ICML.
    """
    mu = check_unit_interval("momentum", momentum)
    return Optimizer(_velocity_init, partial(_momentum_update, mu=mu, nesterov=True))


# -- per-coordinate step sizes ---------------------------------------------------------------

class SquaresState(NamedTuple):
    """Sum (Adagrad) or running mean (RMSprop) of squared gradients per parameter."""

    squares: tuple


def _squares_init(params):
    return SquaresState(_zeros_like(params))


def _adagrad_update(grads, state, params, lr, *, eps):
    grads = _cast(grads, params)
    squares = tuple(s + g * g for s, g in zip(state.squares, grads, strict=True))
    directions = tuple(g / (_sqrt(s) + eps) for g, s in zip(grads, squares, strict=True))
    return descend(directions, params, lr), SquaresState(squares)


def adagrad(eps=1e-8):
    r"""Adagrad: a step size per coordinate that shrinks with its gradient history.

    .. math::

        s \leftarrow s + g^2, \qquad \theta \leftarrow \theta - \eta\, \frac{g}{\sqrt{s} + \epsilon}

    (element-wise; :math:`s` starts at 0).

    Parameters
    ----------
    eps : float > 0, default 1e-8

    References
    ----------
    Duchi, Hazan & Singer (2011), Adaptive subgradient methods for online learning and
    stochastic optimization, JMLR 12.
    """
    eps = check_positive("eps", eps)
    return Optimizer(_squares_init, partial(_adagrad_update, eps=eps))


def _rmsprop_update(grads, state, params, lr, *, decay, eps):
    grads = _cast(grads, params)
    squares = tuple(decay * s + (1 - decay) * g * g
                    for s, g in zip(state.squares, grads, strict=True))
    directions = tuple(g / (_sqrt(s) + eps) for g, s in zip(grads, squares, strict=True))
    return descend(directions, params, lr), SquaresState(squares)


def rmsprop(decay=0.99, eps=1e-8):
    r"""RMSprop: Adagrad with a leaky (exponentially weighted) mean of squared gradients.

    .. math::

        s \leftarrow \rho s + (1 - \rho) g^2, \qquad
        \theta \leftarrow \theta - \eta\, \frac{g}{\sqrt{s} + \epsilon}

    Parameters
    ----------
    decay : float in [0, 1), default 0.99
        :math:`\rho` (the lecture's ``decay_rate``; 0.99 is also PyTorch's default).
    eps : float > 0, default 1e-8

    References
    ----------
    Tieleman & Hinton (2012), Lecture 6.5 - RMSprop: divide the gradient by a running
    average of its recent magnitude, COURSERA: Neural Networks for Machine Learning.
    """
    decay = check_unit_interval("decay", decay)
    eps = check_positive("eps", eps)
    return Optimizer(_squares_init, partial(_rmsprop_update, decay=decay, eps=eps))


# -- Adam --------------------------------------------------------------------------------------

class AdamState(NamedTuple):
    """Step count :math:`t` and the first and second moment estimates :math:`m`, :math:`v`."""

    count: int
    mu: tuple
    nu: tuple


def _adam_init(params):
    return AdamState(0, _zeros_like(params), _zeros_like(params))


def _adam_update(grads, state, params, lr, *, beta1, beta2, eps):
    grads = _cast(grads, params)
    count = state.count + 1
    mu = tuple(beta1 * m + (1 - beta1) * g for m, g in zip(state.mu, grads, strict=True))
    nu = tuple(beta2 * v + (1 - beta2) * g * g for v, g in zip(state.nu, grads, strict=True))
    correction1 = 1 - beta1 ** count  # bias corrections: m and v start at 0
    correction2 = 1 - beta2 ** count
    directions = tuple((m / correction1) / (_sqrt(v / correction2) + eps)
                       for m, v in zip(mu, nu, strict=True))
    return descend(directions, params, lr), AdamState(count, mu, nu)


def adam(beta1=0.9, beta2=0.999, eps=1e-8):
    r"""Adam: momentum on the gradient and RMSprop on its square, both bias-corrected.

    .. math::

        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2, \quad
        \hat m = \frac{m}{1-\beta_1^t}, \quad \hat v = \frac{v}{1-\beta_2^t}, \quad
        \theta \leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    with :math:`t = 1, 2, \dots` the step count.

    Parameters
    ----------
    beta1, beta2 : float in [0, 1), default 0.9 and 0.999
    eps : float > 0, default 1e-8

    References
    ----------
    Kingma & Ba (2015), Adam: a method for stochastic optimization, ICLR. arXiv:1412.6980

    >>> import numpy as np
    >>> opt = adam()
    >>> params = (np.array([1.0], dtype=np.float32),)
    >>> updates, state = opt.update((np.array([5.0], dtype=np.float32),), opt.init(params),
    ...                             params, 0.01)
    >>> updates[0].dtype, round(float(updates[0][0]), 6)  # first step: about -lr * sign(g)
    (dtype('float32'), -0.01)
    """
    beta1 = check_unit_interval("beta1", beta1)
    beta2 = check_unit_interval("beta2", beta2)
    eps = check_positive("eps", eps)
    return Optimizer(_adam_init, partial(_adam_update, beta1=beta1, beta2=beta2, eps=eps))


#: Optimizer names accepted by ``optimizer=`` everywhere (API, CLI, model files).
OPTIMIZERS = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}


def make(name, **hyper):
    """The optimizer called ``name`` in :data:`OPTIMIZERS`, with its hyperparameters.

    Parameters
    ----------
    name : {'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'}
    **hyper
        Keyword arguments of the rule (``momentum=``, ``decay=``, ``beta1=``, ``eps=`` ...);
        the defaults are the conventional ones.

    >>> import numpy as np
    >>> opt = make("momentum", momentum=0.5)
    >>> state = opt.init((np.zeros(3, dtype=np.float32),))
    >>> state.velocity[0].dtype
    dtype('float32')
    """
    factory = resolve("optimizer", name, OPTIMIZERS)
    accepted = signature(factory).parameters
    for key in hyper:
        if key not in accepted:
            names = ", ".join(repr(k) for k in accepted) or "none"
            raise fail(f"hyperparameters of optimizer {name!r}", f"among {names}", repr(key))
    return factory(**hyper)
