"""Hyperparameter search: trials that train exactly what :func:`linclass.fit` trains.

The search space is the settings table's: every setting whose metadata has a ``search`` scale
(:func:`search_space`; today ``lr`` and ``reg_strength``, both on a log scale). The data is
prepared once (:func:`linclass.job.prepare`: the same split, augmentation and features as
``fit`` with the same arguments); each trial's settings go through the same
:func:`linclass.job.job_config` (tuned defaults, epochs grown for small sets) and
:func:`linclass.job.train_prepared`, so a trial and ``fit`` with the trial's settings give the
same weights.

>>> import numpy as np
>>> sample_trials({"reg_strength": (1e-2, 1.0), "lr": (1e-3, 1e-1)}, 4, grid=True)
[{'reg_strength': 0.01, 'lr': 0.001}, {'reg_strength': 0.01, 'lr': 0.1}, \
{'reg_strength': 1.0, 'lr': 0.001}, {'reg_strength': 1.0, 'lr': 0.1}]
"""

import itertools
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from linclass._validation import fail
from linclass.config import settings as settings_table

__all__ = ["SearchResult", "default_ranges", "run_trials", "sample_trials", "search",
           "search_space"]


def search_space():
    """``{name: scale}`` of the settings a search samples, in the table's order."""
    return {name: meta["search"] for name, _, meta in settings_table()
            if meta["search"] is not None}


def default_ranges(config, names=None):
    """A decade either side of ``config``'s value for the searched settings ``names``
    (default: all of :func:`search_space`).

    A setting whose value is not a positive number (``reg_strength="auto"`` or 0) has no
    default range: it is an error naming the setting.
    """
    ranges = {}
    for name in search_space() if names is None else names:
        value = getattr(config, name)
        if isinstance(value, str) or not value > 0:
            raise fail(name, "a range LO:HI with 0 < LO <= HI to search (its default "
                       f"{value!r} has no decade around it)", "no range")
        ranges[name] = (value / 10, value * 10)
    return ranges


def sample_trials(ranges, n_trials, *, grid=False, rng=None):
    """The settings of each trial, a list of dicts ``{name: value}``.

    Random (default): ``n_trials`` draws, each coordinate log-uniform in its range
    (Bergstra & Bengio, 2012, Random search for hyper-parameter optimization, JMLR 13).
    Grid: ``k = ceil(n_trials ** (1 / d))`` log-spaced values per axis for ``d`` ranges, all
    ``k ** d`` combinations (the last range varies fastest).

    Parameters
    ----------
    ranges : dict
        ``{name: (lo, hi)}`` with ``0 < lo <= hi``.
    n_trials : int >= 1
    grid : bool
    rng : numpy.random.Generator or int, optional
    """
    for name, (lo, hi) in ranges.items():
        if not 0 < lo <= hi < math.inf:
            raise fail(name, "a range LO:HI with 0 < LO <= HI (searched on a log scale)",
                       f"{lo}:{hi}")
    names = list(ranges)
    if grid:
        k = math.ceil(n_trials ** (1 / len(names)) - 1e-9)
        axes = [np.geomspace(lo, hi, k) if lo < hi else np.full(1, lo)
                for lo, hi in ranges.values()]
        return [dict(zip(names, map(float, values), strict=True))
                for values in itertools.product(*axes)]
    rng = np.random.default_rng(rng)
    draws = [np.exp(rng.uniform(*np.log(ranges[name]), size=n_trials)) for name in names]
    return [dict(zip(names, map(float, values), strict=True))
            for values in zip(*draws, strict=True)]


# -- the trials, in worker processes -----------------------------------------------------------

#: The prepared data, set once per worker process by :func:`_init_worker`.
_DATA = {}


def _init_worker(prepared, blas_threads):
    """Hold the data (inherited without a copy under ``fork``) and limit BLAS threads."""
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=blas_threads)
    _DATA["prepared"] = prepared


def _run_trial(trial, config):
    """Train one configuration; returns ``(row, classifier)`` (``None`` if it diverged)."""
    from linclass.errors import DivergenceError
    from linclass.job import train_prepared

    prepared = _DATA["prepared"]
    start = time.perf_counter()
    row = {"trial": trial, **{name: getattr(config, name) for name in search_space()},
           "epochs": config.epochs, "train_accuracy": None, "val_accuracy": None,
           "diverged": False}
    try:
        clf = train_prepared(prepared, config)
    except DivergenceError:
        row["diverged"], clf = True, None
    else:
        row["train_accuracy"] = float(clf.score(prepared.X_train, prepared.y_train))
        row["val_accuracy"] = float(clf.score(prepared.X_val, prepared.y_val))
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row, clf


