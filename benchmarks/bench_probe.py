"""The linear-probe workflow: converged fits and lambda selection against scikit-learn.

Usage (from the repository root; the whole run takes tens of minutes on 2 cores)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_probe [--datasets digits ...]

Data sets (float32 features; training / validation / test rows, all stratified, seed 0):

- ``digits``: scikit-learn's 8x8 digits, standardized (60 / 20 / 20 %);
- ``cifar-raw``, ``cifar-hog+hsv``: the 50,000 CIFAR-10 training images of ``../shared/data``,
  40,000 / 10,000 (the 10,000 are the test rows), the 40,000 split 36,000 / 4,000 for the
  choice of lambda; features of ``FeaturePipeline.from_spec(spec)`` fitted on the 36,000;
- ``probe``: a probe-shaped synthetic problem, 100,000 x 768 training rows (10,000
  validation, 10,000 test), 100 classes, Gaussian classes around random means, rows
  L2-normalized (as CLIP_benchmark normalizes embeddings).

For each, the same run measures:

(a) one converged softmax fit at a fixed lambda (the one ``"auto"`` chose): linclass
    ``solver="lbfgs"`` (default ``tol``) against ``LogisticRegression(C = 1 / (2 lambda N))``
    (lbfgs, default ``tol``, ``max_iter=1000``), with both objectives in linclass's scale, and
    again with scikit-learn limited to one BLAS thread (on a busy machine its multithreaded
    BLAS inside L-BFGS-B's small vector work is most of its time);
(b) the whole lambda selection: linclass ``reg_strength="auto"`` (``refit=False``: the
    selection alone, as the loop below) against ``LogisticRegression`` over the same 25 values
    in a warm-started loop (``warm_start=True``, strongest penalty first; stopped after
    ``--loop-budget`` seconds, its time then a lower bound); the best single lambda: the
    highest test accuracy among the converged solutions linclass's path visits (the path
    stops early two decades past the best validation lambda); ``LogisticRegressionCV`` (the same
    Cs, 3 folds; small data sets only), ``RidgeClassifierCV`` (alphas ``2 lambda N``, its
    efficient leave-one-out) against linclass's exact least-squares path, and ``LinearSVC()``
    (defaults) as a reference accuracy.

Timings are single runs (the machine is shared: the load is recorded); every contender runs
in the same process, one after another.
"""

import argparse
import dataclasses
import os
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks._common import RESULTS_DIR, footer, write_results
from linclass.config import TrainConfig
from linclass.data import train_val_split
from linclass.losses import softmax_probabilities
from linclass.objective import loss_parts
from linclass.solvers import SOLVERS, Problem
from linclass.solvers._regpath import reg_grid, select
from linclass.training import accuracy, train

RESULTS = RESULTS_DIR / "probe.md"
ARCHIVE = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10-train-jpeg.tar.gz"
#: LogisticRegressionCV runs only below this many entries of X (25 Cs x 3 folds).
CV_LIMIT = 5_000_000


def three_way(y, seed=0):
    """Stratified train / validation / test indices: 60 / 20 / 20 %."""
    rest, test = train_val_split(y, 0.2, seed=seed)
    train_idx, val_idx = train_val_split(y[rest], 0.25, seed=seed)
    return rest[train_idx], rest[val_idx], test


def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    tr, va, te = three_way(y)
    mean, std = X[tr].mean(0), X[tr].std(0) + 1e-12
    X = ((X - mean) / std).astype(np.float32)
    return X[tr], y[tr], X[va], y[va], X[te], y[te]


def cifar(spec):
    import linclass as lc
    from linclass.features import FeaturePipeline

    ds = lc.data.load(str(ARCHIVE))
    rest, test = train_val_split(ds.labels, 10_000, seed=0)
    tr, va = train_val_split(ds.labels[rest], 4_000, seed=0)
    tr, va = rest[tr], rest[va]
    pipe = FeaturePipeline.from_spec(spec)
    X_tr = pipe.fit_transform(ds.images[tr]).astype(np.float32)
    return (X_tr, ds.labels[tr], pipe.transform(ds.images[va]).astype(np.float32),
            ds.labels[va], pipe.transform(ds.images[test]).astype(np.float32),
            ds.labels[test])


