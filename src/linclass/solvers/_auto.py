"""``solver="auto"``: the rule that picks a solver for a configuration and a problem."""

__all__ = ["choose"]


def choose(config, problem, can):
    """The name of the solver ``"auto"`` stands for.

    The rule, first match wins:

    1. the closed-form solve (``"exact"``) when it applies: least squares with L2 or no
       penalty;
    2. minibatch descent otherwise.
    ``can(name)`` tells whether the solver ``name`` supports ``config``.
    """
    if can("exact"):
        return "exact"
    return "minibatch"
