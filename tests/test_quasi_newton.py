"""L-BFGS's two-loop recursion and the Wolfe line search with the approximate
(noise-tolerant) sufficient decrease."""

import numpy as np
import pytest

from linclass.config import TrainConfig
from linclass.solvers import Problem
from linclass.solvers._lbfgs import Objective, minimize
from linclass.solvers._quasi_newton import C1, C2, DELTA, Memory, line_search


def quadratic(A, b):
    """f(x) = x'Ax/2 - b'x with its gradient."""
    return lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)


def spd(rng, n):
    Q = rng.standard_normal((n, n))
    return Q @ Q.T + n * np.eye(n)


def test_two_loop_recursion_equals_the_dense_bfgs_update():
    rng = np.random.default_rng(0)
    n = 7
    A = spd(rng, n)
    memory = Memory(5)
    pairs = []
    for _ in range(8):  # more pairs than the memory keeps
        s = rng.standard_normal(n)
        memory.add(s, A @ s)
        pairs.append((s, A @ s))
    g = rng.standard_normal(n)
    s, y = pairs[-1]
    H = (s @ y) / (y @ y) * np.eye(n)
    for s, y in pairs[-5:]:  # BFGS: H+ = (I - rho s y') H (I - rho y s') + rho s s'
        rho = 1 / (s @ y)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    np.testing.assert_allclose(memory.direction(g), -H @ g, rtol=1e-10)


def test_empty_memory_gives_steepest_descent_and_negative_curvature_is_refused():
    memory = Memory(3)
    g = np.array([1.0, -2.0])
    np.testing.assert_array_equal(memory.direction(g), -g)
    assert not memory.add(np.array([1.0, 0.0]), np.array([-1.0, 0.0]))
    assert len(memory) == 0


@pytest.mark.parametrize("step", [1e-3, 1.0, 1e3])
def test_line_search_returns_a_wolfe_step_from_any_first_trial(step):
    rng = np.random.default_rng(2)
    A = spd(rng, 5)
    f = quadratic(A, rng.standard_normal(5))
    x = rng.standard_normal(5)
    value, gradient = f(x)
    p = -gradient
    alpha, new_value, new_gradient = line_search(f, x, p, value, gradient, step, noise=0.0)
    slope0 = gradient @ p
    assert new_value <= value + C1 * alpha * slope0
    assert new_gradient @ p >= C2 * slope0
    np.testing.assert_allclose(f(x + alpha * p)[0], new_value)


def test_line_search_makes_progress_where_values_are_noise():
    """Values rounded to a grid coarser than the step's decrease: Armijo alone fails at
    random; the approximate Wolfe condition accepts a step whose slope shows progress."""
    A, b = np.diag([1.0, 4.0]), np.zeros(2)
    exact = quadratic(A, b)
    offset = 100.0  # the value's magnitude: noise is relative to it

    x = np.array([1e-4, 1e-4])  # the true decrease available is ~2.5e-8, below the noise

    def noisy(theta):  # 1e-8 relative noise: low at the start, high everywhere else
        value, gradient = exact(theta)
        return offset + value + (-1e-6 if np.array_equal(theta, x) else 1e-6), gradient

    value, gradient = noisy(x)
    p = -np.linalg.solve(A, gradient)  # the Newton step: alpha = 1 is the minimizer
    assert line_search(noisy, x, p, value, gradient, 1.0, noise=0.0) is None
    alpha, _, new_gradient = line_search(noisy, x, p, value, gradient, 1.0, noise=1e-7)
    assert new_gradient @ p <= (2 * DELTA - 1) * (gradient @ p)
    assert np.linalg.norm(new_gradient) < 1e-3 * np.linalg.norm(gradient)


def test_float32_probe_converges_without_float64_products():
    """100 classes, unit-norm float32 rows: a tight tolerance is met with float32 products
    alone (the objective's values are flat to ~1e-9 there; the slopes still decide)."""
    rng = np.random.default_rng(3)
    c, d, n = 20, 32, 20_000
    means = rng.standard_normal((c, d))
    y = rng.integers(0, c, n)
    X = (means[y] + 3 * rng.standard_normal((n, d))).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=1e-5)
    objective = Objective(Problem(X, y, c), config, config.reg_strength)
    found = minimize(objective, np.zeros(d * c + c), tol=1e-6, max_iter=1000)
    assert found.converged, found.message
    assert objective.dtype == np.float32
    exact = Objective(Problem(X.astype(np.float64), y, c), config, config.reg_strength)
    gradient = exact(found.theta)[1]
    assert np.abs(gradient).max() <= 1e-5 * exact.zero_gradient_norm()


def test_preconditioned_two_loop_equals_the_dense_bfgs_update_from_gamma_p():
    rng = np.random.default_rng(4)
    n = 6
    A, P = spd(rng, n), np.linalg.inv(spd(rng, n))
    memory = Memory(3, precondition=lambda v: P @ v)
    np.testing.assert_allclose(memory.direction(np.ones(n)), -P @ np.ones(n))
    pairs = []
    for _ in range(3):
        s = rng.standard_normal(n)
        memory.add(s, A @ s)
        pairs.append((s, A @ s))
    g = rng.standard_normal(n)
    s, y = pairs[-1]
    H = (s @ y) / (y @ P @ y) * P
    for s, y in pairs:
        rho = 1 / (s @ y)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    np.testing.assert_allclose(memory.direction(g), -H @ g, rtol=1e-10)


def test_second_moment_preconditioner_reaches_the_same_minimum_in_fewer_iterations(
        monkeypatch):
    """Correlated features (a decaying spectrum, as pixels have): the preconditioned run ends
    at an objective no worse than the plain one's, in far fewer iterations."""
    from linclass.solvers import _precondition
    from linclass.training import train

    rng = np.random.default_rng(5)
    n, d, c = 3000, 300, 5
    mixing = rng.standard_normal((d, d)) * np.logspace(0, -2, d)[:, None]
    X = rng.standard_normal((n, d)) @ mixing
    y = np.argmax(X @ rng.standard_normal((d, c)) + 10 * rng.standard_normal((n, c)), axis=1)
    config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=1e-3, tol=1e-7)
    assert _precondition.SecondMoments.applies(Problem(X, y, c), config)
    preconditioned = train(X, y, config, n_classes=c)
    monkeypatch.setattr(_precondition, "MIN_FEATURES", d + 1)
    plain = train(X, y, config, n_classes=c)
    assert preconditioned.converged and plain.converged
    objective = Objective(Problem(X, y, c), config, config.reg_strength)

    def value(result):
        return objective(np.concatenate([result.W.ravel(), result.b]))[0]

    # both meet the gradient tolerance; the preconditioned stop is no worse (1e-8 relative)
    assert value(preconditioned) <= value(plain) * (1 + 1e-8)
    assert preconditioned.history["iterations"] < plain.history["iterations"] / 2, \
        (preconditioned.history["iterations"], plain.history["iterations"])
