"""What every benchmark shares: best-of-k timing, the machine line, an atomic results file."""

import datetime
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def best_of(fn, repeats=5):
    """The smallest wall time of ``repeats`` calls of ``fn()``, in seconds (the least disturbed)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_of_interleaved(fns, repeats=5):
    """``{name: smallest wall time}`` of the callables in ``fns``, run round-robin.

    Interleaving puts every contender under the same background load (the machine is
    shared), so ratios between them are fair even when the load drifts.
    """
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def machine():
    """CPU model, cores, numpy and BLAS (with its thread count), for a results file."""
    from threadpoolctl import threadpool_info

    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    blas = ", ".join(f"{i['internal_api']} {i['version']} ({i['num_threads']} threads)"
                     for i in threadpool_info() if i["user_api"] == "blas")
    return f"{cpu}, {os.cpu_count()} cores, numpy {np.__version__}, BLAS: {blas}"


def footer(load):
    """The machine, load, date and command lines that end every results file."""
    command = shlex.join([os.path.basename(sys.executable), *sys.orig_argv[1:]])
    return [
        f"- machine: {machine()}",
        f"- load average at start: {', '.join(f'{x:.2f}' for x in load)}",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- command: `flock /tmp/linclass-bench.lock {command}`",
    ]


def write_results(path, text):
    """Write ``text`` to ``path`` atomically (temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def launch_ranks(module, worker_args, out, processes, threads, cores=None):
    """Run ``python -m module --worker *worker_args`` as ``processes`` ranks of a gloo group
    on 127.0.0.1 (one process: no group), each with ``threads`` BLAS/OpenMP threads and,
    when ``cores(rank)`` is given, pinned to those cores; wait for all, and return the JSON
    that rank 0 wrote to ``out``."""
    import json
    import socket
    import subprocess
    from functools import partial

    out = Path(out)
    out.unlink(missing_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(processes):
        env = {**os.environ, "OMP_NUM_THREADS": str(threads),
               "OPENBLAS_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        if processes > 1:
            env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                       WORLD_SIZE=str(processes))
        pin = None
        if cores is not None and hasattr(os, "sched_setaffinity"):
            pin = partial(os.sched_setaffinity, 0, cores(rank))
        procs.append(subprocess.Popen([sys.executable, "-m", module, "--worker",
                                       *map(str, worker_args)], env=env, preexec_fn=pin))
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(f"a worker failed with exit status {p.returncode}")
    return json.loads(out.read_text())
