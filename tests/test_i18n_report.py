"""The report in Korean: a complete catalog, every word on the figures and page from it, and a
font with Hangul (a missing glyph is a test failure)."""

import ast
import re
import string
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

import linclass as lc
from linclass import report
from linclass.report import _text
from linclass.report._style import hangul_font
from linclass.report.page import write_report

REPORT_DIR = Path(report.__file__).parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: Words that stay as they are in Korean: identifiers, symbols and names of the data.
KEPT = {"svm", "raw", "hog", "hsv", "Cov", "Sigma", "CS231n", "linclass", "reg", "strength"}
#: Matplotlib calls whose first argument, and keywords, that are shown to the reader.
SHOWN_CALLS = {"set_title", "set_xlabel", "set_ylabel", "suptitle", "set_text"}
SHOWN_KEYWORDS = {"label", "title"}


def _fields(template):
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)


def test_every_catalog_key_has_a_korean_entry_with_the_same_fields():
    en, ko = _text.CATALOGS["en"], _text.CATALOGS["ko"]
    assert set(ko) == set(en), f"missing in ko: {set(en) - set(ko)}; extra: {set(ko) - set(en)}"
    for key, english in en.items():
        assert ko[key].strip() and english.strip(), key
        assert _fields(ko[key]) == _fields(english), key
        assert HANGUL.search(ko[key]), f"{key!r} has no Korean words: {ko[key]!r}"


def test_korean_entries_use_the_course_terms():
    ko = " ".join(_text.CATALOGS["ko"].values())
    for term in ("손실", "정규화", "미니배치", "가중치", "학습률", "마진", "혼동 행렬", "정확도",
                 "에폭", "특징"):
        assert term in ko, term


def test_an_unknown_language_is_refused_by_name():
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ko', got 'fr'"):
        report.plot_confusion(np.eye(2, dtype=int), ["a", "b"], lang="fr")


