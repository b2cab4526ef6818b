"""``loss_parts``, ``sample_weight`` and scipy.sparse X in the objective."""

import numpy as np
import pytest
import scipy.sparse

import linclass as lc
from linclass import objective
from linclass.gradcheck import check
from linclass.losses import LOSSES
from linclass.objective import LossParts, loss_parts
from linclass.regularizers import REGULARIZERS


def problem(seed=0, n=41, d=9, c=4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = rng.integers(0, c, size=n)
    y[:c] = np.arange(c)  # every class present
    W = (0.3 * rng.standard_normal((d, c))).astype(dtype)
    b = (0.1 * rng.standard_normal(c)).astype(dtype)
    return W, b, X, y


def sparse_problem(seed=0, n=60, d=30, c=5, density=0.15):
    rng = np.random.default_rng(seed)
    X = scipy.sparse.random(n, d, density=density, format="csr", random_state=seed)
    y = rng.integers(0, c, size=n)
    W = 0.5 * rng.standard_normal((d, c))
    b = 0.1 * rng.standard_normal(c)
    return W, b, X, y


def assert_same(got, want, rtol=1e-10):
    assert got[0] == pytest.approx(want[0], rel=rtol)
    for g, w in zip(got[1:], want[1:], strict=True):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-13)


# ---------------------------------------------------------------- loss_parts

def test_loss_parts_is_exported():
    assert "loss_parts" in objective.__all__ and "LossParts" in objective.__all__


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("reg", list(REGULARIZERS))
def test_parts_add_up_to_linear_loss(loss, reg):
    W, b, X, y = problem(1)
    parts = loss_parts(W, b, X, y, loss, reg, 0.4, margin=1.2, l1_ratio=0.3)
    assert isinstance(parts, LossParts)
    penalty = REGULARIZERS[reg](W, 0.4, l1_ratio=0.3)[0]
    assert parts.penalty == penalty
    data_loss = LOSSES[loss](X @ W + b, y, margin=1.2)[0]
    assert parts.data_loss == pytest.approx(data_loss, rel=1e-12)
    total, dW, db = lc.linear_loss(W, b, X, y, loss, reg, 0.4, margin=1.2, l1_ratio=0.3)
    assert total == parts.data_loss + parts.penalty
    np.testing.assert_array_equal(dW, parts.dW)
    np.testing.assert_array_equal(db, parts.db)


# ---------------------------------------------------------------- sample weights

@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("block_rows", [None, 5])
def test_integer_sample_weights_equal_repeated_rows(loss, block_rows):
    W, b, X, y = problem(2)
    counts = np.random.default_rng(2).integers(0, 4, size=len(y))
    counts[0] = 1
    rep = np.repeat(np.arange(len(y)), counts)
    want = lc.linear_loss(W, b, X[rep], y[rep], loss, "l2", 0.1)
    got = lc.linear_loss(W, b, X, y, loss, "l2", 0.1, sample_weight=counts,
                         block_rows=block_rows)
    assert_same(got, want)


@pytest.mark.parametrize("loss", ["svm", "softmax", "least_squares"])
def test_sample_and_class_weights_multiply(loss):
    W, b, X, y = problem(3)
    s = np.random.default_rng(3).uniform(0.1, 2.0, size=len(y))
    c = np.array([0.5, 2.0, 1.0, 3.0])
    got = loss_parts(W, b, X, y, loss, "none", sample_weight=s, class_weight=c)
    per_row = np.array([LOSSES[loss](X[i:i + 1] @ W + b, y[i:i + 1])[0] for i in range(len(y))])
    assert got.data_loss == pytest.approx((s * c[y] * per_row).sum() / s.sum(), rel=1e-12)
    # the same as repeated rows when the weights are integers
    counts = np.arange(len(y)) % 3
    rep = np.repeat(np.arange(len(y)), counts)
    want = lc.linear_loss(W, b, X[rep], y[rep], loss, "none", class_weight=c)
    assert_same(lc.linear_loss(W, b, X, y, loss, "none", class_weight=c,
                               sample_weight=counts), want)


def test_unit_sample_weights_change_nothing_and_scale_does_not_matter():
    W, b, X, y = problem(4)
    want = lc.linear_loss(W, b, X, y, "squared_hinge", "l2", 0.2)
    assert_same(lc.linear_loss(W, b, X, y, "squared_hinge", "l2", 0.2,
                               sample_weight=np.ones(len(y))), want, rtol=1e-12)
    s = np.random.default_rng(4).uniform(size=len(y))
    assert_same(lc.linear_loss(W, b, X, y, "svm", sample_weight=7 * s),
                lc.linear_loss(W, b, X, y, "svm", sample_weight=s), rtol=1e-12)


