"""``solver="exact"``: the closed-form least-squares classifier (linclass.ridge).

Oracles: scikit-learn's RidgeClassifier (alpha = 2 * lambda * N) on the real digits, and the
gradient of linclass.linear_loss, which must vanish at the solution.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import RidgeClassifier

from linclass import LinearClassifier, linear_loss
from linclass.config import TrainConfig
from linclass.model_file import load
from linclass.ridge import solve_least_squares
from linclass.training import train


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y  # float64 in [0, 1]


def ridge(X, y, reg_strength, **kwargs):
    """scikit-learn's RidgeClassifier of the same objective: alpha = 2 lambda N."""
    return RidgeClassifier(alpha=2 * reg_strength * len(y), solver="cholesky", **kwargs)


@pytest.mark.parametrize("reg_strength", [1e-4, 1e-2])
def test_equals_sklearn_ridge_classifier_on_digits(digits, reg_strength):
    X, y = digits
    clf = LinearClassifier(loss="least_squares", solver="exact", reg_strength=reg_strength,
                           early_stopping=False).fit(X, y)
    sk = ridge(X, y, reg_strength).fit(X, y)
    np.testing.assert_allclose(clf.coef_, sk.coef_.T, atol=1e-5)
    np.testing.assert_allclose(clf.intercept_, sk.intercept_, atol=1e-5)
    np.testing.assert_array_equal(clf.predict(X), sk.predict(X))


def test_class_weights_equal_sklearn_weighted_ridge(digits):
    X, y = digits
    clf = LinearClassifier(loss="least_squares", solver="exact", reg_strength=1e-3,
                           class_weight="balanced", early_stopping=False).fit(X[:900], y[:900])
    sk = ridge(X[:900], y[:900], 1e-3, class_weight="balanced").fit(X[:900], y[:900])
    np.testing.assert_allclose(clf.coef_, sk.coef_.T, atol=1e-5)
    np.testing.assert_allclose(clf.intercept_, sk.intercept_, atol=1e-5)


@pytest.mark.parametrize(("reg", "margin", "weighted"),
                         [("l2", 1.0, False), ("l2", 0.5, True), ("none", 2.0, False)])
def test_gradient_of_linear_loss_vanishes_at_the_solution(reg, margin, weighted):
    rng = np.random.default_rng(0)
    X = rng.normal(loc=3.0, size=(400, 30))  # uncentred: the bias matters
    y = rng.integers(0, 5, 400)
    class_weight = rng.uniform(0.2, 3.0, 5) if weighted else None
    strength = 0.05
    W, b = solve_least_squares(X, y, 5, strength if reg == "l2" else 0.0, margin=margin,
                               class_weight=class_weight)
    _, dW, db = linear_loss(W, b, X, y, "least_squares", reg, strength, margin=margin,
                            class_weight=class_weight)
    assert np.abs(dW).max() < 1e-12 and np.abs(db).max() < 1e-12
    # and it is a minimum, not just a stationary point: any step raises the objective
    loss = linear_loss(W, b, X, y, "least_squares", reg, strength, margin=margin,
                       class_weight=class_weight)[0]
    step = 1e-3 * rng.standard_normal(W.shape)
    assert linear_loss(W + step, b, X, y, "least_squares", reg, strength, margin=margin,
                       class_weight=class_weight)[0] > loss


def test_memmap_equals_in_memory_float32(digits, tmp_path):
    X = digits[0].astype(np.float32)
    y = digits[1]
    np.save(tmp_path / "X.npy", X)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    W, b = solve_least_squares(X, y, 10, 1e-3, block_rows=256)
    W_map, b_map = solve_least_squares(X_map, y, 10, 1e-3, block_rows=256)
    assert W_map.dtype == np.float32 and b_map.dtype == np.float32
    np.testing.assert_array_equal(W_map, W)
    np.testing.assert_array_equal(b_map, b)


@pytest.mark.parametrize("block_rows", [1, 7, 500])
def test_block_size_does_not_change_the_result(digits, block_rows):
    X, y = digits
    W, b = solve_least_squares(X, y, 10, 1e-3)  # one block
    W_blocks, b_blocks = solve_least_squares(X, y, 10, 1e-3, block_rows=block_rows)
    np.testing.assert_allclose(W_blocks, W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b_blocks, b, rtol=1e-10, atol=1e-12)


def test_float32_close_to_float64(digits):
    X, y = digits
    W64, b64 = solve_least_squares(X, y, 10, 1e-3)
    W32, b32 = solve_least_squares(X.astype(np.float32), y, 10, 1e-3)
    assert W32.dtype == np.float32
    np.testing.assert_allclose(W32, W64, atol=1e-4 * np.abs(W64).max())
    np.testing.assert_allclose(b32, b64, atol=1e-4 * np.abs(W64).max())


def test_float32_on_uncentred_features_without_signal_stays_accurate():
    # features far from 0 (as k-means features) and random labels: W is tiny and any error in
    # the float32 feature means leaks into it unless the targets are centred as well
    rng = np.random.default_rng(1)
    X = (5 + rng.random((20_000, 50))).astype(np.float32)
    y = rng.integers(0, 10, 20_000)
    W64, b64 = solve_least_squares(X.astype(np.float64), y, 10, 1e-4)
    W32, b32 = solve_least_squares(X, y, 10, 1e-4, block_rows=4096)
    np.testing.assert_allclose(W32, W64, atol=1e-5 * np.abs(W64).max())
    np.testing.assert_allclose(b32, b64, atol=1e-5 * np.abs(b64).max())


