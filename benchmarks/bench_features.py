"""Feature extraction speed and the accuracy the features buy, on the 50,000 CIFAR-10 images.

Usage (from the repository root; about 10 minutes on 2 cores)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_features [--loop-images 2000]
        [--skip-accuracy]   # keep the accuracy table of the last full run

1. Speed: HOG + HSV histograms for all 50,000 images with linclass's batched code, against a
   per-image loop of ``skimage.feature.hog`` (on the BT.601 luma) + ``matplotlib.colors.
   rgb_to_hsv`` + ``numpy.histogram`` (per grid region and channel) with the same settings,
   in the same run. The loop is timed on the first ``--loop-images`` images and scaled
   linearly to 50,000 (its cost is linear in the number of images); both run in one process.
   Two settings: the ``hog+hsv`` defaults (with unsigned orientations, as scikit-image has no
   signed HOG; our signed default is timed too) and the course-style anchor of SPEC §6
   (9 bins, 8 x 8 cells, 2 x 2 L2-Hys blocks, one hue histogram).
   HOG alone, as a user calls ``lc.features.hog``: float32 and float64 greyscale images and
   uint8 RGB images (the default ``channel_mode="gray"``: BT.601 luma first, the loop
   computing the same float32 luma per image; and ``"max"``, scikit-image's
   ``channel_axis=-1``), at the course's settings and the ``hog`` defaults (unsigned), against
   the per-image ``skimage.feature.hog`` loop, with linclass on its default threads and on one;
   then where linclass's time goes, stage by stage (one thread, CPU seconds).
2. Accuracy: the project's standard split (49,000 training / 1,000 validation images, seed 0),
   features standardized on the training part; linclass's ``LinearClassifier`` with the
   defaults of ``linclass train --features F`` (multiclass SVM), and scikit-learn's
   ``LinearSVC`` (one-vs-rest squared hinge, ``C`` below) on the same features.
"""

import argparse
import collections
import datetime
import functools
import os
import sys
import time
from pathlib import Path

import matplotlib.colors
import numpy as np
from skimage.feature import hog as skimage_hog
from sklearn.svm import LinearSVC

from benchmarks._common import machine
from linclass import LinearClassifier
from linclass.config import default_config
from linclass.data import load
from linclass.data.splits import default_val_size, train_val_split
from linclass.features import FEATURES, FeaturePipeline, _hog, color_histogram, hog
from linclass.features._hog import BT601

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "cifar10-train-jpeg.tar.gz"
RESULTS = ROOT / "benchmarks" / "results" / "features.md"
SVC_C = 0.001
NOTE = (
    '"max difference" is the largest absolute difference between the two feature matrices on '
    'the sample. It comes from the histograms: for integer pixels a hue can lie exactly on a '
    'bin edge (3/30 = 0.1); linclass computes it as one exact quotient (upper bin), '
    "matplotlib's `((G - B) / d) / 6` rounds twice and can land just below the edge, so a "
    'flat region of one colour can move whole into the neighbouring bin (tests check '
    "linclass's bins against exact integer arithmetic and `numpy.histogram`). The HOG parts "
    'differ only by float32 vs float64 luma rounding (near-tie angles).')
HOG_NOTE = (
    "How: batches of 64 images, so that every per-pixel temporary stays in cache, shared by "
    "the threads (NumPy releases the GIL in its array operations); gradients by slicing; one "
    "float64 `arctan2` per pixel, scaled to a raw bin over (-180, 180] degrees and folded "
    "into the orientation bins per cell after one weighted `bincount` (no per-pixel "
    "folding); blocks normalized from per-cell partial norms and written once into the "
    "result (L1-sqrt: the square root per cell, not per block value). scikit-image spends its "
    "time per image in Python and in a Cython loop per cell and orientation. A max "
    "difference of order 1e-7 is float rounding (scikit-image sums cells in float64 and "
    "normalizes in the image dtype, linclass works in the image dtype); one of order 0.1 "
    "would be a pixel voting into another bin or channel (a near-tie decided differently).")
