"""`torchrun --nproc-per-node 2 -m linclass train --distributed` equals one process, for a
feature matrix and for images (rank 0 extracts, the other rank maps its features)."""

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
TWO_RANKS = [str(TORCHRUN), "--standalone", "--nproc-per-node", "2"]
needs_torchrun = pytest.mark.skipif(not TORCHRUN.exists(),
                                    reason=f"torchrun not found next to {sys.executable}")


@pytest.fixture(scope="module")
def feature_dir(tmp_path_factory):
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 16)) * 2
    y = rng.integers(0, 3, 400)
    folder = tmp_path_factory.mktemp("features")
    np.save(folder / "X.npy", (centers[y] + rng.standard_normal((400, 16))).astype(np.float32))
    np.save(folder / "y.npy", y * 10 + 5)  # labels 5, 15, 25
    return folder


def linclass_train(launcher, data, out, *flags, tmp=None):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    done = subprocess.run([*launcher, "-m", "linclass", "train", "--data", str(data),
                           "--out", str(out), "--json", *flags],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, "only rank 0 prints"
    return json.loads(lines[0])


@needs_torchrun
def test_two_ranks_train_the_single_process_model_on_a_feature_matrix(feature_dir, tmp_path):
    flags = ("--solver", "minibatch", "--epochs", "3", "--batch-size", "32", "--loss",
             "softmax", "--seed", "4")
    two = linclass_train(TWO_RANKS, feature_dir, tmp_path / "two.npz", *flags, "--distributed")
    assert two["processes"] == 2 and (two["n_train"], two["n_val"]) == (360, 40)
    assert two["normalize"] == "standardize"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.npz"]  # no temp files left
    one = linclass_train([sys.executable], feature_dir, tmp_path / "one.npz", *flags)
    assert one["processes"] == 1
    model_two, model_one = load(tmp_path / "two.npz"), load(tmp_path / "one.npz")
    assert model_two.classes_.tolist() == ["15", "25", "5"] == model_one.classes_.tolist()
    np.testing.assert_allclose(model_two.coef_, model_one.coef_, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model_two.intercept_, model_one.intercept_, rtol=1e-4, atol=1e-6)
    assert two["val_accuracy"] == one["val_accuracy"]


@needs_torchrun
def test_two_ranks_train_the_single_process_model_on_digits(tmp_path):
    """Images: the whole default job (split, features, min-steps epochs) on two ranks."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    two = linclass_train(TWO_RANKS, "digits", tmp_path / "two.npz", "--distributed",
                         tmp=shared)
    one = linclass_train([sys.executable], "digits", tmp_path / "one.npz")
    assert two["processes"] == 2 and one["processes"] == 1
    assert two["epochs"] == one["epochs"] > 100  # epochs grown for 1,617 images
    assert not list(shared.glob("linclass-*"))  # the shared feature files are gone
    model_two, model_one = load(tmp_path / "two.npz"), load(tmp_path / "one.npz")
    np.testing.assert_allclose(model_two.classifier.coef_, model_one.classifier.coef_,
                               rtol=1e-4, atol=1e-6)
    images = np.random.default_rng(0).integers(0, 256, (50, 8, 8, 1), dtype=np.uint8)
    np.testing.assert_array_equal(model_two.predict(images), model_one.predict(images))


def test_distributed_without_torchrun_fails_with_the_launch_command(feature_dir, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    done = subprocess.run([sys.executable, "-m", "linclass", "train", "--data", str(feature_dir),
                           "--out", str(tmp_path / "m.npz"), "--distributed"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1
    assert "torchrun --nproc-per-node N -m linclass" in done.stderr
    assert not (tmp_path / "m.npz").exists()


@needs_torchrun
def test_a_failure_of_rank_0_while_preparing_stops_every_rank(tmp_path):
    """Rank 1 waits for rank 0's features without the process group's timeout; when rank 0
    fails it stops at once."""
    done = subprocess.run([*TWO_RANKS, "-m", "linclass", "train", "--data", "digits",
                           "--val-size", "5000", "--out", str(tmp_path / "m.npz"),
                           "--distributed"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode != 0
    assert "--val-size must be a count in [0, 1797)" in done.stderr  # rank 0's own error
    # rank 1 stops too (its own error, or torchrun ends it): the run does not hang
    assert not (tmp_path / "m.npz").exists()
