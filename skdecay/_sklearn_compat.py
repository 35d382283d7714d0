"""Every private scikit-learn name skdecay uses, imported in one place.

scikit-learn may move or change its private helpers in any release. Importing
them here, and only here, makes an upgrade that breaks one fail at import
with a message that names it, instead of deep inside a fit. The public
modules import these names from this module.
"""

from __future__ import annotations

import sklearn

_TESTED = "1.6 to 1.9"


def _missing(name: str, error: Exception) -> ImportError:
    return ImportError(
        f"skdecay needs scikit-learn's private helper {name}, which scikit-learn "
        f"{sklearn.__version__} does not provide ({error}). skdecay is tested "
        f"with scikit-learn {_TESTED}: install one of those, e.g. "
        "pip install 'scikit-learn<1.10'."
    )


try:
    from sklearn.base import _fit_context
except ImportError as error:  # pragma: no cover - depends on the version
    raise _missing("sklearn.base._fit_context", error) from error
try:
    from sklearn.utils._param_validation import (
        Interval,
        InvalidParameterError,
        StrOptions,
        validate_params,
    )
except ImportError as error:  # pragma: no cover
    raise _missing("sklearn.utils._param_validation", error) from error
try:
    from sklearn.utils.validation import _check_sample_weight
except ImportError as error:  # pragma: no cover
    raise _missing("sklearn.utils.validation._check_sample_weight", error) from error
try:
    from sklearn.utils import _safe_indexing
except ImportError as error:  # pragma: no cover
    raise _missing("sklearn.utils._safe_indexing", error) from error
try:
    from sklearn.utils.multiclass import _check_partial_fit_first_call
except ImportError as error:  # pragma: no cover
    raise _missing(
        "sklearn.utils.multiclass._check_partial_fit_first_call", error
    ) from error
try:
    from sklearn.utils.parallel import _get_threadpool_controller
except ImportError as error:  # pragma: no cover
    raise _missing(
        "sklearn.utils.parallel._get_threadpool_controller", error
    ) from error
try:
    from sklearn.utils._optional_dependencies import check_matplotlib_support
except ImportError as error:  # pragma: no cover
    raise _missing(
        "sklearn.utils._optional_dependencies.check_matplotlib_support", error
    ) from error
try:
    from sklearn.utils._plotting import _validate_score_name
except ImportError as error:  # pragma: no cover
    raise _missing("sklearn.utils._plotting._validate_score_name", error) from error

__all__ = [
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_check_partial_fit_first_call",
    "_check_sample_weight",
    "_fit_context",
    "_get_threadpool_controller",
    "_safe_indexing",
    "_validate_score_name",
    "check_matplotlib_support",
    "validate_params",
]
