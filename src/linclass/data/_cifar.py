"""CIFAR-10 python batches, read with a restricted unpickler.

The official batches (Krizhevsky, 2009) are Python pickles of dicts::

    data_batch_1..5, test_batch: {b"data": uint8 (10000, 3072), b"labels": [int] * 10000, ...}
    batches.meta:                {b"label_names": [b"airplane", ...], ...}

Each row of ``data`` holds the R, G and B planes of a 32x32 image (1,024 bytes each,
row-major). A pickle can run any code it names, so these files are read with
:class:`SafeUnpickler`, which builds only dicts, lists, str, bytes, ints and numpy arrays (via
numpy's own reconstruction functions) and refuses every other global, naming it; nothing in
a refused file runs. The structure is checked after loading. Files whose MD5 matches the
official digest are marked as verified.
"""

import codecs
import hashlib
import io
import pickle

import numpy as np

from linclass.data._dataset import Dataset
from linclass.errors import DataError

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct
    from numpy._core.numeric import _frombuffer
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct
    from numpy.core.numeric import _frombuffer

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCHES = ("test_batch",)
META = "batches.meta"
BATCH_FILES = (*TRAIN_BATCHES, *TEST_BATCHES, META)
#: MD5 of the files in the official cifar-10-python.tar.gz (as published with torchvision).
OFFICIAL_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
    "batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
}
SIDE = 32
PLANE = SIDE * SIDE


def _latin1_encode(text, encoding="latin1"):
    """``_codecs.encode`` as protocol-2 pickles use it for bytes: latin-1 only."""
    if codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


class SafeUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals a CIFAR-10 batch needs.

    Allowed: numpy's array reconstruction (``_reconstruct``, ``ndarray``, ``dtype``,
    ``_frombuffer``) and ``_codecs.encode`` restricted to latin-1. Any other global raises
    :class:`~linclass.errors.DataError` naming the file and the global, before it is called.
    """

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy.core.numeric", "_frombuffer"): _frombuffer,
        ("numpy._core.numeric", "_frombuffer"): _frombuffer,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): _latin1_encode,
    }

    def __init__(self, file, where):
        super().__init__(file, encoding="bytes")
        self.where = where

    def find_class(self, module, name):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise DataError(
                f"refusing to load {self.where}: its pickle asks for the global "
                f"{module}.{name}, which a CIFAR-10 batch never holds (only dicts, lists, "
                "str, bytes, ints and numpy arrays are allowed); nothing in it was run"
            ) from None

    def persistent_load(self, pid):
        raise DataError(f"refusing to load {self.where}: it uses persistent ids, "
                        "which a CIFAR-10 batch never holds")


def safe_load(data, where):
    """Unpickle ``data`` (bytes) with :class:`SafeUnpickler`; a dict with str keys."""
    try:
        obj = SafeUnpickler(io.BytesIO(data), where).load()
    except DataError:
        raise
    except Exception as error:  # any malformed pickle
        raise DataError(f"{where} is not a readable CIFAR-10 batch "
                        f"({type(error).__name__}: {error})") from None
    if not isinstance(obj, dict):
        raise DataError(f"{where} must hold a dict, holds a {type(obj).__name__}")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _images_labels(batch, where):
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != 3 * PLANE:
        got = (f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray)
               else type(data).__name__)
        raise DataError(f"{where}: 'data' must be a uint8 array (N, {3 * PLANE}), got {got}")
    if not isinstance(labels, list | np.ndarray) or len(labels) != len(data) \
            or not all(isinstance(v, int | np.integer) for v in labels):
        raise DataError(f"{where}: 'labels' must be a list of {len(data)} integers")
    # (N, 3 * 1024) -> (N, 3, 32, 32) planes -> (N, 32, 32, 3) pixels
    images = data.reshape(-1, 3, SIDE, SIDE).transpose(0, 2, 3, 1)
    return images, np.asarray(labels, dtype=np.int64)


def _class_names(meta, where):
    names = meta.get("label_names")
    if not isinstance(names, list) or not names \
            or not all(isinstance(n, str | bytes) for n in names):
        raise DataError(f"{where}: 'label_names' must be a non-empty list of strings")
    return tuple(n.decode("utf-8") if isinstance(n, bytes) else n for n in names)


def md5(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def load_batches(read, where, split=None, *, require_official=False):
    """Build a :class:`Dataset` from CIFAR-10 batch files.

    Parameters
    ----------
    read : callable
        ``read(name) -> bytes`` for a batch file name, or None where the file is absent.
    where : str
        Location for messages and the dataset's ``source``.
    split : {None, "train", "test"}
        ``None`` and ``"train"`` read ``data_batch_1..5``; ``"test"`` reads ``test_batch``.
    require_official : bool
        Refuse files whose MD5 differs from the official one (the ``cifar10`` source).
    """
    names = TEST_BATCHES if split == "test" else TRAIN_BATCHES
    blobs = {}
    for name in (META, *names):
        data = read(name)
        if data is None:
            raise DataError(f"{where} has no {name}: a CIFAR-10 batch directory holds "
                            f"{', '.join(BATCH_FILES)}")
        blobs[name] = data
    verified = all(md5(blobs[n]) == OFFICIAL_MD5[n] for n in blobs)
    if require_official and not verified:
        bad = next(n for n in blobs if md5(blobs[n]) != OFFICIAL_MD5[n])
        raise DataError(f"{where}/{bad} differs from the official CIFAR-10 file (MD5 "
                        f"mismatch); delete {where} to download it again")
    class_names = _class_names(safe_load(blobs[META], f"{where}/{META}"), f"{where}/{META}")
    parts = [_images_labels(safe_load(blobs[n], f"{where}/{n}"), f"{where}/{n}")
             for n in names]
    images = np.concatenate([p[0] for p in parts])  # contiguous copy
    labels = np.concatenate([p[1] for p in parts])
    if labels.size and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise DataError(f"{where}: labels must lie in [0, {len(class_names)}) "
                        f"(one per name in {META}), got [{labels.min()}, {labels.max()}]")
    note = ", official files (MD5 verified)" if verified else ""
    return Dataset(images, labels, class_names, f"{where} [{split or 'train'}{note}]")
