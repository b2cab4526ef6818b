"""``write_report``: every figure of a trained model on a dataset, as PNGs and one index.html."""

import re
from pathlib import Path

import numpy as np

from linclass.errors import DataError
from linclass.losses import LOSSES
from linclass.report._html import Figure, render, write_text
from linclass.report._style import save_png
from linclass.report.confusion import (
    confusion_matrix,
    per_class_accuracy,
    plot_confusion,
    plot_per_class_accuracy,
)
from linclass.report.curves import plot_learning_curves
from linclass.report.landscape import (
    loss_along_line,
    loss_on_plane,
    plot_landscape_1d,
    plot_landscape_2d,
    random_directions,
)
from linclass.report.misclassified import plot_confident_mistakes, plot_misclassified
from linclass.report.search import plot_search
from linclass.report.templates import (
    class_patterns,
    colour_contrast_share,
    plot_feature_weights,
    plot_templates,
)

#: Examples averaged in the batch loss landscape (fewer when the dataset is smaller).
LANDSCAPE_BATCH = 1000
#: Landscape slices span steps a, b in [-LANDSCAPE_EXTENT, LANDSCAPE_EXTENT] (in units of W).
LANDSCAPE_EXTENT = 5.0
#: Title of ``patterns.png``.
PATTERNS_TITLE = ("Class patterns: covariance of each pixel with the class score "
                  "(rescaled per class)")


def write_report(model, dataset, out_dir, *, history=None, search_results=None, seed=0,
                 progress=None):
    """Write the figures of ``model`` on ``dataset`` as PNGs and ``index.html`` into ``out_dir``.

    Figures (file names): ``templates.png`` (class templates) and ``patterns.png`` (class
    patterns, :func:`~linclass.report.class_patterns`), when the features include raw
    pixels, ``feature_weights.png`` (weights per feature block, for other features),
    ``learning_curves.png`` (when a history is given or stored on the model),
    ``confusion.png``, ``per_class_accuracy.png``, ``misclassified.png`` (per predicted
    class), ``confident_mistakes.png``, ``landscape_1d.png`` and ``landscape_2d.png`` (one
    example and a batch average), ``search.png`` (when ``search_results`` are given). The page
    also lists the model's settings, accuracy, data loss and per-class accuracy.

    Parameters
    ----------
    model : linclass.ImageClassifier
        Feature pipeline, classifier and class names (as :func:`linclass.load` reads them).
    dataset : linclass.data.Dataset
        Labelled images; its classes are matched to the model's by name.
    out_dir : str or Path
        Created if missing; files of the same names are replaced.
    history : dict, optional
        Training history (default: the classifier's ``history_``).
    search_results : list of dict or dict of sequences, optional
        A ``linclass search`` table (:func:`linclass.report.plot_search`).
    seed : int or numpy.random.Generator
        Picks the landscape's example, batch and directions.
    progress : callable, optional
        ``progress(done, total)`` after each file is written, ``total`` files in all.

    Returns
    -------
    pathlib.Path
        The path of ``index.html``. Every file is written atomically and the page last, so a
        page that exists links only files that exist.
    """
    if len(dataset) == 0:
        raise DataError(f"the dataset {dataset.source!r} has no images; a report needs some.")
    features = model.features(dataset.images)  # (N, F) float32; checks the image size
    parts = _ModelParts(model, dataset.images[:1])
    labels = _labels_in_model_order(dataset, parts.class_names)
    scores = model.classifier.scores(features)  # (N, C), columns as parts.class_names
    confusion = confusion_matrix(labels, scores.argmax(axis=1), len(parts.class_names))
    history = history if history is not None else parts.history
    plan = _plan(parts, dataset, labels, features, scores, confusion, history, search_results,
                 np.random.default_rng(seed))

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = []
    for done, (name, draw, heading, caption) in enumerate(plan, start=1):
        fig = draw()
        save_png(fig, out / name)
        width, height = (fig.get_size_inches() * fig.dpi).round().astype(int)
        figures.append(Figure(name, heading, caption, int(width), int(height)))
        if progress is not None:
            progress(done, len(plan) + 1)
    accuracy = float(np.trace(confusion) / len(labels))
    tables = [("Model", parts.settings),
              ("Data and metrics", [("data", dataset.source), ("images", len(labels)),
                                    ("image shape", " x ".join(map(str, dataset.image_shape))),
                                    ("accuracy", accuracy),
                                    (f"data loss ({parts.loss})",
                                     _data_loss(parts, scores, labels))]),
              ("Accuracy per class", list(zip(parts.class_names,
                                              per_class_accuracy(confusion).tolist(),
                                              strict=True)))]
    index = write_text(out / "index.html",
                       render(f"linclass report: {parts.summary}", tables, figures))
    if progress is not None:
        progress(len(plan) + 1, len(plan) + 1)
    return index