COURSE = ({"orientations": 9, "pixels_per_cell": (8, 8), "cells_per_block": (2, 2),
           "block_norm": "L2-Hys"}, {"bins": 10, "channels": "h", "grid": (1, 1)})


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def default_settings():
    """The ``hog`` and ``hsv`` extractors' defaults, unsigned (what scikit-image computes)."""
    hog_kw = FEATURES["hog"]().params()
    hist_kw = FEATURES["hsv"]().params()
    if hog_kw["channel_mode"] != "gray" or hog_kw["transform_sqrt"] \
            or hist_kw["space"] != "hsv" or hist_kw["joint"] or hist_kw["value_range"]:
        raise SystemExit("the default settings changed: update skimage_loop to match them")
    hog_kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in hog_kw.items()
              if k in ("orientations", "pixels_per_cell", "cells_per_block", "block_norm")}
    return hog_kw, {"bins": hist_kw["bins"], "channels": hist_kw["channels"],
                    "grid": tuple(hist_kw["grid"])}


def skimage_loop(images, hog_kw, hist_kw):
    """The per-image reference: one image at a time through scikit-image and numpy."""
    weights = np.asarray(BT601)
    grid_rows, grid_cols = hist_kw["grid"]
    rows = []
    for image in images:
        hog_vector = skimage_hog(image @ weights, **hog_kw)
        hsv = matplotlib.colors.rgb_to_hsv(image / 255.0)
        height, width = hsv.shape[:2]
        hists = []
        for i in range(grid_rows):
            for j in range(grid_cols):
                region = hsv[i * height // grid_rows:(i + 1) * height // grid_rows,
                             j * width // grid_cols:(j + 1) * width // grid_cols]
                for c in hist_kw["channels"]:
                    counts = np.histogram(region[..., "hsv".index(c)], bins=hist_kw["bins"],
                                          range=(0, 1))[0]
                    hists.append(counts / region[..., 0].size)
        rows.append(np.concatenate([hog_vector, *hists]))
    return np.stack(rows)


def ours(images, hog_kw, hist_kw):
    return np.concatenate([hog(images, **hog_kw), color_histogram(images, **hist_kw)], axis=1)


def speed(images, name, hog_kw, hist_kw, loop_images, signed_too=False):
    """Seconds for all images, ours and the loop's (timed on ``loop_images``, scaled)."""
    ours_features, ours_s = timed(lambda: ours(images, hog_kw, hist_kw))
    sample = images[:loop_images]
    loop_features, loop_s = timed(lambda: skimage_loop(sample, hog_kw, hist_kw))
    loop_total = loop_s * len(images) / loop_images
    row = {"name": name, "hog": hog_kw, "hist": hist_kw, "ours_s": ours_s,
           "loop_s": loop_s, "loop_total_s": loop_total, "ratio": loop_total / ours_s,
           "max_diff": float(np.abs(loop_features - ours_features[:loop_images]).max()),
           "n_features": ours_features.shape[1]}
    if signed_too:
        _, row["signed_s"] = timed(lambda: ours(images, {**hog_kw, "signed": True}, hist_kw))
    return row


def best_wall(fn, repeats=3):
    return min(timed(fn)[1] for _ in range(repeats))


def luma32(images):
    """The float32 BT.601 luma linclass's gray mode computes from uint8 RGB (one gemv per image)."""
    n, height, width, _ = images.shape
    weights = np.asarray(BT601, dtype=np.float32)
    return (images.reshape(n, -1, 3).astype(np.float32) @ weights).reshape(n, height, width)


def skimage_hog_loop(images, prepare, one_image):
    """The per-image reference for HOG alone."""
    return np.stack([one_image(prepare(image)) for image in images])


def hog_speed(images, loop_images):
    """HOG alone: linclass (default threads, one thread) vs the per-image skimage loop."""
    hog_defaults = default_settings()[0]
    gray64 = images.astype(np.float64) @ np.asarray(BT601)
    inputs = {"float32 grey": (gray64.astype(np.float32), {}, lambda im: im, {}),
              "float64 grey": (gray64, {}, lambda im: im, {}),
              "uint8 RGB, gray (luma first)": (images, {}, lambda im: luma32(im[None])[0], {}),
              "uint8 RGB, max channel": (images, {"channel_mode": "max"}, lambda im: im,
                                         {"channel_axis": -1})}
    rows = []
    for setting, kw in (("course", COURSE[0]), ("hog defaults (unsigned)", hog_defaults)):
        for name, (x, ours_kw, prepare, loop_kw) in inputs.items():
            ours = functools.partial(hog, x, **kw, **ours_kw)
            ours_s = best_wall(ours)
            default_threads = _hog.THREADS
            _hog.THREADS = 1
            try:
                one_s = best_wall(ours)
            finally:
                _hog.THREADS = default_threads
            sample = x[:loop_images]
            one_image = functools.partial(skimage_hog, **kw, **loop_kw)
            loop_out, loop_s = timed(functools.partial(skimage_hog_loop, sample, prepare,
                                                       one_image))
            loop_total = loop_s * len(x) / loop_images
            diff = np.abs(hog(sample, **kw, **ours_kw) - loop_out).max()
            rows.append({"setting": setting, "input": name, "ours_s": ours_s, "one_s": one_s,
                         "loop_total_s": loop_total, "loop_s": loop_s, "max_diff": float(diff),
                         "ratio": loop_total / ours_s, "ratio_one": loop_total / one_s})
            print(f"HOG {setting}, {name}: ours {ours_s:.2f} s ({one_s:.2f} s one thread), "
                  f"loop {loop_total:.1f} s -> {loop_total / ours_s:.1f}x", file=sys.stderr)
    return rows


def hog_profile(images):
    """CPU seconds per HOG stage, one thread, float32 grey, all images; per setting."""
    stages = ("_planes", "_gradients", "_strongest", "_raw_bins", "_cell_histograms",
              "_normalize_blocks")
    spent = collections.Counter()
    originals = {name: getattr(_hog, name) for name in stages}

    def timer(name, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - start
        return wrapped

    gray = (images.astype(np.float64) @ np.asarray(BT601)).astype(np.float32)
    default_threads = _hog.THREADS
    profiles = {}
    try:
        _hog.THREADS = 1
        for name, fn in originals.items():
            setattr(_hog, name, timer(name, fn))
        for setting, kw in (("course", COURSE[0]), ("hog defaults (unsigned)",
                                                    default_settings()[0])):
            spent.clear()
            start = time.process_time()
            hog(gray, **kw)
            total = time.process_time() - start
            profiles[setting] = {
                "luma / dtype": spent["_planes"],
                "gradients": spent["_gradients"],
                "squared magnitude (max channel)": spent["_strongest"],
                "orientation (float64 arctan2, bin)": spent["_raw_bins"],
                "magnitude sqrt, bincount, fold": spent["_cell_histograms"] - sum(
                    spent[k] for k in ("_planes", "_gradients", "_strongest", "_raw_bins")),
                "block normalization (into the result)": spent["_normalize_blocks"],
                "rest (result allocation, batching)": total - spent["_cell_histograms"]
                - spent["_normalize_blocks"],
                "total": total}
    finally:
        _hog.THREADS = default_threads
        for name, fn in originals.items():
            setattr(_hog, name, fn)
    return profiles


def accuracy(dataset, spec):
    train_idx, val_idx = train_val_split(dataset.labels, default_val_size(len(dataset)), seed=0)
    pipe = FeaturePipeline.from_spec(spec, cache=False)
    X_train, extract_s = timed(lambda: pipe.fit_transform(dataset.images[train_idx], rng=0))
    X_val = pipe.transform(dataset.images[val_idx])
    y_train, y_val = dataset.labels[train_idx], dataset.labels[val_idx]
    row = {"spec": spec, "n_features": pipe.n_features, "extract_s": extract_s}
    config = default_config(spec, "svm")
    row["ours_settings"] = {k: v for k, v in config.to_dict().items()
                            if k in ("lr", "reg_strength", "batch_size", "epochs", "optimizer",
                                     "schedule", "early_stopping")}
    clf = LinearClassifier.from_config(config)  # as `train` runs it: best validation epoch
    _, row["ours_s"] = timed(lambda: clf.fit(X_train, y_train, validation_data=(X_val, y_val)))
    row["ours_val"] = clf.score(X_val, y_val)
    svc = LinearSVC(C=SVC_C, dual=False, tol=1e-3)
    _, row["svc_s"] = timed(lambda: svc.fit(X_train, y_train))
    row["svc_val"] = svc.score(X_val, y_val)
    return row


def hog_lines(hog_rows, profiles, n_images, loop_images):
    lines = [
        f"## Speed: HOG alone, {n_images:,} images, as `lc.features.hog` is called",
        "",
        f"The per-image `skimage.feature.hog` loop was timed on the first {loop_images} images "
        "and scaled. linclass: best of 3 wall times on its default threads "
        f"(`linclass.features._hog.THREADS` = {_hog.THREADS}, the usable cores) and on one "
        "thread. Grey inputs are the BT.601 luma of the images in that dtype (made before "
        "timing). uint8 RGB, gray: linclass computes the float32 luma first (one gemv per "
        "image), the loop computes the same luma per image and runs skimage on it; uint8 RGB, "
        "max: per-channel gradients with the strongest channel at each pixel, against "
        "skimage's `channel_axis=-1`. Target: >= 20x.",
        "",
        "| settings | input | linclass s | one thread s | skimage loop s (sample) | ratio | "
        "ratio, one thread | max difference |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in hog_rows:
        lines.append(f"| {row['setting']} | {row['input']} | {row['ours_s']:.3f} | "
                     f"{row['one_s']:.3f} | {row['loop_total_s']:.1f} ({row['loop_s']:.2f}) | "
                     f"**{row['ratio']:.1f}x** | {row['ratio_one']:.1f}x | "
                     f"{row['max_diff']:.1g} |")
    lines += ["", "Settings: course = " + repr(COURSE[0]) + "; hog defaults (unsigned) = "
              + repr(default_settings()[0]) + ".", "",
              "Where the time goes (one thread, float32 grey, CPU seconds, all images; "
              "`hog_profile`):", "",
              "| stage | " + " | ".join(profiles) + " |",
              "|---|" + "---|" * len(profiles)]
    for stage in next(iter(profiles.values())):
        lines.append(f"| {stage} | " + " | ".join(f"{p[stage]:.3f}" for p in profiles.values())
                     + " |")
    lines += ["", HOG_NOTE]
    return lines


def old_section(title_prefix):
    """The lines of a section of the last results file (kept when it is not rerun)."""
    if not RESULTS.exists():
        return []
    lines, keep = [], False
    for line in RESULTS.read_text().splitlines():
        if line.startswith("## "):
            keep = line.startswith(title_prefix)
        if keep:
            lines.append(line)
    return lines


def write(speed_rows, hog_rows, profiles, accuracy_rows, args, load_avg, n_images):
    command = " ".join(["flock /tmp/linclass-bench.lock python -m benchmarks.bench_features",
                        *sys.argv[1:]])
    lines = [
        "# Feature extraction: speed and accuracy (CIFAR-10, 50,000 training images)",
        "",
        f"- Date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- Machine: {machine()}",
        f"- Load average at start: {load_avg[0]:.2f}, {load_avg[1]:.2f}, {load_avg[2]:.2f}",
        f"- Command: `{command}`",
        "",
        "## Speed: HOG + HSV histograms for 50,000 images",
        "",
        f"The per-image loop was timed on the first {args.loop_images} images and scaled to "
        "50,000. Target: linclass >= 20x faster.",
        "",
        "| settings | features | linclass s | per-image skimage + np.histogram loop s "
        "(measured on the sample) | ratio | max difference |",
        "|---|---|---|---|---|---|",
    ]
    for row in speed_rows:
        lines.append(f"| {row['name']}: HOG {row['hog']}, histogram {row['hist']} | "
                     f"{row['n_features']} | {row['ours_s']:.2f} | {row['loop_total_s']:.1f} "
                     f"({row['loop_s']:.2f}) | {row['ratio']:.1f}x | {row['max_diff']:.1g} |")
    lines += ["", NOTE]
    signed = [row for row in speed_rows if "signed_s" in row]
    if signed:
        lines += ["", f"linclass with the default signed orientations (which scikit-image "
                      f"does not compute): {signed[0]['signed_s']:.2f} s."]
    lines += ["", *hog_lines(hog_rows, profiles, n_images, args.loop_images), ""]
    if accuracy_rows is None:
        old = old_section("## Accuracy")
        lines += [*old, ""] if old else []
        lines += ["(Accuracy: not rerun in this run (`--skip-accuracy`), the table above it "
                  "is from the last full run.)", ""]
        tmp = RESULTS.with_suffix(".md.tmp")
        tmp.write_text("\n".join(lines))
        os.replace(tmp, RESULTS)
        return
    lines += [
        "## Accuracy: 49,000 training / 1,000 validation images (seed 0)",
        "",
        f"| features | F | extraction s (training part, incl. fit) | linclass "
        f"LinearClassifier, `train` defaults: val | s | LinearSVC (C = {SVC_C}): val | s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in accuracy_rows:
        lines.append(f"| `{row['spec']}` | {row['n_features']} | {row['extract_s']:.1f} | "
                     f"{row['ours_val']:.3f} | {row['ours_s']:.1f} | {row['svc_val']:.3f} | "
                     f"{row['svc_s']:.1f} |")
    lines += ["", "linclass classifier settings (the `train` defaults, multiclass SVM loss):", ""]
    lines += [f"- `{row['spec']}`: {row['ours_settings']}" for row in accuracy_rows]
    lines += ["", "Validation accuracy on 1,000 images has a standard error of about 1.6 "
              "points.", ""]
    tmp = RESULTS.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines))
    os.replace(tmp, RESULTS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop-images", type=int, default=2000)
    parser.add_argument("--features", nargs="+", default=["hog+hsv", "bow"])
    parser.add_argument("--skip-accuracy", action="store_true",
                        help="speed only; keep the accuracy table of the last results file")
    args = parser.parse_args()
    load_avg = os.getloadavg()
    dataset = load(str(ARCHIVE))
    hog_kw, hist_kw = default_settings()
    speed_rows = [speed(dataset.images, "hog+hsv defaults (unsigned)", hog_kw, hist_kw,
                        args.loop_images, signed_too=True),
                  speed(dataset.images, "course-style anchor", *COURSE, args.loop_images)]
    for row in speed_rows:
        print(f"{row['name']}: ours {row['ours_s']:.2f} s, loop {row['loop_total_s']:.1f} s "
              f"-> {row['ratio']:.1f}x", file=sys.stderr)
    hog_rows = hog_speed(dataset.images, args.loop_images)
    profiles = hog_profile(dataset.images)
    rows = None
    if not args.skip_accuracy:
        rows = []
        for spec in args.features:
            rows.append(accuracy(dataset, spec))
            print(rows[-1], file=sys.stderr)
    write(speed_rows, hog_rows, profiles, rows, args, load_avg, len(dataset.images))


if __name__ == "__main__":
    main()
