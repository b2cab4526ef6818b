"""Learned single-layer features: k-means on whitened patches, triangle encoding, quadrant pooling.

The pipeline of Coates, Lee & Ng (2011), stage by stage:

1. ``random_patches``: ``n_patches`` random ``rf x rf`` patches from the training images,
   flattened in (row, col, channel) order to ``D = rf * rf * C`` values in 0..255 units.
2. ``normalize_patches``: per patch, ``(x - mean(x)) / sqrt(var(x) + eps_norm)`` (brightness
   and contrast normalization; ``var`` with ``D - 1`` in the denominator as in the authors'
   code, ``eps_norm = 10``).
3. ``fit_whitening``: ZCA, ``x_w = (x - m) W`` with ``W = V (Lambda + eps_zca)^(-1/2) V^T``
   from the eigendecomposition ``Sigma = V Lambda V^T`` of the patches' covariance.
4. ``kmeans``: Lloyd iterations in float32 BLAS, ``||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2``;
   empty clusters re-seeded with random patches.
5. ``encode``: at every patch position (stride ``s``) the triangle activation
   ``f_k(x) = max(0, mu(z) - z_k)`` with ``z_k = ||x_w - c_k||`` and ``mu(z)`` the mean of
   ``z`` over the K centroids, summed over the four quadrants of the position grid:
   ``4 K`` features per image.

With ``mirror=True`` (the default) the codebook is closed under left-right mirroring, so the
features can be made flip-invariant at no cost (see :class:`KMeansFeatures`): training on them
is training on the images and their mirror images, with ``2 K`` features per image.

References
----------
A. Coates, H. Lee, A. Y. Ng, "An Analysis of Single-Layer Networks in Unsupervised Feature
Learning", AISTATS 2011, JMLR W&CP 15:215-223.
"""

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits

from linclass._validation import fail
from linclass.features._base import Extractor, check_images

#: How the codebook is made: learned by k-means, random whitened training patches, or random
#: unit-norm Gaussian directions (the two baselines the paper's discussion compares against).
CENTROIDS = ("kmeans", "patches", "random")

#: Output arrays larger than this many bytes are memory-mapped on disk (an unlinked temporary
#: file in ``tempfile.gettempdir()``) instead of held in RAM.
MEMORY_BUDGET = 8 << 30

#: Patch rows per k-means distance block: the (rows, K) float32 block stays in cache.
KMEANS_BLOCK_ROWS = 4096

#: Bytes of triangle activations (positions x K float32) the encoding computes at a time.
CHUNK_BYTES = 2 << 20


def random_patches(images, receptive_field, n_patches, rng):
    """``n_patches`` random square patches, flattened: ``(n_patches, rf * rf * C)`` float32.

    Images ``(N, H, W, C)``; each patch picks an image, a top row and a left column uniformly.
    """
    n, height, width, channels = images.shape
    rf = receptive_field
    idx = rng.integers(0, n, n_patches)
    rows = rng.integers(0, height - rf + 1, n_patches)
    cols = rng.integers(0, width - rf + 1, n_patches)
    offsets = np.arange(rf)
    patches = images[idx[:, None, None],
                     rows[:, None, None] + offsets[None, :, None],
                     cols[:, None, None] + offsets[None, None, :]]  # (n, rf, rf, C)
    return patches.reshape(n_patches, rf * rf * channels).astype(np.float32)


def mirror_permutation(receptive_field, channels):
    """Indices ``p`` (D,) with ``patch[p]`` the left-right mirror image of a flattened patch.

    Patches are flattened in (row, col, channel) order, as :func:`random_patches` does.

    >>> mirror_permutation(2, 1).tolist()
    [1, 0, 3, 2]
    """
    rf = receptive_field
    return np.arange(rf * rf * channels).reshape(rf, rf, channels)[:, ::-1].ravel()


