"""How W is found: a registry of solvers with one interface.

Every solver minimizes the same objective (:mod:`linclass.solvers._base`) and is called the
same way, ``SOLVERS[name].solve(problem, config, ...) -> TrainResult``; no caller checks a
solver by name. The registry:

- ``"minibatch"``: minibatch descent with the update rule ``config.optimizer``;
- ``"exact"``: the closed-form minimizer of L2-regularized least squares;
- ``"lbfgs"``: L-BFGS on the whole training set for the smooth losses, run until the
  gradient tolerance ``config.tol`` (:mod:`linclass.solvers._lbfgs`);
- ``"auto"``: picks one of the above for the configuration and the data
  (:func:`linclass.solvers._auto.choose` states the rule).
"""

from linclass._validation import fail
from linclass.solvers._auto import choose
from linclass.solvers._base import Problem, Solver, TrainResult, accuracy, empty_history
from linclass.solvers._exact import EXACT
from linclass.solvers._lbfgs import LBFGS
from linclass.solvers._minibatch import MINIBATCH

__all__ = ["SOLVERS", "Problem", "Solver", "TrainResult", "accuracy", "check_solver",
           "empty_history", "resolve_solver"]

#: Solver names accepted by ``solver=`` everywhere (API, CLI, model files); ``"auto"`` is
#: resolved by :func:`resolve_solver`.
SOLVERS = {
    "auto": None,
    "minibatch": MINIBATCH,
    "exact": EXACT,
    "lbfgs": LBFGS,
}


def check_solver(config, name=None):
    """Raise the standard ``ValueError`` when the solver ``name`` (default:
    ``config.solver``) cannot minimize the configured objective on ``config.device``."""
    name = config.solver if name is None else name
    solver = SOLVERS[name]
    if solver is None:  # "auto" picks one that can
        return
    solver.check(config)
    kind = "cpu" if config.device == "cpu" else "torch"
    if kind not in solver.devices:
        raise fail("device", f"{' or '.join(map(repr, solver.devices))} with solver={name!r}",
                   repr(config.device), "Use device='cpu' or another solver.")


def resolve_solver(config, problem):
    """``(name, Solver)`` that minimizes ``config``'s objective on ``problem``."""
    name = config.solver
    if name == "auto":
        name = choose(config, problem, lambda candidate: _can(config, candidate))
    solver = SOLVERS[name]
    if problem.parallel is not None and not solver.parallel:
        raise fail("solver", "one that runs data-parallel (--distributed)", repr(name),
                   "Use solver='minibatch'.")
    return name, solver


def _can(config, name):
    try:
        check_solver(config, name)
    except ValueError:
        return False
    return True
