r"""Known mistakes: what a function with each of them returns, and the hint that names it.

A wrong loss or gradient is compared with the reference's answer altered by each known
mistake, alone and in pairs (one in the data term, one in the penalty): the simplest
alteration that reproduces the learner's value names the mistake. The data term's mistakes:
not dividing by N, averaging over the classes instead of the examples, counting the correct
class's own margin (always Delta), normalizing or shifting the softmax over the wrong axis,
a flipped sign; the penalty's: ``0.5 * reg * sum(W**2)`` or none at all, its gradient
``reg * W`` (half of :math:`\partial_W\, \mathrm{reg} \sum W^2 = 2\,\mathrm{reg}\,W`), doubled,
or divided by N.
"""

import numpy as np

from linclass.check._cases import DELTA
from linclass.losses import reference

__all__ = ["explain_error", "explain_gradient", "explain_loss", "explain_nonfinite"]

NO_MEAN = ("you do not divide by N: the data loss is the mean over the N examples "
           "(divide the sum by num_train = X.shape[0])")
NO_MEAN_GRAD = ("your gradient is N times too large: divide it by N (num_train) as you do "
                "the loss")
OVER_CLASSES = ("you average over the wrong axis: over the C classes instead of the N "
                "examples (sum each example's margins over the classes, axis=1, then take "
                "the mean over the examples)")
COUNT_CORRECT = ("you count the correct class's margin: skip j == y[i] (its margin "
                 "s_y - s_y + Delta is always Delta = 1, so the loss is Delta too large "
                 "per example)")
COUNT_CORRECT_GRAD = ("the correct class's column of your gradient counts the correct "
                      "class itself: zero its margin before counting the positive margins "
                      "(margins[np.arange(N), y] = 0)")
SOFTMAX_COLUMNS = ("you normalize the softmax over the wrong axis: the sum runs over the "
                   "classes of each example (axis=1, keepdims=True), not over the examples "
                   "(axis=0)")
SOFTMAX_COLUMN_MAX = ("you subtract the maximum over the wrong axis: shift each example's "
                      "scores by its own maximum (scores.max(axis=1, keepdims=True)), which "
                      "leaves the softmax unchanged; a maximum over the examples (axis=0) "
                      "changes it")
SIGN = "your gradient has the wrong sign: it must point uphill (the loss grows along it)"
NO_PENALTY = "you left out the penalty: add reg * np.sum(W * W) to the loss"
HALF_PENALTY = ("your penalty is 0.5 * reg * sum(W**2); the assignment (and linclass) use "
                "reg * np.sum(W * W)")
PENALTY_OVER_N = ("you divide the penalty by N too: add reg * np.sum(W * W) after "
                  "averaging the data loss")
HALF_PENALTY_GRAD = ("your gradient is exactly 2x too small for the penalty term: d/dW of "
                     "reg * sum(W**2) is 2 * reg * W")
NO_PENALTY_GRAD = ("your gradient lacks the penalty term: add 2 * reg * W (d/dW of "
                   "reg * sum(W**2))")
DOUBLE_PENALTY_GRAD = ("your gradient is 2x too large for the penalty term: d/dW of "
                       "reg * sum(W**2) is 2 * reg * W, not 4 * reg * W")
PENALTY_GRAD_OVER_N = ("you divide the penalty's gradient by N: add 2 * reg * W after "
                       "averaging the data gradient")


def _softmax_variants(scores, y):
    """Losses of a softmax normalized over the examples, and of one shifted by column maxima."""
    rows = np.arange(len(y))
    shifted = scores - scores.max(axis=0)
    log_columns = shifted[rows, y] - np.log(np.exp(shifted).sum(axis=0))[y]
    return [((SOFTMAX_COLUMNS,), -float(np.mean(log_columns))),
            ((SOFTMAX_COLUMN_MAX,), reference.softmax(shifted, y)[0])]


def _data_losses(kind, expect, scores, y):
    """(mistakes, data loss) for the correct data loss and each known mistake."""
    n, c = scores.shape
    offset = {"svm": DELTA, "squared_hinge": DELTA ** 2}.get(kind)
    variants = [((), expect.data_loss), ((NO_MEAN,), n * expect.data_loss),
                ((OVER_CLASSES,), n / c * expect.data_loss)]
    if offset is not None:
        variants += [((COUNT_CORRECT,), expect.data_loss + offset),
                     ((COUNT_CORRECT, NO_MEAN), n * (expect.data_loss + offset))]
    if kind == "softmax":
        variants += _softmax_variants(scores, y)
    return variants


