"""``linclass predict``: the top-k classes of raw image files."""

import time

import numpy as np
from PIL import Image

from linclass.cli._common import emit, positive_int
from linclass.cli.evaluate import load_image_model
from linclass.errors import DataError
from linclass.losses import softmax_probabilities


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "predict", parents=[parent], help="classify image files with a model",
        description="Print the top-k classes of each image with their scores (and "
                    "probabilities for softmax models). Images are converted to the model's "
                    "channels and resized (bilinear) to its image size; the model applies "
                    "its own features and preprocessing.")
    p.add_argument("--model", required=True, metavar="MODEL", help="model file (.npz)")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    p.add_argument("--top-k", type=positive_int, default=3, metavar="K",
                   help="classes to show per image (default: 3)")
    return p


def read_image(path, image_shape):
    """``path`` as a uint8 array ``image_shape`` (H, W, C): converted and resized."""
    height, width, channels = image_shape
    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
            array = np.asarray(image, dtype=np.uint8)
    except OSError as error:
        raise DataError(f"cannot read image {path}: {error}") from None
    return array.reshape(height, width, channels)


def run(args):
    start = time.perf_counter()
    model = load_image_model(args.model)
    images = np.stack([read_image(path, model.image_shape) for path in args.images])
    scores = model.decision_function(images)  # (N, C)
    proba = softmax_probabilities(scores) if model.is_probabilistic else None
    k = min(args.top_k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # (N, k)
    predictions, lines = [], []
    for i, path in enumerate(args.images):
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
                "seconds": round(time.perf_counter() - start, 3)}, "\n".join(lines))
    return 0
