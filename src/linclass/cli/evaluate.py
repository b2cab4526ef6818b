"""``linclass evaluate``: parse, call :func:`linclass.job.evaluate`, print accuracy, per-class
accuracy and the confusion matrix."""

import time

from linclass.cli._common import StageProgress, add_model_argument, emit
from linclass.cli._data import add_data_arguments, report_skipped
from linclass.job import load_image_model  # noqa: F401 (linclass predict imports it from here)

HELP = "measure a model's accuracy on a dataset"


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "evaluate", parents=[parent], help=HELP,
        description="Classify every image (or feature row) of SOURCE with the model and "
                    "compare with the labels: accuracy, per-class accuracy and the confusion "
                    "matrix. Classes are matched by name, so an image folder whose "
                    "sub-folders carry the model's class names works in any order. Images "
                    "of any size are resized to the model's input size (the filter training "
                    "images go through). Reads the source's test part unless --split says "
                    "otherwise (a source without parts is read whole), and says which.")
    add_model_argument(p)
    add_data_arguments(p, split_default="test", hold_out=False, resize=False)
    return p


def run(args):
    from linclass.job import evaluate
    from linclass.model_file import load, read_metadata

    start = time.perf_counter()
    model = load(args.model)
    options = {}
    if not hasattr(model, "pipeline"):  # a model on a feature matrix: its row normalization
        normalize = read_metadata(args.model)["info"].get("normalize")
        options["normalize"] = "l2" if normalize == "l2" else "none"
    with StageProgress() as progress:
        evaluation = evaluate(model, args.data, split=args.split, skip_bad=args.skip_bad,
                              progress=progress, **options)
    report_skipped(evaluation)
    result = {**evaluation.summary(), "model": str(args.model),
              "seconds": round(time.perf_counter() - start, 3)}
    emit(args, result, "\n".join(format_evaluation(evaluation)))
    return 0


def format_evaluation(evaluation):
    """Human-readable lines: accuracy with the split, per-class accuracy, confusion matrix."""
    part = (f"--split {evaluation.split}" if evaluation.split is not None
            else "the whole source: it has no train/test parts")
    lines = [f"accuracy {evaluation.accuracy:.4f} on {evaluation.n:,} rows of "
             f"{evaluation.source} ({part})", "per class:"]
    width = max(len(name) for name in evaluation.classes)
    lines += [f"  {name:<{width}}  {'n/a' if acc is None else f'{acc:.4f}'}"
              for name, acc in evaluation.per_class.items()]
    confusion = evaluation.confusion
    cell = max(len(str(confusion.max())), len(str(len(confusion) - 1)))
    lines.append("confusion matrix (rows: true class, columns: predicted class, by number):")
    lines.append(" " * (width + 7) + " ".join(f"{k:>{cell}}" for k in range(len(confusion))))
    lines += [f"  {k:>2} {name:<{width}}  " + " ".join(f"{v:>{cell}}" for v in row)
              for k, (name, row) in enumerate(zip(evaluation.classes, confusion, strict=True))]
    return lines
