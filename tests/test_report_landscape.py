"""Loss-landscape slices: equal to linear_loss, piecewise linear for one SVM example, convex
on average (CS231n, "Optimization: Visualizing the loss function")."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.svm import LinearSVC

import linclass as lc
from linclass import report


@pytest.fixture(scope="module")
def trained():
    """Real images (scikit-learn's digits) and the weights of a trained linear SVM."""
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    svc = LinearSVC(C=0.1, max_iter=5000).fit(X, y)
    return svc.coef_.T.copy(), svc.intercept_.copy(), X, y


def second_differences(values):
    return values[2:] - 2 * values[1:-1] + values[:-2]


@pytest.mark.parametrize(("loss", "reg"), [("svm", "l2"), ("softmax", "l2"),
                                           ("crammer_singer", "l1")])
def test_line_equals_linear_loss_at_every_step(trained, loss, reg):
    W, b, X, y = trained
    direction = report.random_directions(W, 1, seed=3)[0]
    steps, losses = report.loss_along_line(W, b, X[:200], y[:200], loss=loss, reg=reg,
                                           reg_strength=0.05, direction=direction,
                                           n_steps=11, extent=2.0)
    np.testing.assert_allclose(steps, np.linspace(-2, 2, 11))
    expected = [lc.linear_loss(W + a * direction, b, X[:200], y[:200], loss=loss, reg=reg,
                               reg_strength=0.05)[0] for a in steps]
    np.testing.assert_allclose(losses, expected, rtol=1e-12)


def test_plane_equals_linear_loss_and_contains_the_line(trained):
    W, b, X, y = trained
    steps, grid = report.loss_on_plane(W, b, X[:100], y[:100], reg_strength=0.1, seed=4,
                                       n_steps=7)
    d1, d2 = report.random_directions(W, 2, seed=4)
    for i, j in [(0, 0), (3, 3), (1, 5), (6, 2)]:
        expected = lc.linear_loss(W + steps[j] * d1 + steps[i] * d2, b, X[:100], y[:100],
                                  reg_strength=0.1)[0]
        np.testing.assert_allclose(grid[i, j], expected, rtol=1e-12)
    # the same seed's 1-D slice is the plane's row through b = 0
    _, line = report.loss_along_line(W, b, X[:100], y[:100], reg_strength=0.1, seed=4,
                                     n_steps=7)
    np.testing.assert_allclose(grid[3], line, rtol=1e-12)


def test_directions_have_the_norm_of_each_class_column(trained):
    W = trained[0]
    directions = report.random_directions(W, 3, seed=0)
    assert directions.shape == (3,) + W.shape
    for d in directions:
        np.testing.assert_allclose(np.linalg.norm(d, axis=0), np.linalg.norm(W, axis=0))
    assert not np.allclose(directions[0], directions[1])
    np.testing.assert_array_equal(directions, report.random_directions(W, 3, seed=0))


def test_single_example_svm_slice_is_piecewise_linear(trained):
    W, b, X, y = trained
    n_kinks_max = W.shape[1] - 1  # one hinge per wrong class
    for example in range(5):
        steps, losses = report.loss_along_line(W, b, X[example:example + 1],
                                               y[example:example + 1], loss="svm",
                                               seed=example, extent=3.0, n_steps=201)
        d2 = np.abs(second_differences(losses))
        kinks = d2 > 1e-9 * max(1.0, np.abs(losses).max())
        # a kink between two grid points bends at most two second differences
        assert kinks.sum() <= 2 * n_kinks_max, kinks.sum()
        assert kinks.sum() < len(d2) // 10


def test_single_example_softmax_slice_is_not_piecewise_linear(trained):
    """The kink count above can fail: a smooth loss bends at almost every step."""
    W, b, X, y = trained
    _, losses = report.loss_along_line(W, b, X[:1], y[:1], loss="softmax", extent=3.0,
                                       n_steps=201)
    assert (np.abs(second_differences(losses)) > 1e-9).sum() > 2 * (W.shape[1] - 1)


@pytest.mark.parametrize("loss", ["svm", "softmax", "squared_hinge"])
def test_batch_average_is_convex_along_the_line(trained, loss):
    W, b, X, y = trained
    rng = np.random.default_rng(0)
    batch = rng.choice(len(y), 500, replace=False)
    _, losses = report.loss_along_line(W, b, X[batch], y[batch], loss=loss, reg_strength=0.01,
                                       seed=1, extent=3.0, n_steps=151)
    d2 = second_differences(losses)
    assert d2.min() >= -1e-10 * np.abs(losses).max()
    assert d2.max() > 0  # a bowl, not a flat line
    assert losses[len(losses) // 2] < min(losses[0], losses[-1])


def test_bad_landscape_arguments(trained):
    W, b, X, y = trained
    with pytest.raises(ValueError, match="n_steps must be an integer >= 3"):
        report.loss_along_line(W, b, X[:2], y[:2], n_steps=2)
    with pytest.raises(ValueError, match="direction must be shaped like W"):
        report.loss_along_line(W, b, X[:2], y[:2], direction=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="loss must be one of"):
        report.loss_on_plane(W, b, X[:2], y[:2], loss="hinge")
