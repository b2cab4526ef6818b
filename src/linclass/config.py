"""Training settings: one table for the API, the estimator, the CLI and the search space.

Every training setting is declared once, as a field of :class:`TrainConfig` made by
:func:`setting`: its name, type, default, validity check, help text and whether a search may
sample it. Everything else derives from this table:

- :class:`linclass.LinearClassifier` takes the same names as constructor parameters with the
  same defaults (``seed`` is scikit-learn's ``random_state``; ``warm_start`` is the
  estimator's own);
- ``linclass train`` and ``linclass search`` make one flag per setting with ``flag=True``
  (``reg_strength`` -> ``--reg-strength``) whose help is the field's help and default;
- ``linclass search`` samples the settings with a ``search`` scale.

:data:`DEFAULTS` holds the values tuned by measurement for a feature set and loss, used by
the whole job (:func:`linclass.fit`, ``linclass train``); :func:`default_config` applies
them.

>>> config = default_config("raw", "softmax")
>>> config.loss, config.solver, config.early_stopping
('softmax', 'minibatch', True)
>>> replace(config, lr=1e-3).lr
0.001
"""

import math
from dataclasses import asdict, dataclass, field, fields, replace

from linclass._validation import check_positive, fail, resolve
from linclass.losses import LOSSES
from linclass.optim import MODES, OPTIMIZERS, SCHEDULES
from linclass.regularizers import REGULARIZERS

__all__ = ["AUTO", "DEFAULTS", "DEFAULT_LOSS", "MIN_STEPS", "TrainConfig", "default_config",
           "min_steps_config", "replace", "setting", "settings"]

#: The value of a setting that the library chooses itself (``solver``, ``reg_strength``).
AUTO = "auto"


def setting(default, help, *, check=None, choices=None, search=None, flag=True):
    """Declare one training setting (a :class:`TrainConfig` field).

    Parameters
    ----------
    default : object
        Its default everywhere (estimator, ``TrainConfig``, CLI).
    help : str
        One line for ``--help`` and the docs (the default is appended where shown).
    check : callable(name, value), optional
        Raises the standard ``ValueError`` (:func:`linclass._validation.fail`) for a bad value.
    choices : callable() -> mapping, optional
        The registry whose keys are the valid names (called lazily: solvers import late).
    search : {'log'}, optional
        The scale on which ``linclass search`` samples it; ``None``: never searched.
    flag : bool
        Whether ``linclass train`` has a flag for it.
    """
    metadata = {"help": help, "check": check, "choices": choices, "search": search,
                "flag": flag}
    if isinstance(default, dict):  # a mutable default: each config gets its own copy
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def _nonnegative(name, value):
    check_positive(name, value, allow_zero=True)


def _positive(name, value):
    check_positive(name, value)


