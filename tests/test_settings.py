"""The settings table is the one source of the training settings' names, defaults and checks;
``import linclass`` stays light; every public module declares ``__all__``."""

import importlib
import json
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

import linclass as lc
from linclass.config import DEFAULTS, TrainConfig, default_config, settings


def test_estimator_and_config_agree_on_every_default():
    params = lc.LinearClassifier().get_params()
    for name, default, meta in settings():
        assert meta["help"], name
        if name == "seed":
            assert "random_state" in params
            continue
        estimator_default = params.pop(name)
        if isinstance(default, dict):  # mutable defaults: None stands for a new {}
            assert estimator_default is None and default == {}, name
        else:
            assert estimator_default == default, name
    assert set(params) == {"random_state", "warm_start"}  # the estimator's own two


def test_every_check_refuses_a_bad_value_with_the_settings_name():
    bad = {"loss": "hinge", "reg": "l3", "reg_strength": -1.0, "margin": 0.0,
           "l1_ratio": 2.0, "solver": "newton", "optimizer": "adamw", "optimizer_params": [],
           "lr": 0.0, "schedule": "linear", "schedule_params": 3, "batch_size": 0,
           "epochs": 1.5, "sampling": "random", "tol": -1.0, "smoothing": 0.0, "max_iter": 0,
           "early_stopping": "yes", "validation_fraction": 1.0, "patience": 0, "refit": 1,
           "class_weight": "heavy", "device": "gpu", "seed": "0"}
    assert set(bad) == {name for name, _, _ in settings()}
    for name, value in bad.items():
        with pytest.raises(ValueError, match=rf"^{name} must be "):
            TrainConfig(**{name: value})


def test_estimator_validates_through_the_same_table():
    X, y = np.eye(4), [0, 1, 0, 1]
    with pytest.raises(ValueError, match=r"^reg_strength must be a number >= 0 or 'auto'"):
        lc.LinearClassifier(reg_strength="lots").fit(X, y)


def test_tuned_defaults_name_only_known_settings_and_round_trip_through_json():
    names = {name for name, _, _ in settings()}
    for key, values in DEFAULTS.items():
        assert set(values) <= names, key
    config = default_config("kmeans")
    assert config.loss == "least_squares"
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_settings_of_format_1_model_files_read_the_exact_optimizer_as_a_solver():
    config = TrainConfig.from_dict({"loss": "least_squares", "optimizer": "exact"})
    assert (config.solver, config.optimizer) == ("exact", "sgd")


def test_import_linclass_loads_no_heavy_library():
    code = ("import sys, linclass; heavy = [m for m in ('sklearn', 'scipy', 'matplotlib', "
            "'torch', 'PIL') if m in sys.modules]; print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


def test_lazy_names_resolve_and_all_is_complete():
    for name in lc.__all__:
        assert getattr(lc, name) is not None
    assert lc.LinearClassifier.__module__ == "linclass.classifier"


def _public_modules():
    for info in pkgutil.walk_packages(lc.__path__, "linclass."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            yield info.name


@pytest.mark.parametrize("name", sorted(_public_modules()))
def test_every_public_module_declares_all(name):
    if name in ("linclass.cli", "linclass.demo.golden") or name.startswith("linclass.cli."):
        pytest.skip("command-line entry points, not an import surface")
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.__all__ names a missing {public!r}"


def test_color_histogram_saves_and_loads_like_every_extractor(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (20, 8, 8, 3), dtype=np.uint8)
    pipeline = lc.features.FeaturePipeline.from_spec("color")
    features = pipeline.fit_transform(images)
    clf = lc.LinearClassifier(solver="minibatch", epochs=2, random_state=0).fit(
        features, np.arange(20) % 2)
    model = lc.ImageClassifier(pipeline, clf, ["a", "b"], images.shape[1:])
    path = lc.save(model, tmp_path / "m.npz")
    np.testing.assert_array_equal(lc.load(path).decision_function(images),
                                  model.decision_function(images))
