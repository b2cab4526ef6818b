"""``linclass search``: parse, call :func:`linclass.search.search`, write its table, plot and
best model, print.

Every setting the settings table marks as searchable (today the learning rate and the
regularization strength) takes a range ``LO:HI``, searched on a log scale (default: a decade
either side of the tuned value). Trials are drawn log-uniformly (``--trials N``) or laid on a
log-spaced grid (``--grid``: ``ceil(N ** (1/d))`` values per axis for ``d`` settings, so
``--trials 16 --grid`` is 4 x 4). Every trial trains what ``linclass train`` trains with the
same flags and the trial's values, on the same training / validation split, in one of
``--jobs`` worker processes with one BLAS thread each. A trial whose loss diverges is recorded
as diverged, not as a failure. Written to ``--out DIR``: ``trials.csv`` (every trial),
``search.png`` (validation accuracy over log lr x log reg) and ``model.npz`` (the best
validation trial). A failed search leaves no folder it created, except the table when every
trial diverged.
"""

import os
import shutil
import time
from pathlib import Path

from linclass.cli._common import (
    StageProgress,
    check_usage,
    emit,
    output_dir,
    positive_int,
    usage_error,
)
from linclass.cli._data import add_data_arguments, report_skipped
from linclass.cli.train import (
    add_training_arguments,
    fit_default,
    job_arguments,
    settings_from_args,
)

HELP = "search the training settings on the validation split"


def add_parser(subparsers, parent):
    p = subparsers.add_parser("search", parents=[parent], help=HELP,
                              description=__doc__.split("\n\n", 1)[1])
    add_data_arguments(p)
    add_training_arguments(p, ranges=True)
    group = p.add_argument_group("search")
    group.add_argument("--trials", type=positive_int, default=16, metavar="N",
                       help="number of trials (default: %(default)s)")
    group.add_argument("--grid", action="store_true",
                       help="a log-spaced grid of ceil(N ** (1/d)) values per axis instead of "
                            "random log-uniform trials")
    group.add_argument("--jobs", type=positive_int, default=min(2, os.cpu_count() or 1),
                       metavar="N",
                       help="trials run in parallel (default: %(default)s, one per core)")
    group.add_argument("--out", default="search", type=output_dir, metavar="DIR",
                       help="directory for trials.csv, search.png and the best model.npz "
                            "(default: %(default)s)")
    return p


def run(args):
    from linclass.job import job_config
    from linclass.search import search, search_space

    start = time.perf_counter()
    if args.val_size == 0:
        usage_error("linclass search: --val-size: must be > 0 for a search (trials are "
                    "compared on the validation split), got 0", "usage")
    space = search_space()
    ranges = {name: getattr(args, name) for name in space if getattr(args, name) is not None}
    fixed = settings_from_args(args, names=[n for n in vars(args) if n not in space])
    check_usage(args, lambda: job_config(args.features or fit_default("features"), 1, fixed))
    with StageProgress() as progress:
        result = search(args.data, **job_arguments(args), ranges=ranges,
                        n_trials=args.trials, grid=args.grid, jobs=args.jobs,
                        progress=progress, **fixed)
    report_skipped(result)
    out = Path(args.out)
    created = not out.exists()
    keep = False
    try:
        out.mkdir(parents=True, exist_ok=True)
        csv_path, plot_path = _write_table(out, result)
        if result.best is None:
            from linclass.errors import DivergenceError

            keep = True  # the table says what diverged
            raise DivergenceError(f"all {len(result.rows)} trials diverged (see {csv_path}); "
                                  "search a lower --lr range")
        from linclass.model_file import save

        best = {**{name: result.best[name] for name in space},
                "val_accuracy": result.best["val_accuracy"]}
        model_path = save(result.model, out / "model.npz",
                          info={**best, "train_accuracy": result.best["train_accuracy"],
                                "features": result.features, "data": result.source,
                                "search": str(csv_path),
                                "settings": result.config.to_dict()})
    except BaseException:
        if created and not keep:
            shutil.rmtree(out, ignore_errors=True)
        raise
    summary = {"best": best, "trials": result.rows, "csv": str(csv_path),
               "plot": str(plot_path), "model": str(model_path),
               "seconds": round(time.perf_counter() - start, 3)}
    n_diverged = sum(row["diverged"] for row in result.rows)
    values = ", ".join(f"{name} {best[name]:.3g}" for name in space)
    emit(args, summary,
         f"{len(result.rows)} trials ({n_diverged} diverged) in {summary['seconds']:.1f} s; "
         f"best validation accuracy {best['val_accuracy']:.4f} at {values}; model saved to "
         f"{model_path}, table {csv_path}, plot {plot_path}")
    return 0


def _write_table(out, result):
    """``trials.csv`` and ``search.png`` in ``out``; returns their paths."""
    import csv

    from linclass._files import atomic_write
    from linclass.report import plot_search

    def write(handle):
        writer = csv.DictWriter(handle, fieldnames=result.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if row[k] is None else row[k]) for k in result.columns}
                         for row in result.rows)

    csv_path = atomic_write(out / "trials.csv", write, text=True)
    fig = plot_search(result.rows)
    plot_path = atomic_write(out / "search.png", lambda f: fig.savefig(f, format="png"))
    return csv_path, plot_path
