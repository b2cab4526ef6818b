"""linclass: linear image classifiers from the loss up.

>>> import linclass as lc
>>> loss, dscores = lc.losses.svm([[3.2, 5.1, -1.7]], [0])
>>> round(loss, 2)
2.9
"""

from linclass import data, features, gradcheck, losses, optim, preprocessing, regularizers
from linclass.classifier import LinearClassifier
from linclass.image_classifier import ImageClassifier
from linclass.model_file import load, save
from linclass.objective import linear_loss

__version__ = "0.1.0"

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
    "save",
]
