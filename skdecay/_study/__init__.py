"""The weight-decay study: ``skdecay.study`` and the ``skdecay study`` command.

Importing this package imports only the core's dependencies; a study needs
the ``report`` extra (pandas, Jinja2, matplotlib, tqdm).
"""

from ._api import StudyResult, study

__all__ = ["StudyResult", "study"]
