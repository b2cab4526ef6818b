"""The checks, one function each: ``check(func, context) -> CheckResult``."""

import time
from dataclasses import dataclass

import numpy as np

from linclass import gradcheck
from linclass.check._cases import Case, call, expected, random_case, scores_case
from linclass.check._mistakes import (
    explain_error,
    explain_gradient,
    explain_loss,
    explain_nonfinite,
)
from linclass.check._report import CheckResult, Mismatch

__all__ = ["CHECKS", "Context", "reference_naive"]

#: Agreement required: ``|obtained - expected| <= RTOL * max(1, max |expected|)`` entrywise.
RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4}

#: The losses that have margins (and are 0 once every margin is satisfied).
MARGIN_LOSSES = ("svm", "squared_hinge", "crammer_singer", "one_vs_all")

#: The lecture's worked examples: (case, short name, scores (N, C), labels, lecture's values).
LECTURE = [
    ("the cat image, scores [3.2, 5.1, -1.7]", "cat", [[3.2, 5.1, -1.7]], [0],
     {"svm": 2.9, "softmax": 2.04}),
    ("the car image, scores [1.3, 4.9, 2.0]", "car", [[1.3, 4.9, 2.0]], [1], {"svm": 0.0}),
    ("the frog image, scores [2.2, 2.5, -3.1]", "frog", [[2.2, 2.5, -3.1]], [2],
     {"svm": 12.9}),
    ("the three images together", "mean",
     [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]], [0, 1, 2], {"svm": 5.27}),
    ("scores [-2.85, 0.86, 0.28], class 2 correct", "[-2.85, 0.86, 0.28]",
     [[-2.85, 0.86, 0.28]], [2], {"svm": 1.58, "softmax": 1.04}),
]


@dataclass(frozen=True)
class Context:
    """What every check needs: the signature, the loss, a seeded generator, the options."""

    signature: str
    kind: str
    rng: np.random.Generator
    name: str = ""
    naive: object = None
    naive_label: str = ""

    def random(self, n, c, d, *, reg=0.1, dtype=np.float64, gap=0.01):
        shape = (f"N={n}, C={c}" if self.signature == "scores"
                 else f"N={n}, D={d}, C={c}, reg={reg}")
        return random_case(self.signature, self.kind, self.rng, n, c, d, reg=reg,
                           dtype=dtype, label=f"random {np.dtype(dtype).name}, {shape}",
                           gap=gap)


def _failure(case, expect, outcome, kind, rtol):
    """Mismatches and hints of one call, or None when loss and gradient are right."""
    if outcome.error is not None:
        return [Mismatch("call", "a pair (loss, gradient)", outcome.error)], [
            explain_error(outcome)]
    if not (np.isfinite(outcome.loss) and np.all(np.isfinite(outcome.grad))):
        bad = np.argwhere(~np.isfinite(outcome.grad))
        mismatch = Mismatch("loss", float(expect.loss), outcome.loss) if not np.isfinite(
            outcome.loss) else _entry(case.grad_name, expect.grad, outcome.grad, bad[0])
        return [mismatch], [explain_nonfinite(kind, case.dtype)]
    mismatches = []
    hints = [f"your function changes its input {outcome.changed[0][0]} in place, which may "
             f"be why (see the inputs check)"] if outcome.changed else []
    loss_hints = explain_loss(outcome.loss, case, expect, kind, rtol)
    if loss_hints != ():
        mismatches.append(Mismatch("loss", float(expect.loss), outcome.loss))
        hints += loss_hints or [f"the loss is not a mistake the checker knows: compare "
                                f"your code with the lecture's loop, "
                                f"linclass.losses.reference.{kind}"]
    grad_hints = explain_gradient(outcome.grad, case, expect.data_grad, expect.penalty_grad,
                                  kind, rtol)
    if grad_hints != ():
        worst = np.unravel_index(np.argmax(np.abs(outcome.grad - expect.grad)),
                                 expect.grad.shape)
        mismatches.append(_entry(case.grad_name, expect.grad, outcome.grad, worst))
        hints += grad_hints or [f"the {case.grad_name} is not a mistake the checker knows: "
                                f"derive it from the loss, entry by entry (the gradient "
                                f"check says whether it matches your own loss)"]
    return (mismatches, list(dict.fromkeys(hints))) if mismatches else None


def _entry(name, expected_array, obtained_array, index):
    index = tuple(int(i) for i in index)
    return Mismatch(name, float(expected_array[index]), float(obtained_array[index]), index)


