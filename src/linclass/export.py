r"""Hand a fitted linear head to other tools: PyTorch, ``.safetensors``, scikit-learn.

A linear probe is used after a frozen network: ``scores = features @ W + b``. This module
gives that head as a :class:`torch.nn.Linear` (:func:`to_torch`), writes and reads it as a
``.safetensors`` file (:func:`save_safetensors`, :func:`load_safetensors`: plain tensors and
string metadata, no pickle, so loading never runs code), and imports the head of a fitted
scikit-learn linear classifier (:func:`from_sklearn`).

Conventions: linclass keeps ``coef_`` as (D, C), the lecture's ``x W``; PyTorch's
``nn.Linear`` and the file hold ``weight`` as (C, D) (``x W^T``), scikit-learn's ``coef_``
likewise. A binary scikit-learn model has one row ``w`` scoring class 1 against class 0;
it becomes the two columns ``(0, w)`` with biases ``(0, b)``, which give the same decision
function ``s_1 - s_0`` and, for logistic regression, the same probabilities
(:math:`\sigma(t) = \mathrm{softmax}(0, t)_1`).

File layout (``format`` ``"linclass-head"``, ``format_version`` 1): tensors ``weight``
(C, D) and ``bias`` (C,) in the model's dtype; metadata (strings) ``classes`` (a JSON list),
``loss``, ``n_features``, and ``features`` (the feature pipeline the head expects, for an
image classifier; empty otherwise).
"""

import json

import numpy as np

from linclass._files import atomic_write
from linclass._validation import fail
from linclass.errors import ModelFileError

__all__ = ["FORMAT", "FORMAT_VERSION", "from_sklearn", "head", "load_safetensors",
           "save_safetensors", "to_torch"]

FORMAT = "linclass-head"
FORMAT_VERSION = 1

#: scikit-learn estimators and the linclass loss of the same objective family.
_SKLEARN_LOSSES = {"LogisticRegression": "softmax", "LogisticRegressionCV": "softmax",
                   "RidgeClassifier": "least_squares", "RidgeClassifierCV": "least_squares",
                   "LinearSVC": "squared_hinge", "SGDClassifier": "svm",
                   "Perceptron": "svm", "PassiveAggressiveClassifier": "svm"}


def head(model):
    """``(W (D, C), b (C,), classes (C,), loss, features)`` of a fitted
    :class:`~linclass.LinearClassifier` or :class:`~linclass.ImageClassifier`."""
    classifier = getattr(model, "classifier", model)  # an ImageClassifier holds one
    if not hasattr(classifier, "coef_"):
        raise fail("model", "a fitted LinearClassifier or ImageClassifier",
                   type(model).__name__, "Fit it first.")
    features = ""
    if classifier is not model:
        classes = np.asarray(model.classes_)
        features = json.dumps(model.pipeline.to_state()[0])
    else:
        classes = np.asarray(classifier.classes_)
    return (np.asarray(classifier.coef_), np.asarray(classifier.intercept_), classes,
            classifier.loss, features)


def to_torch(model, dtype=None):
    """The head as a ``torch.nn.Linear(D, C)`` (``weight = coef_.T``, ``bias = intercept_``).

    Parameters
    ----------
    model : LinearClassifier or ImageClassifier, fitted
    dtype : torch.dtype, optional
        Default: the model's (float32 or float64).

    Returns
    -------
    torch.nn.Linear
        ``layer(features)`` equals ``model.scores(features)`` (an ImageClassifier: of its
        features); it requires no gradient.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("torch")  # the doctest needs the torch extra
    >>> from linclass import LinearClassifier
    >>> X, y = np.eye(3), np.arange(3)
    >>> layer = to_torch(LinearClassifier(loss="softmax", reg_strength=0.1).fit(X, y))
    >>> layer.in_features, layer.out_features
    (3, 3)
    """
    import torch

    W, b, _, _, _ = head(model)
    weight = torch.from_numpy(np.ascontiguousarray(W.T))
    dtype = weight.dtype if dtype is None else dtype
    layer = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(torch.from_numpy(np.ascontiguousarray(b)))
    layer.requires_grad_(False)
    return layer


def save_safetensors(model, path):
    """Write the head of ``model`` as a ``.safetensors`` file, atomically; returns the path.

    The file holds ``weight`` (C, D), ``bias`` (C,) and string metadata (see the module
    notes); any safetensors reader (PyTorch, JAX, Rust) loads it without running code.
    """
    from safetensors.numpy import save

    W, b, classes, loss, features = head(model)
    metadata = {"format": FORMAT, "format_version": str(FORMAT_VERSION),
                "classes": json.dumps(_plain(classes)), "loss": str(loss),
                "n_features": str(W.shape[0]), "features": features}
    data = save({"weight": np.ascontiguousarray(W.T), "bias": np.ascontiguousarray(b)},
                metadata=metadata)
    return atomic_write(path, lambda handle: handle.write(data))


