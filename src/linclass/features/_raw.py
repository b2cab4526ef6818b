"""Raw pixels as features: the lecture's first linear classifier."""

import numpy as np

from linclass.features._base import Extractor


class RawPixels(Extractor):
    """Each image flattened to ``H * W * C`` float32 pixel values (0..255 for uint8 input).

    Centring (the mean image) and scaling come from the pipeline's standardization, fitted on
    the training images.
    """

    name = "raw"

    def _transform_batch(self, images):
        return images.reshape(len(images), -1).astype(np.float32)  # (n, H*W*C)
