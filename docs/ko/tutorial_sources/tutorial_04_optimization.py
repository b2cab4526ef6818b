"""
4. 최적화
=========

손실은 :math:`W` 가 얼마나 나쁜지 알려 주고, **최적화**\\ (optimization)는 좋은 :math:`W` 를
찾습니다.
이 튜토리얼은 실제 CIFAR-10 이미지로 강의의 흐름을 따라갑니다: 무작위 탐색, 무작위 국소 탐색,
기울기 따라가기(수치 기울기와 해석적 기울기, 그리고 둘을 비교하는 기울기 검사), 미니배치 경사
하강법,
학습률의 영향, 그리고 해 주변에서 손실이 어떻게 생겼는지.

데이터: CIFAR-10 학습 압축 파일에서 클래스 비율을 유지해 뽑은 부분집합으로, 학습용 5,000장과 검증용
1,000장입니다(``lc.data.dev_subset``, seed 0). 픽셀에서 학습 데이터의 평균 이미지를 빼고, 편향은
값이
1인 입력을 하나 더해 :math:`W` 안에 넣었습니다("편향 트릭"). 강의 노트의 숫자(15.5 %와 21.4 %)는
50,000장 전체로 학습한 뒤의 테스트 정확도이며, ``benchmarks/results/random_search.md`` 가
49,000장으로
이를 재현합니다.
"""

# %%
# CIFAR-10 부분집합 불러오기
# --------------------------
# ``LINCLASS_CIFAR10`` 에 ``cifar10-train-jpeg.tar.gz`` 의 경로를 지정하세요(``make docs`` 는
# ``../shared/data`` 를 가리킵니다). 디코딩한 이미지는 캐시되므로 두 번째부터는 빨리 불러옵니다.
import os
import time

import matplotlib.pyplot as plt
import numpy as np

import linclass as lc

data = lc.data.load(os.environ.get("LINCLASS_CIFAR10", "cifar10-train-jpeg.tar.gz"))
subset = lc.data.dev_subset(data.labels, 6000, seed=0)
train, val = lc.data.train_val_split(data.labels[subset], 1000, seed=0)
X = data.images[subset].reshape(len(subset), -1).astype(np.float32)
y = data.labels[subset]
mean_image = X[train].mean(axis=0)
X -= mean_image
X = np.hstack([X, np.ones((len(X), 1), np.float32)])     # 편향 트릭: W는 (3073, 10)
X_train, y_train, X_val, y_val = X[train], y[train], X[val], y[val]
print("학습", X_train.shape, "검증", X_val.shape)
assert X_train.shape == (5000, 3073) and X_val.shape == (1000, 3073)


def accuracy(W, X, y):
    """가장 높은 점수가 정답 클래스인 행의 비율."""
    return float(np.mean(np.argmax(X @ W, axis=1) == y))


# %%
# 전략 1: 무작위 탐색
# -------------------
# 무작위 가중치를 시도해 보고 가장 좋은 것을 남깁니다. 매번 학습 이미지 5,000장에서 SVM 손실을
# 계산합니다(:func:`linclass.optim.random_search`, 1,000번 시도,
# :math:`W \sim 10^{-4}\,\mathcal N(0, 1)`, seed 0. 다른 seed도 몇 %p 안에 듭니다).
def search_loss(W):
    return lc.losses.svm(X_train @ W, y_train)[0]


best = lc.optim.random_search(search_loss, (3073, 10), 1000, rng=0)
acc_random = accuracy(best.W, X_val, y_val)
print(f"무작위 탐색: 최저 손실 {best.loss:.3f}, 검증 정확도 {acc_random:.3f}")
assert abs(acc_random - 0.169) < 0.01

