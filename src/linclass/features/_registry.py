"""The feature extractors by name, imported on first use."""

import importlib
from collections.abc import Mapping


class LazyRegistry(Mapping):
    """A read-only ``{name: class}`` mapping whose classes are imported when looked up."""

    def __init__(self, locations):
        self._locations = dict(locations)  # name -> "module:Class"

    def __getitem__(self, name):
        module, _, attr = self._locations[name].partition(":")
        return getattr(importlib.import_module(module), attr)

    def __iter__(self):
        return iter(self._locations)

    def __len__(self):
        return len(self._locations)


#: ``--features`` names. Each class follows the extractor protocol of :mod:`linclass.features`.
FEATURES = LazyRegistry({
    "raw": "linclass.features._raw:RawPixels",
    "hog": "linclass.features._hog:HOGFeatures",
    "color": "linclass.features._color:ColorHistogram",
    "hsv": "linclass.features._color:HSVHistogram",
    "rgb": "linclass.features._color:RGBHistogram",
    "color3d": "linclass.features._color:JointColorHistogram",
    "pyramid": "linclass.features._color:PyramidColorHistogram",
    "bow": "linclass.features._bow:BagOfWords",
    # Learned single-layer features (Coates et al. 2011), by the k-means helper:
    "kmeans": "linclass.features.kmeans:KMeansFeatures",
})
