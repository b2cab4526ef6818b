"""Splits, dev subsets, preprocessing fitted on the training split, toy 2-D sets."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import StandardScaler

import linclass as lc
from linclass.data import toy
from linclass.preprocessing import MeanImage, Standardize, from_state


@given(counts=st.lists(st.integers(2, 60), min_size=2, max_size=6),
       fraction=st.floats(0.05, 0.5), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_split_is_stratified_disjoint_and_complete(counts, fraction, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    train_idx, val_idx = lc.data.train_val_split(labels, fraction, seed=seed)
    n = len(labels)
    assert len(val_idx) == max(1, min(n - 1, round(fraction * n)))
    np.testing.assert_array_equal(np.sort(np.concatenate([train_idx, val_idx])), np.arange(n))
    # each class gets its proportional share, rounded up or down
    share = np.bincount(labels[val_idx], minlength=len(counts))
    assert np.all(np.abs(share - np.array(counts) * len(val_idx) / n) < 1)


def test_same_seed_same_split_other_seed_other_split():
    labels = np.repeat(np.arange(4), 50)
    a = lc.data.train_val_split(labels, 20, seed=3)
    b = lc.data.train_val_split(labels, 20, seed=3)
    c = lc.data.train_val_split(labels, 20, seed=4)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    rng = np.random.default_rng(3)  # a Generator works as the seed too
    assert len(lc.data.train_val_split(labels, 20, seed=rng)[1]) == 20


def test_default_val_size():
    assert lc.data.default_val_size(50_000) == 1000
    assert lc.data.default_val_size(20_000) == 1000
    assert lc.data.default_val_size(1797) == 180
    assert lc.data.default_val_size(5) == 1


@pytest.mark.parametrize("val_size", [-1, 100, 1.0, 0.0, "10", True])
def test_bad_val_size_names_the_parameter(val_size):
    with pytest.raises(ValueError, match="^val_size must be"):
        lc.data.train_val_split(np.repeat([0, 1], 50), val_size, seed=0)


def test_val_size_zero_keeps_everything_for_training():
    train_idx, val_idx = lc.data.train_val_split(np.repeat([0, 1], 5), 0, seed=0)
    assert len(train_idx) == 10 and len(val_idx) == 0


def test_dev_subset_is_small_stratified_and_seeded():
    labels = lc.data.load("digits").labels
    idx = lc.data.dev_subset(labels, 200, seed=1)
    assert len(idx) == 200 and len(np.unique(idx)) == 200
    assert np.all(np.abs(np.bincount(labels[idx]) - np.bincount(labels) * 200 / len(labels)) < 1)
    np.testing.assert_array_equal(idx, lc.data.dev_subset(labels, 200, seed=1))
    assert len(lc.data.dev_subset(labels, 10_000, seed=1)) == len(labels)


def split_digits():
    ds = lc.data.load("digits")
    train_idx, val_idx = lc.data.train_val_split(ds.labels, 0.2, seed=0)
    return ds.images[train_idx], ds.images[val_idx]


def test_standardize_matches_sklearn_fitted_on_training_only():
    train, val = split_digits()
    before = train.copy()
    s = Standardize(dtype=np.float64).fit(train)
    ref = StandardScaler().fit(train.reshape(len(train), -1).astype(np.float64))
    out = s.transform(val)
    np.testing.assert_array_equal(train, before)  # the caller's array is untouched
    expected = ref.transform(val.reshape(len(val), -1).astype(np.float64))
    np.testing.assert_allclose(out.reshape(len(val), -1), expected, rtol=1e-10, atol=1e-10)
    # statistics from the training split, not from the data transformed
    assert not np.allclose(s.mean_, val.mean(axis=0))
    f32 = Standardize().fit(train).transform(val)
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, out, rtol=1e-5, atol=1e-5)


def test_mean_image_subtraction():
    train, val = split_digits()
    m = MeanImage().fit(train)
    out = m.transform(val)
    assert out.dtype == np.float32 and out.shape == val.shape
    np.testing.assert_allclose(out, val - train.mean(axis=0), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(m.transform(train).mean(axis=0), 0, atol=1e-4)


@pytest.mark.parametrize("cls", [MeanImage, Standardize])
def test_state_round_trip_through_npz(cls, tmp_path):
    train, val = split_digits()
    fitted = cls().fit(train)
    arrays, params = fitted.state()
    np.savez(tmp_path / "m.npz", **arrays)
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        restored = from_state(dict(f), params)
    assert type(restored) is cls
    np.testing.assert_array_equal(restored.transform(val), fitted.transform(val))


def test_preprocessing_errors():
    with pytest.raises(ValueError, match="not fitted"):
        Standardize().transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^X must be samples of shape \(3,\)"):
        Standardize().fit(np.zeros((2, 3))).transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="^dtype must be float32 or float64"):
        MeanImage(dtype=np.int32)
    with pytest.raises(ValueError, match="kind"):
        from_state({}, {"kind": "whiten"})


@pytest.mark.parametrize("make", [toy.blobs, toy.circles, toy.spiral])
def test_toy_sets_shapes_classes_and_seeds(make):
    X, y = make(301, seed=0)
    assert X.shape == (301, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [101, 100, 100])
    np.testing.assert_array_equal(make(301, seed=0)[0], X)
    assert not np.array_equal(make(301, seed=1)[0], X)
    with pytest.raises(ValueError, match="^n must be"):
        make(2, seed=0)


def linear_accuracy(X, y):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000).fit(X, y).score(X, y)


def test_blobs_are_linearly_separable_circles_only_after_the_polar_transform():
    X, y = toy.blobs(600, seed=0)
    assert linear_accuracy(X, y) > 0.95
    X, y = toy.circles(600, seed=0)
    assert linear_accuracy(X, y) < 0.6  # rings: no line separates them
    polar = np.column_stack([np.hypot(X[:, 0], X[:, 1]), np.arctan2(X[:, 1], X[:, 0])])
    assert linear_accuracy(polar, y) > 0.95
    X, y = toy.spiral(600, seed=0)
    assert linear_accuracy(X, y) < 0.7  # the CS231n spiral defeats a linear classifier
