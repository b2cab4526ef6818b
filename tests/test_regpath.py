"""``reg_strength="auto"``: the regularization path chooses what brute force chooses."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from linclass.config import TrainConfig
from linclass.data import train_val_split
from linclass.objective import loss_parts
from linclass.ridge import RidgePath, gram_stats, solve_least_squares
from linclass.solvers import SOLVERS, Problem, accuracy
from linclass.solvers._regpath import (
    GRID_SIZE,
    PATH_TOL_FACTOR,
    PATIENCE,
    choose,
    reg_grid,
    select,
)
from linclass.training import train


@pytest.fixture(scope="module")
def split():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    train_idx, val_idx = train_val_split(y, 0.3, seed=0)
    return X[train_idx], y[train_idx], X[val_idx], y[val_idx]


def test_grid_has_25_values_over_8_decades_scaled_by_the_features():
    X = np.random.default_rng(0).normal(size=(50, 4))
    grid = reg_grid(X)
    assert len(grid) == GRID_SIZE >= 20
    assert grid[0] / grid[-1] == pytest.approx(1e8)
    assert np.all(np.diff(grid) < 0)  # strongest first
    np.testing.assert_allclose(reg_grid(10 * X), 100 * grid)  # lambda follows X^2


@pytest.mark.parametrize(("loss", "solver"), [("softmax", "lbfgs"),
                                              ("least_squares", "exact"),
                                              ("squared_hinge", "lbfgs")])
def test_path_chooses_the_lambda_of_independent_fits(split, loss, solver):
    X, y, X_val, y_val = split
    # the path solves to PATH_TOL_FACTOR * tol: 1e-6, as the independent fits
    config = TrainConfig(loss=loss, solver=solver, tol=1e-6 / PATH_TOL_FACTOR)
    problem = Problem(X, y, 10, validation=(X_val, y_val))
    chosen = select(problem, config, SOLVERS[solver], patience=None)
    brute, losses = [], []
    for lam in reg_grid(X):  # cold starts, one independent fit per lambda
        fit = train(X, y, TrainConfig(**{**config.to_dict(), "reg_strength": float(lam),
                                         "tol": 1e-6}), n_classes=10)
        brute.append((float(lam), accuracy(X_val, y_val, fit.W, fit.b)))
        losses.append(loss_parts(fit.W, fit.b, X_val, y_val, loss=loss, reg="none").data_loss)
    assert [lam for lam, _ in chosen["reg_path"]] == [lam for lam, _ in brute]
    # accuracies down to where the path with patience stops (PATIENCE past the best): at the
    # grid's far end, lambda ~ 1e-6 s, the flat squared hinge leaves a range of solutions
    # within tol, and a warm and a cold start stop at different ones (3 rows of 539 apart)
    best = choose(brute, losses)
    reach = best + PATIENCE + 1
    np.testing.assert_allclose([a for _, a in chosen["reg_path"]][:reach],
                               [a for _, a in brute][:reach],
                               atol=1.5 / len(y_val))  # at most one row near a boundary
    # the loss too, down to the chosen lambda
    upto = best + 1
    np.testing.assert_allclose(chosen["val_losses"][:upto], losses[:upto], rtol=1e-2)
    assert chosen["reg_strength"] == brute[choose(brute, losses)][0]
    assert chosen["converged"]


def test_ties_in_accuracy_go_to_the_lower_validation_loss():
    path = [(10.0, 0.9), (1.0, 1.0), (0.1, 1.0), (0.01, 1.0)]
    assert choose(path, [2.0, 0.5, 0.2, 0.3]) == 2
    assert choose(path, [2.0, 0.5, 0.5, 0.5]) == 1


def test_patience_stops_after_the_best_and_keeps_its_choice(split):
    X, y, X_val, y_val = split
    problem = Problem(X, y, 10, validation=(X_val, y_val))
    config = TrainConfig(loss="softmax", solver="lbfgs")
    full = select(problem, config, SOLVERS["lbfgs"], patience=None)
    early = select(problem, config, SOLVERS["lbfgs"])
    assert early["reg_strength"] == full["reg_strength"]
    assert len(early["reg_path"]) <= len(full["reg_path"])


def test_ridge_path_equals_a_solve_per_lambda(split):
    X, y, _, _ = split
    weights = np.random.default_rng(1).uniform(0.5, 2, len(y))
    path = RidgePath(gram_stats(X, y, 10, sample_weight=weights))
    for lam in (1e-5, 1e-2, 10.0):
        W, b = solve_least_squares(X, y, 10, lam, sample_weight=weights)
        W_path, b_path = path.weights(lam)
        np.testing.assert_allclose(W_path, W, atol=1e-8)
        np.testing.assert_allclose(b_path, b, atol=1e-8)


@pytest.mark.parametrize("loss", ["softmax", "least_squares"])
def test_history_reports_the_choice_and_refit_uses_validation_rows(split, loss):
    X, y, X_val, y_val = split
    config = TrainConfig(loss=loss, reg_strength="auto", tol=1e-7)
    result = train(X, y, config, n_classes=10, validation=(X_val, y_val))
    history = result.history
    lam = history["reg_strength"]
    assert lam in [point[0] for point in history["reg_path"]]
    assert history["reg_val_accuracy"] == max(acc for _, acc in history["reg_path"])
    assert len(history["reg_val_loss"]) == len(history["reg_path"])
    assert history["reg_val_accuracy"] > 0.9 and history["refit"]
    fixed = TrainConfig(loss=loss, reg_strength=lam, tol=1e-7)
    both = train(np.concatenate([X, X_val]), np.concatenate([y, y_val]), fixed, n_classes=10)
    np.testing.assert_allclose(result.W, both.W, atol=1e-4)
    no_refit = train(X, y, TrainConfig(loss=loss, reg_strength="auto", refit=False, tol=1e-7),
                     n_classes=10, validation=(X_val, y_val))
    alone = train(X, y, fixed, n_classes=10)
    assert not no_refit.history["refit"]
    np.testing.assert_allclose(no_refit.W, alone.W, atol=1e-4)


def test_without_validation_data_a_stratified_share_is_held_out(split):
    X, y, _, _ = split
    config = TrainConfig(loss="softmax", reg_strength="auto", validation_fraction=0.2)
    result = train(X, y, config, n_classes=10)
    assert 0 < result.history["reg_strength"] and len(result.history["reg_path"]) >= 6
    assert accuracy(X, y, result.W, result.b) > 0.95


def test_minibatch_losses_take_the_warm_started_loop(split):
    X, y, X_val, y_val = split
    config = TrainConfig(loss="svm", solver="minibatch", reg_strength="auto", lr=0.05,
                         epochs=2, refit=False)
    seen = []
    result = train(X[:400], y[:400], config, n_classes=10, validation=(X_val, y_val),
                   callback=seen.append)
    assert result.history["solver"] == "minibatch"
    assert [info["reg_strength"] for info in seen] == \
        [lam for lam, _ in result.history["reg_path"]]
    assert result.history["reg_val_accuracy"] > 0.8


def test_the_estimator_keeps_the_choice_in_its_model_file(split, tmp_path):
    from linclass import LinearClassifier
    from linclass.model_file import load, save

    X, y, _, _ = split
    clf = LinearClassifier(loss="softmax", reg_strength="auto", random_state=0).fit(X, y)
    loaded = load(save(clf, tmp_path / "model.npz"))
    assert loaded.history_["reg_strength"] == clf.history_["reg_strength"] > 0
    assert [tuple(p) for p in loaded.history_["reg_path"]] == clf.history_["reg_path"]
