"""Check a learner's own loss implementation against the lecture and the reference.

``check_function(func)`` runs a function written for CS231n's assignment,
``f(W, X, y, reg) -> (loss, dW)`` (bias trick, ``W`` of shape (D, C), penalty
``reg * np.sum(W * W)``), or for linclass, ``f(scores, y) -> (loss, dscores)``, through:

1. the lecture's worked examples (cat 2.9, car 0, frog 12.9, mean 5.27; softmax 2.04 and
   1.04 vs SVM 1.58 on the scores [-2.85, 0.86, 0.28]);
2. random cases against :mod:`linclass.losses.reference` in float64 and float32;
3. a gradient check of its gradient against the numerical gradient of its own loss, away from
   the hinge losses' kinks (:mod:`linclass.gradcheck`);
4. edge cases: one example, every margin satisfied, scores large enough to overflow a naive
   softmax;
5. whether it modified its inputs;
6. for a vectorized version, its speed-up over the naive one.

Each failed check names its first failing case, expected and obtained values, and a hint
that names the mistake when a known one explains the difference (a gradient exactly 2x too
small for the penalty, the correct class's margin counted, no division by N, an unstable
softmax, an input changed in place, a sum over the wrong axis). ``print(report)`` shows the
report as ``linclass check`` prints it (in a notebook, for instance).

Examples
--------
>>> import numpy as np
>>> def svm_loss_vectorized(W, X, y, reg):
...     n = X.shape[0]
...     scores = X @ W  # (N, D) @ (D, C) -> (N, C)
...     margins = np.maximum(0, scores - scores[np.arange(n), y][:, None] + 1)
...     margins[np.arange(n), y] = 0
...     binary = (margins > 0).astype(W.dtype)
...     binary[np.arange(n), y] = -binary.sum(axis=1)
...     return margins.sum() / n + reg * np.sum(W * W), X.T @ binary / n + 2 * reg * W
>>> report = check_function(svm_loss_vectorized, speed=False)
>>> report.passed, report.signature, report.loss
(True, 'assignment', 'svm')
"""

import numpy as np

from linclass._validation import resolve
from linclass.check._cases import call, expected, random_case
from linclass.check._checks import CHECKS, Context
from linclass.check._load import SIGNATURES, detect_signature, load_function, parse_target
from linclass.check._mistakes import explain_loss
from linclass.check._report import CheckReport, CheckResult, Mismatch
from linclass.losses import LOSSES

__all__ = ["SIGNATURES", "CheckReport", "CheckResult", "Mismatch", "check_function",
           "detect_loss", "load_function", "parse_target"]

#: Words in a function's name that name its loss, most specific first.
_NAME_WORDS = (("squared_hinge", "squared_hinge"), ("crammer", "crammer_singer"),
               ("one_vs_all", "one_vs_all"), ("ova", "one_vs_all"),
               ("least_squares", "least_squares"), ("softmax", "softmax"), ("svm", "svm"),
               ("hinge", "svm"))


def check_function(func, kind=None, *, signature=None, naive=None, speed=True, seed=0,
                   target=None):
    """Run every check on ``func`` and return a :class:`CheckReport`.

    Parameters
    ----------
    func : callable
        ``f(W, X, y, reg) -> (loss, dW)`` or ``f(scores, y) -> (loss, dscores)``.
    kind : str, optional
        The loss it implements, a name in ``linclass.losses.LOSSES``; default: detected
        by comparing its loss with each reference loss on a random case (then by its name).
    signature : {'assignment', 'scores'}, optional
        Default: detected from its parameters (or by calling it).
    naive : callable, optional
        The naive version to measure the speed-up against (default: the reference loop).
    speed : bool
        Measure the speed-up (about a second); False skips it.
    seed : int
        Seed of the random cases.
    target : str, optional
        How the report names the function (default: its ``__name__``).

    Returns
    -------
    CheckReport
        ``report.passed`` is False when any check failed; ``report.failed`` lists them.
    """
    name = getattr(func, "__name__", "")
    rng = np.random.default_rng(seed)
    notes = []
    if signature is None:
        signature, signature_source = _detect_signature(func, rng), "detected"
    else:
        resolve("signature", signature, SIGNATURES)
        signature_source = "given"
    if kind is None:
        kind, loss_source, note = detect_loss(func, signature, rng, name)
        notes += [note] if note else []
    else:
        resolve("kind", kind, LOSSES)
        loss_source = "given"
    ctx = Context(signature, kind, rng, name, naive,
                  getattr(naive, "__name__", "") + " (your naive version)" if naive else "")
    checks = [check(func, ctx) for check in CHECKS if speed or check.__name__ != "speed"]
    return CheckReport(target or name, signature, signature_source, kind, loss_source,
                       tuple(checks), tuple(notes))


def _detect_signature(func, rng):
    """From the parameters, else by calling ``func`` with the scores signature's arguments."""
    found = detect_signature(func)
    if found is None:
        case = random_case("scores", "softmax", rng, 4, 3, 3, reg=0.0, dtype=np.float64,
                           label="")
        found = "scores" if call(func, case).error is None else "assignment"
    return found


def detect_loss(func, signature, rng, name=""):
    """Which reference loss ``func`` implements: ``(kind, source, note)``.

    ``signature`` is ``"assignment"`` or ``"scores"``, ``rng`` a ``numpy.random.Generator``
    for the case, ``name`` the function's name. On a random case (``reg = 0``), a loss equal
    to exactly one reference loss decides (``source="detected"``); otherwise a loss named in
    the function's name (``"name"``); otherwise the one loss a known mistake explains
    (``"detected"``, with a note), else the closest (``"closest"``, with a note asking for
    ``--loss``).
    """
    case = random_case(signature, "softmax", rng, 6, 4, 5, reg=0.0, dtype=np.float64,
                       label="")
    outcome = call(func, case)
    named = next((k for word, k in _NAME_WORDS if word in name.lower()), None)
    if outcome.error is not None or not np.isfinite(outcome.loss):
        if named:
            return named, "name", None
        problem = outcome.error or "returned a non-finite loss"
        return "svm", "closest", (f"could not tell the loss: the function {problem}; checked "
                                  "as svm (name it with --loss)")
    explained = {}
    for kind in LOSSES:
        hints = explain_loss(outcome.loss, case, expected(case, kind), kind, 1e-6)
        if hints is not None:
            explained[kind] = hints
    exact = [k for k, hints in explained.items() if hints == ()]
    if len(exact) == 1:
        return exact[0], "detected", None
    if named:
        return named, "name", None
    if len(explained) == 1:
        kind = next(iter(explained))
        return kind, "detected", (f"its loss is {kind}'s with a mistake; checked as {kind} "
                                  "(name another with --loss)")
    values = {k: expected(case, k).loss for k in LOSSES}
    kind = min(values, key=lambda k: abs(values[k] - outcome.loss))
    return kind, "closest", (f"its loss {outcome.loss:.4g} matches no reference loss "
                             f"({', '.join(f'{k} {v:.4g}' for k, v in values.items())}); "
                             f"checked against the closest, {kind} (name it with --loss)")
