"""The ``cifar10`` source: the official python batches, kept in the cache directory.

``<cache>/cifar-10-batches-py/`` is read when present. Otherwise
``<cache>/cifar-10-python.tar.gz`` (placed there by the user, or downloaded from
:data:`URL`) is checked against its published MD5 and unpacked with ``tarfile``'s ``data``
filter. Offline, the error says where to put the file.
"""

import hashlib
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request

from linclass._files import atomic_write
from linclass.data import _cache
from linclass.data._cifar import load_batches
from linclass.errors import DataError

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ARCHIVE = "cifar-10-python.tar.gz"
ARCHIVE_MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
DOWNLOAD_TIMEOUT_S = 30
BLOCK = 1 << 20


def _download(archive, progress):
    try:
        with urllib.request.urlopen(URL, timeout=DOWNLOAD_TIMEOUT_S) as response:
            total = int(response.headers.get("Content-Length") or 0)

            def write(f):
                done = 0
                while block := response.read(BLOCK):
                    f.write(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total)

            atomic_write(archive, write)
    except (urllib.error.URLError, OSError) as error:
        raise DataError(f"cannot download CIFAR-10 from {URL} ({error}); offline, put "
                        f"{ARCHIVE} (MD5 {ARCHIVE_MD5}) at {archive} and run again") from None


def _md5_file(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()


def _unpack(archive, folder):
    """Unpack the verified archive into ``folder`` (atomically: a temporary sibling, renamed)."""
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".cifar10-") as tmp:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise DataError(f"cannot unpack {archive}: {error}") from None
        unpacked = f"{tmp}/{FOLDER}"
        try:
            shutil.move(unpacked, folder)
        except FileNotFoundError:
            raise DataError(f"{archive} does not hold {FOLDER}/") from None


def load(split=None, progress=None):
    """CIFAR-10 from the cache directory (downloaded and unpacked when absent)."""
    root = _cache.cache_dir()
    folder, archive = root / FOLDER, root / ARCHIVE
    if not (folder / "batches.meta").is_file():
        root.mkdir(parents=True, exist_ok=True)
        if not archive.is_file():
            _download(archive, progress)
        if _md5_file(archive) != ARCHIVE_MD5:
            raise DataError(f"{archive} is not the official CIFAR-10 archive (MD5 mismatch, "
                            f"expected {ARCHIVE_MD5}); delete it to download it again")
        _unpack(archive, folder)

    def read(name):
        file = folder / name
        return file.read_bytes() if file.is_file() else None

    return load_batches(read, str(folder), split, require_official=True)
