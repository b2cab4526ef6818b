"""The converged hinges: L-BFGS on the smoothed svm, crammer_singer and one_vs_all losses
against scikit-learn's LinearSVC (liblinear's dual coordinate descent) at the same lambda.

Usage (from the repository root; a few minutes on 2 cores)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_hinge

Data (float64, stratified 75 / 25 train / test, seed 0):

- ``digits``: scikit-learn's 8x8 digits, standardized (1,347 x 64, 10 classes);
- ``blobs``: a probe-shaped synthetic problem, 8,000 x 64, 10 classes, Gaussian classes
  around random means (unit spread), rows L2-normalized.

For each loss, at lambda = 1e-3 (digits) and 1e-4 (blobs): linclass ``solver="lbfgs"``
(default ``tol`` and ``smoothing``) against ``LinearSVC(loss="hinge", C = 1 / (2 lambda N))``
(``multi_class="crammer_singer"`` for crammer_singer, one-vs-rest for one_vs_all; the
Weston-Watkins svm has no scikit-learn solver: LinearSVC's Crammer-Singer solution is shown
on its objective as a reference point). Both solutions are scored on linclass's hinge
objective (the mean hinge loss plus lambda |W|^2, the bias not penalized); LinearSVC
penalizes its intercept too (``intercept_scaling`` 10 keeps that penalty small), so its
solution is not exactly the minimizer of this objective. Single runs, one after another.
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from benchmarks._common import RESULTS_DIR, footer, write_results
from linclass.config import TrainConfig
from linclass.losses import SMOOTHING_GAP
from linclass.objective import loss_parts
from linclass.training import train

RESULTS = RESULTS_DIR / "hinge.md"
LOSSES = ("svm", "crammer_singer", "one_vs_all")


def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), y_train, scaler.transform(X_test), y_test, 1e-3


def blobs(n=8_000, d=64, c=10, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((c, d)) * 0.25
    y = rng.integers(0, c, n)
    X = means[y] + rng.standard_normal((n, d)) * 1.0
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    return X_train, y_train, X_test, y_test, 1e-4


def hinge_objective(W, b, X, y, loss, lam):
    parts = loss_parts(W, b, X, y, loss=loss, reg="l2", reg_strength=lam)
    return parts.data_loss + parts.penalty


def measure(name, data):
    X, y, X_test, y_test, lam = data
    c = int(y.max()) + 1
    rows = []
    for loss in LOSSES:
        start = time.perf_counter()
        result = train(X, y, TrainConfig(loss=loss, solver="lbfgs", reg_strength=lam),
                       n_classes=c)
        seconds = time.perf_counter() - start
        W, b = result.W.astype(np.float64), result.b.astype(np.float64)
        ours = hinge_objective(W, b, X, y, loss, lam)
        gap = SMOOTHING_GAP[loss](c) * result.history["smoothing"]
        acc = float(np.mean(np.argmax(X_test @ W + b, axis=1) == y_test))
        rows.append((name, loss, "linclass L-BFGS (smoothed)", seconds, ours, acc,
                     f"{result.history['iterations']} it, converged={result.converged}, "
                     f"stated gap <= {gap:.2g}"))
        svc = LinearSVC(loss="hinge", C=1 / (2 * lam * len(y)), intercept_scaling=10,
                        multi_class="ovr" if loss == "one_vs_all" else "crammer_singer",
                        max_iter=5_000, tol=1e-4, dual=True)
        start = time.perf_counter()
        svc.fit(X, y)
        svc_seconds = time.perf_counter() - start
        Ws, bs = svc.coef_.T.astype(np.float64), svc.intercept_.astype(np.float64)
        theirs = hinge_objective(Ws, bs, X, y, loss, lam)
        svc_acc = float(svc.score(X_test, y_test))
        label = "LinearSVC(" + ("ovr" if loss == "one_vs_all" else "crammer_singer") + ")"
        note = f"{int(np.max(svc.n_iter_))} it; objective {theirs - ours:+.2e} vs linclass"
        if loss == "svm":
            note += " (a different loss: reference only)"
        rows.append((name, loss, label, svc_seconds, theirs, svc_acc, note))
        print(*rows[-2], sep=" | ", flush=True)
        print(*rows[-1], sep=" | ", flush=True)
    return rows


def main():
    import os

    load = os.getloadavg()
    rows = []
    for name, make in (("digits", digits), ("blobs", blobs)):
        rows += measure(name, make())
    lines = ["# Converged hinges: L-BFGS on the smoothed losses vs LinearSVC "
             "(`benchmarks/bench_hinge.py`)", "",
             "Objective: linclass's (mean hinge + lambda |W|^2, bias not penalized), at the "
             "same lambda for both (LinearSVC C = 1 / (2 lambda N), intercept_scaling 10, "
             "tol 1e-4, max_iter 5,000); lambda 1e-3 on digits, 1e-4 on blobs (8,000 x 64, 10 "
             "classes). Single runs.", "",
             "| data | loss | method | seconds | hinge objective | test accuracy | notes |",
             "|---|---|---|---:|---:|---:|---|"]
    for name, loss, method, seconds, obj, acc, note in rows:
        lines.append(f"| {name} | {loss} | {method} | {seconds:.2f} | {obj:.6f} | {acc:.4f} "
                     f"| {note} |")
    lines += ["", *footer(load), ""]
    write_results(RESULTS, "\n".join(lines))


if __name__ == "__main__":
    main()
