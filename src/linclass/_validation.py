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
