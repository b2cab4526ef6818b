"""Image features for linear classifiers: raw pixels, colour histograms, HOG, bag of words.

Names for ``--features`` are the keys of :data:`FEATURES`; ``"hog+hsv"`` concatenates
extractors (:class:`FeaturePipeline`).

The extractor protocol
----------------------
Every extractor (a class in :data:`FEATURES`) has

- ``name`` : str, its key in :data:`FEATURES`;
- ``fit(images, rng=None) -> self`` : learn from training images (a no-op returning ``self``
  for stateless extractors); ``rng`` is a seed or :class:`numpy.random.Generator`;
- ``transform(images, progress=None) -> (N, F) float32``; ``progress(n_done, n_total)``,
  if given, is called as batches of images are done (as in :func:`linclass.data.load`);
- ``params() -> dict`` : its settings, JSON-able, the keyword arguments of its constructor;
- ``arrays() -> dict`` of numpy arrays it learned (empty for stateless extractors);
- ``from_state(params, arrays)`` (classmethod) : rebuild it, fitted, from the two above.

Images are ``(N, H, W, C)`` arrays with ``C = 1`` or ``3``, uint8 as :func:`linclass.data.load`
gives them (float32/float64 also accepted).
"""

from linclass.features._base import Extractor
from linclass.features._bow import BagOfWords
from linclass.features._color import (
    ColorHistogram,
    HSVHistogram,
    JointColorHistogram,
    PyramidColorHistogram,
    RGBHistogram,
    color_histogram,
    rgb_to_hsv,
)
from linclass.features._hog import HOGFeatures, hog
from linclass.features._pipeline import STANDARDIZE, FeaturePipeline
from linclass.features._polar import polar
from linclass.features._raw import RawPixels
from linclass.features._registry import FEATURES
from linclass.features.kmeans import KMeansFeatures

__all__ = [
    "FEATURES",
    "STANDARDIZE",
    "BagOfWords",
    "ColorHistogram",
    "Extractor",
    "FeaturePipeline",
    "HOGFeatures",
    "HSVHistogram",
    "JointColorHistogram",
    "KMeansFeatures",
    "PyramidColorHistogram",
    "RGBHistogram",
    "RawPixels",
    "color_histogram",
    "hog",
    "polar",
    "rgb_to_hsv",
]
