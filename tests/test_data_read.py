"""The one image reader: formats, depths, alpha, orientation, size; the same array in folder
loading (train, evaluate) and in ``linclass predict``."""

import io
import json

import numpy as np
import pytest
from PIL import Image

import linclass as lc
from linclass.classifier import LinearClassifier
from linclass.cli import main
from linclass.data import read_image, read_images
from linclass.data._decode import BACKGROUND, MAX_PIXELS
from linclass.errors import DataError
from linclass.features import FeaturePipeline
from linclass.image_classifier import ImageClassifier

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (6, 8, 3), dtype=np.uint8)  # H=6, W=8


def exif_jpeg(path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored image must be turned 90 degrees clockwise
    Image.fromarray(RGB).save(path, "JPEG", quality=95, exif=exif)
    stored = np.asarray(Image.open(path).convert("RGB"))
    return np.rot90(stored, k=-1)  # (8, 6, 3)


def png16(path):
    values = RNG.integers(0, 65536, (8, 6), dtype=np.uint16)
    Image.fromarray(values).save(path)  # a 16-bit grayscale PNG
    assert Image.open(path).mode.startswith("I")
    gray = np.rint(values * (255 / 65535)).astype(np.uint8)
    return np.repeat(gray[:, :, None], 3, axis=2)


def rgba_png(path):
    rgba = np.concatenate([RGB.transpose(1, 0, 2), RNG.integers(0, 256, (8, 6, 1),
                                                                dtype=np.uint8)], axis=2)
    Image.fromarray(rgba, "RGBA").save(path)
    alpha = rgba[..., 3:].astype(np.float32) / 255
    white = np.asarray(BACKGROUND, np.float32)
    return np.rint(alpha * rgba[..., :3] + (1 - alpha) * white).astype(np.uint8)


def palette_gif(path):
    image = Image.fromarray(RGB.transpose(1, 0, 2)).quantize(16)
    image.save(path)
    return np.asarray(image.convert("RGB"))


def cmyk_jpeg(path):
    Image.fromarray(RGB.transpose(1, 0, 2)).convert("CMYK").save(path, "JPEG", quality=95)
    with Image.open(path) as image:
        assert image.mode == "CMYK"
        return np.asarray(image.convert("RGB"))


KINDS = {"exif.jpg": exif_jpeg, "deep.png": png16, "alpha.png": rgba_png,
         "palette.gif": palette_gif, "cmyk.jpg": cmyk_jpeg}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """ROOT/a/<one file per kind>, ROOT/b/<the same>: every kind (8, 6) after reading."""
    root = tmp_path_factory.mktemp("kinds")
    expected = {}
    for label in ("a", "b"):
        (root / label).mkdir()
        for name, make in KINDS.items():
            expected[f"{label}/{name}"] = make(root / label / name)
    return root, expected


def test_every_kind_reads_as_expected(folder):
    root, expected = folder
    for rel, want in expected.items():
        got = read_image(root / rel)
        assert got.dtype == np.uint8 and got.shape[:2] == (8, 6), rel
        if want.shape[2] == 3 and got.shape[2] == 1:
            got = np.repeat(got, 3, axis=2)
        np.testing.assert_array_equal(got, want, err_msg=rel)


def test_16_bit_png_is_scaled_not_clipped(tmp_path):
    Image.fromarray(np.full((4, 4), 32768, np.uint16)).save(tmp_path / "mid.png")
    np.testing.assert_array_equal(read_image(tmp_path / "mid.png"), 128)  # not 255


def test_float_image_takes_0_to_1(tmp_path):
    values = np.array([[0.0, 0.5], [1.0, 2.0]], np.float32)
    Image.fromarray(values, "F").save(tmp_path / "f.tiff")
    np.testing.assert_array_equal(read_image(tmp_path / "f.tiff")[..., 0],
                                  [[0, 128], [255, 255]])


def test_folder_loading_and_predict_reading_give_the_same_arrays(folder):
    root, expected = folder
    ds = lc.data.load(root)
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.*"))
    assert ds.image_shape == (8, 6, 3)
    batch = read_images([root / n for n in names], size=(8, 6), channels=3)
    np.testing.assert_array_equal(batch.images, ds.images)
    for n, image in zip(names, ds.images, strict=True):
        np.testing.assert_array_equal(image, expected[n], err_msg=n)
    assert batch.read == tuple(root / n for n in names) and batch.skipped == ()


def test_a_64_folder_loads_at_32_with_the_same_filter(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(2):
            Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
                tmp_path / label / f"{i}.png")
    ds = lc.data.load(tmp_path, image_size=(32, 32))
    assert ds.image_shape == (32, 32, 3)
    one = read_image(tmp_path / "a" / "0.png", size=(32, 32))
    np.testing.assert_array_equal(ds.images[0], one)
    big = np.asarray(Image.open(tmp_path / "a" / "0.png"))
    np.testing.assert_array_equal(one, np.asarray(Image.fromarray(big).resize(
        (32, 32), Image.Resampling.BILINEAR)))


def test_channels_and_gray_images(tmp_path):
    Image.fromarray(RGB).save(tmp_path / "c.png")
    Image.fromarray(RGB[..., 0]).save(tmp_path / "g.png")
    assert read_image(tmp_path / "c.png", channels=1).shape == (6, 8, 1)
    np.testing.assert_array_equal(read_image(tmp_path / "c.png", channels=1)[..., 0],
                                  np.asarray(Image.fromarray(RGB).convert("L")))
    assert read_image(tmp_path / "g.png").shape == (6, 8, 1)
    np.testing.assert_array_equal(read_image(tmp_path / "g.png", channels=3),
                                  np.repeat(RGB[..., :1], 3, axis=2))
    mixed = read_images([tmp_path / "g.png", tmp_path / "c.png"])
    assert mixed.images.shape == (2, 6, 8, 3)


def test_bad_files_and_arguments(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"no image here")
    with pytest.raises(DataError, match=r"cannot read image .*bad\.png: not an image"):
        read_image(tmp_path / "bad.png")
    with pytest.raises(ValueError, match="size must be a pair"):
        read_image(tmp_path / "bad.png", size=(0, 3))
    with pytest.raises(ValueError, match="channels must be None, 1 or 3"):
        read_image(tmp_path / "bad.png", channels=2)
    Image.fromarray(RGB).save(tmp_path / "ok.png")
    with pytest.raises(DataError, match=r"bad\.png.*--skip-bad"):
        read_images([tmp_path / "ok.png", tmp_path / "bad.png"])
    batch = read_images([tmp_path / "ok.png", tmp_path / "bad.png"], skip_bad=True)
    assert len(batch.images) == 1 and batch.skipped[0][0] == tmp_path / "bad.png"
    with pytest.raises(DataError, match="none of the 1 images"):
        read_images([tmp_path / "bad.png"], skip_bad=True)


def test_pixel_limit_refuses_from_the_header():
    """A PNG header claiming 2**14 x 2**13 pixels (2x the limit) is refused before decoding."""
    buffer = io.BytesIO()
    Image.new("1", (1 << 14, 1 << 13)).save(buffer, "PNG")  # 134 Mpx, a few KB compressed
    assert buffer.tell() < 100_000 and (1 << 27) > MAX_PIXELS
    with pytest.raises(DataError, match="over the limit"):
        read_image(buffer.getvalue())


@pytest.fixture(scope="module")
def model_file(folder, tmp_path_factory):
    root, _ = folder
    ds = lc.data.load(root)
    pipeline = FeaturePipeline.from_spec("raw", cache=False)
    clf = LinearClassifier(epochs=2, random_state=0).fit(pipeline.fit_transform(ds.images),
                                                         ds.labels)
    model = ImageClassifier(pipeline, clf, ds.class_names, ds.image_shape)
    return lc.save(model, tmp_path_factory.mktemp("model") / "m.npz"), model, ds


def test_predict_scores_the_arrays_folder_loading_gives(folder, model_file, capsys):
    root, _ = folder
    path, model, ds = model_file
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.*"))
    assert main(["predict", "--model", str(path), "--top-k", "2", "--json",
                 *(str(root / n) for n in names)]) == 0
    out = json.loads(capsys.readouterr().out)
    scores = model.decision_function(ds.images)
    for i, p in enumerate(out["predictions"]):
        assert p["image"] == str(root / names[i])
        best = int(np.argmax(scores[i]))
        assert p["top"][0]["class"] == model.classes_[best]
        assert p["top"][0]["score"] == pytest.approx(float(scores[i, best]), rel=1e-6)


def test_predict_skip_bad_warns_per_file_and_keeps_the_batch(folder, model_file, tmp_path,
                                                             capsys):
    root, _ = folder
    path = str(model_file[0])
    good = str(root / "a" / "alpha.png")
    bad1, bad2 = tmp_path / "x.png", tmp_path / "y.jpg"
    bad1.write_bytes(b"junk")
    bad2.write_bytes((root / "a" / "exif.jpg").read_bytes()[:100])  # truncated
    assert main(["predict", "--model", path, good, str(bad1), str(bad2)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x.png" in err and "--skip-bad" in err
    assert main(["predict", "--model", path, "--json", "--skip-bad", good, str(bad1),
                 str(bad2)]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert [p["image"] for p in out["predictions"]] == [good]
    assert [s["image"] for s in out["skipped"]] == [str(bad1), str(bad2)]
    warnings = captured.err.strip().splitlines()
    assert len(warnings) == 2 and all("warning: skipping" in w for w in warnings)


def test_load_converts_channels_as_predict_reads(folder):
    """A grayscale model evaluates colour images the way predict reads them."""
    root, _ = folder
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.*"))
    gray = lc.data.load(root, image_size=(4, 3), channels=1)
    assert gray.image_shape == (4, 3, 1)
    batch = read_images([root / n for n in names], size=(4, 3), channels=1)
    np.testing.assert_array_equal(gray.images, batch.images)
    digits = lc.data.load("digits", image_size=(16, 16), channels=3)
    assert digits.image_shape == (16, 16, 3)
    np.testing.assert_array_equal(digits.images[..., 0], digits.images[..., 2])
    one = lc.data.load("digits", image_size=(16, 16)).images[0]
    np.testing.assert_array_equal(digits.images[0, ..., :1], one)
    with pytest.raises(ValueError, match="channels must be None, 1 or 3"):
        lc.data.load(root, channels=4)
