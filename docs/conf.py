"""Sphinx configuration for the sklearn-bptt documentation.

Build it from the repository root with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import sys
from pathlib import Path

# The examples draw into files, never into a window.
os.environ["MPLBACKEND"] = "Agg"
import matplotlib  # noqa: E402

matplotlib.use("Agg")

# Document the package of this working tree, installed or not; the docs
# folder holds the gallery's sort key.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sklearn_bptt  # noqa: E402

project = "sklearn-bptt"
author = "the sklearn-bptt developers"
copyright = "the sklearn-bptt developers"
version = release = sklearn_bptt.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build"]
default_role = "literal"

# API pages: one page per public object, methods documented on the class page
# (numpydoc's own member tables would repeat them).
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# The gallery: every examples/plot_*.py is run and its figures kept. Other
# scripts there (examples/quickstart.py) are left alone.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "ignore_pattern": r"quickstart\.py",
    "within_subsection_order": "gallery_order.ReadingOrder",
    "download_all_examples": False,
    "min_reported_time": 1,
    # Show what the examples print, not the repr of a cell's last expression
    # (such as the Colorbar a plotting call returns).
    "capture_repr": (),
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-bptt {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
# Single pages without a section tree get the full width.
html_sidebars = {"index": [], "user_guide": [], "forecasting": [], "api": []}


# Docstring fixes applied before numpydoc reads the docstrings.
#
# 1. A shape such as "(n_features_in_, n_hidden)" in a Parameters or
#    Attributes type is plain reST text, where "n_features_in_" is a
#    hyperlink reference to a target that does not exist. Escape the
#    trailing underscore of such names in type specifications.
# 2. Methods inherited from scikit-learn (get_params, score,
#    set_fit_request, ...) refer to labels and glossary terms of
#    scikit-learn's own documentation. The build works offline, with no
#    intersphinx inventory to resolve them, so they are shown as plain text.
_TYPE_LINE = re.compile(r"^(\s*\w[\w, ]* : )(.+)$")
_NAME_ENDING_IN_UNDERSCORE = re.compile(r"(?<![`\w\\])([A-Za-z]\w*?)_(?![\w`])")
_REF_WITH_TEXT = re.compile(r":(?:ref|term):`([^`<]+?)\s*<[^`>]+>`")
_REF = re.compile(r":(?:ref|term):`([^`]+)`")


def _escape_type_line(line):
    match = _TYPE_LINE.match(line)
    if not match:
        return line
    head, spec = match.groups()
    return head + _NAME_ENDING_IN_UNDERSCORE.sub(r"\1\\_", spec)


def _fix_docstring(app, what, name, obj, options, lines):
    foreign = not getattr(obj, "__module__", "sklearn_bptt").startswith("sklearn_bptt")
    for i, line in enumerate(lines):
        line = _escape_type_line(line)
        if foreign:
            line = _REF.sub(r"\1", _REF_WITH_TEXT.sub(r"\1", line))
        lines[i] = line


def setup(app):
    # Priority below numpydoc's default (500), so this runs first.
    app.connect("autodoc-process-docstring", _fix_docstring, priority=400)
