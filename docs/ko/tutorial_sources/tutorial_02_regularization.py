"""
2. 정규화
=========

튜토리얼 1은 하나의 수수께끼로 끝났습니다. :math:`W` 의 데이터 손실이 0이면 :math:`2W` 도 0입니다.
**정규화**\\ (regularization) 항 :math:`\\lambda R(W)` 는 데이터와 상관없이 어떤 가중치를 다른
가중치보다 선호하게 만들어 이 동점을 깨뜨립니다:

.. math::

   L = \\underbrace{\\frac{1}{N} \\sum_i L_i}_{\\text{데이터 손실}}
       + \\underbrace{\\lambda R(W)}_{\\text{정규화}} .

이 튜토리얼에서는 강의의 두 가중치 벡터로 L2와 L1을 비교하고, scikit-learn에 들어 있는 숫자 이미지로
학습하면서 :math:`\\lambda` 가 커질 때 가중치 템플릿이 어떻게 변하는지 봅니다.
"""

# %%
# w1과 w2에서 L2와 L1 비교
# ------------------------
# 두 가중치 벡터는 입력 :math:`x = (1, 1, 1, 1)` 에 같은 점수 1을 주므로, 데이터 손실로는 둘을
# 구별할 수
# 없습니다. :mod:`linclass.regularizers` 는 ``(벌점, 기울기)`` 를 돌려주며 ``벌점 = strength *
# R(W)``
# 입니다. L2는 :math:`R(W) = \sum W^2` (CS231n의 관례, 기울기 :math:`2W`), L1은
# :math:`R(W) = \sum |W|` 입니다.
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
# L2는 ``w2`` 를 선호합니다(벌점 0.25 대 1). L2는 **고르게 퍼진** 가중치를 좋아하므로, 분류기가 몇몇
# 입력 차원에 크게 의존하기보다 모든 차원을 조금씩 쓰게 됩니다.
#
# L1은 **동점**\ 입니다. 두 벌점 모두 1입니다. 가중치가 음수가 아니면 :math:`\sum_k |w_k| = \sum_k
# w_k`
# 이고, 입력이 모두 1이므로 이것은 바로 점수 :math:`x \cdot w` 입니다. 따라서 점수가 1인 음이 아닌
# :math:`w` 는 모두 같은 L1 벌점을 받습니다. ``w1`` 에서 ``w2`` 로 가는 선분 전체에서 L1은 평평하고,
# 같은 선분에서 L2는 ``w2`` 에서 유일한 최솟값을 갖습니다:
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
# 동점이 아닌 경우 L1은 작은 가중치를 정확히 0으로 밀어냅니다(가중치가 아무리 작아도 기울기의 크기가
# :math:`\lambda` 로 같기 때문입니다). 그래서 몇 개의 입력만 골라 쓰는 **희소한**\ (sparse) 가중치가
# 됩니다. 엘라스틱 넷은 둘을 섞습니다(:func:`linclass.regularizers.elastic_net`).
#
# 람다가 커질 때의 가중치 템플릿
# ------------------------------
# 선형 분류기의 열 :math:`W_{:,k}` 는 클래스 :math:`k` 의 **템플릿**\ 입니다. 점수는 이미지와 이
# 템플릿의
# 내적입니다. scikit-learn에 들어 있는 8×8 숫자 이미지(1,797장)의 4분의 1을 검증용으로 떼어 두고,
# L2 정규화 강도 :math:`\lambda` 를 키워 가며 다중 클래스 SVM을 학습합니다.
digits = lc.data.load("digits")
X = digits.images.reshape(len(digits.images), -1) / 16.0    # (1797, 64), 픽셀 값 [0, 1]
y = digits.labels
train, val = lc.data.train_val_split(y, 0.25, seed=0)

lambdas = [1e-4, 1e-1, 1.0, 10.0]
models = [lc.LinearClassifier(loss="svm", reg="l2", reg_strength=lam, epochs=30,
                              random_state=0).fit(X[train], y[train]) for lam in lambdas]
norms = [float(np.sum(m.coef_ ** 2)) for m in models]
accuracies = [m.score(X[val], y[val]) for m in models]
for lam, norm, acc in zip(lambdas, norms, accuracies, strict=True):
    print(f"lambda = {lam:<6g}  sum W^2 = {norm:7.3f}  검증 정확도 = {acc:.3f}")

# %%
# :math:`\lambda` 가 커질수록 벌점이 가중치를 줄이고 템플릿은 매끈해집니다. 픽셀 단위의 잡음 섞인
# 가중치는 얻는 것보다 치르는 비용이 더 크기 때문입니다. 벌점이 너무 강하면 분류기가 데이터에 맞출
# 수
# 없게 되어 검증 정확도가 떨어집니다.
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
# :math:`\lambda` 는 검증 데이터로 고릅니다(튜토리얼 6에서 탐색합니다). 다음은 두 번째 손실 함수인
# **소프트맥스**\ 와, 그것이 SVM과 어떻게 다른지입니다.
