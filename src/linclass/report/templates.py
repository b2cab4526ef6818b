"""A linear classifier is template matching: each class's weights, looked at.

Each column ``W[:, k]`` of a raw-pixel model is an image: the score ``x . W[:, k]`` is the match
of the image ``x`` against that template [1]_. For feature models the weights of each feature
block are shown as a heat map (classes x features).

The weights of a weakly regularized model are not what the class looks like: they also carry
large values along directions the images hardly vary in (colour contrast between channels,
fine detail), which cost little score. :func:`class_patterns` shows the other side, what each
score responds to in the images (its covariance with every pixel [2]_); for strongly
regularized weights the two pictures agree.

References
----------
.. [1] CS231n, "Linear classification: Interpreting a linear classifier",
   https://cs231n.github.io/linear-classify/#interpret
.. [2] S. Haufe et al., "On the interpretation of weight vectors of linear models in
   multivariate neuroimaging", NeuroImage 87 (2014), 96-110.
"""

import math

import numpy as np

from linclass._validation import fail
from linclass.report._style import DIVERGING, check_class_names, new_figure, show_image, styled
from linclass.report._text import text

__all__ = [
    "BLOCK_ROWS", "class_patterns", "colour_contrast_share", "feature_blocks",
    "plot_feature_weights", "plot_templates", "template_images",
]

#: Images per block when accumulating :func:`class_patterns`.
BLOCK_ROWS = 4096


