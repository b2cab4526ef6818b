"""Training-set augmentation, the epochs of small datasets, and a flip-trained model file."""

import math

import numpy as np
import pytest

import linclass as lc
from linclass.augment import augment, default_augment
from linclass.config import MIN_STEPS, default_config, min_steps_config
from linclass.job import fit


def test_flip_appends_mirror_images_with_their_labels():
    images = np.random.default_rng(0).integers(0, 256, (5, 4, 6, 3), dtype=np.uint8)
    labels = np.array([0, 1, 2, 1, 0])
    out, out_labels = augment(images, labels, "flip")
    assert out.shape == (10, 4, 6, 3)
    np.testing.assert_array_equal(out[:5], images)
    np.testing.assert_array_equal(out[5:], np.flip(images, axis=2))  # column j -> W-1-j
    np.testing.assert_array_equal(out_labels, np.tile(labels, 2))


def test_none_is_the_input_and_unknown_names_are_refused():
    images, labels = np.zeros((3, 2, 2, 1)), np.arange(3)
    out, out_labels = augment(images, labels, "none")
    assert out is images and out_labels is labels
    with pytest.raises(ValueError, match="augment"):
        augment(images, labels, "rotate")


@pytest.mark.parametrize(("features", "shape", "expected"), [
    ("raw", (32, 32, 3), "flip"), ("raw", (8, 8, 1), "none"), ("hog+hsv", (32, 32, 3), "none")])
def test_default_augment(features, shape, expected):
    assert default_augment(features, shape) == expected


@pytest.mark.parametrize(("n_train", "batch", "epochs", "expected"), [
    (1617, 256, 10, math.ceil(MIN_STEPS / 7)),  # digits: 7 steps per epoch
    (98000, 256, 10, 10),  # CIFAR-10 with mirror images: already 3,830 steps
    (MIN_STEPS * 256, 256, 1, 1)])
def test_min_steps_grows_only_short_trainings(n_train, batch, epochs, expected):
    config = default_config("raw", "svm", batch_size=batch, epochs=epochs)
    grown = min_steps_config(config, n_train)
    assert grown.epochs == expected
    assert grown.epochs * math.ceil(n_train / batch) >= min(MIN_STEPS, expected * n_train)
    assert grown.lr == config.lr


def test_min_steps_leaves_a_solver_alone():
    config = default_config("kmeans", "least_squares")
    assert config.solver == "exact"
    grown = min_steps_config(config, 100)
    assert grown.solver == "exact" and grown.reg_strength == config.reg_strength


def test_flip_trained_model_round_trips(tmp_path):
    """A model trained on flipped copies predicts the same after save -> load; augmentation
    only touches the training split (validation rows are the original images)."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (120, 8, 8, 3), dtype=np.uint8)
    labels = np.repeat(np.arange(3), 40)
    images[labels == 1, :, :4] //= 4  # left half dark: a flip-variant class cue
    dataset = lc.data.Dataset(images, labels, ("a", "b", "c"), "synthetic")
    result = fit(dataset, "raw", val_size=30, augment="flip", loss="softmax", epochs=3)
    model = result.model
    assert result.n_train == 2 * (120 - 30) and result.n_val == 30
    assert result.augment == "flip" and len(result.val_idx) == 30
    path = lc.save(model, tmp_path / "m.npz")
    loaded = lc.load(path)
    np.testing.assert_array_equal(loaded.decision_function(images),
                                  model.decision_function(images))


def test_softmax_digit_defaults_through_the_cli(tmp_path):
    import json
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "linclass", "train", "--loss", "softmax",
                             "--out", str(tmp_path / "m.npz"), "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    trained = json.loads(result.stdout)
    assert trained["val_accuracy"] >= 0.9
    assert trained["settings"]["epochs"] == math.ceil(MIN_STEPS / math.ceil(1617 / 256))
