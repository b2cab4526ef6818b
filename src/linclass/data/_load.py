"""``load(source)``: every ``--data SOURCE`` form through one function."""

import os
import tarfile
import zlib
from pathlib import Path

import numpy as np

from linclass._validation import fail
from linclass.data import _cache, _cifar10
from linclass.data._cifar import BATCH_FILES, load_batches
from linclass.data._dataset import Dataset
from linclass.data._decode import (
    Decoder,
    check_channels,
    check_size,
    decode_all,
    is_image_name,
    resize_all,
)
from linclass.data._imagefolder import assemble, find_layout
from linclass.data._npy import NpyError, read_npz
from linclass.errors import DataError

SPLITS = ("train", "test")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")
SOURCES_HELP = ("'digits', 'cifar10', an image folder (ROOT/<class>/<image>), a directory of "
                "CIFAR-10 python batches, a .tar/.tar.gz/.tgz archive of either, or a .npz file")


def load(source="digits", *, split=None, image_size=None, channels=None, skip_bad=False,
         progress=None):
    """Load a labelled image dataset.

    Parameters
    ----------
    source : str or path-like
        ``"digits"`` (scikit-learn's 1,797 8x8 digits, scaled 0..16 -> 0..255, one channel),
        ``"cifar10"`` (CIFAR-10 in the cache directory, downloaded when absent), a directory
        (an image folder ``ROOT/<class>/<image>`` or CIFAR-10 python batches), a
        ``.tar``/``.tar.gz``/``.tgz`` archive of either, or a ``.npz`` file with ``X``
        (N, H, W[, C]) uint8, ``y`` (N,) and optional ``class_names``.
    split : {None, "train", "test"}
        Which part of a source that has parts: CIFAR-10 batches (``data_batch_1..5`` or
        ``test_batch``) and image folders with ``train/`` and ``test/`` sub-folders.
        ``None`` means ``"train"``. Sources without parts ignore it.
    image_size : (int, int), optional
        Resize every image to (H, W) with the reader's one filter (bilinear; see
        :func:`linclass.data.read_image`). Without it, images of different sizes are an error.
        ``evaluate`` passes the model's size, so any image size evaluates as ``predict`` reads.
    channels : {None, 1, 3}, optional
        1: grayscale (luma), 3: RGB; None keeps grayscale sets single-channel.
    skip_bad : bool
        Skip images that cannot be decoded (listed in ``Dataset.skipped``) instead of failing.
    progress : callable, optional
        ``progress(n_done, n_total)``, called as images are decoded.

    Returns
    -------
    Dataset
        ``images`` (N, H, W, C) uint8, ``labels`` (N,) int64, ``class_names``, ``source``.

    Raises
    ------
    DataError
        Missing, empty, corrupt or unsafe data; the message names the file and the fix.

    Examples
    --------
    >>> ds = load("digits")
    >>> ds.images.shape, ds.n_classes
    ((1797, 8, 8, 1), 10)
    """
    if split is not None and split not in SPLITS:
        raise fail("split", "one of None, 'train', 'test'", repr(split))
    image_size = check_size(image_size, "image_size")
    channels = check_channels(channels)
    options = {"split": split, "image_size": image_size, "channels": channels,
               "skip_bad": bool(skip_bad),
               "progress": progress}
    if isinstance(source, str) and source == "digits":
        return _shaped(_digits(), image_size, channels)
    if isinstance(source, str) and source == "cifar10":
        return _shaped(_cifar10.load(split, progress), image_size, channels)
    path = Path(source).expanduser()
    if path.is_dir():
        return _directory(path, **options)
    if path.is_file():
        name = path.name.lower()
        if name.endswith(".npz"):
            return _shaped(_npz(path), image_size, channels)
        if name.endswith(ARCHIVE_SUFFIXES):
            return _archive(path, **options)
        raise DataError(f"cannot read {path}: a data file must be .npz, .tar, .tar.gz or "
                        f".tgz; SOURCE is one of {SOURCES_HELP}")
    raise DataError(f"data source {str(source)!r} not found: SOURCE is one of {SOURCES_HELP}")


