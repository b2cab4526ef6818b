"""HOG: agreement with scikit-image on real images, invariances, dtypes, errors."""

import numpy as np
import pytest
from skimage.feature import hog as skimage_hog

from linclass.data import load
from linclass.features import hog

SETTINGS = [
    {},  # 9 orientations, 8x8 cells, 2x2 blocks, L2-Hys
    {"orientations": 8, "pixels_per_cell": (4, 4), "block_norm": "L1"},
    {"orientations": 12, "pixels_per_cell": (6, 5), "cells_per_block": (3, 2),
     "block_norm": "L2"},
    {"orientations": 4, "cells_per_block": (1, 1)},
    {"orientations": 6, "pixels_per_cell": (5, 5), "block_norm": "L1-sqrt"},
]


@pytest.fixture(scope="module")
def real_images(cifar_archive):
    """40 real CIFAR-10 images (uint8, RGB), spread over the classes."""
    images = load(str(cifar_archive)).images
    return images[np.linspace(0, len(images) - 1, 40).astype(int)]


def reference(images, channel_axis=None, **settings):
    """scikit-image's hog, one image at a time (its own API)."""
    settings = {"cells_per_block": (2, 2), **settings}
    return np.stack([skimage_hog(im, channel_axis=channel_axis, **settings) for im in images])


