r"""L-BFGS on the whole training set: the converged minimizer of a smooth objective.

The objective of :mod:`linclass.solvers._base` is minimized over :math:`\theta = (W, b)` by
L-BFGS [1]_ (:mod:`linclass.solvers._quasi_newton`: the two-loop recursion with the last 10
curvature pairs, a Wolfe line search; for softmax on 256 to 8,191 features on NumPy, started
from the features' second moments, :mod:`linclass.solvers._precondition`), with the
objective and its gradient from one fused pass over X per evaluation
(:func:`linclass.objective.loss_parts`). It applies to the smooth
losses (``softmax``, ``squared_hinge``, ``least_squares``) and to the non-smooth hinges
(``svm``, ``crammer_singer``, ``one_vs_all``), with the L2 or no penalty.

The hinges have no gradient at their kink, where the solution lies; L-BFGS minimizes their
entropy-smoothed forms [3]_ (:mod:`linclass.losses._hinge`), whose minimum lies within a
stated gap of the hinge's: the softplus hinges of width :math:`\mu` (svm, one_vs_all) or
Crammer-Singer's log-sum-exp of temperature :math:`\mu` raise a row's loss by at most
``SMOOTHING_GAP[loss](C)`` :math:`\cdot\, \mu` ((C-1) log 2, C log 2 and log C), so the
hinge objective at the smoothed minimizer exceeds its minimum by at most that (times the
mean row weight). :math:`\mu` = ``config.smoothing`` times the margin (default 1e-3: within
0.07% of the loss at zero weights for svm). Continuation: the run first solves at
:math:`\mu` = the margin, then 10 times narrower in turn down to the final width, each
stage warm-started from the last (a wide smoothing is easy; each stage starts close to its
minimizer); ``history["smoothing"]`` holds the final width.

Stopping rule (stated, never a silent cap): the run has *converged* when

.. math::

    \lVert \nabla L(\theta_k) \rVert_\infty \le \mathrm{tol} \cdot
    \lVert \nabla L(0) \rVert_\infty ,

the largest gradient entry below ``config.tol`` times its value at zero weights (scale-free:
the same ``tol`` suits pixels and unit-norm embeddings, and a warm start is judged by the same
yardstick as a cold one). It stops after ``config.max_iter`` iterations otherwise, or when the
line search can make no more progress (the objective is flat to the precision of X's dtype);
``TrainResult.converged`` and ``history["converged"]``, ``history["grad_norm"]``,
``history["iterations"]`` and ``history["stop"]`` (which of the three) report which.

Precision: X stays in its dtype (float32 features are read as float32, the products run in
float32 BLAS); the iterate, the L-BFGS memory (the last 10 steps and gradient changes) and
the line search run in float64, where the curvature pairs need it (float32 differences of
nearby gradients lose most of their digits). The objective's sum over rows is accumulated in
float64 across blocks. Near the minimizer the float32 objective's values are flat to about
1e-9 of their size (100,000 rows) while the gradient still shows progress: the line search
then accepts steps by their slopes (Hager and Zhang's approximate Wolfe condition [2]_, within
``NOISE_ULPS`` units in the last place of float32). Only when no step is found that way
does the run continue with float64 weights, so that :func:`~linclass.objective.loss_parts`
casts each block of X to float64 on the fly (about twice the time per iteration).

Data-parallel (``problem.parallel``): every rank evaluates the objective on its contiguous
share of the rows, one all-reduce (float64) sums loss and gradient, and every rank runs the
same deterministic L-BFGS on the same numbers: the model of one process.

References
----------
.. [1] J. Nocedal, "Updating Quasi-Newton Matrices with Limited Storage", Math. Comp. 35, 1980.
.. [2] W. W. Hager and H. Zhang, "A new conjugate gradient method with guaranteed descent and
   an efficient line search", SIAM J. Optim. 16, 2005.
.. [3] Y. Nesterov, "Smooth minimization of non-smooth functions", Math. Program. 103, 2005.
"""

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from linclass import backend
from linclass._validation import fail
from linclass.losses import SMOOTHING_GAP
from linclass.objective import add_penalty_hessian, loss_parts, objective_hessian
from linclass.solvers._base import (
    Solver,
    TrainResult,
    empty_history,
    initial_weights,
    report_epoch,
)
from linclass.solvers._polish import MAX_PARAMETERS, polish
from linclass.solvers._precondition import SecondMoments
from linclass.solvers._quasi_newton import NOISE_ULPS, Memory, line_search

__all__ = ["LBFGS", "SMOOTH_LOSSES", "Objective", "minimize", "path", "widths"]

