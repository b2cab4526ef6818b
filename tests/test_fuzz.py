"""Hostile and mutated files, refused cleanly by every reader (Hypothesis, fixed seed).

Each reader of benchmarks/bench_fuzz.py (image decoding, image folders, tar archives, CIFAR-10
batches, .npz data, .npy features, model files) gets its crafted hostile inputs and
Hypothesis-drawn mutations of valid files; every input must load or raise a one-line
DataError/ModelFileError within the time limit, writing nothing outside its folder and the
cache. ``python -m benchmarks.bench_fuzz`` runs the same readers for longer.
"""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import bench_fuzz

READERS = list(bench_fuzz.READERS)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def hostile():
    return bench_fuzz.crafted(quick=True)


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    root = tmp_path / "work"
    root.mkdir()
    monkeypatch.setenv("LINCLASS_DATA", str(root / "cache"))
    return root


def check(reader, label, data, root):
    kind, detail = bench_fuzz.run_one(reader, data, root)
    assert kind != "crash", f"{reader} / {label}: {detail}"
    return kind, detail


@pytest.mark.parametrize("reader", READERS)
def test_crafted_hostile_inputs_are_refused(reader, hostile, sandbox):
    for label, data in hostile[reader]:
        kind, detail = check(reader, label, data, sandbox)
        if reader == "archive":  # every crafted archive is unsafe or broken
            assert kind == "refused", label
        if "pickle" in label or "object" in label:
            assert kind == "refused", label
            assert "allow_pickle" not in detail
    assert not Path(sandbox.parent / "pwned.txt").exists()


@pytest.mark.parametrize("reader", READERS)
def test_seeds_load(reader, sandbox):
    for i, data in enumerate(bench_fuzz.seeds(reader)):
        assert check(reader, f"seed {i}", data, sandbox)[0] == "loaded"


@pytest.mark.parametrize("reader", READERS)
def test_mutated_inputs_load_or_are_refused(reader, sandbox):
    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, 50))
    def mutated(seed, which):
        pool = bench_fuzz.seeds(reader)
        data = bench_fuzz.mutate(pool[which % len(pool)], random.Random(seed))
        check(reader, f"mutation of seed {which % len(pool)} (rng {seed})", data, sandbox)

    mutated()


@pytest.mark.parametrize("reader", ["image", "npz data", "model file", "cifar batches"])
def test_random_bytes_are_refused(reader, sandbox):
    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.binary(max_size=2000))
    def arbitrary(data):
        check(reader, "random bytes", data, sandbox)

    arbitrary()


BOMB = """
import resource, sys
from benchmarks.bench_fuzz import bomb_png
from linclass.data import read_image
from linclass.errors import DataError
data = bomb_png()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_image(data)
except DataError as error:
    print(str(error).split(": ", 1)[1])
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
"""


def test_decompression_bomb_is_refused_in_bounded_memory():
    """A 1-gigapixel PNG (about 130 KB) is refused from its header: peak memory grows by
    a few MiB at most, not the 128 MiB to 3 GiB that decoding it would take. (Images between
    MAX_PIXELS and Pillow's limit are refused by test_pixel_limit_refuses_from_the_header.)"""
    out = subprocess.run([sys.executable, "-c", BOMB], capture_output=True, text=True,
                         cwd=ROOT, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.splitlines()
    assert "decompression bomb" in out[0], out  # Pillow's guard (2 x 89 Mpx) or MAX_PIXELS
    assert int(out[1]) < 32, f"peak memory grew by {out[1]} MiB"


def test_run_one_counts_a_stray_file_and_a_foreign_exception_as_crashes(sandbox, monkeypatch):
    """The harness itself can fail: a reader writing outside its folder, or raising another
    exception, is reported."""
    def writes_outside(data, work):
        (sandbox.parent / "stray.txt").write_text("x")

    def raises(data, work):
        raise KeyError("boom")

    monkeypatch.setitem(bench_fuzz.READERS, "bad", (writes_outside, "image"))
    assert bench_fuzz.run_one("bad", b"", sandbox)[0] == "crash"
    monkeypatch.setitem(bench_fuzz.READERS, "bad", (raises, "image"))
    assert bench_fuzz.run_one("bad", b"", sandbox) == ("crash", "KeyError: 'boom'")