def normalize_patches(patches, eps=10.0):
    """Normalize brightness and contrast of each row in place: ``(x - mean) / sqrt(var + eps)``.

    ``patches`` (n, D) float; ``var`` uses ``D - 1`` (the authors' MATLAB ``var``). Returns it.
    """
    patches -= patches.mean(axis=1, keepdims=True)
    var = np.einsum("ij,ij->i", patches, patches) / (patches.shape[1] - 1)  # (n,)
    patches /= np.sqrt(var + eps)[:, None]
    return patches


def fit_whitening(patches, eps=0.1):
    """ZCA whitening fitted on ``patches`` (n, D): ``(mean (D,), W (D, D))`` float32.

    ``W = V diag(1 / sqrt(lambda + eps)) V^T`` from the covariance (computed in float64), so
    ``(x - mean) @ W`` has covariance ``V diag(lambda / (lambda + eps)) V^T`` (the identity
    for ``eps = 0``).
    """
    mean = patches.mean(axis=0, dtype=np.float64)
    centered = patches.astype(np.float64) - mean
    cov = centered.T @ centered / (len(patches) - 1)  # (D, D)
    eigvals, eigvecs = np.linalg.eigh(cov)
    eigvals = np.maximum(eigvals, 0.0)  # round-off can make the smallest slightly negative
    matrix = (eigvecs / np.sqrt(eigvals + eps)) @ eigvecs.T
    return mean.astype(np.float32), matrix.astype(np.float32)


def kmeans(x, centroids, max_iter=10, rng=None, tol=0.0, mirror=None):
    """Lloyd's k-means from initial ``centroids`` (K, D) on ``x`` (n, D).

    Each iteration assigns every row to its nearest centroid (one GEMM per block of rows,
    ``argmin_k ||c_k||^2 - 2 x.c_k``) and moves each centroid to the mean of its rows; a
    centroid left without rows is re-seeded at a random row of ``x``. Runs in ``x``'s dtype.

    With ``mirror`` (a permutation ``p`` of the D columns, an involution) the codebook is
    ``[C; C[:, p]]``: every centroid has its mirror image tied to it. This is k-means on the
    mirror-closed set ``x`` and ``x[:, p]`` with the codebook kept closed under ``p``: a row
    nearest to ``c_k[p]`` counts as ``x[p]`` for ``c_k``, whose update
    ``c_k = (sum_{x -> c_k} x + sum_{x -> c_k[p]} x[p]) / (n_k + n_k')`` is the exact minimizer
    over mirror-tied pairs (``p`` is an isometry), so the inertia still never increases.

    Returns
    -------
    centroids : (K, D) array
        The free centroids ``C`` (without their mirror images when ``mirror`` is given).
    inertia : list of float
        ``sum_i min_k ||x_i - c_k||^2`` (over the whole codebook) at each assignment step.
    """
    rng = np.random.default_rng(rng)
    x = np.asarray(x)
    centroids = np.array(centroids, dtype=x.dtype)
    n, k = len(x), len(centroids)
    x_sq = np.einsum("ij,ij->i", x, x)  # (n,)
    inertia = []
    for _ in range(max_iter):
        codebook = centroids if mirror is None else mirror_closed(centroids, mirror)
        labels, distance = _assign(x, x_sq, codebook)
        inertia.append(float(distance.sum(dtype=np.float64)))
        one_hot = scipy.sparse.csr_array(
            (np.ones(n, dtype=x.dtype), (labels, np.arange(n))), shape=(len(codebook), n))
        counts = np.bincount(labels, minlength=len(codebook))
        sums = one_hot @ x  # (K', n) @ (n, D) -> (K', D)
        if mirror is not None:  # fold the mirror halves onto their free centroids
            counts = counts[:k] + counts[k:]
            sums = sums[:k] + sums[k:][:, mirror]
        empty = counts == 0
        centroids = sums / np.maximum(counts, 1)[:, None].astype(x.dtype)
        centroids[empty] = x[rng.integers(0, n, empty.sum())]
        if len(inertia) > 1 and inertia[-2] - inertia[-1] <= tol * inertia[-2]:
            break
    return centroids, inertia


