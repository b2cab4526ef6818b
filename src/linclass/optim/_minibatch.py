"""Minibatch sampling: the index arrays of one epoch."""

import numpy as np

from linclass._validation import resolve
from linclass.optim._checks import check_count

#: Sampling modes: shuffled epochs (every example once), or draws with replacement.
MODES = {"epoch": "epoch", "replacement": "replacement"}


def minibatches(n, batch_size, rng, mode="epoch"):
    """The row indices of each minibatch of one epoch over ``n`` examples.

    Parameters
    ----------
    n : int >= 1
        Number of examples.
    batch_size : int >= 1
        Rows per batch. Powers of two (the trainer's defaults) suit BLAS and caches, but any
        size is accepted, as in scikit-learn and PyTorch; a size above ``n`` gives one batch
        of all ``n`` rows in ``"epoch"`` mode.
    rng : numpy.random.Generator or int
        Source of randomness (an int is a seed).
    mode : {'epoch', 'replacement'}
        ``"epoch"``: a fresh permutation cut into ``ceil(n / batch_size)`` batches, so every
        index appears exactly once (the last batch may be smaller). ``"replacement"``: the
        lecture's starter code, ``ceil(n / batch_size)`` batches of ``batch_size`` indices
        each drawn uniformly with replacement.

    Returns
    -------
    iterator of ndarray of shape (B,), int64
        Indices into the examples, ``B <= batch_size`` (``== batch_size`` with replacement).

    >>> import numpy as np
    >>> batches = list(minibatches(10, 4, np.random.default_rng(0)))
    >>> [len(b) for b in batches], sorted(np.concatenate(batches).tolist()) == list(range(10))
    ([4, 4, 2], True)
    """
    n = check_count("n", n)
    batch_size = check_count("batch_size", batch_size)
    mode = resolve("mode", mode, MODES)
    rng = np.random.default_rng(rng)
    if mode == "epoch":
        return _shuffled(n, batch_size, rng)
    return _with_replacement(n, batch_size, rng)


def _shuffled(n, batch_size, rng):
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _with_replacement(n, batch_size, rng):
    for _ in range(-(-n // batch_size)):
        yield rng.integers(0, n, size=batch_size)

