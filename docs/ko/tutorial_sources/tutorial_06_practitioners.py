"""
6. 실무자를 위한 튜토리얼
=========================

전체 작업을 몇 번의 호출로: 특징 행렬 위의 **선형 프로브**\\ (linear probe, 사전 학습된 신경망의
특징을
평가하는 일반적인 방법), 자동으로 고르는 λ, 하이퍼파라미터 **탐색**, **리포트**, **모델 파일**,
그리고
**scikit-learn 파이프라인** 안의 추정기. 명령줄도 같은 일을 합니다(``linclass train``, ``search``,
``evaluate``, ``report``; 영어로 된 `명령어 설명 <../../commands.html>`_ 참고).
"""

# %%
# 특징 행렬 위의 선형 프로브
# --------------------------
# 특징 소스는 ``X.npy`` (N × D 실수, 메모리 매핑되며 통째로 복사되지 않음)와 ``y.npy`` (N개의 정수
# 레이블)가 든 디렉터리, 또는 ``.npz`` 파일 하나입니다. 여기서 특징 벡터는 튜토리얼 4, 5의 CIFAR-10
# 부분집합 6,000장의 HOG와 색조 히스토그램입니다(실무에서는 신경망의 임베딩). 1,000행은 어떤
# 선택에도
# 쓰이지 않는 별도의 테스트 디렉터리로 보냅니다.
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
print("특징", F.shape, "프로브 행", len(rest), "테스트 행", len(test))

# %%
# :func:`linclass.fit` 은 ``linclass train`` 과 같은 일을 합니다. 검증 데이터를 떼어 두고, 학습
# 부분으로 특징을 표준화한 뒤 학습합니다. ``solver="lbfgs"`` 는 소프트맥스 손실을 수렴할 때까지
# 최소화하고(학습률도 에폭도 없음), ``reg_strength="auto"`` 는 정규화 경로를 따라 검증 데이터로
# :math:`\lambda` 를 고른 다음 학습+검증 행으로 다시 학습합니다. :func:`linclass.evaluate` 는 떼어
# 둔
# 테스트 행에서 모델을 평가합니다.
result = lc.fit(str(work / "probe"), loss="softmax", solver="lbfgs", reg_strength="auto", seed=0)
chosen = result.history["reg_strength"]
print(f"solver {result.history['solver']}, 고른 lambda {chosen:.3g} "
      f"(경로 위의 검증 정확도 {result.history['reg_val_accuracy']:.3f})")
evaluation = lc.evaluate(result.model, str(work / "test"))
print(f"테스트 정확도 {evaluation.accuracy:.3f} ({evaluation.n}행)")
assert result.history["solver"] == "lbfgs"
assert abs(np.log10(chosen) - (-2)) < 0.5
assert abs(evaluation.accuracy - 0.506) < 0.015

# %%
# 명령줄에서는:
#
# .. code-block:: bash
#
#    linclass train --data probe/ --loss softmax --solver lbfgs --reg-strength auto --out probe.npz
#    linclass evaluate --model probe.npz --data test/
#
# 탐색
# ----
# :func:`linclass.search.search` 는 같은 분할 위에서 시도(trial)마다 모델을 하나씩 학습합니다(로그
# 균등 분포 또는 격자). 각 시도는 그 설정으로 ``fit`` 을 부른 것과 똑같습니다. 내장된 숫자
# 데이터에서
# 미니배치 SVM의 학습률과 :math:`\lambda` 로 2 × 2 격자를 만들면:
digits = lc.data.load("digits")
found = search(digits, ranges={"lr": (1e-4, 1e-2), "reg_strength": (1e-4, 1.0)}, n_trials=4,
               grid=True, seed=0)
for row in found.rows:
    print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()
           if k in ("lr", "reg_strength", "val_accuracy")})
best = found.best
print(f"최적: 학습률 {best['lr']:g}, reg_strength {best['reg_strength']:g}, "
      f"검증 정확도 {best['val_accuracy']:.3f}")
assert best["val_accuracy"] == max(r["val_accuracy"] for r in found.rows)
assert abs(best["val_accuracy"] - 0.956) < 0.015

# %%
# 리포트
# ------
# :func:`linclass.report.write_report` (``linclass report``)는 데이터셋 위에서 모델의 그림들과
# ``index.html`` 하나를 씁니다: 템플릿, 학습 곡선, 혼동 행렬, 틀린 예, 손실 지형.
# ``linclass report --lang ko`` 는 한국어 리포트를 씁니다.
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
# 모델 파일
# ---------
# ``.npz`` 파일 하나에 가중치, 클래스 이름, 그리고 원시 이미지에서 예측까지 필요한 모든 것(특징
# 파이프라인, 표준화)이 JSON 메타데이터와 함께 들어 있습니다. pickle 없이 읽힙니다.
lc.save(model, work / "digits.npz")
again = lc.load(work / "digits.npz")
assert np.array_equal(again.predict(digits.images), model.predict(digits.images))
with np.load(work / "digits.npz", allow_pickle=False) as arrays:
    print(sorted(arrays.files))
    assert "metadata" in arrays.files

# %%
# scikit-learn 파이프라인 안에서
# ------------------------------
# :class:`linclass.LinearClassifier` 는 scikit-learn 추정기이므로 스케일러, 교차 검증, 격자 탐색과
# 함께 쓸 수 있습니다:
X = digits.images.reshape(len(digits.images), -1).astype(np.float64)
pipe = make_pipeline(StandardScaler(),
                     lc.LinearClassifier(loss="softmax", solver="lbfgs", reg_strength=1e-3))
scores = cross_val_score(pipe, X, digits.labels, cv=5)
print(f"5겹 교차 검증 정확도 {scores.mean():.3f}")
grid = GridSearchCV(pipe, {"linearclassifier__reg_strength": [1e-4, 1e-2, 1.0]}, cv=3)
grid.fit(X, digits.labels)
print(grid.best_params_, f"{grid.best_score_:.3f}")
assert abs(scores.mean() - 0.922) < 0.015
assert grid.best_params_ == {"linearclassifier__reg_strength": 1e-2}

# %%
# 다음으로: 모든 함수와 설정은 영어로 된 `API 레퍼런스 <../../api/index.html>`_ 에, 전체 데이터로
# 잰 속도와 정확도는 ``benchmarks/results`` 에 있습니다.
