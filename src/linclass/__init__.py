"""linclass: linear image classifiers from the loss up.

>>> import linclass as lc
>>> loss, dscores = lc.losses.svm([[3.2, 5.1, -1.7]], [0])
>>> round(loss, 2)
2.9
"""

import importlib

from linclass import (
    data,
    features,
    gradcheck,
    losses,
    optim,
    preprocessing,
    regularizers,
    ridge,
)
from linclass.classifier import LinearClassifier
from linclass.image_classifier import ImageClassifier
from linclass.model_file import load, save
from linclass.objective import linear_loss

__version__ = "0.1.0"

#: Submodules imported on first use (matplotlib, the web server and torch are slow to import).
_LAZY = ("backend", "demo", "distributed", "report")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f"linclass.{name}")
    raise AttributeError(f"module 'linclass' has no attribute {name!r}")

__all__ = [
    "ImageClassifier",
    "LinearClassifier",
    "data",
    "features",
    "gradcheck",
    "linear_loss",
    "load",
    "losses",
    "optim",
    "preprocessing",
    "regularizers",
    "ridge",
    "save",
]
