"""The training loop: accuracy on real digits, reproducibility, divergence, history, weights."""

import numpy as np
import pytest

import linclass as lc
from linclass.config import TrainConfig, default_config
from linclass.errors import DivergenceError
from linclass.features import FeaturePipeline
from linclass.losses import reference
from linclass.training import accuracy, train


@pytest.fixture(scope="module")
def digits():
    """Real 8x8 digits, standardized raw pixels, the stratified 90/10 split."""
    ds = lc.data.load("digits")
    train_idx, val_idx = lc.data.train_val_split(ds.labels, 0.1, seed=0)
    pipe = FeaturePipeline.from_spec("raw", cache=False)
    X_train = pipe.fit_transform(ds.images[train_idx])
    X_val = pipe.transform(ds.images[val_idx])
    return X_train, ds.labels[train_idx], X_val, ds.labels[val_idx]


@pytest.mark.parametrize("loss", ["svm", "softmax"])
def test_digits_reach_090_validation_accuracy(digits, loss):
    X_train, y_train, X_val, y_val = digits
    config = TrainConfig(loss=loss, lr=0.05, reg_strength=1e-3, epochs=40, batch_size=64)
    result = train(X_train, y_train, config, n_classes=10, validation=(X_val, y_val))
    assert accuracy(X_val, y_val, result.W, result.b) >= 0.9
    assert result.W.dtype == np.float32  # float32 features train in float32


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_same_seed_same_weights_bit_for_bit(digits, optimizer):
    X_train, y_train, _, _ = digits
    config = TrainConfig(solver="minibatch", optimizer=optimizer, lr=1e-3, epochs=3,
                         batch_size=32, seed=7)
    first = train(X_train, y_train, config, n_classes=10)
    second = train(X_train, y_train, config, n_classes=10)
    np.testing.assert_array_equal(first.W, second.W)
    np.testing.assert_array_equal(first.b, second.b)
    other = train(X_train, y_train, TrainConfig(**{**config.to_dict(), "seed": 8}),
                  n_classes=10)
    assert not np.array_equal(first.W, other.W)


def test_diverging_learning_rate_names_the_epoch(digits):
    X_train, y_train, _, _ = digits
    config = TrainConfig(loss="squared_hinge", solver="minibatch", lr=10.0, epochs=5,
                         schedule="constant")
    with pytest.raises(DivergenceError, match=r"diverged in epoch \d .*learning rate"):
        train(X_train, y_train, config, n_classes=10)


def test_history_lengths_and_best_epoch(digits):
    X_train, y_train, X_val, y_val = digits
    config = TrainConfig(loss="softmax", solver="minibatch", lr=0.5, schedule="constant",
                         epochs=6, batch_size=128, early_stopping=True)
    seen = []
    result = train(X_train, y_train, config, n_classes=10, validation=(X_val, y_val),
                   callback=seen.append)
    h = result.history
    steps = 6 * -(-len(y_train) // 128)
    assert len(h["loss"]) == len(h["data_loss"]) == len(h["reg_loss"]) == len(h["lr"]) == steps
    np.testing.assert_allclose(np.add(h["data_loss"], h["reg_loss"]), h["loss"])
    assert len(h["train_accuracy"]) == len(h["val_accuracy"]) == 6 == len(seen)
    assert [info["epoch"] for info in seen] == list(range(6))
    best = h["best_epoch"]
    assert h["val_accuracy"][best] == max(h["val_accuracy"])
    # the returned weights are the best epoch's
    assert accuracy(X_val, y_val, result.W, result.b) == h["val_accuracy"][best]


def test_patience_stops_early(digits):
    X_train, y_train, X_val, y_val = digits
    config = TrainConfig(solver="minibatch", lr=1e-6, schedule="constant", epochs=30,
                         patience=2, early_stopping=True)
    result = train(X_train, y_train, config, n_classes=10, validation=(X_val, y_val))
    assert result.epochs < 30
    assert len(result.history["val_accuracy"]) == result.epochs


def test_full_batch_step_is_gradient_descent(digits):
    """One epoch with one batch of all rows is W <- W - lr * dL/dW of linear_loss."""
    X_train, y_train, _, _ = digits
    X = X_train.astype(np.float64)
    rng = np.random.default_rng(0)
    W0, b0 = rng.normal(size=(64, 10)) * 0.01, rng.normal(size=10) * 0.01
    config = TrainConfig(loss="svm", solver="minibatch", reg_strength=0.1, lr=0.3,
                         schedule="constant", epochs=1, batch_size=len(X))
    result = train(X, y_train, config, n_classes=10, init=(W0, b0))
    _, dW, db = lc.linear_loss(W0, b0, X, y_train, loss="svm", reg_strength=0.1)
    np.testing.assert_allclose(result.W, W0 - 0.3 * dW, rtol=1e-12)
    np.testing.assert_allclose(result.b, b0 - 0.3 * db, rtol=1e-12)


def test_warm_start_does_not_modify_init(digits):
    X_train, y_train, _, _ = digits
    W0, b0 = np.ones((64, 10), np.float32), np.zeros(10, np.float32)
    train(X_train, y_train, TrainConfig(epochs=1), n_classes=10, init=(W0, b0))
    assert np.all(W0 == 1) and np.all(b0 == 0)


@pytest.mark.parametrize("loss", ["svm", "softmax", "crammer_singer"])
def test_class_weight_is_the_weighted_mean_of_the_reference_losses(loss):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 5)), rng.integers(0, 3, size=30)
    W, b = rng.normal(size=(5, 3)), rng.normal(size=3)
    weights = np.array([2.0, 0.5, 1.5])
    value, dW, _ = lc.linear_loss(W, b, X, y, loss=loss, reg_strength=0.0,
                                  class_weight=weights, block_rows=7)
    per_row = [getattr(reference, loss)(X[i:i + 1] @ W + b, y[i:i + 1])[0] for i in range(30)]
    assert value == pytest.approx(np.mean(weights[y] * per_row), rel=1e-12)
    # gradient: numerical, on the weighted objective
    eps, k = 1e-6, (2, 1)
    Wp, Wm = W.copy(), W.copy()
    Wp[k] += eps
    Wm[k] -= eps
    f = [lc.linear_loss(M, b, X, y, loss=loss, class_weight=weights)[0] for M in (Wp, Wm)]
    assert dW[k] == pytest.approx((f[0] - f[1]) / (2 * eps), rel=1e-5)


def test_bad_settings_are_one_line_value_errors():
    with pytest.raises(ValueError, match="loss must be one of"):
        TrainConfig(loss="hinge")
    with pytest.raises(ValueError, match="lr must be"):
        TrainConfig(lr=-1.0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        TrainConfig(batch_size=0)


def test_default_config_reads_the_tuned_table():
    config = default_config("raw", "softmax", lr=None, epochs=3)
    assert config.loss == "softmax" and config.epochs == 3
    assert config.lr == lc.config.DEFAULTS[("raw", "softmax")]["lr"]
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_nan_input_is_named_as_bad_input_not_divergence():
    X = np.ones((20, 3))
    X[5, 1] = np.nan
    config = TrainConfig(solver="minibatch", epochs=1)
    with pytest.raises(ValueError, match=r"^X must be finite \(no NaN or inf\)"):
        train(X, np.arange(20) % 2, config, n_classes=2)
