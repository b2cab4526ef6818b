"""The whole job in two calls: :func:`fit` (split, augment, extract, train) and :func:`evaluate`.

This is what ``linclass train`` and ``linclass evaluate`` run; ``linclass search``
(:mod:`linclass.search`) trains every trial through the same :func:`prepare` and
:func:`train_prepared`, so a trial and ``fit`` with the trial's settings give the same
weights.

>>> import linclass.job as job
>>> result = job.fit("digits", loss="softmax", epochs=3)
>>> result.n_train, result.n_val, type(result.model).__name__
(1617, 180, 'ImageClassifier')
>>> evaluation = job.evaluate(result.model, "digits")
>>> evaluation.n, evaluation.confusion.shape
(1797, (10, 10))

The job, step by step (:func:`fit`):

1. **Data.** ``data`` is a source for :func:`linclass.data.load` (``"digits"``, a folder,
   an archive, an image ``.npz``), a :class:`~linclass.data.Dataset`, or a *feature matrix*:
   a directory with ``X.npy`` / ``y.npy`` (memory-mapped, :func:`linclass.data.load_features`)
   or a ``.npz`` whose ``X`` is a 2-D float matrix.
2. **Split.** A stratified validation split (:func:`linclass.data.train_val_split`) of
   ``val_size`` rows (default :func:`linclass.data.default_val_size`: 1,000 for 20,000+ rows,
   else 10 %), seeded by ``seed``.
3. **Features.** Images: the training images are enlarged by ``augment``
   (:func:`linclass.augment.default_augment` when ``None``) and a
   :class:`~linclass.features.FeaturePipeline` is fitted on them. Feature matrices:
   ``normalize`` (:data:`NORMALIZE`, default ``"standardize"``).
4. **Settings.** :func:`linclass.config.default_config` (the tuned defaults for the feature
   set and loss) with the given settings on top; when ``epochs`` is not given,
   :func:`linclass.config.min_steps_config` grows the epochs of a small training set.
5. **Training** of a :class:`~linclass.LinearClassifier` with the validation split as its
   ``validation_data``.

Progress is reported to ``progress(stage, done, total)``; the stages are
``"loading"``, ``"features (train)"``, ``"features (validation)"`` and ``"training"``
(``done`` epochs of ``total``). Library code never prints.
"""

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linclass._validation import fail, resolve
from linclass.config import default_config, min_steps_config

__all__ = ["FEATURE_MATRIX", "NORMALIZE", "Evaluation", "FitResult", "Prepared", "evaluate",
           "finish", "fit", "job_config", "l2_normalize", "load_image_model", "open_data",
           "prepare", "train_prepared"]

#: The ``features`` name of a feature matrix (the key of its tuned defaults in
#: :data:`linclass.config.DEFAULTS`).
FEATURE_MATRIX = "matrix"

#: How the columns or rows of a feature matrix are normalized before training:
#:
#: - ``"standardize"`` (the default): ``(x - mean) / std`` per column, fitted on the training
#:   rows and folded into the weights afterwards (``W / std``, ``b - (mean / std) W``), so the
#:   model takes the rows as they are stored; the learning-rate defaults assume this scale;
#: - ``"l2"``: every row divided by its Euclidean norm, CLIP_benchmark's choice for image
#:   embeddings; the model then expects L2-normalized rows (``evaluate(..., normalize="l2")``);
#: - ``"none"``: the rows as they are (a memory-mapped ``X`` is then never copied whole).
NORMALIZE = ("standardize", "l2", "none")


