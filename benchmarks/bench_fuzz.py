"""Fuzzing every reader of untrusted files: readers x inputs tried x refused cleanly x crashes.

Usage (from the repository root; ``--seconds`` per reader, default 60)::

    flock /tmp/linclass-bench.lock python -m benchmarks.bench_fuzz [--seconds 60] [--atheris]

The readers are the public entry points a user hands a file to: :func:`linclass.data.read_image`
(image decoding), ``lc.data.load`` on an image folder, a ``.tar.gz`` archive, a directory of
CIFAR-10 batches and a ``.npz`` file, :func:`linclass.data.load_features` on ``X.npy``, and
:func:`linclass.load` on a model file. Each gets

* **crafted** hostile inputs (:func:`crafted`): decompression bombs, lying headers, links,
  devices and absolute paths in archives, object arrays and absurd shapes, pickles naming
  ``os.system``;
* **mutated** valid inputs (:func:`mutate`): bit flips, interesting bytes, truncation,
  insertion, duplication and splicing of a valid seed file, from a fixed seed;
* with ``--atheris``, coverage-guided inputs from atheris (libFuzzer) in a subprocess per
  reader, Pillow and numpy instrumented.

An input **passes** when it loads or is refused with a one-line ``LinclassError``
(``DataError``/``ModelFileError``), within :data:`TIME_LIMIT_S`, writing nothing outside its
work folder and the cache. Anything else (another exception, a traceback, a multi-line
message, a time-out, memory over the ``RLIMIT_AS`` of the fuzzing process, a stray file) is a
**crash**. ``tests/test_fuzz.py`` runs the same readers on Hypothesis-drawn inputs with a
fixed seed in CI.
"""

import argparse
import io
import json
import os
import pickle
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np

from benchmarks._common import RESULTS_DIR, footer, write_results

RESULTS = RESULTS_DIR / "fuzz.md"
#: Seconds one input may take before it counts as a hang.
TIME_LIMIT_S = 20
#: Address-space limit of the fuzzing process (bytes): memory stays bounded or it is a crash.
MEMORY_LIMIT = 3 << 30
_INTERESTING = (0, 1, 0x7F, 0x80, 0xFF)


# --------------------------------------------------------------------------- seed files
def _image_bytes(fmt, mode="RGB", size=(6, 5), **save):
    from PIL import Image

    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    if mode != "RGB":
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def seed_images():
    """Small valid files of every format and several modes."""
    exif = __import__("PIL.Image", fromlist=["Exif"]).Exif()
    exif[0x0112] = 6
    return [_image_bytes("PNG"), _image_bytes("PNG", "RGBA"), _image_bytes("PNG", "P"),
            _image_bytes("JPEG", exif=exif), _image_bytes("JPEG", "CMYK"),
            _image_bytes("GIF", "P"), _image_bytes("BMP"), _image_bytes("TIFF", "I;16"),
            _image_bytes("WEBP")]


def _tar(members, compression="gz"):
    """A tar archive (bytes) of ``members``: name -> bytes, or a TarInfo to add as is."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}") as tar:
        for name, content in members.items():
            if isinstance(content, tarfile.TarInfo):
                tar.addfile(content)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def seed_archive():
    png = seed_images()[0]
    return _tar({"data/a/1.png": png, "data/a/2.png": png, "data/b/1.png": png})


def _pickle(obj):
    return pickle.dumps(obj, protocol=2)


def seed_batch():
    rng = np.random.default_rng(0)
    return _pickle({b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8),
                    b"labels": [0, 1, 0, 1], b"batch_label": b"x"})


def seed_meta():
    return _pickle({b"label_names": [b"cat", b"dog"]})


def _npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def seed_npz():
    rng = np.random.default_rng(0)
    return _npz(X=rng.integers(0, 256, (4, 5, 5, 3), dtype=np.uint8), y=np.array([0, 1, 0, 1]),
                class_names=np.array(["a", "b"]))


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def seed_model():
    import linclass as lc
    from linclass.classifier import LinearClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)).astype(np.float32), np.arange(20) % 2
    clf = LinearClassifier(epochs=1, random_state=0).fit(X, y)
    with tempfile.TemporaryDirectory() as tmp:
        return lc.save(clf, Path(tmp) / "m.npz").read_bytes()


# --------------------------------------------------------------------------- hostile inputs
def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width, height, idat, bit_depth=8, color=2):
    """A PNG whose IHDR claims ``width`` x ``height`` (valid CRCs) around the ``idat`` bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def _png_header(width, height, bit_depth=8, color=2):
    """A PNG that claims ``width`` x ``height`` but holds 64 bytes of pixels."""
    return _png(width, height, zlib.compress(b"\x00" * 64), bit_depth, color)


