"""Feature matrices computed elsewhere (image embeddings), memory-mapped from ``.npy`` files.

A *feature source* is a directory holding two NumPy ``.npy`` files::

    DIR/X.npy   (N, D) float32 or float64, the features, one row per example
    DIR/y.npy   (N,) integers, the labels

(the path of ``DIR/X.npy`` itself is accepted too). ``X`` is opened with
``numpy.load(mmap_mode="r")``: nothing is read until rows are used, so a matrix larger than
memory trains by minibatches, and the processes of a data-parallel run
(:mod:`linclass.distributed`) share the operating system's page cache.

>>> import tempfile, pathlib, numpy as np
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> np.save(folder / "X.npy", np.ones((4, 3), np.float32))
>>> np.save(folder / "y.npy", np.array([5, 7, 5, 7]))
>>> features = load_features(folder)
>>> type(features.X).__name__, features.y.tolist(), features.class_names
('memmap', [0, 1, 0, 1], ('5', '7'))
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np

from linclass.data._npy import check_npy
from linclass.errors import DataError

__all__ = ["Features", "is_feature_source", "load_features"]

#: File names inside a feature source.
X_FILE, Y_FILE = "X.npy", "y.npy"


class Features(NamedTuple):
    """A feature matrix with its labels.

    Attributes
    ----------
    X : numpy.memmap of shape (N, D), float32 or float64, read-only
    y : ndarray of shape (N,), int64
        Class indices in ``[0, len(class_names))``.
    class_names : tuple of str
        The distinct values of ``y.npy``, sorted; ``class_names[k]`` names label ``k``.
    source : str
    """

    X: np.ndarray
    y: np.ndarray
    class_names: tuple
    source: str


def is_feature_source(source):
    """True when ``source`` is a directory holding ``X.npy``, or such an ``X.npy`` file."""
    if not isinstance(source, str | Path):
        return False
    path = Path(source).expanduser()
    return (path / X_FILE).is_file() or (path.name == X_FILE and path.is_file())


def load_features(source):
    """Open the feature source ``source`` (see the module docstring) without reading ``X``.

    Parameters
    ----------
    source : str or path-like
        A directory holding ``X.npy`` and ``y.npy``, or the path of the ``X.npy``.

    Returns
    -------
    Features

    Raises
    ------
    DataError
        A missing file, a matrix that is not 2-D float32/float64, or labels that do not
        match its rows; the message names the file.
    """
    path = Path(source).expanduser()
    folder = path.parent if path.name == X_FILE else path
    x_file, y_file = folder / X_FILE, folder / Y_FILE
    for file in (x_file, y_file):
        if not file.is_file():
            raise DataError(f"feature source {folder}: {file.name} not found (a feature "
                            f"source is a directory holding {X_FILE} (N, D) and {Y_FILE} (N,))")
    X = _open(x_file, mmap_mode="r")
    if X.ndim != 2 or X.dtype not in (np.float32, np.float64) or X.shape[0] == 0:
        raise DataError(f"{x_file}: must be a non-empty float32 or float64 matrix (N, D), "
                        f"got {X.dtype} of shape {X.shape}")
    y = _open(y_file)
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{y_file}: must hold {X.shape[0]} integer labels (one per row of "
                        f"{X_FILE}), got {y.dtype} of shape {y.shape}")
    values, labels = np.unique(y, return_inverse=True)
    return Features(X, labels.astype(np.int64), tuple(str(v) for v in values), str(folder))


def _open(file, mmap_mode=None):
    """The array in ``file``, its header checked first (an :class:`._npy.NpyError` is a
    ValueError)."""
    try:
        check_npy(file)
        return np.load(file, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise DataError(f"cannot read {file}: not a valid .npy array ({error})") from None