@dataclass
class Prepared:
    """The data one training run sees: the split's features and labels.

    Attributes
    ----------
    X_train, X_val : ndarray (N_train, D), (N_val, D) or None
        Features (float32 for images); ``X_val`` is ``None`` without a validation split.
    y_train, y_val : ndarray
        Labels: class indices (images) or class names (feature matrices).
    class_names : tuple of str
    train_idx, val_idx : ndarray of int or None
        Rows of the source in each part (``None``: every row trains / no validation).
    features : str
        The feature spec, or :data:`FEATURE_MATRIX`.
    source : str
    pipeline : linclass.features.FeaturePipeline or None
        Fitted (images only).
    image_shape : tuple or None
    augment : str or None
    normalize : str or None
    scaler : linclass.preprocessing.Standardize or None
        The feature matrix's standardization, folded into the weights by :func:`finish`.
    skipped : tuple of str
        Unreadable images skipped (``skip_bad``).
    """

    X_train: Any
    y_train: np.ndarray
    X_val: Any
    y_val: np.ndarray
    class_names: tuple
    train_idx: Any
    val_idx: Any
    features: str
    source: str
    pipeline: Any = None
    image_shape: tuple | None = None
    augment: str | None = None
    normalize: str | None = None
    scaler: Any = None
    skipped: tuple = ()

    @property
    def validation(self):
        """``(X_val, y_val)``, or ``None`` without a validation split."""
        return None if self.X_val is None else (self.X_val, self.y_val)


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    model : ImageClassifier or LinearClassifier
        An :class:`~linclass.ImageClassifier` for images; a
        :class:`~linclass.LinearClassifier` on the stored feature rows for a feature matrix.
    history : dict
        The classifier's ``history_`` (per-epoch accuracies, ``best_epoch``, ``solver``).
    train_idx, val_idx : ndarray or None
        Rows of the source used for training and validation (before augmentation).
    train_accuracy, val_accuracy : float, float or None
        On the (augmented) training rows and the validation rows.
    n_train, n_val : int
        Training rows (augmented copies included) and validation rows.
    config : linclass.config.TrainConfig
        The settings used (tuned defaults, given settings, epochs grown for small sets).
    features, augment, normalize, source : str or None
    skipped : tuple of str
        Unreadable images skipped (``skip_bad``).
    """

    model: Any
    history: dict
    train_idx: Any
    val_idx: Any
    train_accuracy: float
    val_accuracy: float | None
    n_train: int
    n_val: int
    config: Any
    features: str
    source: str
    augment: str | None = None
    normalize: str | None = None
    skipped: tuple = ()

    @property
    def epochs(self):
        """Epochs (or iterations) run."""
        return int(self.model_classifier.n_iter_)

    @property
    def best_epoch(self):
        """The epoch whose weights were kept, counted from 1."""
        return int(self.history["best_epoch"]) + 1

    @property
    def model_classifier(self):
        """The :class:`~linclass.LinearClassifier` inside :attr:`model`."""
        return getattr(self.model, "classifier", self.model)

    def summary(self):
        """A JSON-able dict: accuracies, sizes, epochs, the data and the settings."""
        out = {"train_accuracy": self.train_accuracy, "val_accuracy": self.val_accuracy,
               "n_train": self.n_train, "n_val": self.n_val, "epochs": self.epochs,
               "best_epoch": self.best_epoch, "solver": self.history.get("solver"),
               "features": self.features, "loss": self.config.loss, "data": self.source,
               "settings": self.config.to_dict()}
        if "reg_path" in self.history:  # reg_strength 'auto': the choice and its curve
            out.update(reg_strength=self.history["reg_strength"],
                       reg_path=[[float(v) for v in point] for point in self.history["reg_path"]],
                       refit=self.history["refit"])
        if self.augment is not None:
            out["augment"] = self.augment
        if self.normalize is not None:
            out["normalize"] = self.normalize
        return out


@dataclass
class Evaluation:
    """What :func:`evaluate` returns.

    Attributes
    ----------
    accuracy : float
    n : int
        Rows (images) evaluated.
    classes : tuple of str
        The model's classes, the order of ``confusion``'s rows and columns.
    per_class : dict
        Class name -> accuracy on that class's rows (``None`` for a class absent here).
    confusion : ndarray of shape (C, C), int64
        ``confusion[i, j]``: rows of true class ``i`` predicted as class ``j``.
    source : str
    split : str or None
        The part of the source evaluated (``None``: a source without parts, read whole,
        or data given as arrays).
    """

    accuracy: float
    n: int
    classes: tuple
    per_class: dict
    confusion: np.ndarray
    source: str
    split: str | None = None

    def summary(self):
        """A JSON-able dict (``per_class_accuracy``, ``confusion_matrix`` as lists)."""
        return {"accuracy": self.accuracy, "n": self.n, "classes": list(self.classes),
                "per_class_accuracy": dict(self.per_class),
                "confusion_matrix": self.confusion.tolist(), "data": self.source,
                "split": self.split}


# -- data --------------------------------------------------------------------------------------


def _stage(progress, name):
    """``progress(done, total)`` for one stage of ``progress(stage, done, total)``."""
    if progress is None:
        return None
    return lambda done, total: progress(name, done, total)


def open_data(data, *, split=None, image_size=None, skip_bad=False, progress=None):
    """A :class:`~linclass.data.Dataset` or :class:`~linclass.data.Features` for ``data``.

    Parameters
    ----------
    data : str, path, Dataset or Features
        See the module docstring; a Dataset or Features is returned as it is.
    split, image_size, skip_bad
        Passed to :func:`linclass.data.load` for image sources.
    progress : callable(stage, done, total), optional
    """
    from linclass.data import Dataset, Features, is_feature_source, load, load_features

    if isinstance(data, Dataset | Features):
        return data
    if is_feature_source(data):
        return load_features(data)
    features = _feature_npz(data)
    if features is not None:
        return features
    return load(data, split=split, image_size=image_size, skip_bad=skip_bad,
                progress=_stage(progress, "loading"))


def _feature_npz(data):
    """:class:`~linclass.data.Features` of a ``.npz`` whose ``X`` is a 2-D float matrix, else
    ``None`` (an image ``.npz`` is :func:`linclass.data.load`'s)."""
    path = _feature_npz_path(data)
    if path is None:
        return None
    from linclass.data import Features
    from linclass.data._npy import NpyError, read_npz
    from linclass.errors import DataError

    try:
        arrays = read_npz(path, limit_bytes=None)
    except (NpyError, OSError) as error:
        raise DataError(f"cannot read {path}: {error}") from None
    if "y" not in arrays or arrays["y"].shape != (len(arrays["X"]),):
        raise DataError(f"{path}: a feature .npz needs y with one label per row of X")
    names = arrays.get("class_names")
    if names is not None:
        y, names = arrays["y"], tuple(str(n) for n in names.ravel())
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= len(names):
            raise DataError(f"{path}: y must hold class indices in [0, {len(names)}) (one "
                            "per entry of class_names)")
        labels = y
    else:
        values, labels = np.unique(arrays["y"], return_inverse=True)
        names = tuple(str(v) for v in values)
    return Features(arrays["X"], labels.astype(np.int64), names, str(path))


def _npz_holds_matrix(path):
    """Whether the ``X`` member of ``path`` is a 2-D float array (read from its header)."""
    import zipfile

    from numpy.lib import format as npy_format

    try:
        with zipfile.ZipFile(path) as archive, archive.open("X.npy") as stream:
            version = npy_format.read_magic(stream)
            read = (npy_format.read_array_header_1_0 if version == (1, 0)
                    else npy_format.read_array_header_2_0)
            shape, _, dtype = read(stream)
    except (KeyError, OSError, ValueError, zipfile.BadZipFile):
        return False  # load() reports what is wrong with it
    return len(shape) == 2 and dtype.kind == "f"


def load_image_model(path):
    """An :class:`~linclass.ImageClassifier` from the model file ``path`` (a model on a
    feature matrix is an error)."""
    from linclass.errors import ModelFileError
    from linclass.image_classifier import ImageClassifier
    from linclass.model_file import load

    model = load(path)
    if not isinstance(model, ImageClassifier):
        raise ModelFileError(f"{path} holds a LinearClassifier on features, not an image "
                             "model; save one with `linclass train` on images")
    return model


# -- the job -----------------------------------------------------------------------------------


def prepare(data, features="raw", *, val_size=None, augment=None, extractor_params=None,
            normalize="standardize", seed=0, split=None, image_size=None, skip_bad=False,
            progress=None, parallel=None):
    """Split ``data`` and compute the features one training run needs.

    Parameters are those of :func:`fit`. With ``parallel`` (a data-parallel group of more
    than one process) and images, rank 0 loads and extracts, and the other ranks read its
    features through memory-mapped files (see :func:`_share`).

    Returns
    -------
    Prepared
    """
    from linclass.data import Features

    def make():
        opened = open_data(data, split=split, image_size=image_size, skip_bad=skip_bad,
                           progress=progress)
        if isinstance(opened, Features):
            return _prepare_matrix(opened, val_size, normalize, seed)
        return _prepare_images(opened, features, val_size, augment, extractor_params, seed,
                               progress)

    if parallel is not None and parallel.world_size > 1 and not _is_matrix(data):
        return _share(parallel, make)
    return make()


def _is_matrix(data):
    from linclass.data import Features, is_feature_source

    return isinstance(data, Features) or is_feature_source(data) \
        or _feature_npz_path(data) is not None


def _feature_npz_path(data):
    """The path of ``data`` when it is a ``.npz`` file holding a feature matrix, else None."""
    if not isinstance(data, str | Path) or not str(data).lower().endswith(".npz"):
        return None
    path = Path(data).expanduser()
    return path if path.is_file() and _npz_holds_matrix(path) else None


def _split(labels, val_size, seed):
    """``(train_idx, val_idx)``; ``(None, None)`` without a validation split."""
    from linclass.data import default_val_size, train_val_split

    n_val = default_val_size(len(labels)) if val_size is None else val_size
    if not n_val:
        return None, None
    return train_val_split(labels, n_val, seed=seed)


def _prepare_images(dataset, features, val_size, augment, extractor_params, seed, progress):
    from linclass.augment import augment as augment_images
    from linclass.augment import default_augment
    from linclass.features import FeaturePipeline

    pipeline = FeaturePipeline.from_spec(features, **(extractor_params or {}))
    train_idx, val_idx = _split(dataset.labels, val_size, seed)
    augment = default_augment(features, dataset.image_shape) if augment is None else augment
    rows = slice(None) if train_idx is None else train_idx
    train_images, y_train = augment_images(dataset.images[rows], dataset.labels[rows], augment)
    X_train = pipeline.fit_transform(train_images, rng=seed,
                                     progress=_stage(progress, "features (train)"))
    X_val, y_val = None, dataset.labels[:0]
    if val_idx is not None:
        y_val = dataset.labels[val_idx]
        X_val = pipeline.transform(dataset.images[val_idx],
                                   progress=_stage(progress, "features (validation)"))
    return Prepared(X_train, y_train, X_val, y_val, dataset.class_names, train_idx, val_idx,
                    features, dataset.source, pipeline=pipeline,
                    image_shape=dataset.image_shape, augment=augment,
                    skipped=dataset.skipped)


def _prepare_matrix(matrix, val_size, normalize, seed):
    from linclass.preprocessing import Standardize

    resolve("normalize", normalize, dict.fromkeys(NORMALIZE))
    names = np.asarray(matrix.class_names)
    train_idx, val_idx = _split(matrix.y, val_size, seed)
    X_train = matrix.X if train_idx is None else matrix.X[train_idx]
    X_val = None if val_idx is None else matrix.X[val_idx]
    scaler = None
    if normalize == "standardize":
        scaler = Standardize(dtype=X_train.dtype).fit(X_train)
        X_train = scaler.transform(X_train)
        X_val = None if X_val is None else scaler.transform(X_val)
    elif normalize == "l2":
        X_train = l2_normalize(X_train)
        X_val = None if X_val is None else l2_normalize(X_val)
    y = names[matrix.y]
    return Prepared(X_train, y if train_idx is None else y[train_idx], X_val,
                    y[:0] if val_idx is None else y[val_idx], matrix.class_names, train_idx,
                    val_idx, FEATURE_MATRIX, matrix.source, normalize=normalize, scaler=scaler)


def l2_normalize(X):
    r"""Rows divided by their Euclidean norm, :math:`x / \max(\|x\|_2, 10^{-12})` (a new array)."""
    X = np.asarray(X)
    norms = np.sqrt(np.einsum("ij,ij->i", X, X, dtype=np.float64))
    return (X / np.maximum(norms, 1e-12)[:, None]).astype(X.dtype, copy=False)


def job_config(features, n_train, settings):
    """The :class:`~linclass.config.TrainConfig` of the job: tuned defaults for ``features``
    and ``settings["loss"]``, the given ``settings`` on top (``None`` values ignored), and the
    epochs of a small training set of ``n_train`` rows grown by
    :func:`~linclass.config.min_steps_config` unless ``settings`` gives ``epochs``."""
    settings = dict(settings)
    config = default_config(features, settings.pop("loss", None), **settings)
    if settings.get("epochs") is None:
        config = min_steps_config(config, n_train)
    return config


def train_prepared(prepared, config, *, callback=None, parallel=None):
    """A :class:`~linclass.LinearClassifier` trained by ``config`` on ``prepared``'s training
    rows, validated every epoch on its validation rows (early stopping keeps the best epoch
    only when there are some)."""
    from linclass.classifier import LinearClassifier

    clf = LinearClassifier.from_config(
        config, early_stopping=config.early_stopping and prepared.X_val is not None)
    return clf.fit(prepared.X_train, prepared.y_train, validation_data=prepared.validation,
                   callback=callback, parallel=parallel)


def finish(prepared, clf):
    """The model of a trained classifier: an ImageClassifier for images; for a feature matrix
    the classifier itself, with a standardization folded into its weights
    (``W' = W / s``, ``b' = b - (m / s) W``: the same scores on the unscaled rows)."""
    if prepared.pipeline is not None:
        from linclass.image_classifier import ImageClassifier

        return ImageClassifier(prepared.pipeline, clf, prepared.class_names,
                               prepared.image_shape)
    if prepared.scaler is not None:
        W, mean, scale = clf.coef_, prepared.scaler.mean_, prepared.scaler.scale_
        clf.coef_ = (W / scale[:, None]).astype(W.dtype)  # (D, C)
        clf.intercept_ = (clf.intercept_ - (mean / scale) @ W).astype(W.dtype)  # (C,)
    return clf


def fit(data, features="raw", *, val_size=None, augment=None, extractor_params=None,
        normalize="standardize", split=None, image_size=None, skip_bad=False, progress=None,
        callback=None, parallel=None, **settings):
    """Do what ``linclass train`` does: split, augment, extract features, train.

    Parameters
    ----------
    data : str, path, Dataset or Features
        An image source (:func:`linclass.data.load`), a Dataset, or a feature matrix (a
        directory with ``X.npy`` and ``y.npy``, or a ``.npz`` with a 2-D float ``X``).
    features : str
        Feature spec for images (``"raw"``, ``"hog+hsv"``, ``"kmeans"``, ...); ignored for a
        feature matrix.
    val_size : int, float or None
        Validation rows held out (a count or a fraction; 0: none); ``None``:
        :func:`linclass.data.default_val_size`.
    augment : {None, 'none', 'flip'}
        Training-image augmentation; ``None``: :func:`linclass.augment.default_augment`.
    extractor_params : dict, optional
        ``{extractor name: {setting: value}}``, e.g. ``{"kmeans": {"n_centroids": 1600}}``.
    normalize : {'standardize', 'l2', 'none'}
        For a feature matrix, see :data:`NORMALIZE`.
    split, image_size, skip_bad
        How an image source is read (:func:`linclass.data.load`).
    progress : callable(stage, done, total), optional
        Called as each stage advances (see the module docstring).
    callback : callable(dict), optional
        Called after every epoch with the epoch's numbers (:func:`linclass.training.train`),
        just before ``progress("training", ...)``.
    parallel : linclass.distributed.DataParallel, optional
        Data-parallel training: every rank calls ``fit`` with the same arguments.
    **settings
        Training settings (:func:`linclass.config.settings`: ``loss``, ``reg_strength``,
        ``lr``, ``epochs``, ``seed``, ...); unset ones take the tuned defaults.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        A bad setting (named), or a bad ``val_size``.
    linclass.errors.DataError
        Missing, empty or corrupt data.
    linclass.errors.DivergenceError
        The loss became NaN or infinite.
    """
    seed = settings.get("seed")
    seed = 0 if seed is None else seed
    job_config(features, 1, settings)  # a bad setting fails before any data is read
    prepared = prepare(data, features, val_size=val_size, augment=augment,
                       extractor_params=extractor_params, normalize=normalize, seed=seed,
                       split=split, image_size=image_size, skip_bad=skip_bad,
                       progress=progress, parallel=parallel)
    config = job_config(prepared.features, len(prepared.y_train), settings)
    clf = train_prepared(prepared, config, callback=_epoch_reporter(progress, callback),
                         parallel=parallel)
    train_accuracy = float(clf.score(prepared.X_train, prepared.y_train))
    if clf.history_.get("refit"):  # the validation rows trained the refit: its held-out
        val_accuracy = clf.history_["reg_val_accuracy"]  # figure is the chosen lambda's
    else:
        val_accuracy = None if prepared.X_val is None \
            else float(clf.score(prepared.X_val, prepared.y_val))
    model = finish(prepared, clf)
    return FitResult(model, clf.history_, prepared.train_idx, prepared.val_idx,
                     train_accuracy, val_accuracy, len(prepared.y_train), len(prepared.y_val),
                     config, prepared.features, prepared.source, augment=prepared.augment,
                     normalize=prepared.normalize, skipped=prepared.skipped)


def _epoch_reporter(progress, callback):
    """The per-epoch callback of training: ``callback(info)``, then ``progress("training",
    epoch + 1, epochs)`` (so a bar shows the epoch's numbers with its count)."""
    if progress is None:
        return callback

    def report(info):
        if callback is not None:
            callback(info)
        progress("training", info["epoch"] + 1, info["epochs"])

    return report


# -- data-parallel: rank 0 prepares, every rank maps its arrays ---------------------------------

#: Arrays of :class:`Prepared` shared through ``.npy`` files.
_ARRAYS = ("X_train", "y_train", "X_val", "y_val", "train_idx", "val_idx")
#: Seconds between two looks of a waiting rank at rank 0's folder.
_POLL_SECONDS = 0.2


def _share(parallel, make):
    """:class:`Prepared` on every rank, made once by rank 0.

    1. Rank 0 creates a private temporary directory, writes its process id there and
       broadcasts the path.
    2. Rank 0 runs ``make()`` and writes the arrays as ``.npy`` files, then a ``ready`` file
       (or ``error`` with the message). The other ranks wait for one of the two, as long as
       rank 0's process lives: extraction may take longer than the process group's timeout.
    3. The rest (pipeline, class names) travels by ``broadcast_object_list``; the other ranks
       memory-map the arrays (the page cache holds one copy) and, after a barrier, rank 0
       removes the directory.

    The ranks must share a file system path, so this runs on one machine; several machines
    train data-parallel on a feature matrix each can read.
    """
    folder = Path(tempfile.mkdtemp(prefix="linclass-shared-")) if parallel.is_main else None
    try:
        if folder is not None:
            (folder / "pid").write_text(str(os.getpid()))
        message = [None if folder is None else str(folder)]
        _broadcast(parallel, message)
        shared = Path(message[0])
        if folder is not None:
            prepared = _write_prepared(folder, make)
            arrays = {name: getattr(prepared, name) for name in _ARRAYS}
            rest = [{k: v for k, v in vars(prepared).items() if k not in _ARRAYS}]
        else:
            _wait_for(shared, parallel)
            arrays = {name: (np.load(file, mmap_mode="r") if file.is_file() else None)
                      for name in _ARRAYS for file in [shared / f"{name}.npy"]}
            rest = [None]
        _broadcast(parallel, rest)
        parallel.barrier()  # every rank has mapped the files: they may go
        return Prepared(**arrays, **rest[0])
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _write_prepared(folder, make):
    """Rank 0: ``make()``, its arrays as ``.npy`` files in ``folder``, then ``ready`` (or
    ``error`` with the message, and the exception raised)."""
    try:
        prepared = make()
        for name in _ARRAYS:
            value = getattr(prepared, name)
            if value is not None:
                np.save(folder / f"{name}.npy", np.asarray(value), allow_pickle=False)
    except BaseException as error:
        (folder / "error").write_text(f"{type(error).__name__}: {error}")
        raise
    (folder / "ready").touch()
    return prepared


def _wait_for(folder, parallel):
    """Another rank: wait until rank 0 has written ``folder``'s arrays."""
    from linclass.distributed import DistributedError

    where = f"rank {parallel.rank} of {parallel.world_size}"
    try:
        pid = int((folder / "pid").read_text())
    except (OSError, ValueError):
        raise DistributedError(f"{where}: cannot see rank 0's folder {folder}: --distributed "
                               "on images runs on one machine (use a feature matrix for "
                               "several)") from None
    while not (folder / "ready").exists():
        if (folder / "error").exists():
            raise DistributedError(f"{where}: rank 0 failed to prepare the data: "
                                   f"{(folder / 'error').read_text()}")
        if not _alive(pid):
            raise DistributedError(f"{where}: rank 0 (process {pid}) died while preparing "
                                   "the data")
        time.sleep(_POLL_SECONDS)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _broadcast(parallel, message):
    """``torch.distributed.broadcast_object_list(message, src=0)``, failures as
    :class:`~linclass.distributed.DistributedError`."""
    import torch.distributed as dist

    try:
        dist.broadcast_object_list(message, src=0)
    except Exception as error:
        raise parallel._peer_error(error) from error


# -- evaluation --------------------------------------------------------------------------------


def evaluate(model, data, split=None, *, normalize="none", skip_bad=False, progress=None):
    """Accuracy, per-class accuracy and confusion matrix of ``model`` on ``data``.

    Parameters
    ----------
    model : ImageClassifier or LinearClassifier
        Classes are matched with ``data``'s by name, so a folder whose sub-folders carry the
        model's class names works in any order (a class the model does not know is an error).
    data : str, path, Dataset or Features
        Images (read through :func:`linclass.data.load` at the model's image size: images of
        any size are resized with the data layer's one filter) or, for a LinearClassifier, a
        feature matrix.
    split : {None, 'train', 'test'}
        The part of a source that has parts; ``None``: ``"test"`` (a source without parts is
        read whole).
    normalize : {'none', 'l2'}
        For a feature matrix: ``"l2"`` for a model fitted with ``normalize="l2"``
        (standardization is folded into the model).
    skip_bad : bool
        Skip unreadable images instead of failing.
    progress : callable(stage, done, total), optional

    Returns
    -------
    Evaluation
    """
    from linclass.data import Dataset, Features

    split = "test" if split is None else split
    image_model = hasattr(model, "pipeline")
    size = model.image_shape[:2] if image_model else None
    opened = _open_at_size(data, size, split=split, skip_bad=skip_bad, progress=progress)
    if isinstance(opened, Features) == image_model:
        what = "images" if image_model else "a feature matrix"
        raise fail("data", f"{what} for this {type(model).__name__}",
                   f"{'a feature matrix' if image_model else 'images'} ({opened.source})")
    used_split = split if _names_part(opened.source, split) else None
    y_true = _model_labels(model.classes_, opened.class_names, opened.source)[
        opened.labels if isinstance(opened, Dataset) else opened.y]
    if image_model:
        scores = model.decision_function(opened.images)
    else:
        resolve("normalize", normalize, {"none": None, "l2": None})
        X = l2_normalize(opened.X) if normalize == "l2" else opened.X
        scores = model.scores(X)
    y_pred = scores.argmax(axis=1)
    classes = tuple(str(c) for c in model.classes_)
    n_classes = len(classes)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)  # rows: true, cols: predicted
    np.add.at(confusion, (y_true, y_pred), 1)
    support = confusion.sum(axis=1)
    per_class = {name: (float(confusion[k, k] / support[k]) if support[k] else None)
                 for k, name in enumerate(classes)}
    return Evaluation(float(np.mean(y_true == y_pred)), int(len(y_true)), classes, per_class,
                      confusion, opened.source, used_split)


