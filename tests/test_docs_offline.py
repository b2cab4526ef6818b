"""The built docs site (``make docs``) opens from disk with nothing fetched from the network.

These tests read ``docs/_build/html``. ``make docs`` runs them right after building (with
``LINCLASS_DOCS_BUILT=1``, where a missing site is a failure); in a plain ``make test`` run
without a built site they skip.
"""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "docs" / "_build" / "html"
SOURCES = ROOT / "docs" / "en" / "tutorial_sources"
TUTORIALS = sorted(p.stem for p in SOURCES.glob("tutorial_*.py"))

#: Elements whose URL the browser fetches by itself when a page opens.
FETCHED = re.compile(
    r"<(script|link|img|iframe|source|embed)\b[^>]*?\b(src|href)\s*=\s*[\"']([^\"']*)[\"']",
    re.IGNORECASE)
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
CSS_REMOTE = re.compile(r"(@import|url\()\s*[\"']?\s*(https?:)?//", re.IGNORECASE)


def site_pages():
    if not (HTML / "index.html").exists():
        if os.environ.get("LINCLASS_DOCS_BUILT"):
            pytest.fail(f"{HTML}/index.html is missing after make docs")
        pytest.skip("the docs site is not built here (make docs builds it and runs these tests)")
    # _static holds the theme's template fragments (webpack-macros.html), not pages.
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.relative_to(HTML).parts)


def test_no_page_fetches_anything_from_the_network():
    remote = []
    for page in site_pages():
        for tag, _, url in FETCHED.findall(page.read_text(encoding="utf-8", errors="replace")):
            if REMOTE.match(url.strip()):
                remote.append(f"{page.relative_to(HTML)}: <{tag}> {url}")
    assert not remote, "\n".join(remote[:20])


def test_no_stylesheet_imports_from_the_network():
    site_pages()
    remote = [str(css.relative_to(HTML)) for css in HTML.rglob("*.css")
              if CSS_REMOTE.search(css.read_text(encoding="utf-8", errors="replace"))]
    assert not remote, remote


def test_fetched_local_files_exist():
    missing = []
    for page in site_pages():
        for tag, _, url in FETCHED.findall(page.read_text(encoding="utf-8", errors="replace")):
            url = url.split("?")[0].split("#")[0]
            if url and not REMOTE.match(url) and not url.startswith("data:"):
                if not (page.parent / url).resolve().exists():
                    missing.append(f"{page.relative_to(HTML)}: <{tag}> {url}")
    assert not missing, "\n".join(missing[:20])


def test_math_is_rendered_by_a_local_mathjax():
    pages = site_pages()
    with_math = [p for p in pages if 'class="math' in p.read_text(encoding="utf-8")]
    assert with_math, "no page has math: the tutorials do"
    for page in with_math:
        text = page.read_text(encoding="utf-8")
        match = re.search(r"<script[^>]*src=\"([^\"?]*/mathjax/tex-chtml\.js)[^\"]*\"", text)
        assert match, f"{page.relative_to(HTML)} has math but no local MathJax script"
        assert (page.parent / match.group(1)).resolve().exists(), match.group(1)


@pytest.mark.parametrize("site", ["", "ko"])
def test_every_tutorial_is_built_with_its_notebook(site):
    site_pages()
    folder = HTML / site / "tutorials"
    for name in TUTORIALS:
        page = folder / f"{name}.html"
        assert page.exists(), f"{page.relative_to(HTML)} is missing"
        text = page.read_text(encoding="utf-8")
        assert f"{name}.ipynb" in text, f"{page.relative_to(HTML)} has no notebook download"


def test_language_switch_links_to_existing_pages_both_ways():
    pages = site_pages()
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        match = re.search(r'class="[^"]*linclass-lang-switch[^"]*" href="([^"]+)"', text)
        if match is None:
            continue
        checked += 1
        target = (page.parent / match.group(1)).resolve()
        assert target.exists(), f"{page.relative_to(HTML)}: switch to a missing {match.group(1)}"
    assert checked > 20
    ko_tutorial = HTML / "ko" / "tutorials" / f"{TUTORIALS[0]}.html"
    switch = re.search(r'linclass-lang-switch[^"]*" href="([^"]+)"', ko_tutorial.read_text("utf-8"))
    assert (ko_tutorial.parent / switch.group(1)).resolve() == (
        HTML / "tutorials" / f"{TUTORIALS[0]}.html").resolve()


def test_every_relative_link_leads_to_a_file_of_the_site():
    link = re.compile(r"<a\b[^>]*?\bhref\s*=\s*\"([^\"#]+)(#[^\"]*)?\"", re.IGNORECASE)
    broken = []
    for page in site_pages():
        for url, _ in link.findall(page.read_text(encoding="utf-8", errors="replace")):
            if REMOTE.match(url) or url.startswith(("mailto:", "javascript:", "data:")):
                continue
            if not (page.parent / url.split("?")[0]).resolve().exists():
                broken.append(f"{page.relative_to(HTML)}: {url}")
    assert not broken, "\n".join(broken[:20])
