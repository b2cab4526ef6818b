"""Regularizers: penalty = strength * R(W), CS231n's L2 convention (gradient 2 lambda W)."""

import numpy as np
import pytest

import linclass as lc
from linclass.gradcheck import check
from linclass.regularizers import REGULARIZERS, elastic_net, l1, l2, none


def test_l2_lecture_example():
    # the lecture: w1 = [1, 0, 0, 0] and w2 = [0.25] * 4 score x = [1] * 4 alike, L2 prefers w2
    assert l2(np.array([1.0, 0, 0, 0]), 1.0)[0] == 1.0
    assert l2(np.array([0.25] * 4), 1.0)[0] == 0.25


def test_l2_value_and_gradient_by_hand():
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    penalty, dW = l2(W, 0.1)
    assert penalty == pytest.approx(0.1 * (1 + 4 + 0.25), rel=1e-15)
    np.testing.assert_array_equal(dW, 2 * 0.1 * W)


def test_l1_value_and_subgradient_zero_at_zero():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    penalty, dW = l1(W, 0.5)
    assert penalty == pytest.approx(0.5 * 6)
    np.testing.assert_array_equal(dW, [[0.5, -0.5], [0.0, 0.5]])


def test_elastic_net_is_the_mix():
    W = np.random.default_rng(0).standard_normal((5, 3))
    p, g = elastic_net(W, 0.3, l1_ratio=0.25)
    assert p == pytest.approx(0.3 * (0.25 * np.abs(W).sum() + 0.75 * (W ** 2).sum()), rel=1e-12)
    np.testing.assert_allclose(g, 0.3 * (0.25 * np.sign(W) + 2 * 0.75 * W), rtol=1e-12)


@pytest.mark.parametrize(("ratio", "pure"), [(0.0, l2), (1.0, l1)])
def test_elastic_net_ends_are_l2_and_l1(ratio, pure):
    W = np.random.default_rng(1).standard_normal((4, 3))
    p, g = elastic_net(W, 0.7, l1_ratio=ratio)
    p_pure, g_pure = pure(W, 0.7)
    assert p == pytest.approx(p_pure, rel=1e-12)
    np.testing.assert_allclose(g, g_pure, rtol=1e-12)


def test_none_is_zero():
    W = np.ones((3, 2), dtype=np.float32)
    penalty, dW = none(W, 5.0)
    assert penalty == 0.0
    assert not dW.any() and dW.dtype == np.float32 and dW.shape == W.shape


@pytest.mark.parametrize("name", ["l2", "l1", "elastic_net"])
def test_gradient_matches_numerical(name):
    # strength > 0 and != 0.5: a missing factor of 2 or of the strength would show
    W = np.random.default_rng(2).standard_normal((6, 4))  # no entry near L1's kink at 0
    assert np.abs(W).min() > 1e-3
    reg = REGULARIZERS[name]
    result = check(lambda w: reg(w, 0.37)[0], W, reg(W, 0.37)[1])
    assert result.max_relative_error < 1e-7, result


@pytest.mark.parametrize("name", list(REGULARIZERS))
def test_zero_strength_is_zero(name):
    W = np.random.default_rng(3).standard_normal((3, 3))
    penalty, dW = REGULARIZERS[name](W, 0.0)
    assert penalty == 0.0
    assert not dW.any()


@pytest.mark.parametrize("name", list(REGULARIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(name, dtype):
    W = np.random.default_rng(4).standard_normal((3, 2)).astype(dtype)
    _, dW = REGULARIZERS[name](W, 0.1)
    assert dW.dtype == dtype


@pytest.mark.parametrize("name", ["l2", "l1", "elastic_net"])
@pytest.mark.parametrize("bad", [-0.1, np.nan, np.inf])
def test_bad_strength(name, bad):
    with pytest.raises(ValueError, match=r"^reg_strength must be a finite number >= 0, got"):
        REGULARIZERS[name](np.ones((2, 2)), bad)


@pytest.mark.parametrize("bad", [-0.5, 1.5, np.nan])
def test_bad_l1_ratio(bad):
    with pytest.raises(ValueError, match=r"^l1_ratio must be in \[0, 1\], got"):
        elastic_net(np.ones((2, 2)), 0.1, l1_ratio=bad)


def test_unknown_name_lists_the_valid_ones():
    W, b, X, y = np.zeros((2, 3)), np.zeros(3), np.ones((4, 2)), np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"^reg must be one of 'l2', 'l1', 'elastic_net', "
                                         r"'none', got 'l3'"):
        lc.linear_loss(W, b, X, y, reg="l3")


@pytest.mark.parametrize("name", ["l2", "l1", "none"])
def test_every_regularizer_takes_l1_ratio_and_only_elastic_net_uses_it(name):
    W = np.random.default_rng(5).standard_normal((4, 3))
    plain = REGULARIZERS[name](W, 0.3)
    for ratio in (0.0, 0.9):
        penalty, dW = REGULARIZERS[name](W, 0.3, l1_ratio=ratio)
        assert penalty == plain[0]
        np.testing.assert_array_equal(dW, plain[1])
    assert REGULARIZERS["elastic_net"](W, 0.3, l1_ratio=0.0)[0] == pytest.approx(l2(W, 0.3)[0])
    assert REGULARIZERS["elastic_net"](W, 0.3, l1_ratio=1.0)[0] == pytest.approx(l1(W, 0.3)[0])


@pytest.mark.parametrize("name", list(REGULARIZERS))
def test_l1_ratio_is_keyword_only(name):
    with pytest.raises(TypeError):
        REGULARIZERS[name](np.ones((2, 2)), 0.1, 0.5)
