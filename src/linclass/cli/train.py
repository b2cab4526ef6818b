"""``linclass train``: features, minibatch training, the best validation epoch, a model file."""

import argparse
import time
from pathlib import Path

import numpy as np

from linclass.augment import AUGMENTATIONS, default_augment
from linclass.augment import augment as augment_images
from linclass.classifier import LinearClassifier
from linclass.cli._common import emit, nonnegative_float, positive_float, positive_int, progress
from linclass.cli._data import add_data_arguments, load_from_args
from linclass.config import default_config, min_steps_config, replace
from linclass.data import default_val_size, is_feature_source, load_features, train_val_split
from linclass.features.kmeans import CENTROIDS
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
    group.add_argument("--loss", choices=list(LOSSES),
                       help="data loss (default: svm; least_squares for --features kmeans)")
    group.add_argument("--reg", choices=list(REGULARIZERS), help="regularizer (default: l2)")
    group.add_argument("--reg-strength", type=nonnegative_float, metavar="X",
                       help="regularization strength lambda >= 0")
    group.add_argument("--solver", choices=["auto", "minibatch", "exact"],
                       help="how W is found (default: auto)")
    group.add_argument("--optimizer", choices=list(OPTIMIZERS),
                       help="update rule of minibatch descent")
    group.add_argument("--lr", type=positive_float, metavar="X", help="learning rate > 0")
    group.add_argument("--schedule", choices=list(SCHEDULES), help="learning-rate schedule")
    group.add_argument("--batch-size", type=positive_int, metavar="N",
                       help="minibatch size")
    group.add_argument("--epochs", type=positive_int, metavar="N", help="passes over the data")
    group.add_argument("--patience", type=positive_int, metavar="N",
                       help="stop after N epochs without a better validation accuracy "
                            "(default: run every epoch, keep the best)")
    kmeans = parser.add_argument_group("k-means features (--features kmeans)")
    for flag, param, kind, text in _KMEANS_FLAGS:
        kmeans.add_argument(flag, dest=f"kmeans_{param}", type=kind, metavar="N", help=text)
    kmeans.add_argument("--kmeans-init", dest="kmeans_centroids", choices=list(CENTROIDS),
                        help="codebook: learned by k-means, random patches or random "
                             "directions (default: kmeans)")
    kmeans.add_argument("--kmeans-mirror", dest="kmeans_mirror",
                        action=argparse.BooleanOptionalAction,
                        help="mirror-symmetric codebook and flip-invariant features, the same "
                             "as training on mirror images too, at no cost (default: on)")
    return group


#: ``(flag, KMeansFeatures parameter, type, help)`` of the numeric k-means flags.
_KMEANS_FLAGS = (
    ("--kmeans-centroids", "n_centroids", positive_int, "codebook size K (default: 6000)"),
    ("--kmeans-field", "receptive_field", positive_int, "patch side in pixels (default: 6)"),
    ("--kmeans-stride", "stride", positive_int, "step between encoded patches (default: 1)"),
    ("--kmeans-patches", "n_patches", positive_int,
     "random training patches for whitening and k-means (default: 200000)"),
    ("--kmeans-iterations", "max_iter", positive_int, "Lloyd iterations (default: 10)"),
    ("--kmeans-whitening", "whitening_eps", positive_float,
     "ZCA regularizer added to the eigenvalues (default: 1.0; the paper: 0.1)"),
)


def extractor_params_from_args(args):
    """``{"kmeans": {...}}`` of the k-means flags that are set (``{}`` when none is).

    A k-means flag with a feature set that has no k-means extractor is an error.
    """
    names = [param for _, param, _, _ in _KMEANS_FLAGS] + ["centroids", "mirror"]
    kmeans = {name: getattr(args, f"kmeans_{name}") for name in names
              if getattr(args, f"kmeans_{name}", None) is not None}
    if not kmeans:
        return {}
    if "kmeans" not in [name.strip() for name in args.features.split("+")]:
        raise ValueError(f"--kmeans-* flags need --features with 'kmeans', got "
                         f"{args.features!r}")
    return {"kmeans": kmeans}


