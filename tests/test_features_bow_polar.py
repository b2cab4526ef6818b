"""Bag of visual words and the polar transform for the 2-D toy data."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from linclass.data import toy
from linclass.features import BagOfWords, FeaturePipeline, polar
from linclass.features._bow import normalize_patches
from linclass.features._kmeans_clustering import nearest
from linclass.features._patches import patch_grid


def nearest_word(patches, codebook):
    return nearest(patches, codebook)[0]


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(2)
    return rng.integers(0, 256, (60, 16, 16, 3), dtype=np.uint8)


def test_patches_are_normalized_copies_of_the_image(images):
    windows = patch_grid(images, 5, 3)
    assert windows.shape == (60, 4, 4, 3, 5, 5)
    patches = normalize_patches(windows)
    raw = images[7, 3:8, 6:11].astype(np.float64).ravel()  # patch (1, 2), channels last
    raw -= raw.mean()
    np.testing.assert_allclose(patches[7, 1, 2], raw / (np.linalg.norm(raw) + 10.0),
                               rtol=1e-5, atol=1e-6)


def test_nearest_word_is_the_argmin_distance_and_its_squared_distance():
    rng = np.random.default_rng(3)
    patches = rng.standard_normal((500, 12)).astype(np.float32)
    codebook = rng.standard_normal((20, 12)).astype(np.float32)
    distances = ((patches[:, None, :] - codebook[None]) ** 2).sum(-1)
    labels, squared = nearest(patches, codebook)
    np.testing.assert_array_equal(labels, distances.argmin(1))
    np.testing.assert_allclose(squared, distances.min(1), rtol=1e-4)


def test_bow_histograms_count_every_patch_once(images):
    bow = BagOfWords(n_words=16, patch_size=4, stride=2, grid=(2, 2), n_train_patches=2000)
    features = bow.fit(images, rng=0).transform(images)
    assert features.shape == (60, 4 * 16) and features.dtype == np.float32
    np.testing.assert_allclose(features.reshape(60, 4, 16).sum(-1), 1.0, rtol=1e-6)
    # the histogram of one image equals counting its nearest words by hand (7x7 patches)
    patches = normalize_patches(patch_grid(images[:1], 4, 2)).reshape(-1, 48)
    words = nearest_word(patches, bow.codebook_).reshape(7, 7)
    top_left = np.bincount(words[:3, :3].ravel(), minlength=16) / 9  # rows 0..2 of 0..6
    np.testing.assert_allclose(features[0, :16], top_left, rtol=1e-6)


def test_bow_is_seeded_and_round_trips(images):
    settings = {"n_words": 8, "patch_size": 4, "stride": 4, "n_train_patches": 500}
    a = BagOfWords(**settings).fit(images, rng=5)
    b = BagOfWords(**settings).fit(images, rng=5)
    np.testing.assert_array_equal(a.codebook_, b.codebook_)
    again = BagOfWords.from_state(a.params(), a.arrays())
    np.testing.assert_array_equal(again.transform(images), a.transform(images))
    with pytest.raises(ValueError, match="fitted first"):
        BagOfWords(**settings).transform(images)


def test_bow_in_a_pipeline_stores_its_codebook(images):
    pipe = FeaturePipeline.from_spec(
        "bow+hsv", bow={"n_words": 8, "patch_size": 4, "n_train_patches": 500}, cache=False)
    expected = pipe.fit_transform(images, rng=1)
    params, arrays = pipe.to_state()
    assert arrays["extractor0.codebook"].shape == (8, 48)
    np.testing.assert_array_equal(FeaturePipeline.from_state(params, arrays).transform(images),
                                  expected)


def test_bow_errors_name_the_setting(images):
    with pytest.raises(ValueError, match="n_train_patches must be at least n_words"):
        BagOfWords(n_words=64, n_train_patches=10)
    with pytest.raises(ValueError, match=r"images must be at least 10 x 10 pixels"):
        BagOfWords(patch_size=8, stride=2, grid=(2, 2)).fit(images[:, :9, :9])


def test_polar_coordinates():
    X = np.array([[3.0, 4.0], [0.0, -2.0], [-1.0, 0.0]])
    np.testing.assert_allclose(polar(X), [[5.0, np.arctan2(4, 3)], [2.0, -np.pi / 2],
                                          [1.0, np.pi]])
    assert polar(X.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match=r"X must be an array of 2-D points \(N, 2\)"):
        polar(np.zeros((4, 3)))


def test_polar_transform_makes_concentric_circles_linearly_separable():
    X, y = toy.circles(600, seed=0)
    X_test, y_test = toy.circles(600, seed=1)

    def accuracy(transform):
        clf = LogisticRegression(C=100.0, max_iter=2000).fit(transform(X), y)
        return clf.score(transform(X_test), y_test)

    assert accuracy(lambda Z: Z) < 0.7
    assert accuracy(polar) >= 0.95
