"""``write_report``: every figure of a trained model on a dataset, as PNGs and one index.html."""

import re
from pathlib import Path

import numpy as np

from linclass._validation import fail
from linclass.errors import DataError
from linclass.image_classifier import ImageClassifier
from linclass.losses import LOSSES
from linclass.report._html import Figure, render, write_text
from linclass.report._style import save_png, style
from linclass.report._text import check_lang, text
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

__all__ = [
    "LANDSCAPE_BATCH", "LANDSCAPE_EXTENT", "PATTERNS_TITLE", "report_files", "write_report",
]

#: Examples averaged in the batch loss landscape (fewer when the dataset is smaller).
LANDSCAPE_BATCH = 1000
#: Landscape slices span steps a, b in [-LANDSCAPE_EXTENT, LANDSCAPE_EXTENT] (in units of W).
LANDSCAPE_EXTENT = 5.0
#: Title of ``patterns.png`` (in English).
PATTERNS_TITLE = text("en", "patterns_title")


def write_report(model, dataset, out_dir, *, history=None, search_results=None, seed=0,
                 progress=None, lang="en"):
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
    lang : {"en", "ko"}
        The language of every title, axis label, legend, heading and caption (catalogs in
        ``linclass.report._text``); Korean figures need a font with Hangul (Noto Sans CJK KR,
        Nanum Gothic, ...), else a ValueError says how to install one.

    Returns
    -------
    pathlib.Path
        The path of ``index.html``. Every file is written atomically and the page last, so a
        page that exists links only files that exist.
    """
    check_lang(lang)
    style(lang)  # a missing Hangul font fails here, before any work
    if not isinstance(model, ImageClassifier):
        raise fail("model", "an ImageClassifier (feature pipeline and classifier, as "
                   "`linclass train` saves it)", type(model).__name__)
    if len(dataset) == 0:
        raise DataError(f"the dataset {dataset.source!r} has no images; a report needs some.")
    features = model.features(dataset.images)  # (N, F) float32; checks the image size
    parts = _ModelParts(model, dataset.images[:1], lang)
    labels = _labels_in_model_order(dataset, parts.class_names)
    scores = model.classifier.scores(features)  # (N, C), columns as parts.class_names
    confusion = confusion_matrix(labels, scores.argmax(axis=1), len(parts.class_names))
    history = history if history is not None else parts.history
    plan = _plan(parts, dataset, labels, features, scores, confusion, history, search_results,
                 np.random.default_rng(seed), lang)

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
    metrics = [(text(lang, "row_data"), dataset.source), (text(lang, "row_images"), len(labels)),
               (text(lang, "row_image_shape"), " x ".join(map(str, dataset.image_shape))),
               (text(lang, "row_accuracy"), accuracy),
               (text(lang, "row_data_loss", loss=parts.loss), _data_loss(parts, scores, labels))]
    tables = [(text(lang, "table_model"), parts.settings),
              (text(lang, "table_data"), metrics),
              (text(lang, "table_per_class"), list(zip(parts.class_names,
                                                       per_class_accuracy(confusion).tolist(),
                                                       strict=True)))]
    title = text(lang, "page_title", summary=parts.summary)
    index = write_text(out / "index.html", render(title, tables, figures, lang=lang))
    if progress is not None:
        progress(len(plan) + 1, len(plan) + 1)
    return index


def _plan(parts, dataset, labels, features, scores, confusion, history, search_results, rng,
          lang):
    """The figures to draw: (file name, draw() -> Figure, heading, caption), in page order.

    Headings and captions are the catalog's ``<key>_heading`` and ``<key>_caption``."""
    names, images = parts.class_names, dataset.images

    def section(file, draw, key, caption=None):
        return (file, draw, text(lang, f"{key}_heading"),
                text(lang, f"{key}_caption") if caption is None else caption)

    plan = []
    for block, rows in parts.blocks:
        if block == "raw":
            pixel_weights = parts.W[rows] / parts.scale[rows, None]  # weights on raw pixels
            plan.append(section(
                "templates.png",
                lambda w=pixel_weights: plot_templates(w, parts.image_shape, names, lang=lang),
                "templates", _templates_caption(parts, pixel_weights, lang)))
            plan.append(section(
                "patterns.png",
                lambda: plot_templates(class_patterns(images, scores), parts.image_shape, names,
                                       title=text(lang, "patterns_title"), lang=lang),
                "patterns", text(lang, "patterns_caption", n=len(labels))))
    if [block for block, _ in parts.blocks] != ["raw"]:
        sizes = [(block, rows.stop - rows.start) for block, rows in parts.blocks]
        plan.append(section("feature_weights.png",
                            lambda: plot_feature_weights(parts.W, sizes, names, lang=lang),
                            "feature_weights"))
    if history and len(history.get("loss", ())):
        plan.append(section("learning_curves.png",
                            lambda: plot_learning_curves(history, lang=lang), "curves"))
    plan += [
        section("confusion.png", lambda: plot_confusion(confusion, names, lang=lang),
                "confusion"),
        section("per_class_accuracy.png",
                lambda: plot_per_class_accuracy(confusion, names, lang=lang), "per_class"),
        section("misclassified.png",
                lambda: plot_misclassified(images, labels, scores, names, lang=lang),
                "misclassified"),
        section("confident_mistakes.png",
                lambda: plot_confident_mistakes(images, labels, scores, names, lang=lang),
                "confident"),
    ]
    plan += [section(*entry) for entry in _landscape_plan(parts, features, labels, scores, rng,
                                                          lang)]
    if search_results is not None:
        plan.append(section("search.png", lambda: plot_search(search_results, lang=lang),
                            "search"))
    return plan


