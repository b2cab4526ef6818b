"""Feature pipelines: extractors named by a spec ("hog+hsv"), concatenated, standardized."""

import numpy as np

from linclass import preprocessing
from linclass._validation import fail, resolve
from linclass.errors import check_fitted
from linclass.features._base import check_images
from linclass.features._cache import CACHE_MIN_IMAGES, cached_transform, digest_images
from linclass.features._registry import FEATURES

#: What is fitted on the training features and applied to every feature row:
#: ``"feature"`` ``(x - mean) / std`` per feature (:class:`linclass.preprocessing.Standardize`),
#: ``"mean"`` ``x - mean`` only (:class:`linclass.preprocessing.MeanImage`, CS231n's mean
#: image for raw pixels), ``"none"`` nothing.
STANDARDIZE = {"feature": preprocessing.Standardize, "mean": preprocessing.MeanImage,
               "none": None}


class FeaturePipeline:
    """Extractors applied in order, their features concatenated and standardized.

    ``x -> (x - mean) / scale`` with ``mean`` (F,) and ``scale`` (F,) fitted on the training
    features only (``fit_transform``) and stored with the model (``to_state``); see
    :data:`STANDARDIZE`.

    Parameters
    ----------
    extractors : sequence of extractors
        Objects following the protocol of :mod:`linclass.features`.
    standardize : {"feature", "mean", "none"}
        See :data:`STANDARDIZE`.
    cache : bool
        Read and write extracted features in the on-disk cache (:mod:`._cache`) for batches
        of at least ``CACHE_MIN_IMAGES`` images.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.random.default_rng(0).integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)
    >>> pipe = FeaturePipeline.from_spec("raw", cache=False)
    >>> pipe.fit_transform(images).shape == (20, pipe.n_features)
    True
    """

    def __init__(self, extractors, standardize="feature", cache=True):
        self.extractors = list(extractors)
        if not self.extractors:
            raise fail("extractors", "at least one feature extractor", "none")
        resolve("standardize", standardize, STANDARDIZE)
        self.standardize = standardize
        self.cache = bool(cache)
        self.n_features_ = None
        self.scaler_ = None

    @classmethod
    def from_spec(cls, spec, *, standardize="feature", cache=True, **extractor_params):
        """A pipeline from names joined by ``+`` (``"hog+hsv"``).

        ``extractor_params`` maps an extractor name to a dict of its settings, e.g.
        ``from_spec("hog+hsv", hog={"orientations": 12})``.
        """
        if not isinstance(spec, str) or not spec.strip():
            raise fail("features", "names joined by '+', such as 'hog+hsv'", repr(spec))
        names = [name.strip() for name in spec.split("+")]
        if len(set(names)) != len(names):
            raise fail("features", "names without repeats", repr(spec))
        unknown = set(extractor_params) - set(names)
        if unknown:
            raise fail("extractor settings", f"for extractors in {spec!r}",
                       f"settings for {sorted(unknown)}")
        extractors = [resolve("features", name, FEATURES)(**extractor_params.get(name, {}))
                      for name in names]
        return cls(extractors, standardize=standardize, cache=cache)

    @property
    def spec(self):
        """The extractor names joined by ``+``."""
        return "+".join(e.name for e in self.extractors)

    @property
    def n_features(self):
        """F, the length of a feature vector (known once fitted)."""
        self._check_fitted()
        return self.n_features_

    def fit_transform(self, images, rng=None, progress=None):
        """Fit the extractors and the standardization on ``images``; their features (N, F).

        ``progress(n_done, n_total)`` is called as images are processed; every extractor
        processes every image, so ``n_total = len(images) * len(self.extractors)``.
        """
        images = check_images(images)
        rng = np.random.default_rng(rng)
        for extractor in self.extractors:
            extractor.fit(images, rng=rng)
        features = self._extract(images, progress)
        self.n_features_ = features.shape[1]
        scaler = STANDARDIZE[self.standardize]
        self.scaler_ = None if scaler is None else scaler().fit(features)
        return self._standardized(features)

    def transform(self, images, progress=None):
        """Standardized features (N, F) float32 of ``images`` (N, H, W, C)."""
        self._check_fitted()
        images = check_images(images)
        return self._standardized(self._extract(images, progress))

    def to_state(self):
        """``(params, arrays)``: JSON-able settings and the learned numpy arrays."""
        self._check_fitted()
        params = {"spec": self.spec, "standardize": self.standardize,
                  "n_features": self.n_features_,
                  "extractors": [{"name": e.name, "params": e.params()}
                                 for e in self.extractors]}
        arrays = {}
        if self.scaler_ is not None:
            scaler_arrays, params["scaler"] = self.scaler_.state()
            arrays.update({f"scaler.{k}": v for k, v in scaler_arrays.items()})
        for i, extractor in enumerate(self.extractors):
            for key, value in extractor.arrays().items():
                arrays[f"extractor{i}.{key}"] = value
        return params, arrays

    @classmethod
    def from_state(cls, params, arrays, cache=True):
        """Rebuild a fitted pipeline from ``to_state()``'s output."""
        extractors = []
        for i, entry in enumerate(params["extractors"]):
            prefix = f"extractor{i}."
            own = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
            extractor_cls = resolve("features", entry["name"], FEATURES)
            extractors.append(extractor_cls.from_state(entry["params"], own))
        pipe = cls(extractors, standardize=params["standardize"], cache=cache)
        pipe.n_features_ = int(params["n_features"])
        if "scaler" in params:
            own = {k[len("scaler."):]: v for k, v in arrays.items() if k.startswith("scaler.")}
            pipe.scaler_ = preprocessing.from_state(own, params["scaler"])
        return pipe

    def __repr__(self):
        return f"FeaturePipeline({self.spec!r}, standardize={self.standardize!r})"

    def _extract(self, images, progress):
        use_cache = self.cache and len(images) >= CACHE_MIN_IMAGES
        digest = digest_images(images) if use_cache else None
        parts = []
        n, total = len(images), len(images) * len(self.extractors)
        for i, extractor in enumerate(self.extractors):
            step = None if progress is None else (
                lambda done, _, before=i * n: progress(before + done, total))
            if use_cache:
                parts.append(cached_transform(extractor, images, step, digest))
            else:
                parts.append(extractor.transform(images, progress=step))
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)  # (N, F)

    def _standardized(self, features):
        if self.scaler_ is None:
            return features
        return self.scaler_.transform(features)  # a new array: the cached input is kept

    def _check_fitted(self):
        check_fitted(self, self.n_features_ is not None,
                     "call fit_transform on training images first")
