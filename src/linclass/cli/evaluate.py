"""``linclass evaluate``: accuracy, per-class accuracy and confusion matrix of a model file."""

import time

import numpy as np

from linclass.cli._common import emit
from linclass.cli._data import add_data_arguments, load_from_args
from linclass.errors import DataError, ModelFileError
from linclass.image_classifier import ImageClassifier
from linclass.model_file import load


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "evaluate", parents=[parent], help="measure a model's accuracy on a dataset",
        description="Classify every image of SOURCE with the model and compare with the "
                    "labels. Classes are matched by name, so an image folder whose "
                    "sub-folders carry the model's class names works in any order. A "
                    "CIFAR-10 source is read from its test images unless --split says "
                    "otherwise.")
    p.add_argument("--model", required=True, metavar="MODEL", help="model file (.npz)")
    add_data_arguments(p, split_default="test", hold_out=False)
    return p


def load_image_model(path):
    """An :class:`ImageClassifier` from ``path`` (a features-only model file is an error)."""
    model = load(path)
    if not isinstance(model, ImageClassifier):
        raise ModelFileError(f"{path} holds a LinearClassifier on features, not an image "
                             "model; save one with `linclass train`")
    return model


def model_labels(model, dataset):
    """The dataset's labels as indices into the model's classes, matched by name."""
    index = {name: k for k, name in enumerate(model.classes_)}
    unknown = [name for name in dataset.class_names if name not in index]
    if unknown:
        raise DataError(f"class {unknown[0]!r} of {dataset.source} is not one of the model's "
                        f"classes ({', '.join(model.classes_)}); evaluate on data with the "
                        "classes the model was trained on")
    mapping = np.array([index[name] for name in dataset.class_names])
    return mapping[dataset.labels]


def evaluate(model, dataset):
    """``accuracy``, ``n``, ``per_class_accuracy`` and ``confusion_matrix`` (model order)."""
    y_true = model_labels(model, dataset)
    y_pred = model.decision_function(dataset.images).argmax(axis=1)
    n_classes = len(model.classes_)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)  # rows: true, cols: predicted
    np.add.at(confusion, (y_true, y_pred), 1)
    support = confusion.sum(axis=1)
    per_class = {name: (float(confusion[k, k] / support[k]) if support[k] else None)
                 for k, name in enumerate(model.classes_)}
    return {"accuracy": float(np.mean(y_true == y_pred)), "n": int(len(y_true)),
            "per_class_accuracy": per_class, "confusion_matrix": confusion.tolist()}


def run(args):
    start = time.perf_counter()
    model = load_image_model(args.model)
    dataset = load_from_args(args)
    result = evaluate(model, dataset)
    result.update(classes=list(model.classes_), model=str(args.model), data=dataset.source,
                  seconds=round(time.perf_counter() - start, 3))
    width = max(len(name) for name in model.classes_)
    lines = [f"accuracy {result['accuracy']:.4f} on {result['n']} images of {dataset.source}"]
    lines += [f"  {name:<{width}}  {'n/a' if acc is None else f'{acc:.4f}'}"
              for name, acc in result["per_class_accuracy"].items()]
    emit(args, result, "\n".join(lines))
    return 0
