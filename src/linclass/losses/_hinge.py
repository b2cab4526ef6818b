r"""The four multiclass SVM losses, vectorized.

References
----------
.. [1] J. Weston and C. Watkins, "Support Vector Machines for Multi-Class Pattern
   Recognition", ESANN 1999.
.. [2] K. Crammer and Y. Singer, "On the Algorithmic Implementation of Multiclass
   Kernel-based Vector Machines", JMLR 2, 2001.
.. [3] R. Rifkin and A. Klautau, "In Defense of One-Vs-All Classification", JMLR 5, 2004.
.. [4] CS231n, "Linear classification: Support Vector Machine, Softmax",
   https://cs231n.github.io/linear-classify/
.. [5] Y. Nesterov, "Smooth minimization of non-smooth functions", Math. Program. 103, 2005.

Smoothing (``smoothing`` :math:`\mu > 0`, in score units; 0 gives the hinge itself). The
non-smooth hinges have no gradient at their kink, where the solution lies; a full-batch
solver minimizes their entropy-smoothed forms [5]_ instead, infinitely differentiable and
each a stated distance above the hinge:

- ``svm`` and ``one_vs_all``: every hinge :math:`\max(0, z)` becomes the softplus

  .. math::

      h_\mu(z) = \mu \log(1 + e^{z / \mu}), \qquad
      h_\mu'(z) = \sigma(z / \mu) = \tfrac{1}{2}(1 + \tanh(z / (2\mu))),

  with :math:`\max(0, z) \le h_\mu(z) \le \max(0, z) + \mu \log 2`;
- ``crammer_singer``: :math:`\max(0, \max_{j \ne y} z_j)` becomes the log-sum-exp
  :math:`\mu \log(1 + \sum_{j \ne y} e^{z_j / \mu})` (its gradient the softmax of
  :math:`z / \mu`), within :math:`[0, \mu \log C]` above it.

So a row's smoothed loss lies within :data:`SMOOTHING_GAP` :math:`(C) \cdot \mu` above its
hinge loss, and the hinge objective at the smoothed minimizer exceeds the hinge objective's
minimum by at most that (times the mean row weight).
"""

import numpy as np

from linclass import backend
from linclass._validation import check_positive
from linclass.backend import check_scores_labels
from linclass.losses._weights import check_weights, scale_rows, weighted_total

#: How far a row's smoothed loss may lie above its hinge loss, per unit of ``smoothing``, for
#: C classes (see the module notes): C - 1 softplus hinges, C of them, one log-sum-exp.
SMOOTHING_GAP = {
    "svm": lambda c: (c - 1) * float(np.log(2)),
    "one_vs_all": lambda c: c * float(np.log(2)),
    "crammer_singer": lambda c: float(np.log(c)),
}


def _hinge_(z, smoothing):
    """``(h(z), h'(z))`` of the hinge (``smoothing`` 0) or the softplus hinge, z overwritten
    (an entry of -inf gives 0 and slope 0)."""
    xp = backend.namespace(z)
    if smoothing == 0:
        slope = xp.astype(z > 0, z.dtype)
        backend.maximum_(z, 0)
        return z, slope
    z /= smoothing  # t = z / mu
    slope = xp.tanh(z / 2)
    slope += 1
    slope /= 2  # sigma(t), without overflow
    tail = xp.log1p(xp.exp(-xp.abs(z)))  # log(1 + e^t) = max(t, 0) + log(1 + e^-|t|)
    backend.maximum_(z, 0)
    z += tail
    z *= smoothing
    return z, slope