def _count(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(name, "an integer >= 1", repr(value))


def _optional_count(name, value):
    if value is not None:
        _count(name, value)


def _unit(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise fail(name, "a number in [0, 1]", repr(value))


def _fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise fail(name, "a fraction in (0, 1)", repr(value))


def _reg_strength(name, value):
    if value != AUTO:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(name, f"a number >= 0 or {AUTO!r}", repr(value))
        check_positive(name, value, allow_zero=True)


def _bool(name, value):
    if not isinstance(value, bool):
        raise fail(name, "True or False", repr(value))


def _dict(name, value):
    if not isinstance(value, dict):
        raise fail(name, "a dict", repr(value))


def _class_weight(name, value):
    if not (value is None or value == "balanced" or isinstance(value, dict)):
        raise fail(name, "None, 'balanced' or a dict {class: weight}", repr(value))


def _device(name, value):
    from linclass import backend

    backend.check_device(value, available=False)  # torch is needed only when training runs


def _int(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(name, "an integer", repr(value))


def _solvers():
    from linclass.solvers import SOLVERS

    return SOLVERS


@dataclass(frozen=True)
class TrainConfig:
    """The training settings: the data loss, the regularizer, and how W is found.

    Each attribute is one row of the settings table (its help text is in the field's
    metadata; :func:`settings` lists them). A ``TrainConfig`` validates itself on creation.
    """

    loss: str = setting("svm", "data loss", choices=lambda: LOSSES)
    reg: str = setting("l2", "regularizer R(W)", choices=lambda: REGULARIZERS)
    reg_strength: float | str = setting(
        1e-4, "regularization strength lambda >= 0, or 'auto': chosen on the validation "
        "split", check=_reg_strength, search="log")
    margin: float = setting(1.0, "the SVM margin Delta (least squares: the target "
                            "magnitude; softmax does not use it)", check=_positive)
    l1_ratio: float = setting(0.5, "the elastic net's share of L1", check=_unit)
    solver: str = setting("auto", "how W is found: 'auto' (a converged full-batch solver "
                          "where one applies, else minibatch descent), 'minibatch', 'lbfgs', "
                          "'exact', ...", choices=_solvers)
    optimizer: str = setting("sgd", "update rule of minibatch descent",
                             choices=lambda: OPTIMIZERS)
    optimizer_params: dict = setting({}, "extra settings of the update rule "
                                     "({'momentum': 0.9})", check=_dict, flag=False)
    lr: float = setting(1e-2, "learning rate of minibatch descent at the first epoch",
                        check=_positive, search="log")
    schedule: str = setting("cosine", "learning-rate schedule of minibatch descent, read "
                            "once per epoch", choices=lambda: SCHEDULES)
    schedule_params: dict = setting({}, "extra settings of the schedule ({'every': 5})",
                                    check=_dict, flag=False)
    batch_size: int = setting(256, "rows per minibatch", check=_count)
    epochs: int = setting(20, "passes over the training data (minibatch descent)",
                          check=_count)
    sampling: str = setting("epoch", "minibatch order: shuffled epochs or with replacement",
                            choices=lambda: MODES, flag=False)
    tol: float = setting(1e-4, "a full-batch solver stops when the gradient's largest "
                         "entry is below tol times its value at zero weights", check=_positive)
    smoothing: float = setting(1e-3, "a full-batch solver minimizes svm, crammer_singer and "
                               "one_vs_all with their hinges smoothed over smoothing times "
                               "the margin (a stated gap to the hinge's minimum)",
                               check=_positive)
    max_iter: int = setting(1000, "iterations allowed to a full-batch solver (reported "
                            "when reached: never a silent cap)", check=_count)
    early_stopping: bool = setting(False, "keep the weights of the epoch with the best "
                                   "validation accuracy", check=_bool, flag=False)
    validation_fraction: float = setting(0.1, "share of the training rows the estimator "
                                         "holds out for early stopping", check=_fraction,
                                         flag=False)
    patience: int | None = setting(None, "stop after this many epochs without a better "
                                   "validation accuracy (default: run every epoch, keep "
                                   "the best)", check=_optional_count)
    refit: bool = setting(True, "with reg_strength 'auto', refit on training + validation "
                          "rows at the chosen lambda", check=_bool)
    class_weight: object = setting(None, "per-class loss weights, as scikit-learn's",
                                   check=_class_weight, flag=False)
    device: str = setting("cpu", "where the weights live: 'cpu' (NumPy), 'torch', 'cuda'",
                          check=_device)
    seed: int = setting(0, "seeds every random choice", check=_int, flag=False)

    def __post_init__(self):
        for f in fields(self):
            value, meta = getattr(self, f.name), f.metadata
            if meta["choices"] is not None:
                resolve(f.name, value, meta["choices"]())
            if meta["check"] is not None:
                meta["check"](f.name, value)
        from linclass.solvers import check_solver  # the solver says what it supports

        check_solver(self)

    def to_dict(self):
        """The settings as a JSON-able dict (class-weight keys as strings)."""
        out = asdict(self)
        if isinstance(self.class_weight, dict):
            out["class_weight"] = {str(k): float(v) for k, v in self.class_weight.items()}
        return out

    @classmethod
    def from_dict(cls, values):
        """Inverse of :meth:`to_dict`; unknown keys are an error.

        Settings saved before solvers were their own setting (``optimizer="exact"``) are
        read as ``solver="exact"``.
        """
        values = dict(values)
        if values.get("optimizer") == "exact":  # model files of format 1
            values.update(optimizer="sgd", solver="exact")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise fail("training settings", f"among {sorted(known)}", f"unknown {unknown}")
        return cls(**values)


def settings():
    """The settings table: ``[(name, default, metadata), ...]`` in declaration order."""
    defaults = TrainConfig()
    return [(f.name, getattr(defaults, f.name), f.metadata) for f in fields(TrainConfig)]


#: Tuned settings of the whole job (:func:`linclass.fit`, ``linclass train``) per
#: ``(features, loss)``; ``"*"`` matches any loss. Entries apply from general to specific:
#: ``("*", "*")``, then ``(features, "*")``, then ``(features, loss)``.
DEFAULTS = {
    # the job holds out a validation split: minibatch descent keeps its best epoch
    ("*", "*"): {"early_stopping": True},
    # minibatch descent on raw CIFAR-10 (49,000 training and 1,000 validation images;
    # benchmarks/results/train.md); softmax: SGD at lr 1e-2 measured 0.406 vs Adam lr 1e-4
    # 0.403 with mirror images
    # svm: minibatch descent, as softmax below, for the 15 s budget of train + evaluate
    ("raw", "svm"): {"solver": "minibatch", "lr": 1e-3, "reg_strength": 1e-1, "epochs": 10},
    # softmax: L-BFGS to convergence took 283 iterations, 211 s, for 0.412 (more than the
    # 15 s budget of train + evaluate); SGD reaches 0.417 in 14 s
    ("raw", "softmax"): {"solver": "minibatch", "lr": 1e-2, "reg_strength": 1e-2,
                         "epochs": 10},
    ("hog+hsv", "*"): {"lr": 1e-2, "reg_strength": 1e-3, "epochs": 10},
    # svm: the measured minibatch default (about a minute end to end); the converged smoothed
    # hinge (L-BFGS) is not yet timed on these 49,000 x 4,008 features
    ("hog+hsv", "svm"): {"solver": "minibatch"},
    # k-means features, K = 1600: best of a small sweep (benchmarks/results/kmeans.md)
    ("kmeans", "svm"): {"solver": "minibatch", "optimizer": "adam", "lr": 3e-4,
                        "reg_strength": 1e-4, "epochs": 30},
    ("kmeans", "squared_hinge"): {"optimizer": "momentum", "lr": 3e-4, "reg_strength": 1e-4,
                                  "epochs": 30},
    # k-means features, the default soft-threshold encoding (K = 1,600 mirrored, 3 x 3
    # regions: 14,400 columns): lambda 1e-3, best of 1e-4..3e-3 on 10,000 held-out images of
    # a 40,000 / 10,000 split (0.792 against 0.783 at the old 3e-4; benchmarks/results/kmeans.md)
    ("kmeans", "least_squares"): {"solver": "exact", "reg_strength": 1e-3},
    # a feature matrix (embeddings: the linear-probe path): softmax solved to convergence
    # (L-BFGS) with lambda chosen on the validation split, as CLIP_benchmark and DINOv2 do
    ("matrix", "*"): {"reg_strength": AUTO},
}

#: The loss when none is named, per feature set (else ``"svm"``): on the wide k-means features,
#: regularized least squares solved exactly beats minibatch SVM and softmax by 7-9 points
#: (benchmarks/results/kmeans.md); a feature matrix (``"matrix"``, a linear probe) gets
#: softmax, scikit-learn's ``LogisticRegression``.
DEFAULT_LOSS = {"kmeans": "least_squares", "matrix": "softmax"}


def default_config(features="raw", loss=None, **overrides):
    """The tuned :class:`TrainConfig` of the whole job for ``features`` and ``loss``.

    ``loss=None`` takes the feature set's :data:`DEFAULT_LOSS`. Overrides whose value is
    ``None`` are ignored (an absent CLI flag).
    """
    loss = loss or DEFAULT_LOSS.get(features, "svm")
    values = {}
    for key in (("*", "*"), (features, "*"), (features, loss)):
        values.update(DEFAULTS.get(key, {}))
    values["loss"] = loss
    values.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.from_dict(values)


#: The least number of minibatch steps :func:`min_steps_config` lets training take: 1,500
#: brings the digits to 0.93 validation accuracy with the raw-pixel defaults, and is below the
#: 1,920 steps of 10 CIFAR-10 epochs (which it leaves alone).
MIN_STEPS = 1500


def min_steps_config(config, n_train, min_steps=MIN_STEPS):
    """``config`` with its epochs grown so that minibatch descent on ``n_train`` rows takes
    at least ``min_steps`` steps: ``max(epochs, ceil(min_steps / ceil(n_train / batch)))``.

    The tuned epochs were measured on CIFAR-10 (about 190 steps of 256 rows per epoch); on a
    small set such as the digits (7 steps per epoch) they would take too few steps. Other
    solvers take no minibatch steps; their epochs are unused and left alone.
    """
    _count("n_train", n_train)
    steps_per_epoch = math.ceil(n_train / config.batch_size)
    return replace(config, epochs=max(config.epochs, math.ceil(min_steps / steps_per_epoch)))
