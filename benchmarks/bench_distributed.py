"""Throughput of one data-parallel SGD epoch on a memory-mapped 1,000,000 x 512 float32 matrix.

Writes a synthetic feature source (``X.npy`` 2 GB, ``y.npy``, 100 classes from a planted
linear model) to a temporary directory, reads it once so that every setting starts from the
page cache, then times :func:`linclass.training.train` for one epoch (softmax, SGD, batch
1024) in 1 process and in 2 gloo processes (:mod:`linclass.distributed`), each rank with one
BLAS thread, plus 1 process with 2 BLAS threads; then the same epoch with the weights and
gradient steps on torch CPU tensors (``device='torch'``, torch's intra-op threads set by
``OMP_NUM_THREADS``), 1 process. Rows per second = N / the epoch's wall time
on rank 0, between two barriers.

Run from the repository root::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_distributed
"""

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import RESULTS_DIR, footer, launch_ranks, write_results

N, D, C = 1_000_000, 512, 100
BATCH = 1024
CHUNK = 50_000


def make_source(folder, n, seed=0):
    """X (N, D) float32 written chunk by chunk; y = argmax of a planted linear model + noise."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((D, C)).astype(np.float32)
    X = np.lib.format.open_memmap(folder / "X.npy", mode="w+", dtype=np.float32, shape=(n, D))
    y = np.empty(n, dtype=np.int64)
    for start in range(0, n, CHUNK):
        block = rng.standard_normal((min(CHUNK, n - start), D), dtype=np.float32)
        X[start:start + len(block)] = block
        scores = block @ W  # (B, D) @ (D, C) -> (B, C)
        scores += rng.standard_normal(scores.shape, dtype=np.float32) * 4
        y[start:start + len(block)] = scores.argmax(axis=1)
    X.flush()
    del X
    np.save(folder / "y.npy", y)


def worker(folder, out, device):
    """One rank: open the source, train one epoch, rank 0 writes its wall time."""
    from linclass import backend, distributed
    from linclass.config import TrainConfig
    from linclass.data import load_features
    from linclass.training import train

    group = distributed.init() if "RANK" in os.environ else distributed.DataParallel(0, 1)
    features = load_features(folder)
    config = TrainConfig(loss="softmax", solver="minibatch", optimizer="sgd", lr=1e-3,
                         reg_strength=1e-4, batch_size=BATCH, epochs=1, early_stopping=False,
                         schedule="constant", device=device)
    if device != "cpu":  # import torch and the array-API wrapper before the clock starts
        backend.namespace(backend.asarray(np.zeros(1), device))
    group.barrier()
    start = time.perf_counter()
    result = train(features.X, features.y, config, n_classes=C,
                   parallel=group if group.world_size > 1 else None)
    group.barrier()
    seconds = time.perf_counter() - start
    if group.is_main:
        Path(out).write_text(json.dumps({"seconds": seconds,
                                         "loss": result.history["loss"][-1]}))
    distributed.shutdown()


def run(folder, processes, threads, device):
    out = Path(folder) / "timing.json"
    return launch_ranks("benchmarks.bench_distributed", [folder, out, device], out, processes,
                        threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=N, help="rows of X (default %(default)s)")
    parser.add_argument("--worker", nargs=3, metavar=("FOLDER", "OUT", "DEVICE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)
    load = os.getloadavg()
    settings = [("numpy", 1, 1), ("numpy", 1, 2), ("numpy", 2, 1), ("torch CPU", 1, 1),
                ("torch CPU", 1, 2)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="linclass-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        make_source(folder, args.rows)
        n = args.rows
        written = time.perf_counter() - start
        X = np.load(folder / "X.npy", mmap_mode="r")
        for start in range(0, n, CHUNK):  # into the page cache
            float(X[start:start + CHUNK].sum())
        del X
        for backend, processes, threads in settings:
            timing = run(folder, processes, threads,
                         "cpu" if backend == "numpy" else "torch")
            rows.append(f"| {backend} | {processes} | {threads} | {timing['seconds']:.2f} | "
                        f"{n / timing['seconds']:,.0f} | {timing['loss']:.4f} |")
    lines = [
        "# One data-parallel SGD epoch on a memory-mapped feature matrix",
        "",
        f"{n:,} x {D} float32 (`X.npy`, {n * D * 4 / 2**30:.1f} GiB, memory-mapped, in the page "
        f"cache), {C} classes, softmax + L2, SGD, global batch {BATCH}, one epoch "
        f"({-(-n // BATCH)} steps). Wall time on rank 0 between barriers; rows/s = N / time. "
        f"Data written in {written:.0f} s.",
        "",
        "| backend | processes | BLAS threads each | epoch (s) | rows/s | last batch loss |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        *footer(load),
        "",
    ]
    write_results(RESULTS_DIR / "distributed.md", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
