"""Numerical gradients, the gradient check's verdicts, and every loss x regularizer checked."""

import numpy as np
import pytest

import linclass as lc
from linclass import gradcheck
from linclass.gradcheck import (
    CheckResult,
    check,
    check_all,
    check_linear_loss,
    numerical_gradient,
    verdict,
)
from linclass.losses import LOSSES
from linclass.regularizers import REGULARIZERS

H = 1e-5


# ------------------------------------------------------------------ numerical_gradient

def test_numerical_gradient_of_a_cubic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda v: float((v ** 3).sum()), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-9)  # centred: error O(h^2)


def test_numerical_gradient_restores_x_even_when_f_raises():
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 4:  # in the middle of the second coordinate
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)  # bit for bit
    assert calls[3][1] == pytest.approx(0.2 - H)  # f really saw the perturbed input


def test_numerical_gradient_leaves_x_unchanged_after_success():
    x = np.random.default_rng(0).standard_normal((4, 3))
    before = x.copy()
    numerical_gradient(lambda v: float(np.sin(v).sum()), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_only_at_indices():
    x = np.arange(6, dtype=np.float64)
    calls = []

    def f(v):
        calls.append(1)
        return float((v ** 2).sum())

    grad = numerical_gradient(f, x, indices=[1, 4])
    assert len(calls) == 4
    np.testing.assert_allclose(grad, [0, 2, 0, 0, 8, 0], atol=1e-8)


@pytest.mark.parametrize("bad", [[1.0, 2.0], np.array([1, 2])])
def test_numerical_gradient_rejects_non_float_arrays(bad):
    with pytest.raises(ValueError, match=r"^x must be a floating-point numpy array"):
        numerical_gradient(lambda v: 0.0, bad)


def test_numerical_gradient_rejects_non_contiguous_views():
    x = np.zeros((4, 4))[:, :2]  # no flat view of it exists
    with pytest.raises(ValueError, match=r"^x must be a contiguous array"):
        numerical_gradient(lambda v: 0.0, x)


# --------------------------------------------------------------------------- verdicts

@pytest.mark.parametrize(("error", "word"), [
    (0.0, "good"), (9.9e-8, "good"),
    (1e-7, "fine with kinks"), (9.9e-5, "fine with kinks"),
    (1e-4, "uncomfortable"), (1e-2, "uncomfortable"),
    (1.01e-2, "wrong"), (1.0, "wrong"), (float("nan"), "wrong"),
])
def test_verdict_thresholds(error, word):
    assert verdict(error) == word


@pytest.mark.parametrize(("word", "passed"), [("good", True), ("fine with kinks", True),
                                              ("uncomfortable", True), ("wrong", False)])
def test_check_result_passed(word, passed):
    result = CheckResult(max_relative_error=0.0, worst_index=(0,), analytic=0.0,
                         numerical=0.0, n_checked=1, verdict=word)
    assert result.passed is passed


def test_relative_error_floor_and_non_finite():
    errors = gradcheck.relative_error([1.0, 0.0, 1e-12, np.nan, 1.0],
                                      [1.1, 0.0, -1e-12, 1.0, np.inf], floor=1e-10)
    np.testing.assert_allclose(errors[:3], [0.1 / 1.1, 0.0, 0.0])
    assert np.isinf(errors[3:]).all()


# ------------------------------------------------------------------------------ check

def quadratic(A):
    """f(x) = x^T A x / 2 with gradient A_sym x."""
    sym = (A + A.T) / 2
    return (lambda x: float(x @ A @ x) / 2), (lambda x: sym @ x)


def test_check_right_gradient_is_good():
    rng = np.random.default_rng(1)
    f, grad = quadratic(rng.standard_normal((8, 8)))
    x = rng.standard_normal(8)
    result = check(f, x, grad(x))
    assert result.verdict == "good" and result.passed
    assert result.max_relative_error < 1e-7
    assert result.n_checked == 8


def test_check_wrong_gradient_is_wrong_and_says_where():
    rng = np.random.default_rng(2)
    f, grad = quadratic(rng.standard_normal((6, 6)))
    x = rng.standard_normal(6)
    bad = grad(x)
    bad[4] *= 2  # a missing factor of 2 in one coordinate
    result = check(f, x, bad)
    assert result.verdict == "wrong" and not result.passed
    assert result.worst_index == (4,)
    assert result.analytic == pytest.approx(bad[4])
    assert result.numerical == pytest.approx(grad(x)[4], rel=1e-7)
    assert result.max_relative_error == pytest.approx(0.5, rel=1e-6)


def test_check_nan_gradient_is_wrong():
    x = np.array([1.0, 2.0])
    result = check(lambda v: float((v ** 2).sum()), x, np.array([2.0, np.nan]))
    assert result.verdict == "wrong"
    assert result.worst_index == (1,)


def test_check_sparse_mode_checks_k_coordinates():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((300, 10))
    calls = []

    def f(w):
        calls.append(1)
        return float((w ** 2).sum())

    result = check(f, W, 2 * W, k=7, rng=4)
    assert result.n_checked == 7
    assert len(calls) == 2 * 7 + 1  # two per coordinate, one for the round-off level
    assert result.verdict == "good"
    assert len(result.worst_index) == 2
    assert 0 <= result.worst_index[0] < 300 and 0 <= result.worst_index[1] < 10
    # the same seed draws the same coordinates; a wrong entry elsewhere goes unseen
    again = check(f, W, 2 * W, k=7, rng=4)
    assert again == result


def test_check_sparse_mode_finds_a_wrong_gradient():
    W = np.random.default_rng(5).standard_normal((50, 20))
    result = check(lambda w: float((w ** 2).sum()), W, 3 * W, k=5, rng=0)
    assert result.verdict == "wrong"


def test_check_sparse_k_larger_than_x_checks_all():
    x = np.ones(3)
    assert check(lambda v: float(v.sum()), x, np.ones(3), k=10, rng=0).n_checked == 3


def test_check_leaves_x_unchanged():
    x = np.random.default_rng(6).standard_normal(5)
    before = x.copy()
    check(lambda v: float((v ** 2).sum()), x, 2 * x)
    np.testing.assert_array_equal(x, before)


def test_check_bad_input():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"^analytic_grad must be of x's shape \(3,\), "
                                         r"got shape \(2,\)"):
        check(lambda v: 0.0, x, np.ones(2))
    with pytest.raises(ValueError, match=r"^k must be a positive number of coordinates, got 0"):
        check(lambda v: 0.0, x, np.ones(3), k=0)