@pytest.mark.parametrize("loss", ["svm", "softmax"])
def test_weights_with_threads_and_blocks_equal_one_block(monkeypatch, loss):
    W, b, X, y = problem(5, n=200, dtype=np.float32)
    s = np.random.default_rng(5).uniform(0, 3, size=len(y)).astype(np.float32)
    c = np.array([1.0, 0.2, 3.0, 1.5])
    one = lc.linear_loss(W, b, X, y, loss, "l2", 0.1, sample_weight=s, class_weight=c,
                         block_rows=len(y))
    monkeypatch.setattr(objective, "THREADS", 3)
    many = lc.linear_loss(W, b, X, y, loss, "l2", 0.1, sample_weight=s, class_weight=c,
                          block_rows=7)
    assert many[1].dtype == np.float32
    assert many[0] == pytest.approx(one[0], rel=1e-5)
    np.testing.assert_allclose(many[1], one[1], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(many[2], one[2], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("reg", ["l2", "elastic_net"])
def test_gradient_check_with_sample_and_class_weights(loss, reg):
    W, b, X, y = problem(6, n=25, d=5, c=3)
    W *= 3  # away from hinge kinks in most coordinates; checked with the kink tolerance
    s = np.random.default_rng(6).uniform(0.2, 2.0, size=len(y))
    c = np.array([0.5, 1.0, 2.0])

    def f(W_, b_):
        return lc.linear_loss(W_, b_, X, y, loss, reg, 0.1, l1_ratio=0.3, sample_weight=s,
                              class_weight=c, block_rows=4)

    _, dW, db = f(W, b)
    for result in (check(lambda w: f(w, b)[0], W, dW), check(lambda v: f(W, v)[0], b, db)):
        assert result.verdict in ("good", "fine with kinks"), result


@pytest.mark.parametrize(("weights", "match"), [
    (np.ones(3), r"^sample_weight must be a 1-D array of 41 weights"),
    (-np.ones(41), r"^sample_weight must be finite weights >= 0"),
    (np.full(41, np.nan), r"^sample_weight must be finite weights >= 0"),
    (np.zeros(41), r"^sample_weight must be weights with a positive sum, got all 0"),
])
def test_bad_sample_weight_is_named(weights, match):
    W, b, X, y = problem()
    with pytest.raises(ValueError, match=match):
        lc.linear_loss(W, b, X, y, sample_weight=weights)


def test_sample_weight_on_torch_equals_numpy():
    torch = pytest.importorskip("torch")
    W, b, X, y = problem(7)
    s = np.random.default_rng(7).uniform(0, 2, size=len(y))
    want = lc.linear_loss(W, b, X, y, "softmax", "l2", 0.1, sample_weight=s)
    got = lc.linear_loss(torch.from_numpy(W), torch.from_numpy(b), torch.from_numpy(X),
                         torch.from_numpy(y), "softmax", "l2", 0.1, sample_weight=s)
    assert isinstance(got[1], torch.Tensor)
    assert_same((got[0], got[1].numpy(), got[2].numpy()), want, rtol=1e-12)


# ---------------------------------------------------------------- scipy.sparse X

@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("block_rows", [None, 7])
def test_sparse_equals_dense(loss, block_rows):
    W, b, X, y = sparse_problem(8)
    want = lc.linear_loss(W, b, X.toarray(), y, loss, "l2", 0.05)
    got = lc.linear_loss(W, b, X, y, loss, "l2", 0.05, block_rows=block_rows)
    assert isinstance(got[1], np.ndarray) and got[1].shape == W.shape
    assert_same(got, want)


@pytest.mark.parametrize("fmt", ["csc", "coo"])
def test_other_sparse_formats_and_float32(fmt):
    W, b, X, y = sparse_problem(9)
    W32, b32 = W.astype(np.float32), b.astype(np.float32)
    X32 = X.astype(np.float32).asformat(fmt)
    got = lc.linear_loss(W32, b32, X32, y, "softmax", "l2", 0.05)
    assert got[1].dtype == np.float32 and got[1].flags.c_contiguous
    want = lc.linear_loss(W32, b32, X32.toarray(), y, "softmax", "l2", 0.05)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-4, atol=1e-6)
    assert got[0] == pytest.approx(want[0], rel=1e-5)


@pytest.mark.parametrize("loss", ["svm", "softmax", "least_squares"])
def test_sparse_with_weights_gradient_checks(loss):
    W, b, X, y = sparse_problem(10, n=30, d=8, c=3, density=0.4)
    s = np.random.default_rng(10).uniform(0.2, 2.0, size=len(y))

    def f(W_, b_):
        return lc.linear_loss(W_, b_, X, y, loss, "l2", 0.1, sample_weight=s,
                              class_weight=[1.0, 2.0, 0.5])

    _, dW, db = f(W, b)
    dense = lc.linear_loss(W, b, X.toarray(), y, loss, "l2", 0.1, sample_weight=s,
                           class_weight=[1.0, 2.0, 0.5])
    np.testing.assert_allclose(dW, dense[1], rtol=1e-10, atol=1e-13)
    for result in (check(lambda w: f(w, b)[0], W, dW), check(lambda v: f(W, v)[0], b, db)):
        assert result.verdict in ("good", "fine with kinks"), result


def test_sparse_with_torch_weights_is_refused():
    torch = pytest.importorskip("torch")
    W, b, X, y = sparse_problem(11)
    with pytest.raises(ValueError, match=r"^X must be a dense array or tensor when W is a "
                                         r"torch tensor"):
        lc.linear_loss(torch.from_numpy(W), torch.from_numpy(b), X, y)
