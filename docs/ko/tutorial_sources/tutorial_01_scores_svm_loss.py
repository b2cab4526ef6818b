"""
1. 점수와 다중 클래스 SVM 손실
==============================

선형 분류기는 모든 클래스에 **점수**\\ (score) :math:`s = xW + b` 를 매기고, **손실 함수**\\ (loss
function)는 그 점수가 얼마나 마음에 들지 않는지를 하나의 숫자로 나타냅니다. 이 튜토리얼에서는 강의의
고양이/자동차/개구리 예제를 :mod:`linclass.losses` 로 계산하고, 강의의 반복문 구현인
:mod:`linclass.losses.reference` 와 결과가 같은지 확인한 다음, 강의에서 던지는 두 가지 질문을
살펴봅니다:
:math:`W \\approx 0` 일 때의 손실은 얼마인가, 그리고 손실이 0인 :math:`W` 는 왜 유일하지 않은가.
"""

# %%
# 점수 함수
# ---------
# linclass는 클래스마다 가중치(weight) 한 열을 둡니다. ``W`` 의 모양은 (D, C)이고, 이미지는 D개의
# 숫자로 된 행 벡터 ``x`` 이며, 점수는 클래스마다 하나씩 ``x @ W + b`` 입니다(``b`` 는 편향, bias).
# 강의 예제는 픽셀 값이 56, 231, 24, 2인 2×2 이미지를 벡터로 펴서 세 클래스의 점수를 매깁니다
# (강의는 클래스마다 *행* 하나를 두어 :math:`Wx` 로 쓰므로, 우리 ``W`` 는 그 전치입니다).
import matplotlib.pyplot as plt
import numpy as np

import linclass as lc

x = np.array([56.0, 231.0, 24.0, 2.0])
W = np.array([[0.2, -0.5, 0.1, 2.0],       # 고양이
              [1.5, 1.3, 2.1, 0.0],        # 개
              [0.0, 0.25, 0.2, -0.3]]).T   # 배; .T 로 (D, C) = (4, 3)
b = np.array([1.1, 3.2, -1.2])
s = x @ W + b
print("점수 (고양이, 개, 배):", s)
assert np.allclose(s, [-96.8, 437.9, 60.75])

# %%
# (강의 슬라이드에는 배의 점수가 61.95로 적혀 있지만, 실제로 계산하면
# :math:`0.25 \cdot 231 + 0.2 \cdot 24 - 0.3 \cdot 2 - 1.2 = 60.75` 입니다.)

# %%
# 고양이/자동차/개구리 점수
# -------------------------
# 학습 이미지 세 장과 클래스 세 개. ``i`` 번째 행은 ``i`` 번째 이미지의 점수이고, ``y[i]`` 는 그
# 이미지의
# 정답 클래스입니다(0 = 고양이, 1 = 자동차, 2 = 개구리).
classes = ["cat", "car", "frog"]
scores = np.array([[3.2, 5.1, -1.7],    # 고양이 이미지
                   [1.3, 4.9, 2.0],     # 자동차 이미지
                   [2.2, 2.5, -3.1]])   # 개구리 이미지
y = np.array([0, 1, 2])

# %%
# 다중 클래스 SVM 손실
# --------------------
# 예제 :math:`i` 의 다중 클래스 SVM(Weston–Watkins) 손실은, 틀린 클래스들의 점수가 정답 클래스의
# 점수에 마진 :math:`\Delta = 1` 이내로 얼마나 다가왔는지를 모두 더한 값입니다:
#
# .. math::
#
#    L_i = \sum_{j \ne y_i} \max(0,\; s_j - s_{y_i} + 1),
#    \qquad L = \frac{1}{N} \sum_i L_i .
#
# :func:`linclass.losses.svm` 은 평균 손실과 점수에 대한 기울기(gradient)를 돌려줍니다. 한 행씩
# 넣으면
# 각 :math:`L_i` 를 얻습니다.
per_example = [lc.losses.svm(scores[i:i + 1], y[i:i + 1])[0] for i in range(3)]
for name, li in zip(classes, per_example, strict=True):
    print(f"L_{name} = {li:.2f}")
