"""Training on raw CIFAR-10 with the defaults, against scikit-learn, and the speed of one epoch.

Usage (from the repository root; a few minutes on 2 cores)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_train [--data ARCHIVE]

Three measurements on the 50,000 CIFAR-10 training images of ``../shared/data`` split as
``linclass train`` splits them (stratified, seed 0: 49,000 training, 1,000 validation):

(a) ``linclass train --data ARCHIVE --loss L --out M`` with no other flag, then
    ``linclass evaluate --model M --data ARCHIVE --split train`` (all 50,000 images: five times the
    official test set, so an upper bound on its cost), each as a fresh process once the
    decoded images are cached: validation accuracy and seconds.
(b) scikit-learn on the same standardized raw-pixel features and split:
    ``SGDClassifier(loss="hinge", max_iter=20)`` (with its default ``max_iter=1000`` this
    benchmark had not finished after 17 CPU-minutes; 20 epochs bound it) and
    ``LogisticRegression()`` (lbfgs, defaults), validation accuracy and fit + predict seconds.
(c) SGD epochs over the 49,000 x 3,072 training features (:func:`one_epoch`): the
    estimator's fit for one and five epochs against ``SGDClassifier``'s, as users call both,
    and the bare loop (:func:`linclass.training.train`) against ``SGDClassifier`` given the
    float64 it needs.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import linclass as lc
from benchmarks._common import RESULTS_DIR, best_of_interleaved, footer, write_results
from linclass.config import TrainConfig
from linclass.features import FeaturePipeline
from linclass.training import train

RESULTS = RESULTS_DIR / "train.md"
ARCHIVE = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10-train-jpeg.tar.gz"


def run_cli(*args):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "linclass", *map(str, args), "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout), time.perf_counter() - start


def ours(archive, tmp):
    rows = []
    for loss in ("svm", "softmax"):
        model = Path(tmp) / f"{loss}.npz"
        trained, t_train = run_cli("train", "--data", archive, "--loss", loss, "--out", model)
        _, t_eval = run_cli("evaluate", "--model", model, "--data", archive, "--split", "train")
        print(loss, trained["val_accuracy"], t_train, t_eval, file=sys.stderr, flush=True)
        rows.append((f"linclass `train --loss {loss}` (defaults: {trained['epochs']} epochs)",
                     trained["val_accuracy"], t_train + t_eval,
                     f"train {t_train:.1f} s + evaluate 50,000 images {t_eval:.1f} s"))
    return rows


def features(archive):
    dataset = lc.data.load(archive)
    train_idx, val_idx = lc.data.train_val_split(
        dataset.labels, lc.data.default_val_size(len(dataset)), seed=0)
    pipe = FeaturePipeline.from_spec("raw")
    X_train = pipe.fit_transform(dataset.images[train_idx])
    X_val = pipe.transform(dataset.images[val_idx])
    return X_train, dataset.labels[train_idx], X_val, dataset.labels[val_idx]


def peers(X_train, y_train, X_val, y_val):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    X64, Xv64 = X_train.astype(np.float64), X_val.astype(np.float64)
    rows = []
    for name, est in (("scikit-learn `SGDClassifier(loss=\"hinge\", max_iter=20)`",
                       SGDClassifier(loss="hinge", max_iter=20, random_state=0)),
                      ("scikit-learn `LogisticRegression()` (lbfgs)", LogisticRegression())):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X64, y_train)
        acc = float(np.mean(est.predict(Xv64) == y_val))
        seconds = time.perf_counter() - start
        print(name, acc, seconds, file=sys.stderr, flush=True)
        rows.append((name, acc, seconds, f"fit + predict, {getattr(est, 'n_iter_', '?')} "
                                         "iterations (data already decoded and standardized)"))
    return rows


def one_epoch(X_train, y_train, repeats):
    """Seconds of SGD epochs: the bare loop and the estimator as users call it, against
    ``SGDClassifier``; interleaved, best of ``repeats``.

    Keys: ``loop`` (:func:`linclass.training.train`, one epoch), ``fit1`` / ``fit5``
    (``LinearClassifier(loss="svm", solver="minibatch", epochs=1 or 5).fit(X, y)`` on the
    float32 features), ``sk1`` / ``sk5`` (``SGDClassifier(loss="hinge", max_iter=1 or 5,
    tol=None).fit`` on the same float32 array, its conversion to float64 included), and
    ``sk1_64`` (one epoch given float64 data, the conversion not timed).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier

    X64 = X_train.astype(np.float64)
    config = TrainConfig(loss="svm", solver="minibatch", optimizer="sgd", lr=1e-3, epochs=1,
                         batch_size=256, schedule="constant")

    def estimator(epochs):
        return lambda: lc.LinearClassifier(loss="svm", solver="minibatch", lr=1e-3,
                                           epochs=epochs, schedule="constant",
                                           random_state=0).fit(X_train, y_train)

    def sklearn(max_iter, X):
        def fit():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                SGDClassifier(loss="hinge", max_iter=max_iter, tol=None,
                              random_state=0).fit(X, y_train)
        return fit

    return best_of_interleaved({
        "loop": lambda: train(X_train, y_train, config, n_classes=10),
        "fit1": estimator(1), "fit5": estimator(5),
        "sk1": sklearn(1, X_train), "sk5": sklearn(5, X_train), "sk1_64": sklearn(1, X64)},
        repeats=repeats)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ARCHIVE), help="the CIFAR-10 training archive")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    lc.data.load(args.data)  # decode once: every timing below reads the cache

    with tempfile.TemporaryDirectory() as tmp:
        rows = ours(args.data, tmp)
    X_train, y_train, X_val, y_val = features(args.data)
    rows += peers(X_train, y_train, X_val, y_val)
    epoch = one_epoch(X_train, y_train, args.repeats)

    lines = ["# Training on raw CIFAR-10 pixels", "",
             f"{len(y_train):,} training and {len(y_val):,} validation images (stratified, "
             "seed 0), raw pixels standardized per feature; targets: validation accuracy "
             ">= 0.41 for SVM and softmax with the defaults, train + evaluate <= 15 s.", "",
             "| method | validation accuracy | seconds | what is timed |",
             "|---|---:|---:|---|"]
    lines += [f"| {name} | {acc:.3f} | {sec:.1f} | {what} |" for name, acc, sec, what in rows]
    marginal, sk_marginal = (epoch["fit5"] - epoch["fit1"]) / 4, \
        (epoch["sk5"] - epoch["sk1"]) / 4
    lines += ["", "## SGD epochs (49,000 x 3,072 float32, 10 classes)", "",
              f"Seconds, best of {args.repeats}, interleaved. The estimator rows are called "
              "as a user calls them: `LinearClassifier(loss=\"svm\", solver=\"minibatch\", "
              "epochs=E).fit(X, y)` and `SGDClassifier(loss=\"hinge\", max_iter=E, tol=None)"
              ".fit(X, y)` on the same float32 array (scikit-learn converts it to float64 "
              "inside its fit).", "",
              "| what | linclass | scikit-learn | ratio |", "|---|---:|---:|---:|",
              f"| one epoch through the estimator | {epoch['fit1']:.3f} | {epoch['sk1']:.3f} | "
              f"**{epoch['sk1'] / epoch['fit1']:.1f}x** (target >= 10x) |",
              f"| each further epoch ((5 epochs - 1) / 4) | {marginal:.3f} | "
              f"{sk_marginal:.3f} | **{sk_marginal / marginal:.1f}x** (target >= 12x) |",
              f"| one epoch, bare loop vs float64 input (conversion untimed) | "
              f"{epoch['loop']:.3f} | {epoch['sk1_64']:.3f} | "
              f"{epoch['sk1_64'] / epoch['loop']:.1f}x |", ""]
    lines += footer(load)
    write_results(RESULTS, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
