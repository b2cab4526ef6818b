"""The library owns the job: ``linclass.job.fit`` / ``evaluate`` on images and feature matrices,
and a search trial trains what ``fit`` and ``linclass train`` train."""

import json

import numpy as np
import pytest
from PIL import Image

import linclass as lc
from linclass.cli import main
from linclass.config import MIN_STEPS
from linclass.job import FEATURE_MATRIX, evaluate, fit, open_data
from linclass.search import search, search_space


@pytest.fixture(scope="module")
def digits_fit():
    return fit("digits", solver="minibatch", loss="softmax")


def test_fit_on_digits_is_the_train_job(digits_fit):
    result = digits_fit
    assert isinstance(result.model, lc.ImageClassifier)
    assert (result.n_train, result.n_val) == (1617, 180)
    assert len(result.train_idx) == 1617 and len(result.val_idx) == 180
    assert not set(result.train_idx) & set(result.val_idx)
    # tuned defaults for raw softmax and epochs grown to MIN_STEPS minibatch steps
    assert result.config.lr == 1e-2 and result.config.early_stopping
    assert result.config.epochs == -(-MIN_STEPS // 7) == result.epochs
    assert result.val_accuracy >= 0.9 and result.augment == "none"
    assert result.history["solver"] == "minibatch"
    assert result.summary()["settings"]["epochs"] == result.config.epochs


def test_given_epochs_are_not_grown():
    result = fit("digits", solver="minibatch", epochs=2)
    assert result.config.epochs == 2 == result.epochs


def test_bad_settings_fail_before_reading_data(tmp_path):
    with pytest.raises(ValueError, match="lr must be"):
        fit(tmp_path / "missing", lr=-1.0)
    with pytest.raises(ValueError, match="loss must be one of"):
        fit("digits", loss="hinge")


def test_fit_matches_the_cli(digits_fit, tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", "--solver", "minibatch", "--loss", "softmax", "--out", str(out),
                 "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    model = lc.load(out)
    np.testing.assert_array_equal(model.classifier.coef_, digits_fit.model.classifier.coef_)
    assert printed["val_accuracy"] == digits_fit.val_accuracy


@pytest.mark.parametrize("sizes", [(16,), (8, 16, 24)])
def test_evaluate_resizes_and_matches_classes_by_name(digits_fit, tmp_path, sizes):
    """A folder of two of the ten classes, in images of other sizes than the model's 8 x 8
    (all 16 x 16, or mixed sizes)."""
    dataset = lc.data.load("digits")
    folder = tmp_path / "eval"
    for k in (7, 3):
        (folder / dataset.class_names[k]).mkdir(parents=True)
        for j, i in enumerate(np.flatnonzero(dataset.labels == k)[:10]):
            side = sizes[j % len(sizes)]
            Image.fromarray(dataset.images[i, :, :, 0]).resize((side, side)).save(
                folder / dataset.class_names[k] / f"{i}.png")
    evaluation = evaluate(digits_fit.model, folder)
    assert evaluation.n == 20 and evaluation.split is None  # a folder without parts
    assert evaluation.confusion.shape == (10, 10)
    assert evaluation.confusion[3].sum() == 10 == evaluation.confusion[7].sum()
    assert evaluation.per_class["0"] is None and evaluation.accuracy > 0.5
    summary = evaluation.summary()
    assert summary["confusion_matrix"] == evaluation.confusion.tolist()


def test_evaluate_refuses_unknown_classes(digits_fit):
    dataset = lc.data.load("digits")
    renamed = lc.data.Dataset(dataset.images, dataset.labels,
                              tuple(f"class {n}" for n in dataset.class_names), "renamed")
    with pytest.raises(ValueError, match="class 'class 0' in renamed"):
        evaluate(digits_fit.model, renamed)


@pytest.fixture
def matrix(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    scales = np.array([1, 10, 100, 1, 1, 1, 1, 1])  # columns on very different scales
    X = ((rng.standard_normal((300, 8)) + 4 * np.eye(8)[y]) * scales + 50).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    np.savez(tmp_path / "f.npz", X=X, y=y, class_names=np.array(["cat", "dog", "eel"]))
    return tmp_path, X, y


def test_feature_matrix_holds_out_a_stratified_split_and_folds_the_standardization(matrix):
    folder, X, y = matrix
    result = fit(folder, solver="minibatch", loss="softmax", epochs=30)
    assert result.features == FEATURE_MATRIX and result.normalize == "standardize"
    assert (result.n_train, result.n_val) == (270, 30)
    assert np.bincount(y[result.val_idx]).tolist() == \
        pytest.approx(np.bincount(y) * 0.1, abs=1)  # stratified
    model = result.model
    assert isinstance(model, lc.LinearClassifier)
    # folded: the model takes the stored (unscaled) rows and scores them as it was trained
    assert model.score(X[result.val_idx], y[result.val_idx].astype(str)) \
        == pytest.approx(result.val_accuracy)
    evaluation = evaluate(model, folder)
    assert evaluation.n == 300 and evaluation.classes == ("0", "1", "2")
    assert evaluation.accuracy > 0.9
    # the same data as a .npz with class names
    from_npz = fit(folder / "f.npz", solver="minibatch", loss="softmax", epochs=30)
    assert from_npz.model.classes_.tolist() == ["cat", "dog", "eel"]
    np.testing.assert_allclose(from_npz.model.coef_, model.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("normalize", ["l2", "none"])
def test_other_normalizations(matrix, normalize):
    folder, X, _ = matrix
    result = fit(folder, normalize=normalize, loss="svm", solver="minibatch", epochs=5,
                 reg_strength=1e-4)
    assert result.normalize == normalize
    evaluation = evaluate(result.model, folder, normalize="l2" if normalize == "l2" else "none")
    assert 0 <= evaluation.accuracy <= 1
    with pytest.raises(ValueError, match="normalize must be one of"):
        fit(folder, normalize="minmax")


def test_open_data_tells_images_from_matrices(matrix):
    folder, X, _ = matrix
    assert isinstance(open_data(folder / "f.npz"), lc.data.Features)
    assert isinstance(open_data(folder), lc.data.Features)
    assert isinstance(open_data("digits"), lc.data.Dataset)


def test_progress_reports_every_stage_in_order():
    seen = []
    fit("digits", solver="minibatch", epochs=3,
        progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == ["features (train)", "features (validation)", "training"]
    assert [s for s in seen if s[0] == "training"] == [("training", e, 3) for e in (1, 2, 3)]


def test_a_search_trial_trains_what_fit_and_train_train(tmp_path, capsys):
    """One trial of a search and ``fit`` / ``linclass train`` with the trial's settings: the
    same split, the same epochs (grown for the small set), the same weights."""
    assert set(search_space()) == {"lr", "reg_strength"}
    found = search("digits", n_trials=1, solver="minibatch", loss="svm")
    trial = {name: found.best[name] for name in search_space()}
    assert found.config.epochs == -(-MIN_STEPS // 7)
    fitted = fit("digits", solver="minibatch", loss="svm", **trial)
    np.testing.assert_array_equal(found.model.classifier.coef_,
                                  fitted.model.classifier.coef_)
    assert found.best["val_accuracy"] == fitted.val_accuracy
    out = tmp_path / "m.npz"
    assert main(["train", "--solver", "minibatch", "--loss", "svm", "--out", str(out),
                 "--lr", repr(trial["lr"]), "--reg-strength", repr(trial["reg_strength"]),
                 "--json"]) == 0
    capsys.readouterr()
    np.testing.assert_array_equal(lc.load(out).classifier.coef_,
                                  fitted.model.classifier.coef_)