def probe(n=100_000, d=768, c=100, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((c, d), dtype=np.float32)
    out = []
    for rows in (n, 10_000, 10_000):
        y = rng.integers(0, c, rows)
        X = rng.standard_normal((rows, d), dtype=np.float32) * np.float32(8.0)
        X += means[y]
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        out += [X, y]
    return tuple(out)


DATASETS = {"digits": digits, "cifar-raw": lambda: cifar("raw"),
            "cifar-hog+hsv": lambda: cifar("hog+hsv"), "probe": probe}


def objective(W, b, X, y, lam):
    parts = loss_parts(np.asarray(W, np.float64), np.asarray(b, np.float64), X, y,
                       loss="softmax", reg="l2", reg_strength=lam)
    return parts.data_loss + parts.penalty


def log_loss(X, y, W, b):
    p = softmax_probabilities((X @ W + b).astype(np.float64))
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-15, None))))


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def sk_head(est):
    return est.coef_.T.astype(np.float64), est.intercept_.astype(np.float64)


def measure(name, data, *, loop=True, cv=True, svc=True, ridge=True, loop_budget=600.0):
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, RidgeClassifierCV
    from sklearn.svm import LinearSVC

    X, y, X_val, y_val, X_te, y_te = data
    n, c = len(y), int(y.max()) + 1
    grid = reg_grid(X)
    rows = []

    def row(method, seconds, W=None, b=None, lam=None, note="", probabilities=True):
        entry = {"data": name, "method": method, "seconds": seconds, "lam": lam, "note": note}
        if W is not None:
            entry["test_acc"] = accuracy(X_te, y_te, W.astype(np.float32),
                                         b.astype(np.float32))
            if probabilities:
                entry["log_loss"] = log_loss(X_te, y_te, W, b)
        rows.append(entry)
        print(entry, flush=True)
        return entry

    # (b) linclass lambda selection (the selection alone, as train(reg_strength="auto",
    # refit=False) runs it), with the test accuracy of every lambda it solves on the side
    tests = []

    def path_with_test(problem, config, lambdas, visit):
        def visit_and_test(lam_k, W, b, iterations, converged):
            tests.append(accuracy(X_te, y_te, W.astype(np.float32), b.astype(np.float32)))
            return visit(lam_k, W, b, iterations, converged)
        SOLVERS["lbfgs"].path(problem, config, lambdas, visit_and_test)

    solver = dataclasses.replace(SOLVERS["lbfgs"], path=path_with_test)
    problem = Problem(X, y, c, validation=(X_val, y_val))
    auto, t_auto = timed(lambda: select(problem, TrainConfig(loss="softmax"), solver))
    lam = auto["reg_strength"]
    row("linclass auto λ (L-BFGS path)", t_auto, auto["W"], auto["b"], lam,
        f"{len(auto['reg_path'])} of {len(grid)} λ solved, "
        f"{sum(auto['path_iterations'])} iterations")
    rows[0]["best_single"] = max(tests)

    # (a) one converged fit at the chosen lambda; each iteration's objective and time kept
    trace = []
    start = time.perf_counter()
    ours, t_ours = timed(lambda: train(
        X, y, TrainConfig(loss="softmax", solver="lbfgs", reg_strength=lam), n_classes=c,
        callback=lambda info: trace.append((time.perf_counter() - start, info["loss"]))))
    f_ours = objective(ours.W, ours.b, X, y, lam)
    fit = row("linclass L-BFGS, fixed λ", t_ours, ours.W, ours.b, lam,
              f"{ours.history['iterations']} it, converged={ours.converged}, "
              f"objective {f_ours:.6g}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(C=1 / (2 * lam * n), max_iter=1000)
        _, t_sk = timed(lambda: sk.fit(X, y))
    f_sk = objective(*sk_head(sk), X, y, lam)
    ref = row("LogisticRegression(lbfgs), same λ", t_sk, *sk_head(sk), lam,
              f"{int(np.max(sk.n_iter_))} it, objective {f_sk:.6g} "
              f"({(f_sk - f_ours) / f_ours:+.1e} vs linclass)")
    fit["ratio"] = ref["seconds"] / fit["seconds"]
    # the time linclass took to reach scikit-learn's final objective; the trace holds
    # objectives of float32 products, offset from float64's by `bias` (taken at the end)
    bias = trace[-1][1] - f_ours
    reached = next((k for k, (_, f) in enumerate(trace) if f <= f_sk + bias), None)
    if reached is not None:
        early = row("linclass L-BFGS, fixed λ, until scikit-learn's objective",
                    trace[reached][0], lam=lam,
                    note=f"{reached + 1} it (the same run, timed at the first iterate whose "
                         f"objective is at most LogisticRegression's)")
        early["ratio"] = ref["seconds"] / early["seconds"]

    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        sk1 = LogisticRegression(C=1 / (2 * lam * n), max_iter=1000)
        _, t_sk1 = timed(lambda: sk1.fit(X, y))
    row("LogisticRegression(lbfgs), same λ, 1 BLAS thread", t_sk1, *sk_head(sk1), lam,
        f"{int(np.max(sk1.n_iter_))} it; the same fit without BLAS thread contention")

    if loop:  # the sklearn loop over the same grid, warm-started, strongest penalty first
        def sk_loop():
            est = LogisticRegression(warm_start=True, max_iter=1000)
            path, start = [], time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for value in grid:
                    est.set_params(C=1 / (2 * value * n)).fit(X, y)
                    W, b = sk_head(est)
                    path.append((value, accuracy(X_val, y_val, W, b), W, b))
                    if time.perf_counter() - start > loop_budget:
                        break
            return path

        path, t_loop = timed(sk_loop)
        best = max(range(len(path)), key=lambda k: (path[k][1], -k))
        done = len(path) == len(grid)
        entry = row("LogisticRegression loop, same 25 λ (warm start)", t_loop, path[best][2],
                    path[best][3], path[best][0],
                    "" if done else f"stopped after {len(path)} of {len(grid)} λ (time "
                                    "budget): the time is a lower bound")
        rows[0]["ratio"] = entry["seconds"] / rows[0]["seconds"]
        rows[0]["ratio_bound"] = not done
    if cv and X.size <= CV_LIMIT:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = LogisticRegressionCV(Cs=1 / (2 * grid * n), cv=3, max_iter=1000)
            _, t_cv = timed(lambda: est.fit(np.concatenate([X, X_val]),
                                            np.concatenate([y, y_val])))
        row("LogisticRegressionCV (same Cs, 3 folds)", t_cv, *sk_head(est),
            1 / (2 * float(est.C_[0]) * n))

    exact, t_exact = timed(lambda: train(X, y, TrainConfig(loss="least_squares",
                                                           reg_strength="auto", refit=False),
                                         n_classes=c, validation=(X_val, y_val)))
    row("linclass least squares, auto λ (one eigh)", t_exact, exact.W, exact.b,
        exact.history["reg_strength"], probabilities=False)
    if ridge:
        est = RidgeClassifierCV(alphas=2 * grid * n)
        _, t_ridge = timed(lambda: est.fit(np.concatenate([X, X_val]),
                                           np.concatenate([y, y_val])))
        row("RidgeClassifierCV (same grid, LOO)", t_ridge, est.coef_.T.astype(np.float64),
            np.atleast_1d(est.intercept_).astype(np.float64), float(est.alpha_) / (2 * n),
            probabilities=False)
    if svc:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = LinearSVC()
            _, t_svc = timed(lambda: est.fit(X, y))
        row("LinearSVC() (defaults)", t_svc, *sk_head(est), probabilities=False)
    return rows


def job_defaults():
    """Raw CIFAR-10 as ``linclass train`` splits it (49,000 / 1,000, stratified, seed 0),
    features ``raw`` fitted on the 49,000: candidate defaults per loss, solver seconds
    (the features' extraction and the evaluation excluded) and validation accuracy."""
    import linclass as lc
    from linclass.features import FeaturePipeline

    ds = lc.data.load(str(ARCHIVE))
    tr, va = train_val_split(ds.labels, 1_000, seed=0)
    pipe = FeaturePipeline.from_spec("raw")
    X, y = pipe.fit_transform(ds.images[tr]).astype(np.float32), ds.labels[tr]
    X_val, y_val = pipe.transform(ds.images[va]).astype(np.float32), ds.labels[va]
    candidates = [
        ("svm", {"solver": "minibatch", "lr": 1e-3, "reg_strength": 1e-1, "epochs": 10,
                 "early_stopping": True}),
        ("softmax", {"solver": "minibatch", "lr": 1e-2, "reg_strength": 1e-2, "epochs": 10,
                     "early_stopping": True}),
        ("softmax", {"solver": "lbfgs", "reg_strength": 1e-2}),
        ("softmax", {"solver": "lbfgs", "reg_strength": 1e-2, "max_iter": 30}),
        ("softmax", {"solver": "lbfgs", "reg_strength": 1e-2, "tol": 1e-2}),
        ("squared_hinge", {"solver": "lbfgs", "reg_strength": 1e-1, "max_iter": 30}),
        ("softmax", {"reg_strength": "auto", "tol": 1e-2}),
    ]
    rows = []
    for loss, settings in candidates:
        config = TrainConfig(loss=loss, **settings)
        result, seconds = timed(lambda config=config: train(
            X, y, config, n_classes=10, validation=(X_val, y_val)))
        acc = accuracy(X_val, y_val, result.W, result.b)
        h = result.history
        rows.append(f"| {loss} | `{settings}` | {h['solver']} | {seconds:.1f} | {acc:.3f} | "
                    f"{h.get('iterations', result.epochs)} | {h.get('converged', '')} | "
                    f"{h.get('reg_strength', '')} |")
        print(rows[-1], flush=True)
    return ["## Raw CIFAR-10, candidate job defaults", "",
            "49,000 training / 1,000 validation images (`linclass train`'s split), `raw` "
            "features; seconds of `train()` alone (features and evaluation excluded); with "
            "`reg_strength='auto'` λ is chosen on the same 1,000 validation images, then "
            "refit on all 50,000 (the accuracy is then not held out).", "",
            "| loss | settings | solver | seconds | val accuracy | iterations/epochs | "
            "converged | chosen λ |", "|---|---|---|---:|---:|---:|---|---:|", *rows, ""]


def table(rows):
    lines = ["| data | method | seconds | ratio (sklearn / linclass) | λ | test accuracy | "
             "test log loss | notes |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        ratio = (">= " if r.get("ratio_bound") else "") + f"{r['ratio']:.1f}x" \
            if "ratio" in r else ""
        note = r["note"] + (f"; best single λ on test (of those solved) "
                            f"{r['best_single']:.4f}"
                            if "best_single" in r else "")
        lam = "" if r["lam"] is None else f"{r['lam']:.3g}"
        acc = f"{r['test_acc']:.4f}" if "test_acc" in r else ""
        loss = f"{r['log_loss']:.4f}" if "log_loss" in r else ""
        lines.append(f"| {r['data']} | {r['method']} | {r['seconds']:.2f} | {ratio} | {lam} | "
                     f"{acc} | {loss} | {note} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--no-loop", nargs="*", default=[], metavar="DATA",
                        help="data sets without the scikit-learn loop over the grid")
    parser.add_argument("--no-svc", nargs="*", default=[], metavar="DATA")
    parser.add_argument("--no-ridge", nargs="*", default=[], metavar="DATA")
    parser.add_argument("--loop-budget", type=float, default=600.0, metavar="SECONDS",
                        help="stop the scikit-learn loop after the fit that passes this time")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--job-defaults", action="store_true",
                        help="only the raw CIFAR-10 candidate defaults, appended to --out")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    if args.job_defaults:
        text = "\n".join([*job_defaults(), *footer(load), ""])
        old = args.out.read_text() if args.out.exists() else ""
        write_results(args.out, old + "\n" + text)
        return
    rows = []
    for name in args.datasets:  # the file is rewritten after every data set
        data = DATASETS[name]()
        print(name, [a.shape for a in data[::2]], flush=True)
        rows += measure(name, data, loop=name not in args.no_loop,
                        svc=name not in args.no_svc, ridge=name not in args.no_ridge,
                        loop_budget=args.loop_budget)
        write_results(args.out, report(rows, load))


def report(rows, load):
    text = ["# Linear probe: converged fits and λ selection (`benchmarks/bench_probe.py`)", "",
            "Softmax unless named. λ grid: 25 values, 3 per decade, s·10^2 … s·10^-6 "
            "(s the mean squared feature). (a) one converged fit at the λ that `auto` chose: "
            "linclass L-BFGS vs `LogisticRegression(C=1/(2λN))`; (b) the selection: "
            "linclass `reg_strength='auto'` (refit off) vs the warm-started scikit-learn loop "
            "over the same grid. Single runs, one process, one after another.", "",
            *table(rows), "", *footer(load), ""]
    return "\n".join(text)


if __name__ == "__main__":
    main()
