"""lc.data.load on digits, .npz, image folders and their archives: content, errors, cache."""

import io
import os
import tarfile

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

import linclass as lc
from linclass.data import _cache
from linclass.errors import DataError


def write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def make_folder(root, counts, size=(6, 5), seed=0):
    """ROOT/<class>/<i>.png with random RGB images; returns {class: [arrays in name order]}."""
    rng = np.random.default_rng(seed)
    expected = {}
    for name, n in counts.items():
        expected[name] = []
        for i in range(n):
            image = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            write_png(root / name / f"{i:03d}.png", image)
            expected[name].append(image)
    return expected


def make_tar(folder, out, arcname="data"):
    with tarfile.open(out, "w:gz") as tar:
        tar.add(folder, arcname=arcname)
    return out


def test_digits_are_sklearns_images_scaled_to_uint8():
    ds = lc.data.load("digits")
    ref = load_digits()
    assert ds.images.shape == (1797, 8, 8, 1) and ds.images.dtype == np.uint8
    np.testing.assert_array_equal(ds.images[..., 0], np.rint(ref.images * 255 / 16))
    np.testing.assert_array_equal(ds.labels, ref.target)
    assert ds.labels.dtype == np.int64
    assert ds.class_names == tuple("0123456789") and ds.n_classes == 10
    assert len(ds) == 1797 and ds.image_shape == (8, 8, 1)


def test_default_source_is_digits():
    assert len(lc.data.load()) == 1797


