"""Crash consistency and concurrency of every file linclass writes (cache entries, feature
cache entries, model files).

A forked child does the work with its writes instrumented: ``linclass._files`` sees an ``os``
whose files count every 64 KiB written, and every fsync and rename, as a *kill point*; the
child SIGKILLs itself at the chosen one. Then the work runs again: it must succeed with the
reference result, must never have read a half-written entry (the result equals the
reference), and must leave no temporary file behind. Children are also killed at random
moments from outside, two children fill the same entry at once (write-once-rename: both
succeed, identical results, no lock), and a child under ``RLIMIT_FSIZE`` (a full disk) gets a
one-line error while the cache stays valid.
"""

import hashlib
import os
import random
import resource
import signal
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import linclass as lc
from linclass import _files
from linclass.classifier import LinearClassifier
from linclass.data import _store
from linclass.errors import LinclassError
from linclass.features import FeaturePipeline

PIECE = 1 << 16
MAX_POINTS = 24


class _Faults:
    """``os`` for linclass._files, with kill points (see the module docstring)."""

    def __init__(self, kill_at, counter_file):
        self.kill_at, self.count, self.counter_file = kill_at, 0, counter_file

    def tick(self):
        self.count += 1
        if self.counter_file is not None:
            Path(self.counter_file).write_text(str(self.count))
        if self.count == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def __getattr__(self, name):
        return getattr(os, name)

    def fdopen(self, *args, **kwargs):
        return _CountingFile(os.fdopen(*args, **kwargs), self)

    def fsync(self, fd):
        self.tick()
        os.fsync(fd)

    def replace(self, src, dst):
        self.tick()
        os.replace(src, dst)
        self.tick()


class _CountingFile:
    def __init__(self, file, faults):
        self.file, self.faults = file, faults

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def write(self, data):
        view = data if isinstance(data, str) else memoryview(data).cast("B")
        for start in range(0, len(view), PIECE):
            self.faults.tick()
            self.file.write(view[start:start + PIECE])
        return len(view)


