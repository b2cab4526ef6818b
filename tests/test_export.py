"""Hand-off: torch.nn.Linear, .safetensors without pickle, scikit-learn heads imported."""

import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.svm import LinearSVC

from linclass import LinearClassifier
from linclass.errors import ModelFileError
from linclass.export import from_sklearn, load_safetensors, save_safetensors, to_torch
from linclass.model_file import save


@pytest.fixture(scope="module")
def fitted():
    X, y = load_iris(return_X_y=True)
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    return LinearClassifier(loss="softmax", reg_strength=1e-3).fit(X, names), X


def test_torch_linear_gives_the_scores(fitted):
    torch = pytest.importorskip("torch")
    clf, X = fitted
    layer = to_torch(clf)
    assert isinstance(layer, torch.nn.Linear) and layer.weight.shape == (3, 4)
    assert layer.weight.dtype == torch.float32 and not layer.weight.requires_grad
    np.testing.assert_allclose(layer(torch.from_numpy(X)).numpy(), clf.scores(X), rtol=1e-6,
                               atol=1e-6)
    assert to_torch(clf, dtype=torch.float64).weight.dtype == torch.float64


def test_safetensors_round_trip_without_pickle(fitted, tmp_path):
    clf, X = fitted
    path = save_safetensors(clf, tmp_path / "head.safetensors")
    loaded = load_safetensors(path)
    np.testing.assert_array_equal(loaded.coef_, clf.coef_)
    np.testing.assert_array_equal(loaded.intercept_, clf.intercept_)
    assert loaded.classes_.tolist() == clf.classes_.tolist()
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    from safetensors.numpy import load_file  # any safetensors reader sees plain tensors

    tensors = load_file(path)
    assert set(tensors) == {"weight", "bias"} and tensors["weight"].shape == (3, 4)
    assert b"pickle" not in path.read_bytes() and not list(tmp_path.glob(".*.tmp"))


def test_damaged_or_foreign_files_are_model_file_errors(fitted, tmp_path):
    clf, _ = fitted
    path = save_safetensors(clf, tmp_path / "head.safetensors")
    truncated = tmp_path / "cut.safetensors"
    truncated.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ModelFileError, match="damaged"):
        load_safetensors(truncated)
    from safetensors.numpy import save_file

    save_file({"x": np.zeros(2)}, tmp_path / "other.safetensors")
    with pytest.raises(ModelFileError, match="not a linclass head"):
        load_safetensors(tmp_path / "other.safetensors")
    with pytest.raises(ModelFileError, match="does not exist"):
        load_safetensors(tmp_path / "missing.safetensors")


@pytest.mark.parametrize("estimator", [LogisticRegression(max_iter=2000), RidgeClassifier(),
                                       LinearSVC()])
@pytest.mark.parametrize("n_classes", [2, 10])
def test_from_sklearn_predicts_like_the_estimator(estimator, n_classes):
    X, y = load_digits(n_class=n_classes, return_X_y=True)
    X = X / 16.0
    sk = estimator.fit(X, y)
    clf = from_sklearn(sk)
    assert clf.coef_.shape == (64, n_classes)
    np.testing.assert_array_equal(clf.predict(X), sk.predict(X))
    np.testing.assert_allclose(clf.decision_function(X), sk.decision_function(X),
                               rtol=1e-10, atol=1e-10)
    if isinstance(sk, LogisticRegression):
        np.testing.assert_allclose(clf.predict_proba(X), sk.predict_proba(X), atol=1e-10)


def test_from_sklearn_refuses_an_unfitted_estimator():
    with pytest.raises(ValueError, match="Fit it first"):
        from_sklearn(LogisticRegression())


def test_cli_export_writes_the_head_of_a_model_file(fitted, tmp_path):
    clf, X = fitted
    model = save(clf, tmp_path / "model.npz")
    out = tmp_path / "head.safetensors"
    done = subprocess.run([sys.executable, "-m", "linclass", "export", "--model", str(model),
                           "--out", str(out), "--json"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["n_classes"] == 3 and report["n_features"] == 4
    assert report["classes"] == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(load_safetensors(out).predict(X), clf.predict(X))
