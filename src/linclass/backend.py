"""Array backends: NumPy (the default) and PyTorch tensors (CPU or CUDA), through one dispatch.

Numerical code asks :func:`namespace` for the module of its inputs and calls the Python array
API on it (``xp.max(x, axis=1, keepdims=True)``, ``xp.astype(x, dtype)``); both backends
support integer-array indexing ``x[rows, y]`` natively. What the standard lacks, in-place
element-wise updates (NumPy's ``out=``), lives here as small functions with one branch per
backend, so NumPy keeps its allocation-free fast path.

A *device* names where arrays live: ``"cpu"`` (NumPy), ``"torch"`` (PyTorch on the CPU) or
``"cuda"`` / ``"cuda:N"`` (PyTorch on a GPU). Random numbers always come from NumPy and are
moved to the device, so results do not depend on the backend's generator.

>>> import numpy as np
>>> namespace(np.ones(2)) is np
True
>>> to_numpy(asarray([1.5, 2.0], device="cpu")).tolist()
[1.5, 2.0]

References
----------
.. [1] Consortium for Python Data API Standards, "Python array API standard",
   https://data-apis.org/array-api/latest/
.. [2] array-api-compat, https://data-apis.org/array-api-compat/
"""

import numpy as np

from linclass._validation import fail

__all__ = [
    "DEVICES", "arange", "asarray", "ascontiguous", "astype", "check_device",
    "check_scores_labels", "device_name",
    "exp_", "float_dtype", "is_numpy", "maximum_", "namespace", "numpy_dtype", "to_numpy",
    "vdot", "zeros",
]

#: Device names accepted by ``device=`` (``"cuda:N"`` selects a GPU by index).
DEVICES = ("cpu", "torch", "cuda")


def is_numpy(x):
    """True for NumPy arrays and anything that is not a tensor (lists, scalars)."""
    return not type(x).__module__.startswith("torch")


def namespace(*arrays):
    """The array module of ``arrays``: :mod:`numpy` itself for NumPy input, else the
    array-API namespace of :mod:`array_api_compat` (``array_api_compat.torch``)."""
    if all(map(is_numpy, arrays)):
        return np
    from array_api_compat import array_namespace

    return array_namespace(*(a for a in arrays if not is_numpy(a)))


def check_device(device, *, available=True):
    """``device`` checked: one of :data:`DEVICES` or ``"cuda:N"``; returns it.

    With ``available`` (the default) a PyTorch device also needs torch installed and a CUDA
    device a GPU; without it only the name is checked (settings name a device before it is
    used)."""
    ok = isinstance(device, str) and (device in DEVICES or (
        device.startswith("cuda:") and device[5:].isdigit()))
    if not ok:
        raise fail("device", "'cpu' (NumPy), 'torch' (PyTorch on the CPU), 'cuda' or 'cuda:N'",
                   repr(device))
    if available and device != "cpu":
        try:
            import torch
        except ImportError:
            raise fail("device", "'cpu' without PyTorch installed", repr(device),
                       "Install it: pip install 'linclass[torch]'.") from None
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise fail("device", "'cpu' or 'torch' on a machine without a CUDA GPU",
                       repr(device))
    return device


def asarray(x, device="cpu", dtype=None):
    """``x`` as an array on ``device`` (no copy when it is there already in ``dtype``).

    ``dtype`` is a NumPy dtype (or None: keep ``x``'s); on PyTorch devices the tensor gets
    the matching ``torch`` dtype.
    """
    device = check_device(device)
    if device == "cpu":
        return np.asarray(to_numpy(x), dtype=dtype)
    import torch

    target = "cpu" if device == "torch" else device
    if is_numpy(x):
        x = np.asarray(x, dtype=dtype)
        return torch.from_numpy(x).to(target)  # shares memory on the CPU
    if dtype is not None:
        x = x.to(torch.from_numpy(np.empty(0, dtype=dtype)).dtype)
    return x.to(target)


def to_numpy(x):
    """``x`` as a NumPy array (tensors copied to the host; NumPy input returned as is)."""
    if is_numpy(x):
        return np.asarray(x)
    return x.detach().cpu().numpy()


