"""Bag of visual words: dense patches, a k-means codebook, histograms of the nearest words."""

import numpy as np

from linclass._validation import fail
from linclass.features._base import Extractor, check_images, map_batches, region_index
from linclass.features._kmeans_clustering import nearest
from linclass.features._patches import patch_grid, patch_rows, random_patches, unit_norm_patches

__all__ = ["BagOfWords", "normalize_patches"]

#: Added to a patch's norm before dividing (pixel units, 0..255): flat patches stay near 0.
PATCH_EPS = 10.0


def normalize_patches(windows):
    """Patches (..., C, p, p) as float32 rows (..., p * p * C), brightness and contrast
    normalized: each minus its mean, divided by its norm plus ``PATCH_EPS``."""
    return unit_norm_patches(patch_rows(windows), PATCH_EPS)


class BagOfWords(Extractor):
    """Histograms of visual words over dense patches (Csurka et al. 2004).

    ``fit`` learns ``n_words`` codewords by k-means on ``n_train_patches`` normalized patches
    drawn at random from the training images (scikit-learn's ``MiniBatchKMeans``, seeded from
    ``rng``). ``transform`` assigns every dense patch to its nearest word and counts the words
    in each region of a ``grid`` (spatial pooling), each histogram normalized to sum 1.
    Output: ``grid_rows * grid_cols * n_words`` features.

    References
    ----------
    G. Csurka, C. Dance, L. Fan, J. Willamowski, C. Bray, "Visual categorization with bags of
    keypoints", ECCV Workshop on Statistical Learning in Computer Vision, 2004.
    """

    name = "bow"
    param_names = ("n_words", "patch_size", "stride", "grid", "n_train_patches")

    def __init__(self, n_words=256, patch_size=6, stride=2, grid=(2, 2),
                 n_train_patches=100_000):
        for label, value in (("n_words", n_words), ("patch_size", patch_size),
                             ("stride", stride), ("n_train_patches", n_train_patches)):
            if not isinstance(value, int | np.integer) or value < 1:
                raise fail(label, "an integer >= 1", repr(value))
        self.n_words = int(n_words)
        self.patch_size = int(patch_size)
        self.stride = int(stride)
        self.grid = tuple(int(g) for g in np.atleast_1d(grid)) * (2 if np.size(grid) == 1
                                                                  else 1)
        self.n_train_patches = int(n_train_patches)
        if self.n_train_patches < self.n_words:
            raise fail("n_train_patches", f"at least n_words ({self.n_words})",
                       self.n_train_patches)
        self.codebook_ = None

    def fit(self, images, rng=None):
        """Learn the codebook from patches of ``images`` (N, H, W, C)."""
        from sklearn.cluster import MiniBatchKMeans  # imported only when a codebook is learned

        images = self._check(images)
        rng = np.random.default_rng(rng)
        sample = unit_norm_patches(random_patches(
            images, self.patch_size, self.n_train_patches, rng, self.stride), PATCH_EPS)
        kmeans = MiniBatchKMeans(n_clusters=self.n_words, n_init=1, batch_size=4096,
                                 random_state=int(rng.integers(2**31)))
        self.codebook_ = kmeans.fit(sample).cluster_centers_.astype(np.float32)
        return self

    def transform(self, images, progress=None):
        """Word histograms (N, grid_rows * grid_cols * n_words) float32."""
        if self.codebook_ is None:
            raise fail("BagOfWords", "fitted first (call fit on training images)",
                       "an unfitted extractor")
        return map_batches(self._transform_batch, self._check(images), progress)

    def _transform_batch(self, images):
        patches = normalize_patches(patch_grid(images, self.patch_size, self.stride))
        n, p_rows, p_cols, dim = patches.shape
        words = nearest(patches.reshape(-1, dim), self.codebook_)[0].reshape(n, p_rows, p_cols)
        g_rows, g_cols = self.grid
        region = (region_index(p_rows, g_rows)[:, None] * g_cols
                  + region_index(p_cols, g_cols)[None, :])  # (Pr, Pc)
        n_bins = g_rows * g_cols * self.n_words
        index = words + region * self.n_words + np.arange(n)[:, None, None] * n_bins
        counts = np.bincount(index.ravel(), minlength=n * n_bins).reshape(n, -1, self.n_words)
        per_region = np.bincount(region.ravel(), minlength=g_rows * g_cols)  # patches
        return (counts / per_region[:, None]).astype(np.float32).reshape(n, -1)

    def arrays(self):
        return {} if self.codebook_ is None else {"codebook": self.codebook_}

    def _set_arrays(self, arrays):
        codebook = arrays.get("codebook")
        if codebook is None or np.shape(codebook)[0] != self.n_words:
            raise fail("arrays of the 'bow' extractor",
                       f"a 'codebook' of {self.n_words} words", sorted(arrays))
        self.codebook_ = np.asarray(codebook, dtype=np.float32)

    def _check(self, images):
        images = check_images(images)
        min_size = self.patch_size + (max(self.grid) - 1) * self.stride
        if min(images.shape[1:3]) < min_size:
            raise fail("images", f"at least {min_size} x {min_size} pixels for "
                       f"patch_size={self.patch_size}, stride={self.stride}, grid={self.grid}",
                       f"{images.shape[1]} x {images.shape[2]}")
        return images
