"""Validation in one place, with one message format.

Every message names the parameter, what it must be, and what it got::

    ValueError: loss must be one of 'svm', 'softmax', got 'hinge'.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np


def fail(name: str, must: str, got: Any, fix: str = "") -> ValueError:
    """Build the project's standard ``ValueError`` (the caller raises it)."""
    message = f"{name} must be {must}, got {got}."
    return ValueError(f"{message} {fix}".strip())


def resolve(name: str, value: str, registry: Mapping[str, Any]) -> Any:
    """Look ``value`` up in ``registry``; an unknown name lists the valid ones."""
    try:
        return registry[value]
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in registry)
        raise fail(name, f"one of {valid}", repr(value)) from None


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        raise fail(name, "a finite number " + (">= 0" if allow_zero else "> 0"), value)
    return value


def float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The floating dtype the computation runs in: float32/float64 kept, integers promoted.

    float32 stays float32 (never silently upcast); integer or bool input becomes float64.
    """
    dtype = np.result_type(*arrays)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def check_scores_labels(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check ``scores`` (N, C) float and integer labels ``y`` (N,) in [0, C).

    ``scores`` may be a NumPy array or a torch tensor; ``y`` is returned on its device.
    """
    from linclass import backend  # backend validates with fail(): imported late

    xp = backend.namespace(scores)
    if xp is np:
        scores, y = np.asarray(scores), np.asarray(y)
    else:
        y = backend.asarray(y, backend.device_name(scores))
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise fail("scores", "a 2-D array (N, C) with C >= 2 classes",
                   f"shape {tuple(scores.shape)}")
    if scores.shape[0] == 0:
        raise fail("scores", "non-empty (at least one row)", "0 rows")
    scores = backend.astype(scores, backend.float_dtype(scores))  # integers promoted
    if y.shape != (scores.shape[0],):
        raise fail(
            "y",
            f"a 1-D array of {scores.shape[0]} labels (one per row of scores)",
            f"shape {tuple(y.shape)}",
        )
    y_dtype = backend.numpy_dtype(y)
    if not np.issubdtype(y_dtype, np.integer):
        raise fail("y", "integer class indices", f"dtype {y_dtype}")
    n_classes = scores.shape[1]
    if y.min() < 0 or y.max() >= n_classes:
        bad = y[(y < 0) | (y >= n_classes)][0]
        raise fail("y", f"class indices in [0, {n_classes})", f"label {int(bad)}")
    if not xp.isfinite(scores).all():
        raise fail("scores", "finite (no NaN or inf)", "a non-finite value",
                   "Check the inputs and lower the learning rate.")
    return scores, y
