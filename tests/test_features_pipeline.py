"""Feature pipelines: spec parsing, standardization, model state, the on-disk cache."""

import json
import os

import numpy as np
import pytest

from linclass.features import FEATURES, FeaturePipeline
from linclass.features._cache import CACHE_MIN_IMAGES, cache_dir


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (CACHE_MIN_IMAGES, 8, 8, 3), dtype=np.uint8)


def test_raw_features_are_flattened_pixels(images):
    features = FEATURES["raw"]().transform(images)
    assert features.dtype == np.float32
    np.testing.assert_array_equal(features, images.reshape(len(images), -1))


@pytest.mark.parametrize("standardize", ["feature", "mean", "none"])
def test_standardization_is_fitted_on_training_features(images, standardize):
    pipe = FeaturePipeline.from_spec("raw", standardize=standardize, cache=False)
    train = pipe.fit_transform(images[:600])
    raw = images[:600].reshape(600, -1).astype(np.float64)
    mean = raw.mean(axis=0) if standardize != "none" else 0.0
    scale = raw.std(axis=0) if standardize == "feature" else 1.0
    np.testing.assert_allclose(train, (raw - mean) / scale, rtol=1e-4, atol=1e-3)
    # held-out images use the training statistics, not their own
    test = pipe.transform(images[600:])
    np.testing.assert_allclose(test, (images[600:].reshape(-1, raw.shape[1]) - mean) / scale,
                               rtol=1e-4, atol=1e-3)
    assert train.dtype == test.dtype == np.float32


def test_state_round_trip_is_json_and_arrays(images):
    pipe = FeaturePipeline.from_spec("raw", cache=False)
    expected = pipe.fit_transform(images[:100])
    params, arrays = pipe.to_state()
    params = json.loads(json.dumps(params))
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    again = FeaturePipeline.from_state(params, arrays, cache=False)
    assert again.spec == "raw" and again.n_features == 8 * 8 * 3
    np.testing.assert_array_equal(again.transform(images[:100]), expected)


def test_cache_is_written_once_and_read_back(images):
    pipe = FeaturePipeline.from_spec("raw")
    first = pipe.fit_transform(images)
    files = sorted(cache_dir().glob("raw-*.npy"))
    assert files, "no cache file written"
    # Tamper with the stored features: a second run must return them, proving it did not
    # recompute; and no temp files are left behind.
    newest = max(files, key=os.path.getmtime)
    stored = np.load(newest, allow_pickle=False)
    np.save(newest, stored + 1.0)
    second = FeaturePipeline.from_spec("raw").fit_transform(images)
    np.testing.assert_allclose(second, first, atol=1e-4)  # centring cancels the +1
    centred = FeaturePipeline.from_spec("raw", standardize="mean")
    centred.fit_transform(images)
    np.testing.assert_allclose(centred.scaler_.mean_,
                               images.reshape(len(images), -1).mean(0) + 1.0, rtol=1e-5)
    assert not list(cache_dir().glob(".*.tmp"))


def test_progress_counts_every_image_per_extractor(images):
    many = np.concatenate([images, images, images])  # more than one batch
    seen = []
    FeaturePipeline.from_spec("raw+hsv", cache=False).fit_transform(
        many, progress=lambda done, total: seen.append((done, total)))
    assert len(seen) > 2 and seen[-1] == (2 * len(many), 2 * len(many))
    assert all(a[0] < b[0] and a[1] == b[1] for a, b in zip(seen, seen[1:], strict=False))


@pytest.mark.parametrize("spec, match", [
    ("pixels", "features must be one of 'raw'"),
    ("", "features must be names joined by"),
    ("raw+raw", "without repeats"),
])
def test_bad_spec_is_one_line_error(spec, match):
    with pytest.raises(ValueError, match=match):
        FeaturePipeline.from_spec(spec)


def test_unfitted_pipeline_says_so(images):
    with pytest.raises(ValueError, match="FeaturePipeline is not fitted yet"):
        FeaturePipeline.from_spec("raw").transform(images)


def test_bad_images_name_the_shape():
    with pytest.raises(ValueError, match=r"images must be an array .* got shape \(4, 8\)"):
        FeaturePipeline.from_spec("raw").fit_transform(np.zeros((4, 8), np.uint8))


def test_cache_key_follows_settings_and_images(images):
    before = set(cache_dir().glob("hsv-*.npy"))
    a = FeaturePipeline.from_spec("hsv", hsv={"bins": 4}).fit_transform(images)
    b = FeaturePipeline.from_spec("hsv", hsv={"bins": 8}).fit_transform(images)
    c = FeaturePipeline.from_spec("hsv", hsv={"bins": 4}).fit_transform(images[::-1].copy())
    assert a.shape[1] * 2 == b.shape[1]
    np.testing.assert_allclose(c, a[::-1], atol=1e-5)
    assert len(set(cache_dir().glob("hsv-*.npy")) - before) == 3
