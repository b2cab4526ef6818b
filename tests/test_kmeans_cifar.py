"""KMeansFeatures on the real CIFAR-10 archive (a few thousand images): accuracy and model files."""

import numpy as np
import pytest

import linclass as lc
from linclass.config import default_config
from linclass.features import FeaturePipeline


@pytest.fixture(scope="module")
def cifar_small(cifar_archive):
    """3,000 training and 1,000 validation images, stratified."""
    dataset = lc.data.load(str(cifar_archive))
    subset = lc.data.dev_subset(dataset.labels, 4000, seed=0)
    train, val = lc.data.train_val_split(dataset.labels[subset], 1000, seed=0)
    return dataset, subset[train], subset[val]


def fit_and_score(dataset, train, val, features, **extractor_params):
    pipe = FeaturePipeline.from_spec(features, cache=False, **extractor_params)
    x_train = pipe.fit_transform(dataset.images[train], rng=0)
    x_val = pipe.transform(dataset.images[val])
    clf = lc.LinearClassifier.from_config(default_config(features))
    clf.fit(x_train, dataset.labels[train], validation_data=(x_val, dataset.labels[val]))
    return pipe, clf, clf.score(x_val, dataset.labels[val])


@pytest.fixture(scope="module")
def kmeans_run(cifar_small):
    dataset, train, val = cifar_small
    return fit_and_score(dataset, train, val, "kmeans",
                         kmeans={"n_centroids": 100, "n_patches": 50_000})


def test_kmeans_features_beat_raw_pixels_on_validation(cifar_small, kmeans_run):
    dataset, train, val = cifar_small
    _, _, raw_accuracy = fit_and_score(dataset, train, val, "raw")
    _, _, kmeans_accuracy = kmeans_run
    assert kmeans_accuracy > raw_accuracy + 0.05, (kmeans_accuracy, raw_accuracy)


def test_save_load_predict_from_raw_images(cifar_small, kmeans_run, tmp_path):
    dataset, _, val = cifar_small
    pipe, clf, _ = kmeans_run
    model = lc.ImageClassifier(pipe, clf, dataset.class_names, dataset.image_shape)
    lc.save(model, tmp_path / "model.npz")
    loaded = lc.load(tmp_path / "model.npz")
    images = dataset.images[val[:200]]
    np.testing.assert_array_equal(loaded.predict(images), model.predict(images))
    np.testing.assert_allclose(loaded.decision_function(images), model.decision_function(images),
                               rtol=1e-6, atol=1e-6)
