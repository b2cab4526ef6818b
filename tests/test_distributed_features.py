"""Memory-mapped feature sources: DIR/X.npy (N, D) + DIR/y.npy (N,)."""

import numpy as np
import pytest

from linclass.config import TrainConfig
from linclass.data import is_feature_source, load_features
from linclass.errors import DataError
from linclass.training import check_features, train


@pytest.fixture
def source(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.choice([3, 8, 11], size=300)
    X = (rng.standard_normal((300, 6)) + np.eye(6)[y % 6]).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    return tmp_path, X, y


def test_opens_memory_mapped_with_labels_as_class_indices(source):
    folder, X, y = source
    features = load_features(folder)
    assert isinstance(features.X, np.memmap) and not features.X.flags.writeable
    np.testing.assert_array_equal(features.X, X)
    assert features.class_names == ("3", "8", "11")
    np.testing.assert_array_equal(np.array([3, 8, 11])[features.y], y)
    assert features.y.dtype == np.int64
    same = load_features(folder / "X.npy")
    np.testing.assert_array_equal(same.y, features.y)
    assert is_feature_source(folder) and is_feature_source(folder / "X.npy")
    assert not is_feature_source(folder / "y.npy") and not is_feature_source("digits")


def test_training_reads_the_map_without_copying_it(source):
    folder, X, y = source
    features = load_features(folder)
    checked, _ = check_features(features.X, features.y, 3)
    assert np.shares_memory(checked, features.X)
    config = TrainConfig(loss="softmax", lr=0.1, epochs=2, batch_size=32)
    mapped = train(features.X, features.y, config, n_classes=3)
    loaded = train(np.array(X), features.y, config, n_classes=3)
    np.testing.assert_array_equal(mapped.W, loaded.W)
    assert np.mean((X @ mapped.W + mapped.b).argmax(1) == features.y) > 0.5


@pytest.mark.parametrize("X, y, message", [
    (np.zeros((4, 3, 2), np.float32), np.zeros(4, int), r"X.npy: must be a non-empty float32"),
    (np.zeros((4, 3), np.int32), np.zeros(4, int), r"got int32 of shape \(4, 3\)"),
    (np.zeros((0, 3), np.float32), np.zeros(0, int), r"non-empty"),
    (np.zeros((4, 3), np.float32), np.zeros(5, int), r"y.npy: must hold 4 integer labels"),
    (np.zeros((4, 3), np.float32), np.zeros(4), r"got float64 of shape \(4,\)"),
])
def test_bad_arrays_name_the_file(tmp_path, X, y, message):
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    with pytest.raises(DataError, match=message):
        load_features(tmp_path)


def test_missing_corrupt_and_pickled_files(tmp_path):
    np.save(tmp_path / "X.npy", np.zeros((2, 2), np.float32))
    with pytest.raises(DataError, match=r"y.npy not found .* directory holding X.npy"):
        load_features(tmp_path)
    (tmp_path / "y.npy").write_bytes(b"not an array")
    with pytest.raises(DataError, match=r"cannot read .*y.npy: not a valid .npy"):
        load_features(tmp_path)
    np.save(tmp_path / "y.npy", np.array([object(), 1], dtype=object), allow_pickle=True)
    # object arrays are refused, never unpickled
    with pytest.raises(DataError, match="cannot read"):
        load_features(tmp_path)
