"""The cache: uint8 images, one file per entry, `linclass cache info|clear`, the size budget
with least-recently-used eviction."""

import json
import os
import time

import numpy as np
import pytest
from PIL import Image

import linclass as lc
from linclass.cli import cache as cache_cli
from linclass.cli._common import common_parser
from linclass.data import _store, cache_info, clear_cache
from linclass.errors import DataError
from linclass.features import FeaturePipeline


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("LINCLASS_DATA", str(root))
    monkeypatch.delenv("LINCLASS_CACHE_MAX", raising=False)
    return root


def folder(path, n=2, size=(8, 8), seed=0):
    rng = np.random.default_rng(seed)
    for label in ("a", "b"):
        (path / label).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(
                path / label / f"{i}.png")
    return path


def cli(argv, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    cache_cli.add_parser(parser.add_subparsers(), common_parser())
    args = parser.parse_args(argv)
    assert cache_cli.run(args) == 0
    return capsys.readouterr().out


def test_images_are_cached_as_uint8_in_one_file(cache, tmp_path):
    lc.data.load(folder(tmp_path / "s"))
    files = list((cache / "datasets").iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"
    with np.load(files[0], allow_pickle=False) as npz:
        assert npz["images"].dtype == np.uint8 and npz["images"].shape == (4, 8, 8, 3)


def test_raw_features_are_stored_as_uint8_and_read_back_as_float32(cache):
    images = np.random.default_rng(0).integers(0, 256, (1000, 4, 4, 3), dtype=np.uint8)
    pipe = FeaturePipeline.from_spec("raw", standardize="none")
    first = pipe.fit_transform(images)
    (entry,) = (cache / "features").glob("raw-*.npy")
    assert np.load(entry).dtype == np.uint8  # a quarter of float32's size
    again = pipe.transform(images)
    assert again.dtype == np.float32
    np.testing.assert_array_equal(again, first)
    floats = (images / np.float32(255)).astype(np.float32)
    pipe.transform(floats)
    (entry,) = set((cache / "features").glob("raw-*.npy")) - {entry}
    assert np.load(entry).dtype == np.float32  # not integers: kept as they are


def test_info_lists_entries_by_kind_and_clear_by_kind(cache, tmp_path, capsys):
    lc.data.load(folder(tmp_path / "s"))
    images = np.zeros((1000, 2, 2, 1), np.uint8)
    FeaturePipeline.from_spec("raw", standardize="none").fit_transform(images)
    (cache / "cifar-10-python.tar.gz").write_bytes(b"x" * 10)
    info = cache_info()
    assert info["root"] == str(cache) and info["budget_bytes"] is None
    assert {k: v["entries"] for k, v in info["kinds"].items()} == \
        {"images": 1, "features": 1, "downloads": 1}
    assert info["total_bytes"] == sum(e["bytes"] for e in info["entries"]) == \
        sum(f.stat().st_size for f in cache.rglob("*") if f.is_file())
    text = cli(["cache", "info"], capsys)
    assert "images: 1 entries" in text and "total:" in text
    assert json.loads(cli(["cache", "info", "--json"], capsys))["kinds"]["features"]["entries"] == 1
    out = json.loads(cli(["cache", "clear", "--kind", "features", "--json"], capsys))
    assert out["removed_entries"] == 1 and out["freed_bytes"] > 0
    assert not list((cache / "features").iterdir())
    assert cache_info()["kinds"]["images"]["entries"] == 1
    assert "removed 2 cache entries" in cli(["cache", "clear"], capsys)
    assert cache_info()["total_bytes"] == 0


def test_clear_older_than_uses_the_last_use(cache, tmp_path):
    lc.data.load(folder(tmp_path / "old", seed=1))
    lc.data.load(folder(tmp_path / "new", seed=2))
    (old, new) = sorted((cache / "datasets").iterdir(), key=os.path.getmtime)
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))
    os.utime(new, (ten_days_ago, ten_days_ago))
    lc.data.load(tmp_path / "new")  # a cache hit: used now
    old_bytes = old.stat().st_size
    assert clear_cache(older_than_days=5) == (1, old_bytes)
    assert not old.exists() and new.exists()
    with pytest.raises(ValueError, match="kind must be one of"):
        clear_cache(kind="pixels")


def test_budget_evicts_least_recently_used(cache, tmp_path, monkeypatch):
    for i in range(3):
        lc.data.load(folder(tmp_path / f"s{i}", size=(32, 32), seed=i))
        time.sleep(0.02)
    entries = _store.entries("images")
    one = entries[0].bytes
    lc.data.load(tmp_path / "s0")  # s0 is now the most recently used
    monkeypatch.setenv("LINCLASS_CACHE_MAX", str(int(2.5 * one)))
    lc.data.load(folder(tmp_path / "s3", size=(32, 32), seed=3))
    left = _store.entries("images")
    assert len(left) == 2 and cache_info()["total_bytes"] <= 2.5 * one
    survivors = {lc.data.load(tmp_path / f"s{i}").source for i in (0, 3)}
    assert len(survivors) == 2 and len(_store.entries("images")) == 2
    monkeypatch.setenv("LINCLASS_CACHE_MAX", "10")  # smaller than one entry: nothing kept
    lc.data.load(tmp_path / "s1")
    assert _store.entries("images") == []


@pytest.mark.parametrize("text, value", [("5G", 5 << 30), ("500M", 500 << 20), ("1.5k", 1536),
                                         ("2048", 2048), ("3GiB", 3 << 30)])
def test_budget_sizes(text, value):
    assert _store.parse_size(text) == value


def test_bad_budget_is_a_one_line_error(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("LINCLASS_CACHE_MAX", "lots")
    with pytest.raises(DataError, match="LINCLASS_CACHE_MAX must be a size such as 5G"):
        lc.data.load(folder(tmp_path / "s"))
