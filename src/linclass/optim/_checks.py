"""Hyperparameter checks shared by the rules, schedules and samplers (one message format)."""

import numpy as np

from linclass._validation import fail


def check_count(name, value):
    """An integer >= 1 (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise fail(name, "an integer >= 1", repr(value))
    return int(value)


def check_unit_interval(name, value, *, closed_right=False):
    """A number in [0, 1) (decay rates, momentum), or in (0, 1] with ``closed_right``."""
    ok = 0 < value <= 1 if closed_right else 0 <= value < 1
    if not (np.isfinite(value) and ok):
        raise fail(name, "a number in " + ("(0, 1]" if closed_right else "[0, 1)"), value)
    return float(value)
