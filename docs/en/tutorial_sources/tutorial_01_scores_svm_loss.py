"""
1. Scores and the multiclass SVM loss
=====================================

A linear classifier gives every class a **score**, :math:`s = xW + b`; a **loss function** says
how unhappy we are with those scores. This tutorial computes the lecture's cat/car/frog example
with :mod:`linclass.losses`, checks it against the lecture's loops in
:mod:`linclass.losses.reference`, and looks at two facts the lecture asks about: the loss at
:math:`W \\approx 0`, and why the :math:`W` with zero loss is not unique.
"""

# %%
# The score function
# ------------------
# linclass stores one column of weights per class: ``W`` has shape (D, C), an image is a row
# ``x`` of D numbers, and the scores are ``x @ W + b``, one per class. The lecture's example
# stretches a 2×2 image with pixels 56, 231, 24, 2 into a vector and scores three classes
# (the lecture writes :math:`Wx` with one *row* per class, the transpose of ours).
import matplotlib.pyplot as plt
import numpy as np

import linclass as lc

x = np.array([56.0, 231.0, 24.0, 2.0])
W = np.array([[0.2, -0.5, 0.1, 2.0],       # cat
              [1.5, 1.3, 2.1, 0.0],        # dog
              [0.0, 0.25, 0.2, -0.3]]).T   # ship; .T makes it (D, C) = (4, 3)
b = np.array([1.1, 3.2, -1.2])
s = x @ W + b
print("scores (cat, dog, ship):", s)
assert np.allclose(s, [-96.8, 437.9, 60.75])

# %%
# (The lecture slide prints 61.95 for the ship score; the arithmetic,
# :math:`0.25 \cdot 231 + 0.2 \cdot 24 - 0.3 \cdot 2 - 1.2`, gives 60.75.)

# %%
# The cat/car/frog scores
# -----------------------
# Three training images, three classes. Row ``i`` holds the scores of image ``i``; ``y[i]`` is
# its correct class (0 = cat, 1 = car, 2 = frog).
classes = ["cat", "car", "frog"]
scores = np.array([[3.2, 5.1, -1.7],    # a cat image
                   [1.3, 4.9, 2.0],     # a car image
                   [2.2, 2.5, -3.1]])   # a frog image
y = np.array([0, 1, 2])

# %%
# The multiclass SVM loss
# -----------------------
# The multiclass SVM (Weston–Watkins) loss of example :math:`i` sums, over the wrong classes,
# by how much their score comes within a margin :math:`\Delta = 1` of the correct class's score:
#
# .. math::
#
#    L_i = \sum_{j \ne y_i} \max(0,\; s_j - s_{y_i} + 1),
#    \qquad L = \frac{1}{N} \sum_i L_i .
#
# :func:`linclass.losses.svm` returns the mean loss and its gradient with respect to the scores;
# called on one row at a time it gives each :math:`L_i`.
per_example = [lc.losses.svm(scores[i:i + 1], y[i:i + 1])[0] for i in range(3)]
for name, li in zip(classes, per_example, strict=True):
    print(f"L_{name} = {li:.2f}")
loss, dscores = lc.losses.svm(scores, y)
print(f"mean loss L = {loss:.4f}")
assert np.allclose(per_example, [2.9, 0.0, 12.9])
assert abs(loss - 5.27) < 0.01

# %%
# The cat image is misclassified (car 5.1 beats cat 3.2: :math:`5.1 - 3.2 + 1 = 2.9`) while frog
# is far below (:math:`-1.7 - 3.2 + 1 < 0`, no loss). The car image scores its class highest by
# more than the margin, so it costs nothing. The frog image is the worst:
# :math:`(2.2 + 3.1 + 1) + (2.5 + 3.1 + 1) = 6.3 + 6.6 = 12.9`.
#
# The lecture's loops give exactly the same numbers: :mod:`linclass.losses.reference` is the
# readable definition the vectorized code is tested against.
loss_ref, dscores_ref = lc.losses.reference.svm(scores, y)
assert loss_ref == loss and np.array_equal(dscores_ref, dscores)

# %%
# The gradient with respect to the scores says which scores the loss wants to move: every wrong
# class inside the margin gets :math:`+1/N`, the correct class :math:`-1/N` for each of them.
print(np.round(dscores * 3, 3))   # times N = 3: counts of active margins
assert np.array_equal(dscores * 3, [[-1, 1, 0], [0, 0, 0], [1, 1, -2]])

# %%
# The hinge
# ---------
# Each term is a *hinge*: zero once the correct class wins by the margin, then linear.
margin_gap = np.linspace(-3, 3, 121)            # s_j - s_{y_i}
plt.figure(figsize=(5, 3))
plt.plot(margin_gap, np.maximum(0, margin_gap + 1))
plt.axvline(-1, color="grey", linestyle=":")
plt.xlabel(r"$s_j - s_{y_i}$")
plt.ylabel(r"$\max(0, s_j - s_{y_i} + 1)$")
plt.title("One term of the multiclass SVM loss")
plt.tight_layout()

# %%
# Q: what is the loss at the start, when W is small?
# ---------------------------------------------------
# With :math:`W \approx 0` every score is about 0, so each of the :math:`C - 1` wrong classes
# contributes :math:`\max(0, 0 - 0 + 1) = 1`: the loss starts at :math:`C - 1`. It is a useful
# sanity check on the first iteration of training. Here with 10 classes and random images:
rng = np.random.default_rng(0)
X = rng.uniform(0, 255, size=(500, 3072))
labels = rng.integers(0, 10, size=500)
W_small = 1e-7 * rng.standard_normal((3072, 10))
loss0, _ = lc.losses.svm(X @ W_small, labels)
print(f"loss at W ~ 0 with C = 10 classes: {loss0:.4f}")
assert abs(loss0 - 9) < 1e-3

# %%
# Q: if a W gives zero loss, is it unique?
# ----------------------------------------
# No. Doubling W doubles every score difference, so a margin that was already met (a difference
# of at least 1) is met by twice as much: :math:`2W` also has zero loss. Take the car image alone,
# whose loss is 0, and double its scores:
car = scores[1:2]
for k in (1, 2, 10):
    print(f"{k:>2} x scores: loss {lc.losses.svm(k * car, y[1:2])[0]}")
    assert lc.losses.svm(k * car, y[1:2])[0] == 0.0

# %%
# The data loss alone cannot choose between :math:`W` and :math:`2W` (or :math:`100W`). The next
# tutorial adds the piece that does: **regularization**.
