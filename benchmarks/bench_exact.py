"""The exact least-squares solver (``solver="exact"``) against scikit-learn's RidgeClassifier.

Usage (from the repository root; about a minute per size on 2 cores, 3 GB of memory)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_exact [--d 6400 ...]

On an ``N x D`` float32 matrix of the k-means features' shape (49,000 rows, D from 3,200 to
8,000; uniform random values in [0, 1), nonnegative and uncentred like those features; the
time does not depend on the values) and 10 classes, times, best of ``--repeats``:

- ``solve_least_squares``: :func:`linclass.ridge.solve_least_squares` (blocked float32
  ``syrk`` Gram summed in float64, float64 Cholesky);
- ``train``: :func:`linclass.training.train` with ``solver="exact"`` (the solve plus the
  objective and training accuracy for the history);
- scikit-learn ``RidgeClassifier(solver="cholesky", alpha=2 * lambda * N)``, the same
  minimizer (float32 throughout: centred copy of X, ``X.T @ X`` by gemm, float32 solve).

It also reports how far the two solutions are apart (max |W - W_sklearn| / max |W|) and the
share of rows on which their predictions agree.
"""

import argparse
import os

import numpy as np
from sklearn.linear_model import RidgeClassifier

from benchmarks._common import RESULTS_DIR, best_of, footer, write_results
from linclass.config import TrainConfig
from linclass.ridge import solve_least_squares
from linclass.training import train

RESULTS = RESULTS_DIR / "exact.md"


def measure(n, d, c, reg_strength, repeats, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d), dtype=np.float32)  # (N, D)
    y = rng.integers(0, c, n)
    out = {}
    out["solve"] = best_of(lambda: out.update(
        ours=solve_least_squares(X, y, c, reg_strength)), repeats)
    config = TrainConfig(loss="least_squares", solver="exact", reg_strength=reg_strength)
    out["train"] = best_of(lambda: train(X, y, config, n_classes=c), repeats)
    sk = RidgeClassifier(alpha=2 * reg_strength * n, solver="cholesky")
    out["sklearn"] = best_of(lambda: sk.fit(X, y), repeats)
    W, b = out["ours"]
    out["w_diff"] = float(np.abs(W - sk.coef_.T).max() / np.abs(W).max())
    ours = (X @ W + b).argmax(axis=1)  # (N, D) @ (D, C) -> (N, C)
    out["agree"] = float(np.mean(ours == sk.predict(X).astype(np.int64)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=49_000)
    parser.add_argument("--d", type=int, nargs="+", default=[6400])
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--reg-strength", type=float, default=1e-4)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    rows = []
    for d in args.d:
        r = measure(args.n, d, args.classes, args.reg_strength, args.repeats, seed=0)
        rows.append(f"| {args.n:,} x {d:,} | {r['solve']:.1f} | {r['train']:.1f} | "
                    f"{r['sklearn']:.1f} | {r['sklearn'] / r['solve']:.2f}x | "
                    f"{r['w_diff']:.1e} | {r['agree']:.4f} |")
    lines = [
        "# Exact least squares (`optimizer=\"exact\"`) vs scikit-learn RidgeClassifier",
        "",
        f"float32 X (uniform [0, 1)), {args.classes} classes, lambda = {args.reg_strength:g} "
        f"(sklearn alpha = 2 lambda N), best of {args.repeats}; seconds of wall time.",
        "",
        "| N x D | solve_least_squares (s) | train(solver='exact') (s) | "
        "sklearn RidgeClassifier cholesky (s) | speed-up of solve | max |dW| / max |W| | "
        "predictions agree |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "The Gram matrix dominates (N D^2 multiply-adds). linclass computes one triangle "
        "with `ssyrk` (half the flops of scikit-learn's `X.T @ X`, though OpenBLAS runs it "
        "at about the wall time of the full product on this machine: 2.3 s vs 2.2 s on one "
        "10,485 x 6,400 block) block by block into a reused buffer, without a centred copy "
        "of X, and solves in float64; scikit-learn centres a full copy of X and solves in "
        "float32. The gain is the copy and the page faults it avoids, and memory.",
        "",
        *footer(load),
    ]
    write_results(RESULTS, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
