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
from linclass.config import TrainConfig
from linclass.data import train_val_split
from linclass.losses import softmax_probabilities
from linclass.ridge import SOLVERS
from linclass.training import empty_history, train

_D = TrainConfig  # the dataclass's defaults are the estimator's defaults
_FLOATS = (np.float64, np.float32)  # float32 input stays float32; anything else -> float64


class LinearClassifier(ClassifierMixin, BaseEstimator):
    """Linear classifier ``scores = X @ coef_ + intercept_`` trained by minibatch descent.

    Parameters
    ----------
    loss : {'svm', 'squared_hinge', 'crammer_singer', 'one_vs_all', 'softmax',
        'least_squares'}
    reg : {'l2', 'l1', 'elastic_net', 'none'}
    reg_strength : float >= 0
        :math:`\\lambda`; L2 is CS231n's :math:`\\lambda \\sum W^2`.
    margin : float > 0
        The SVM margin :math:`\\Delta` (ignored by softmax; least squares: the target
        magnitude).
    l1_ratio : float in [0, 1]
        The elastic net's share of L1.
    optimizer : {'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'exact'}
        An update rule, or 'exact': the closed-form minimizer of ``loss='least_squares'``
        with ``reg`` 'l2' or 'none' (scikit-learn's ``RidgeClassifier`` with
        ``alpha = 2 * reg_strength * n_train``; see :mod:`linclass.ridge`).
    lr : float > 0
        Learning rate at the first epoch.
    schedule : {'constant', 'step', 'exponential', 'inverse_time', 'cosine'}
    batch_size : int >= 1
    epochs : int >= 1
    sampling : {'epoch', 'replacement'}
    early_stopping : bool
        Hold out ``validation_fraction`` of the training data (stratified), or use the
        ``validation_data`` given to :meth:`fit`, and keep the epoch with the best
        validation accuracy. With ``optimizer='exact'`` nothing is held out (there are no
        epochs to choose from); ``validation_data`` is still measured.
    validation_fraction : float in (0, 1)
    patience : int or None
        Stop after this many epochs without improvement (``None``: run every epoch).
    class_weight : None, 'balanced' or dict {label: weight}
    warm_start : bool
        Start :meth:`fit` from the previous solution instead of zeros.
    random_state : int, numpy.random.Generator or None
        Seeds the minibatch order and the validation split.
    device : {'cpu', 'torch', 'cuda', 'cuda:N'}, default='cpu'
        Where the weights live and the gradient steps run: NumPy, or PyTorch tensors on
        the CPU or a GPU (:mod:`linclass.backend`). Random numbers come from NumPy on every
        device, so the same seed gives the same weights up to floating-point rounding;
        ``coef_`` and ``intercept_`` are NumPy arrays.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, n_classes)
    intercept_ : ndarray of shape (n_classes,)
    classes_ : ndarray of shape (n_classes,)
        The labels seen in training (any sortable labels: integers, strings).
    n_iter_ : int
        Epochs run.
    history_ : dict
        See :class:`linclass.training.TrainResult`.
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LinearClassifier(loss="softmax", lr=0.5, epochs=100, random_state=0).fit(X, y)
    >>> clf.coef_.shape, clf.score(X, y) > 0.9
    ((4, 3), True)
    """

    def __init__(self, loss=_D.loss, reg=_D.reg, reg_strength=_D.reg_strength,
                 margin=_D.margin, l1_ratio=_D.l1_ratio, optimizer=_D.optimizer, lr=_D.lr,
                 schedule=_D.schedule, batch_size=_D.batch_size, epochs=_D.epochs,
                 sampling=_D.sampling, early_stopping=False, validation_fraction=0.1,
                 patience=None, class_weight=None, warm_start=False, random_state=None,
                 device="cpu"):
        self.loss = loss
        self.reg = reg
        self.reg_strength = reg_strength
        self.margin = margin
        self.l1_ratio = l1_ratio
        self.optimizer = optimizer
        self.lr = lr
        self.schedule = schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.sampling = sampling
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device

    @classmethod
    def from_config(cls, config, **params):
        """An estimator with the settings of a :class:`TrainConfig` (``seed``: ``random_state``)."""
        values = config.to_dict()
        values["class_weight"] = config.class_weight
        values["random_state"] = values.pop("seed")
        for extra in ("optimizer_params", "schedule_params"):
            if values.pop(extra):
                raise fail(f"config.{extra}", "empty for LinearClassifier (not a parameter)",
                           getattr(config, extra))
        return cls(**{**values, **params})

    def config(self, seed):
        """The :class:`TrainConfig` these parameters describe (validates them)."""
        return TrainConfig(
            loss=self.loss, reg=self.reg, reg_strength=self.reg_strength, margin=self.margin,
            l1_ratio=self.l1_ratio, optimizer=self.optimizer, lr=self.lr,
            schedule=self.schedule, batch_size=self.batch_size, epochs=self.epochs,
            sampling=self.sampling, early_stopping=self.early_stopping,
            patience=self.patience, class_weight=self.class_weight, seed=seed)

    def fit(self, X, y, *, validation_data=None, callback=None, parallel=None):
        """Train on ``X`` (N, D) and labels ``y`` (N,); returns ``self``.

        Parameters
        ----------
        X : array-like of shape (N, D)
        y : array-like of shape (N,)
        validation_data : tuple (X_val, y_val), optional
            Measured every epoch; with ``early_stopping`` the best epoch is kept (instead of
            holding out ``validation_fraction``).
        callback : callable, optional
            Called after every epoch (see :func:`linclass.training.train`).
        parallel : linclass.distributed.DataParallel, optional
            Data-parallel training over the ranks of a process group (every rank calls
            ``fit`` with the same data and ``random_state``).
        """
        X, y = validate_data(self, X, y, dtype=_FLOATS)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        _check_two_classes(self.classes_)
        seed = self._seed = _seed(self.random_state)
        config = self.config(seed)
        validation = None
        if validation_data is not None:
            X_val, y_val = validation_data
            X_val = validate_data(self, X_val, reset=False, dtype=_FLOATS)
            validation = (X_val, self._encode(y_val))
        elif self.early_stopping and self.optimizer not in SOLVERS:  # exact: no epochs to pick
            train_idx, val_idx = train_val_split(y_idx, self.validation_fraction, seed=seed)
            validation = (X[val_idx], y_idx[val_idx])
            X, y_idx = X[train_idx], y_idx[train_idx]
        warm = self.warm_start and hasattr(self, "coef_") \
            and self.coef_.shape == (X.shape[1], len(self.classes_))
        result = train(X, y_idx, config, n_classes=len(self.classes_), validation=validation,
                       init=(self.coef_, self.intercept_) if warm else None,
                       class_weight=self._class_weights(y), callback=callback,
                       parallel=parallel, device=self.device)
        self._set_result(result, result.epochs, result.history)
        return self

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``X``, ``y`` at the constant rate ``lr``; returns ``self``.

        The first call needs ``classes`` (every label that will ever be seen); later calls
        continue from the current weights and optimizer state (momentum, Adam moments).
        """
        if self.optimizer in SOLVERS:
            raise fail("optimizer", "an update rule for partial_fit ('exact' solves on all "
                       "the data at once: call fit)", repr(self.optimizer))
        first = not hasattr(self, "classes_")
        X, y = validate_data(self, X, y, dtype=_FLOATS, reset=first)
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
        y_idx = self._encode(y)
        config = TrainConfig(**{**self.config(self._seed).to_dict(), "epochs": 1,
                                "schedule": "constant", "early_stopping": False,
                                "class_weight": self.class_weight})
        calls = getattr(self, "n_iter_", 0)
        result = train(X, y_idx, config, n_classes=len(self.classes_),
                       init=None if first else (self.coef_, self.intercept_),
                       opt_state=None if first else self._opt_state,
                       class_weight=self._class_weights(y), rng=[self._seed, calls],
                       device=self.device)
        history = empty_history() if first else self.history_
        for key, values in result.history.items():
            if key != "best_epoch":
                history[key].extend(values)
        history["best_epoch"] = calls
        self._set_result(result, calls + 1, history)
        return self

    def decision_function(self, X):
        """Class scores (N, C); for two classes scikit-learn's (N,) ``s_1 - s_0``."""
        scores = self.scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def scores(self, X):
        """Class scores ``X @ coef_ + intercept_`` (N, C), for any number of classes."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
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