loss, dscores = lc.losses.svm(scores, y)
print(f"평균 손실 L = {loss:.4f}")
assert np.allclose(per_example, [2.9, 0.0, 12.9])
assert abs(loss - 5.27) < 0.01

# %%
# 고양이 이미지는 잘못 분류되었습니다(자동차 5.1이 고양이 3.2보다 높음: :math:`5.1 - 3.2 + 1 =
# 2.9`).
# 개구리 점수는 한참 아래이므로(:math:`-1.7 - 3.2 + 1 < 0`) 손실이 없습니다. 자동차 이미지는 자기
# 클래스 점수가 마진 이상으로 가장 높아 손실이 0입니다. 개구리 이미지가 가장 나쁩니다:
# :math:`(2.2 + 3.1 + 1) + (2.5 + 3.1 + 1) = 6.3 + 6.6 = 12.9`.
#
# 강의의 반복문 구현도 정확히 같은 값을 냅니다. :mod:`linclass.losses.reference` 는 벡터화된 코드를
# 검증하는 기준이 되는, 읽기 쉬운 정의입니다.
loss_ref, dscores_ref = lc.losses.reference.svm(scores, y)
assert loss_ref == loss and np.array_equal(dscores_ref, dscores)

# %%
# 점수에 대한 기울기는 손실이 어떤 점수를 움직이고 싶어 하는지 알려 줍니다. 마진 안에 들어온 틀린
# 클래스마다 :math:`+1/N`, 정답 클래스는 그 개수만큼 :math:`-1/N` 을 받습니다.
print(np.round(dscores * 3, 3))   # N = 3을 곱하면: 활성화된 마진의 개수
assert np.array_equal(dscores * 3, [[-1, 1, 0], [0, 0, 0], [1, 1, -2]])

# %%
# 힌지
# ----
# 각 항은 *힌지*\ (hinge)입니다. 정답 클래스가 마진 이상으로 이기면 0이고, 그렇지 않으면 선형입니다.
margin_gap = np.linspace(-3, 3, 121)            # s_j - s_{y_i}
plt.figure(figsize=(5, 3))
plt.plot(margin_gap, np.maximum(0, margin_gap + 1))
plt.axvline(-1, color="grey", linestyle=":")
plt.xlabel(r"$s_j - s_{y_i}$")
plt.ylabel(r"$\max(0, s_j - s_{y_i} + 1)$")
plt.title("One term of the multiclass SVM loss")
plt.tight_layout()

# %%
# 질문: W가 아주 작은 초기에는 손실이 얼마일까?
# ---------------------------------------------
# :math:`W \approx 0` 이면 모든 점수가 거의 0이므로, :math:`C - 1` 개의 틀린 클래스가 각각
# :math:`\max(0, 0 - 0 + 1) = 1` 씩 기여합니다. 즉 손실은 :math:`C - 1` 에서 시작합니다. 학습 첫
# 반복에서 확인하기 좋은 값입니다. 클래스 10개와 무작위 이미지로 확인해 보면:
rng = np.random.default_rng(0)
X = rng.uniform(0, 255, size=(500, 3072))
labels = rng.integers(0, 10, size=500)
W_small = 1e-7 * rng.standard_normal((3072, 10))
loss0, _ = lc.losses.svm(X @ W_small, labels)
print(f"C = 10일 때 W ~ 0에서의 손실: {loss0:.4f}")
assert abs(loss0 - 9) < 1e-3

# %%
# 질문: 손실이 0인 W는 유일할까?
# -------------------------------
# 아닙니다. W를 두 배로 하면 점수 차이도 모두 두 배가 되므로, 이미 만족된 마진(차이가 1 이상)은 두
# 배로
# 만족됩니다. 즉 :math:`2W` 의 손실도 0입니다. 손실이 0인 자동차 이미지의 점수를 키워 보면:
car = scores[1:2]
for k in (1, 2, 10):
    print(f"{k:>2} x 점수: 손실 {lc.losses.svm(k * car, y[1:2])[0]}")
    assert lc.losses.svm(k * car, y[1:2])[0] == 0.0

# %%
# 데이터 손실만으로는 :math:`W` 와 :math:`2W` (또는 :math:`100W`) 중 하나를 고를 수 없습니다. 다음
# 튜토리얼에서 이를 정해 주는 요소, **정규화**\ (regularization)를 추가합니다.