def gray_uint8(images):
    """BT.601 luma rounded to uint8, so both implementations see the same integer pixels."""
    luma = images.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return np.rint(luma).astype(np.uint8)


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_equals_skimage_on_grayscale(real_images, settings, dtype):
    gray = gray_uint8(real_images).astype(dtype)
    ours = hog(gray, **settings)
    assert ours.dtype == (np.float64 if dtype == np.float64 else np.float32)
    # scikit-image sums cells in float32: agreement is to float32 rounding
    np.testing.assert_allclose(ours, reference(gray, **settings), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("settings", SETTINGS[:3])
def test_equals_skimage_max_channel_on_rgb(real_images, settings):
    ours = hog(real_images, channel_mode="max", **settings)
    np.testing.assert_allclose(ours, reference(real_images, channel_axis=-1, **settings),
                               rtol=1e-5, atol=1e-6)


def test_gray_mode_uses_bt601_luma(real_images):
    luma = real_images.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(hog(real_images.astype(np.float64)), hog(luma), atol=1e-12)


def test_structured_shape_matches_skimage(real_images):
    gray = gray_uint8(real_images[:2])
    ours = hog(gray, orientations=7, feature_vector=False)
    theirs = skimage_hog(gray[0], orientations=7, cells_per_block=(2, 2), feature_vector=False)
    assert ours.shape == (2, *theirs.shape)
    cells = hog(gray, pixels_per_cell=(4, 4), block_norm="none", feature_vector=False)
    assert cells.shape == (2, 8, 8, 9)


def test_no_block_norm_gives_mean_magnitude_per_cell():
    # a horizontal ramp: every interior pixel has g_col = 2, g_row = 0 (angle 0)
    ramp = np.tile(np.arange(16, dtype=np.float64), (16, 1))[np.newaxis]
    cells = hog(ramp, pixels_per_cell=(8, 8), block_norm="none", feature_vector=False)
    # left cells lose column 0 (border), right cells column 15: 7 of 8 columns vote 2
    np.testing.assert_allclose(cells[0, :, :, 0], 2 * 7 / 8)
    np.testing.assert_array_equal(cells[0, :, :, 1:], 0)


@pytest.mark.parametrize("orientations", [4, 8, 12])
def test_rotation_by_90_degrees_moves_mass_by_a_quarter_turn(real_images, orientations):
    """Rotating the image by 90 degrees turns every gradient by 90 degrees: unsigned bin k
    goes to bin k + orientations / 2 (mod orientations), and the cell grid rotates too."""
    gray = gray_uint8(real_images[:8]).astype(np.float64)
    settings = {"orientations": orientations, "pixels_per_cell": (4, 4), "block_norm": "none",
                "feature_vector": False}
    cells = hog(gray, **settings)  # (n, rows, cols, bins)
    rotated = hog(np.rot90(gray, k=1, axes=(1, 2)), **settings)
    # np.rot90 (counter-clockwise): new[r, c] = old[c, W-1-r]; the cell grid follows it.
    expected = np.rot90(cells, k=1, axes=(1, 2))
    expected = np.roll(expected, orientations // 2, axis=3)
    # Borders move (the zero-gradient border row becomes a column), so compare interior cells
    np.testing.assert_allclose(rotated[:, 1:-1, 1:-1], expected[:, 1:-1, 1:-1], atol=1e-9)
    assert rotated[:, 1:-1, 1:-1].sum() > 0


def test_vertical_edge_votes_in_bin_zero_and_horizontal_in_the_middle():
    image = np.zeros((1, 16, 16), dtype=np.uint8)
    image[:, :, 8:] = 200  # intensity changes along columns: gradient angle 0
    cells = hog(image, orientations=8, block_norm="none", feature_vector=False)
    assert cells[0, ..., 0].sum() > 0 and cells[0, ..., 1:].sum() == 0
    turned = hog(image.transpose(0, 2, 1), orientations=8, block_norm="none",
                 feature_vector=False)
    assert turned[0, ..., 4].sum() > 0 and np.delete(turned[0], 4, axis=-1).sum() == 0


@pytest.mark.parametrize("block_norm", ["none", "L1", "L1-sqrt", "L2", "L2-Hys"])
@pytest.mark.parametrize("channels", [1, 3])
def test_constant_image_has_zero_hog(block_norm, channels):
    image = np.full((2, 24, 24, channels), 77, dtype=np.uint8)
    features = hog(image, block_norm=block_norm, channel_mode="max")
    assert features.shape[1] > 0 and not features.any()


def test_signed_orientations_tell_opposite_gradients_apart():
    ramp = np.tile(np.arange(16, dtype=np.float64), (16, 1))
    both = np.stack([ramp, ramp[:, ::-1]])  # gradient angle 0 and 180 degrees
    unsigned = hog(both, orientations=4, block_norm="none")
    np.testing.assert_allclose(unsigned[0], unsigned[1])
    signed = hog(both, orientations=4, signed=True, block_norm="none",
                 feature_vector=False)
    assert signed[0, ..., 0].sum() > 0 and signed[0, ..., 1:].sum() == 0
    assert signed[1, ..., 2].sum() > 0 and np.delete(signed[1], 2, axis=-1).sum() == 0


def test_dtypes_agree(real_images):
    images = real_images[:5]
    as_uint8 = hog(images)
    np.testing.assert_allclose(hog(images.astype(np.float32)), as_uint8, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hog(images.astype(np.float64)), as_uint8, rtol=1e-5, atol=1e-5)
    assert hog(images.astype(np.float32)).dtype == np.float32


def test_grayscale_inputs_agree(real_images):
    gray = gray_uint8(real_images[:3])
    np.testing.assert_array_equal(hog(gray), hog(gray[..., np.newaxis]))
    np.testing.assert_array_equal(hog(gray[..., np.newaxis], channel_mode="max"), hog(gray))


def test_batches_agree_with_one_at_a_time(real_images):
    whole = hog(real_images)
    np.testing.assert_array_equal(np.concatenate([hog(im[np.newaxis]) for im in real_images]),
                                  whole)


def test_image_smaller_than_a_block_states_the_minimum_size():
    with pytest.raises(ValueError, match=r"at least 16 x 16 pixels .* got 12 x 30"):
        hog(np.zeros((1, 12, 30), np.uint8), pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    with pytest.raises(ValueError, match=r"at least 4 x 4 pixels"):
        hog(np.zeros((1, 3, 3), np.uint8), pixels_per_cell=(4, 4), block_norm="none")


@pytest.mark.parametrize("kwargs, match", [
    ({"orientations": 0}, "orientations must be an integer >= 1"),
    ({"pixels_per_cell": (8, 0)}, "pixels_per_cell must be a pair of integers"),
    ({"block_norm": "L3"}, "block_norm must be one of"),
    ({"channel_mode": "mean"}, "channel_mode must be one of 'gray', 'max'"),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        hog(np.zeros((1, 32, 32), np.uint8), **kwargs)


@pytest.mark.parametrize("settings", [{}, {"orientations": 18, "pixels_per_cell": (4, 4),
                                           "block_norm": "L1-sqrt", "signed": True}])
def test_threads_and_batch_size_change_nothing(monkeypatch, real_images, settings):
    from linclass.features import _hog

    whole = hog(real_images, **settings)
    done = []
    monkeypatch.setattr(_hog, "BATCH_IMAGES", 7)
    monkeypatch.setattr(_hog, "THREADS", 3)
    batched = hog(real_images, progress=lambda k, n: done.append((k, n)), **settings)
    np.testing.assert_array_equal(batched, whole)
    assert done == [(k, 40) for k in (7, 14, 21, 28, 35, 40)]


def test_no_images_give_no_rows():
    assert hog(np.zeros((0, 32, 32), np.uint8)).shape == (0, 324)


def test_rgb_gray_mode_equals_skimage_on_the_float32_luma(real_images):
    """uint8 RGB in the default ``channel_mode="gray"`` is the BT.601 luma first, computed in
    float32 (one gemv per image), then HOG: scikit-image on that luma image agrees."""
    n = len(real_images)
    luma = (real_images.reshape(n, -1, 3).astype(np.float32)
            @ np.array([0.299, 0.587, 0.114], np.float32)).reshape(n, 32, 32)
    for settings in SETTINGS[:2]:
        np.testing.assert_allclose(hog(real_images, **settings), reference(luma, **settings),
                                   rtol=1e-5, atol=1e-6)
