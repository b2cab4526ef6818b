"""Hyperparameter search results: validation accuracy over log learning rate x log
regularization strength (the CS231n notebooks' scatter), and training accuracy beside it."""

import numpy as np

from linclass._validation import fail
from linclass.report._style import SEQUENTIAL, new_figure, styled
from linclass.report._text import text

__all__ = ["REQUIRED", "plot_search", "search_columns"]

#: Columns :func:`plot_search` needs; ``train_accuracy`` and ``diverged`` are optional.
REQUIRED = ("lr", "reg_strength", "val_accuracy")


def search_columns(results):
    """The search table as float columns, from a list of row dicts or a dict of columns.

    Rows may hold strings, as read by :class:`csv.DictReader` from the search command's CSV
    (an empty cell is NaN; ``diverged`` accepts true/false, 1/0).

    Returns
    -------
    dict {name: ndarray of shape (n_trials,)}
        ``lr``, ``reg_strength``, ``val_accuracy``, ``train_accuracy`` (NaN when absent) as
        float64, and ``diverged`` as bool (also true where ``val_accuracy`` is NaN).

    Examples
    --------
    >>> cols = search_columns([{"lr": "1e-3", "reg_strength": "0.5", "val_accuracy": "0.4",
    ...                         "diverged": "False"}])
    >>> cols["lr"].tolist(), cols["diverged"].tolist()
    ([0.001], [False])
    """
    if isinstance(results, dict):
        table = {key: list(values) for key, values in results.items()}
    else:
        rows = list(results)
        table = {key: [row.get(key) for row in rows] for key in (rows[0] if rows else {})}
    missing = [key for key in REQUIRED if key not in table]
    if missing or not table[REQUIRED[0]]:
        raise fail("results", f"a non-empty table with columns {', '.join(REQUIRED)}",
                   f"columns {sorted(table)}" if table else "an empty table")
    n = len(table["lr"])
    columns = {key: _floats(key, table.get(key, [None] * n))
               for key in (*REQUIRED, "train_accuracy")}
    diverged = np.array([_flag(v) for v in table.get("diverged", [False] * n)], dtype=bool)
    columns["diverged"] = diverged | np.isnan(columns["val_accuracy"])
    return columns


@styled
def plot_search(results, *, lang="en"):
    """Validation (and training) accuracy of every trial over log lr x log regularization.

    Parameters
    ----------
    results : list of dict or dict of sequences
        Columns ``lr``, ``reg_strength``, ``val_accuracy`` and optionally ``train_accuracy``
        and ``diverged`` (see :func:`search_columns`).
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        One scatter axes for validation accuracy and, when recorded, one for training accuracy,
        both with log axes and one shared colour scale. In each, the first collection holds
        the finished trials (offsets ``(lr, reg_strength)``, colours by accuracy), diverged
        trials are grey crosses, and the best validation trial is circled.
    """
    cols = search_columns(results)
    panels = [("val_accuracy", text(lang, "validation_accuracy"))]
    if np.isfinite(cols["train_accuracy"]).any():
        panels.append(("train_accuracy", text(lang, "training_accuracy")))
    finished = ~cols["diverged"]
    values = np.concatenate([cols[key][finished] for key, _ in panels])
    values = values[np.isfinite(values)]
    low, high = (values.min(), values.max()) if values.size else (0.0, 1.0)
    fig = new_figure(5.5 * len(panels) + 1.0, 4.5)
    fig.suptitle(text(lang, "search_title", n=len(cols["lr"]),
                      diverged=int(cols["diverged"].sum())))
    axes = fig.subplots(1, len(panels), squeeze=False).ravel()
    best = (int(np.nanargmax(np.where(finished, cols["val_accuracy"], np.nan)))
            if finished.any() else None)
    for ax, (key, title) in zip(axes, panels, strict=True):
        points = ax.scatter(cols["lr"][finished], cols["reg_strength"][finished],
                            c=cols[key][finished], cmap=SEQUENTIAL, vmin=low, vmax=high,
                            s=60, edgecolors="black", linewidths=0.4)
        if cols["diverged"].any():
            ax.scatter(cols["lr"][~finished], cols["reg_strength"][~finished], marker="x",
                       color="0.5", s=40, label=text(lang, "diverged"))
        if best is not None:
            ax.scatter([cols["lr"][best]], [cols["reg_strength"][best]], s=260,
                       facecolors="none", edgecolors="red", linewidths=2,
                       label=text(lang, "best_validation", accuracy=cols["val_accuracy"][best]))
        ax.set_xscale("log")
        ax.set_title(title)
        ax.set_xlabel(text(lang, "learning_rate_log"))
        ax.set_ylabel(text(lang, _reg_scale(ax, cols["reg_strength"])))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize=9)
    fig.colorbar(points, ax=axes, label=text(lang, "accuracy_axis"))
    return fig


def _floats(key, values):
    out = np.empty(len(values))
    for i, value in enumerate(values):
        try:
            out[i] = np.nan if value is None or value == "" else float(value)
        except (TypeError, ValueError):
            raise fail(f"results[{key!r}]", "numbers", repr(value)) from None
    return out


def _flag(value):
    if isinstance(value, str):
        text = value.strip().lower()
        if text not in ("true", "false", "1", "0", ""):
            raise fail("results['diverged']", "true/false or 1/0", repr(value))
        return text in ("true", "1")
    return bool(value)


def _reg_scale(ax, reg):
    """Set a log y scale (symmetric log, linear below the smallest positive value, when a trial
    has no regularization) and return the axis label's catalog key."""
    positive = reg[reg > 0]
    if not positive.size:
        return "reg_strength"
    if (reg <= 0).any():
        ax.set_yscale("symlog", linthresh=float(positive.min()))
        return "reg_strength_symlog"
    ax.set_yscale("log")
    return "reg_strength_log"
