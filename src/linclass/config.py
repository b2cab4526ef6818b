"""Training settings: one typed dataclass for the API, the CLI and the search space.

:class:`TrainConfig` holds every hyperparameter of the training loop
(:func:`linclass.training.train`); :class:`linclass.LinearClassifier` takes the same names as
constructor parameters, ``linclass train`` as flags (``reg_strength`` -> ``--reg-strength``),
and ``linclass search`` samples some of them. :data:`DEFAULTS` holds the values tuned by
measurement for each feature set and loss (``benchmarks/results/train.md``).

Small datasets: the tuned epochs were measured on CIFAR-10 (49,000 training images, about 190
steps of 256 rows per epoch). On a small set such as scikit-learn's digits (1,617 training
images, 7 steps per epoch) the same epochs take too few steps, so :func:`min_steps_config`
grows the epochs until training takes at least :data:`MIN_STEPS` minibatch steps:
``epochs = max(epochs, ceil(MIN_STEPS / ceil(n_train / batch_size)))`` (``linclass train``
applies it when ``--epochs`` is not given; on CIFAR-10 it changes nothing).

>>> config = default_config("raw", "softmax")
>>> config.loss, config.optimizer
('softmax', 'sgd')
>>> replace(config, lr=1e-3).lr
0.001
"""

import math
from dataclasses import asdict, dataclass, field, fields, replace

from linclass._validation import check_positive, fail, resolve
from linclass.losses import LOSSES
from linclass.optim import MODES, OPTIMIZERS, SCHEDULES
from linclass.regularizers import REGULARIZERS
from linclass.ridge import SOLVERS, check_solver

