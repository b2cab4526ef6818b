"""
3. Softmax vs SVM
=================

The softmax classifier reads the same scores as **unnormalized log probabilities**. It turns
them into probabilities and pays :math:`-\\log` of the probability of the correct class (the
cross-entropy loss). This tutorial computes the lecture's examples with
:func:`linclass.losses.softmax` and compares it with the multiclass SVM.
"""

# %%
# Scores to probabilities
# -----------------------
# .. math::
#
#    P(Y = k \mid x) = \frac{e^{s_k}}{\sum_j e^{s_j}}, \\
#    L_i = -\log P(Y = y_i \mid x_i) = -s_{y_i} + \log \sum_j e^{s_j}.
#
# The lecture's cat image has scores cat 3.2, car 5.1, frog -1.7:
import matplotlib.pyplot as plt
import numpy as np

import linclass as lc

cat_scores = np.array([[3.2, 5.1, -1.7]])
p = lc.losses.softmax_probabilities(cat_scores)[0]
loss, _ = lc.losses.softmax(cat_scores, [0])
print("exp(s):       ", np.round(np.exp(cat_scores[0]), 2))
print("probabilities:", np.round(p, 2))
print(f"L = -log(P(cat)) = {loss:.2f}")
assert np.allclose(np.round(p, 2), [0.13, 0.87, 0.0])
assert abs(loss - 2.04) < 0.005

# %%
# The same scores, two losses
# ---------------------------
# The notes' example: scores :math:`(-2.85, 0.86, 0.28)` with the third class correct.
scores = np.array([[-2.85, 0.86, 0.28]])
y = [2]
svm_loss, _ = lc.losses.svm(scores, y)
softmax_loss, _ = lc.losses.softmax(scores, y)
print(f"SVM:     max(0, -2.85 - 0.28 + 1) + max(0, 0.86 - 0.28 + 1) = {svm_loss:.2f}")
print(f"softmax: -log(P(class 3)) = {softmax_loss:.2f}")
assert abs(svm_loss - 1.58) < 1e-9
assert abs(softmax_loss - 1.04) < 0.005

# %%
# Q: what is the softmax loss at the start?
# ------------------------------------------
# With :math:`W \approx 0` all scores are equal, every class gets probability :math:`1/C`, and
# the loss is :math:`-\log(1/C) = \ln C`: 2.303 for CIFAR-10's 10 classes. (The SVM starts at
# :math:`C - 1`.) If the first loss of a training run is far from this, something is wrong.
rng = np.random.default_rng(0)
X = rng.uniform(0, 255, size=(500, 3072))
labels = rng.integers(0, 10, size=500)
loss0, _ = lc.losses.softmax(X @ (1e-7 * rng.standard_normal((3072, 10))), labels)
print(f"softmax loss at W ~ 0: {loss0:.4f}, ln(10) = {np.log(10):.4f}")
assert abs(loss0 - np.log(10)) < 1e-3

# %%
# Softmax is never satisfied
# --------------------------
# The notes' three score vectors, first class correct: the SVM loss is 0 for all three (the
# correct class wins by more than the margin), while the softmax loss keeps asking for more.
cases = np.array([[10.0, -2.0, 3.0], [10.0, -100.0, -100.0], [10.0, 9.0, 9.0]])
for s in cases:
    sv = lc.losses.svm(s[None], [0])[0]
    sm = lc.losses.softmax(s[None], [0])[0]
    print(f"scores {s}:  SVM {sv:.2f}   softmax {sm:.5f}")
svm_losses = [lc.losses.svm(s[None], [0])[0] for s in cases]
softmax_losses = [lc.losses.softmax(s[None], [0])[0] for s in cases]
assert svm_losses == [0.0, 0.0, 0.0]
assert softmax_losses[0] > 0 and softmax_losses[2] > 0
assert softmax_losses[1] <= softmax_losses[0] < softmax_losses[2]

# %%
# The second softmax loss prints as 0 only because it is below float64's resolution near 1:
# exactly it is :math:`\log(1 + 2e^{-110}) \approx 3.4 \cdot 10^{-48}`.
exact = np.log1p(2 * np.exp(-110.0))
print(f"log(1 + 2 exp(-110)) = {exact:.2e}")
assert abs(exact / 3.4e-48 - 1) < 0.02

# %%
# Pushing the correct score up lowers the softmax loss forever, approaching 0 but never reaching
# it; the SVM stops caring once the margin is met.
gap = np.linspace(-4, 4, 161)          # s_correct - s_other, two classes
svm_curve = [lc.losses.svm(np.array([[g, 0.0]]), [0])[0] for g in gap]
softmax_curve = [lc.losses.softmax(np.array([[g, 0.0]]), [0])[0] for g in gap]
assert softmax_curve[-1] > 0 and svm_curve[-1] == 0

plt.figure(figsize=(5, 3))
plt.plot(gap, svm_curve, label="SVM (hinge)")
plt.plot(gap, softmax_curve, label="softmax (cross-entropy)")
plt.xlabel("score of the correct class minus the other")
plt.ylabel("loss")
plt.legend()
plt.tight_layout()

# %%
# Numerical stability
# -------------------
# :math:`e^{s}` overflows for scores above about 709 in float64 (88 in float32). Subtracting the
# largest score from every score changes nothing mathematically and avoids it;
# :func:`linclass.losses.softmax` does so:
big = np.array([[1000.0, 999.0, 990.0]])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(big) / np.exp(big).sum()
print("naive:", naive[0], " stable:", np.round(lc.losses.softmax_probabilities(big)[0], 4))
assert np.isnan(naive).all()
assert int(np.log(np.finfo(np.float64).max)) == 709 and int(np.log(np.finfo(np.float32).max)) == 88
assert np.isfinite(lc.losses.softmax(big, [0])[0])

# %%
# Both losses are convex in :math:`W` for a linear classifier and usually give similar
# accuracy. Next: how to find a good :math:`W` at all, **optimization**.