def _plan(parts, dataset, labels, features, scores, confusion, history, search_results, rng):
    """The figures to draw: (file name, draw() -> Figure, heading, caption), in page order."""
    names, images = parts.class_names, dataset.images
    plan = []
    for block, rows in parts.blocks:
        if block == "raw":
            pixel_weights = parts.W[rows] / parts.scale[rows, None]  # weights on raw pixels
            plan.append(("templates.png",
                         lambda w=pixel_weights: plot_templates(w, parts.image_shape, names),
                         "Class templates", _templates_caption(parts, pixel_weights)))
            plan.append(("patterns.png",
                         lambda: plot_templates(class_patterns(images, scores),
                                                parts.image_shape, names, title=PATTERNS_TITLE),
                         "Class patterns: what each score responds to in the images",
                         "The covariance of each pixel with the class score over these "
                         f"{len(labels):,} images, Cov(x, s_k) (for raw pixels alone "
                         "Sigma w_k, the pixels' covariance times the template), rescaled to "
                         "[0, 1] per class as the templates: where images of high score "
                         "differ from the rest."))
    if [block for block, _ in parts.blocks] != ["raw"]:
        sizes = [(block, rows.stop - rows.start) for block, rows in parts.blocks]
        plan.append(("feature_weights.png",
                     lambda: plot_feature_weights(parts.W, sizes, names),
                     "Weights per feature block",
                     "The weights on the standardized features, one heat map per feature "
                     "block (red positive, blue negative)."))
    if history and len(history.get("loss", ())):
        plan.append(("learning_curves.png", lambda: plot_learning_curves(history),
                     "Learning curves",
                     "Loss per iteration (raw and moving average), accuracy per epoch "
                     "(dashed: the epoch whose weights were kept), learning rate."))
    plan += [
        ("confusion.png", lambda: plot_confusion(confusion, names), "Confusion matrix",
         "Rows: true class; columns: predicted class. Left counts, right the share of each "
         "true class."),
        ("per_class_accuracy.png", lambda: plot_per_class_accuracy(confusion, names),
         "Accuracy per class", "The share of each class's images predicted correctly."),
        ("misclassified.png", lambda: plot_misclassified(images, labels, scores, names),
         "Misclassified images by predicted class",
         "Each row: images the model wrongly assigned to that class, most confident first, "
         "titled with their true class and the score margin s[predicted] - s[true]."),
        ("confident_mistakes.png",
         lambda: plot_confident_mistakes(images, labels, scores, names),
         "The most confident mistakes",
         "The mistakes with the largest score margin over the true class."),
    ]
    plan += _landscape_plan(parts, features, labels, scores, rng)
    if search_results is not None:
        plan.append(("search.png", lambda: plot_search(search_results),
                     "Hyperparameter search",
                     "Validation and training accuracy of each trial over learning rate and "
                     "regularization strength (log scales); circled: the best validation "
                     "trial."))
    return plan


def _templates_caption(parts, pixel_weights):
    """The templates' caption: the lecture's rendering, and why weak L2 makes it look noisy."""
    params = parts.classifier.get_params()
    caption = ("Each class's weights on the raw pixels (W / sigma for standardized pixels), "
               "rescaled to [0, 1] per class by its own minimum and maximum, as in the "
               "CS231n notes: the image each class matches best (template matching). ")
    if len(parts.image_shape) == 3 and parts.image_shape[2] == 3:
        share = colour_contrast_share(pixel_weights, parts.image_shape)
        caption += (f"{share:.0%} of the weights' squared norm is colour contrast between "
                    "the channels (0% for gray templates, 67% for no preference). ")
    return caption + (
        f"Regularization: {params.get('reg')}, strength {params.get('reg_strength'):g}. Weak "
        "L2 (as in the tuned raw-pixel defaults) leaves large weights on colour contrasts and "
        "fine detail that images hardly vary in, so the templates look saturated and noisy "
        "rather than like the lecture's (a blue-sky airplane, a red car, a two-headed horse; "
        "mirror-image augmentation, the raw default, makes every template symmetric); strong "
        "L2 such as --reg-strength 10 gives those at a lower accuracy. The class patterns "
        "below show what the scores respond to in the images.")


def report_files(out_dir):
    """The files a report in ``out_dir`` consists of: index.html and the PNGs it links."""
    index = Path(out_dir) / "index.html"
    linked = re.findall(r'<img src="([^"]+)"', index.read_text(encoding="utf-8"))
    return [index] + [index.parent / name for name in linked]


