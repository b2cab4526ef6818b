"""``linclass train``: parse the flags, call :func:`linclass.job.fit`, save the model, print.

The training flags are the settings table's (:func:`linclass.config.settings`, those with
``flag``): ``reg_strength`` is ``--reg-strength``; its type parses the text and runs the
setting's own check, its choices are the registry's, its help is the setting's help with the
default and the tuned values of :data:`linclass.config.DEFAULTS`. The ``--kmeans-*`` flags are
:class:`linclass.features.KMeansFeatures` parameters, with its defaults and docstring.
"""

import argparse
import inspect
import time

from linclass.cli._common import StageProgress, check_usage, emit, output_dir, output_file
from linclass.cli._data import add_data_arguments, report_skipped

HELP = "train a linear classifier and save the model"

#: ``(flag, KMeansFeatures parameter)`` of the k-means flags (``--features kmeans``).
KMEANS_FLAGS = (
    ("--kmeans-centroids", "n_centroids"),
    ("--kmeans-field", "receptive_field"),
    ("--kmeans-stride", "stride"),
    ("--kmeans-patches", "n_patches"),
    ("--kmeans-iterations", "max_iter"),
    ("--kmeans-whitening", "whitening_eps"),
    ("--kmeans-init", "centroids"),
    ("--kmeans-mirror", "mirror"),
    ("--kmeans-encoder", "encoder"),
    ("--kmeans-threshold", "threshold"),
    ("--kmeans-pooling", "pooling"),
    ("--kmeans-precision", "precision"),
)


def _literal(text):
    """``text`` as an int, else a float, else the text itself."""
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return text


def setting_type(name, default, check):
    """argparse type of a setting: parse the text (a float setting takes ``1`` as ``1.0``)
    and run the setting's check; a bad value is a usage error."""

    def parse(text):
        value = _literal(text)
        if isinstance(default, float) and isinstance(value, int):
            value = float(value)
        if check is not None:
            try:
                check(name, value)
            except ValueError as error:
                raise argparse.ArgumentTypeError(
                    str(error).removeprefix(f"{name} ").rstrip(".")) from None
        return value

    parse.__name__ = name  # argparse names the type in its messages
    return parse


def feature_spec(text):
    """argparse type of ``--features``: names of :data:`linclass.features.FEATURES` joined by
    ``+`` (an unknown name is a usage error)."""
    from linclass.features import FeaturePipeline

    try:
        FeaturePipeline.from_spec(text, cache=False)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            str(error).removeprefix("features ").rstrip(".")) from None
    return text


def log_range(text):
    """argparse type: ``LO:HI`` with 0 < LO <= HI (or one value X, meaning X:X)."""
    import math

    parts = text.split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2):
        raise argparse.ArgumentTypeError(f"must be LO:HI (two numbers), got {text!r}")
    lo, hi = values[0], values[-1]
    if not (0 < lo <= hi < math.inf):
        raise argparse.ArgumentTypeError(
            f"must be LO:HI with 0 < LO <= HI (searched on a log scale), got {text!r}")
    return lo, hi


def _job_default(name):
    """The setting's default and the tuned values of :data:`linclass.config.DEFAULTS` that
    set it (per feature set, with its default loss, and per feature set and loss), as help
    text; ``None`` when the default is ``None`` (the help says what it means)."""
    from linclass.config import DEFAULTS, TrainConfig, default_config

    base = getattr(TrainConfig.from_dict(DEFAULTS.get(("*", "*"), {})), name)
    tuned, default_loss = {}, {}
    for features in dict.fromkeys(f for f, _ in DEFAULTS if f != "*"):
        config = default_config(features)
        default_loss[features] = config.loss
        if getattr(config, name) != base:
            tuned[features] = getattr(config, name)
    for (features, loss), values in DEFAULTS.items():
        if features != "*" and loss not in ("*", default_loss.get(features)) and name in values:
            tuned[f"{features} + {loss}"] = values[name]
    if base is None and not tuned:
        return None
    text = f"default: {base}" + "".join(f"; {k}: {v}" for k, v in tuned.items())
    return text.replace("%", "%%")


def fit_default(name):
    from linclass.job import fit

    return inspect.signature(fit).parameters[name].default


