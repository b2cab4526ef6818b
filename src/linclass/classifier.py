r"""``LinearClassifier``: the lecture's linear classifier as a scikit-learn estimator.

.. math::

    s = x W + b, \qquad \hat y = \arg\max_c s_c, \qquad
    \min_{W, b}\; \frac{1}{N} \sum_i w_{y_i} L_i(x_i W + b,\; y_i) + \lambda R(W)

with a loss from :mod:`linclass.losses`, a regularizer from :mod:`linclass.regularizers` and
the minibatch loop of :mod:`linclass.training`. Note the shape convention of the lecture,
``coef_`` (D, C), the transpose of scikit-learn's linear models.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from linclass._validation import fail
from linclass.config import TrainConfig, replace, settings
from linclass.data import train_val_split
from linclass.errors import FIT_MESSAGE
from linclass.losses import softmax_probabilities
from linclass.training import check_sample_weight, empty_history, train

__all__ = ["LinearClassifier"]

_D = TrainConfig  # the settings table's defaults are the estimator's defaults
_FLOATS = (np.float64, np.float32)  # float32 input stays float32; anything else -> float64
#: The settings that are estimator parameters: all of them, ``seed`` as ``random_state``.
_SETTINGS = tuple(name for name, _, _ in settings() if name != "seed")


class LinearClassifier(ClassifierMixin, BaseEstimator):
    """Linear classifier ``scores = X @ coef_ + intercept_``, scikit-learn's estimator API.

    The parameters are the training settings of :class:`linclass.config.TrainConfig` (one
    table: the same names, defaults and checks), ``random_state`` for its ``seed``, and
    ``warm_start``.

    Parameters
    ----------
{parameters}
    warm_start : bool, default=False
        Start :meth:`fit` from the previous solution instead of zeros.
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the minibatch order and the validation split (``None``: fresh entropy, never
        NumPy's global state).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, n_classes)
    intercept_ : ndarray of shape (n_classes,)
    classes_ : ndarray of shape (n_classes,)
        The labels seen in training (any sortable labels: integers, strings).
    n_iter_ : int
        Epochs (minibatch descent) or iterations (full-batch solvers) run.
    history_ : dict
        See :class:`linclass.training.TrainResult`.
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LinearClassifier(loss="softmax", solver="minibatch", lr=0.5, epochs=100,
    ...                        random_state=0).fit(X, y)
    >>> clf.coef_.shape, clf.score(X, y) > 0.9
    ((4, 3), True)
    """

    def __init__(self, loss=_D.loss, reg=_D.reg, reg_strength=_D.reg_strength,
                 margin=_D.margin, l1_ratio=_D.l1_ratio, solver=_D.solver,
                 optimizer=_D.optimizer, optimizer_params=None, lr=_D.lr,
                 schedule=_D.schedule, schedule_params=None, batch_size=_D.batch_size,
                 epochs=_D.epochs, sampling=_D.sampling, tol=_D.tol, max_iter=_D.max_iter,
                 smoothing=_D.smoothing, early_stopping=_D.early_stopping,
                 validation_fraction=_D.validation_fraction, patience=_D.patience,
                 refit=_D.refit, class_weight=_D.class_weight, device=_D.device,
                 warm_start=False, random_state=None):
        self.loss = loss
        self.reg = reg
        self.reg_strength = reg_strength
        self.margin = margin
        self.l1_ratio = l1_ratio
        self.solver = solver
        self.optimizer = optimizer
        self.optimizer_params = optimizer_params
        self.lr = lr
        self.schedule = schedule
        self.schedule_params = schedule_params
        self.batch_size = batch_size
        self.epochs = epochs
        self.sampling = sampling
        self.tol = tol
        self.max_iter = max_iter
        self.smoothing = smoothing
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.refit = refit
        self.class_weight = class_weight
        self.device = device
        self.warm_start = warm_start
        self.random_state = random_state

    @classmethod
    def from_config(cls, config, **params):
        """An estimator with the settings of a :class:`TrainConfig` (``seed``: ``random_state``)."""
        values = {name: getattr(config, name) for name in _SETTINGS}
        return cls(**{**values, "random_state": config.seed, **params})

    def config(self, seed):
        """The :class:`TrainConfig` these parameters describe (validates them)."""
        values = {name: getattr(self, name) for name in _SETTINGS}
        for name in ("optimizer_params", "schedule_params"):  # None: the empty default
            values[name] = dict(values[name] or {})
        return TrainConfig(**values, seed=seed)

    def fit(self, X, y, sample_weight=None, *, validation_data=None, callback=None,
            parallel=None):
        """Train on ``X`` (N, D) and labels ``y`` (N,); returns ``self``.

        Parameters
        ----------
        X : array-like or scipy.sparse CSR matrix of shape (N, D)
        y : array-like of shape (N,)
        sample_weight : array-like of shape (N,), optional
            Per-row loss weights: an integer weight k equals the row repeated k times.
        validation_data : tuple (X_val, y_val), optional
            Measured every epoch; with ``early_stopping`` the best epoch is kept (instead of
            holding out ``validation_fraction``).
        callback : callable, optional
            Called after every epoch (see :func:`linclass.training.train`).
        parallel : linclass.distributed.DataParallel, optional
            Data-parallel training over the ranks of a process group (every rank calls
            ``fit`` with the same data and ``random_state``).
        """
        X, y = validate_data(self, X, y, dtype=_FLOATS, accept_sparse="csr",
                             ensure_all_finite=False)  # checked only if training fails
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        _check_two_classes(self.classes_)
        seed = self._seed = _seed(self.random_state)
        config = self.config(seed)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        validation = None
        if validation_data is not None:
            X_val, y_val = validation_data
            X_val = validate_data(self, X_val, reset=False, dtype=_FLOATS, accept_sparse="csr",
                                  ensure_all_finite=False)
            validation = (X_val, self._encode(y_val))
        elif self.early_stopping:
            train_idx, val_idx = train_val_split(y_idx, self.validation_fraction, seed=seed)
            validation = (X[val_idx], y_idx[val_idx])
            X, y_idx = X[train_idx], y_idx[train_idx]
            if sample_weight is not None:
                sample_weight = sample_weight[train_idx]
        warm = self.warm_start and hasattr(self, "coef_") \
            and self.coef_.shape == (X.shape[1], len(self.classes_))
        result = train(X, y_idx, config, n_classes=len(self.classes_), validation=validation,
                       init=(self.coef_, self.intercept_) if warm else None,
                       class_weight=self._class_weights(y), sample_weight=sample_weight,
                       callback=callback, parallel=parallel)
        self._set_result(result, result.epochs, result.history)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of minibatch descent over ``X``, ``y`` at the constant rate ``lr``,
        whatever ``solver`` is (as scikit-learn's ``SGDClassifier.partial_fit``); returns
        ``self``.

        The first call needs ``classes`` (every label that will ever be seen); later calls
        continue from the current weights and optimizer state (momentum, Adam moments).
        """
        first = not hasattr(self, "classes_")
        X, y = validate_data(self, X, y, dtype=_FLOATS, reset=first, accept_sparse="csr",
                             ensure_all_finite=False)  # checked only if training fails
        check_classification_targets(y)
        if first:
            if classes is None:
                raise fail("classes", "given on the first call to partial_fit "
                                      "(all labels that will be seen)", None)
            self.classes_ = np.unique(classes)
            _check_two_classes(self.classes_)
            self._seed = _seed(self.random_state)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise fail("classes", f"the classes of the first call {self.classes_.tolist()}",
                       np.unique(classes).tolist())
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        y_idx = self._encode(y)
        config = replace(self.config(self._seed), solver="minibatch", epochs=1,
                         schedule="constant", early_stopping=False)
        calls = getattr(self, "n_iter_", 0)
        result = train(X, y_idx, config, n_classes=len(self.classes_),
                       init=None if first else (self.coef_, self.intercept_),
                       opt_state=None if first else self._opt_state,
                       class_weight=self._class_weights(y), sample_weight=sample_weight,
                       rng=[self._seed, calls])
        history = empty_history() if first else self.history_
        for key, values in result.history.items():
            if isinstance(values, list):
                history[key].extend(values)
        history.update(best_epoch=calls, solver=result.history["solver"])
        self._set_result(result, calls + 1, history)
        return self

    def decision_function(self, X):
        """Class scores (N, C); for two classes scikit-learn's (N,) ``s_1 - s_0``."""
        scores = self.scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def scores(self, X):
        """Class scores ``X @ coef_ + intercept_`` (N, C), for any number of classes."""
        # scikit-learn's NotFittedError (its estimator contract), in linclass's wording
        check_is_fitted(self, msg=f"{FIT_MESSAGE}call fit(X, y) first.")
        X = validate_data(self, X, reset=False, dtype=_FLOATS, accept_sparse="csr")
        scores = X @ self.coef_.astype(X.dtype, copy=False)  # (N, D) @ (D, C) -> (N, C)
        scores += self.intercept_.astype(X.dtype, copy=False)
        return scores

    def predict(self, X):
        """The label with the highest score, per row (N,)."""
        scores = self.scores(X)
        return self.classes_[scores.argmax(axis=1)]

    @available_if(lambda self: self.loss == "softmax")
    def predict_proba(self, X):
        """Softmax probabilities (N, C) (softmax loss only: hinge scores are not calibrated)."""
        return softmax_probabilities(self.scores(X))

    def to_torch(self, dtype=None):
        """The fitted head as a ``torch.nn.Linear`` (:func:`linclass.export.to_torch`)."""
        from linclass.export import to_torch

        return to_torch(self, dtype)

    @classmethod
    def from_sklearn(cls, estimator):
        """A fitted ``LinearClassifier`` from a fitted scikit-learn linear classifier's
        ``coef_``, ``intercept_`` and ``classes_`` (:func:`linclass.export.from_sklearn`)."""
        from linclass.export import from_sklearn

        return from_sklearn(estimator)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # scipy.sparse CSR: scores are X @ W
        return tags

    def _encode(self, y):
        """Labels -> indices into ``classes_``; an unseen label is an error."""
        y = np.asarray(y)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise fail("y", f"labels among the classes {self.classes_.tolist()}",
                       f"label {y[unknown][0]!r}")
        return idx.astype(np.int64)

    def _class_weights(self, y):
        if self.class_weight is None:
            return None
        return compute_class_weight(self.class_weight, classes=self.classes_, y=y)

    def _set_result(self, result, n_iter, history):
        self.coef_, self.intercept_ = result.W, result.b
        self._opt_state = result.opt_state
        self.n_iter_ = n_iter
        self.history_ = history


def _check_two_classes(classes):
    if len(classes) < 2:
        raise fail("y", "labels of at least 2 classes", f"1 class ({classes[0]!r})")


def _seed(random_state):
    """An int seed from ``random_state`` (None: fresh OS entropy, never the global RNG)."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**32))
    if random_state is None:
        return int(np.random.default_rng().integers(2**32))
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise fail("random_state", "an int, a numpy.random.Generator or None",
                   repr(random_state))
    return int(random_state)


def _parameters_doc():
    """The numpydoc ``Parameters`` entries of the settings table."""
    lines = []
    for name, default, meta in settings():
        if name == "seed":
            continue
        default = "None" if name.endswith("_params") else repr(default)
        choices = f"{{{', '.join(repr(k) for k in meta['choices']())}}}, " \
            if meta["choices"] else ""
        lines += [f"    {name} : {choices}default={default}", f"        {meta['help']}."]
    return "\n".join(lines)


LinearClassifier.__doc__ = LinearClassifier.__doc__.replace("{parameters}", _parameters_doc())
