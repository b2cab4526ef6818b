"""The four multiclass SVM losses, vectorized.

References
----------
.. [1] J. Weston and C. Watkins, "Support Vector Machines for Multi-Class Pattern
   Recognition", ESANN 1999.
.. [2] K. Crammer and Y. Singer, "On the Algorithmic Implementation of Multiclass
   Kernel-based Vector Machines", JMLR 2, 2001.
.. [3] R. Rifkin and A. Klautau, "In Defense of One-Vs-All Classification", JMLR 5, 2004.
.. [4] CS231n, "Linear classification: Support Vector Machine, Softmax",
   https://cs231n.github.io/linear-classify/
"""

import numpy as np

from linclass import backend
from linclass._validation import check_positive
from linclass.backend import check_scores_labels
from linclass.losses._weights import check_weights, scale_rows, weighted_total


def _margins(scores: np.ndarray, y: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """``m_ij = s_ij - s_iy_i + margin`` with the correct class's own entry set to 0."""
    rows = backend.arange(scores.shape[0], scores)
    correct = scores[rows, y][:, None]  # (N, 1)
    margins = scores - correct
    margins += margin  # (N, C), in the dtype of scores
    margins[rows, y] = 0
    return margins, rows


def svm(scores, y, *, margin=1.0):
    r"""Weston–Watkins multiclass SVM (hinge) loss, the CS231n "multiclass SVM".

    .. math::

        L = \frac{1}{N} \sum_i \sum_{j \ne y_i} \max(0,\; s_{ij} - s_{iy_i} + \Delta)

        \frac{\partial L}{\partial s_{ij}} = \frac{1}{N} \mathbb{1}[s_{ij} - s_{iy_i} + \Delta > 0]
        \quad (j \ne y_i), \qquad
        \frac{\partial L}{\partial s_{iy_i}} = -\sum_{j \ne y_i} \frac{\partial L}{\partial s_{ij}}

    Parameters
    ----------
    scores : ndarray of shape (N, C)
    y : ndarray of shape (N,), integer labels in [0, C)
    margin : float, the margin :math:`\Delta > 0`

    Returns
    -------
    loss : float, the mean loss
    dscores : ndarray of shape (N, C), same dtype as ``scores``

    Examples
    --------
    The lecture's cat image, scored 3.2 (cat), 5.1 (car), -1.7 (frog):

    >>> loss, _ = svm(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    >>> round(loss, 2)
    2.9
    """
    return weighted_svm(scores, y, None, margin=margin)


def weighted_svm(scores, y, weights, *, margin=1.0):
    """:func:`svm` with row weights: ``(sum_i w_i L_i, w_i dL_i/ds_i)`` (None: the mean)."""
    scores, y = check_scores_labels(scores, y)
    check_positive("margin", margin)
    weights = check_weights(weights, scores)
    margins, rows = _margins(scores, y, margin)
    backend.maximum_(margins, 0)
    loss = weighted_total(margins, weights)
    dscores = backend.namespace(scores).astype(margins > 0, scores.dtype)
    dscores[rows, y] = -dscores.sum(axis=1)
    return loss, scale_rows(dscores, weights)


def squared_hinge(scores, y, *, margin=1.0):
    r"""Weston–Watkins multiclass SVM with squared hinges (L2-SVM).

    .. math::

        L = \frac{1}{N} \sum_i \sum_{j \ne y_i} \max(0,\; s_{ij} - s_{iy_i} + \Delta)^2

        \frac{\partial L}{\partial s_{ij}} = \frac{2}{N} \max(0,\; s_{ij} - s_{iy_i} + \Delta)
        \quad (j \ne y_i), \qquad
        \frac{\partial L}{\partial s_{iy_i}} = -\sum_{j \ne y_i} \frac{\partial L}{\partial s_{ij}}

    Squared hinges penalize violated margins more strongly and are differentiable at the
    hinge. Shapes and dtypes as :func:`svm`.

    >>> loss, _ = squared_hinge(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    >>> round(loss, 2)
    8.41
    """
    return weighted_squared_hinge(scores, y, None, margin=margin)


def weighted_squared_hinge(scores, y, weights, *, margin=1.0):
    """:func:`squared_hinge` with row weights (None: the mean)."""
    scores, y = check_scores_labels(scores, y)
    check_positive("margin", margin)
    weights = check_weights(weights, scores)
    margins, rows = _margins(scores, y, margin)
    backend.maximum_(margins, 0)
    loss = weighted_total(margins, weights, squared=True)
    dscores = margins
    dscores *= 2
    dscores[rows, y] = -dscores.sum(axis=1)
    return loss, scale_rows(dscores, weights)


def crammer_singer(scores, y, *, margin=1.0):
    r"""Crammer–Singer (structured) multiclass SVM: a margin to the best wrong class only.

    .. math::

        L = \frac{1}{N} \sum_i \max\bigl(0,\; \Delta + \max_{j \ne y_i} s_{ij} - s_{iy_i}\bigr)

        \frac{\partial L}{\partial s_{ik}} = \frac{1}{N}\,\mathbb{1}[\text{active}_i]
        \,(\mathbb{1}[k = j^*_i] - \mathbb{1}[k = y_i]),
        \quad j^*_i = \arg\max_{j \ne y_i} s_{ij}

    Ties for the best wrong class take the first (lowest index). With :math:`\Delta = 1`
    this is the multiclass form of scikit-learn's ``hinge_loss``. Shapes and dtypes as
    :func:`svm`.

    >>> loss, _ = crammer_singer(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    >>> round(loss, 2)
    2.9
    """
    return weighted_crammer_singer(scores, y, None, margin=margin)


def weighted_crammer_singer(scores, y, weights, *, margin=1.0):
    """:func:`crammer_singer` with row weights (None: the mean)."""
    scores, y = check_scores_labels(scores, y)
    check_positive("margin", margin)
    weights = check_weights(weights, scores)
    xp = backend.namespace(scores)
    rows = backend.arange(scores.shape[0], scores)
    wrong = xp.asarray(scores, copy=True)
    wrong[rows, y] = -np.inf
    best_wrong = xp.argmax(wrong, axis=1)  # (N,)
    hinge = scores[rows, best_wrong] - scores[rows, y] + margin  # (N,)
    active = hinge > 0
    backend.maximum_(hinge, 0)
    loss = weighted_total(hinge, weights)
    step = scale_rows(xp.astype(active, scores.dtype)[:, None], weights)[:, 0]
    dscores = xp.zeros_like(scores)
    dscores[rows, best_wrong] = step
    dscores[rows, y] = -step
    return loss, dscores


def one_vs_all(scores, y, *, margin=1.0):
    r"""One-vs-all hinge loss: an independent binary SVM per class.

    With targets :math:`t_{ij} = +1` if :math:`j = y_i` and :math:`-1` otherwise,

    .. math::

        L = \frac{1}{N} \sum_i \sum_j \max(0,\; \Delta - t_{ij} s_{ij})

        \frac{\partial L}{\partial s_{ij}} = -\frac{1}{N}\, t_{ij}\,
        \mathbb{1}[\Delta - t_{ij} s_{ij} > 0]

    Shapes and dtypes as :func:`svm`.

    >>> loss, _ = one_vs_all(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    >>> round(loss, 2)
    6.1
    """
    return weighted_one_vs_all(scores, y, None, margin=margin)


def weighted_one_vs_all(scores, y, weights, *, margin=1.0):
    """:func:`one_vs_all` with row weights (None: the mean)."""
    scores, y = check_scores_labels(scores, y)
    check_positive("margin", margin)
    weights = check_weights(weights, scores)
    xp = backend.namespace(scores)
    rows = backend.arange(scores.shape[0], scores)
    targets = xp.full_like(scores, -1)
    targets[rows, y] = 1
    hinge = margin - targets * scores  # (N, C)
    active = hinge > 0
    backend.maximum_(hinge, 0)
    loss = weighted_total(hinge, weights)
    dscores = -targets * xp.astype(active, scores.dtype)  # (N, C): -t_ij where active
    return loss, scale_rows(dscores, weights)