def bomb_png(side=1 << 15):
    """A real decompression bomb: ``side`` x ``side`` one-bit black pixels, all present
    (1 Gpx in about 130 KB for the default side)."""
    packer = zlib.compressobj(9)
    row = bytes(1 + side // 8)  # filter byte + packed bits
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return _png(side, side, idat, bit_depth=1, color=0)


def _member(name, kind, **fields):
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in fields.items():
        setattr(info, key, value)
    return info


def _npy_header(descr, shape, data=b""):
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape!r}, }}"
    header = header.ljust(118) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + data


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def crafted(quick=False):
    """``{reader: [(label, bytes), ...]}``: hand-made hostile inputs (``quick``: the gzip bomb
    member is 20 MB instead of 200 MB, the PNG bomb 268 Mpx instead of 1 Gpx)."""
    png = seed_images()[0]
    evil_pickle = pickle.dumps({b"data": _Evil()}, protocol=2)
    lying = [("16-bit 65535x65535 header", _png_header(65535, 65535, 16)),
             ("2**31-1 x 1 header", _png_header(2**31 - 1, 1)),
             ("zero-size header", _png_header(0, 0)),
             ("decompression bomb", bomb_png(1 << 14 if quick else 1 << 15))]
    archives = [
        ("symlink to /etc/passwd", _tar({"d/a/1.png": png, "d/b/x.png": _member(
            "d/b/x.png", tarfile.SYMTYPE, linkname="/etc/passwd")})),
        ("symlink inside", _tar({"d/a/1.png": png, "d/b/x.png": _member(
            "d/b/x.png", tarfile.SYMTYPE, linkname="../a/1.png")})),
        ("hard link", _tar({"d/a/1.png": png, "d/b/x.png": _member(
            "d/b/x.png", tarfile.LNKTYPE, linkname="d/a/1.png")})),
        ("character device", _tar({"d/a/1.png": png, "d/b/zero.png": _member(
            "d/b/zero.png", tarfile.CHRTYPE, devmajor=1, devminor=5)})),
        ("fifo", _tar({"d/a/1.png": png, "d/b/p.png": _member("d/b/p.png", tarfile.FIFOTYPE)})),
        ("absolute path", _tar({"/tmp/linclass-fuzz/a/1.png": png, "/tmp/x/b/1.png": png})),
        ("dot-dot path", _tar({"../../a/1.png": png, "../../b/1.png": png})),
        ("huge member header", _tar({"d/a/1.png": png, "d/b/2.png": _member(
            "d/b/2.png", tarfile.REGTYPE, size=1 << 40)})),
        ("10,000 empty members", _tar({f"d/{c}/{i}.png": b"" for c in "ab"
                                       for i in range(5000)})),
        ("gzip bomb: a member of zeros", _tar({"d/a/1.png": png, "d/b/z.png": bytes(
            (20 if quick else 200) << 20)})),
        ("not gzip", b"\x1f\x8b" + bytes(100)),
    ]
    npz = [("object array", _npz(X=np.zeros((1, 2, 2), np.uint8),
                                 y=np.array([None], dtype=object))),
           ("shape (10**12,) in a short member", _zip({"X.npy": _npy_header("|u1", (10**12,)),
                                                       "y.npy": _npy(np.zeros(1))})),
           ("structured dtype", _npz(X=np.zeros(2, dtype=[("a", "u1")]), y=np.zeros(2))),
           ("float images", _npz(X=np.zeros((2, 3, 3), np.float64), y=np.zeros(2))),
           ("negative shape", _zip({"X.npy": _npy_header("|u1", (-1,)), "y.npy": b""})),
           ("python code in the header", _zip({"X.npy": _npy_header("|u1", "__import__('os')")})),
           ("not a zip", b"PK\x03\x04" + bytes(60))]
    batches = [("pickle calling os.system", evil_pickle),
               ("labels out of range", _pickle({b"data": np.zeros((1, 3072), np.uint8),
                                                b"labels": [99]})),
               ("a list, not a dict", _pickle([1, 2, 3])),
               ("deep nesting", b"\x80\x02" + b"]" * 100000 + b".")]
    models = [("object metadata", _npz(metadata=np.array([{}], dtype=object))),
              ("png", png), ("text", b"a model, honestly"),
              ("npy not npz", _npy(np.zeros(3))),
              ("shape (10**12,) coef", _zip({"metadata.npy": _npy(np.array("{}")),
                                             "coef.npy": _npy_header("<f8", (10**12,))}))]
    features = [("object X", _npy(np.array([None, 1], dtype=object))),
                ("shape (10**12, 3) header", _npy_header("<f4", (10**12, 3), bytes(12))),
                ("int X", _npy(np.zeros((2, 3), np.int64)))]
    return {"image": lying + [("symlink-free junk", b"\x00" * 100)],
            "folder": lying[:2] + [("bomb in a folder", lying[3][1])],
            "archive": archives, "cifar batches": batches, "npz data": npz,
            "npy features": features, "model file": models}


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


