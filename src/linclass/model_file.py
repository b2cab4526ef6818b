"""Model files: one ``.npz``, read with ``allow_pickle=False``, written atomically.

Entries
-------
``metadata``
    A JSON string: ``format`` (``"linclass-model"``), ``format_version``, ``linclass_version``,
    ``kind`` (``"image_classifier"`` or ``"linear_classifier"``), the estimator's parameters
    (the training settings), ``n_iter``, ``history``, and for image classifiers
    ``class_names``, ``image_shape`` and the feature pipeline's settings; ``info`` holds what
    the caller adds (``linclass train`` records the data source and accuracies).
``coef`` (D, C), ``intercept`` (C,), ``classes`` (C,)
    The linear classifier.
``pipeline.<name>``
    The feature pipeline's learned arrays (mean, scale, centroids, ...).

No entry is a pickle, so loading a file never runs code from it. Each entry's header is
checked before its data is read (plain dtypes only, declared size = stored size, at most
:data:`MAX_BYTES` in all); any file that fails is "not a linclass model file", named.
"""

import json
from pathlib import Path

import numpy as np

import linclass
from linclass._files import atomic_write
from linclass.classifier import LinearClassifier
from linclass.data._npy import NpyError, read_npz
from linclass.errors import ModelFileError
from linclass.image_classifier import ImageClassifier

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_BYTES", "load", "read_metadata", "save"]

FORMAT = "linclass-model"
#: Bumped when a file written now could not be read correctly by an older reader.
FORMAT_VERSION = 1
#: Largest total array size read from a model file (4 GiB).
MAX_BYTES = 1 << 32
_PIPELINE = "pipeline."


def save(model, path, *, info=None):
    """Write ``model`` (an :class:`ImageClassifier` or a fitted :class:`LinearClassifier`).

    Parameters
    ----------
    model : ImageClassifier or LinearClassifier
    path : str or Path
        The file to write (conventionally ``*.npz``); replaced atomically, so an interrupted
        save leaves the old file (or none), never a partial one.
    info : dict, optional
        JSON-able extra metadata, returned by :func:`read_metadata` as ``info``.

    Returns
    -------
    Path
    """
    if isinstance(model, ImageClassifier):
        clf = model.classifier
        params, arrays = model.pipeline.to_state()
        meta = {"kind": "image_classifier", "class_names": list(model.class_names),
                "image_shape": list(model.image_shape), "pipeline": params}
        arrays = {_PIPELINE + k: np.asarray(v) for k, v in arrays.items()}
    elif isinstance(model, LinearClassifier):
        clf, meta, arrays = model, {"kind": "linear_classifier"}, {}
    else:
        raise TypeError(f"model must be an ImageClassifier or a LinearClassifier, "
                        f"got {type(model).__name__}")
    if not hasattr(clf, "coef_"):
        raise ValueError("model must be fitted before saving (call fit first)")
    meta.update(format=FORMAT, format_version=FORMAT_VERSION, linclass_version=linclass.__version__,
                params=_jsonable_params(clf.get_params()), n_iter=int(clf.n_iter_),
                history=clf.history_, info=info or {})
    classes = np.asarray(clf.classes_)
    if classes.dtype.kind == "O":
        classes = classes.astype(str)
    arrays.update(metadata=np.array(json.dumps(meta)), coef=clf.coef_,
                  intercept=clf.intercept_, classes=classes)
    try:
        return atomic_write(path, lambda f: np.savez(f, **arrays))
    except OSError as error:
        raise ModelFileError(f"cannot write model file {path}: {error.strerror or error}; "
                             "choose another --out or free some space") from None


def load(path):
    """Read a model written by :func:`save`: an :class:`ImageClassifier` or a
    :class:`LinearClassifier`.

    Raises
    ------
    linclass.errors.ModelFileError
        The file is missing, damaged (truncated, bad zip, bad entries), not a linclass model,
        or from a newer format version.
    """
    meta, arrays = _read(Path(path))
    try:
        params = dict(meta["params"])
        if isinstance(params.get("class_weight"), list):
            params["class_weight"] = {k: v for k, v in params["class_weight"]}
        clf = LinearClassifier(**params)
        clf.coef_, clf.intercept_ = arrays["coef"], arrays["intercept"]
        clf.classes_ = arrays["classes"]
        clf.n_features_in_ = clf.coef_.shape[0]
        clf.n_iter_, clf.history_ = meta["n_iter"], meta["history"]
        clf._opt_state, clf._seed = None, meta["params"].get("random_state") or 0
        if clf.coef_.shape != (clf.n_features_in_, len(clf.classes_)) \
                or clf.intercept_.shape != (len(clf.classes_),):
            raise ValueError("weights and classes disagree in shape")
        if meta["kind"] == "linear_classifier":
            return clf
        from linclass.features import FeaturePipeline

        pipeline = FeaturePipeline.from_state(
            meta["pipeline"],
            {k[len(_PIPELINE):]: v for k, v in arrays.items() if k.startswith(_PIPELINE)})
        return ImageClassifier(pipeline, clf, meta["class_names"], meta["image_shape"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        text = str(error).splitlines()[0] if str(error) else ""
        raise ModelFileError(f"model file {path} is damaged: {type(error).__name__}: "
                             f"{text}; train it again") from None


def read_metadata(path):
    """The JSON metadata of a model file (settings, history, ``info``), as a dict."""
    return _read(Path(path))[0]


def _read(path):
    if not path.is_file():
        raise ModelFileError(f"model file {path} not found; train one with "
                             f"`linclass train --out {path}`")
    try:
        arrays = read_npz(path, limit_bytes=MAX_BYTES)
    except NpyError as error:
        raise ModelFileError(f"{path} is damaged or not a linclass model file ({error})") from None
    except OSError as error:
        raise ModelFileError(f"cannot read model file {path}: "
                             f"{error.strerror or error}") from None
    if "metadata" not in arrays:
        raise ModelFileError(f"{path} is not a linclass model file (no metadata entry)")
    try:
        meta = json.loads(str(arrays.pop("metadata")))
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a linclass model file (format "
                             f"{meta.get('format') if isinstance(meta, dict) else None!r})")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"model file {path} is damaged: format version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"model file {path} has format version {version}, newer than this linclass "
            f"{linclass.__version__} reads (up to {FORMAT_VERSION}); upgrade linclass to load it")
    return meta, arrays


def _jsonable_params(params):
    params = dict(params)
    if isinstance(params.get("class_weight"), dict):
        # a list of pairs: JSON object keys would turn integer labels into strings
        params["class_weight"] = [[_plain(k), float(v)] for k, v in params["class_weight"].items()]
    if not isinstance(params.get("random_state"), int | None):
        params["random_state"] = None
    return params


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