#: The losses with a continuous gradient, which L-BFGS minimizes as they are.
SMOOTH_LOSSES = ("softmax", "squared_hinge", "least_squares")

#: Each stage of the continuation narrows the smoothing by this factor.
NARROWING = 10.0

#: Curvature pairs kept by L-BFGS (SciPy's default).
MEMORY = 10


class Objective:
    """The training objective of ``problem`` as ``f(theta) -> (value, gradient)`` in float64.

    Parameters
    ----------
    problem : linclass.solvers.Problem
        With ``parallel`` set, this rank evaluates its share of the rows and the ranks sum.
    config : TrainConfig
        The objective's settings (loss, reg, margin, l1_ratio, device).
    reg_strength : float
        lambda (``config.reg_strength`` may be ``"auto"``).
    """

    def __init__(self, problem, config, reg_strength):
        X, y, sample_weight, self.share = problem.local()
        self.parallel = problem.parallel
        self.device = config.device
        self.dtype = X.dtype
        self.X = backend.asarray(X, self.device) if self.device != "cpu" else X
        self.y = backend.asarray(y, self.device) if self.device != "cpu" else y
        self.shape = (X.shape[1], problem.n_classes)
        self.kwargs = {"loss": config.loss, "reg": config.reg, "reg_strength": reg_strength,
                       "margin": config.margin, "l1_ratio": config.l1_ratio,
                       "class_weight": problem.class_weight, "smoothing": 0.0}
        if sample_weight is not None:
            self.kwargs["sample_weight"] = sample_weight if self.device == "cpu" \
                else backend.asarray(sample_weight, self.device)
        self.evaluations = 0
        self.last = None  # (theta, LossParts, value, gradient) of the latest evaluation

    def update(self, **settings):
        """Change ``reg_strength`` (a regularization path) or ``smoothing`` (a continuation
        stage); forgets the cached evaluation when a value changes."""
        if any(self.kwargs.get(key) != value for key, value in settings.items()):
            self.kwargs.update(settings)
            self.last = None

    def use_float64(self):
        """Evaluate in float64 from now on (X's blocks cast on the fly)."""
        self.dtype, self.last = np.dtype(np.float64), None

    def weights(self, theta):
        """``(W (D, C), b (C,))`` of the flat float64 ``theta``, in X's dtype and device."""
        d, c = self.shape
        W = theta[:d * c].reshape(d, c).astype(self.dtype)
        b = theta[d * c:].astype(self.dtype)
        if self.device != "cpu":
            W, b = backend.asarray(W, self.device), backend.asarray(b, self.device)
        return W, b

    def __call__(self, theta):
        if self.last is not None and np.array_equal(self.last[0], theta):
            return self.last[2], self.last[3].copy()  # evaluated just now (a run's start)
        W, b = self.weights(theta)
        if self.parallel is None or self.parallel.world_size == 1:
            parts = loss_parts(W, b, self.X, self.y, **self.kwargs)
        else:
            parts = self.parallel.loss_parts(W, b, self.X, self.y, None, share=self.share,
                                             dtype=np.float64, **self.kwargs)
        gradient = np.concatenate([backend.to_numpy(parts.dW).reshape(-1),
                                   backend.to_numpy(parts.db)]).astype(np.float64)
        self.evaluations += 1
        value = parts.data_loss + parts.penalty
        self.last = (theta.copy(), parts, value, gradient.copy())
        return value, gradient

    def hessian(self, theta):
        """The objective's Hessian at ``theta`` (:func:`~linclass.objective.objective_hessian`,
        NumPy); data-parallel, each rank's share of the data term is summed by one
        all-reduce and the penalty's added after."""
        d, c = self.shape
        W, b = theta[:d * c].reshape(d, c), theta[d * c:]
        settings = {k: v for k, v in self.kwargs.items() if k != "l1_ratio"}
        if self.parallel is None or self.parallel.world_size == 1:
            return objective_hessian(W, b, self.X, self.y, **settings)
        data = np.zeros((theta.size, theta.size))
        if len(self.y):  # a rank without rows adds nothing
            data = self.share * objective_hessian(W, b, self.X, self.y,
                                                  **{**settings, "reg": "none"})
        hessian = self.parallel.sum(data.reshape(-1)).reshape(data.shape)
        return add_penalty_hessian(hessian, settings["reg"], settings["reg_strength"], d * c)

    def parts_at(self, theta):
        """The :class:`~linclass.objective.LossParts` at ``theta`` (cached when just
        evaluated)."""
        self(theta)
        return self.last[1]

    def zero_gradient_norm(self):
        """:math:`\\lVert \\nabla L(0) \\rVert_\\infty` (independent of an L2 lambda)."""
        d, c = self.shape
        return float(np.abs(self(np.zeros(d * c + c))[1]).max())


