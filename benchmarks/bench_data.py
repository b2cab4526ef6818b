"""Loading the 50,000-image CIFAR-10 archive: first (decoding) and cached load, peak memory.

Usage (from the repository root; about a minute on 2 cores)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_data

1. ``lc.data.load(archive)`` in a fresh process with an empty cache directory (reads the
   archive, decodes 50,000 JPEGs on a process pool, writes the cache), then in another fresh
   process with the cache filled (digest of the archive + ``np.load`` + CRC check). Times are
   of the ``load`` call alone (imports excluded); peak memory is the maximum resident set of
   the loading process and, separately, of its largest decoding worker.
2. The decoding choice: 10,000 of the images decoded by one core, by 2 threads and by 2
   processes (the same ``decode_chunk`` calls), in this process, best of 3.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from benchmarks._common import RESULTS_DIR, best_of, footer, write_results
from linclass.data import _decode
from linclass.data._load import read_archive

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "cifar10-train-jpeg.tar.gz"
RESULTS = RESULTS_DIR / "data.md"
FIRST_REPEATS, CACHED_REPEATS = 2, 3
DECODE_IMAGES = 10_000

PROBE = """
import json, resource, sys, time
import linclass.data as d
start = time.perf_counter()
ds = d.load(sys.argv[1])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "n": len(ds),
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def probe(cache):
    env = {**os.environ, "LINCLASS_DATA": cache}
    out = subprocess.run([sys.executable, "-c", PROBE, str(ARCHIVE)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def collect_bytes(n):
    """The first ``n`` image files of the archive as bytes (decoding is not timed here)."""
    payloads = []

    class Keep:
        added = 0

        def add(self, payload):
            if len(payloads) < n:
                payloads.append(payload)
            self.added += 1

    read_archive(ARCHIVE, Keep())
    return payloads


def decode_rates(payloads, repeats=3):
    """Images per second (best of ``repeats``; pool start-up included) for each decoder."""
    chunks = [payloads[i:i + _decode.CHUNK] for i in range(0, len(payloads), _decode.CHUNK)]

    def serial():
        for chunk in chunks:
            _decode.decode_chunk(chunk)

    def pooled(executor):
        def run():
            with executor(max_workers=2) as pool:
                list(pool.map(_decode.decode_chunk, chunks))
        return run

    decoders = {"1 core (this process)": serial, "2 threads": pooled(ThreadPoolExecutor),
                "2 processes (fork)": pooled(ProcessPoolExecutor)}
    return {label: len(payloads) / best_of(fn, repeats) for label, fn in decoders.items()}


def main():
    if not ARCHIVE.is_file():
        sys.exit(f"benchmark needs {ARCHIVE}")
    load = os.getloadavg()
    first, cached = [], []
    for _ in range(FIRST_REPEATS):
        with tempfile.TemporaryDirectory() as cache:
            first.append(probe(cache))
            entry_bytes = sum(f.stat().st_size for f in Path(cache).rglob("*") if f.is_file())
            if not cached:
                cached = [probe(cache) for _ in range(CACHED_REPEATS)]
    rates = decode_rates(collect_bytes(DECODE_IMAGES))
    n = first[0]["n"]

    def row(label, runs):
        t = [r["seconds"] for r in runs]
        return (f"| {label} | {min(t):.2f} | {statistics.median(t):.2f} | {n / min(t):,.0f} | "
                f"{max(r['rss_mb'] for r in runs):,.0f} | "
                f"{max(r['worker_rss_mb'] for r in runs):,.0f} |")

    lines = [
        "# Data loading: the 50,000-image CIFAR-10 archive",
        "",
        f"`lc.data.load('{ARCHIVE.name}')` ({n:,} JPEGs, 32x32x3), each run in a fresh process.",
        "",
        "| load | best (s) | median (s) | images/s (best) | peak RSS, loader (MB) | "
        "peak RSS, largest worker (MB) |",
        "|---|---|---|---|---|---|",
        row(f"first (empty cache; {FIRST_REPEATS} runs)", first),
        row(f"cached ({CACHED_REPEATS} runs)", cached),
        "",
        f"Decoding choice ({DECODE_IMAGES:,} images, same `decode_chunk` calls, best of 3, "
        "pool start-up included):",
        "",
        "| decoder | images/s |",
        "|---|---|",
        *(f"| {k} | {v:,.0f} |" for k, v in rates.items()),
        "",
        "The dataset itself is 153.6 MB of uint8 pixels; the loader's peak includes the JPEG "
        "bytes read from the archive and the decoded chunks before they are stacked. "
        f"Its cache entry (one .npz: uint8 images, labels, manifest) takes {entry_bytes / 1e6:.1f} "
        "MB on disk.",
        "",
        *footer(load),
        "",
    ]
    write_results(RESULTS, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
