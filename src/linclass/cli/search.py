"""``linclass search``: hyperparameter search over learning rate x regularization strength.

Trials are drawn log-uniformly from ``--lr LO:HI`` x ``--reg-strength LO:HI`` (``--trials N``),
or laid on a log-spaced grid (``--grid``: ``ceil(sqrt(N))`` values per axis, so ``--trials 16
--grid`` is 4 x 4). Every trial trains the same model ``linclass train`` would with the same
flags, on the same training / validation split, and runs in one of ``--jobs`` worker
processes with one BLAS thread each. A trial whose loss diverges is recorded as diverged,
not as a failure. Written to ``--out DIR``: ``trials.csv`` (every trial), ``search.png``
(validation accuracy over log lr x log reg) and ``model.npz`` (the best validation trial).
"""

import argparse
import csv
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from linclass._files import atomic_write
from linclass._validation import fail
from linclass.classifier import LinearClassifier
from linclass.cli._common import emit, positive_int, progress
from linclass.cli._data import add_data_arguments, load_from_args
from linclass.cli.train import (
    add_training_arguments,
    config_from_args,
    extractor_params_from_args,
    split_features,
)
from linclass.config import replace
from linclass.errors import DivergenceError
from linclass.image_classifier import ImageClassifier
from linclass.model_file import save
from linclass.report import plot_search


def log_range(text):
    """argparse type: ``LO:HI`` with 0 < LO <= HI (or one value X, meaning X:X)."""
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


def sample_trials(lr_range, reg_range, n_trials, grid, rng):
    """The (lr, reg_strength) pairs to try.

    Random: ``n_trials`` pairs, each coordinate log-uniform in its range (Bergstra & Bengio,
    2012, Random search for hyper-parameter optimization, JMLR 13). Grid: ``k = ceil(sqrt(
    n_trials))`` log-spaced values per axis, all ``k * k`` pairs (lr varies fastest).

    >>> sample_trials((1e-3, 1e-1), (1e-2, 1.0), 4, True, None)
    [(0.001, 0.01), (0.1, 0.01), (0.001, 1.0), (0.1, 1.0)]
    """
    if grid:
        k = math.ceil(math.sqrt(n_trials))
        lrs, regs = (np.geomspace(lo, hi, k) if lo < hi else np.full(1, lo)
                     for lo, hi in (lr_range, reg_range))
        return [(float(lr), float(reg)) for reg in regs for lr in lrs]
    log_lr = rng.uniform(*np.log(lr_range), size=n_trials)
    log_reg = rng.uniform(*np.log(reg_range), size=n_trials)
    return [(float(a), float(b)) for a, b in zip(np.exp(log_lr), np.exp(log_reg), strict=True)]


# -- the trials, in worker processes -----------------------------------------------------------

#: The split's features, set once per worker process by :func:`_init_worker`.
_DATA = {}


def _init_worker(X_train, y_train, X_val, y_val, blas_threads):
    """Hold the data (inherited without a copy under ``fork``) and limit BLAS threads."""
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=blas_threads)
    _DATA.update(X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val)


def _run_trial(trial, config):
    """Train one configuration; returns its CSV row and the fitted classifier (None if it
    diverged)."""
    start = time.perf_counter()
    row = {"trial": trial, "lr": config.lr, "reg_strength": config.reg_strength,
           "train_accuracy": None, "val_accuracy": None, "diverged": False}
    clf = LinearClassifier.from_config(config)
    try:
        clf.fit(_DATA["X_train"], _DATA["y_train"],
                validation_data=(_DATA["X_val"], _DATA["y_val"]))
    except DivergenceError:
        row["diverged"], clf = True, None
    else:
        row["train_accuracy"] = float(clf.score(_DATA["X_train"], _DATA["y_train"]))
        row["val_accuracy"] = float(clf.score(_DATA["X_val"], _DATA["y_val"]))
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row, clf


def run_trials(configs, data, jobs, on_done=None):
    """Train every configuration on ``data`` = (X_train, y_train, X_val, y_val).

    With ``jobs > 1``, in that many processes (forked where the platform allows, so the
    features are shared, not copied) with one BLAS thread each; with 1, in this process.
    Returns ``[(row, classifier), ...]`` in the order of ``configs``.
    """
    if jobs == 1:
        _init_worker(*data, blas_threads=None)
        results = []
        try:
            for trial, config in enumerate(configs):
                results.append(_run_trial(trial, config))
                if on_done:
                    on_done()
        finally:
            _DATA.clear()
        return results
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(*data, 1)) as pool:
        futures = [pool.submit(_run_trial, trial, config)
                   for trial, config in enumerate(configs)]
        if on_done:
            for future in futures:
                future.add_done_callback(lambda _: on_done())
        return [future.result() for future in futures]


