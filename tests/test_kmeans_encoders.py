"""KMeansFeatures encoders (triangle, soft threshold, nearest codewords) and poolings
(quadrants, thirds): each equals the plain loop, fused equals unfused, mirrored ones are
flip-invariant, model files round-trip."""

import numpy as np
import pytest
from test_kmeans import smooth_images

import linclass as lc
from linclass.features import FeaturePipeline
from linclass.features._encoding import (
    ENCODERS,
    POOLINGS,
    activations,
    encode_reference,
    region_weights,
)
from linclass.features.kmeans import KMeansFeatures

CASES = [(encoder, pooling) for encoder in ENCODERS for pooling in POOLINGS]


@pytest.fixture(scope="module")
def fitted():
    """A mirrored k-means codebook of 16 (8 free) on 14 x 14 images (9 x 9 positions)."""
    images = smooth_images(40, size=14)
    base = KMeansFeatures(n_centroids=16, n_patches=3000, n_threads=2, precision="float32",
                          encoder="triangle").fit(images, rng=0)
    return base, images


def variant(base, **settings):
    return KMeansFeatures.from_state(base.params() | settings, base.arrays())


def reference(extractor, images):
    e = extractor
    return encode_reference(images, e.mean_, e.whitening_, e.centroids_, e.receptive_field,
                            e.stride, e.norm_eps, e.encoder, e.pooling, e.threshold,
                            e.encoder_for(images.shape[1:]).n_nearest, e.mirror)


