"""``linclass.check``: finding the function, its signature and its loss; the speed-up; cases."""

from pathlib import Path

import numpy as np
import pytest

from linclass import check
from linclass.check._cases import kink_distance, random_case
from linclass.check._load import detect_signature
from linclass.losses import LOSSES, reference

LEARNER = Path(__file__).parent / "fixtures_check" / "learner_code.py"


def test_parse_target_splits_at_the_last_colon(tmp_path):
    path, name = check.parse_target(f"{LEARNER}:svm_loss_naive")
    assert (path, name) == (LEARNER, "svm_loss_naive")
    for bad in ("learner_code.py", f"{LEARNER}:", ":svm", f"{LEARNER}:not a name"):
        with pytest.raises(ValueError, match="FILE:FUNC"):
            check.parse_target(bad)
    with pytest.raises(ValueError, match="an existing Python file"):
        check.parse_target(f"{tmp_path / 'missing.py'}:f")


def test_load_function_runs_the_file_and_names_what_is_there(tmp_path, capsys):
    func = check.load_function(LEARNER, "svm_loss_naive")
    assert func.__name__ == "svm_loss_naive"
    assert "may print" in capsys.readouterr().out  # importing ran the file
    with pytest.raises(ValueError, match="It defines: .*svm_loss_naive"):
        check.load_function(LEARNER, "svm_loss_fast")

    helper = tmp_path / "helper_mod.py"
    helper.write_text("DELTA = 1.0\n")
    user = tmp_path / "uses_helper.py"  # imports a module next to it, as `python FILE` would
    user.write_text("from helper_mod import DELTA\n\ndef f(scores, y):\n    return DELTA, scores\n")
    assert check.load_function(user, "f")(1, 2) == (1.0, 1)

    broken = tmp_path / "linear_svm.py"
    broken.write_text("from past.builtins import xrange\n")
    with pytest.raises(ImportError, match="raised ModuleNotFoundError.*pip install future"):
        check.load_function(broken, "svm_loss_naive")


def test_signature_from_the_parameters():
    def assignment(W, X, y, reg): ...
    def scores(scores, y): ...
    def with_defaults(s, y, margin=1.0): ...
    def reg_default(W, X, y, reg=0.0): ...
    def star(*args): ...
    def star_named(W, *args): ...
    assert [detect_signature(f) for f in (assignment, scores, with_defaults, reg_default,
                                          star, star_named)] == [
        "assignment", "scores", "scores", "assignment", None, "assignment"]


def test_undecided_signature_is_found_by_calling():
    def scores_star(*args):
        return reference.softmax(*args)

    def assignment_star(*args):
        W, X, y, reg = args
        loss, dscores = reference.svm(X @ W, y)
        return loss + reg * np.sum(W * W), X.T @ dscores + 2 * reg * W

    assert check.check_function(scores_star, speed=False).signature == "scores"
    report = check.check_function(assignment_star, speed=False)
    assert report.signature == "assignment" and report.loss == "svm" and report.passed


def test_loss_detected_by_value_then_name_then_closest():
    learner = check.load_function(LEARNER, "my_loss")  # a softmax named 'my_loss'
    rng = np.random.default_rng(0)
    assert check.detect_loss(learner, "scores", rng, "my_loss") == ("softmax", "detected", None)

    def svm_wrong(scores, y):  # matches no loss, even with a known mistake
        return 42.0, np.zeros_like(scores)

    assert check.detect_loss(svm_wrong, "scores", rng, "svm_wrong") == ("svm", "name", None)
    kind, source, note = check.detect_loss(svm_wrong, "scores", rng, "mystery")
    assert source == "closest" and "--loss" in note and kind in LOSSES

    def mystery(scores, y):  # the svm without the division by N
        loss, dscores = reference.svm(scores, y)
        return loss * len(y), dscores * len(y)

    kind, source, note = check.detect_loss(mystery, "scores", rng, "mystery")
    assert (kind, source) == ("svm", "detected") and "with a mistake" in note


def test_given_loss_and_signature_are_used_and_validated():
    softmax = check.load_function(LEARNER, "softmax_scores")
    report = check.check_function(softmax, "svm", signature="scores", speed=False)
    assert (report.loss, report.loss_source, report.signature_source) == ("svm", "given", "given")
    assert not report.passed  # a softmax is not an svm
    naive = check.load_function(LEARNER, "svm_loss_naive")
    wrong = check.check_function(naive, signature="scores", speed=False)
    assert "choose with --signature" in wrong.failed[0].hint
    with pytest.raises(ValueError, match="kind must be one of"):
        check.check_function(softmax, "hinge")
    with pytest.raises(ValueError, match="signature must be one of"):
        check.check_function(softmax, signature="W")


def test_other_losses_are_checked_against_their_reference():
    def one_vs_all_vectorized(W, X, y, reg):
        scores = X @ W
        signs = np.where(np.arange(W.shape[1]) == y[:, None], 1.0, -1.0)
        margins = np.maximum(0, 1 - signs * scores)
        n = len(y)
        dW = X.T @ (-signs * (margins > 0)) / n + 2 * reg * W
        return margins.sum() / n + reg * np.sum(W * W), dW

    report = check.check_function(one_vs_all_vectorized, speed=False)
    assert report.loss == "one_vs_all" and report.passed
    assert "the reference" in report.checks[0].summary


def test_speed_up_is_measured_for_a_vectorized_version_only():
    vectorized = check.load_function(LEARNER, "svm_loss_vectorized")
    naive = check.load_function(LEARNER, "svm_loss_naive")
    speed = check.check_function(vectorized, naive=naive).checks[-1]
    assert speed.name == "speed" and speed.status == "info" and speed.passed is None
    assert speed.details["speedup"] == pytest.approx(
        speed.details["naive_seconds"] / speed.details["seconds"])
    assert "svm_loss_naive (your naive version)" in speed.summary
    assert "N=500, D=3073, C=10" in speed.case
    default = check.check_function(vectorized).checks[-1]
    assert "linclass.losses.reference.svm" in default.summary
    skipped = check.check_function(naive).checks[-1]
    assert skipped.status == "skipped" and "naive version" in skipped.summary


@pytest.mark.parametrize("kind", list(LOSSES))
def test_random_cases_keep_away_from_the_kinks(kind):
    rng = np.random.default_rng(1)
    for signature in ("assignment", "scores"):
        case = random_case(signature, kind, rng, 20, 10, 12, reg=0.1, dtype=np.float32,
                           label="")
        assert case.dtype == np.float32
        assert kink_distance(kind, case.score_matrix(), case.y) > 0.01
        if signature == "assignment":
            assert np.all(case.X[:, -1] == 1)  # the bias trick
    scores = np.array([[0.0, 1.0, 1.0]])  # svm margin 0 at class 1 -> 2, tie for c-s
    assert kink_distance("svm", scores, np.array([1])) == 0
    assert kink_distance("crammer_singer", scores, np.array([0])) == 0
    assert kink_distance("softmax", scores, np.array([0])) == np.inf
