"""Run every benchmark in turn: ``python -m benchmarks`` (each ``benchmarks/bench_*.py``).

Each benchmark writes its own ``benchmarks/results/<topic>.md``. Extra arguments are not
passed on; run a single benchmark as ``python -m benchmarks.bench_<topic> [options]``.
Exit status 1 when any benchmark failed.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    failed = []
    for name in names:
        print(f"== benchmarks.{name}", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=HERE.parent)
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
