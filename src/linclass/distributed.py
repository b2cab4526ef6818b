r"""Data-parallel training over ``torch.distributed``: minibatch descent and the full-batch
solvers.

Every process (a *rank*) draws the same global minibatch from the shared seed, computes
:func:`linclass.objective.loss_parts` on its own slice of it, and the ranks sum their weighted
gradients with one all-reduce, so every rank holds the gradient of the whole batch and takes
the same step:

.. math::

    g = \sum_{r=0}^{R-1} \frac{B_r}{B}\, g_r, \qquad
    g_r = \frac{1}{B_r} \sum_{i \in \text{batch}_r} \nabla L_i + \lambda \nabla R(W)

with :math:`B = \sum_r B_r` the global batch size. The union of the ranks' slices *is* the
single-process batch of the same seed, so training equals single-process minibatch descent
with batch size :math:`B`, up to the order of floating-point summation. A rank reads only the
rows of its slices, so a memory-mapped feature matrix (:func:`linclass.data.load_features`) is
never read whole by any process.

The full-batch solvers split the rows once (:meth:`DataParallel.rows`): L-BFGS sums loss and
gradient over the ranks with one all-reduce per evaluation (:math:`DC + C + 2` float64
numbers), the exact solve sums the Gram statistics with one all-reduce (:math:`D^2 + DC + D
+ C + 2` float64 numbers, :meth:`linclass.ridge.GramStats.pack`); every rank then holds the
model of one process.

Launch one process per core or GPU with ``torchrun``, which sets ``RANK``, ``WORLD_SIZE``,
``MASTER_ADDR`` and ``MASTER_PORT``::

    torchrun --nproc-per-node 2 -m linclass train --data features/ --distributed

Notes
-----
The gradients are computed in NumPy and handed to the all-reduce through
:func:`torch.from_numpy` (no copy); gloo reduces CPU tensors. The process group has a
timeout: when a rank dies, the others stop with :class:`DistributedError` instead of waiting
forever.

References
----------
.. [1] Goyal et al. (2017), Accurate, large minibatch SGD: training ImageNet in 1 hour.
   arXiv:1706.02677
.. [2] PyTorch, "Distributed communication package - torch.distributed",
   https://pytorch.org/docs/stable/distributed.html
"""

import os
from datetime import timedelta

import numpy as np

from linclass._validation import check_positive, fail
from linclass.errors import LinclassError
from linclass.objective import LossParts, loss_parts

__all__ = ["DEFAULT_TIMEOUT", "DataParallel", "DistributedError", "init", "shutdown"]

#: Seconds a collective (or the start-up rendezvous) waits for the other ranks.
DEFAULT_TIMEOUT = 300.0


class DistributedError(LinclassError, RuntimeError):
    """Another rank died, or did not answer within the process group's timeout."""