def add_training_arguments(parser, *, ranges=False):
    """Flags of the features and the training settings (shared with ``linclass search``).

    Unset flags are ``None`` and take the tuned default for the feature set and loss
    (:data:`linclass.config.DEFAULTS`). With ``ranges`` the settings a search samples take
    a range ``LO:HI`` instead of one value.
    """
    from linclass.config import settings

    group = parser.add_argument_group("training")
    group.add_argument("--features", type=feature_spec, metavar="F",
                       help="feature set: 'raw', 'hog', 'hsv', 'kmeans', ... or names joined "
                            f"by '+' such as 'hog+hsv' (default: {fit_default('features')}; "
                            "ignored for a feature matrix)")
    for name, default, meta in settings():
        if not meta["flag"]:
            continue
        flag = "--" + name.replace("_", "-")
        if ranges and meta["search"]:
            group.add_argument(flag, dest=name, type=log_range, metavar="LO:HI",
                               help=f"range of the {meta['help']}, searched on a "
                                    f"{meta['search']} scale (default: a decade either side "
                                    "of the value for the feature set and loss: "
                                    f"{_job_default(name).removeprefix('default: ')})")
            continue
        default_text = _job_default(name)
        kwargs = {"help": meta["help"] + (f" ({default_text})" if default_text else "")}
        if isinstance(default, bool):
            kwargs["action"] = argparse.BooleanOptionalAction
        elif meta["choices"] is not None:
            kwargs["choices"] = list(meta["choices"]())
        else:
            kwargs.update(type=setting_type(name, default, meta["check"]),
                          metavar=name.split("_")[-1].upper())
        group.add_argument(flag, dest=name, **kwargs)
    _add_kmeans_arguments(parser)
    return group


def _add_kmeans_arguments(parser):
    """The ``--kmeans-*`` flags: numbers > 0 of the default's type, names from the
    docstring's ``{...}`` choices, booleans as ``--flag / --no-flag``."""
    from linclass.cli._common import positive_float, positive_int
    from linclass.features import KMeansFeatures

    group = parser.add_argument_group("k-means features (--features kmeans)")
    defaults = inspect.signature(KMeansFeatures).parameters
    docs = _parameter_docs(KMeansFeatures)
    for flag, param in KMEANS_FLAGS:
        default = defaults[param].default
        kind, text = docs[param]
        kwargs = {"dest": f"kmeans_{param}",
                  "help": f"{text} (default: {default})".replace("%", "%%")}
        if isinstance(default, bool):
            kwargs["action"] = argparse.BooleanOptionalAction
        elif isinstance(default, str):
            kwargs["choices"] = [c.strip().strip('"\'') for c in kind.strip("{}").split(",")]
        else:
            kwargs.update(type=positive_int if isinstance(default, int) else positive_float,
                          metavar="X")
        group.add_argument(flag, **kwargs)


def _parameter_docs(cls):
    """``{name: (type, first sentence)}`` of a numpydoc ``Parameters`` section."""
    lines = inspect.getdoc(cls).splitlines()
    start = lines.index("Parameters") + 2
    docs, name = {}, None
    for line in lines[start:]:
        if not line.strip() or (line and not line.startswith(" ") and " : " not in line):
            break
        if not line.startswith(" "):
            name, _, kind = line.partition(" : ")
            docs[name] = [kind.strip(), ""]
        elif name is not None:
            docs[name][1] += " " + line.strip()
    return {k: (kind, text.strip().split(". ")[0].rstrip(".")) for k, (kind, text) in docs.items()}


def extractor_params_from_args(args):
    """``{"kmeans": {...}}`` of the k-means flags that are set (``{}`` when none is).

    A k-means flag with a feature set that has no k-means extractor is an error.
    """
    kmeans = {param: getattr(args, f"kmeans_{param}") for _, param in KMEANS_FLAGS
              if getattr(args, f"kmeans_{param}", None) is not None}
    if not kmeans:
        return {}
    features = args.features or fit_default("features")
    if "kmeans" not in [name.strip() for name in features.split("+")]:
        raise ValueError(f"--kmeans-* flags need --features with 'kmeans', got {features!r}")
    return {"kmeans": kmeans}


def settings_from_args(args, names=None):
    """The training settings given on the command line (unset flags left out), ``seed``
    included."""
    from linclass.config import settings

    given = {name: getattr(args, name, None) for name, _, meta in settings()
             if meta["flag"] and (names is None or name in names)}
    return {**{k: v for k, v in given.items() if v is not None}, "seed": args.seed}


def job_arguments(args):
    """Keyword arguments of :func:`linclass.job.fit` shared by train and search."""
    out = {"val_size": args.val_size, "extractor_params": extractor_params_from_args(args),
           "split": args.split, "image_size": args.image_size, "skip_bad": args.skip_bad}
    for name in ("features", "normalize", "augment"):
        if getattr(args, name, None) is not None:
            out[name] = getattr(args, name)
    return out


