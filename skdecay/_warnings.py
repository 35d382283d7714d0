"""Warnings that point at the user's line, whatever the call path.

A warning's ``stacklevel`` counted by hand goes stale as soon as a call path
changes: ``fit`` runs under scikit-learn's ``_fit_context`` and skdecay's own
wrappers, ``decay_path`` under ``validate_params``, a Pipeline adds its own
frames. :func:`warn_user` instead walks the stack to the first frame outside
skdecay, scikit-learn and joblib (Python 3.12's ``skip_file_prefixes``, which
3.10 and 3.11 lack), so the warning names the user's script or test, and for a
Pipeline the line that calls the pipeline's ``fit``.
"""

from __future__ import annotations

import os
import sys
import warnings

import joblib
import sklearn

#: Frames in these folders are never the user's line.
LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (__file__, sklearn.__file__, joblib.__file__)
)


def _is_importlib_internal(frame) -> bool:
    # warnings.warn skips these frames when it counts stack levels
    # (CPython's is_internal_frame); counting them here would overshoot.
    filename = frame.f_code.co_filename
    return "importlib" in filename and "_bootstrap" in filename


def _user_stacklevel() -> int:
    """The ``stacklevel``, counted from :func:`warn_user`'s ``warnings.warn``
    call, of the first frame outside the libraries.

    A stack made only of library frames (a scikit-learn worker thread) gives
    its outermost frame.
    """
    frame = sys._getframe(2)  # warn_user's caller: level 2 from warn_user
    level = 2
    while frame.f_code.co_filename.startswith(LIBRARY_DIRS):
        outer = frame.f_back
        while outer is not None and _is_importlib_internal(outer):
            outer = outer.f_back
        if outer is None:
            break
        frame, level = outer, level + 1
    return level


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)``, attributed to the user's line."""
    warnings.warn(message, category, stacklevel=_user_stacklevel())
