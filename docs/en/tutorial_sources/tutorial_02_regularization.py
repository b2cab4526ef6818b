"""
2. Regularization
=================

Tutorial 1 ended with a puzzle: if :math:`W` has zero data loss, so does :math:`2W`. The
**regularization** penalty :math:`\\lambda R(W)` breaks the tie by preferring some weights over
others, whatever the data:

.. math::

   L = \\underbrace{\\frac{1}{N} \\sum_i L_i}_{\\text{data loss}}
       + \\underbrace{\\lambda R(W)}_{\\text{regularization}} .

This tutorial compares L2 and L1 on the lecture's two weight vectors, then trains on the bundled
digits to show the weight templates as :math:`\\lambda` grows.
"""

# %%
# L2 against L1 on w1 and w2
# --------------------------
# Both weight vectors give the input :math:`x = (1, 1, 1, 1)` the same score, 1, so the data
# loss cannot tell them apart. :mod:`linclass.regularizers` returns ``(penalty, gradient)`` with
# ``penalty = strength * R(W)``; L2 is :math:`R(W) = \sum W^2` (CS231n's convention, gradient
# :math:`2W`), L1 is :math:`R(W) = \sum |W|`.
import matplotlib.pyplot as plt
import numpy as np

import linclass as lc

x = np.ones(4)
w1 = np.array([1.0, 0.0, 0.0, 0.0])
w2 = np.array([0.25, 0.25, 0.25, 0.25])
assert x @ w1 == x @ w2 == 1.0

l2_w1 = lc.regularizers.l2(w1[:, None], 1.0)[0]
l2_w2 = lc.regularizers.l2(w2[:, None], 1.0)[0]
l1_w1 = lc.regularizers.l1(w1[:, None], 1.0)[0]
l1_w2 = lc.regularizers.l1(w2[:, None], 1.0)[0]
print(f"L2: R(w1) = {l2_w1}, R(w2) = {l2_w2}")
print(f"L1: R(w1) = {l1_w1}, R(w2) = {l1_w2}")
assert (l2_w1, l2_w2) == (1.0, 0.25)
assert (l1_w1, l1_w2) == (1.0, 1.0)

# %%
# L2 prefers ``w2`` (penalty 0.25 against 1): it likes **spread-out** weights, so the classifier
# uses all input dimensions a little rather than a few a lot.
#
# L1 **ties**: both penalties are 1. For non-negative weights, :math:`\sum_k |w_k| = \sum_k w_k`,
# which is exactly the score :math:`x \cdot w` for this all-ones input, so every non-negative
# :math:`w` with score 1 has the same L1 penalty: L1 is flat along the whole segment from ``w1``
# to ``w2``. Along the same segment L2 has a single minimum, at ``w2``:
t = np.linspace(0, 1, 11)
segment = [(1 - a) * w1 + a * w2 for a in t]
l1_path = [lc.regularizers.l1(w[:, None], 1.0)[0] for w in segment]
l2_path = [lc.regularizers.l2(w[:, None], 1.0)[0] for w in segment]
assert np.allclose(l1_path, 1.0)
assert np.argmin(l2_path) == len(t) - 1

plt.figure(figsize=(5, 3))
plt.plot(t, l1_path, label="L1: sum |w|")
plt.plot(t, l2_path, label="L2: sum w^2")
plt.xlabel("a in w = (1 - a) w1 + a w2   (score stays 1)")
plt.ylabel("penalty")
plt.legend()
plt.tight_layout()

# %%
# Away from ties, L1 pushes small weights to exactly zero (its gradient has the same size,
# :math:`\lambda`, however small the weight is), so it selects a few inputs: **sparse** weights.
# Elastic net mixes the two (:func:`linclass.regularizers.elastic_net`).
#
# Weight templates as lambda grows
# --------------------------------
# A linear classifier's column :math:`W_{:,k}` is a **template** of class :math:`k`: the score is
# the dot product of the image with it. We train the multiclass SVM on the 8×8 digits bundled
# with scikit-learn (1,797 images), holding out a quarter for validation, with growing L2
# strength :math:`\lambda`.
digits = lc.data.load("digits")
X = digits.images.reshape(len(digits.images), -1) / 16.0    # (1797, 64), pixels in [0, 1]
y = digits.labels
train, val = lc.data.train_val_split(y, 0.25, seed=0)

lambdas = [1e-4, 1e-1, 1.0, 10.0]
models = [lc.LinearClassifier(loss="svm", reg="l2", reg_strength=lam, epochs=30,
                              random_state=0).fit(X[train], y[train]) for lam in lambdas]
norms = [float(np.sum(m.coef_ ** 2)) for m in models]
accuracies = [m.score(X[val], y[val]) for m in models]
for lam, norm, acc in zip(lambdas, norms, accuracies, strict=True):
    print(f"lambda = {lam:<6g}  sum W^2 = {norm:7.3f}  validation accuracy = {acc:.3f}")

# %%
# The penalty shrinks the weights as :math:`\lambda` grows, and the templates get smoother:
# noisy pixel-level weights cost more than they earn. With too strong a penalty the classifier
# can no longer fit the data and the validation accuracy falls.
assert all(a > b for a, b in zip(norms, norms[1:], strict=False))
assert min(accuracies[:3]) > 0.9
assert accuracies[3] < max(accuracies[:3])

fig, axes = plt.subplots(len(lambdas), 10, figsize=(8, 3.6))
for row, (lam, model) in enumerate(zip(lambdas, models, strict=True)):
    for k in range(10):
        ax = axes[row, k]
        ax.imshow(model.coef_[:, k].reshape(8, 8), cmap="gray")
        ax.set_xticks([])
        ax.set_yticks([])
        if k == 0:
            ax.set_ylabel(f"{lam:g}", rotation=0, labelpad=18)
        if row == 0:
            ax.set_title(str(k))
fig.suptitle("Columns of W as 8x8 templates, one row per lambda")
fig.tight_layout()

# %%
# Choosing :math:`\lambda` is a job for the validation split (tutorial 6 searches it). Next:
# a second loss, **softmax**, and how it differs from the SVM.
