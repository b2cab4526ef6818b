"""Learned single-layer features: a codebook of whitened patches, an encoder, region pooling.

The pipeline of Coates, Lee & Ng (2011), stage by stage, each in its own module:

1. patches (:mod:`linclass.features._patches`): ``n_patches`` random ``rf x rf`` patches of the
   training images, flattened in (row, col, channel) order to ``D = rf * rf * C`` values,
   each standardized: ``(x - mean(x)) / sqrt(var(x) + norm_eps)`` (``var`` with ``D - 1``).
2. whitening (:mod:`linclass.features._whitening`): ZCA, ``x_w = (x - m) W`` with
   ``W = V (Lambda + eps)^(-1/2) V^T`` from the patches' covariance ``V Lambda V^T``.
3. clustering (:mod:`linclass.features._kmeans_clustering`): Lloyd's k-means in float32 BLAS
   (mirror-tied with ``mirror``); or random patches / random directions as the codebook.
4. encoding (:mod:`linclass.features._encoding`): at every patch position (stride ``s``) an
   encoder (triangle, soft threshold, nearest codewords) and sum pooling over 2 x 2 quadrants
   or 3 x 3 overlapping regions of the position grid.

With ``mirror=True`` (the default) the codebook is closed under left-right mirroring, so the
features can be made flip-invariant at no cost (see :class:`KMeansFeatures`): training on them
is training on the images and their mirror images, with half the features.

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
from threadpoolctl import threadpool_limits

from linclass._validation import fail
from linclass.backend import check_device
from linclass.features._base import Extractor, check_images
from linclass.features._encoding import (
    ENCODERS,
    POOLINGS,
    PRECISIONS,
    Encoder,
    single_threaded,
    torch_available,
)
from linclass.features._kmeans_clustering import kmeans, mirror_closed
from linclass.features._patches import mirror_permutation, random_patches, standardize_patches
from linclass.features._whitening import fit_whitening

__all__ = ["CENTROIDS", "ENCODERS", "POOLINGS", "KMeansFeatures"]

#: How the codebook is made: learned by k-means, random whitened training patches, or random
#: unit-norm Gaussian directions (the two baselines the paper's discussion compares against).
CENTROIDS = ("kmeans", "patches", "random")

#: Output arrays larger than this many bytes are memory-mapped on disk (an unlinked temporary
#: file in ``tempfile.gettempdir()``) instead of held in RAM.
MEMORY_BUDGET = 8 << 30


class KMeansFeatures(Extractor):
    """Single-layer learned features (Coates, Lee & Ng 2011): a codebook, an encoder, pooling.

    Parameters
    ----------
    n_centroids : int
        K, the codebook size. Features: regions x signs x K, halved with ``mirror`` (the
        defaults: 9 x 2 x 1,600 / 2 = 14,400). The read-out, not the encoding, bounds the
        default: the exact least-squares solve (float64 Gram and Cholesky,
        :mod:`linclass.ridge`) of ``linclass train --features kmeans`` on CIFAR-10 stays within
        12 GiB, and SciPy's two-thread float64 Cholesky crashed at 16,000 features on the
        development machine (``benchmarks/results/kmeans.md``).
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
        mirror-tied centroids), so a mirrored image's activations are the image's with column
        regions and codeword pairs swapped; the two are summed
        (:func:`linclass.features._encoding.fold_mirror`): half the features, equal for an
        image and its mirror. For a linear classifier with a unique optimum this is exactly
        training on the images and their mirror images (that objective is unchanged by the
        swap, so its minimizer is symmetric) without encoding the mirror images.
    encoder : {"triangle", "soft", "nearest"}
        The activation of each codeword at each patch position. Triangle:
        ``max(0, mean(z) - z_k)`` of the distances ``z`` (Coates et al. 2011); soft: the soft
        threshold ``max(0, +-d_k - threshold)`` of the dot products with the unit-norm
        codewords, split by sign (Coates & Ng 2011: 2 activations per codeword; the default:
        1.7 points above the triangle at K = 1,600 on 10,000 held-out images); or 1 for the
        ``n_nearest`` nearest codewords (Thiry et al. 2021).
    pooling : {"quadrants", "thirds"}
        Sums over 2 x 2 quadrants of the position grid, or over 3 x 3 overlapping regions.
        Thirds (the default) scored 1.9 points above quadrants for the soft threshold at
        K = 1,600.
    threshold : float
        ``alpha`` of the soft threshold (whitened units; 0.25 in Coates & Ng 2011).
    n_nearest : int or None
        Codewords marked per position by ``"nearest"`` (``None``: K / 10, at least 1).
    precision : {"auto", "float32", "bfloat16"}
        Inputs of the encoding's matrix product. ``"bfloat16"`` (needs PyTorch) runs on the
        bfloat16 matrix units of recent x86 CPUs (AMX), several times faster; the products
        carry a relative error of about 2^-9 and the activations are float32. ``"auto"``:
        bfloat16 where PyTorch and such units are present, else float32, decided on the
        machine that encodes (so a model file works on either; the features then differ by
        that rounding).
    device : {"cpu", "torch", "cuda", "cuda:N"}
        Where the encoding runs after the patches are cut: ``"cpu"`` (fused kernels, the
        measured path); or PyTorch tensor operations on the CPU (``"torch"``) or a GPU. The
        GPU path is tested equal to the CPU one on CPU PyTorch only: no GPU was available to
        measure it. The codebook is learned on the CPU either way.
    block_images : int
        Images per encoding block (bounds the temporaries: about ``block * positions * 4 D``
        bytes plus ``n_threads * 4`` MiB of products).
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
    initial centroids are random whitened patches (theirs: Gaussian noise with scale 0.1) and
    empty clusters are re-seeded at random patches (theirs: set to zero); the default budget
    (``n_patches``, ``max_iter``) is smaller than their 400,000 patches and 50 iterations
    to fit the two-core time target; the mean over ``z`` is computed with the distances of
    all K centroids, as in their code. Random centroids follow Coates & Ng (ICML 2011).

    Examples
    --------
    >>> import numpy as np
    >>> images = np.random.default_rng(0).integers(0, 256, (30, 16, 16, 3), dtype=np.uint8)
    >>> feats = KMeansFeatures(n_centroids=8, n_patches=500, precision="float32",
    ...                        n_threads=1).fit(images, rng=0)
    >>> feats.transform(images).shape  # 3 x 3 regions x 2 signs x 8 / 2
    (30, 72)
    >>> bool(np.allclose(feats.transform(images[:, :, ::-1]), feats.transform(images), atol=1e-4))
    True
    """

    name = "kmeans"
    param_names = ("n_centroids", "receptive_field", "stride", "n_patches", "whitening_eps",
                   "norm_eps", "centroids", "max_iter", "mirror", "encoder", "pooling",
                   "threshold", "n_nearest", "precision", "device", "block_images",
                   "n_threads")

    def __init__(self, n_centroids=1600, receptive_field=6, stride=1, n_patches=200_000,
                 whitening_eps=1.0, norm_eps=10.0, centroids="kmeans", max_iter=10,
                 mirror=True, encoder="soft", pooling="thirds", threshold=0.25,
                 n_nearest=None, precision="auto", device="cpu", block_images=32,
                 n_threads=None):
        for name, value in (("n_centroids", n_centroids), ("receptive_field", receptive_field),
                            ("stride", stride), ("n_patches", n_patches),
                            ("max_iter", max_iter), ("block_images", block_images)):
            _check_int(name, value)
        for name, value in (("whitening_eps", whitening_eps), ("norm_eps", norm_eps)):
            if not np.isfinite(value) or value <= 0:
                raise fail(name, "a finite number > 0", repr(value))
        if not np.isfinite(threshold) or threshold < 0:
            raise fail("threshold", "a finite number >= 0", repr(threshold))
        for name, value, choices in (("centroids", centroids, CENTROIDS),
                                     ("encoder", encoder, ENCODERS),
                                     ("pooling", pooling, POOLINGS),
                                     ("precision", precision, PRECISIONS)):
            if value not in choices:
                raise fail(name, f"one of {', '.join(map(repr, choices))}", repr(value))
        if n_threads is not None:
            _check_int("n_threads", n_threads, "None or an integer >= 1")
        if n_nearest is not None:
            _check_int("n_nearest", n_nearest, "None or an integer >= 1")
            if n_nearest > n_centroids:
                raise fail("n_nearest", f"at most n_centroids ({n_centroids})", n_nearest)
        if precision == "bfloat16" and not torch_available():
            raise fail("precision", "'float32' when PyTorch is not installed", repr(precision),
                       "Install the torch extra (pip install 'linclass[torch]').")
        check_device(device)
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
        self.encoder = encoder
        self.pooling = pooling
        self.threshold = float(threshold)
        self.n_nearest = None if n_nearest is None else int(n_nearest)
        self.precision = precision
        self.device = device
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
        patches = standardize_patches(
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
        """Pooled activations ``(N, F)`` float32, ordered (region row, region column, sign,
        codeword).

        Regions: :func:`linclass.features._encoding.region_weights`; with ``mirror`` the
        flip-invariant sums of :func:`linclass.features._encoding.fold_mirror`. Blocks of
        ``block_images`` images run on ``n_threads`` threads; ``progress(n_done, n_total)`` is
        called after each block, in order. An output over ``MEMORY_BUDGET`` bytes is a
        ``numpy.memmap`` on an unlinked temporary file.
        """
        self._check_fitted()
        images = self._check(images)
        encoder = self.encoder_for(images.shape[1:])
        n = len(images)
        out = _output((n, encoder.n_features))
        starts = range(0, n, self.block_images)

        def work(start):
            stop = min(start + self.block_images, n)
            out[start:stop] = encoder.encode(images[start:stop])
            return stop - start

        n_done = 0
        with single_threaded(), ThreadPoolExecutor(self._threads()) as pool:
            for done in pool.map(work, starts):
                n_done += done
                if progress is not None:
                    progress(n_done, n)
        return out

    def encoder_for(self, image_shape, fused=None, library=None):
        """The :class:`~linclass.features._encoding.Encoder` of this fitted extractor for
        images of ``image_shape`` (H, W, C); ``fused``, ``library``: see there."""
        self._check_fitted()
        n_nearest = self.n_nearest or max(1, self.n_centroids // 10)
        return Encoder(self.mean_, self.whitening_, self.centroids_, image_shape,
                       self.receptive_field, self.stride, self.norm_eps, self.encoder,
                       self.pooling, self.threshold, n_nearest, self.mirror, self.precision,
                       self.device, fused=fused, library=library)

    # -- state -------------------------------------------------------------------------------

    @classmethod
    def from_state(cls, params, arrays):
        """Rebuild from ``params()`` and ``arrays()``. Settings missing from older model files
        take the values of the encoding they were written with: no ``mirror`` (unmirrored),
        no ``encoder``/``pooling`` (triangle, quadrants)."""
        older = {"mirror": False, "encoder": "triangle", "pooling": "quadrants",
                 "precision": "float32", "device": "cpu"}
        return super().from_state({**older, **params}, arrays)

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


def _check_int(name, value, must="an integer >= 1"):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise fail(name, must, repr(value))


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
