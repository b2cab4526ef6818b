"""Decode image files with Pillow, in parallel on every available core.

Each image is opened, EXIF-oriented, converted to RGB (or kept single-channel when it is
grayscale), optionally resized to ``image_size`` = (H, W), and returned as a uint8 array
(H, W, C). Pillow's decompression-bomb guard stays on: an image over
``PIL.Image.MAX_IMAGE_PIXELS`` pixels fails like a corrupt one.
"""

import io
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np
from PIL import Image, ImageOps

#: File extensions read as images (case-insensitive); other files are ignored.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
#: Pillow modes decoded as one grayscale channel; every other mode becomes RGB.
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"})
#: Images per task sent to a worker: large enough to amortize the transfer.
CHUNK = 1000
#: Workers are forked where the platform can (what benchmarks/bench_data.py measures, and no
#: re-import of the caller's ``__main__``, which spawn and forkserver would need).
_CONTEXT = (multiprocessing.get_context("fork")
            if "fork" in multiprocessing.get_all_start_methods() else None)


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


class Decoder:
    """Decode images as they arrive, in chunks, on a process pool.

    ``add(payload)`` queues one image (bytes or a path); every :data:`CHUNK` images go to a
    worker process while the caller keeps reading, so reading an archive overlaps decoding.
    ``results()`` waits and returns, in ``add`` order, a uint8 array per image or the reason
    (a str) it failed. ``progress(n_done, n_total)`` is called as chunks finish; ``n_total``
    counts the images added so far.

    Processes, not threads: Pillow holds the GIL for most of the per-image work on small
    images, and threads measured slower than one core (see benchmarks/bench_data.py).
    Fewer than :data:`CHUNK` images, or a single core, decode in this process.
    """

    def __init__(self, image_size=None, progress=None):
        self.image_size = image_size
        self.progress = progress
        self.buffer = []
        self.parts = []  # per chunk: a Future, or the decoded list once collected
        self.pool = None
        self.added = 0
        self.reported = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def add(self, payload):
        self.buffer.append(payload)
        self.added += 1
        if len(self.buffer) >= CHUNK:
            self._flush()

    def _flush(self):
        if n_workers() > 1:
            if self.pool is None:
                self.pool = ProcessPoolExecutor(max_workers=n_workers(), mp_context=_CONTEXT)
            self.parts.append(self.pool.submit(decode_chunk, self.buffer, self.image_size))
        else:
            self.parts.append(decode_chunk(self.buffer, self.image_size))
        self.buffer = []
        self._collect(wait=False)

    def _collect(self, wait):
        """Replace finished futures by their lists (in order) and report progress."""
        done = 0
        for i, part in enumerate(self.parts):
            if isinstance(part, Future):
                if not (wait or part.done()):
                    break
                self.parts[i] = part = part.result()
            done += len(part)
        if self.progress is not None and done > self.reported:
            self.reported = done
            self.progress(done, self.added)

    def results(self):
        if self.buffer:
            self._flush()
        self._collect(wait=True)
        return [image for part in self.parts for image in part]


def decode_all(payloads, image_size=None, progress=None):
    """Decode every payload (bytes or paths): a list of arrays, or failure reasons (str)."""
    with Decoder(image_size, progress) as decoder:
        for payload in payloads:
            decoder.add(payload)
        return decoder.results()


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
