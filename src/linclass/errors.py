"""Exceptions that carry a user-facing, one-line message.

The CLI turns each of them into ``linclass: <message>`` on stderr and exit status 1
(a usage error, exit 2, comes from argument parsing instead).
"""

__all__ = [
    "FIT_MESSAGE", "DataError", "DivergenceError", "LinclassError", "ModelFileError",
    "NotFittedError", "check_fitted",
]


class LinclassError(Exception):
    """Base class: the message names the problem and the fix."""


class DataError(LinclassError, ValueError):
    """Missing, empty, corrupt or unsafe data."""


class ModelFileError(LinclassError, ValueError):
    """A model file that is damaged, not a linclass model, or from a newer format version."""


class DivergenceError(LinclassError, RuntimeError):
    """Training produced a NaN or infinite loss."""


class NotFittedError(LinclassError, ValueError, AttributeError):
    """A model, extractor or transform used before it was fitted.

    Derives from ``ValueError`` and ``AttributeError`` like scikit-learn's ``NotFittedError``,
    so code written for scikit-learn catches it. (:class:`linclass.LinearClassifier`, a
    scikit-learn estimator, raises scikit-learn's own class with the same wording.)
    """


#: The wording of every not-fitted error: ``FIT_MESSAGE % {"name": ...}`` then the fix.
FIT_MESSAGE = "%(name)s is not fitted yet; "


def check_fitted(obj, fitted, fix):
    """Raise :class:`NotFittedError` unless ``fitted``: "<Class> is not fitted yet; <fix>."."""
    if not fitted:
        raise NotFittedError(FIT_MESSAGE % {"name": type(obj).__name__} + f"{fix}.")