def _templates_caption(parts, pixel_weights, lang):
    """The templates' caption: the lecture's rendering, and why weak L2 makes it look noisy."""
    params = parts.classifier.get_params()
    caption = text(lang, "templates_caption")
    if len(parts.image_shape) == 3 and parts.image_shape[2] == 3:
        share = colour_contrast_share(pixel_weights, parts.image_shape)
        caption += text(lang, "templates_colour", share=share)
    return caption + text(lang, "templates_regularization", reg=params.get("reg"),
                          strength=params.get("reg_strength"))


def report_files(out_dir):
    """The files a report in ``out_dir`` consists of: index.html and the PNGs it links."""
    index = Path(out_dir) / "index.html"
    linked = re.findall(r'<img src="([^"]+)"', index.read_text(encoding="utf-8"))
    return [index] + [index.parent / name for name in linked]


def _landscape_plan(parts, features, labels, scores, rng, lang):
    """The two landscape figures: (file name, draw() -> Figure, catalog key)."""
    # one correctly classified example (when there is one): some of its hinges are inactive
    # at a = 0, so the kinks of the piecewise-linear slice fall inside the plotted range
    correct = np.flatnonzero(scores.argmax(axis=1) == labels)
    example = int(rng.choice(correct if len(correct) else len(labels)))
    batch = rng.choice(len(labels), min(LANDSCAPE_BATCH, len(labels)), replace=False)
    directions = random_directions(parts.W, 2, rng)
    samples = {text(lang, "one_example", index=example,
                    name=parts.class_names[labels[example]]):
               (features[example:example + 1], labels[example:example + 1]),
               text(lang, "batch_average", n=len(batch)): (features[batch], labels[batch])}
    settings = {"loss": parts.loss, "extent": LANDSCAPE_EXTENT, **parts.loss_kwargs}

    def lines():
        curves = {label: loss_along_line(parts.W, parts.b, X, y, direction=directions[0],
                                         **settings)
                  for label, (X, y) in samples.items()}
        steps = next(iter(curves.values()))[0]
        return plot_landscape_1d(steps, {label: c[1] for label, c in curves.items()},
                                 title=text(lang, "landscape_1d_report_title", loss=parts.loss),
                                 lang=lang)

    def planes():
        grids = {label: loss_on_plane(parts.W, parts.b, X, y, directions=directions,
                                      **settings)
                 for label, (X, y) in samples.items()}
        steps = next(iter(grids.values()))[0]
        return plot_landscape_2d(steps, {label: g[1] for label, g in grids.items()},
                                 title=text(lang, "landscape_2d_report_title", loss=parts.loss),
                                 lang=lang)

    return [("landscape_1d.png", lines, "landscape_1d"), ("landscape_2d.png", planes,
                                                          "landscape_2d")]


def _data_loss(parts, scores, labels):
    loss_fn = LOSSES[parts.loss]
    return float(loss_fn(scores.astype(np.float64), labels, **parts.loss_kwargs)[0])


def _labels_in_model_order(dataset, class_names):
    """The dataset's labels as indices into the model's classes, matched by name."""
    index = {name: k for k, name in enumerate(class_names)}
    unknown = [name for name in dataset.class_names if name not in index]
    if unknown:
        raise DataError(f"dataset classes {unknown} are not classes of the model "
                        f"({', '.join(class_names)}); use data (--data) with the model's "
                        "classes.")
    mapping = np.array([index[name] for name in dataset.class_names], dtype=np.int64)
    return mapping[dataset.labels]


class _ModelParts:
    """What the report reads from a :class:`linclass.ImageClassifier`, in one place."""

    def __init__(self, model, image, lang):
        self.lang = lang
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
        self.loss_kwargs = {"margin": float(self.classifier.margin)}  # softmax ignores it
        self.blocks = _blocks(self.pipeline, image, self.W.shape[0])

    @property
    def summary(self):
        return text(self.lang, "summary", features=self.pipeline.spec, loss=self.loss)

    @property
    def settings(self):
        params = self.classifier.get_params()
        rows = [(text(self.lang, "row_features"), self.pipeline.spec),
                (text(self.lang, "row_features_per_image"), self.W.shape[0]),
                (text(self.lang, "row_classes"), len(self.class_names))]
        return rows + [(key, value) for key, value in sorted(params.items())
                       if isinstance(value, str | int | float | bool) or value is None]


def _blocks(pipeline, image, n_features):
    """``(extractor name, rows of W)`` per extractor; sizes from one image ``(1, H, W, C)``."""
    sizes = [extractor.transform(image).shape[1] for extractor in pipeline.extractors]
    if sum(sizes) != n_features:
        raise ValueError(f"the model's feature pipeline makes {sum(sizes)} features from these "
                         f"images but its weights expect {n_features}; use images of the "
                         "size the model was trained on (--image-size H W).")
    ends = np.cumsum(sizes)
    return [(extractor.name, slice(int(end - size), int(end)))
            for extractor, size, end in zip(pipeline.extractors, sizes, ends, strict=True)]