@dataclass
class Minimum:
    """What :func:`minimize` returns: the weights, float64 flat, and how the run ended."""

    theta: np.ndarray
    converged: bool
    iterations: int
    grad_norm: float
    message: str


def minimize(objective, theta0, *, tol, max_iter, scale=None, on_iteration=None,
             precondition=None):
    """L-BFGS from ``theta0`` until the stated tolerance (see the module notes).

    Parameters
    ----------
    objective : Objective
    theta0 : ndarray, float64, flat ``(D C + C,)``
    tol : float
        Relative tolerance on the largest gradient entry.
    max_iter : int
    scale : float, optional
        :math:`\\lVert \\nabla L(0) \\rVert_\\infty` when known (a path reuses it).
    on_iteration : callable(theta), optional
        Called after every iteration with the new iterate.
    precondition : callable(v), optional
        An approximate inverse Hessian (:mod:`linclass.solvers._precondition`).

    Returns
    -------
    Minimum
    """
    memory = Memory(MEMORY, precondition)
    # The vector work here is tiny; a multithreaded BLAS there costs 50x on a busy machine
    # (13.7 s against 0.26 s on the digits, load 8 on 2 cores). loss_parts runs large X on
    # its own threads, each with a single-threaded BLAS, so one thread loses nothing.
    with threadpool_limits(limits=1, user_api="blas"):
        scale = objective.zero_gradient_norm() if scale is None else scale
        gtol = tol * scale
        theta = theta0
        value, gradient = objective(theta)
        iterations, message = 0, "gradient below tol"
        while np.abs(gradient).max() > gtol:
            if iterations >= max_iter:
                message = "iteration limit reached"
                break
            direction = memory.direction(gradient)
            if not gradient @ direction < 0:  # rounding broke the memory: start it afresh
                memory.pairs.clear()
                direction = memory.direction(gradient)
            # the first step of a fresh memory without a preconditioner: unit length along
            # -g (no curvature known)
            step = 1.0 if len(memory) or precondition is not None \
                else 1.0 / np.linalg.norm(gradient)
            found = line_search(objective, theta, direction, value, gradient, step,
                                noise=NOISE_ULPS * np.finfo(objective.dtype).eps)
            if found is None:
                if objective.dtype == np.float64:
                    message = "no step decreases the objective (flat to float64 precision)"
                    break
                # float32 values and slopes exhausted: go on with the products in float64
                objective.use_float64()
                value, gradient = objective(theta)
                continue
            alpha, value, new_gradient = found
            step_taken = alpha * direction
            memory.add(step_taken, new_gradient - gradient)
            theta, gradient = theta + step_taken, new_gradient
            iterations += 1
            if on_iteration is not None:
                on_iteration(theta)
    grad_norm = float(np.abs(gradient).max())
    return Minimum(theta, grad_norm <= gtol, iterations, grad_norm, message)


def widths(config):
    """The smoothing widths of the continuation, widest first (``[0.0]``: a smooth loss).

    >>> from linclass.config import TrainConfig
    >>> widths(TrainConfig(loss="svm", margin=2.0, smoothing=1e-3))
    [2.0, 0.2, 0.02, 0.002]
    >>> widths(TrainConfig(loss="softmax"))
    [0.0]
    """
    if config.loss not in SMOOTHING_GAP:
        return [0.0]
    final = config.smoothing * config.margin
    stages, width = [], float(config.margin)
    while width > final * (1 + 1e-9):
        stages.append(width)
        width /= NARROWING
    return [*stages, final]


def minimize_stages(objective, theta0, stages, *, tol, max_iter, scale, on_iteration=None,
                    precondition=None):
    """:func:`minimize` at each smoothing width of ``stages`` in turn, each stage
    warm-started from the last; the iterations add up and share ``max_iter``."""
    theta, iterations = theta0, 0
    for width in stages:
        objective.update(smoothing=width)
        found = minimize(objective, theta, tol=tol, max_iter=max(max_iter - iterations, 1),
                         scale=scale, on_iteration=on_iteration, precondition=precondition)
        theta, iterations = found.theta, iterations + found.iterations
    found.iterations = iterations
    return found