def add_parser(subparsers, parent):
    from linclass.augment import AUGMENTATIONS
    from linclass.config import MIN_STEPS
    from linclass.job import NORMALIZE

    p = subparsers.add_parser(
        "train", parents=[parent], help=HELP,
        description="Extract features, train a linear classifier on the training split "
                    "(validated every epoch on a held-out stratified split), and save "
                    "everything needed to classify raw images in one .npz file: what "
                    "linclass.fit(...) does in Python. Unset training flags take the "
                    "defaults tuned for the feature set and loss; without --epochs a small "
                    f"training set gets epochs for at least {MIN_STEPS:,} minibatch steps. "
                    "With --data naming a feature matrix (a directory with X.npy (N, D) and "
                    "y.npy (N,), or a .npz with a 2-D float X; e.g. image embeddings), X is "
                    "memory-mapped, --features is ignored, a validation split is held out "
                    "too, --normalize applies, and the saved model classifies feature rows.")
    add_data_arguments(p)
    add_training_arguments(p)
    p.add_argument("--augment", choices=list(AUGMENTATIONS),
                   help="enlarge the training images: 'flip' adds their mirror images "
                        "(default: flip for raw features of colour images, else none)")
    p.add_argument("--normalize", choices=list(NORMALIZE),
                   help="feature matrices: standardize columns (folded into the saved "
                        "weights), L2-normalize rows (CLIP_benchmark's choice for "
                        f"embeddings), or none (default: {fit_default('normalize')})")
    p.add_argument("--out", default="model.npz", type=output_file, metavar="MODEL",
                   help="model file to write (default: %(default)s)")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel training over torch.distributed (gloo) for every data "
                        "source: launch with torchrun --nproc-per-node N -m linclass train "
                        "... --distributed; rank 0 reads and extracts the features once and "
                        "the other ranks memory-map them; every rank needs the same --seed; "
                        "rank 0 writes the model")
    p.add_argument("--report", type=output_dir, metavar="DIR",
                   help="also write the report (figures and index.html) on the validation "
                        "split into DIR")
    return p


def run(args):
    if not args.distributed:
        return _run(args)
    from linclass import distributed

    group = distributed.init()
    try:
        return _run(args, group)
    finally:
        distributed.shutdown()


def _run(args, group=None):
    from linclass.job import FEATURE_MATRIX, fit, job_config
    from linclass.model_file import save

    start = time.perf_counter()
    settings = settings_from_args(args)
    check_usage(args, lambda: job_config(args.features or fit_default("features"), 1,
                                         settings))
    main = group is None or group.is_main
    with StageProgress(enabled=main) as progress:
        result = fit(args.data, **job_arguments(args), progress=progress,
                     callback=progress.epoch, parallel=group, **settings)
    if not main:
        return 0
    report_skipped(result)
    summary = {**result.summary(), "processes": 1 if group is None else group.world_size}
    out = save(result.model, args.out, info={k: v for k, v in summary.items()
                                             if k != "settings"})
    if args.report and result.features != FEATURE_MATRIX:
        summary["report"] = _write_report(args, result)
    summary.update(model=str(out), seconds=round(time.perf_counter() - start, 3))
    val = "n/a" if summary["val_accuracy"] is None else f"{summary['val_accuracy']:.4f}"
    chosen = "" if "reg_path" not in summary else (
        f"; lambda {summary['reg_strength']:.3g} chosen on the validation split"
        + (", then refit on training + validation rows" if summary["refit"] else ""))
    emit(args, summary,
         f"trained {summary['loss']} on {summary['features']} features of {summary['data']} "
         f"({summary['solver']}, {summary['processes']} process(es)): train accuracy "
         f"{summary['train_accuracy']:.4f}, validation accuracy {val} (best of "
         f"{summary['epochs']} epochs: {summary['best_epoch']}){chosen}, "
         f"{summary['seconds']:.1f} s; model saved to {out}")
    return 0


def _write_report(args, result):
    """The report of ``--report`` on the validation images (all images without a split)."""
    from pathlib import Path

    from linclass.job import open_data
    from linclass.report import write_report

    dataset = open_data(args.data, split=args.split, image_size=args.image_size,
                        skip_bad=args.skip_bad)
    shown = dataset if result.val_idx is None else dataset.subset(result.val_idx)
    write_report(result.model, shown, args.report, seed=args.seed)
    return str(Path(args.report) / "index.html")