@pytest.mark.parametrize(("encoder", "pooling"), CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mirror", [True, False])
def test_each_encoder_equals_the_plain_loop(fitted, encoder, pooling, dtype, mirror):
    base, images = fitted
    extractor = variant(base, encoder=encoder, pooling=pooling, mirror=mirror, threshold=0.1,
                        n_nearest=5, block_images=3)
    sample = images[:5].astype(dtype)
    ours = extractor.transform(sample)
    expected = reference(extractor, sample)
    signs = 2 if encoder == "soft" else 1
    regions = 4 if pooling == "quadrants" else 9
    assert ours.shape == (5, regions * signs * 16 // (2 if mirror else 1))
    assert ours.dtype == np.float32
    if encoder == "nearest":  # counts: equal up to a near-tie at the q-th distance
        assert np.mean(np.abs(ours - expected) > 1e-3) < 1e-3
        np.testing.assert_allclose(ours.sum(axis=1), expected.sum(axis=1), rtol=1e-3)
    else:
        np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize(("encoder", "pooling"), CASES)
def test_fused_equals_unfused(fitted, encoder, pooling):
    pytest.importorskip("numba")
    base, images = fitted
    extractor = variant(base, encoder=encoder, pooling=pooling, threshold=0.1, n_nearest=4)
    fused = extractor.encoder_for(images.shape[1:], fused=True).encode(images)
    unfused = extractor.encoder_for(images.shape[1:], fused=False).encode(images)
    np.testing.assert_allclose(fused, unfused, rtol=1e-5, atol=1e-5 * np.abs(unfused).max())


@pytest.mark.parametrize(("encoder", "pooling"), CASES)
def test_mirrored_variants_are_flip_invariant(fitted, encoder, pooling):
    base, images = fitted
    extractor = variant(base, encoder=encoder, pooling=pooling, threshold=0.1)
    features = extractor.transform(images)
    mirrored = extractor.transform(np.ascontiguousarray(images[:, :, ::-1]))
    scale = np.abs(features).max()
    if encoder == "nearest":
        assert np.mean(np.abs(mirrored - features) > 1e-3) < 2e-3
    else:
        np.testing.assert_allclose(mirrored, features, rtol=1e-4, atol=1e-4 * scale)
    plain = variant(extractor, mirror=False).transform(images)
    flipped = variant(extractor, mirror=False).transform(images[:, :, ::-1])
    assert not np.allclose(plain, flipped, atol=1e-2 * scale)  # not an accident


def test_activations_follow_their_definitions():
    y = np.array([[-0.5, 0.1, 0.4, 2.0]], dtype=np.float32)
    np.testing.assert_allclose(activations(y.copy(), "soft", 0.25, 1),
                               [[0, 0, 0.15, 1.75, 0.25, 0, 0, 0]], atol=1e-7)
    np.testing.assert_array_equal(activations(y.copy(), "nearest", 0.25, 2), [[1, 1, 0, 0]])
    squared = np.array([[1.0, 4.0, 9.0, 16.0]], dtype=np.float32)  # distances 1, 2, 3, 4
    np.testing.assert_allclose(activations(squared, "triangle", 0, 1), [[1.5, 0.5, 0, 0]])


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("length", [1, 2, 5, 8, 27])
def test_regions_cover_the_axis_and_are_mirror_symmetric(pooling, length):
    weights = region_weights(length, pooling)
    np.testing.assert_array_equal(weights[::-1, ::-1], weights)
    assert np.all(weights.sum(axis=0) > 0)  # every position pooled somewhere
    if pooling == "quadrants":
        np.testing.assert_array_equal(weights.sum(axis=0), 1)
    else:
        assert len(weights) == 3 and np.all(weights.sum(axis=1) >= length // 2)


def test_thirds_on_a_cifar_grid():
    weights = region_weights(27, "thirds")
    starts = [int(np.flatnonzero(w)[0]) for w in weights]
    assert starts == [0, 7, 14] and weights.sum(axis=1).tolist() == [13, 13, 13]


@pytest.mark.parametrize(("encoder", "pooling"), CASES)
def test_model_file_with_each_encoder_predicts_identically(fitted, tmp_path, encoder, pooling):
    base, images = fitted
    labels = np.arange(len(images)) % 3
    pipe = FeaturePipeline.from_spec("kmeans", cache=False, kmeans={
        "n_centroids": 8, "n_patches": 1000, "encoder": encoder, "pooling": pooling})
    x = pipe.fit_transform(images, rng=0)
    clf = lc.LinearClassifier(epochs=3, random_state=0).fit(x, labels)
    model = lc.ImageClassifier(pipe, clf, ["a", "b", "c"], images.shape[1:])
    loaded = lc.load(lc.save(model, tmp_path / "model.npz"))
    assert loaded.pipeline.extractors[0].encoder == encoder
    assert loaded.pipeline.extractors[0].pooling == pooling
    np.testing.assert_array_equal(loaded.decision_function(images),
                                  model.decision_function(images))


def test_older_state_without_encoder_and_pooling_is_triangle_on_quadrants(fitted):
    base, images = fitted
    params = {k: v for k, v in base.params().items() if k not in ("encoder", "pooling")}
    old = KMeansFeatures.from_state(params, base.arrays())
    assert (old.encoder, old.pooling) == ("triangle", "quadrants")
    np.testing.assert_array_equal(old.transform(images[:4]),
                                  variant(base, encoder="triangle", pooling="quadrants")
                                  .transform(images[:4]))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"encoder": "sparse"}, "encoder must be one of 'triangle', 'soft', 'nearest'"),
    ({"pooling": "pyramid"}, "pooling must be one of 'quadrants', 'thirds'"),
    ({"threshold": -1.0}, "threshold must be a finite number >= 0"),
    ({"n_centroids": 10, "n_nearest": 11}, "n_nearest must be at most n_centroids (10)"),
    ({"n_nearest": 0}, "n_nearest must be None or an integer >= 1"),
])
def test_bad_encoder_settings_are_one_line_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        KMeansFeatures(**kwargs)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("encoder", ["triangle", "soft"])
def test_torch_product_equals_numpy(fitted, encoder):
    pytest.importorskip("torch")
    base, images = fitted
    extractor = variant(base, encoder=encoder, threshold=0.1)
    shape = images.shape[1:]
    np.testing.assert_allclose(
        extractor.encoder_for(shape, library="torch").encode(images),
        extractor.encoder_for(shape, library="numpy").encode(images), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("encoder", ["triangle", "soft"])
def test_bfloat16_products_are_close_and_fused_equals_unfused(fitted, encoder):
    pytest.importorskip("torch")
    pytest.importorskip("numba")
    base, images = fitted
    low = variant(base, encoder=encoder, threshold=0.1, precision="bfloat16")
    shape = images.shape[1:]
    fused = low.encoder_for(shape, fused=True).encode(images)
    np.testing.assert_allclose(fused, low.encoder_for(shape, fused=False).encode(images),
                               rtol=1e-5, atol=1e-5 * np.abs(fused).max())
    exact = variant(low, precision="float32").transform(images)
    error = np.abs(fused - exact).max() / np.abs(exact).max()
    assert 0 < error < 0.03  # bfloat16 rounding (2^-9 relative) on inputs and products


@pytest.mark.parametrize(("encoder", "pooling"), CASES)
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_tensor_path_equals_the_cpu_path(fitted, encoder, pooling, precision):
    """device="torch" (the GPU path's tensor operations, on CPU PyTorch) = device="cpu"."""
    pytest.importorskip("torch")
    base, images = fitted
    cpu = variant(base, encoder=encoder, pooling=pooling, precision=precision, threshold=0.1,
                  n_nearest=4)
    expected = cpu.transform(images)
    tensors = variant(cpu, device="torch").transform(images)
    scale = np.abs(expected).max()
    if encoder == "nearest":
        assert np.mean(np.abs(tensors - expected) > 1e-3) < 2e-3
    else:
        np.testing.assert_allclose(tensors, expected, rtol=1e-4, atol=1e-4 * scale)


def test_auto_precision_is_bfloat16_only_with_pytorch_and_bfloat16_units(monkeypatch):
    from linclass.features import _encoding

    assert _encoding.resolve_precision("float32") == "float32"
    expected = "bfloat16" if _encoding.torch_available() and _encoding._bfloat16_units() \
        else "float32"
    assert _encoding.resolve_precision("auto") == expected
    monkeypatch.setattr(_encoding, "torch_available", lambda: False)
    assert _encoding.resolve_precision("auto") == "float32"
