"""Data losses on class scores: ``loss(scores, y, *, margin=1.0) -> (mean loss, dscores)``.

Every loss takes scores ``(N, C)`` (float32 or float64, kept as given) and integer labels
``(N,)`` in ``[0, C)``, and returns the mean loss over the N rows with its gradient with
respect to the scores, ``dscores (N, C)`` in the dtype of ``scores``. All take the same
keywords ``margin`` (softmax accepts and ignores it) and ``smoothing`` (the width of the
smoothed hinges that the full-batch solvers minimize; the smooth losses ignore it), so no
caller asks which loss it holds.
The linear model is written once elsewhere (:func:`linclass.linear_loss`): ``dW = X.T @ dscores``.

:data:`WEIGHTED` holds the same losses with row weights, ``fn(scores, y, weights, *,
margin=1.0, smoothing=0.0) -> (sum_i w_i L_i, dscores)`` with ``dscores_i = w_i dL_i/ds_i``
(``weights=None``: the mean, ``w_i = 1/N``); the objective uses them for ``sample_weight``
and ``class_weight``.

``linclass.losses.reference`` holds the same losses as readable loops, the lecture's
definitions; the tests hold the two to identical results.
"""

from linclass.losses import reference
from linclass.losses._hinge import (
    SMOOTHING_GAP,
    crammer_singer,
    one_vs_all,
    squared_hinge,
    svm,
    weighted_crammer_singer,
    weighted_one_vs_all,
    weighted_squared_hinge,
    weighted_svm,
)
from linclass.losses._softmax import softmax, softmax_probabilities, weighted_softmax
from linclass.losses._squares import least_squares, weighted_least_squares

#: Loss names accepted by ``loss=`` everywhere (API, CLI, model files).
LOSSES = {
    "svm": svm,
    "squared_hinge": squared_hinge,
    "crammer_singer": crammer_singer,
    "one_vs_all": one_vs_all,
    "softmax": softmax,
    "least_squares": least_squares,
}

#: The same losses with row weights: ``fn(scores, y, weights, *, margin=1.0, smoothing=0.0)``.
WEIGHTED = {
    "svm": weighted_svm,
    "squared_hinge": weighted_squared_hinge,
    "crammer_singer": weighted_crammer_singer,
    "one_vs_all": weighted_one_vs_all,
    "softmax": weighted_softmax,
    "least_squares": weighted_least_squares,
}

__all__ = [
    "LOSSES",
    "SMOOTHING_GAP",
    "WEIGHTED",
    "crammer_singer",
    "least_squares",
    "one_vs_all",
    "reference",
    "softmax",
    "softmax_probabilities",
    "squared_hinge",
    "svm",
]