def test_history_is_one_epoch_with_validation(digits):
    X, y = digits
    calls = []
    config = TrainConfig(loss="least_squares", solver="exact", reg_strength=1e-3)
    result = train(X[:1500], y[:1500], config, n_classes=10, validation=(X[1500:], y[1500:]),
                   callback=calls.append)
    assert result.epochs == 1 and result.history["best_epoch"] == 0
    for key in ("loss", "data_loss", "reg_loss", "lr", "train_accuracy", "val_accuracy"):
        assert len(result.history[key]) == 1, key
    loss = linear_loss(result.W, result.b, X[:1500], y[:1500], "least_squares", "l2", 1e-3)[0]
    assert result.history["loss"][0] == pytest.approx(loss, rel=1e-12)
    sk = ridge(X[:1500], y[:1500], 1e-3).fit(X[:1500], y[:1500])
    assert result.history["val_accuracy"][0] == sk.score(X[1500:], y[1500:])
    assert result.history["train_accuracy"][0] == sk.score(X[:1500], y[:1500])
    assert len(calls) == 1 and calls[0]["val_accuracy"] == result.history["val_accuracy"][0]


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(("settings", "message"), [
    ({"loss": "svm"}, r"^loss must be 'least_squares' with solver='exact'.*got 'svm'"),
    ({"loss": "least_squares", "reg": "l1"},
     r"^reg must be 'l2' or 'none' with solver='exact'.*got 'l1'"),
    ({"loss": "least_squares", "reg": "elastic_net"}, r"^reg must be 'l2' or 'none'"),
])
def test_bad_combinations_are_one_line_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(solver="exact", **settings)
    with pytest.raises(ValueError, match=message):
        LinearClassifier(solver="exact", **settings).fit(np.eye(4), [0, 1, 0, 1])


def test_singular_gram_without_regularization_says_increase_reg_strength(digits):
    X, y = digits  # some pixels are 0 in every image: constant features
    with pytest.raises(ValueError, match=r"^reg_strength must be large enough .* got 0.0\. "
                                         r"Increase reg_strength"):
        LinearClassifier(loss="least_squares", solver="exact", reg="none",
                         early_stopping=False).fit(X, y)


def test_other_devices_partial_fit_and_zero_weights_are_refused(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"^device must be 'cpu' .*solver='exact'"):
        LinearClassifier(loss="least_squares", solver="exact", device="torch",
                         early_stopping=False).fit(X, y)
    # partial_fit is one epoch of minibatch descent whatever the solver (SGDClassifier's)
    clf = LinearClassifier(loss="least_squares", solver="exact", random_state=0)
    clf.partial_fit(X, y, classes=np.arange(10))
    assert clf.history_["solver"] == "minibatch" and clf.n_iter_ == 1
    with pytest.raises(ValueError, match=r"^class_weight must be weights with a positive sum"):
        solve_least_squares(X, y, 10, 1e-3, class_weight=np.zeros(10))


# ---------------------------------------------------------------------------------- CLI

def linclass(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "linclass", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_feature_matrix_equals_sklearn_and_the_saved_model_predicts_the_same(
        digits, tmp_path):
    X, y = digits
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    out = tmp_path / "model.npz"
    done = linclass("train", "--data", tmp_path, "--loss", "least_squares", "--solver",
                    "exact", "--reg-strength", "1e-3", "--val-size", "0", "--normalize", "none",
                    "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["epochs"] == 1 and result["best_epoch"] == 1
    assert result["settings"]["solver"] == "exact"
    model = load(out)
    sk = ridge(X, y, 1e-3).fit(X, y)
    np.testing.assert_allclose(model.coef_, sk.coef_.T, atol=1e-5)
    predicted = model.predict(X).astype(np.int64)  # a feature source's labels are names
    np.testing.assert_array_equal(predicted, sk.predict(X))
    assert result["train_accuracy"] == np.mean(predicted == y)


def test_cli_digits_end_to_end(tmp_path):
    out = tmp_path / "digits.npz"
    done = linclass("train", "--data", "digits", "--loss", "least_squares", "--solver",
                    "exact", "--json", "--out", out)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["epochs"] == 1 and result["val_accuracy"] > 0.9
    evaluated = json.loads(linclass("evaluate", "--model", out, "--data", "digits",
                                    "--json").stdout)
    # the loaded model scores every image as the trained one did on its two splits
    n_right = result["train_accuracy"] * result["n_train"] + \
        result["val_accuracy"] * result["n_val"]
    assert evaluated["n"] == 1797
    assert evaluated["accuracy"] * 1797 == pytest.approx(n_right, abs=1e-6)


def test_cli_bad_combination_is_a_one_line_usage_error(tmp_path):
    done = linclass("train", "--data", "digits", "--solver", "exact", "--out",
                    tmp_path / "m.npz")
    assert done.returncode == 2
    assert done.stderr.startswith("linclass train: --loss must be 'least_squares' with "
                                  "--solver exact")
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()


def test_sample_weights_equal_repeated_rows_and_sklearn(digits):
    X, y = digits[0][:600], digits[1][:600]
    weights = np.random.default_rng(3).integers(0, 4, len(y))
    W, b = solve_least_squares(X, y, 10, 1e-3, sample_weight=weights)
    W_rep, b_rep = solve_least_squares(np.repeat(X, weights, axis=0), np.repeat(y, weights), 10,
                                       1e-3)
    np.testing.assert_allclose(W, W_rep, atol=1e-9)
    np.testing.assert_allclose(b, b_rep, atol=1e-9)
    result = train(X, y, TrainConfig(loss="least_squares", solver="exact", reg_strength=1e-3),
                   n_classes=10, sample_weight=weights)
    sk = RidgeClassifier(alpha=2 * 1e-3 * weights.sum(), solver="cholesky").fit(
        X, y, sample_weight=weights)
    np.testing.assert_allclose(result.W, sk.coef_.T, atol=1e-6)
