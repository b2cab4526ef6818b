"""`torchrun --nproc-per-node 2 -m linclass train --distributed` on a feature matrix."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from linclass.model_file import load

pytest.importorskip("torch.distributed", reason="--distributed needs PyTorch "
                                                "(pip install 'linclass[torch]')")
TORCHRUN = Path(sys.executable).parent / "torchrun"
FLAGS = ["--json", "--epochs", "3", "--batch-size", "32", "--loss", "softmax", "--seed", "4"]


@pytest.fixture(scope="module")
def feature_dir(tmp_path_factory):
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 16)) * 2
    y = rng.integers(0, 3, 400)
    folder = tmp_path_factory.mktemp("features")
    np.save(folder / "X.npy", (centers[y] + rng.standard_normal((400, 16))).astype(np.float32))
    np.save(folder / "y.npy", y * 10 + 5)  # labels 5, 15, 25
    return folder


def linclass_train(launcher, folder, out, *extra):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([*launcher, "-m", "linclass", "train", "--data", str(folder),
                           "--out", str(out), *FLAGS, *extra],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(not TORCHRUN.exists(), reason=f"torchrun not found next to {sys.executable}")
def test_two_ranks_train_the_single_process_model(feature_dir, tmp_path):
    stdout = linclass_train([str(TORCHRUN), "--standalone", "--nproc-per-node", "2"],
                            feature_dir, tmp_path / "two.npz", "--distributed")
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, "only rank 0 prints"
    result = json.loads(lines[0])
    assert result["processes"] == 2 and result["n_train"] == 400
    assert result["model"] == str(tmp_path / "two.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.npz"]  # no temp files left

    single = json.loads(linclass_train([sys.executable], feature_dir, tmp_path / "one.npz"))
    assert single["processes"] == 1
    two, one = load(tmp_path / "two.npz"), load(tmp_path / "one.npz")
    assert two.classes_.tolist() == ["15", "25", "5"] == one.classes_.tolist()
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(two.intercept_, one.intercept_, rtol=1e-4, atol=1e-6)
    X = np.load(feature_dir / "X.npy")
    assert two.score(X, (np.load(feature_dir / "y.npy")).astype(str)) == result["train_accuracy"]


def test_distributed_without_torchrun_fails_with_the_launch_command(feature_dir, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    done = subprocess.run([sys.executable, "-m", "linclass", "train", "--data", str(feature_dir),
                           "--out", str(tmp_path / "m.npz"), "--distributed"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1
    assert "torchrun --nproc-per-node N -m linclass" in done.stderr
    assert not (tmp_path / "m.npz").exists()
