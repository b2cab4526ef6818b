"""Data-parallel full-batch solvers: L-BFGS and the exact least-squares solve, 1 vs 2 processes.

A probe-shaped problem held in memory (default 100,000 x 768 float32, L2-normalized rows
around 100 class means, the training set of ``probe()`` in ``benchmarks/bench_probe.py``;
every rank generates all of it from the same seed and :mod:`linclass.distributed` takes its
contiguous share of the rows) is solved by :func:`linclass.training.train` in 1 process and in
2 gloo processes on 127.0.0.1, each rank with one BLAS thread and pinned to its own core,
plus 1 process with two BLAS threads on both cores:

- softmax + L2 (lambda 1e-4) by L-BFGS, 20 iterations (``max_iter``): seconds per
  iteration and per objective evaluation (``history["iterations"]``,
  ``history["evaluations"]``; the wall time of the whole ``train`` call on rank 0 between
  two barriers), and the time inside the evaluations (``Objective.__call__``);
- least squares + L2 (lambda 1e-3) by the exact solve, best of 3; in 1 process also its
  parts: the Gram statistics (:func:`linclass.ridge.gram_stats`) and the Cholesky solve
  (:func:`linclass.ridge.solve_stats`);
- the bytes all-reduced: counted by wrapping ``torch.distributed.all_reduce`` in the
  workers (calls, bytes per call) and checked against the shapes the code packs
  (:meth:`linclass.distributed.DataParallel.reduce`: D C + C + 2 float64 per evaluation;
  :meth:`linclass.ridge.GramStats.pack`: D^2 + D C + D + C + 2 float64 per solve);
- one all-reduce of each of those sizes between the 2 local gloo processes (mean of 20).

From the 1-process, 1-thread numbers, a "Scaling model" predicts the time per L-BFGS
iteration and per exact solve on P machines, with a ring all-reduce over an assumed network.

Cores: ``linclass.objective.loss_parts`` splits a large X over ``THREADS`` Python threads, as
many as the process's CPU affinity allows, whatever ``OPENBLAS_NUM_THREADS`` says; so the
1-thread settings pin each rank to one core (``sched_setaffinity``) to use one core each.

Run from the repository root::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_distributed_fullbatch
"""

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks._common import RESULTS_DIR, best_of, footer, launch_ranks, write_results

N, D, C = 100_000, 768, 100
LBFGS_LAMBDA, LBFGS_ITERATIONS = 1e-4, 20
EXACT_LAMBDA, EXACT_REPEATS = 1e-3, 3
ALLREDUCE_REPEATS = 20
#: (name, processes, BLAS threads per rank)
SETTINGS = [("1 process, 1 thread", 1, 1), ("1 process, 2 threads", 1, 2),
            ("2 gloo processes", 2, 1)]

#: The scaling model's network: assumptions, not measurements.
BANDWIDTH_BITS = 10e9  # 10 Gb/s per link
LATENCY = 50e-6  # seconds per message
MACHINES = (1, 2, 8, 64)


def make_data(n, seed=0):
    """The training set of ``bench_probe.probe(n)``: X (n, D) float32 unit rows, y (n,)."""
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((C, D), dtype=np.float32)
    y = rng.integers(0, C, n)
    X = rng.standard_normal((n, D), dtype=np.float32) * np.float32(8.0)
    X += means[y]
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, y


def lbfgs_floats(d=D, c=C):
    """float64 numbers per L-BFGS evaluation's all-reduce: [dW (D C), db (C), loss, penalty]."""
    return d * c + c + 2


def exact_floats(d=D, c=C):
    """float64 numbers of the exact solve's all-reduce: GramStats.pack's
    [gram (D^2), rhs (D C), w x_mean (D), w t_mean (C), weight, norm]."""
    return d * d + d * c + d + c + 2


def ring_allreduce(nbytes, p):
    """Seconds of a ring all-reduce of ``nbytes`` over ``p`` machines on the assumed network:
    2 (P-1)/P * bytes / bandwidth + 2 (P-1) * latency."""
    if p == 1:
        return 0.0
    return 2 * (p - 1) / p * nbytes / (BANDWIDTH_BITS / 8) + 2 * (p - 1) * LATENCY