def _compare(name, title, func, cases, kind, summary):
    """Run ``cases`` against the reference; the first failing one fails the check."""
    for number, case in enumerate(cases, 1):
        expect = expected(case, kind)
        failure = _failure(case, expect, call(func, case), kind, RTOL[case.dtype])
        if failure is not None:
            mismatches, hints = failure
            where = f"case {number} of {len(cases)}" if len(cases) > 1 else "the case"
            return CheckResult(name, title, "failed", f"wrong on {where}", case.label,
                               tuple(mismatches), tuple(hints))
    return CheckResult(name, title, "passed", summary)


def golden(func, ctx):
    cases, shown = [], []
    for label, short, scores, y, lecture in LECTURE:
        label += f" (lecture: {lecture[ctx.kind]})" if ctx.kind in lecture else ""
        case = scores_case(ctx.signature, label, scores, y)
        cases.append(case)
        shown.append(f"{short} {expected(case, ctx.kind).loss:.3g}")
    source = "the lecture's values" if ctx.kind in ("svm", "softmax") else "the reference"
    return _compare("golden", "the lecture's examples", func, cases, ctx.kind,
                    f"{', '.join(shown)}: as {source}")


def random64(func, ctx):
    cases = [ctx.random(8, 3, 5), ctx.random(20, 10, 12, reg=0.05), ctx.random(13, 4, 7)]
    return _compare("random_float64", "random cases against the reference, float64", func,
                    cases, ctx.kind, f"{len(cases)} cases agree to 1e-6")


def random32(func, ctx):
    cases = [ctx.random(8, 3, 5, dtype=np.float32),
             ctx.random(20, 10, 12, reg=0.05, dtype=np.float32)]
    return _compare("random_float32", "random cases against the reference, float32", func,
                    cases, ctx.kind, f"{len(cases)} cases agree to 1e-4")


def one_example(func, ctx):
    case = ctx.random(1, 4, 5)
    return _compare("one_example", "one example (N = 1)", func, [case], ctx.kind,
                    "agrees with the reference")


def margins_satisfied(func, ctx):
    title = "every margin satisfied (loss 0)"
    if ctx.kind not in MARGIN_LOSSES:
        return CheckResult("margins_satisfied", title, "skipped",
                           f"{ctx.kind} has no margins: its loss is > 0 for any finite scores")
    n, c = 6, 4
    y = ctx.rng.integers(0, c, size=n)
    scores = -2.0 - ctx.rng.random((n, c))
    scores[np.arange(n), y] = 2.0 + ctx.rng.random(n)  # every margin exceeds Delta by > 2
    case = scores_case(ctx.signature, f"N={n}, C={c}, correct scores 4 above the others",
                       scores, y)
    return _compare("margins_satisfied", title, func, [case], ctx.kind,
                    "loss 0 and gradient 0")


def large_scores(func, ctx):
    n, c = 6, 4
    centres = np.where(np.arange(n) % 2 == 0, 1000.0, -1000.0)[:, None]  # (N, 1)
    scores = centres + ctx.rng.uniform(-10.0, 10.0, (n, c))
    # exp(1000) overflows float64 (its largest exponent is 709.8) and exp(-1000) underflows
    # to 0, but each row's scores are within 20 of each other: a shifted softmax is exact
    case = scores_case(ctx.signature, f"N={n}, C={c}, scores 1000 +- 10 and -1000 +- 10",
                       scores, ctx.rng.integers(0, c, size=n))
    return _compare("large_scores", "large scores (|s| about 1000)", func, [case], ctx.kind,
                    "finite and equal to the reference")


