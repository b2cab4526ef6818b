"""Which classes are confused with which: confusion matrix and per-class accuracy."""

import numpy as np

from linclass._validation import fail
from linclass.report._style import COLORS, SEQUENTIAL, check_class_names, new_figure, styled
from linclass.report._text import text

__all__ = ["confusion_matrix", "per_class_accuracy", "plot_confusion", "plot_per_class_accuracy"]


def confusion_matrix(y_true, y_pred, n_classes):
    """Counts ``M[i, j]`` of examples of true class ``i`` predicted as class ``j``.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (N,), integer labels in [0, n_classes)
    n_classes : int

    Returns
    -------
    ndarray of shape (n_classes, n_classes), int64

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 1], 3).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise fail("y_pred", f"a 1-D array of {y_true.shape} labels like y_true",
                   f"shape {y_pred.shape}")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            raise fail(name, f"labels in [0, {n_classes})",
                       f"values in [{labels.min()}, {labels.max()}]")
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def per_class_accuracy(confusion):
    """Recall of each class: ``M[i, i] / sum_j M[i, j]`` (NaN for a class with no examples).

    >>> per_class_accuracy(np.array([[3, 1], [0, 0]])).tolist()
    [0.75, nan]
    """
    confusion = _check_confusion(confusion)
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diagonal(confusion) / totals


@styled
def plot_confusion(confusion, class_names, *, lang="en"):
    """The confusion matrix as counts (left) and row-normalized (right).

    Parameters
    ----------
    confusion : ndarray of shape (C, C), rows = true class, columns = predicted class
    class_names : sequence of C str
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        Two axes; the image arrays are ``confusion`` and ``confusion / row sums`` (a row
        without examples is all zeros). Cells are annotated when C <= 20.
    """
    confusion = _check_confusion(confusion)
    names = check_class_names(class_names, len(confusion), "row of the confusion matrix")
    totals = confusion.sum(axis=1, keepdims=True)
    normalized = confusion / np.where(totals > 0, totals, 1)
    size = 3.0 + 0.45 * len(names)
    fig = new_figure(2 * size + 1.5, size)
    accuracy = np.trace(confusion) / max(confusion.sum(), 1)
    fig.suptitle(text(lang, "confusion_title", n=int(confusion.sum()), accuracy=accuracy))
    axes = fig.subplots(1, 2)
    for ax, matrix, title, label, fmt in (
            (axes[0], confusion, text(lang, "counts"), text(lang, "examples"), "d"),
            (axes[1], normalized, text(lang, "row_normalized"),
             text(lang, "fraction_of_true_class"), ".2f")):
        image = ax.imshow(matrix, cmap=SEQUENTIAL, vmin=0)
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel(text(lang, "predicted_class"))
        ax.set_ylabel(text(lang, "true_class"))
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label=label, shrink=0.8)
        if len(names) <= 20:
            _annotate(ax, matrix, fmt)
    return fig


@styled
def plot_per_class_accuracy(confusion, class_names, *, lang="en"):
    """Per-class accuracy (:func:`per_class_accuracy`) as horizontal bars, overall as a line.

    Parameters
    ----------
    confusion : ndarray of shape (C, C), rows = true class, columns = predicted class
    class_names : sequence of C str
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        One axes whose bars' widths are the per-class accuracies (0 for an empty class).
    """
    confusion = _check_confusion(confusion)
    names = check_class_names(class_names, len(confusion), "row of the confusion matrix")
    accuracy = np.nan_to_num(per_class_accuracy(confusion))
    overall = np.trace(confusion) / max(confusion.sum(), 1)
    fig = new_figure(7, 1.2 + 0.35 * len(names))
    ax = fig.subplots()
    rows = np.arange(len(names))
    ax.barh(rows, accuracy, color=COLORS[0])
    for row, value in zip(rows, accuracy, strict=True):
        ax.text(value + 0.01, row, f"{value:.2f}", va="center")
    ax.axvline(overall, color=COLORS[1], linestyle="--",
               label=text(lang, "overall", accuracy=overall))
    ax.set_yticks(rows, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.set_xlabel(text(lang, "per_class_axis"))
    ax.set_title(text(lang, "per_class_title"))
    ax.legend(loc="lower right")
    return fig


def _check_confusion(confusion):
    confusion = np.asarray(confusion)
    if (confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]
            or not np.issubdtype(confusion.dtype, np.integer) or confusion.min() < 0):
        raise fail("confusion", "a square (C, C) array of non-negative integer counts",
                   f"{confusion.dtype} array of shape {confusion.shape}")
    return confusion


def _annotate(ax, matrix, fmt):
    threshold = (matrix.max() or 1) / 2
    for (row, col), value in np.ndenumerate(matrix):
        color = "black" if value > threshold else "white"  # viridis: light at the top
        ax.text(col, row, format(value, fmt), ha="center", va="center", fontsize=8,
                color=color)
