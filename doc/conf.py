"""Sphinx configuration for the skdecay documentation."""

import skdecay

project = "skdecay"
author = "skdecay developers"
copyright = "skdecay developers"
release = skdecay.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.mathjax",
]

exclude_patterns = ["_build"]
default_role = "literal"

# Methods are documented by autodoc; numpydoc's autosummary table of class
# members would need sphinx.ext.autosummary and stub pages.
numpydoc_show_class_members = False

html_theme = "alabaster"
html_title = f"skdecay {release}"
