"""``solver="lbfgs"``: converged full-batch L-BFGS, against scikit-learn at the same lambda.

Oracles: LogisticRegression (softmax, C = 1 / (2 lambda N)), the exact least-squares solve
(RidgeClassifier, tested in test_exact.py), LinearSVC (binary squared hinge, lambda = 1 /
(C N)); the gradient of linclass.linear_loss must be below the stated tolerance.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from linclass import LinearClassifier
from linclass.config import TrainConfig
from linclass.objective import loss_parts
from linclass.ridge import solve_least_squares
from linclass.solvers import SOLVERS, Problem, resolve_solver
from linclass.training import train


@pytest.fixture(scope="module")
def digits():
    """Standardized digits, a stratified 75/25 split (float64)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), y_train, scaler.transform(X_test), y_test


def objective(W, b, X, y, loss, lam):
    parts = loss_parts(np.asarray(W, np.float64), np.asarray(b, np.float64), X, y, loss=loss,
                       reg="l2", reg_strength=lam)
    return parts.data_loss + parts.penalty, parts


def gradient_at_zero(X, y, loss, n_classes):
    parts = loss_parts(np.zeros((X.shape[1], n_classes)), np.zeros(n_classes), X, y,
                       loss=loss, reg="l2", reg_strength=0.0)
    return max(np.abs(parts.dW).max(), np.abs(parts.db).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_reaches_logistic_regressions_optimum(digits, dtype):
    X, y = digits[0][:800], digits[1][:800]
    lam = 1e-3
    config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=lam, tol=1e-5)
    result = train(X.astype(dtype), y, config, n_classes=10)
    sk = LogisticRegression(C=1 / (2 * lam * len(y)), tol=1e-10, max_iter=10_000).fit(X, y)
    ours, parts = objective(result.W, result.b, X, y, "softmax", lam)
    theirs, _ = objective(sk.coef_.T, sk.intercept_, X, y, "softmax", lam)
    assert result.converged and result.history["converged"]
    assert result.W.dtype == dtype
    assert ours == pytest.approx(theirs, rel=1e-5 if dtype == np.float32 else 1e-7)
    # the stated stopping rule, checked in float64 on the returned weights
    scale = gradient_at_zero(X, y, "softmax", 10)
    limit = 1e-5 * scale * (1 if dtype == np.float64 else 10)  # float32 weights round
    assert max(np.abs(parts.dW).max(), np.abs(parts.db).max()) <= limit
    assert result.history["grad_norm"] <= 1e-5 * scale


def test_least_squares_reaches_the_exact_solution(digits):
    X, y = digits[0], digits[1]
    lam = 1e-3
    config = TrainConfig(loss="least_squares", solver="lbfgs", reg_strength=lam, tol=1e-7)
    result = train(X, y, config, n_classes=10)
    W, b = solve_least_squares(X, y, 10, lam)
    assert result.converged
    assert objective(result.W, result.b, X, y, "least_squares", lam)[0] == pytest.approx(
        objective(W, b, X, y, "least_squares", lam)[0], rel=1e-10)
    np.testing.assert_allclose(result.W, W, atol=1e-4)


def test_binary_squared_hinge_equals_linear_svc(digits):
    """Two classes: the Weston-Watkins squared hinge on s_1 - s_0 is LinearSVC's L2-SVM with
    w = W_1 - W_0 (and W_0 = -W_1 at the optimum, so lambda |W|^2 = lambda |w|^2 / 2)."""
    X, y = digits[0], digits[1]
    keep = (y == 3) | (y == 8)
    X, y = X[keep], (y[keep] == 8).astype(int)
    lam = 1e-2
    config = TrainConfig(loss="squared_hinge", solver="lbfgs", reg_strength=lam, tol=1e-8)
    result = train(X, y, config, n_classes=2)
    sk = LinearSVC(C=1 / (lam * len(y)), loss="squared_hinge", tol=1e-10, max_iter=100_000,
                   intercept_scaling=1000).fit(X, y)  # the intercept's penalty negligible
    assert result.converged
    np.testing.assert_allclose(result.W[:, 1] - result.W[:, 0], sk.coef_[0], atol=2e-4)
    assert result.b[1] - result.b[0] == pytest.approx(sk.intercept_[0], abs=2e-4)


def test_sample_weights_equal_repeated_rows(digits):
    X, y = digits[0][:400], digits[1][:400]
    weights = np.random.default_rng(0).integers(0, 4, len(y))
    config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=1e-3, tol=1e-8)
    weighted = train(X, y, config, n_classes=10, sample_weight=weights)
    repeated = train(np.repeat(X, weights, axis=0), np.repeat(y, weights), config,
                     n_classes=10)
    np.testing.assert_allclose(weighted.W, repeated.W, atol=1e-6)
    np.testing.assert_allclose(weighted.b, repeated.b, atol=1e-6)


