"""Datasets: one ``load`` for every source, stratified splits, toy 2-D sets.

>>> import linclass as lc
>>> ds = lc.data.load("digits")
>>> train_idx, val_idx = lc.data.train_val_split(ds.labels, 0.1, seed=0)
>>> len(train_idx), len(val_idx)
(1617, 180)
"""

from linclass.data import toy
from linclass.data._dataset import Dataset
from linclass.data._decode import ImageBatch, read_image, read_images
from linclass.data._load import load
from linclass.data._store import cache_dir, cache_info, clear_cache
from linclass.data.features import Features, is_feature_source, load_features
from linclass.data.splits import default_val_size, dev_subset, train_val_split

__all__ = [
    "Dataset",
    "Features",
    "ImageBatch",
    "cache_dir",
    "cache_info",
    "clear_cache",
    "default_val_size",
    "dev_subset",
    "is_feature_source",
    "load",
    "load_features",
    "read_image",
    "read_images",
    "toy",
    "train_val_split",
]
