"""The in-memory dataset every source loads into."""

from dataclasses import dataclass

import numpy as np

from linclass._validation import fail


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images with integer labels and the names of their classes.

    Parameters
    ----------
    images : ndarray of shape (N, H, W, C), uint8
        C = 3 (RGB) or C = 1 (grayscale).
    labels : ndarray of shape (N,), int64
        Class indices in ``[0, n_classes)``.
    class_names : tuple of str
        ``class_names[k]`` names label ``k``.
    source : str
        Where the data came from (path, archive or built-in name, and the split).
    skipped : tuple of str
        Files that could not be decoded and were skipped (``skip_bad=True``).
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple
    source: str
    skipped: tuple = ()

    def __post_init__(self):
        images, labels = self.images, self.labels
        if images.ndim != 4 or images.dtype != np.uint8 or images.shape[3] not in (1, 3):
            raise fail("images", "a uint8 array (N, H, W, C) with C = 1 or 3",
                       f"{images.dtype} array of shape {images.shape}")
        if labels.shape != (len(images),) or labels.dtype != np.int64:
            raise fail("labels", f"an int64 array of shape ({len(images)},)",
                       f"{labels.dtype} array of shape {labels.shape}")
        n_classes = len(self.class_names)
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            raise fail("labels", f"class indices in [0, {n_classes})",
                       f"values in [{labels.min()}, {labels.max()}]")
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))
        object.__setattr__(self, "skipped", tuple(self.skipped))

    def __len__(self):
        return len(self.labels)

    def __repr__(self):
        return (f"Dataset({len(self)} images of shape {self.image_shape}, "
                f"{self.n_classes} classes, source={self.source!r})")

    @property
    def n_classes(self):
        return len(self.class_names)

    @property
    def image_shape(self):
        """``(H, W, C)``."""
        return tuple(self.images.shape[1:])

    def subset(self, indices):
        """The images at ``indices`` (integer array or boolean mask), same classes and source."""
        indices = np.asarray(indices)
        return Dataset(self.images[indices], self.labels[indices], self.class_names,
                       self.source, self.skipped)
