"""The real 50,000-image CIFAR-10 archive (skipped where ../shared is absent)."""

import tarfile

import numpy as np
import pytest

import linclass as lc

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")
PER_CLASS_SUBSET = 200


@pytest.fixture(scope="module")
def real(cifar_archive):
    return lc.data.load(cifar_archive)


def test_real_archive_shape_counts_and_class_order(real):
    assert real.images.shape == (50_000, 32, 32, 3) and real.images.dtype == np.uint8
    assert real.labels.dtype == np.int64
    assert real.class_names == CIFAR10_CLASSES
    np.testing.assert_array_equal(np.bincount(real.labels), [5000] * 10)
    # real photographs: every class spans (nearly) the whole intensity range
    assert real.images.min() == 0 and real.images.max() == 255


def test_unpacked_folder_gives_the_same_images(real, cifar_archive, tmp_path):
    """A subset unpacked (with the data filter) to a folder decodes to the archive's rows."""
    with tarfile.open(cifar_archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        by_class = {}
        for m in sorted(members, key=lambda m: m.name):
            by_class.setdefault(m.name.split("/")[1], []).append(m)
        chosen = {m.name for ms in by_class.values() for m in ms[:PER_CLASS_SUBSET]}
        # in archive order: a gzip stream only reads forward cheaply
        tar.extractall(tmp_path, members=[m for m in members if m.name in chosen],
                       filter="data")
    folder = lc.data.load(tmp_path)  # holds train/<class>/: the split folder is found
    assert folder.class_names == CIFAR10_CLASSES
    rows = np.concatenate([np.flatnonzero(real.labels == k)[:PER_CLASS_SUBSET]
                           for k in range(10)])
    np.testing.assert_array_equal(folder.labels, real.labels[rows])
    np.testing.assert_array_equal(folder.images, real.images[rows])


def test_second_load_is_served_from_the_cache(real, cifar_archive):
    again = lc.data.load(cifar_archive)
    np.testing.assert_array_equal(again.images, real.images)
    np.testing.assert_array_equal(again.labels, real.labels)


def test_default_split_of_cifar_size_data(real):
    train_idx, val_idx = lc.data.train_val_split(real.labels,
                                                 lc.data.default_val_size(len(real)), seed=0)
    assert (len(train_idx), len(val_idx)) == (49_000, 1_000)
    np.testing.assert_array_equal(np.bincount(real.labels[val_idx]), [100] * 10)
