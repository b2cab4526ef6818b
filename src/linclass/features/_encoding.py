"""Encoding patches against a codebook and pooling the activations over image regions.

At every patch position of an image the (normalized, whitened) patch ``x`` (D,) is compared
with the codebook ``C`` (K, D) in one matrix product per block of positions, an encoder turns
the K numbers into activations, and the activations are summed over regions of the position
grid:

- ``"triangle"`` (Coates, Lee & Ng 2011): ``f_k = max(0, mean_j z_j - z_k)`` with
  ``z_k = ||x - c_k||``; K activations.
- ``"soft"`` (soft threshold with sign splitting, Coates & Ng 2011):
  ``d_k = c_k . x / ||c_k||``, ``f = [max(0, d_k - alpha), max(0, -d_k - alpha)]``; 2K.
- ``"nearest"`` (Thiry, Arbel, Belilovsky & Oyallon 2021): ``f_k = 1`` when ``c_k`` is among
  the ``q`` nearest codewords of ``x``, else 0; K.

Poolings (per axis of the grid of positions, the regions are the outer product):
``"quadrants"`` two halves (an odd length's middle position counts 1/2 in each), 2 x 2 regions;
``"thirds"`` three overlapping runs of about half the length (start, middle, end), 3 x 3.
Both are symmetric under reversing the axis, so a mirror-closed codebook gives flip-invariant
features by :func:`fold_mirror`.

The product gives distances with the norm folded in: ``[x, ||x||^2, 1] @ [-2 C^T; 1; ||c||^2]
= ||x - c||^2``. The fused path (Numba, when installed) applies the encoder and adds each
position's activations into its regions in one pass over the product's rows while they are
in cache; the unfused path (NumPy) computes the activations as arrays, then pools them with
a matrix product. :func:`encode_reference` is the plain loop both are tested against.

References
----------
A. Coates, H. Lee, A. Y. Ng, "An Analysis of Single-Layer Networks in Unsupervised Feature
Learning", AISTATS 2011. A. Coates, A. Y. Ng, "The Importance of Encoding Versus Training with
Sparse Coding and Vector Quantization", ICML 2011. L. Thiry, M. Arbel, E. Belilovsky,
E. Oyallon, "The Unreasonable Effectiveness of Patches in Deep Convolutional Kernel Methods",
ICLR 2021.
"""

import functools
import importlib
import importlib.util

import numpy as np

from linclass.features._patches import patch_grid, patch_rows, standardize_patches
from linclass.objective import _single_threaded

__all__ = ["ENCODERS", "POOLINGS", "PRECISIONS", "Encoder", "activations",
           "bfloat16_to_float32", "encode_reference", "fold_mirror", "fused_available",
           "half_weights", "region_weights", "resolve_precision", "single_threaded",
           "tensor_activations",
           "torch_available"]

#: Encoder names (module docstring).
ENCODERS = ("triangle", "soft", "nearest")

#: Pooling names: 2 x 2 quadrants or 3 x 3 overlapping regions.
POOLINGS = ("quadrants", "thirds")

#: Input precisions of the matrix product (activations are float32 either way): bfloat16
#: needs PyTorch and runs on the AMX / AVX-512-BF16 units of recent x86 CPUs; "auto" is
#: bfloat16 where those units and PyTorch are present (:func:`resolve_precision`), else float32.
PRECISIONS = ("auto", "float32", "bfloat16")

#: Bytes of the (positions, K) float32 product block the encoding computes at a time.
CHUNK_BYTES = 4 << 20


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


