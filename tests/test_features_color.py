"""Colour histograms: numpy.histogram per image as the oracle, matplotlib's HSV, layouts."""

import matplotlib.colors
import numpy as np
import pytest

from linclass.features import FEATURES, color_histogram, rgb_to_hsv
from linclass.features._color import uniform_bin_index


@pytest.fixture(scope="module")
def images():
    """Real-looking colour statistics are not needed here: random pixels hit every bin, and
    the exact ties (equal channels, values on bin edges) that integer pixels produce."""
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (30, 12, 10, 3), dtype=np.uint8)
    noise[:5] = noise[:5, ..., :1]  # gray pixels: zero saturation, hue 0
    noise[5:10, ..., 2] = noise[5:10, ..., 1]  # ties in the maximum channel
    return noise


def test_rgb_to_hsv_matches_matplotlib(images):
    expected = matplotlib.colors.rgb_to_hsv(images / 255.0)
    np.testing.assert_allclose(rgb_to_hsv(images), expected, atol=1e-6)
    np.testing.assert_allclose(rgb_to_hsv(images / 255.0), expected, atol=1e-12)
    assert rgb_to_hsv(images).dtype == np.float32


@pytest.mark.parametrize("bins", [1, 7, 10, 32])
def test_hue_histogram_equals_numpy_histogram_per_image(images, bins):
    hue = rgb_to_hsv(images)[..., 0]
    expected = np.stack([np.histogram(h, bins=bins, range=(0, 1))[0] for h in hue])
    np.testing.assert_array_equal(color_histogram(images, bins=bins, normalize=False), expected)


@pytest.mark.parametrize("bins", [6, 10, 12])
def test_hue_bins_of_integer_pixels_are_exact(images, bins):
    """floor(bins * hue) in exact integer arithmetic: hue = num / (6 d) with integers."""
    r, g, b = (images[..., i].astype(np.int64) for i in range(3))
    v = np.maximum(np.maximum(r, g), b)
    d = v - np.minimum(np.minimum(r, g), b)
    num = np.where(b == v, r - g + 4 * d, np.where(g == v, b - r + 2 * d, g - b))
    num = np.where(num < 0, num + 6 * d, num)
    exact_bin = np.where(d > 0, bins * num // np.maximum(6 * d, 1), 0)
    expected = np.stack([np.bincount(e.ravel(), minlength=bins) for e in exact_bin])
    np.testing.assert_array_equal(color_histogram(images, bins=bins, normalize=False), expected)
    assert (bins * num % np.maximum(6 * d, 1) == 0)[d > 0].any()  # some hues lie on edges


@pytest.mark.parametrize("bins, value_range", [(8, None), (16, None), (10, (0, 255)),
                                               (5, (50.5, 200))])
def test_rgb_histograms_equal_numpy_histogram_per_image(images, bins, value_range):
    theirs_range = (0, 256) if value_range is None else value_range
    expected = np.stack([np.concatenate([np.histogram(im[..., c], bins=bins,
                                                      range=theirs_range)[0]
                                         for c in range(3)]) for im in images])
    ours = color_histogram(images, bins=bins, space="rgb", channels="rgb",
                           value_range=value_range, normalize=False)
    np.testing.assert_array_equal(ours, expected)


def test_float_rgb_histograms_equal_numpy_histogram(images):
    scaled = (images / 255.0).astype(np.float32)
    expected = np.stack([np.histogram(im[..., 1], bins=9, range=(0, 1))[0] for im in scaled])
    np.testing.assert_array_equal(
        color_histogram(scaled, bins=9, space="rgb", channels="g", normalize=False), expected)


def test_joint_histogram_with_a_grid_equals_histogramdd_per_region(images):
    hsv = rgb_to_hsv(images)
    ours = color_histogram(images, bins=4, channels="hsv", joint=True, grid=(2, 3),
                           normalize=False)
    rows, cols = [0, 6, 12], [0, 3, 6, 10]  # i * H // 2 and j * W // 3 for H = 12, W = 10
    expected = np.stack([np.concatenate([
        np.histogramdd(h[rows[i]:rows[i + 1], cols[j]:cols[j + 1]].reshape(-1, 3),
                       bins=4, range=[(0, 1)] * 3)[0].ravel()
        for i in range(2) for j in range(3)]) for h in hsv])
    np.testing.assert_array_equal(ours, expected)


def test_normalized_histograms_sum_to_one_per_region(images):
    hist = color_histogram(images, bins=6, channels="hs", grid=(2, 2))
    per_histogram = hist.reshape(len(images), 4, 2, 6).sum(axis=-1)
    np.testing.assert_allclose(per_histogram, 1.0, rtol=1e-6)
    joint = color_histogram(images, bins=3, channels="hsv", joint=True)
    np.testing.assert_allclose(joint.sum(axis=1), 1.0, rtol=1e-6)


def test_bin_index_matches_numpy_on_edges_and_outside():
    values = np.array([-0.1, 0.0, 0.1, 0.2, 0.3, 0.7, 0.9999999, 1.0, 1.1])
    for dtype in (np.float32, np.float64):
        v = values.astype(dtype)
        index, inside = uniform_bin_index(v, 0.0, 1.0, 10)
        ours = np.bincount(index[inside], minlength=10)
        assert inside is not None and not inside[0] and not inside[-1]
        np.testing.assert_array_equal(ours, np.histogram(v, bins=10, range=(0, 1))[0])


def test_pyramid_concatenates_levels(images):
    pyramid = FEATURES["pyramid"](levels=(1, 2), bins=4, channels="h").transform(images)
    expected = np.concatenate([color_histogram(images, bins=4, grid=(g, g)) for g in (1, 2)],
                              axis=1)
    np.testing.assert_array_equal(pyramid, expected)


@pytest.mark.parametrize("name, width", [("hsv", 480), ("rgb", 48), ("color3d", 512),
                                         ("pyramid", 21 * 24)])
def test_registered_colour_extractors(images, name, width):
    extractor = FEATURES[name]()
    features = extractor.transform(images)
    assert features.shape == (len(images), width) and features.dtype == np.float32
    again = type(extractor).from_state(extractor.params(), extractor.arrays())
    np.testing.assert_array_equal(again.transform(images), features)


def test_single_channel_images_are_gray(images):
    gray = images[..., :1]
    as_rgb = np.repeat(gray, 3, axis=3)
    np.testing.assert_array_equal(color_histogram(gray, channels="hsv", grid=(2, 2)),
                                  color_histogram(as_rgb, channels="hsv", grid=(2, 2)))
    assert color_histogram(gray, bins=4)[:, 0].tolist() == [1] * len(images)  # hue 0


@pytest.mark.parametrize("kwargs, match", [
    ({"space": "lab"}, "space must be one of 'rgb', 'hsv'"),
    ({"channels": "hx"}, "channels must be distinct letters of 'hsv'"),
    ({"bins": 0}, "bins must be an integer >= 1"),
    ({"value_range": (1, 0)}, "value_range must be"),
    ({"grid": (0, 2)}, "grid must be a pair of integers >= 1"),
])
def test_bad_settings_are_named(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        color_histogram(images, **kwargs)
