"""Least squares with a float32 Gram matrix equals linclass.ridge's float64 solution."""

import numpy as np
import pytest

from linclass.features._kmeans_readout import Float32Gram, least_squares_float32
from linclass.ridge import solve_least_squares


def features(n, d, rank=None, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    if rank is not None:  # strongly correlated columns: an ill-conditioned Gram matrix
        x = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, d)) + 0.05 * x
    return ((x - x.mean(0)) / x.std(0)).astype(np.float32) + 0.3, rng.integers(0, 5, n)


@pytest.mark.parametrize(("rank", "reg", "tolerance"), [(None, 1e-3, 1e-5), (40, 1e-3, 2e-3),
                                                         (40, 1e-2, 2e-4)])
def test_equals_the_float64_solution(rank, reg, tolerance):
    X, y = features(3000, 400, rank)
    W, b = least_squares_float32(X, y, 5, reg, margin=1.0, block_rows=700)
    W64, b64 = solve_least_squares(X.astype(np.float64), y, 5, reg)
    assert W.dtype == b.dtype == np.float32
    np.testing.assert_allclose(W, W64, atol=tolerance * np.abs(W64).max())
    np.testing.assert_allclose(b, b64, atol=max(1e-5, 0.1 * tolerance))


def test_one_gram_solves_every_lambda():
    X, y = features(1000, 50, seed=1)
    gram = Float32Gram(X, y, 5, margin=2.0)
    for reg in (1e-4, 1e-1):
        W, b = gram.solve(reg)
        W64, b64 = solve_least_squares(X.astype(np.float64), y, 5, reg, margin=2.0)
        np.testing.assert_allclose(W, W64, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(b, b64, rtol=1e-5, atol=1e-6)


def test_bad_lambda_is_a_one_line_error():
    X, y = features(50, 5)
    with pytest.raises(ValueError, match="reg_strength"):
        least_squares_float32(X, y, 5, 0.0)
