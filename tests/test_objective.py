"""``linear_loss``: the lecture's whole objective, blocked over rows of X."""

import numpy as np
import pytest

import linclass as lc
from linclass import objective
from linclass.losses import LOSSES
from linclass.regularizers import REGULARIZERS


def problem(seed=0, n=53, d=11, c=5, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, c, size=n)
    W = (0.3 * rng.standard_normal((d, c))).astype(dtype)
    b = (0.1 * rng.standard_normal(c)).astype(dtype)
    return W, b, X, y


def unblocked(W, b, X, y, loss, reg, reg_strength, margin=1.0, l1_ratio=0.5):
    """The objective written out once, in the most straightforward way."""
    scores = X @ W + b
    data_loss, dscores = LOSSES[loss](scores, y, margin=margin)
    penalty, dR = REGULARIZERS[reg](W, reg_strength, l1_ratio=l1_ratio)
    return data_loss + penalty, X.T @ dscores + dR, dscores.sum(axis=0)


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("reg", list(REGULARIZERS))
@pytest.mark.parametrize("block_rows", [1, 4, 7, 53, 100, None])
def test_blocked_equals_unblocked(loss, reg, block_rows):
    W, b, X, y = problem()
    expected = unblocked(W, b, X, y, loss, reg, 0.2, margin=1.5, l1_ratio=0.3)
    got = lc.linear_loss(W, b, X, y, loss=loss, reg=reg, reg_strength=0.2, margin=1.5,
                         l1_ratio=0.3, block_rows=block_rows)
    assert got[0] == pytest.approx(expected[0], rel=1e-12)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(got[2], expected[2], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("block_bytes", [1, 3 * 8 * 11, 1 << 30])
def test_block_bytes_setting_changes_nothing(monkeypatch, block_bytes):
    W, b, X, y = problem(1)
    expected = unblocked(W, b, X, y, "svm", "l2", 0.1)
    monkeypatch.setattr(objective, "BLOCK_BYTES", block_bytes)
    got = lc.linear_loss(W, b, X, y, loss="svm", reg="l2", reg_strength=0.1)
    assert got[0] == pytest.approx(expected[0], rel=1e-12)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("reg", ["l2", "l1", "elastic_net"])
def test_bias_is_not_regularized(loss, reg):
    W, b, X, y = problem(2)
    b = b + 5.0  # a large bias: a penalty on it would be visible
    loss0, dW0, db0 = lc.linear_loss(W, b, X, y, loss=loss, reg=reg, reg_strength=0.0)
    loss1, dW1, db1 = lc.linear_loss(W, b, X, y, loss=loss, reg=reg, reg_strength=3.0)
    penalty, dR = REGULARIZERS[reg](W, 3.0, l1_ratio=0.5)
    np.testing.assert_array_equal(db1, db0)
    assert loss1 - loss0 == pytest.approx(penalty, rel=1e-12)
    np.testing.assert_allclose(dW1 - dW0, dR, rtol=1e-12, atol=1e-14)


def test_lecture_scores_through_the_linear_model():
    # X = I makes the scores W's rows: the three lecture images again, SVM mean 5.27
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    loss, _, _ = lc.linear_loss(scores, np.zeros(3), np.eye(3), [0, 1, 2], loss="svm", reg="none")
    assert loss == pytest.approx(15.8 / 3, abs=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_dtype_preserved(dtype, loss):
    W, b, X, y = problem(3, dtype=dtype)
    value, dW, db = lc.linear_loss(W, b, X, y, loss=loss, reg="elastic_net", reg_strength=0.1)
    assert dW.dtype == dtype and db.dtype == dtype
    assert isinstance(value, float)


def test_float32_close_to_float64():
    W, b, X, y = problem(4)
    l64, dW64, db64 = lc.linear_loss(W, b, X, y, loss="softmax", reg="l2", reg_strength=0.1)
    l32, dW32, db32 = lc.linear_loss(W.astype(np.float32), b.astype(np.float32),
                                     X.astype(np.float32), y, loss="softmax", reg="l2",
                                     reg_strength=0.1)
    assert l32 == pytest.approx(l64, rel=1e-5)
    np.testing.assert_allclose(dW32, dW64, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(db32, db64, rtol=1e-4, atol=1e-6)


def test_mixed_dtypes_run_in_float64():
    W, b, X, y = problem(5)
    _, dW, db = lc.linear_loss(W, b, X.astype(np.float32), y)
    assert dW.dtype == np.float64 and db.dtype == np.float64
    _, dW, db = lc.linear_loss(W, b, (X * 10).astype(np.int64), y)
    assert dW.dtype == np.float64


def test_inputs_not_modified():
    W, b, X, y = problem(6)
    copies = [a.copy() for a in (W, b, X, y)]
    lc.linear_loss(W, b, X, y, loss="softmax", reg="l2", reg_strength=1.0, block_rows=10)
    for a, before in zip((W, b, X, y), copies, strict=True):
        np.testing.assert_array_equal(a, before)


class TestBadInput:
    def test_unknown_loss(self):
        W, b, X, y = problem()
        with pytest.raises(ValueError, match=r"^loss must be one of 'svm', 'squared_hinge', "
                                             r"'crammer_singer', 'one_vs_all', 'softmax', "
                                             r"'least_squares', "
                                             r"got 'hinge'"):
            lc.linear_loss(W, b, X, y, loss="hinge")

    def test_w_not_2d(self):
        W, b, X, y = problem()
        with pytest.raises(ValueError, match=r"^W must be a 2-D array .*got shape \(11,\)"):
            lc.linear_loss(W[:, 0], b, X, y)

    def test_bias_of_wrong_length(self):
        W, b, X, y = problem()
        message = r"^b must be a 1-D array of 5 biases .*got shape \(4,\)"
        with pytest.raises(ValueError, match=message):
            lc.linear_loss(W, b[:4], X, y)

    def test_x_columns_do_not_match_w(self):
        W, b, X, y = problem()
        message = r"^X must be a 2-D array \(N, 11\) .*got shape \(53, 10\)"
        with pytest.raises(ValueError, match=message):
            lc.linear_loss(W, b, X[:, :10], y)

    def test_labels_of_wrong_length(self):
        W, b, X, y = problem()
        message = r"^y must be a 1-D array of 53 labels .*got shape \(52,\)"
        with pytest.raises(ValueError, match=message):
            lc.linear_loss(W, b, X, y[:-1])

    def test_label_outside_classes(self):
        W, b, X, y = problem()
        y = y.copy()
        y[-1] = 5
        with pytest.raises(ValueError, match=r"^y must be class indices in \[0, 5\), got label 5"):
            lc.linear_loss(W, b, X, y, block_rows=8)

    def test_nan_in_x(self):
        W, b, X, y = problem()
        X = X.copy()
        X[3, 2] = np.nan
        with pytest.raises(ValueError, match=r"^scores must be finite"):
            lc.linear_loss(W, b, X, y)

    def test_empty_x(self):
        W, b, X, y = problem()
        with pytest.raises(ValueError, match=r"^X must be non-empty, got 0 rows"):
            lc.linear_loss(W, b, X[:0], y[:0])

    @pytest.mark.parametrize("bad", [0, -3, 2.5])
    def test_bad_block_rows(self, bad):
        W, b, X, y = problem()
        with pytest.raises(ValueError, match=r"^block_rows must be a positive integer"):
            lc.linear_loss(W, b, X, y, block_rows=bad)

    def test_negative_reg_strength(self):
        W, b, X, y = problem()
        with pytest.raises(ValueError, match=r"^reg_strength must be a finite number >= 0"):
            lc.linear_loss(W, b, X, y, reg_strength=-1.0)


def test_single_threaded_context_restores_blas_and_torch_threads():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with objective._single_threaded():
        assert all(t == 1 for t in blas_threads())
    assert blas_threads() == before
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    with objective._single_threaded(torch):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == threads


@pytest.mark.parametrize("loss", ["softmax", "svm", "crammer_singer", "one_vs_all",
                                  "least_squares", "squared_hinge"])
def test_objective_hessian_equals_differences_of_the_gradient(loss):
    """The Newton steps' Hessian (exact in X, score blocks by differences) against central
    differences of loss_parts's gradient in every weight, with both kinds of weights."""
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 5)), rng.integers(0, 4, 40)
    W, b = rng.normal(size=(5, 4)), rng.normal(size=4)
    settings = dict(loss=loss, reg="l2", reg_strength=0.1,
                    smoothing=0.2 if loss in ("svm", "crammer_singer", "one_vs_all") else 0.0,
                    sample_weight=rng.random(40), class_weight=np.array([1.0, 2.0, 0.5, 1.0]))
    hessian = objective.objective_hessian(W, b, X, y, **settings)
    theta = np.concatenate([W.ravel(), b])

    def gradient(t):
        parts = objective.loss_parts(t[:20].reshape(5, 4), t[20:], X, y, **settings)
        return np.concatenate([parts.dW.ravel(), parts.db])

    numerical = np.empty_like(hessian)
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = 1e-6
        numerical[:, j] = (gradient(theta + step) - gradient(theta - step)) / 2e-6
    np.testing.assert_allclose(hessian, numerical, atol=1e-7 * np.abs(numerical).max())
    np.testing.assert_array_equal(hessian, hessian.T)