class DataParallel:
    """This process's place in a process group: its slice of every batch, and the all-reduce.

    Parameters
    ----------
    rank : int
        This process, in ``[0, world_size)``.
    world_size : int
        Number of processes.
    timeout : float
        Seconds of the process group's timeout (named in error messages).

    Use :func:`init` to join a group; ``DataParallel(0, 1)`` is a one-process group whose
    :meth:`reduce` needs no ``torch`` (the single-process case, used as the oracle in tests).
    """

    def __init__(self, rank, world_size, timeout=DEFAULT_TIMEOUT):
        if not 0 <= rank < world_size:
            raise fail("rank", f"in [0, {world_size})", rank)
        self.rank, self.world_size, self.timeout = int(rank), int(world_size), float(timeout)

    @property
    def is_main(self):
        """True on rank 0, the one process that writes files and reports progress."""
        return self.rank == 0

    def shard(self, idx):
        """This rank's contiguous slice of the batch ``idx`` (slices of all ranks: ``idx``).

        >>> [DataParallel(r, 3).shard(np.arange(7)).tolist() for r in range(3)]
        [[0, 1], [2, 3], [4, 5, 6]]
        """
        return idx[self.rows(len(idx))]

    def loss_parts(self, W, b, X, y, n_batch, *, share=None, dtype=None, **kwargs):
        """:func:`linclass.objective.loss_parts` of the whole batch, from this rank's rows.

        Parameters
        ----------
        W, b : ndarray of shapes (D, C), (C,)
        X : ndarray of shape (B_r, D)
            This rank's rows of the batch (may be empty when the batch has fewer rows than
            there are ranks).
        y : ndarray of shape (B_r,)
        n_batch : int
            :math:`B`, rows of the whole batch over all ranks.
        share : float, optional
            This rank's weight in the sum (default ``B_r / B``; with sample weights the
            full-batch solvers pass this rank's share of their sum).
        dtype : numpy dtype, optional
            The all-reduce's dtype (default: the gradient's; L-BFGS reduces in float64).
        **kwargs
            Passed to :func:`linclass.objective.loss_parts`.

        Returns
        -------
        LossParts
            Identical on every rank: the objective's parts and gradient of the global batch.
        """
        if len(y):
            parts = loss_parts(W, b, X, y, **kwargs)
        else:  # contributes nothing to the data loss; its weight B_r / B is 0
            reg_only = loss_parts(W, b, np.zeros((1, W.shape[0]), W.dtype), np.zeros(1, int),
                                  **{k: v for k, v in kwargs.items() if k != "sample_weight"})
            parts = LossParts(0.0, reg_only.penalty, np.zeros(W.shape, W.dtype),
                              np.zeros(b.shape, W.dtype))
        return self.reduce(parts, len(y) / n_batch if share is None else share, dtype=dtype)

    def reduce(self, parts, weight, dtype=None):
        """``sum over ranks of weight_r * parts_r``, the same on every rank.

        The weights sum to 1 over the ranks; the penalty, equal on every rank (the same W),
        is therefore unchanged. The four parts are packed into one buffer in ``dtype``
        (default: the gradient's) so that one all-reduce carries them.
        """
        if self.world_size == 1:
            return parts
        dW, db = parts.dW, parts.db
        flat = np.empty(dW.size + db.size + 2,
                        dtype=dW.dtype if dtype is None else dtype)  # [dW, db, data, penalty]
        np.multiply(dW.reshape(-1), weight, out=flat[:dW.size], casting="unsafe")
        np.multiply(db, weight, out=flat[dW.size:-2], casting="unsafe")
        flat[-2:] = parts.data_loss * weight, parts.penalty * weight
        self.sum(flat)
        return LossParts(float(flat[-2]), float(flat[-1]), flat[:dW.size].reshape(dW.shape),
                         flat[dW.size:-2])

    def sum(self, flat):
        """``flat`` (a 1-D NumPy array) summed over the ranks, in place; returns it.

        One all-reduce: the exact solver sums its Gram statistics with it.
        """
        if self.world_size == 1:
            return flat
        import torch
        import torch.distributed as dist

        try:
            dist.all_reduce(torch.from_numpy(flat))  # in place on flat's memory, op=SUM
        except Exception as error:  # gloo/NCCL raise RuntimeError or DistBackendError
            raise self._peer_error(error) from error
        return flat

    def rows(self, n):
        """This rank's contiguous share of ``n`` rows, as a slice.

        >>> [DataParallel(r, 3).rows(7) for r in range(3)]
        [slice(0, 2, None), slice(2, 4, None), slice(4, 7, None)]
        """
        return slice(self.rank * n // self.world_size, (self.rank + 1) * n // self.world_size)

    def barrier(self):
        """Wait for every rank (with the group's timeout)."""
        if self.world_size == 1:
            return
        import torch.distributed as dist

        try:
            dist.barrier()
        except Exception as error:
            raise self._peer_error(error) from error

    def _peer_error(self, error):
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return DistributedError(
            f"rank {self.rank} of {self.world_size}: another rank died or did not answer "
            f"within the {self.timeout:g} s timeout, stopping ({first})")


def init(backend=None, timeout=DEFAULT_TIMEOUT):
    """Join the process group described by ``torchrun``'s environment variables.

    Parameters
    ----------
    backend : {None, 'gloo', 'nccl'}
        ``None``: gloo (the CPU backend; NumPy gradients live in CPU memory).
    timeout : float > 0
        Seconds a collective or the start-up rendezvous waits for the other ranks before
        failing with :class:`DistributedError`.

    Returns
    -------
    DataParallel

    Environment
    -----------
    ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT`` (set by ``torchrun``).
    """
    timeout = check_positive("timeout", timeout)
    missing = [k for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
               if k not in os.environ]
    if missing:
        raise DistributedError(
            f"--distributed needs the environment variables {', '.join(missing)}: launch with "
            "torchrun --nproc-per-node N -m linclass ...")
    try:
        import torch.distributed as dist
    except ImportError:
        raise DistributedError("--distributed needs PyTorch: pip install 'linclass[torch]'") \
            from None
    backend = backend or "gloo"
    if backend not in ("gloo", "nccl"):
        raise fail("backend", "'gloo' or 'nccl'", repr(backend))
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    group = DataParallel(rank, world_size, timeout)
    if not dist.is_initialized():
        try:
            dist.init_process_group(backend, rank=rank, world_size=world_size,
                                    timeout=timedelta(seconds=timeout))
        except Exception as error:
            raise group._peer_error(error) from error
    return group


def shutdown():
    """Leave the process group (no-op when none was joined)."""
    try:
        import torch.distributed as dist
    except ImportError:
        return
    if dist.is_initialized():
        dist.destroy_process_group()