def template_images(W, image_shape):
    """The columns of ``W`` as images, each rescaled to [0, 1] on its own.

    This is the lecture's rendering (the CS231n notes, see the module docstring): class ``k``'s
    weights on the raw pixels are mapped linearly so that its smallest weight (over all pixels
    and channels together) is black and its largest white; mid-gray is not zero. A model trained
    on standardized pixels ``(x - mu) / sigma`` has the pixel weights ``W / sigma`` (per row).

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights of a raw-pixel model, ``D = H * W_img * channels`` in C order
        (the order of ``images.reshape(N, -1)``).
    image_shape : tuple
        ``(H, W_img)`` or ``(H, W_img, channels)``.

    Returns
    -------
    ndarray of shape ``(C, *image_shape)``, float64
        ``(w - min w) / (max w - min w)`` per class; a constant class is all zeros.

    Examples
    --------
    >>> template_images(np.array([[0.0, 5.0], [2.0, 1.0]]), (2, 1))[:, :, 0].tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    W = np.asarray(W, dtype=np.float64)
    shape = tuple(int(s) for s in image_shape)
    if W.ndim != 2 or W.shape[0] != math.prod(shape):
        raise fail("W", f"a 2-D array ({math.prod(shape)}, C) matching image_shape {shape}",
                   f"shape {W.shape}", "Templates exist only for raw-pixel models.")
    templates = W.T.reshape((W.shape[1],) + shape)  # (D, C) -> (C, H, W_img[, channels])
    axes = tuple(range(1, templates.ndim))
    low = templates.min(axis=axes, keepdims=True)
    span = templates.max(axis=axes, keepdims=True) - low
    return (templates - low) / np.where(span > 0, span, 1.0)


def class_patterns(images, scores):
    r"""What each class score responds to: the covariance of every pixel with the score.

    .. math:: P_{pk} = \frac{1}{N} \sum_i (x_{ip} - \bar x_p)(s_{ik} - \bar s_k)
              = \frac{1}{N} \sum_i x_{ip} (s_{ik} - \bar s_k)

    For scores linear in the pixels, ``s = x W + b``, this is ``P = Sigma W`` with ``Sigma`` the
    pixels' covariance: the "activation pattern" of the weights (Haufe et al. 2014, see the
    module docstring). It is large where images of high score differ from the rest, so it shows
    the class as it appears in the images (an airplane on blue sky), while ``W`` may also weigh
    directions the images hardly vary in. Accumulated in blocks of :data:`BLOCK_ROWS` images, in
    float64.

    Parameters
    ----------
    images : ndarray of shape (N, H, W_img[, channels])
        The images the scores were computed on (raw pixel values).
    scores : ndarray of shape (N, C)

    Returns
    -------
    ndarray of shape (D, C), float64
        In pixel units times score units; ``D = H * W_img * channels`` in the order of
        ``images.reshape(N, -1)``, so :func:`plot_templates` draws it.

    Examples
    --------
    >>> class_patterns(np.array([[[0]], [[2]]]), np.array([[1.0, 3.0], [3.0, 1.0]])).tolist()
    [[1.0, -1.0]]
    """
    images, scores = np.asarray(images), np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or images.ndim < 2 or len(images) != len(scores) or not len(images):
        raise fail("scores", "an array (N, C) with one row per image (N >= 1)",
                   f"shape {scores.shape} for {len(images)} images")
    centred = scores - scores.mean(axis=0)  # (N, C)
    flat = images.reshape(len(images), -1)  # (N, D)
    patterns = np.zeros((flat.shape[1], scores.shape[1]))
    for start in range(0, len(flat), BLOCK_ROWS):
        block = flat[start:start + BLOCK_ROWS].astype(np.float64)
        patterns += block.T @ centred[start:start + BLOCK_ROWS]
    return patterns / len(flat)


def colour_contrast_share(W, image_shape):
    r"""The share of the weights' squared norm in colour contrast rather than gray levels.

    With :math:`\bar w_{hw} = \frac{1}{3} \sum_c w_{hwc}` the gray part of a template,
    the share is :math:`\sum (w - \bar w)^2 / \sum w^2` over all pixels, channels and classes:
    0 for gray templates, 2/3 for weights with no preference between gray and colour.

    Parameters
    ----------
    W : ndarray of shape (D, C), weights on the pixels of colour images
    image_shape : tuple ``(H, W_img, 3)``

    Returns
    -------
    float

    >>> colour_contrast_share(np.array([[1.0], [1.0], [1.0], [1.0], [-1.0], [0.0]]), (1, 2, 3))
    0.4
    """
    W = np.asarray(W, dtype=np.float64)
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 3 or shape[2] != 3 or W.ndim != 2 or W.shape[0] != math.prod(shape):
        raise fail("W", f"a 2-D array ({math.prod(shape)}, C) of colour (H, W, 3) weights",
                   f"shape {W.shape} for image_shape {shape}")
    pixels = W.reshape(-1, 3, W.shape[1])  # (H * W_img, channels, C)
    contrast = pixels - pixels.mean(axis=1, keepdims=True)
    total = float(np.sum(pixels ** 2))
    return float(np.sum(contrast ** 2)) / total if total else 0.0


@styled
def plot_templates(W, image_shape, class_names, *, ncols=5, title=None, lang="en"):
    """Each class's weights rendered as an image (:func:`template_images`), one panel per class.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    image_shape : tuple, ``(H, W_img)`` or ``(H, W_img, channels)``
    class_names : sequence of C str
    ncols : int, panels per row
    title : str, optional
        The figure's title (default: "Class templates: learned weights as images (rescaled per
        class)"; another for :func:`class_patterns` drawn the same way).
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[k]`` shows class ``k``; its image array is ``template_images(W)[k]``.
    """
    templates = template_images(W, image_shape)
    names = check_class_names(class_names, len(templates), "column of W")
    ncols = min(ncols, len(templates))
    nrows = math.ceil(len(templates) / ncols)
    fig = new_figure(2.0 * ncols, 2.2 * nrows + 0.5)
    fig.suptitle(text(lang, "templates_title") if title is None else title)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, template, name in zip(axes, templates, names, strict=False):
        show_image(ax, template, name)
    for ax in axes[len(templates):]:
        fig.delaxes(ax)
    return fig


def feature_blocks(blocks, n_features):
    """Check ``blocks`` ((name, size) pairs or a {name: size} dict) against ``n_features``.

    Returns a list of ``(name, slice)``: block ``name`` is ``W[slice]``.

    >>> feature_blocks({"hog": 3, "hsv": 2}, 5)
    [('hog', slice(0, 3, None)), ('hsv', slice(3, 5, None))]
    """
    pairs = list(blocks.items()) if isinstance(blocks, dict) else [tuple(p) for p in blocks]
    sizes = [int(size) for _, size in pairs]
    if not pairs or min(sizes) < 1 or sum(sizes) != n_features:
        raise fail("blocks", f"(name, size) pairs with sizes >= 1 summing to {n_features} "
                   "(the rows of W)", f"sizes {sizes}")
    ends = np.cumsum(sizes)
    return [(str(name), slice(int(end - size), int(end)))
            for (name, _), size, end in zip(pairs, sizes, ends, strict=True)]


@styled
def plot_feature_weights(W, blocks, class_names, *, lang="en"):
    """The weights of each feature block as a heat map: classes (rows) x features (columns).

    Each block has its own symmetric colour scale (zero is white, red positive, blue
    negative), because blocks such as HOG and colour histograms differ in scale.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    blocks : sequence of (name, size) or dict {name: size}, sizes summing to D
    class_names : sequence of C str
    lang : {"en", "ko"}, the language of titles, labels and legends

    Returns
    -------
    matplotlib.figure.Figure
        One heat-map axes per block (image array ``W[block].T``), each with a colour bar.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise fail("W", "a 2-D array (D features, C classes)", f"shape {W.shape}")
    spans = feature_blocks(blocks, W.shape[0])
    names = check_class_names(class_names, W.shape[1], "column of W")
    fig = new_figure(11, 0.3 * len(names) * len(spans) + 1.0 * len(spans) + 0.6)
    fig.suptitle(text(lang, "feature_weights_title"))
    axes = fig.subplots(len(spans), 1, squeeze=False).ravel()
    for ax, (block, span) in zip(axes, spans, strict=True):
        weights = W[span].T  # (C, block size)
        limit = float(np.abs(weights).max()) or 1.0
        image = ax.imshow(weights, aspect="auto", cmap=DIVERGING, vmin=-limit, vmax=limit)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel(text(lang, "feature_index", block=block, last=weights.shape[1] - 1))
        ax.set_title(text(lang, "feature_block", block=block, n=weights.shape[1]))
        fig.colorbar(image, ax=ax, label=text(lang, "weight"), pad=0.01)
    return fig

