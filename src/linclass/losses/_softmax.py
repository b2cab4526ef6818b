"""Softmax cross-entropy, numerically stable.

References
----------
.. [1] CS231n, "Linear classification: Softmax classifier",
   https://cs231n.github.io/linear-classify/#softmax
"""

from linclass import backend
from linclass._validation import fail
from linclass.backend import check_scores_labels
from linclass.losses._weights import check_weights, scale_rows, weighted_total


def softmax_probabilities(scores):
    r"""Row-wise softmax :math:`p_{ij} = e^{s_{ij}} / \sum_k e^{s_{ik}}`, stable for any scores.

    The row maximum is subtracted first (the result is unchanged, and no exponent overflows).
    """
    xp = backend.namespace(scores)
    scores = backend.asarray(scores, backend.device_name(scores))
    if scores.ndim != 2:
        raise fail("scores", "a 2-D array (N, C)", f"shape {tuple(scores.shape)}")
    scores = backend.astype(scores, backend.float_dtype(scores))  # integers promoted
    shifted = scores - xp.max(scores, axis=1, keepdims=True)
    backend.exp_(shifted)
    shifted /= xp.sum(shifted, axis=1, keepdims=True)
    return shifted


def softmax(scores, y, *, margin=1.0, smoothing=0.0):
    r"""Softmax cross-entropy loss.

    .. math::

        L = \frac{1}{N} \sum_i \Bigl(-s_{iy_i} + \log \sum_j e^{s_{ij}}\Bigr)

        \frac{\partial L}{\partial s_{ij}} = \frac{1}{N}\,(p_{ij} - \mathbb{1}[j = y_i])

    computed with the log-sum-exp shift, so scores of 1e4 give finite results.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
    y : ndarray of shape (N,), integer labels in [0, C)
    margin : float
        Accepted and not used: cross-entropy has no margin. Every loss takes the same
        keywords, so callers pass ``margin`` without asking which loss they hold.
    smoothing : float
        Accepted and not used, likewise: cross-entropy is smooth.

    Returns
    -------
    loss : float, the mean loss
    dscores : ndarray of shape (N, C), same dtype as ``scores``

    Examples
    --------
    >>> import numpy as np
    >>> loss, _ = softmax(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    >>> round(loss, 2)
    2.04
    """
    return weighted_softmax(scores, y, None, margin=margin)


def weighted_softmax(scores, y, weights, *, margin=1.0, smoothing=0.0):
    """:func:`softmax` with row weights (None: the mean); ``margin`` and ``smoothing``
    are not used."""
    scores, y = check_scores_labels(scores, y)
    weights = check_weights(weights, scores)
    xp = backend.namespace(scores)
    rows = backend.arange(scores.shape[0], scores)
    shifted = scores - xp.max(scores, axis=1, keepdims=True)  # (N, C), max entry 0
    exp = xp.exp(shifted)
    sum_exp = xp.sum(exp, axis=1)  # (N,)
    row_loss = xp.log(sum_exp)
    row_loss -= shifted[rows, y]  # (N,): log sum_j e^{s_ij} - s_iy_i, shifted
    loss = weighted_total(row_loss, weights)
    dscores = exp
    dscores /= sum_exp[:, None]
    dscores[rows, y] -= 1
    return loss, scale_rows(dscores, weights)
