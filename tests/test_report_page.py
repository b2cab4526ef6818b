"""write_report writes index.html and every PNG it links, each of the size the page states."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import linclass as lc
from linclass import report
from linclass.features import FeaturePipeline
from linclass.report._style import save_png
from linclass.report.page import PATTERNS_TITLE

EXPECTED_RAW = ["templates.png", "patterns.png", "learning_curves.png", "confusion.png",
                "per_class_accuracy.png", "misclassified.png", "confident_mistakes.png",
                "landscape_1d.png", "landscape_2d.png"]


def train(dataset, spec, loss, epochs=10, lr=None):
    """A small real model: linclass.LinearClassifier on a FeaturePipeline's features."""
    pipeline = FeaturePipeline.from_spec(spec, cache=False)
    X = pipeline.fit_transform(dataset.images)
    params = {"lr": lr} if lr else {}
    clf = lc.LinearClassifier(loss=loss, epochs=epochs, batch_size=100, random_state=0,
                              early_stopping=True, **params).fit(X, dataset.labels)
    return lc.ImageClassifier(pipeline, clf, dataset.class_names, dataset.image_shape)


@pytest.fixture(scope="module")
def digits():
    return lc.data.load("digits")


@pytest.fixture(scope="module")
def raw_report(digits, tmp_path_factory):
    """A raw-pixel SVM's report on the digits, with the progress calls it made."""
    model = train(digits, "raw", "svm")
    calls = []
    out = tmp_path_factory.mktemp("report") / "out"
    index = report.write_report(model, digits, out, seed=1,
                                progress=lambda done, total: calls.append((done, total)))
    return model, index, calls


def written(index):
    text = index.read_text(encoding="utf-8")
    return text, re.findall(r'<img src="([^"]+)" width="(\d+)" height="(\d+)"', text)


def test_report_of_a_raw_pixel_model(digits, raw_report):
    model, index, calls = raw_report
    out = index.parent
    text, images = written(index)
    assert index.name == "index.html"
    assert [name for name, _, _ in images] == EXPECTED_RAW
    for name, width, height in images:
        path = out / name
        assert path.stat().st_size > 0
        with Image.open(path) as png:
            assert png.format == "PNG" and png.size == (int(width), int(height))
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED_RAW + ["index.html"])
    assert calls == [(k, len(EXPECTED_RAW) + 1) for k in range(1, len(EXPECTED_RAW) + 2)]
    assert "http" not in text and "<script" not in text  # nothing fetched, nothing run
    accuracy = np.mean(model.predict(digits.images) == np.asarray(digits.class_names)[
        digits.labels])
    assert f"<td>accuracy</td><td class=\"num\">{accuracy:.4g}</td>" in text
    assert report.report_files(out) == [index] + [out / name for name in EXPECTED_RAW]


def test_templates_on_the_page_are_the_weights_on_pixels(digits, raw_report, tmp_path):
    """The page shows W / scale (the weights acting on raw pixels), not standardized W."""
    model, index, _ = raw_report
    scale = model.pipeline.scaler_.scale_
    assert not np.allclose(scale, scale[0])
    pixel_weights = model.classifier.coef_ / scale[:, None]
    fig = report.plot_templates(pixel_weights, digits.image_shape, digits.class_names)
    with Image.open(index.parent / "templates.png") as png:
        page = np.asarray(png.convert("RGB"))
    save_png(fig, tmp_path / "expected.png")
    with Image.open(tmp_path / "expected.png") as png:
        np.testing.assert_array_equal(page, np.asarray(png.convert("RGB")))


def test_patterns_on_the_page_are_the_pixel_score_covariance(digits, raw_report, tmp_path):
    """patterns.png draws Cov(x, s_k) over the report's images; the caption names the L2."""
    model, index, _ = raw_report
    scores = model.classifier.scores(model.features(digits.images))
    patterns = report.class_patterns(digits.images, scores)
    # the scores are affine in the pixels, so the pattern is the pixels' covariance times W
    pixel_weights = model.classifier.coef_ / model.pipeline.scaler_.scale_[:, None]
    covariance = np.cov(digits.images.reshape(len(digits.images), -1).T, bias=True)
    np.testing.assert_allclose(patterns, covariance @ pixel_weights, rtol=1e-4,
                               atol=1e-6 * np.abs(patterns).max())
    fig = report.plot_templates(patterns, digits.image_shape, digits.class_names,
                                title=PATTERNS_TITLE)
    save_png(fig, tmp_path / "expected.png")
    page, expected = (np.asarray(Image.open(path).convert("RGB"))
                      for path in (index.parent / "patterns.png", tmp_path / "expected.png"))
    np.testing.assert_array_equal(page, expected)
    text = index.read_text(encoding="utf-8")
    strength = model.classifier.reg_strength
    assert f"Regularization: l2, strength {strength:g}." in text
    assert "of the weights' squared norm" not in text  # gray digits: no colour contrast


def test_report_of_a_feature_model_with_search(cifar_archive, tmp_path):
    dataset = lc.data.load(cifar_archive)
    dataset = dataset.subset(lc.data.dev_subset(dataset.labels, 300, seed=0))
    model = train(dataset, "hog+hsv", "softmax")
    search = {"lr": [1e-3, 1e-2], "reg_strength": [1e-4, 1e-3], "val_accuracy": [0.3, 0.4]}
    index = report.write_report(model, dataset, tmp_path, search_results=search)
    _, images = written(index)
    names = [name for name, _, _ in images]
    assert names[0] == "feature_weights.png" and "templates.png" not in names
    assert names[-1] == "search.png"
    for name, width, height in images:
        with Image.open(tmp_path / name) as png:
            assert png.size == (int(width), int(height))


def test_report_matches_classes_by_name(digits, raw_report, tmp_path):
    model, index, _ = raw_report
    order = np.arange(10)[::-1]
    renamed = lc.data.Dataset(digits.images, order[digits.labels],
                              tuple(digits.class_names[k] for k in order), "reversed")
    report.write_report(model, renamed, tmp_path / "b", seed=1)
    for name in ("confusion.png", "misclassified.png"):
        assert (index.parent / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    stranger = lc.data.Dataset(digits.images, digits.labels,
                               tuple(f"x{k}" for k in range(10)), "other")
    with pytest.raises(lc.errors.DataError, match="not classes of the model"):
        report.write_report(model, stranger, tmp_path / "c")
    assert not (tmp_path / "c").exists()


def test_page_loads_in_a_browser_from_local_files_only(raw_report):
    """Every image loads in headless Chromium and the page requests nothing but its files."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.is_file():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    _, index, _ = raw_report
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium),
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        try:
            page = browser.new_page()
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(index.as_uri())
            loaded = page.evaluate("Array.from(document.images).map(i => i.complete "
                                   "&& i.naturalWidth > 0)")
        finally:
            browser.close()
    assert loaded == [True] * len(EXPECTED_RAW)
    assert requests and all(url.startswith("file://") for url in requests)