def gradient(func, ctx):
    title = "gradient check: your gradient vs the numerical gradient of your loss"
    case = ctx.random(6, 4, 5)
    outcome = call(func, case)
    if outcome.error is not None:
        return CheckResult("gradient", title, "failed", "could not call the function",
                           case.label, (Mismatch("call", "a pair (loss, gradient)",
                                                 outcome.error),), (explain_error(outcome),))
    point = case.args()[0]

    def f(x):  # the learner's loss as a function of W (or scores) alone
        return float(np.asarray(func(x.copy(), *case.args()[1:])[0]))

    try:
        result = gradcheck.check(f, point.copy(), outcome.grad, h=1e-5)
    except Exception as error:  # raised for a perturbed input
        return CheckResult("gradient", title, "failed", "the loss raised near the point",
                           case.label, (Mismatch("call", "a number", repr(error)),),
                           ("fix the error first",))
    summary = f"max relative error {result.max_relative_error:.1e} ({result.verdict})"
    if result.verdict in ("good", "fine with kinks"):
        return CheckResult("gradient", title, "passed", summary)
    numerical = gradcheck.numerical_gradient(f, point.copy())
    penalty = expected(case, ctx.kind).penalty_grad
    hints = explain_gradient(outcome.grad, case, numerical - penalty, penalty, ctx.kind,
                             rtol=1e-5)
    return CheckResult(
        "gradient", title, "failed", summary,
        f"{case.label}; expected: the numerical gradient of your loss",
        (Mismatch(case.grad_name, result.numerical, result.analytic, result.worst_index),),
        tuple(hints or ["your gradient is not the slope of your loss: derive it again, "
                        "term by term, and compare a single entry by hand"]))


_INPUT_HINTS = {
    "scores": ("your function changed the caller's scores in place (e.g. scores -= "
               "scores.max(axis=1, keepdims=True)): write shifted = scores - "
               "scores.max(axis=1, keepdims=True) instead"),
    "y": "your function changed the labels y in place: work on a copy",
}


def inputs(func, ctx):
    title = "inputs left unchanged"
    case = ctx.random(8, 3, 5)
    outcome = call(func, case)
    if not outcome.changed:
        return CheckResult("inputs", title, "passed", f"{', '.join(case.inputs)} unchanged")
    name, index, before, after = outcome.changed[0]
    hint = _INPUT_HINTS.get(name, (
        f"your function changed its input {name} in place ({name} -= ..., {name} *= ... or "
        f"{name}[...] = ... act on the caller's array, whose data is then wrong for every "
        f"later use): work on a copy, {name} = {name} - ... or {name}.copy()"))
    return CheckResult("inputs", title, "failed",
                       f"modified {', '.join(c[0] for c in outcome.changed)}", case.label,
                       (Mismatch(name, before, after, index),), (hint,))


def reference_naive(kind):
    """The lecture's loop with the checked function's signature.

    For the assignment's, one example at a time as in its naive version (the reference loop on
    the row's scores, ``dW += x_i.T @ dscores_i``), then the mean and the L2 penalty.
    """
    def naive(*args):
        if len(args) == 2:
            expect = expected(Case("", args[1], scores=args[0]), kind)
            return expect.loss, expect.grad
        W, X, y, reg = args
        loss, dW = 0.0, np.zeros_like(W)
        for i in range(len(y)):
            expect = expected(Case("", y[i:i + 1], X=X[i:i + 1], W=W), kind)
            loss, dW = loss + expect.loss, dW + expect.grad
        return loss / len(y) + reg * np.sum(W * W), dW / len(y) + 2 * reg * W
    return naive


def _best_time(func, args, budget=0.5):
    """The fastest of up to 5 calls after a warm-up (fewer past ``budget`` seconds)."""
    func(*args)
    times = []
    while len(times) < 5 and sum(times) < budget:
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def speed(func, ctx):
    title = "speed-up over the naive version"
    if ctx.naive is None and "naive" in ctx.name.lower():
        return CheckResult("speed", title, "skipped",
                           "this is the naive version: check the vectorized one for its "
                           "speed-up")
    naive = ctx.naive or reference_naive(ctx.kind)
    label = ctx.naive_label or f"linclass.losses.reference.{ctx.kind} (the lecture's loop)"
    case = ctx.random(500, 10, 3073, reg=2.5e-4, gap=-np.inf)  # the assignment's dev set
    try:
        fast, slow = _best_time(func, case.args()), _best_time(naive, case.args())
    except Exception as error:
        return CheckResult("speed", title, "info", f"not measured: a call raised {error!r}",
                           case.label)
    ratio = slow / fast
    hints = () if ratio >= 2 else (
        "under 2x faster than a loop: a vectorized version has no Python loop over the "
        "examples or classes (one X @ W, then array operations on the (N, C) scores)",)
    return CheckResult("speed", title, "info",
                       f"{ratio:.1f}x faster than {label}: {fast * 1e3:.2f} ms vs "
                       f"{slow * 1e3:.2f} ms", case.label, (), hints,
                       {"seconds": fast, "naive_seconds": slow, "speedup": ratio})


#: Every check, in the order they run and print.
CHECKS = (golden, random64, random32, gradient, one_example, margins_satisfied,
          large_scores, inputs, speed)