def config_from_args(args):
    """The :class:`~linclass.config.TrainConfig` of the flags (tuned defaults for unset ones)."""
    return default_config(
        args.features, args.loss, reg=args.reg, reg_strength=args.reg_strength,
        solver=args.solver, optimizer=args.optimizer, lr=args.lr, schedule=args.schedule,
        batch_size=args.batch_size, epochs=args.epochs, patience=args.patience,
        seed=args.seed)


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "train", parents=[parent], help="train a linear classifier and save the model",
        description="Extract features, train a linear classifier by minibatch descent on the "
                    "training split, keep the epoch with the best validation accuracy, and "
                    "save everything needed to classify raw images in one .npz file. Unset "
                    "training flags take the defaults tuned for the feature set and loss. "
                    "With --data DIR holding X.npy (N, D) and y.npy (N,), a feature matrix "
                    "computed elsewhere (e.g. image embeddings), X is memory-mapped, --features "
                    "is ignored, no validation split is held out unless --val-size is given "
                    "(its training rows are then copied into memory), and the saved model "
                    "classifies feature vectors, not images.")
    add_data_arguments(p)
    add_training_arguments(p)
    p.add_argument("--augment", choices=list(AUGMENTATIONS),
                   help="enlarge the training images: 'flip' adds their mirror images "
                        "(default: flip for raw features of colour images, else none)")
    p.add_argument("--out", default="model.npz", metavar="MODEL",
                   help="model file to write (default: model.npz)")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel training over torch.distributed (gloo): launch with "
                        "torchrun --nproc-per-node N -m linclass train ... --distributed; "
                        "every rank needs the same --seed, rank 0 writes the model")
    p.add_argument("--report", metavar="DIR",
                   help="also write the report (figures and index.html) on the validation "
                        "split into DIR")
    return p


def split_features(dataset, features, val_size, seed, augment=None, extractor_params=None):
    """A stratified split of ``dataset`` and the feature pipeline fitted on its training part.

    The training images are first enlarged by ``augment`` (:mod:`linclass.augment`; ``None``:
    :func:`~linclass.augment.default_augment`); the validation images are used as they are.
    ``extractor_params`` maps an extractor name to its settings
    (:meth:`~linclass.features.FeaturePipeline.from_spec`).
    Returns ``(pipeline, X_train, y_train, X_val, y_val, val_idx)``; without a validation
    split (``val_size`` 0) ``X_val`` and ``val_idx`` are ``None`` and ``y_val`` is empty.
    """
    from linclass.features import FeaturePipeline

    n_val = default_val_size(len(dataset)) if val_size is None else val_size
    if n_val:
        train_idx, val_idx = train_val_split(dataset.labels, n_val, seed=seed)
    else:
        train_idx, val_idx = slice(None), None
    if augment is None:
        augment = default_augment(features, dataset.image_shape)
    train_images, y_train = augment_images(dataset.images[train_idx], dataset.labels[train_idx],
                                           augment)
    val_images, y_val = ((dataset.images[val_idx], dataset.labels[val_idx]) if n_val
                         else (dataset.images[:0], dataset.labels[:0]))

    pipeline = FeaturePipeline.from_spec(features, **(extractor_params or {}))
    with _Bar("features (train)") as bar:
        X_train = pipeline.fit_transform(train_images, rng=seed, progress=bar.update)
    with _Bar("features (validation)") as bar:
        X_val = pipeline.transform(val_images, progress=bar.update) if len(y_val) else None
    return pipeline, X_train, y_train, X_val, y_val, val_idx


def fit_feature_classifier(features, config, val_size, seed, *, parallel=None, show=True):
    """A :class:`LinearClassifier` fitted on a (memory-mapped) feature source.

    Without ``val_size`` every row trains, read from the memory map minibatch by minibatch;
    with it, a stratified split copies the training rows into memory. Labels are the
    feature source's class names. Returns ``(clf, scores)`` as :func:`fit_image_classifier`.
    """
    X, y = features.X, np.asarray(features.class_names)[features.y]
    X_val = y_val = None
    if val_size:
        train_idx, val_idx = train_val_split(features.y, val_size, seed=seed)
        X, X_val, y, y_val = X[train_idx], X[val_idx], y[train_idx], y[val_idx]
    clf = LinearClassifier.from_config(config, early_stopping=config.early_stopping
                                       and X_val is not None)
    _fit(clf, X, y, (X_val, y_val) if X_val is not None else None, config.epochs,
         parallel=parallel, show=show)
    scores = {"train_accuracy": clf.score(X, y),
              "val_accuracy": clf.score(X_val, y_val) if X_val is not None else None,
              "n_train": len(y), "n_val": 0 if y_val is None else len(y_val)}
    return clf, scores


