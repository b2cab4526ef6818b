"""``linclass predict``: the top-k classes of raw image files."""

import sys
import time

from linclass.cli._common import add_model_argument, emit, positive_int


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "predict", parents=[parent], help="classify image files with a model",
        description="Print the top-k classes of each image with their scores (and "
                    "probabilities for softmax models). Images are read as training images "
                    "are (EXIF orientation, 16-bit and float scaled to 8 bits, transparency "
                    "on white), converted to the model's channels and resized (bilinear) to "
                    "its image size; the model applies its own features and preprocessing.")
    add_model_argument(p)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    p.add_argument("--top-k", type=positive_int, default=3, metavar="K",
                   help="classes to show per image (default: 3)")
    p.add_argument("--skip-bad", action="store_true",
                   help="skip unreadable images with a warning each, instead of failing")
    return p


def run(args):
    import numpy as np

    from linclass.cli.evaluate import load_image_model
    from linclass.data import read_images
    from linclass.losses import softmax_probabilities

    start = time.perf_counter()
    model = load_image_model(args.model)
    height, width, channels = model.image_shape
    batch = read_images(args.images, (height, width), channels, skip_bad=args.skip_bad)
    for path, reason in batch.skipped:
        print(f"linclass: warning: skipping {path}: {reason}", file=sys.stderr)
    scores = model.decision_function(batch.images)  # (N, C)
    proba = softmax_probabilities(scores) if model.is_probabilistic else None
    k = min(args.top_k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # (N, k)
    predictions, lines = [], []
    for i, path in enumerate(batch.read):
        entries = []
        for c in top[i]:
            entry = {"class": model.classes_[c], "score": float(scores[i, c])}
            if proba is not None:
                entry["probability"] = float(proba[i, c])
            entries.append(entry)
        predictions.append({"image": str(path), "top": entries})
        lines.append(f"{path}: " + ", ".join(
            f"{e['class']} ({e['probability']:.3f})" if proba is not None
            else f"{e['class']} (score {e['score']:.3f})" for e in entries))
    emit(args, {"model": str(args.model), "predictions": predictions,
                "skipped": [{"image": str(p), "reason": r} for p, r in batch.skipped],
                "seconds": round(time.perf_counter() - start, 3)}, "\n".join(lines))
    return 0