def _shaped(dataset, image_size, channels):
    images = resize_all(dataset.images, image_size, channels)
    if images is dataset.images:
        return dataset
    return Dataset(images, dataset.labels,
                   dataset.class_names, dataset.source, dataset.skipped)


def _digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # values 0..16 -> 0..255
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    return Dataset(images, bunch.target.astype(np.int64),
                   tuple(str(c) for c in bunch.target_names), "digits (scikit-learn)")


def _npz(path):
    try:
        arrays = read_npz(path, limit_bytes=None)
    except NpyError as error:
        raise DataError(f"cannot read {path}: {error}; a data .npz holds X, y and "
                        "class_names as plain arrays") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
    if "X" not in arrays or "y" not in arrays:
        raise DataError(f"{path} must hold arrays 'X' and 'y', holds {sorted(arrays)}")
    X, y = arrays["X"], arrays["y"]
    if X.ndim == 3:
        X = X[..., None]
    if X.dtype != np.uint8 or X.ndim != 4 or X.shape[3] not in (1, 3):
        raise DataError(f"{path}: X must be uint8 (N, H, W) or (N, H, W, C) with C = 1 or 3, "
                        f"got {X.dtype} {X.shape}")
    if y.shape != (len(X),):
        raise DataError(f"{path}: y must have shape ({len(X)},), got {y.shape}")
    if "class_names" in arrays:
        names = tuple(str(n) for n in arrays["class_names"].ravel())
        if not np.issubdtype(y.dtype, np.integer) or (y.size and not
                                                      0 <= y.min() <= y.max() < len(names)):
            raise DataError(f"{path}: y must hold class indices in [0, {len(names)}) "
                            "(one per entry of class_names)")
        labels = y.astype(np.int64)
    else:  # the distinct values of y, sorted, name the classes
        values, labels = np.unique(y, return_inverse=True)
        names = tuple(str(v) for v in values)
    return Dataset(X, labels.astype(np.int64), names, str(path))


def _walk(root):
    """Relative POSIX paths of the files under ``root``; folders end with '/'."""
    entries = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        entries.extend(prefix + d + "/" for d in dirs)
        entries.extend(prefix + f for f in files)
    return entries


def _batch_dir(path):
    for candidate in (path, path / "cifar-10-batches-py"):
        if any((candidate / name).is_file() for name in BATCH_FILES):
            return candidate
    return None


def _read_file(folder):
    def read(name):
        file = folder / name
        return file.read_bytes() if file.is_file() else None
    return read


def _directory(path, *, split, image_size, channels, skip_bad, progress):
    batches = _batch_dir(path)
    if batches is not None:
        return _shaped(load_batches(_read_file(batches), str(batches), split), image_size,
                       channels)
    entries = _walk(path)
    root, class_names, members = find_layout(entries, str(path), split)
    files = [path / p for p, _ in members]
    stats = [(str(f), s.st_size, s.st_mtime_ns) for f in files for s in [f.stat()]]
    entry = _cache.key(kind="folder", path=str(path.resolve()), files=_cache.key(stats=stats),
                       split=split, image_size=image_size, channels=channels,
                       skip_bad=skip_bad)
    cached = _cache.load(entry)
    if cached is not None:
        return cached
    where = str(path / root.rstrip("/")) if root else str(path)
    decoded = decode_all([str(f) for f in files], image_size, progress, channels)
    dataset = assemble(members, class_names, decoded, where=where, skip_bad=skip_bad)
    _cache.store(entry, dataset)
    return dataset


#: Most members an archive may hold (CIFAR-10's training archive holds 50,011).
MAX_MEMBERS = 1_000_000
#: Largest member read, in bytes (a CIFAR-10 batch is 31 MB).
MAX_MEMBER_BYTES = 256 << 20
_KINDS = {tarfile.SYMTYPE: "symbolic link", tarfile.LNKTYPE: "hard link",
          tarfile.CHRTYPE: "character device", tarfile.BLKTYPE: "block device",
          tarfile.FIFOTYPE: "named pipe", tarfile.CONTTYPE: "contiguous file"}