# --------------------------------------------------------------------------- mutation
def mutate(data, rng):
    """A mutated copy of ``data``: one to four random edits (``rng``: ``random.Random``)."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        pos = rng.randrange(len(data)) if data else 0
        if op == 0 and data:  # flip a bit
            data[pos] ^= 1 << rng.randrange(8)
        elif op == 1 and data:  # an interesting byte
            data[pos] = rng.choice(_INTERESTING)
        elif op == 2:  # truncate
            del data[pos:]
        elif op == 3:  # insert random bytes
            data[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif op == 4 and data:  # duplicate a chunk
            end = min(len(data), pos + rng.randint(1, 64))
            data[pos:pos] = data[pos:end]
        elif op == 5 and len(data) > 8:  # overwrite 4 bytes with a big or small integer
            value = rng.choice((0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x10000, len(data)))
            data[pos:pos + 4] = value.to_bytes(4, rng.choice(("big", "little")))
    return bytes(data)


# --------------------------------------------------------------------------- readers
def _read_image(data, work):
    from linclass.data import read_image

    read_image(data)


def _folder(data, work):
    import linclass as lc

    png = _SEEDS()["image"][0]
    for label, content in (("a", png), ("b", data)):
        (work / "set" / label).mkdir(parents=True)
        (work / "set" / label / "1.png").write_bytes(content)
    (work / "set" / "a" / "2.png").write_bytes(png)
    lc.data.load(work / "set", image_size=(5, 6), skip_bad=bool(len(data) % 2))


def _archive(data, work):
    import linclass as lc

    (work / "x.tar.gz").write_bytes(data)
    lc.data.load(work / "x.tar.gz")


def _batches(data, work):
    import linclass as lc

    folder = work / "batches"
    folder.mkdir()
    seeds = _SEEDS()
    (folder / "batches.meta").write_bytes(seeds["meta"])
    for i in range(1, 6):
        (folder / f"data_batch_{i}").write_bytes(data if i == 3 else seeds["cifar batches"][0])
    (folder / "batches.meta").write_bytes(data if len(data) % 7 == 0 else seeds["meta"])
    lc.data.load(folder)


def _npz_data(data, work):
    import linclass as lc

    (work / "d.npz").write_bytes(data)
    lc.data.load(work / "d.npz")


def _npy_features(data, work):
    from linclass.data import load_features

    (work / "X.npy").write_bytes(data)
    (work / "y.npy").write_bytes(_npy(np.arange(4) % 2))
    features = load_features(work)
    np.asarray(features.X[:1])


def _model(data, work):
    import linclass as lc

    (work / "m.npz").write_bytes(data)
    lc.load(work / "m.npz")


#: reader name -> (function(data, work folder), seed key)
READERS = {"image": (_read_image, "image"), "folder": (_folder, "image"),
           "archive": (_archive, "archive"), "cifar batches": (_batches, "cifar batches"),
           "npz data": (_npz_data, "npz data"), "npy features": (_npy_features, "npy features"),
           "model file": (_model, "model file")}
_SEED_CACHE = {}


def _SEEDS():
    if not _SEED_CACHE:
        _SEED_CACHE.update({
            "image": seed_images(), "archive": [seed_archive(), _tar(
                {"a/1.jpg": seed_images()[4], "b/1.gif": seed_images()[5]}, "")],
            "cifar batches": [seed_batch()], "meta": seed_meta(), "npz data": [seed_npz()],
            "npy features": [_npy(np.arange(12, dtype=np.float32).reshape(4, 3))],
            "model file": [seed_model()]})
    return _SEED_CACHE


def seeds(reader):
    """The valid seed inputs of ``reader``."""
    return _SEEDS()[READERS[reader][1]]


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout


def _files(folder):
    return set(Path(folder).rglob("*"))


def run_one(reader, data, root):
    """Run ``reader`` on ``data`` in a fresh work folder under ``root`` (the cache being
    ``$LINCLASS_DATA``, also under ``root``); both are removed afterwards.

    Returns ``("loaded" | "refused" | "crash", detail)``; see the module docstring. Files
    that appear anywhere under ``root``'s parent outside the work folder and the cache are
    "stray" (a crash).
    """
    from linclass.errors import LinclassError

    work, cache = Path(tempfile.mkdtemp(dir=root)), Path(os.environ["LINCLASS_DATA"])
    before = _files(root.parent)
    cwd = os.getcwd()
    os.chdir(work)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT_S)
    try:
        READERS[reader][0](data, work)
        outcome = ("loaded", "")
    except LinclassError as error:
        message = str(error)
        outcome = ("refused", message) if message and "\n" not in message else \
            ("crash", f"multi-line or empty message: {message!r}")
    except _Timeout:
        outcome = ("crash", f"hang: over {TIME_LIMIT_S} s")
    except Exception as error:  # the point: anything else is a crash
        outcome = ("crash", f"{type(error).__name__}: {error}"[:300])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(cwd)
    stray = [p for p in _files(root.parent) - before
             if not (p.is_relative_to(work) or p.is_relative_to(cache))]
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    if stray:
        outcome = ("crash", f"wrote outside its folder: {sorted(map(str, stray))[:3]}")
    return outcome


def fuzz(reader, inputs, root):
    """Run every input; ``{"tried", "loaded", "refused", "crashes": [(label, detail)]}``."""
    stats = {"tried": 0, "loaded": 0, "refused": 0, "crashes": []}
    for label, data in inputs:
        kind, detail = run_one(reader, data, root)
        stats["tried"] += 1
        if kind == "crash":
            stats["crashes"].append((label, detail))
        else:
            stats[kind] += 1
    return stats


def mutated_inputs(reader, rng, count):
    """``count`` mutations of ``reader``'s seeds (label, bytes)."""
    pool = seeds(reader)
    for i in range(count):
        yield f"mutation {i}", mutate(rng.choice(pool), rng)