# -- the command -------------------------------------------------------------------------------

COLUMNS = ("trial", "lr", "reg_strength", "train_accuracy", "val_accuracy", "diverged",
           "seconds")


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "search", parents=[parent], conflict_handler="resolve",
        help="search learning rate x regularization strength on the validation split",
        description=__doc__.split("\n\n", 1)[1])
    add_data_arguments(p)
    add_training_arguments(p)
    group = p.add_argument_group("search")
    # replace train's single --lr / --reg-strength by ranges (conflict_handler="resolve")
    group.add_argument("--lr", type=log_range, metavar="LO:HI",
                       help="learning-rate range, searched on a log scale (default: a decade "
                            "either side of the tuned default)")
    group.add_argument("--reg-strength", type=log_range, metavar="LO:HI",
                       help="regularization-strength range, log scale (default: a decade "
                            "either side of the tuned default)")
    group.add_argument("--trials", type=positive_int, default=16, metavar="N",
                       help="number of trials (default: 16)")
    group.add_argument("--grid", action="store_true",
                       help="a log-spaced grid of ceil(sqrt(N)) values per axis instead of "
                            "random log-uniform trials")
    group.add_argument("--jobs", type=positive_int, default=min(2, os.cpu_count() or 1),
                       metavar="N", help="trials run in parallel (default: 2, one per core)")
    group.add_argument("--out", default="search", metavar="DIR",
                       help="directory for trials.csv, search.png and the best model.npz "
                            "(default: search)")
    return p


def run(args):
    start = time.perf_counter()
    ranges = {"lr": args.lr, "reg_strength": args.reg_strength}
    base = config_from_args(argparse.Namespace(**{**vars(args), "lr": None,
                                                  "reg_strength": None}))
    for name, given in ranges.items():
        default = getattr(base, name)
        ranges[name] = given or (default / 10, default * 10)
    if ranges["reg_strength"][0] == 0:
        raise fail("--reg-strength", "a range LO:HI with LO > 0 (the tuned default is 0)",
                   "no range")
    if args.val_size == 0:
        raise fail("--val-size", "> 0 for a search (trials are compared on the validation "
                   "split)", args.val_size)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    dataset = load_from_args(args)
    pipeline, X_train, y_train, X_val, y_val, _ = split_features(
        dataset, args.features, args.val_size, args.seed,
        extractor_params=extractor_params_from_args(args))
    pairs = sample_trials(ranges["lr"], ranges["reg_strength"], args.trials, args.grid,
                          np.random.default_rng(args.seed))
    configs = [replace(base, lr=lr, reg_strength=reg) for lr, reg in pairs]
    with progress(len(configs), "search", unit="trial") as bar:
        results = run_trials(configs, (X_train, y_train, X_val, y_val),
                             min(args.jobs, len(configs)), on_done=lambda: bar.update(1))
    rows = [row for row, _ in results]

    csv_path = atomic_write(out / "trials.csv", lambda f: _write_csv(f, rows), text=True)
    fig = plot_search(rows)
    plot_path = atomic_write(out / "search.png", lambda f: fig.savefig(f, format="png"))
    finished = [(row, clf) for row, clf in results if not row["diverged"]]
    if not finished:
        raise DivergenceError(f"all {len(rows)} trials diverged (see {csv_path}); "
                              "search a lower --lr range")
    best_row, best_clf = max(finished, key=lambda item: item[0]["val_accuracy"])
    model = ImageClassifier(pipeline, best_clf, dataset.class_names, dataset.image_shape)
    best = {k: best_row[k] for k in ("lr", "reg_strength", "val_accuracy")}
    model_path = save(model, out / "model.npz",
                      info={**best, "train_accuracy": best_row["train_accuracy"],
                            "features": args.features, "data": dataset.source,
                            "search": str(csv_path)})
    result = {"best": best, "trials": rows, "csv": str(csv_path), "plot": str(plot_path),
              "model": str(model_path), "seconds": round(time.perf_counter() - start, 3)}
    n_diverged = len(rows) - len(finished)
    emit(args, result,
         f"{len(rows)} trials ({n_diverged} diverged) in {result['seconds']:.1f} s; best "
         f"validation accuracy {best['val_accuracy']:.4f} at lr {best['lr']:.3g}, "
         f"reg_strength {best['reg_strength']:.3g}; model saved to {model_path}, table "
         f"{csv_path}, plot {plot_path}")
    return 0


def _write_csv(handle, rows):
    writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if row[k] is None else row[k]) for k in COLUMNS} for row in rows)