def _check_member(path, member, count):
    """Refuse a member that is not a plain folder or file, escapes, or is over a limit."""
    if count > MAX_MEMBERS:
        raise DataError(f"refusing to read {path}: more than {MAX_MEMBERS:,} members")
    if not (member.isdir() or member.isreg()):
        kind = _KINDS.get(member.type, f"member of type {member.type!r}")
        raise DataError(f"refusing to read {path}: {member.name!r} is a {kind}; an image "
                        "archive holds only folders and regular files")
    if member.name.startswith(("/", "\\")) or os.path.isabs(member.name):
        raise DataError(f"refusing to read {path}: {member.name!r} is an absolute path")
    try:
        tarfile.data_filter(member, os.path.realpath(os.sep + "linclass-archive"))
    except tarfile.FilterError as error:
        raise DataError(f"refusing to read {path}: {error}") from None
    if member.size > MAX_MEMBER_BYTES:
        raise DataError(f"refusing to read {path}: {member.name!r} is {member.size:,} bytes, "
                        f"over the limit of {MAX_MEMBER_BYTES:,} for one file")


def read_archive(path, decoder):
    """Read a tar archive in one pass, sending its images to ``decoder`` as they come.

    Only folders and regular files are accepted: symbolic and hard links, devices and pipes
    are refused, as are absolute paths and ``..`` components (:func:`tarfile.data_filter`),
    members over :data:`MAX_MEMBER_BYTES` and archives of more than :data:`MAX_MEMBERS`
    members, each with the member named. Nothing is written to disk.

    Returns
    -------
    names : list of str
        Every member; folders end with '/'.
    images : dict
        Image member name -> its position in the decoder's results.
    batches : dict
        CIFAR-10 batch member name -> its bytes.
    """
    names, images, batches = [], {}, {}
    try:
        with tarfile.open(path, "r:*") as tar:
            for count, member in enumerate(tar, 1):
                _check_member(path, member, count)
                name = member.name.removeprefix("./").rstrip("/")
                names.append(name + "/" if member.isdir() else name)
                if member.isdir():
                    continue
                if is_image_name(name):
                    images[name] = decoder.added
                    decoder.add(tar.extractfile(member).read())
                elif name.rsplit("/", 1)[-1] in BATCH_FILES:
                    batches[name] = tar.extractfile(member).read()
    except tarfile.ReadError as error:
        first = str(error).splitlines()[0].rstrip(":")
        raise DataError(f"cannot read archive {path}: {first} (not a .tar, .tar.gz, .tar.bz2 "
                        "or .tar.xz archive, or damaged)") from None
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"cannot read archive {path}: {first}") from None
    return names, images, batches


def _archive(path, *, split, image_size, channels, skip_bad, progress):
    entry = _cache.key(kind="archive", digest=_cache.file_digest(path), split=split,
                       image_size=image_size, channels=channels, skip_bad=skip_bad)
    cached = _cache.load(entry)
    if cached is not None:
        return cached
    with Decoder(image_size, progress, channels) as decoder:
        names, images, batches = read_archive(path, decoder)
        if batches:
            folder = next(iter(batches)).rpartition("/")[0]
            prefix = folder + "/" if folder else ""
            dataset = _shaped(load_batches(lambda name: batches.get(prefix + name),
                                           f"{path}:{folder or '.'}", split), image_size,
                              channels)
        else:
            root, class_names, members = find_layout(names, str(path), split)
            decoded = decoder.results()
            where = f"{path}:{root.rstrip('/')}" if root else str(path)
            dataset = assemble(members, class_names, [decoded[images[p]] for p, _ in members],
                               where=where, skip_bad=skip_bad)
    _cache.store(entry, dataset)
    return dataset