def test_image_folder_pixels_labels_and_sorted_classes(tmp_path):
    expected = make_folder(tmp_path / "set", {"zebra": 3, "ant": 2, "moth": 4})
    ds = lc.data.load(tmp_path / "set")
    assert ds.class_names == ("ant", "moth", "zebra")
    assert ds.images.shape == (9, 6, 5, 3)
    np.testing.assert_array_equal(ds.labels, [0, 0, 1, 1, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(
        ds.images, np.stack(expected["ant"] + expected["moth"] + expected["zebra"]))


def test_archive_equals_folder_and_other_files_are_ignored(tmp_path):
    make_folder(tmp_path / "set", {"a": 3, "b": 2})
    (tmp_path / "set" / "a" / "notes.txt").write_text("not an image")
    (tmp_path / "set" / "README").write_text("top-level file")
    from_folder = lc.data.load(tmp_path / "set")
    for suffix, mode in ((".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar", "w")):
        out = tmp_path / f"set{suffix}"
        with tarfile.open(out, mode) as tar:
            tar.add(tmp_path / "set", arcname="wrapped")
        from_archive = lc.data.load(out)
        np.testing.assert_array_equal(from_archive.images, from_folder.images)
        np.testing.assert_array_equal(from_archive.labels, from_folder.labels)
        assert from_archive.class_names == from_folder.class_names


def test_split_folders_choose_train_or_test(tmp_path):
    make_folder(tmp_path / "set" / "train", {"a": 2, "b": 2}, seed=1)
    make_folder(tmp_path / "set" / "test", {"a": 1, "b": 1}, seed=2)
    assert len(lc.data.load(tmp_path / "set")) == 4
    assert len(lc.data.load(tmp_path / "set", split="train")) == 4
    assert len(lc.data.load(tmp_path / "set", split="test")) == 2
    make_folder(tmp_path / "only" / "train", {"a": 1, "b": 1})
    with pytest.raises(DataError, match="no 'test' folder"):
        lc.data.load(tmp_path / "only", split="test")


def test_grayscale_set_stays_single_channel_and_mixed_set_becomes_rgb(tmp_path):
    gray = np.arange(30, dtype=np.uint8).reshape(6, 5)
    write_png(tmp_path / "g" / "a" / "1.png", gray)
    write_png(tmp_path / "g" / "b" / "1.png", gray[::-1])
    ds = lc.data.load(tmp_path / "g")
    assert ds.image_shape == (6, 5, 1)
    np.testing.assert_array_equal(ds.images[0, :, :, 0], gray)
    write_png(tmp_path / "g" / "c" / "1.png", np.zeros((6, 5, 3), np.uint8))
    ds = lc.data.load(tmp_path / "g")
    assert ds.image_shape == (6, 5, 3)
    for c in range(3):  # grey broadcasts to R = G = B, as PIL's L -> RGB conversion
        np.testing.assert_array_equal(ds.images[0, :, :, c], gray)


def test_palette_and_rgba_images_become_rgb(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    Image.fromarray(rgb).convert("RGBA").save(tmp_path / "x.png")
    (tmp_path / "s" / "a").mkdir(parents=True)
    Image.fromarray(rgb).save(tmp_path / "s" / "a" / "1.bmp")
    Image.fromarray(rgb).convert("RGBA").save(tmp_path / "s" / "a" / "2.png")
    Image.fromarray(rgb).quantize(256).save(tmp_path / "s" / "a" / "3.gif")
    ds = lc.data.load(tmp_path / "s")
    assert ds.image_shape == (4, 4, 3)
    np.testing.assert_array_equal(ds.images[0], rgb)
    np.testing.assert_array_equal(ds.images[1], rgb)
    quantized = np.asarray(Image.fromarray(rgb).quantize(256).convert("RGB"))
    np.testing.assert_array_equal(ds.images[2], quantized)


def test_exif_orientation_is_applied(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)  # H=4, W=6
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation 6: the stored image must be turned 90 degrees clockwise
    (tmp_path / "s" / "a").mkdir(parents=True)
    Image.fromarray(image).save(tmp_path / "s" / "a" / "1.png", exif=exif)
    ds = lc.data.load(tmp_path / "s")
    np.testing.assert_array_equal(ds.images[0], np.rot90(image, k=-1))


def test_mixed_sizes_error_unless_image_size(tmp_path):
    write_png(tmp_path / "s" / "a" / "big.png", np.zeros((8, 8, 3), np.uint8))
    write_png(tmp_path / "s" / "b" / "small.png", np.full((4, 6, 3), 200, np.uint8))
    with pytest.raises(DataError, match=r"differ in size.*8x8.*4x6.*--image-size"):
        lc.data.load(tmp_path / "s")
    ds = lc.data.load(tmp_path / "s", image_size=(5, 7))
    assert ds.image_shape == (5, 7, 3)
    np.testing.assert_array_equal(ds.images[1], 200)  # a constant image stays constant


def test_image_size_resizes_array_sources():
    ds = lc.data.load("digits", image_size=(16, 16))
    assert ds.images.shape == (1797, 16, 16, 1)
    assert lc.data.load("digits", image_size=(8, 8)).images.shape == (1797, 8, 8, 1)


@pytest.mark.parametrize("bad", ["corrupt", "truncated"])
def test_bad_image_names_the_file_and_skip_bad_counts(tmp_path, bad):
    make_folder(tmp_path / "s", {"a": 2, "b": 2})
    good = (tmp_path / "s" / "a" / "000.png").read_bytes()
    payload = b"this is not a PNG" if bad == "corrupt" else good[: len(good) // 2]
    (tmp_path / "s" / "b" / "zz_bad.png").write_bytes(payload)
    with pytest.raises(DataError, match=r"zz_bad\.png.*--skip-bad"):
        lc.data.load(tmp_path / "s")
    ds = lc.data.load(tmp_path / "s", skip_bad=True)
    assert len(ds) == 4 and len(ds.skipped) == 1 and ds.skipped[0].endswith("zz_bad.png")


def test_decompression_bomb_guard_stays_on(tmp_path, monkeypatch):
    make_folder(tmp_path / "s", {"a": 1, "b": 1}, size=(40, 40))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 40*40 > 2 * 100: an error
    with pytest.raises(DataError, match="DecompressionBomb"):
        lc.data.load(tmp_path / "s")


@pytest.mark.parametrize("layout, message", [
    ({}, "no images found"),
    ({"x.png": 1}, "no class folders"),
    ({"a/1.png": 1, "b/readme.txt": 0}, "class folder 'b'.*has no images"),
    ({"a/1.png": 1, "empty/": 0}, "class folder 'empty'.*has no images"),
])
def test_folder_layout_errors(tmp_path, layout, message):
    root = tmp_path / "s"
    root.mkdir()
    for name in layout:
        if name.endswith("/"):
            (root / name).mkdir(parents=True)
        elif name.endswith(".png"):
            write_png(root / name, np.zeros((2, 2, 3), np.uint8))
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("text")
    with pytest.raises(DataError, match=message):
        lc.data.load(root)


def test_missing_source_and_unknown_file_type(tmp_path):
    with pytest.raises(DataError, match="not found.*'digits', 'cifar10'"):
        lc.data.load(tmp_path / "nowhere")
    (tmp_path / "x.csv").write_text("1,2")
    with pytest.raises(DataError, match=r"must be \.npz, \.tar"):
        lc.data.load(tmp_path / "x.csv")


@pytest.mark.parametrize("kwargs, name", [
    ({"split": "val"}, "split"), ({"image_size": (0, 4)}, "image_size"),
    ({"image_size": 32}, "image_size")])
def test_bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        lc.data.load("digits", **kwargs)


def test_npz_source(tmp_path):
    X = np.random.default_rng(0).integers(0, 256, (5, 3, 4), dtype=np.uint8)
    np.savez(tmp_path / "a.npz", X=X, y=np.array([0, 2, 1, 2, 0]),
             class_names=np.array(["cat", "dog", "eel"]))
    ds = lc.data.load(tmp_path / "a.npz")
    assert ds.images.shape == (5, 3, 4, 1) and ds.class_names == ("cat", "dog", "eel")
    np.testing.assert_array_equal(ds.images[..., 0], X)
    np.testing.assert_array_equal(ds.labels, [0, 2, 1, 2, 0])
    np.savez(tmp_path / "b.npz", X=X, y=np.array([7, 3, 3, 9, 7]))  # names from the values
    ds = lc.data.load(tmp_path / "b.npz")
    assert ds.class_names == ("3", "7", "9")
    np.testing.assert_array_equal(ds.labels, [1, 0, 0, 2, 1])


@pytest.mark.parametrize("arrays, message", [
    ({"X": np.zeros((2, 3, 3), np.float32), "y": np.zeros(2, int)}, "X must be uint8"),
    ({"X": np.zeros((2, 3, 3), np.uint8)}, "must hold arrays 'X' and 'y'"),
    ({"X": np.zeros((2, 3, 3), np.uint8), "y": np.zeros(3, int)}, r"y must have shape \(2,\)"),
    ({"X": np.zeros((2, 3, 3), np.uint8), "y": np.array([0, 5]),
      "class_names": np.array(["a", "b"])}, r"class indices in \[0, 2\)"),
    ({"X": np.zeros((2, 3, 3), np.uint8), "y": np.array([0, None], dtype=object)},
     "object arrays never are"),
])
def test_npz_errors(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=message):
        lc.data.load(tmp_path / "bad.npz")


def test_tar_member_escaping_the_archive_is_refused(tmp_path):
    out = tmp_path / "evil.tar.gz"
    png = io.BytesIO()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(png, format="PNG")
    with tarfile.open(out, "w:gz") as tar:
        for name in ("set/a/1.png", "../escape.png"):
            info = tarfile.TarInfo(name)
            info.size = len(png.getvalue())
            tar.addfile(info, io.BytesIO(png.getvalue()))
    with pytest.raises(DataError, match=r"refusing to read .*'\.\./escape\.png'"):
        lc.data.load(out)
    assert not (tmp_path.parent / "escape.png").exists()


def test_tar_symlink_out_of_the_archive_is_refused(tmp_path):
    out = tmp_path / "link.tar"
    with tarfile.open(out, "w") as tar:
        info = tarfile.TarInfo("set/a/1.png")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(DataError, match="refusing to read"):
        lc.data.load(out)


def cache_files():
    return sorted((_cache.cache_dir() / "datasets").glob("*"))


def test_second_load_comes_from_the_cache_and_a_changed_folder_is_not_stale(tmp_path):
    make_folder(tmp_path / "s", {"a": 2, "b": 2})
    before = cache_files()
    first = lc.data.load(tmp_path / "s")
    entry = cache_files()
    assert [p.suffix for p in set(entry) - set(before)] == [".npz"]  # one file per entry
    again = lc.data.load(tmp_path / "s")
    np.testing.assert_array_equal(again.images, first.images)
    assert cache_files() == entry
    new = np.full((6, 5, 3), 7, np.uint8)
    write_png(tmp_path / "s" / "b" / "000.png", new)  # same name, new content
    os.utime(tmp_path / "s" / "b" / "000.png", ns=(1, 1))  # even with an old mtime
    changed = lc.data.load(tmp_path / "s")
    np.testing.assert_array_equal(changed.images[2], new)


def test_changed_archive_is_not_stale(tmp_path):
    make_folder(tmp_path / "s", {"a": 2, "b": 2})
    make_tar(tmp_path / "s", tmp_path / "s.tar.gz")
    before = lc.data.load(tmp_path / "s.tar.gz")
    write_png(tmp_path / "s" / "a" / "000.png", np.zeros((6, 5, 3), np.uint8))
    make_tar(tmp_path / "s", tmp_path / "s.tar.gz")
    after = lc.data.load(tmp_path / "s.tar.gz")
    assert before.images[0].any() and not after.images[0].any()


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_damaged_cache_entry_is_rebuilt(tmp_path, damage):
    make_folder(tmp_path / "s", {"a": 3, "b": 2}, seed=5)
    make_tar(tmp_path / "s", tmp_path / "s.tar.gz")
    first = lc.data.load(tmp_path / "s.tar.gz")
    entry = _cache.key(kind="archive", digest=_cache.file_digest(tmp_path / "s.tar.gz"),
                       split=None, image_size=None, channels=None, skip_bad=False)
    images_path = _cache.path(entry)
    data = images_path.read_bytes()
    pixel = data.index(first.images.tobytes()) + 5  # stored as they are: one pixel's byte
    if damage == "truncate":
        images_path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        images_path.write_bytes(data[:pixel] + bytes([data[pixel] ^ 0xFF]) + data[pixel + 1:])
    else:
        images_path.unlink()
    assert _cache.load(entry) is None
    again = lc.data.load(tmp_path / "s.tar.gz")
    np.testing.assert_array_equal(again.images, first.images)
    assert _cache.load(entry) is not None  # rebuilt
    assert not list(images_path.parent.glob(".*.tmp"))  # no temporary files left behind


def test_dataset_subset_and_validation():
    ds = lc.data.load("digits")
    sub = ds.subset([3, 1, 4])
    np.testing.assert_array_equal(sub.images, ds.images[[3, 1, 4]])
    assert sub.class_names == ds.class_names and sub.source == ds.source
    with pytest.raises(ValueError, match="labels must be class indices"):
        lc.data.Dataset(ds.images[:2], np.array([0, 10]), ds.class_names, "x")
    with pytest.raises(ValueError, match="images must be a uint8 array"):
        lc.data.Dataset(ds.images[:2].astype(float), ds.labels[:2], ds.class_names, "x")


def test_many_images_decode_on_the_pool_in_order_with_progress(tmp_path):
    """More than one chunk (1,000 images) goes through the worker processes."""
    rng = np.random.default_rng(7)
    counts = {"a": 700, "b": 650, "c": 750}
    pngs, expected = {}, []
    for name, n in counts.items():
        for i in range(n):
            image = rng.integers(0, 256, (3, 4, 3), dtype=np.uint8)
            buffer = io.BytesIO()
            Image.fromarray(image).save(buffer, format="PNG")
            pngs[f"set/{name}/{i:04d}.png"] = buffer.getvalue()
            expected.append(image)
    out = tmp_path / "many.tar"
    with tarfile.open(out, "w") as tar:
        for member in sorted(pngs, reverse=True):  # archive order differs from class order
            info = tarfile.TarInfo(member)
            info.size = len(pngs[member])
            tar.addfile(info, io.BytesIO(pngs[member]))
    calls = []
    ds = lc.data.load(out, progress=lambda done, total: calls.append((done, total)))
    np.testing.assert_array_equal(ds.images, np.stack(expected))
    np.testing.assert_array_equal(np.bincount(ds.labels), [700, 650, 750])
    assert calls[-1] == (2100, 2100)
    assert all(a[0] < b[0] for a, b in zip(calls, calls[1:], strict=False))
