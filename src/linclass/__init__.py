"""linclass: linear image classifiers from the loss up.

>>> import linclass as lc
>>> loss, dscores = lc.losses.svm([[3.2, 5.1, -1.7]], [0])
>>> round(loss, 2)
2.9

The lecture's pieces (losses, regularizers, the objective, gradient checks, optimizers) are
imported with the package; everything that needs scikit-learn, SciPy, Pillow, matplotlib or
torch (the estimator, the job, data, features, report, demo, ...) is imported on first use,
so ``import linclass`` and ``linclass --help`` stay fast.
"""

import importlib

from linclass import gradcheck, losses, optim, regularizers
from linclass.objective import linear_loss

__version__ = "0.1.0"

#: Public names imported on first use: name -> (module, attribute or None for the module).
_LAZY = {
    "LinearClassifier": ("linclass.classifier", "LinearClassifier"),
    "ImageClassifier": ("linclass.image_classifier", "ImageClassifier"),
    "fit": ("linclass.job", "fit"),
    "evaluate": ("linclass.job", "evaluate"),
    "FitResult": ("linclass.job", "FitResult"),
    "Evaluation": ("linclass.job", "Evaluation"),
    "load": ("linclass.model_file", "load"),
    "save": ("linclass.model_file", "save"),
    **{name: (f"linclass.{name}", None) for name in (
        "backend", "check", "config", "data", "demo", "distributed", "export", "features",
        "preprocessing", "report", "ridge", "search", "solvers", "training")},
}


def __getattr__(name):
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'linclass' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    value = value if attribute is None else getattr(value, attribute)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Evaluation", "FitResult", "ImageClassifier", "LinearClassifier", "backend", "check",
    "config", "data", "demo", "distributed", "evaluate", "export", "features", "fit",
    "gradcheck", "linear_loss", "load", "losses", "optim", "preprocessing", "regularizers",
    "report", "ridge", "save", "search", "solvers", "training",
]