def _fit(clf, X, y, validation_data, epochs, *, parallel=None, show=True):
    """``clf.fit`` with an epoch progress bar (when ``show``)."""
    if not show:
        return clf.fit(X, y, validation_data=validation_data, parallel=parallel)
    with progress(epochs, "training", unit="epoch") as bar:
        def report(info):
            bar.update(1)
            bar.set_postfix(loss=f"{info['loss']:.3f}", val=info["val_accuracy"])
        return clf.fit(X, y, callback=report, validation_data=validation_data,
                       parallel=parallel)


def fit_image_classifier(dataset, config, features, val_size, seed, augment=None,
                         min_steps=False, extractor_params=None):
    """Features and classifier fitted on a stratified split of ``dataset``.

    ``augment`` enlarges the training images and ``extractor_params`` sets the extractors
    (see :func:`split_features`); ``min_steps``
    grows the epochs of a small training set (:func:`linclass.config.min_steps_config`;
    ``clf.epochs`` tells the epochs used). Returns ``(model, scores, val_idx)``: ``scores``
    holds ``train_accuracy``, ``val_accuracy`` (``None`` without a validation split),
    ``n_train`` (training rows, augmented copies included) and ``n_val``;
    ``val_idx`` indexes the validation images in ``dataset`` (``None`` without a split).
    """
    pipeline, X_train, y_train, X_val, y_val, val_idx = split_features(
        dataset, features, val_size, seed, augment, extractor_params)
    if min_steps:
        config = min_steps_config(config, len(y_train))
    clf = LinearClassifier.from_config(config, early_stopping=config.early_stopping
                                       and X_val is not None)
    _fit(clf, X_train, y_train, (X_val, y_val) if X_val is not None else None, config.epochs)
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
    if not args.distributed:
        return _run(args)
    from linclass import distributed

    try:
        return _run(args, distributed.init())
    finally:
        distributed.shutdown()


def _run_features(args, config, start, group):
    """``linclass train`` on a feature source; only rank 0 (or the single process) reports."""
    show = group is None or group.is_main
    clf, scores = fit_feature_classifier(load_features(args.data), config, args.val_size,
                                         args.seed, parallel=group, show=show)
    result = {**scores, "epochs": clf.n_iter_, "best_epoch": clf.history_["best_epoch"] + 1,
              "features": "matrix", "loss": config.loss, "data": str(args.data),
              "settings": config.to_dict(),
              "processes": 1 if group is None else group.world_size}
    if not show:
        return 0
    out = save(clf, Path(args.out), info={k: v for k, v in result.items() if k != "settings"})
    result.update(model=str(out), seconds=round(time.perf_counter() - start, 3))
    val = "n/a" if result["val_accuracy"] is None else f"{result['val_accuracy']:.4f}"
    emit(args, result,
         f"trained {config.loss} on the feature matrix {args.data} ({result['processes']} "
         f"process(es)): train accuracy {result['train_accuracy']:.4f}, validation accuracy "
         f"{val}, {result['seconds']:.1f} s; model saved to {out}")
    return 0


def _run(args, group=None):
    start = time.perf_counter()
    config = config_from_args(args)
    if is_feature_source(args.data):
        return _run_features(args, config, start, group)
    if group is not None:
        raise ValueError("--distributed needs --data DIR with X.npy and y.npy (a feature "
                         f"matrix), got {args.data!r}")
    extractor_params = extractor_params_from_args(args)
    dataset = load_from_args(args)
    augment = args.augment or default_augment(args.features, dataset.image_shape)
    model, scores, val_idx = fit_image_classifier(dataset, config, args.features,
                                                  args.val_size, args.seed, augment,
                                                  min_steps=args.epochs is None,
                                                  extractor_params=extractor_params)
    clf = model.classifier
    config = replace(config, epochs=clf.epochs)
    result = {**scores, "epochs": clf.n_iter_, "best_epoch": clf.history_["best_epoch"] + 1,
              "features": args.features, "augment": augment, "loss": config.loss,
              "data": dataset.source, "settings": config.to_dict()}
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
