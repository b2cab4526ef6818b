r"""Weight penalties ``R(W)``: ``regularizer(W, strength, *, l1_ratio=0.5) -> (penalty, dW)``.

``penalty = strength * R(W)``. The bias is never regularized (callers pass W only). Every
regularizer takes the same keywords, so callers pass ``l1_ratio`` without asking which one
they hold; only the elastic net uses it (``l2``, ``l1`` and ``none`` accept and ignore it).
The L2 convention is CS231n's: :math:`R(W) = \sum W^2`, so ``dW = 2 * strength * W``
(no factor 1/2).

References
----------
.. [1] CS231n, "Linear classification: Regularization",
   https://cs231n.github.io/linear-classify/#reg
.. [2] H. Zou and T. Hastie, "Regularization and variable selection via the elastic net",
   J. R. Stat. Soc. B 67(2), 2005. https://doi.org/10.1111/j.1467-9868.2005.00503.x
"""

import numpy as np

from linclass import backend
from linclass._validation import check_positive, fail

__all__ = ["REGULARIZERS", "elastic_net", "l1", "l2", "none"]


def _check(W, strength):
    check_positive("reg_strength", strength, allow_zero=True)
    return np.asarray(W) if backend.is_numpy(W) else W


def l2(W, strength, *, l1_ratio=0.5):
    r"""L2 (weight decay): :math:`\lambda \sum_{kl} W_{kl}^2`, gradient :math:`2 \lambda W`.

    ``l1_ratio`` is accepted and ignored (the shared signature).

    >>> l2(np.array([1.0, 0, 0, 0]), 1.0)[0], l2(np.array([0.25] * 4), 1.0)[0]
    (1.0, 0.25)
    """
    W = _check(W, strength)
    return strength * float(backend.vdot(W, W)), (2 * strength) * W


def l1(W, strength, *, l1_ratio=0.5):
    r"""L1 (lasso): :math:`\lambda \sum_{kl} |W_{kl}|`.

    Subgradient :math:`\lambda\,\mathrm{sign}(W)`, taken as 0 at 0. ``l1_ratio`` is accepted
    and ignored (the shared signature).

    >>> l1(np.array([1.0, -2.0, 0.0]), 0.5)[0]
    1.5
    """
    W = _check(W, strength)
    xp = backend.namespace(W)
    return strength * float(xp.sum(xp.abs(W))), strength * xp.sign(W)


def elastic_net(W, strength, *, l1_ratio=0.5):
    r"""Elastic net: :math:`\lambda\,(\rho \sum |W| + (1 - \rho) \sum W^2)`.

    :math:`\rho` is ``l1_ratio``. Gradient
    :math:`\lambda\,(\rho\,\mathrm{sign}(W) + 2 (1 - \rho) W)`.

    >>> elastic_net(np.array([1.0, -2.0]), 1.0, l1_ratio=0.5)[0]
    4.0
    """
    W = _check(W, strength)
    if not 0 <= l1_ratio <= 1:
        raise fail("l1_ratio", "in [0, 1]", l1_ratio)
    p1, g1 = l1(W, strength * l1_ratio)
    p2, g2 = l2(W, strength * (1 - l1_ratio))
    return p1 + p2, g1 + g2


def none(W, strength=0.0, *, l1_ratio=0.5):
    """No regularization: penalty 0, gradient 0 (``strength`` and ``l1_ratio`` are ignored)."""
    W = np.asarray(W) if backend.is_numpy(W) else W
    return 0.0, backend.namespace(W).zeros_like(W)


#: Regularizer names accepted by ``reg=`` everywhere.
REGULARIZERS = {"l2": l2, "l1": l1, "elastic_net": elastic_net, "none": none}
