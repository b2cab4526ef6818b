"""Dense square patches of images: the grid of windows, random samples, normalization, mirroring.

Shared by the bag of words (:mod:`linclass.features._bow`) and the learned single-layer
features (:mod:`linclass.features.kmeans`). A patch of side ``p`` of a ``C``-channel image is
flattened in (row, col, channel) order to ``D = p * p * C`` values in pixel units (0..255).
"""

import numpy as np

__all__ = ["mirror_permutation", "patch_grid", "patch_rows", "random_patches",
           "standardize_patches", "unit_norm_patches"]


def patch_grid(images, patch_size, stride):
    """A view (n, P_rows, P_cols, C, p, p) of the ``p x p`` patches of ``images`` (n, H, W, C)
    on a grid of step ``stride``; ``P_rows = (H - p) // stride + 1``. Nothing is copied."""
    return np.lib.stride_tricks.sliding_window_view(
        images, (patch_size, patch_size), axis=(1, 2))[:, ::stride, ::stride]


def patch_rows(windows):
    """Windows (..., C, p, p) as float32 rows (..., p * p * C) in (row, col, channel) order."""
    patches = np.moveaxis(windows, -3, -1).astype(np.float32)  # (..., p, p, C)
    return patches.reshape(*patches.shape[:-3], -1)


def random_patches(images, patch_size, n_patches, rng, stride=1):
    """``n_patches`` patches drawn uniformly from the grid of step ``stride``: (n, D) float32.

    Each draw picks an image, a grid row and a grid column (in that order from ``rng``).
    """
    windows = patch_grid(images, patch_size, stride)
    where = tuple(rng.integers(0, size, n_patches) for size in windows.shape[:3])
    return patch_rows(windows[where])


def mirror_permutation(patch_size, channels):
    """Indices ``p`` (D,) with ``patch[p]`` the left-right mirror image of a flattened patch.

    >>> mirror_permutation(2, 1).tolist()
    [1, 0, 3, 2]
    """
    return np.arange(patch_size * patch_size * channels).reshape(
        patch_size, patch_size, channels)[:, ::-1].ravel()


def standardize_patches(patches, eps=10.0):
    """Brightness and contrast of each row, in place: ``(x - mean) / sqrt(var + eps)``.

    ``patches`` (n, D) float; ``var`` with ``D - 1`` in the denominator (the MATLAB ``var``
    of Coates et al.'s code). Returns ``patches``.
    """
    patches -= patches.mean(axis=1, keepdims=True)
    var = np.einsum("ij,ij->i", patches, patches) / (patches.shape[1] - 1)  # (n,)
    patches /= np.sqrt(var + eps)[:, None]
    return patches


def unit_norm_patches(patches, eps=10.0):
    """Each row (..., D) in place minus its mean, divided by its norm plus ``eps``; returned."""
    patches -= patches.mean(axis=-1, keepdims=True)
    patches /= np.sqrt(np.einsum("...i,...i->...", patches, patches))[..., None] + eps
    return patches