# %%
# 이 부분집합에서 약 17 %로, 찍기(10 %)보다 낫습니다(강의 노트: 15.5 %).
#
# 전략 2: 무작위 국소 탐색
# ------------------------
# 한 지점에서 시작해 크기 :math:`\delta = 10^{-4}` 의 무작위 걸음을 시도하고, 손실이 줄어들 때만
# 받아들입니다(:func:`linclass.optim.random_local_search`, :math:`W_0 = 10^{-3}\,\mathcal N(0, 1)`
# 에서
# 1,000걸음).
W0 = 0.001 * np.random.default_rng(0).standard_normal((3073, 10)).astype(np.float32)
local = lc.optim.random_local_search(search_loss, W0, 1000, rng=0, step_size=1e-4)
acc_local = accuracy(local.W, X_val, y_val)
print(f"무작위 국소 탐색: 손실 {search_loss(W0):.3f} -> {local.loss:.3f}, "
      f"검증 정확도 {acc_local:.3f}")
assert abs(acc_local - 0.217) < 0.01
assert acc_local > acc_random

# %%
# 이 부분집합에서 약 22 %로 강의 노트(21.4 %)와 같습니다. 눈을 가린 채 한 발로 경사를 더듬기만 해도
# 벌써 더 나아집니다.
#
# 전략 3: 기울기 따라가기
# -----------------------
# 기울기(gradient)는 가장 가파르게 올라가는 방향입니다. 수치적으로는 좌표마다 중앙 차분을 한 번씩
# 계산합니다:
#
# .. math::
#
#    \frac{\partial L}{\partial W_{kl}} \approx \frac{L(W + h E_{kl}) - L(W - h E_{kl})}{2h}
#
# 가중치 30,730개 각각에 손실 계산이 두 번씩 필요하니 느리고, 근사일 뿐입니다. 미분을 하면 정확한
# **해석적** 기울기를 한 번에 얻을 수 있고, :func:`linclass.linear_loss` 가 이를 돌려줍니다.
# **기울기
# 검사**\ (gradient check)는 무작위로 고른 좌표에서 둘을 비교합니다(float64, 이미지 100장, L2
# 정규화).
X_small = X_train[:100].astype(np.float64) / 255.0
y_small = y_train[:100]
W = 0.01 * np.random.default_rng(1).standard_normal((3072, 10))
b = np.zeros(10)


def loss_of(W):
    return lc.linear_loss(W, b, X_small[:, :-1], y_small, loss="svm", reg="l2",
                          reg_strength=0.1)[0]


start = time.perf_counter()
loss, dW, db = lc.linear_loss(W, b, X_small[:, :-1], y_small, loss="svm", reg="l2",
                              reg_strength=0.1)
analytic_seconds = time.perf_counter() - start
start = time.perf_counter()
some = np.arange(0, W.size, 3072)          # 평탄화한 위치 30,720개 중 10개
numerical = lc.gradcheck.numerical_gradient(loss_of, W, indices=some)
numerical_seconds = time.perf_counter() - start
print(f"해석적: 30,720개 전부 {analytic_seconds * 1e3:.1f} ms; "
      f"수치적: {len(some)}개 {numerical_seconds * 1e3:.1f} ms")
print("수치적:", numerical.ravel()[some].round(6))
print("해석적:", dW.ravel()[some].round(6))
result = lc.gradcheck.check(loss_of, W, dW, k=20, rng=0)
print(result)
assert result.max_relative_error < 1e-7

# %%
# 상대 오차가 :math:`10^{-8}` 정도 이하이면 해석적 기울기가 맞다는 뜻입니다(힌지의 꺾이는 점 때문에
# 가끔
# 한 좌표가 어긋날 수 있습니다: 차분 구간이 꺾이는 점을 걸치는 경우). ``linclass gradcheck`` 는 모든
# 손실 함수와 정규화에 대해 이 검사를 실행합니다.
#
# 미니배치 경사 하강법
# --------------------
# 데이터가 크면 전체 데이터의 기울기는 비쌉니다. 32, 64, 128, 256개(하드웨어에 맞춘 2의 거듭제곱)
# 예제로 이루어진 **미니배치**\ 로도 기울기를 잘 추정할 수 있고, 값싸고 잡음 섞인 걸음을 많이 걷는
# 편이
# 정확한 걸음을 조금 걷는 것보다 낫습니다. :func:`linclass.optim.minibatches` 를 쓴 기본 반복문:
Xs_train = X_train[:, :-1] / 255.0       # 스케일한 픽셀; 여기서는 편향 b를 따로 둡니다
Xs_val = X_val[:, :-1] / 255.0