def _atheris_main(reader, runs):
    """Coverage-guided fuzzing of one reader (run in its own process by :func:`atheris_run`)."""
    import atheris

    with atheris.instrument_imports():
        import PIL.Image  # noqa: F401
        import PIL.PngImagePlugin  # noqa: F401

        import linclass.data  # noqa: F401
    from linclass.errors import LinclassError

    root = Path(tempfile.mkdtemp(prefix="linclass-atheris-"))
    os.environ["LINCLASS_DATA"] = str(root / "cache")
    corpus = root / "corpus"
    corpus.mkdir()
    for i, data in enumerate(seeds(reader)):
        (corpus / f"seed{i}").write_bytes(data)

    def target(data):
        work = Path(tempfile.mkdtemp(dir=root))
        try:
            READERS[reader][0](data, work)
        except LinclassError as error:
            assert "\n" not in str(error)

    atheris.Setup([sys.argv[0], f"-runs={runs}", f"-timeout={TIME_LIMIT_S}",
                   f"-rss_limit_mb={MEMORY_LIMIT >> 20}", "-seed=1", str(corpus)], target)
    atheris.Fuzz()


def atheris_run(reader, runs):
    """``(runs done, crashed?, last lines)`` of a coverage-guided run in a subprocess."""
    code = ("import sys; from benchmarks.bench_fuzz import _atheris_main; "
            f"_atheris_main({reader!r}, {runs})")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=3600)
    done = [line for line in proc.stderr.splitlines() if line.startswith("Done ")]
    n = int(done[-1].split()[1]) if done else 0
    return n, proc.returncode != 0, proc.stderr.strip().splitlines()[-3:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="mutation time per reader")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--atheris", type=int, default=0, metavar="RUNS",
                        help="also run atheris for RUNS inputs per reader (0: not)")
    args = parser.parse_args()
    load = os.getloadavg()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    root = Path(tempfile.mkdtemp(prefix="linclass-fuzz-")) / "work"
    root.mkdir()
    os.environ["LINCLASS_DATA"] = str(root / "cache")
    rng = random.Random(args.seed)
    rows, crashes, hostile = [], [], crafted()
    for reader in READERS:
        start = time.perf_counter()
        stats = fuzz(reader, hostile[reader] + [(f"seed {i}", s) for i, s in
                                                enumerate(seeds(reader))], root)
        crafted_tried = stats["tried"]
        while time.perf_counter() - start < args.seconds:
            more = fuzz(reader, mutated_inputs(reader, rng, 20), root)
            for key in ("tried", "loaded", "refused"):
                stats[key] += more[key]
            stats["crashes"] += more["crashes"]
        seconds = time.perf_counter() - start
        row = {"reader": reader, "crafted": crafted_tried, **stats, "seconds": seconds}
        if args.atheris:
            row["atheris_runs"], row["atheris_crashed"], row["atheris_tail"] = \
                atheris_run(reader, args.atheris)
        rows.append(row)
        crashes += [(reader, *c) for c in stats["crashes"]]
        print(json.dumps({k: v for k, v in row.items() if k != "crashes"}), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = ["# Fuzzing the readers", "",
             "Every input must load or be refused with a one-line `DataError`/"
             "`ModelFileError`, within "
             f"{TIME_LIMIT_S} s, under a {MEMORY_LIMIT >> 30} GiB address-space limit, writing "
             "nothing outside its folder and the cache. Crafted: hand-made hostile inputs "
             "(`benchmarks/bench_fuzz.py: crafted`); the rest are mutations of valid files "
             f"(seed {args.seed}).", "",
             "| reader | inputs tried | crafted + seeds | loaded | refused cleanly | crashes/hangs "
             "| seconds |" + (" atheris runs | atheris crash |" if args.atheris else ""),
             "|---|---:|---:|---:|---:|---:|---:|" + ("---:|---|" if args.atheris else "")]
    for r in rows:
        lines.append(f"| {r['reader']} | {r['tried']:,} | {r['crafted']} | {r['loaded']:,} | "
                     f"{r['refused']:,} | {len(r['crashes'])} | {r['seconds']:.0f} |"
                     + (f" {r['atheris_runs']:,} | {'yes' if r['atheris_crashed'] else 'no'} |"
                        if args.atheris else ""))
    lines += ["", f"Peak resident memory of the fuzzing process: {peak:.0f} MiB "
              "(the 1-gigapixel PNG bomb included). Pillow's libtiff prints a few diagnostics "
              "of its own on stderr for some corrupt TIFF mutations (C code, not an "
              "exception); those inputs are still refused cleanly.", ""]
    if crashes:
        lines += ["Crashes:", ""] + [f"- {r} / {label}: `{d}`" for r, label, d in crashes[:30]]
        lines.append("")
    if args.atheris:
        lines += ["atheris (libFuzzer, Pillow and linclass.data instrumented), last lines per "
                  "reader:", ""] + [f"- {r['reader']}: `{' / '.join(r['atheris_tail'])}`"
                                    for r in rows] + [""]
    lines += footer(load)
    write_results(RESULTS, "\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
