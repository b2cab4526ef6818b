"""Decode image files with Pillow, in parallel on every available core.

Each image is opened, EXIF-oriented, converted to RGB (or kept single-channel when it is
grayscale), optionally resized to ``image_size`` = (H, W), and returned as a uint8 array
(H, W, C). Pillow's decompression-bomb guard stays on: an image over
``PIL.Image.MAX_IMAGE_PIXELS`` pixels fails like a corrupt one.
"""

import io
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image, ImageOps

#: File extensions read as images (case-insensitive); other files are ignored.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
#: Pillow modes decoded as one grayscale channel; every other mode becomes RGB.
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})
#: Images per task sent to a worker: large enough to amortize the transfer.
CHUNK = 1000
#: Below this many images the pool's start-up costs more than it saves.
MIN_PARALLEL = 2000


def is_image_name(name):
    return name.lower().endswith(IMAGE_EXTENSIONS)


def decode_one(payload, image_size=None):
    """One image (bytes or a file path) -> uint8 array (H, W, 1) or (H, W, 3)."""
    source = io.BytesIO(payload) if isinstance(payload, bytes) else payload
    with Image.open(source) as image:
        image = ImageOps.exif_transpose(image)
        image = image.convert("L" if image.mode in GRAY_MODES else "RGB")
        if image_size is not None:
            height, width = image_size
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype=np.uint8)
    return array[:, :, None] if array.ndim == 2 else array


def decode_chunk(payloads, image_size=None):
    """Decode a list of images; a failure becomes its one-line reason (a str) in place."""
    out = []
    for payload in payloads:
        try:
            out.append(decode_one(payload, image_size))
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            out.append(f"{type(error).__name__}: {error}")
    return out


def n_workers():
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def decode_all(payloads, image_size=None, progress=None):
    """Decode every payload; returns a list of arrays, or failure reasons (str).

    With more than :data:`MIN_PARALLEL` images and more than one core, chunks of
    :data:`CHUNK` images are decoded by a process pool (Pillow holds the GIL for most of the
    per-image work on small images, so processes beat threads; see benchmarks/bench_data.py).
    ``progress(n_done, n_total)`` is called after each chunk.
    """
    total = len(payloads)
    chunks = [payloads[i:i + CHUNK] for i in range(0, total, CHUNK)]
    results = []
    workers = n_workers()
    if total < MIN_PARALLEL or workers < 2:
        for chunk in chunks:
            results.extend(decode_chunk(chunk, image_size))
            if progress is not None:
                progress(len(results), total)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for decoded in pool.map(decode_chunk, chunks, [image_size] * len(chunks)):
            results.extend(decoded)
            if progress is not None:
                progress(len(results), total)
    return results


def resize_all(images, image_size):
    """Resize uint8 images (N, H, W, C) to ``image_size`` = (H', W') with Pillow (bilinear);
    returned unchanged when they already have that size."""
    height, width = image_size
    if images.shape[1:3] == (height, width):
        return images
    out = np.empty((len(images), height, width, images.shape[3]), dtype=np.uint8)
    for i, image in enumerate(images):
        resized = Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image)
        resized = np.asarray(resized.resize((width, height), Image.Resampling.BILINEAR))
        out[i] = resized.reshape(height, width, -1)
    return out