def _open_at_size(data, size, **options):
    """:func:`open_data` with images of ``size`` (H, W): read as they are first (the cache
    entry training made), and resized by the data layer only when their size differs or
    varies."""
    from linclass.data import Dataset
    from linclass.errors import DataError

    if size is None:
        return open_data(data, **options)
    try:
        opened = open_data(data, **options)
    except DataError:  # e.g. images of several sizes: read again, resized
        return open_data(data, image_size=size, **options)
    if isinstance(opened, Dataset) and opened.image_shape[:2] != tuple(size) \
            and not isinstance(data, Dataset):
        return open_data(data, image_size=size, **options)
    return opened


def _names_part(source, split):
    """Whether a dataset's ``source`` names the part ``split`` that was read (CIFAR-10
    batches: ``DIR [test]``; split folders: ``ROOT/test``); sources without parts do not."""
    return re.search(rf"(\[|/|:){split}\b", source) is not None


def _model_labels(model_classes, class_names, source):
    """Indices into the model's classes of the data's classes, matched by name."""
    index = {str(name): k for k, name in enumerate(model_classes)}
    unknown = [name for name in class_names if name not in index]
    if unknown:
        raise fail("data", "labelled with the model's classes "
                   f"({', '.join(map(str, model_classes))})",
                   f"class {unknown[0]!r} in {source}",
                   "Evaluate on data with the classes the model was trained on.")
    return np.array([index[name] for name in class_names], dtype=np.int64)

