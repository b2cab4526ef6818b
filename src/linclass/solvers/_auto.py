"""``solver="auto"``: the rule that picks a solver for a configuration and a problem."""

import os

__all__ = ["MEMORY_SHARE", "choose", "fits_in_memory"]

#: The share of the machine's physical memory that X may take for a full-batch solver: L-BFGS
#: reads the whole of X at every iteration, which is fast only while X stays in memory (a
#: memory-mapped X then stays in the page cache).
MEMORY_SHARE = 0.5


def fits_in_memory(X):
    """Whether X (array, memory map or sparse matrix) takes at most :data:`MEMORY_SHARE` of
    the physical memory."""
    nbytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if hasattr(X, "nnz") \
        else X.nbytes
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: assume it fits
        return True
    return nbytes <= MEMORY_SHARE * memory


def choose(config, problem, can):
    """The name of the solver ``"auto"`` stands for.

    The rule, first match wins:

    1. the closed-form solve (``"exact"``) when it applies: least squares with the L2 or no
       penalty (any data size: X is streamed once, dense or sparse);
    2. L-BFGS (``"lbfgs"``) when it applies (every loss: the smooth ones as they are, the
       hinges svm, crammer_singer and one_vs_all smoothed to a stated gap, see
       :mod:`linclass.solvers._lbfgs`; the L2 or no penalty) and X fits in memory
       (:func:`fits_in_memory`);
    3. minibatch descent otherwise: L1 and the elastic net, and data larger than memory.

    ``can(name)`` tells whether the solver ``name`` supports ``config``.
    """
    if can("exact"):
        return "exact"
    if can("lbfgs") and fits_in_memory(problem.X):
        return "lbfgs"
    return "minibatch"
