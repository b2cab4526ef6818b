"""Learned single-layer features on CIFAR-10: encoding speed against sgemm, the frontier of
encoder x dictionary x pooling x K, and the default command end to end.

Usage (from the repository root, under the shared lock)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_kmeans [--configs A,B,...]
        [--speed-only] [--e2e] [--lambdas 1e-4,3e-4,1e-3,3e-3]

1. Speed (same run, one core each): sgemm (NumPy's BLAS, 2048 x 2048, one thread), then the
   encoding of 64 images at K = 6,000 for each encoder x product library x precision, in
   GFLOP/s of the distance product (``2 * positions * D * K`` per image, D = 108) per CPU
   second (``time.process_time``: the machine is shared, so CPU seconds, not wall seconds,
   measure the code), and as a share of sgemm.
2. Frontier: each configuration of :data:`CONFIGS` in a child process (its peak resident
   memory from ``os.wait4``) on a 40,000 / 10,000 stratified split of the training archive
   (seed 0): ``FeaturePipeline.from_spec("kmeans")`` (standardized features), then least
   squares solved exactly (``linclass.ridge``: one Gram matrix, one Cholesky solve per lambda
   of ``--lambdas``), held-out accuracy on the 10,000 at each lambda; seconds per stage.
3. ``--e2e`` (run before the frontier): ``linclass train --data <archive> --features kmeans
   --val-size 10000 --json`` with every default (plus ``--e2e-flags``), in a fresh
   ``$LINCLASS_DATA`` (JPEG decoding and all features included); wall time, peak memory,
   held-out accuracy.

Rows are written to ``benchmarks/results/kmeans.md`` as they finish.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import RESULTS_DIR, footer, write_results

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "cifar10-train-jpeg.tar.gz"
RESULTS = RESULTS_DIR / "kmeans.md"
N_HELD_OUT = 10_000
FLOP_PER_CODEWORD = 2 * 729 * 108  # one 32 x 32 image, 6 x 6 x 3 patches at stride 1

#: name -> KMeansFeatures settings (the rest default), in the order they are run; "readout":
#: "float32" solves with :class:`linclass.features._kmeans_readout.Float32Gram` instead of
#: :mod:`linclass.ridge` (float64 Gram).
CONFIGS = {
    "soft-1600-bf16": {"encoder": "soft", "n_centroids": 1600, "pooling": "quadrants",
                       "precision": "bfloat16"},
    "soft-1600": {"encoder": "soft", "n_centroids": 1600, "pooling": "quadrants",
                  "precision": "float32"},
    "triangle-1600": {"encoder": "triangle", "n_centroids": 1600, "pooling": "quadrants",
                      "precision": "float32"},
    "soft-1600-thirds-bf16": {"encoder": "soft", "n_centroids": 1600, "pooling": "thirds",
                              "precision": "bfloat16"},
    "soft-4000-bf16": {"encoder": "soft", "n_centroids": 4000, "pooling": "quadrants",
                       "precision": "bfloat16"},
    "soft-1600-thirds-patches-bf16": {"encoder": "soft", "n_centroids": 1600,
                                      "pooling": "thirds", "centroids": "patches",
                                      "precision": "bfloat16"},
    "soft-1600-thirds-random-bf16": {"encoder": "soft", "n_centroids": 1600,
                                     "pooling": "thirds", "centroids": "random",
                                     "precision": "bfloat16"},
    "nearest-1600-thirds-bf16": {"encoder": "nearest", "n_centroids": 1600, "pooling": "thirds",
                                 "precision": "bfloat16"},
    "triangle-1600-thirds-bf16": {"encoder": "triangle", "n_centroids": 1600,
                                  "pooling": "thirds", "precision": "bfloat16"},
    "triangle-8000-bf16": {"encoder": "triangle", "n_centroids": 8000, "pooling": "quadrants",
                           "precision": "bfloat16"},
    # wider than linclass.ridge's float64 Gram fits in 12 GiB: the float32 read-out
    "soft-4000-bf16-f32": {"encoder": "soft", "n_centroids": 4000, "pooling": "quadrants",
                           "precision": "bfloat16", "readout": "float32"},
    "soft-2600-thirds-bf16-f32": {"encoder": "soft", "n_centroids": 2600, "pooling": "thirds",
                                  "precision": "bfloat16", "readout": "float32"},
}


def cpu_gflops(fn, flop, repeats=2):
    """GFLOP per CPU second of ``fn()`` (best of ``repeats`` after one warm-up call)."""
    fn()
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return flop / best / 1e9


def speed_rows():
    """Encoding throughput per core against sgemm: markdown lines."""
    from linclass.features import KMeansFeatures
    from linclass.features._encoding import single_threaded, torch_available

    images = np.random.default_rng(0).integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
    k = 6000
    base = KMeansFeatures(n_centroids=k, n_patches=20_000, centroids="patches",
                          n_threads=1).fit(images, rng=0)
    lines = []
    with single_threaded():
        a = np.random.default_rng(1).random((2048, 2048), dtype=np.float32)
        sgemm = cpu_gflops(lambda: a @ a, 2 * 2048 ** 3, repeats=3)
        lines += ["## Encoding speed per core against sgemm (K = 6,000, 64 images)", "",
                  f"sgemm (NumPy's BLAS, 2048^3, one thread): **{sgemm:.0f} GFLOP/s** per "
                  "CPU second.", "",
                  "| encoder | product | precision | fused (Numba) | GFLOP/s per CPU s "
                  "| share of sgemm |", "|---|---|---|---|---|---|"]
        variants = [("numpy", "float32")]
        if torch_available():
            variants += [("torch", "float32"), ("torch", "bfloat16")]
        for encoder in ("triangle", "soft", "nearest"):
            for library, precision in variants:
                extractor = KMeansFeatures.from_state(
                    base.params() | {"encoder": encoder, "precision": precision},
                    base.arrays())
                coder = extractor.encoder_for(images.shape[1:], library=library)
                rate = cpu_gflops(lambda c=coder: c.encode(images),
                                  len(images) * FLOP_PER_CODEWORD * k)
                lines.append(f"| {encoder} | {library} | {precision} "
                             f"| {'yes' if coder.fused and encoder != 'nearest' else 'no'} "
                             f"| {rate:.0f} | {rate / sgemm:.0%} |")
    return lines


def one(settings, lambdas):
    """One frontier configuration in this process: a dict of results (printed as JSON)."""
    from linclass.data import load, train_val_split
    from linclass.features import FeaturePipeline
    from linclass.features._kmeans_readout import Float32Gram
    from linclass.ridge import gram_stats, solve_stats

    settings = dict(settings)
    float32_readout = settings.pop("readout", "float64") == "float32"
    seconds = {}
    clock = time.perf_counter()
    dataset = load(str(ARCHIVE))
    train, held_out = train_val_split(dataset.labels, N_HELD_OUT, seed=0)
    seconds["decode"] = time.perf_counter() - clock
    pipe = FeaturePipeline.from_spec("kmeans", cache=False, kmeans=settings)
    clock, cpu = time.perf_counter(), time.process_time()
    x_train = pipe.fit_transform(dataset.images[train], rng=0)
    extractor = pipe.extractors[0]
    fit_seconds = sum(extractor.seconds_.values())
    seconds["patches + whitening"] = extractor.seconds_["patches"] + extractor.seconds_[
        "whitening"]
    seconds["codebook"] = extractor.seconds_["codebook"]
    seconds["encode 40,000"] = time.perf_counter() - clock - fit_seconds
    clock = time.perf_counter()
    x_held = pipe.transform(dataset.images[held_out])
    seconds["encode 10,000"] = time.perf_counter() - clock
    encode_cpu = time.process_time() - cpu  # includes the (small) fit
    clock = time.perf_counter()
    y_train, y_held = dataset.labels[train], dataset.labels[held_out]
    if float32_readout:
        del pipe  # the pipeline's copies; only the features are needed now
        gram = Float32Gram(x_train, y_train, 10)
    else:
        stats = gram_stats(x_train, y_train, 10)
    accuracy = {}
    for i, lam in enumerate(lambdas):
        W, b = gram.solve(lam) if float32_readout else solve_stats(stats, lam)
        if i == 0:
            seconds["solve (Gram + Cholesky)"] = time.perf_counter() - clock
        clock_predict = time.perf_counter()
        scores = x_held @ W.astype(np.float32) + b.astype(np.float32)
        accuracy[lam] = float((scores.argmax(axis=1) == y_held).mean())
        if i == 0:
            seconds["predict 10,000"] = time.perf_counter() - clock_predict
    flop = len(dataset.images) * FLOP_PER_CODEWORD * extractor.n_centroids
    encode_seconds = seconds["encode 40,000"] + seconds["encode 10,000"]
    return {"features": x_train.shape[1], "accuracy": accuracy, "seconds": seconds,
            "gflops_wall": flop / encode_seconds / 1e9, "gflops_cpu": flop / encode_cpu / 1e9}


def run_child(settings, lambdas):
    """:func:`one` in a child process: its result and peak resident memory (GiB)."""
    command = [sys.executable, "-m", "benchmarks.bench_kmeans", "--one", json.dumps(settings),
               "--lambdas", ",".join(map(str, lambdas))]
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(command, stdout=out, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if child.returncode:
        raise RuntimeError(f"{command} failed ({child.returncode}): {text[-2000:]}")
    return json.loads(text.splitlines()[-1]), usage.ru_maxrss / 2**20


def frontier_row(name, settings, result, peak, lambdas, sgemm_core):
    s = result["seconds"]
    from linclass.features import KMeansFeatures

    e = KMeansFeatures(**{k: v for k, v in settings.items() if k != "readout"})
    readout = settings.get("readout", "float64")
    accs = result["accuracy"]
    best = max(accs, key=accs.get)
    per_lambda = ", ".join(f"{float(lam):g}: {a:.4f}" for lam, a in accs.items())
    stages = "; ".join(f"{k} {v:.0f}" for k, v in s.items())
    return (f"| {name} | {e.encoder} | {e.centroids} | {e.pooling} | {e.n_centroids} "
            f"| {e.precision} | {result['features']} ({readout} Gram) "
            f"| **{accs[best]:.4f}** (λ {float(best):g}) "
            f"| {per_lambda} | {sum(s.values()):.0f} | {stages} "
            f"| {result['gflops_cpu']:.0f} ({result['gflops_cpu'] / sgemm_core:.0%}) "
            f"| {peak:.2f} | {os.getloadavg()[0]:.1f} |")


def end_to_end(flags=()):
    """The default command (plus ``flags``), cold, holding out 10,000: (JSON, wall seconds,
    peak GiB)."""
    with tempfile.TemporaryDirectory(prefix="bench-kmeans-") as tmp:
        env = dict(os.environ, LINCLASS_DATA=tmp)
        command = [sys.executable, "-m", "linclass", "train", "--data", str(ARCHIVE),
                   "--features", "kmeans", "--val-size", str(N_HELD_OUT), "--json", "--out",
                   str(Path(tmp) / "model.npz"), *flags]
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        text = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{command} failed")
    return json.loads(text), seconds, usage.ru_maxrss / 2**20


def write(lines, load_avg):
    write_results(RESULTS, "\n".join([*lines, "", *footer(load_avg)]) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help="names of CONFIGS to run, in order")
    parser.add_argument("--lambdas", default="1e-4,3e-4,1e-3,3e-3",
                        help="reg_strength values solved on the same Gram matrix")
    parser.add_argument("--speed-only", action="store_true", help="only section 1")
    parser.add_argument("--e2e", action="store_true", help="also the default command")
    parser.add_argument("--e2e-flags", default="",
                        help="extra flags for the default command (recorded in the table)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child: one configuration
    args = parser.parse_args(argv)
    lambdas = [float(v) for v in args.lambdas.split(",")]
    if args.one is not None:
        print(json.dumps(one(json.loads(args.one), lambdas)))
        return
    load_avg = os.getloadavg()
    lines = ["# Learned single-layer features on CIFAR-10: speed and frontier", ""]
    lines += speed_rows()
    sgemm_core = float(lines[4].split("**")[1].split()[0])
    write(lines, load_avg)
    if args.speed_only:
        return
    if args.e2e:
        result, seconds, peak = end_to_end(args.e2e_flags.split())
        lines += ["", "## Default end to end: `linclass train --data <archive> --features "
                  f"kmeans --val-size 10000 {args.e2e_flags}`", "",
                  "| held-out accuracy (10,000) | train accuracy | wall time | peak memory "
                  "| load |", "|---|---|---|---|---|",
                  f"| {result['val_accuracy']:.4f} | {result['train_accuracy']:.4f} "
                  f"| {seconds:.0f} s ({seconds / 60:.1f} min) | {peak:.2f} GiB "
                  f"| {os.getloadavg()[0]:.1f} |"]
        write(lines, load_avg)
    lines += ["", "## Frontier on a 40,000 / 10,000 split of the training archive", "",
              "Held-out accuracy on the 10,000 images (no official test set is here); exact "
              "least squares at each λ (reg_strength) on standardized features; seconds per "
              "stage (wall, under the load in the last column); encoding GFLOP/s per CPU "
              "second (both cores, incl. the codebook fit) and its share of one core's sgemm; "
              "peak resident memory of the child process.", "",
              "| config | encoder | dictionary | pooling | K | precision | features "
              "| held-out acc (best λ) | acc per λ | total s | seconds per stage "
              "| encoding GFLOP/s per CPU s (share of sgemm) | peak GiB | load |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in filter(None, args.configs.split(",")):
        result, peak = run_child(CONFIGS[name], lambdas)
        lines.append(frontier_row(name, CONFIGS[name], result, peak, lambdas, sgemm_core))
        write(lines, load_avg)


if __name__ == "__main__":
    main()
