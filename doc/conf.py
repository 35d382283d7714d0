"""Sphinx configuration for the skdecay documentation.

Build (offline; nothing is fetched)::

    python -m sphinx -W -b html doc doc/_build/html

runs every example of ``examples/`` for the gallery (about a minute); add
``-D plot_gallery=0`` to build the gallery pages with their code but without
running it (what ``.ci/run`` does: ``tests/test_examples.py`` runs them).
"""

import re
from pathlib import Path

import skdecay

DOC = Path(__file__).resolve().parent
ROOT = DOC.parent

project = "skdecay"
author = "skdecay developers"
copyright = "skdecay developers"
release = skdecay.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates"]
default_role = "literal"

# API reference: one generated page per public object (doc/api.rst lists
# them; doc/_templates/ lays the pages out).
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters section carries the types
autodoc_default_options = {"member-order": "groupwise"}
# The class template lists and documents skdecay's own methods; numpydoc's
# table would add those inherited from scikit-learn (score, get_params, ...),
# whose docstrings point into scikit-learn's user guide (api.rst says so).
numpydoc_show_class_members = False

# The examples gallery, built from examples/ (a header docstring in reST and
# ``# %%`` cells per script). Every script runs (``-D plot_gallery=0`` skips
# running them) and each code cell's figures appear under it.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skdecay",),
    "backreferences_dir": "generated/backreferences",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "image_scrapers": ("matplotlib",),
    "show_memory": False,
    "remove_config_comments": True,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skdecay {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "getting_started": [], "study": []}
html_show_sourcelink = False


def _readme_quickstart() -> str:
    """The README's Quickstart code block, so that the two cannot drift apart."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Quickstart\n.*?```python\n(.*?)^```", readme, re.S | re.M)
    if match is None:
        raise RuntimeError("README.md has no '## Quickstart' section with code.")
    return match.group(1)


def _insert_quickstart(app, docname, source):
    """Replace the ``README-QUICKSTART`` line of getting_started.rst."""
    if docname != "getting_started":
        return
    block = "".join(
        "    " + line if line.strip() else line
        for line in _readme_quickstart().splitlines(keepends=True)
    )
    source[0] = source[0].replace(
        ".. README-QUICKSTART\n", ".. code-block:: python\n\n" + block
    )


def setup(app):
    app.connect("source-read", _insert_quickstart)
