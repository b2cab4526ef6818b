"""Mistakes worth looking at: images predicted wrongly, ordered by how confident the model was.

The score margin of a mistake is ``s[predicted] - s[true] >= 0``: how far the wrong class's
score beat the true class's.
"""

import math
from dataclasses import dataclass

import numpy as np

from linclass._validation import fail
from linclass.backend import check_scores_labels
from linclass.report._style import check_class_names, hide_frame, new_figure, show_image, styled
from linclass.report._text import text

__all__ = ["Mistakes", "find_mistakes", "plot_confident_mistakes", "plot_misclassified"]


@dataclass(frozen=True)
class Mistakes:
    """The misclassified examples, most confident (largest margin) first.

    Attributes
    ----------
    index : ndarray of shape (M,), int64, rows of ``scores`` that are mistakes
    true : ndarray of shape (M,), int64, their labels
    predicted : ndarray of shape (M,), int64, ``argmax`` of their scores
    margin : ndarray of shape (M,), float64, ``s[predicted] - s[true]``
    """

    index: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    margin: np.ndarray

    def predicted_as(self, k, n):
        """Positions (into these arrays) of the ``n`` most confident mistakes predicted as ``k``."""
        return np.flatnonzero(self.predicted == k)[:n]


def find_mistakes(scores, labels):
    """Every example whose top-scoring class is not its label, by decreasing margin.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
    labels : ndarray of shape (N,), integer labels in [0, C)

    Returns
    -------
    Mistakes
        Ties in margin keep the order of the rows.

    Examples
    --------
    >>> m = find_mistakes(np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5]]), np.array([1, 1, 1]))
    >>> m.index.tolist(), m.predicted.tolist(), m.margin.tolist()
    ([0, 2], [0, 0], [1.0, 0.5])
    """
    scores, labels = check_scores_labels(scores, labels)
    predicted = scores.argmax(axis=1)
    index = np.flatnonzero(predicted != labels)
    margin = (scores[index, predicted[index]] - scores[index, labels[index]]).astype(np.float64)
    order = np.argsort(-margin, kind="stable")
    index = index[order]
    return Mistakes(index.astype(np.int64), labels[index].astype(np.int64),
                    predicted[index].astype(np.int64), margin[order])


@styled
def plot_misclassified(images, labels, scores, class_names, *, per_class=8, lang="en"):
    """For each class, a row of images wrongly predicted as that class.

    Each image is titled with its true class and score margin; the most confident mistakes
    come first in each row.

    Parameters
    ----------
    images : ndarray of shape (N, H, W, channels), uint8 (or float in [0, 1])
    labels : ndarray of shape (N,), integer labels
    scores : ndarray of shape (N, C)
    class_names : sequence of C str
    per_class : int, images per row
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        A grid of C rows x ``per_class`` axes (``fig.axes[k * per_class + j]``); an axes
        without a mistake to show is left empty (no image).
    """
    images, mistakes, names = _prepare(images, labels, scores, class_names)
    per_class = _check_count("per_class", per_class)
    width, height = 1.25 * per_class + 1.4, 1.45 * len(names) + 0.9
    fig = new_figure(width, height, layout=None)  # a fixed grid: no layout solver needed
    fig.suptitle(text(lang, "misclassified_title"))
    axes = fig.subplots(len(names), per_class, squeeze=False)
    fig.subplots_adjust(left=1.3 / width, right=1 - 0.1 / width, bottom=0.1 / height,
                        top=1 - 1.0 / height, wspace=0.15, hspace=0.55)
    for k, row in enumerate(axes):
        chosen = mistakes.predicted_as(k, per_class)
        for j, ax in enumerate(row):
            if j < len(chosen):
                m = chosen[j]
                show_image(ax, images[mistakes.index[m]],
                           f"{names[mistakes.true[m]]}\n+{mistakes.margin[m]:.2f}", fontsize=8)
            else:
                hide_frame(ax)
        row[0].set_ylabel(text(lang, "predicted_as", name=names[k]), rotation=0, ha="right",
                          va="center")
    return fig


@styled
def plot_confident_mistakes(images, labels, scores, class_names, *, n=16, ncols=8, lang="en"):
    """The ``n`` most confident mistakes overall (largest score margin first).

    Each image is titled ``true -> predicted`` with the margin; ``lang`` ("en" or "ko") is
    the language of the title.

    Returns
    -------
    matplotlib.figure.Figure
        ``min(n, number of mistakes)`` image axes, in order of decreasing margin.
    """
    images, mistakes, names = _prepare(images, labels, scores, class_names)
    n = min(_check_count("n", n), len(mistakes.index))
    ncols = max(1, min(_check_count("ncols", ncols), n))
    nrows = max(1, math.ceil(n / ncols))
    width, height = 1.6 * ncols + 0.4, 1.8 * nrows + 0.7
    fig = new_figure(width, height, layout=None)
    fig.suptitle(text(lang, "confident_title", n=n))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    fig.subplots_adjust(left=0.2 / width, right=1 - 0.2 / width, bottom=0.1 / height,
                        top=1 - 0.95 / height, wspace=0.2, hspace=0.6)
    for m, ax in enumerate(axes):
        if m < n:
            show_image(ax, images[mistakes.index[m]],
                       f"{names[mistakes.true[m]]} -> {names[mistakes.predicted[m]]}\n"
                       f"+{mistakes.margin[m]:.2f}", fontsize=8)
        else:
            fig.delaxes(ax)
    return fig


def _prepare(images, labels, scores, class_names):
    images, scores = np.asarray(images), np.asarray(scores)
    mistakes = find_mistakes(scores, labels)
    if images.ndim not in (3, 4) or len(images) != len(scores):
        raise fail("images", f"an array (N, H, W[, channels]) with N = {len(scores)} "
                   "(one per row of scores)", f"shape {images.shape}")
    names = check_class_names(class_names, scores.shape[1], "column of scores")
    return images, mistakes, names


def _check_count(name, value):
    if int(value) != value or value < 1:
        raise fail(name, "an integer >= 1", value)
    return int(value)