def sgd(lr, epochs=10, batch_size=256, reg_strength=1e-3, seed=0):
    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((3072, 10)).astype(np.float32)
    b = np.zeros(10, np.float32)
    losses = []
    for _ in range(epochs):
        for batch in lc.optim.minibatches(len(Xs_train), batch_size, rng):
            loss, dW, db = lc.linear_loss(W, b, Xs_train[batch], y_train[batch],
                                          loss="svm", reg="l2", reg_strength=reg_strength)
            losses.append(loss)
            W -= lr * dW
            b -= lr * db
    return W, b, np.array(losses)


W_sgd, b_sgd, losses_sgd = sgd(lr=1e-2)
acc_sgd = float(np.mean(np.argmax(Xs_val @ W_sgd + b_sgd, axis=1) == y_val))
print(f"미니배치 SGD, 10 에폭: 손실 {losses_sgd[0]:.2f} -> {losses_sgd[-1]:.2f}, "
      f"검증 정확도 {acc_sgd:.3f}")
assert abs(losses_sgd[0] - 9.0) < 0.1           # 튜토리얼 1의 예측대로 처음에는 C - 1
assert abs(acc_sgd - 0.364) < 0.015

# %%
# 이미지 5,000장을 열 번 훑으면 약 36 %에 이릅니다. 기울기가 압도적으로 이깁니다.
#
# 학습률의 영향
# -------------
# 걸음의 크기, 즉 학습률(learning rate)이 가장 중요한 설정입니다. 너무 작으면 손실이 기어가듯 줄고,
# 너무 크면 손실이 튀거나 폭발합니다.
runs = {lr: sgd(lr=lr, epochs=5)[2] for lr in (1e-4, 1e-2, 3.0)}
final = {lr: float(np.mean(curve[-10:])) for lr, curve in runs.items()}
for lr, value in final.items():
    print(f"학습률 = {lr:<6g} 마지막 10걸음의 평균 손실: {value:.3f}")
assert final[1e-2] < final[1e-4] and final[1e-2] < final[3.0]

plt.figure(figsize=(6, 3.2))
for lr, curve in runs.items():
    plt.plot(curve, label=f"lr = {lr:g}")
plt.yscale("log")
plt.xlabel("iteration (minibatch of 256)")
plt.ylabel("loss")
plt.legend()
plt.tight_layout()

# %%
# 손실 지형
# ---------
# 학습된 :math:`W` 주변에서 손실은 어떻게 생겼을까요? 무작위 방향 :math:`D` 를 따라가면, 예제 하나의
# :math:`L(W + aD)` 는 조각별 선형입니다(힌지 하나하나가 :math:`a` 에 대해 선형이고, 마진이 0을
# 지나는
# 곳에서 꺾입니다). 많은 예제에 대해 평균을 내면 매끈해 보이는 그릇 모양이 됩니다.
# (:mod:`linclass.report` 가 이 단면을 만들고, ``linclass report`` 가 모델에 대해 그려 줍니다.)
from linclass import report  # noqa: E402

steps, one = report.loss_along_line(W_sgd, b_sgd, Xs_train[:1], y_train[:1], extent=2.0)
_, batch = report.loss_along_line(W_sgd, b_sgd, Xs_train[:500], y_train[:500], extent=2.0)
second_difference = np.abs(np.diff(one, 2))
print(f"예제 하나: 점 {len(steps)}개 중 꺾이는 곳 {np.sum(second_difference > 1e-6)}개")
assert np.sum(second_difference > 1e-6) < len(steps) // 4   # 대부분 직선 조각
assert batch[len(steps) // 2] <= batch.min() + 0.05           # 학습된 W는 바닥 근처에 있다
fig = report.plot_landscape_1d(steps, {"one example": one, "500 examples": batch})

# %%
# 다음: 선형 분류기에 더 좋은 입력을 주는 **이미지 특징**\ (feature).