def device_name(x):
    """The device name of ``x``: ``"cpu"`` for NumPy, ``"torch"`` or ``"cuda:N"`` for tensors."""
    if is_numpy(x):
        return "cpu"
    return "torch" if x.device.type == "cpu" else str(x.device)


def numpy_dtype(x):
    """The NumPy dtype of an array or tensor (``numpy.float32`` for ``torch.float32``)."""
    if is_numpy(x):
        return np.asarray(x).dtype
    return np.empty(0, dtype=str(x.dtype).removeprefix("torch.")).dtype


def maximum_(x, value):
    """``x = max(x, value)`` element-wise, in place; returns ``x``."""
    if is_numpy(x):
        return np.maximum(x, value, out=x)
    return x.clamp_(min=value)


def exp_(x):
    """``x = exp(x)`` element-wise, in place; returns ``x``."""
    if is_numpy(x):
        return np.exp(x, out=x)
    return x.exp_()


def arange(n, like):
    """The integers ``range(n)`` on the device of ``like`` (row indices for ``x[rows, y]``)."""
    if is_numpy(like):
        return np.arange(n)
    import torch

    return torch.arange(n, device=like.device)


def float_dtype(*arrays):
    """The floating NumPy dtype a computation on ``arrays`` runs in: float32 when all are
    float32 (never silently upcast), float64 otherwise (integers promoted)."""
    dtype = np.result_type(*(a.dtype if type(a) is np.ndarray else numpy_dtype(a)
                             for a in arrays))
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def astype(x, dtype):
    """``x`` in the NumPy dtype ``dtype`` (a tensor gets the matching torch dtype); no copy
    when it has it already."""
    if is_numpy(x):
        return np.asarray(x).astype(dtype, copy=False)
    import torch

    return x.to(getattr(torch, np.dtype(dtype).name))


def zeros(shape, dtype, like):
    """Zeros of ``shape`` in the NumPy dtype ``dtype``, C order, on the device of ``like``."""
    if is_numpy(like):
        return np.zeros(shape, dtype=dtype)
    import torch

    return torch.zeros(shape, dtype=getattr(torch, np.dtype(dtype).name), device=like.device)


def ascontiguous(x):
    """``x`` in C order (a copy only when it is not already)."""
    if is_numpy(x):
        return np.ascontiguousarray(x)
    return x.contiguous()


def vdot(a, b):
    """``sum(a * b)`` over all elements, without the temporary (BLAS dot of the flat arrays)."""
    if is_numpy(a):
        return np.vdot(a, b)
    return (a.reshape(-1) @ b.reshape(-1))


def check_scores_labels(scores, y):
    """Check ``scores`` (N, C) float and integer labels ``y`` (N,) in [0, C).

    ``scores`` may be a NumPy array or a torch tensor; ``y`` is returned on its device.
    """
    xp = namespace(scores)
    if xp is np:
        scores, y = np.asarray(scores), np.asarray(y)
    else:
        y = asarray(y, device_name(scores))
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise fail("scores", "a 2-D array (N, C) with C >= 2 classes",
                   f"shape {tuple(scores.shape)}")
    if scores.shape[0] == 0:
        raise fail("scores", "non-empty (at least one row)", "0 rows")
    scores = astype(scores, float_dtype(scores))  # integers promoted
    if y.shape != (scores.shape[0],):
        raise fail(
            "y",
            f"a 1-D array of {scores.shape[0]} labels (one per row of scores)",
            f"shape {tuple(y.shape)}",
        )
    y_dtype = numpy_dtype(y)
    if not np.issubdtype(y_dtype, np.integer):
        raise fail("y", "integer class indices", f"dtype {y_dtype}")
    n_classes = scores.shape[1]
    if y.min() < 0 or y.max() >= n_classes:
        bad = y[(y < 0) | (y >= n_classes)][0]
        raise fail("y", f"class indices in [0, {n_classes})", f"label {int(bad)}")
    if not xp.isfinite(scores).all():
        raise fail("scores", "finite (no NaN or inf)", "a non-finite value",
                   "Check the inputs and lower the learning rate.")
    return scores, y
