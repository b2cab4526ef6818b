"""The train / evaluate / predict commands, run as a user runs them (a subprocess)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

CLASSES = ("circle", "square", "stripes")


def linclass(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "linclass", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def _draw(kind, rng, size=16):
    """A noisy 16x16 RGB picture of a shape (a real image file, decoded by Pillow)."""
    rows, cols = np.mgrid[:size, :size]
    if kind == "circle":
        mask = (rows - 7.5) ** 2 + (cols - 7.5) ** 2 < 30
    elif kind == "square":
        mask = (abs(rows - 7.5) < 5) & (abs(cols - 7.5) < 5)
    else:
        mask = (cols // 3) % 2 == 0
    image = np.where(mask[..., None], [220, 60, 40], [30, 40, 200]).astype(float)
    image += rng.normal(0, 25, image.shape)
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Two image folders of the same classes: ``train`` and ``shuffled``, whose sub-folders
    are created in another order and prefixed so that they sort differently."""
    root = tmp_path_factory.mktemp("shapes")
    rng = np.random.default_rng(0)
    for name in CLASSES:
        (root / "train" / name).mkdir(parents=True)
        for i in range(40):
            _draw(name, rng).save(root / "train" / name / f"{i:03d}.png")
    # evaluation folder: only two of the classes, created in reverse order
    for name in ("stripes", "circle"):
        (root / "eval" / name).mkdir(parents=True)
        for i in range(15):
            _draw(name, rng).save(root / "eval" / name / f"{i:03d}.png")
    (root / "unknown" / "triangle").mkdir(parents=True)
    _draw("circle", rng).save(root / "unknown" / "triangle" / "0.png")
    return root


@pytest.fixture(scope="module")
def model(folders):
    path = folders / "model.npz"
    result = linclass("train", "--data", folders / "train", "--loss", "softmax", "--lr", "0.01",
                      "--solver", "minibatch",
                      "--epochs", "30", "--out", path, "--json")
    assert result.returncode == 0, result.stderr
    return path, json.loads(result.stdout)


def test_train_json_keys(model):
    path, out = model
    assert {"train_accuracy", "val_accuracy", "epochs", "seconds", "model"} <= set(out)
    assert out["model"] == str(path) and path.is_file()
    assert out["val_accuracy"] >= 0.9  # the shapes are easy
    assert out["epochs"] == 30


def test_evaluate_matches_classes_by_name(model, folders):
    path, _ = model
    result = linclass("evaluate", "--model", path, "--data", folders / "eval", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"accuracy", "n", "per_class_accuracy", "confusion_matrix", "seconds"} <= set(out)
    assert out["n"] == 30
    assert out["accuracy"] >= 0.9
    # rows in the model's class order: circle, square, stripes
    confusion = np.array(out["confusion_matrix"])
    assert confusion.shape == (3, 3)
    assert confusion[0].sum() == 15 and confusion[1].sum() == 0 and confusion[2].sum() == 15
    assert out["per_class_accuracy"]["square"] is None
    assert out["per_class_accuracy"]["stripes"] == confusion[2, 2] / 15


def test_evaluate_unknown_class_is_an_error(model, folders):
    result = linclass("evaluate", "--model", model[0], "--data", folders / "unknown")
    assert result.returncode == 1
    assert "triangle" in result.stderr and "Traceback" not in result.stderr


def test_predict_top_k(model, folders):
    images = [folders / "eval" / "stripes" / "000.png", folders / "eval" / "circle" / "001.png"]
    result = linclass("predict", "--model", model[0], *images, "--top-k", "2", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    predictions = out["predictions"]
    assert [p["image"] for p in predictions] == [str(i) for i in images]
    assert [p["top"][0]["class"] for p in predictions] == ["stripes", "circle"]
    for p in predictions:
        assert len(p["top"]) == 2
        assert p["top"][0]["score"] >= p["top"][1]["score"]
        assert 0 <= p["top"][1]["probability"] <= p["top"][0]["probability"] <= 1


def test_predict_resizes_other_sizes(model, folders, tmp_path):
    big = tmp_path / "big.png"
    _draw("stripes", np.random.default_rng(5), size=16).resize((48, 48)).save(big)
    result = linclass("predict", "--model", model[0], big, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["predictions"][0]["top"][0]["class"] == "stripes"


@pytest.mark.parametrize("flags", [["--lr", "-0.1"], ["--loss", "hinge"], ["--epochs", "0"],
                                   ["--reg-strength", "-1"]])
def test_bad_flag_values_are_usage_errors(flags):
    result = linclass("train", *flags)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("command", "offered"), [("train", True), ("search", True),
                                                  ("evaluate", False), ("report", False)])
def test_val_size_only_where_a_validation_split_is_held_out(command, offered):
    result = linclass(command, "--help")
    assert result.returncode == 0
    assert ("--val-size" in result.stdout) == offered


def test_missing_data_exits_1_without_traceback(tmp_path):
    result = linclass("train", "--data", tmp_path / "nowhere", "--out", tmp_path / "m.npz")
    assert result.returncode == 1
    assert result.stderr.startswith("linclass: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.npz").exists()
    result = linclass("evaluate", "--model", tmp_path / "missing.npz", "--data", "digits")
    assert result.returncode == 1 and "not found" in result.stderr


def test_divergence_exits_1_and_writes_no_model(tmp_path):
    out = tmp_path / "m.npz"
    flags = ("--loss", "squared_hinge", "--solver", "minibatch", "--lr", "1000", "--schedule",
             "constant", "--out", out)
    result = linclass("train", *flags)
    assert result.returncode == 1
    assert "diverged in epoch" in result.stderr and "--lr" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    debug = linclass("train", *flags, "--debug")
    assert "Traceback" in debug.stderr


def test_digits_defaults_end_to_end(tmp_path):
    out = tmp_path / "digits.npz"
    result = linclass("train", "--out", out, "--report", tmp_path / "report", "--json")
    assert result.returncode == 0, result.stderr
    trained = json.loads(result.stdout)
    assert trained["val_accuracy"] >= 0.9  # epochs grown to MIN_STEPS steps on 1,617 images
    assert trained["augment"] == "none"  # gray digits are not mirrored
    assert (tmp_path / "report" / "index.html").is_file()
    assert trained["report"] == str(tmp_path / "report" / "index.html")
    evaluated = json.loads(linclass("evaluate", "--model", out, "--data", "digits",
                                    "--json").stdout)
    assert evaluated["n"] == 1797 and evaluated["accuracy"] > 0.8


def test_real_cifar_short_run_beats_chance(cifar_archive, tmp_path):
    """3,000 real CIFAR-10 images (a cached .npz subset): far above the 10% of chance."""
    import linclass as lc

    dataset = lc.data.load(cifar_archive)
    idx = lc.data.dev_subset(dataset.labels, 3000, seed=0)
    subset = tmp_path / "cifar3000.npz"
    np.savez(subset, X=dataset.images[idx], y=dataset.labels[idx],
             class_names=np.array(dataset.class_names))
    out = tmp_path / "cifar.npz"
    result = linclass("train", "--data", subset, "--val-size", "500", "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    trained = json.loads(result.stdout)
    assert trained["val_accuracy"] > 0.25
