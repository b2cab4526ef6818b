"""``ImageClassifier``: raw images in, class names out (feature pipeline + linear classifier).

This is what ``linclass train`` saves and ``evaluate`` / ``predict`` load: the fitted
:class:`linclass.features.FeaturePipeline` (features, mean, scale), the fitted
:class:`linclass.LinearClassifier` on its features, and the class names.
"""

import numpy as np

from linclass._validation import fail
from linclass.losses import softmax_probabilities

__all__ = ["ImageClassifier"]


class ImageClassifier:
    """A fitted feature pipeline and linear classifier, applied to raw images.

    Parameters
    ----------
    pipeline : linclass.features.FeaturePipeline
        Fitted; turns images (N, H, W, C) into features (N, F).
    classifier : linclass.LinearClassifier
        Fitted on the pipeline's features, with class indices as labels.
    class_names : sequence of str
        ``class_names[k]`` names the classifier's label ``k``.
    image_shape : tuple (H, W, C)
        The shape of the training images; other sizes are an error (resize first).

    Attributes
    ----------
    class_names : tuple of str
        In the order of the score columns.
    """

    def __init__(self, pipeline, classifier, class_names, image_shape):
        self.pipeline = pipeline
        self.classifier = classifier
        self.class_names = tuple(str(c) for c in class_names)
        self.image_shape = tuple(int(v) for v in image_shape)
        labels = np.asarray(classifier.classes_)
        if not (np.issubdtype(labels.dtype, np.integer) and labels.min() >= 0
                and labels.max() < len(self.class_names)):
            raise fail("classifier.classes_", f"class indices into {len(self.class_names)} "
                       "class names", labels.tolist())
        self._column_names = tuple(self.class_names[k] for k in labels)

    @property
    def classes_(self):
        """Class names in the order of the score columns (the classes seen in training)."""
        return self._column_names

    @property
    def is_probabilistic(self):
        return self.classifier.loss == "softmax"

    def features(self, images):
        """The pipeline's features (N, F) float32 of ``images`` (N, H, W, C)."""
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[..., np.newaxis]
        if images.shape[1:] != self.image_shape:
            h, w, c = self.image_shape
            raise fail("images", f"of shape (N, {h}, {w}, {c}) like the training images",
                       f"shape {images.shape}", f"Resize them to {h} x {w} first "
                       "(--image-size).")
        return self.pipeline.transform(images)

    def decision_function(self, images):
        """Class scores (N, C), columns in the order of :attr:`classes_`."""
        return self.classifier.scores(self.features(images))

    def predict(self, images):
        """The class name with the highest score, per image (N,)."""
        return np.asarray(self.classes_)[self.decision_function(images).argmax(axis=1)]

    def predict_proba(self, images):
        """Softmax probabilities (N, C) (softmax models only)."""
        if not self.is_probabilistic:
            raise fail("model loss", "'softmax' for probabilities",
                       repr(self.classifier.loss))
        return softmax_probabilities(self.decision_function(images))

    def __repr__(self):
        return (f"ImageClassifier({self.pipeline!r}, loss={self.classifier.loss!r}, "
                f"{len(self.classes_)} classes, images {self.image_shape})")
