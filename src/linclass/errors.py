"""Exceptions that carry a user-facing, one-line message.

The CLI turns each of them into ``linclass: <message>`` on stderr and exit status 1
(a usage error, exit 2, comes from argument parsing instead).
"""


class LinclassError(Exception):
    """Base class: the message names the problem and the fix."""


class DataError(LinclassError, ValueError):
    """Missing, empty, corrupt or unsafe data."""


class ModelFileError(LinclassError, ValueError):
    """A model file that is damaged, not a linclass model, or from a newer format version."""


class DivergenceError(LinclassError, RuntimeError):
    """Training produced a NaN or infinite loss."""
