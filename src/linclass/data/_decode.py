"""The one image reader: files or bytes -> uint8 arrays, for every command that reads images.

:func:`read_image` reads one image, :func:`read_images` a batch (in parallel on every available
core); folders and archives (``linclass.data.load``), ``linclass predict``, ``evaluate`` and
``report`` all go through them, so an image gives the same array everywhere. The steps, in
order:

1. **Open** with Pillow, accepting only :data:`FORMATS`. An image of more than
   :data:`MAX_PIXELS` pixels is refused from its header, before anything is decoded
   (Pillow's own decompression-bomb error stays on as well); only the first frame of an
   animated or multi-page file is read.
2. **Orientation**: the EXIF orientation tag is applied (``ImageOps.exif_transpose``).
3. **Depth** to 8 bits per channel: 16-bit images (``I;16*``, and ``I`` read as 16-bit) are
   scaled ``round(v * 255 / 65535)`` (not clipped at 255, which whitens them); float images
   (``F``) are taken to hold [0, 1] and scaled ``round(255 * clip(v, 0, 1))`` (NaN -> 0).
4. **Colour**: palette, CMYK, YCbCr, LAB and HSV images become RGB; an alpha channel (RGBA,
   LA, PA, palette transparency) is composited on a **white** background
   (:data:`BACKGROUND`): ``c' = (a * c + (255 - a) * 255) / 255``, rounded.
5. **Channels**: ``channels=None`` keeps grayscale images single-channel and makes every other
   image RGB; ``channels=1`` converts RGB to luma (ITU-R 601-2, ``L = 0.299 R + 0.587 G +
   0.114 B``, Pillow's ``convert("L")``); ``channels=3`` repeats a gray channel (R = G = B).
6. **Size**: with ``size=(H, W)`` the 8-bit image is resized with :data:`RESAMPLE` (Pillow's
   bilinear filter, which widens its support when shrinking, so downscaling is antialiased).
   Training data, evaluation data and ``predict`` inputs all go through this one filter, as do
   array sources (``digits``, CIFAR batches, ``.npz``) resized by :func:`resize_all`.

Results are uint8 arrays (H, W, C) with C = 1 or 3.
"""

import ctypes
import io
import multiprocessing
import os
import signal
import warnings
from collections import namedtuple
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np

from linclass.errors import DataError

#: File extensions read as images from folders and archives (case-insensitive).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
#: Pillow formats the reader opens; any other file is refused without being parsed further.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
#: Largest image accepted, in pixels (W * H): 2**26 = 67 megapixels, at most 201 MB as 8-bit
#: RGB and 268 MB while a 32-bit (``I``/``F``) image is converted.
MAX_PIXELS = 1 << 26
#: The background that transparent pixels are composited on (white), as 8-bit RGB.
BACKGROUND = (255, 255, 255)
#: Pillow modes that are grayscale (one channel, possibly with alpha).
GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
#: Most bytes of decoded images one dataset may take (4 GiB; CIFAR-10's 50,000 take 150 MB).
#: Each worker's share is checked as it decodes, the total as results arrive, so memory
#: stays within about twice this even for archives of highly compressed large images.
MAX_DATASET_BYTES = 1 << 32
#: Images per task sent to a worker: large enough to amortize the transfer.
CHUNK = 1000
#: Workers are forked where the platform can (what benchmarks/bench_data.py measures, and no
#: re-import of the caller's ``__main__``, which spawn and forkserver would need).
_CONTEXT = (multiprocessing.get_context("fork")
            if "fork" in multiprocessing.get_all_start_methods() else None)


#: The one resampling filter, by name (Pillow's ``Image.Resampling.BILINEAR``).
RESAMPLE = "bilinear"


def resample_filter():
    """:data:`RESAMPLE` as Pillow's constant (Pillow is imported late: it is heavy)."""
    from PIL import Image

    return Image.Resampling.BILINEAR


def is_image_name(name):
    return name.lower().endswith(IMAGE_EXTENSIONS)


