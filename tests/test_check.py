"""``linclass.check``: planted mistakes are caught with the right hint; correct code passes.

The learner's functions live in ``tests/fixtures_check/learner_code.py``, written as for
CS231n's assignment 1 (and linclass's ``f(scores, y)`` signature).
"""

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from linclass import check
from linclass.check._checks import LECTURE
from linclass.losses import LOSSES, reference

LEARNER = Path(__file__).parent / "fixtures_check" / "learner_code.py"


@cache
def learner(name):
    return check.load_function(LEARNER, name)


@cache
def report_of(name):
    return check.check_function(learner(name), speed=False, target=name)


def failed(report):
    return {c.name: c for c in report.failed}


CORRECT = [("svm_loss_naive", "assignment", "svm"), ("svm_loss_vectorized", "assignment", "svm"),
           ("softmax_loss_naive", "assignment", "softmax"),
           ("softmax_loss_vectorized", "assignment", "softmax"),
           ("svm_scores", "scores", "svm"), ("softmax_scores", "scores", "softmax")]


@pytest.mark.parametrize("name, signature, kind", CORRECT)
def test_correct_implementations_pass_every_check(name, signature, kind):
    report = report_of(name)
    assert report.passed, [(c.name, c.summary, c.hints) for c in report.failed]
    assert (report.signature, report.signature_source) == (signature, "detected")
    assert (report.loss, report.loss_source) == (kind, "detected")
    statuses = {c.name: c.status for c in report.checks}
    assert statuses["golden"] == statuses["gradient"] == statuses["inputs"] == "passed"
    assert statuses["margins_satisfied"] == ("passed" if kind == "svm" else "skipped")


@pytest.mark.parametrize("kind", list(LOSSES))
def test_linclass_losses_and_their_reference_loops_pass(kind):
    for func in (LOSSES[kind], getattr(reference, kind)):
        report = check.check_function(func, speed=False)
        assert report.passed and report.loss == kind and report.signature == "scores"


# (function, checks that must fail, a phrase of the hint each of them gives)
PLANTED = [
    ("svm_loss_with_half_penalty_gradient", {"random_float64", "random_float32", "gradient",
                                             "one_example"},
     "exactly 2x too small for the penalty term: d/dW of reg * sum(W**2) is 2 * reg * W"),
    ("svm_loss_naive_with_correct_class_counted", {"golden", "random_float64",
                                                   "margins_satisfied", "large_scores"},
     "you count the correct class's margin: skip j == y[i]"),
    ("svm_loss_vectorized_with_correct_class_counted", {"golden", "margins_satisfied"},
     "you count the correct class's margin"),
    ("svm_loss_naive_without_division_by_n", {"golden", "random_float64", "random_float32"},
     "you do not divide by N"),
    ("softmax_loss_vectorized_unstable", {"large_scores"},
     "numerically unstable: np.exp overflows"),
    ("svm_loss_vectorized_modifying_x", {"inputs"}, "changed its input X in place"),
    ("softmax_scores_modifying_scores", {"inputs"}, "changed the caller's scores in place"),
    ("softmax_loss_vectorized_wrong_axis", {"golden", "random_float64", "gradient"},
     "the softmax over the wrong axis"),
    ("svm_loss_vectorized_wrong_axis", {"golden", "random_float64", "gradient"},
     "a sum over the wrong axis"),
    ("svm_loss_with_half_penalty", {"random_float64"},
     "your penalty is 0.5 * reg * sum(W**2)"),
]


@pytest.mark.parametrize("name, checks, phrase", PLANTED, ids=[p[0] for p in PLANTED])
def test_each_planted_mistake_is_caught_with_its_hint(name, checks, phrase):
    report = report_of(name)
    assert not report.passed
    bad = failed(report)
    assert checks <= set(bad), sorted(bad)
    for check_name in checks:
        assert any(phrase in h for h in bad[check_name].hints), bad[check_name].hints
        assert bad[check_name].case and bad[check_name].mismatches


