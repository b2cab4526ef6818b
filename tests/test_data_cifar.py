"""CIFAR-10 python batches: official layout read back pixel-exact and safely; cifar10."""

import os
import pickle
import tarfile

import numpy as np
import pytest

import linclass as lc
from linclass.data import _cifar10
from linclass.errors import DataError

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
PER_BATCH = 20


def official_rows(images):
    """(N, 32, 32, 3) -> (N, 3072): R, G and B planes of 1,024 bytes each, row-major,
    written with explicit loops over the layout, independent of the loader's reshape."""
    rows = np.empty((len(images), 3072), dtype=np.uint8)
    for n, image in enumerate(images):
        for c in range(3):
            for r in range(32):
                rows[n, c * 1024 + r * 32: c * 1024 + (r + 1) * 32] = image[r, :, c]
    return rows


def write_batches(folder, protocol=2, seed=0):
    """The official cifar-10-batches-py layout; returns {batch name: (images, labels)}."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, (PER_BATCH, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, PER_BATCH).tolist()
        batch = {b"batch_label": name.encode(), b"labels": labels,
                 b"data": official_rows(images),
                 b"filenames": [f"img_{i}.png".encode() for i in range(PER_BATCH)]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=protocol))
        written[name] = (images, np.array(labels))
    meta = {b"num_cases_per_batch": PER_BATCH, b"label_names": [n.encode() for n in NAMES],
            b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=protocol))
    return written


def expected(written, split):
    names = ["test_batch"] if split == "test" else [f"data_batch_{i}" for i in range(1, 6)]
    return (np.concatenate([written[n][0] for n in names]),
            np.concatenate([written[n][1] for n in names]))


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    root = tmp_path_factory.mktemp("cifar")
    written = write_batches(root / "cifar-10-batches-py")
    with tarfile.open(root / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(root / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    return root, written


@pytest.mark.parametrize("form", ["directory", "parent", "archive"])
@pytest.mark.parametrize("split", [None, "train", "test"])
def test_batches_load_back_pixel_exact(batches, form, split):
    root, written = batches
    source = {"directory": root / "cifar-10-batches-py", "parent": root,
              "archive": root / "cifar-10-python.tar.gz"}[form]
    ds = lc.data.load(source, split=split)
    images, labels = expected(written, split)
    assert ds.images.dtype == np.uint8 and ds.images.shape == (len(labels), 32, 32, 3)
    np.testing.assert_array_equal(ds.images, images)
    np.testing.assert_array_equal(ds.labels, labels)
    assert ds.class_names == tuple(NAMES)
    assert "MD5 verified" not in ds.source  # these are not the official files


@pytest.mark.parametrize("protocol", [4, 5])
def test_newer_pickle_protocols_load_too(tmp_path, protocol):
    written = write_batches(tmp_path / "b", protocol=protocol, seed=protocol)
    ds = lc.data.load(tmp_path / "b", split="test")
    np.testing.assert_array_equal(ds.images, written["test_batch"][0])


class RunsCommand:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


class OpensFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, "w")


@pytest.mark.parametrize("payload, forbidden", [
    (lambda target: RunsCommand(f"touch {target}"), f"{os.system.__module__}.system"),
    (lambda target: OpensFile(str(target)), f"{open.__module__}.open"),
])
@pytest.mark.parametrize("form", ["directory", "archive"])
def test_crafted_batch_is_refused_and_nothing_runs(tmp_path, payload, forbidden, form):
    folder = tmp_path / "cifar-10-batches-py"
    write_batches(folder)
    target = tmp_path / "pwned"
    evil = {b"data": np.zeros((1, 3072), np.uint8), b"labels": [payload(target)]}
    (folder / "data_batch_1").write_bytes(pickle.dumps(evil, protocol=2))
    source = folder
    if form == "archive":
        source = tmp_path / "evil.tar.gz"
        with tarfile.open(source, "w:gz") as tar:
            tar.add(folder, arcname="cifar-10-batches-py")
    with pytest.raises(DataError, match=rf"refusing to load .*data_batch_1.*{forbidden}"):
        lc.data.load(source)
    assert not target.exists()


def test_unsafe_codecs_call_is_refused(tmp_path):
    write_batches(tmp_path)
    # a protocol-2 pickle of _codecs.encode with a codec other than latin-1
    evil = (b"\x80\x02c_codecs\nencode\nq\x00X\x01\x00\x00\x00aX\x05\x00\x00\x00rot13"
            b"\x86R}q\x01.")
    (tmp_path / "data_batch_2").write_bytes(evil)
    with pytest.raises(DataError, match="data_batch_2 is not a readable CIFAR-10 batch"):
        lc.data.load(tmp_path)


@pytest.mark.parametrize("change, message", [
    (lambda b: b.update({b"data": np.zeros((PER_BATCH, 3000), np.uint8)}),
     r"'data' must be a uint8 array \(N, 3072\)"),
    (lambda b: b.update({b"data": b"raw bytes"}), "'data' must be a uint8 array"),
    (lambda b: b.update({b"labels": [0] * (PER_BATCH - 1)}), "'labels' must be a list of 20"),
    (lambda b: b.update({b"labels": [10] * PER_BATCH}), r"labels must lie in \[0, 10\)"),
])
def test_batch_structure_is_checked(tmp_path, change, message):
    write_batches(tmp_path)
    batch = pickle.loads((tmp_path / "data_batch_3").read_bytes())
    change(batch)
    (tmp_path / "data_batch_3").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DataError, match=message):
        lc.data.load(tmp_path)


def test_missing_batch_is_named(tmp_path):
    write_batches(tmp_path)
    (tmp_path / "data_batch_4").unlink()
    with pytest.raises(DataError, match="has no data_batch_4"):
        lc.data.load(tmp_path)
    assert len(lc.data.load(tmp_path, split="test")) == PER_BATCH


def test_cifar10_offline_says_where_to_put_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LINCLASS_DATA", str(tmp_path))
    monkeypatch.setattr(_cifar10, "URL", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    where = tmp_path / "cifar-10-python.tar.gz"
    with pytest.raises(DataError, match=rf"cannot download .*put cifar-10-python\.tar\.gz "
                                        rf"\(MD5 c58f30108f718f92721af3b95e74349a\) at {where}"):
        lc.data.load("cifar10")
    assert not list(tmp_path.iterdir())  # no partial download left behind


def test_cifar10_archive_with_wrong_md5_is_refused(tmp_path, monkeypatch, batches):
    monkeypatch.setenv("LINCLASS_DATA", str(tmp_path))
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(
        (batches[0] / "cifar-10-python.tar.gz").read_bytes())
    with pytest.raises(DataError, match="not the official CIFAR-10 archive"):
        lc.data.load("cifar10")


def test_cifar10_cache_folder_must_hold_the_official_files(tmp_path, monkeypatch):
    monkeypatch.setenv("LINCLASS_DATA", str(tmp_path))
    write_batches(tmp_path / "cifar-10-batches-py")
    with pytest.raises(DataError, match="differs from the official CIFAR-10 file"):
        lc.data.load("cifar10")