def _to_8bit(image):
    """A Pillow image of any mode -> mode ``L`` or ``RGB`` (steps 3 and 4 of the module doc)."""
    from PIL import Image

    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        values = np.asarray(image, dtype=np.float64)  # "I;16B" etc. come out native-endian
        return Image.fromarray(np.rint(np.clip(values, 0, 65535) * (255 / 65535))
                               .astype(np.uint8), "L")
    if mode == "F":
        values = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0)
        return Image.fromarray(np.rint(np.clip(values, 0, 1) * 255).astype(np.uint8), "L")
    if mode in ("1", "L", "RGB"):
        return image.convert("L") if mode == "1" else image
    has_alpha = (mode in ("RGBA", "LA", "La", "RGBa", "PA")
                 or (mode == "P" and "transparency" in image.info))
    if not has_alpha:
        return image.convert("RGB")
    gray = mode in ("LA", "La")
    rgba = np.asarray(image.convert("LA" if gray else "RGBA"), dtype=np.float32)
    color, alpha = rgba[..., :-1], rgba[..., -1:] / 255
    background = np.float32(BACKGROUND[0]) if gray else np.asarray(BACKGROUND, np.float32)
    out = np.rint(alpha * color + (1 - alpha) * background).astype(np.uint8)
    return Image.fromarray(out[..., 0] if gray else out, "L" if gray else "RGB")


def _resize(image, size):
    """A Pillow image resized to ``size`` = (H, W) with :func:`resample_filter` (or as is)."""
    height, width = size
    if image.size == (width, height):
        return image
    return image.resize((width, height), resample_filter())


def decode(source, size=None, channels=None):
    """Read one image; the reason it cannot be read is raised as a :class:`DataError`.

    ``source`` is bytes, a path or a binary file. The message is the reason alone (no file
    name): callers add the name.
    """
    opened = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    # Pillow parses untrusted bytes: any exception it raises means "unreadable". Its warnings
    # (corrupt EXIF, over 89 Mpx: refused below anyway) are not shown: the result stands.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _decode(opened, size, channels)


