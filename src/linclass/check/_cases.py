r"""The inputs a learner's function is called with, and what the reference says it returns.

A :class:`Case` is one call: scores ``(N, C)`` and labels for the scores signature, or
``W (D, C)``, ``X (N, D)``, labels and ``reg`` for the assignment's, where the expected
result is the lecture's objective

.. math::  L = \frac{1}{N} \sum_i L_i(x_i W, y_i) + \mathrm{reg} \sum_{kl} W_{kl}^2,
           \qquad \frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial S}
           + 2\,\mathrm{reg}\, W

with the data loss from :mod:`linclass.losses.reference`, evaluated in float64. Cases given
as scores reach the assignment's signature as ``X = I`` (N x N) and ``W = scores``, with
``reg = 0``, so that ``X @ W`` is exactly those scores.
"""

import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import linclass
from linclass.losses import reference

__all__ = ["DELTA", "Case", "Expected", "Outcome", "call", "expected", "kink_distance",
           "random_case", "scores_case"]

#: The margin Delta of the assignment's SVM (and linclass's default).
DELTA = 1.0

#: Frames in these folders are not the learner's (an error's line is reported in their file).
_LIBRARIES = tuple(str(Path(m.__file__).parent) for m in (np, linclass))


@dataclass(frozen=True)
class Case:
    """One call of the checked function; ``X``/``W`` are None for the scores signature."""

    label: str
    y: np.ndarray
    scores: np.ndarray | None = None
    X: np.ndarray | None = None
    W: np.ndarray | None = None
    reg: float = 0.0

    @property
    def inputs(self):
        """The arrays passed, by parameter name, in call order."""
        if self.W is None:
            return {"scores": self.scores, "y": self.y}
        return {"W": self.W, "X": self.X, "y": self.y}

    @property
    def grad_name(self):
        return "dscores" if self.W is None else "dW"

    @property
    def dtype(self):
        return (self.scores if self.W is None else self.W).dtype

    def score_matrix(self):
        """The scores in float64: ``scores`` itself, or ``X @ W``."""
        if self.W is None:
            return self.scores.astype(np.float64)
        return self.X.astype(np.float64) @ self.W.astype(np.float64)  # (N, D) @ (D, C)

    def args(self):
        """Fresh copies of the inputs (and ``reg``), ready to pass."""
        args = tuple(a.copy() for a in self.inputs.values())
        return args if self.W is None else args + (self.reg,)


@dataclass(frozen=True)
class Expected:
    """The reference's answer to a case: data loss and score gradient, penalty, totals."""

    data_loss: float
    dscores: np.ndarray
    data_grad: np.ndarray  # X.T @ dscores, or dscores
    penalty: float
    penalty_grad: np.ndarray | float
    loss: float
    grad: np.ndarray


def expected(case, kind):
    """What ``linclass.losses.reference.<kind>`` (plus the L2 penalty) gives for ``case``."""
    loss_fn = getattr(reference, kind)
    data_loss, dscores = loss_fn(case.score_matrix(), case.y, margin=DELTA)
    if case.W is None:
        return Expected(data_loss, dscores, dscores, 0.0, 0.0, data_loss, dscores)
    W = case.W.astype(np.float64)
    data_grad = case.X.astype(np.float64).T @ dscores  # (D, N) @ (N, C) -> (D, C)
    penalty, penalty_grad = case.reg * float(np.sum(W * W)), 2 * case.reg * W
    return Expected(data_loss, dscores, data_grad, penalty, penalty_grad,
                    data_loss + penalty, data_grad + penalty_grad)


@dataclass(frozen=True)
class Outcome:
    """What one call gave: ``loss`` and ``grad`` (float64), or an ``error`` in words.

    ``changed`` lists ``(name, index, before, after)`` for each input the call modified.
    """

    loss: float | None = None
    grad: np.ndarray | None = None
    error: str | None = None
    exception: str | None = None
    changed: tuple = ()


