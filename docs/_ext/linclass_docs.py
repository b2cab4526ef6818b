"""Sphinx extension of linclass's docs: offline MathJax and the English/Korean language switch.

* MathJax 3 is copied from the ``sphinx-mathjax-offline`` wheel (PyPI) into ``_static/mathjax``
  (the TeX-to-HTML bundle, its fonts and the lazily loaded parts; not the 20 MB of speech maps),
  so pages render formulas when opened from disk with no network.
* Every page gets ``lang_switch_url``: the same page in the other language's site (English at
  ``docs/_build/html``, Korean at ``docs/_build/html/ko``), or that site's landing page.
"""

import importlib
import importlib.util
import posixpath
import shutil
from pathlib import Path

from conf_common import DOCS, ROOT, SITES

#: Parts of the MathJax distribution that the ``tex-chtml.js`` bundle loads (others are skipped).
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts", "input/tex/extensions", "ui", "a11y")


def mathjax_dir():
    """The ``static/mathjax`` folder of the installed ``sphinx-mathjax-offline`` package."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "sphinx-mathjax-offline is not installed: run `make docs` (it installs the docs extra)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"


def _copy_mathjax(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    source = mathjax_dir()
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src, dst = source / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def _other_site(language):
    return "ko" if language == "en" else "en"


def _page_exists(language, pagename):
    folder = DOCS / SITES[language][0]
    if pagename.startswith("tutorials/") and pagename != "tutorials/index":
        stem = pagename.split("/", 1)[1]
        return (folder / "tutorial_sources" / f"{stem}.py").exists()
    return any((folder / f"{pagename}{suffix}").exists() for suffix in (".rst", ".md"))


def _language_switch(app, pagename, templatename, context, doctree):
    here, there = app.config.language, _other_site(app.config.language)
    # Both sites live under docs/_build/html: "" for English, "ko" for Korean.
    site_here, site_there = SITES[here][1], SITES[there][1]
    target = pagename if _page_exists(there, pagename) else "index"
    page_dir = posixpath.dirname(posixpath.join(site_here, pagename))
    url = posixpath.relpath(posixpath.join(site_there, f"{target}.html"), page_dir or ".")
    context["lang_switch_url"] = url
    context["lang_switch_label"] = SITES[there][2]


def _benchmark_pages(app, config):
    """Write one page per ``benchmarks/results/*.md`` (English site): a MyST include of the file."""
    if config.language != "en":
        return
    folder = Path(app.srcdir) / "benchmarks" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    results = sorted((ROOT / "benchmarks" / "results").glob("*.md"))
    for stale in set(folder.glob("*.md")) - {folder / r.name for r in results}:
        stale.unlink()
    for result in results:
        text = f"```{{include}} ../../../../benchmarks/results/{result.name}\n```\n"
        page = folder / result.name
        if not page.exists() or page.read_text() != text:
            page.write_text(text)


def _exists(dotted):
    """Whether the Python object ``a.b.c`` exists (importing the longest module prefix)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # noqa: BLE001 - not a module (or not importable): try a shorter prefix
            continue
        for attr in parts[cut:]:
            annotations = getattr(obj, "__annotations__", {}) if isinstance(obj, type) else {}
            if hasattr(obj, attr):
                obj = getattr(obj, attr)
            elif attr in annotations:
                obj = None
            else:
                return False
        return True
    return False


def _private_reference(app, env, node, contnode):
    """Render a reference to an existing but undocumented (private) Python name as plain code.

    The API reference documents the public names; docstrings also point at private helpers
    (``linclass.solvers._lbfgs``). Those exist, so they are not broken: they show as code without
    a link. A reference to a name that does not exist is left alone, and fails the build.
    """
    if node.get("refdomain") != "py" or not node.get("reftarget", "").strip("~."):
        return None
    target = node["reftarget"].lstrip("~.")
    module, cls = node.get("py:module"), node.get("py:class")
    candidates = [target]
    if module:
        candidates.append(f"{module}.{target}")
        if cls:
            candidates.append(f"{module}.{cls}.{target}")
        if "." in module:
            candidates.append(f"{module.rsplit('.', 1)[0]}.{target}")
    # The module that defines the docstring ("docstring of linclass.data._decode.read_image").
    source = (node.source or "").rpartition("docstring of ")[2].split(":")[0].split(".")
    candidates += [".".join(source[:cut] + [target]) for cut in range(len(source), 0, -1)]
    if any(c.startswith("linclass") and _exists(c) for c in candidates):
        return contnode
    return None


def _offline_mathjax(app, config):
    config.mathjax_path = "mathjax/tex-chtml.js"


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Leave out what a class inherits from scikit-learn (``set_fit_request`` and the like)."""
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("sklearn") or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
    app.connect("missing-reference", _private_reference)
    app.connect("config-inited", _offline_mathjax)
    app.connect("config-inited", _benchmark_pages)
    app.connect("html-page-context", _language_switch)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
