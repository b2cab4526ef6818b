"""Learned single-layer features (Coates, Lee & Ng 2011) on CIFAR-10: accuracy, time, memory.

Usage (from the repository root; about 55 minutes on 2 cores with the defaults)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_kmeans [--ks 100,400,1600,4000,6000]
        [--baselines 1600] [--compare 1600] [--eps 0.1] [--no-cli]

1. End to end, cold: ``linclass train --data <archive> --features kmeans --json`` with every
   default, in a fresh ``$LINCLASS_DATA`` (so decoding the JPEGs and extracting the features
   of all 50,000 images are included); wall time, peak resident memory of the process
   (``ru_maxrss``), and the train/validation accuracy it reports.
2. Accuracy against K, in process, timed per stage: the same split (49,000 training / 1,000
   validation images, seed 0), ``FeaturePipeline.from_spec("kmeans")`` with ``n_centroids``
   set and the rest default (mirror-symmetric codebook), and the classifier ``linclass train``
   uses for these features (``default_config("kmeans")``: least squares solved exactly); then
   the two codebook baselines (random whitened patches and random unit-norm directions, no
   k-means) at ``--baselines`` centroids, the codebook without mirroring, and the whitening
   regularizers ``--eps`` (the paper's 0.1; the default is 1.0).
3. At ``--compare`` centroids, on the same features: the default classifier against the
   minibatch SVM (``default_config("kmeans", "svm")``, the previous default).

With ``--no-cli`` the end-to-end section of the existing results file is kept.

Rows are written to ``benchmarks/results/kmeans.md`` as they finish.
"""

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import RESULTS_DIR, footer, write_results
from linclass.classifier import LinearClassifier
from linclass.config import default_config
from linclass.data import load, train_val_split
from linclass.features import FeaturePipeline, KMeansFeatures

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "cifar10-train-jpeg.tar.gz"
RESULTS = RESULTS_DIR / "kmeans.md"
N_VAL = 1000
E2E_HEADING = "## Default end to end"


def end_to_end(archive):
    """Run the default command in a fresh data directory: its JSON, wall seconds, peak GiB."""
    with tempfile.TemporaryDirectory(prefix="bench-kmeans-") as tmp:
        env = dict(os.environ, LINCLASS_DATA=tmp)
        command = [sys.executable, "-m", "linclass", "train", "--data", str(archive),
                   "--features", "kmeans", "--json", "--out", str(Path(tmp) / "model.npz")]
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB -> GiB
    return json.loads(done.stdout), seconds, peak


def staged_run(dataset, train_idx, val_idx, losses=(None,), **kmeans_params):
    """One in-process run: ``({loss: (val acc, train acc, seconds)}, {stage: seconds})``.

    ``losses``: the classifiers fitted on the same features (``None``: the default one).
    """
    seconds = {}
    clock = time.perf_counter()
    pipe = FeaturePipeline.from_spec("kmeans", cache=False, kmeans=kmeans_params)
    x_train = pipe.fit_transform(dataset.images[train_idx], rng=0)
    extractor = pipe.extractors[0]
    seconds.update({f"fit: {k}": v for k, v in extractor.seconds_.items()})
    seconds["transform 49,000 + standardize"] = (time.perf_counter() - clock
                                                 - sum(extractor.seconds_.values()))
    clock = time.perf_counter()
    x_val = pipe.transform(dataset.images[val_idx])
    seconds["transform 1,000 validation"] = time.perf_counter() - clock
    y_train, y_val = dataset.labels[train_idx], dataset.labels[val_idx]
    scores = {}
    for loss in losses:
        clock = time.perf_counter()
        clf = LinearClassifier.from_config(default_config("kmeans", loss))
        clf.fit(x_train, y_train, validation_data=(x_val, y_val))
        scores[clf.loss] = (clf.score(x_val, y_val), clf.score(x_train, y_train),
                            time.perf_counter() - clock)
    return scores, seconds


