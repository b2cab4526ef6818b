"""L-BFGS with and without the second-moment preconditioner on CIFAR-10 features.

Softmax at a fixed lambda on the 36,000 training rows of ``bench_probe``'s split of the
training archive (raw pixels standardized, and HOG+HSV), solved to the default tolerance by
:func:`linclass.training.train` with ``solver="lbfgs"``: once with the preconditioner of
:mod:`linclass.solvers._precondition` (the default where it applies) and once without it
(``MIN_FEATURES`` raised past the data's features). Seconds include the Gram matrix and its
Cholesky factorization. Run from the repository root::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_precondition
"""

import os
import time

from benchmarks._common import RESULTS_DIR, footer, write_results
from benchmarks.bench_probe import cifar

#: (features, lambda): lambda as bench_probe's automatic choice picked it for HOG+HSV, and
#: the same order of magnitude for raw pixels.
CASES = [("raw", 1e-2), ("hog+hsv", 1e-2)]


def main():
    from linclass.config import TrainConfig
    from linclass.solvers import _precondition
    from linclass.training import train

    load = os.getloadavg()
    rows = []
    default = _precondition.MIN_FEATURES
    for features, lam in CASES:
        X, y, *_ = cifar(features)
        config = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=lam)
        times = {}
        for label, low in (("preconditioned", default), ("plain", X.shape[1] + 1)):
            _precondition.MIN_FEATURES = low
            start = time.perf_counter()
            result = train(X, y, config, n_classes=10)
            times[label] = time.perf_counter() - start
            h = result.history
            rows.append(f"| {features} | {X.shape[0]:,} x {X.shape[1]:,} | {label} | "
                        f"{times[label]:.1f} | {h['iterations']} | {h['evaluations']} | "
                        f"{h['converged']} | {h['loss'][-1]:.7f} |")
            print(rows[-1], flush=True)
        _precondition.MIN_FEATURES = default
        rows[-2] += f" {times['plain'] / times['preconditioned']:.1f}x |"
        rows[-1] += " |"
    text = "\n".join([
        "# L-BFGS: the second-moment preconditioner (`benchmarks/bench_precondition.py`)", "",
        "Softmax + L2 at λ = 1e-2, the default `tol`; seconds of `train(solver='lbfgs')`, the "
        "Gram matrix and its Cholesky factorization included; objective: the history's last "
        "(float32 products).", "",
        "| features | training rows x features | L-BFGS | seconds | iterations | evaluations "
        "| converged | objective | speed-up |",
        "|---|---|---|---:|---:|---:|---|---:|---:|", *rows, "", *footer(load), ""])
    write_results(RESULTS_DIR / "precondition.md", text)


if __name__ == "__main__":
    main()
