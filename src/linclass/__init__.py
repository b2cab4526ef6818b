"""linclass: linear image classifiers from the loss up.

>>> import linclass as lc
>>> loss, dscores = lc.losses.svm([[3.2, 5.1, -1.7]], [0])
>>> round(loss, 2)
2.9
"""

from linclass import data, gradcheck, losses, optim, preprocessing, regularizers
from linclass.objective import linear_loss

__version__ = "0.1.0"

__all__ = [
    "data",
    "gradcheck",
    "linear_loss",
    "losses",
    "optim",
    "preprocessing",
    "regularizers",
]