def solve(problem, config, *, init=None, opt_state=None, rng=None, callback=None,
          reg_strength=None):
    """L-BFGS on ``problem`` (see :class:`linclass.solvers.Solver`); ``reg_strength``
    overrides ``config.reg_strength`` (the regularization path passes each lambda)."""
    strength = config.reg_strength if reg_strength is None else reg_strength
    objective = Objective(problem, config, strength)
    d, c = objective.shape
    W0, b0 = initial_weights(init, d, c, np.float64)
    theta0 = np.concatenate([W0.reshape(-1), b0])
    history = empty_history()
    stages = widths(config)
    # a warm start (init) is near the final width's minimizer: no continuation
    stages = stages[-1:] if init is not None else stages
    objective.update(smoothing=stages[-1])
    scale = objective.zero_gradient_norm()  # judged at the final objective throughout
    objective.update(smoothing=stages[0])
    before = [objective.parts_at(theta0)]  # the objective before the current iteration

    def on_iteration(theta):  # as minibatch descent: the objective before each step
        parts = before[0]
        for key, value in (("loss", parts.data_loss + parts.penalty),
                           ("data_loss", parts.data_loss), ("reg_loss", parts.penalty),
                           ("lr", 0.0)):
            history[key].append(value)
        before[0] = after = objective.parts_at(theta)  # evaluated by the line search
        W, b = (a.astype(problem.X.dtype) for a in _split(theta, d, c))
        report_epoch(problem, history, W, b, epoch=len(history["loss"]) - 1,
                     epochs=config.max_iter, loss=after.data_loss + after.penalty, lr=0.0,
                     callback=callback)

    # few weights, NumPy: solved to round-off (L-BFGS, then Newton steps)
    small = theta0.size <= MAX_PARAMETERS and config.device == "cpu"
    moments = SecondMoments(problem, config) if SecondMoments.applies(problem, config) else None
    found = minimize_stages(objective, theta0, stages, tol=config.tol, max_iter=config.max_iter,
                            scale=scale, on_iteration=on_iteration,
                            precondition=None if moments is None else moments.at(strength))
    newton_steps = 0
    if small and found.grad_norm <= config.tol * scale:
        objective.use_float64()
        found.theta, newton_steps = polish(objective, found.theta)
        found.grad_norm = float(np.abs(objective(found.theta)[1]).max())
    found.converged = found.grad_norm <= config.tol * scale
    if not history["loss"]:  # converged at the start: report the one point
        on_iteration(found.theta)
    W, b = (a.astype(problem.X.dtype) for a in _split(found.theta, d, c))
    history.update(best_epoch=len(history["loss"]) - 1, converged=found.converged,
                   iterations=found.iterations, grad_norm=found.grad_norm,
                   evaluations=objective.evaluations, stop=found.message,
                   smoothing=stages[-1], newton_steps=newton_steps)
    return TrainResult(W, b, history, None, max(found.iterations, 1), found.converged)


def path(problem, config, lambdas, visit):
    """L-BFGS at every lambda in turn, each solve warm-started from the previous solution
    and judged by the same yardstick (the gradient at zero, computed once); the smoothing
    continuation runs for the first lambda only (the next start near its minimizer)."""
    objective = Objective(problem, config, lambdas[0])
    d, c = objective.shape
    stages = widths(config)
    objective.update(smoothing=stages[-1])
    scale = objective.zero_gradient_norm()  # the penalty's gradient vanishes at W = 0
    theta = np.zeros(d * c + c)
    moments = SecondMoments(problem, config) if SecondMoments.applies(problem, config) else None
    for k, lam in enumerate(lambdas):
        objective.update(reg_strength=lam)
        found = minimize_stages(objective, theta, stages if k == 0 else stages[-1:],
                                tol=config.tol, max_iter=config.max_iter, scale=scale,
                                precondition=None if moments is None else moments.at(lam))
        theta = found.theta
        if not visit(lam, *_split(theta, d, c), found.iterations, found.converged):
            return


def _split(theta, d, c):
    return theta[:d * c].reshape(d, c), theta[d * c:]


def _check(config):
    """L-BFGS needs a continuous gradient: a smooth (or smoothed) loss and the L2 or no
    penalty."""
    if config.reg not in ("l2", "none"):
        raise fail("reg", "'l2' or 'none' with solver='lbfgs' (a smooth penalty)",
                   repr(config.reg), "Use solver='minibatch' for L1 and the elastic net.")


#: L-BFGS on the whole training set (in memory): smooth and smoothed losses, converged to
#: ``tol``.
LBFGS = Solver(
    solve, _check, uses=("tol", "max_iter", "smoothing", "device"), streaming=False,
    devices=("cpu", "torch"), parallel=True, sparse=True, path=path,
    description="L-BFGS on the full batch (float64 iterate and memory, X in its own dtype, "
                "a float32-tolerant Wolfe line search; the hinges smoothed), stops on the "
                "gradient tolerance tol")