def _decode(opened, size, channels):
    from PIL import Image, ImageOps

    try:
        with Image.open(opened, formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DataError(f"image of {width}x{height} = {width * height:,} pixels is over "
                                f"the limit of {MAX_PIXELS:,} (a decompression bomb?)")
            image = _to_8bit(ImageOps.exif_transpose(image))
            if channels is not None and (image.mode == "L") != (channels == 1):
                image = image.convert("L" if channels == 1 else "RGB")
            if size is not None:
                image = _resize(image, size)
            array = np.asarray(image, dtype=np.uint8)
    except DataError:
        raise
    except Image.UnidentifiedImageError:
        raise DataError(f"not an image in a readable format ({', '.join(FORMATS)})") from None
    except Exception as error:  # corrupt, truncated or hostile file
        text = str(error).splitlines()[0] if str(error) else ""
        raise DataError(f"{type(error).__name__}: {text}".rstrip(": ")) from None
    return array[:, :, None] if array.ndim == 2 else array


def _name(source):
    if isinstance(source, bytes | bytearray):
        return "(bytes)"
    return str(getattr(source, "name", source))


def check_size(size, name="size"):
    """``size`` as a pair (H, W) of positive ints, or None; else the standard ValueError."""
    if size is None:
        return None
    from linclass._validation import fail

    try:
        height, width = (int(v) for v in size)
        ok = height > 0 and width > 0 and (height, width) == tuple(size)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise fail(name, "a pair (H, W) of positive integers", repr(size))
    return height, width


def check_channels(channels):
    """``channels`` if it is None, 1 or 3; else the standard ValueError."""
    if channels not in (None, 1, 3):
        from linclass._validation import fail

        raise fail("channels", "None, 1 or 3", repr(channels))
    return channels


def read_image(source, size=None, channels=None):
    """Read one image file as a uint8 array, the way every linclass command reads images.

    Parameters
    ----------
    source : str, path-like, bytes or binary file
        A PNG, JPEG, BMP, GIF, TIFF or WebP image (:data:`FORMATS`).
    size : (int, int), optional
        Resize to (H, W) with the bilinear filter (:data:`RESAMPLE`); by default the image
        keeps its size.
    channels : {None, 1, 3}, optional
        1: grayscale (luma), 3: RGB, None: grayscale images stay single-channel and every
        other image is RGB.

    Returns
    -------
    ndarray of shape (H, W, C), uint8
        EXIF orientation applied; 16-bit images scaled by 255/65535 and float images (taken
        as [0, 1]) by 255; alpha composited on white (:data:`BACKGROUND`); palette, CMYK and
        other colour modes converted to RGB. The module docstring gives each step.

    Raises
    ------
    DataError
        One line naming the file and the reason: not an image, corrupt or truncated, or over
        :data:`MAX_PIXELS` pixels.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("LA", (4, 2), (0, 0)).save(buffer, "PNG")  # fully transparent black
    >>> read_image(buffer.getvalue(), size=(4, 8), channels=3)[0, 0]  # white background
    array([255, 255, 255], dtype=uint8)
    """
    size, channels = check_size(size), check_channels(channels)
    try:
        return decode(source, size, channels)
    except DataError as error:
        raise DataError(f"cannot read image {_name(source)}: {error}") from None


#: What :func:`read_images` returns.
ImageBatch = namedtuple("ImageBatch", ["images", "read", "skipped"])
ImageBatch.__doc__ = """Images read by :func:`read_images`.

images : ndarray (N, H, W, C) uint8, the readable images in order;
read : tuple of the N sources read (in order); skipped : tuple of (source, reason) pairs."""


def read_images(sources, size=None, channels=None, *, skip_bad=False, progress=None):
    """Read many images with :func:`read_image`, in parallel, into one array.

    Parameters
    ----------
    sources : sequence of str, path-like or bytes
    size, channels
        As in :func:`read_image`. Without ``size`` the images must share one size.
    skip_bad : bool
        Skip unreadable images (listed in ``skipped`` with their reason) instead of failing.
    progress : callable, optional
        ``progress(n_done, n_total)`` as images are decoded.

    Returns
    -------
    ImageBatch
        ``images`` (N, H, W, C) uint8; with ``channels=None`` C is 1 only when every image is
        grayscale (gray images in an RGB batch get R = G = B).

    Raises
    ------
    DataError
        An unreadable image without ``skip_bad`` (naming it), no readable image at all, or
        images of different sizes without ``size``.
    """
    sources = list(sources)
    size, channels = check_size(size), check_channels(channels)
    decoded = decode_all([os.fspath(s) if isinstance(s, Path) else s for s in sources],
                         size, progress, channels)
    bad = [(s, a) for s, a in zip(sources, decoded, strict=True) if isinstance(a, str)]
    if bad and not skip_bad:
        source, reason = bad[0]
        more = f" ({len(bad) - 1} more unreadable)" if len(bad) > 1 else ""
        raise DataError(f"cannot read image {_name(source)}: {reason}{more}; "
                        "pass --skip-bad to skip unreadable images")
    good = [(s, a) for s, a in zip(sources, decoded, strict=True) if not isinstance(a, str)]
    if not good:
        raise DataError(f"none of the {len(sources)} images could be read")
    return ImageBatch(stack([a for _, a in good], [_name(s) for s, _ in good], "the images"),
                      tuple(s for s, _ in good), tuple(bad))


def stack(arrays, names, where):
    """One uint8 array (N, H, W, C) from images of one size; gray ones broadcast to RGB."""
    shapes = {}
    for name, a in zip(names, arrays, strict=True):
        shapes.setdefault(a.shape[:2], name)
    if len(shapes) > 1:
        (s1, p1), (s2, p2) = list(shapes.items())[:2]
        raise DataError(f"images in {where} differ in size: {p1} is {s1[0]}x{s1[1]} but "
                        f"{p2} is {s2[0]}x{s2[1]}; pass --image-size H W to resize them")
    channels = 1 if all(a.shape[2] == 1 for a in arrays) else 3
    (height, width), = shapes
    out = np.empty((len(arrays), height, width, channels), dtype=np.uint8)
    for i, a in enumerate(arrays):
        out[i] = a  # a grayscale image in an RGB set broadcasts to R = G = B
    return out


def _over_limit():
    return DataError(f"the decoded images take more than {MAX_DATASET_BYTES:,} bytes; "
                     "pass --image-size H W to read them smaller")


def decode_chunk(payloads, size=None, channels=None, limit=None):
    """Decode a list of images; a failure becomes its one-line reason (a str) in place.

    More than ``limit`` decoded bytes raise :class:`DataError` (the dataset is too large).
    """
    out, total = [], 0
    for payload in payloads:
        try:
            out.append(decode(payload, size, channels))
        except DataError as error:
            out.append(str(error))
            continue
        total += out[-1].nbytes
        if limit is not None and total > limit:
            raise _over_limit()
    return out


def _die_with_parent(parent):
    """Pool initializer: a worker ends with the process that started it (a SIGKILLed
    ``linclass`` must not leave workers waiting on its queue forever). Linux only
    (``prctl(PR_SET_PDEATHSIG)``); elsewhere workers end when the queue breaks."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


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

    def __init__(self, image_size=None, progress=None, channels=None):
        self.image_size = image_size
        self.channels = channels
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
        if n_workers() > 1 and (self.pool is not None or len(self.buffer) >= CHUNK):
            if self.pool is None:
                self.pool = ProcessPoolExecutor(max_workers=n_workers(), mp_context=_CONTEXT,
                                                initializer=_die_with_parent,
                                                initargs=(os.getpid(),))
            self.parts.append(self.pool.submit(decode_chunk, self.buffer, self.image_size,
                                               self.channels, MAX_DATASET_BYTES // n_workers()))
        else:
            self.parts.append(decode_chunk(self.buffer, self.image_size, self.channels,
                                           MAX_DATASET_BYTES))
        self.buffer = []
        self._collect(wait=False)

    def _collect(self, wait):
        """Replace finished futures by their lists (in order) and report progress."""
        done = decoded_bytes = 0
        for i, part in enumerate(self.parts):
            if isinstance(part, Future):
                if not (wait or part.done()):
                    break
                self.parts[i] = part = part.result()
            done += len(part)
            decoded_bytes += sum(a.nbytes for a in part if not isinstance(a, str))
        if decoded_bytes > MAX_DATASET_BYTES:
            raise _over_limit()
        if self.progress is not None and done > self.reported:
            self.reported = done
            self.progress(done, self.added)

    def results(self):
        if self.buffer:
            self._flush()
        self._collect(wait=True)
        return [image for part in self.parts for image in part]


def decode_all(payloads, image_size=None, progress=None, channels=None):
    """Decode every payload (bytes or paths): a list of arrays, or failure reasons (str)."""
    with Decoder(image_size, progress, channels) as decoder:
        for payload in payloads:
            decoder.add(payload)
        return decoder.results()


def resize_all(images, image_size=None, channels=None):
    """uint8 images (N, H, W, C) converted to ``channels`` and resized to ``image_size`` =
    (H', W') as :func:`read_image` does (Pillow's conversion, then the one filter); the same
    array when nothing changes."""
    from PIL import Image

    height, width = image_size or images.shape[1:3]
    channels = channels or images.shape[3]
    if images.shape[1:] == (height, width, channels):
        return images
    out = np.empty((len(images), height, width, channels), dtype=np.uint8)
    for i, image in enumerate(images):
        converted = Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image)
        converted = _resize(converted.convert("L" if channels == 1 else "RGB"), (height, width))
        out[i] = np.asarray(converted).reshape(height, width, channels)
    return out
