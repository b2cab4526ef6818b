"""Row weights shared by the loss kernels: one weight for every row, one per row, or the mean.

``weights`` is ``None`` (the mean over rows, ``w_i = 1/N``), a Python float (the same weight
for every row) or an (N,) array; a kernel returns ``sum_i w_i L_i`` and ``w_i dL_i/ds_i``.
"""

from linclass import backend
from linclass._validation import fail


def check_weights(weights, scores):
    """``weights`` as given (None or a float), or as an (N,) array like ``scores``."""
    if weights is None or isinstance(weights, float):
        return weights
    weights = backend.asarray(weights, backend.device_name(scores),
                              dtype=backend.numpy_dtype(scores))
    if weights.shape != (scores.shape[0],):
        raise fail("weights", f"a float or a 1-D array of {scores.shape[0]} row weights (one "
                   "per row of scores)", f"shape {tuple(weights.shape)}")
    return weights


def weighted_total(values, weights, *, squared=False):
    r"""``sum_i w_i sum_j v_ij`` (of ``v_ij^2`` if ``squared``) for ``values`` (N, C) or (N,)."""
    if weights is None or isinstance(weights, float):
        total = float(backend.vdot(values, values) if squared else values.sum())
        return total / values.shape[0] if weights is None else total * weights
    per_row = values * values if squared else values
    if per_row.ndim == 2:
        per_row = per_row.sum(axis=1)
    return float(backend.vdot(per_row, weights))


def scale_rows(dscores, weights):
    """``dscores_i *= w_i`` in place (``/= N`` for ``None``); returns ``dscores``."""
    if weights is None:
        dscores /= dscores.shape[0]
    elif isinstance(weights, float):
        dscores *= weights  # a Python float keeps the dtype of dscores
    else:
        dscores *= weights[:, None]
    return dscores
