r"""Slices of the loss landscape through the trained weights, along random directions.

The course notes' optimization chapter [1]_ plots the loss :math:`L(W + a D_1)` along one
random direction (1-D) and :math:`L(W + a D_1 + b D_2)` over a plane of two (2-D). For the
SVM and a single example the slice is piecewise linear (a sum of hinges of functions linear in
``a``); averaged over many examples it is a convex bowl.

Each direction is Gaussian, rescaled so that every class column has the norm of the
corresponding column of ``W`` ("filter normalization" of [2]_ with classes as filters), so a
step of 1 is a change as large as the weights themselves, and slices of different models
are comparable.

Notes
-----
The scores are linear in the step, ``S(a, b) = (X W + 1 b^T) + a X D_1 + b X D_2``, so X is
multiplied once per direction and each grid point costs a data loss on ``(N, C)`` scores
plus the regularizer on the moved weights; the result equals :func:`linclass.linear_loss`
at every point (the tests check it), in float64.

References
----------
.. [1] CS231n, "Optimization: Visualizing the loss function",
   https://cs231n.github.io/optimization-1/#vis
.. [2] H. Li, Z. Xu, G. Taylor, C. Studer and T. Goldstein, "Visualizing the Loss Landscape
   of Neural Nets", NeurIPS 2018. https://arxiv.org/abs/1712.09913
"""

import numpy as np

from linclass._validation import check_positive, fail, resolve
from linclass.losses import LOSSES
from linclass.objective import check_linear_inputs
from linclass.regularizers import REGULARIZERS
from linclass.report._style import SEQUENTIAL, new_figure, styled
from linclass.report._text import text

__all__ = [
    "loss_along_line", "loss_on_plane", "plot_landscape_1d", "plot_landscape_2d",
    "random_directions",
]


def random_directions(W, n, seed=0):
    """``n`` Gaussian directions shaped like ``W``, each column with the norm of W's column.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    n : int, number of directions
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n, D, C), float64
        ``||d[:, k]|| = ||W[:, k]||``; a zero column of W gets a unit-norm direction column.
    """
    W = np.asarray(W, dtype=np.float64)
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((n,) + W.shape)  # (n, D, C)
    target = np.linalg.norm(W, axis=0)  # (C,)
    target = np.where(target > 0, target, 1.0)
    directions *= target / np.linalg.norm(directions, axis=1, keepdims=True)
    return directions


def loss_along_line(W, b, X, y, *, loss="svm", reg="l2", reg_strength=0.0, margin=1.0,
                    l1_ratio=0.5, direction=None, seed=0, extent=1.0, n_steps=101):
    """The loss :math:`L(W + a D)` for ``a`` in ``[-extent, extent]`` (1-D slice).

    Parameters
    ----------
    W : ndarray of shape (D, C), the trained weights (the slice's centre, ``a = 0``)
    b : ndarray of shape (C,), the bias (held fixed)
    X : ndarray of shape (N, D), one example (N = 1) or a batch
    y : ndarray of shape (N,), integer labels
    loss, reg, reg_strength, margin, l1_ratio
        As in :func:`linclass.linear_loss` (the default is the data loss alone).
    direction : ndarray of shape (D, C), optional
        Default: ``random_directions(W, 1, seed)[0]``.
    seed : int or numpy.random.Generator
    extent : float > 0
    n_steps : int >= 3

    Returns
    -------
    steps : ndarray of shape (n_steps,), the values of ``a``
    losses : ndarray of shape (n_steps,), float64
    """
    W, b, X, y = _check(W, b, X, y)
    if direction is None:
        direction = random_directions(W, 1, seed)[0]
    steps = _steps(extent, n_steps)
    losses = _losses(W, b, X, y, _directions(W, [direction]), steps[:, None],
                     loss, reg, reg_strength, margin, l1_ratio)
    return steps, losses


def loss_on_plane(W, b, X, y, *, loss="svm", reg="l2", reg_strength=0.0, margin=1.0,
                  l1_ratio=0.5, directions=None, seed=0, extent=1.0, n_steps=41):
    """The loss :math:`L(W + a D_1 + b D_2)` over ``[-extent, extent]^2`` (2-D slice).

    Parameters are those of :func:`loss_along_line`, with ``directions`` of shape
    ``(2, D, C)`` (default: ``random_directions(W, 2, seed)``).

    Returns
    -------
    steps : ndarray of shape (n_steps,), the values of ``a`` and of ``b``
    losses : ndarray of shape (n_steps, n_steps), float64
        ``losses[i, j]`` is at ``b = steps[i]``, ``a = steps[j]`` (rows follow the second
        direction, as an image's rows follow its y axis).
    """
    W, b, X, y = _check(W, b, X, y)
    if directions is None:
        directions = random_directions(W, 2, seed)
    steps = _steps(extent, n_steps)
    grid_b, grid_a = np.meshgrid(steps, steps, indexing="ij")
    coefficients = np.column_stack([grid_a.ravel(), grid_b.ravel()])  # (n_steps**2, 2)
    losses = _losses(W, b, X, y, _directions(W, directions), coefficients,
                     loss, reg, reg_strength, margin, l1_ratio)
    return steps, losses.reshape(n_steps, n_steps)