@pytest.mark.parametrize("loss", ["softmax", "squared_hinge"])
def test_sparse_csr_equals_dense(digits, loss):
    X, y = digits[0][:500], digits[1][:500]
    X = np.where(np.abs(X) > 1, X, 0.0)  # mostly zeros
    config = TrainConfig(loss=loss, solver="lbfgs", reg_strength=1e-3, tol=1e-8)
    sparse = train(scipy.sparse.csr_matrix(X), y, config, n_classes=10)
    dense = train(X, y, config, n_classes=10)
    np.testing.assert_allclose(sparse.W, dense.W, atol=1e-5)


def test_torch_tensors_give_the_numpy_model(digits):
    pytest.importorskip("torch")
    X, y = digits[0][:500], digits[1][:500]
    config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=1e-3, tol=1e-8)
    on_torch = train(X, y, TrainConfig(**{**config.to_dict(), "device": "torch"}),
                     n_classes=10)
    on_numpy = train(X, y, config, n_classes=10)
    assert isinstance(on_torch.W, np.ndarray)
    np.testing.assert_allclose(on_torch.W, on_numpy.W, atol=1e-7)


def test_iteration_cap_is_reported_not_warned(digits):
    X, y = digits[0], digits[1]
    config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=1e-6, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = train(X, y, config, n_classes=10)
    assert result.converged is False and result.history["converged"] is False
    assert result.history["iterations"] == 5 == result.epochs
    assert len(result.history["loss"]) == 5
    assert result.history["grad_norm"] > 1e-4 * gradient_at_zero(X, y, "softmax", 10)


def test_history_has_one_entry_per_iteration_and_decreases(digits):
    X, y, X_val, y_val = digits
    seen = []
    config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=1e-3)
    result = train(X, y, config, n_classes=10, validation=(X_val, y_val),
                   callback=seen.append)
    n = result.history["iterations"]
    assert len(result.history["loss"]) == len(seen) == len(result.history["val_accuracy"]) == n
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert result.history["best_epoch"] == n - 1
    assert result.history["val_accuracy"][-1] > 0.9


def test_non_smooth_penalties_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="reg.*solver='minibatch'"):
        TrainConfig(loss="softmax", reg="l1", solver="lbfgs")


@pytest.mark.parametrize(("loss", "reg", "expected"), [
    ("least_squares", "l2", "exact"), ("softmax", "l2", "lbfgs"),
    ("squared_hinge", "none", "lbfgs"), ("svm", "l2", "lbfgs"),
    ("softmax", "l1", "minibatch"), ("crammer_singer", "l2", "lbfgs"),
    ("one_vs_all", "none", "lbfgs"), ("svm", "elastic_net", "minibatch")])
def test_auto_rule(loss, reg, expected):
    problem = Problem(np.zeros((4, 3), np.float32), np.array([0, 1, 0, 1]), 2)
    name, solver = resolve_solver(TrainConfig(loss=loss, reg=reg), problem)
    assert name == expected and solver is SOLVERS[expected]


def test_softmax_estimator_matches_logistic_regression_on_digits(digits):
    """No learning rate, converged: LogisticRegression's own lambda (C = 1 <=> lambda =
    1 / (2 N)) gives its accuracy and log loss (the issue's measured failure of the
    minibatch defaults: 0.864 accuracy and log loss 1.45 against 0.969 and 0.114)."""
    X, y, X_test, y_test = digits
    sk = LogisticRegression().fit(X, y)
    ours = LinearClassifier(loss="softmax", reg_strength=1 / (2 * len(y)),
                            random_state=0).fit(X, y)
    assert ours.history_["solver"] == "lbfgs" and ours.history_["converged"]
    assert ours.score(X_test, y_test) >= sk.score(X_test, y_test) - 0.005
    assert log_loss(y_test, ours.predict_proba(X_test)) == pytest.approx(
        log_loss(y_test, sk.predict_proba(X_test)), rel=0.01)


# ------------------------------------------------- the hinges, smoothed to a stated gap

