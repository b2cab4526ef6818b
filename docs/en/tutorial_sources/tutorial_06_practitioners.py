"""
6. For practitioners
====================

The whole job in a few calls: a **linear probe** on a feature matrix (the usual way to measure
features from a pretrained network), λ chosen automatically, a hyperparameter **search**, the
**report**, **model files**, and the estimator inside a **scikit-learn pipeline**. The command
line does the same (``linclass train``, ``search``, ``evaluate``, ``report``; see the
:doc:`command reference <../commands>`).
"""

# %%
# A linear probe on a feature matrix
# ----------------------------------
# A feature source is a directory with ``X.npy`` (N × D float, memory-mapped, never copied whole)
# and ``y.npy`` (N integer labels), or one ``.npz``. Here the features are HOG plus a hue
# histogram of the 6,000-image CIFAR-10 subset of tutorials 4 and 5 (in practice: embeddings
# from a network); 1,000 rows go to a separate test directory that no choice ever sees.
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import linclass as lc
from linclass.search import search

data = lc.data.load(os.environ.get("LINCLASS_CIFAR10", "cifar10-train-jpeg.tar.gz"))
subset = lc.data.dev_subset(data.labels, 6000, seed=0)
images, y = data.images[subset], data.labels[subset]
F = np.hstack([lc.features.hog(images), lc.features.color_histogram(images, bins=10)])
rest, test = lc.data.train_val_split(y, 1000, seed=0)

work = Path(tempfile.mkdtemp())
for name, rows in (("probe", rest), ("test", test)):
    (work / name).mkdir()
    np.save(work / name / "X.npy", F[rows].astype(np.float32))
    np.save(work / name / "y.npy", y[rows])
print("features", F.shape, "probe rows", len(rest), "test rows", len(test))

# %%
# :func:`linclass.fit` does what ``linclass train`` does: it holds out a validation split,
# standardizes the features on the training part, and trains. ``solver="lbfgs"`` minimizes the
# softmax loss to convergence (no learning rate, no epochs) and ``reg_strength="auto"`` picks
# :math:`\lambda` on the validation split along a regularization path, then refits on training
# plus validation rows. :func:`linclass.evaluate` scores the model on the held-out test rows.
result = lc.fit(str(work / "probe"), loss="softmax", solver="lbfgs", reg_strength="auto", seed=0)
chosen = result.history["reg_strength"]
print(f"solver {result.history['solver']}, chosen lambda {chosen:.3g} "
      f"(validation accuracy on the path {result.history['reg_val_accuracy']:.3f})")
evaluation = lc.evaluate(result.model, str(work / "test"))
print(f"test accuracy {evaluation.accuracy:.3f} on {evaluation.n} rows")
assert result.history["solver"] == "lbfgs"
assert abs(np.log10(chosen) - (-2)) < 0.5
assert abs(evaluation.accuracy - 0.506) < 0.015

# %%
# The same on the command line:
#
# .. code-block:: bash
#
#    linclass train --data probe/ --loss softmax --solver lbfgs --reg-strength auto --out probe.npz
#    linclass evaluate --model probe.npz --data test/
#
# Search
# ------
# :func:`linclass.search.search` trains one model per trial on the same split (log-uniform, or a
# grid), exactly as ``fit`` would with the trial's settings. On the bundled digits, a 2 × 2 grid
# of learning rate and :math:`\lambda` for the minibatch SVM:
digits = lc.data.load("digits")
found = search(digits, ranges={"lr": (1e-4, 1e-2), "reg_strength": (1e-4, 1.0)}, n_trials=4,
               grid=True, seed=0)
for row in found.rows:
    print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()
           if k in ("lr", "reg_strength", "val_accuracy")})
best = found.best
print(f"best: lr {best['lr']:g}, reg_strength {best['reg_strength']:g}, "
      f"validation accuracy {best['val_accuracy']:.3f}")
assert best["val_accuracy"] == max(r["val_accuracy"] for r in found.rows)
assert abs(best["val_accuracy"] - 0.956) < 0.015

# %%
# The report
# ----------
# :func:`linclass.report.write_report` (``linclass report``) writes the figures of a model on a
# data set and one ``index.html``: templates, learning curves, confusion matrix, mistakes, loss
# landscapes.
model = found.model
report_dir = work / "report"
lc.report.write_report(model, digits, report_dir, seed=0)
figures = sorted(p.name for p in report_dir.glob("*.png"))
print(figures)
assert (report_dir / "index.html").exists() and "templates.png" in figures

plt.figure(figsize=(8, 3))
plt.imshow(plt.imread(report_dir / "templates.png"))
plt.axis("off")

# %%
# Model files
# -----------
# One ``.npz`` holds the weights, the class names and everything between a raw image and a
# prediction (feature pipeline, standardization), with JSON metadata; it loads without pickle.
lc.save(model, work / "digits.npz")
again = lc.load(work / "digits.npz")
assert np.array_equal(again.predict(digits.images), model.predict(digits.images))
with np.load(work / "digits.npz", allow_pickle=False) as arrays:
    print(sorted(arrays.files))
    assert "metadata" in arrays.files

# %%
# In a scikit-learn pipeline
# --------------------------
# :class:`linclass.LinearClassifier` is a scikit-learn estimator, so it composes with scalers,
# cross-validation and grid search:
X = digits.images.reshape(len(digits.images), -1).astype(np.float64)
pipe = make_pipeline(StandardScaler(),
                     lc.LinearClassifier(loss="softmax", solver="lbfgs", reg_strength=1e-3))
scores = cross_val_score(pipe, X, digits.labels, cv=5)
print(f"5-fold accuracy {scores.mean():.3f}")
grid = GridSearchCV(pipe, {"linearclassifier__reg_strength": [1e-4, 1e-2, 1.0]}, cv=3)
grid.fit(X, digits.labels)
print(grid.best_params_, f"{grid.best_score_:.3f}")
assert abs(scores.mean() - 0.922) < 0.015
assert grid.best_params_ == {"linearclassifier__reg_strength": 1e-2}

# %%
# Where next: the :doc:`API reference <../api/index>` for every function and setting, and
# ``benchmarks/results`` for the speed and accuracy measured on the full data.