def region_weights(length, pooling):
    """Weights ``(R, length)`` of each pooling region along one axis of ``length`` positions.

    ``"quadrants"``: :func:`half_weights`. ``"thirds"``: three runs of ``s`` positions (about
    half the length, with ``length - s`` even) starting at ``0``, ``(length - s) / 2`` and
    ``length - s``, so reversing the axis maps the regions onto each other.

    >>> region_weights(5, "thirds").astype(int).tolist()
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1]]
    """
    if pooling == "quadrants":
        return half_weights(length)
    size = max(1, length // 2 + (length - length // 2) % 2)
    weights = np.zeros((3, length), dtype=np.float32)
    for region, start in enumerate((0, (length - size) // 2, length - size)):
        weights[region, start:start + size] = 1
    return weights


def n_signs(encoder):
    """Activations per codeword: 2 for the sign-split soft threshold, else 1."""
    return 2 if encoder == "soft" else 1


def fold_mirror(pooled):
    """Flip-invariant features from pooled activations over a mirror-closed codebook.

    ``pooled`` (n, Rr, Rc, S, 2m): region (row, column) x sign x codeword, the last m codewords
    the mirror images of the first m, the column regions symmetric (region ``c`` is the mirror
    of ``Rc - 1 - c``). Returns ``(n, Rr * Rc * S * m)``:
    ``v[r, c, s, j] = a[r, c, s, j] + a[r, Rc - 1 - c, s, j + m]``, which a mirrored image
    leaves unchanged.
    """
    m = pooled.shape[-1] // 2
    return (pooled[..., :m] + pooled[:, :, ::-1, :, m:]).reshape(len(pooled), -1)


def codebook_matrix(centroids, encoder):
    """The right-hand side ``(D + 2, K)`` of the product with ``[x, ||x||^2, 1]`` rows.

    Squared distances ``[-2 C^T; 1; ||c||^2]`` for ``"triangle"`` and ``"nearest"``; for
    ``"soft"`` the unit-norm codewords ``[C^T / ||c||; 0; 0]`` (dot products).
    """
    k, dim = centroids.shape
    matrix = np.zeros((dim + 2, k), dtype=np.float32)
    norms_sq = np.einsum("ij,ij->i", centroids, centroids, dtype=np.float64)
    if encoder == "soft":
        matrix[:dim] = centroids.T / np.sqrt(np.maximum(norms_sq, 1e-30))
    else:
        matrix[:dim] = -2 * centroids.T
        matrix[dim] = 1
        matrix[dim + 1] = norms_sq
    return matrix


def activations(y, encoder, threshold, n_nearest):
    """The encoder applied to a product block ``y`` (P, K) (overwritten): (P, S * K).

    ``y`` holds squared distances (``"triangle"``, ``"nearest"``) or dot products with the
    unit-norm codewords (``"soft"``), as :func:`codebook_matrix` makes them.
    """
    if encoder == "soft":
        return np.concatenate([np.maximum(y - threshold, 0), np.maximum(-y - threshold, 0)],
                              axis=1)
    if encoder == "nearest":
        kth = np.partition(y, n_nearest - 1, axis=1)[:, n_nearest - 1:n_nearest]
        return (y <= kth).astype(y.dtype)
    np.fmax(y, 0, out=y)  # round-off can make a tiny squared distance negative
    np.sqrt(y, out=y)
    np.subtract(y.mean(axis=1, keepdims=True), y, out=y)
    return np.fmax(y, 0, out=y)


def tensor_activations(y, encoder, threshold, n_nearest):
    """:func:`activations` on a PyTorch tensor ``y`` (P, K) float32 (any device)."""
    import torch

    if encoder == "soft":
        return torch.cat([(y - threshold).clamp(min=0), (-y - threshold).clamp(min=0)], dim=1)
    if encoder == "nearest":
        kth = torch.kthvalue(y, n_nearest, dim=1, keepdim=True).values
        return (y <= kth).to(y.dtype)
    z = y.clamp(min=0).sqrt()
    return (z.mean(dim=1, keepdim=True) - z).clamp(min=0)


def encode_reference(images, mean, whitening, centroids, receptive_field, stride=1,
                     norm_eps=10.0, encoder="triangle", pooling="quadrants", threshold=0.25,
                     n_nearest=1, mirror=False):
    """The encoding written plainly (a loop over images and positions, float64): the oracle.

    Returns the features in the order of :class:`Encoder`: ``(N, R * S * K)`` (region row,
    region column, sign, codeword), or ``(N, R * S * K / 2)`` folded by :func:`fold_mirror`
    when ``mirror`` (a mirror-closed codebook).
    """
    images = np.asarray(images, dtype=np.float64)
    centroids = np.asarray(centroids, dtype=np.float64)
    rf = receptive_field
    n, height, width, _ = images.shape
    rows = range(0, height - rf + 1, stride)
    cols = range(0, width - rf + 1, stride)
    row_weights = region_weights(len(rows), pooling)
    col_weights = region_weights(len(cols), pooling)
    signs = n_signs(encoder)
    k = len(centroids)
    out = np.zeros((n, len(row_weights), len(col_weights), signs, k))
    for i in range(n):
        for a, r in enumerate(rows):
            for b, c in enumerate(cols):
                x = images[i, r:r + rf, c:c + rf].ravel()
                x = (x - x.mean()) / np.sqrt(x.var(ddof=1) + norm_eps)
                x = (x - mean) @ whitening
                if encoder == "soft":
                    d = centroids @ x / np.linalg.norm(centroids, axis=1)
                    f = np.stack([np.maximum(0, d - threshold), np.maximum(0, -d - threshold)])
                else:
                    z = np.sqrt(((x - centroids) ** 2).sum(axis=1))
                    if encoder == "triangle":
                        f = np.maximum(0, z.mean() - z)[None]
                    else:
                        f = (z <= np.sort(z)[n_nearest - 1]).astype(float)[None]
                region = row_weights[:, a, None] * col_weights[None, :, b]  # (Rr, Rc)
                out[i] += region[:, :, None, None] * f
    return fold_mirror(out) if mirror else out.reshape(n, -1)


def fused_available():
    """Whether the fused kernels can run (Numba is installed)."""
    return importlib.util.find_spec("numba") is not None


def resolve_precision(precision):
    """``"auto"`` resolved on this machine: ``"bfloat16"`` when PyTorch is installed and the
    CPU has bfloat16 matrix or vector units (Linux ``/proc/cpuinfo`` flags ``amx_bf16`` or
    ``avx512_bf16``), else ``"float32"``; other values returned as they are."""
    if precision != "auto":
        return precision
    return "bfloat16" if torch_available() and _bfloat16_units() else "float32"


@functools.cache
def _bfloat16_units():
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f
                          if line.startswith("flags")), [])
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def torch_available():
    """Whether PyTorch is installed (the matrix product then runs in it: MKL / oneDNN)."""
    return importlib.util.find_spec("torch") is not None


def single_threaded():
    """A context: BLAS (and PyTorch, when installed) on one thread each inside the block,
    restored after; the encoding's worker threads run one product each."""
    return _single_threaded(importlib.import_module("torch") if torch_available() else None)


class Encoder:
    """The blocked encoding of a fitted whitening and codebook for images of one size.

    Parameters
    ----------
    mean, whitening, centroids : arrays (D,), (D, D), (K, D)
        The ZCA whitening ``(x - mean) @ whitening`` and the codebook (mirror-closed when
        ``mirror``: the last K/2 rows the mirror images of the first K/2).
    image_shape : (H, W, C)
    precision : {"auto", "float32", "bfloat16"}
        Of the product's inputs (bfloat16: PyTorch; the product is rounded to bfloat16 and
        the activations computed in float32); "auto": :func:`resolve_precision`.
    fused : bool or None
        The fused kernels (Numba) or the NumPy path; ``None``: fused when Numba is installed.
    device : {"cpu", "torch", "cuda", "cuda:N"}
        ``"cpu"``: the blocked CPU path above; otherwise every step after the patches runs as
        PyTorch tensor operations on that device (``"torch"``: PyTorch on the CPU).
    library : {"torch", "numpy"} or None
        Who multiplies: PyTorch (always for bfloat16) or NumPy's BLAS; ``None``: PyTorch when
        installed (its MKL
        product of this thin shape, ``(P, 110) @ (110, K)``, ran at 150 GFLOP/s per core
        against OpenBLAS's 100 on the development machine).

    The remaining parameters are those of :func:`encode_reference`.
    """

    def __init__(self, mean, whitening, centroids, image_shape, receptive_field, stride,
                 norm_eps, encoder, pooling, threshold, n_nearest, mirror,
                 precision="float32", device="cpu", fused=None, library=None):
        height, width, _ = image_shape
        rf, s = receptive_field, stride
        self.rf, self.stride, self.norm_eps = rf, s, norm_eps
        self.encoder, self.mirror = encoder, mirror
        self.threshold, self.n_nearest = np.float32(threshold), int(n_nearest)
        self.fused = fused_available() if fused is None else fused
        self.precision = precision = resolve_precision(precision)
        self.device = device
        if precision == "bfloat16" or device != "cpu":
            library = "torch"
        library = library or ("torch" if torch_available() else "numpy")
        self.torch = importlib.import_module("torch") if library == "torch" else None
        self.k = len(centroids)
        self.whitening = whitening
        self.shift = mean @ whitening  # (D,): x_w = x @ W - m @ W
        self.matrix = codebook_matrix(centroids, encoder)
        if self.torch is not None:
            target = "cpu" if device in ("cpu", "torch") else device
            self.matrix = self.torch.from_numpy(self.matrix).to(
                target, getattr(self.torch, precision))
        row_weights = region_weights((height - rf) // s + 1, pooling)
        col_weights = region_weights((width - rf) // s + 1, pooling)
        self.regions = (len(row_weights), len(col_weights))
        self.pool = np.kron(row_weights, col_weights)  # (R, positions)
        # the regions of each position and their weights, padded with weight 0: (positions, M)
        nonzero = (self.pool != 0).sum(axis=0).max()
        order = np.argsort(self.pool == 0, axis=0, kind="stable")[:nonzero].T
        self.position_regions = np.ascontiguousarray(order, dtype=np.int64)
        self.position_weights = np.take_along_axis(self.pool.T, order, axis=1).astype(
            np.float32)
        # positions per product block: whole grid rows, about CHUNK_BYTES of products
        grid_rows, grid_cols = row_weights.shape[1], col_weights.shape[1]
        per_chunk = max(1, min(grid_rows, CHUNK_BYTES // (4 * self.k * grid_cols)))
        self.chunks = [slice(r * grid_cols, min(r + per_chunk, grid_rows) * grid_cols)
                       for r in range(0, grid_rows, per_chunk)]

    @property
    def n_features(self):
        """Features per image: regions x signs x K (halved when ``mirror``)."""
        count = self.regions[0] * self.regions[1] * n_signs(self.encoder) * self.k
        return count // 2 if self.mirror else count

    def patches(self, images):
        """Normalized, whitened patches with [||x||^2, 1] appended: (n * positions, D + 2)."""
        x = patch_rows(patch_grid(images, self.rf, self.stride))  # (n, rows, cols, D)
        x = standardize_patches(x.reshape(-1, x.shape[-1]), self.norm_eps)
        dim = x.shape[1]
        out = np.empty((len(x), dim + 2), dtype=np.float32)
        np.matmul(x, self.whitening, out=out[:, :dim])  # (P, D) @ (D, D)
        out[:, :dim] -= self.shift
        out[:, dim] = np.einsum("ij,ij->i", out[:, :dim], out[:, :dim])
        out[:, dim + 1] = 1
        return out

    def encode(self, images):
        """Pooled activations of a block of images: (n, n_features) float32."""
        if self.device != "cpu":
            return self._encode_tensors(images)
        n = len(images)
        x = self.patches(images)  # (n * positions, D + 2)
        positions = self.pool.shape[1]
        signs = n_signs(self.encoder)
        out = np.zeros((n, len(self.pool), signs * self.k), dtype=np.float32)
        z = np.empty((self.chunks[0].stop, self.k), dtype=np.float32)
        product = self._product(x, z)
        kernel = _kernels().get(self.encoder) if self.fused else None
        for i in range(n):
            for chunk in self.chunks:
                rows = slice(i * positions + chunk.start, i * positions + chunk.stop)
                block = product(rows)  # (P, D + 2) @ (D + 2, K) -> (P, K) float32 in z
                if kernel is None:
                    if block.dtype == np.uint16:
                        block = bfloat16_to_float32(block)
                    out[i] += self.pool[:, chunk] @ activations(
                        block, self.encoder, self.threshold, self.n_nearest)
                else:
                    kernel(block, self.position_regions[chunk], self.position_weights[chunk],
                           out[i], self.threshold)
        pooled = out.reshape(n, *self.regions, signs, self.k)
        return fold_mirror(pooled) if self.mirror else pooled.reshape(n, -1)

    def _encode_tensors(self, images):
        """:meth:`encode` with PyTorch tensors on ``device`` after the patches."""
        torch = self.torch
        x = torch.from_numpy(self.patches(images)).to(self.matrix.device, self.matrix.dtype)
        pool = torch.from_numpy(self.pool).to(self.matrix.device)  # (R, positions)
        n, positions = len(images), self.pool.shape[1]
        signs = n_signs(self.encoder)
        out = torch.empty((n, len(self.pool), signs * self.k), device=self.matrix.device)
        for i in range(n):
            y = (x[i * positions:(i + 1) * positions] @ self.matrix).float()  # (P, K)
            out[i] = pool @ tensor_activations(y, self.encoder, float(self.threshold),
                                               self.n_nearest)
        pooled = out.cpu().numpy().reshape(n, *self.regions, signs, self.k)
        return fold_mirror(pooled) if self.mirror else pooled.reshape(n, -1)

    def _product(self, x, z):
        """``product(rows)``: ``x[rows] @ matrix`` by PyTorch or NumPy, written into (and
        returned as) a view of ``z`` (float32), or of a bfloat16 buffer as its uint16 bits."""
        if self.torch is None:
            def product(rows):
                block = z[:rows.stop - rows.start]
                return np.matmul(x[rows], self.matrix, out=block)
            return product
        torch = self.torch
        x = torch.from_numpy(x).to(self.matrix.dtype)  # shares memory in float32
        if self.matrix.dtype == torch.float32:
            out, out_numpy = torch.from_numpy(z), z
        else:
            out = torch.empty(z.shape, dtype=self.matrix.dtype)
            out_numpy = out.view(torch.int16).numpy().view(np.uint16)

        def product(rows):
            size = rows.stop - rows.start
            torch.mm(x[rows], self.matrix, out=out[:size])
            return out_numpy[:size]
        return product


def bfloat16_to_float32(bits):
    """bfloat16 values stored as their uint16 bit patterns, as float32 (exact)."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


@functools.cache
def _kernels():
    """The fused kernels by encoder name, compiled by Numba on first use (and cached on disk).

    Each ``kernel(y, regions, weights, pooled, threshold)`` takes a product block ``y``
    (P, K), float32 or bfloat16 bit patterns (uint16; each row is widened to float32 in a
    scratch row in L1), the regions (P, M) and weights (P, M) of its positions, and adds the
    activations of each row into ``pooled[regions[p]]`` (R, S * K) times its weights.
    """
    import math

    import numba
    from numba import types
    from numba.extending import overload

    def widen(row, scratch):
        """``row`` as float32 (pure-Python stand-in; compiled code uses the overload)."""

    @overload(widen)
    def _widen(row, scratch):
        if row.dtype == types.uint16:
            def from_bits(row, scratch):
                for j in range(row.size):
                    scratch[j] = np.uint32(row[j]) << np.uint32(16)
                return scratch.view(np.float32)
            return from_bits
        return lambda row, scratch: row

    jit = numba.njit(nogil=True, fastmath=True, cache=True)
    zero = np.float32(0)

    @jit
    def triangle(y, regions, weights, pooled, threshold):
        k = y.shape[1]
        scratch = np.empty(k, dtype=np.uint32)
        for p in range(y.shape[0]):
            row = widen(y[p], scratch)
            total = zero
            for j in range(k):
                row[j] = math.sqrt(max(row[j], zero))
                total += row[j]
            mu = total / k
            for r in range(regions.shape[1]):
                w = weights[p, r]
                if w != 0:
                    acc = pooled[regions[p, r]]
                    for j in range(k):
                        acc[j] += w * max(mu - row[j], zero)

    @jit
    def soft(y, regions, weights, pooled, threshold):
        k = y.shape[1]
        scratch = np.empty(k, dtype=np.uint32)
        for p in range(y.shape[0]):
            row = widen(y[p], scratch)
            for r in range(regions.shape[1]):
                w = weights[p, r]
                if w != 0:
                    positive = pooled[regions[p, r], :k]
                    negative = pooled[regions[p, r], k:]
                    for j in range(k):
                        positive[j] += w * max(row[j] - threshold, zero)
                    for j in range(k):
                        negative[j] += w * max(-row[j] - threshold, zero)

    return {"triangle": triangle, "soft": soft}