def run_trials(prepared, configs, *, jobs=1, progress=None):
    """Train every configuration on ``prepared`` (:func:`linclass.job.prepare`).

    With ``jobs > 1``, in that many processes (forked where the platform allows, so the
    features are shared, not copied) with one BLAS thread each; with 1, in this process.
    ``progress("search", done, total)`` is called as trials finish. Returns
    ``[(row, classifier), ...]`` in the order of ``configs``; a diverged trial's classifier is
    ``None`` and its row says ``diverged``.
    """
    total = len(configs)
    done = 0

    def finished(_=None):
        nonlocal done
        done += 1
        if progress is not None:
            progress("search", done, total)

    if jobs == 1:
        _init_worker(prepared, blas_threads=None)
        results = []
        try:
            for trial, config in enumerate(configs):
                results.append(_run_trial(trial, config))
                finished()
        finally:
            _DATA.clear()
        return results
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(prepared, 1)) as pool:
        futures = [pool.submit(_run_trial, trial, config)
                   for trial, config in enumerate(configs)]
        for future in futures:
            future.add_done_callback(finished)
        return [future.result() for future in futures]


@dataclass
class SearchResult:
    """What :func:`search` returns.

    Attributes
    ----------
    rows : list of dict
        One per trial: ``trial``, the searched settings, ``epochs``, ``train_accuracy``,
        ``val_accuracy`` (``None`` when diverged), ``diverged``, ``seconds``.
    best : dict or None
        The row with the best validation accuracy (``None`` when every trial diverged).
    model : ImageClassifier, LinearClassifier or None
        The best trial's model.
    config : linclass.config.TrainConfig or None
        The best trial's settings.
    columns : tuple of str
        The keys of every row, in order.
    source, features : str
    """

    rows: list
    best: dict | None
    model: Any
    config: Any
    columns: tuple
    source: str
    features: str


def search(data, features="raw", *, ranges=None, n_trials=16, grid=False, jobs=1,
           val_size=None, augment=None, extractor_params=None, normalize="standardize",
           split=None, image_size=None, skip_bad=False, progress=None, **settings):
    """Train ``n_trials`` configurations on one validation split; the best one wins.

    Parameters
    ----------
    data, features, val_size, augment, extractor_params, normalize, split, image_size, \
skip_bad, progress, **settings
        As :func:`linclass.fit`; ``settings`` are fixed in every trial.
    ranges : dict, optional
        ``{name: (lo, hi)}`` for the settings of :func:`search_space`; a missing one takes
        :func:`default_ranges` (a decade either side of its tuned default).
    n_trials : int
    grid : bool
        A log-spaced grid instead of random log-uniform draws (:func:`sample_trials`).
    jobs : int
        Trials run in parallel processes.

    Returns
    -------
    SearchResult
    """
    from linclass.job import finish, job_config, prepare

    if val_size == 0:
        raise fail("val_size", "> 0 for a search (trials are compared on the validation "
                   "split)", val_size)
    searched = search_space()
    unknown = set(ranges or {}) - set(searched)
    if unknown:
        raise fail("ranges", f"ranges of {sorted(searched)}", sorted(unknown))
    fixed = {k: v for k, v in settings.items() if k not in searched}
    seed = fixed.get("seed")
    seed = 0 if seed is None else seed
    base = job_config(features, 1, fixed)  # bad settings fail before any data is read
    given = dict(ranges or {})
    ranges = {**default_ranges(base, [n for n in searched if n not in given]), **given}
    ranges = {name: ranges[name] for name in searched}
    trials = sample_trials(ranges, n_trials, grid=grid, rng=seed)
    prepared = prepare(data, features, val_size=val_size, augment=augment,
                       extractor_params=extractor_params, normalize=normalize, seed=seed,
                       split=split, image_size=image_size, skip_bad=skip_bad,
                       progress=progress)
    configs = [job_config(prepared.features, len(prepared.y_train), {**fixed, **trial})
               for trial in trials]
    results = run_trials(prepared, configs, jobs=min(jobs, len(configs)), progress=progress)
    rows = [row for row, _ in results]
    columns = tuple(rows[0])
    finished = [(row, clf, config) for (row, clf), config in zip(results, configs, strict=True)
                if not row["diverged"]]
    if not finished:
        return SearchResult(rows, None, None, None, columns, prepared.source,
                            prepared.features)
    best_row, best_clf, best_config = max(finished, key=lambda item: item[0]["val_accuracy"])
    return SearchResult(rows, best_row, finish(prepared, best_clf), best_config, columns,
                        prepared.source, prepared.features)
