"""Regularized least-squares classification: one-vs-all squared error on +-Delta targets.

References
----------
.. [1] R. Rifkin and A. Klautau, "In Defense of One-Vs-All Classification", JMLR 5, 2004.
.. [2] scikit-learn, ``sklearn.linear_model.RidgeClassifier``.
"""

from linclass import backend
from linclass._validation import check_positive
from linclass.backend import check_scores_labels
from linclass.losses._weights import check_weights, scale_rows, weighted_total


def least_squares(scores, y, *, margin=1.0, smoothing=0.0):
    r"""One-vs-all least squares (RLSC, the loss of scikit-learn's ``RidgeClassifier``).

    With targets :math:`t_{ij} = +\Delta` if :math:`j = y_i` and :math:`-\Delta` otherwise,

    .. math::

        L = \frac{1}{N} \sum_i \frac{1}{2} \sum_j (s_{ij} - t_{ij})^2,
        \qquad
        \frac{\partial L}{\partial s_{ij}} = \frac{1}{N}\,(s_{ij} - t_{ij})

    The margin :math:`\Delta` only scales the targets (and with them the minimizer of an L2
    regularized objective), so predictions do not depend on it; :math:`\Delta = 1` is
    Rifkin and Klautau's :math:`\pm 1` coding. Unlike the hinge losses, rows scored beyond
    their targets are penalized too. The objective is quadratic in the weights, so
    ``optimizer="exact"`` (:mod:`linclass.ridge`) solves it in closed form.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
    y : ndarray of shape (N,), integer labels in [0, C)
    margin : float, the target magnitude :math:`\Delta > 0`
    smoothing : float, accepted and not used (the loss is smooth)

    Returns
    -------
    loss : float, the mean loss
    dscores : ndarray of shape (N, C), same dtype as ``scores``

    Examples
    --------
    The lecture's cat image, scored 3.2 (cat), 5.1 (car), -1.7 (frog):
    (2.2^2 + 6.1^2 + 0.7^2) / 2 = 21.27

    >>> import numpy as np
    >>> loss, _ = least_squares(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    >>> round(loss, 2)
    21.27
    """
    return weighted_least_squares(scores, y, None, margin=margin)


def weighted_least_squares(scores, y, weights, *, margin=1.0, smoothing=0.0):
    """:func:`least_squares` with row weights (None: the mean)."""
    scores, y = check_scores_labels(scores, y)
    check_positive("margin", margin)
    weights = check_weights(weights, scores)
    rows = backend.arange(scores.shape[0], scores)
    residuals = scores + margin  # (N, C): s_ij - t_ij for the wrong classes
    residuals[rows, y] -= 2 * margin  # the correct class's target is +margin
    loss = 0.5 * weighted_total(residuals, weights, squared=True)
    return loss, scale_rows(residuals, weights)
