"""Losses, regularizers and linear_loss give the same values and gradients on NumPy and torch.

NumPy in float64 and float32 is the oracle; torch CPU tensors must match it and come back as
tensors of the input's dtype and device.
"""

import numpy as np
import pytest

from linclass import linear_loss
from linclass.losses import LOSSES, softmax_probabilities
from linclass.regularizers import REGULARIZERS

torch = pytest.importorskip("torch", reason="the PyTorch backend needs torch "
                                             "(pip install 'linclass[torch]')")

TOL = {np.float32: 1e-5, np.float64: 1e-12}
DTYPES = [np.float32, np.float64]


def as_torch(*arrays):
    return [torch.from_numpy(np.array(a)) for a in arrays]


def assert_tensor_close(got, want, dtype):
    assert isinstance(got, torch.Tensor)
    assert got.dtype == torch.from_numpy(np.empty(0, dtype)).dtype
    assert got.device.type == "cpu"
    np.testing.assert_allclose(got.numpy(), want, rtol=TOL[dtype], atol=TOL[dtype])


def linear_problem(dtype, n=300, d=20, c=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, c, n)
    W = (rng.standard_normal((d, c)) * 0.1).astype(dtype)
    b = rng.standard_normal(c).astype(dtype)
    return W, b, X, y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("reg", list(REGULARIZERS))
def test_linear_loss_on_torch_equals_numpy(dtype, loss, reg):
    W, b, X, y = linear_problem(dtype)
    want = linear_loss(W, b, X, y, loss, reg, 0.1, block_rows=64)
    got = linear_loss(*as_torch(W, b, X, y), loss, reg, 0.1, block_rows=64)
    assert isinstance(got[0], float)
    assert abs(got[0] - want[0]) <= TOL[dtype] * abs(want[0])
    assert_tensor_close(got[1], want[1], dtype)
    assert_tensor_close(got[2], want[2], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["svm", "softmax"])
def test_class_weighted_linear_loss_on_torch_equals_numpy(dtype, loss):
    W, b, X, y = linear_problem(dtype, seed=2)
    weights = np.array([0.5, 2.0, 1.0, 0.0, 3.0])
    want = linear_loss(W, b, X, y, loss, "l2", 0.1, class_weight=weights)
    got = linear_loss(*as_torch(W, b, X, y), loss, "l2", 0.1, class_weight=weights)
    assert abs(got[0] - want[0]) <= TOL[dtype] * abs(want[0])
    assert_tensor_close(got[1], want[1], dtype)
    assert_tensor_close(got[2], want[2], dtype)


def test_torch_weights_with_numpy_data_run_in_torch():
    W, b, X, y = linear_problem(np.float64, seed=3)
    want = linear_loss(W, b, X, y, "softmax", "l2", 0.1)
    (W_t,) = as_torch(W)
    got = linear_loss(W_t, b, X, y, "softmax", "l2", 0.1)
    assert_tensor_close(got[1], want[1], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("smoothing", [0.0, 0.05])
def test_loss_on_torch_equals_numpy(dtype, loss, smoothing):
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((50, 7)).astype(dtype)
    y = rng.integers(0, 7, 50)
    want = LOSSES[loss](scores, y, smoothing=smoothing)
    got = LOSSES[loss](*as_torch(scores, y), smoothing=smoothing)
    assert isinstance(got[0], float)
    assert abs(got[0] - want[0]) <= TOL[dtype] * max(1, abs(want[0]))
    assert_tensor_close(got[1], want[1], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reg", list(REGULARIZERS))
def test_regularizer_on_torch_equals_numpy(dtype, reg):
    W = np.random.default_rng(4).standard_normal((9, 4)).astype(dtype)
    W[0, 0] = 0.0  # the L1 subgradient's 0 at 0
    want = REGULARIZERS[reg](W, 0.3)
    got = REGULARIZERS[reg](*as_torch(W), 0.3)
    assert abs(got[0] - want[0]) <= TOL[dtype] * max(1, abs(want[0]))
    assert_tensor_close(got[1], want[1], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_probabilities_on_torch_equal_numpy(dtype):
    scores = np.random.default_rng(5).standard_normal((20, 6)).astype(dtype) * 30
    assert_tensor_close(softmax_probabilities(*as_torch(scores)),
                        softmax_probabilities(scores), dtype)


def test_bad_labels_on_torch_get_the_numpy_message():
    scores, y = as_torch(np.zeros((3, 4)), np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"^y must be class indices in \[0, 4\), got label 4\.$"):
        LOSSES["svm"](scores, y)
    with pytest.raises(ValueError, match="^scores must be finite"):
        LOSSES["softmax"](torch.full((2, 3), float("nan")), torch.tensor([0, 1]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_optimizer_steps_on_torch_equal_numpy(name, dtype):
    from linclass.optim import OPTIMIZERS, apply_updates

    rng = np.random.default_rng(6)
    params_np = (rng.standard_normal((6, 3)).astype(dtype), rng.standard_normal(3).astype(dtype))
    params_t = tuple(as_torch(*params_np))
    opt = OPTIMIZERS[name]()
    state_np, state_t = opt.init(params_np), opt.init(params_t)
    for _ in range(5):  # gradients of 0.5 * ||params - 1||^2, evaluated on each backend
        updates_np, state_np = opt.update(tuple(p - 1 for p in params_np), state_np,
                                          params_np, 0.1)
        updates_t, state_t = opt.update(tuple(p - 1 for p in params_t), state_t, params_t, 0.1)
        apply_updates(params_np, updates_np)
        apply_updates(params_t, updates_t)
    for got, want in zip(params_t, params_np, strict=True):
        assert_tensor_close(got, want, dtype)


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-9), (np.float32, 1e-3)])
@pytest.mark.parametrize("loss", ["svm", "softmax"])
def test_classifier_on_torch_learns_the_numpy_weights(dtype, rtol, loss):
    from sklearn.datasets import load_digits

    from linclass import LinearClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(dtype)
    params = {"loss": loss, "solver": "minibatch", "optimizer": "momentum", "lr": 0.05,
              "epochs": 3, "batch_size": 64, "random_state": 3}
    cpu = LinearClassifier(**params).fit(X, y)
    on_torch = LinearClassifier(**params, device="torch").fit(X, y)
    assert type(on_torch.coef_) is np.ndarray and on_torch.coef_.dtype == dtype
    scale = np.abs(cpu.coef_).max()
    np.testing.assert_allclose(on_torch.coef_, cpu.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(on_torch.intercept_, cpu.intercept_, rtol=rtol,
                               atol=rtol * scale)
    assert on_torch.score(X, y) == pytest.approx(cpu.score(X, y), abs=0.01)


def test_unknown_device_is_refused():
    from linclass import LinearClassifier

    with pytest.raises(ValueError, match="^device must be 'cpu' .*, got 'gpu'"):
        LinearClassifier(device="gpu").fit(np.eye(4), [0, 1, 0, 1])


def test_partial_fit_on_torch_continues_like_numpy():
    from sklearn.datasets import load_digits

    from linclass import LinearClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16
    params = {"loss": "softmax", "optimizer": "adam", "lr": 0.01, "batch_size": 128,
              "random_state": 1}
    cpu, on_torch = LinearClassifier(**params), LinearClassifier(**params, device="torch")
    for clf in (cpu, on_torch):
        clf.partial_fit(X[:900], y[:900], classes=np.arange(10))
        clf.partial_fit(X[900:], y[900:])  # continues the Adam moments on the device
    np.testing.assert_allclose(on_torch.coef_, cpu.coef_, rtol=1e-9, atol=1e-12)