def load_safetensors(path):
    """A fitted :class:`~linclass.LinearClassifier` from a file of :func:`save_safetensors`.

    Raises
    ------
    linclass.errors.ModelFileError
        Missing, damaged or not a linclass head (its message says which).
    """
    from pathlib import Path

    from safetensors import SafetensorError
    from safetensors.numpy import load

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"head file {path} does not exist")
    raw = path.read_bytes()
    try:
        tensors = load(raw)
        metadata = _metadata(raw)
    except (SafetensorError, ValueError, UnicodeDecodeError) as error:
        raise ModelFileError(f"head file {path} is damaged or not safetensors: {error}") \
            from None
    if metadata.get("format") != FORMAT:
        raise ModelFileError(f"head file {path} is not a linclass head (format "
                             f"{metadata.get('format')!r}, expected {FORMAT!r})")
    if int(metadata.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelFileError(f"head file {path} has format version "
                             f"{metadata['format_version']}, newer than this linclass "
                             f"({FORMAT_VERSION}); upgrade linclass")
    try:
        weight, bias = tensors["weight"], tensors["bias"]
        classes = np.asarray(json.loads(metadata["classes"]))
        if weight.ndim != 2 or bias.shape != (weight.shape[0],) \
                or classes.shape != (weight.shape[0],):
            raise ValueError(f"weight {weight.shape}, bias {bias.shape} and "
                             f"{classes.shape[0]} classes disagree")
        return _fitted(np.ascontiguousarray(weight.T), bias, classes, metadata["loss"],
                       history={"imported_from": str(path)})
    except (KeyError, ValueError) as error:
        raise ModelFileError(f"head file {path} is damaged: {error}") from None


def from_sklearn(estimator):
    """A fitted :class:`~linclass.LinearClassifier` with the head of a fitted scikit-learn
    linear classifier (``coef_``, ``intercept_``, ``classes_``), binary or multiclass.

    ``loss`` names the objective family (``LogisticRegression``: ``"softmax"``, so
    ``predict_proba`` agrees; ``RidgeClassifier``: ``"least_squares"``; ``LinearSVC``:
    ``"squared_hinge"``; else ``"svm"``). ``predict`` and ``decision_function`` equal the
    estimator's.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> sk = LogisticRegression().fit(X, y)
    >>> clf = from_sklearn(sk)
    >>> clf.coef_.shape, bool(np.allclose(clf.predict_proba(X), sk.predict_proba(X)))
    ((1, 2), True)
    """
    for name in ("coef_", "intercept_", "classes_"):
        if not hasattr(estimator, name):
            raise fail("estimator", "a fitted scikit-learn linear classifier (with coef_, "
                       "intercept_ and classes_)", type(estimator).__name__,
                       "Fit it first, or pass a linear classifier.")
    coef = np.asarray(estimator.coef_)  # (C, D), or (1, D) or (D,) for two classes
    coef = coef.reshape(1, -1) if coef.ndim == 1 else coef
    classes = np.asarray(estimator.classes_)
    intercept = np.broadcast_to(np.asarray(estimator.intercept_, coef.dtype),
                                (coef.shape[0],))
    if coef.ndim != 2 or coef.shape[0] not in (1, len(classes)) or len(classes) < 2:
        raise fail("estimator.coef_", f"of shape ({len(classes)}, D) or (1, D) for "
                   f"{len(classes)} classes", f"shape {coef.shape}")
    if coef.shape[0] == 1:  # binary: class 1 scored w.x + b against class 0
        W = np.stack([np.zeros(coef.shape[1], coef.dtype), coef[0]], axis=1)
        b = np.array([0, intercept[0]], dtype=coef.dtype)
    else:
        W, b = np.ascontiguousarray(coef.T), np.array(intercept)
    loss = _SKLEARN_LOSSES.get(type(estimator).__name__, "svm")
    clf = _fitted(W, b, classes, loss,
                  history={"imported_from": f"{type(estimator).__module__}."
                                            f"{type(estimator).__name__}"})
    if hasattr(estimator, "feature_names_in_"):
        clf.feature_names_in_ = estimator.feature_names_in_
    return clf


def _fitted(W, b, classes, loss, history):
    from linclass.classifier import LinearClassifier

    clf = LinearClassifier(loss=loss)
    clf.coef_, clf.intercept_, clf.classes_ = W, b, classes
    clf.n_features_in_, clf.n_iter_, clf.history_ = W.shape[0], 0, history
    clf._opt_state, clf._seed = None, 0
    return clf


def _metadata(raw):
    """The ``__metadata__`` string table of safetensors bytes (its JSON header)."""
    size = int.from_bytes(raw[:8], "little")
    if size > len(raw) - 8:
        raise ValueError("header longer than the file")
    return json.loads(raw[8:8 + size].decode("utf-8")).get("__metadata__", {}) or {}


def _plain(classes):
    """Class labels as JSON values (numpy scalars to Python)."""
    return [c.item() if hasattr(c, "item") else c for c in classes.tolist()]
