"""Data-parallel training: two gloo processes on 127.0.0.1 against one process."""

import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from linclass.config import TrainConfig
from linclass.distributed import DataParallel, DistributedError
from linclass.training import train

torch = pytest.importorskip("torch", reason="torch.distributed needs PyTorch "
                                             "(pip install 'linclass[torch]')")

#: One rank: memory-maps X.npy, trains with ``parallel=``, rank 0 saves the weights.
WORKER = """
import os, signal, sys
import numpy as np
from linclass import distributed
from linclass.config import TrainConfig
from linclass.training import train

folder, kill_rank_at, sig = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
group = distributed.init(timeout=float(os.environ["TEST_TIMEOUT"]))
X = np.load(os.path.join(folder, "X.npy"), mmap_mode="r")
y = np.load(os.path.join(folder, "y.npy"))
config = TrainConfig(**eval(os.environ["TEST_CONFIG"]))

def callback(info):
    if group.rank == 1 and info["epoch"] == kill_rank_at:
        os.kill(os.getpid(), sig)  # SIGKILL: dies; SIGSTOP: hangs, sockets open

result = train(X, y, config, n_classes=int(y.max()) + 1, parallel=group, callback=callback)
if group.is_main:
    np.savez(os.path.join(folder, "out.npz"), W=result.W, b=result.b,
             loss=np.array(result.history["loss"]))
distributed.shutdown()
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(folder, config, *, world_size=2, kill_rank_at=-1, sig=signal.SIGKILL,
           timeout=60.0):
    script = folder / "worker.py"
    script.write_text(WORKER)
    port = free_port()
    procs = []
    for rank in range(world_size):
        env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
               "RANK": str(rank), "WORLD_SIZE": str(world_size), "TEST_TIMEOUT": str(timeout),
               "TEST_CONFIG": repr(config), "OMP_NUM_THREADS": "1"}
        procs.append(subprocess.Popen(
            [sys.executable, str(script), str(folder), str(kill_rank_at), str(int(sig))],
            env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return procs


def make_data(folder, dtype, n=203, d=7, c=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, size=n)
    X = (rng.standard_normal((n, d)) + 2 * np.eye(c, d)[y]).astype(dtype)
    np.save(folder / "X.npy", X)
    np.save(folder / "y.npy", y)
    return X, y


@pytest.mark.parametrize("dtype, settings", [
    (np.float64, {"loss": "softmax", "optimizer": "momentum", "batch_size": 16}),
    (np.float32, {"loss": "svm", "optimizer": "adam", "batch_size": 25,
                  "sampling": "replacement", "reg": "elastic_net"}),
    # the full-batch solvers: one all-reduce of loss and gradient per L-BFGS evaluation, one
    # of the Gram statistics for the exact solve; every rank runs the same L-BFGS
    (np.float64, {"loss": "softmax", "solver": "lbfgs", "tol": 1e-8}),
    (np.float32, {"loss": "squared_hinge", "solver": "lbfgs"}),
    (np.float64, {"loss": "least_squares", "solver": "exact"}),
    (np.float32, {"loss": "least_squares", "solver": "exact"}),
    (np.float64, {"loss": "softmax", "reg_strength": "auto"}),
])
def test_two_processes_train_the_weights_of_one(tmp_path, dtype, settings):
    X, y = make_data(tmp_path, dtype)  # 203 rows: the last batch splits unevenly
    config = {"lr": 0.05, "epochs": 3, "reg_strength": 1e-2, "seed": 7,
              "early_stopping": False, **settings}
    procs = launch(tmp_path, config)
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    got = np.load(tmp_path / "out.npz")
    want = train(X, y, TrainConfig(**config), n_classes=4)
    rtol = 1e-9 if dtype == np.float64 else 1e-4
    assert got["W"].dtype == dtype
    assert np.abs(want.W).max() > 0.1  # it trained
    np.testing.assert_allclose(got["W"], want.W, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(got["b"], want.b, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(got["loss"], want.history["loss"], rtol=rtol)


def test_a_killed_rank_stops_the_other_with_an_error(tmp_path):
    make_data(tmp_path, np.float32, n=2000)
    timeout = 10.0
    config = {"lr": 0.01, "epochs": 10_000, "batch_size": 8, "early_stopping": False}
    procs = launch(tmp_path, config, kill_rank_at=1, timeout=timeout)
    procs[1].wait(timeout=120)
    died = time.monotonic()
    _, err = procs[0].communicate(timeout=timeout + 60)  # a hang fails here
    waited = time.monotonic() - died
    assert procs[1].returncode == -signal.SIGKILL
    assert procs[0].returncode != 0
    assert "DistributedError: rank 0 of 2: another rank died" in err, err
    assert waited < timeout + 15
    assert not (tmp_path / "out.npz").exists()


def test_shards_partition_every_batch():
    for n in (0, 1, 2, 7, 16):
        for world in (1, 2, 3, 5):
            idx = np.arange(n) * 10
            parts = [DataParallel(r, world).shard(idx) for r in range(world)]
            np.testing.assert_array_equal(np.concatenate(parts), idx)
            assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_one_process_group_is_plain_loss_parts():
    rng = np.random.default_rng(1)
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    X, y = rng.standard_normal((9, 5)), rng.integers(0, 3, 9)
    from linclass.objective import loss_parts
    want = loss_parts(W, b, X, y, loss="softmax", reg_strength=0.1)
    got = DataParallel(0, 1).loss_parts(W, b, X, y, 9, loss="softmax", reg_strength=0.1)
    assert (got.data_loss, got.penalty) == (want.data_loss, want.penalty)
    np.testing.assert_array_equal(got.dW, want.dW)


def test_bad_rank_and_missing_environment(monkeypatch):
    with pytest.raises(ValueError, match="rank must be in"):
        DataParallel(2, 2)
    monkeypatch.delenv("MASTER_PORT", raising=False)
    from linclass import distributed
    with pytest.raises(DistributedError, match="MASTER_PORT.*torchrun"):
        distributed.init()


def test_a_hung_rank_stops_the_other_after_the_timeout(tmp_path):
    make_data(tmp_path, np.float32, n=2000)
    timeout = 5.0
    config = {"lr": 0.01, "epochs": 10_000, "batch_size": 8, "early_stopping": False}
    procs = launch(tmp_path, config, kill_rank_at=1, sig=signal.SIGSTOP, timeout=timeout)
    try:
        _, err = procs[0].communicate(timeout=timeout + 90)  # a hang fails here
    finally:
        procs[1].kill()
        procs[1].wait()
    assert procs[0].returncode != 0
    assert "DistributedError: rank 0 of 2: another rank died or did not answer within " \
           "the 5 s timeout" in err, err
