"""``.npy``/``.npz`` files read defensively: every header is checked before any data is read.

``numpy.load(allow_pickle=False)`` never runs code, but it trusts the header: a few bytes
claiming a shape of 10**12 elements make it allocate before it finds the data missing, and
its messages suggest ``allow_pickle=True``. Here each array's header is read first and
refused unless

* the dtype is a plain one (booleans, numbers, fixed-width strings: no objects, no fields),
* the shape's size times the item size equals the bytes actually stored for it,
* the total stays under the caller's ``limit_bytes``,

so memory is bounded by the bytes the file really holds. Zip members are CRC-checked as they
are read. Failures raise :class:`NpyError` with a one-line reason; callers wrap it in their own
error naming the file.
"""

import os
import struct
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

#: dtype kinds accepted: bool, signed/unsigned integers, floats, complex, bytes, unicode.
KINDS = frozenset("biufcSU")
#: Most arrays (zip members) an .npz may hold.
MAX_MEMBERS = 10_000
#: Largest header accepted (numpy's own default limit).
MAX_HEADER = 10_000
#: Bytes read at a time.
BLOCK = 1 << 24


class NpyError(ValueError):
    """An array file that is malformed, hostile or over a limit (one-line message)."""


def _header(stream, where):
    """``(shape, fortran_order, dtype, data_bytes)`` from an open ``.npy`` stream."""
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(stream, MAX_HEADER)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = npy_format.read_array_header_2_0(stream, MAX_HEADER)
        else:
            raise NpyError(f"{where}: unknown .npy version {version}")
    except NpyError:
        raise
    except Exception as error:  # numpy parses the header with ast: any failure is "malformed"
        raise NpyError(f"{where}: not a valid .npy array header "
                       f"({type(error).__name__})") from None
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in KINDS \
            or dtype.subdtype is not None:
        raise NpyError(f"{where}: holds {dtype} data; only plain numbers, booleans and "
                       "strings are read (object arrays never are)")
    size = 1
    for n in shape:
        size *= n
    return shape, fortran, dtype, size * dtype.itemsize


def _check_stored(where, data_bytes, stored):
    if data_bytes != stored:
        raise NpyError(f"{where}: its header promises {data_bytes:,} bytes of data but "
                       f"{stored:,} are stored (damaged or crafted)")


def read_npz(path, *, limit_bytes):
    """Every array in the ``.npz`` file ``path``, by name (without ``.npy``).

    ``limit_bytes`` bounds the arrays' total size (None: only the stored bytes bound it).
    Raises :class:`NpyError` (and ``OSError`` when the file cannot be opened).
    """
    arrays, total = {}, 0
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise NpyError(f"holds {len(members):,} arrays, more than {MAX_MEMBERS:,}")
            for info in members:
                if not info.filename.endswith(".npy"):
                    raise NpyError(f"holds {info.filename!r}, which is not a .npy array")
                name = info.filename[:-4]
                with archive.open(info) as stream:
                    shape, fortran, dtype, data_bytes = _header(stream, name)
                    _check_stored(name, data_bytes, info.file_size - stream.tell())
                    total += data_bytes
                    if limit_bytes is not None and total > limit_bytes:
                        raise NpyError(f"its arrays exceed {limit_bytes:,} bytes")
                    if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 1:
                        arrays[name] = _read_stored(path, info, stream.tell(), shape, fortran,
                                                    dtype, name)
                        continue
                    arrays[name] = _read_exactly(stream, shape, fortran, dtype, data_bytes,
                                                 name)
                    stream.read(1)  # reach the end: the member's CRC-32 is checked there
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
            RuntimeError, ValueError, OverflowError) as error:
        if isinstance(error, NpyError):
            raise
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NpyError(f"not a valid .npz file ({text})") from None
    return arrays


def _empty(shape, fortran, dtype):
    """A new array and a byte view of its memory."""
    out = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    return out, memoryview(out.reshape(-1, order="A").view(np.uint8))


def _read_stored(path, info, header_len, shape, fortran, dtype, where):
    """An uncompressed member's array, read straight from the file into its buffer (what
    ``np.savez`` writes); the CRC-32 of the member is checked over the header and the data."""
    out, view = _empty(shape, fortran, dtype)
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise NpyError(f"{where}: bad zip member header")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        crc = zlib.crc32(f.read(header_len))
        if f.readinto(view) != len(view):
            raise NpyError(f"{where}: truncated")
    if zlib.crc32(view, crc) != info.CRC:
        raise NpyError(f"{where}: CRC-32 mismatch (the file is damaged)")
    return out


def check_npy(path):
    """Check the header of the ``.npy`` file ``path`` against its size; ``(shape, dtype)``.

    Raises :class:`NpyError` (and ``OSError`` when the file cannot be opened).
    """
    with open(path, "rb") as stream:
        shape, _, dtype, data_bytes = _header(stream, "the file")
        stored = os.fstat(stream.fileno()).st_size - stream.tell()
    _check_stored("the file", data_bytes, stored)
    return shape, dtype


def _read_exactly(stream, shape, fortran, dtype, data_bytes, where):
    """The array's data, read in blocks straight into its own buffer."""
    out, view = _empty(shape, fortran, dtype)
    done = 0
    while done < data_bytes:
        block = stream.read(min(BLOCK, data_bytes - done))
        if not block:
            raise NpyError(f"{where}: truncated")
        view[done:done + len(block)] = block
        done += len(block)
    return out