def call(func, case):
    """Call ``func`` on fresh copies of the case's inputs and check what comes back."""
    args = case.args()
    passed = args[:len(case.inputs)]  # the arrays, without reg
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # NaN is reported instead
            warnings.simplefilter("ignore")
            result = func(*args)
    except Exception as error:  # the learner's bug, reported as a failed case
        return Outcome(error=f"raised {type(error).__name__}: {error}{_where(error)}",
                       exception=type(error).__name__,
                       changed=tuple(_changed(case.inputs, passed)))
    changed = tuple(_changed(case.inputs, passed))
    shape = case.inputs[next(iter(case.inputs))].shape
    if not isinstance(result, tuple | list) or len(result) != 2:
        return Outcome(error=f"returned {_kind_of(result)}, not a pair (loss, "
                             f"{case.grad_name})", changed=changed)
    try:
        loss = float(np.asarray(result[0]).reshape(()))
    except (TypeError, ValueError):
        return Outcome(error=f"returned loss {_kind_of(result[0])}, not a number",
                       changed=changed)
    grad = np.asarray(result[1])
    if grad.shape != shape or not np.issubdtype(grad.dtype, np.number):
        return Outcome(error=f"returned {case.grad_name} of shape {grad.shape}, expected "
                             f"{shape}, the shape of {next(iter(case.inputs))}",
                       changed=changed)
    return Outcome(loss=loss, grad=grad.astype(np.float64), changed=changed)


def _kind_of(value):
    shape = getattr(value, "shape", None)
    return f"a {type(value).__name__}" + (f" of shape {shape}" if shape is not None else "")


def _where(error):
    """`` (line 12 of my_code.py: `loss += margin`)``: the deepest frame of the learner's."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith(_LIBRARIES)]
    if not frames:
        return ""
    frame = frames[-1]
    source = f": `{frame.line.strip()}`" if frame.line else ""
    return f" (line {frame.lineno} of {frame.filename.rsplit('/', 1)[-1]}{source})"


def _changed(before, after):
    for (name, original), now in zip(before.items(), after, strict=True):
        if not np.array_equal(original, now, equal_nan=True):
            index = tuple(int(i) for i in np.argwhere(original != now)[0])
            yield name, index, original[index].item(), now[index].item()


def kink_distance(kind, scores, y):
    """How far ``scores`` are from the loss's kinks (inf for the smooth losses).

    The hinge losses are not differentiable where a margin is 0 (and Crammer–Singer also where
    two competing scores tie); a gradient check needs the points a step h around the
    scores to lie on one side of each kink.
    """
    rows = np.arange(len(y))
    correct = scores[rows, y][:, None]
    if kind in ("svm", "squared_hinge"):
        margins = scores - correct + DELTA
        margins[rows, y] = np.inf
        return float(np.min(np.abs(margins)))
    if kind == "one_vs_all":
        signs = np.where(np.arange(scores.shape[1]) == y[:, None], 1.0, -1.0)
        return float(np.min(np.abs(DELTA - signs * scores)))
    if kind == "crammer_singer":
        others = scores.copy()
        others[rows, y] = -np.inf
        top = np.sort(others, axis=1)[:, ::-1]
        ties = top[:, 0] - top[:, 1] if scores.shape[1] > 2 else np.full(len(y), np.inf)
        return float(min(np.min(ties), np.min(np.abs(DELTA + top[:, 0] - correct[:, 0]))))
    return float("inf")


def random_case(signature, kind, rng, n, c, d, *, reg, dtype, label, gap=0.01):
    """A random case at least ``gap`` from every kink (resampled until it is).

    Scores are of order 1-3 so every loss is far from its trivial values; for the assignment,
    ``X`` carries the bias trick (a last column of ones) and ``W`` is ``0.5 * N(0, 1)``.
    """
    for _ in range(1000):
        y = rng.integers(0, c, size=n)
        if signature == "scores":
            scores = (2.0 * rng.standard_normal((n, c))).astype(dtype)
            case = Case(label, y, scores=scores)
        else:
            X = rng.standard_normal((n, d))
            X[:, -1] = 1.0
            W = 0.5 * rng.standard_normal((d, c))
            case = Case(label, y, X=X.astype(dtype), W=W.astype(dtype), reg=reg)
        if kink_distance(kind, case.score_matrix(), y) > gap:
            return case
    # about half the draws of the largest case used qualify
    raise RuntimeError(f"no random case {gap} away from the kinks of {kind} in 1000 draws")


def scores_case(signature, label, scores, y, dtype=np.float64):
    """A case given by its scores: as they are, or as ``X = I``, ``W = scores``, ``reg = 0``."""
    scores, y = np.asarray(scores, dtype=dtype), np.asarray(y)
    if signature == "scores":
        return Case(label, y, scores=scores)
    return Case(label, y, X=np.eye(len(y), dtype=dtype), W=scores, reg=0.0)