@styled
def plot_landscape_1d(steps, curves, *, title=None, lang="en"):
    """1-D slices, one panel per curve, the trained weights marked at step 0.

    Parameters
    ----------
    steps : ndarray of shape (n,)
    curves : dict {label: ndarray of shape (n,)}, e.g. one example and a batch average
    title : str, optional, the figure's title (default: "Loss along a random direction")
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        One axes per curve; its first line holds ``(steps, curve)``.
    """
    steps = np.asarray(steps, dtype=np.float64)
    curves = _check_curves(curves, (len(steps),))
    fig = new_figure(5.5 * len(curves), 4.0)
    fig.suptitle(text(lang, "landscape_1d_title") if title is None else title)
    axes = fig.subplots(1, len(curves), squeeze=False).ravel()
    for ax, (label, losses) in zip(axes, curves.items(), strict=True):
        ax.plot(steps, losses, linewidth=2)
        centre = np.interp(0.0, steps, losses)
        ax.plot([0.0], [centre], "o", color="black", label=text(lang, "trained_weights_at_0"))
        ax.set_title(label)
        ax.set_xlabel(text(lang, "step_along_d"))
        ax.set_ylabel(text(lang, "loss_per_example"))
        ax.legend()
    return fig


@styled
def plot_landscape_2d(steps, grids, *, title=None, lang="en"):
    """2-D slices as colour maps with contour lines, one panel per grid.

    Parameters
    ----------
    steps : ndarray of shape (n,)
    grids : dict {label: ndarray of shape (n, n)}, as returned by :func:`loss_on_plane`
    title : str, optional, the figure's title (default: "Loss over a plane of two random
        directions")
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        One axes per grid (and one colour bar each); the mesh's array is the grid.
    """
    steps = np.asarray(steps, dtype=np.float64)
    grids = _check_curves(grids, (len(steps), len(steps)))
    fig = new_figure(5.5 * len(grids), 4.8)
    fig.suptitle(text(lang, "landscape_2d_title") if title is None else title)
    axes = fig.subplots(1, len(grids), squeeze=False).ravel()
    for ax, (label, losses) in zip(axes, grids.items(), strict=True):
        mesh = ax.pcolormesh(steps, steps, losses, cmap=SEQUENTIAL, shading="nearest")
        ax.contour(steps, steps, losses, levels=12, colors="white", linewidths=0.7,
                   alpha=0.8)
        ax.plot([0.0], [0.0], "*", color="red", markersize=12, label=text(lang, "trained_weights"))
        ax.set_aspect("equal")
        ax.set_title(label)
        ax.set_xlabel(text(lang, "step_along_d1"))
        ax.set_ylabel(text(lang, "step_along_d2"))
        ax.legend(loc="upper right")
        fig.colorbar(mesh, ax=ax, label=text(lang, "loss_per_example"), shrink=0.85)
    return fig


def _check(W, b, X, y):
    W, b, X, y = check_linear_inputs(W, b, X, y)
    return (W.astype(np.float64), b.astype(np.float64), X.astype(np.float64),
            y.astype(np.int64))


def _steps(extent, n_steps):
    check_positive("extent", extent)
    if int(n_steps) != n_steps or n_steps < 3:
        raise fail("n_steps", "an integer >= 3", n_steps)
    return np.linspace(-extent, extent, int(n_steps))


def _directions(W, directions):
    directions = np.asarray(directions, dtype=np.float64)
    if directions.shape[1:] != W.shape:
        raise fail("direction", f"shaped like W {W.shape}", f"shape {directions.shape[1:]}")
    return directions


def _losses(W, b, X, y, directions, coefficients, loss, reg, reg_strength, margin, l1_ratio):
    """Loss at ``W + sum_j coefficients[p, j] * directions[j]`` for every row ``p``."""
    loss_fn = resolve("loss", loss, LOSSES)
    reg_fn = resolve("reg", reg, REGULARIZERS)
    base = X @ W + b  # (N, D) @ (D, C) -> (N, C)
    moves = X @ directions  # (N, D) @ (k, D, C) -> (k, N, C)
    losses = np.empty(len(coefficients))
    for p, c in enumerate(coefficients):
        scores = base + np.tensordot(c, moves, axes=1)  # (N, C)
        data_loss = loss_fn(scores, y, margin=margin)[0]
        penalty = reg_fn(W + np.tensordot(c, directions, axes=1), reg_strength,
                         l1_ratio=l1_ratio)[0] if reg_strength else 0.0
        losses[p] = data_loss + penalty
    return losses


def _check_curves(curves, shape):
    if not isinstance(curves, dict) or not curves:
        raise fail("curves", "a non-empty dict {label: losses}", type(curves).__name__)
    checked = {str(k): np.asarray(v, dtype=np.float64) for k, v in curves.items()}
    for label, values in checked.items():
        if values.shape != shape:
            raise fail(f"curves[{label!r}]", f"an array of shape {shape} (one loss per step)",
                       f"shape {values.shape}")
    return checked