def _close(obtained, value, rtol):
    scale = max(1.0, float(np.max(np.abs(value))))
    return bool(np.all(np.abs(np.asarray(obtained) - value) <= rtol * scale))


def _first_match(obtained, variants, rtol):
    """The hints of the simplest variant equal to ``obtained`` (None: no match)."""
    for mistakes, value in sorted(variants, key=lambda v: len(v[0])):
        if _close(obtained, value, rtol):
            return mistakes
    return None


def explain_loss(obtained, case, expect, kind, rtol):
    """Hints for a wrong loss (empty when it is right), or None when no mistake explains it."""
    n = len(case.y)
    penalties = [((), expect.penalty)]
    if expect.penalty:
        penalties += [((NO_PENALTY,), 0.0), ((HALF_PENALTY,), 0.5 * expect.penalty),
                      ((PENALTY_OVER_N,), expect.penalty / n)]
    variants = [(data + pen, d + p) for data, d in
                _data_losses(kind, expect, case.score_matrix(), case.y)
                for pen, p in penalties]
    return _first_match(obtained, variants, rtol)


def explain_gradient(obtained, case, data_grad, penalty_grad, kind, rtol):
    """Hints for a wrong gradient, given its correct data and penalty parts.

    ``data_grad`` is the reference's (or, in the gradient check, the numerical gradient of
    the learner's own loss less the correct penalty gradient).
    """
    n, c = len(case.y), case.score_matrix().shape[1]
    data = [((), data_grad), ((NO_MEAN_GRAD,), n * data_grad),
            ((OVER_CLASSES,), n / c * data_grad), ((SIGN,), -data_grad)]
    onehot = np.eye(c)[case.y] / n  # (N, C)
    if kind == "svm":  # the vectorized version's count of the correct class's own margin
        data.append(((COUNT_CORRECT_GRAD,), data_grad - _back(case, onehot)))
    if kind == "softmax":  # probabilities normalized over the examples
        shifted = np.exp(case.score_matrix() - case.score_matrix().max(axis=0))
        data.append(((SOFTMAX_COLUMNS,), _back(case, shifted / shifted.sum(axis=0) / n - onehot)))
    penalties = [((), penalty_grad)]
    if np.any(penalty_grad):
        penalties += [((HALF_PENALTY_GRAD,), 0.5 * penalty_grad), ((NO_PENALTY_GRAD,), 0.0),
                      ((DOUBLE_PENALTY_GRAD,), 2 * penalty_grad),
                      ((PENALTY_GRAD_OVER_N,), penalty_grad / n)]
    variants = [(dm + pm, d + p) for dm, d in data for pm, p in penalties]
    return _first_match(obtained, variants, rtol)


def _back(case, dscores):
    """A score gradient taken back to the function's input: ``X.T @ dscores`` or itself."""
    return dscores if case.W is None else case.X.astype(np.float64).T @ dscores


def explain_nonfinite(kind, dtype):
    """The hint for a NaN or infinite loss or gradient."""
    if kind == "softmax":
        limit = "709.8 in float64" if np.dtype(dtype) == np.float64 else "88.7 in float32"
        return ("your softmax is numerically unstable: np.exp overflows for scores above "
                f"{limit} (inf / inf = NaN). Subtract each row's maximum first, "
                "scores - scores.max(axis=1, keepdims=True): the softmax is unchanged by it")
    return ("your function returned NaN or inf: look for a division by zero or an "
            "overflow (np.exp, a power)")


def explain_error(outcome):
    """The hint for a call that raised or returned the wrong thing."""
    if outcome.exception in ("ValueError", "IndexError") and (
            "shape" in outcome.error or "broadcast" in outcome.error
            or "out of bounds" in outcome.error):
        return ("a shape error often comes from a sum over the wrong axis: axis=1 runs over "
                "the classes of one example, axis=0 over the examples; keep the summed axis "
                "(keepdims=True) to broadcast the result back")
    if outcome.exception == "TypeError" and "positional argument" in outcome.error:
        return ("it takes other arguments than it was given: the assignment's signature is "
                "f(W, X, y, reg), linclass's f(scores, y) (choose with --signature)")
    if outcome.exception is None:
        return "return the pair (loss, gradient), the gradient of the same shape as W or scores"
    return "fix the error at the line shown; the case's shapes are in its name"
