"""Docstrings read well in ``help()``, not only in the rendered site."""

import inspect
import re

import pytest

import skdecay

PUBLIC = [name for name in skdecay.__all__ if not name.startswith("_")]


@pytest.mark.parametrize("name", PUBLIC)
def test_help_shows_no_raw_line_continuations(name):
    """``default='auto'`` once stood alone after a ``\\`` continuation."""
    doc = inspect.getdoc(getattr(skdecay, name)) or ""
    assert doc, f"{name} has no docstring"
    for line in doc.splitlines():
        assert not line.rstrip().endswith("\\"), (name, line)
        # A parameter line ``name : type`` that a continuation split in two.
        assert not re.match(r"^\s+default=", line), (name, line)