def _margins(scores: np.ndarray, y: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """``m_ij = s_ij - s_iy_i + margin`` with the correct class's own entry set to 0."""
    rows = backend.arange(scores.shape[0], scores)
    correct = scores[rows, y][:, None]  # (N, 1)
    margins = scores - correct
    margins += margin  # (N, C), in the dtype of scores
    margins[rows, y] = 0
    return margins, rows


def svm(scores, y, *, margin=1.0, smoothing=0.0):
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
    smoothing : float, the softplus width :math:`\mu \ge 0` (module notes; 0: the hinge)

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
    return weighted_svm(scores, y, None, margin=margin, smoothing=smoothing)


def weighted_svm(scores, y, weights, *, margin=1.0, smoothing=0.0):
    """:func:`svm` with row weights: ``(sum_i w_i L_i, w_i dL_i/ds_i)`` (None: the mean)."""
    scores, y = check_scores_labels(scores, y)
    check_positive("margin", margin)
    check_positive("smoothing", smoothing, allow_zero=True)
    weights = check_weights(weights, scores)
    margins, rows = _margins(scores, y, margin)
    if smoothing != 0:  # the correct class is no hinge: h(-inf) = 0, slope 0
        margins[rows, y] = -np.inf
    hinges, dscores = _hinge_(margins, smoothing)
    loss = weighted_total(hinges, weights)
    dscores[rows, y] = -dscores.sum(axis=1)
    return loss, scale_rows(dscores, weights)


def squared_hinge(scores, y, *, margin=1.0, smoothing=0.0):
    r"""Weston–Watkins multiclass SVM with squared hinges (L2-SVM).

    .. math::

        L = \frac{1}{N} \sum_i \sum_{j \ne y_i} \max(0,\; s_{ij} - s_{iy_i} + \Delta)^2

        \frac{\partial L}{\partial s_{ij}} = \frac{2}{N} \max(0,\; s_{ij} - s_{iy_i} + \Delta)
        \quad (j \ne y_i), \qquad
        \frac{\partial L}{\partial s_{iy_i}} = -\sum_{j \ne y_i} \frac{\partial L}{\partial s_{ij}}

    Squared hinges penalize violated margins more strongly and are differentiable at the
    hinge, so ``smoothing`` is accepted and not used. Shapes and dtypes as :func:`svm`.

    >>> loss, _ = squared_hinge(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    >>> round(loss, 2)
    8.41
    """
    return weighted_squared_hinge(scores, y, None, margin=margin)


def weighted_squared_hinge(scores, y, weights, *, margin=1.0, smoothing=0.0):
    """:func:`squared_hinge` with row weights (None: the mean); ``smoothing`` is not used."""
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


def crammer_singer(scores, y, *, margin=1.0, smoothing=0.0):
    r"""Crammer–Singer (structured) multiclass SVM: a margin to the best wrong class only.

    .. math::

        L = \frac{1}{N} \sum_i \max\bigl(0,\; \Delta + \max_{j \ne y_i} s_{ij} - s_{iy_i}\bigr)

        \frac{\partial L}{\partial s_{ik}} = \frac{1}{N}\,\mathbb{1}[\text{active}_i]
        \,(\mathbb{1}[k = j^*_i] - \mathbb{1}[k = y_i]),
        \quad j^*_i = \arg\max_{j \ne y_i} s_{ij}

    Ties for the best wrong class take the first (lowest index). With :math:`\Delta = 1`
    this is the multiclass form of scikit-learn's ``hinge_loss``. With ``smoothing``
    :math:`\mu > 0` the row loss is :math:`\mu \log(1 + \sum_{j \ne y_i}
    e^{(s_{ij} - s_{iy_i} + \Delta)/\mu})` (module notes). Shapes and dtypes as :func:`svm`.

    >>> loss, _ = crammer_singer(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    >>> round(loss, 2)
    2.9
    """
    return weighted_crammer_singer(scores, y, None, margin=margin, smoothing=smoothing)


def weighted_crammer_singer(scores, y, weights, *, margin=1.0, smoothing=0.0):
    """:func:`crammer_singer` with row weights (None: the mean)."""
    scores, y = check_scores_labels(scores, y)
    check_positive("margin", margin)
    check_positive("smoothing", smoothing, allow_zero=True)
    weights = check_weights(weights, scores)
    if smoothing != 0:
        return _smoothed_crammer_singer(scores, y, weights, margin, smoothing)
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


def _smoothed_crammer_singer(scores, y, weights, margin, smoothing):
    """mu log sum_j exp(z_ij / mu) with z_iy = 0 (the "0" of the hinge) and z_ij the margins:
    a softmax of z / mu, shifted by its row maximum."""
    xp = backend.namespace(scores)
    margins, rows = _margins(scores, y, margin)  # (N, C), the correct class's entry 0
    margins /= smoothing
    top = xp.max(margins, axis=1, keepdims=True)  # (N, 1), >= 0
    margins -= top
    probs = backend.exp_(margins)  # (N, C)
    total = xp.sum(probs, axis=1)  # (N,), >= 1
    row_loss = xp.log(total)
    row_loss += top[:, 0]
    row_loss *= smoothing
    loss = weighted_total(row_loss, weights)
    probs /= total[:, None]
    probs[rows, y] = 0
    probs[rows, y] = -probs.sum(axis=1)
    return loss, scale_rows(probs, weights)


def one_vs_all(scores, y, *, margin=1.0, smoothing=0.0):
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
    return weighted_one_vs_all(scores, y, None, margin=margin, smoothing=smoothing)


def weighted_one_vs_all(scores, y, weights, *, margin=1.0, smoothing=0.0):
    """:func:`one_vs_all` with row weights (None: the mean)."""
    scores, y = check_scores_labels(scores, y)
    check_positive("margin", margin)
    check_positive("smoothing", smoothing, allow_zero=True)
    weights = check_weights(weights, scores)
    xp = backend.namespace(scores)
    rows = backend.arange(scores.shape[0], scores)
    targets = xp.full_like(scores, -1)
    targets[rows, y] = 1
    hinge, slope = _hinge_(margin - targets * scores, smoothing)  # (N, C)
    loss = weighted_total(hinge, weights)
    dscores = -targets * slope  # (N, C): -t_ij h'(margin - t_ij s_ij)
    return loss, scale_rows(dscores, weights)