__all__ = ["DEFAULTS", "MIN_STEPS", "TrainConfig", "default_config", "min_steps_config",
           "replace"]


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of the minibatch training loop.

    Attributes
    ----------
    loss : str
        A key of :data:`linclass.losses.LOSSES` (``"svm"``, ``"softmax"``, ...).
    reg : str
        A key of :data:`linclass.regularizers.REGULARIZERS`.
    reg_strength : float
        :math:`\\lambda \\ge 0` in data loss + :math:`\\lambda R(W)`.
    margin : float
        The SVM margin :math:`\\Delta` (ignored by softmax).
    l1_ratio : float
        The elastic net's share of L1.
    optimizer : str
        A key of :data:`linclass.optim.OPTIMIZERS`, or ``"exact"``
        (:data:`linclass.ridge.SOLVERS`): the closed-form minimizer of ``least_squares`` with
        ``reg`` 'l2' or 'none', in one step (``lr``, ``schedule``, ``batch_size``,
        ``epochs`` and ``sampling`` are then unused).
    optimizer_params : dict
        Extra settings of the update rule (``{"momentum": 0.9}``); empty: the rule's defaults.
    lr : float
        Learning rate at epoch 0.
    schedule : str
        A key of :data:`linclass.optim.SCHEDULES`; read once per epoch. ``"cosine"`` decays
        to 0 over ``epochs``.
    schedule_params : dict
        Extra settings of the schedule (``{"every": 5}``).
    batch_size : int
        Rows per minibatch (a batch of all rows is full-batch gradient descent).
    epochs : int
        Passes over the training set.
    sampling : str
        ``"epoch"`` (shuffled epochs) or ``"replacement"`` (see :func:`linclass.optim.minibatches`).
    early_stopping : bool
        Keep the weights of the epoch with the best validation accuracy (needs validation data).
    patience : int or None
        With ``early_stopping``, stop after this many epochs without a better validation
        accuracy; ``None`` runs every epoch (and still restores the best).
    class_weight : None, "balanced" or dict
        Per-class loss weights, as scikit-learn's ``class_weight``.
    seed : int
        Seeds the minibatch order; same seed, bit-identical weights.
    """

    loss: str = "svm"
    reg: str = "l2"
    reg_strength: float = 1e-4
    margin: float = 1.0
    l1_ratio: float = 0.5
    optimizer: str = "sgd"
    optimizer_params: dict = field(default_factory=dict)
    lr: float = 1e-2
    schedule: str = "cosine"
    schedule_params: dict = field(default_factory=dict)
    batch_size: int = 256
    epochs: int = 20
    sampling: str = "epoch"
    early_stopping: bool = True
    patience: int | None = None
    class_weight: object = None
    seed: int = 0

    def __post_init__(self):
        resolve("loss", self.loss, LOSSES)
        resolve("reg", self.reg, REGULARIZERS)
        resolve("optimizer", self.optimizer, {**OPTIMIZERS, **dict.fromkeys(SOLVERS)})
        if self.optimizer in SOLVERS:
            check_solver(self.loss, self.reg)
        resolve("schedule", self.schedule, SCHEDULES)
        resolve("sampling", self.sampling, MODES)
        check_positive("reg_strength", self.reg_strength, allow_zero=True)
        check_positive("margin", self.margin)
        check_positive("lr", self.lr)
        if not 0 <= self.l1_ratio <= 1:
            raise fail("l1_ratio", "in [0, 1]", self.l1_ratio)
        for name in ("batch_size", "epochs"):
            _check_count(name, getattr(self, name))
        if self.patience is not None:
            _check_count("patience", self.patience)
        if not (self.class_weight is None or self.class_weight == "balanced"
                or isinstance(self.class_weight, dict)):
            raise fail("class_weight", "None, 'balanced' or a dict {class: weight}",
                       repr(self.class_weight))
        for name in ("optimizer_params", "schedule_params"):
            if not isinstance(getattr(self, name), dict):
                raise fail(name, "a dict", repr(getattr(self, name)))

    def to_dict(self):
        """The settings as a JSON-able dict (class-weight keys as strings)."""
        out = asdict(self)
        if isinstance(self.class_weight, dict):
            out["class_weight"] = {str(k): float(v) for k, v in self.class_weight.items()}
        return out

    @classmethod
    def from_dict(cls, values):
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise fail("training settings", f"among {sorted(known)}", f"unknown {unknown}")
        return cls(**values)


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(name, "an integer >= 1", repr(value))


#: Tuned settings per ``(features, loss)``, measured on raw CIFAR-10 (49,000 training and
#: 1,000 validation images) by ``python -m benchmarks.bench_train``; other pairs fall back
#: to ``(features, "*")``, then to the :class:`TrainConfig` defaults.
DEFAULTS = {
    ("raw", "svm"): {"optimizer": "sgd", "lr": 1e-3, "reg_strength": 1e-1,
                     "batch_size": 256, "epochs": 10, "schedule": "cosine"},
    # softmax: SGD at lr 1e-2 measured 0.406 vs Adam lr 1e-4 0.403 on CIFAR-10 with mirror
    # images, and unlike Adam at 1e-4 it reaches 0.93 on the digits within MIN_STEPS steps
    ("raw", "softmax"): {"optimizer": "sgd", "lr": 1e-2, "reg_strength": 1e-2,
                         "batch_size": 256, "epochs": 10, "schedule": "cosine"},
    # standardized HOG + HSV features (benchmarks/results/features.md)
    ("hog+hsv", "*"): {"optimizer": "sgd", "lr": 1e-2, "reg_strength": 1e-3,
                       "batch_size": 256, "epochs": 10, "schedule": "cosine"},
    # k-means features, K = 1600: best of a small sweep on the standard split (val 0.676 and
    # 0.683; benchmarks/results/kmeans.md)
    ("kmeans", "svm"): {"optimizer": "adam", "lr": 3e-4, "reg_strength": 1e-4,
                        "batch_size": 256, "epochs": 30, "schedule": "cosine"},
    ("kmeans", "squared_hinge"): {"optimizer": "momentum", "lr": 3e-4, "reg_strength": 1e-4,
                                  "batch_size": 256, "epochs": 30, "schedule": "cosine"},
    # k-means features, K = 4000 and 6000 mirrored (8,000 and 12,000 columns): lambda =
    # 30 / (2 N), N = 49,000, best of 3..100 on the standard split and on a 39,000 / 10,000
    # split of the training images
    ("kmeans", "least_squares"): {"optimizer": "exact", "reg_strength": 3e-4},
}

#: The loss when none is named, per feature set (else ``"svm"``): on the wide k-means features,
#: regularized least squares solved exactly beats minibatch SVM and softmax by 7-9 points
#: (benchmarks/results/kmeans.md).
DEFAULT_LOSS = {"kmeans": "least_squares"}


def default_config(features="raw", loss=None, **overrides):
    """The tuned :class:`TrainConfig` for ``features`` and ``loss``, with ``overrides`` applied.

    ``loss=None`` takes the feature set's :data:`DEFAULT_LOSS`. Overrides whose value is
    ``None`` are ignored (an absent CLI flag).
    """
    loss = loss or DEFAULT_LOSS.get(features, "svm")
    tuned = DEFAULTS.get((features, loss)) or DEFAULTS.get((features, "*"), {})
    values = {**tuned, "loss": loss}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.from_dict(values)


#: The least number of minibatch steps :func:`min_steps_config` lets training take: 1,500
#: brings the digits to 0.93 validation accuracy with the raw-pixel defaults, and is below the
#: 1,920 steps of 10 CIFAR-10 epochs (which it leaves alone).
MIN_STEPS = 1500


def min_steps_config(config, n_train, min_steps=MIN_STEPS):
    """``config`` with its epochs grown so that training on ``n_train`` rows takes at least
    ``min_steps`` minibatch steps: ``max(epochs, ceil(min_steps / ceil(n_train / batch)))``.

    A solver (``optimizer="exact"``) takes no steps: its config is returned unchanged."""
    _check_count("n_train", n_train)
    if config.optimizer in SOLVERS:
        return config
    steps_per_epoch = math.ceil(n_train / config.batch_size)
    return replace(config, epochs=max(config.epochs, math.ceil(min_steps / steps_per_epoch)))
