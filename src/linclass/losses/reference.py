"""The losses as the lecture writes them: one loop per sample, one per class.

These are the readable definitions and the oracle for the vectorized versions in
:mod:`linclass.losses`; the tests require identical results. Training never calls them.
Each takes ``scores (N, C)`` and labels ``y (N,)`` and returns ``(mean loss, dscores)``.
The smoothed hinges (``smoothing`` mu > 0) are written out the same way: the softplus hinge
``h(m) = mu log(1 + exp(m / mu))``, and Crammer-Singer's ``mu log(1 + sum_j exp(m_j / mu))``.
"""

import math

import numpy as np

from linclass.backend import check_scores_labels

__all__ = ["crammer_singer", "least_squares", "one_vs_all", "softmax", "squared_hinge", "svm"]


def _hinge(m, smoothing):
    """``(h(m), h'(m))``: the hinge max(0, m), or its softplus form of width ``smoothing``."""
    if smoothing == 0:
        return (m, 1.0) if m > 0 else (0.0, 0.0)
    t = m / smoothing
    value = smoothing * (max(t, 0.0) + math.log1p(math.exp(-abs(t))))
    return value, 1 / (1 + math.exp(-t)) if t > -700 else 0.0


def svm(scores, y, *, margin=1.0, smoothing=0.0):
    """Weston–Watkins: ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)``."""
    scores, y = check_scores_labels(scores, y)
    n, c = scores.shape
    loss = 0.0
    dscores = np.zeros_like(scores)
    for i in range(n):
        for j in range(c):
            if j == y[i]:
                continue
            h, slope = _hinge(scores[i, j] - scores[i, y[i]] + margin, smoothing)
            loss += h
            dscores[i, j] += slope
            dscores[i, y[i]] -= slope
    return loss / n, dscores / n


def squared_hinge(scores, y, *, margin=1.0, smoothing=0.0):
    """``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin) ** 2``."""
    scores, y = check_scores_labels(scores, y)
    n, c = scores.shape
    loss = 0.0
    dscores = np.zeros_like(scores)
    for i in range(n):
        for j in range(c):
            if j == y[i]:
                continue
            m = scores[i, j] - scores[i, y[i]] + margin
            if m > 0:
                loss += m * m
                dscores[i, j] += 2 * m
                dscores[i, y[i]] -= 2 * m
    return loss / n, dscores / n


def crammer_singer(scores, y, *, margin=1.0, smoothing=0.0):
    """``L_i = max(0, margin + max_{j != y_i} s_j - s_{y_i})``; ties go to the first class."""
    scores, y = check_scores_labels(scores, y)
    n, c = scores.shape
    loss = 0.0
    dscores = np.zeros_like(scores)
    for i in range(n):
        if smoothing > 0:  # mu log(1 + sum_{j != y_i} e^{m_j / mu}), shifted by the largest
            m = [scores[i, j] - scores[i, y[i]] + margin for j in range(c) if j != y[i]]
            top = max(0.0, *m)
            total = math.exp(-top / smoothing) + sum(math.exp((mj - top) / smoothing)
                                                     for mj in m)
            loss += top + smoothing * math.log(total)
            wrong = [j for j in range(c) if j != y[i]]
            for j, mj in zip(wrong, m, strict=True):
                p = math.exp((mj - top) / smoothing) / total
                dscores[i, j] += p
                dscores[i, y[i]] -= p
            continue
        best = None
        for j in range(c):
            if j != y[i] and (best is None or scores[i, j] > scores[i, best]):
                best = j
        m = margin + scores[i, best] - scores[i, y[i]]
        if m > 0:
            loss += m
            dscores[i, best] += 1
            dscores[i, y[i]] -= 1
    return loss / n, dscores / n


def one_vs_all(scores, y, *, margin=1.0, smoothing=0.0):
    """``L_i = sum_j max(0, margin - t_j s_j)`` with ``t_j = +1`` for ``j = y_i``, else -1."""
    scores, y = check_scores_labels(scores, y)
    n, c = scores.shape
    loss = 0.0
    dscores = np.zeros_like(scores)
    for i in range(n):
        for j in range(c):
            t = 1 if j == y[i] else -1
            h, slope = _hinge(margin - t * scores[i, j], smoothing)
            loss += h
            dscores[i, j] -= t * slope
    return loss / n, dscores / n


def softmax(scores, y, *, margin=1.0, smoothing=0.0):
    """``L_i = -log(exp(s_{y_i}) / sum_j exp(s_j))``, shifted by the row maximum (no margin)."""
    scores, y = check_scores_labels(scores, y)
    n, c = scores.shape
    loss = 0.0
    dscores = np.zeros_like(scores)
    for i in range(n):
        top = max(scores[i, j] for j in range(c))
        total = sum(math.exp(scores[i, j] - top) for j in range(c))
        loss += -(scores[i, y[i]] - top) + math.log(total)
        for j in range(c):
            p = math.exp(scores[i, j] - top) / total
            dscores[i, j] = p - (1 if j == y[i] else 0)
    return loss / n, dscores / n


def least_squares(scores, y, *, margin=1.0, smoothing=0.0):
    """``L_i = 1/2 sum_j (s_j - t_j) ** 2`` with ``t_j = +margin`` for ``j = y_i``, else -margin."""
    scores, y = check_scores_labels(scores, y)
    n, c = scores.shape
    loss = 0.0
    dscores = np.zeros_like(scores)
    for i in range(n):
        for j in range(c):
            t = margin if j == y[i] else -margin
            r = scores[i, j] - t
            loss += 0.5 * r * r
            dscores[i, j] = r
    return loss / n, dscores / n