def hinge_minimum(X, y, loss, lam, n_classes, margin=1.0):
    """The hinge objective's minimum by SLSQP on its slack form (a quadratic program):
    minimize mean_i sum_r xi_ir + lam |W|^2 over (W, b, xi >= 0) with xi_ir at least each
    hinge's argument; small problems only."""
    import scipy.optimize

    n, d = X.shape
    c = n_classes
    if loss == "crammer_singer":  # one slack per row: xi_i >= margin + s_j - s_y, j != y_i
        pairs = [(i, j, None) for i in range(n) for j in range(c) if j != y[i]]
        n_slack = n
    elif loss == "svm":  # a slack per wrong class
        pairs = [(i, j, k) for k, (i, j) in enumerate(
            (i, j) for i in range(n) for j in range(c) if j != y[i])]
        n_slack = len(pairs)
    else:  # one_vs_all: a slack per class, margin - t_ij s_ij
        pairs = [(i, j, i * c + j) for i in range(n) for j in range(c)]
        n_slack = n * c
    size = d * c + c

    def unpack(v):
        return v[:d * c].reshape(d, c), v[d * c:size], v[size:]

    def value(v):
        W, _, xi = unpack(v)
        return xi.sum() / n + lam * float(np.sum(W * W))

    def constraints(v):
        W, b, xi = unpack(v)
        S = X @ W + b
        out = []
        for i, j, k in pairs:
            slack = xi[i] if k is None else xi[k]
            if loss == "one_vs_all":
                t = 1.0 if j == y[i] else -1.0
                out.append(slack - (margin - t * S[i, j]))
            else:
                out.append(slack - (margin + S[i, j] - S[i, y[i]]))
        return np.array(out)

    v0 = np.concatenate([np.zeros(size), np.full(n_slack, 2.0 * margin)])
    bounds = [(None, None)] * size + [(0, None)] * n_slack
    found = scipy.optimize.minimize(value, v0, method="SLSQP", bounds=bounds,
                                    constraints=[{"type": "ineq", "fun": constraints}],
                                    options={"maxiter": 2000, "ftol": 1e-12})
    assert found.success, found.message
    return found.fun


@pytest.mark.parametrize("loss", ["svm", "crammer_singer", "one_vs_all"])
@pytest.mark.parametrize("smoothing", [1e-1, 1e-3])
def test_smoothed_hinge_reaches_the_hinge_minimum_within_the_stated_gap(loss, smoothing):
    """The hinge objective at L-BFGS's solution of the smoothed one lies between the hinge
    minimum (a quadratic program, SLSQP) and that plus SMOOTHING_GAP(C) mu."""
    from linclass.losses import SMOOTHING_GAP

    rng = np.random.default_rng(3)
    n, d, c, lam = 24, 3, 3, 1e-2
    X = rng.standard_normal((n, d)) + np.eye(c, d)[rng.integers(0, c, n)] * 2
    y = np.argmax(X @ np.eye(d, c) + 0.5 * rng.standard_normal((n, c)), axis=1)
    config = TrainConfig(loss=loss, solver="lbfgs", reg_strength=lam, smoothing=smoothing)
    result = train(X, y, config, n_classes=c)
    assert result.converged and result.history["smoothing"] == smoothing
    reached = objective(result.W, result.b, X, y, loss, lam)[0]
    best = hinge_minimum(X, y, loss, lam, c)
    assert best - 1e-7 <= reached <= best + SMOOTHING_GAP[loss](c) * smoothing + 1e-7
    if smoothing == 1e-3:  # a narrow smoothing is close: well inside the bound
        assert reached - best < 0.3 * SMOOTHING_GAP[loss](c) * smoothing + 1e-6


def test_continuation_narrows_tenfold_to_the_final_width():
    from linclass.solvers._lbfgs import widths

    assert widths(TrainConfig(loss="crammer_singer", smoothing=1e-2)) == [1.0, 0.1, 0.01]
    assert widths(TrainConfig(loss="one_vs_all", margin=0.5, smoothing=0.3)) == [0.5, 0.15]
    assert widths(TrainConfig(loss="least_squares")) == [0.0]


@pytest.mark.parametrize("loss", ["svm", "one_vs_all", "crammer_singer"])
def test_hinge_on_digits_is_converged_and_accurate(digits, loss):
    X, y, X_test, y_test = digits
    result = train(X, y, TrainConfig(loss=loss, solver="lbfgs", reg_strength=1e-3),
                   n_classes=10)
    assert result.converged
    reached = objective(result.W, result.b, X, y, loss, 1e-3)[0]
    assert reached < 0.2 * objective(0 * result.W, 0 * result.b, X, y, loss, 1e-3)[0]
    accuracy = np.mean(np.argmax(X_test @ result.W + result.b, axis=1) == y_test)
    assert accuracy > 0.94


def test_small_problems_end_at_machine_precision(digits):
    """Newton steps (solvers._polish) take the gradient from tol down to round-off when the
    weights are few; many weights stop at tol."""
    from linclass.solvers._polish import MAX_PARAMETERS

    X, y = digits[0][:300, :20], digits[1][:300] % 5
    config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=1e-3)
    small = train(X, y, config, n_classes=5)
    assert (20 + 1) * 5 <= MAX_PARAMETERS and small.history["newton_steps"] > 0
    assert small.history["grad_norm"] < 1e-12 * gradient_at_zero(X, y, "softmax", 5)
    wide = np.hstack([X] * 3)  # (60 + 1) * 5 > MAX_PARAMETERS
    large = train(wide, y, config, n_classes=5)
    assert large.history["newton_steps"] == 0 and large.converged