def earlier_end_to_end():
    """The end-to-end section of the existing results file (its lines), or ``[]``."""
    if not RESULTS.is_file():
        return []
    lines = RESULTS.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(E2E_HEADING)), None)
    if start is None:
        return []
    section = list(itertools.takewhile(
        lambda line: not line.startswith(("## ", "- machine:", "(Kept from")), lines[start + 1:]))
    while section and not section[-1]:
        section.pop()
    return [lines[start], *section,
            "", "(Kept from an earlier run; the footer below describes the latest run.)", ""]


def write(lines, load_avg):
    write_results(RESULTS, "\n".join([*lines, "", *footer(load_avg)]) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ks", default="100,400,1600,4000,6000",
                        help="K values for the accuracy table")
    parser.add_argument("--baselines", type=int, default=1600,
                        help="K for the random-patch, random-direction and unmirrored "
                             "codebooks (0: skip)")
    parser.add_argument("--compare", type=int, default=1600,
                        help="K at which the minibatch SVM is fitted too (0: skip)")
    parser.add_argument("--eps", default="0.1",
                        help="whitening_eps values tried at --baselines centroids")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end command")
    args = parser.parse_args(argv)
    load_avg = os.getloadavg()
    lines = ["# k-means features (Coates, Lee & Ng 2011) on CIFAR-10", ""]
    if args.no_cli:
        lines += earlier_end_to_end()
    else:
        result, seconds, peak = end_to_end(ARCHIVE)
        lines += [
            "## Default end to end: `linclass train --data <archive> --features kmeans`", "",
            "| validation accuracy | train accuracy | wall time | peak memory |",
            "|---|---|---|---|",
            f"| {result['val_accuracy']:.4f} | {result['train_accuracy']:.4f} "
            f"| {seconds:.0f} s ({seconds / 60:.1f} min) | {peak:.2f} GiB |", "",
            "Cold run: a fresh `$LINCLASS_DATA`, so JPEG decoding and the features of all "
            "50,000 images are included; validation = 1,000 held-out images (seed 0). "
            "Defaults: K = 6,000 mirrored (12,000 features), whitening eps 1, least squares "
            "solved exactly.", ""]
        write(lines, load_avg)

    dataset = load(str(ARCHIVE))
    train_idx, val_idx = train_val_split(dataset.labels, N_VAL, seed=0)
    lines += ["## Accuracy against K (in process; seconds per stage)", "",
              "| codebook | mirror | whitening eps | K | features | classifier | val acc "
              "| train acc | total s | seconds per stage |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    eps = KMeansFeatures().whitening_eps
    runs = [("kmeans", int(k), True, eps) for k in args.ks.split(",") if k]
    if args.baselines:
        runs += [("patches", args.baselines, True, eps), ("random", args.baselines, True, eps),
                 ("kmeans", args.baselines, False, eps)]
        runs += [("kmeans", args.baselines, True, float(e)) for e in args.eps.split(",") if e]
    for centroids, k, mirror, whitening_eps in runs:
        losses = (None, "svm") if (k == args.compare and centroids == "kmeans" and mirror
                                   and whitening_eps == eps) else (None,)
        scores, seconds = staged_run(dataset, train_idx, val_idx, losses, n_centroids=k,
                                     centroids=centroids, mirror=mirror,
                                     whitening_eps=whitening_eps)
        stages = "; ".join(f"{name} {s:.1f}" for name, s in seconds.items())
        features = (2 if mirror else 4) * k
        for loss, (val, train, fit_seconds) in scores.items():
            total = sum(seconds.values()) + fit_seconds
            lines.append(f"| {centroids} | {'yes' if mirror else 'no'} | {whitening_eps:g} "
                         f"| {k} | {features} "
                         f"| {loss} ({default_config('kmeans', loss).optimizer}) | {val:.4f} "
                         f"| {train:.4f} | {total:.0f} | {stages}; classifier {fit_seconds:.1f} |")
        write(lines, load_avg)


if __name__ == "__main__":
    main()