def _literal_words(node):
    """Words of a string literal or an f-string's literal parts (empty for anything else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.findall(r"[A-Za-z]{2,}", node.value)
    if isinstance(node, ast.JoinedStr):
        return [w for part in node.values if isinstance(part, ast.Constant)
                for w in re.findall(r"[A-Za-z]{2,}", part.value)]
    return []


@pytest.mark.parametrize("module", sorted(p.name for p in REPORT_DIR.glob("*.py")
                                          if p.name != "_text.py"))
def test_no_words_shown_to_the_reader_are_written_outside_the_catalog(module):
    """Titles, axis labels, legend labels, suptitles in the report's code come from
    ``text(lang, key)``, never a literal."""
    tree = ast.parse((REPORT_DIR / module).read_text(encoding="utf-8"))
    literal = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        shown = list(node.args[:1]) if name in SHOWN_CALLS else []
        shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        literal += [(node.lineno, w) for arg in shown for w in _literal_words(arg)]
    assert literal == [], f"{module}: literal words shown on figures: {literal}"


def _words_not_from_data(fig, data_words):
    """English words on a figure, other than class names and :data:`KEPT` identifiers."""
    words = set()
    for artist in fig.findobj(Text):
        if artist.get_visible():
            plain = re.sub(r"\$[^$]*\$", "", artist.get_text())  # mathtext: tick numbers
            words |= set(re.findall(r"[A-Za-z]{2,}", plain))
    return words - KEPT - set(data_words)


@pytest.fixture(scope="module")
def digits():
    return lc.data.load("digits")


@pytest.fixture(scope="module")
def model(digits):
    """A small raw-pixel SVM on the digits, with its training history."""
    from linclass.features import FeaturePipeline

    pipeline = FeaturePipeline.from_spec("raw", cache=False)
    X = pipeline.fit_transform(digits.images)
    clf = lc.LinearClassifier(loss="svm", epochs=3, batch_size=100, random_state=0,
                              early_stopping=True).fit(X, digits.labels)
    return lc.ImageClassifier(pipeline, clf, digits.class_names, digits.image_shape)


SEARCH = [{"lr": 1e-3, "reg_strength": 0.0, "train_accuracy": 0.9, "val_accuracy": 0.8,
           "diverged": False},
          {"lr": 1e-1, "reg_strength": 1e-2, "train_accuracy": "", "val_accuracy": "",
           "diverged": True}]


def _figures(lang, digits, model):
    names = list(digits.class_names)
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((len(digits.labels), 10))
    confusion = report.confusion_matrix(digits.labels, scores.argmax(1), 10)
    W = model.classifier.coef_
    steps = np.linspace(-1, 1, 5)
    return {
        "templates": report.plot_templates(W, digits.image_shape, names, lang=lang),
        "feature_weights": report.plot_feature_weights(W, [("hog", 30), ("hsv", 34)], names,
                                                       lang=lang),
        "confusion": report.plot_confusion(confusion, names, lang=lang),
        "per_class": report.plot_per_class_accuracy(confusion, names, lang=lang),
        "curves": report.plot_learning_curves(model.classifier.history_, lang=lang),
        "misclassified": report.plot_misclassified(digits.images, digits.labels, scores, names,
                                                   per_class=2, lang=lang),
        "confident": report.plot_confident_mistakes(digits.images, digits.labels, scores,
                                                    names, n=4, lang=lang),
        "landscape_1d": report.plot_landscape_1d(steps, {"a": steps ** 2}, lang=lang),
        "landscape_2d": report.plot_landscape_2d(steps, {"a": np.add.outer(steps, steps)},
                                                 lang=lang),
        "search": report.plot_search(SEARCH, lang=lang),
    }


def _no_missing_glyphs(caplog):
    """Missing glyphs are warnings in plain text and log records in mathtext: fail on both."""
    substituted = [r.getMessage() for r in caplog.records if "does not have a glyph" in
                   r.getMessage()]
    assert substituted == []


def test_every_figure_in_korean_has_no_english_words_and_no_missing_glyphs(digits, model,
                                                                           tmp_path, caplog):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing from font")
        figures = _figures("ko", digits, model)
        for name, fig in figures.items():
            fig.savefig(tmp_path / f"{name}.png")  # drawing is where glyphs are looked up
            assert _words_not_from_data(fig, digits.class_names + ("a",)) == set(), name
            labels = [fig.get_suptitle()] + [t for ax in fig.axes
                                             for t in (ax.get_xlabel(), ax.get_ylabel())]
            assert any(HANGUL.search(t) for t in labels), name
    _no_missing_glyphs(caplog)
    english = _figures("en", digits, model)
    assert _words_not_from_data(english["confusion"], ()) >= {"predicted", "true", "class"}


def test_the_hangul_font_has_hangul_glyphs():
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=hangul_font()),
                                 fallback_to_default=False)
    font = FT2Font(path)
    assert all(font.get_char_index(ord(c)) for c in "손실함수정규화경사하강법")


def test_a_korean_report_is_korean_throughout_and_draws_every_glyph(digits, model, tmp_path,
                                                                   caplog):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing from font")
        index = write_report(model, digits, tmp_path / "ko", search_results=SEARCH, seed=0,
                             lang="ko")
    _no_missing_glyphs(caplog)
    page = index.read_text(encoding="utf-8")
    assert '<html lang="ko">' in page
    ko = _text.CATALOGS["ko"]
    headings = re.findall(r"<h2>([^<]*)</h2>", page)
    assert headings and all(HANGUL.search(h) for h in headings), headings
    for key in ("table_model", "table_data", "table_per_class", "row_accuracy",
                "confusion_caption", "per_class_caption", "search_caption"):
        assert ko[key] in page, key
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert len(captions) == len(headings) and all(HANGUL.search(c) for c in captions)
    english = write_report(model, digits, tmp_path / "en", seed=0).read_text(encoding="utf-8")
    assert '<html lang="en">' in english and not HANGUL.search(english)


def test_every_catalog_key_is_used():
    """A key no code looks up is a stale entry (section keys are looked up as
    ``f"{key}_heading"`` and ``f"{key}_caption"``)."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in REPORT_DIR.glob("*.py")
                     if p.name != "_text.py")
    quoted = set(re.findall(r'"(\w+)"', code))
    unused = [key for key in _text.CATALOGS["en"]
              if key not in quoted and re.sub(r"_(heading|caption)$", "", key) not in quoted]
    assert unused == []
