"""A model trained on features, saved and loaded, predicts the same classes from raw images."""

import numpy as np
import pytest

import linclass as lc
from linclass.data import dev_subset, load
from linclass.features import FeaturePipeline


@pytest.fixture(scope="module")
def cifar_small(cifar_archive):
    dataset = load(str(cifar_archive))
    return dataset.subset(dev_subset(dataset.labels, 600, seed=0))


@pytest.mark.parametrize("spec, settings", [
    ("hog+hsv", {}),
    ("bow+rgb", {"bow": {"n_words": 32, "n_train_patches": 5000}}),  # a learned codebook
])
def test_saved_model_predicts_the_same_from_raw_images(cifar_small, tmp_path, spec, settings):
    train, test = cifar_small.images[:500], cifar_small.images[500:]
    pipeline = FeaturePipeline.from_spec(spec, cache=False, **settings)
    X = pipeline.fit_transform(train, rng=0)
    clf = lc.LinearClassifier(epochs=5, random_state=0).fit(X, cifar_small.labels[:500])
    model = lc.ImageClassifier(pipeline, clf, cifar_small.class_names,
                               cifar_small.image_shape)
    path = lc.save(model, tmp_path / "model.npz")
    loaded = lc.load(path)
    assert loaded.pipeline.spec == spec
    predicted = model.predict(test)
    np.testing.assert_array_equal(loaded.predict(test), predicted)
    np.testing.assert_allclose(loaded.decision_function(test), model.decision_function(test),
                               rtol=1e-5, atol=1e-5)
    assert len(set(predicted)) > 1  # a trained model, not a constant answer
