"""Model files: round trips, atomic writes, damaged and newer files refused."""

import json
import zipfile

import numpy as np
import pytest

import linclass as lc
from linclass import model_file
from linclass.config import TrainConfig
from linclass.errors import ModelFileError


@pytest.fixture(scope="module")
def digits():
    return lc.data.load("digits")


@pytest.fixture(scope="module", params=["svm", "softmax"])
def image_model(request, digits):
    config = TrainConfig(loss=request.param, lr=0.05, epochs=3, batch_size=64)
    return lc.fit(digits, "raw", val_size=0.1, **config.to_dict()).model


def test_image_model_round_trip_gives_identical_scores(image_model, digits, tmp_path):
    path = lc.save(image_model, tmp_path / "model.npz")
    loaded = lc.load(path)
    assert isinstance(loaded, lc.ImageClassifier)
    np.testing.assert_array_equal(loaded.decision_function(digits.images),
                                  image_model.decision_function(digits.images))
    assert loaded.classes_ == image_model.classes_
    assert loaded.image_shape == (8, 8, 1)
    assert loaded.classifier.get_params() == image_model.classifier.get_params()
    assert loaded.classifier.history_ == json.loads(json.dumps(image_model.classifier.history_))
    np.testing.assert_array_equal(loaded.predict(digits.images[:50]),
                                  image_model.predict(digits.images[:50]))
    if image_model.is_probabilistic:
        np.testing.assert_array_equal(loaded.predict_proba(digits.images[:5]),
                                      image_model.predict_proba(digits.images[:5]))


def test_file_is_readable_without_pickle(image_model, tmp_path):
    path = lc.save(image_model, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert {"metadata", "coef", "intercept", "classes"} <= set(npz.files)
        meta = json.loads(str(npz["metadata"]))
    assert meta["format"] == "linclass-model"
    assert meta["format_version"] == model_file.FORMAT_VERSION
    assert meta["pipeline"]["spec"] == "raw"


def test_linear_classifier_with_string_labels_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.array(["cat", "dog", "ship"])[rng.integers(0, 3, 60)]
    clf = lc.LinearClassifier(loss="softmax", class_weight={"cat": 2.0, "dog": 1.0,
                                                           "ship": 1.0},
                              random_state=3).fit(X, y)
    loaded = lc.load(lc.save(clf, tmp_path / "clf.npz"))
    assert isinstance(loaded, lc.LinearClassifier)
    assert loaded.classes_.tolist() == ["cat", "dog", "ship"]
    assert loaded.class_weight == {"cat": 2.0, "dog": 1.0, "ship": 1.0}
    np.testing.assert_array_equal(loaded.decision_function(X), clf.decision_function(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_truncated_file_is_refused(image_model, tmp_path):
    path = lc.save(image_model, tmp_path / "m.npz")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ModelFileError, match="damaged"):
        lc.load(path)


def test_newer_format_version_is_refused(image_model, tmp_path):
    path = lc.save(image_model, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(str(arrays["metadata"]))
    meta["format_version"] = model_file.FORMAT_VERSION + 1
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match="newer .*upgrade linclass"):
        lc.load(path)


def test_other_files_are_refused(tmp_path):
    not_zip = tmp_path / "notes.npz"
    not_zip.write_text("hello")
    with pytest.raises(ModelFileError, match="notes.npz is damaged or not a linclass model file"):
        lc.load(not_zip)
    other = tmp_path / "other.npz"
    np.savez(other, X=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a linclass model"):
        lc.load(other)
    with pytest.raises(ModelFileError, match="not found"):
        lc.load(tmp_path / "missing.npz")
    with zipfile.ZipFile(tmp_path / "bad.npz", "w") as z:
        z.writestr("metadata.npy", b"garbage")
    with pytest.raises(ModelFileError, match="damaged"):
        lc.load(tmp_path / "bad.npz")


def test_interrupted_save_leaves_no_file(image_model, tmp_path, monkeypatch):
    path = tmp_path / "m.npz"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(model_file.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        lc.save(image_model, path)
    assert list(tmp_path.iterdir()) == []


def test_hostile_files_are_not_model_files_and_never_mention_pickle(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "photo.png")
    (tmp_path / "notes.txt").write_text("a model, honestly")
    np.savez(tmp_path / "objects.npz", allow_pickle=True,
             metadata=np.array([{"format": "linclass-model"}], dtype=object))
    np.save(tmp_path / "plain.npy", np.zeros(3))
    header_lie = tmp_path / "huge.npz"  # a header claiming 10**12 floats, 8 bytes stored
    with zipfile.ZipFile(header_lie, "w") as z:
        z.writestr("coef.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': "
                   b"False, 'shape': (1000000000000,), }".ljust(118) + b"\n" + bytes(8))
    for name in ("photo.png", "notes.txt", "objects.npz", "plain.npy", "huge.npz"):
        with pytest.raises(ModelFileError) as caught:
            lc.load(tmp_path / name)
        message = str(caught.value)
        assert "not a linclass model file" in message and name in message, message
        assert "pickle" not in message and "\n" not in message
