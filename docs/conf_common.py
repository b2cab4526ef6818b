"""Settings shared by the English (``docs/en``) and Korean (``docs/ko``) sites.

Each site's ``conf.py`` calls :func:`configure` with its language; the two sites are parallel
sources (see ``docs/en/translations.rst``), built by ``make docs`` into ``docs/_build/html`` and
``docs/_build/html/ko``.
"""

import os
import sys
import types
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

#: Language code -> (site folder under docs/, output folder under docs/_build/html, label).
SITES = {"en": ("en", "", "English"), "ko": ("ko", "ko", "한국어")}


#: Modules of the API reference besides ``linclass`` and the submodules in its ``__all__``.
API_MODULES = ("report", "config", "errors", "augment", "training")


def _attribute(module, name):
    """``module.name``, or None where importing it fails (autodoc then reports the failure)."""
    try:
        return getattr(module, name)
    except ImportError:
        return None


def _public_stem(module_name):
    """``linclass.solvers._base`` -> ``linclass.solvers``: the part before a private name."""
    parts = []
    for part in module_name.split("."):
        if part.startswith("_"):
            break
        parts.append(part)
    return ".".join(parts)


def api_inventory():
    """What each module page of the API reference lists, for the autosummary templates.

    Returns ``{module: {"data": [names], "elsewhere": {name: full name}}}`` for every documented
    module: ``linclass``, :data:`API_MODULES` and, recursively, the submodules each lists in
    ``__all__`` (as autosummary documents them). ``data`` are the constants of ``__all__``
    (autosummary lists functions and classes itself); ``elsewhere`` are names re-exported from
    another documented module, which get a link to that module's page instead of a second copy.
    """
    import importlib
    import inspect

    todo = ["linclass", *(f"linclass.{m}" for m in API_MODULES)]
    modules = {}
    while todo:
        name = todo.pop(0)
        if name in modules:
            continue
        try:
            modules[name] = importlib.import_module(name)
        except ImportError:
            continue
        for n in getattr(modules[name], "__all__", ()):
            if inspect.ismodule(_attribute(modules[name], n)):
                todo.append(f"{name}.{n}")
    inventory = {}
    for name, module in modules.items():
        entry = inventory[name] = {"data": [], "elsewhere": {}}
        for n in getattr(module, "__all__", ()):
            obj = _attribute(module, n)
            if inspect.ismodule(obj):
                continue
            if not (inspect.isroutine(obj) or inspect.isclass(obj)):
                entry["data"].append(n)
                continue
            home = _public_stem(getattr(obj, "__module__", "") or "")
            if home != name and home in modules and n in getattr(modules[home], "__all__", ()):
                entry["elsewhere"][n] = f"{home}.{n}"
    return inventory


def configure(ns, language):
    """Fill the conf.py namespace ``ns`` for the site in ``language`` ("en" or "ko")."""
    import linclass

    # ``python -m linclass`` runs the command line on import; autosummary imports every submodule
    # while it lists them, so it gets an empty stand-in (the API reference does not document it).
    sys.modules.setdefault("linclass.__main__", types.ModuleType("linclass.__main__"))
    os.environ.setdefault("MPLBACKEND", "Agg")
    ns.update(
        project="linclass",
        author="the linclass developers",
        copyright="2026, the linclass developers",
        version=linclass.__version__,
        release=linclass.__version__,
        language=language,
        extensions=[
            "sphinx.ext.autodoc",
            "sphinx.ext.autosummary",
            "sphinx.ext.mathjax",
            "sphinx.ext.extlinks",
            "numpydoc",
            "myst_parser",
            "sphinx_gallery.gen_gallery",
            "linclass_docs",
        ],
        source_suffix={".rst": "restructuredtext", ".md": "markdown"},
        templates_path=[str(DOCS / "_templates")],
        html_static_path=[str(DOCS / "_static")],
        html_css_files=["linclass.css"],
        exclude_patterns=["_build", "**/GALLERY_HEADER.rst"],
        # Nothing is fetched from the network, at build time or when a page is opened, so names
        # of other libraries (numpy.ndarray, sklearn.set_config, ...) stay plain text; a broken
        # reference to a linclass name still fails the build.
        nitpick_ignore_regex=[
            (r"py:.*", r"(numpy|scipy|sklearn|torch|matplotlib|PIL|array_api_compat)(\..*)?"),
            (r"py:.*", r"(collections|typing|csv|pathlib|os|io)\..*"),
        ],
        extlinks={"doi": ("https://doi.org/%s", "doi:%s"),
                  "arxiv": ("https://arxiv.org/abs/%s", "arXiv:%s")},
        html_theme="pydata_sphinx_theme",
        html_theme_options={
            "navbar_end": ["language-switch", "theme-switcher"],
            "footer_start": ["copyright"],
            "footer_end": [],
            "show_prev_next": True,
            "header_links_before_dropdown": 4,
            "navigation_with_keys": False,
        },
        html_title=f"linclass {linclass.__version__}",
        html_show_sourcelink=False,
        html_copy_source=False,
        # API reference: one page per public name, from the numpydoc docstrings.
        autosummary_generate=True,
        autosummary_ignore_module_all=False,
        autosummary_context={"api": api_inventory()},
        numpydoc_show_class_members=False,
        numpydoc_class_members_toctree=False,
        numpydoc_xref_param_type=False,
        myst_enable_extensions=["dollarmath"],
        myst_heading_anchors=3,
        sphinx_gallery_conf={
            "examples_dirs": "tutorial_sources",
            "gallery_dirs": "tutorials",
            "filename_pattern": r"/tutorial_",
            "within_subsection_order": "FileNameSortKey",
            "download_all_examples": False,
            "remove_config_comments": True,
            "show_memory": False,
            "show_signature": False,
            "min_reported_time": 0,
            "matplotlib_animations": False,
            "reset_modules": ("matplotlib", "seaborn"),
            "abort_on_example_error": False,
            "only_warn_on_example_error": False,
            "plot_gallery": "True",
            "run_stale_examples": True,   # every build executes and checks every tutorial
            # The timing page loads jQuery and DataTables from CDNs; the log prints the times.
            "write_computation_times": False,
        },
        nitpicky=True,
        # numpydoc's "References" lists need not be cited in the text of the docstring.
        suppress_warnings=["ref.citation"],
    )