# --------------------------------------------- every loss x regularizer on linear_loss

def kink_free_problem(loss, seed, n=15, d=6, c=4, margin=1.0):
    """Random data whose hinges and |W| are far (in units of h) from their kinks."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, c, size=n)
    W = 0.5 * rng.standard_normal((d, c))
    b = 0.1 * rng.standard_normal(c)
    scores = X @ W + b
    rows = np.arange(n)
    # the hinge arguments of the four SVMs: s_j - s_y + margin and margin -/+ s_j
    kinks = np.concatenate([(scores - scores[rows, y][:, None] + margin).ravel(),
                            (margin - scores).ravel(), (margin + scores).ravel()])
    reach = 10 * H * (np.abs(X).sum(axis=1).max() + 1)  # how far one step can move a score
    assert np.abs(kinks).min() > reach, "test data too close to a kink; pick another seed"
    assert np.abs(W).min() > 10 * H  # L1's kink at 0
    return W, b, X, y


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("reg", [r for r in REGULARIZERS if r != "none"])
@pytest.mark.parametrize("param", ["W", "b"])
def test_linear_loss_gradient_matches_numerical(loss, reg, param):
    W, b, X, y = kink_free_problem(loss, seed=1)

    def objective(W_, b_):
        return lc.linear_loss(W_, b_, X, y, loss=loss, reg=reg, reg_strength=0.3,
                              l1_ratio=0.4)

    _, dW, db = objective(W, b)
    if param == "W":
        result = check(lambda w: objective(w, b)[0], W, dW, H)
    else:
        result = check(lambda v: objective(W, v)[0], b, db, H)
    assert result.max_relative_error < 1e-7, result
    assert result.verdict == "good"


def test_gradient_check_catches_a_missing_factor_2_in_l2():
    # the reason checks use strength > 0: (analytic) strength * W instead of 2 * strength * W
    W, b, X, y = kink_free_problem("softmax", seed=1)
    _, dW, _ = lc.linear_loss(W, b, X, y, loss="softmax", reg="l2", reg_strength=0.3)
    broken = dW - 0.3 * W
    result = check(lambda w: lc.linear_loss(w, b, X, y, loss="softmax", reg="l2",
                                            reg_strength=0.3)[0], W, broken)
    assert result.verdict == "wrong"


def test_check_linear_loss_returns_w_and_b():
    results = check_linear_loss("svm", "l2")
    assert set(results) == {"W", "b"}
    assert results["W"].n_checked == 7 * 4 and results["b"].n_checked == 4
    assert all(r.passed for r in results.values())


def test_check_all_rows():
    rows = check_all(["softmax", "crammer_singer"], ["l1", "none"], seed=3)
    assert len(rows) == 2 * 2 * 2
    assert [(r["loss"], r["reg"], r["param"]) for r in rows[:2]] == [
        ("softmax", "l1", "W"), ("softmax", "l1", "b")]
    for row in rows:
        assert set(row) == {"loss", "reg", "param", "max_relative_error", "worst_index",
                            "verdict", "passed"}
        assert row["passed"] and row["verdict"] in ("good", "fine with kinks")


def test_check_all_fails_for_a_broken_loss(monkeypatch):
    # a deliberately broken loss in the registry (a real function, wrong gradient)
    def broken(scores, y, weights, *, margin=1.0, smoothing=0.0):
        loss, dscores = lc.losses.WEIGHTED["svm"](scores, y, weights, margin=margin)
        return loss, 2 * dscores

    monkeypatch.setitem(lc.losses.WEIGHTED, "broken", broken)
    rows = check_all(["broken"], ["l2"])
    assert rows[0]["verdict"] == "wrong" and not rows[0]["passed"]
