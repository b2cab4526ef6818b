"""The demo page's HTML shows no words of its own: every visible text and label is a catalog key
(``data-i18n``, ``data-i18n-html``, ``data-i18n-attr``) that js/i18n.mjs fills in English or
Korean. The catalogs themselves are checked by tests/js/i18n.test.mjs."""

import re
from html.parser import HTMLParser

from linclass.demo import STATIC_DIR

WORD = re.compile(r"[A-Za-z\uac00-\ud7a3]{2,}")
LABELS = ("aria-label", "title", "alt", "placeholder")
VOID = {"meta", "link", "input", "br", "img", "hr", "source", "col", "wbr"}


class _Walker(HTMLParser):
    """Collects text and label attributes with words that do not come from the catalog."""

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, from_catalog, language_marked)
        self.problems = []
        self.keys = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        keyed = "data-i18n" in attrs or "data-i18n-html" in attrs
        self.keys += keyed
        translated = {pair.split(":")[0].strip()
                      for pair in attrs.get("data-i18n-attr", "").split(";") if pair.strip()}
        for name in LABELS:
            if WORD.search(attrs.get(name) or "") and name not in translated:
                self.problems.append(f"<{tag}> {name}={attrs[name]!r} is not from the catalog")
        marked = tag != "html" and "lang" in attrs  # a language's own name, e.g. 한국어
        if tag not in VOID:
            parent_marked = any(m for _, _, m in self.stack)
            self.stack.append((tag, keyed, marked or parent_marked))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not data.strip() or not self.stack:
            return
        tag, keyed, marked = self.stack[-1]
        if keyed:
            self.problems.append(f"<{tag} data-i18n...> holds {data.strip()!r}: leave it empty, "
                                 "the catalog fills it")
        elif WORD.search(data) and not marked and not any(k for _, k, _ in self.stack):
            self.problems.append(f"<{tag}> text {data.strip()!r} is not from the catalog")


def test_every_word_of_the_html_comes_from_the_catalog():
    walker = _Walker()
    walker.feed((STATIC_DIR / "index.html").read_text(encoding="utf-8"))
    assert walker.problems == []
    assert walker.keys > 25


def test_the_checker_finds_words_outside_the_catalog():
    walker = _Walker()
    walker.feed('<html lang="en"><body><h1>Hello</h1><p data-i18n="x">Hi</p>'
                '<button aria-label="remove it">✕</button><span lang="ko">한국어</span>'
                '<th>s<sub>0</sub></th><canvas aria-label="a b" data-i18n-attr="aria-label: k">'
                '</canvas></body></html>')
    assert walker.problems == ["<h1> text 'Hello' is not from the catalog",
                               "<p data-i18n...> holds 'Hi': leave it empty, the catalog fills it",
                               "<button> aria-label='remove it' is not from the catalog"]
