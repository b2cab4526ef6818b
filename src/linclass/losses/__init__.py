"""Data losses on class scores: ``loss(scores, y, ...) -> (mean loss, dscores)``.

Every loss takes scores ``(N, C)`` (float32 or float64, kept as given) and integer labels
``(N,)`` in ``[0, C)``, and returns the mean loss over the N rows with its gradient with
respect to the scores, ``dscores (N, C)`` in the dtype of ``scores``. The linear model is
written once elsewhere (:func:`linclass.linear_loss`): ``dW = X.T @ dscores``.

``linclass.losses.reference`` holds the same losses as readable loops, the lecture's
definitions; the tests hold the two to identical results.
"""

from linclass.losses import reference
from linclass.losses._hinge import crammer_singer, one_vs_all, squared_hinge, svm
from linclass.losses._softmax import softmax, softmax_probabilities
from linclass.losses._squares import least_squares

#: Loss names accepted by ``loss=`` everywhere (API, CLI, model files).
LOSSES = {
    "svm": svm,
    "squared_hinge": squared_hinge,
    "crammer_singer": crammer_singer,
    "one_vs_all": one_vs_all,
    "softmax": softmax,
    "least_squares": least_squares,
}

__all__ = [
    "LOSSES",
    "crammer_singer",
    "least_squares",
    "one_vs_all",
    "reference",
    "softmax",
    "softmax_probabilities",
    "squared_hinge",
    "svm",
]