def test_planted_mistakes_fail_only_where_they_show():
    # a gradient that is right for its own (wrong) loss passes the gradient check
    assert "gradient" not in failed(report_of("svm_loss_naive_with_correct_class_counted"))
    assert "gradient" not in failed(report_of("svm_loss_with_half_penalty"))
    # the penalty is 0 in the lecture's examples (reg = 0 there)
    assert "golden" not in failed(report_of("svm_loss_with_half_penalty_gradient"))
    # a softmax that shifts the caller's scores computes the right loss
    assert set(failed(report_of("softmax_scores_modifying_scores"))) == {"inputs"}


def test_first_failing_case_shows_expected_and_obtained():
    golden = failed(report_of("svm_loss_naive_with_correct_class_counted"))["golden"]
    assert golden.case == "the cat image, scores [3.2, 5.1, -1.7] (lecture: 2.9)"
    loss = golden.mismatches[0]
    assert loss.quantity == "loss"
    assert loss.expected == pytest.approx(2.9) and loss.obtained == pytest.approx(3.9)
    assert loss.describe() == "loss: expected 2.9, obtained 3.9"

    grad = failed(report_of("svm_loss_with_half_penalty_gradient"))["random_float64"]
    (mismatch,) = grad.mismatches
    assert mismatch.quantity == "dW" and len(mismatch.index) == 2
    assert mismatch.describe().startswith(f"dW[{mismatch.index[0]}, {mismatch.index[1]}]: ")


def test_inputs_check_names_the_entry_that_changed():
    inputs = failed(report_of("svm_loss_vectorized_modifying_x"))["inputs"]
    (mismatch,) = inputs.mismatches
    assert mismatch.quantity == "X" and mismatch.expected != mismatch.obtained
    # the comparisons the modified X spoils say why
    spoiled = failed(report_of("svm_loss_vectorized_modifying_x"))["random_float64"]
    assert "changes its input X in place" in spoiled.hints[0]


def test_errors_in_the_learners_code_show_the_line():
    (mismatch,) = failed(report_of("svm_loss_vectorized_wrong_axis"))["random_float64"].mismatches
    assert mismatch.quantity == "call"
    assert mismatch.obtained.startswith("raised ValueError: shape mismatch")
    assert "of learner_code.py: `binary[rows, y] = -np.sum(binary, axis=0)" in mismatch.obtained
    (mismatch,) = failed(report_of("svm_loss_returning_loss_only"))["golden"].mismatches
    assert mismatch.obtained.startswith("returned a float64")


def test_lecture_table_holds_the_lectures_numbers():
    # the lecture's values, two decimals, are the reference's: the golden check compares with
    # the reference, the case label quotes the lecture
    for _, _, scores, y, values in LECTURE:
        for kind, value in values.items():
            loss, _ = getattr(reference, kind)(np.array(scores), np.array(y))
            assert round(loss, 2) == value
    summary = report_of("svm_loss_naive").checks[0].summary
    assert summary.startswith("cat 2.9, car 0, frog 12.9, mean 5.27, [-2.85, 0.86, 0.28] 1.58")
    assert report_of("softmax_scores").checks[0].summary.startswith("cat 2.04, ")


def test_report_is_json_ready():
    import json

    data = json.loads(json.dumps(report_of("svm_loss_naive_without_division_by_n").to_dict()))
    assert data["passed"] is False and data["loss"] == "svm"
    golden = next(c for c in data["checks"] if c["name"] == "golden")
    assert golden["status"] == "failed" and golden["passed"] is False
    assert golden["hint"] == golden["hints"][0]
    assert {m["quantity"] for m in golden["mismatches"]} == {"loss", "dW"}


def test_report_prints_as_the_command_does():
    text = str(report_of("svm_loss_naive_without_division_by_n")).splitlines()
    assert text[0] == "Checking svm_loss_naive_without_division_by_n"
    assert text[-1] == ("4 of 8 checks FAILED: golden, random_float64, random_float32, "
                        "large_scores.")
    hints = [line.split("hint:", 1)[1].strip() for line in text if "hint:" in line]
    assert hints[0].startswith("you do not divide by N")
    assert hints[1].startswith("your gradient is N times too large")
    assert hints[2:] == ["as above"] * 3  # one line for the repeats of each later check
    assert str(report_of("svm_loss_naive")).endswith("All 8 checks passed.")
