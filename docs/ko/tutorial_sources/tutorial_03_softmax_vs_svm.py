"""
3. 소프트맥스와 SVM
===================

소프트맥스(softmax) 분류기는 같은 점수를 **정규화되지 않은 로그 확률**\\ 로 읽습니다. 점수를 확률로
바꾼 다음, 정답 클래스 확률의 :math:`-\\log` 를 손실로 냅니다(교차 엔트로피 손실). 이 튜토리얼에서는
강의의 예제를 :func:`linclass.losses.softmax` 로 계산하고 다중 클래스 SVM과 비교합니다.
"""

# %%
# 점수에서 확률로
# ---------------
# .. math::
#
#    P(Y = k \mid x) = \frac{e^{s_k}}{\sum_j e^{s_j}}, \\
#    L_i = -\log P(Y = y_i \mid x_i) = -s_{y_i} + \log \sum_j e^{s_j}.
#
# 강의의 고양이 이미지 점수는 고양이 3.2, 자동차 5.1, 개구리 -1.7입니다:
import matplotlib.pyplot as plt
import numpy as np

import linclass as lc

cat_scores = np.array([[3.2, 5.1, -1.7]])
p = lc.losses.softmax_probabilities(cat_scores)[0]
loss, _ = lc.losses.softmax(cat_scores, [0])
print("exp(s):", np.round(np.exp(cat_scores[0]), 2))
print("확률:  ", np.round(p, 2))
print(f"L = -log(P(고양이)) = {loss:.2f}")
assert np.allclose(np.round(p, 2), [0.13, 0.87, 0.0])
assert abs(loss - 2.04) < 0.005

# %%
# 같은 점수, 두 가지 손실
# -----------------------
# 강의 노트의 예: 점수 :math:`(-2.85, 0.86, 0.28)`, 정답은 세 번째 클래스.
scores = np.array([[-2.85, 0.86, 0.28]])
y = [2]
svm_loss, _ = lc.losses.svm(scores, y)
softmax_loss, _ = lc.losses.softmax(scores, y)
print(f"SVM:     max(0, -2.85 - 0.28 + 1) + max(0, 0.86 - 0.28 + 1) = {svm_loss:.2f}")
print(f"소프트맥스: -log(P(클래스 3)) = {softmax_loss:.2f}")
assert abs(svm_loss - 1.58) < 1e-9
assert abs(softmax_loss - 1.04) < 0.005

# %%
# 질문: 처음 소프트맥스 손실은 얼마일까?
# --------------------------------------
# :math:`W \approx 0` 이면 모든 점수가 같으므로 각 클래스의 확률은 :math:`1/C` 이고, 손실은
# :math:`-\log(1/C) = \ln C` 입니다. CIFAR-10의 클래스 10개라면 2.303입니다(SVM은 :math:`C - 1` 에서
# 시작합니다). 학습의 첫 손실이 이 값과 크게 다르면 무언가 잘못된 것입니다.
rng = np.random.default_rng(0)
X = rng.uniform(0, 255, size=(500, 3072))
labels = rng.integers(0, 10, size=500)
loss0, _ = lc.losses.softmax(X @ (1e-7 * rng.standard_normal((3072, 10))), labels)
print(f"W ~ 0에서의 소프트맥스 손실: {loss0:.4f}, ln(10) = {np.log(10):.4f}")
assert abs(loss0 - np.log(10)) < 1e-3

# %%
# 소프트맥스는 결코 만족하지 않는다
# ---------------------------------
# 강의 노트의 점수 벡터 세 개(정답은 첫 번째 클래스): 정답 클래스가 마진 이상으로 이기므로 SVM
# 손실은
# 셋 다 0이지만, 소프트맥스 손실은 계속 더 많은 것을 요구합니다.
cases = np.array([[10.0, -2.0, 3.0], [10.0, -100.0, -100.0], [10.0, 9.0, 9.0]])
for s in cases:
    sv = lc.losses.svm(s[None], [0])[0]
    sm = lc.losses.softmax(s[None], [0])[0]
    print(f"점수 {s}:  SVM {sv:.2f}   소프트맥스 {sm:.5f}")
svm_losses = [lc.losses.svm(s[None], [0])[0] for s in cases]
softmax_losses = [lc.losses.softmax(s[None], [0])[0] for s in cases]
assert svm_losses == [0.0, 0.0, 0.0]
assert softmax_losses[0] > 0 and softmax_losses[2] > 0
assert softmax_losses[1] <= softmax_losses[0] < softmax_losses[2]

# %%
# 두 번째 소프트맥스 손실이 0으로 찍히는 것은 1 근처에서 float64의 해상도보다 작기 때문일 뿐입니다.
# 정확한 값은 :math:`\log(1 + 2e^{-110}) \approx 3.4 \cdot 10^{-48}` 입니다.
exact = np.log1p(2 * np.exp(-110.0))
print(f"log(1 + 2 exp(-110)) = {exact:.2e}")
assert abs(exact / 3.4e-48 - 1) < 0.02

# %%
# 정답 점수를 올리면 소프트맥스 손실은 끝없이 줄어들어 0에 가까워지지만 결코 0이 되지는 않습니다.
# SVM은 마진이 만족되는 순간 더 신경 쓰지 않습니다.
gap = np.linspace(-4, 4, 161)          # 정답 점수 - 다른 점수, 클래스 두 개
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
# 수치 안정성
# -----------
# :math:`e^{s}` 는 float64에서 점수가 약 709를 넘으면(float32에서는 88) 넘칩니다(overflow). 모든
# 점수에서 가장 큰 점수를 빼도 수학적으로는 아무것도 바뀌지 않으면서 넘침을 막을 수 있습니다.
# :func:`linclass.losses.softmax` 가 그렇게 합니다:
big = np.array([[1000.0, 999.0, 990.0]])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(big) / np.exp(big).sum()
print("단순 구현:", naive[0], " 안정된 구현:", np.round(lc.losses.softmax_probabilities(big)[0], 4))
assert np.isnan(naive).all()
assert int(np.log(np.finfo(np.float64).max)) == 709 and int(np.log(np.finfo(np.float32).max)) == 88
assert np.isfinite(lc.losses.softmax(big, [0])[0])

# %%
# 선형 분류기에서 두 손실은 모두 :math:`W` 에 대해 볼록(convex)하고, 대개 비슷한 정확도를 냅니다.
# 다음은 좋은 :math:`W` 를 애초에 어떻게 찾는가, 즉 **최적화**\ 입니다.
