"""Learning curves: loss per iteration, accuracy per epoch, learning rate.

The history is the dict a :class:`linclass.LinearClassifier` keeps in ``history_``:
per-iteration lists ``loss``, ``data_loss``, ``reg_loss``, ``lr`` and per-epoch lists
``train_accuracy``, ``val_accuracy``, with ``best_epoch``, the epoch whose weights were kept.
"""

import numpy as np

from linclass._validation import fail
from linclass.report._style import COLORS, new_figure, styled
from linclass.report._text import text

__all__ = ["SMOOTHING", "moving_average", "plot_learning_curves"]

#: Moving-average window as a share of the number of iterations.
SMOOTHING = 0.02


def moving_average(values, window):
    """Mean of each run of ``window`` consecutive values, and where each run is centred.

    Parameters
    ----------
    values : array_like of shape (n,)
    window : int, 1 <= window

    Returns
    -------
    centres : ndarray of shape (n - window + 1,)
        Zero-based positions (a half-integer for an even ``window``).
    means : ndarray of shape (n - window + 1,)

    Examples
    --------
    >>> moving_average([1.0, 2.0, 3.0, 4.0], 2)
    (array([0.5, 1.5, 2.5]), array([1.5, 2.5, 3.5]))
    """
    values = np.asarray(values, dtype=np.float64)
    window = int(window)
    if window < 1:
        raise fail("window", "an integer >= 1", window)
    window = min(window, len(values))
    cumulative = np.concatenate(([0.0], np.cumsum(values)))
    means = (cumulative[window:] - cumulative[:-window]) / window
    centres = np.arange(len(means)) + (window - 1) / 2
    return centres, means


@styled
def plot_learning_curves(history, *, window=None, lang="en"):
    """Loss, accuracy and learning rate over training, one panel each.

    Parameters
    ----------
    history : dict
        ``loss`` (required) and optionally ``data_loss``, ``reg_loss``, ``lr`` (one value per
        iteration), ``train_accuracy``, ``val_accuracy`` (one per epoch) and ``best_epoch``
        (0-based index into the per-epoch lists).
    window : int, optional
        Moving-average window in iterations (default: 2 % of the iterations, at least 1).
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        Axes, in order: total loss (raw and smoothed); data and regularization loss (raw and
        smoothed), when recorded; accuracy per epoch, when recorded; learning rate, when
        recorded. Raw curves are drawn first, each followed by its smoothed curve.
    """
    if not isinstance(history, dict) or len(history.get("loss", ())) == 0:
        raise fail("history", "a dict with a non-empty per-iteration 'loss' list",
                   type(history).__name__ if not isinstance(history, dict)
                   else f"keys {sorted(history)}")
    loss = np.asarray(history["loss"], dtype=np.float64)
    if window is None:
        window = max(1, round(SMOOTHING * len(loss)))
    panels = [_plot_total]
    if len(history.get("data_loss", ())) and len(history.get("reg_loss", ())):
        panels.append(_plot_parts)
    if len(history.get("train_accuracy", ())) or len(history.get("val_accuracy", ())):
        panels.append(_plot_accuracy)
    if len(history.get("lr", ())):
        panels.append(_plot_lr)
    ncols = 2 if len(panels) > 1 else 1
    nrows = -(-len(panels) // ncols)
    fig = new_figure(6.0 * ncols, 4.0 * nrows)
    fig.suptitle(text(lang, "curves_title"))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        panel(ax, history, window, lang)
    for ax in axes[len(panels):]:
        fig.delaxes(ax)
    return fig


def _raw_and_smoothed(ax, values, window, color, label, lang):
    values = np.asarray(values, dtype=np.float64)
    iterations = np.arange(1, len(values) + 1)
    ax.plot(iterations, values, color=color, alpha=0.3, linewidth=0.8,
            label=text(lang, "raw_curve", label=label))
    centres, means = moving_average(values, window)
    ax.plot(centres + 1, means, color=color, linewidth=2,
            label=text(lang, "smoothed_curve", label=label, n=min(window, len(values))))


def _loss_panel(title, curves):
    """A panel of per-iteration losses, each raw and smoothed: ``title`` and ``curves`` =
    (history key, colour, label) name catalog entries."""
    def panel(ax, history, window, lang):
        for key, color, label in curves:
            _raw_and_smoothed(ax, history[key], window, color, text(lang, label), lang)
        ax.set_title(text(lang, title))
        ax.set_xlabel(text(lang, "iteration_axis"))
        ax.set_ylabel(text(lang, "batch_loss_axis"))
        ax.legend()
    return panel


_plot_total = _loss_panel("total_loss_title", [("loss", COLORS[0], "total_loss")])
_plot_parts = _loss_panel("loss_parts_title", [("data_loss", COLORS[1], "data_loss"),
                                               ("reg_loss", COLORS[2], "reg_loss")])


def _plot_accuracy(ax, history, window, lang):
    for key, color, label in (("train_accuracy", COLORS[0], "training"),
                              ("val_accuracy", COLORS[1], "validation")):
        values = np.asarray(history.get(key, ()), dtype=np.float64)
        if values.size:
            ax.plot(np.arange(1, values.size + 1), values, "o-", color=color,
                    label=text(lang, label))
    best = history.get("best_epoch")
    if best is not None:
        ax.axvline(int(best) + 1, color="0.4", linestyle="--",
                   label=text(lang, "kept_epoch", epoch=int(best) + 1))
    ax.set_title(text(lang, "accuracy_per_epoch"))
    ax.set_xlabel(text(lang, "epoch"))
    ax.set_ylabel(text(lang, "accuracy_axis"))
    ax.legend()


def _plot_lr(ax, history, window, lang):
    lr = np.asarray(history["lr"], dtype=np.float64)
    ax.plot(np.arange(1, lr.size + 1), lr, color=COLORS[3])
    if (lr > 0).all() and lr.max() > 2 * lr.min():
        ax.set_yscale("log")
    ax.set_title(text(lang, "learning_rate_title"))
    ax.set_xlabel(text(lang, "iteration_axis"))
    ax.set_ylabel(text(lang, "learning_rate_axis"))
