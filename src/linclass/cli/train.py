"""``linclass train``: features, minibatch training, the best validation epoch, a model file."""

import time
from pathlib import Path

from linclass.classifier import LinearClassifier
from linclass.cli._common import emit, nonnegative_float, positive_float, positive_int, progress
from linclass.cli._data import add_data_arguments, load_from_args
from linclass.config import default_config
from linclass.data import default_val_size, train_val_split
from linclass.image_classifier import ImageClassifier
from linclass.losses import LOSSES
from linclass.model_file import save
from linclass.optim import OPTIMIZERS, SCHEDULES
from linclass.regularizers import REGULARIZERS


def add_training_arguments(parser):
    """Flags of the features and the training settings (shared with ``linclass search``).

    Unset flags are ``None`` and take the tuned default for the feature set and loss
    (:data:`linclass.config.DEFAULTS`).
    """
    group = parser.add_argument_group("training")
    group.add_argument("--features", default="raw", metavar="F",
                       help="feature set: 'raw', 'hog', 'hsv', ... or names joined by '+' "
                            "such as 'hog+hsv' (default: raw)")
    group.add_argument("--loss", choices=list(LOSSES), default="svm",
                       help="data loss (default: svm)")
    group.add_argument("--reg", choices=list(REGULARIZERS), help="regularizer (default: l2)")
    group.add_argument("--reg-strength", type=nonnegative_float, metavar="X",
                       help="regularization strength lambda >= 0")
    group.add_argument("--optimizer", choices=list(OPTIMIZERS), help="update rule")
    group.add_argument("--lr", type=positive_float, metavar="X", help="learning rate > 0")
    group.add_argument("--schedule", choices=list(SCHEDULES), help="learning-rate schedule")
    group.add_argument("--batch-size", type=positive_int, metavar="N",
                       help="minibatch size")
    group.add_argument("--epochs", type=positive_int, metavar="N", help="passes over the data")
    group.add_argument("--patience", type=positive_int, metavar="N",
                       help="stop after N epochs without a better validation accuracy "
                            "(default: run every epoch, keep the best)")
    return group


def config_from_args(args):
    """The :class:`~linclass.config.TrainConfig` of the flags (tuned defaults for unset ones)."""
    return default_config(
        args.features, args.loss, reg=args.reg, reg_strength=args.reg_strength,
        optimizer=args.optimizer, lr=args.lr, schedule=args.schedule,
        batch_size=args.batch_size, epochs=args.epochs, patience=args.patience,
        seed=args.seed)


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "train", parents=[parent], help="train a linear classifier and save the model",
        description="Extract features, train a linear classifier by minibatch descent on the "
                    "training split, keep the epoch with the best validation accuracy, and "
                    "save everything needed to classify raw images in one .npz file. Unset "
                    "training flags take the defaults tuned for the feature set and loss.")
    add_data_arguments(p)
    add_training_arguments(p)
    p.add_argument("--out", default="model.npz", metavar="MODEL",
                   help="model file to write (default: model.npz)")
    p.add_argument("--report", metavar="DIR",
                   help="also write the report (figures and index.html) on the validation "
                        "split into DIR")
    return p


def split_features(dataset, features, val_size, seed):
    """A stratified split of ``dataset`` and the feature pipeline fitted on its training part.

    Returns ``(pipeline, X_train, y_train, X_val, y_val, val_idx)``; without a validation
    split (``val_size`` 0) ``X_val`` and ``val_idx`` are ``None`` and ``y_val`` is empty.
    """
    from linclass.features import FeaturePipeline

    n_val = default_val_size(len(dataset)) if val_size is None else val_size
    if n_val:
        train_idx, val_idx = train_val_split(dataset.labels, n_val, seed=seed)
    else:
        train_idx, val_idx = slice(None), None
    train_images, y_train = dataset.images[train_idx], dataset.labels[train_idx]
    val_images, y_val = ((dataset.images[val_idx], dataset.labels[val_idx]) if n_val
                         else (dataset.images[:0], dataset.labels[:0]))

    pipeline = FeaturePipeline.from_spec(features)
    with _Bar("features (train)") as bar:
        X_train = pipeline.fit_transform(train_images, rng=seed, progress=bar.update)
    with _Bar("features (validation)") as bar:
        X_val = pipeline.transform(val_images, progress=bar.update) if len(y_val) else None
    return pipeline, X_train, y_train, X_val, y_val, val_idx


def fit_image_classifier(dataset, config, features, val_size, seed):
    """Features and classifier fitted on a stratified split of ``dataset``.

    Returns ``(model, scores, val_idx)``: ``scores`` holds ``train_accuracy``,
    ``val_accuracy`` (``None`` without a validation split), ``n_train`` and ``n_val``;
    ``val_idx`` indexes the validation images in ``dataset`` (``None`` without a split).
    """
    pipeline, X_train, y_train, X_val, y_val, val_idx = split_features(
        dataset, features, val_size, seed)
    clf = LinearClassifier.from_config(config)
    with progress(config.epochs, "training", unit="epoch") as bar:
        def report(info):
            bar.update(1)
            bar.set_postfix(loss=f"{info['loss']:.3f}", val=info["val_accuracy"])
        clf.fit(X_train, y_train, callback=report,
                validation_data=(X_val, y_val) if X_val is not None else None)
    model = ImageClassifier(pipeline, clf, dataset.class_names, dataset.image_shape)
    scores = {"train_accuracy": clf.score(X_train, y_train),
              "val_accuracy": clf.score(X_val, y_val) if X_val is not None else None,
              "n_train": len(y_train), "n_val": len(y_val)}
    return model, scores, val_idx


class _Bar:
    """A progress bar for ``progress(n_done, n_total)`` callbacks, opened on the first call."""

    def __init__(self, desc):
        self.desc, self.bar = desc, None

    def update(self, done, total):
        if self.bar is None:
            self.bar = progress(total, self.desc, unit="img")
        self.bar.update(done - self.bar.n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


def run(args):
    start = time.perf_counter()
    config = config_from_args(args)
    dataset = load_from_args(args)
    model, scores, val_idx = fit_image_classifier(dataset, config, args.features,
                                                  args.val_size, args.seed)
    clf = model.classifier
    result = {**scores, "epochs": clf.n_iter_, "best_epoch": clf.history_["best_epoch"] + 1,
              "features": args.features, "loss": config.loss, "data": dataset.source,
              "settings": config.to_dict()}
    out = save(model, Path(args.out), info={k: v for k, v in result.items()
                                            if k != "settings"})
    if args.report:
        from linclass.report import write_report

        shown = dataset if val_idx is None else dataset.subset(val_idx)
        write_report(model, shown, args.report, seed=args.seed)
        result["report"] = str(Path(args.report) / "index.html")
    result.update(model=str(out), seconds=round(time.perf_counter() - start, 3))
    val = "n/a" if result["val_accuracy"] is None else f"{result['val_accuracy']:.4f}"
    emit(args, result,
         f"trained {config.loss} on {args.features} features: train accuracy "
         f"{result['train_accuracy']:.4f}, validation accuracy {val} (best of "
         f"{result['epochs']} epochs: {result['best_epoch']}), {result['seconds']:.1f} s; "
         f"model saved to {out}")
    return 0
