"""Training-set augmentation: label-preserving copies of the training images.

Augmentation only enlarges the training split before feature extraction; validation, test
and ``predict`` images are used as they come, so a saved model needs nothing of it.

* ``"none"`` -- the images as they are;
* ``"flip"`` -- the images and their mirror images (left-right flip), labels repeated: a
  photo's class does not change when it is mirrored, and a linear classifier trained on both
  learns left-right symmetric templates (CS231n, "Data augmentation"; Krizhevsky et al. 2012).

:func:`default_augment` picks ``"flip"`` for raw pixels of colour images (natural photos such
as CIFAR-10, measured in ``benchmarks/results/train.md``) and ``"none"`` otherwise: mirrored
digits and characters are other symbols, and learned features (HOG, k-means) were tuned
without it (and would cost twice the extraction time).

>>> import numpy as np
>>> images = np.arange(2 * 1 * 2 * 1).reshape(2, 1, 2, 1)
>>> out, labels = augment(images, np.array([3, 4]), "flip")
>>> out[:, 0, :, 0].tolist(), labels.tolist()
([[0, 1], [2, 3], [1, 0], [3, 2]], [3, 4, 3, 4])
"""

import numpy as np

from linclass._validation import resolve

__all__ = ["AUGMENTATIONS", "augment", "default_augment"]

#: Names of the augmentations and what each one does to ``(images, labels)``.
AUGMENTATIONS = {
    "none": lambda images, labels: (images, labels),
    "flip": lambda images, labels: (np.concatenate([images, images[:, :, ::-1]]),
                                    np.concatenate([labels, labels])),
}


def augment(images, labels, kind):
    """``(images, labels)`` enlarged by the augmentation ``kind`` (see :data:`AUGMENTATIONS`).

    Parameters
    ----------
    images : ndarray (N, H, W, C)
    labels : ndarray (N,)
    kind : {"none", "flip"}

    Returns
    -------
    images : ndarray (M, H, W, C)
        ``M = N`` for ``"none"`` (the input itself), ``2 N`` for ``"flip"`` (originals first).
    labels : ndarray (M,)
    """
    return resolve("augment", kind, AUGMENTATIONS)(np.asarray(images), np.asarray(labels))


def default_augment(features, image_shape):
    """``"flip"`` for ``"raw"`` features of colour images ``(H, W, 3)``, else ``"none"``."""
    return "flip" if features == "raw" and tuple(image_shape)[-1] == 3 else "none"