class AllReduceCounter:
    """Wraps ``torch.distributed.all_reduce`` (what ``DataParallel.sum`` calls): calls, bytes
    per call and seconds inside it (on rank 0 that includes waiting for the other rank)."""

    def __init__(self):
        import torch.distributed as dist

        self.original = dist.all_reduce
        dist.all_reduce = self
        self.reset()

    def reset(self):
        self.calls, self.bytes, self.seconds, self.sizes = 0, 0, 0.0, set()

    def __call__(self, tensor, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.original(tensor, *args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            nbytes = tensor.numel() * tensor.element_size()
            self.calls += 1
            self.bytes += nbytes
            self.sizes.add(nbytes)

    def snapshot(self):
        return {"calls": self.calls, "bytes": self.bytes, "seconds": self.seconds,
                "sizes": sorted(self.sizes)}


class EvaluationTimer:
    """Seconds inside L-BFGS's objective evaluations (``Objective.__call__``, the all-reduce
    included), by wrapping the class's method in this process."""

    def __init__(self):
        from linclass.solvers import _lbfgs

        self.seconds = 0.0
        self.available = "__call__" in vars(getattr(_lbfgs, "Objective", object))
        if not self.available:
            return
        original = _lbfgs.Objective.__call__

        def timed_call(objective, theta):
            start = time.perf_counter()
            try:
                return original(objective, theta)
            finally:
                self.seconds += time.perf_counter() - start

        _lbfgs.Objective.__call__ = timed_call


def worker(rows, out):
    """One rank: generate the data, warm up, time L-BFGS, the exact solve and the
    all-reduces; rank 0 writes the numbers to ``out``."""
    from linclass import distributed
    from linclass.config import TrainConfig
    from linclass.ridge import gram_stats, solve_stats
    from linclass.training import train

    rows = int(rows)
    group = distributed.init() if "RANK" in os.environ else distributed.DataParallel(0, 1)
    parallel = group if group.world_size > 1 else None
    counter = AllReduceCounter() if parallel is not None else None
    evaluations = EvaluationTimer()
    X, y = make_data(rows)
    lbfgs = TrainConfig(loss="softmax", solver="lbfgs", reg_strength=LBFGS_LAMBDA,
                        max_iter=LBFGS_ITERATIONS)
    exact = TrainConfig(loss="least_squares", solver="exact", reg_strength=EXACT_LAMBDA)
    # warm-up: imports, gloo's connections, the loss's thread pool, SciPy's BLAS
    small = min(rows, 2_000)
    for config in (replace(lbfgs, max_iter=2), exact):
        train(X[:small], y[:small], config, n_classes=C, parallel=parallel)

    def timed(fn):
        group.barrier()
        if counter is not None:
            counter.reset()
        evaluations.seconds = 0.0
        start = time.perf_counter()
        result = fn()
        group.barrier()
        seconds = time.perf_counter() - start
        return seconds, result, (counter.snapshot() if counter is not None else None)

    seconds, result, reduced = timed(
        lambda: train(X, y, lbfgs, n_classes=C, parallel=parallel))
    history = result.history
    report = {"lbfgs": {"seconds": seconds, "iterations": history["iterations"],
                        "evaluations": history["evaluations"], "stop": history["stop"],
                        "objective": history["loss"][-1],
                        "evaluation_seconds": evaluations.seconds
                        if evaluations.available else None,
                        "allreduce": reduced}}
    best = None
    for _ in range(EXACT_REPEATS):
        seconds, result, reduced = timed(
            lambda: train(X, y, exact, n_classes=C, parallel=parallel))
        if best is None or seconds < best["seconds"]:
            best = {"seconds": seconds, "objective": result.history["loss"][0],
                    "allreduce": reduced}
    report["exact"] = best
    if parallel is None:  # the exact solve's parts, for the scaling model
        stats = gram_stats(X, y, C, margin=exact.margin)
        report["gram_seconds"] = best_of(lambda: gram_stats(X, y, C, margin=exact.margin),
                                         EXACT_REPEATS)
        report["solve_seconds"] = best_of(lambda: solve_stats(stats, EXACT_LAMBDA),
                                          EXACT_REPEATS)
    else:  # one all-reduce of each size between the ranks (DataParallel.sum, as the solvers)
        report["allreduce_seconds"] = {}
        for name, floats in (("lbfgs", lbfgs_floats()), ("exact", exact_floats())):
            flat = np.zeros(floats)
            for _ in range(3):
                group.sum(flat)
            group.barrier()
            start = time.perf_counter()
            for _ in range(ALLREDUCE_REPEATS):
                group.sum(flat)
            report["allreduce_seconds"][name] = \
                (time.perf_counter() - start) / ALLREDUCE_REPEATS
    from linclass.objective import THREADS

    report["affinity"] = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else None
    report["loss_threads"] = THREADS
    if group.is_main:
        Path(out).write_text(json.dumps(report))
    distributed.shutdown()


def cores(rank, threads):
    """The cores of ``rank`` when each rank has ``threads`` of them (wrapping around)."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else list(range(os.cpu_count() or 1))
    return {available[(rank * threads + k) % len(available)] for k in range(threads)}


def run(folder, rows, processes, threads):
    out = Path(folder) / "timing.json"
    return launch_ranks("benchmarks.bench_distributed_fullbatch", [rows, out], out, processes,
                        threads, cores=lambda rank: cores(rank, threads))


def allreduce_cell(measured, floats):
    """'calls x bytes' measured, checked against the computed size."""
    if measured is None:
        return "-"
    sizes = measured["sizes"]
    match = "= computed" if sizes == [floats * 8] else f"computed {floats * 8:,}"
    return f"{measured['calls']} x {', '.join(f'{s:,}' for s in sizes)} ({match})"


def scaling_model(base, parallel):
    """The model's lines from the 1-process, 1-thread report ``base``."""
    lb = base["lbfgs"]
    iterations = max(lb["iterations"], 1)
    per_iteration = lb["seconds"] / iterations
    evals_per_iteration = lb["evaluations"] / iterations
    eval_total = lb["evaluation_seconds"] if lb["evaluation_seconds"] is not None \
        else lb["seconds"]
    # compute in the evaluations splits over P; the rest (two-loop recursion, line search
    # bookkeeping, the training accuracy on 10,000 rows every rank computes) does not
    split = eval_total / iterations
    serial = per_iteration - split
    gram, solve = base["gram_seconds"], base["solve_seconds"]
    exact_total = base["exact"]["seconds"]
    rest = max(exact_total - gram - solve, 0.0)
    lbfgs_bytes, exact_bytes = lbfgs_floats() * 8, exact_floats() * 8

    def lbfgs_time(p, allreduce):
        compute = split / p + serial
        return compute, compute + evals_per_iteration * allreduce

    def exact_time(p, allreduce):
        compute = gram / p + solve + rest / p
        return compute, compute + 2 * allreduce  # the statistics, then the report's objective

    rows = []
    for p in MACHINES:
        lc, lt = lbfgs_time(p, ring_allreduce(lbfgs_bytes, p))
        ec, et = exact_time(p, ring_allreduce(exact_bytes, p))
        rows.append(f"| {p} | {lt:.3f} | {lc / lt:.0%} | {per_iteration / lt:.1f}x | "
                    f"{et:.3f} | {ec / et:.0%} | {exact_total / et:.1f}x |")
    lines = [
        "## Scaling model",
        "",
        "Per L-BFGS iteration: T(P) = T_split(N) / P + T_serial + e * A(bytes_eval, P); per "
        "exact solve: T(P) = (T_gram(N) + T_report(N)) / P + T_solve + A(bytes_exact, P) + "
        "A(bytes_eval, P), with the "
        "ring all-reduce A(bytes, P) = 2 (P-1)/P * bytes / bandwidth + 2 (P-1) * latency "
        "(0 for P = 1).",
        "",
        f"- Assumed network (assumptions, not measured): {BANDWIDTH_BITS / 1e9:g} Gb/s per "
        f"link, {LATENCY * 1e6:g} us latency per message; one machine computes as one rank "
        "of this benchmark (1 core, 1 BLAS thread).",
        f"- From the 1-process, 1-thread run: {per_iteration:.3f} s per iteration, of which "
        f"T_split = {split:.3f} s in the objective evaluations (loss + gradient over the N rows, "
        f"split over P) and T_serial = {serial:.3f} s outside them (the L-BFGS two-loop "
        "recursion and line search on 77k-vectors, the training accuracy on up to 10,000 rows "
        f"that every rank computes; not split); e = {evals_per_iteration:.2f} evaluations "
        f"(all-reduces of {lbfgs_bytes:,} bytes) per iteration.",
        f"- Exact solve ({exact_total:.3f} s in 1 process): T_gram = {gram:.3f} s (the Gram "
        f"statistics, N D^2 / 2 multiply-adds, split over P), T_solve = {solve:.3f} s (the "
        f"float64 Cholesky factorization and solve of the {D} x {D} system, D^3 / 3, not "
        f"split), T_report = {rest:.3f} s (the rest of `train`: `report_solution`'s objective "
        "over each rank's rows, split over P, and its training accuracy on up to 10,000 "
        "rows, which every rank computes, here counted as split); one all-reduce of "
        f"{exact_bytes:,} bytes for the statistics and one of {lbfgs_bytes:,} for the "
        "reported objective (the model charges the larger for both).",
        "",
        "| machines P | L-BFGS s / iteration | compute share | speed-up | exact solve s | "
        "compute share | speed-up |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    local = parallel.get("allreduce_seconds")
    if local is not None:
        lc, lt = lbfgs_time(2, local["lbfgs"])
        ec, et = exact_time(2, local["exact"])
        measured = parallel["lbfgs"]["seconds"] / max(parallel["lbfgs"]["iterations"], 1)
        lines += [
            "",
            f"Check on this machine (P = 2 with the measured local all-reduce instead of the "
            f"assumed network): predicted {lt:.3f} s per L-BFGS iteration and {et:.3f} s per "
            f"exact solve; measured {measured:.3f} s and {parallel['exact']['seconds']:.3f} s "
            "(2 gloo processes, above).",
        ]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=N, help="rows of X (default %(default)s)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "distributed_fullbatch.md",
                        help="results file (default %(default)s)")
    parser.add_argument("--worker", nargs=2, metavar=("ROWS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(*args.worker)
    load = os.getloadavg()
    n = args.rows
    reports = {}
    with tempfile.TemporaryDirectory(prefix="linclass-bench-") as tmp:
        for name, processes, threads in SETTINGS:
            reports[name] = run(tmp, n, processes, threads)
            print(f"{name}: {json.dumps(reports[name])}", file=sys.stderr, flush=True)
    lbfgs_bytes, exact_bytes = lbfgs_floats() * 8, exact_floats() * 8
    rows, traffic = [], []
    for name, processes, threads in SETTINGS:
        r = reports[name]
        lb, ex = r["lbfgs"], r["exact"]
        local = r.get("allreduce_seconds")
        reduce_cell = "-" if local is None else \
            f"{local['lbfgs'] * 1e3:.2f} ms / {local['exact'] * 1e3:.2f} ms"
        if r["affinity"] is not None and set(r["affinity"]) != cores(0, threads):
            raise SystemExit(f"{name}: rank 0 ran on cores {r['affinity']}, not pinned")
        core_list = ", ".join(",".join(str(c) for c in sorted(cores(rank, threads)))
                              for rank in range(processes))
        rows.append(
            f"| {name} | {processes} | {threads} | {core_list} | {r['loss_threads']} | "
            f"{lb['seconds'] / max(lb['iterations'], 1):.3f} | "
            f"{lb['seconds'] / max(lb['evaluations'], 1):.3f} | "
            f"{lb['iterations']} ({lb['evaluations']}) | {ex['seconds']:.3f} | "
            f"{lbfgs_bytes:,} / {exact_bytes:,} | {reduce_cell} | "
            f"{lb['objective']:.6f} / {ex['objective']:.6f} |")
        if lb["allreduce"] is not None:
            traffic.append(
                f"| L-BFGS | {allreduce_cell(lb['allreduce'], lbfgs_floats())} | "
                f"{lb['evaluations']} | {lb['allreduce']['seconds']:.3f} of "
                f"{lb['seconds']:.3f} |")
            traffic.append(
                f"| exact | {allreduce_cell(ex['allreduce'], exact_floats())} | 1 | "
                f"{ex['allreduce']['seconds']:.3f} of {ex['seconds']:.3f} |")
    base = reports[SETTINGS[0][0]]
    parallel = reports[SETTINGS[2][0]]
    lines = [
        "# Data-parallel full-batch solvers: L-BFGS and the exact solve, 1 vs 2 processes",
        "",
        f"{n:,} x {D} float32 in memory (unit rows around {C} class means, the probe of "
        "`bench_probe.py`), the same data in every rank (each takes its contiguous share of "
        f"the rows). L-BFGS: softmax + L2 (lambda {LBFGS_LAMBDA:g}), max_iter "
        f"{LBFGS_ITERATIONS}, one run; seconds per iteration (per evaluation) = wall time of "
        "`train` on rank 0 between barriers / `history['iterations']` "
        f"(`history['evaluations']`). Exact: least squares + L2 (lambda {EXACT_LAMBDA:g}), "
        f"best of {EXACT_REPEATS}. Bytes per all-reduce: float64, L-BFGS evaluation "
        f"(D C + C + 2) / exact solve (D^2 + D C + D + C + 2). All-reduce: mean of "
        f"{ALLREDUCE_REPEATS} `DataParallel.sum` calls of that size between the 2 local gloo "
        "processes. Each rank is pinned to the listed cores (`loss_parts` sizes its thread "
        "pool, `linclass.objective.THREADS`, by the CPU affinity, not by the BLAS thread "
        "count).",
        "",
        "| setting | processes | BLAS threads per rank | cores (per rank) | `loss_parts` threads "
        "| L-BFGS s / iteration "
        "| s / evaluation | iterations (evaluations) | exact solve (s) | bytes per all-reduce "
        "(L-BFGS / exact) | one all-reduce (L-BFGS / exact) | objective (L-BFGS / exact) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"L-BFGS stopped with: {base['lbfgs']['stop']!r} (1 process), "
        f"{parallel['lbfgs']['stop']!r} (2 processes).",
        "",
        "All-reduces counted in the 2-process run (a wrapper around "
        "`torch.distributed.all_reduce` in each worker):",
        "",
        "| solve | calls x bytes per call (measured) | evaluations | rank 0 seconds inside "
        "all-reduce (incl. waiting for rank 1) of the solve's |",
        "|---|---|---|---|",
        *traffic,
        "",
        *scaling_model(base, parallel),
        "",
        *footer(load),
        "",
    ]
    write_results(args.out, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