def mirror_closed(centroids, mirror):
    """The codebook ``[C; C[:, p]]`` (2K, D): each centroid, then the mirror images."""
    return np.concatenate([centroids, centroids[:, mirror]])


def _assign(x, x_sq, centroids):
    """Nearest centroid of each row and its squared distance (clipped at 0)."""
    c_sq = np.einsum("ij,ij->i", centroids, centroids)
    labels = np.empty(len(x), dtype=np.intp)
    distance = np.empty(len(x), dtype=x.dtype)
    for start in range(0, len(x), KMEANS_BLOCK_ROWS):
        block = slice(start, start + KMEANS_BLOCK_ROWS)
        d = x[block] @ (-2 * centroids.T)  # (rows, D) @ (D, K) -> (rows, K)
        d += c_sq
        labels[block] = d.argmin(axis=1)
        distance[block] = d[np.arange(len(d)), labels[block]] + x_sq[block]
    np.maximum(distance, 0, out=distance)
    return labels, distance


def half_weights(length):
    """Pooling weights ``(2, length)`` of the two halves of a line of ``length`` positions.

    1 for the positions in a half; the middle position of an odd length counts 1/2 in each,
    so mirroring the line swaps the two halves exactly.

    >>> half_weights(3).tolist()
    [[1.0, 0.5, 0.0], [0.0, 0.5, 1.0]]
    """
    weights = np.zeros((2, length), dtype=np.float32)
    weights[0, :length // 2] = 1
    weights[1, (length + 1) // 2:] = 1
    if length % 2:
        weights[:, length // 2] = 0.5
    return weights


def fold_mirror(pooled):
    """Flip-invariant features from quadrant sums over a mirror-closed codebook.

    ``pooled`` (n, 2, 2, 2m): quadrant (row half, column half) x centroid, the last m centroids
    the mirror images of the first m. Returns ``(n, 4 m)``:
    ``v[r, c, j] = a[r, c, j] + a[r, 1 - c, j + m]``, which a mirrored image leaves unchanged.
    """
    m = pooled.shape[-1] // 2
    return (pooled[..., :m] + pooled[:, :, ::-1, m:]).reshape(len(pooled), 4 * m)


def triangle_reference(images, mean, whitening, centroids, receptive_field, stride=1,
                       norm_eps=10.0, mirror=False):
    """The encoding written plainly (a loop over images and positions, float64): the oracle.

    Returns the pooled features in the order of :meth:`KMeansFeatures.transform`: ``(N, 4 K)``,
    or ``(N, 2 K)`` folded by :func:`fold_mirror` when ``mirror`` (a mirror-closed codebook).
    """
    images = np.asarray(images, dtype=np.float64)
    rf = receptive_field
    n, height, width, _ = images.shape
    rows = range(0, height - rf + 1, stride)
    cols = range(0, width - rf + 1, stride)
    row_weights, col_weights = half_weights(len(rows)), half_weights(len(cols))
    k = len(centroids)
    out = np.zeros((n, 2, 2, k))
    for i in range(n):
        for a, r in enumerate(rows):
            for b, c in enumerate(cols):
                x = images[i, r:r + rf, c:c + rf].ravel()
                x = (x - x.mean()) / np.sqrt(x.var(ddof=1) + norm_eps)
                x = (x - mean) @ whitening
                z = np.sqrt(((x - centroids) ** 2).sum(axis=1))
                quadrant = row_weights[:, a, None, None] * col_weights[None, :, b, None]
                out[i] += quadrant * np.maximum(0, z.mean() - z)
    return fold_mirror(out) if mirror else out.reshape(n, 4 * k)


class KMeansFeatures(Extractor):
    """Single-layer k-means features (Coates, Lee & Ng 2011): ``4 K`` (``2 K`` mirrored) per image.

    Parameters
    ----------
    n_centroids : int
        K, the codebook size; the features are ``4 K`` (sum pooling over four quadrants),
        ``2 K`` with ``mirror``. The paper stops at 4,000 (1.7 points above its 1,600); the
        default 6,000 is the largest that keeps ``linclass train --features kmeans`` on
        CIFAR-10 within 15 minutes on two cores (encoding 50,000 images: about 9 minutes).
    receptive_field : int
        Patch side in pixels (6 in the paper).
    stride : int
        Step between encoded patch positions (1 in the paper).
    n_patches : int
        Random training patches for whitening and k-means.
    whitening_eps : float
        ZCA regularizer added to the covariance's eigenvalues (0.1 in the paper). The default
        1.0 whitens less: on the JPEG-compressed CIFAR-10 here (quality 75, whose noise sits
        in the high frequencies that whitening amplifies) K = 1,600 gave 0.745, 0.756 and
        0.747 for 0.1, 1 and 3 on a 39,000 / 10,000 split of the training images during
        development; ``benchmarks/results/kmeans.md`` compares 0.1 and 1 on the standard split.
    norm_eps : float
        Contrast-normalization regularizer added to each patch's variance (10, 0..255 units).
    centroids : {"kmeans", "patches", "random"}
        Learned by k-means; random whitened patches; or random unit-norm Gaussian directions.
    max_iter : int
        Lloyd iterations (stopped early once the inertia stops decreasing).
    mirror : bool
        Flip-invariant features (K even). The whitening is fitted on the patches and their
        mirror images, and the codebook is K/2 centroids plus their mirror images (k-means with
        mirror-tied centroids, :func:`kmeans`), so a mirrored image's activations are the
        image's with quadrants and centroid pairs swapped; :func:`fold_mirror` sums each
        feature with its swapped partner: ``2 K`` features, equal for an image and its mirror.
        For a linear classifier with a unique optimum this is exactly training on the images
        and their mirror images (that objective is unchanged by the swap, so its minimizer
        is symmetric) without encoding the mirror images, with half the features.
    block_images : int
        Images per encoding block (bounds the temporaries: about ``block * positions * 4 D``
        bytes plus ``n_threads * positions / 2 * K * 4`` bytes).
    n_threads : int or None
        Worker threads for the encoding (``None``: the CPUs this process may use); each runs
        single-threaded BLAS on its own blocks.

    Attributes (after ``fit``)
    --------------------------
    mean_ (D,), whitening_ (D, D), centroids_ (K, D) float32; ``inertia_`` (list of float,
    k-means only) and ``seconds_`` (stage -> seconds of ``fit``), not saved.

    Notes
    -----
    Departures from the authors' code: the mirror-symmetric codebook and folded features
    (``mirror=True``; ``mirror=False`` is their encoding); an odd grid's middle row and column
    count half in each quadrant (theirs: in the first); float32 instead of double; the k-means
    initial centroids are random whitened patches (theirs: Gaussian noise with scale 0.1) and empty
    clusters are re-seeded at random patches (theirs: set to zero); the default budget
    (``n_patches``, ``max_iter``) is smaller than their 400,000 patches and 50 iterations
    to fit the two-core time target; the mean over ``z`` is computed with the distances of
    all K centroids, as in their code. Random centroids follow Coates & Ng (ICML 2011).

    Examples
    --------
    >>> import numpy as np
    >>> images = np.random.default_rng(0).integers(0, 256, (30, 16, 16, 3), dtype=np.uint8)
    >>> feats = KMeansFeatures(n_centroids=8, n_patches=500, n_threads=1).fit(images, rng=0)
    >>> feats.transform(images).shape
    (30, 16)
    >>> bool(np.allclose(feats.transform(images[:, :, ::-1]), feats.transform(images), atol=1e-4))
    True
    """

    name = "kmeans"
    param_names = ("n_centroids", "receptive_field", "stride", "n_patches", "whitening_eps",
                   "norm_eps", "centroids", "max_iter", "mirror", "block_images", "n_threads")

    def __init__(self, n_centroids=6000, receptive_field=6, stride=1, n_patches=200_000,
                 whitening_eps=1.0, norm_eps=10.0, centroids="kmeans", max_iter=10,
                 mirror=True, block_images=32, n_threads=None):
        for name, value in (("n_centroids", n_centroids), ("receptive_field", receptive_field),
                            ("stride", stride), ("n_patches", n_patches),
                            ("max_iter", max_iter), ("block_images", block_images)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise fail(name, "an integer >= 1", repr(value))
        for name, value in (("whitening_eps", whitening_eps), ("norm_eps", norm_eps)):
            if not np.isfinite(value) or value <= 0:
                raise fail(name, "a finite number > 0", repr(value))
        if centroids not in CENTROIDS:
            raise fail("centroids", f"one of {', '.join(map(repr, CENTROIDS))}", repr(centroids))
        if n_threads is not None and (not isinstance(n_threads, int) or n_threads < 1):
            raise fail("n_threads", "None or an integer >= 1", repr(n_threads))
        if n_patches < n_centroids:
            raise fail("n_patches", f"at least n_centroids ({n_centroids})", n_patches)
        if not isinstance(mirror, bool | np.bool_):
            raise fail("mirror", "True or False", repr(mirror))
        if mirror and n_centroids % 2:
            raise fail("n_centroids", "even with mirror=True (centroids come in mirror pairs)",
                       n_centroids, "Use an even K, or mirror=False.")
        self.n_centroids = int(n_centroids)
        self.receptive_field = int(receptive_field)
        self.stride = int(stride)
        self.n_patches = int(n_patches)
        self.whitening_eps = float(whitening_eps)
        self.norm_eps = float(norm_eps)
        self.centroids = centroids
        self.max_iter = int(max_iter)
        self.mirror = bool(mirror)
        self.block_images = int(block_images)
        self.n_threads = n_threads
        self.mean_ = self.whitening_ = self.centroids_ = None
        self.inertia_ = []
        self.seconds_ = {}

    # -- fitting -----------------------------------------------------------------------------

    def fit(self, images, rng=None, progress=None):
        """Learn the whitening and the codebook from random patches of ``images`` (N, H, W, C).

        ``progress(n_done, 3)``, if given, is called after each stage (patches, whitening,
        codebook); ``seconds_`` records their times.
        """
        images = self._check(images)
        rng = np.random.default_rng(rng)
        clock = _Clock(self.seconds_, progress)
        patches = normalize_patches(
            random_patches(images, self.receptive_field, self.n_patches, rng), self.norm_eps)
        clock.lap("patches")
        flip = mirror_permutation(self.receptive_field, images.shape[3]) if self.mirror \
            else None
        self.mean_, self.whitening_ = fit_whitening(
            patches if flip is None else np.concatenate([patches, patches[:, flip]]),
            self.whitening_eps)
        patches -= self.mean_
        patches = patches @ self.whitening_  # (n, D) @ (D, D)
        clock.lap("whitening")
        k = self.n_centroids if flip is None else self.n_centroids // 2  # free centroids
        dim = patches.shape[1]
        if self.centroids == "random":
            codebook = rng.standard_normal((k, dim)).astype(np.float32)
            codebook /= np.linalg.norm(codebook, axis=1, keepdims=True)
        else:
            codebook = patches[rng.choice(len(patches), k, replace=False)]
        if self.centroids == "kmeans":
            with threadpool_limits(limits=self._threads(), user_api="blas"):
                codebook, self.inertia_ = kmeans(patches, codebook, self.max_iter, rng,
                                                 mirror=flip)
        if flip is not None:
            codebook = mirror_closed(codebook, flip)
        self.centroids_ = np.ascontiguousarray(codebook, dtype=np.float32)
        clock.lap("codebook")
        return self

    # -- encoding ----------------------------------------------------------------------------

    def transform(self, images, progress=None):
        """Pooled triangle features ``(N, 4 K)`` float32, ordered (quadrant, centroid).

        Quadrants: top-left, top-right, bottom-left, bottom-right of the grid of patch
        positions (an odd count's middle row/column counts half in each, :func:`half_weights`);
        with ``mirror`` the ``(N, 2 K)`` flip-invariant sums of :func:`fold_mirror`.
        Blocks of ``block_images`` images run on ``n_threads`` threads; ``progress(n_done,
        n_total)`` is called after each block, in order. An output over ``MEMORY_BUDGET`` bytes
        is a ``numpy.memmap`` on an unlinked temporary file.
        """
        self._check_fitted()
        images = self._check(images)
        n = len(images)
        out = _output((n, (2 if self.mirror else 4) * self.n_centroids))
        encoder = _Encoder(self, images.shape[1:])
        starts = range(0, n, self.block_images)

        def work(start):
            stop = min(start + self.block_images, n)
            out[start:stop] = encoder.encode(images[start:stop])
            return stop - start

        threads = self._threads()
        n_done = 0
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
            for done in pool.map(work, starts):
                n_done += done
                if progress is not None:
                    progress(n_done, n)
        return out

    # -- state -------------------------------------------------------------------------------

    @classmethod
    def from_state(cls, params, arrays):
        """Rebuild from ``params()`` and ``arrays()``; state without ``mirror`` (model files
        written before it existed) holds the unmirrored encoding."""
        return super().from_state({"mirror": False, **params}, arrays)

    def arrays(self):
        self._check_fitted()
        return {"mean": self.mean_, "whitening": self.whitening_, "centroids": self.centroids_}

    def _set_arrays(self, arrays):
        expected = {"mean", "whitening", "centroids"}
        if set(arrays) != expected:
            raise fail("arrays of the 'kmeans' extractor", f"the keys {sorted(expected)}",
                       f"{sorted(arrays)}")
        centroids = np.asarray(arrays["centroids"], dtype=np.float32)
        dim = centroids.shape[-1] if centroids.ndim == 2 else -1
        if centroids.shape[0] != self.n_centroids or dim not in (
                self.receptive_field ** 2, 3 * self.receptive_field ** 2):
            raise fail("centroids", f"an array ({self.n_centroids}, rf*rf*C)",
                       f"shape {centroids.shape}")
        self.mean_ = np.asarray(arrays["mean"], dtype=np.float32).reshape(dim)
        self.whitening_ = np.asarray(arrays["whitening"], dtype=np.float32).reshape(dim, dim)
        self.centroids_ = centroids

    # -- helpers -----------------------------------------------------------------------------

    def _check(self, images):
        images = check_images(images, min_size=(self.receptive_field, self.receptive_field))
        if self.mean_ is not None and images.shape[3] * self.receptive_field ** 2 != len(
                self.mean_):
            raise fail("images", f"{len(self.mean_) // self.receptive_field ** 2} channels "
                       "(as in training)", f"{images.shape[3]}")
        return images

    def _check_fitted(self):
        if self.centroids_ is None:
            raise fail("KMeansFeatures", "fitted first (call fit on training images)",
                       "an unfitted extractor")

    def _threads(self):
        return self.n_threads or len(os.sched_getaffinity(0))


class _Encoder:
    """The blocked encoding of one fitted extractor for images of one size."""

    def __init__(self, extractor, image_shape):
        height, width, _ = image_shape
        rf, s = extractor.receptive_field, extractor.stride
        self.rf, self.stride, self.norm_eps = rf, s, extractor.norm_eps
        self.grid = ((height - rf) // s + 1, (width - rf) // s + 1)  # positions (rows, cols)
        self.mirror = extractor.mirror
        centroids = extractor.centroids_
        k, dim = centroids.shape
        self.k = k
        # whitening with the mean folded in: x_w = x @ W - m @ W
        self.whitening = extractor.whitening_
        self.shift = extractor.mean_ @ extractor.whitening_  # (D,)
        # ||x - c||^2 = [x, ||x||^2, 1] @ [-2 C^T; 1; ||c||^2]: one GEMM gives the distances
        self.augmented = np.empty((dim + 2, k), dtype=np.float32)
        self.augmented[:dim] = -2 * centroids.T
        self.augmented[dim] = 1
        self.augmented[dim + 1] = np.einsum("ij,ij->i", centroids, centroids)
        self.mean_weights = np.full(k, 1 / k, dtype=np.float32)
        # quadrant pooling (4, rows * cols): weight of each position in each quadrant
        self.pool = np.kron(half_weights(self.grid[0]), half_weights(self.grid[1]))
        # positions per triangle block: whole grid rows, about CHUNK_BYTES of activations
        n_chunks = -(-self.grid[0] * self.grid[1] * k * 4 // CHUNK_BYTES)
        rows = -(-self.grid[0] // max(1, min(n_chunks, self.grid[0])))
        self.chunks = [slice(r * self.grid[1], min(r + rows, self.grid[0]) * self.grid[1])
                       for r in range(0, self.grid[0], rows)]

    def patches(self, images):
        """Normalized, whitened patches with [||x||^2, 1] appended: (n * positions, D + 2)."""
        rf, s = self.rf, self.stride
        windows = sliding_window_view(images, (rf, rf), axis=(1, 2))[:, ::s, ::s]
        n, rows, cols, channels = windows.shape[:4]
        x = windows.transpose(0, 1, 2, 4, 5, 3).astype(np.float32)  # (n, rows, cols, rf, rf, C)
        x = normalize_patches(x.reshape(n * rows * cols, rf * rf * channels), self.norm_eps)
        dim = x.shape[1]
        out = np.empty((len(x), dim + 2), dtype=np.float32)
        np.matmul(x, self.whitening, out=out[:, :dim])  # (P, D) @ (D, D)
        out[:, :dim] -= self.shift
        out[:, dim] = np.einsum("ij,ij->i", out[:, :dim], out[:, :dim])
        out[:, dim + 1] = 1
        return out

    def encode(self, images):
        """Pooled triangle features of a block of images: (n, 4 K) float32."""
        n = len(images)
        x = self.patches(images)  # (n * positions, D + 2)
        positions = self.grid[0] * self.grid[1]
        out = np.zeros((n, 2, 2, self.k), dtype=np.float32)
        z = np.empty((self.chunks[0].stop, self.k), dtype=np.float32)
        for i in range(n):
            image = x[i * positions:(i + 1) * positions]
            pooled = out[i].reshape(4, self.k)
            for chunk in self.chunks:
                block = z[:chunk.stop - chunk.start]
                pooled += self.pool[:, chunk] @ self._triangle(image[chunk], block)  # (4, K)
        return fold_mirror(out) if self.mirror else out.reshape(n, 4 * self.k)

    def _triangle(self, x, z):
        """``max(0, mean_k z - z_k)`` for rows ``x`` (P, D + 2), computed in ``z`` (P, K)."""
        np.matmul(x, self.augmented, out=z)  # squared distances (P, K)
        np.fmax(z, 0, out=z)  # round-off can make a tiny distance negative
        np.sqrt(z, out=z)
        mu = z @ self.mean_weights  # (P,)
        np.subtract(mu[:, None], z, out=z)
        np.fmax(z, 0, out=z)
        return z


def _output(shape):
    """An empty float32 array, memory-mapped on an unlinked temp file beyond MEMORY_BUDGET."""
    if 4 * shape[0] * shape[1] <= MEMORY_BUDGET:
        return np.empty(shape, dtype=np.float32)
    with tempfile.NamedTemporaryFile(prefix="linclass-kmeans-", suffix=".f32") as f:
        # the mapping outlives the file name, which the context manager removes
        return np.memmap(f, dtype=np.float32, mode="w+", shape=shape)


class _Clock:
    """Stage timings for ``fit`` (stage -> seconds) and a per-stage progress call."""

    def __init__(self, seconds, progress):
        self._now = time.perf_counter
        self._seconds, self._progress = seconds, progress
        self._seconds.clear()
        self._stages = 3
        self._last = self._now()

    def lap(self, stage):
        now = self._now()
        self._seconds[stage] = now - self._last
        self._last = now
        if self._progress is not None:
            self._progress(len(self._seconds), self._stages)