def in_child(work, *, kill_at=None, counter_file=None, fsize=None, report=None):
    """Run ``work()`` in a forked child; its wait status (and its error text in ``report``)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            if fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            if kill_at is not None or counter_file is not None:
                _files.os = _Faults(kill_at, counter_file)
            work()
            code = 0
        except BaseException as error:  # reported to the parent
            if report is not None:
                Path(report).write_text(f"{type(error).__name__}|{error}")
            code = 3
        finally:
            os._exit(code)
    return os.waitpid(pid, 0)[1]


def killed(status):
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def temps(root):
    return [p for p in Path(root).rglob("*.tmp")]


def kill_points(n, most=MAX_POINTS):
    """At most ``most`` of 1..n+1 (n+1: after the last tick, no kill), first and last kept."""
    points = range(1, n + 2)
    if len(points) <= most:
        return list(points)
    return sorted(set(np.linspace(1, n + 1, most).round().astype(int)))


def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("LINCLASS_DATA", str(root))
    monkeypatch.delenv("LINCLASS_CACHE_MAX", raising=False)
    return root


@pytest.fixture
def archive(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "set"
    for label in ("a", "b"):
        (folder / label).mkdir(parents=True)
        for i in range(20):
            Image.fromarray(rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)).save(
                folder / label / f"{i}.png")
    path = tmp_path / "set.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(folder, arcname="set")
    return path


def check_kills(work, verify, clean, root, counter_file, most=MAX_POINTS):
    """Kill ``work`` at every kill point; after each, ``verify()`` (the rerun) must pass and
    leave no temporary files. Returns (points tried, runs recovered)."""
    clean()
    assert in_child(work, counter_file=counter_file) == 0
    n = int(Path(counter_file).read_text())
    assert n >= 4, "the instrumented write saw too few kill points"
    tried = recovered = 0
    for point in kill_points(n, most):
        clean()
        status = in_child(work, kill_at=point)
        assert killed(status) or (point > n and status == 0), (point, status)
        verify()
        assert temps(root) == [], f"temporary files left after a kill at point {point}"
        tried += 1
        recovered += 1
    return tried, recovered


def test_killed_cache_fill_recovers(cache, archive, tmp_path):
    reference = lc.data.load(archive)
    _store.clear_cache()

    def verify():
        again = lc.data.load(archive)  # a cache hit when the kill came after the rename
        assert digest(again.images) == digest(reference.images)
        np.testing.assert_array_equal(again.labels, reference.labels)
        assert lc.data.load(archive).images.shape == reference.images.shape  # from the cache

    tried, recovered = check_kills(lambda: lc.data.load(archive), verify,
                                   lambda: _store.clear_cache(), cache, tmp_path / "ticks")
    assert tried == recovered >= 4


def test_killed_feature_cache_write_recovers(cache, tmp_path):
    images = np.random.default_rng(1).integers(0, 256, (1000, 12, 12, 3), dtype=np.uint8)
    specs = ("raw", "hsv")
    reference = {s: FeaturePipeline.from_spec(s, cache=False).fit_transform(images)
                 for s in specs}

    def work():
        for s in specs:
            FeaturePipeline.from_spec(s).fit_transform(images)

    def verify():
        for s in specs:
            np.testing.assert_array_equal(FeaturePipeline.from_spec(s).fit_transform(images),
                                          reference[s])

    tried, recovered = check_kills(work, verify, lambda: _store.clear_cache(), cache,
                                   tmp_path / "ticks")
    assert tried == recovered >= 4


def test_killed_model_save_leaves_the_old_model_or_the_new(tmp_path):
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(200, 300)).astype(np.float32), np.arange(200) % 3
    old = LinearClassifier(epochs=1, random_state=0).fit(X, y)
    new = LinearClassifier(epochs=3, random_state=1).fit(X, y)
    path = tmp_path / "models" / "m.npz"

    def verify():
        loaded = lc.load(path)
        assert any(np.array_equal(loaded.coef_, m.coef_) for m in (old, new))
        lc.save(new, path)  # the next run succeeds

    tried, recovered = check_kills(lambda: lc.save(new, path), verify,
                                   lambda: lc.save(old, path), path.parent, tmp_path / "ticks")
    assert tried == recovered >= 4
    assert sorted(p.name for p in path.parent.iterdir()) == ["m.npz"]


def test_kills_at_random_moments(cache, archive):
    """No instrumentation: children killed from outside after a random delay."""
    reference = lc.data.load(archive)
    rng = random.Random(0)
    for _ in range(6):
        _store.clear_cache()
        pid = os.fork()
        if pid == 0:
            try:
                lc.data.load(archive)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0, 0.3))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert digest(lc.data.load(archive).images) == digest(reference.images)
        assert temps(cache) == []


def test_two_processes_filling_the_same_entry_both_succeed(cache, archive, tmp_path):
    """Write-once-rename, no lock: each writes a complete temporary file and renames it."""
    reference = digest(lc.data.load(archive).images)
    images = np.random.default_rng(3).integers(0, 256, (1000, 8, 8, 3), dtype=np.uint8)
    features = FeaturePipeline.from_spec("raw", cache=False).fit_transform(images)
    for round_ in range(4):
        _store.clear_cache()
        go = tmp_path / f"go{round_}"
        outs = [tmp_path / f"out{round_}-{i}" for i in range(2)]

        def work(out, go=go):
            while not go.exists():  # start together
                time.sleep(0.001)
            ds = lc.data.load(archive)
            f = FeaturePipeline.from_spec("raw").fit_transform(images)
            out.write_text(digest(ds.images) + digest(f))

        pids = []
        for out in outs:
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    work(out)
                    code = 0
                finally:
                    os._exit(code)
            pids.append(pid)
        go.touch()
        assert [os.waitpid(pid, 0)[1] for pid in pids] == [0, 0]
        results = {out.read_text() for out in outs}
        assert results == {reference + digest(features)}
        assert len(_store.entries("images")) == 1 and len(_store.entries("features")) == 1
        assert temps(cache) == []
        assert digest(lc.data.load(archive).images) == reference  # the entry is valid


def test_full_disk_is_a_clear_error_and_the_cache_stays_valid(cache, archive, tmp_path):
    small = tmp_path / "small"
    for label in ("a", "b"):
        (small / label).mkdir(parents=True)
        Image.new("RGB", (4, 4), label == "a" and "red" or "blue").save(small / label / "1.png")
    kept = lc.data.load(small)  # an entry that must survive
    report = tmp_path / "report"
    status = in_child(lambda: lc.data.load(archive), fsize=64 << 10, report=report)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3
    kind, message = report.read_text().split("|", 1)
    assert kind == "DataError" and "\n" not in message
    assert "cannot write the cache entry" in message and "File too large" in message
    assert "LINCLASS_CACHE_MAX" in message
    assert temps(cache) == []
    assert len(_store.entries("images")) == 1
    np.testing.assert_array_equal(lc.data.load(small).images, kept.images)
    assert len(lc.data.load(archive)) == 40  # with room again, the fill succeeds
    model = LinearClassifier(epochs=1).fit(np.eye(4, dtype=np.float32), np.arange(4) % 2)
    status = in_child(lambda: lc.save(model, tmp_path / "m.npz"), fsize=512, report=report)
    kind, message = report.read_text().split("|", 1)
    assert kind == "ModelFileError" and "cannot write model file" in message
    assert not (tmp_path / "m.npz").exists() and temps(tmp_path) == []
    assert issubclass(lc.errors.ModelFileError, LinclassError)


def _children(pid):
    try:
        return {int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                for c in (t / "children").read_text().split()}
    except OSError:
        return set()


@pytest.mark.skipif(not Path("/proc/self/task").exists() or os.cpu_count() < 2,
                    reason="needs Linux /proc and two cores (a decoding pool)")
def test_killed_loader_leaves_no_decoding_workers(cache, tmp_path):
    from linclass.data import _decode

    folder = tmp_path / "many"
    png = (tmp_path / "one.png")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(png)
    for label in ("a", "b"):
        (folder / label).mkdir(parents=True)
        for i in range(_decode.CHUNK):
            os.link(png, folder / label / f"{i}.png")
    pid = os.fork()
    if pid == 0:
        try:
            lc.data.load(folder)
        finally:
            os._exit(0)
    workers = set()
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline:
        workers = _children(pid)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert workers, "the loader never started its decoding pool"
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()
             and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2]]
    assert alive == [], "decoding workers outlived the killed loader"
    assert temps(cache) == []


@pytest.mark.slow
def test_killed_search_recovers(cache, tmp_path):
    """``linclass search`` (trials, then trials.csv, search.png and model.npz, each written
    atomically), killed at every write point: the next search succeeds and its folder holds
    complete files only."""
    from linclass.cli import main

    out = tmp_path / "search"
    argv = ["search", "--data", "digits", "--trials", "2", "--jobs", "1", "--epochs", "2",
            "--out", str(out)]
    devnull = os.open(os.devnull, os.O_WRONLY)

    def work():
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        assert main(argv) == 0

    def verify():
        if (out / "model.npz").exists():
            lc.load(out / "model.npz")  # complete, or absent
        if (out / "trials.csv").exists():
            assert len((out / "trials.csv").read_text().splitlines()) == 3
        assert in_child(work) == 0  # the next run succeeds
        assert sorted(p.name for p in out.iterdir()) == ["model.npz", "search.png",
                                                         "trials.csv"]

    try:
        tried, recovered = check_kills(work, verify, lambda: _store.clear_cache(), tmp_path,
                                       tmp_path / "ticks", most=8)
    finally:
        os.close(devnull)
    assert tried == recovered >= 4
