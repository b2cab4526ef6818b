"""KMeansFeatures (Coates, Lee & Ng 2011): patches, whitening, k-means, triangle encoding, state.

The other encoders and poolings: tests/test_kmeans_encoders.py."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

import linclass
from linclass.features import FEATURES, FeaturePipeline, _encoding, kmeans
from linclass.features._kmeans_clustering import kmeans as lloyd
from linclass.features._kmeans_clustering import mirror_closed
from linclass.features._patches import mirror_permutation, standardize_patches
from linclass.features._whitening import fit_whitening
from linclass.features.kmeans import KMeansFeatures


def random_images(n, size=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def smooth_images(n, size=16, seed=0):
    """Images with spatially correlated pixels (as natural images): blurred noise, uint8."""
    noise = np.random.default_rng(seed).normal(0, 1, (n, size + 4, size + 4, 3))
    kernel = np.ones(5) / 5
    blurred = np.apply_along_axis(np.convolve, 1, noise, kernel, mode="valid")
    blurred = np.apply_along_axis(np.convolve, 2, blurred, kernel, mode="valid")
    return np.clip(128 + 200 * blurred, 0, 255).astype(np.uint8)


#: The encoding of Coates et al. (2011) in float32, which the tests here compare with loops.
TRIANGLE = {"encoder": "triangle", "pooling": "quadrants", "precision": "float32"}


@pytest.fixture(scope="module")
def fitted():
    images = smooth_images(60)
    return KMeansFeatures(n_centroids=12, n_patches=3000, n_threads=2, **TRIANGLE).fit(
        images, rng=0), images


# -- whitening ----------------------------------------------------------------------------------

def test_whitened_patches_have_identity_covariance():
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(27, 27))
    patches = (rng.normal(size=(20000, 27)) @ mixing + 5).astype(np.float32)
    mean, matrix = fit_whitening(patches, eps=1e-6)
    white = (patches.astype(np.float64) - mean) @ matrix
    np.testing.assert_allclose(white.mean(axis=0), 0, atol=1e-3)
    np.testing.assert_allclose(np.cov(white, rowvar=False), np.eye(27), atol=2e-3)


def test_whitening_eps_shrinks_the_eigenvalues_as_documented():
    rng = np.random.default_rng(1)
    patches = (rng.normal(size=(5000, 12)) * np.linspace(0.1, 3, 12)).astype(np.float32)
    mean, matrix = fit_whitening(patches, eps=0.1)
    cov = np.cov(patches, rowvar=False)
    eigvals = np.linalg.eigvalsh(cov)
    white_eig = np.linalg.eigvalsh(np.cov((patches - mean) @ matrix, rowvar=False))
    np.testing.assert_allclose(white_eig, np.sort(eigvals / (eigvals + 0.1)), rtol=1e-3)


def test_normalized_patches_have_zero_mean_and_regularized_unit_contrast():
    x = np.random.default_rng(2).uniform(0, 255, (50, 108)).astype(np.float32)
    expected = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, ddof=1, keepdims=True) + 10)
    np.testing.assert_allclose(standardize_patches(x.copy()), expected, rtol=1e-5, atol=1e-5)


# -- k-means ------------------------------------------------------------------------------------

def blobs(seed=0, n=600, centers=4, dim=5):
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 10, (centers, dim))
    labels = rng.integers(0, centers, n)
    return means[labels] + rng.normal(0, 1, (n, dim)), labels, means


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_inertia_never_increases(seed):
    x, _, _ = blobs(seed, centers=6)
    rng = np.random.default_rng(seed)
    init = x[rng.choice(len(x), 10, replace=False)]
    init[0] = 1e3  # a centroid no point chooses: exercises the re-seeding of empty clusters
    _, inertia = lloyd(x, init, max_iter=30, rng=seed)
    assert len(inertia) >= 3
    assert np.all(np.diff(inertia) <= 1e-9 * inertia[0])


def test_kmeans_matches_scikit_learn_lloyd_from_the_same_start():
    x, _, _ = blobs(3, centers=5)
    init = x[:8].copy()
    ours, inertia = lloyd(x, init, max_iter=5)
    peer = KMeans(8, init=init, n_init=1, max_iter=5, tol=0, algorithm="lloyd").fit(x)
    order = lambda c: c[np.lexsort(c.T)]  # noqa: E731
    np.testing.assert_allclose(order(ours), order(peer.cluster_centers_), rtol=1e-9, atol=1e-9)


def test_mirror_tied_kmeans_is_lloyd_on_the_mirror_closed_set():
    """Lloyd on x and its mirror image from a mirror-closed start stays mirror-closed."""
    x, _, _ = blobs(5, centers=4, dim=6)
    flip = np.array([1, 0, 3, 2, 5, 4])
    init = x[:5].copy()
    ours, inertia = lloyd(x, init, max_iter=6, mirror=flip)
    closed = np.concatenate([x, x[:, flip]])
    peer = KMeans(10, init=mirror_closed(init, flip), n_init=1, max_iter=6, tol=0,
                  algorithm="lloyd").fit(closed)
    np.testing.assert_allclose(mirror_closed(ours, flip), peer.cluster_centers_,
                               rtol=1e-9, atol=1e-9)
    assert np.all(np.diff(inertia) <= 1e-9 * inertia[0])


def test_kmeans_recovers_known_clusters():
    x, labels, means = blobs(4, centers=4)
    init = np.stack([x[np.flatnonzero(labels == c)[0]] for c in range(4)])
    centroids, _ = lloyd(x.astype(np.float32), init, max_iter=20)
    nearest = np.linalg.norm(centroids[:, None] - means[None], axis=2).argmin(axis=1)
    assert sorted(nearest) == [0, 1, 2, 3]
    # each centroid is within a few standard errors of its cluster mean
    np.testing.assert_allclose(centroids, means[nearest], atol=0.5)


# -- encoding -----------------------------------------------------------------------------------

def test_patch_equal_to_a_centroid_gives_that_centroid_the_maximal_activation():
    images = smooth_images(40, size=6, seed=3)  # 6x6 images: one patch position each
    base = KMeansFeatures(n_centroids=10, n_patches=2000, mirror=False, n_threads=1,
                          **TRIANGLE).fit(smooth_images(40), rng=0)
    encoder = base.encoder_for(images.shape[1:])
    whitened = encoder.patches(images)[:, :-2]  # (40, 108)
    extractor = KMeansFeatures.from_state(
        base.params() | {"n_centroids": 40},
        {"mean": base.mean_, "whitening": base.whitening_, "centroids": whitened})
    features = extractor.transform(images).reshape(40, 4, 40)  # the one position: 1/4 each
    np.testing.assert_allclose(features, np.repeat(features[:, :1], 4, axis=1), rtol=1e-6)
    np.testing.assert_array_equal(features[:, 0].argmax(axis=1), np.arange(40))


def test_mirror_features_are_flip_invariant_and_the_codebook_mirror_closed(fitted):
    base, images = fitted
    flip = mirror_permutation(base.receptive_field, 3)
    half = base.n_centroids // 2
    np.testing.assert_array_equal(base.centroids_[half:], base.centroids_[:half, flip])
    np.testing.assert_allclose(base.whitening_[flip][:, flip], base.whitening_, atol=1e-5)
    np.testing.assert_allclose(base.mean_[flip], base.mean_, atol=1e-6)
    features = base.transform(images)
    assert features.shape == (len(images), 2 * base.n_centroids)
    mirrored = base.transform(np.ascontiguousarray(images[:, :, ::-1]))
    np.testing.assert_allclose(mirrored, features, rtol=1e-4, atol=1e-4 * features.max())
    # without mirror, the flip changes the features (the invariance is not an accident)
    plain = KMeansFeatures.from_state(base.params() | {"mirror": False}, base.arrays())
    assert not np.allclose(plain.transform(images[:, :, ::-1]), plain.transform(images),
                           atol=1e-2 * features.max())


@pytest.mark.parametrize(("stride", "block_images", "n_threads", "mirror"),
                         [(1, 3, 2, True), (2, 4, 1, False), (3, 7, 2, True), (1, 5, 1, False)])
def test_blocked_encoding_equals_the_reference(fitted, stride, block_images, n_threads, mirror,
                                               monkeypatch):
    base, images = fitted
    monkeypatch.setattr(_encoding, "CHUNK_BYTES", 4 * base.n_centroids * 25)  # several row chunks
    extractor = KMeansFeatures.from_state(
        base.params() | {"stride": stride, "block_images": block_images, "n_threads": n_threads,
                         "mirror": mirror},
        base.arrays())
    ours = extractor.transform(images[:9])
    assert ours.dtype == np.float32
    expected = _encoding.encode_reference(images[:9], base.mean_, base.whitening_, base.centroids_,
                                     base.receptive_field, stride, mirror=mirror)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-3 * np.abs(expected).max())


def test_memory_mapped_output_beyond_the_budget(fitted, monkeypatch):
    base, images = fitted
    in_memory = base.transform(images)
    monkeypatch.setattr(kmeans, "MEMORY_BUDGET", 1024)
    mapped = base.transform(images)
    assert isinstance(mapped, np.memmap)
    np.testing.assert_array_equal(mapped, in_memory)


def test_progress_counts_every_image_once(fitted):
    base, images = fitted
    calls = []
    base.transform(images[:50], progress=lambda done, total: calls.append((done, total)))
    steps = range(base.block_images, 50 + base.block_images, base.block_images)
    assert calls == [(min(done, 50), 50) for done in steps]


# -- codebook options, seeds, state -------------------------------------------------------------

@pytest.mark.parametrize("centroids", ["kmeans", "patches", "random"])
def test_same_seed_same_codebook_and_features(centroids):
    images = smooth_images(30, seed=5)
    a = KMeansFeatures(n_centroids=8, n_patches=1000, centroids=centroids).fit(images, rng=7)
    b = KMeansFeatures(n_centroids=8, n_patches=1000, centroids=centroids).fit(images, rng=7)
    c = KMeansFeatures(n_centroids=8, n_patches=1000, centroids=centroids).fit(images, rng=8)
    np.testing.assert_array_equal(a.centroids_, b.centroids_)
    assert not np.array_equal(a.centroids_, c.centroids_)
    np.testing.assert_array_equal(a.transform(images), b.transform(images))
    if centroids == "random":
        np.testing.assert_allclose(np.linalg.norm(a.centroids_, axis=1), 1, rtol=1e-6)


def test_state_round_trip_gives_the_same_features(fitted):
    base, images = fitted
    rebuilt = KMeansFeatures.from_state(base.params(), base.arrays())
    np.testing.assert_array_equal(rebuilt.transform(images), base.transform(images))


def test_state_without_mirror_is_the_unmirrored_encoding(fitted):
    base, images = fitted
    plain = KMeansFeatures.from_state(base.params() | {"mirror": False}, base.arrays())
    params = {k: v for k, v in base.params().items() if k != "mirror"}  # an older model file
    old = KMeansFeatures.from_state(params, base.arrays())
    assert not old.mirror
    np.testing.assert_array_equal(old.transform(images[:5]), plain.transform(images[:5]))


def test_registered_and_usable_in_a_pipeline():
    assert FEATURES["kmeans"] is KMeansFeatures
    assert linclass.features.KMeansFeatures is KMeansFeatures  # the public name (SPEC section 4)
    images = smooth_images(20, seed=6)
    pipe = FeaturePipeline.from_spec("kmeans", cache=False,
                                     kmeans={"n_centroids": 6, "n_patches": 500})
    features = pipe.fit_transform(images, rng=0)
    assert features.shape == (20, 54)  # the defaults: 3 x 3 regions, 2 signs, 6 / 2 centroids
    params, arrays = pipe.to_state()
    again = FeaturePipeline.from_state(params, arrays, cache=False)
    np.testing.assert_array_equal(again.transform(images), pipe.transform(images))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_centroids": 0}, "n_centroids must be an integer >= 1, got 0"),
    ({"stride": 1.5}, "stride must be an integer >= 1, got 1.5"),
    ({"whitening_eps": -1.0}, "whitening_eps must be a finite number > 0, got -1.0"),
    ({"centroids": "sparse"}, "centroids must be one of 'kmeans', 'patches', 'random'"),
    ({"n_centroids": 50, "n_patches": 10}, "n_patches must be at least n_centroids (50), got 10"),
    ({"n_centroids": 5}, "n_centroids must be even with mirror=True"),
    ({"mirror": "yes"}, "mirror must be True or False"),
])
def test_bad_parameters_are_one_line_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        KMeansFeatures(**kwargs)
    assert str(info.value).startswith(message)


def test_transform_before_fit_and_wrong_channels_are_errors(fitted):
    with pytest.raises(ValueError, match="KMeansFeatures must be fitted first"):
        KMeansFeatures().transform(random_images(2))
    base, _ = fitted
    with pytest.raises(ValueError, match="images must be 3 channels"):
        base.transform(random_images(2)[..., :1])
    with pytest.raises(ValueError, match="images must be at least 6 x 6 pixels"):
        base.transform(random_images(2, size=5))
