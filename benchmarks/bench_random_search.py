"""The course notes' derivative-free baselines on raw CIFAR-10: random (local) search.

Usage (from the repository root; about 12 minutes per seed on 2 cores)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_random_search [--seeds 0 1]

Setup, as close to the notes (https://cs231n.github.io/optimization-1/) as the data allows:
pixel values 0..255, the bias trick (W of shape 3,073 x 10 with the
bias as its last row), the Weston-Watkins SVM data loss (margin 1, no regularization) over the
whole training part; random search draws 1,000 W ~ 0.0001 * N(0, 1) and keeps the best;
random local search starts at 0.001 * N(0, 1) and tries 1,000 steps of 0.0001 * N(0, 1),
keeping a step only if the loss drops. Each runs twice: on the raw pixels, as the notes'
code is printed, and on mean-subtracted pixels (the training mean image,
:class:`linclass.preprocessing.MeanImage`), the preprocessing the linear-classification notes
recommend. Differences from the notes: the notes train on all 50,000 images and report the
10,000 official test images (15.5 % and 21.4 %); those are not in ../shared, so this trains on
the project's standard 49,000-image split and reports the 1,000-image validation split
(standard error about 1.3 points) and the training accuracy. The images are JPEG-compressed
(quality 75) versions of the originals.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import numpy as np

import linclass as lc
from benchmarks._common import machine
from linclass.data import load
from linclass.data.splits import train_val_split
from linclass.preprocessing import MeanImage

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "cifar10-train-jpeg.tar.gz"
RESULTS = ROOT / "benchmarks" / "results" / "random_search.md"
NOTES = {"random search": 0.155, "random local search": 0.214}


def svm_loss_fn(X, y):
    """``W (D + 1, C) -> mean SVM data loss`` with the bias trick (bias = last row of W)."""
    def loss_fn(W):
        scores = X @ W[:-1] + W[-1]  # (N, D) @ (D, C) -> (N, C)
        return lc.losses.svm(scores, y)[0]
    return loss_fn


def accuracy(W, X, y):
    return float(np.mean(np.argmax(X @ W[:-1] + W[-1], axis=1) == y))


def run(seed, pixels, n_classes, X_train, y_train, X_val, y_val, n_tries, n_steps):
    shape = (X_train.shape[1] + 1, n_classes)
    loss_fn = svm_loss_fn(X_train, y_train)
    rows = []
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    found = lc.optim.random_search(loss_fn, shape, n_tries, rng, scale=1e-4)
    rows.append(("random search", n_tries, found, time.perf_counter() - start))
    rng = np.random.default_rng(seed)
    W0 = rng.standard_normal(shape, dtype=np.float32) * np.float32(1e-3)
    start = time.perf_counter()
    found = lc.optim.random_local_search(loss_fn, W0, n_steps, rng, step_size=1e-4)
    rows.append(("random local search", n_steps, found, time.perf_counter() - start))
    return [(name, pixels, seed, n, r.history[0], r.loss, accuracy(r.W, X_train, y_train),
             accuracy(r.W, X_val, y_val), seconds) for name, n, r, seconds in rows]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--tries", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--data", default=str(ARCHIVE), help="data source (default: CIFAR-10)")
    parser.add_argument("--val-size", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load_avg = os.getloadavg()

    data = load(args.data)
    X = data.images.reshape(len(data), -1).astype(np.float32)  # raw 0..255, as the notes
    train_idx, val_idx = train_val_split(data.labels, args.val_size, seed=0)
    X_train, y_train = X[train_idx], data.labels[train_idx]
    X_val, y_val = X[val_idx], data.labels[val_idx]
    del X

    results = []
    for pixels in ("raw", "mean-subtracted"):
        if pixels == "mean-subtracted":
            centre = MeanImage().fit(X_train)
            X_train, X_val = centre.transform(X_train), centre.transform(X_val)
        for seed in args.seeds:
            results += run(seed, pixels, data.n_classes, X_train, y_train, X_val, y_val,
                           args.tries, args.steps)

    lines = [
        "# Derivative-free baselines on raw CIFAR-10 (course notes, optimization-1)",
        "",
        f"{len(train_idx):,} training images, {len(val_idx):,} validation images "
        "(stratified split, seed 0); pixels 0..255 raw or minus the training mean image, bias "
        "trick, mean SVM data loss, no regularization. The notes' numbers are on the 10,000 "
        "official test images after training on all 50,000.",
        "",
        "| strategy | pixels | seed | evaluations | first loss | final loss | train acc "
        "| val acc | notes (test) | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, pixels, seed, n, first, final, train_acc, val_acc, seconds in results:
        lines.append(f"| {name} | {pixels} | {seed} | {n:,} | {first:.3f} | {final:.3f} "
                     f"| {train_acc:.3f} | {val_acc:.3f} | {NOTES[name]:.3f} | {seconds:.1f} |")
    lines += [
        "",
        "First loss: random search's first try, local search's start W0. One loss evaluation "
        f"reads the {X_train.shape[0]:,} x {X_train.shape[1]:,} float32 training matrix once "
        f"({X_train.nbytes / 1e6:.0f} MB). Data: {data.source}.",
        "",
        f"- machine: {machine()}",
        f"- load average at start: {', '.join(f'{v:.2f}' for v in load_avg)}",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        "- command: `flock /tmp/linclass-bench.lock python -m benchmarks.bench_random_search "
        + " ".join(sys.argv[1:] if argv is None else argv) + "`",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines))
    os.replace(tmp, args.out)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