def _landscape_plan(parts, features, labels, scores, rng):
    # one correctly classified example (when there is one): some of its hinges are inactive
    # at a = 0, so the kinks of the piecewise-linear slice fall inside the plotted range
    correct = np.flatnonzero(scores.argmax(axis=1) == labels)
    example = int(rng.choice(correct if len(correct) else len(labels)))
    batch = rng.choice(len(labels), min(LANDSCAPE_BATCH, len(labels)), replace=False)
    directions = random_directions(parts.W, 2, rng)
    samples = {f"one example (#{example}, {parts.class_names[labels[example]]})":
               (features[example:example + 1], labels[example:example + 1]),
               f"average over {len(batch)} examples": (features[batch], labels[batch])}
    settings = {"loss": parts.loss, "extent": LANDSCAPE_EXTENT, **parts.loss_kwargs}

    def lines():
        curves = {label: loss_along_line(parts.W, parts.b, X, y, direction=directions[0],
                                         **settings)
                  for label, (X, y) in samples.items()}
        steps = next(iter(curves.values()))[0]
        return plot_landscape_1d(steps, {label: c[1] for label, c in curves.items()},
                                 title=f"Data loss ({parts.loss}) along a random direction")

    def planes():
        grids = {label: loss_on_plane(parts.W, parts.b, X, y, directions=directions,
                                      **settings)
                 for label, (X, y) in samples.items()}
        steps = next(iter(grids.values()))[0]
        return plot_landscape_2d(steps, {label: g[1] for label, g in grids.items()},
                                 title=f"Data loss ({parts.loss}) over a random plane")

    return [("landscape_1d.png", lines, "Loss landscape: 1-D slice",
             "The data loss (regularization excluded) at W + a D for a random direction D as "
             "large as W; a = 0 is the trained model. Hinge losses are piecewise linear for "
             "one example and a convex bowl on average."),
            ("landscape_2d.png", planes, "Loss landscape: 2-D slice",
             "The data loss at W + a D1 + b D2 for two random directions, as a colour map "
             "with contour lines; the star is the trained model.")]


def _data_loss(parts, scores, labels):
    loss_fn = LOSSES[parts.loss]
    return float(loss_fn(scores.astype(np.float64), labels, **parts.loss_kwargs)[0])


def _labels_in_model_order(dataset, class_names):
    """The dataset's labels as indices into the model's classes, matched by name."""
    index = {name: k for k, name in enumerate(class_names)}
    unknown = [name for name in dataset.class_names if name not in index]
    if unknown:
        raise DataError(f"dataset classes {unknown} are not classes of the model "
                        f"({', '.join(class_names)}); use data with the model's classes.")
    mapping = np.array([index[name] for name in dataset.class_names], dtype=np.int64)
    return mapping[dataset.labels]


class _ModelParts:
    """What the report reads from a :class:`linclass.ImageClassifier`, in one place."""

    def __init__(self, model, image):
        self.pipeline = model.pipeline
        self.classifier = model.classifier
        self.image_shape = model.image_shape
        self.class_names = list(model.classes_)  # in the order of W's columns
        self.W = np.asarray(self.classifier.coef_)  # (F, C)
        self.b = np.asarray(self.classifier.intercept_)  # (C,)
        # features are (x - mean) / scale when the pipeline divides, else x - mean or x
        scale = getattr(self.pipeline.scaler_, "scale_", None)
        self.scale = np.ones(self.W.shape[0]) if scale is None else np.asarray(scale, float)
        self.history = getattr(self.classifier, "history_", None)
        self.loss = self.classifier.loss
        self.loss_kwargs = ({} if self.loss == "softmax"
                            else {"margin": float(self.classifier.margin)})
        self.blocks = _blocks(self.pipeline, image, self.W.shape[0])

    @property
    def summary(self):
        return f"{self.pipeline.spec} features, {self.loss} loss"

    @property
    def settings(self):
        params = self.classifier.get_params()
        rows = [("features", self.pipeline.spec), ("features per image", self.W.shape[0]),
                ("classes", len(self.class_names))]
        return rows + [(key, value) for key, value in sorted(params.items())
                       if isinstance(value, str | int | float | bool) or value is None]


def _blocks(pipeline, image, n_features):
    """``(extractor name, rows of W)`` per extractor; sizes from one image ``(1, H, W, C)``."""
    sizes = [extractor.transform(image).shape[1] for extractor in pipeline.extractors]
    if sum(sizes) != n_features:
        raise ValueError(f"the model's feature pipeline makes {sum(sizes)} features from these "
                         f"images but its weights expect {n_features}; use images of the "
                         "size the model was trained on.")
    ends = np.cumsum(sizes)
    return [(extractor.name, slice(int(end - size), int(end)))
            for extractor, size, end in zip(pipeline.extractors, sizes, ends, strict=True)]
